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
    let mut paused = Duration::zero();
    let mut paused_since: Option<DateTime<Utc>> = None;
    let mut in_window: Vec<&StatusUpdate> = updates
        .iter()
        .filter(|u| u.at >= started && u.at <= completed)
        .collect();
    in_window.sort_by_key(|u| u.at);
    for u in in_window {
        if let Some(since) = paused_since.take() {
            paused += u.at - since;
        }
        if u.to == Status::Proposed {
            paused_since = Some(u.at);
        }
    }
    if let Some(since) = paused_since {
        paused += completed - since;
    }
    (completed - started - paused).max(Duration::zero())
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
}
