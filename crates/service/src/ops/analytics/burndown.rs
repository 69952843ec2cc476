//! pm_burndown: a sprint's remaining work per day against the ideal line,
//! with its scope changes; without a sprint, the project's open work over a
//! timeframe.

use std::fmt::Write as _;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use lazypm_domain::analytics::burndown::{
    Burndown, BurndownDay, SprintItem, Unit, burndown, choose_unit,
};
use lazypm_store::{SprintSummary, Tx};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Timeframe;
use crate::{Result, Service, ServiceError};

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BurndownInput {
    pub project_id: Option<String>,
    /// Sprint name; default the sprint running today, else the latest.
    pub sprint: Option<String>,
    /// Open work over 7d, 2w, 1m or 3m instead of a sprint.
    pub timeframe: Option<Timeframe>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SprintRef {
    pub name: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub goal: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct BurndownOutput {
    pub project: String,
    /// Set for a sprint's burndown; absent for the open-work burndown.
    pub sprint: Option<SprintRef>,
    pub timeframe: Option<String>,
    #[serde(flatten)]
    pub burndown: Burndown,
    /// Markdown: the figures, the scope changes and what each counts.
    pub report: String,
    pub next_steps: Vec<String>,
}

/// The sprint named (any case); the error names the sprints there are.
pub(crate) fn named_sprint<'a>(
    sprints: &'a [SprintSummary],
    name: &str,
    project: &str,
) -> Result<&'a SprintSummary> {
    sprints
        .iter()
        .find(|s| s.sprint.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            let names: Vec<&str> = sprints.iter().map(|s| s.sprint.name.as_str()).collect();
            ServiceError::invalid(
                "sprint",
                if names.is_empty() {
                    format!("{project} has no sprints: create one with pm_create_sprint")
                } else {
                    format!(
                        "no sprint '{name}' in {project}: expected one of {}",
                        names.join(", ")
                    )
                },
            )
        })
}

/// The sprint named, else the one running on `today` (the latest started
/// of them), else the latest by start date.
pub(crate) fn pick_sprint<'a>(
    sprints: &'a [SprintSummary],
    name: Option<&str>,
    today: NaiveDate,
    project: &str,
) -> Result<Option<&'a SprintSummary>> {
    if let Some(n) = name {
        return named_sprint(sprints, n, project).map(Some);
    }
    Ok(sprints
        .iter()
        .rev()
        .find(|s| s.sprint.start_date <= today && today <= s.sprint.end_date)
        .or_else(|| sprints.iter().rev().find(|s| s.sprint.start_date <= today))
        .or(sprints.last()))
}

pub(crate) async fn items_of(tx: &mut dyn Tx, sprint_id: i64) -> Result<Vec<SprintItem>> {
    Ok(tx
        .sprint_items(&[sprint_id])
        .await?
        .into_iter()
        .map(|(_, i)| i)
        .collect())
}

/// Scope changes the markdown lists (the structured result has them all).
const CHANGES_LISTED: usize = 15;

fn number(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

fn render(b: &Burndown, title: &str, sprint_mode: bool) -> String {
    let unit = b.unit.as_str();
    let mut out = format!("# {title}\n\n");
    if sprint_mode {
        let _ = writeln!(
            out,
            "Committed {} {unit} at the end of the first day; scope is now {} ({:+} added, {:+} canceled, {:+} re-estimated). Done {}, remaining {}.",
            number(b.committed),
            number(b.scope_now),
            b.added,
            b.removed,
            b.re_estimated,
            number(b.completed),
            number(b.remaining)
        );
        match b.behind_ideal {
            Some(d) if d > 0.0 => {
                let _ = writeln!(out, "Behind the ideal line by {} {unit} today.", number(d));
            }
            Some(d) => {
                let _ = writeln!(
                    out,
                    "On or ahead of the ideal line today ({} {unit} to spare).",
                    number(-d)
                );
            }
            None => {}
        }
    } else {
        let _ = writeln!(
            out,
            "Open issues went from {} to {}: {} created, {} done, {} canceled in the window.",
            b.days
                .first()
                .and_then(|d| d.remaining)
                .map_or("?".into(), number),
            number(b.remaining),
            number(b.added),
            number(b.completed),
            number(-b.removed)
        );
    }
    out.push_str("\n| day | remaining | scope | ideal |\n| --- | --- | --- | --- |\n");
    let show = |v: Option<f64>| v.map_or("".to_string(), number);
    for d in &b.days {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            d.date,
            show(d.remaining),
            show(d.scope),
            show(d.ideal)
        );
    }
    if !b.scope_changes.is_empty() {
        out.push_str("\nScope changes after the first day:\n");
        for c in b.scope_changes.iter().take(CHANGES_LISTED) {
            let _ = writeln!(
                out,
                "- {} {} {} ({:+} {unit})",
                c.at.format("%Y-%m-%d %H:%M"),
                c.key,
                c.kind.replace('_', "-"),
                c.delta
            );
        }
        if b.scope_changes.len() > CHANGES_LISTED {
            let _ = writeln!(
                out,
                "- and {} more (scope_changes lists them all)",
                b.scope_changes.len() - CHANGES_LISTED
            );
        }
    }
    if sprint_mode {
        let _ = writeln!(
            out,
            "\nCounts {unit} (story points when every issue has them, else estimated hours when every issue has them, else issues). Remaining is work in the sprint not done at the end of each day; canceled work leaves the scope. The ideal line runs from the commitment to zero on the end date; the chart goes on past the end while work stays open."
        );
    } else {
        let _ = writeln!(
            out,
            "\nCounts live issues not done or canceled at the end of each day, rebuilt from creation, completion and cancelation dates (a canceled issue is dated by its last change). Scope is what was open at the start plus what was created since."
        );
    }
    out
}

/// Open live issues at the end of each day of the window, rebuilt backwards
/// from the count now.
fn open_work(flow: &lazypm_store::DailyFlow, since: DateTime<Utc>, now: DateTime<Utc>) -> Burndown {
    let (start, today) = (since.date_naive(), now.date_naive());
    let sum = |m: &std::collections::BTreeMap<NaiveDate, u32>, after: NaiveDate| -> f64 {
        m.range(after.succ_opt().unwrap_or(after)..)
            .map(|(_, n)| f64::from(*n))
            .sum()
    };
    let mut days = Vec::new();
    let mut d = start;
    let open_before = flow.open_now as f64 - sum(&flow.created, start.pred_opt().unwrap_or(start))
        + sum(&flow.done, start.pred_opt().unwrap_or(start))
        + sum(&flow.canceled, start.pred_opt().unwrap_or(start));
    while d <= today {
        let open = flow.open_now as f64 - sum(&flow.created, d)
            + sum(&flow.done, d)
            + sum(&flow.canceled, d);
        let created_so_far: f64 = flow
            .created
            .range(start..=d)
            .map(|(_, n)| f64::from(*n))
            .sum();
        days.push(BurndownDay {
            date: d,
            remaining: Some(open.max(0.0)),
            scope: Some((open_before + created_so_far).max(0.0)),
            ideal: None,
        });
        d += Duration::days(1);
    }
    let total = |m: &std::collections::BTreeMap<NaiveDate, u32>| -> f64 {
        m.range(start..).map(|(_, n)| f64::from(*n)).sum()
    };
    Burndown {
        unit: Unit::Issues,
        committed: open_before.max(0.0),
        scope_now: (open_before + total(&flow.created)).max(0.0),
        completed: total(&flow.done),
        remaining: flow.open_now as f64,
        added: total(&flow.created),
        removed: -total(&flow.canceled),
        re_estimated: 0.0,
        scope_changes: Vec::new(),
        days,
        behind_ideal: None,
    }
}

impl Service {
    pub async fn pm_burndown(&self, input: BurndownInput) -> Result<BurndownOutput> {
        let now = Utc::now();
        let mut tx = self.read().await?;
        let project = self
            .resolve_project(&mut *tx, input.project_id.as_deref())
            .await?;
        let sprints = if input.timeframe.is_some() && input.sprint.is_none() {
            Vec::new()
        } else {
            tx.list_sprints(project.id).await?
        };
        let picked = pick_sprint(
            &sprints,
            input.sprint.as_deref(),
            now.date_naive(),
            &project.key,
        )?;
        if let Some(s) = picked {
            let items = items_of(&mut *tx, s.sprint.id).await?;
            let unit = choose_unit(&items);
            let b = burndown(&items, s.sprint.start_date, s.sprint.end_date, unit, now);
            let mut next_steps = Vec::new();
            if unit != Unit::StoryPoints {
                let missing = items.iter().filter(|i| i.story_points.is_none()).count();
                next_steps.push(format!(
                    "pm_estimate: {missing} of {} issues have no story points, so this counts {}",
                    items.len(),
                    unit.as_str()
                ));
            }
            if b.behind_ideal.is_some_and(|d| d > 0.0) {
                next_steps.push(format!(
                    "pm_simulate_scenario sprint=\"{}\": when will it be done at this pace",
                    s.sprint.name
                ));
            }
            next_steps.push("pm_velocity: commitment against completion per sprint".into());
            let title = format!(
                "Burndown of {} ({} to {})",
                s.sprint.name, s.sprint.start_date, s.sprint.end_date
            );
            return Ok(BurndownOutput {
                project: project.key,
                sprint: Some(SprintRef {
                    name: s.sprint.name.clone(),
                    start: s.sprint.start_date,
                    end: s.sprint.end_date,
                    goal: s.sprint.goal.clone(),
                }),
                timeframe: None,
                report: render(&b, &title, true),
                burndown: b,
                next_steps,
            });
        }
        let timeframe = input.timeframe.unwrap_or(Timeframe::TwoWeeks);
        let start = (now - Duration::days(timeframe.days() - 1)).date_naive();
        let since = start.and_time(chrono::NaiveTime::MIN).and_utc();
        let flow = tx.daily_flow(project.id, since, true).await?;
        let b = open_work(&flow, since, now);
        let mut next_steps =
            vec!["pm_simulate_scenario: when the open work will be done at this pace".to_string()];
        if sprints.is_empty() {
            next_steps
                .push("pm_create_sprint: plan a sprint to burn down against a commitment".into());
        }
        Ok(BurndownOutput {
            project: project.key,
            sprint: None,
            timeframe: Some(timeframe.as_str().into()),
            report: render(
                &b,
                &format!("Open work over the last {}", timeframe.as_str()),
                false,
            ),
            burndown: b,
            next_steps,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use lazypm_store::DailyFlow;

    #[test]
    fn open_work_is_rebuilt_backwards_from_today() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 4, day).unwrap();
        let mut flow = DailyFlow {
            open_now: 10,
            ..Default::default()
        };
        flow.created.insert(d(2), 3);
        flow.done.insert(d(3), 2);
        flow.canceled.insert(d(3), 1);
        let since = Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 4, 3, 12, 0, 0).unwrap();
        let b = open_work(&flow, since, now);
        let open: Vec<_> = b.days.iter().map(|x| x.remaining).collect();
        // End of 3 April: 10. End of 2 April: 10 + 2 done + 1 canceled = 13.
        // End of 1 April: 13 − 3 created = 10.
        assert_eq!(open, vec![Some(10.0), Some(13.0), Some(10.0)]);
        assert_eq!(
            (b.committed, b.added, b.completed, b.removed),
            (10.0, 3.0, 2.0, -1.0)
        );
        assert_eq!(b.days[2].scope, Some(13.0));
    }
}
