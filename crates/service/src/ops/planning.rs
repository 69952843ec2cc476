//! Planning an issue: refining its specification, estimating it, assigning
//! and prioritizing it, splitting it into child issues, and finding what it
//! is related to.

use std::collections::HashMap;

use lazypm_domain::text::{clean_list, required};
use lazypm_domain::{
    Complexity, DependencyKind, Estimate, Issue, IssueKey, IssueType, LinkDirection, Priority,
    SortField, SortOrder, Status, parse_duration,
};
use lazypm_store::{IssueQuery, SearchQuery};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::issues::{
    CreateIssueInput, IssueOutput, NewIssue, TEXT_MAX, check_points, insert_new_issue, opt_name,
    opt_text,
};
use super::links::blocks_path;
use super::reports::{BriefIssue, brief};
use super::work::save;
use super::{Scope, check_limit, check_version, load_detail, load_issue};
use crate::{Result, Service, ServiceError};

/// Most children one pm_split_issue call creates.
const MAX_CHILDREN: usize = 20;

/// Which part of an issue a refinement adds to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RefineAspect {
    Requirements,
    Technical,
    Acceptance,
    Risks,
    Dependencies,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RefineIssueInput {
    pub issue_key: String,
    /// requirements, technical, acceptance, risks or dependencies.
    pub aspect: RefineAspect,
    /// Markdown. acceptance/risks: one item per line; dependencies: issue keys.
    pub content: String,
    /// The version you read; refused if changed since.
    pub version: Option<i64>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RefineIssueOutput {
    pub issue: Issue,
    pub aspect: RefineAspect,
    /// False when the issue already held this content (nothing was written).
    pub changed: bool,
    /// The items added: criteria, risks or blocking issue keys.
    pub added: Vec<String>,
    pub next_steps: Vec<String>,
}

/// How sure an estimate is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EstimateInput {
    pub issue_key: String,
    /// Duration like `4h`, `3d` (1d = 8h), or a range like `2-3d` (midpoint).
    pub effort: String,
    /// low, medium, high or very_high; kept when absent.
    pub complexity: Option<Complexity>,
    /// low, medium or high.
    pub confidence: Option<Confidence>,
    /// 0–1000; kept when absent.
    pub story_points: Option<i64>,
    /// Why this estimate; stored as planning.estimate_reasoning.
    pub reasoning: Option<String>,
    /// Risks behind the estimate; added to planning.risks.
    pub risks: Option<Vec<String>>,
    /// The version you read; refused if changed since.
    pub version: Option<i64>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct EstimateOutput {
    pub issue: Issue,
    pub confidence: Option<Confidence>,
    /// The estimate this one replaced, as pushed to planning.estimate_history.
    pub previous: Option<Value>,
    pub next_steps: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddAcceptanceCriteriaInput {
    pub issue_key: String,
    /// Criteria to append; ones the issue already has are skipped.
    pub criteria: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct AddAcceptanceCriteriaOutput {
    pub issue: Issue,
    /// The criteria that were new.
    pub added: Vec<String>,
    pub next_steps: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignIssueInput {
    pub issue_key: String,
    /// Person or agent to assign; null to unassign.
    #[serde(deserialize_with = "present_or_null")]
    #[schemars(schema_with = "string_or_null")]
    pub owner: Option<String>,
}

/// A field that must be present but may be null.
fn present_or_null<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<String>, D::Error> {
    Option::<String>::deserialize(d)
}

fn string_or_null(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": ["string", "null"] })
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrioritizeIssueInput {
    pub issue_key: String,
    /// P1 (most urgent) to P5.
    pub priority: Priority,
    /// Why, for the record.
    pub reason: Option<String>,
}

/// How the children of a split relate to the issue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SplitLink {
    /// Children get the issue as parent.
    #[default]
    Parent,
    /// As parent, and each child blocks the issue.
    Blocks,
    /// No parent; each child is linked as relates.
    Relates,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitChild {
    pub title: String,
    /// Markdown.
    pub description: Option<String>,
    /// Default: the issue's type (feature when it is an epic).
    #[serde(rename = "type")]
    pub issue_type: Option<IssueType>,
    /// Default: the issue's priority.
    pub priority: Option<Priority>,
    /// Effort like `4h`, `2d` or a range `1-2d`.
    pub estimated_effort: Option<String>,
    pub acceptance_criteria: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitIssueInput {
    pub issue_key: String,
    /// 1–20 child issues to create.
    pub children: Vec<SplitChild>,
    /// parent (default), blocks (also child blocks issue) or relates.
    pub link_type: Option<SplitLink>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SplitIssueOutput {
    pub issue_key: String,
    pub link_type: SplitLink,
    /// The created issues, in the order given.
    pub children: Vec<BriefIssue>,
    pub next_steps: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RelatedIssuesInput {
    pub issue_key: String,
    /// How many text-similar issues to add (1–200, default 5).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RelatedIssue {
    pub key: String,
    pub title: String,
    pub status: Status,
    /// blocks, blocked_by, relates, duplicates, duplicated_by, discovered_from,
    /// source_of, parent, child, sibling or similar.
    pub relation: String,
    /// Why it is listed.
    pub reason: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RelatedIssuesOutput {
    pub issue_key: String,
    /// Links first, then family, then similar text; each issue once.
    pub related: Vec<RelatedIssue>,
    pub next_steps: Vec<String>,
}

/// The items of a markdown list: one per non-empty line, with bullet,
/// number and checkbox markers stripped.
pub(crate) fn content_items(content: &str) -> Vec<String> {
    content
        .lines()
        .map(strip_marker)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn strip_marker(line: &str) -> &str {
    let mut s = line.trim();
    loop {
        let before = s;
        for m in ["- ", "* ", "+ ", "• ", "[ ] ", "[x] ", "[X] "] {
            if let Some(rest) = s.strip_prefix(m) {
                s = rest.trim_start();
            }
        }
        let digits = s.chars().take_while(char::is_ascii_digit).count();
        if (1..4).contains(&digits)
            && let Some(rest) = s[digits..]
                .strip_prefix(". ")
                .or_else(|| s[digits..].strip_prefix(") "))
        {
            s = rest.trim_start();
        }
        if s == before {
            break;
        }
    }
    if matches!(s, "-" | "*" | "+" | "•" | "[ ]" | "[x]" | "[X]") {
        ""
    } else {
        s
    }
}

/// `description` with `content` added at the end of its `## Requirements`
/// section, creating the section at the end when there is none.
fn add_requirements(description: &str, content: &str) -> String {
    let lines: Vec<&str> = description.lines().collect();
    let heading = lines
        .iter()
        .position(|l| l.trim().eq_ignore_ascii_case("## requirements"));
    let Some(h) = heading else {
        return if description.trim().is_empty() {
            format!("## Requirements\n\n{content}")
        } else {
            format!("{}\n\n## Requirements\n\n{content}", description.trim_end())
        };
    };
    let end = lines[h + 1..]
        .iter()
        .position(|l| l.starts_with("# ") || l.starts_with("## "))
        .map_or(lines.len(), |p| h + 1 + p);
    let mut body_end = end;
    while body_end > h + 1 && lines[body_end - 1].trim().is_empty() {
        body_end -= 1;
    }
    let mut out: Vec<&str> = lines[..body_end].to_vec();
    out.push("");
    out.push(content);
    if end < lines.len() {
        out.push("");
        out.extend(&lines[end..]);
    }
    out.join("\n")
}

/// The hours an effort text stands for: a duration, or the midpoint of a
/// range (`2-3d`, `1 to 2 weeks`; a bare lower bound takes the upper's unit).
pub(crate) fn effort_to_hours(field: &str, text: &str) -> Result<f64> {
    let invalid = || {
        ServiceError::invalid(
            field,
            format!(
                "'{text}' is not an effort: give a duration like 4h, 3d or 1.5w, or a range like 2-3d (1d = 8h, 1w = 5d)"
            ),
        )
    };
    let t = text.trim().to_ascii_lowercase();
    let range = t.split_once(" to ").or_else(|| t.split_once('-'));
    let minutes = match range {
        Some((lo, hi)) => {
            let hi = hi.trim();
            let lo = lo.trim();
            let high = parse_duration(field, hi).map_err(|_| invalid())?;
            let bare = !lo.is_empty() && lo.chars().all(|c| c.is_ascii_digit() || c == '.');
            let low = if bare {
                let unit =
                    hi.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == ' ');
                parse_duration(field, &format!("{lo}{unit}")).map_err(|_| invalid())?
            } else {
                parse_duration(field, lo).map_err(|_| invalid())?
            };
            if low > high {
                return Err(ServiceError::invalid(
                    field,
                    format!("'{text}': the range must go from the smaller to the larger effort"),
                ));
            }
            (low + high) as f64 / 2.0
        }
        None => parse_duration(field, &t).map_err(|_| invalid())? as f64,
    };
    Ok((minutes / 60.0 * 100.0).round() / 100.0)
}

/// Issue keys in free text: separated by spaces, commas, semicolons or lines,
/// optionally as list items.
fn content_keys(field: &str, content: &str) -> Result<Vec<IssueKey>> {
    let mut keys: Vec<IssueKey> = Vec::new();
    for token in content
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .map(|t| t.trim_matches(|c: char| matches!(c, '*' | '+' | '•' | '.' | '`')))
        .filter(|t| !t.is_empty() && *t != "-")
    {
        let key = IssueKey::parse(field, token)?;
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    if keys.is_empty() {
        return Err(ServiceError::invalid(
            field,
            "name at least one issue key (like PROJ-12) that blocks this issue",
        ));
    }
    Ok(keys)
}

/// Puts `field` under `prefix` (`children[2].title`).
fn under(prefix: String) -> impl FnOnce(ServiceError) -> ServiceError {
    move |e| match e {
        ServiceError::Invalid { field, message } => ServiceError::Invalid {
            field: format!("{prefix}.{field}"),
            message,
        },
        other => other,
    }
}

/// Words of a title worth searching for similar issues.
fn significant_words(title: &str) -> String {
    const STOP: &[&str] = &[
        "the", "and", "for", "with", "from", "into", "that", "this", "when", "not", "are", "was",
        "has", "have", "its", "our", "out", "can", "all", "any", "but", "should", "must", "will",
    ];
    let words: Vec<&str> = title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .filter(|w| !STOP.contains(&w.to_lowercase().as_str()))
        .collect();
    if words.is_empty() {
        title.to_string()
    } else {
        words.join(" ")
    }
}

fn link_relation(
    this: &str,
    other: &str,
    kind: DependencyKind,
    dir: LinkDirection,
) -> (&'static str, String) {
    use DependencyKind::*;
    use LinkDirection::*;
    match (kind, dir) {
        (Blocks, Outgoing) => ("blocks", format!("{this} blocks {other}")),
        (Blocks, Incoming) => ("blocked_by", format!("{other} blocks {this}")),
        (Relates, _) => ("relates", format!("linked to {this} as related")),
        (Duplicates, Outgoing) => ("duplicates", format!("{this} duplicates {other}")),
        (Duplicates, Incoming) => ("duplicated_by", format!("{other} duplicates {this}")),
        (DiscoveredFrom, Outgoing) => (
            "discovered_from",
            format!("{this} was discovered from {other}"),
        ),
        (DiscoveredFrom, Incoming) => ("source_of", format!("{other} was discovered from {this}")),
    }
}

/// Related issues collected once each, in the order found.
struct Found {
    items: Vec<RelatedIssue>,
    index: HashMap<String, Option<usize>>,
}

impl Found {
    /// Starts with `this` known, so the issue never lists itself.
    fn new(this: &str) -> Self {
        Self {
            items: Vec::new(),
            index: HashMap::from([(this.to_string(), None)]),
        }
    }

    fn has(&self, key: &str) -> bool {
        self.index.contains_key(key)
    }

    /// Adds `item`, or its reason to the entry already there.
    fn add(&mut self, item: RelatedIssue) {
        match self.index.get(&item.key) {
            Some(None) => {}
            Some(Some(i)) => {
                if let Some(r) = self.items.get_mut(*i) {
                    r.reason = format!("{}; {}", r.reason, item.reason);
                }
            }
            None => {
                self.index.insert(item.key.clone(), Some(self.items.len()));
                self.items.push(item);
            }
        }
    }
}

fn children_query(project_id: i64, parent_id: i64) -> IssueQuery {
    IssueQuery {
        project_id,
        statuses: Vec::new(),
        priorities: Vec::new(),
        types: Vec::new(),
        module: None,
        owner: None,
        label: None,
        sprint_id: None,
        parent_id: Some(parent_id),
        archived: false,
        sort: SortField::Key,
        order: SortOrder::Asc,
        limit: 200,
        after: None,
        with_content: false,
    }
}

impl Service {
    pub async fn pm_refine_issue(&self, input: RefineIssueInput) -> Result<RefineIssueOutput> {
        let content = required("content", &input.content, TEXT_MAX)?;
        let items = match input.aspect {
            RefineAspect::Acceptance | RefineAspect::Risks => {
                let items = clean_list("content", &content_items(&content), 2000)?;
                if items.is_empty() {
                    return Err(ServiceError::invalid(
                        "content",
                        "holds no items: write one per line",
                    ));
                }
                items
            }
            _ => Vec::new(),
        };
        let dep_keys = match input.aspect {
            RefineAspect::Dependencies => content_keys("content", &content)?,
            _ => Vec::new(),
        };
        let mut w = self.write().await?;
        let mut issue = load_issue(&mut *w, "issue_key", &input.issue_key).await?;
        check_version(&issue.key, input.version, issue.version)?;
        let mut added: Vec<String> = Vec::new();
        let mut blockers: Vec<Issue> = Vec::new();
        match input.aspect {
            RefineAspect::Requirements => {
                if !issue.specification.description.contains(&content) {
                    let text = add_requirements(&issue.specification.description, &content);
                    if text.chars().count() > TEXT_MAX {
                        return Err(ServiceError::invalid(
                            "content",
                            format!("the description would exceed {TEXT_MAX} characters"),
                        ));
                    }
                    issue.specification.description = text;
                    added.push(content.clone());
                }
            }
            RefineAspect::Technical => {
                let current = issue.specification.technical_approach.as_deref();
                if !current.is_some_and(|c| c.contains(&content)) {
                    let text = match current {
                        Some(c) if !c.trim().is_empty() => format!("{}\n\n{content}", c.trim_end()),
                        _ => content.clone(),
                    };
                    if text.chars().count() > TEXT_MAX {
                        return Err(ServiceError::invalid(
                            "content",
                            format!("the technical approach would exceed {TEXT_MAX} characters"),
                        ));
                    }
                    issue.specification.technical_approach = Some(text);
                    added.push(content.clone());
                }
            }
            RefineAspect::Acceptance => {
                for item in items {
                    if !issue.specification.acceptance_criteria.contains(&item) {
                        issue.specification.acceptance_criteria.push(item.clone());
                        added.push(item);
                    }
                }
            }
            RefineAspect::Risks => {
                for item in items {
                    if !issue.planning.risks.contains(&item) {
                        issue.planning.risks.push(item.clone());
                        added.push(item);
                    }
                }
            }
            RefineAspect::Dependencies => {
                for k in &dep_keys {
                    let b = load_issue(&mut *w, "content", k.as_str()).await?;
                    if b.id == issue.id {
                        return Err(ServiceError::invalid(
                            "content",
                            format!("{} cannot depend on itself", issue.key),
                        ));
                    }
                    // b blocks issue: a cycle when issue already leads to b.
                    if let Some(path) = blocks_path(&mut *w, issue.id, b.id).await? {
                        let mut cycle = vec![b.key.clone(), issue.key.clone()];
                        cycle.extend(path.into_iter().skip(1));
                        return Err(ServiceError::invalid(
                            "content",
                            format!(
                                "{} blocks {} would make a cycle: {}",
                                b.key,
                                issue.key,
                                cycle.join(" → ")
                            ),
                        ));
                    }
                    blockers.push(b);
                }
                for b in &blockers {
                    let now = w.now;
                    if w.insert_link(b.id, issue.id, DependencyKind::Blocks, now)
                        .await?
                    {
                        added.push(b.key.clone());
                    }
                }
            }
        }
        let changed = !added.is_empty();
        if changed {
            for b in blockers.iter().filter(|b| added.contains(&b.key)) {
                w.record(
                    "issue_linked",
                    Some(&b.project),
                    &b.key,
                    Some(&b.key),
                    json!({ "target": issue.key, "kind": DependencyKind::Blocks }),
                )
                .await?;
            }
            save(&mut w, &mut issue).await?;
            w.record(
                "issue_refined",
                Some(&issue.project),
                &issue.key,
                Some(&issue.key),
                json!({ "aspect": input.aspect, "added": added }),
            )
            .await?;
            w.commit().await?;
        }
        let next_steps = vec![
            format!("pm_get_issue: read {} as refined", issue.key),
            format!("pm_estimate: estimate {} once it is specified", issue.key),
        ];
        Ok(RefineIssueOutput {
            issue,
            aspect: input.aspect,
            changed,
            added,
            next_steps,
        })
    }

    pub async fn pm_estimate(&self, input: EstimateInput) -> Result<EstimateOutput> {
        let effort = required("effort", &input.effort, 100)?;
        let hours = effort_to_hours("effort", &effort)?;
        let story_points = check_points("story_points", input.story_points)?;
        let reasoning = opt_text("reasoning", &input.reasoning, TEXT_MAX)?;
        let risks = clean_list("risks", input.risks.as_deref().unwrap_or(&[]), 2000)?;
        let mut w = self.write().await?;
        let mut issue = load_issue(&mut *w, "issue_key", &input.issue_key).await?;
        check_version(&issue.key, input.version, issue.version)?;
        let actor = self.actor().to_string();
        let old = issue.estimate.clone();
        let had_estimate = old != Estimate::default();
        let previous = if had_estimate {
            let mut entry = json!({
                "effort": old.effort, "hours": old.hours, "story_points": old.story_points,
                "complexity": old.complexity, "reasoning": issue.planning.estimate_reasoning,
                "replaced_at": w.now, "replaced_by": actor,
            });
            // When the estimate came from pm_estimate, keep its confidence and author.
            let events = w.issue_events(&issue.key, 10_000).await?;
            if let Some(e) = events
                .iter()
                .rev()
                .find(|e| e.event_type == "issue_estimated")
                .filter(|e| e.changes.get("to") == Some(&json!(old)))
            {
                entry["confidence"] = e.changes.get("confidence").cloned().unwrap_or(Value::Null);
                entry["estimated_at"] = json!(e.at);
                entry["estimated_by"] = json!(e.actor);
            }
            issue.planning.estimate_history.push(entry.clone());
            Some(entry)
        } else {
            None
        };
        issue.estimate = Estimate {
            effort: Some(effort),
            hours: Some(hours),
            story_points: story_points.or(old.story_points),
            complexity: input.complexity.or(old.complexity),
        };
        issue.planning.estimate_reasoning = reasoning;
        for r in &risks {
            if !issue.planning.risks.contains(r) {
                issue.planning.risks.push(r.clone());
            }
        }
        save(&mut w, &mut issue).await?;
        w.record(
            "issue_estimated",
            Some(&issue.project),
            &issue.key,
            Some(&issue.key),
            json!({
                "from": had_estimate.then_some(&old), "to": issue.estimate,
                "confidence": input.confidence, "reasoning": issue.planning.estimate_reasoning,
                "risks": risks,
            }),
        )
        .await?;
        w.commit().await?;
        let mut next_steps = Vec::new();
        if matches!(input.confidence, Some(Confidence::Low)) || hours > 24.0 {
            next_steps.push(format!(
                "pm_split_issue: {} is large or uncertain; consider splitting it",
                issue.key
            ));
        }
        next_steps.push(format!("pm_start_work: begin {} when ready", issue.key));
        Ok(EstimateOutput {
            issue,
            confidence: input.confidence,
            previous,
            next_steps,
        })
    }

    pub async fn pm_add_acceptance_criteria(
        &self,
        input: AddAcceptanceCriteriaInput,
    ) -> Result<AddAcceptanceCriteriaOutput> {
        let criteria = clean_list("criteria", &input.criteria, 2000)?;
        if criteria.is_empty() {
            return Err(ServiceError::invalid(
                "criteria",
                "give at least one non-empty criterion",
            ));
        }
        let mut w = self.write().await?;
        let mut issue = load_issue(&mut *w, "issue_key", &input.issue_key).await?;
        let added: Vec<String> = criteria
            .into_iter()
            .filter(|c| !issue.specification.acceptance_criteria.contains(c))
            .collect();
        if !added.is_empty() {
            issue
                .specification
                .acceptance_criteria
                .extend(added.iter().cloned());
            save(&mut w, &mut issue).await?;
            w.record(
                "acceptance_criteria_added",
                Some(&issue.project),
                &issue.key,
                Some(&issue.key),
                json!({ "added": added }),
            )
            .await?;
            w.commit().await?;
        }
        Ok(AddAcceptanceCriteriaOutput {
            next_steps: vec![format!(
                "pm_get_issue: read {}'s acceptance criteria",
                issue.key
            )],
            issue,
            added,
        })
    }

    pub async fn pm_assign_issue(&self, input: AssignIssueInput) -> Result<IssueOutput> {
        let owner = match &input.owner {
            None => None,
            Some(_) => Some(opt_name("owner", &input.owner)?.ok_or_else(|| {
                ServiceError::invalid("owner", "must not be empty; pass null to unassign")
            })?),
        };
        let mut w = self.write().await?;
        let mut issue = load_issue(&mut *w, "issue_key", &input.issue_key).await?;
        if issue.owner != owner {
            let from = std::mem::replace(&mut issue.owner, owner.clone());
            save(&mut w, &mut issue).await?;
            w.record(
                "owner_changed",
                Some(&issue.project),
                &issue.key,
                Some(&issue.key),
                json!({ "from": from, "to": owner }),
            )
            .await?;
            w.commit().await?;
        }
        let next = match &issue.owner {
            Some(o) => format!("pm_my_queue: {o} sees {} in their queue", issue.key),
            None => format!("pm_suggest_next_work: {} is open to anyone", issue.key),
        };
        Ok(IssueOutput {
            next_steps: vec![next],
            issue,
        })
    }

    pub async fn pm_prioritize_issue(&self, input: PrioritizeIssueInput) -> Result<IssueOutput> {
        let reason = opt_text("reason", &input.reason, 2000)?;
        let mut w = self.write().await?;
        let mut issue = load_issue(&mut *w, "issue_key", &input.issue_key).await?;
        if issue.priority != input.priority {
            let from = issue.priority;
            issue.priority = input.priority;
            save(&mut w, &mut issue).await?;
            w.record(
                "priority_changed",
                Some(&issue.project),
                &issue.key,
                Some(&issue.key),
                json!({ "from": from, "to": input.priority, "reason": reason }),
            )
            .await?;
            w.commit().await?;
        }
        Ok(IssueOutput {
            next_steps: vec![format!(
                "pm_suggest_next_work: ranking now counts {} as {}",
                issue.key, issue.priority
            )],
            issue,
        })
    }

    pub async fn pm_split_issue(&self, input: SplitIssueInput) -> Result<SplitIssueOutput> {
        let n = input.children.len();
        if n == 0 || n > MAX_CHILDREN {
            return Err(ServiceError::invalid(
                "children",
                format!("give 1 to {MAX_CHILDREN} children, not {n}"),
            ));
        }
        let link = input.link_type.unwrap_or_default();
        let mut news = Vec::with_capacity(n);
        for (i, c) in input.children.iter().enumerate() {
            let create = CreateIssueInput {
                project_id: None,
                issue_type: c.issue_type.unwrap_or(IssueType::Feature),
                title: c.title.clone(),
                description: c.description.clone(),
                priority: c.priority,
                module: None,
                acceptance_criteria: c.acceptance_criteria.clone(),
                technical_approach: None,
                dependencies: None,
                estimated_effort: c.estimated_effort.clone(),
                estimate_hours: None,
                story_points: None,
                complexity: None,
                owner: None,
                stakeholders: None,
                risks: None,
                labels: None,
                parent: None,
            };
            let new = NewIssue::validate(&create).map_err(under(format!("children[{i}]")))?;
            news.push(new);
        }
        let mut w = self.write().await?;
        let issue = load_issue(&mut *w, "issue_key", &input.issue_key).await?;
        if issue.status.is_closed() {
            return Err(ServiceError::invalid(
                "issue_key",
                format!(
                    "{} is {}: split open work (reopen it with pm_update_status first)",
                    issue.key, issue.status
                ),
            ));
        }
        let scope = Scope {
            id: issue.project_id,
            key: issue.project.clone(),
        };
        let default_type = if issue.issue_type == IssueType::Epic {
            IssueType::Feature
        } else {
            issue.issue_type
        };
        let mut children = Vec::with_capacity(n);
        for (new, c) in news.into_iter().zip(&input.children) {
            let mut new = new;
            new.issue_type = c.issue_type.unwrap_or(default_type);
            new.priority = c.priority.unwrap_or(issue.priority);
            new.module = issue.module.clone();
            if link != SplitLink::Relates {
                new.parent = Some(issue.key.clone());
            }
            let child = insert_new_issue(&mut w, &scope, new).await?;
            let now = w.now;
            match link {
                SplitLink::Parent => {}
                SplitLink::Blocks => {
                    w.insert_link(child.id, issue.id, DependencyKind::Blocks, now)
                        .await?;
                }
                SplitLink::Relates => {
                    w.insert_link(issue.id, child.id, DependencyKind::Relates, now)
                        .await?;
                }
            }
            children.push(brief(&child));
        }
        let keys: Vec<&str> = children.iter().map(|c| c.key.as_str()).collect();
        w.record(
            "issue_split",
            Some(&issue.project),
            &issue.key,
            Some(&issue.key),
            json!({ "children": keys, "link_type": link }),
        )
        .await?;
        w.commit().await?;
        let mut next_steps = Vec::new();
        if let Some(first) = children.first() {
            next_steps.push(format!("pm_start_work: begin with {}", first.key));
        }
        next_steps.push(format!(
            "pm_list_issues: parent {} lists its children",
            issue.key
        ));
        Ok(SplitIssueOutput {
            issue_key: issue.key,
            link_type: link,
            children,
            next_steps,
        })
    }

    pub async fn pm_related_issues(
        &self,
        input: RelatedIssuesInput,
    ) -> Result<RelatedIssuesOutput> {
        let limit = check_limit(input.limit, 5)?;
        let mut tx = self.read().await?;
        let d = load_detail(&mut *tx, "issue_key", &input.issue_key).await?;
        let this = d.issue.key.clone();
        let mut found = Found::new(&this);
        for l in &d.links {
            let (relation, reason) = link_relation(&this, &l.key, l.kind, l.direction);
            found.add(RelatedIssue {
                key: l.key.clone(),
                title: l.title.clone(),
                status: l.status,
                relation: relation.into(),
                reason,
            });
        }
        let parent = match &d.issue.parent {
            Some(p) => tx.issue_by_key(p).await?,
            None => None,
        };
        if let Some(p) = &parent {
            found.add(RelatedIssue {
                key: p.key.clone(),
                title: p.title.clone(),
                status: p.status,
                relation: "parent".into(),
                reason: format!("parent of {this}"),
            });
        }
        let (children, _) = tx
            .list_issues(&children_query(d.issue.project_id, d.issue.id))
            .await?;
        for c in children {
            found.add(RelatedIssue {
                reason: format!("child of {this}"),
                key: c.key,
                title: c.title,
                status: c.status,
                relation: "child".into(),
            });
        }
        if let Some(p) = &parent {
            let (siblings, _) = tx.list_issues(&children_query(p.project_id, p.id)).await?;
            for s in siblings {
                found.add(RelatedIssue {
                    reason: format!("also a child of {}", p.key),
                    key: s.key,
                    title: s.title,
                    status: s.status,
                    relation: "sibling".into(),
                });
            }
        }
        let hits = tx
            .search_issues(&SearchQuery {
                project_id: d.issue.project_id,
                text: significant_words(&d.issue.title),
                statuses: Vec::new(),
                include_archived: false,
                limit: limit + found.items.len() as i64 + 1,
                any_word: true,
            })
            .await?;
        let mut similar = 0;
        for h in hits {
            if similar >= limit {
                break;
            }
            if found.has(&h.issue.key) {
                continue;
            }
            similar += 1;
            found.add(RelatedIssue {
                reason: format!("similar text: {}", h.snippet),
                key: h.issue.key,
                title: h.issue.title,
                status: h.issue.status,
                relation: "similar".into(),
            });
        }
        let related = found.items;
        let next_steps = match related.first() {
            Some(r) => vec![format!("pm_get_issue: read {} ({})", r.key, r.relation)],
            None => vec![format!(
                "pm_link_issues: nothing relates to {this} yet; link issues that do"
            )],
        };
        Ok(RelatedIssuesOutput {
            issue_key: this,
            related,
            next_steps,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_lose_their_markers() {
        let text = "- one\n* two\n\n  3. three\n- [ ] four\n+ [x] five\n-\nsix";
        assert_eq!(
            content_items(text),
            vec!["one", "two", "three", "four", "five", "six"]
        );
    }

    #[test]
    fn requirements_go_under_their_heading() {
        assert_eq!(add_requirements("", "R1"), "## Requirements\n\nR1");
        assert_eq!(
            add_requirements("Intro", "R1"),
            "Intro\n\n## Requirements\n\nR1"
        );
        assert_eq!(
            add_requirements("Intro\n\n## Requirements\n\nR1\n\n## Notes\nN", "R2"),
            "Intro\n\n## Requirements\n\nR1\n\nR2\n\n## Notes\nN"
        );
    }

    #[test]
    fn efforts_and_ranges_become_hours() {
        assert_eq!(effort_to_hours("effort", "4h").unwrap(), 4.0);
        assert_eq!(effort_to_hours("effort", "3d").unwrap(), 24.0);
        assert_eq!(effort_to_hours("effort", "2-3d").unwrap(), 20.0);
        assert_eq!(effort_to_hours("effort", "1 to 2 weeks").unwrap(), 60.0);
        assert_eq!(effort_to_hours("effort", "30m-1h").unwrap(), 0.75);
        for bad in ["soon", "3-2d", "-1h", "2-", ""] {
            assert_eq!(
                effort_to_hours("effort", bad).unwrap_err().field(),
                Some("effort"),
                "{bad}"
            );
        }
    }

    #[test]
    fn keys_are_read_from_lists() {
        let keys = content_keys("content", "- pm-1\n- PM-2, PM-1").unwrap();
        let keys: Vec<&str> = keys.iter().map(|k| k.as_str()).collect();
        assert_eq!(keys, vec!["PM-1", "PM-2"]);
        assert!(content_keys("content", " - ").is_err());
    }
}
