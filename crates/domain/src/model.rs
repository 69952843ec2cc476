//! The records of the data model, as every front door sees them.
//! Structured fields are what is filtered and sorted; the five content
//! groups (specification … analytics) are stored as JSON documents.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Activity, Complexity, DependencyKind, IssueType, Priority, Status, TaskStatus};

/// A registered project.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Project {
    #[serde(skip)]
    pub id: i64,
    /// The project key, prefix of its issue keys (`PROJ`).
    pub key: String,
    pub slug: String,
    pub name: String,
    /// Absolute path of the project's directory.
    pub path: String,
    pub metadata: ProjectMetadata,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A project's settings and what was detected about it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ProjectMetadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub submodules: Vec<Submodule>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vcs: Option<Vcs>,
    /// When true, `pm_complete_issue` waits for an approved review.
    pub require_review: bool,
    /// Whether `pm_start_work` makes the issue's branch in a git repository
    /// (absent: yes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_branch: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mcp: Option<Value>,
}

/// A module of a project; issues name it in their `module` field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Submodule {
    pub name: String,
    /// Path relative to the project root.
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// True when the module is a git submodule with its own repository.
    #[serde(default)]
    pub has_own_repo: bool,
}

/// Version control facts detected for a project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Vcs {
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_branch: Option<String>,
}

/// An issue: structured columns plus rich content.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Issue {
    #[serde(skip)]
    pub id: i64,
    #[serde(skip)]
    pub project_id: i64,
    pub key: String,
    pub project: String,
    pub title: String,
    #[serde(rename = "type")]
    pub issue_type: IssueType,
    pub status: Status,
    pub priority: Priority,
    pub module: Option<String>,
    pub owner: Option<String>,
    /// Key of the parent (usually an epic).
    pub parent: Option<String>,
    pub labels: Vec<String>,
    pub estimate: Estimate,
    /// Why the issue is blocked; set while status is `blocked`.
    pub blocker_reason: Option<String>,
    /// The issue's git branch, once one exists.
    pub branch: Option<String>,
    /// Minutes logged on the issue so far.
    pub time_spent_minutes: i64,
    pub archived: bool,
    /// Increases with every change; pass it back to refuse stale writes.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub specification: Specification,
    pub planning: Planning,
    pub implementation: Implementation,
    pub communication: Communication,
    pub analytics: Analytics,
}

/// What an issue is expected to take.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Estimate {
    /// The effort as written (`2h`, `3d`, `1-2 weeks`).
    pub effort: Option<String>,
    pub hours: Option<f64>,
    pub story_points: Option<i64>,
    pub complexity: Option<Complexity>,
}

/// What is to be built.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Specification {
    /// Markdown.
    pub description: String,
    pub acceptance_criteria: Vec<String>,
    pub technical_approach: Option<String>,
}

/// How it was planned.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Planning {
    pub stakeholders: Vec<String>,
    pub risks: Vec<String>,
    pub estimate_reasoning: Option<String>,
    /// How sure the current estimate is: `low`, `medium` or `high`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimate_confidence: Option<String>,
    /// Who made the current estimate, and when.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_at: Option<DateTime<Utc>>,
    /// Earlier estimates, newest last.
    pub estimate_history: Vec<Value>,
    /// The security and compliance checklist pm_security_review keeps.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security_review: Vec<SecurityCheck>,
}

/// One item of an issue's security checklist, with its state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SecurityCheck {
    /// owasp, soc2, gdpr, pci or hipaa.
    pub framework: String,
    pub id: String,
    pub title: String,
    pub check: String,
    /// Why the item applies.
    pub reason: String,
    /// open, passed, failed or not_applicable.
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked_at: Option<DateTime<Utc>>,
}

/// What was built and where it lives.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Implementation {
    pub commits: Vec<CommitRef>,
    pub artifacts: Vec<String>,
    pub pull_request: Option<PullRequest>,
}

/// A commit linked to an issue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CommitRef {
    pub sha: String,
    pub message: String,
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
}

/// A pull request opened for an issue's branch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PullRequest {
    pub url: String,
    #[serde(default)]
    pub number: Option<i64>,
    #[serde(default)]
    pub state: Option<String>,
}

/// Status notes, reviews and other messages about the issue.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Communication {
    pub updates: Vec<StatusUpdate>,
    pub review_requests: Vec<ReviewRequest>,
    pub reviews: Vec<Review>,
}

/// A request for review: who asked, whom, with what summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ReviewRequest {
    pub at: DateTime<Utc>,
    pub requested_by: String,
    #[serde(default)]
    pub reviewers: Vec<String>,
    #[serde(default)]
    pub summary: Option<String>,
}

/// A recorded status change with its note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StatusUpdate {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub from: Status,
    pub to: Status,
    #[serde(default)]
    pub notes: Option<String>,
}

/// A review verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Review {
    pub at: DateTime<Utc>,
    pub reviewer: String,
    /// `approved` or `changes_requested`.
    pub decision: String,
    #[serde(default)]
    pub comments: Option<String>,
}

/// What the issue taught.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Analytics {
    /// Actual effort reported at completion, in minutes.
    pub actual_minutes: Option<i64>,
    pub lessons_learned: Vec<String>,
}

/// A sub-unit of an issue.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Task {
    #[serde(skip)]
    pub id: i64,
    #[serde(skip)]
    pub issue_id: i64,
    /// `PROJ-12-T1`.
    pub key: String,
    pub issue_key: String,
    pub title: String,
    pub status: TaskStatus,
    pub assignee: Option<String>,
    pub details: Option<String>,
    pub checklist: Vec<ChecklistItem>,
    pub notes: Vec<String>,
    pub estimate_minutes: Option<i64>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One line of a task's checklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ChecklistItem {
    pub text: String,
    pub done: bool,
}

/// A record of work done on an issue.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct WorkLog {
    pub id: i64,
    pub issue_key: String,
    pub task_key: Option<String>,
    pub author: String,
    pub activity: Activity,
    pub summary: String,
    pub details: Option<String>,
    pub artifacts: Artifacts,
    pub blockers: Vec<String>,
    pub decisions: Vec<String>,
    pub minutes: i64,
    pub logged_at: DateTime<Utc>,
}

/// What a piece of work produced.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Artifacts {
    pub files: Vec<String>,
    pub commits: Vec<String>,
    pub urls: Vec<String>,
}

/// A markdown comment on an issue.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Comment {
    pub id: i64,
    pub issue_key: String,
    pub author: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// The other end of a dependency, as seen from one issue.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct LinkedIssue {
    pub key: String,
    pub title: String,
    pub status: Status,
    pub kind: DependencyKind,
    /// `outgoing` when this issue is the link's source (it blocks / relates to the other).
    pub direction: LinkDirection,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkDirection {
    Outgoing,
    Incoming,
}

/// A time-boxed cycle of work.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Sprint {
    pub id: i64,
    pub project: String,
    pub name: String,
    pub goal: Option<String>,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub created_at: DateTime<Utc>,
}

/// One audit event: who changed what, when.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Event {
    /// Unique, time-ordered id (UUID v7).
    pub id: String,
    pub at: DateTime<Utc>,
    pub actor: String,
    #[serde(rename = "type")]
    pub event_type: crate::EventType,
    pub project: Option<String>,
    /// Key of the issue, task, project or sprint the event is about.
    pub entity: String,
    /// What changed.
    pub changes: Value,
}
