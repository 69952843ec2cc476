//! pm_retro: a retrospective of a sprint or a timeframe from the record:
//! what went to plan, what overran and the evidence of why, time spent
//! blocked, the lessons written down, and action items that follow from them.

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{DateTime, Duration, NaiveTime, Utc};
use lazypm_domain::Status;
use lazypm_domain::analytics::round;
use lazypm_domain::flow::time_in;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ops::analytics::{Timeframe, items_of, named_sprint};
use crate::{Result, Service, ServiceError};

/// Actual over estimate above this is an overrun; below its inverse, under.
pub const OVERRUN_RATIO: f64 = 1.25;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetroInput {
    pub project_id: Option<String>,
    /// Sprint name; else the timeframe.
    pub sprint: Option<String>,
    /// 7d, 2w (default), 1m or 3m.
    pub timeframe: Option<Timeframe>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Overrun {
    pub key: String,
    pub title: String,
    pub owner: Option<String>,
    pub estimate_hours: f64,
    pub actual_hours: f64,
    pub ratio: f64,
    /// The evidence on record of why: time blocked, review rounds, lessons.
    pub causes: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct BlockedTime {
    pub key: String,
    pub hours: f64,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ActionItem {
    pub action: String,
    pub why: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RetroOutput {
    pub project: String,
    pub sprint: Option<String>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub completed: usize,
    /// Done within ±25 % of the estimate.
    pub to_plan: Vec<String>,
    pub overran: Vec<Overrun>,
    /// Done in under 80 % of the estimate.
    pub under_estimate: usize,
    /// Done without an estimate or recorded time.
    pub unmeasured: usize,
    pub blocked_hours: f64,
    /// The issues blocked longest in the period, most first, at most 5.
    pub most_blocked: Vec<BlockedTime>,
    /// Review rounds that sent work back to in progress.
    pub sent_back: usize,
    /// "KEY: lesson", as recorded at completion.
    pub lessons: Vec<String>,
    /// Sprint work not done (sprint retros only).
    pub unfinished: Vec<String>,
    pub action_items: Vec<ActionItem>,
    pub report: String,
    pub next_steps: Vec<String>,
}

impl Service {
    pub async fn pm_retro(&self, input: RetroInput) -> Result<RetroOutput> {
        if input.sprint.is_some() && input.timeframe.is_some() {
            return Err(ServiceError::invalid(
                "timeframe",
                "name a sprint or a timeframe, not both",
            ));
        }
        let now = Utc::now();
        let mut tx = self.read().await?;
        let project = self
            .resolve_project(&mut *tx, input.project_id.as_deref())
            .await?;
        let (sprint, from, to, keys, unfinished) = if let Some(name) = &input.sprint {
            let sprints = tx.list_sprints(project.id).await?;
            let s = named_sprint(&sprints, name, &project.key)?;
            let items = items_of(&mut *tx, s.sprint.id).await?;
            let from = s.sprint.start_date.and_time(NaiveTime::MIN).and_utc();
            let to = (s.sprint.end_date + Duration::days(1))
                .and_time(NaiveTime::MIN)
                .and_utc()
                .min(now);
            let unfinished = items
                .iter()
                .filter(|i| i.done_at.is_none_or(|d| d >= to) && i.removed_at.is_none())
                .map(|i| format!("{} {}", i.key, i.title))
                .collect();
            let keys: Vec<String> = items.into_iter().map(|i| i.key).collect();
            (
                Some(s.sprint.name.clone()),
                from,
                to,
                Some(keys),
                unfinished,
            )
        } else {
            let tf = input.timeframe.unwrap_or(Timeframe::TwoWeeks);
            (None, now - Duration::days(tf.days()), now, None, Vec::new())
        };
        let in_scope = |k: &str| keys.as_ref().is_none_or(|ks| ks.iter().any(|x| x == k));
        let completed: Vec<_> = tx
            .completed_facts(project.id, from)
            .await?
            .into_iter()
            .filter(|c| c.completed_at < to && in_scope(&c.key))
            .collect();
        let histories: Vec<_> = tx
            .histories_since(project.id, from)
            .await?
            .into_iter()
            .filter(|h| in_scope(&h.key))
            .collect();
        drop(tx);
        let mut blocked: HashMap<&str, f64> = HashMap::new();
        let mut backs: HashMap<&str, usize> = HashMap::new();
        for h in &histories {
            let hours = time_in(&h.updates, Status::Blocked, from, to)
                .num_microseconds()
                .unwrap_or(i64::MAX) as f64
                / 3.6e9;
            if hours > 0.0 {
                blocked.insert(&h.key, hours);
            }
            let n = h.sent_back_since(from);
            if n > 0 {
                backs.insert(&h.key, n);
            }
        }
        let (mut to_plan, mut overran, mut under, mut unmeasured) = (Vec::new(), Vec::new(), 0, 0);
        for c in &completed {
            let actual = c.actual_minutes as f64 / 60.0;
            let Some(est) = c.estimate_hours.filter(|e| *e > 0.0 && actual > 0.0) else {
                unmeasured += 1;
                continue;
            };
            let ratio = actual / est;
            if ratio > OVERRUN_RATIO {
                let mut causes = Vec::new();
                if let Some(h) = blocked.get(c.key.as_str()) {
                    let why = histories
                        .iter()
                        .find(|x| x.key == c.key)
                        .and_then(|x| x.updates.iter().rev().find(|u| u.to == Status::Blocked))
                        .and_then(|u| u.notes.clone())
                        .map_or(String::new(), |n| format!(" ({n})"));
                    let long = if *h < 0.1 {
                        "briefly".to_string()
                    } else {
                        format!("{h:.1} h")
                    };
                    causes.push(format!("blocked {long}{why}"));
                }
                if let Some(n) = backs.get(c.key.as_str()) {
                    causes.push(format!("sent back from review {n}×"));
                }
                causes.extend(c.lessons.iter().map(|l| format!("lesson: {l}")));
                if causes.is_empty() {
                    causes.push(
                        "no cause on record: ask its owner, and record lessons at completion"
                            .into(),
                    );
                }
                overran.push(Overrun {
                    key: c.key.clone(),
                    title: c.title.clone(),
                    owner: c.owner.clone(),
                    estimate_hours: round(est, 2),
                    actual_hours: round(actual, 2),
                    ratio: round(ratio, 2),
                    causes,
                });
            } else if ratio >= 1.0 / OVERRUN_RATIO {
                to_plan.push(format!("{} {}", c.key, c.title));
            } else {
                under += 1;
            }
        }
        overran.sort_by(|a, b| b.ratio.total_cmp(&a.ratio).then(a.key.cmp(&b.key)));
        let mut most_blocked: Vec<(String, f64)> = blocked
            .iter()
            .map(|(k, h)| (k.to_string(), round(*h, 1)))
            .collect();
        most_blocked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let blocked_hours = round(blocked.values().sum(), 1);
        most_blocked.truncate(5);
        let sent_back: usize = backs.values().sum();
        let lessons: Vec<String> = completed
            .iter()
            .flat_map(|c| c.lessons.iter().map(move |l| format!("{}: {l}", c.key)))
            .collect();
        // Action items follow from the findings by fixed rules.
        let mut actions = Vec::new();
        let measured = to_plan.len() + overran.len() + under;
        if measured > 0 && overran.len() * 10 >= measured * 3 {
            let mut ratios: Vec<f64> = overran.iter().map(|o| o.ratio).collect();
            ratios.sort_by(f64::total_cmp);
            actions.push(ActionItem {
                action: format!(
                    "Scale new estimates up (overruns ran a median {:.2}×); check pm_effort_accuracy by type",
                    lazypm_domain::analytics::median(&ratios).unwrap_or(1.0)
                ),
                why: format!("{} of {measured} measured issues overran by more than 25 %", overran.len()),
            });
        }
        if most_blocked.first().is_some_and(|(_, h)| *h >= 8.0) {
            actions.push(ActionItem {
                action:
                    "Clear blockers the day they appear: run pm_identify_blockers at each stand-up"
                        .into(),
                why: format!(
                    "{blocked_hours} h spent blocked; the longest {} h ({})",
                    most_blocked[0].1, most_blocked[0].0
                ),
            });
        }
        if sent_back >= 2 {
            actions.push(ActionItem {
                action: "Agree acceptance criteria before starting (pm_add_acceptance_criteria)"
                    .into(),
                why: format!("{sent_back} review rounds sent work back"),
            });
        }
        if !unfinished.is_empty()
            && keys
                .as_ref()
                .is_some_and(|k| unfinished.len() * 5 > k.len())
        {
            actions.push(ActionItem {
                action: "Commit to less next sprint: plan to the average of pm_velocity".into(),
                why: format!(
                    "{} of {} sprint issues were not done by the end",
                    unfinished.len(),
                    keys.as_ref().map_or(0, Vec::len)
                ),
            });
        }
        for l in lessons.iter().take(5) {
            if let Some((key, lesson)) = l.split_once(": ") {
                actions.push(ActionItem {
                    action: format!("pm_improve issue_key={key}: track \"{lesson}\""),
                    why: "a lesson recorded at completion".into(),
                });
            }
        }
        let mut report = format!(
            "# Retrospective: {}\n\n{} to {}. Done: {} ({} to plan, {} overran, {} under, {} without an estimate or time). Blocked: {blocked_hours} h. Sent back from review: {sent_back}.\n",
            sprint.as_deref().map_or_else(
                || format!(
                    "{} over the last {}",
                    project.key,
                    input.timeframe.unwrap_or(Timeframe::TwoWeeks).as_str()
                ),
                |s| format!("sprint {s}")
            ),
            from.format("%Y-%m-%d"),
            to.format("%Y-%m-%d"),
            completed.len(),
            to_plan.len(),
            overran.len(),
            under,
            unmeasured
        );
        if !overran.is_empty() {
            report.push_str("\n## What overran, and why\n");
            for o in &overran {
                let _ = writeln!(
                    report,
                    "- {} {}: {:.1} h against {:.1} h ({:.2}×); {}",
                    o.key,
                    o.title,
                    o.actual_hours,
                    o.estimate_hours,
                    o.ratio,
                    o.causes.join("; ")
                );
            }
        }
        if !to_plan.is_empty() {
            let _ = writeln!(
                report,
                "\n## What went to plan\n{}",
                to_plan
                    .iter()
                    .map(|t| format!("- {t}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
        if !most_blocked.is_empty() {
            let _ = writeln!(
                report,
                "\n## Time blocked\n{}",
                most_blocked
                    .iter()
                    .map(|(k, h)| format!("- {k}: {h} h"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
        if !unfinished.is_empty() {
            let _ = writeln!(
                report,
                "\n## Not done by the end\n{}",
                unfinished
                    .iter()
                    .map(|t| format!("- {t}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
        if !lessons.is_empty() {
            let _ = writeln!(
                report,
                "\n## Lessons recorded\n{}",
                lessons
                    .iter()
                    .map(|t| format!("- {t}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
        report.push_str("\n## Action items\n");
        if actions.is_empty() {
            report.push_str("- None called for: the work ran to plan.\n");
        }
        for a in &actions {
            let _ = writeln!(report, "- {} ({})", a.action, a.why);
        }
        let _ = writeln!(
            report,
            "\nTo plan: done within ±25 % of the estimate (actual time: reported at completion, else logged). Overran: over 1.25× the estimate. Blocked time: time in blocked status within the period."
        );
        let mut next_steps = Vec::new();
        if let Some(l) = lessons.first().and_then(|l| l.split_once(": ")) {
            next_steps.push(format!(
                "pm_improve issue_key={}: turn its lesson into tracked work",
                l.0
            ));
        }
        next_steps.push("pm_effort_accuracy: estimates against actuals by type and owner".into());
        Ok(RetroOutput {
            project: project.key,
            sprint,
            from,
            to,
            completed: completed.len(),
            to_plan,
            overran,
            under_estimate: under,
            unmeasured,
            blocked_hours,
            most_blocked: most_blocked
                .into_iter()
                .map(|(key, hours)| BlockedTime { key, hours })
                .collect(),
            sent_back,
            lessons,
            unfinished,
            action_items: actions,
            report,
            next_steps,
        })
    }
}
