//! Creating, reading, listing, searching, changing and deleting issues.
//! This file holds the output most issue operations share; the operations
//! and the shared input checks live in the submodules.

use lazypm_domain::changes::issue_changes;
use lazypm_domain::{Issue, Status};
use schemars::JsonSchema;
use serde::Serialize;

mod create;
mod input;
mod read;
mod update;

pub use create::*;
pub use input::*;
pub use read::*;
pub use update::*;

/// What a write returns about its issue: enough to go on. `pm_get_issue`
/// reads it whole.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct IssueSummary {
    pub key: String,
    pub title: String,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Pass it back to refuse stale writes.
    pub version: i64,
    /// What this call changed, one phrase each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<String>,
}

impl IssueSummary {
    /// The issue as it is now, changes named against `before`.
    pub fn changed(before: &Issue, after: &Issue) -> Self {
        Self {
            changed: issue_changes(before, after),
            ..Self::of(after)
        }
    }

    pub fn of(issue: &Issue) -> Self {
        Self {
            key: issue.key.clone(),
            title: issue.title.clone(),
            status: issue.status,
            owner: issue.owner.clone(),
            version: issue.version,
            changed: Vec::new(),
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct IssueOutput {
    pub issue: IssueSummary,
    pub next_steps: Vec<String>,
}

impl IssueOutput {
    /// After a change from `before` to `after`.
    pub fn new(before: &Issue, after: &Issue, next_steps: Vec<String>) -> Self {
        Self {
            issue: IssueSummary::changed(before, after),
            next_steps,
        }
    }
}
