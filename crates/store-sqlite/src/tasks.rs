//! Tasks of an issue.

use async_trait::async_trait;
use lazypm_domain::{IssueKey, Task, TaskKey};

use super::{SqliteTx, parse_enum, parse_ts, ts};
use lazypm_store::{Result, StoreError, Tasks};

#[async_trait]
impl Tasks for SqliteTx {
    async fn insert_task(&mut self, t: &Task) -> Result<i64> {
        let number = TaskKey::parse("task_key", &t.key)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?
            .number;
        let id = crate::db::query_scalar(
            "INSERT INTO tasks (issue_id, number, title, status, assignee, details, checklist, notes, \
             estimate_minutes, version, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(t.issue_id)
        .bind(number)
        .bind(&t.title)
        .bind(t.status.as_str())
        .bind(&t.assignee)
        .bind(&t.details)
        .bind(serde_json::to_string(&t.checklist)?)
        .bind(serde_json::to_string(&t.notes)?)
        .bind(t.estimate_minutes)
        .bind(t.version)
        .bind(ts(t.created_at))
        .bind(ts(t.updated_at))
        .fetch_one(self.conn())
        .await?;
        Ok(id)
    }

    async fn next_task_number(&mut self, issue_id: i64) -> Result<i64> {
        let n = crate::db::query_scalar(
            "SELECT coalesce(max(number), 0) + 1 FROM tasks WHERE issue_id = ?",
        )
        .bind(issue_id)
        .fetch_one(self.conn())
        .await?;
        Ok(n)
    }

    async fn task_by_key(&mut self, key: &str) -> Result<Option<Task>> {
        let Ok(parsed) = TaskKey::parse("task_key", key) else {
            return Ok(None);
        };
        let row = crate::db::query(
            "SELECT t.*, i.key AS issue_key FROM tasks t JOIN issues i ON i.id = t.issue_id \
             WHERE i.key = ? AND t.number = ?",
        )
        .bind(parsed.issue.as_str())
        .bind(parsed.number)
        .fetch_optional(self.conn())
        .await?;
        let Some(r) = row else { return Ok(None) };
        let issue_key: String = r.try_get("issue_key")?;
        let number: i64 = r.try_get("number")?;
        Ok(Some(Task {
            id: r.try_get("id")?,
            issue_id: r.try_get("issue_id")?,
            key: TaskKey {
                issue: IssueKey::parse("issue_key", &issue_key)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                number,
            }
            .to_string(),
            issue_key,
            title: r.try_get("title")?,
            status: parse_enum(&r.try_get::<String, _>("status")?)?,
            assignee: r.try_get("assignee")?,
            details: r.try_get("details")?,
            checklist: serde_json::from_str(&r.try_get::<String, _>("checklist")?)?,
            notes: serde_json::from_str(&r.try_get::<String, _>("notes")?)?,
            estimate_minutes: r.try_get("estimate_minutes")?,
            version: r.try_get("version")?,
            created_at: parse_ts(&r.try_get::<String, _>("created_at")?)?,
            updated_at: parse_ts(&r.try_get::<String, _>("updated_at")?)?,
        }))
    }

    async fn update_task(&mut self, t: &Task, expected_version: i64) -> Result<()> {
        let done = crate::db::query(
            "UPDATE tasks SET title = ?, status = ?, assignee = ?, details = ?, checklist = ?, \
             notes = ?, estimate_minutes = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?",
        )
        .bind(&t.title)
        .bind(t.status.as_str())
        .bind(&t.assignee)
        .bind(&t.details)
        .bind(serde_json::to_string(&t.checklist)?)
        .bind(serde_json::to_string(&t.notes)?)
        .bind(t.estimate_minutes)
        .bind(t.version)
        .bind(ts(t.updated_at))
        .bind(t.id)
        .bind(expected_version)
        .execute(self.conn())
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!(
                "{} was changed by someone else since version {expected_version}; read it again and retry",
                t.key
            )));
        }
        Ok(())
    }
}
