//! Which backend a database URL names: the one place that knows every
//! backend crate.

use std::sync::Arc;

use lazypm_store::{Location, Store, StoreError};

/// Whether a file is an SQLite database (by its header), before opening it.
pub use lazypm_store_sqlite::has_sqlite_header as is_sqlite_file;

/// Where a PostgreSQL store about to be upgraded leaves its `pg_dump`
/// archive first (an SQLite store backs itself up beside its file).
pub use lazypm_store_postgres::back_up_upgrades_into;

/// Opens the store named by `url` (`sqlite://path`, `sqlite:path`, a plain
/// path, or `postgres://USER@HOST:PORT/DB[?schema=NAME]`), creating and
/// migrating it as needed. Anything else is refused, naming the accepted forms.
pub async fn open_store(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    match Location::parse(url)? {
        Location::Postgres(url) => Ok(Arc::new(lazypm_store_postgres::PgStore::open(&url).await?)),
        Location::Sqlite { path, read_only } => Ok(Arc::new(
            lazypm_store_sqlite::SqliteStore::open(&path, read_only).await?,
        )),
    }
}
