//! The embedded SQLite backend: WAL, foreign keys, a generous busy timeout,
//! and write transactions that take the write lock up front.

mod activity;
mod events;
mod issues;
mod links;
mod projects;
mod rows;
mod search;
mod sprints;
mod tasks;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};

use crate::{Result, Store, StoreError, Tx};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// How long a writer waits for another process's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A SQLite database file.
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) and migrates the database at `path`.
    pub async fn open(path: &str) -> Result<Self> {
        let open_err = |message: String| StoreError::Open {
            path: path.to_string(),
            message,
        };
        if let Some(dir) = Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(|e| open_err(e.to_string()))?;
        }
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))
            .map_err(|e| open_err(e.to_string()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-16000");
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(0)
            .acquire_timeout(BUSY_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|e| open_err(e.to_string()))?;
        migrate(&pool).await.map_err(|e| open_err(e.to_string()))?;
        Ok(Self { pool })
    }
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
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(Box::new(SqliteTx {
            inner: Inner::Write(tx),
        }))
    }

    async fn begin_read(&self) -> Result<Box<dyn Tx>> {
        let conn = self.pool.acquire().await?;
        Ok(Box::new(SqliteTx {
            inner: Inner::Read(conn),
        }))
    }

    fn backend(&self) -> &'static str {
        "sqlite"
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

pub(crate) fn parse_opt_ts(text: Option<String>) -> Result<Option<DateTime<Utc>>> {
    text.as_deref().map(parse_ts).transpose()
}

/// Parses a stored vocabulary value.
pub(crate) fn parse_enum<T: FromStr>(text: &str) -> Result<T> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("unknown value '{text}'")))
}
