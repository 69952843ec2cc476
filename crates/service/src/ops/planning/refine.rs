//! Refining an issue's specification: pm_refine_issue (requirements, technical
//! approach, acceptance criteria, risks, dependencies) and pm_add_acceptance_criteria.

use lazypm_domain::text::{clean_list, required};
use lazypm_domain::{DependencyKind, EventType, Issue, IssueKey};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::ops::issues::TEXT_MAX;
use crate::ops::links::{blocks_path, record_link};
use crate::ops::work::save;
use crate::ops::{check_version, load_issue};
use crate::{Result, Service, ServiceError};

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
    /// Omit, with content, to review.
    pub aspect: Option<RefineAspect>,
    /// Markdown. acceptance/risks: one item per line; dependencies: issue keys.
    pub content: Option<String>,
    /// The version you read; refused if changed since.
    pub version: Option<i64>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RefineIssueOutput {
    pub issue: crate::ops::issues::IssueSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aspect: Option<RefineAspect>,
    /// False when nothing was written (a review, or content already there).
    pub changed: bool,
    /// The items added: criteria, risks or blocking issue keys.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<String>,
    /// Without aspect and content: each aspect missing, thin or ok, with the call that fills it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub review: Vec<super::AspectReview>,
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
pub(crate) fn add_requirements(description: &str, content: &str) -> String {
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

impl Service {
    pub async fn pm_refine_issue(&self, input: RefineIssueInput) -> Result<RefineIssueOutput> {
        let (aspect, content) = match (input.aspect, input.content.as_deref()) {
            (None, None) => return self.refinement_review(&input.issue_key).await,
            (Some(a), Some(c)) => (a, required("content", c, TEXT_MAX)?),
            (None, Some(_)) => {
                return Err(ServiceError::invalid(
                    "aspect",
                    "say which aspect the content refines: requirements, technical, acceptance, risks or dependencies (or pass neither for a review)",
                ));
            }
            (Some(a), None) => {
                return Err(ServiceError::invalid(
                    "content",
                    format!(
                        "give the content to add to {}",
                        serde_json::to_value(a).unwrap_or_default()
                    ),
                ));
            }
        };
        let items = match aspect {
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
        let dep_keys = match aspect {
            RefineAspect::Dependencies => content_keys("content", &content)?,
            _ => Vec::new(),
        };
        let mut w = self.write().await?;
        let mut issue = load_issue(&mut *w, "issue_key", &input.issue_key).await?;
        let before = issue.clone();
        check_version(&issue.key, input.version, issue.version)?;
        let mut added: Vec<String> = Vec::new();
        let mut blockers: Vec<Issue> = Vec::new();
        match aspect {
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
                record_link(
                    &mut w,
                    EventType::IssueLinked,
                    b,
                    &issue,
                    DependencyKind::Blocks,
                )
                .await?;
            }
            save(&mut w, &mut issue).await?;
            w.record(
                EventType::IssueRefined,
                Some(&issue.project),
                &issue.key,
                Some(&issue.key),
                json!({ "aspect": aspect, "added": added }),
            )
            .await?;
            w.commit().await?;
        }
        let next_steps = vec![
            format!("pm_get_issue: read {} as refined", issue.key),
            format!("pm_estimate: estimate {} once it is specified", issue.key),
        ];
        Ok(RefineIssueOutput {
            issue: crate::ops::issues::IssueSummary::changed(&before, &issue),
            aspect: Some(aspect),
            changed,
            added,
            review: Vec::new(),
            next_steps,
        })
    }

    /// The refinement review of an issue: nothing is written.
    async fn refinement_review(&self, issue_key: &str) -> Result<RefineIssueOutput> {
        let mut tx = self.read().await?;
        let detail = crate::ops::load_detail(&mut *tx, "issue_key", issue_key).await?;
        let review = super::refinement_review(&detail.issue, &detail.links);
        let mut next_steps: Vec<String> = review
            .iter()
            .filter_map(|r| {
                let tool = r.call.as_deref()?.split_whitespace().next()?;
                Some(format!("{tool}: {} is {}", r.aspect, r.state))
            })
            .collect();
        if next_steps.is_empty() {
            next_steps.push(format!(
                "pm_start_work: {} is specified well enough to start",
                detail.issue.key
            ));
        }
        Ok(RefineIssueOutput {
            issue: crate::ops::issues::IssueSummary::of(&detail.issue),
            aspect: None,
            changed: false,
            added: Vec::new(),
            review,
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
                EventType::AcceptanceCriteriaAdded,
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
    fn keys_are_read_from_lists() {
        let keys = content_keys("content", "- pm-1\n- PM-2, PM-1").unwrap();
        let keys: Vec<&str> = keys.iter().map(|k| k.as_str()).collect();
        assert_eq!(keys, vec!["PM-1", "PM-2"]);
        assert!(content_keys("content", " - ").is_err());
    }
}
