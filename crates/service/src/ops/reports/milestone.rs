//! pm_milestone_report: progress of one milestone (a sprint, an epic's
//! children or a label): done against total, work left, blockers, what is
//! next, and when it will be done at the project's pace.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::Utc;
use lazypm_domain::analytics::forecast::{DEFAULT_SEED, DEFAULT_TRIALS, simulate};
use lazypm_domain::analytics::round;
use lazypm_domain::{Issue, Status};
use lazypm_store::IssueQuery;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{BriefIssue, brief};
use crate::ops::analytics::{DEFAULT_BASIS_DAYS, ForecastDates, daily_throughput};
use crate::ops::load_issue;
use crate::{Result, Service, ServiceError};

/// Issues a milestone report reads at most.
const MILESTONE_MAX: i64 = 5_000;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestoneReportInput {
    pub project_id: Option<String>,
    /// The milestone is a sprint (by name), an epic (its child issues) or a label: name one.
    pub sprint: Option<String>,
    pub epic: Option<String>,
    pub label: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct MilestoneReportOutput {
    pub project: String,
    /// "sprint S1", "epic KEY-3" or "label beta".
    pub milestone: String,
    pub total: usize,
    pub done: usize,
    pub canceled: usize,
    pub by_status: BTreeMap<String, usize>,
    /// Done share of the issues not canceled (0–1).
    pub progress: f64,
    pub story_points: i64,
    pub done_points: i64,
    /// Estimated hours of open work not yet logged.
    pub remaining_hours: f64,
    pub unestimated_open: usize,
    pub blocked: Vec<BriefIssue>,
    /// Open issues most urgent first, at most 5.
    pub next_up: Vec<BriefIssue>,
    /// When the open issues will be done at the project's recent pace.
    pub forecast: ForecastDates,
    pub report: String,
    pub next_steps: Vec<String>,
}

impl Service {
    pub async fn pm_milestone_report(
        &self,
        input: MilestoneReportInput,
    ) -> Result<MilestoneReportOutput> {
        let named = [
            input.sprint.is_some(),
            input.epic.is_some(),
            input.label.is_some(),
        ];
        if named.iter().filter(|n| **n).count() != 1 {
            return Err(ServiceError::invalid(
                "sprint",
                "name exactly one milestone: sprint, epic or label",
            ));
        }
        let now = Utc::now();
        let mut tx = self.read().await?;
        let project = self
            .resolve_project(&mut *tx, input.project_id.as_deref())
            .await?;
        let mut q = IssueQuery::lean(project.id, Vec::new(), MILESTONE_MAX);
        let milestone = if let Some(name) = &input.sprint {
            let s = tx.sprint_by_name(project.id, name).await?.ok_or_else(|| {
                ServiceError::invalid(
                    "sprint",
                    format!("no sprint '{name}' in {}: see pm_list_sprints", project.key),
                )
            })?;
            q.sprint_id = Some(s.id);
            format!("sprint {}", s.name)
        } else if let Some(key) = &input.epic {
            let epic = load_issue(&mut *tx, "epic", key).await?;
            if epic.project_id != project.id {
                return Err(ServiceError::invalid(
                    "epic",
                    format!("{} belongs to another project", epic.key),
                ));
            }
            q.parent_id = Some(epic.id);
            format!("epic {} {}", epic.key, epic.title)
        } else {
            let label = input.label.clone().unwrap_or_default();
            q.label = Some(label.clone());
            format!("label {label}")
        };
        let (issues, _) = tx.list_issues(&q).await?;
        let (daily, _, _) = daily_throughput(&mut *tx, project.id, DEFAULT_BASIS_DAYS, now).await?;
        drop(tx);
        let is_open = |i: &&Issue| !i.status.is_closed();
        let open: Vec<&Issue> = issues.iter().filter(is_open).collect();
        let count = |s: Status| issues.iter().filter(|i| i.status == s).count();
        let (done, canceled) = (count(Status::Done), count(Status::Canceled));
        let mut by_status = BTreeMap::new();
        for i in &issues {
            *by_status.entry(i.status.to_string()).or_insert(0) += 1;
        }
        let live = issues.len() - canceled;
        let progress = if live == 0 {
            0.0
        } else {
            round(done as f64 / live as f64, 3)
        };
        let points = |f: &dyn Fn(&Issue) -> bool| -> i64 {
            issues
                .iter()
                .filter(|i| f(i))
                .filter_map(|i| i.estimate.story_points)
                .sum()
        };
        let story_points = points(&|i| i.status != Status::Canceled);
        let done_points = points(&|i| i.status == Status::Done);
        let remaining_hours = round(
            open.iter()
                .filter_map(|i| {
                    i.estimate
                        .hours
                        .map(|h| (h - i.time_spent_minutes as f64 / 60.0).max(0.0))
                })
                .sum(),
            1,
        );
        let unestimated_open = open.iter().filter(|i| i.estimate.hours.is_none()).count();
        let blocked: Vec<BriefIssue> = open
            .iter()
            .filter(|i| i.status == Status::Blocked)
            .map(|i| brief(i))
            .collect();
        let mut next: Vec<&&Issue> = open
            .iter()
            .filter(|i| i.status != Status::Blocked)
            .collect();
        next.sort_by_key(|i| (i.status != Status::InProgress, i.priority, i.id));
        let next_up: Vec<BriefIssue> = next.iter().take(5).map(|i| brief(i)).collect();
        let forecast = ForecastDates::from_forecast(
            simulate(&daily, open.len() as u64, 1.0, DEFAULT_TRIALS, DEFAULT_SEED),
            now.date_naive(),
        );
        let mut report = format!(
            "# Milestone: {milestone}\n\n{done} of {live} issues done ({:.0} %){}; {} open, {} blocked.{}\n",
            progress * 100.0,
            if story_points > 0 {
                format!(", {done_points} of {story_points} story points")
            } else {
                String::new()
            },
            open.len(),
            blocked.len(),
            if canceled > 0 {
                format!(" {canceled} canceled (not counted).")
            } else {
                String::new()
            }
        );
        let _ = writeln!(
            report,
            "Work left: {remaining_hours} estimated hours not yet logged{}.",
            if unestimated_open > 0 {
                format!(", plus {unestimated_open} open issues without an estimate")
            } else {
                String::new()
            }
        );
        match (forecast.p50_date, forecast.p85_date) {
            (Some(a), Some(b)) if !open.is_empty() => {
                let _ = writeln!(
                    report,
                    "At the project's pace of the last {DEFAULT_BASIS_DAYS} days ({} issues a day), done by {a} (P50) or {b} (P85).",
                    forecast.mean_daily_throughput
                );
            }
            _ if open.is_empty() => report.push_str("Everything in it is closed.\n"),
            _ => report.push_str("No forecast: nothing was finished in the last 28 days.\n"),
        }
        if !blocked.is_empty() {
            report.push_str("\n## Blocked\n");
            for b in &blocked {
                let _ = writeln!(report, "- {} {}", b.key, b.title);
            }
        }
        if !next_up.is_empty() {
            report.push_str("\n## Next up\n");
            for b in &next_up {
                let _ = writeln!(
                    report,
                    "- {} {} ({}, {})",
                    b.key, b.title, b.status, b.priority
                );
            }
        }
        report.push_str("\nProgress counts done issues among those not canceled. The forecast is a Monte Carlo of 10,000 trials over the project's daily throughput (seed 1929).\n");
        let mut next_steps = Vec::new();
        if let Some(b) = blocked.first() {
            next_steps.push(format!("pm_blocked_issues: what would unblock {}", b.key));
        }
        if unestimated_open > 0 {
            next_steps.push("pm_estimate: estimate the open issues so work left is known".into());
        }
        next_steps.push("pm_stakeholder_update: the project in plain words".into());
        Ok(MilestoneReportOutput {
            project: project.key,
            milestone,
            total: issues.len(),
            done,
            canceled,
            by_status,
            progress,
            story_points,
            done_points,
            remaining_hours,
            unestimated_open,
            blocked,
            next_up,
            forecast,
            report,
            next_steps,
        })
    }
}
