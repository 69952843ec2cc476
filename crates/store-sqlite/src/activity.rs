//! Work logs and comments.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lazypm_domain::{Comment, WorkLog};

use super::{SqliteTx, parse_enum, parse_ts, ts};
use lazypm_store::{Activity, Result};

#[async_trait]
impl Activity for SqliteTx {
    async fn insert_work_log(
        &mut self,
        issue_id: i64,
        task_id: Option<i64>,
        w: &WorkLog,
    ) -> Result<i64> {
        let id = crate::db::query_scalar(
            "INSERT INTO work_logs (issue_id, task_id, author, activity, summary, details, artifacts, \
             blockers, decisions, minutes, logged_at, project_id) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, \
             (SELECT project_id FROM issues WHERE id = ?1)) RETURNING id",
        )
        .bind(issue_id)
        .bind(task_id)
        .bind(&w.author)
        .bind(w.activity.as_str())
        .bind(&w.summary)
        .bind(&w.details)
        .bind(serde_json::to_string(&w.artifacts)?)
        .bind(serde_json::to_string(&w.blockers)?)
        .bind(serde_json::to_string(&w.decisions)?)
        .bind(w.minutes)
        .bind(ts(w.logged_at))
        .fetch_one(self.conn())
        .await?;
        Ok(id)
    }

    async fn work_logs_since(
        &mut self,
        project_id: i64,
        since: DateTime<Utc>,
    ) -> Result<Vec<WorkLog>> {
        let rows = crate::db::query(
            "SELECT w.*, i.key AS issue_key, t.number AS task_number FROM work_logs w \
             JOIN issues i ON i.id = w.issue_id LEFT JOIN tasks t ON t.id = w.task_id \
             WHERE i.project_id = ? AND w.logged_at >= ? ORDER BY w.logged_at, w.id",
        )
        .bind(project_id)
        .bind(ts(since))
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|r| {
                let issue_key: String = r.try_get("issue_key")?;
                let task_number: Option<i64> = r.try_get("task_number")?;
                Ok(WorkLog {
                    id: r.try_get("id")?,
                    task_key: task_number.map(|n| format!("{issue_key}-T{n}")),
                    issue_key,
                    author: r.try_get("author")?,
                    activity: parse_enum(&r.try_get::<String, _>("activity")?)?,
                    summary: r.try_get("summary")?,
                    details: r.try_get("details")?,
                    artifacts: serde_json::from_str(&r.try_get::<String, _>("artifacts")?)?,
                    blockers: serde_json::from_str(&r.try_get::<String, _>("blockers")?)?,
                    decisions: serde_json::from_str(&r.try_get::<String, _>("decisions")?)?,
                    minutes: r.try_get("minutes")?,
                    logged_at: parse_ts(&r.try_get::<String, _>("logged_at")?)?,
                })
            })
            .collect()
    }

    async fn insert_comment(&mut self, issue_id: i64, c: &Comment) -> Result<i64> {
        let id = crate::db::query_scalar(
            "INSERT INTO comments (issue_id, author, body, created_at) VALUES (?, ?, ?, ?) RETURNING id",
        )
        .bind(issue_id)
        .bind(&c.author)
        .bind(&c.body)
        .bind(ts(c.created_at))
        .fetch_one(self.conn())
        .await?;
        Ok(id)
    }
}
