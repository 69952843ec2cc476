//! Small display helpers the templates share: relative times, bar charts,
//! the words for statuses and events.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use lazypm_domain::{Event, Issue, Status, allowed_next};

/// "3 min ago", "2 h ago", "5 d ago", else the date.
pub fn ago(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - at).num_seconds();
    match secs {
        s if s < 45 => "just now".into(),
        s if s < 3600 => format!("{} min ago", (s + 30) / 60),
        s if s < 86_400 => format!("{} h ago", s / 3600),
        s if s < 30 * 86_400 => format!("{} d ago", s / 86_400),
        _ => at.format("%Y-%m-%d").to_string(),
    }
}

/// A status as people read it.
pub fn status_label(s: Status) -> &'static str {
    match s {
        Status::Proposed => "Proposed",
        Status::InProgress => "In progress",
        Status::Review => "Review",
        Status::Blocked => "Blocked",
        Status::Done => "Done",
        Status::Canceled => "Canceled",
    }
}

/// The statuses an issue may move to, comma-separated (for the board's
/// drop targets; the server still decides).
pub fn next_statuses(s: Status) -> String {
    allowed_next(s)
        .iter()
        .map(|n| n.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// One bar of a horizontal bar chart: its share of the largest, in percent.
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub width: i64,
    /// A CSS class suffix (a status or priority), or empty.
    pub class: String,
    /// Where the bar leads (the filtered issue list).
    pub href: String,
}

/// Bars for counts, largest scale first as given.
pub fn bars(
    counts: impl IntoIterator<Item = (String, i64)>,
    class: impl Fn(&str) -> String,
    href: impl Fn(&str) -> String,
) -> Vec<Bar> {
    let counts: Vec<(String, i64)> = counts.into_iter().filter(|(_, n)| *n > 0).collect();
    let max = counts.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1);
    counts
        .into_iter()
        .map(|(label, value)| Bar {
            width: (value * 100 / max).max(1),
            class: class(&label),
            href: href(&label),
            label,
            value,
        })
        .collect()
}

/// Status counts in workflow order.
pub fn status_bars(by_status: &BTreeMap<String, i64>, project: &str) -> Vec<Bar> {
    bars(
        Status::ALL.iter().map(|s| {
            (
                s.as_str().to_string(),
                by_status.get(s.as_str()).copied().unwrap_or(0),
            )
        }),
        |l| format!("st-{l}"),
        |l| format!("/p/{project}/issues?status={l}"),
    )
}

/// One line of an activity feed.
pub struct FeedItem {
    pub actor: String,
    /// Whether the actor is a person at the web door rather than an agent or a CLI user.
    pub from_web: bool,
    pub what: String,
    pub entity: String,
    /// The issue page the entity belongs to, when it is an issue or task.
    pub href: Option<String>,
    pub ago: String,
    pub at: String,
}

/// The issue key an entity belongs to (`PROJ-3` for `PROJ-3` and `PROJ-3-T1`).
pub fn issue_of(entity: &str) -> Option<String> {
    let mut parts = entity.splitn(3, '-');
    let project = parts.next()?;
    let number = parts.next()?;
    (!project.is_empty() && number.parse::<u64>().is_ok()).then(|| format!("{project}-{number}"))
}

pub fn feed(events: &[Event], now: DateTime<Utc>) -> Vec<FeedItem> {
    events
        .iter()
        .map(|e| FeedItem {
            actor: e.actor.clone(),
            from_web: e.actor == "web",
            what: e.event_type.as_str().replace('_', " "),
            href: issue_of(&e.entity).map(|k| format!("/issues/{k}")),
            entity: e.entity.clone(),
            ago: ago(e.at, now),
            at: e.at.to_rfc3339(),
        })
        .collect()
}

/// An issue as a list row or a card.
#[derive(Default)]
pub struct Row {
    pub key: String,
    pub title: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub priority: &'static str,
    pub kind: &'static str,
    pub owner: String,
    pub module: String,
    pub labels: Vec<String>,
    pub updated: String,
    pub version: i64,
    pub next: String,
    pub blocker: String,
    pub estimate: String,
}

pub fn row(i: &Issue, now: DateTime<Utc>) -> Row {
    Row {
        key: i.key.clone(),
        title: i.title.clone(),
        status: i.status.as_str(),
        status_label: status_label(i.status),
        priority: i.priority.as_str(),
        kind: i.issue_type.as_str(),
        owner: i.owner.clone().unwrap_or_default(),
        module: i.module.clone().unwrap_or_default(),
        labels: i.labels.clone(),
        updated: ago(i.updated_at, now),
        version: i.version,
        next: next_statuses(i.status),
        blocker: i.blocker_reason.clone().unwrap_or_default(),
        estimate: i
            .estimate
            .effort
            .clone()
            .or_else(|| i.estimate.hours.map(|h| format!("{h}h")))
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_lead_to_their_issue() {
        assert_eq!(issue_of("PM-3").as_deref(), Some("PM-3"));
        assert_eq!(issue_of("PM-3-T2").as_deref(), Some("PM-3"));
        assert_eq!(issue_of("PM"), None);
        assert_eq!(issue_of("sprint-one"), None);
    }

    #[test]
    fn times_read_as_people_say_them() {
        let now = Utc::now();
        assert_eq!(ago(now, now), "just now");
        assert_eq!(ago(now - chrono::Duration::minutes(5), now), "5 min ago");
        assert_eq!(ago(now - chrono::Duration::hours(3), now), "3 h ago");
        assert_eq!(ago(now - chrono::Duration::days(2), now), "2 d ago");
    }

    #[test]
    fn bars_scale_to_the_largest_and_drop_zeroes() {
        let b = bars(
            [
                ("a".to_string(), 10),
                ("b".to_string(), 5),
                ("c".to_string(), 0),
            ],
            |l| l.to_string(),
            |l| format!("/x?{l}"),
        );
        assert_eq!(b.iter().map(|b| b.width).collect::<Vec<_>>(), vec![100, 50]);
        assert_eq!(b[1].href, "/x?b");
    }
}
