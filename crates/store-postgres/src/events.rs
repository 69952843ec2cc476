//! The audit trail's table.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lazypm_domain::Event;
use sqlx::Row;
use sqlx::postgres::PgRow;
use sqlx::types::Json;

use super::PgTx;
use super::rows::json;
use lazypm_store::chain::{self, Chained};
use lazypm_store::{Events, Result};

/// The channel told of every new event, on commit: the payload is the
/// store's schema, a space and the event's sequence number (one channel for
/// the whole database; listeners keep their own schema's).
pub(crate) const CHANNEL: &str = "lazypm_events";

fn numbered(r: &PgRow) -> Result<(i64, Event)> {
    Ok((r.try_get("seq")?, event(r)?))
}

fn event(r: &PgRow) -> Result<Event> {
    Ok(Event {
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        event_type: super::parse_enum(&r.try_get::<String, _>("type")?)?,
        project: r.try_get("project")?,
        entity: r.try_get("entity")?,
        changes: json(r, "changes")?,
    })
}

#[async_trait]
impl Events for PgTx {
    /// Events are written in write transactions only, which hold the
    /// store's write lock from their first statement: sequence numbers
    /// commit in the order they were handed out (a reader paging with
    /// `events_after(seq)` never sees a lower number commit after a higher
    /// one), and the newest event cannot change under the transaction, so
    /// its hash is read once (with the lock, see `PgTx::begin`) and then
    /// carried along.
    async fn insert_event(&mut self, e: &Event, issue_key: Option<&str>) -> Result<String> {
        let prev = match self.last_hash.take() {
            Some(prev) => prev,
            None => sqlx::query_scalar("SELECT hash FROM events ORDER BY seq DESC LIMIT 1")
                .fetch_optional(self.conn()?)
                .await?
                .flatten(),
        };
        let hash = chain::link(prev.as_deref(), e);
        // The insert and its notification (sent on commit) in one statement.
        sqlx::query(
            "WITH e AS (INSERT INTO events (id, at, actor, type, project, entity, issue_key, changes, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING seq) \
             SELECT e.seq FROM e CROSS JOIN LATERAL pg_notify($10, current_schema() || ' ' || e.seq) n",
        )
        .bind(&e.id)
        .bind(e.at)
        .bind(&e.actor)
        .bind(e.event_type.as_str())
        .bind(&e.project)
        .bind(&e.entity)
        .bind(issue_key)
        .bind(Json(&e.changes))
        .bind(&hash)
        .bind(CHANNEL)
        .execute(self.conn()?)
        .await?;
        self.last_hash = Some(Some(hash.clone()));
        Ok(hash)
    }

    async fn chain_after(&mut self, after: i64, limit: i64) -> Result<Vec<Chained>> {
        let rows = sqlx::query("SELECT * FROM events WHERE seq > $1 ORDER BY seq LIMIT $2")
            .bind(after)
            .bind(limit)
            .fetch_all(self.conn()?)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Chained {
                    seq: r.try_get("seq")?,
                    event: event(r)?,
                    hash: r.try_get("hash")?,
                })
            })
            .collect()
    }

    async fn issue_events(&mut self, issue_key: &str, limit: i64) -> Result<Vec<Event>> {
        let numbered = self.issue_events_after(issue_key, 0, limit).await?;
        Ok(numbered.into_iter().map(|(_, e)| e).collect())
    }

    async fn issue_events_after(
        &mut self,
        issue_key: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(i64, Event)>> {
        let rows = sqlx::query(
            "SELECT * FROM events WHERE issue_key = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(issue_key)
        .bind(after)
        .bind(limit)
        .fetch_all(self.conn()?)
        .await?;
        rows.iter().map(numbered).collect()
    }

    async fn recent_events(
        &mut self,
        project: &str,
        since: Option<DateTime<Utc>>,
        limit: i64,
    ) -> Result<Vec<Event>> {
        let rows = sqlx::query(
            "SELECT * FROM events WHERE project = $1 \
             AND ($2::timestamptz IS NULL OR at >= $2) ORDER BY seq DESC LIMIT $3",
        )
        .bind(project)
        .bind(since)
        .bind(limit)
        .fetch_all(self.conn()?)
        .await?;
        rows.iter().map(event).collect()
    }

    async fn events_after(&mut self, after: i64, limit: i64) -> Result<Vec<(i64, Event)>> {
        let rows = sqlx::query("SELECT * FROM events WHERE seq > $1 ORDER BY seq LIMIT $2")
            .bind(after)
            .bind(limit)
            .fetch_all(self.conn()?)
            .await?;
        rows.iter().map(numbered).collect()
    }

    async fn last_event_seq(&mut self) -> Result<i64> {
        let seq: Option<i64> = sqlx::query_scalar("SELECT max(seq) FROM events")
            .fetch_one(self.conn()?)
            .await?;
        Ok(seq.unwrap_or(0))
    }

    async fn count_events_after(&mut self, after: i64) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT count(*) FROM events WHERE seq > $1")
                .bind(after)
                .fetch_one(self.conn()?)
                .await?,
        )
    }

    async fn meta(&mut self, key: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(self.conn()?)
            .await?)
    }

    async fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(self.conn()?)
        .await?;
        Ok(())
    }
}
