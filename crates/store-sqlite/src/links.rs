//! Dependencies between issues.

use crate::db::QueryBuilder;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lazypm_domain::DependencyKind;

use super::{SqliteTx, ts};
use lazypm_store::{Links, Result};

#[async_trait]
impl Links for SqliteTx {
    async fn insert_link(
        &mut self,
        from: i64,
        to: i64,
        kind: DependencyKind,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let done = crate::db::query(
            "INSERT OR IGNORE INTO dependencies (from_id, to_id, kind, created_at) VALUES (?, ?, ?, ?)",
        )
        .bind(from)
        .bind(to)
        .bind(kind.as_str())
        .bind(ts(at))
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_link(&mut self, from: i64, to: i64, kind: DependencyKind) -> Result<bool> {
        let done = crate::db::query(
            "DELETE FROM dependencies WHERE from_id = ? AND to_id = ? AND kind = ?",
        )
        .bind(from)
        .bind(to)
        .bind(kind.as_str())
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn blocks_from(&mut self, from_ids: &[i64]) -> Result<Vec<(i64, i64, String)>> {
        if from_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut b = QueryBuilder::new(
            "SELECT d.from_id, d.to_id, i.key FROM dependencies d JOIN issues i ON i.id = d.to_id \
             WHERE d.kind = 'blocks' AND d.from_id IN (",
        );
        let mut sep = b.separated(", ");
        for id in from_ids {
            sep.push_bind(*id);
        }
        b.push(")");
        let rows = b.build().fetch_all(self.conn()).await?;
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
