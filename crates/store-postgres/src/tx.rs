//! Transactions on pooled connections, and what becomes of one dropped
//! without `commit` (the service drops its read transactions, and write
//! transactions that fail).
//!
//! Such a transaction must end on the server before its connection is used
//! again, and soon: until then it holds its locks, and a `DROP SCHEMA` or a
//! migration waits. On a multi-threaded runtime a task rolls it back and
//! returns the connection to the pool. On a current-thread runtime such a
//! task might never run (the thread may block on the way out, waiting for
//! those very locks), so there the connection is closed instead: the server
//! ends the transaction at once, and the pool opens a new connection when it
//! needs one. (Keeping it aside until the store is dropped is not enough:
//! the store may outlive the wait.)

use async_trait::async_trait;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnection, PgPool};
use sqlx::{Postgres, Row};
use tokio::runtime::{Handle, RuntimeFlavor};

use lazypm_store::{Result, StoreError, Tx};

/// A PostgreSQL transaction on a pooled connection.
pub struct PgTx {
    conn: Option<PoolConnection<Postgres>>,
    /// The hash of the newest event, once this transaction has read or
    /// written it: under the write lock no one else can add one.
    pub(crate) last_hash: Option<Option<String>>,
}

impl PgTx {
    /// A read-only snapshot (`REPEATABLE READ READ ONLY`), or a write
    /// transaction: `READ COMMITTED` holding the store's write lock (a
    /// transaction-scoped advisory lock on `write_lock`), so lazypm's writers
    /// run one at a time, each seeing everything committed before it: as
    /// serializable as SQLite's writers, with no conflicts to retry. (A
    /// serializable snapshot would be taken before the lock is granted, and
    /// then be stale.)
    pub(crate) async fn begin(pool: &PgPool, write_lock: Option<&str>) -> Result<PgTx> {
        let mut conn = pool.acquire().await?;
        match write_lock {
            None => {
                sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .execute(&mut *conn)
                    .await?;
            }
            Some(key) => {
                // One round trip: begin, wait for the lock, then (a statement
                // of its own, so with a snapshot taken under the lock) the
                // newest event's hash, which the first event recorded chains
                // to. The key is lazypm's own text, quoted.
                let begin = format!(
                    "BEGIN ISOLATION LEVEL READ COMMITTED; \
                     SELECT pg_advisory_xact_lock(hashtext('{}')); \
                     SELECT hash AS newest_hash FROM events ORDER BY seq DESC LIMIT 1",
                    key.replace('\'', "''")
                );
                let mut tx = PgTx::on(conn);
                let rows = sqlx::raw_sql(sqlx::AssertSqlSafe(begin))
                    .fetch_all(tx.conn()?)
                    .await?;
                let mut newest = None;
                for row in &rows {
                    if row.try_column("newest_hash").is_ok() {
                        newest = row.try_get::<Option<String>, _>("newest_hash")?;
                    }
                }
                tx.last_hash = Some(newest);
                return Ok(tx);
            }
        }
        Ok(PgTx::on(conn))
    }

    fn on(conn: PoolConnection<Postgres>) -> PgTx {
        PgTx {
            conn: Some(conn),
            last_hash: None,
        }
    }

    pub(crate) fn conn(&mut self) -> Result<&mut PgConnection> {
        self.conn
            .as_deref_mut()
            .ok_or_else(|| StoreError::Database("the transaction has ended".into()))
    }
}

impl Drop for PgTx {
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        match Handle::try_current() {
            Ok(rt) if rt.runtime_flavor() == RuntimeFlavor::MultiThread => {
                // Never back to the pool inside a transaction: when the
                // rollback fails (or never runs) the connection is closed.
                rt.spawn(async move {
                    if sqlx::query("ROLLBACK").execute(&mut *conn).await.is_err() {
                        conn.close_on_drop();
                    }
                });
            }
            _ => drop(conn.detach()),
        }
    }
}

#[async_trait]
impl Tx for PgTx {
    async fn commit(mut self: Box<Self>) -> Result<()> {
        let Some(mut conn) = self.conn.take() else {
            return Ok(());
        };
        // A failed COMMIT (a serialization failure, say) has ended the
        // transaction on the server; the connection goes back to the pool.
        sqlx::query("COMMIT").execute(&mut *conn).await?;
        Ok(())
    }
}
