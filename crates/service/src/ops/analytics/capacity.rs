//! pm_capacity_planning: each owner's open estimated work against their
//! measured pace, with suggested moves.

use std::fmt::Write as _;

use chrono::{Duration, Utc};
use lazypm_domain::analytics::capacity::{CapacityPlan, LoadState, OVERLOADED, UNDERLOADED, plan};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Timeframe;
use crate::{Result, Service};

/// Days of logged time the pace is measured over.
pub const PACE_BASIS_DAYS: i64 = 28;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CapacityPlanningInput {
    pub project_id: Option<String>,
    /// How far ahead to plan: 7d, 2w (default), 1m or 3m.
    pub timeframe: Option<Timeframe>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CapacityPlanningOutput {
    pub project: String,
    pub timeframe: String,
    pub pace_basis_days: i64,
    #[serde(flatten)]
    pub plan: CapacityPlan,
    /// Markdown: the table, the moves and how each number is made.
    pub report: String,
    pub next_steps: Vec<String>,
}

fn render(p: &CapacityPlan, timeframe: &str) -> String {
    let mut out = format!("# Capacity for the next {timeframe}\n\n");
    if p.owners.is_empty() {
        out.push_str("Nobody owns open work or has logged time yet.\n");
    } else {
        out.push_str("| owner | open | in progress | remaining h | unestimated | pace h/week | capacity h | load | state |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for o in &p.owners {
            let opt = |x: Option<f64>| x.map(|v| format!("{v:.1}")).unwrap_or_else(|| "–".into());
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.1} | {} | {}{} | {} | {} | {} |",
                o.owner,
                o.open_issues,
                o.in_progress,
                o.remaining_hours,
                o.unestimated,
                opt(o.hours_per_week),
                if o.pace_assumed { " (team median)" } else { "" },
                opt(o.capacity_hours),
                o.load
                    .map(|l| format!("{:.0} %", l * 100.0))
                    .unwrap_or_else(|| "–".into()),
                match o.state {
                    LoadState::Overloaded => "over",
                    LoadState::Balanced => "ok",
                    LoadState::Underloaded => "under",
                    LoadState::Unknown => "unknown",
                }
            );
        }
    }
    if p.unowned_issues > 0 {
        let _ = writeln!(
            out,
            "\nUnowned: {} open issues, {:.1} estimated hours.",
            p.unowned_issues, p.unowned_hours
        );
    }
    if !p.moves.is_empty() {
        out.push_str("\nSuggested moves (not started, least urgent first):\n");
        for m in &p.moves {
            let _ = writeln!(
                out,
                "- {} {} ({:.1} h): {} → {}",
                m.key, m.title, m.hours, m.from, m.to
            );
        }
    }
    let _ = writeln!(
        out,
        "\nRemaining = estimate_hours less time logged, over open issues. Pace = hours the owner logged in the last {PACE_BASIS_DAYS} days, per week; an owner with none is assumed at the team median. Capacity = pace × the {timeframe} ahead. Load = remaining / capacity: over {:.0} % is overloaded, under {:.0} % underloaded.",
        OVERLOADED * 100.0,
        UNDERLOADED * 100.0
    );
    out
}

impl Service {
    pub async fn pm_capacity_planning(
        &self,
        input: CapacityPlanningInput,
    ) -> Result<CapacityPlanningOutput> {
        let timeframe = input.timeframe.unwrap_or_default();
        let now = Utc::now();
        let mut tx = self.read().await?;
        let project = self
            .resolve_project(&mut *tx, input.project_id.as_deref())
            .await?;
        // Owned work row by row; unowned work only counted, in SQL.
        let open = tx.owned_open_facts(project.id).await?;
        let (unowned_issues, unowned_hours) = tx.unowned_open_work(project.id).await?;
        let logged = tx
            .minutes_logged_by_author(project.id, now - Duration::days(PACE_BASIS_DAYS))
            .await?;
        let mut plan = plan(
            &open,
            &logged,
            PACE_BASIS_DAYS as f64 / 7.0,
            timeframe.days() as f64 / 7.0,
        );
        plan.unowned_issues = unowned_issues;
        plan.unowned_hours = lazypm_domain::analytics::round(unowned_hours, 1);
        let mut next_steps: Vec<String> = plan
            .moves
            .iter()
            .take(3)
            .map(|m| {
                format!(
                    "pm_assign_issue {} owner {}: {:.1} h to spare capacity",
                    m.key, m.to, m.hours
                )
            })
            .collect();
        if plan.owners.iter().any(|o| o.unestimated > 0) {
            next_steps.push("pm_estimate: unestimated work is not in the loads".into());
        }
        if plan.unowned_issues > 0 {
            next_steps.push("pm_assign_issue: give unowned work an owner".into());
        }
        Ok(CapacityPlanningOutput {
            project: project.key,
            timeframe: timeframe.as_str().into(),
            pace_basis_days: PACE_BASIS_DAYS,
            report: render(&plan, timeframe.as_str()),
            plan,
            next_steps,
        })
    }
}
