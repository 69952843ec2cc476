//! Per owner (person or agent): how much they finish, how long it takes,
//! how well they estimate and how often finished work comes back.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use serde::Serialize;

use super::accuracy::{AccuracyStats, effort_accuracy};
use super::workflow::HistoryFacts;
use super::{CompletedFacts, UNOWNED, percentile, round};

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct OwnerPerformance {
    pub owner: String,
    pub completed: usize,
    /// Completed per 7 days over the window.
    pub per_week: f64,
    /// Days from start to done (time paused left out), 50th and 85th percentile.
    pub cycle_p50_days: Option<f64>,
    pub cycle_p85_days: Option<f64>,
    /// Estimate accuracy of their completed work that had an estimate and time.
    pub accuracy: Option<AccuracyStats>,
    /// Issues they own that left done again (reopened) in the window.
    pub reopened: usize,
    /// reopened / (completed + reopened still open); 0 when nothing finished.
    pub reopen_rate: f64,
    /// Review rounds sent back (review → in progress) on their issues.
    pub sent_back: usize,
}

/// Each owner's figures over the `window_days` from `since`, most
/// completed first.
pub fn performance(
    completed: &[CompletedFacts],
    histories: &[HistoryFacts],
    since: DateTime<Utc>,
    window_days: i64,
) -> Vec<OwnerPerformance> {
    let name = |o: &Option<String>| o.clone().unwrap_or_else(|| UNOWNED.to_string());
    let mut done: BTreeMap<String, Vec<&CompletedFacts>> = BTreeMap::new();
    for c in completed {
        done.entry(name(&c.owner)).or_default().push(c);
    }
    let mut reopened: HashMap<String, usize> = HashMap::new();
    let mut sent_back: HashMap<String, usize> = HashMap::new();
    for h in histories {
        let owner = name(&h.owner);
        if h.reopened_since(since) {
            *reopened.entry(owner.clone()).or_default() += 1;
        }
        let backs = h.sent_back_since(since);
        if backs > 0 {
            *sent_back.entry(owner.clone()).or_default() += backs;
        }
        done.entry(owner).or_default();
    }
    let accuracy = effort_accuracy(completed).by_owner;
    let weeks = (window_days.max(1) as f64) / 7.0;
    let mut out: Vec<OwnerPerformance> = done
        .into_iter()
        .map(|(owner, list)| {
            let cycles: Vec<f64> = list
                .iter()
                .filter_map(|c| c.cycle_seconds)
                .map(|s| s as f64 / 86_400.0)
                .collect();
            let r = reopened.get(&owner).copied().unwrap_or(0);
            let base = list.len().max(r);
            OwnerPerformance {
                completed: list.len(),
                per_week: round(list.len() as f64 / weeks, 2),
                cycle_p50_days: percentile(&cycles, 50.0).map(|d| round(d, 2)),
                cycle_p85_days: percentile(&cycles, 85.0).map(|d| round(d, 2)),
                accuracy: accuracy.get(&owner).cloned(),
                reopened: r,
                reopen_rate: if base == 0 {
                    0.0
                } else {
                    round(r as f64 / base as f64, 3)
                },
                sent_back: sent_back.get(&owner).copied().unwrap_or(0),
                owner,
            }
        })
        .collect();
    out.sort_by(|a, b| b.completed.cmp(&a.completed).then(a.owner.cmp(&b.owner)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::StatusUpdate;
    use crate::{IssueType, Priority, Status};
    use chrono::{TimeZone, Utc};

    fn done(key: &str, owner: &str, est: f64, minutes: i64, cycle_days: f64) -> CompletedFacts {
        CompletedFacts {
            key: key.into(),
            title: key.into(),
            issue_type: IssueType::Feature,
            priority: Priority::P3,
            complexity: None,
            owner: Some(owner.into()),
            estimate_hours: Some(est),
            actual_minutes: minutes,
            cycle_seconds: Some((cycle_days * 86_400.0) as i64),
            completed_at: Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap(),
            lessons: vec![],
        }
    }

    fn moved(key: &str, owner: &str, moves: &[(Status, Status)]) -> HistoryFacts {
        HistoryFacts {
            key: key.into(),
            owner: Some(owner.into()),
            status: Status::InProgress,
            started_at: None,
            completed_at: None,
            cycle_seconds: None,
            updates: moves
                .iter()
                .map(|(from, to)| StatusUpdate {
                    at: Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap(),
                    actor: owner.into(),
                    from: *from,
                    to: *to,
                    notes: None,
                })
                .collect(),
        }
    }

    #[test]
    fn per_owner_throughput_cycle_time_accuracy_and_reopens() {
        let completed = vec![
            done("A-1", "ana", 2.0, 120, 1.0), // ratio 1.0
            done("A-2", "ana", 2.0, 240, 3.0), // ratio 2.0
            done("A-3", "ana", 4.0, 360, 2.0), // ratio 1.5
            done("B-1", "bot", 1.0, 60, 0.5),
        ];
        let histories = vec![
            moved("A-2", "ana", &[(Status::Review, Status::InProgress)]),
            moved(
                "A-4",
                "ana",
                &[
                    (Status::Done, Status::InProgress),
                    (Status::Review, Status::InProgress),
                ],
            ),
            moved("C-1", "cy", &[]),
        ];
        let since = Utc.with_ymd_and_hms(2026, 2, 20, 0, 0, 0).unwrap();
        let p = performance(&completed, &histories, since, 14);
        // A reopen before the window does not count.
        let later = Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap();
        assert_eq!(
            performance(&completed, &histories, later, 14)[0].reopened,
            0
        );
        let owners: Vec<_> = p.iter().map(|o| o.owner.as_str()).collect();
        assert_eq!(owners, vec!["ana", "bot", "cy"]);
        let ana = &p[0];
        assert_eq!(ana.completed, 3);
        assert_eq!(ana.per_week, 1.5); // 3 over two weeks
        assert_eq!(ana.cycle_p50_days, Some(2.0));
        // rank 0.85 * 2 = 1.7 between 2 and 3 days
        assert_eq!(ana.cycle_p85_days, Some(2.7));
        let acc = ana.accuracy.clone().unwrap();
        assert_eq!((acc.issues, acc.median_ratio), (3, 1.5));
        assert_eq!((ana.reopened, ana.sent_back), (1, 2));
        assert_eq!(ana.reopen_rate, 0.333);
        assert_eq!(p[2].completed, 0);
        assert_eq!(p[2].reopen_rate, 0.0);
    }
}
