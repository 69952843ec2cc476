//! Capacity planning: each owner's open estimated work against the hours
//! they have measurably put in. Measured pace = hours logged by the owner
//! over the basis window, per week; capacity = pace × the planning horizon;
//! load = remaining estimated hours / capacity. An owner with no logged time
//! is assumed to work at the median pace of those with some (and says so).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{OpenFacts, median, round};
use crate::{Priority, Status};

/// Load above this is overloaded, below [`UNDERLOADED`] underloaded.
pub const OVERLOADED: f64 = 1.2;
pub const UNDERLOADED: f64 = 0.5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LoadState {
    Overloaded,
    Balanced,
    Underloaded,
    /// No pace measured for anyone: no capacity to compare with.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct OwnerCapacity {
    pub owner: String,
    pub open_issues: usize,
    pub in_progress: usize,
    /// Estimated hours not yet logged on their open issues.
    pub remaining_hours: f64,
    /// Open issues without an estimate (not in remaining_hours).
    pub unestimated: usize,
    pub logged_hours: f64,
    pub hours_per_week: Option<f64>,
    /// True when hours_per_week is the team median, not their own.
    pub pace_assumed: bool,
    pub capacity_hours: Option<f64>,
    pub load: Option<f64>,
    pub state: LoadState,
}

/// A suggested reassignment.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct SuggestedMove {
    pub key: String,
    pub title: String,
    pub hours: f64,
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CapacityPlan {
    pub owners: Vec<OwnerCapacity>,
    pub moves: Vec<SuggestedMove>,
    /// Open work nobody owns: issues and estimated hours.
    pub unowned_issues: usize,
    pub unowned_hours: f64,
}

/// `logged` is minutes logged per author over `basis_weeks`; the plan looks
/// `horizon_weeks` ahead.
pub fn plan(
    open: &[OpenFacts],
    logged: &BTreeMap<String, i64>,
    basis_weeks: f64,
    horizon_weeks: f64,
) -> CapacityPlan {
    let basis_weeks = basis_weeks.max(1.0 / 7.0);
    let mut owners: BTreeSet<String> = logged.keys().cloned().collect();
    owners.extend(open.iter().filter_map(|o| o.owner.clone()));
    let paces: Vec<f64> = owners
        .iter()
        .filter_map(|o| logged.get(o))
        .filter(|m| **m > 0)
        .map(|m| *m as f64 / 60.0 / basis_weeks)
        .collect();
    let team_pace = median(&paces);
    let mut rows: Vec<OwnerCapacity> = owners
        .iter()
        .map(|owner| {
            let mine: Vec<&OpenFacts> = open
                .iter()
                .filter(|o| o.owner.as_deref() == Some(owner))
                .collect();
            let remaining: f64 = mine.iter().filter_map(|o| o.remaining_hours()).sum();
            let logged_hours = logged.get(owner).copied().unwrap_or(0) as f64 / 60.0;
            let own_pace = (logged_hours > 0.0).then(|| logged_hours / basis_weeks);
            let pace = own_pace.or(team_pace);
            let capacity = pace.map(|p| p * horizon_weeks);
            let load = capacity.filter(|c| *c > 0.0).map(|c| remaining / c);
            OwnerCapacity {
                owner: owner.clone(),
                open_issues: mine.len(),
                in_progress: mine
                    .iter()
                    .filter(|o| o.status == Status::InProgress)
                    .count(),
                remaining_hours: round(remaining, 1),
                unestimated: mine.iter().filter(|o| o.estimate_hours.is_none()).count(),
                logged_hours: round(logged_hours, 1),
                hours_per_week: pace.map(|p| round(p, 1)),
                pace_assumed: own_pace.is_none() && pace.is_some(),
                capacity_hours: capacity.map(|c| round(c, 1)),
                load: load.map(|l| round(l, 2)),
                state: state(load),
            }
        })
        .collect();
    let moves = suggest_moves(open, &mut rows);
    rows.sort_by(|a, b| {
        b.load
            .unwrap_or(f64::MIN)
            .total_cmp(&a.load.unwrap_or(f64::MIN))
            .then_with(|| a.owner.cmp(&b.owner))
    });
    let unowned: Vec<&OpenFacts> = open.iter().filter(|o| o.owner.is_none()).collect();
    CapacityPlan {
        owners: rows,
        moves,
        unowned_issues: unowned.len(),
        unowned_hours: round(unowned.iter().filter_map(|o| o.remaining_hours()).sum(), 1),
    }
}

fn state(load: Option<f64>) -> LoadState {
    match load {
        None => LoadState::Unknown,
        Some(l) if l > OVERLOADED => LoadState::Overloaded,
        Some(l) if l < UNDERLOADED => LoadState::Underloaded,
        Some(_) => LoadState::Balanced,
    }
}

/// Moves not-yet-started estimated work (least urgent first) from the most
/// overloaded owners to whoever has the most spare capacity, while the
/// giver stays over capacity and the taker has room for it.
fn suggest_moves(open: &[OpenFacts], rows: &mut [OwnerCapacity]) -> Vec<SuggestedMove> {
    let mut moves = Vec::new();
    let mut remaining: BTreeMap<String, f64> = rows
        .iter()
        .map(|r| (r.owner.clone(), r.remaining_hours))
        .collect();
    let capacity: BTreeMap<String, f64> = rows
        .iter()
        .filter_map(|r| Some((r.owner.clone(), r.capacity_hours?)))
        .collect();
    let mut givers: Vec<&OwnerCapacity> = rows
        .iter()
        .filter(|r| r.state == LoadState::Overloaded)
        .collect();
    givers.sort_by(|a, b| b.load.unwrap_or(0.0).total_cmp(&a.load.unwrap_or(0.0)));
    let givers: Vec<String> = givers.iter().map(|g| g.owner.clone()).collect();
    for giver in givers {
        let mut candidates: Vec<&OpenFacts> = open
            .iter()
            .filter(|o| {
                o.owner.as_deref() == Some(giver.as_str())
                    && o.status == Status::Proposed
                    && o.remaining_hours().is_some_and(|h| h > 0.0)
            })
            .collect();
        // Least urgent first (P5 before P1), then the smaller piece.
        candidates.sort_by(|a, b| {
            priority_rank(b.priority)
                .cmp(&priority_rank(a.priority))
                .then_with(|| {
                    a.remaining_hours()
                        .unwrap_or(0.0)
                        .total_cmp(&b.remaining_hours().unwrap_or(0.0))
                })
                .then_with(|| a.key.cmp(&b.key))
        });
        for c in candidates {
            let hours = c.remaining_hours().unwrap_or(0.0);
            let over = |who: &str, r: &BTreeMap<String, f64>| {
                capacity
                    .get(who)
                    .is_some_and(|cap| r.get(who).copied().unwrap_or(0.0) > *cap)
            };
            if !over(&giver, &remaining) {
                break;
            }
            let taker = capacity
                .iter()
                .filter(|(who, _)| **who != giver)
                .map(|(who, cap)| (who, cap - remaining.get(who).copied().unwrap_or(0.0)))
                .filter(|(_, spare)| *spare >= hours)
                .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(a.0)));
            let Some((taker, _)) = taker else { continue };
            let taker = taker.clone();
            *remaining.entry(giver.clone()).or_insert(0.0) -= hours;
            *remaining.entry(taker.clone()).or_insert(0.0) += hours;
            moves.push(SuggestedMove {
                key: c.key.clone(),
                title: c.title.clone(),
                hours: round(hours, 1),
                from: giver.clone(),
                to: taker,
            });
        }
    }
    moves
}

fn priority_rank(p: Priority) -> u8 {
    match p {
        Priority::P1 => 1,
        Priority::P2 => 2,
        Priority::P3 => 3,
        Priority::P4 => 4,
        Priority::P5 => 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IssueType;
    use chrono::{TimeZone, Utc};

    fn open(
        key: &str,
        owner: Option<&str>,
        status: Status,
        p: Priority,
        est: Option<f64>,
        spent_h: i64,
    ) -> OpenFacts {
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        OpenFacts {
            key: key.into(),
            title: key.into(),
            status,
            priority: p,
            issue_type: IssueType::Feature,
            owner: owner.map(Into::into),
            complexity: None,
            estimate_hours: est,
            time_spent_minutes: spent_h * 60,
            created_at: at,
            updated_at: at,
            blocker_reason: None,
            has_criteria: None,
            has_approach: None,
        }
    }

    #[test]
    fn loads_and_moves_by_hand() {
        use Priority::*;
        use Status::*;
        // Over 2 weeks ann logged 40 h (20 h/week), bob 20 h (10 h/week),
        // cid nothing: cid is assumed at the median pace, 15 h/week.
        let logged = BTreeMap::from([("ann".to_string(), 40 * 60), ("bob".to_string(), 20 * 60)]);
        let facts = vec![
            // ann: 10 h left on A-1 (12 estimated, 2 logged) + 8 h = 18 h.
            open("A-1", Some("ann"), InProgress, P2, Some(12.0), 2),
            open("A-2", Some("ann"), Proposed, P3, Some(8.0), 0),
            // bob: 30 + 6 + 4 = 40 h against a 1-week capacity of 10 h.
            open("B-1", Some("bob"), InProgress, P1, Some(30.0), 0),
            open("B-2", Some("bob"), Proposed, P4, Some(6.0), 0),
            open("B-3", Some("bob"), Proposed, P2, Some(4.0), 0),
            open("B-4", Some("bob"), Proposed, P3, None, 0),
            open("U-1", None, Proposed, P3, Some(5.0), 0),
        ];
        let p = plan(&facts, &logged, 2.0, 1.0);
        let by = |o: &str| p.owners.iter().find(|r| r.owner == o).unwrap().clone();
        let ann = by("ann");
        assert_eq!(
            (ann.remaining_hours, ann.hours_per_week, ann.capacity_hours),
            (18.0, Some(20.0), Some(20.0))
        );
        assert_eq!(ann.load, Some(0.9));
        assert_eq!(ann.state, LoadState::Balanced);
        let bob = by("bob");
        assert_eq!(
            (bob.remaining_hours, bob.load, bob.unestimated),
            (40.0, Some(4.0), 1)
        );
        assert_eq!(bob.state, LoadState::Overloaded);
        // Nothing open for cid, so cid is only there by having logged time:
        // not here. The unowned work is counted apart.
        assert_eq!((p.unowned_issues, p.unowned_hours), (1, 5.0));
        // bob gives B-2 (P4, least urgent) then B-3 (P2): ann has 2 h spare
        // only, so neither fits her; nobody takes them.
        assert!(p.moves.is_empty(), "{:?}", p.moves);
        // The most loaded owner comes first.
        assert_eq!(p.owners[0].owner, "bob");
    }

    #[test]
    fn work_moves_to_spare_capacity_least_urgent_first() {
        use Priority::*;
        use Status::*;
        let logged = BTreeMap::from([("ann".to_string(), 20 * 60), ("bob".to_string(), 20 * 60)]);
        let facts = vec![
            open("A-1", Some("ann"), Proposed, P1, Some(10.0), 0),
            open("A-2", Some("ann"), Proposed, P4, Some(6.0), 0),
            open("A-3", Some("ann"), Proposed, P3, Some(10.0), 0),
            open("B-1", Some("bob"), InProgress, P2, Some(2.0), 0),
        ];
        // Capacity 20 h each over one week at 20 h/week (basis 1 week).
        let p = plan(&facts, &logged, 1.0, 1.0);
        // ann has 26 h: A-2 (P4) goes to bob; now 20 h, not over: stop.
        assert_eq!(p.moves.len(), 1);
        assert_eq!(
            (p.moves[0].key.as_str(), p.moves[0].to.as_str()),
            ("A-2", "bob")
        );
        // An owner with logged time and no pace of their own takes the median.
        let logged = BTreeMap::from([("ann".to_string(), 10 * 60)]);
        let p = plan(
            &[open("C-1", Some("cid"), Proposed, P3, Some(5.0), 0)],
            &logged,
            1.0,
            2.0,
        );
        let cid = p.owners.iter().find(|r| r.owner == "cid").unwrap();
        assert!(cid.pace_assumed);
        assert_eq!(
            (cid.hours_per_week, cid.capacity_hours, cid.load),
            (Some(10.0), Some(20.0), Some(0.25))
        );
        assert_eq!(cid.state, LoadState::Underloaded);
    }
}
