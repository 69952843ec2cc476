//! One behaviour suite, two stores. Every test that touches the store asks
//! this crate for one: an SQLite file in the test's temporary directory by
//! default, or, when `LAZYPM_TEST_DATABASE` holds a `postgres://` URL, a
//! schema of its own on that server (made by the store when it opens,
//! dropped when the test ends).

#![allow(clippy::expect_used)]

use std::ops::Deref;
use std::path::Path;

use tempfile::TempDir;

/// The environment variable naming the server for the PostgreSQL run.
pub const ENV: &str = "LAZYPM_TEST_DATABASE";

/// `sqlite` or `postgres`: the backend this run's stores use.
pub fn backend() -> &'static str {
    if server().is_some() {
        "postgres"
    } else {
        "sqlite"
    }
}

fn server() -> Option<String> {
    std::env::var(ENV)
        .ok()
        .filter(|v| v.starts_with("postgres://") || v.starts_with("postgresql://"))
}

/// A store's URL, and on PostgreSQL the schema it owns.
#[derive(Debug)]
pub struct TestStore {
    pub url: String,
    schema: Option<(String, String)>,
}

impl TestStore {
    /// A new, empty store: `DIR/lazypm.db`, or a fresh schema on the server.
    pub fn new(dir: &Path) -> TestStore {
        match server() {
            None => TestStore {
                url: format!("sqlite://{}", dir.join("lazypm.db").display()),
                schema: None,
            },
            Some(base) => {
                let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
                let sep = if base.contains('?') { '&' } else { '?' };
                TestStore {
                    url: format!("{base}{sep}schema={schema}"),
                    schema: Some((base, schema)),
                }
            }
        }
    }

    /// A new store for the `lazypm` processes whose data directory is
    /// `data`: its `lazypm.db` on SQLite; on PostgreSQL a fresh schema,
    /// named in the data directory's `database-url` file, where every
    /// command finds it.
    pub fn for_data_dir(data: &Path) -> TestStore {
        let store = TestStore::new(data);
        if store.is_postgres() {
            std::fs::create_dir_all(data).expect("the data directory can be made");
            std::fs::write(data.join("database-url"), format!("{}\n", store.url))
                .expect("the database-url file can be written");
        }
        store
    }

    /// What a `lazypm` process must be given as `LAZYPM_DATABASE_URL` to
    /// use this store: `None` on SQLite, where the data directory's
    /// `lazypm.db` (the default) is the store when `new` was given that directory.
    pub fn database_url(&self) -> Option<&str> {
        self.schema.as_ref().map(|_| self.url.as_str())
    }

    /// Points a `lazypm` command at this store (see [`Self::database_url`]).
    pub fn apply(&self, cmd: &mut std::process::Command) {
        match self.database_url() {
            Some(url) => cmd.env("LAZYPM_DATABASE_URL", url),
            None => cmd.env_remove("LAZYPM_DATABASE_URL"),
        };
    }

    /// Whether this store is on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.schema.is_some()
    }

    /// Runs one statement straight on the store, bypassing lazypm (tests
    /// use it to write history back in time): `sqlite` with `?` parameters
    /// on SQLite, `postgres` with `$n` on PostgreSQL. Returns the rows changed.
    pub async fn execute(&self, sqlite: &str, postgres: &str, params: &[&str]) -> u64 {
        use sqlx::Connection as _;
        match &self.schema {
            None => {
                let path = self.url.trim_start_matches("sqlite://");
                let conn = rusqlite::Connection::open(path).expect("the test's SQLite file opens");
                conn.busy_timeout(std::time::Duration::from_secs(30))
                    .expect("the busy timeout can be set");
                let done = conn
                    .execute(sqlite, rusqlite::params_from_iter(params.iter()))
                    .expect("the statement runs");
                done as u64
            }
            Some((base, schema)) => {
                let options: sqlx::postgres::PgConnectOptions = base
                    .parse()
                    .expect("LAZYPM_TEST_DATABASE is a PostgreSQL URL");
                let mut conn = sqlx::PgConnection::connect_with(
                    &options.options([("search_path", schema.as_str())]),
                )
                .await
                .expect("the test's PostgreSQL schema opens");
                let mut q = sqlx::query(sqlx::AssertSqlSafe(postgres.to_string()));
                for p in params {
                    q = q.bind(*p);
                }
                let done = q.execute(&mut conn).await.expect("the statement runs");
                let _ = conn.close().await;
                done.rows_affected()
            }
        }
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        let Some((base, schema)) = self.schema.take() else {
            return;
        };
        // Drop may run inside a test's runtime: use a thread with its own.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                use sqlx::Connection as _;
                if let Ok(mut conn) = sqlx::PgConnection::connect(&base).await {
                    // The test's own sessions may still be inside a
                    // transaction (a server task stopped mid-request when the
                    // test ended), holding locks the drop would wait for:
                    // end them first (lazypm names its sessions after the
                    // schema), and never wait long.
                    let _ = sqlx::query(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                         WHERE application_name = $1 AND pid <> pg_backend_pid()",
                    )
                    .bind(format!("lazypm {schema}"))
                    .execute(&mut conn)
                    .await;
                    let _ = sqlx::query("SET lock_timeout = '10s'")
                        .execute(&mut conn)
                        .await;
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP SCHEMA IF EXISTS {schema} CASCADE"
                    )))
                    .execute(&mut conn)
                    .await;
                    let _ = conn.close().await;
                }
            });
        })
        .join();
    }
}

/// A temporary directory (for `events.jsonl`, project folders, git
/// repositories) with a store beside it. Derefs to the directory.
#[derive(Debug)]
pub struct TestDir {
    // Declared first so the schema is dropped before the directory.
    pub store: TestStore,
    pub dir: TempDir,
}

impl TestDir {
    pub fn new() -> TestDir {
        let dir = tempfile::tempdir().expect("a temporary directory");
        TestDir {
            store: TestStore::new(dir.path()),
            dir,
        }
    }

    /// The store's URL.
    pub fn url(&self) -> &str {
        &self.store.url
    }
}

impl Default for TestDir {
    fn default() -> Self {
        Self::new()
    }
}

impl Deref for TestDir {
    type Target = TempDir;
    fn deref(&self) -> &TempDir {
        &self.dir
    }
}

/// A plain audit event numbered `n` (id `e-n`), for tests that write events
/// straight through a store.
pub fn event(n: usize) -> lazypm_domain::Event {
    lazypm_domain::Event {
        id: format!("e-{n}"),
        at: chrono::Utc::now(),
        actor: "tester".into(),
        event_type: lazypm_domain::EventType::IssueUpdated,
        project: Some("PM".into()),
        entity: "PM-1".into(),
        changes: serde_json::json!({ "n": n }),
    }
}
