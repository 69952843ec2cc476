//! Opening a schema: created when missing, migrated one opener at a time.

use std::path::PathBuf;
use std::sync::OnceLock;

use lazypm_store::ServerTarget;
use sqlx::migrate::Migrator;
use sqlx::postgres::PgConnection;

use crate::url::quoted;

/// Where a store about to be upgraded is first archived with `pg_dump`:
/// the data directory's `backup/` folder, set once by the binary. Unset
/// (a library user, a test), no archive is taken.
static UPGRADE_BACKUPS: OnceLock<PathBuf> = OnceLock::new();

/// Makes every store this process opens that needs a schema upgrade leave
/// the server's archive of itself in `folder` first
/// (`lazypm-vN-STAMP-PID.dump`, N the version it had), as an SQLite store
/// leaves a copy of its file.
pub fn back_up_upgrades_into(folder: PathBuf) {
    let _ = UPGRADE_BACKUPS.set(folder);
}

/// The advisory lock that runs one store's migrations at a time (per schema).
const MIGRATION_LOCK: &str = "lazypm migrations";

/// Creates the schema when missing and migrates it, one opener at a time.
/// Returns the schema the store lives in (`current_schema()`).
pub(crate) async fn prepare(
    conn: &mut PgConnection,
    schema: Option<&str>,
    tools: &ServerTarget,
) -> std::result::Result<String, String> {
    let key = format!("{MIGRATION_LOCK} {}", schema.unwrap_or(""));
    sqlx::query("SELECT pg_advisory_lock(hashtext($1))")
        .bind(&key)
        .execute(&mut *conn)
        .await
        .map_err(|e| e.to_string())?;
    let result = migrate(conn, schema, tools).await;
    // Closing the connection (the caller's next step) frees the lock too.
    sqlx::query("SELECT pg_advisory_unlock(hashtext($1))")
        .bind(&key)
        .execute(&mut *conn)
        .await
        .ok();
    result
}

async fn migrate(
    conn: &mut PgConnection,
    schema: Option<&str>,
    tools: &ServerTarget,
) -> std::result::Result<String, String> {
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
    let (current, migrated): (String, bool) =
        sqlx::query_as("SELECT current_schema(), to_regclass('_sqlx_migrations') IS NOT NULL")
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| e.to_string())?;
    if migrated && let Some(folder) = UPGRADE_BACKUPS.get() {
        let target = ServerTarget {
            schema: current.clone(),
            ..tools.clone()
        };
        back_up_before_upgrade(conn, &migrator, folder, &target).await;
    }
    migrator
        .run_direct(None, conn, false)
        .await
        .map_err(|e| e.to_string())?;
    Ok(current)
}

/// Archives a store that is about to be upgraded (it has migrations, and
/// not all of this build's), with `pg_dump`, so an upgrade that goes wrong,
/// or a newer build given up, leaves the store as it was to go back to
/// (`lazypm restore FILE.dump`). Without `pg_dump`, or when it fails, the
/// upgrade goes on and says so: teams' machines often lack the server's
/// client tools, and the server keeps its own backups.
async fn back_up_before_upgrade(
    conn: &mut PgConnection,
    migrator: &Migrator,
    folder: &std::path::Path,
    target: &ServerTarget,
) {
    let Some(latest) = migrator.iter().map(|m| m.version).max() else {
        return;
    };
    let had: Result<Option<i64>, sqlx::Error> =
        sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(&mut *conn)
            .await;
    let version = match had {
        Ok(Some(v)) if v < latest => v,
        Ok(_) => return,
        Err(e) => {
            tracing::warn!("cannot tell whether the store needs an upgrade: {e}");
            return;
        }
    };
    if let Some(why) = target.unarchivable() {
        tracing::warn!("the store is upgraded from version {version} without an archive: {why}");
        return;
    }
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S-%3f");
    let file = folder.join(format!(
        "lazypm-v{version}-{stamp}-{}.dump",
        std::process::id()
    ));
    let dumped = async {
        std::fs::create_dir_all(folder).map_err(|e| e.to_string())?;
        let mut cmd =
            tokio::process::Command::from(target.dump(std::path::Path::new("pg_dump"), &file));
        let out = cmd
            .kill_on_drop(true)
            .output()
            .await
            .map_err(|e| format!("cannot run pg_dump: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
        }
    }
    .await;
    match dumped {
        Ok(()) => tracing::info!(
            backup = %file.display(),
            "the store was archived with pg_dump before its upgrade from version {version}"
        ),
        Err(e) => {
            let _ = std::fs::remove_file(&file);
            tracing::warn!(
                "the store is upgraded from version {version} without an archive of it: {e}"
            );
        }
    }
}
