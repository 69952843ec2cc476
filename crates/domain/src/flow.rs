//! Flow measures computed from an issue's own status history.

use chrono::{DateTime, Duration, Utc};

use crate::Status;
use crate::model::StatusUpdate;

/// An issue's cycle time: from its first start to its completion, less the
/// time it spent paused (moved back to `proposed`) in between. Time blocked
/// or in review counts: the work was under way.
pub fn cycle_time(
    updates: &[StatusUpdate],
    started: DateTime<Utc>,
    completed: DateTime<Utc>,
) -> Duration {
    let paused = time_in(updates, Status::Proposed, started, completed);
    (completed - started - paused).max(Duration::zero())
}

/// How long an issue was in `status` between `from` and `to`, from its
/// status history: each stay runs from the move into `status` to the next
/// move (or on past `to`), and only its part inside the window counts.
pub fn time_in(
    updates: &[StatusUpdate],
    status: Status,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Duration {
    let inside = |enter: DateTime<Utc>, leave: DateTime<Utc>| {
        (leave.min(to) - enter.max(from)).max(Duration::zero())
    };
    let mut sorted: Vec<&StatusUpdate> = updates.iter().collect();
    sorted.sort_by_key(|u| u.at);
    let mut total = Duration::zero();
    let mut entered: Option<DateTime<Utc>> = None;
    for u in sorted {
        if let Some(e) = entered.take() {
            total += inside(e, u.at);
        }
        if u.to == status {
            entered = Some(u.at);
        }
    }
    if let Some(e) = entered {
        total += inside(e, to);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 5, 8, 0, 0).unwrap() + Duration::hours(h)
    }

    fn moved(h: i64, from: Status, to: Status) -> StatusUpdate {
        StatusUpdate {
            at: at(h),
            actor: "a".into(),
            from,
            to,
            notes: None,
        }
    }

    #[test]
    fn paused_time_is_left_out() {
        use Status::*;
        let updates = vec![
            moved(0, Proposed, InProgress),
            moved(2, InProgress, Proposed),
            moved(26, Proposed, InProgress),
            moved(27, InProgress, Blocked),
            moved(29, Blocked, InProgress),
            moved(30, InProgress, Review),
            moved(31, Review, Done),
        ];
        // 31 hours from start to done, 24 of them paused.
        assert_eq!(cycle_time(&updates, at(0), at(31)), Duration::hours(7));
        // Without pauses, all of it.
        assert_eq!(
            cycle_time(&updates[3..], at(27), at(31)),
            Duration::hours(4)
        );
    }

    #[test]
    fn time_in_counts_only_the_window() {
        use Status::*;
        let updates = vec![
            moved(0, InProgress, Blocked),
            moved(3, Blocked, InProgress),
            moved(10, InProgress, Blocked),
        ];
        // Blocked 0–3 and from 10 on; the window 2–12 holds 1 + 2 hours.
        assert_eq!(
            time_in(&updates, Blocked, at(2), at(12)),
            Duration::hours(3)
        );
        // A stay wholly before the window adds nothing (not a negative).
        assert_eq!(time_in(&updates, Blocked, at(5), at(8)), Duration::zero());
        assert_eq!(
            time_in(&updates, InProgress, at(0), at(12)),
            Duration::hours(7)
        );
    }
}
