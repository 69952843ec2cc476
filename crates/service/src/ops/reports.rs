//! Project health, blocked work, stand-ups and an issue's history.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Duration, Utc};
use lazypm_domain::{Event, Priority, Status, format_minutes};
use lazypm_store::CandidateQuery;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{check_limit, load_issue};
use crate::{Result, Service, ServiceError};

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusInput {
    pub project_id: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct BriefIssue {
    pub key: String,
    pub title: String,
    pub status: Status,
    pub priority: Priority,
    pub owner: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct StatusOutput {
    pub project: String,
    pub name: String,
    /// Live (not archived) issues.
    pub total: i64,
    pub open: i64,
    pub by_status: BTreeMap<String, i64>,
    pub by_priority: BTreeMap<String, i64>,
    pub by_type: BTreeMap<String, i64>,
    /// Issue counts per module / submodule (`(none)` for issues without one).
    pub by_module: BTreeMap<String, i64>,
    pub blocked: i64,
    /// Open issues waiting on an open blocking issue.
    pub waiting_on_dependencies: i64,
    pub archived: i64,
    pub in_progress: Vec<BriefIssue>,
    /// Issues waiting for review.
    pub in_review: Vec<BriefIssue>,
    /// Newest first.
    pub recent_activity: Vec<Event>,
    /// `healthy`, `attention` or `at_risk`, with the reasons.
    pub health: String,
    pub health_notes: Vec<String>,
    pub next_steps: Vec<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockedIssuesInput {
    pub project_id: Option<String>,
    /// Only work whose blockers are yours or nobody's (alias: actionable).
    #[serde(alias = "actionable")]
    pub actionable_by_me: Option<bool>,
    /// 1–200, default 50.
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct BlockedItem {
    pub key: String,
    pub title: String,
    pub status: Status,
    pub priority: Priority,
    pub owner: Option<String>,
    /// For status blocked: the reason given.
    pub blocker_reason: Option<String>,
    /// Open issues that block it.
    pub waiting_on: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct BlockedIssuesOutput {
    pub blocked: Vec<BlockedItem>,
    /// How many issues match, of which `blocked` lists the first `limit`.
    pub total: usize,
    pub truncated: bool,
    pub next_steps: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, JsonSchema, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    #[default]
    Markdown,
    Text,
    Structured,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DailyStandupInput {
    pub project_id: Option<String>,
    /// Default markdown.
    pub format: Option<ReportFormat>,
    /// Hours back, default 24.
    pub since_hours: Option<u32>,
    /// Only this person's or agent's work.
    pub owner: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct WorkedOn {
    pub key: String,
    pub minutes: i64,
    pub summaries: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct DailyStandupOutput {
    pub project: String,
    pub since: DateTime<Utc>,
    pub completed: Vec<String>,
    pub worked_on: Vec<WorkedOn>,
    pub in_progress: Vec<BriefIssue>,
    /// Issues waiting for review.
    pub in_review: Vec<BriefIssue>,
    pub blocked: Vec<BriefIssue>,
    /// The stand-up rendered in the chosen format (absent for `structured`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueHistoryInput {
    pub issue_key: String,
    /// 1–200, default 100.
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct IssueHistoryOutput {
    pub issue_key: String,
    /// Oldest first.
    pub events: Vec<Event>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

pub(crate) fn brief(i: &lazypm_domain::Issue) -> BriefIssue {
    BriefIssue {
        key: i.key.clone(),
        title: i.title.clone(),
        status: i.status,
        priority: i.priority,
        owner: i.owner.clone(),
    }
}

impl Service {
    pub async fn pm_status(&self, input: StatusInput) -> Result<StatusOutput> {
        let mut tx = self.read().await?;
        let project = self
            .resolve_project(&mut *tx, input.project_id.as_deref())
            .await?;
        let c = tx.counts(project.id).await?;
        let active = tx
            .candidates(&CandidateQuery {
                project_id: project.id,
                statuses: vec![Status::InProgress, Status::Review],
                limit: 50,
                ..Default::default()
            })
            .await?;
        let recent = tx.recent_events(&project.key, None, 10).await?;
        let n = |s: Status| c.by_status.get(s.as_str()).copied().unwrap_or(0);
        let open = c.total - n(Status::Done) - n(Status::Canceled);
        let blocked = n(Status::Blocked);
        let mut notes = Vec::new();
        if blocked > 0 {
            notes.push(format!("{blocked} issue(s) blocked"));
        }
        if c.waiting_on_dependencies > 0 {
            notes.push(format!(
                "{} issue(s) wait on open dependencies",
                c.waiting_on_dependencies
            ));
        }
        let urgent_unstarted = active.iter().all(|a| a.issue.priority != Priority::P1)
            && c.by_priority.get("P1").copied().unwrap_or(0) > 0;
        if urgent_unstarted {
            notes.push("P1 work exists but none is in progress".into());
        }
        let health = if open > 0 && (blocked * 4 >= open || urgent_unstarted) {
            "at_risk"
        } else if blocked > 0 || c.waiting_on_dependencies > 0 {
            "attention"
        } else {
            "healthy"
        };
        if notes.is_empty() {
            notes.push("nothing blocked".into());
        }
        let next_steps = if open == 0 {
            vec!["pm_create_issue: nothing is open; plan the next piece of work".into()]
        } else {
            vec![
                "pm_suggest_next_work: pick ready work".into(),
                "pm_my_queue: see your own queue".into(),
            ]
        };
        Ok(StatusOutput {
            project: project.key,
            name: project.name,
            total: c.total,
            open,
            by_status: c.by_status,
            by_priority: c.by_priority,
            by_type: c.by_type,
            by_module: c.by_module,
            blocked,
            waiting_on_dependencies: c.waiting_on_dependencies,
            archived: c.archived,
            in_progress: active
                .iter()
                .filter(|a| a.issue.status == Status::InProgress)
                .map(|a| brief(&a.issue))
                .collect(),
            in_review: active
                .iter()
                .filter(|a| a.issue.status == Status::Review)
                .map(|a| brief(&a.issue))
                .collect(),
            recent_activity: recent,
            health: health.into(),
            health_notes: notes,
            next_steps,
        })
    }

    pub async fn pm_blocked_issues(
        &self,
        input: BlockedIssuesInput,
    ) -> Result<BlockedIssuesOutput> {
        let mut tx = self.read().await?;
        let project = self
            .resolve_project(&mut *tx, input.project_id.as_deref())
            .await?;
        let cands = tx
            .candidates(&CandidateQuery {
                project_id: project.id,
                statuses: vec![
                    Status::Blocked,
                    Status::Proposed,
                    Status::InProgress,
                    Status::Review,
                ],
                limit: 10_000,
                ..Default::default()
            })
            .await?;
        let limit = check_limit(input.limit, 50)? as usize;
        let me = self.actor();
        let mine_or_nobodys = |owner: &Option<String>| owner.as_deref().is_none_or(|o| o == me);
        let mut blocked = Vec::new();
        let mut total = 0;
        for c in cands
            .into_iter()
            .filter(|c| c.issue.status == Status::Blocked || c.open_blockers > 0)
        {
            let blockers = if c.open_blockers > 0 {
                tx.open_blockers(c.issue.id).await?
            } else {
                Vec::new()
            };
            if input.actionable_by_me == Some(true) {
                // Blocked by open issues: one of them must be yours or nobody's.
                // Blocked for a stated reason: the issue itself must be.
                let actionable = if blockers.is_empty() {
                    mine_or_nobodys(&c.issue.owner)
                } else {
                    let mut any = false;
                    for b in &blockers {
                        let owner = tx.issue_by_key(&b.key).await?.and_then(|i| i.owner);
                        if mine_or_nobodys(&owner) {
                            any = true;
                            break;
                        }
                    }
                    any
                };
                if !actionable {
                    continue;
                }
            }
            total += 1;
            if blocked.len() == limit {
                continue;
            }
            blocked.push(BlockedItem {
                key: c.issue.key,
                title: c.issue.title,
                status: c.issue.status,
                priority: c.issue.priority,
                owner: c.issue.owner,
                blocker_reason: c.issue.blocker_reason,
                waiting_on: blockers.into_iter().map(|b| b.key).collect(),
            });
        }
        let next_steps = match blocked.iter().flat_map(|b| b.waiting_on.first()).next() {
            Some(k) => vec![format!("pm_get_issue: finishing {k} unblocks other work")],
            None if blocked.is_empty() => {
                vec!["pm_suggest_next_work: nothing is blocked; pick ready work".into()]
            }
            None => vec![
                "pm_update_status: move an issue back to in_progress once its blocker is resolved"
                    .into(),
            ],
        };
        Ok(BlockedIssuesOutput {
            truncated: total > blocked.len(),
            total,
            blocked,
            next_steps,
        })
    }

    pub async fn pm_daily_standup(&self, input: DailyStandupInput) -> Result<DailyStandupOutput> {
        let hours = match input.since_hours {
            None => 24,
            Some(h) if (1..=168).contains(&h) => h,
            Some(h) => {
                return Err(ServiceError::invalid(
                    "since_hours",
                    format!("{h} is out of range: give 1 to 168 hours"),
                ));
            }
        };
        let since = Utc::now() - Duration::hours(hours as i64);
        let format = input.format.unwrap_or_default();
        let mut tx = self.read().await?;
        let project = self
            .resolve_project(&mut *tx, input.project_id.as_deref())
            .await?;
        let owner = input.owner.as_deref();
        let completed: Vec<String> = tx
            .completed_since(project.id, since)
            .await?
            .into_iter()
            .filter(|i| owner.is_none_or(|o| i.owner.as_deref() == Some(o)))
            .map(|i| i.key)
            .collect();
        let mut worked: BTreeMap<String, WorkedOn> = BTreeMap::new();
        for l in tx.work_logs_since(project.id, since).await? {
            if owner.is_some_and(|o| l.author != o) {
                continue;
            }
            let entry = worked
                .entry(l.issue_key.clone())
                .or_insert_with(|| WorkedOn {
                    key: l.issue_key.clone(),
                    minutes: 0,
                    summaries: vec![],
                });
            entry.minutes += l.minutes;
            entry.summaries.push(l.summary);
        }
        let mut q = CandidateQuery {
            project_id: project.id,
            statuses: vec![Status::InProgress, Status::Review],
            limit: 100,
            ..Default::default()
        };
        q.owner = owner.map(str::to_string);
        let active = tx.candidates(&q).await?;
        let (in_progress, in_review): (Vec<BriefIssue>, Vec<BriefIssue>) = {
            let (a, b): (Vec<_>, Vec<_>) = active
                .iter()
                .partition(|c| c.issue.status == Status::InProgress);
            (
                a.iter().map(|c| brief(&c.issue)).collect(),
                b.iter().map(|c| brief(&c.issue)).collect(),
            )
        };
        q.statuses = vec![Status::Blocked];
        let blocked: Vec<BriefIssue> = tx
            .candidates(&q)
            .await?
            .iter()
            .map(|c| brief(&c.issue))
            .collect();
        let worked_on: Vec<WorkedOn> = worked.into_values().collect();
        let report = (format != ReportFormat::Structured).then(|| {
            render_standup(
                format,
                &project.key,
                &completed,
                &worked_on,
                &in_progress,
                &in_review,
                &blocked,
            )
        });
        Ok(DailyStandupOutput {
            project: project.key,
            since,
            completed,
            worked_on,
            in_progress,
            in_review,
            blocked,
            report,
        })
    }

    pub async fn pm_issue_history(&self, input: IssueHistoryInput) -> Result<IssueHistoryOutput> {
        let limit = check_limit(input.limit, 100)?;
        let after = match input.cursor.as_deref().map(str::trim) {
            None | Some("") => 0,
            Some(c) => c
                .strip_prefix("h")
                .and_then(|n| n.parse::<i64>().ok())
                .filter(|n| *n >= 0)
                .ok_or_else(|| {
                    ServiceError::invalid(
                        "cursor",
                        "not a cursor of pm_issue_history: pass next_cursor from the previous page",
                    )
                })?,
        };
        let mut tx = self.read().await?;
        // Events outlive their issue: a deleted issue's history still reads.
        let key = lazypm_domain::IssueKey::parse("issue_key", &input.issue_key)?;
        let (key, exists) = match super::find_issue(&mut *tx, &key).await? {
            Some(issue) => (issue.key, true),
            None => (key.unpadded().unwrap_or(key).into_string(), false),
        };
        let mut events = tx.issue_events_after(&key, after, limit + 1).await?;
        if events.is_empty() && !exists && after == 0 {
            load_issue(&mut *tx, "issue_key", &input.issue_key).await?;
        }
        let more = events.len() as i64 > limit;
        events.truncate(limit as usize);
        let next_cursor = more
            .then(|| events.last().map(|(seq, _)| format!("h{seq}")))
            .flatten();
        Ok(IssueHistoryOutput {
            issue_key: key,
            events: events.into_iter().map(|(_, e)| e).collect(),
            next_cursor,
        })
    }
}

fn render_standup(
    format: ReportFormat,
    project: &str,
    completed: &[String],
    worked: &[WorkedOn],
    in_progress: &[BriefIssue],
    in_review: &[BriefIssue],
    blocked: &[BriefIssue],
) -> String {
    let md = format == ReportFormat::Markdown;
    let mut out = String::new();
    let heading = |out: &mut String, title: &str| {
        if md {
            let _ = writeln!(out, "\n## {title}");
        } else {
            let _ = writeln!(out, "\n{}:", title.to_uppercase());
        }
    };
    let _ = writeln!(out, "{}Stand-up for {project}", if md { "# " } else { "" });
    heading(&mut out, "Done");
    if completed.is_empty() {
        let _ = writeln!(out, "- nothing completed");
    }
    for k in completed {
        let _ = writeln!(out, "- {k}");
    }
    heading(&mut out, "Worked on");
    if worked.is_empty() {
        let _ = writeln!(out, "- no work logged");
    }
    for w in worked {
        let _ = writeln!(
            out,
            "- {} ({}): {}",
            w.key,
            format_minutes(w.minutes),
            w.summaries.join("; ")
        );
    }
    heading(&mut out, "Today");
    if in_progress.is_empty() {
        let _ = writeln!(out, "- nothing in progress");
    }
    for i in in_progress {
        let _ = writeln!(out, "- {} {}", i.key, i.title);
    }
    heading(&mut out, "In review");
    if in_review.is_empty() {
        let _ = writeln!(out, "- nothing waiting for review");
    }
    for i in in_review {
        let _ = writeln!(out, "- {} {}", i.key, i.title);
    }
    heading(&mut out, "Blockers");
    if blocked.is_empty() {
        let _ = writeln!(out, "- none");
    }
    for i in blocked {
        let _ = writeln!(out, "- {} {}", i.key, i.title);
    }
    out
}
