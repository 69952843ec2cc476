//! The schema's migrations, applied in order, each recorded once.
//!
//! The record is the `_sqlx_migrations` table earlier lazypm versions kept
//! through sqlx (same columns, same SHA-384 checksums), so their stores open
//! with nothing to redo, and a store upgraded here still reads as theirs.

use rusqlite::{Connection, OptionalExtension as _, TransactionBehavior};
use sha2::{Digest as _, Sha384};

use super::db::error;
use lazypm_store::Result;

struct Migration {
    version: i64,
    description: &'static str,
    sql: &'static str,
}

macro_rules! migration {
    ($version:literal, $description:literal, $file:literal) => {
        Migration {
            version: $version,
            description: $description,
            sql: include_str!(concat!("../migrations/", $file)),
        }
    };
}

const MIGRATIONS: &[Migration] = &[
    migration!(1, "init", "0001_init.sql"),
    migration!(2, "meta", "0002_meta.sql"),
    migration!(3, "counts index", "0003_counts_index.sql"),
    migration!(4, "cycle seconds", "0004_cycle_seconds.sql"),
    migration!(5, "dashboard aggregates", "0005_dashboard_aggregates.sql"),
    migration!(6, "work log project", "0006_work_log_project.sql"),
    migration!(7, "unique project path", "0007_unique_project_path.sql"),
    migration!(8, "event chain", "0008_event_chain.sql"),
];

/// The newest schema version this build knows.
pub(crate) fn newest() -> i64 {
    MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0)
}

/// The newest version applied to the database, `None` when it holds no
/// record of migrations at all.
pub(crate) fn applied(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    let exists: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = '_sqlx_migrations'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if exists.is_none() {
        return Ok(None);
    }
    conn.query_row("SELECT max(version) FROM _sqlx_migrations", [], |r| {
        r.get(0)
    })
}

/// Brings the schema up to date: one read when it already is; otherwise
/// every missing migration in one write transaction, so processes opening
/// a new file at once apply each migration exactly once between them.
pub(crate) fn run(conn: &mut Connection) -> Result<()> {
    run_these(conn, MIGRATIONS)
}

fn run_these(conn: &mut Connection, migrations: &[Migration]) -> Result<()> {
    let newest = migrations.iter().map(|m| m.version).max().unwrap_or(0);
    match applied(conn).map_err(error)? {
        Some(v) if v >= newest => return Ok(()),
        Some(v) => backup_before_upgrade(conn, v)?,
        None => {}
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(error)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
            version BIGINT PRIMARY KEY,
            description TEXT NOT NULL,
            installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
            success BOOLEAN NOT NULL,
            checksum BLOB NOT NULL,
            execution_time BIGINT NOT NULL
        )",
    )
    .map_err(error)?;
    let mut done = std::collections::HashMap::new();
    {
        let mut stmt = tx
            .prepare("SELECT version, checksum FROM _sqlx_migrations WHERE success")
            .map_err(error)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))
            .map_err(error)?;
        for row in rows {
            let (version, checksum) = row.map_err(error)?;
            done.insert(version, checksum);
        }
    }
    for m in migrations {
        let checksum = Sha384::digest(m.sql.as_bytes()).to_vec();
        match done.get(&m.version) {
            Some(applied) if *applied == checksum => continue,
            Some(_) => {
                return Err(lazypm_store::StoreError::Database(format!(
                    "migration {} ({}) was applied from different SQL than this lazypm's; \
                     the database was made by another build",
                    m.version, m.description
                )));
            }
            None => {}
        }
        let started = std::time::Instant::now();
        tx.execute_batch(m.sql).map_err(|e| {
            lazypm_store::StoreError::Database(format!(
                "migration {} ({}) failed: {e}",
                m.version, m.description
            ))
        })?;
        let nanos = i64::try_from(started.elapsed().as_nanos()).unwrap_or(i64::MAX);
        tx.execute(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (?, ?, 1, ?, ?)",
            rusqlite::params![m.version, m.description, checksum, nanos],
        )
        .map_err(error)?;
    }
    tx.commit().map_err(error)
}

/// Copies a database about to be upgraded into the `backup/` folder beside
/// it (`lazypm-v3-20261127-101500-123-PID.db`), so an upgrade that goes wrong, or a
/// newer build given up, leaves the store as it was to go back to.
fn backup_before_upgrade(conn: &Connection, version: i64) -> Result<()> {
    let Some(path) = conn.path().filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let Some(dir) = std::path::Path::new(path).parent() else {
        return Ok(());
    };
    let dir = dir.join("backup");
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S-%3f");
    // Two processes may open the file at once after an upgrade: each backs
    // it up under a name of its own (the later one finds nothing to apply).
    let target = dir.join(format!(
        "lazypm-v{version}-{stamp}-{}.db",
        std::process::id()
    ));
    let copied = std::fs::create_dir_all(&dir)
        .map_err(|e| e.to_string())
        .and_then(|()| target.to_str().ok_or("not a UTF-8 path".to_string()))
        .and_then(|t| {
            conn.execute("VACUUM INTO ?1", [t])
                .map_err(|e| e.to_string())
        });
    match copied {
        Ok(_) => {
            tracing::info!(backup = %target.display(), "database backed up before its upgrade");
            Ok(())
        }
        Err(e) => Err(lazypm_store::StoreError::Database(format!(
            "the database needs an upgrade, and its backup into {} failed first ({e}); \
             nothing was changed",
            target.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_listed_in_order_and_every_file_is_listed() {
        let versions: Vec<i64> = MIGRATIONS.iter().map(|m| m.version).collect();
        let mut sorted = versions.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(versions, sorted);
        let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
            .map(|d| d.count())
            .unwrap_or(0);
        assert_eq!(files, MIGRATIONS.len(), "a migration file is not listed");
    }

    #[test]
    fn a_second_run_applies_nothing_and_a_changed_migration_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        run(&mut conn).unwrap();
        assert_eq!(applied(&conn).unwrap(), Some(newest()));
        let count = |c: &Connection| -> i64 {
            c.query_row("SELECT count(*) FROM _sqlx_migrations", [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(count(&conn), MIGRATIONS.len() as i64);
        run(&mut conn).unwrap();
        assert_eq!(count(&conn), MIGRATIONS.len() as i64);
        conn.execute_batch(
            "UPDATE _sqlx_migrations SET checksum = x'00' WHERE version = 2; \
             DELETE FROM _sqlx_migrations WHERE version = 8",
        )
        .unwrap();
        let err = run(&mut conn).unwrap_err().to_string();
        assert!(err.contains("migration 2 (meta)"), "{err}");
    }

    #[test]
    fn an_upgrade_backs_the_database_up_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lazypm.db");
        let older = &MIGRATIONS[..MIGRATIONS.len() - 1];
        let old_version = older.iter().map(|m| m.version).max().unwrap();
        let mut conn = Connection::open(&path).unwrap();
        run_these(&mut conn, older).unwrap();
        assert!(
            !dir.path().join("backup").exists(),
            "a new database needs no backup"
        );
        run(&mut conn).unwrap();
        assert_eq!(applied(&conn).unwrap(), Some(newest()));
        let backups: Vec<_> = std::fs::read_dir(dir.path().join("backup"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(backups.len(), 1, "{backups:?}");
        let name = backups[0]
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string();
        assert!(
            name.starts_with(&format!("lazypm-v{old_version}-")),
            "{name}"
        );
        let copy = Connection::open(&backups[0]).unwrap();
        assert_eq!(
            applied(&copy).unwrap(),
            Some(old_version),
            "the backup holds the store as it was"
        );
    }
}
