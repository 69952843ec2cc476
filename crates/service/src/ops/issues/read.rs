//! Reading issues: pm_get_issue and pm_get_archived_issue (an issue in full),
//! pm_list_issues and pm_list_archived_issues, and pm_search_issues.

use lazypm_domain::text::required;
use lazypm_domain::{
    Comment, DependencyKind, Issue, IssueType, LinkDirection, LinkedIssue, Priority, SortField,
    SortOrder, Status, Task, WorkLog, format_minutes,
};
use lazypm_store::{Cursor, IssueQuery, SearchQuery};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::input::{OneOrMany, StatusFilter};
use crate::ops::{check_limit, load_detail, load_issue};
use crate::{Result, Service, ServiceError, fields};

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
    /// One status or several; `open` is every status not done or canceled.
    pub status: Option<OneOrMany<StatusFilter>>,
    pub priority: Option<OneOrMany<Priority>>,
    #[serde(rename = "type")]
    pub issue_type: Option<OneOrMany<IssueType>>,
    /// Alias: submodule.
    #[serde(alias = "submodule")]
    pub module: Option<String>,
    pub owner: Option<String>,
    pub label: Option<String>,
    /// Sprint name.
    pub sprint: Option<String>,
    /// Parent issue key: list its children.
    pub parent: Option<String>,
    /// Default priority.
    pub sort: Option<SortField>,
    pub order: Option<SortOrder>,
    /// Rows per page, 1–200, default 50.
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Columns of each row.
    pub fields: Option<Vec<String>>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ListIssuesOutput {
    pub issues: Vec<Value>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A page of issues as typed rows (see [`Service::issue_page`]).
#[derive(Debug, Serialize)]
pub struct IssuePage {
    pub issues: Vec<Issue>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchIssuesInput {
    pub project_id: Option<String>,
    /// Words to find in titles, specs and comments (alias: q).
    #[serde(alias = "q")]
    pub query: String,
    /// One status or several, or `open`.
    pub status: Option<OneOrMany<StatusFilter>>,
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

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListArchivedInput {
    pub project_id: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
    pub fields: Option<Vec<String>>,
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

impl Service {
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
        let fields = fields::validate(input.fields.as_deref())?;
        let page = self
            .issue_page(input, archived, fields::needs_content(&fields))
            .await?;
        Ok(ListIssuesOutput {
            issues: page
                .issues
                .iter()
                .map(|i| fields::row(i, &fields))
                .collect(),
            next_cursor: page.next_cursor,
        })
    }

    /// One page of issues as typed rows: what pm_list_issues (archived:
    /// pm_list_archived_issues) selects, before its rows are cut to the
    /// chosen fields. `with_content` loads the rich content too.
    pub async fn issue_page(
        &self,
        input: ListIssuesInput,
        archived: bool,
        with_content: bool,
    ) -> Result<IssuePage> {
        let limit = check_limit(input.limit, 50)?;
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
            statuses: input
                .status
                .map(|s| StatusFilter::expand(s.into_vec()))
                .unwrap_or_default(),
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
            with_content,
            blocks_linked: false,
        };
        let (issues, next) = tx.list_issues(&q).await?;
        Ok(IssuePage {
            issues,
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
                statuses: input
                    .status
                    .map(|s| StatusFilter::expand(s.into_vec()))
                    .unwrap_or_default(),
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
