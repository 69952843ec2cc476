//! Sprints and their issues.

use crate::db::Row as SqliteRow;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lazypm_domain::Sprint;
use lazypm_domain::Status;

use super::{SqliteTx, parse_date, parse_ts, ts};
use lazypm_store::{Result, SprintSummary, Sprints};

fn sprint(r: &SqliteRow) -> Result<Sprint> {
    Ok(Sprint {
        id: r.try_get("id")?,
        project: r.try_get("project_key")?,
        name: r.try_get("name")?,
        goal: r.try_get("goal")?,
        start_date: parse_date(&r.try_get::<String, _>("start_date")?)?,
        end_date: parse_date(&r.try_get::<String, _>("end_date")?)?,
        created_at: parse_ts(&r.try_get::<String, _>("created_at")?)?,
    })
}

#[async_trait]
impl Sprints for SqliteTx {
    async fn insert_sprint(&mut self, project_id: i64, s: &Sprint) -> Result<i64> {
        let id = crate::db::query_scalar(
            "INSERT INTO sprints (project_id, name, goal, start_date, end_date, created_at) \
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(project_id)
        .bind(&s.name)
        .bind(&s.goal)
        .bind(s.start_date.format("%Y-%m-%d").to_string())
        .bind(s.end_date.format("%Y-%m-%d").to_string())
        .bind(ts(s.created_at))
        .fetch_one(self.conn())
        .await?;
        Ok(id)
    }

    async fn sprint_by_name(&mut self, project_id: i64, name: &str) -> Result<Option<Sprint>> {
        let row = crate::db::query(
            "SELECT s.*, p.key AS project_key FROM sprints s JOIN projects p ON p.id = s.project_id \
             WHERE s.project_id = ? AND s.name = ? COLLATE NOCASE",
        )
        .bind(project_id)
        .bind(name)
        .fetch_optional(self.conn())
        .await?;
        row.as_ref().map(sprint).transpose()
    }

    async fn add_to_sprint(
        &mut self,
        sprint_id: i64,
        issue_id: i64,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let done = crate::db::query(
            "INSERT OR IGNORE INTO sprint_issues (sprint_id, issue_id, added_at) VALUES (?, ?, ?)",
        )
        .bind(sprint_id)
        .bind(issue_id)
        .bind(ts(at))
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn list_sprints(&mut self, project_id: i64) -> Result<Vec<SprintSummary>> {
        let rows = crate::db::query(
            "SELECT s.*, p.key AS project_key, \
             (SELECT json_group_array(i.key ORDER BY i.id) FROM sprint_issues si \
               JOIN issues i ON i.id = si.issue_id WHERE si.sprint_id = s.id) AS keys_json, \
             (SELECT count(*) FROM sprint_issues si JOIN issues i ON i.id = si.issue_id \
               WHERE si.sprint_id = s.id AND i.status = ?1) AS done, \
             (SELECT coalesce(sum(i.story_points), 0) FROM sprint_issues si \
               JOIN issues i ON i.id = si.issue_id WHERE si.sprint_id = s.id) AS points, \
             (SELECT coalesce(sum(i.story_points), 0) FROM sprint_issues si \
               JOIN issues i ON i.id = si.issue_id WHERE si.sprint_id = s.id AND i.status = ?1) AS done_points \
             FROM sprints s JOIN projects p ON p.id = s.project_id WHERE s.project_id = ?2 \
             ORDER BY s.start_date, s.id",
        )
        .bind(Status::Done.as_str())
        .bind(project_id)
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SprintSummary {
                    sprint: sprint(r)?,
                    issue_keys: serde_json::from_str(&r.try_get::<String, _>("keys_json")?)?,
                    done: r.try_get("done")?,
                    story_points: r.try_get("points")?,
                    done_points: r.try_get("done_points")?,
                })
            })
            .collect()
    }
}
