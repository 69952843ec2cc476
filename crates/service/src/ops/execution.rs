//! Pausing and resuming work, and the board: issues per status with work in
//! progress per owner.
//!
//! A pause moves an issue from in_progress back to proposed while its owner
//! keeps it (so ranking does not offer it to others); resuming moves a paused
//! (proposed) or blocked issue back to in_progress for that owner.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use lazypm_domain::{EventType, SortField, Status};
use lazypm_store::IssueQuery;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::issues::{IssueOutput, TEXT_MAX, opt_text};
use super::load_issue;
use super::reports::{BriefIssue, brief};
use super::work::{save, transition};
use crate::{Result, Service, ServiceError};

/// The board's columns, in workflow order.
const COLUMNS: [Status; 6] = [
    Status::Proposed,
    Status::InProgress,
    Status::Blocked,
    Status::Review,
    Status::Done,
    Status::Canceled,
];

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PauseWorkInput {
    pub issue_key: String,
    /// Why work stops, for the record (kept in the status notes).
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResumeWorkInput {
    pub issue_key: String,
    /// Take the issue over when someone else owns it.
    pub take_over: Option<bool>,
    pub notes: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ResumeWorkOutput {
    pub issue: super::issues::IssueSummary,
    /// False when you already had it in progress (nothing changed).
    pub resumed: bool,
    pub next_steps: Vec<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowStatusInput {
    pub project_id: Option<String>,
    /// Only this person's or agent's issues.
    pub owner: Option<String>,
    /// Issues shown per column, 1–200, default 20 (counts are always complete).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct BoardColumn {
    pub status: Status,
    /// How many issues have this status.
    pub count: i64,
    /// The first issues of the column (by priority; newest first when closed).
    pub issues: Vec<BriefIssue>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct WorkflowStatusOutput {
    pub project: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    pub columns: Vec<BoardColumn>,
    /// Issues in progress per owner (`(unassigned)` for none).
    pub wip: BTreeMap<String, i64>,
    /// The board rendered as markdown.
    pub board: String,
    pub next_steps: Vec<String>,
}

fn column_query(project_id: i64, status: Status, owner: Option<&str>, limit: i64) -> IssueQuery {
    IssueQuery {
        owner: owner.map(str::to_string),
        sort: if status.is_closed() {
            SortField::Updated
        } else {
            SortField::Priority
        },
        ..IssueQuery::lean(project_id, vec![status], limit)
    }
}

fn render_board(
    project: &str,
    owner: Option<&str>,
    columns: &[BoardColumn],
    wip: &BTreeMap<String, i64>,
) -> String {
    let mut out = String::new();
    let _ = write!(out, "# Board {project}");
    if let Some(o) = owner {
        let _ = write!(out, " (owner {o})");
    }
    out.push('\n');
    for c in columns {
        let _ = writeln!(out, "\n## {} ({})", c.status, c.count);
        if c.issues.is_empty() {
            let _ = writeln!(out, "- none");
        }
        for i in &c.issues {
            let owner = i.owner.as_deref().unwrap_or("unassigned");
            let _ = writeln!(out, "- {} [{}] {} ({owner})", i.key, i.priority, i.title);
        }
        let hidden = c.count - c.issues.len() as i64;
        if hidden > 0 {
            let _ = writeln!(out, "- … and {hidden} more");
        }
    }
    let _ = writeln!(out, "\n## WIP per owner");
    if wip.is_empty() {
        let _ = writeln!(out, "- nothing in progress");
    }
    for (o, n) in wip {
        let _ = writeln!(out, "- {o}: {n}");
    }
    out
}

impl Service {
    pub async fn pm_pause_work(&self, input: PauseWorkInput) -> Result<IssueOutput> {
        let reason = opt_text("reason", &input.reason, TEXT_MAX)?;
        let mut w = self.write().await?;
        let mut issue = load_issue(&mut *w, "issue_key", &input.issue_key).await?;
        let before = issue.clone();
        if issue.status != Status::InProgress {
            return Err(ServiceError::invalid(
                "issue_key",
                format!(
                    "{} is {}: only in_progress work can be paused",
                    issue.key, issue.status
                ),
            ));
        }
        let actor = self.actor().to_string();
        if let Some(o) = issue.owner.as_deref()
            && o != actor
        {
            return Err(ServiceError::conflict(format!(
                "{} is owned by {o}; only its owner pauses it (reassign it first with pm_assign_issue)",
                issue.key
            )));
        }
        let notes = match &reason {
            Some(r) => format!("paused: {r}"),
            None => "paused".to_string(),
        };
        transition(&mut w, &mut issue, Status::Proposed, Some(notes), &actor).await?;
        save(&mut w, &mut issue).await?;
        w.record(
            EventType::WorkPaused,
            Some(&issue.project),
            &issue.key,
            Some(&issue.key),
            json!({ "reason": reason, "owner": issue.owner }),
        )
        .await?;
        w.commit().await?;
        Ok(IssueOutput::new(
            &before,
            &issue,
            vec![
                format!("pm_resume_work: continue {} later", issue.key),
                "pm_suggest_next_work: pick other work meanwhile".into(),
            ],
        ))
    }

    pub async fn pm_resume_work(&self, input: ResumeWorkInput) -> Result<ResumeWorkOutput> {
        let notes = opt_text("notes", &input.notes, TEXT_MAX)?;
        let take_over = input.take_over.unwrap_or(false);
        let mut w = self.write().await?;
        let mut issue = load_issue(&mut *w, "issue_key", &input.issue_key).await?;
        let before = issue.clone();
        let actor = self.actor().to_string();
        let next_steps = vec![format!("pm_log_work: record progress on {}", issue.key)];
        let owned_by_other = issue.owner.as_deref().filter(|o| *o != actor);
        match issue.status {
            Status::InProgress if owned_by_other.is_none() => {
                if issue.owner.is_none() {
                    return Err(ServiceError::invalid(
                        "issue_key",
                        format!(
                            "{} is in progress without an owner: take it with pm_start_work",
                            issue.key
                        ),
                    ));
                }
                return Ok(ResumeWorkOutput {
                    issue: super::issues::IssueSummary::of(&issue),
                    resumed: false,
                    next_steps,
                });
            }
            Status::Proposed if issue.started_at.is_none() => {
                return Err(ServiceError::invalid(
                    "issue_key",
                    format!(
                        "{} was never started, so there is nothing to resume: use pm_start_work",
                        issue.key
                    ),
                ));
            }
            Status::Proposed | Status::Blocked | Status::InProgress => {}
            other => {
                return Err(ServiceError::invalid(
                    "issue_key",
                    format!(
                        "{} is {other}: resuming works on paused (proposed) or blocked work",
                        issue.key
                    ),
                ));
            }
        }
        if let Some(o) = owned_by_other
            && !take_over
        {
            return Err(ServiceError::conflict(format!(
                "{} belongs to {o}; pass take_over: true to take it over, or pick other work with pm_suggest_next_work",
                issue.key
            )));
        }
        let from = issue.status;
        if issue.owner.as_deref() != Some(actor.as_str()) {
            let previous = issue.owner.replace(actor.clone());
            w.record(
                EventType::OwnerChanged,
                Some(&issue.project),
                &issue.key,
                Some(&issue.key),
                json!({ "from": previous, "to": actor }),
            )
            .await?;
        }
        if from != Status::InProgress {
            transition(
                &mut w,
                &mut issue,
                Status::InProgress,
                notes.clone(),
                &actor,
            )
            .await?;
        }
        save(&mut w, &mut issue).await?;
        w.record(
            EventType::WorkResumed,
            Some(&issue.project),
            &issue.key,
            Some(&issue.key),
            json!({ "from": from, "notes": notes }),
        )
        .await?;
        w.commit().await?;
        Ok(ResumeWorkOutput {
            issue: super::issues::IssueSummary::changed(&before, &issue),
            resumed: true,
            next_steps,
        })
    }

    pub async fn pm_workflow_status(
        &self,
        input: WorkflowStatusInput,
    ) -> Result<WorkflowStatusOutput> {
        let shown = super::check_limit(input.limit, 20)?;
        let owner = opt_text("owner", &input.owner, 100)?;
        let mut tx = self.read().await?;
        let project = self
            .resolve_scope(&mut *tx, input.project_id.as_deref())
            .await?;
        // Counts and WIP are exact aggregates; each column lists its first `limit` issues.
        let (counts, by_owner) = tx.board_counts(project.id, owner.as_deref()).await?;
        let wip: BTreeMap<String, i64> = by_owner
            .into_iter()
            .map(|(o, n)| (o.unwrap_or_else(|| "(unassigned)".into()), n))
            .collect();
        let mut columns = Vec::with_capacity(COLUMNS.len());
        for status in COLUMNS {
            let (issues, _) = tx
                .list_issues(&column_query(project.id, status, owner.as_deref(), shown))
                .await?;
            columns.push(BoardColumn {
                status,
                count: counts.get(status.as_str()).copied().unwrap_or(0),
                issues: issues.iter().map(brief).collect(),
            });
        }
        let board = render_board(&project.key, owner.as_deref(), &columns, &wip);
        let busiest = wip.iter().max_by_key(|(_, n)| **n).filter(|(_, n)| **n > 1);
        let mut next_steps = Vec::new();
        if let Some((o, n)) = busiest {
            next_steps.push(format!(
                "pm_my_queue: {o} has {n} issues in progress; finish before starting more"
            ));
        }
        next_steps.push("pm_suggest_next_work: pick ready work".into());
        Ok(WorkflowStatusOutput {
            project: project.key,
            owner,
            columns,
            wip,
            board,
            next_steps,
        })
    }
}
