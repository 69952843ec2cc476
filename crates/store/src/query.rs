//! The shapes of questions asked of the store and of the answers that are
//! more than one record.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use lazypm_domain::{
    Comment, Issue, IssueType, LinkedIssue, Priority, SortField, SortOrder, Sprint, Status, Task,
    WorkLog,
};

/// Which issues to list, in which order, from where.
#[derive(Debug, Clone)]
pub struct IssueQuery {
    pub project_id: i64,
    pub statuses: Vec<Status>,
    pub priorities: Vec<Priority>,
    pub types: Vec<IssueType>,
    pub module: Option<String>,
    pub owner: Option<String>,
    pub label: Option<String>,
    pub sprint_id: Option<i64>,
    pub parent_id: Option<i64>,
    /// Archived issues only (true) or live issues only (false).
    pub archived: bool,
    pub sort: SortField,
    pub order: SortOrder,
    pub limit: i64,
    /// Continue after this row.
    pub after: Option<Cursor>,
    /// Load the rich content (specification … analytics); when false those
    /// come back empty, which keeps lean list pages cheap.
    pub with_content: bool,
    /// Only issues with a blocks link to or from another open live issue.
    pub blocks_linked: bool,
}

impl IssueQuery {
    /// Live issues of a project in `statuses` (any when empty), by priority,
    /// without the rich content: the start most internal lists build on.
    pub fn lean(project_id: i64, statuses: Vec<Status>, limit: i64) -> IssueQuery {
        IssueQuery {
            project_id,
            statuses,
            priorities: Vec::new(),
            types: Vec::new(),
            module: None,
            owner: None,
            label: None,
            sprint_id: None,
            parent_id: None,
            archived: false,
            sort: SortField::Priority,
            order: SortOrder::Asc,
            limit,
            after: None,
            with_content: false,
            blocks_linked: false,
        }
    }
}

/// Where a page ended: the sort value and id of its last row.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    pub id: i64,
    pub value: CursorValue,
}

/// A sort value in a cursor. Times travel as microseconds since the epoch,
/// so a cursor means the same on every backend.
#[derive(Debug, Clone, PartialEq)]
pub enum CursorValue {
    Int(i64),
    Text(String),
    Time(DateTime<Utc>),
}

impl Cursor {
    /// The cursor just past `issue` in a list sorted by `field`.
    pub fn after(issue: &Issue, field: SortField) -> Cursor {
        let value = match field {
            SortField::Priority => CursorValue::Text(issue.priority.as_str().into()),
            SortField::Updated => CursorValue::Time(issue.updated_at),
            SortField::Created => CursorValue::Time(issue.created_at),
            SortField::Key => CursorValue::Int(issue.id),
            SortField::Title => CursorValue::Text(issue.title.clone()),
            SortField::Status => CursorValue::Int(issue.status.board_rank()),
        };
        Cursor {
            id: issue.id,
            value,
        }
    }

    /// An opaque token for clients.
    pub fn encode(&self) -> String {
        match &self.value {
            CursorValue::Int(v) => format!("i{}:{v}", self.id),
            CursorValue::Text(v) => format!("t{}:{v}", self.id),
            CursorValue::Time(v) => format!("m{}:{}", self.id, v.timestamp_micros()),
        }
    }

    pub fn decode(token: &str) -> Option<Cursor> {
        let kind = token.chars().next()?;
        let (id, value) = token.get(1..)?.split_once(':')?;
        let id = id.parse().ok()?;
        let value = match kind {
            'i' => CursorValue::Int(value.parse().ok()?),
            't' => CursorValue::Text(value.to_string()),
            'm' => CursorValue::Time(DateTime::from_timestamp_micros(value.parse().ok()?)?),
            _ => return None,
        };
        Some(Cursor { id, value })
    }
}

/// The words a search looks for, at most 32: text split at whitespace,
/// control characters and ASCII punctuation other than `_`, keeping the
/// pieces that hold a letter or digit. Both backends search for exactly
/// these, each quoting them in its own query syntax.
pub fn search_words(text: &str) -> Vec<&str> {
    text.split(|c: char| {
        c.is_whitespace() || c.is_control() || (c.is_ascii_punctuation() && c != '_')
    })
    .filter(|t| t.chars().any(char::is_alphanumeric))
    .take(32)
    .collect()
}

/// A full-text search.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    pub project_id: i64,
    /// What the user typed; the backend makes it safe.
    pub text: String,
    pub statuses: Vec<Status>,
    pub include_archived: bool,
    pub limit: i64,
    /// Rank issues having any of the words, instead of first requiring all
    /// of them (for "similar to" lookups).
    pub any_word: bool,
}

/// One search result.
#[derive(Debug, Clone)]
pub struct SearchHit {
    pub issue: Issue,
    /// Higher is better.
    pub score: f64,
    /// The best matching passage, matched terms between « and ».
    pub snippet: String,
}

/// Open issues to rank for a queue or a suggestion.
#[derive(Debug, Clone, Default)]
pub struct CandidateQuery {
    pub project_id: i64,
    pub statuses: Vec<Status>,
    pub owner: Option<String>,
    /// Only issues with no owner, or owned by `owner` when it is set.
    pub unowned_or_owner: bool,
    /// Only issues with no open `blocks` dependency.
    pub ready_only: bool,
    pub module: Option<String>,
    pub types: Vec<IssueType>,
    pub limit: i64,
}

/// An issue with the dependency counts ranking needs.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub issue: Issue,
    pub unblocks: i64,
    pub open_blockers: i64,
}

/// An issue and everything attached to it.
#[derive(Debug, Clone)]
pub struct IssueDetail {
    pub issue: Issue,
    pub tasks: Vec<Task>,
    pub work_logs: Vec<WorkLog>,
    pub comments: Vec<Comment>,
    pub links: Vec<LinkedIssue>,
    pub sprints: Vec<String>,
}

/// Issue counts of a project's live (not archived) issues.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    pub total: i64,
    pub by_status: BTreeMap<String, i64>,
    pub by_priority: BTreeMap<String, i64>,
    pub by_type: BTreeMap<String, i64>,
    pub by_module: BTreeMap<String, i64>,
    /// Open issues waiting on an open `blocks` dependency.
    pub waiting_on_dependencies: i64,
    pub archived: i64,
}

/// A project's issues arriving and leaving, per UTC day (days with none
/// left out).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DailyFlow {
    pub created: BTreeMap<chrono::NaiveDate, u32>,
    pub done: BTreeMap<chrono::NaiveDate, u32>,
    pub canceled: BTreeMap<chrono::NaiveDate, u32>,
    /// Live issues open (not done or canceled) now.
    pub open_now: u64,
    /// Distinct owners of the issues done since the start.
    pub done_owners: u32,
}

/// What a cumulative flow diagram reads: of the live issues not canceled,
/// how many were created, started and done before the window, and on each
/// day of it (days with none left out).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CumulativeFlow {
    /// Created, started and done before the window's first day.
    pub before: [u64; 3],
    /// Per day: created, started, done that day.
    pub days: BTreeMap<chrono::NaiveDate, [u32; 3]>,
}

/// Completions in one bucket of completion time.
#[derive(Debug, Clone, PartialEq)]
pub struct CompletionBucket {
    /// The bucket's index in the starts asked for.
    pub bucket: i64,
    pub completed: i64,
    /// Of those, how many have a stored cycle time, and its sum in seconds.
    pub with_cycle: i64,
    pub cycle_seconds: i64,
}

/// How many of a project's live issues in one status one owner has.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnerLoad {
    /// `None`: nobody owns them.
    pub owner: Option<String>,
    pub status: Status,
    pub count: i64,
    /// The newest `updated_at` among them.
    pub last_update: DateTime<Utc>,
}

/// A sprint with its progress.
#[derive(Debug, Clone)]
pub struct SprintSummary {
    pub sprint: Sprint,
    pub issue_keys: Vec<String>,
    pub done: i64,
    pub story_points: i64,
    pub done_points: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_junk() {
        for c in [
            Cursor {
                id: 42,
                value: CursorValue::Int(-3),
            },
            Cursor {
                id: 7,
                value: CursorValue::Text("2026-01-01T00:00:00Z:x".into()),
            },
            Cursor {
                id: 9,
                value: CursorValue::Time(
                    DateTime::from_timestamp_micros(1_795_000_000_123_456).unwrap(),
                ),
            },
        ] {
            assert_eq!(Cursor::decode(&c.encode()), Some(c));
        }
        for junk in [
            "",
            "x1:2",
            "i:2",
            "iabc:1",
            "i1:notanumber",
            "t",
            "m1:x",
            "m1:99999999999999999999",
        ] {
            assert_eq!(Cursor::decode(junk), None, "{junk}");
        }
    }
}
