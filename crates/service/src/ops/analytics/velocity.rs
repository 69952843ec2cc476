//! pm_velocity: per sprint, what was committed at the start against what
//! was done by the end, and the average of the last few; without sprints,
//! issues finished per week.

use std::fmt::Write as _;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use lazypm_domain::analytics::burndown::{
    SprintItem, SprintVelocity, Unit, choose_unit, sprint_velocity,
};
use lazypm_domain::analytics::round;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ops::in_range;
use crate::{Result, Service};

/// Sprints (or weeks) listed at most.
pub const VELOCITY_SHOWN: usize = 12;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VelocityInput {
    pub project_id: Option<String>,
    /// How many of the latest ended sprints (or full weeks) the average covers: 1–12, default 3.
    pub last: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct WeekThroughput {
    pub from: NaiveDate,
    pub completed: u32,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct VelocityOutput {
    pub project: String,
    /// What is counted: story points, estimated hours or issues.
    pub unit: Unit,
    /// Up to 12 latest started sprints, oldest first (empty without sprints).
    pub sprints: Vec<SprintVelocity>,
    /// Without sprints: issues done per 7 days, the last 12 weeks, oldest first.
    pub weeks: Vec<WeekThroughput>,
    /// The mean completed over the last `last` ended sprints (or full weeks).
    pub average_completed: Option<f64>,
    pub average_committed: Option<f64>,
    /// Completed / committed over those sprints.
    pub say_do_ratio: Option<f64>,
    pub averaged_over: usize,
    pub report: String,
    pub next_steps: Vec<String>,
}

fn weeks(
    done: &std::collections::BTreeMap<NaiveDate, u32>,
    now: DateTime<Utc>,
) -> Vec<WeekThroughput> {
    let today = now.date_naive();
    (0..VELOCITY_SHOWN as i64)
        .rev()
        .map(|w| {
            let from = today - Duration::days(7 * w + 6);
            let to = today - Duration::days(7 * w);
            WeekThroughput {
                from,
                completed: done.range(from..=to).map(|(_, n)| n).sum(),
            }
        })
        .collect()
}

impl Service {
    pub async fn pm_velocity(&self, input: VelocityInput) -> Result<VelocityOutput> {
        let last = in_range("last", input.last, 3, VELOCITY_SHOWN as u32)? as usize;
        let now = Utc::now();
        let mut tx = self.read().await?;
        let project = self
            .resolve_project(&mut *tx, input.project_id.as_deref())
            .await?;
        let all = tx.list_sprints(project.id).await?;
        let started: Vec<_> = all
            .iter()
            .filter(|s| s.sprint.start_date <= now.date_naive())
            .collect();
        let shown = &started[started.len().saturating_sub(VELOCITY_SHOWN)..];
        if shown.is_empty() {
            let since = now - Duration::days(7 * VELOCITY_SHOWN as i64);
            let flow = tx.daily_flow(project.id, since, false).await?;
            let weeks = weeks(&flow.done, now);
            let recent: Vec<f64> = weeks
                .iter()
                .rev()
                .take(last)
                .map(|w| f64::from(w.completed))
                .collect();
            let avg = round(recent.iter().sum::<f64>() / recent.len().max(1) as f64, 2);
            let mut report = format!(
                "# Throughput per week\n\n{} has no sprints, so this counts issues done per 7 days (the last week ends today). Average over the last {last}: {avg}.\n\n| week from | done |\n| --- | --- |\n",
                project.key
            );
            for w in &weeks {
                let _ = writeln!(report, "| {} | {} |", w.from, w.completed);
            }
            return Ok(VelocityOutput {
                project: project.key,
                unit: Unit::Issues,
                sprints: vec![],
                weeks,
                average_completed: Some(avg),
                average_committed: None,
                say_do_ratio: None,
                averaged_over: recent.len(),
                report,
                next_steps: vec![
                    "pm_create_sprint: plan sprints to measure commitment against completion"
                        .into(),
                    "pm_simulate_scenario: forecast from this throughput".into(),
                ],
            });
        }
        let ids: Vec<i64> = shown.iter().map(|s| s.sprint.id).collect();
        let facts = tx.sprint_items(&ids).await?;
        let of = |id: i64| -> Vec<SprintItem> {
            facts
                .iter()
                .filter(|(s, _)| *s == id)
                .map(|(_, i)| i.clone())
                .collect()
        };
        let unit = choose_unit(facts.iter().map(|(_, i)| i));
        let sprints: Vec<SprintVelocity> = shown
            .iter()
            .map(|s| {
                sprint_velocity(
                    &s.sprint.name,
                    &of(s.sprint.id),
                    s.sprint.start_date,
                    s.sprint.end_date,
                    unit,
                    now,
                )
            })
            .collect();
        let ended: Vec<&SprintVelocity> = sprints
            .iter()
            .filter(|v| v.ended)
            .rev()
            .take(last)
            .collect();
        let n = ended.len();
        let mean = |f: &dyn Fn(&SprintVelocity) -> f64| {
            (n > 0).then(|| round(ended.iter().map(|v| f(v)).sum::<f64>() / n as f64, 2))
        };
        let average_completed = mean(&|v| v.completed);
        let average_committed = mean(&|v| v.committed);
        let say_do_ratio = match (average_completed, average_committed) {
            (Some(d), Some(c)) if c > 0.0 => Some(round(d / c, 2)),
            _ => None,
        };
        let u = unit.as_str();
        let mut report = format!("# Velocity in {u}\n\n");
        match (average_completed, say_do_ratio) {
            (Some(avg), ratio) => {
                let _ = writeln!(
                    report,
                    "Over the last {n} ended sprints: {avg} {u} completed per sprint on average{}.\n",
                    ratio.map_or(String::new(), |r| format!(
                        ", {:.0} % of what was committed",
                        r * 100.0
                    ))
                );
            }
            (None, _) => {
                report.push_str("No sprint has ended yet; the figures below are so far.\n\n")
            }
        }
        report.push_str("| sprint | dates | committed | completed | done after the end |\n| --- | --- | --- | --- | --- |\n");
        for v in &sprints {
            let _ = writeln!(
                report,
                "| {} | {} – {}{} | {} | {} | {} |",
                v.sprint,
                v.start,
                v.end,
                if v.ended { "" } else { " (running)" },
                v.committed,
                v.completed,
                v.completed_late
            );
        }
        let _ = writeln!(
            report,
            "\nCommitted: in the sprint at the end of its first day. Completed: done by the end of the end date, work added later included. Counts {u} (story points when every issue has them, else estimated hours when every issue has them, else issues)."
        );
        let mut next_steps = Vec::new();
        if say_do_ratio.is_some_and(|r| r < 0.8) {
            next_steps.push(format!(
                "pm_create_sprint: commit to about {} {u} next time",
                average_completed.unwrap_or(0.0)
            ));
        }
        next_steps.push("pm_burndown: the current sprint day by day".into());
        next_steps.push("pm_retro: what overran and why".into());
        Ok(VelocityOutput {
            project: project.key,
            unit,
            sprints,
            weeks: vec![],
            average_completed,
            average_committed,
            say_do_ratio,
            averaged_over: n,
            report,
            next_steps,
        })
    }
}
