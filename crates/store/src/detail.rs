//! An issue's detail as both backends read it: the issue row plus JSON
//! aggregates of its tasks, work logs, comments, links and sprints, built in
//! the same statement. The aggregates' shapes and their assembly into an
//! [`IssueDetail`] live here once; each backend only reads the columns.

use lazypm_domain::{Comment, Issue, LinkDirection, LinkedIssue, Task, WorkLog};
use serde::Deserialize;

use crate::{IssueDetail, Result, StoreError};

/// Parses a stored vocabulary value.
pub fn parse_enum<T: std::str::FromStr>(text: &str) -> Result<T> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("unknown value '{text}'")))
}

#[derive(Deserialize)]
pub struct TaskJson {
    pub id: i64,
    pub number: i64,
    pub title: String,
    pub status: String,
    pub assignee: Option<String>,
    pub details: Option<String>,
    pub checklist: Vec<lazypm_domain::ChecklistItem>,
    pub notes: Vec<String>,
    pub estimate_minutes: Option<i64>,
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl TaskJson {
    pub fn into_task(self, issue: &Issue) -> Result<Task> {
        Ok(Task {
            id: self.id,
            issue_id: issue.id,
            key: format!("{}-T{}", issue.key, self.number),
            issue_key: issue.key.clone(),
            title: self.title,
            status: parse_enum(&self.status)?,
            assignee: self.assignee,
            details: self.details,
            checklist: self.checklist,
            notes: self.notes,
            estimate_minutes: self.estimate_minutes,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(Deserialize)]
pub struct LogJson {
    pub id: i64,
    pub task_number: Option<i64>,
    pub author: String,
    pub activity: String,
    pub summary: String,
    pub details: Option<String>,
    pub artifacts: lazypm_domain::Artifacts,
    pub blockers: Vec<String>,
    pub decisions: Vec<String>,
    pub minutes: i64,
    pub logged_at: chrono::DateTime<chrono::Utc>,
}

impl LogJson {
    pub fn into_log(self, issue: &Issue) -> Result<WorkLog> {
        Ok(WorkLog {
            id: self.id,
            issue_key: issue.key.clone(),
            task_key: self.task_number.map(|n| format!("{}-T{n}", issue.key)),
            author: self.author,
            activity: parse_enum(&self.activity)?,
            summary: self.summary,
            details: self.details,
            artifacts: self.artifacts,
            blockers: self.blockers,
            decisions: self.decisions,
            minutes: self.minutes,
            logged_at: self.logged_at,
        })
    }
}

#[derive(Deserialize)]
pub struct CommentJson {
    pub id: i64,
    pub author: String,
    pub body: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Deserialize)]
pub struct LinkJson {
    pub key: String,
    pub title: String,
    pub status: String,
    pub kind: String,
    pub direction: String,
}

/// The aggregates of one issue's detail row, as decoded from its JSON columns.
pub struct DetailParts {
    pub tasks: Vec<TaskJson>,
    pub logs: Vec<LogJson>,
    pub comments: Vec<CommentJson>,
    pub links: Vec<LinkJson>,
    pub sprints: Vec<String>,
}

impl DetailParts {
    /// The issue with its parts, every vocabulary word checked.
    pub fn assemble(self, issue: Issue) -> Result<IssueDetail> {
        Ok(IssueDetail {
            tasks: self
                .tasks
                .into_iter()
                .map(|t| t.into_task(&issue))
                .collect::<Result<_>>()?,
            work_logs: self
                .logs
                .into_iter()
                .map(|l| l.into_log(&issue))
                .collect::<Result<_>>()?,
            comments: self
                .comments
                .into_iter()
                .map(|c| Comment {
                    id: c.id,
                    issue_key: issue.key.clone(),
                    author: c.author,
                    body: c.body,
                    created_at: c.created_at,
                })
                .collect(),
            links: self
                .links
                .into_iter()
                .map(|l| {
                    Ok(LinkedIssue {
                        key: l.key,
                        title: l.title,
                        status: parse_enum(&l.status)?,
                        kind: parse_enum(&l.kind)?,
                        direction: if l.direction == "outgoing" {
                            LinkDirection::Outgoing
                        } else {
                            LinkDirection::Incoming
                        },
                    })
                })
                .collect::<Result<_>>()?,
            sprints: self.sprints,
            issue,
        })
    }
}
