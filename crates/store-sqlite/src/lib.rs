//! The embedded SQLite backend: WAL, foreign keys, a generous busy timeout,
//! and write transactions that take the write lock up front.

mod activity;
mod db;
mod detail;
mod events;
mod facts;
mod flow_facts;
mod issues;
mod links;
mod migrate;
mod projects;
mod rows;
mod search;
mod sprints;
mod stats;
mod tables;
mod tasks;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rusqlite::{Connection, OpenFlags};

use lazypm_store::{Result, Store, StoreError, Tx};

/// How long a writer waits for another process's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Idle connections kept open for the next transaction.
const IDLE_CONNECTIONS: usize = 8;

/// A SQLite database file.
///
/// The driver is rusqlite, called in place: SQLite runs in this process, so
/// a statement is a function call. (sqlx, used before, ran each connection
/// on a worker thread and paid a channel hop per statement, which was most
/// of the cost of a short command; and a dropped connection went back to its
/// pool only on a later turn of the runtime, so the next transaction of a
/// single-threaded command opened a second one.)
pub struct SqliteStore {
    pool: Arc<Pool>,
    /// `<database>-lock`: writers queue on it (see [`writer_lock`]); `None`
    /// when the store is read-only.
    lock_path: Option<PathBuf>,
    /// Set when the file can only be read: why, for the refusal of every write.
    read_only: Option<String>,
}

/// The first 16 bytes of every SQLite database file.
const HEADER: &[u8; 16] = b"SQLite format 3\0";

impl SqliteStore {
    /// Opens and migrates the database at `path`, creating it when it does
    /// not exist. An existing file that is empty or not a database is
    /// refused, never initialised over. A file that cannot be written is
    /// opened read-only (and so is any file when `read_only`).
    pub async fn open(path: &Path, read_only: bool) -> Result<Self> {
        let open_err = |message: String| StoreError::Open {
            path: path.display().to_string(),
            message,
        };
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                return Err(open_err("it is a directory, not a database file".into()));
            }
            Ok(_) => check_header(path).map_err(open_err)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if read_only {
                    return Err(open_err("no such file (it was asked for read-only)".into()));
                }
                create(path).map_err(open_err)?;
            }
            Err(e) => return Err(open_err(e.to_string())),
        }
        let writable = !read_only
            && std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(path)
                .is_ok();
        if writable {
            let pool = Arc::new(Pool::new(path, false));
            match pool.first() {
                Ok(mut conn) => {
                    migrate::run(&mut conn).map_err(|e| open_err(e.to_string()))?;
                    return Ok(Self {
                        pool,
                        lock_path: Some(lock_path(path)),
                        read_only: None,
                    });
                }
                Err(e) if !is_read_only_error(&e) => return Err(open_err(explain(&e))),
                Err(_) => {}
            }
        }
        let why = if read_only {
            "it was opened with mode=ro".to_string()
        } else {
            tracing::warn!(path = %path.display(), "the database cannot be written; opened read-only");
            "the file or its directory cannot be written".to_string()
        };
        let pool = Arc::new(Pool::new(path, true));
        let conn = pool.first().map_err(|e| open_err(explain(&e)))?;
        check_migrated(&conn).map_err(open_err)?;
        drop(conn);
        Ok(Self {
            pool,
            lock_path: None,
            read_only: Some(format!(
                "the database at {} is read-only ({why}): it can be read, not changed",
                path.display()
            )),
        })
    }
}

/// Whether a file starts with SQLite's header (another program's database,
/// a backup, before anything opens it).
pub fn has_sqlite_header(path: &Path) -> bool {
    check_header(path).is_ok()
}

/// Refuses a file that is not an SQLite database, naming what it is.
fn check_header(path: &Path) -> std::result::Result<(), String> {
    use std::io::Read as _;
    let mut head = Vec::with_capacity(16);
    std::fs::File::open(path)
        .and_then(|f| f.take(16).read_to_end(&mut head))
        .map_err(|e| format!("cannot read it: {e}"))?;
    if head.is_empty() {
        return Err(
            "it is an empty file, not a lazypm database; lazypm does not initialise \
            over an existing file: remove it, or point --database-url at another path"
                .into(),
        );
    }
    if head.as_slice() != HEADER {
        return Err(
            "it is not an SQLite database (its first bytes are not the SQLite header); \
            lazypm leaves it alone: point --database-url at another path"
                .into(),
        );
    }
    Ok(())
}

/// Makes a new database beside `path` and links it into place only once it
/// is complete, so no other process ever sees a half-made file. When another
/// process got there first, its database is kept.
fn create(path: &Path) -> std::result::Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create its directory {}: {e}", dir.display()))?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "lazypm.db".into());
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let temp = path.with_file_name(format!(".{name}.new-{}-{nonce}", std::process::id()));
    let result = (|| {
        let mut conn = Connection::open_with_flags(
            &temp,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| explain(&e))?;
        configure(&conn, false, true).map_err(|e| explain(&e))?;
        migrate::run(&mut conn).map_err(|e| e.to_string())?;
        conn.close().map_err(|(_, e)| explain(&e))?;
        match std::fs::hard_link(&temp, path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(e) => Err(format!("cannot put the new database in place: {e}")),
        }
    })();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = temp.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
    result
}

/// Every connection's settings. WAL is a property of the file, set when
/// the file is made and on a pool's first connection, not on every one.
fn configure(conn: &Connection, read_only: bool, first: bool) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(64);
    // Pages are read through a memory map of the file: a process starts with
    // an empty page cache of its own, and a mapped page is the kernel's
    // cached page, where `pread` would copy each one in.
    conn.execute_batch(
        "PRAGMA foreign_keys = ON; PRAGMA temp_store = memory; PRAGMA cache_size = -16000; \
         PRAGMA mmap_size = 268435456;",
    )?;
    if !read_only {
        if first {
            conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        }
        conn.execute_batch("PRAGMA synchronous = NORMAL;")?;
    }
    Ok(())
}

/// Open connections to one file, reused: a connection goes back the moment
/// its transaction ends.
struct Pool {
    path: PathBuf,
    read_only: bool,
    idle: Mutex<Vec<Connection>>,
    closed: AtomicBool,
}

impl Pool {
    fn new(path: &Path, read_only: bool) -> Self {
        Self {
            path: path.to_path_buf(),
            read_only,
            idle: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
        }
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        // A panic while holding this lock cannot leave the list half-changed.
        self.idle.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn connect(&self, first: bool) -> rusqlite::Result<Connection> {
        let flags = if self.read_only {
            OpenFlags::SQLITE_OPEN_READ_ONLY
        } else {
            OpenFlags::SQLITE_OPEN_READ_WRITE
        } | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags)?;
        configure(&conn, self.read_only, first)?;
        Ok(conn)
    }

    /// The pool's first connection, which also sets WAL mode.
    fn first(self: &Arc<Self>) -> rusqlite::Result<Pooled> {
        let conn = self.connect(true)?;
        Ok(Pooled {
            conn: Some(conn),
            pool: self.clone(),
        })
    }

    fn get(self: &Arc<Self>) -> Result<Pooled> {
        if self.closed.load(Ordering::Acquire) {
            return Err(StoreError::Database("the store has been closed".into()));
        }
        let idle = self.idle().pop();
        let conn = match idle {
            Some(c) => c,
            None => self
                .connect(false)
                .map_err(|e| StoreError::Database(explain(&e)))?,
        };
        Ok(Pooled {
            conn: Some(conn),
            pool: self.clone(),
        })
    }

    /// Closes the idle connections and every one still in use as it comes
    /// back.
    fn close(&self) {
        self.closed.store(true, Ordering::Release);
        let idle = std::mem::take(&mut *self.idle());
        drop(idle);
    }
}

/// A connection on loan from the pool.
struct Pooled {
    conn: Option<Connection>,
    pool: Arc<Pool>,
}

impl std::ops::Deref for Pooled {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
            .as_ref()
            .unwrap_or_else(|| unreachable!("taken only on drop"))
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn
            .as_mut()
            .unwrap_or_else(|| unreachable!("taken only on drop"))
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        if self.pool.closed.load(Ordering::Acquire) || !conn.is_autocommit() {
            return;
        }
        let mut idle = self.pool.idle();
        if idle.len() < IDLE_CONNECTIONS {
            idle.push(conn);
        }
    }
}

/// The file writers queue on: `<database>-lock`.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-lock");
    name.into()
}

/// Waits for the writers' lock: an exclusive `flock` on `path`.
///
/// SQLite's own wait for its write lock is a sleep-and-retry loop (1, 2, 5,
/// 10 … 100 ms), so with several processes writing, a writer often sleeps
/// long after the lock came free. The kernel wakes a `flock` waiter the
/// moment the holder lets go, so writers queue on this file first and then
/// find SQLite's lock free. A file that cannot be opened or locked (an odd
/// filesystem) is skipped with a warning: SQLite's lock still guards every
/// write. A holder that keeps the lock past [`BUSY_TIMEOUT`] fails the write.
async fn writer_lock(path: &Path) -> Result<Option<std::fs::File>> {
    let file = match std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
    {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "cannot open the writers' lock file; relying on SQLite's lock alone");
            return Ok(None);
        }
    };
    // Uncontended, the lock is one system call; only a wait needs a thread.
    match file.try_lock() {
        Ok(()) => return Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => {}
        Err(std::fs::TryLockError::Error(e)) => {
            tracing::warn!(path = %path.display(), error = %e, "cannot lock the writers' lock file; relying on SQLite's lock alone");
            return Ok(None);
        }
    }
    let (sender, receiver) = tokio::sync::oneshot::channel();
    tokio::task::spawn_blocking(move || {
        let locked = file.lock();
        // When the waiter has given up, dropping the file releases the lock.
        let _ = sender.send(locked.map(|()| file));
    });
    match tokio::time::timeout(BUSY_TIMEOUT, receiver).await {
        Ok(Ok(Ok(file))) => Ok(Some(file)),
        Ok(Ok(Err(e))) => {
            tracing::warn!(path = %path.display(), error = %e, "cannot lock the writers' lock file; relying on SQLite's lock alone");
            Ok(None)
        }
        Ok(Err(_)) => Ok(None),
        Err(_) => Err(StoreError::Database(format!(
            "another writer has held the database for over {} s ({} is locked)",
            BUSY_TIMEOUT.as_secs(),
            path.display()
        ))),
    }
}

fn is_read_only_error(e: &rusqlite::Error) -> bool {
    let text = e.to_string();
    text.contains("readonly") || text.contains("read-only") || text.contains("unable to open")
}

/// SQLite's own words, with the likely cause where SQLite gives none.
fn explain(e: &rusqlite::Error) -> String {
    let text = e.to_string();
    if text.contains("unable to open database file") {
        format!(
            "{text} (check that its directory exists and can be written, and that the path is a file)"
        )
    } else {
        text
    }
}

/// A read-only store cannot be migrated: refuse one that needs it.
fn check_migrated(conn: &Connection) -> std::result::Result<(), String> {
    let applied = migrate::applied(conn)
        .map_err(|e| format!("it is not a lazypm database ({e})"))?
        .ok_or_else(|| "it is not a lazypm database (it has no schema record)".to_string())?;
    if applied < migrate::newest() {
        return Err(
            "it was made by an older lazypm and is read-only, so it cannot be upgraded: \
            open it once where it can be written"
                .into(),
        );
    }
    Ok(())
}

#[async_trait]
impl Store for SqliteStore {
    async fn begin_write(&self) -> Result<Box<dyn Tx>> {
        if let Some(why) = &self.read_only {
            return Err(StoreError::ReadOnly(why.clone()));
        }
        let writer = match &self.lock_path {
            Some(path) => writer_lock(path).await?,
            None => None,
        };
        let conn = self.pool.get()?;
        conn.execute_batch("BEGIN IMMEDIATE").map_err(db::error)?;
        Ok(Box::new(SqliteTx {
            conn,
            open: true,
            _writer: writer,
        }))
    }

    async fn begin_read(&self) -> Result<Box<dyn Tx>> {
        // A deferred BEGIN: the snapshot is taken at the first read and kept
        // until the transaction ends, so every statement sees the same one.
        let conn = self.pool.get()?;
        conn.execute_batch("BEGIN").map_err(db::error)?;
        Ok(Box::new(SqliteTx {
            conn,
            open: true,
            _writer: None,
        }))
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn is_read_only(&self) -> bool {
        self.read_only.is_some()
    }

    async fn backup_into(&self, path: &Path) -> Result<bool> {
        let target = path.to_str().ok_or_else(|| {
            StoreError::Database(format!("{} is not a UTF-8 path", path.display()))
        })?;
        let conn = self.pool.get()?;
        conn.execute("VACUUM INTO ?1", [target])
            .map_err(db::error)?;
        Ok(true)
    }

    async fn integrity_check(&self) -> Result<Vec<String>> {
        let conn = self.pool.get()?;
        let mut problems = Vec::new();
        {
            let mut stmt = conn.prepare("PRAGMA integrity_check").map_err(db::error)?;
            let rows = stmt
                .query_map([], |r| r.get::<_, String>(0))
                .map_err(db::error)?;
            for row in rows {
                let line = row.map_err(db::error)?;
                if line != "ok" {
                    problems.push(line);
                }
            }
        }
        let mut stmt = conn
            .prepare("PRAGMA foreign_key_check")
            .map_err(db::error)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(format!(
                    "{} row {} names a missing row of {}",
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<i64>>(1)?.unwrap_or_default(),
                    r.get::<_, String>(2)?
                ))
            })
            .map_err(db::error)?;
        for row in rows {
            problems.push(row.map_err(db::error)?);
        }
        Ok(problems)
    }

    async fn close(&self) {
        // The last connection to close checkpoints the WAL into the database
        // and removes lazypm.db-wal and lazypm.db-shm.
        self.pool.close();
    }
}

/// A SQLite transaction: a write holding the write lock from its start
/// (`BEGIN IMMEDIATE`), or a read on one snapshot (`BEGIN`). Either is rolled
/// back when dropped uncommitted.
pub struct SqliteTx {
    // Fields drop in order: the connection goes back (after `Drop` rolled
    // back anything uncommitted) before the writers' lock is let go.
    conn: Pooled,
    /// A transaction not yet ended.
    open: bool,
    /// The writers' lock, held until the transaction ends.
    _writer: Option<std::fs::File>,
}

impl SqliteTx {
    fn conn(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

impl Drop for SqliteTx {
    fn drop(&mut self) {
        if self.open
            && let Err(e) = self.conn.execute_batch("ROLLBACK")
        {
            tracing::warn!(error = %e, "cannot roll back an abandoned transaction");
        }
    }
}

#[async_trait]
impl Tx for SqliteTx {
    async fn commit(mut self: Box<Self>) -> Result<()> {
        if self.open {
            self.conn.execute_batch("COMMIT").map_err(db::error)?;
            self.open = false;
        }
        Ok(())
    }
}

/// The one timestamp format stored: fixed width, so text order is time order.
pub(crate) fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(crate) fn parse_ts(text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("timestamp '{text}': {e}")))
}

/// A stored calendar date (`YYYY-MM-DD`, or the date part of a timestamp).
pub(crate) fn parse_date(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|e| StoreError::Corrupt(format!("date '{text}': {e}")))
}

pub(crate) fn parse_opt_ts(text: Option<String>) -> Result<Option<DateTime<Utc>>> {
    text.as_deref().map(parse_ts).transpose()
}

pub(crate) use lazypm_store::detail::parse_enum;

/// Every row of a table in another program's SQLite database (an import's
/// source), each as column → JSON value: integers and reals as numbers,
/// text as strings, NULL as null, blobs as null. The file is opened
/// read-only; a missing table is an empty list.
pub fn read_foreign_table(
    path: &Path,
    table: &str,
) -> Result<Vec<serde_json::Map<String, serde_json::Value>>> {
    use rusqlite::types::ValueRef;
    use serde_json::Value;
    let open_err = |message: String| StoreError::Open {
        path: path.display().to_string(),
        message,
    };
    check_header(path).map_err(open_err)?;
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| open_err(explain(&e)))?;
    let exists: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )
        .map_err(db::error)?;
    if exists == 0 {
        return Ok(Vec::new());
    }
    // The name was just found among the file's tables; quoting keeps any
    // character in it a name.
    let sql = format!("SELECT * FROM \"{}\"", table.replace('"', "\"\""));
    let mut stmt = conn.prepare(&sql).map_err(db::error)?;
    let names: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
    let mut rows = stmt.query([]).map_err(db::error)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(db::error)? {
        let mut map = serde_json::Map::new();
        for (i, name) in names.iter().enumerate() {
            let value = match row.get_ref(i).map_err(db::error)? {
                ValueRef::Null | ValueRef::Blob(_) => Value::Null,
                ValueRef::Integer(n) => Value::from(n),
                ValueRef::Real(f) => Value::from(f),
                ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
            };
            map.insert(name.clone(), value);
        }
        out.push(map);
    }
    Ok(out)
}
