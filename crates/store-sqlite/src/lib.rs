//! The embedded SQLite backend: WAL, foreign keys, a generous busy timeout,
//! and write transactions that take the write lock up front.

mod activity;
mod detail;
mod events;
mod facts;
mod flow_facts;
mod issues;
mod links;
mod projects;
mod rows;
mod search;
mod sprints;
mod stats;
mod tables;
mod tasks;

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};

use lazypm_store::{Result, Store, StoreError, Tx};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// How long a writer waits for another process's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A SQLite database file.
pub struct SqliteStore {
    pool: SqlitePool,
    /// `<database>-lock`: writers queue on it (see [`writer_lock`]); `None`
    /// when the store is read-only.
    lock_path: Option<std::path::PathBuf>,
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
                create(path).await.map_err(open_err)?;
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
            match connect(path, false).await {
                Ok(pool) => {
                    migrate(&pool).await.map_err(|e| open_err(e.to_string()))?;
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
        let pool = connect(path, true)
            .await
            .map_err(|e| open_err(explain(&e)))?;
        check_migrated(&pool).await.map_err(open_err)?;
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
async fn create(path: &Path) -> std::result::Result<(), String> {
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
    let result = async {
        let options = options(&temp, false).create_if_missing(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .map_err(|e| explain(&e))?;
        let migrated = MIGRATOR.run(&pool).await.map_err(|e| e.to_string());
        pool.close().await;
        migrated?;
        match std::fs::hard_link(&temp, path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(e) => Err(format!("cannot put the new database in place: {e}")),
        }
    }
    .await;
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = temp.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
    result
}

fn options(path: &Path, read_only: bool) -> SqliteConnectOptions {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(read_only)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT)
        .pragma("temp_store", "memory")
        .pragma("cache_size", "-16000");
    if read_only {
        options
    } else {
        options
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
    }
}

/// The file writers queue on: `<database>-lock`.
pub fn lock_path(db: &Path) -> std::path::PathBuf {
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

async fn connect(path: &Path, read_only: bool) -> std::result::Result<SqlitePool, sqlx::Error> {
    SqlitePoolOptions::new()
        .max_connections(8)
        .min_connections(0)
        .acquire_timeout(BUSY_TIMEOUT)
        .connect_with(options(path, read_only))
        .await
}

fn is_read_only_error(e: &sqlx::Error) -> bool {
    let text = e.to_string();
    text.contains("readonly") || text.contains("read-only") || text.contains("unable to open")
}

/// SQLite's own words, with the likely cause where SQLite gives none.
fn explain(e: &sqlx::Error) -> String {
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
async fn check_migrated(pool: &SqlitePool) -> std::result::Result<(), String> {
    let newest = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
    let applied: Option<i64> = sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations")
        .fetch_one(pool)
        .await
        .map_err(|e| format!("it is not a lazypm database ({e})"))?;
    if applied.unwrap_or(0) < newest {
        return Err(
            "it was made by an older lazypm and is read-only, so it cannot be upgraded: \
            open it once where it can be written"
                .into(),
        );
    }
    Ok(())
}

/// Runs pending migrations. Several processes may open a new file at once;
/// the loser of that race sees the winner's work on a retry.
async fn migrate(pool: &SqlitePool) -> std::result::Result<(), sqlx::migrate::MigrateError> {
    let mut attempt = 0;
    loop {
        match MIGRATOR.run(pool).await {
            Ok(()) => return Ok(()),
            Err(_) if attempt < 5 => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(20 * attempt)).await;
            }
            Err(e) => return Err(e),
        }
    }
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
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(Box::new(SqliteTx {
            inner: Inner::Write(tx),
            _writer: writer,
        }))
    }

    async fn begin_read(&self) -> Result<Box<dyn Tx>> {
        let conn = self.pool.acquire().await?;
        Ok(Box::new(SqliteTx {
            inner: Inner::Read(conn),
            _writer: None,
        }))
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn is_read_only(&self) -> bool {
        self.read_only.is_some()
    }

    async fn close(&self) {
        // The last connection to close checkpoints the WAL into the database
        // and removes lazypm.db-wal and lazypm.db-shm.
        self.pool.close().await;
    }
}

enum Inner {
    Write(Transaction<'static, Sqlite>),
    /// Reads run on a plain connection: each statement sees a consistent
    /// snapshot, and skipping BEGIN/COMMIT saves two round trips per read.
    Read(PoolConnection<Sqlite>),
}

/// A SQLite transaction (or read connection).
pub struct SqliteTx {
    inner: Inner,
    /// The writers' lock, held until the transaction ends (after the
    /// commit, since fields drop after the body of `commit`).
    _writer: Option<std::fs::File>,
}

impl SqliteTx {
    fn conn(&mut self) -> &mut SqliteConnection {
        match &mut self.inner {
            Inner::Write(tx) => tx,
            Inner::Read(conn) => conn,
        }
    }
}

#[async_trait]
impl Tx for SqliteTx {
    async fn commit(self: Box<Self>) -> Result<()> {
        match self.inner {
            Inner::Write(tx) => Ok(tx.commit().await?),
            Inner::Read(_) => Ok(()),
        }
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
