//! Risk assessment: rules over the open work, each finding with its
//! evidence and a suggested action. The thresholds are constants here, and
//! every finding names the rule that raised it.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{OpenFacts, Severity};
use crate::{Complexity, Priority, Status};

/// In progress with no change for this many days is stale (critical at
/// [`VERY_STALE_DAYS`]).
pub const STALE_DAYS: i64 = 3;
pub const VERY_STALE_DAYS: i64 = 7;
/// Blocked for this many days is a risk (critical at [`VERY_STALE_DAYS`]).
pub const LONG_BLOCKED_DAYS: i64 = 2;
/// A chain of blocks links this long (issues) is a risk; high at
/// [`VERY_LONG_CHAIN`].
pub const LONG_CHAIN: usize = 4;
pub const VERY_LONG_CHAIN: usize = 6;
/// Logged time over the estimate by this factor (critical at 2×).
pub const OVER_ESTIMATE: f64 = 1.25;
/// One owner holding more than this share of owned open work (with at least
/// [`CONCENTRATION_MIN_ISSUES`] owned open issues).
pub const CONCENTRATION: f64 = 0.6;
pub const CONCENTRATION_MIN_ISSUES: usize = 5;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RiskCategory {
    Technical,
    Timeline,
    Resource,
    External,
}

impl RiskCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            RiskCategory::Technical => "technical",
            RiskCategory::Timeline => "timeline",
            RiskCategory::Resource => "resource",
            RiskCategory::External => "external",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Risk {
    /// The rule that raised it, like `stale_in_progress`.
    pub rule: String,
    pub category: RiskCategory,
    pub severity: Severity,
    pub title: String,
    /// The facts behind it, one per line.
    pub evidence: Vec<String>,
    /// The issues concerned.
    pub issues: Vec<String>,
    pub action: String,
}

/// A sprint as the risk rules see it.
#[derive(Debug, Clone, PartialEq)]
pub struct SprintFacts {
    pub name: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub total: i64,
    pub done: i64,
}

pub struct RiskInputs<'a> {
    pub open: &'a [OpenFacts],
    /// The longest chain of open issues linked by blocks, first blocker first.
    pub longest_chain: &'a [String],
    pub sprints: &'a [SprintFacts],
    /// Owned open issues per owner, when the store counted them; else they
    /// are counted from `open` (which then must hold every open issue).
    pub owner_counts: Option<&'a std::collections::BTreeMap<String, usize>>,
    /// How many open issues are over their estimate, when the store counted
    /// them and `open` holds only the worst of them.
    pub over_estimate_total: Option<usize>,
    /// Issues completed per day, measured over a recent window.
    pub daily_throughput: f64,
    pub now: DateTime<Utc>,
}

fn days(since: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (now - since).num_days()
}

/// Every risk the rules find, the most severe first.
pub fn assess(i: &RiskInputs) -> Vec<Risk> {
    let mut out = Vec::new();
    stale(i, &mut out);
    blocked(i, &mut out);
    chain(i, &mut out);
    unplanned(i, &mut out);
    over_estimate(i, &mut out);
    concentration(i, &mut out);
    unowned_urgent(i, &mut out);
    sprints(i, &mut out);
    out.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then_with(|| a.rule.cmp(&b.rule))
    });
    out
}

fn stale(i: &RiskInputs, out: &mut Vec<Risk>) {
    let mut hits: Vec<(&OpenFacts, i64)> = i
        .open
        .iter()
        .filter(|o| o.status == Status::InProgress)
        .map(|o| (o, days(o.updated_at, i.now)))
        .filter(|(_, d)| *d >= STALE_DAYS)
        .collect();
    if hits.is_empty() {
        return;
    }
    hits.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.key.cmp(&b.0.key)));
    let worst = hits[0].1;
    out.push(Risk {
        rule: "stale_in_progress".into(),
        category: RiskCategory::Timeline,
        severity: if worst >= VERY_STALE_DAYS {
            Severity::Critical
        } else {
            Severity::High
        },
        title: format!(
            "{} in-progress issue(s) untouched for {STALE_DAYS}+ days",
            hits.len()
        ),
        evidence: hits
            .iter()
            .map(|(o, d)| {
                format!(
                    "{} untouched for {d} days (owner {})",
                    o.key,
                    o.owner.as_deref().unwrap_or("none")
                )
            })
            .collect(),
        issues: hits.iter().map(|(o, _)| o.key.clone()).collect(),
        action:
            "Ask each owner for a status; pause (pm_pause_work) or reassign what is not moving."
                .into(),
    });
}

fn blocked(i: &RiskInputs, out: &mut Vec<Risk>) {
    let mut hits: Vec<(&OpenFacts, i64)> = i
        .open
        .iter()
        .filter(|o| o.status == Status::Blocked)
        .map(|o| (o, days(o.updated_at, i.now)))
        .filter(|(_, d)| *d >= LONG_BLOCKED_DAYS)
        .collect();
    if hits.is_empty() {
        return;
    }
    hits.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.key.cmp(&b.0.key)));
    out.push(Risk {
        rule: "long_blocked".into(),
        category: RiskCategory::External,
        severity: if hits[0].1 >= VERY_STALE_DAYS {
            Severity::Critical
        } else {
            Severity::High
        },
        title: format!(
            "{} issue(s) blocked for {LONG_BLOCKED_DAYS}+ days",
            hits.len()
        ),
        evidence: hits
            .iter()
            .map(|(o, d)| {
                format!(
                    "{} blocked {d} days: {}",
                    o.key,
                    o.blocker_reason.as_deref().unwrap_or("no reason given")
                )
            })
            .collect(),
        issues: hits.iter().map(|(o, _)| o.key.clone()).collect(),
        action: "Escalate each blocker to whoever can remove it, or re-plan around it.".into(),
    });
}

fn chain(i: &RiskInputs, out: &mut Vec<Risk>) {
    let n = i.longest_chain.len();
    if n < LONG_CHAIN {
        return;
    }
    out.push(Risk {
        rule: "long_dependency_chain".into(),
        category: RiskCategory::Technical,
        severity: if n >= VERY_LONG_CHAIN { Severity::High } else { Severity::Medium },
        title: format!("a chain of {n} issues, each blocking the next"),
        evidence: vec![i.longest_chain.join(" → ")],
        issues: i.longest_chain.to_vec(),
        action: "Look for links that are not real dependencies, and start the head of the chain first (pm_dependency_graph).".into(),
    });
}

fn unplanned(i: &RiskInputs, out: &mut Vec<Risk>) {
    let hits: Vec<&OpenFacts> = i
        .open
        .iter()
        .filter(|o| matches!(o.complexity, Some(Complexity::High | Complexity::VeryHigh)))
        .filter(|o| o.has_criteria == Some(false) || o.has_approach == Some(false))
        .collect();
    if hits.is_empty() {
        return;
    }
    let severe = hits.iter().any(|o| {
        o.complexity == Some(Complexity::VeryHigh)
            || matches!(o.priority, Priority::P1 | Priority::P2)
    });
    out.push(Risk {
        rule: "complex_without_plan".into(),
        category: RiskCategory::Technical,
        severity: if severe {
            Severity::High
        } else {
            Severity::Medium
        },
        title: format!(
            "{} high-complexity issue(s) without acceptance criteria or an approach",
            hits.len()
        ),
        evidence: hits
            .iter()
            .map(|o| {
                let mut missing = Vec::new();
                if o.has_criteria == Some(false) {
                    missing.push("acceptance criteria");
                }
                if o.has_approach == Some(false) {
                    missing.push("technical approach");
                }
                format!(
                    "{} ({}, {}) lacks {}",
                    o.key,
                    o.complexity.map(|c| c.as_str()).unwrap_or(""),
                    o.priority.as_str(),
                    missing.join(" and ")
                )
            })
            .collect(),
        issues: hits.iter().map(|o| o.key.clone()).collect(),
        action:
            "Refine them before starting: pm_refine_issue with aspect acceptance and technical."
                .into(),
    });
}

fn over_estimate(i: &RiskInputs, out: &mut Vec<Risk>) {
    let mut hits: Vec<(&OpenFacts, f64)> = i
        .open
        .iter()
        .filter_map(|o| {
            let est = o.estimate_hours.filter(|e| *e > 0.0)?;
            let ratio = o.time_spent_minutes as f64 / 60.0 / est;
            (ratio > OVER_ESTIMATE).then_some((o, ratio))
        })
        .collect();
    if hits.is_empty() {
        return;
    }
    hits.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.key.cmp(&b.0.key)));
    out.push(Risk {
        rule: "over_estimate".into(),
        category: RiskCategory::Timeline,
        severity: if hits[0].1 >= 2.0 {
            Severity::Critical
        } else {
            Severity::High
        },
        title: format!(
            "{} open issue(s) over their estimate",
            i.over_estimate_total.unwrap_or(hits.len()).max(hits.len())
        ),
        evidence: hits
            .iter()
            .map(|(o, r)| {
                format!(
                    "{}: {:.1} h logged of {:.1} h estimated ({:.0} %)",
                    o.key,
                    o.time_spent_minutes as f64 / 60.0,
                    o.estimate_hours.unwrap_or(0.0),
                    r * 100.0
                )
            })
            .collect(),
        issues: hits.iter().map(|(o, _)| o.key.clone()).collect(),
        action: "Re-estimate (pm_estimate) or split (pm_split_issue) what is still far from done."
            .into(),
    });
    // The store read only the worst of them: say how many more there are.
    if let (Some(total), Some(r)) = (i.over_estimate_total, out.last_mut())
        && total > hits.len()
    {
        r.evidence
            .push(format!("… and {} more", total - hits.len()));
    }
}

fn concentration(i: &RiskInputs, out: &mut Vec<Risk>) {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    match i.owner_counts {
        Some(c) => {
            for (owner, n) in c {
                counts.insert(owner, *n);
            }
        }
        None => {
            for o in i.open.iter().filter_map(|o| o.owner.as_deref()) {
                *counts.entry(o).or_insert(0) += 1;
            }
        }
    }
    let owned_total: usize = counts.values().sum();
    if owned_total < CONCENTRATION_MIN_ISSUES {
        return;
    }
    let Some((top, n)) = counts
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
    else {
        return;
    };
    let share = *n as f64 / owned_total as f64;
    if share <= CONCENTRATION {
        return;
    }
    out.push(Risk {
        rule: "owner_concentration".into(),
        category: RiskCategory::Resource,
        severity: if share > 0.8 {
            Severity::High
        } else {
            Severity::Medium
        },
        title: format!("{top} owns {:.0} % of the owned open work", share * 100.0),
        evidence: vec![format!(
            "{top} owns {n} of {owned_total} owned open issues; {} owner(s) in all",
            counts.len()
        )],
        issues: Vec::new(),
        action: "Spread the work: pm_capacity_planning suggests moves.".into(),
    });
}

fn unowned_urgent(i: &RiskInputs, out: &mut Vec<Risk>) {
    let hits: Vec<&OpenFacts> = i
        .open
        .iter()
        .filter(|o| {
            o.priority == Priority::P1 && o.owner.is_none() && days(o.created_at, i.now) >= 1
        })
        .collect();
    if hits.is_empty() {
        return;
    }
    out.push(Risk {
        rule: "unowned_urgent".into(),
        category: RiskCategory::Resource,
        severity: Severity::High,
        title: format!(
            "{} P1 issue(s) without an owner for a day or more",
            hits.len()
        ),
        evidence: hits
            .iter()
            .map(|o| {
                format!(
                    "{} open {} days, nobody owns it",
                    o.key,
                    days(o.created_at, i.now)
                )
            })
            .collect(),
        issues: hits.iter().map(|o| o.key.clone()).collect(),
        action: "Assign them (pm_assign_issue) or lower their priority.".into(),
    });
}

fn sprints(i: &RiskInputs, out: &mut Vec<Risk>) {
    let today = i.now.date_naive();
    for s in i.sprints {
        let remaining = s.total - s.done;
        if remaining <= 0 || today < s.start || today > s.end {
            continue;
        }
        let length = (s.end - s.start).num_days().max(1);
        let finish = (i.daily_throughput > 0.0)
            .then(|| today + Duration::days((remaining as f64 / i.daily_throughput).ceil() as i64));
        let misses_by = match finish {
            Some(f) if f <= s.end => continue,
            Some(f) => Some((f - s.end).num_days()),
            None => None,
        };
        let critical = misses_by.is_none_or(|d| d * 2 > length);
        out.push(Risk {
            rule: "sprint_forecast_misses_end".into(),
            category: RiskCategory::Timeline,
            severity: if critical { Severity::Critical } else { Severity::High },
            title: format!("sprint {} is forecast to miss its end ({})", s.name, s.end),
            evidence: vec![match (finish, misses_by) {
                (Some(f), Some(d)) => format!(
                    "{remaining} of {} issues open; at {:.2} completions a day they finish around {f}, {d} day(s) late",
                    s.total, i.daily_throughput
                ),
                _ => format!("{remaining} of {} issues open and nothing completed recently", s.total),
            }],
            issues: Vec::new(),
            action: "Cut scope from the sprint or add people to it; see pm_burndown.".into(),
        });
    }
}

/// The longest path in a DAG given as edges (blocker, blocked), as node
/// names; ties go to the path whose names sort first. Edges that would
/// make a cycle are not expected (the store refuses them) and are ignored.
pub fn longest_chain(edges: &[(String, String)]) -> Vec<String> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut nodes: BTreeSet<&str> = BTreeSet::new();
    let mut indegree: BTreeMap<&str, usize> = BTreeMap::new();
    for (a, b) in edges {
        next.entry(a).or_default().push(b);
        nodes.insert(a);
        nodes.insert(b);
        *indegree.entry(b).or_insert(0) += 1;
        indegree.entry(a).or_insert(0);
    }
    // Kahn's order, then the longest path ending at each node.
    let mut queue: Vec<&str> = nodes.iter().copied().filter(|n| indegree[n] == 0).collect();
    queue.reverse();
    let mut order = Vec::new();
    while let Some(n) = queue.pop() {
        order.push(n);
        for m in next.get(n).into_iter().flatten() {
            if let Some(d) = indegree.get_mut(m) {
                *d -= 1;
                if *d == 0 {
                    queue.push(m);
                }
            }
        }
    }
    let mut best: BTreeMap<&str, (usize, Option<&str>)> = BTreeMap::new();
    for n in &order {
        let here = best.get(n).copied().unwrap_or((1, None));
        best.entry(n).or_insert(here);
        for m in next.get(n).into_iter().flatten() {
            let cand = (here.0 + 1, Some(*n));
            let e = best.entry(m).or_insert((1, None));
            if cand.0 > e.0 || (cand.0 == e.0 && e.1.is_some_and(|p| *n < p)) {
                *e = cand;
            }
        }
    }
    let Some((end, _)) = best
        .iter()
        .max_by(|a, b| a.1.0.cmp(&b.1.0).then_with(|| b.0.cmp(a.0)))
    else {
        return Vec::new();
    };
    let mut path = vec![end.to_string()];
    let mut at = *end;
    while let Some((_, Some(prev))) = best.get(at) {
        path.push(prev.to_string());
        at = prev;
    }
    path.reverse();
    path
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IssueType;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap()
    }

    fn fact(key: &str, status: Status) -> OpenFacts {
        OpenFacts {
            key: key.into(),
            title: key.into(),
            status,
            priority: Priority::P3,
            issue_type: IssueType::Feature,
            owner: Some("ann".into()),
            complexity: None,
            estimate_hours: None,
            time_spent_minutes: 0,
            created_at: now() - Duration::days(20),
            updated_at: now(),
            blocker_reason: None,
            has_criteria: None,
            has_approach: None,
        }
    }

    fn rules(
        open: &[OpenFacts],
        chain: &[String],
        sprints: &[SprintFacts],
        tp: f64,
    ) -> Vec<(String, Severity)> {
        assess(&RiskInputs {
            owner_counts: None,
            over_estimate_total: None,
            open,
            longest_chain: chain,
            sprints,
            daily_throughput: tp,
            now: now(),
        })
        .into_iter()
        .map(|r| (r.rule, r.severity))
        .collect()
    }

    #[test]
    fn each_rule_fires_and_stays_quiet() {
        // Nothing wrong: no risk.
        assert!(rules(&[fact("A-1", Status::InProgress)], &[], &[], 1.0).is_empty());

        let mut stale = fact("A-1", Status::InProgress);
        stale.updated_at = now() - Duration::days(STALE_DAYS);
        assert_eq!(
            rules(&[stale.clone()], &[], &[], 1.0),
            [("stale_in_progress".into(), Severity::High)]
        );
        stale.updated_at = now() - Duration::days(VERY_STALE_DAYS);
        assert_eq!(
            rules(&[stale], &[], &[], 1.0),
            [("stale_in_progress".into(), Severity::Critical)]
        );

        let mut b = fact("A-2", Status::Blocked);
        b.updated_at = now() - Duration::days(1);
        assert!(rules(&[b.clone()], &[], &[], 1.0).is_empty());
        b.updated_at = now() - Duration::days(LONG_BLOCKED_DAYS);
        assert_eq!(
            rules(&[b], &[], &[], 1.0),
            [("long_blocked".into(), Severity::High)]
        );

        let chain: Vec<String> = ["A", "B", "C"].map(String::from).to_vec();
        assert!(rules(&[], &chain, &[], 1.0).is_empty());
        let chain: Vec<String> = ["A", "B", "C", "D"].map(String::from).to_vec();
        assert_eq!(
            rules(&[], &chain, &[], 1.0),
            [("long_dependency_chain".into(), Severity::Medium)]
        );

        let mut c = fact("A-3", Status::Proposed);
        c.complexity = Some(Complexity::High);
        c.has_criteria = Some(true);
        c.has_approach = Some(true);
        assert!(rules(&[c.clone()], &[], &[], 1.0).is_empty());
        c.has_approach = Some(false);
        assert_eq!(
            rules(&[c], &[], &[], 1.0),
            [("complex_without_plan".into(), Severity::Medium)]
        );

        let mut o = fact("A-4", Status::InProgress);
        o.estimate_hours = Some(4.0);
        o.time_spent_minutes = 5 * 60; // 125 %: not over
        assert!(rules(&[o.clone()], &[], &[], 1.0).is_empty());
        o.time_spent_minutes = 6 * 60; // 150 %
        assert_eq!(
            rules(&[o.clone()], &[], &[], 1.0),
            [("over_estimate".into(), Severity::High)]
        );
        o.time_spent_minutes = 8 * 60; // 200 %
        assert_eq!(
            rules(&[o], &[], &[], 1.0),
            [("over_estimate".into(), Severity::Critical)]
        );

        let mut team: Vec<OpenFacts> = (1..=5)
            .map(|n| fact(&format!("T-{n}"), Status::Proposed))
            .collect();
        team[0].owner = Some("bob".into());
        team[1].owner = Some("bob".into());
        // ann 3 of 5 = 60 %: not over the threshold.
        assert!(rules(&team, &[], &[], 1.0).is_empty());
        team[1].owner = Some("ann".into());
        assert_eq!(
            rules(&team, &[], &[], 1.0),
            [("owner_concentration".into(), Severity::Medium)]
        );

        let mut u = fact("A-5", Status::Proposed);
        u.owner = None;
        u.priority = Priority::P1;
        assert_eq!(
            rules(&[u.clone()], &[], &[], 1.0),
            [("unowned_urgent".into(), Severity::High)]
        );
        u.created_at = now() - Duration::hours(2);
        assert!(rules(&[u], &[], &[], 1.0).is_empty());
    }

    #[test]
    fn sprint_forecast_by_hand() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        // 1 to 14 March; today is the 10th; 6 of 10 open.
        let s = SprintFacts {
            name: "S1".into(),
            start: d(3, 1),
            end: d(3, 14),
            total: 10,
            done: 4,
        };
        // 2 a day: 3 days, the 13th: on time.
        assert!(rules(&[], &[], std::slice::from_ref(&s), 2.0).is_empty());
        // 1 a day: 6 days, the 16th: 2 days late of a 13-day sprint: high.
        let r = assess(&RiskInputs {
            owner_counts: None,
            over_estimate_total: None,
            open: &[],
            longest_chain: &[],
            sprints: std::slice::from_ref(&s),
            daily_throughput: 1.0,
            now: now(),
        });
        assert_eq!(r[0].severity, Severity::High);
        assert!(
            r[0].evidence[0].contains("2026-03-16, 2 day(s) late"),
            "{:?}",
            r[0].evidence
        );
        // Nothing completing: critical.
        assert_eq!(
            rules(&[], &[], &[s], 0.0),
            [("sprint_forecast_misses_end".into(), Severity::Critical)]
        );
    }

    #[test]
    fn owner_counts_from_the_store_replace_counting_rows() {
        let counts: std::collections::BTreeMap<String, usize> =
            [("ann".to_string(), 5), ("bob".to_string(), 1)].into();
        let r = assess(&RiskInputs {
            owner_counts: Some(&counts),
            over_estimate_total: None,
            open: &[],
            longest_chain: &[],
            sprints: &[],
            daily_throughput: 1.0,
            now: now(),
        });
        // 5 of 6: 83 %, over 80 %: high.
        assert_eq!(r.len(), 1);
        assert_eq!(
            (r[0].rule.as_str(), r[0].severity),
            ("owner_concentration", Severity::High)
        );
        assert!(
            r[0].evidence[0].starts_with("ann owns 5 of 6"),
            "{:?}",
            r[0].evidence
        );
    }

    #[test]
    fn the_longest_chain_of_a_known_dag() {
        let e = |a: &str, b: &str| (a.to_string(), b.to_string());
        // A→B→D→E and A→C→E, F→E: the longest is A, B, D, E.
        let edges = vec![
            e("A", "B"),
            e("B", "D"),
            e("D", "E"),
            e("A", "C"),
            e("C", "E"),
            e("F", "E"),
        ];
        assert_eq!(longest_chain(&edges), ["A", "B", "D", "E"]);
        assert!(longest_chain(&[]).is_empty());
    }
}
