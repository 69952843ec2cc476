//! pm_daily_standup: what was completed and worked on since yesterday, what
//! is in progress, in review and blocked, in markdown, text or structured.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Duration, Utc};
use lazypm_domain::{Status, format_minutes};
use lazypm_store::CandidateQuery;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{BriefIssue, brief};
use crate::{Result, Service, ServiceError};

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

impl Service {
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
