//! Dependencies between issues.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lazypm_domain::DependencyKind;
use sqlx::Row;

use super::PgTx;
use lazypm_store::{Links, Result};

#[async_trait]
impl Links for PgTx {
    async fn insert_link(
        &mut self,
        from: i64,
        to: i64,
        kind: DependencyKind,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO dependencies (from_id, to_id, kind, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING",
        )
        .bind(from)
        .bind(to)
        .bind(kind.as_str())
        .bind(at)
        .execute(self.conn()?)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_link(&mut self, from: i64, to: i64, kind: DependencyKind) -> Result<bool> {
        let done =
            sqlx::query("DELETE FROM dependencies WHERE from_id = $1 AND to_id = $2 AND kind = $3")
                .bind(from)
                .bind(to)
                .bind(kind.as_str())
                .execute(self.conn()?)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn blocks_from(&mut self, from_ids: &[i64]) -> Result<Vec<(i64, i64, String)>> {
        if from_ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "SELECT d.from_id, d.to_id, i.key FROM dependencies d JOIN issues i ON i.id = d.to_id \
             WHERE d.kind = 'blocks' AND d.from_id = ANY($1) ORDER BY d.from_id, d.to_id",
        )
        .bind(from_ids)
        .fetch_all(self.conn()?)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("from_id")?,
                    r.try_get("to_id")?,
                    r.try_get("key")?,
                ))
            })
            .collect()
    }
}
