//! Projects and their per-project counters.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lazypm_domain::Project;
use lazypm_store::vocab::OPEN;
use sqlx::Row;
use sqlx::postgres::PgRow;
use sqlx::types::Json;

use super::PgTx;
use super::rows::json;
use lazypm_store::{Projects, Result};

const PROJECT_SELECT: &str =
    "SELECT id, key, slug, name, path, metadata, created_at, updated_at FROM projects";

fn project(row: &PgRow) -> Result<Project> {
    Ok(Project {
        id: row.try_get("id")?,
        key: row.try_get("key")?,
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
        path: row.try_get("path")?,
        metadata: json(row, "metadata")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

#[async_trait]
impl Projects for PgTx {
    async fn insert_project(&mut self, p: &Project) -> Result<i64> {
        let id = sqlx::query_scalar(
            "INSERT INTO projects (key, slug, name, path, metadata, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(&p.key)
        .bind(&p.slug)
        .bind(&p.name)
        .bind(&p.path)
        .bind(Json(&p.metadata))
        .bind(p.created_at)
        .bind(p.updated_at)
        .fetch_one(self.conn()?)
        .await?;
        Ok(id)
    }

    async fn project_by_key(&mut self, key: &str) -> Result<Option<Project>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{PROJECT_SELECT} WHERE key = $1"
        )))
        .bind(key)
        .fetch_optional(self.conn()?)
        .await?;
        row.as_ref().map(project).transpose()
    }

    async fn list_projects(&mut self) -> Result<Vec<Project>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{PROJECT_SELECT} ORDER BY key COLLATE \"C\""
        )))
        .fetch_all(self.conn()?)
        .await?;
        rows.iter().map(project).collect()
    }

    async fn update_project(&mut self, p: &Project) -> Result<()> {
        sqlx::query(
            "UPDATE projects SET name = $1, slug = $2, path = $3, metadata = $4, updated_at = $5 \
             WHERE id = $6",
        )
        .bind(&p.name)
        .bind(&p.slug)
        .bind(&p.path)
        .bind(Json(&p.metadata))
        .bind(p.updated_at)
        .bind(p.id)
        .execute(self.conn()?)
        .await?;
        Ok(())
    }

    async fn allocate_issue_number(&mut self, project_id: i64) -> Result<i64> {
        let n = sqlx::query_scalar(
            "UPDATE projects SET next_issue_number = next_issue_number + 1 WHERE id = $1 \
             RETURNING next_issue_number - 1",
        )
        .bind(project_id)
        .fetch_one(self.conn()?)
        .await?;
        Ok(n)
    }

    async fn reserve_issue_numbers(&mut self, project_id: i64, number: i64) -> Result<()> {
        sqlx::query("UPDATE projects SET next_issue_number = GREATEST(next_issue_number, $1 + 1) WHERE id = $2")
            .bind(number)
            .bind(project_id)
            .execute(self.conn()?)
            .await?;
        Ok(())
    }

    async fn module_counts(&mut self, project_id: i64) -> Result<Vec<(Option<String>, i64, i64)>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT module, count(*) FILTER (WHERE status IN {OPEN}) AS open, count(*) AS total \
             FROM issues WHERE project_id = $1 AND NOT archived GROUP BY module \
             ORDER BY module COLLATE \"C\" NULLS FIRST"
        )))
        .bind(project_id)
        .fetch_all(self.conn()?)
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
        let keys = sqlx::query_scalar(
            "WITH moved AS (UPDATE issues SET module = $1, version = version + 1, updated_at = $2 \
             WHERE project_id = $3 AND module = $4 RETURNING id, key) \
             SELECT key FROM moved ORDER BY id",
        )
        .bind(to)
        .bind(at)
        .bind(project_id)
        .bind(from)
        .fetch_all(self.conn()?)
        .await?;
        Ok(keys)
    }
}
