//! The audit trail: events are written in the operation's transaction and,
//! after commit, appended to `events.jsonl` (one JSON object per line).

use std::collections::HashSet;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{BufRead as _, BufReader, Seek as _, SeekFrom, Write as _};
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use lazypm_domain::{Event, EventType};
use lazypm_store::{Store, Tx};
use serde_json::Value;

use crate::{Result, Service};

/// Appends committed events to a JSON-lines file. `None` path: no file (tests of the store alone).
///
/// The file is kept equal to the `events` table across crashes: every writer
/// holds a shared lock on the file from before its transaction begins until
/// its events are appended, and [`EventSink::repair`] takes the lock
/// exclusively, so it never mistakes an event still on its way for a lost one.
pub struct EventSink {
    path: Option<PathBuf>,
    /// Woken after every committed change made through this sink: live
    /// views in this process react at once instead of at their next poll.
    changed: std::sync::Arc<tokio::sync::Notify>,
}

/// How long a writer or the repair waits for the file's lock before going on
/// without it (the events table stays complete either way).
const LOCK_WAIT: Duration = Duration::from_secs(30);

/// What the file beside `events.jsonl` recording how far it is known
/// complete (`SEQ OFFSET`) adds to its name. The mark describes this file
/// only, so it lives beside it, not in the store: on PostgreSQL each machine
/// keeps a file of its own, in its own order, over one shared `events` table.
const MARK_SUFFIX: &str = ".mark";

/// The `meta` key where older versions kept the mark. A SQLite store's is its
/// one file's, and is read while that file has no mark of its own yet.
const LEGACY_MARK: &str = "events_jsonl_mark";

/// Advance the mark once this many lines follow it, so start-up reads stay short.
const MARK_EVERY: u64 = 1000;

impl EventSink {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: Some(path.into()),
            changed: Default::default(),
        }
    }

    pub fn disabled() -> Self {
        Self {
            path: None,
            changed: Default::default(),
        }
    }

    /// Notified after each change this process commits (see [`Service::changed`]).
    pub fn changed(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.changed.clone()
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn open(&self) -> Option<File> {
        let path = self.path.as_ref()?;
        match OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
        {
            Ok(f) => Some(f),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot open events.jsonl; events stay in the database only");
                None
            }
        }
    }

    /// The file, locked shared: held by a writer from before its transaction
    /// begins until its events are appended.
    async fn writer(&self) -> Option<File> {
        let file = self.open()?;
        lock(&file, false).await;
        Some(file)
    }

    /// Appends events, one line each with its chain hash, in a single write
    /// so concurrent writers (other processes) never interleave within a line.
    fn append(&self, file: Option<File>, events: &[(Event, Option<String>)]) {
        if events.is_empty() {
            return;
        }
        self.changed.notify_waiters();
        let Some(mut file) = file.or_else(|| self.open()) else {
            return;
        };
        let mut buf = Vec::with_capacity(256 * events.len());
        for (event, hash) in events {
            let line = Line {
                event,
                hash: hash.as_deref(),
            };
            if serde_json::to_writer(&mut buf, &line).is_ok() {
                buf.push(b'\n');
            }
        }
        if let Err(e) = file.write_all(&buf) {
            tracing::warn!(error = %e, "cannot append to events.jsonl");
        }
    }

    /// Makes the file hold every event of the table: cuts a torn last line
    /// and appends, in order and once, the events a process killed between
    /// commit and append left out. Returns how many were appended.
    pub async fn repair(&self, store: &dyn Store) -> Result<usize> {
        if self.path.is_none() || store.is_read_only() {
            return Ok(0);
        }
        // First without any lock, and without parsing anything: the usual
        // answer is that the file holds one whole line per event since the
        // mark. (No line is ever written twice, so equal counts mean nothing
        // is missing.)
        let Some(file) = self.open() else {
            return Ok(0);
        };
        let mut tx = store.begin_read().await?;
        let mark = self.mark(&mut *tx, store).await?;
        let (lines, whole) = count_lines(&file, mark.offset)?;
        let expected = tx.count_events_after(mark.seq).await?;
        drop(tx);
        if whole && lines == expected as u64 && lines < MARK_EVERY {
            return Ok(0);
        }
        // Something is missing or torn, or the mark is due to move: look
        // again with no writer in flight (writers hold the file shared from
        // before their transaction until their append), so every event
        // committed is either in the file or lost by a process that died.
        lock(&file, true).await;
        let mut tx = store.begin_read().await?;
        let mark = self.mark(&mut *tx, store).await?;
        let mut tail = Tail::read(&file, mark.offset)?;
        let pending = tx.chain_after(mark.seq, i64::MAX).await?;
        drop(tx);
        if !tail.whole {
            tracing::warn!(
                at = tail.end,
                "events.jsonl ends in a torn line; cutting it"
            );
            file.set_len(tail.end)?;
            tail.whole = true;
        }
        let missing: Vec<(Event, Option<String>)> = pending
            .iter()
            .filter(|c| !tail.ids.contains(&c.event.id))
            .map(|c| (c.event.clone(), c.hash.clone()))
            .collect();
        if !missing.is_empty() {
            // With one file, a missing event was lost by a process that
            // died. With several, it is as a rule another machine's: the
            // usual way this file learns of them, not worth a warning on
            // every command.
            if only_file(store) {
                tracing::warn!(
                    count = missing.len(),
                    "events.jsonl lacked committed events; appending them"
                );
            } else {
                tracing::debug!(
                    count = missing.len(),
                    "appending to events.jsonl the events committed elsewhere"
                );
            }
            self.append(file.try_clone().ok(), &missing);
        }
        if let Some(last) = pending.last() {
            self.set_mark(Mark {
                seq: last.seq,
                offset: file.metadata()?.len(),
            });
        }
        Ok(missing.len())
    }

    /// Holds every writer off the file until the returned guard is dropped:
    /// writers take their shared lock before their transactions begin, so
    /// while this is held none can begin one. For replacing a store's whole
    /// content (a restore, an import of a whole store); `None` when there is
    /// no file to hold.
    pub async fn hold(&self) -> Option<Held> {
        let file = self.open()?;
        lock(&file, true).await;
        Some(Held { file })
    }

    /// After the store's content was replaced, under [`EventSink::hold`]:
    /// writes the file anew from the events table (the old lines are gone;
    /// keep them first with [`Held::copy_to`]). Returns how many events it
    /// holds now.
    pub async fn rewrite(&self, held: &Held, store: &dyn Store) -> Result<usize> {
        held.file.set_len(0)?;
        let mut tx = store.begin_read().await?;
        let all = tx.chain_after(0, i64::MAX).await?;
        drop(tx);
        let events: Vec<(Event, Option<String>)> = all
            .iter()
            .map(|c| (c.event.clone(), c.hash.clone()))
            .collect();
        self.append(held.file.try_clone().ok(), &events);
        self.set_mark(Mark {
            seq: all.last().map(|c| c.seq).unwrap_or(0),
            offset: held.file.metadata()?.len(),
        });
        Ok(events.len())
    }

    fn mark_path(&self) -> Option<PathBuf> {
        let mut name = self.path.as_ref()?.clone().into_os_string();
        name.push(MARK_SUFFIX);
        Some(name.into())
    }

    /// How far this file is known complete; from its start when unknown.
    /// Until the file has a mark of its own, a SQLite store's mark from an
    /// older version stands for it (on PostgreSQL that one may describe
    /// another machine's file, and is not trusted).
    async fn mark(&self, tx: &mut dyn Tx, store: &dyn Store) -> Result<Mark> {
        if let Some(text) = self
            .mark_path()
            .and_then(|p| std::fs::read_to_string(p).ok())
        {
            return Ok(Mark::parse(&text));
        }
        if !only_file(store) {
            return Ok(Mark::default());
        }
        Ok(Mark::parse(
            &tx.meta(LEGACY_MARK).await?.unwrap_or_default(),
        ))
    }

    /// Records that every event up to `mark.seq` is in the file's first
    /// `mark.offset` bytes. Called with the file locked exclusively; the
    /// mark is replaced whole (a new file renamed over it). One that cannot
    /// be written only costs the next open a longer read.
    fn set_mark(&self, mark: Mark) {
        let Some(path) = self.mark_path() else {
            return;
        };
        let mut temp = path.clone().into_os_string();
        temp.push(format!(".{}", std::process::id()));
        let written = std::fs::write(&temp, format!("{} {}\n", mark.seq, mark.offset))
            .and_then(|()| std::fs::rename(&temp, &path));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temp);
            tracing::warn!(path = %path.display(), error = %e, "cannot record how far events.jsonl is complete");
        }
    }
}

/// events.jsonl locked exclusively (see [`EventSink::hold`]); dropping it lets writers go on.
pub struct Held {
    file: File,
}

impl Held {
    /// Copies the file as it is to `aside` (the trail of the store about to be replaced).
    pub fn copy_to(&self, aside: &Path) -> Result<()> {
        let mut from = self.file.try_clone()?;
        from.seek(SeekFrom::Start(0))?;
        let mut to = File::create(aside)?;
        std::io::copy(&mut from, &mut to)?;
        Ok(())
    }
}

/// Whether this file is the store's only one: a SQLite store lives on one
/// machine, while every machine on a PostgreSQL store keeps its own file.
fn only_file(store: &dyn Store) -> bool {
    store.backend() == "sqlite"
}

/// Takes the file's lock, shared or exclusive, waiting at most [`LOCK_WAIT`].
async fn lock(file: &File, exclusive: bool) {
    let started = std::time::Instant::now();
    loop {
        let tried = if exclusive {
            file.try_lock()
        } else {
            file.try_lock_shared()
        };
        match tried {
            Ok(()) => return,
            Err(TryLockError::WouldBlock) if started.elapsed() < LOCK_WAIT => {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot lock events.jsonl; going on without the lock");
                return;
            }
        }
    }
}

/// Every event up to `seq` is in the file, whose first `offset` bytes hold them.
#[derive(Debug, Clone, Copy, Default)]
struct Mark {
    seq: i64,
    offset: u64,
}

impl Mark {
    /// `SEQ OFFSET`; anything else is no mark (read from the start).
    fn parse(text: &str) -> Mark {
        let mut parts = text.split_whitespace().map(str::parse::<i64>);
        match (parts.next(), parts.next()) {
            (Some(Ok(seq)), Some(Ok(offset))) => Mark {
                seq,
                offset: u64::try_from(offset).unwrap_or(0),
            },
            _ => Mark::default(),
        }
    }
}

/// The lines after `offset` (a shorter file counts from its start), and
/// whether the file ends with a whole line.
fn count_lines(file: &File, offset: u64) -> Result<(u64, bool)> {
    use std::io::Read as _;
    let (mut reader, _) = reader_after(file, offset)?;
    let (mut lines, mut last) = (0u64, b'\n');
    let mut buf = [0u8; 64 * 1024];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        lines += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
        last = buf[n - 1];
    }
    Ok((lines, last == b'\n'))
}

/// The file read from `offset`, and the offset used: a file shorter than the
/// mark was replaced or cut, so it is read from its start.
fn reader_after(file: &File, offset: u64) -> Result<(BufReader<&File>, u64)> {
    let offset = if offset > file.metadata()?.len() {
        0
    } else {
        offset
    };
    let mut reader = BufReader::new(file);
    reader.seek(SeekFrom::Start(offset))?;
    Ok((reader, offset))
}

/// The event ids in the file after an offset.
struct Tail {
    ids: HashSet<String>,
    /// Whether the file ends with a whole line (or is empty).
    whole: bool,
    /// Where the last whole line ends.
    end: u64,
}

impl Tail {
    fn read(file: &File, offset: u64) -> Result<Tail> {
        let (mut reader, offset) = reader_after(file, offset)?;
        let mut ids = HashSet::new();
        let mut line = Vec::new();
        let mut end = offset;
        loop {
            line.clear();
            let n = reader.read_until(b'\n', &mut line)?;
            if n == 0 {
                break;
            }
            if line.last() != Some(&b'\n') {
                return Ok(Tail {
                    ids,
                    whole: false,
                    end,
                });
            }
            end += n as u64;
            if let Ok(IdOnly { id }) = serde_json::from_slice(&line) {
                ids.insert(id);
            }
        }
        Ok(Tail {
            ids,
            whole: true,
            end,
        })
    }
}

/// One line of `events.jsonl`: the event, then its chain hash.
#[derive(serde::Serialize)]
pub(crate) struct Line<'a> {
    #[serde(flatten)]
    pub event: &'a Event,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<&'a str>,
}

#[derive(serde::Deserialize)]
struct IdOnly {
    id: String,
}

/// A write transaction that collects the events it records.
pub(crate) struct Write<'s> {
    tx: Box<dyn Tx>,
    /// events.jsonl, locked shared until the events are appended.
    file: Option<File>,
    /// The events recorded, each with its chain hash.
    events: Vec<(Event, Option<String>)>,
    svc: &'s Service,
    pub now: DateTime<Utc>,
}

impl Service {
    pub(crate) async fn write(&self) -> Result<Write<'_>> {
        let file = self.sink.writer().await;
        Ok(Write {
            tx: self.store.begin_write().await?,
            file,
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
        event_type: EventType,
        project: Option<&str>,
        entity: &str,
        issue_key: Option<&str>,
        changes: Value,
    ) -> Result<()> {
        let event = Event {
            id: uuid::Uuid::now_v7().to_string(),
            at: self.now,
            actor: self.svc.actor().to_string(),
            event_type,
            project: project.map(str::to_string),
            entity: entity.to_string(),
            changes,
        };
        let hash = self.tx.insert_event(&event, issue_key).await?;
        self.events.push((event, Some(hash)));
        Ok(())
    }

    /// Commits, then mirrors the events to `events.jsonl`.
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        self.svc.sink.append(self.file, &self.events);
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
