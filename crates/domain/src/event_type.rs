//! The kinds of audit event: one closed vocabulary, written to the events
//! table and `events.jsonl` as snake_case text.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::DomainError;

/// What an audit event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    ProjectCreated,
    SubmoduleAdded,
    SubmoduleRemoved,
    IssueCreated,
    IssueUpdated,
    IssueArchived,
    IssueUnarchived,
    IssueDeleted,
    IssueRefined,
    AcceptanceCriteriaAdded,
    IssueEstimated,
    IssueSplit,
    IssueLinked,
    IssueUnlinked,
    StatusChanged,
    OwnerChanged,
    PriorityChanged,
    ReviewRequested,
    IssueReviewed,
    IssueCompleted,
    WorkLogged,
    WorkPaused,
    WorkResumed,
    CommentAdded,
    TaskCreated,
    TaskUpdated,
    TaskChecklistChanged,
    SprintCreated,
    AddedToSprint,
    BranchSet,
    BranchPushed,
    CommitLinked,
    WorkStashed,
}

impl EventType {
    pub const ALL: &'static [EventType] = &[
        EventType::ProjectCreated,
        EventType::SubmoduleAdded,
        EventType::SubmoduleRemoved,
        EventType::IssueCreated,
        EventType::IssueUpdated,
        EventType::IssueArchived,
        EventType::IssueUnarchived,
        EventType::IssueDeleted,
        EventType::IssueRefined,
        EventType::AcceptanceCriteriaAdded,
        EventType::IssueEstimated,
        EventType::IssueSplit,
        EventType::IssueLinked,
        EventType::IssueUnlinked,
        EventType::StatusChanged,
        EventType::OwnerChanged,
        EventType::PriorityChanged,
        EventType::ReviewRequested,
        EventType::IssueReviewed,
        EventType::IssueCompleted,
        EventType::WorkLogged,
        EventType::WorkPaused,
        EventType::WorkResumed,
        EventType::CommentAdded,
        EventType::TaskCreated,
        EventType::TaskUpdated,
        EventType::TaskChecklistChanged,
        EventType::SprintCreated,
        EventType::AddedToSprint,
        EventType::BranchSet,
        EventType::BranchPushed,
        EventType::CommitLinked,
        EventType::WorkStashed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::ProjectCreated => "project_created",
            EventType::SubmoduleAdded => "submodule_added",
            EventType::SubmoduleRemoved => "submodule_removed",
            EventType::IssueCreated => "issue_created",
            EventType::IssueUpdated => "issue_updated",
            EventType::IssueArchived => "issue_archived",
            EventType::IssueUnarchived => "issue_unarchived",
            EventType::IssueDeleted => "issue_deleted",
            EventType::IssueRefined => "issue_refined",
            EventType::AcceptanceCriteriaAdded => "acceptance_criteria_added",
            EventType::IssueEstimated => "issue_estimated",
            EventType::IssueSplit => "issue_split",
            EventType::IssueLinked => "issue_linked",
            EventType::IssueUnlinked => "issue_unlinked",
            EventType::StatusChanged => "status_changed",
            EventType::OwnerChanged => "owner_changed",
            EventType::PriorityChanged => "priority_changed",
            EventType::ReviewRequested => "review_requested",
            EventType::IssueReviewed => "issue_reviewed",
            EventType::IssueCompleted => "issue_completed",
            EventType::WorkLogged => "work_logged",
            EventType::WorkPaused => "work_paused",
            EventType::WorkResumed => "work_resumed",
            EventType::CommentAdded => "comment_added",
            EventType::TaskCreated => "task_created",
            EventType::TaskUpdated => "task_updated",
            EventType::TaskChecklistChanged => "task_checklist_changed",
            EventType::SprintCreated => "sprint_created",
            EventType::AddedToSprint => "added_to_sprint",
            EventType::BranchSet => "branch_set",
            EventType::BranchPushed => "branch_pushed",
            EventType::CommitLinked => "commit_linked",
            EventType::WorkStashed => "work_stashed",
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EventType {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, DomainError> {
        EventType::ALL
            .iter()
            .copied()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| DomainError::new("type", format!("unknown event type '{s}'")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_and_matches_serde() {
        for t in EventType::ALL {
            assert_eq!(t.as_str().parse::<EventType>().unwrap(), *t);
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
        }
        assert!("issue_exploded".parse::<EventType>().is_err());
    }
}
