//! The PostgreSQL backend: write transactions that run one at a time under
//! the store's write lock (see `PgTx::begin`), repeatable-read read-only
//! snapshots that run beside them, LISTEN/NOTIFY for live views, and
//! everything in the schema the URL names.

mod activity;
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
mod tx;
mod url;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::Connection as _;
use sqlx::postgres::{PgConnection, PgPool, PgPoolOptions};

use lazypm_store::{Result, ServerTarget, Store, StoreError, Tx};
pub use migrate::back_up_upgrades_into;
pub use tx::PgTx;
pub use url::{application_name, tool_connection};

use migrate::prepare;
use url::{parse_url, quoted};

/// How long an operation waits for a pooled connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// How long opening waits for the server's first answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// The most connections one store keeps open.
const MAX_CONNECTIONS: u32 = 16;

/// A PostgreSQL database (one schema of it).
pub struct PgStore {
    pool: PgPool,
    spare: Arc<tx::Spare>,
    /// The schema this store lives in (`current_schema()`): its events'
    /// notifications start with it.
    schema: String,
    /// How `pg_dump` and `pg_restore` reach the store.
    tools: ServerTarget,
    /// Woken on every change any process commits; the listener starts on
    /// the first [`Store::change_signal`].
    signal: std::sync::OnceLock<Option<Arc<tokio::sync::Notify>>>,
}

impl PgStore {
    /// Connects to the server `url` names (`postgres://USER@HOST:PORT/DB`,
    /// with an optional `?schema=NAME`), creates the schema when it is
    /// missing and migrates it.
    pub async fn open(url: &str) -> Result<Self> {
        let target = parse_url(url)?;
        let tools = tool_connection(url)?;
        let open_err = |message: String| StoreError::Open {
            path: target.server.clone(),
            message,
        };
        let mut options = target.options.clone();
        if let Some(schema) = &target.schema {
            options = options.options([("search_path", quoted(schema))]);
        }
        // So a DBA (or a test's teardown) can tell lazypm's sessions, and
        // which store they serve, in pg_stat_activity.
        options = options.application_name(&application_name(target.schema.as_deref()));
        // One connection first, so an unreachable server or a refused login
        // is reported at once (a pool would retry until its timeout).
        let mut conn = tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options))
            .await
            .map_err(|_| open_err(format!("no answer within {CONNECT_TIMEOUT:?}")))?
            .map_err(|e| open_err(e.to_string()))?;
        let schema = match prepare(&mut conn, target.schema.as_deref(), &tools).await {
            Ok(schema) => schema,
            Err(e) => {
                conn.close().await.ok();
                return Err(open_err(e));
            }
        };
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .min_connections(0)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_lazy_with(options);
        Ok(Self {
            pool,
            // The connection that opened the store serves its first
            // transactions: a one-shot command connects once.
            spare: tx::Spare::new(conn),
            tools: ServerTarget {
                schema: schema.clone(),
                ..tools
            },
            schema,
            signal: std::sync::OnceLock::new(),
        })
    }
}

#[async_trait]
impl Store for PgStore {
    async fn begin_write(&self) -> Result<Box<dyn Tx>> {
        let lock = format!("lazypm writer {}", self.schema);
        Ok(Box::new(
            PgTx::begin(&self.pool, &self.spare, Some(&lock)).await?,
        ))
    }

    async fn begin_read(&self) -> Result<Box<dyn Tx>> {
        Ok(Box::new(PgTx::begin(&self.pool, &self.spare, None).await?))
    }

    fn server_target(&self) -> Option<&ServerTarget> {
        Some(&self.tools)
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn is_read_only(&self) -> bool {
        false
    }

    async fn close(&self) {
        self.spare.close().await;
        self.pool.close().await;
    }

    async fn refresh_statistics(&self) -> Result<()> {
        // Outside any transaction (VACUUM refuses to run in one), on the
        // store's own tables only: the connection's search_path is its schema.
        let names: Vec<&str> = lazypm_store::tables::TABLES
            .iter()
            .map(|t| t.name)
            .collect();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "VACUUM (ANALYZE) {}",
            names.join(", ")
        )))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn other_sessions(&self) -> Result<Vec<String>> {
        let rows: Vec<(i32, String, String, i64)> = sqlx::query_as(
            "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.state, ''), \
                    coalesce(extract(epoch FROM now() - a.xact_start), 0)::bigint \
             FROM pg_catalog.pg_stat_activity a \
             WHERE a.pid <> pg_backend_pid() AND EXISTS ( \
                 SELECT 1 FROM pg_catalog.pg_locks l \
                 JOIN pg_catalog.pg_class c ON c.oid = l.relation \
                 WHERE l.pid = a.pid AND l.granted \
                   AND c.relnamespace = (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = $1)) \
             ORDER BY a.pid",
        )
        .bind(&self.schema)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(pid, app, state, secs)| {
                let app = if app.is_empty() {
                    "unnamed".into()
                } else {
                    app
                };
                format!("pid {pid} ({app}, {state} for {secs} s)")
            })
            .collect())
    }

    fn change_signal(&self) -> Option<Arc<tokio::sync::Notify>> {
        self.signal
            .get_or_init(|| {
                let rt = tokio::runtime::Handle::try_current().ok()?;
                let notify = Arc::new(tokio::sync::Notify::new());
                rt.spawn(listen(
                    self.pool.clone(),
                    format!("{} ", self.schema),
                    Arc::downgrade(&notify),
                ));
                Some(notify)
            })
            .clone()
    }
}

/// LISTENs for this schema's events and wakes `notify` on each, until the
/// store is gone. A lost connection is made again after a pause.
async fn listen(pool: PgPool, prefix: String, notify: std::sync::Weak<tokio::sync::Notify>) {
    loop {
        if notify.strong_count() == 0 || pool.is_closed() {
            return;
        }
        let mut listener = match sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for changes; retrying");
                tokio::time::sleep(Duration::from_secs(2)).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(events::CHANNEL).await {
            tracing::warn!(error = %e, "cannot listen for changes; retrying");
            tokio::time::sleep(Duration::from_secs(2)).await;
            continue;
        }
        loop {
            match listener.try_recv().await {
                Ok(Some(n)) => {
                    if !n.payload().starts_with(&prefix) {
                        continue;
                    }
                    match notify.upgrade() {
                        Some(wake) => wake.notify_waiters(),
                        None => return,
                    }
                }
                // The connection was lost: LISTEN again on a new one.
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "the change listener failed; listening again");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    break;
                }
            }
        }
    }
}

pub(crate) use lazypm_store::detail::parse_enum;
