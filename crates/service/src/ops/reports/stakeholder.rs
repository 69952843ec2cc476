//! pm_stakeholder_update: the project in plain words for people outside
//! the team: what was delivered, what is next, when the open work should be
//! done, and where help or a decision is needed.

use std::fmt::Write as _;

use chrono::{Duration, Utc};
use lazypm_domain::Health;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::StatusInput;
use crate::ops::analytics::{
    BurndownInput, ForecastDates, RiskAssessmentInput, SimulateScenarioInput,
};
use crate::{Result, Service};

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StakeholderUpdateInput {
    pub project_id: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct StakeholderUpdateOutput {
    pub project: String,
    pub health: Health,
    /// Titles of what was finished in the last 7 days, the latest 10.
    pub delivered: Vec<String>,
    /// Everything finished in the last 7 days.
    pub delivered_count: usize,
    pub delivered_previous_week: usize,
    /// Titles of the work under way.
    pub in_progress: Vec<String>,
    pub open: i64,
    pub blocked: i64,
    /// When the open work should be done at the recent pace.
    pub forecast: ForecastDates,
    /// The current sprint, in one sentence, when there is one.
    pub sprint: Option<String>,
    /// Where the team needs help or a decision.
    pub needs_attention: Vec<String>,
    pub report: String,
    pub next_steps: Vec<String>,
}

/// Delivered work a stakeholder update names (it counts all of it).
const DELIVERED_LISTED: i64 = 10;

impl Service {
    pub async fn pm_stakeholder_update(
        &self,
        input: StakeholderUpdateInput,
    ) -> Result<StakeholderUpdateOutput> {
        // What it needs of the week, read directly: the status, the risks,
        // and this week's completions against the week before.
        let status = self
            .pm_status(StatusInput {
                project_id: input.project_id.clone(),
            })
            .await?;
        let project = Some(status.project.clone());
        let risks = self
            .pm_risk_assessment(RiskAssessmentInput {
                project_id: project.clone(),
                ..Default::default()
            })
            .await?;
        let to = Utc::now();
        let from = to - Duration::days(7);
        let mut tx = self.read().await?;
        let p = self.resolve_project(&mut *tx, project.as_deref()).await?;
        let buckets = tx
            .completions_by_bucket(p.id, &[from - Duration::days(7), from])
            .await?;
        let latest = tx.latest_completed(p.id, from, DELIVERED_LISTED).await?;
        drop(tx);
        let count = |bucket: i64| -> usize {
            buckets
                .iter()
                .filter(|b| b.bucket == bucket)
                .map(|b| b.completed.max(0) as usize)
                .sum()
        };
        let (delivered_count, delivered_previous_week) = (count(1), count(0));
        let forecast = self
            .pm_simulate_scenario(SimulateScenarioInput {
                project_id: project.clone(),
                ..Default::default()
            })
            .await?
            .baseline;
        let sprint = self
            .pm_burndown(BurndownInput {
                project_id: project.clone(),
                ..Default::default()
            })
            .await?;
        let sprint_line = sprint.sprint.as_ref().map(|s| {
            let b = &sprint.burndown;
            format!(
                "Sprint {} ({} to {}): {} of {} {} done{}.",
                s.name,
                s.start,
                s.end,
                b.completed,
                b.scope_now,
                b.unit.as_str(),
                match b.behind_ideal {
                    Some(d) if d > 0.0 => format!(", {d} behind plan"),
                    Some(_) => ", on plan".to_string(),
                    None => String::new(),
                }
            )
        });
        let mut needs = Vec::new();
        if status.blocked > 0 {
            needs.push(format!(
                "{} issue{} blocked: unblocking is the fastest way to speed up",
                status.blocked,
                if status.blocked == 1 { " is" } else { "s are" }
            ));
        }
        needs.extend(
            risks
                .risks
                .iter()
                .take(3)
                .map(|r| format!("{} ({}): {}", r.title, r.severity.as_str(), r.action)),
        );
        let delivered: Vec<String> = latest.iter().map(|i| i.title.clone()).collect();
        let in_progress: Vec<String> = status.in_progress.iter().map(|b| b.title.clone()).collect();
        let mut report = format!(
            "# {}: update\n\nStatus: {}. Delivered {} thing{} this week (the week before: {}); {} in progress; {} open in all.\n",
            status.project,
            match status.health {
                Health::Healthy => "on track",
                Health::Attention => "needs watching",
                Health::AtRisk => "at risk",
            },
            delivered_count,
            if delivered_count == 1 { "" } else { "s" },
            delivered_previous_week,
            in_progress.len(),
            status.open
        );
        if !delivered.is_empty() {
            report.push_str("\n## Delivered\n");
            for d in &delivered {
                let _ = writeln!(report, "- {d}");
            }
            if delivered_count > delivered.len() {
                let _ = writeln!(report, "- and {} more", delivered_count - delivered.len());
            }
        }
        if !in_progress.is_empty() {
            report.push_str("\n## Under way\n");
            for d in in_progress.iter().take(10) {
                let _ = writeln!(report, "- {d}");
            }
        }
        report.push_str("\n## When\n");
        if let Some(s) = &sprint_line {
            let _ = writeln!(report, "{s}");
        }
        match (forecast.p50_date, forecast.p85_date) {
            (Some(a), Some(b)) if forecast.scope > 0 => {
                let _ = writeln!(
                    report,
                    "The {} open issues should be done around {a}, and by {b} with high confidence (85 %), if the pace of the last four weeks holds.",
                    forecast.scope
                );
            }
            _ if forecast.scope == 0 => report.push_str("No open work.\n"),
            _ => report.push_str("No date yet: nothing was finished in the last four weeks to measure the pace by.\n"),
        }
        if !needs.is_empty() {
            report.push_str("\n## Needs attention\n");
            for n in &needs {
                let _ = writeln!(report, "- {n}");
            }
        }
        Ok(StakeholderUpdateOutput {
            project: status.project,
            health: status.health,
            delivered,
            delivered_count,
            delivered_previous_week,
            in_progress,
            open: status.open,
            blocked: status.blocked,
            forecast,
            sprint: sprint_line,
            needs_attention: needs,
            report,
            next_steps: vec![
                "pm_milestone_report: progress of one sprint, epic or label".into(),
                "pm_risk_assessment: the risks with their evidence".into(),
            ],
        })
    }
}
