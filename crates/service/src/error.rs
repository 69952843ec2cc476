//! The service's errors: each says what was wrong and how to fix it.

use lazypm_domain::DomainError;
use lazypm_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The input was not acceptable; `field` names the offending field.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// Something named in the input does not exist; `message` says how to find it.
    #[error("{message}")]
    NotFound { message: String },
    /// The change lost against another (stale version, already taken).
    #[error("{message}")]
    Conflict { message: String },
    /// git (or the forge's CLI) refused or failed; `message` is a sentence
    /// saying what happened, with git's own words.
    #[error("{message}")]
    Git { message: String },
    /// The store failed; nothing was changed.
    #[error("{0}")]
    Store(StoreError),
    /// lazypm itself failed (a file it keeps, an output it could not write).
    #[error("{message}")]
    Internal { message: String },
}

impl ServiceError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ServiceError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ServiceError::NotFound {
            message: message.into(),
        }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        ServiceError::Conflict {
            message: message.into(),
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        ServiceError::Internal {
            message: message.into(),
        }
    }

    /// A stable code for machines: `invalid_input`, `not_found`, `conflict`,
    /// `git`, `read_only`, `internal`.
    pub fn code(&self) -> &'static str {
        match self {
            ServiceError::Invalid { .. } => "invalid_input",
            ServiceError::NotFound { .. } => "not_found",
            ServiceError::Conflict { .. } => "conflict",
            ServiceError::Git { .. } => "git",
            ServiceError::Store(StoreError::Conflict(_)) => "conflict",
            ServiceError::Store(StoreError::Duplicate(_)) => "conflict",
            ServiceError::Store(StoreError::ReadOnly(_)) => "read_only",
            ServiceError::Store(StoreError::Retry(_)) => "conflict",
            ServiceError::Store(_) | ServiceError::Internal { .. } => "internal",
        }
    }

    /// The input field at fault, when there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            ServiceError::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl From<DomainError> for ServiceError {
    fn from(e: DomainError) -> Self {
        ServiceError::Invalid {
            field: e.field,
            message: e.message,
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(message) => ServiceError::Conflict { message },
            other => ServiceError::Store(other),
        }
    }
}

impl From<std::io::Error> for ServiceError {
    fn from(e: std::io::Error) -> Self {
        ServiceError::internal(format!("events.jsonl: {e}"))
    }
}

impl From<lazypm_git::GitError> for ServiceError {
    fn from(e: lazypm_git::GitError) -> Self {
        use lazypm_git::GitError;
        match e {
            GitError::DirtyTree { .. } => ServiceError::Conflict {
                message: format!(
                    "{e}: pass uncommitted: \"carry\" to take them along or \"stash\" to stash them"
                ),
            },
            GitError::BranchExists { .. } => ServiceError::Conflict {
                message: e.to_string(),
            },
            other => ServiceError::Git {
                message: other.to_string(),
            },
        }
    }
}
