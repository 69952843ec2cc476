//! The audit trail's table.

use crate::db::Row as SqliteRow;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lazypm_domain::Event;

use super::{SqliteTx, parse_ts, ts};
use lazypm_store::chain::{self, Chained};
use lazypm_store::{Events, Result};

fn numbered(r: &SqliteRow) -> Result<(i64, Event)> {
    Ok((r.try_get("seq")?, event(r)?))
}

fn event(r: &SqliteRow) -> Result<Event> {
    Ok(Event {
        id: r.try_get("id")?,
        at: parse_ts(&r.try_get::<String, _>("at")?)?,
        actor: r.try_get("actor")?,
        event_type: super::parse_enum(&r.try_get::<String, _>("type")?)?,
        project: r.try_get("project")?,
        entity: r.try_get("entity")?,
        changes: serde_json::from_str(&r.try_get::<String, _>("changes")?)?,
    })
}

#[async_trait]
impl Events for SqliteTx {
    async fn insert_event(&mut self, e: &Event, issue_key: Option<&str>) -> Result<String> {
        // Writers are serialised (the write lock), so the last event is stable.
        let prev: Option<Option<String>> =
            crate::db::query_scalar("SELECT hash FROM events ORDER BY seq DESC LIMIT 1")
                .fetch_optional(self.conn())
                .await?;
        let hash = chain::link(prev.flatten().as_deref(), e);
        crate::db::query(
            "INSERT INTO events (id, at, actor, type, project, entity, issue_key, changes, hash) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&e.id)
        .bind(ts(e.at))
        .bind(&e.actor)
        .bind(e.event_type.as_str())
        .bind(&e.project)
        .bind(&e.entity)
        .bind(issue_key)
        .bind(serde_json::to_string(&e.changes)?)
        .bind(&hash)
        .execute(self.conn())
        .await?;
        Ok(hash)
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
        let rows = crate::db::query(
            "SELECT * FROM events WHERE issue_key = ? AND seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(issue_key)
        .bind(after)
        .bind(limit)
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(numbered).collect()
    }

    async fn recent_events(
        &mut self,
        project: &str,
        since: Option<DateTime<Utc>>,
        limit: i64,
    ) -> Result<Vec<Event>> {
        let rows = crate::db::query(
            "SELECT * FROM events WHERE project = ? AND (? IS NULL OR at >= ?) ORDER BY seq DESC LIMIT ?",
        )
        .bind(project)
        .bind(since.map(ts))
        .bind(since.map(ts))
        .bind(limit)
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(event).collect()
    }

    async fn events_after(&mut self, after: i64, limit: i64) -> Result<Vec<(i64, Event)>> {
        let rows = crate::db::query("SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?")
            .bind(after)
            .bind(limit)
            .fetch_all(self.conn())
            .await?;
        rows.iter().map(numbered).collect()
    }

    async fn chain_after(&mut self, after: i64, limit: i64) -> Result<Vec<Chained>> {
        let rows = crate::db::query("SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?")
            .bind(after)
            .bind(limit)
            .fetch_all(self.conn())
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

    async fn last_event_seq(&mut self) -> Result<i64> {
        let seq: Option<i64> = crate::db::query_scalar("SELECT max(seq) FROM events")
            .fetch_one(self.conn())
            .await?;
        Ok(seq.unwrap_or(0))
    }

    async fn count_events_after(&mut self, after: i64) -> Result<i64> {
        Ok(
            crate::db::query_scalar("SELECT count(*) FROM events WHERE seq > ?")
                .bind(after)
                .fetch_one(self.conn())
                .await?,
        )
    }

    async fn meta(&mut self, key: &str) -> Result<Option<String>> {
        Ok(
            crate::db::query_scalar("SELECT value FROM meta WHERE key = ?")
                .bind(key)
                .fetch_optional(self.conn())
                .await?,
        )
    }

    async fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        crate::db::query(
            "INSERT INTO meta (key, value) VALUES (?, ?) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
