//! lazypm's service layer: every operation once, as one async function with
//! one typed input and one typed output, named after its MCP tool. Each
//! write runs in one transaction that also records its audit event; after
//! commit the event is appended to `events.jsonl`.

mod audit;
mod audit_verify;
mod detect;
mod error;
mod fields;
pub mod import;
mod input;
pub mod ops;
mod registry;
mod stores;

use std::path::PathBuf;
use std::sync::Arc;

use lazypm_store::Store;

pub use audit::{EventSink, Held};
pub use audit_verify::{AuditProblem, AuditReport, verify_audit};
pub use error::ServiceError;
pub use input::parse_input;
pub use registry::{OPERATIONS, Operation, TOOL_ALIASES, Toolset, canonical_tool_name};
pub use stores::{back_up_upgrades_into, is_sqlite_file, open_store};

pub type Result<T> = std::result::Result<T, ServiceError>;

/// Who is acting and where: set by the front door (CLI flags, MCP session).
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Recorded on every change (`--actor`, `LAZYPM_ACTOR`).
    pub actor: String,
    /// The project to use when an input names none (`--project`, `LAZYPM_PROJECT`).
    pub project: Option<String>,
    /// The caller's working directory: a registered project containing it is the default.
    pub cwd: Option<PathBuf>,
    /// The git executable and its timeout.
    pub git: lazypm_git::GitProgram,
    /// The `gh` executable for pull requests (`gh` on `PATH` when unset).
    pub gh: Option<PathBuf>,
    /// A GitHub token (`GITHUB_TOKEN`): pull requests through the REST API when `gh` is not ready.
    pub github_token: Option<String>,
    /// The GitHub API's base URL (`LAZYPM_GITHUB_API`; GitHub Enterprise: `https://HOST/api/v3`).
    pub github_api: Option<String>,
    /// lazypm's own files (the data directory, the database file): git
    /// operations never stage, commit or stash them, wherever they lie.
    pub store_paths: Vec<PathBuf>,
}

/// The service: a store, an audit sink and the caller's context. Cheap to clone.
#[derive(Clone)]
pub struct Service {
    store: Arc<dyn Store>,
    sink: Arc<EventSink>,
    ctx: Context,
    /// Project key → identity, filled as projects are named (see `resolve_scope`).
    scopes: Arc<std::sync::RwLock<std::collections::HashMap<String, ops::Scope>>>,
}

impl Service {
    pub fn new(store: Arc<dyn Store>, sink: EventSink, ctx: Context) -> Self {
        Self {
            store,
            sink: Arc::new(sink),
            ctx,
            scopes: Arc::default(),
        }
    }

    /// The service over an opened store: first brings `events.jsonl` level
    /// with the events table (what a killed process left out is appended).
    pub async fn open(store: Arc<dyn Store>, sink: EventSink, ctx: Context) -> Result<Self> {
        let svc = Self::new(store, sink, ctx);
        let appended = svc.sink.repair(svc.store.as_ref()).await?;
        if appended > 0 {
            tracing::info!(appended, "events.jsonl repaired from the events table");
        }
        Ok(svc)
    }

    /// Closes the store (on SQLite, folding the WAL back into the database
    /// file). Call once, when the process is done with the service.
    pub async fn close(&self) {
        self.store.close().await;
    }

    /// The same service acting for another caller.
    pub fn with_context(&self, ctx: Context) -> Self {
        Self {
            store: self.store.clone(),
            sink: self.sink.clone(),
            ctx,
            scopes: self.scopes.clone(),
        }
    }

    pub fn context(&self) -> &Context {
        &self.ctx
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Audit events after sequence number `after`, oldest first, at most
    /// `limit` (1–1000), each with its sequence number: what a live view
    /// follows, whichever process made the change.
    pub async fn events_after(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(i64, lazypm_domain::Event)>> {
        let mut tx = self.store.begin_read().await?;
        Ok(tx.events_after(after.max(0), limit.clamp(1, 1000)).await?)
    }

    /// Completes at the next change this process commits, and, on a store
    /// that can tell (PostgreSQL), at the next change any process commits.
    /// Elsewhere other processes' changes are not signalled: follow
    /// [`Service::events_after`] for those (a live view waits on this or a
    /// short poll, whichever comes first).
    pub async fn changed(&self) {
        let here = self.sink.changed();
        match self.store.change_signal() {
            Some(anywhere) => {
                tokio::select! {
                    _ = here.notified() => {}
                    _ = anywhere.notified() => {}
                }
            }
            None => here.notified().await,
        }
    }

    /// The sequence number of the newest audit event (0 when there is none).
    pub async fn last_event_seq(&self) -> Result<i64> {
        let mut tx = self.store.begin_read().await?;
        Ok(tx.last_event_seq().await?)
    }

    /// Runs the operation named `tool` with JSON arguments and returns its
    /// JSON output. When the database asks for a retry (PostgreSQL's
    /// serialization failure or deadlock: nothing was written), the whole
    /// operation runs again, up to [`RETRIES`] more times with a short,
    /// growing, jittered pause.
    pub async fn call(&self, tool: &str, args: serde_json::Value) -> Result<serde_json::Value> {
        retrying(|| registry::dispatch(self, tool, args.clone())).await
    }
}

/// Runs `op` again while the database asks for a retry (PostgreSQL's
/// serialization failure or deadlock: nothing was written), up to
/// [`RETRIES`] more times with a short, growing, jittered pause. For callers
/// of the typed operations; [`Service::call`] does this itself.
pub async fn retrying<T, F, Fut>(mut op: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut attempt = 0;
    loop {
        match op().await {
            Err(ServiceError::Store(lazypm_store::StoreError::Retry(why))) if attempt < RETRIES => {
                attempt += 1;
                tracing::debug!(attempt, %why, "retrying after a serialization failure");
                tokio::time::sleep(retry_pause(attempt)).await;
            }
            other => return other,
        }
    }
}

/// How many times [`Service::call`] runs an operation again when the
/// database asks for a retry.
pub const RETRIES: u32 = 12;

/// The pause before retry `attempt` (1-based): up to 2^attempt ms, capped at
/// 100 ms, with jitter so contending writers spread out.
fn retry_pause(attempt: u32) -> std::time::Duration {
    let ceiling = (1u64 << attempt.min(7)).min(100);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::from(d.subsec_nanos()))
        .unwrap_or_default();
    std::time::Duration::from_micros(500 + nanos % (ceiling * 1000))
}
