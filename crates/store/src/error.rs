//! Storage failures, mapped at the backend's boundary so the service never
//! sees a driver error type.

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A write lost against a newer one (optimistic concurrency).
    #[error("{0}")]
    Conflict(String),
    /// Another transaction got in the way (PostgreSQL's serialization failure
    /// or deadlock): nothing was written, and running the whole operation
    /// again is safe. The service retries a bounded number of times.
    #[error("the database asked for the operation to be retried: {0}")]
    Retry(String),
    /// A uniqueness rule refused the write.
    #[error("{0} already exists")]
    Duplicate(String),
    /// The stored data could not be read back (a bug or a hand-edited database).
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// The request needs something this build does not provide.
    #[error("{0}")]
    Unsupported(String),
    /// The database URL names nothing lazypm can keep data in.
    #[error("{0}")]
    BadUrl(String),
    /// The store can be read but not changed.
    #[error("{0}")]
    ReadOnly(String),
    #[error("cannot open the database at {path}: {message}")]
    Open { path: String, message: String },
    #[error("database error: {0}")]
    Database(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            if db.is_unique_violation() {
                return StoreError::Duplicate(db.message().to_string());
            }
            // SQLSTATE 40001 serialization_failure, 40P01 deadlock_detected.
            if matches!(db.code().as_deref(), Some("40001" | "40P01")) {
                return StoreError::Retry(db.message().to_string());
            }
        }
        StoreError::Database(e.to_string())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}
