//! Decoding the JSON aggregates of an issue's detail row (tasks, work logs,
//! comments and links read in the same statement as the issue).

use lazypm_domain::{Issue, Task, WorkLog};
use serde::Deserialize;
use sqlx::Row;
use sqlx::postgres::PgRow;
use sqlx::types::Json;

use super::parse_enum;
use lazypm_store::Result;

pub(super) fn json_col<T: serde::de::DeserializeOwned>(row: &PgRow, col: &str) -> Result<Vec<T>> {
    let value: Option<Json<serde_json::Value>> = row.try_get(col)?;
    match value {
        Some(v) => Ok(serde_json::from_value(v.0)?),
        None => Ok(Vec::new()),
    }
}

#[derive(Deserialize)]
pub(super) struct TaskJson {
    pub(super) id: i64,
    pub(super) number: i64,
    pub(super) title: String,
    pub(super) status: String,
    pub(super) assignee: Option<String>,
    pub(super) details: Option<String>,
    pub(super) checklist: Vec<lazypm_domain::ChecklistItem>,
    pub(super) notes: Vec<String>,
    pub(super) estimate_minutes: Option<i64>,
    pub(super) version: i64,
    pub(super) created_at: chrono::DateTime<chrono::Utc>,
    pub(super) updated_at: chrono::DateTime<chrono::Utc>,
}

impl TaskJson {
    pub(super) fn into_task(self, issue: &Issue) -> Result<Task> {
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
pub(super) struct LogJson {
    pub(super) id: i64,
    pub(super) task_number: Option<i64>,
    pub(super) author: String,
    pub(super) activity: String,
    pub(super) summary: String,
    pub(super) details: Option<String>,
    pub(super) artifacts: lazypm_domain::Artifacts,
    pub(super) blockers: Vec<String>,
    pub(super) decisions: Vec<String>,
    pub(super) minutes: i64,
    pub(super) logged_at: chrono::DateTime<chrono::Utc>,
}

impl LogJson {
    pub(super) fn into_log(self, issue: &Issue) -> Result<WorkLog> {
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
pub(super) struct CommentJson {
    pub(super) id: i64,
    pub(super) author: String,
    pub(super) body: String,
    pub(super) created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Deserialize)]
pub(super) struct LinkJson {
    pub(super) key: String,
    pub(super) title: String,
    pub(super) status: String,
    pub(super) kind: String,
    pub(super) direction: String,
}
