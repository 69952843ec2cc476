//! The audit chain: each event carries a SHA-256 over the hash of the event
//! before it and its own content, so an event edited, deleted or moved
//! breaks the chain at that point (`lazypm audit verify`).

use chrono::SubsecRound as _;
use lazypm_domain::Event;
use sha2::{Digest, Sha256};

/// The hash of `event` following the event whose hash is `prev` (`None`
/// for the first event, or one whose predecessor predates the chain).
///
/// The content is the event's JSON as stored: its time to the microsecond
/// (what every backend keeps), so the hash computed on the way in is the
/// one recomputed from the table or from `events.jsonl`.
pub fn link(prev: Option<&str>, event: &Event) -> String {
    let mut stored = event.clone();
    stored.at = stored.at.trunc_subsecs(6);
    let mut h = Sha256::new();
    h.update(prev.unwrap_or_default().as_bytes());
    h.update(b"\n");
    h.update(serde_json::to_vec(&stored).unwrap_or_default());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// An event as the table holds it: its sequence number, and its hash
/// (`None` for events written before the chain began).
#[derive(Debug, Clone)]
pub struct Chained {
    pub seq: i64,
    pub event: Event,
    pub hash: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    fn event(entity: &str) -> Event {
        Event {
            id: "0195-x".into(),
            at: chrono::Utc
                .timestamp_opt(1_795_000_000, 123_456_789)
                .single()
                .unwrap_or_default(),
            actor: "alice".into(),
            event_type: lazypm_domain::EventType::IssueCreated,
            project: Some("APP".into()),
            entity: entity.into(),
            changes: serde_json::json!({"title": "x", "n": 2.5}),
        }
    }

    #[test]
    fn a_link_depends_on_the_event_and_its_predecessor() {
        let a = link(None, &event("APP-1"));
        assert_eq!(a.len(), 64);
        assert_eq!(a, link(None, &event("APP-1")));
        assert_ne!(a, link(None, &event("APP-2")));
        assert_ne!(a, link(Some("00"), &event("APP-1")));
        // Stored to the microsecond: nanoseconds beyond it do not count.
        let mut stored = event("APP-1");
        stored.at = stored.at.trunc_subsecs(6);
        assert_eq!(a, link(None, &stored));
    }
}
