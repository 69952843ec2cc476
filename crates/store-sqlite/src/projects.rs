//! Projects and their per-project counters.

use crate::db::Row as SqliteRow;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lazypm_domain::Project;
use lazypm_store::vocab::CLOSED;

use super::{SqliteTx, parse_ts, ts};
use lazypm_store::{Projects, Result};

const PROJECT_SELECT: &str =
    "SELECT id, key, slug, name, path, metadata, created_at, updated_at FROM projects";

fn project(row: &SqliteRow) -> Result<Project> {
    Ok(Project {
        id: row.try_get("id")?,
        key: row.try_get("key")?,
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
        path: row.try_get("path")?,
        metadata: serde_json::from_str(&row.try_get::<String, _>("metadata")?)?,
        created_at: parse_ts(&row.try_get::<String, _>("created_at")?)?,
        updated_at: parse_ts(&row.try_get::<String, _>("updated_at")?)?,
    })
}

#[async_trait]
impl Projects for SqliteTx {
    async fn insert_project(&mut self, p: &Project) -> Result<i64> {
        let id = crate::db::query_scalar(
            "INSERT INTO projects (key, slug, name, path, metadata, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&p.key)
        .bind(&p.slug)
        .bind(&p.name)
        .bind(&p.path)
        .bind(serde_json::to_string(&p.metadata)?)
        .bind(ts(p.created_at))
        .bind(ts(p.updated_at))
        .fetch_one(self.conn())
        .await?;
        Ok(id)
    }

    async fn project_by_key(&mut self, key: &str) -> Result<Option<Project>> {
        let row = crate::db::query(format!("{PROJECT_SELECT} WHERE key = ?"))
            .bind(key)
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(project).transpose()
    }

    async fn list_projects(&mut self) -> Result<Vec<Project>> {
        let rows = crate::db::query(format!("{PROJECT_SELECT} ORDER BY key"))
            .fetch_all(self.conn())
            .await?;
        rows.iter().map(project).collect()
    }

    async fn update_project(&mut self, p: &Project) -> Result<()> {
        crate::db::query(
            "UPDATE projects SET name = ?, slug = ?, path = ?, metadata = ?, updated_at = ? WHERE id = ?",
        )
        .bind(&p.name)
        .bind(&p.slug)
        .bind(&p.path)
        .bind(serde_json::to_string(&p.metadata)?)
        .bind(ts(p.updated_at))
        .bind(p.id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    async fn allocate_issue_number(&mut self, project_id: i64) -> Result<i64> {
        let n = crate::db::query_scalar(
            "UPDATE projects SET next_issue_number = next_issue_number + 1 WHERE id = ? \
             RETURNING next_issue_number - 1",
        )
        .bind(project_id)
        .fetch_one(self.conn())
        .await?;
        Ok(n)
    }

    async fn reserve_issue_numbers(&mut self, project_id: i64, number: i64) -> Result<()> {
        crate::db::query(
            "UPDATE projects SET next_issue_number = max(next_issue_number, ? + 1) WHERE id = ?",
        )
        .bind(number)
        .bind(project_id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    async fn module_counts(&mut self, project_id: i64) -> Result<Vec<(Option<String>, i64, i64)>> {
        let rows = crate::db::query(format!(
            "SELECT module, sum(status NOT IN {CLOSED}) AS open, count(*) AS total \
             FROM issues WHERE project_id = ? AND archived = 0 GROUP BY module ORDER BY module"
        ))
        .bind(project_id)
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("module")?,
                    r.try_get("open")?,
                    r.try_get("total")?,
                ))
            })
            .collect()
    }

    async fn reassign_module(
        &mut self,
        project_id: i64,
        from: &str,
        to: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        let keys = crate::db::query_scalar(
            "UPDATE issues SET module = ?, version = version + 1, updated_at = ? \
             WHERE project_id = ? AND module = ? RETURNING key",
        )
        .bind(to)
        .bind(ts(at))
        .bind(project_id)
        .bind(from)
        .fetch_all(self.conn())
        .await?;
        Ok(keys)
    }
}
