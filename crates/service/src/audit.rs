//! The audit trail: events are written in the operation's transaction and,
//! after commit, appended to `events.jsonl` (one JSON object per line).

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use lazypm_domain::Event;
use lazypm_store::Tx;
use serde_json::Value;

use crate::{Result, Service};

/// Appends committed events to a JSON-lines file. `None` path: no file (tests of the store alone).
pub struct EventSink {
    path: Option<PathBuf>,
    file: Mutex<Option<File>>,
}

impl EventSink {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: Some(path.into()),
            file: Mutex::new(None),
        }
    }

    pub fn disabled() -> Self {
        Self {
            path: None,
            file: Mutex::new(None),
        }
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Appends events, one line each, in a single write so concurrent
    /// writers (other processes) never interleave within a line.
    fn append(&self, events: &[Event]) {
        let Some(path) = &self.path else { return };
        if events.is_empty() {
            return;
        }
        let mut buf = Vec::with_capacity(256 * events.len());
        for e in events {
            if serde_json::to_writer(&mut buf, e).is_ok() {
                buf.push(b'\n');
            }
        }
        let mut guard = match self.file.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if guard.is_none() {
            match OpenOptions::new().create(true).append(true).open(path) {
                Ok(f) => *guard = Some(f),
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "cannot open events.jsonl; events stay in the database only");
                    return;
                }
            }
        }
        if let Some(f) = guard.as_mut()
            && let Err(e) = f.write_all(&buf)
        {
            tracing::warn!(path = %path.display(), error = %e, "cannot append to events.jsonl");
        }
    }
}

/// A write transaction that collects the events it records.
pub(crate) struct Write<'s> {
    tx: Box<dyn Tx>,
    events: Vec<Event>,
    svc: &'s Service,
    pub now: DateTime<Utc>,
}

impl Service {
    pub(crate) async fn write(&self) -> Result<Write<'_>> {
        Ok(Write {
            tx: self.store.begin_write().await?,
            events: Vec::new(),
            svc: self,
            now: Utc::now(),
        })
    }

    pub(crate) async fn read(&self) -> Result<Box<dyn Tx>> {
        Ok(self.store.begin_read().await?)
    }

    pub(crate) fn actor(&self) -> &str {
        &self.ctx.actor
    }
}

impl Write<'_> {
    /// Records an event in this transaction.
    pub async fn record(
        &mut self,
        event_type: &str,
        project: Option<&str>,
        entity: &str,
        issue_key: Option<&str>,
        changes: Value,
    ) -> Result<()> {
        let event = Event {
            id: uuid::Uuid::now_v7().to_string(),
            at: self.now,
            actor: self.svc.actor().to_string(),
            event_type: event_type.to_string(),
            project: project.map(str::to_string),
            entity: entity.to_string(),
            changes,
        };
        self.tx.insert_event(&event, issue_key).await?;
        self.events.push(event);
        Ok(())
    }

    /// Commits, then mirrors the events to `events.jsonl`.
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        self.svc.sink.append(&self.events);
        Ok(())
    }
}

impl Deref for Write<'_> {
    type Target = dyn Tx;
    fn deref(&self) -> &Self::Target {
        &*self.tx
    }
}

impl DerefMut for Write<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut *self.tx
    }
}
