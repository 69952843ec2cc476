//! pm_stakeholder_update: the project in plain words for people outside
//! the team: what was delivered, what is next, when the open work should be
//! done, and where help or a decision is needed.

use std::fmt::Write as _;

use lazypm_domain::Health;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Audience, WeeklyReportInput};
use crate::ops::analytics::{BurndownInput, ForecastDates, SimulateScenarioInput};
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
    /// Titles of what was finished in the last 7 days.
    pub delivered: Vec<String>,
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

impl Service {
    pub async fn pm_stakeholder_update(
        &self,
        input: StakeholderUpdateInput,
    ) -> Result<StakeholderUpdateOutput> {
        let week = self
            .pm_weekly_report(WeeklyReportInput {
                project_id: input.project_id.clone(),
                audience: Some(Audience::Stakeholder),
            })
            .await?;
        let project = Some(week.project.clone());
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
        if week.blocked > 0 {
            needs.push(format!(
                "{} issue{} blocked: unblocking is the fastest way to speed up",
                week.blocked,
                if week.blocked == 1 { " is" } else { "s are" }
            ));
        }
        needs.extend(week.risks.iter().take(3).cloned());
        let delivered: Vec<String> = week.completed.iter().map(|d| d.title.clone()).collect();
        let in_progress: Vec<String> = week.in_progress.iter().map(|b| b.title.clone()).collect();
        let mut report = format!(
            "# {}: update\n\nStatus: {}. Delivered {} thing{} this week (the week before: {}); {} in progress; {} open in all.\n",
            week.project,
            match week.health {
                Health::Healthy => "on track",
                Health::Attention => "needs watching",
                Health::AtRisk => "at risk",
            },
            delivered.len(),
            if delivered.len() == 1 { "" } else { "s" },
            week.completed_previous_week,
            in_progress.len(),
            week.open
        );
        if !delivered.is_empty() {
            report.push_str("\n## Delivered\n");
            for d in delivered.iter().take(10) {
                let _ = writeln!(report, "- {d}");
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
            project: week.project,
            health: week.health,
            delivered,
            delivered_previous_week: week.completed_previous_week,
            in_progress,
            open: week.open,
            blocked: week.blocked,
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
