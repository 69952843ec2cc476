//! Burndown and velocity of sprints, with Jira's semantics for scope: what
//! was in the sprint at the end of its first day is the commitment; work
//! added later, canceled, or re-estimated after that is scope change, listed
//! with when it happened. Days are UTC calendar days.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use super::round;

/// What a burndown counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    StoryPoints,
    Hours,
    Issues,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::StoryPoints => "story points",
            Unit::Hours => "estimated hours",
            Unit::Issues => "issues",
        }
    }
}

/// A change of an issue's story points or estimated hours.
#[derive(Debug, Clone, PartialEq)]
pub struct Resize {
    pub at: DateTime<Utc>,
    /// StoryPoints or Hours: which estimate changed.
    pub unit: Unit,
    pub from: Option<f64>,
    pub to: Option<f64>,
}

/// One issue of a sprint, as the store knows it now, with its history.
#[derive(Debug, Clone, PartialEq)]
pub struct SprintItem {
    pub key: String,
    pub title: String,
    pub added_at: DateTime<Utc>,
    pub story_points: Option<f64>,
    pub estimate_hours: Option<f64>,
    /// When it reached done (and stayed there).
    pub done_at: Option<DateTime<Utc>>,
    /// When it was canceled: it leaves the scope then.
    pub removed_at: Option<DateTime<Utc>>,
    /// Estimate changes, any order.
    pub resizes: Vec<Resize>,
}

impl SprintItem {
    fn current(&self, unit: Unit) -> f64 {
        match unit {
            Unit::StoryPoints => self.story_points.unwrap_or(0.0),
            Unit::Hours => self.estimate_hours.unwrap_or(0.0),
            Unit::Issues => 1.0,
        }
    }

    /// Its size at `t`: the current size, walked back through every change
    /// made after `t`.
    fn size_at(&self, t: DateTime<Utc>, unit: Unit) -> f64 {
        if unit == Unit::Issues {
            return 1.0;
        }
        let mut later: Vec<&Resize> = self
            .resizes
            .iter()
            .filter(|r| r.unit == unit && r.at >= t)
            .collect();
        later.sort_by_key(|r| r.at);
        match later.first() {
            Some(r) => r.from.unwrap_or(0.0),
            None => self.current(unit),
        }
    }

    fn in_scope(&self, t: DateTime<Utc>) -> bool {
        self.added_at < t && self.removed_at.is_none_or(|r| r >= t)
    }

    fn open_at(&self, t: DateTime<Utc>) -> bool {
        self.done_at.is_none_or(|d| d >= t)
    }
}

/// Story points when every issue has them, else estimated hours when every
/// issue has them, else a count of issues.
pub fn choose_unit<'a>(items: impl IntoIterator<Item = &'a SprintItem> + Clone) -> Unit {
    if items.clone().into_iter().all(|i| i.story_points.is_some()) {
        Unit::StoryPoints
    } else if items.into_iter().all(|i| i.estimate_hours.is_some()) {
        Unit::Hours
    } else {
        Unit::Issues
    }
}

/// A change to the scope after the first day.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ScopeChange {
    pub at: DateTime<Utc>,
    pub key: String,
    /// added, removed (canceled) or re_estimated.
    pub kind: &'static str,
    /// The change to the scope, in the burndown's unit (negative when it shrank).
    pub delta: f64,
}

/// One day of a burndown, at the end of the day.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct BurndownDay {
    pub date: NaiveDate,
    /// Work not yet done; `None` for days still ahead.
    pub remaining: Option<f64>,
    /// Everything in the sprint that day, done or not; `None` ahead.
    pub scope: Option<f64>,
    /// The straight line from the commitment to zero on the end date;
    /// `None` past the end.
    pub ideal: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Burndown {
    pub unit: Unit,
    /// In the sprint at the end of its first day.
    pub committed: f64,
    pub scope_now: f64,
    pub completed: f64,
    pub remaining: f64,
    pub added: f64,
    pub removed: f64,
    /// The net change from re-estimates.
    pub re_estimated: f64,
    pub scope_changes: Vec<ScopeChange>,
    pub days: Vec<BurndownDay>,
    /// Remaining minus the ideal line today (positive: behind plan); `None`
    /// before the start or after the end.
    pub behind_ideal: Option<f64>,
}

fn end_of(d: NaiveDate) -> DateTime<Utc> {
    (d + Duration::days(1))
        .and_time(chrono::NaiveTime::MIN)
        .and_utc()
}

/// The burndown of a sprint from `start` to `end` as of `now`. The chart
/// runs to the end date, and on past it while work stays open, to today.
pub fn burndown(
    items: &[SprintItem],
    start: NaiveDate,
    end: NaiveDate,
    unit: Unit,
    now: DateTime<Utc>,
) -> Burndown {
    let first = end_of(start);
    let sum = |t: DateTime<Utc>, open_only: bool| -> f64 {
        items
            .iter()
            .filter(|i| i.in_scope(t) && (!open_only || i.open_at(t)))
            .map(|i| i.size_at(t, unit))
            .sum()
    };
    let committed = sum(first, false);
    let today = now.date_naive();
    let open_now = items.iter().any(|i| i.in_scope(now) && i.open_at(now));
    let last_close = items
        .iter()
        .filter_map(|i| i.done_at.or(i.removed_at))
        .max()
        .map(|t| t.date_naive());
    let mut last = end;
    if today > end {
        if open_now {
            last = today;
        } else if let Some(c) = last_close {
            last = last.max(c.min(today));
        }
    }
    let span = (end - start).num_days().max(1) as f64;
    let mut days = Vec::new();
    let mut d = start;
    while d <= last {
        let t = end_of(d).min(if d == today { now } else { end_of(d) });
        let past = d <= today;
        let elapsed = (d - start).num_days() as f64;
        days.push(BurndownDay {
            date: d,
            remaining: past.then(|| round(sum(t, true), 2)),
            scope: past.then(|| round(sum(t, false), 2)),
            ideal: (d <= end).then(|| round(committed * (1.0 - elapsed / span).max(0.0), 2)),
        });
        d += Duration::days(1);
    }
    let mut changes = Vec::new();
    for i in items {
        if i.added_at >= first {
            changes.push(ScopeChange {
                at: i.added_at,
                key: i.key.clone(),
                kind: "added",
                delta: i.size_at(i.added_at, unit),
            });
        }
        if let Some(r) = i.removed_at
            && r >= first
            && i.added_at < r
        {
            changes.push(ScopeChange {
                at: r,
                key: i.key.clone(),
                kind: "removed",
                delta: -i.size_at(r, unit),
            });
        }
        if unit != Unit::Issues {
            for r in i.resizes.iter().filter(|r| r.unit == unit) {
                let delta = r.to.unwrap_or(0.0) - r.from.unwrap_or(0.0);
                if r.at >= first && i.in_scope(r.at) && delta != 0.0 {
                    changes.push(ScopeChange {
                        at: r.at,
                        key: i.key.clone(),
                        kind: "re_estimated",
                        delta,
                    });
                }
            }
        }
    }
    changes.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.key.cmp(&b.key)));
    let total = |kind: &str| {
        round(
            changes
                .iter()
                .filter(|c| c.kind == kind)
                .map(|c| c.delta)
                .sum(),
            2,
        )
    };
    let remaining = sum(now, true);
    let scope_now = sum(now, false);
    let behind_ideal = days
        .iter()
        .find(|day| day.date == today)
        .and_then(|day| Some(round(day.remaining? - day.ideal?, 2)));
    Burndown {
        unit,
        committed: round(committed, 2),
        scope_now: round(scope_now, 2),
        completed: round(scope_now - remaining, 2),
        remaining: round(remaining, 2),
        added: total("added"),
        removed: total("removed"),
        re_estimated: total("re_estimated"),
        scope_changes: changes,
        days,
        behind_ideal,
    }
}

/// One sprint's commitment against what it finished.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct SprintVelocity {
    pub sprint: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub committed: f64,
    /// Done by the end of the end date, counting work added later too.
    pub completed: f64,
    /// Done after the end date (still in the sprint).
    pub completed_late: f64,
    /// Whether the end date has passed.
    pub ended: bool,
}

/// Commitment and completion of one sprint in `unit`.
pub fn sprint_velocity(
    name: &str,
    items: &[SprintItem],
    start: NaiveDate,
    end: NaiveDate,
    unit: Unit,
    now: DateTime<Utc>,
) -> SprintVelocity {
    let first = end_of(start);
    let close = end_of(end);
    let done_by = |t: DateTime<Utc>| -> f64 {
        items
            .iter()
            .filter(|i| i.done_at.is_some_and(|d| d < t) && i.in_scope(t))
            .map(|i| i.size_at(t, unit))
            .sum()
    };
    let by_end = done_by(close.min(now));
    SprintVelocity {
        sprint: name.to_string(),
        start,
        end,
        committed: round(
            items
                .iter()
                .filter(|i| i.in_scope(first))
                .map(|i| i.size_at(first, unit))
                .sum(),
            2,
        ),
        completed: round(by_end, 2),
        completed_late: round((done_by(now) - by_end).max(0.0), 2),
        ended: now >= close,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0).unwrap()
    }

    fn date(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, day).unwrap()
    }

    fn item(key: &str, points: f64, added: DateTime<Utc>) -> SprintItem {
        SprintItem {
            key: key.into(),
            title: key.into(),
            added_at: added,
            story_points: Some(points),
            estimate_hours: None,
            done_at: None,
            removed_at: None,
            resizes: vec![],
        }
    }

    /// A five-day sprint (2–6 March): A (5) and B (3) and C (2) committed;
    /// A done on day 3; D (4) added on day 3; B re-estimated 3 → 5 on day 4;
    /// C canceled on day 5. Seen at noon on day 5.
    fn sprint() -> Vec<SprintItem> {
        let mut a = item("A", 5.0, at(1, 9));
        a.done_at = Some(at(4, 10));
        let mut b = item("B", 5.0, at(2, 9));
        b.resizes.push(Resize {
            at: at(5, 9),
            unit: Unit::StoryPoints,
            from: Some(3.0),
            to: Some(5.0),
        });
        // An hours estimate changing leaves a points burndown alone.
        b.resizes.push(Resize {
            at: at(5, 10),
            unit: Unit::Hours,
            from: None,
            to: Some(8.0),
        });
        let mut c = item("C", 2.0, at(2, 10));
        c.removed_at = Some(at(6, 11));
        let d = item("D", 4.0, at(4, 15));
        vec![a, b, c, d]
    }

    #[test]
    fn a_burndown_lists_scope_added_removed_and_re_estimated() {
        let items = sprint();
        assert_eq!(choose_unit(&items), Unit::StoryPoints);
        let b = burndown(&items, date(2), date(6), Unit::StoryPoints, at(6, 12));
        assert_eq!(b.committed, 10.0); // A 5 + B 3 + C 2
        // Day by day (end of day): remaining, scope, ideal 10 → 0 over 4 days.
        let rem: Vec<_> = b.days.iter().map(|d| d.remaining).collect();
        assert_eq!(
            rem,
            vec![Some(10.0), Some(10.0), Some(9.0), Some(11.0), Some(9.0)]
        );
        let scope: Vec<_> = b.days.iter().map(|d| d.scope).collect();
        assert_eq!(
            scope,
            vec![Some(10.0), Some(10.0), Some(14.0), Some(16.0), Some(14.0)]
        );
        let ideal: Vec<_> = b.days.iter().map(|d| d.ideal).collect();
        assert_eq!(
            ideal,
            vec![Some(10.0), Some(7.5), Some(5.0), Some(2.5), Some(0.0)]
        );
        assert_eq!((b.added, b.removed, b.re_estimated), (4.0, -2.0, 2.0));
        let kinds: Vec<_> = b
            .scope_changes
            .iter()
            .map(|c| (c.key.as_str(), c.kind, c.delta))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("D", "added", 4.0),
                ("B", "re_estimated", 2.0),
                ("C", "removed", -2.0)
            ]
        );
        assert_eq!((b.scope_now, b.completed, b.remaining), (14.0, 5.0, 9.0));
        assert_eq!(b.behind_ideal, Some(9.0));
    }

    #[test]
    fn the_chart_runs_past_the_end_while_work_is_open_and_stops_today() {
        let items = sprint();
        let late = burndown(&items, date(2), date(6), Unit::StoryPoints, at(9, 8));
        assert_eq!(late.days.len(), 8);
        assert_eq!(late.days.last().and_then(|d| d.ideal), None);
        assert_eq!(late.days.last().and_then(|d| d.remaining), Some(9.0));
        let early = burndown(&items, date(2), date(6), Unit::StoryPoints, at(3, 12));
        assert_eq!(early.days.len(), 5);
        assert_eq!(early.days[3].remaining, None);
        assert_eq!(early.days[1].remaining, Some(10.0));
        // Counting issues: 3 committed; D added, C removed; no re-estimate.
        let n = burndown(&items, date(2), date(6), Unit::Issues, at(6, 12));
        assert_eq!(
            (n.committed, n.added, n.removed, n.re_estimated),
            (3.0, 1.0, -1.0, 0.0)
        );
        assert_eq!(n.remaining, 2.0);
    }

    #[test]
    fn velocity_counts_commitment_and_what_finished_by_the_end() {
        let items = sprint();
        let v = sprint_velocity("S1", &items, date(2), date(6), Unit::StoryPoints, at(9, 8));
        assert_eq!(
            (v.committed, v.completed, v.completed_late),
            (10.0, 5.0, 0.0)
        );
        assert!(v.ended);
        let mut more = items.clone();
        more[3].done_at = Some(at(8, 9)); // D finished two days late
        let v = sprint_velocity("S1", &more, date(2), date(6), Unit::StoryPoints, at(9, 8));
        assert_eq!((v.completed, v.completed_late), (5.0, 4.0));
        let mut one = item("X", 1.0, at(1, 1));
        one.story_points = None;
        more.push(one);
        assert_eq!(choose_unit(&more), Unit::Issues);
    }
}
