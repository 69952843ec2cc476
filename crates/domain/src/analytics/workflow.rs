//! Workflow optimisation: measures of flow from the status histories of
//! recently active issues, each compared with a threshold; what crosses one
//! becomes a suggestion with its evidence.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{OpenFacts, median, percentile, round};
use crate::{Status, StatusUpdate, flow};

/// More issues in progress than this per owner is juggling.
pub const WIP_LIMIT: usize = 3;
/// Work waits in review longer than this (hours, at P85): a suggestion.
pub const REVIEW_WAIT_HOURS: f64 = 24.0;
/// More than this share of cycle time spent blocked: a suggestion.
pub const BLOCKED_SHARE: f64 = 0.15;
/// A cycle time over this multiple of the median is an outlier.
pub const OUTLIER_FACTOR: f64 = 3.0;
/// More than this share of completed work reopened: a suggestion.
pub const REOPEN_RATE: f64 = 0.10;

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
// Efficiency: work in progress and blocked time. Speed: review wait and
// cycle-time outliers. Quality: reopened work and requested changes.
pub enum Focus {
    #[default]
    All,
    Efficiency,
    Speed,
    Quality,
}

/// An issue's status history, as the flow measures read it.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryFacts {
    pub key: String,
    pub owner: Option<String>,
    pub status: Status,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub cycle_seconds: Option<i64>,
    pub updates: Vec<StatusUpdate>,
}

impl HistoryFacts {
    /// Whether it left done again at or after `since`.
    pub fn reopened_since(&self, since: DateTime<Utc>) -> bool {
        self.updates
            .iter()
            .any(|u| u.at >= since && u.from == Status::Done && u.to != Status::Done)
    }

    /// Review rounds that sent it back to in progress at or after `since`.
    pub fn sent_back_since(&self, since: DateTime<Utc>) -> usize {
        self.updates
            .iter()
            .filter(|u| u.at >= since && u.from == Status::Review && u.to == Status::InProgress)
            .count()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Suggestion {
    pub rule: String,
    pub focus: Focus,
    pub title: String,
    /// The measure and the threshold it crossed.
    pub measured: f64,
    pub threshold: f64,
    pub evidence: Vec<String>,
    pub action: String,
}

/// The measures, whether or not they cross a threshold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, schemars::JsonSchema)]
pub struct FlowMeasures {
    /// Hours from entering review to leaving it, over reviews that ended in the window.
    pub review_wait_p50_hours: Option<f64>,
    pub review_wait_p85_hours: Option<f64>,
    pub reviews_measured: usize,
    /// Share (0–1) of the completed issues' start-to-done time spent blocked.
    pub blocked_share: Option<f64>,
    pub cycle_p50_hours: Option<f64>,
    pub cycle_p85_hours: Option<f64>,
    pub completed: usize,
    /// Completed issues moved back out of done in the window.
    pub reopened: usize,
    /// Reviews sent back to in progress (changes requested) in the window.
    pub sent_back: usize,
}

fn hours(d: Duration) -> f64 {
    d.num_seconds() as f64 / 3600.0
}

pub fn measure(histories: &[HistoryFacts], since: DateTime<Utc>) -> FlowMeasures {
    let mut waits = Vec::new();
    let (mut blocked, mut active) = (Duration::zero(), Duration::zero());
    let mut cycles = Vec::new();
    let (mut reopened, mut sent_back, mut completed) = (0, 0, 0);
    for h in histories {
        let mut ups: Vec<&StatusUpdate> = h.updates.iter().collect();
        ups.sort_by_key(|u| u.at);
        for pair in ups.windows(2) {
            if pair[0].to == Status::Review && pair[1].from == Status::Review && pair[1].at >= since
            {
                waits.push(hours(pair[1].at - pair[0].at));
            }
        }
        if h.reopened_since(since) {
            reopened += 1;
        }
        sent_back += h.sent_back_since(since);
        if let (Status::Done, Some(start), Some(done)) = (h.status, h.started_at, h.completed_at)
            && done >= since
        {
            completed += 1;
            blocked += flow::time_in(&h.updates, Status::Blocked, start, done);
            active += done - start;
            if let Some(c) = h.cycle_seconds {
                cycles.push(c as f64 / 3600.0);
            }
        }
    }
    FlowMeasures {
        review_wait_p50_hours: median(&waits).map(|x| round(x, 1)),
        review_wait_p85_hours: percentile(&waits, 85.0).map(|x| round(x, 1)),
        reviews_measured: waits.len(),
        blocked_share: (active.num_seconds() > 0).then(|| round(hours(blocked) / hours(active), 2)),
        cycle_p50_hours: median(&cycles).map(|x| round(x, 1)),
        cycle_p85_hours: percentile(&cycles, 85.0).map(|x| round(x, 1)),
        completed,
        reopened,
        sent_back,
    }
}

/// Suggestions for `focus`, from the measures and the open work.
pub fn suggest(
    focus: Focus,
    m: &FlowMeasures,
    histories: &[HistoryFacts],
    open: &[OpenFacts],
    since: DateTime<Utc>,
) -> Vec<Suggestion> {
    let wants = |f: Focus| focus == Focus::All || focus == f;
    let mut out = Vec::new();
    if wants(Focus::Efficiency) {
        let mut wip: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for o in open.iter().filter(|o| o.status == Status::InProgress) {
            if let Some(owner) = &o.owner {
                wip.entry(owner).or_default().push(&o.key);
            }
        }
        let over: Vec<(&str, &Vec<&str>)> = wip
            .iter()
            .filter(|(_, keys)| keys.len() > WIP_LIMIT)
            .map(|(o, k)| (*o, k))
            .collect();
        if let Some(most) = over.iter().map(|(_, k)| k.len()).max() {
            out.push(Suggestion {
                rule: "wip_over_limit".into(),
                focus: Focus::Efficiency,
                title: format!("{} owner(s) juggle more than {WIP_LIMIT} issues in progress", over.len()),
                measured: most as f64,
                threshold: WIP_LIMIT as f64,
                evidence: over
                    .iter()
                    .map(|(o, k)| format!("{o}: {} in progress ({})", k.len(), k.join(", ")))
                    .collect(),
                action: "Finish before starting: pause (pm_pause_work) the least urgent until each owner is at the limit.".into(),
            });
        }
        if let Some(share) = m.blocked_share.filter(|s| *s > BLOCKED_SHARE) {
            out.push(Suggestion {
                rule: "blocked_share".into(),
                focus: Focus::Efficiency,
                title: format!("{:.0} % of completed work's cycle time was spent blocked", share * 100.0),
                measured: share,
                threshold: BLOCKED_SHARE,
                evidence: vec![format!("over {} issue(s) completed in the window", m.completed)],
                action: "Find the common blockers (pm_identify_blockers) and settle dependencies before starting work.".into(),
            });
        }
    }
    if wants(Focus::Speed) {
        if let Some(p85) = m.review_wait_p85_hours.filter(|p| *p > REVIEW_WAIT_HOURS) {
            out.push(Suggestion {
                rule: "review_wait".into(),
                focus: Focus::Speed,
                title: format!("reviews wait {p85:.1} h at P85"),
                measured: p85,
                threshold: REVIEW_WAIT_HOURS,
                evidence: vec![format!(
                    "{} review(s) ended in the window; P50 {:.1} h",
                    m.reviews_measured,
                    m.review_wait_p50_hours.unwrap_or(0.0)
                )],
                action:
                    "Review daily, or name reviewers when asking (pm_request_review reviewers)."
                        .into(),
            });
        }
        if let Some(p50) = m.cycle_p50_hours.filter(|p| *p > 0.0) {
            let limit = p50 * OUTLIER_FACTOR;
            let slow: Vec<String> = histories
                .iter()
                .filter(|h| h.status == Status::Done && h.completed_at.is_some_and(|c| c >= since))
                .filter_map(|h| {
                    let c = h.cycle_seconds? as f64 / 3600.0;
                    (c > limit).then(|| format!("{}: {c:.1} h", h.key))
                })
                .collect();
            if !slow.is_empty() {
                out.push(Suggestion {
                    rule: "cycle_time_outliers".into(),
                    focus: Focus::Speed,
                    title: format!("{} issue(s) took over {OUTLIER_FACTOR}× the median cycle time", slow.len()),
                    measured: slow.len() as f64,
                    threshold: limit,
                    evidence: slow,
                    action: "Look at what these had in common (size, type, dependencies) and split such work earlier.".into(),
                });
            }
        }
    }
    if wants(Focus::Quality) && m.completed > 0 {
        let rate = m.reopened as f64 / m.completed as f64;
        if rate > REOPEN_RATE {
            out.push(Suggestion {
                rule: "reopened_work".into(),
                focus: Focus::Quality,
                title: format!("{:.0} % of completed work was reopened", rate * 100.0),
                measured: round(rate, 2),
                threshold: REOPEN_RATE,
                evidence: vec![format!("{} reopened against {} completed; {} review(s) sent back", m.reopened, m.completed, m.sent_back)],
                action: "Tighten acceptance criteria (pm_add_acceptance_criteria) and check them before completing.".into(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap() + Duration::hours(h)
    }

    fn up(h: i64, from: Status, to: Status) -> StatusUpdate {
        StatusUpdate {
            at: at(h),
            actor: "a".into(),
            from,
            to,
            notes: None,
        }
    }

    fn done(key: &str, updates: Vec<StatusUpdate>, cycle_h: i64) -> HistoryFacts {
        let start = updates.first().map(|u| u.at);
        let end = updates.last().map(|u| u.at);
        HistoryFacts {
            key: key.into(),
            owner: Some("ann".into()),
            status: Status::Done,
            started_at: start,
            completed_at: end,
            cycle_seconds: Some(cycle_h * 3600),
            updates,
        }
    }

    #[test]
    fn flow_measures_by_hand() {
        use Status::*;
        let h = vec![
            // 10 h of cycle: 4 h blocked, 2 h in review.
            done(
                "A-1",
                vec![
                    up(0, Proposed, InProgress),
                    up(2, InProgress, Blocked),
                    up(6, Blocked, InProgress),
                    up(8, InProgress, Review),
                    up(10, Review, Done),
                ],
                10,
            ),
            // 33 h: sent back once (review 1 h), then review 30 h.
            done(
                "A-2",
                vec![
                    up(0, Proposed, InProgress),
                    up(1, InProgress, Review),
                    up(2, Review, InProgress),
                    up(3, InProgress, Review),
                    up(33, Review, Done),
                ],
                33,
            ),
            // 2 h, no review, later reopened.
            done(
                "A-3",
                vec![
                    up(0, Proposed, InProgress),
                    up(2, InProgress, Done),
                    up(40, Done, InProgress),
                    up(41, InProgress, Done),
                ],
                2,
            ),
        ];
        let m = measure(&h, at(0));
        // review waits 2, 1, 30 → median 2, P85 rank 1.7 → 2 + 0.7 × 28 = 21.6
        assert_eq!(m.reviews_measured, 3);
        assert_eq!(m.review_wait_p50_hours, Some(2.0));
        assert_eq!(m.review_wait_p85_hours, Some(21.6));
        // blocked 4 h of 10 + 33 + 41 = 84 h of start-to-done
        assert_eq!(m.blocked_share, Some(0.05));
        assert_eq!((m.completed, m.reopened, m.sent_back), (3, 1, 1));
        // cycles 2, 10, 33 → median 10
        assert_eq!(m.cycle_p50_hours, Some(10.0));

        let s = suggest(Focus::All, &m, &h, &[], at(0));
        let rules: Vec<&str> = s.iter().map(|x| x.rule.as_str()).collect();
        // 33 h > 3 × 10 h; reopened 1 of 3 > 10 %; review P85 21.6 h ≤ 24 h.
        assert_eq!(rules, ["cycle_time_outliers", "reopened_work"]);
        assert_eq!(s[0].evidence, ["A-2: 33.0 h"]);
        assert!(suggest(Focus::Efficiency, &m, &h, &[], at(0)).is_empty());
    }
}
