//! Transactions on the store's connections, and what becomes of one dropped
//! without `commit` (the service drops its read transactions, and write
//! transactions that fail).
//!
//! A store keeps one connection beside its pool (its [`Spare`]): first the
//! one opening made, so a one-shot command connects once, not once for
//! opening and again for its work. A transaction takes the spare when it is
//! free, else a pooled connection; a spare that served a transaction comes
//! back to the slot.
//!
//! A transaction dropped without `commit` must end on the server before its
//! connection is used again, and soon: until then it holds its locks. On a
//! multi-threaded runtime a task rolls it back. On a current-thread runtime
//! such a task might never run (the thread may block on the way out, waiting
//! for those very locks), so there a dropped write's connection is closed:
//! the server ends the transaction at once. A dropped read (a read-only
//! snapshot, which blocks no writer) is kept in the spare slot instead, and
//! the next transaction's first round trip rolls it back; closing it would
//! cost the next transaction a new connection, the dearest step of a short
//! command. The slot is emptied when the store closes or is dropped.

use async_trait::async_trait;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex};

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnection, PgPool};
use sqlx::{Connection as _, Postgres, Row};
use tokio::runtime::{Handle, RuntimeFlavor};

use lazypm_store::{Result, StoreError, Tx};

/// A connection a transaction runs on.
pub(crate) enum Conn {
    Pooled(PoolConnection<Postgres>),
    /// The connection opening made, outside the pool.
    Own(PgConnection),
}

impl Deref for Conn {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        match self {
            Conn::Pooled(c) => c,
            Conn::Own(c) => c,
        }
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut PgConnection {
        match self {
            Conn::Pooled(c) => c,
            Conn::Own(c) => c,
        }
    }
}

impl Conn {
    /// Closes the socket without a word to the server, which ends any
    /// transaction at once; a pooled connection never goes back to the pool.
    fn discard(self) {
        match self {
            Conn::Pooled(c) => drop(c.detach()),
            Conn::Own(c) => drop(c),
        }
    }
}

/// The store's one connection beside the pool, and whether a dropped read
/// transaction is still open on it.
pub(crate) struct Spare {
    slot: Mutex<Option<(Conn, bool)>>,
}

impl Spare {
    pub(crate) fn new(conn: PgConnection) -> Arc<Spare> {
        Arc::new(Spare {
            slot: Mutex::new(Some((Conn::Own(conn), false))),
        })
    }

    fn take(&self) -> Option<(Conn, bool)> {
        self.slot.lock().ok().and_then(|mut s| s.take())
    }

    /// Keeps `conn` (with a transaction still open on it when `open`) in
    /// the slot if it is free; a pooled connection with nothing open goes
    /// back to the pool, anything else is closed.
    fn put(&self, conn: Conn, open: bool) {
        let keep = matches!(conn, Conn::Own(_)) || open;
        if keep
            && let Ok(mut slot) = self.slot.lock()
            && slot.is_none()
        {
            *slot = Some((conn, open));
            return;
        }
        if open {
            conn.discard();
        }
    }

    /// Ends what the slot holds, politely when it can.
    pub(crate) async fn close(&self) {
        if let Some((conn, open)) = self.take() {
            match conn {
                Conn::Own(c) if !open => {
                    c.close().await.ok();
                }
                other => other.discard(),
            }
        }
    }
}

impl Drop for Spare {
    fn drop(&mut self) {
        if let Ok(mut slot) = self.slot.lock()
            && let Some((conn, _)) = slot.take()
        {
            conn.discard();
        }
    }
}

/// A PostgreSQL transaction on one of the store's connections.
pub struct PgTx {
    conn: Option<Conn>,
    spare: Arc<Spare>,
    writer: bool,
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
    pub(crate) async fn begin(
        pool: &PgPool,
        spare: &Arc<Spare>,
        write_lock: Option<&str>,
    ) -> Result<PgTx> {
        // The key is lazypm's own text, quoted. For a write, one round trip
        // begins, waits for the lock, then (a statement of its own, so with
        // a snapshot taken under the lock) reads the newest event's hash,
        // which the first event recorded chains to.
        let begin = match write_lock {
            None => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY".to_string(),
            Some(key) => format!(
                "BEGIN ISOLATION LEVEL READ COMMITTED; \
                 SELECT pg_advisory_xact_lock(hashtext('{}')); \
                 SELECT hash AS newest_hash FROM events ORDER BY seq DESC LIMIT 1",
                key.replace('\'', "''")
            ),
        };
        let mut tx = PgTx {
            conn: None,
            spare: spare.clone(),
            writer: write_lock.is_some(),
            last_hash: None,
        };
        // The spare first: a dropped read still open on it is rolled back
        // in the same round trip. A spare the server has since closed is
        // dropped, and a pooled connection serves instead.
        let mut rows = None;
        if let Some((conn, open)) = spare.take() {
            tx.conn = Some(conn);
            let sql = if open {
                format!("ROLLBACK; {begin}")
            } else {
                begin.clone()
            };
            match sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .fetch_all(tx.conn()?)
                .await
            {
                Ok(r) => rows = Some(r),
                Err(_) => {
                    if let Some(conn) = tx.conn.take() {
                        conn.discard();
                    }
                }
            }
        }
        let rows = match rows {
            Some(rows) => rows,
            None => {
                tx.conn = Some(Conn::Pooled(pool.acquire().await?));
                sqlx::raw_sql(sqlx::AssertSqlSafe(begin))
                    .fetch_all(tx.conn()?)
                    .await?
            }
        };
        if tx.writer {
            let mut newest = None;
            for row in &rows {
                if row.try_column("newest_hash").is_ok() {
                    newest = row.try_get::<Option<String>, _>("newest_hash")?;
                }
            }
            tx.last_hash = Some(newest);
        }
        Ok(tx)
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
                // Never reused inside a transaction: when the rollback fails
                // (or never runs) the connection is closed.
                let spare = self.spare.clone();
                rt.spawn(async move {
                    if sqlx::query("ROLLBACK").execute(&mut *conn).await.is_ok() {
                        spare.put(conn, false);
                    } else {
                        conn.discard();
                    }
                });
            }
            _ if !self.writer => self.spare.put(conn, true),
            _ => conn.discard(),
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
        // transaction on the server; the connection is reused.
        let done = sqlx::query("COMMIT").execute(&mut *conn).await;
        self.spare.put(conn, false);
        done?;
        Ok(())
    }
}
