//! Pure scoring for "what should I do next": the owner's queue (urgency) and
//! ready-work suggestions. Each score comes with the reasons it is made of.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;

use crate::{Priority, Status};

/// The facts about an issue that scoring looks at.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub status: Status,
    pub priority: Priority,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Open issues that this one blocks.
    pub unblocks: i64,
    /// Open issues that block this one.
    pub open_blockers: i64,
    pub has_owner: bool,
}

/// A score and the reasons it adds up from.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Score {
    pub score: f64,
    pub reasons: Vec<String>,
}

fn priority_points(p: Priority) -> f64 {
    match p {
        Priority::P1 => 50.0,
        Priority::P2 => 35.0,
        Priority::P3 => 20.0,
        Priority::P4 => 10.0,
        Priority::P5 => 5.0,
    }
}

/// Urgency of an item in someone's queue: priority, then work already under
/// way (finish before starting), issues it unblocks, and age.
pub fn urgency(c: &Candidate, now: DateTime<Utc>) -> Score {
    let mut score = priority_points(c.priority);
    let mut reasons = vec![format!(
        "{} priority (+{})",
        c.priority,
        priority_points(c.priority)
    )];
    match c.status {
        Status::InProgress => {
            score += 25.0;
            reasons.push("already in progress: finish before starting more (+25)".into());
        }
        Status::Review => {
            score += 15.0;
            reasons.push("in review: close the loop (+15)".into());
        }
        Status::Blocked => {
            score -= 30.0;
            reasons.push("blocked: needs its blocker resolved first (-30)".into());
        }
        _ => {}
    }
    add_shared(c, now, &mut score, &mut reasons);
    Score {
        score: round1(score),
        reasons,
    }
}

/// How good a ready issue is as the next thing to start.
pub fn readiness(c: &Candidate, now: DateTime<Utc>) -> Score {
    let mut score = priority_points(c.priority);
    let mut reasons = vec![format!(
        "{} priority (+{})",
        c.priority,
        priority_points(c.priority)
    )];
    if c.open_blockers == 0 {
        reasons.push("ready: nothing blocks it".into());
    }
    if !c.has_owner {
        score += 2.0;
        reasons.push("unassigned (+2)".into());
    }
    add_shared(c, now, &mut score, &mut reasons);
    Score {
        score: round1(score),
        reasons,
    }
}

fn add_shared(c: &Candidate, now: DateTime<Utc>, score: &mut f64, reasons: &mut Vec<String>) {
    if c.unblocks > 0 {
        let pts = (c.unblocks as f64 * 8.0).min(24.0);
        *score += pts;
        reasons.push(format!("unblocks {} open issue(s) (+{pts})", c.unblocks));
    }
    if c.open_blockers > 0 && c.status != Status::Blocked {
        *score -= 20.0;
        reasons.push(format!(
            "waits on {} open blocker(s) (-20)",
            c.open_blockers
        ));
    }
    let age_days = (now - c.created_at).num_days().max(0) as f64;
    if age_days >= 1.0 {
        let pts = (age_days / 7.0).min(10.0).round();
        if pts > 0.0 {
            *score += pts;
            reasons.push(format!("waiting {age_days:.0} day(s) (+{pts})"));
        }
    }
    let idle_days = (now - c.updated_at).num_days();
    if c.status == Status::InProgress && idle_days >= 3 {
        *score += 5.0;
        reasons.push(format!("no update for {idle_days} days (+5)"));
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn cand(status: Status, priority: Priority) -> Candidate {
        let now = Utc::now();
        Candidate {
            status,
            priority,
            created_at: now,
            updated_at: now,
            unblocks: 0,
            open_blockers: 0,
            has_owner: true,
        }
    }

    #[test]
    fn priority_dominates_and_in_progress_comes_first() {
        let now = Utc::now();
        let p1 = urgency(&cand(Status::Proposed, Priority::P1), now);
        let p3 = urgency(&cand(Status::Proposed, Priority::P3), now);
        let p3_started = urgency(&cand(Status::InProgress, Priority::P3), now);
        assert!(p1.score > p3.score);
        assert!(p3_started.score > p3.score);
        assert!(p3_started.reasons.iter().any(|r| r.contains("in progress")));
    }

    #[test]
    fn unblocking_and_age_raise_readiness_with_reasons() {
        let now = Utc::now();
        let mut c = cand(Status::Proposed, Priority::P3);
        let base = readiness(&c, now).score;
        c.unblocks = 2;
        c.created_at = now - Duration::days(21);
        let s = readiness(&c, now);
        assert_eq!(s.score, base + 16.0 + 3.0);
        assert!(s.reasons.iter().any(|r| r.contains("unblocks 2")));
        assert!(s.reasons.iter().any(|r| r.contains("waiting 21 day")));
    }

    #[test]
    fn blocked_items_sink() {
        let now = Utc::now();
        let blocked = urgency(&cand(Status::Blocked, Priority::P1), now);
        let open = urgency(&cand(Status::Proposed, Priority::P2), now);
        assert!(blocked.score < open.score);
    }
}
