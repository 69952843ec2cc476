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
mod projects;
mod rows;
mod search;
mod sprints;
mod stats;
mod tables;
mod tasks;
mod tx;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::Connection as _;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};

use lazypm_store::{Result, ServerTarget, Store, StoreError, Tx};
pub use tx::PgTx;

/// How long an operation waits for a pooled connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// How long opening waits for the server's first answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// The most connections one store keeps open.
const MAX_CONNECTIONS: u32 = 16;

/// The advisory lock that runs one store's migrations at a time (per schema).
const MIGRATION_LOCK: &str = "lazypm migrations";

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

/// What a `postgres://` URL names: the connection options for sqlx and
/// lazypm's own `schema` parameter.
struct Target {
    options: PgConnectOptions,
    schema: Option<String>,
    /// `postgres://USER@HOST:PORT/DB`, for messages (never the password).
    server: String,
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
        let prepared = prepare(&mut conn, target.schema.as_deref()).await;
        let schema: std::result::Result<String, String> = match prepared {
            Ok(()) => sqlx::query_scalar("SELECT current_schema()")
                .fetch_one(&mut conn)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        let schema = match schema {
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

/// The `application_name` of every session of a store: `lazypm SCHEMA`
/// (`lazypm` alone without a `schema` parameter).
pub fn application_name(schema: Option<&str>) -> String {
    match schema {
        Some(s) => format!("lazypm {s}"),
        None => "lazypm".into(),
    }
}

/// Splits lazypm's `schema` parameter off the URL and hands the rest to sqlx.
fn parse_url(url: &str) -> Result<Target> {
    let bad = |why: &str| {
        StoreError::BadUrl(format!(
            "database URL '{}': {why}; accepted: postgres://USER@HOST:PORT/DB[?schema=NAME]",
            redact(url)
        ))
    };
    let url = url.trim();
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let mut schema = None;
    let mut rest = Vec::new();
    for pair in query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter(|p| !p.is_empty())
    {
        match pair.split_once('=') {
            Some(("schema", name)) => {
                let valid = !name.is_empty()
                    && name.len() <= 63
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !valid {
                    return Err(bad(
                        "the schema name must be 1 to 63 letters, digits or underscores",
                    ));
                }
                schema = Some(name.to_string());
            }
            _ => rest.push(pair),
        }
    }
    let sqlx_url = if rest.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    let options = PgConnectOptions::from_str(&sqlx_url).map_err(|e| bad(&e.to_string()))?;
    let server = format!(
        "postgres://{}@{}:{}/{}",
        options.get_username(),
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("")
    );
    Ok(Target {
        options,
        schema,
        server,
    })
}

/// Splits a `postgres://` URL for the server's tools (see [`ServerTarget`];
/// the schema is left empty).
pub fn tool_connection(url: &str) -> Result<ServerTarget> {
    parse_url(url)?;
    let url = url.trim();
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let rest: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("schema="))
        .collect();
    let (scheme, after) = base.split_once("://").unwrap_or(("postgres", base));
    let end = after.find('/').unwrap_or(after.len());
    let (authority, path) = after.split_at(end);
    let (authority, password) = match authority.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((name, password)) => (format!("{name}@{host}"), Some(password.to_string())),
            None => (authority.to_string(), None),
        },
        None => (authority.to_string(), None),
    };
    let mut uri = format!("{scheme}://{authority}{path}");
    if !rest.is_empty() {
        uri.push('?');
        uri.push_str(&rest.join("&"));
    }
    let password = password.map(|p| percent_decode(&p));
    Ok(ServerTarget {
        uri,
        password,
        schema: String::new(),
    })
}

/// `%XX` escapes decoded (a password in a URL may carry them; libpq's
/// `PGPASSWORD` takes it as it is).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The URL with any password replaced, for messages.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    match authority.rsplit_once('@') {
        Some((user, host)) if user.contains(':') => {
            let name = user.split_once(':').map_or(user, |(u, _)| u);
            format!("{scheme}://{name}:***@{host}{tail}")
        }
        _ => url.to_string(),
    }
}

/// An SQL identifier in double quotes (the name is letters, digits and
/// underscores, checked by `parse_url`).
fn quoted(name: &str) -> String {
    format!("\"{name}\"")
}

/// Creates the schema when missing and migrates it, one opener at a time.
async fn prepare(conn: &mut PgConnection, schema: Option<&str>) -> std::result::Result<(), String> {
    let key = format!("{MIGRATION_LOCK} {}", schema.unwrap_or(""));
    sqlx::query("SELECT pg_advisory_lock(hashtext($1))")
        .bind(&key)
        .execute(&mut *conn)
        .await
        .map_err(|e| e.to_string())?;
    let result = migrate(conn, schema).await;
    // Closing the connection (the caller's next step) frees the lock too.
    sqlx::query("SELECT pg_advisory_unlock(hashtext($1))")
        .bind(&key)
        .execute(&mut *conn)
        .await
        .ok();
    result
}

async fn migrate(conn: &mut PgConnection, schema: Option<&str>) -> std::result::Result<(), String> {
    if let Some(schema) = schema {
        let name = quoted(schema);
        // Asked first, so a role that may use the schema but not create
        // schemas in the database can open an existing one.
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)",
        )
        .bind(schema)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| e.to_string())?;
        if !exists {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "CREATE SCHEMA IF NOT EXISTS {name}"
            )))
            .execute(&mut *conn)
            .await
            .map_err(|e| format!("cannot create schema {schema}: {e}"))?;
        }
        sqlx::query(sqlx::AssertSqlSafe(format!("SET search_path TO {name}")))
            .execute(&mut *conn)
            .await
            .map_err(|e| e.to_string())?;
    }
    let mut migrator = sqlx::migrate!("./migrations");
    // The lock taken above is per schema; sqlx's own is per database and
    // would make every schema's opening wait for every other's.
    migrator.set_locking(false);
    migrator
        .run_direct(None, conn, false)
        .await
        .map_err(|e| e.to_string())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_schema_off_the_url() {
        let t = parse_url("postgres://me:secret@db.example:5433/pm?schema=t_1&sslmode=disable")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.schema.as_deref(), Some("t_1"));
        assert_eq!(t.server, "postgres://me@db.example:5433/pm");
        let t = parse_url("postgres://me@h/pm").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.schema, None);
        for bad in [
            "postgres://me@h/pm?schema=a;b",
            "postgres://me@h/pm?schema=",
        ] {
            match parse_url(bad) {
                Err(StoreError::BadUrl(m)) => assert!(m.contains("schema name"), "{m}"),
                _ => panic!("{bad} was accepted"),
            }
        }
        match parse_url("postgres://me:secret@h/pm?schema=x-y") {
            Err(e) => assert!(!e.to_string().contains("secret"), "{e}"),
            Ok(_) => panic!("accepted"),
        }
    }

    #[test]
    fn tools_get_the_url_without_schema_or_password() {
        let c = tool_connection("postgres://me:p%40ss@db:5433/pm?schema=t_1&sslmode=disable")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.uri, "postgres://me@db:5433/pm?sslmode=disable");
        assert_eq!(c.password.as_deref(), Some("p@ss"));
        let c = tool_connection("postgres://me@db/pm?schema=t_1").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.uri, "postgres://me@db/pm");
        assert_eq!(c.password, None);
        assert!(tool_connection("postgres://me@db/pm?schema=a;b").is_err());
    }
}
