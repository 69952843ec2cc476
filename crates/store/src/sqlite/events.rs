//! The audit trail's table.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lazypm_domain::Event;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{SqliteTx, parse_ts, ts};
use crate::{Events, Result};

fn event(r: &SqliteRow) -> Result<Event> {
    Ok(Event {
        id: r.try_get("id")?,
        at: parse_ts(&r.try_get::<String, _>("at")?)?,
        actor: r.try_get("actor")?,
        event_type: r.try_get("type")?,
        project: r.try_get("project")?,
        entity: r.try_get("entity")?,
        changes: serde_json::from_str(&r.try_get::<String, _>("changes")?)?,
    })
}

#[async_trait]
impl Events for SqliteTx {
    async fn insert_event(&mut self, e: &Event, issue_key: Option<&str>) -> Result<()> {
        sqlx::query(
            "INSERT INTO events (id, at, actor, type, project, entity, issue_key, changes) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&e.id)
        .bind(ts(e.at))
        .bind(&e.actor)
        .bind(&e.event_type)
        .bind(&e.project)
        .bind(&e.entity)
        .bind(issue_key)
        .bind(serde_json::to_string(&e.changes)?)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    async fn issue_events(&mut self, issue_key: &str, limit: i64) -> Result<Vec<Event>> {
        let rows = sqlx::query("SELECT * FROM events WHERE issue_key = ? ORDER BY seq LIMIT ?")
            .bind(issue_key)
            .bind(limit)
            .fetch_all(self.conn())
            .await?;
        rows.iter().map(event).collect()
    }

    async fn recent_events(
        &mut self,
        project: &str,
        since: Option<DateTime<Utc>>,
        limit: i64,
    ) -> Result<Vec<Event>> {
        let rows = sqlx::query(
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
}
