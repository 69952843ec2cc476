//! Opening a schema: created when missing, migrated one opener at a time.

use sqlx::postgres::PgConnection;

use crate::url::quoted;

/// The advisory lock that runs one store's migrations at a time (per schema).
const MIGRATION_LOCK: &str = "lazypm migrations";

/// Creates the schema when missing and migrates it, one opener at a time.
pub(crate) async fn prepare(
    conn: &mut PgConnection,
    schema: Option<&str>,
) -> std::result::Result<(), String> {
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
