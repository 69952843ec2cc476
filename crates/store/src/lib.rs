//! lazypm's storage. The service layer talks only to the traits here; each
//! backend (SQLite now, PostgreSQL later) implements them with its own SQL
//! and its own `migrations/` folder. Nothing outside a backend writes SQL.

pub mod chain;
pub mod detail;
mod error;
mod location;
mod query;
pub mod tables;
pub mod vocab;

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lazypm_domain::analytics::burndown::SprintItem;
use lazypm_domain::analytics::workflow::HistoryFacts;
use lazypm_domain::analytics::{CompletedFacts, OpenFacts};
use lazypm_domain::intelligence::estimate::Candidate as EstimateCandidate;
use lazypm_domain::{
    Comment, DependencyKind, Event, Issue, LinkedIssue, Project, Sprint, Status, Task, WorkLog,
};

pub use error::StoreError;
pub use location::Location;
pub use query::{
    Candidate, CandidateQuery, CompletionBucket, Counts, CumulativeFlow, Cursor, CursorValue,
    DailyFlow, IssueDetail, IssueQuery, OwnerLoad, SearchHit, SearchQuery, SprintSummary,
    search_words,
};

pub type Result<T> = std::result::Result<T, StoreError>;

/// A store: hands out transactions.
///
/// # What a write transaction guarantees, on every backend
///
/// A write transaction is **serializable**: whatever it reads and then
/// writes, the result is as if it had run alone, so a rule checked by
/// reading (a blocks link that would close a cycle, the next task number,
/// a project's metadata) still holds when the write lands. Both backends
/// get there the same way: lazypm's writers take the store's write lock
/// first and run one at a time, each seeing everything committed before it
/// (SQLite: a lock file, then `BEGIN IMMEDIATE`; PostgreSQL: a
/// transaction-scoped advisory lock per schema, at `READ COMMITTED`).
/// Readers never wait for writers. Should the database still refuse a
/// transaction for a conflict (a serialization failure or deadlock, say
/// with another program writing the same tables), it fails with
/// [`StoreError::Retry`], nothing of it is kept, and callers run the whole
/// operation again (the service does, a bounded number of times). Rules
/// that are uniqueness rules are also
/// unique constraints (keys, a project's path, a link), which fail with
/// [`StoreError::Duplicate`]. Audit events commit in sequence order, so a
/// reader paging with [`Events::events_after`] never skips one.
#[async_trait]
pub trait Store: Send + Sync {
    /// A transaction that will write (see the guarantees above). On SQLite
    /// it waits for the write lock rather than failing later.
    async fn begin_write(&self) -> Result<Box<dyn Tx>>;
    /// A transaction that only reads, seeing one consistent snapshot.
    async fn begin_read(&self) -> Result<Box<dyn Tx>>;
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// Whether every write is refused (a file that cannot be written, or `mode=ro`).
    fn is_read_only(&self) -> bool;
    /// Closes every connection; on SQLite the last one out folds the WAL
    /// back into the database file. Call once, on the way out.
    async fn close(&self);
    /// Woken whenever any process commits a change to this store, where the
    /// backend can tell (PostgreSQL's LISTEN/NOTIFY); `None` where it cannot,
    /// and live views poll. The first call starts the listening.
    fn change_signal(&self) -> Option<std::sync::Arc<tokio::sync::Notify>> {
        None
    }
    /// Brings the query planner's view of the tables up to date after many
    /// rows were written at once (a migration, an import, a bench's seed),
    /// so the next queries are planned for the data as it now is. On
    /// PostgreSQL, `VACUUM (ANALYZE)` of the store's tables (until autovacuum
    /// got round to them, a search right after a bulk load scanned every
    /// issue instead of the text index); nothing on SQLite, whose plans do
    /// not depend on gathered statistics.
    async fn refresh_statistics(&self) -> Result<()> {
        Ok(())
    }
    /// Writes a consistent copy of the whole store into a new SQLite file at
    /// `path` while others go on writing, and says whether it could: SQLite
    /// copies itself (`VACUUM INTO`, from one read snapshot); other backends
    /// answer `false`, and the caller copies them table by table.
    async fn backup_into(&self, _path: &std::path::Path) -> Result<bool> {
        Ok(false)
    }
    /// What the backend's own consistency check finds wrong (empty when
    /// nothing): on SQLite `PRAGMA integrity_check` and the foreign keys;
    /// a database server keeps its own, so elsewhere nothing.
    async fn integrity_check(&self) -> Result<Vec<String>> {
        Ok(Vec::new())
    }
    /// Where the server's own command-line tools (`pg_dump`, `pg_restore`)
    /// find a store kept on a database server; `None` for a store that is a
    /// file.
    fn server_target(&self) -> Option<&ServerTarget> {
        None
    }
    /// The other sessions on the store's server that hold a lock on one of
    /// its tables (a transaction left open), a line each; empty for a store
    /// that is a file. A restore that drops the tables would wait for them.
    async fn other_sessions(&self) -> Result<Vec<String>> {
        Ok(Vec::new())
    }
}

/// A store on a database server, as the server's own command-line tools
/// (all on libpq) reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerTarget {
    /// A libpq connection URI without lazypm's `schema` parameter and
    /// without the password, so it can go on a command line.
    pub uri: String,
    /// The password, for the tool's `PGPASSWORD`.
    pub password: Option<String>,
    /// The schema that holds the whole store.
    pub schema: String,
}

impl ServerTarget {
    /// Why the server's own archive of this store is not taken, when it is
    /// not: a store in `public` shares it with whatever else the database
    /// holds, which `pg_dump --schema=public` would take and a restore of
    /// it roll back too.
    pub fn unarchivable(&self) -> Option<&'static str> {
        (self.schema == "public").then_some(
            "the store is in the database's shared public schema, whose other tables pg_dump \
             would take and a restore roll back too; a store with a schema of its own \
             (postgres://…?schema=NAME) gets the archive",
        )
    }

    /// `program`, one of the server's tools, set up to reach the store: the
    /// password in its environment (never on its command line), a connect
    /// timeout, no standard input.
    pub fn tool(&self, program: &std::path::Path) -> std::process::Command {
        let mut cmd = std::process::Command::new(program);
        cmd.env("PGCONNECT_TIMEOUT", "10")
            .stdin(std::process::Stdio::null());
        if let Some(password) = &self.password {
            cmd.env("PGPASSWORD", password);
        }
        cmd
    }

    /// `pg_dump` (at `program`) writing the archive of the store's schema,
    /// and nothing else of the database, into `file` in its custom format.
    pub fn dump(&self, program: &std::path::Path, file: &std::path::Path) -> std::process::Command {
        let mut cmd = self.tool(program);
        // Quoted, the name is matched exactly rather than as a pattern.
        cmd.arg("--format=custom")
            .arg(format!("--schema=\"{}\"", self.schema.replace('"', "\"\"")))
            .arg("--file")
            .arg(file)
            .arg("--dbname")
            .arg(&self.uri);
        cmd
    }
}

/// One open transaction, with every repository's operations. Dropping it
/// without `commit` rolls it back.
#[async_trait]
pub trait Tx:
    Projects
    + Issues
    + IssueStats
    + AnalyticsFacts
    + FlowFacts
    + Tasks
    + Activity
    + Links
    + Sprints
    + Events
    + tables::Tables
    + Send
{
    async fn commit(self: Box<Self>) -> Result<()>;
}

#[async_trait]
pub trait Projects {
    async fn insert_project(&mut self, p: &Project) -> Result<i64>;
    async fn project_by_key(&mut self, key: &str) -> Result<Option<Project>>;
    async fn list_projects(&mut self) -> Result<Vec<Project>>;
    /// Saves name, path and metadata.
    async fn update_project(&mut self, p: &Project) -> Result<()>;
    /// Takes the next issue number of a project; numbers are never handed out twice.
    async fn allocate_issue_number(&mut self, project_id: i64) -> Result<i64>;
    /// Makes sure numbers up to `number` are never allocated again (an
    /// imported `KEY-N` keeps its number; the next new issue comes after it).
    async fn reserve_issue_numbers(&mut self, project_id: i64, number: i64) -> Result<()>;
    /// Issue counts (open, total) per module; `None` for issues without one.
    async fn module_counts(&mut self, project_id: i64) -> Result<Vec<(Option<String>, i64, i64)>>;
    /// Moves every issue of `from` to module `to` (or none); returns the keys moved.
    async fn reassign_module(
        &mut self,
        project_id: i64,
        from: &str,
        to: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Vec<String>>;
}

#[async_trait]
pub trait Issues {
    async fn insert_issue(&mut self, issue: &Issue) -> Result<i64>;
    async fn issue_by_key(&mut self, key: &str) -> Result<Option<Issue>>;
    /// The issue with its tasks, work logs, comments and links, in one read.
    /// The issue whose git branch is `branch` in the project (most recently updated first).
    async fn issue_by_branch(&mut self, project_id: i64, branch: &str) -> Result<Option<Issue>>;
    async fn issue_detail(&mut self, key: &str) -> Result<Option<IssueDetail>>;
    /// Saves every field of `issue`, refusing with `Conflict` unless the stored
    /// version is still `expected_version`.
    async fn update_issue(&mut self, issue: &Issue, expected_version: i64) -> Result<()>;
    async fn delete_issue(&mut self, id: i64) -> Result<()>;
    /// One page of issues and, when more follow, the cursor of the next page.
    async fn list_issues(&mut self, q: &IssueQuery) -> Result<(Vec<Issue>, Option<Cursor>)>;
    /// Ranked full-text search; any user text is a safe query.
    async fn search_issues(&mut self, q: &SearchQuery) -> Result<Vec<SearchHit>>;
    /// Open issues with how many they unblock and how many block them. The
    /// issues come back lean: their rich content (specification … analytics) is empty.
    async fn candidates(&mut self, q: &CandidateQuery) -> Result<Vec<Candidate>>;
    /// Issues that block `issue_id` and are not yet done or canceled.
    async fn open_blockers(&mut self, issue_id: i64) -> Result<Vec<LinkedIssue>>;
}

/// Aggregates over a project's issues.
#[async_trait]
pub trait IssueStats {
    /// Live issues per status, and in-progress issues per owner (`None` for
    /// unowned), of one owner's issues or everyone's.
    async fn board_counts(
        &mut self,
        project_id: i64,
        owner: Option<&str>,
    ) -> Result<(BTreeMap<String, i64>, BTreeMap<Option<String>, i64>)>;
    async fn counts(&mut self, project_id: i64) -> Result<Counts>;
    /// A project's issues that reached `done` at or after `since` (archived
    /// ones too), oldest completion first, as lean rows (rich content empty).
    async fn completed_since(
        &mut self,
        project_id: i64,
        since: DateTime<Utc>,
    ) -> Result<Vec<Issue>>;
    /// A project's done issues (archived ones too) counted per bucket of
    /// completion time: bucket `k` holds those completed in `[starts[k],
    /// starts[k + 1])`, the last one everything from its start on. Empty
    /// buckets are left out; stored cycle times are summed. From one index.
    async fn completions_by_bucket(
        &mut self,
        project_id: i64,
        starts: &[DateTime<Utc>],
    ) -> Result<Vec<CompletionBucket>>;
    /// Done issues completed at or after `since` that were started but have
    /// no stored cycle time (completed before it was kept), with their status
    /// history, so their cycle time can be worked out.
    async fn completed_without_cycle(
        &mut self,
        project_id: i64,
        since: DateTime<Utc>,
    ) -> Result<Vec<Issue>>;
    /// The `limit` most recent completions since `since`, newest first, lean.
    async fn latest_completed(
        &mut self,
        project_id: i64,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Issue>>;
    /// A project's live issues in `statuses`, counted per owner and status,
    /// with the newest update in each group.
    async fn owner_workload(
        &mut self,
        project_id: i64,
        statuses: &[Status],
    ) -> Result<Vec<OwnerLoad>>;
    /// One owner's (`None`: nobody's) live issues in `statuses`, most
    /// recently updated first, lean.
    async fn owner_latest(
        &mut self,
        project_id: i64,
        statuses: &[Status],
        owner: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Issue>>;
    /// Minutes logged on a project's issues at or after `since`.
    async fn minutes_logged_since(&mut self, project_id: i64, since: DateTime<Utc>) -> Result<i64>;
    /// How many issues of a project (archived ones too) were created at or after `since`.
    async fn created_since(&mut self, project_id: i64, since: DateTime<Utc>) -> Result<i64>;
    /// Existing keys of project `project_key` closest to issue number
    /// `number` (nearest first), for a key that was not found.
    async fn closest_issue_keys(
        &mut self,
        project_key: &str,
        number: i64,
        limit: i64,
    ) -> Result<Vec<String>>;
}

/// The narrow rows the analytics compute from.
#[async_trait]
pub trait AnalyticsFacts {
    /// What the analytics need of every open issue of a project (live ones).
    async fn open_facts(&mut self, project_id: i64) -> Result<Vec<OpenFacts>>;
    /// Open live issues that someone owns.
    async fn owned_open_facts(&mut self, project_id: i64) -> Result<Vec<OpenFacts>>;
    /// Open live issues nobody owns: how many, and their estimated hours
    /// not yet logged.
    async fn unowned_open_work(&mut self, project_id: i64) -> Result<(usize, f64)>;
    /// The open live issues a risk rule could fire on: blocked; in progress
    /// and untouched since `stale_before`; high or very high complexity
    /// without acceptance criteria or approach; P1 with no owner, created
    /// before `unowned_before`; and of
    /// those with time logged over `over_estimate` × the estimate, the
    /// `over_shown` furthest over. Also how many are over their estimate.
    async fn risk_facts(
        &mut self,
        project_id: i64,
        stale_before: DateTime<Utc>,
        unowned_before: DateTime<Utc>,
        over_estimate: f64,
        over_shown: usize,
    ) -> Result<(Vec<OpenFacts>, usize)>;
    /// What the analytics need of a project's issues completed at or after
    /// `since` (archived ones too), oldest completion first.
    async fn completed_facts(
        &mut self,
        project_id: i64,
        since: DateTime<Utc>,
    ) -> Result<Vec<CompletedFacts>>;
    /// Minutes logged on a project's issues at or after `since`, per author.
    async fn minutes_logged_by_author(
        &mut self,
        project_id: i64,
        since: DateTime<Utc>,
    ) -> Result<BTreeMap<String, i64>>;
    /// The status histories of a project's started issues (archived ones
    /// too) changed at or after `since`; an issue never started has no flow
    /// to measure.
    async fn histories_since(
        &mut self,
        project_id: i64,
        since: DateTime<Utc>,
    ) -> Result<Vec<HistoryFacts>>;
    /// The blocks links of a project whose both ends are open and live, as
    /// (blocker key, blocked key).
    async fn open_blocks_edges(&mut self, project_id: i64) -> Result<Vec<(String, String)>>;
}

/// Facts over time: sprint scope with its history, and issues arriving and
/// leaving per day.
#[async_trait]
pub trait FlowFacts {
    /// Every issue of the given sprints with when it joined, finished or was
    /// canceled, and its estimate changes, as (sprint id, item).
    async fn sprint_items(&mut self, sprint_ids: &[i64]) -> Result<Vec<(i64, SprintItem)>>;
    /// Per UTC day from `since`: issues done, and with `arrivals` also
    /// created and canceled (canceled issues dated by their last change);
    /// the open count now and the owners of the done.
    async fn daily_flow(
        &mut self,
        project_id: i64,
        since: DateTime<Utc>,
        arrivals: bool,
    ) -> Result<DailyFlow>;
    /// Created, started and done counts for a cumulative flow diagram.
    async fn cumulative_flow(
        &mut self,
        project_id: i64,
        since: DateTime<Utc>,
    ) -> Result<CumulativeFlow>;
    /// The `limit` most recently completed issues of a project (archived
    /// ones too) with time on record that share one of `words` (any word;
    /// all such issues when `words` is empty): what similar work took.
    async fn estimate_candidates(
        &mut self,
        project_id: i64,
        words: &[String],
        limit: i64,
    ) -> Result<Vec<EstimateCandidate>>;
}

#[async_trait]
pub trait Tasks {
    async fn insert_task(&mut self, task: &Task) -> Result<i64>;
    async fn next_task_number(&mut self, issue_id: i64) -> Result<i64>;
    async fn task_by_key(&mut self, key: &str) -> Result<Option<Task>>;
    async fn update_task(&mut self, task: &Task, expected_version: i64) -> Result<()>;
}

/// Work logs and comments.
#[async_trait]
pub trait Activity {
    async fn insert_work_log(
        &mut self,
        issue_id: i64,
        task_id: Option<i64>,
        log: &WorkLog,
    ) -> Result<i64>;
    /// Work logs of a project's issues since `since`, oldest first.
    async fn work_logs_since(
        &mut self,
        project_id: i64,
        since: DateTime<Utc>,
    ) -> Result<Vec<WorkLog>>;
    async fn insert_comment(&mut self, issue_id: i64, comment: &Comment) -> Result<i64>;
}

#[async_trait]
pub trait Links {
    /// Adds a link; false when it already existed.
    async fn insert_link(
        &mut self,
        from: i64,
        to: i64,
        kind: DependencyKind,
        at: DateTime<Utc>,
    ) -> Result<bool>;
    /// Removes a link; false when there was none.
    async fn delete_link(&mut self, from: i64, to: i64, kind: DependencyKind) -> Result<bool>;
    /// `blocks` edges leaving any of `from_ids`, as (from, to, to's key).
    async fn blocks_from(&mut self, from_ids: &[i64]) -> Result<Vec<(i64, i64, String)>>;
}

#[async_trait]
pub trait Sprints {
    async fn insert_sprint(&mut self, project_id: i64, sprint: &Sprint) -> Result<i64>;
    async fn sprint_by_name(&mut self, project_id: i64, name: &str) -> Result<Option<Sprint>>;
    /// Adds an issue to a sprint; false when it was already in it.
    async fn add_to_sprint(
        &mut self,
        sprint_id: i64,
        issue_id: i64,
        at: DateTime<Utc>,
    ) -> Result<bool>;
    async fn list_sprints(&mut self, project_id: i64) -> Result<Vec<SprintSummary>>;
}

#[async_trait]
pub trait Events {
    /// Records an event, chained to the one before it (see [`chain`]);
    /// returns its hash.
    async fn insert_event(&mut self, event: &Event, issue_key: Option<&str>) -> Result<String>;
    /// Events of an issue and its tasks, oldest first.
    async fn issue_events(&mut self, issue_key: &str, limit: i64) -> Result<Vec<Event>>;
    /// Events of an issue and its tasks after sequence number `after` (0: from
    /// the start), oldest first, each with its sequence number.
    async fn issue_events_after(
        &mut self,
        issue_key: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(i64, Event)>>;
    /// A project's events, newest first.
    async fn recent_events(
        &mut self,
        project: &str,
        since: Option<DateTime<Utc>>,
        limit: i64,
    ) -> Result<Vec<Event>>;
    /// Every event after sequence number `after`, in order, each with its
    /// sequence number (the order in which their transactions committed).
    async fn events_after(&mut self, after: i64, limit: i64) -> Result<Vec<(i64, Event)>>;
    /// Like [`Events::events_after`], with each event's chain hash.
    async fn chain_after(&mut self, after: i64, limit: i64) -> Result<Vec<chain::Chained>>;
    /// The highest sequence number recorded (0 when there is none).
    async fn last_event_seq(&mut self) -> Result<i64>;
    /// How many events follow sequence number `after`.
    async fn count_events_after(&mut self, after: i64) -> Result<i64>;
    /// A fact about the store itself (see the `meta` table).
    async fn meta(&mut self, key: &str) -> Result<Option<String>>;
    async fn set_meta(&mut self, key: &str, value: &str) -> Result<()>;
}
