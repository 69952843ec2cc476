//! Creating, reading, listing, searching, changing and deleting issues.

use lazypm_domain::text::{bounded, clean_list, required};
use lazypm_domain::{
    Analytics, Comment, Communication, Complexity, DependencyKind, Estimate, Implementation, Issue,
    IssueKey, IssueType, LinkDirection, LinkedIssue, Planning, Priority, SortField, SortOrder,
    Specification, Status, Task, WorkLog, format_minutes, parse_duration,
};
use lazypm_store::{Cursor, IssueQuery, SearchQuery};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Scope, check_limit, check_version, load_detail, load_issue};
use crate::audit::Write;
use crate::input::nullable;
use crate::{Result, Service, ServiceError, fields};

pub(crate) const TITLE_MAX: usize = 200;
pub(crate) const TEXT_MAX: usize = 100_000;

/// One value or a list of values.
#[derive(Debug, Clone, JsonSchema)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for OneOrMany<T> {
    /// Tells a list from a single value first, so a bad element reports the
    /// element type's own error (with its allowed values), not "no variant matched".
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error;
        match Value::deserialize(d)? {
            Value::Array(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| {
                    serde_json::from_value(v).map_err(|e| D::Error::custom(format!("[{i}]: {e}")))
                })
                .collect::<std::result::Result<Vec<T>, _>>()
                .map(OneOrMany::Many),
            v => serde_json::from_value(v)
                .map(OneOrMany::One)
                .map_err(D::Error::custom),
        }
    }
}

impl<T> OneOrMany<T> {
    pub fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::One(v) => vec![v],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateIssueInput {
    pub project_id: Option<String>,
    #[serde(rename = "type")]
    pub issue_type: IssueType,
    pub title: String,
    /// Markdown specification.
    pub description: Option<String>,
    /// Default P3.
    pub priority: Option<Priority>,
    /// The submodule or area this touches.
    #[serde(alias = "submodule")]
    pub module: Option<String>,
    pub acceptance_criteria: Option<Vec<String>>,
    pub technical_approach: Option<String>,
    /// Keys of issues this one depends on: each is linked as blocking it.
    pub dependencies: Option<Vec<String>>,
    /// Effort: `2h`, `3d`, `1.5w` or a range `1-2d` (midpoint hours).
    pub estimated_effort: Option<String>,
    pub estimate_hours: Option<f64>,
    pub story_points: Option<i64>,
    pub complexity: Option<Complexity>,
    pub owner: Option<String>,
    pub stakeholders: Option<Vec<String>>,
    pub risks: Option<Vec<String>>,
    pub labels: Option<Vec<String>>,
    /// Key of the parent issue (an epic).
    pub parent: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct IssueOutput {
    pub issue: Issue,
    pub next_steps: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetIssueInput {
    pub issue_key: String,
}

/// An issue with everything attached to it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct IssueDetailOutput {
    pub issue: Issue,
    pub tasks: Vec<Task>,
    pub work_logs: Vec<WorkLog>,
    pub comments: Vec<Comment>,
    /// Issues that block this one.
    pub depends_on: Vec<LinkedIssue>,
    /// Issues this one blocks.
    pub blocks: Vec<LinkedIssue>,
    /// Relates / duplicates / discovered-from links, either way.
    pub related: Vec<LinkedIssue>,
    /// True when it is open and nothing open blocks it.
    pub ready: bool,
    /// Time logged so far, like `2h30m`.
    pub time_spent: String,
    pub sprints: Vec<String>,
    pub next_steps: Vec<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListIssuesInput {
    pub project_id: Option<String>,
    /// One status or several.
    pub status: Option<OneOrMany<Status>>,
    pub priority: Option<OneOrMany<Priority>>,
    #[serde(rename = "type")]
    pub issue_type: Option<OneOrMany<IssueType>>,
    #[serde(alias = "submodule")]
    pub module: Option<String>,
    pub owner: Option<String>,
    pub label: Option<String>,
    /// Sprint name.
    pub sprint: Option<String>,
    /// Parent issue key: list its children.
    pub parent: Option<String>,
    /// Default priority (P1 first); updated/created: newest first.
    pub sort: Option<SortField>,
    /// `desc` reverses the sort's natural order.
    pub order: Option<SortOrder>,
    /// Rows per page, 1–200, default 50.
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Fields of each row; default key, title, type, status, priority, owner, updated_at.
    pub fields: Option<Vec<String>>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ListIssuesOutput {
    pub issues: Vec<Value>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchIssuesInput {
    pub project_id: Option<String>,
    /// Words to find in titles, specs and comments.
    #[serde(alias = "q")]
    pub query: String,
    pub status: Option<OneOrMany<Status>>,
    pub include_archived: Option<bool>,
    /// 1–200, default 20.
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SearchIssuesOutput {
    pub hits: Vec<SearchHitOutput>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SearchHitOutput {
    pub key: String,
    pub title: String,
    #[serde(rename = "type")]
    pub issue_type: IssueType,
    pub status: Status,
    pub priority: Priority,
    /// Relevance; higher is better.
    pub score: f64,
    /// Best matching passage, matched words between « and ».
    pub snippet: String,
}

/// Fields to change; absent fields stay as they are, `null` clears a clearable field.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateIssueInput {
    pub issue_key: String,
    /// The version you read; refused if changed since.
    pub version: Option<i64>,
    pub title: Option<String>,
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub issue_type: Option<IssueType>,
    pub priority: Option<Priority>,
    /// null clears it.
    #[serde(default, deserialize_with = "nullable", alias = "submodule")]
    pub module: Option<Option<String>>,
    /// null clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub owner: Option<Option<String>>,
    /// null clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub parent: Option<Option<String>>,
    pub labels: Option<Vec<String>>,
    pub acceptance_criteria: Option<Vec<String>>,
    /// null clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub technical_approach: Option<Option<String>>,
    /// null clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub estimated_effort: Option<Option<String>>,
    /// null clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub estimate_hours: Option<Option<f64>>,
    /// null clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub story_points: Option<Option<i64>>,
    /// null clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub complexity: Option<Option<Complexity>>,
    pub stakeholders: Option<Vec<String>>,
    pub risks: Option<Vec<String>>,
    /// Archive (true) or unarchive; only done or canceled issues.
    pub archived: Option<bool>,
    /// Not accepted here: status changes go through pm_update_status. Kept out
    /// of the schema; present only to answer a caller who tries it.
    #[schemars(skip)]
    pub status: Option<Value>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteIssueInput {
    pub issue_key: String,
    /// Must be true: deletion removes the issue with its tasks, logs and comments.
    pub confirm: Option<bool>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct DeleteIssueOutput {
    pub deleted: String,
    pub title: String,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListArchivedInput {
    pub project_id: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
    pub fields: Option<Vec<String>>,
}

pub(crate) fn opt_text(field: &str, v: &Option<String>, max: usize) -> Result<Option<String>> {
    Ok(v.as_deref()
        .map(|s| bounded(field, s, max))
        .transpose()?
        .filter(|s| !s.is_empty()))
}

pub(crate) fn opt_name(field: &str, v: &Option<String>) -> Result<Option<String>> {
    opt_text(field, v, 100)
}

/// Parses an effort text into hours when it is a duration or a range of them.
pub(crate) fn effort_hours(field: &str, effort: &str) -> Result<Option<f64>> {
    let looks_like_range = effort.contains('-') || effort.contains(" to ");
    if looks_like_range {
        // A range of durations counts as its midpoint; other text stays text.
        return Ok(super::planning::effort_to_hours(field, effort).ok());
    }
    let minutes = parse_duration(field, effort)?;
    Ok(Some((minutes as f64 / 60.0 * 100.0).round() / 100.0))
}

fn check_hours(field: &str, h: Option<f64>) -> Result<Option<f64>> {
    match h {
        Some(h) if !(h.is_finite() && h > 0.0 && h <= 10_000.0) => Err(ServiceError::invalid(
            field,
            "must be a number of hours between 0 and 10000",
        )),
        other => Ok(other),
    }
}

pub(crate) fn check_points(field: &str, p: Option<i64>) -> Result<Option<i64>> {
    match p {
        Some(p) if !(0..=1000).contains(&p) => {
            Err(ServiceError::invalid(field, "must be between 0 and 1000"))
        }
        other => Ok(other),
    }
}

/// Splits an issue's links into what it depends on, what it blocks, and the rest.
pub(crate) fn split_links(
    links: Vec<LinkedIssue>,
) -> (Vec<LinkedIssue>, Vec<LinkedIssue>, Vec<LinkedIssue>) {
    let (mut depends_on, mut blocks, mut related) = (Vec::new(), Vec::new(), Vec::new());
    for l in links {
        match (l.kind, l.direction) {
            (DependencyKind::Blocks, LinkDirection::Incoming) => depends_on.push(l),
            (DependencyKind::Blocks, LinkDirection::Outgoing) => blocks.push(l),
            _ => related.push(l),
        }
    }
    (depends_on, blocks, related)
}

/// A new issue's fields, validated, before it has a key or a project.
pub(crate) struct NewIssue {
    pub title: String,
    pub issue_type: IssueType,
    pub description: String,
    pub priority: Priority,
    pub module: Option<String>,
    pub owner: Option<String>,
    /// Key of the parent issue, as given.
    pub parent: Option<String>,
    pub labels: Vec<String>,
    pub estimate: Estimate,
    pub acceptance: Vec<String>,
    pub technical: Option<String>,
    pub stakeholders: Vec<String>,
    pub risks: Vec<String>,
    /// Issues that block the new one.
    pub deps: Vec<IssueKey>,
}

impl NewIssue {
    /// Checks every plain field of a create request (no store access).
    pub(crate) fn validate(input: &CreateIssueInput) -> Result<Self> {
        let title = required("title", &input.title, TITLE_MAX)?;
        let description =
            opt_text("description", &input.description, TEXT_MAX)?.unwrap_or_default();
        let acceptance = clean_list(
            "acceptance_criteria",
            input.acceptance_criteria.as_deref().unwrap_or(&[]),
            2000,
        )?;
        let technical = opt_text("technical_approach", &input.technical_approach, TEXT_MAX)?;
        let labels = clean_list("labels", input.labels.as_deref().unwrap_or(&[]), 50)?;
        let stakeholders = clean_list(
            "stakeholders",
            input.stakeholders.as_deref().unwrap_or(&[]),
            100,
        )?;
        let risks = clean_list("risks", input.risks.as_deref().unwrap_or(&[]), 2000)?;
        let module = opt_name("module", &input.module)?;
        let owner = opt_name("owner", &input.owner)?;
        let effort = opt_text("estimated_effort", &input.estimated_effort, 100)?;
        let mut hours = check_hours("estimate_hours", input.estimate_hours)?;
        if hours.is_none()
            && let Some(e) = &effort
        {
            hours = effort_hours("estimated_effort", e)?;
        }
        let story_points = check_points("story_points", input.story_points)?;
        let deps: Vec<IssueKey> = input
            .dependencies
            .as_deref()
            .unwrap_or(&[])
            .iter()
            .enumerate()
            .map(|(i, k)| IssueKey::parse(&format!("dependencies[{i}]"), k))
            .collect::<std::result::Result<_, _>>()?;
        Ok(NewIssue {
            title,
            issue_type: input.issue_type,
            description,
            priority: input.priority.unwrap_or(Priority::P3),
            module,
            owner,
            parent: input.parent.clone(),
            labels,
            estimate: Estimate {
                effort,
                hours,
                story_points,
                complexity: input.complexity,
            },
            acceptance,
            technical,
            stakeholders,
            risks,
            deps,
        })
    }
}

/// Creates a validated issue in `project` within `w`: checks its parent and
/// dependencies, allocates its key, inserts it with its `blocks` links and
/// records `issue_created`. Shared by pm_create_issue and pm_split_issue.
pub(crate) async fn insert_new_issue(
    w: &mut Write<'_>,
    project: &Scope,
    new: NewIssue,
) -> Result<Issue> {
    let parent = match &new.parent {
        Some(p) => {
            let parent = load_issue(&mut **w, "parent", p).await?;
            if parent.project_id != project.id {
                return Err(ServiceError::invalid(
                    "parent",
                    format!("{} belongs to another project", parent.key),
                ));
            }
            Some(parent.key)
        }
        None => None,
    };
    let mut blockers = Vec::with_capacity(new.deps.len());
    for (i, k) in new.deps.iter().enumerate() {
        let b = load_issue(&mut **w, &format!("dependencies[{i}]"), k.as_str()).await?;
        blockers.push(b);
    }
    let number = w.allocate_issue_number(project.id).await?;
    let key = IssueKey::new(
        &lazypm_domain::ProjectKey::parse("project", &project.key)?,
        number,
    );
    let mut issue = Issue {
        id: 0,
        project_id: project.id,
        key: key.into_string(),
        project: project.key.clone(),
        title: new.title,
        issue_type: new.issue_type,
        status: Status::Proposed,
        priority: new.priority,
        module: new.module,
        owner: new.owner,
        parent,
        labels: new.labels,
        estimate: new.estimate,
        blocker_reason: None,
        branch: None,
        time_spent_minutes: 0,
        archived: false,
        version: 1,
        created_at: w.now,
        updated_at: w.now,
        started_at: None,
        completed_at: None,
        specification: Specification {
            description: new.description,
            acceptance_criteria: new.acceptance,
            technical_approach: new.technical,
        },
        planning: Planning {
            stakeholders: new.stakeholders,
            risks: new.risks,
            ..Default::default()
        },
        implementation: Implementation::default(),
        communication: Communication::default(),
        analytics: Analytics::default(),
    };
    issue.id = w.insert_issue(&issue).await?;
    for b in &blockers {
        let now = w.now;
        w.insert_link(b.id, issue.id, DependencyKind::Blocks, now)
            .await?;
    }
    let dep_keys: Vec<&str> = blockers.iter().map(|b| b.key.as_str()).collect();
    w.record(
        "issue_created",
        Some(&project.key),
        &issue.key,
        Some(&issue.key),
        json!({
            "title": issue.title, "type": issue.issue_type, "priority": issue.priority,
            "module": issue.module, "owner": issue.owner, "parent": issue.parent,
            "labels": issue.labels, "dependencies": dep_keys,
        }),
    )
    .await?;
    Ok(issue)
}

impl Service {
    pub async fn pm_create_issue(&self, input: CreateIssueInput) -> Result<IssueOutput> {
        let new = NewIssue::validate(&input)?;
        let mut w = self.write().await?;
        let project = self
            .resolve_scope(&mut *w, input.project_id.as_deref())
            .await?;
        let issue = insert_new_issue(&mut w, &project, new).await?;
        w.commit().await?;
        let mut next_steps = vec![format!(
            "pm_start_work: begin {} when you are ready",
            issue.key
        )];
        if issue.specification.acceptance_criteria.is_empty() {
            next_steps.push(format!(
                "pm_update_issue: add acceptance_criteria to {}",
                issue.key
            ));
        }
        next_steps.push(format!("pm_create_task: break {} into tasks", issue.key));
        Ok(IssueOutput { issue, next_steps })
    }

    pub async fn pm_get_issue(&self, input: GetIssueInput) -> Result<IssueDetailOutput> {
        let mut tx = self.read().await?;
        let d = load_detail(&mut *tx, "issue_key", &input.issue_key).await?;
        Ok(detail_output(d))
    }

    pub async fn pm_get_archived_issue(&self, input: GetIssueInput) -> Result<IssueDetailOutput> {
        let mut tx = self.read().await?;
        let d = load_detail(&mut *tx, "issue_key", &input.issue_key).await?;
        if !d.issue.archived {
            return Err(ServiceError::invalid(
                "issue_key",
                format!("{} is not archived: read it with pm_get_issue", d.issue.key),
            ));
        }
        Ok(detail_output(d))
    }

    pub async fn pm_list_issues(&self, input: ListIssuesInput) -> Result<ListIssuesOutput> {
        self.list(input, false).await
    }

    pub async fn pm_list_archived_issues(
        &self,
        input: ListArchivedInput,
    ) -> Result<ListIssuesOutput> {
        let list = ListIssuesInput {
            project_id: input.project_id,
            limit: input.limit,
            cursor: input.cursor,
            fields: input.fields,
            sort: Some(SortField::Updated),
            ..Default::default()
        };
        self.list(list, true).await
    }

    async fn list(&self, input: ListIssuesInput, archived: bool) -> Result<ListIssuesOutput> {
        let limit = check_limit(input.limit, 50)?;
        let fields = fields::validate(input.fields.as_deref())?;
        let after = match &input.cursor {
            Some(c) => Some(Cursor::decode(c).ok_or_else(|| {
                ServiceError::invalid("cursor", "not a cursor this list returned: pass next_cursor from the previous page unchanged")
            })?),
            None => None,
        };
        let mut tx = self.read().await?;
        let project = self
            .resolve_scope(&mut *tx, input.project_id.as_deref())
            .await?;
        let sprint_id = match &input.sprint {
            Some(name) => Some(
                tx.sprint_by_name(project.id, name)
                    .await?
                    .ok_or_else(|| {
                        ServiceError::invalid(
                            "sprint",
                            format!("no sprint '{name}' in {}: see pm_list_sprints", project.key),
                        )
                    })?
                    .id,
            ),
            None => None,
        };
        let parent_id = match &input.parent {
            Some(p) => Some(load_issue(&mut *tx, "parent", p).await?.id),
            None => None,
        };
        let q = IssueQuery {
            project_id: project.id,
            statuses: input.status.map(OneOrMany::into_vec).unwrap_or_default(),
            priorities: input.priority.map(OneOrMany::into_vec).unwrap_or_default(),
            types: input
                .issue_type
                .map(OneOrMany::into_vec)
                .unwrap_or_default(),
            module: input.module,
            owner: input.owner,
            label: input.label,
            sprint_id,
            parent_id,
            archived,
            sort: input.sort.unwrap_or(SortField::Priority),
            order: input.order.unwrap_or(SortOrder::Asc),
            limit,
            after,
            with_content: fields::needs_content(&fields),
        };
        let (issues, next) = tx.list_issues(&q).await?;
        Ok(ListIssuesOutput {
            issues: issues.iter().map(|i| fields::row(i, &fields)).collect(),
            next_cursor: next.map(|c| c.encode()),
        })
    }

    pub async fn pm_search_issues(&self, input: SearchIssuesInput) -> Result<SearchIssuesOutput> {
        let text = required("query", &input.query, 1000)?;
        if !text.chars().any(char::is_alphanumeric) {
            return Err(ServiceError::invalid(
                "query",
                "must contain at least one word to search for",
            ));
        }
        let limit = check_limit(input.limit, 20)?;
        let mut tx = self.read().await?;
        let project = self
            .resolve_scope(&mut *tx, input.project_id.as_deref())
            .await?;
        let hits = tx
            .search_issues(&SearchQuery {
                project_id: project.id,
                text,
                statuses: input.status.map(OneOrMany::into_vec).unwrap_or_default(),
                include_archived: input.include_archived.unwrap_or(false),
                limit,
                any_word: false,
            })
            .await?;
        Ok(SearchIssuesOutput {
            hits: hits
                .into_iter()
                .map(|h| SearchHitOutput {
                    key: h.issue.key,
                    title: h.issue.title,
                    issue_type: h.issue.issue_type,
                    status: h.issue.status,
                    priority: h.issue.priority,
                    score: h.score,
                    snippet: h.snippet,
                })
                .collect(),
        })
    }

    pub async fn pm_update_issue(&self, input: UpdateIssueInput) -> Result<IssueOutput> {
        if input.status.is_some() {
            return Err(ServiceError::invalid(
                "status",
                "status is changed with pm_update_status (or pm_start_work / pm_complete_issue), which check the workflow",
            ));
        }
        let mut w = self.write().await?;
        let mut issue = load_issue(&mut *w, "issue_key", &input.issue_key).await?;
        check_version(&issue.key, input.version, issue.version)?;
        let before = serde_json::to_value(&issue).unwrap_or(Value::Null);
        let mut changed: Vec<&str> = Vec::new();
        macro_rules! set {
            ($name:literal, $target:expr, $value:expr) => {{
                let v = $value;
                if $target != v {
                    $target = v;
                    changed.push($name);
                }
            }};
        }
        if let Some(t) = &input.title {
            set!("title", issue.title, required("title", t, TITLE_MAX)?);
        }
        if let Some(d) = &input.description {
            set!(
                "description",
                issue.specification.description,
                bounded("description", d, TEXT_MAX)?
            );
        }
        if let Some(t) = input.issue_type {
            set!("type", issue.issue_type, t);
        }
        if let Some(p) = input.priority {
            set!("priority", issue.priority, p);
        }
        if let Some(m) = &input.module {
            set!("module", issue.module, opt_name("module", m)?);
        }
        if let Some(o) = &input.owner {
            set!("owner", issue.owner, opt_name("owner", o)?);
        }
        if let Some(p) = &input.parent {
            let parent = match p {
                Some(k) => {
                    let parent = load_issue(&mut *w, "parent", k).await?;
                    if parent.id == issue.id {
                        return Err(ServiceError::invalid(
                            "parent",
                            "an issue cannot be its own parent",
                        ));
                    }
                    if parent.project_id != issue.project_id {
                        return Err(ServiceError::invalid(
                            "parent",
                            format!("{} belongs to another project", parent.key),
                        ));
                    }
                    // Walk up from the new parent: meeting this issue means a cycle.
                    let mut chain = vec![issue.key.clone(), parent.key.clone()];
                    let mut up = parent.parent.clone();
                    while let Some(k) = up {
                        chain.push(k.clone());
                        if k == issue.key {
                            return Err(ServiceError::invalid(
                                "parent",
                                format!(
                                    "that would make a cycle of parents: {}",
                                    chain.join(" → ")
                                ),
                            ));
                        }
                        if chain.len() > 64 {
                            break;
                        }
                        up = w.issue_by_key(&k).await?.and_then(|i| i.parent);
                    }
                    Some(parent.key)
                }
                None => None,
            };
            set!("parent", issue.parent, parent);
        }
        if let Some(l) = &input.labels {
            set!("labels", issue.labels, clean_list("labels", l, 50)?);
        }
        if let Some(a) = &input.acceptance_criteria {
            set!(
                "acceptance_criteria",
                issue.specification.acceptance_criteria,
                clean_list("acceptance_criteria", a, 2000)?
            );
        }
        if let Some(t) = &input.technical_approach {
            set!(
                "technical_approach",
                issue.specification.technical_approach,
                opt_text("technical_approach", t, TEXT_MAX)?
            );
        }
        if let Some(e) = &input.estimated_effort {
            let effort = opt_text("estimated_effort", e, 100)?;
            if let Some(text) = &effort
                && input.estimate_hours.is_none()
                && let Some(h) = effort_hours("estimated_effort", text)?
            {
                set!("estimate_hours", issue.estimate.hours, Some(h));
            }
            set!("estimated_effort", issue.estimate.effort, effort);
        }
        if let Some(h) = input.estimate_hours {
            set!(
                "estimate_hours",
                issue.estimate.hours,
                check_hours("estimate_hours", h)?
            );
        }
        if let Some(p) = input.story_points {
            set!(
                "story_points",
                issue.estimate.story_points,
                check_points("story_points", p)?
            );
        }
        if let Some(c) = input.complexity {
            set!("complexity", issue.estimate.complexity, c);
        }
        if let Some(s) = &input.stakeholders {
            set!(
                "stakeholders",
                issue.planning.stakeholders,
                clean_list("stakeholders", s, 100)?
            );
        }
        if let Some(r) = &input.risks {
            set!("risks", issue.planning.risks, clean_list("risks", r, 2000)?);
        }
        if let Some(a) = input.archived {
            if a && !issue.status.is_closed() {
                return Err(ServiceError::invalid(
                    "archived",
                    format!(
                        "only done or canceled issues can be archived; {} is {}",
                        issue.key, issue.status
                    ),
                ));
            }
            set!("archived", issue.archived, a);
        }
        if changed.is_empty() {
            return Ok(IssueOutput {
                next_steps: vec![format!(
                    "pm_get_issue: nothing changed; read {} in full",
                    issue.key
                )],
                issue,
            });
        }
        let expected = issue.version;
        issue.version += 1;
        issue.updated_at = w.now;
        w.update_issue(&issue, expected).await?;
        let after = serde_json::to_value(&issue).unwrap_or(Value::Null);
        let diff = diff_fields(&before, &after);
        let event = if changed == ["archived"] {
            if issue.archived {
                "issue_archived"
            } else {
                "issue_unarchived"
            }
        } else {
            "issue_updated"
        };
        w.record(
            event,
            Some(&issue.project),
            &issue.key,
            Some(&issue.key),
            json!({ "fields": changed, "changes": diff }),
        )
        .await?;
        w.commit().await?;
        Ok(IssueOutput {
            next_steps: vec![format!("pm_get_issue: read {} in full", issue.key)],
            issue,
        })
    }

    pub async fn pm_delete_issue(&self, input: DeleteIssueInput) -> Result<DeleteIssueOutput> {
        if input.confirm != Some(true) {
            return Err(ServiceError::invalid(
                "confirm",
                "deleting removes the issue with its tasks, work logs and comments; pass confirm: true to go ahead (or archive it instead with pm_update_issue archived: true)",
            ));
        }
        let mut w = self.write().await?;
        let d = load_detail(&mut *w, "issue_key", &input.issue_key).await?;
        w.delete_issue(d.issue.id).await?;
        w.record(
            "issue_deleted",
            Some(&d.issue.project),
            &d.issue.key,
            Some(&d.issue.key),
            json!({ "snapshot": d.issue, "tasks": d.tasks.len(), "work_logs": d.work_logs.len(), "comments": d.comments.len() }),
        )
        .await?;
        w.commit().await?;
        Ok(DeleteIssueOutput {
            deleted: d.issue.key,
            title: d.issue.title,
        })
    }
}

/// The top-level and nested fields whose values differ, as `{field: {from, to}}`.
pub(crate) fn diff_fields(before: &Value, after: &Value) -> Value {
    let mut out = serde_json::Map::new();
    if let (Value::Object(b), Value::Object(a)) = (before, after) {
        for (k, av) in a {
            if matches!(k.as_str(), "version" | "updated_at") {
                continue;
            }
            let bv = b.get(k).unwrap_or(&Value::Null);
            if bv == av {
                continue;
            }
            match (bv, av) {
                (Value::Object(_), Value::Object(_)) => {
                    if let Value::Object(inner) = diff_fields(bv, av) {
                        for (ik, iv) in inner {
                            out.insert(format!("{k}.{ik}"), iv);
                        }
                    }
                }
                _ => {
                    out.insert(k.clone(), json!({ "from": bv, "to": av }));
                }
            }
        }
    }
    Value::Object(out)
}

pub(crate) fn detail_output(d: lazypm_store::IssueDetail) -> IssueDetailOutput {
    let (depends_on, blocks, related) = split_links(d.links);
    let open_blockers: Vec<&LinkedIssue> = depends_on
        .iter()
        .filter(|l| !l.status.is_closed())
        .collect();
    let ready = !d.issue.status.is_closed() && open_blockers.is_empty();
    let key = d.issue.key.clone();
    let next_steps = match d.issue.status {
        Status::Proposed if ready => vec![format!("pm_start_work: start {key}")],
        Status::Proposed => vec![format!(
            "pm_get_issue: {key} waits on {}; work on those first",
            open_blockers
                .iter()
                .map(|l| l.key.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )],
        Status::InProgress => vec![
            format!("pm_log_work: record progress on {key}"),
            format!("pm_update_status: move {key} to review when done"),
            format!("pm_complete_issue: finish {key}"),
        ],
        Status::Review => vec![format!("pm_complete_issue: close {key} once reviewed")],
        Status::Blocked => vec![format!(
            "pm_update_status: move {key} back to in_progress when unblocked"
        )],
        Status::Done | Status::Canceled => vec!["pm_suggest_next_work: pick the next issue".into()],
    };
    IssueDetailOutput {
        time_spent: format_minutes(d.issue.time_spent_minutes),
        issue: d.issue,
        tasks: d.tasks,
        work_logs: d.work_logs,
        comments: d.comments,
        depends_on,
        blocks,
        related,
        ready,
        sprints: d.sprints,
        next_steps,
    }
}
