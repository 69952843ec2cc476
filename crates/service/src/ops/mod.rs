//! The operations, grouped by area. Each file defines its inputs and outputs
//! (serde + JSON Schema) and the `Service` methods that run them.

pub mod analytics;
pub mod execution;
pub mod git;
pub mod guides;
pub mod intelligence;
pub mod issues;
pub mod links;
pub mod planning;
pub mod projects;
pub mod queue;
pub mod reports;
pub mod review;
pub mod sprints;
pub mod tasks;
pub mod views;
pub mod work;

use lazypm_domain::{IssueKey, Project, ProjectKey};
use lazypm_store::{IssueDetail, Tx};

use crate::{Result, Service, ServiceError};

/// Largest page any list returns.
pub const MAX_LIMIT: u32 = 200;

/// A count between `lo` and `hi`, `default` when not given.
pub(crate) fn between(
    field: &str,
    given: Option<u32>,
    default: u32,
    lo: u32,
    hi: u32,
) -> Result<u32> {
    match given {
        None => Ok(default),
        Some(n) if (lo..=hi).contains(&n) => Ok(n),
        Some(n) => Err(ServiceError::invalid(
            field,
            format!("{n} is out of range: between {lo} and {hi}"),
        )),
    }
}

/// A count between 1 and `max`, `default` when not given.
pub(crate) fn in_range(field: &str, given: Option<u32>, default: u32, max: u32) -> Result<u32> {
    between(field, given, default, 1, max)
}

pub(crate) fn check_limit(limit: Option<u32>, default: u32) -> Result<i64> {
    match limit {
        None => Ok(default as i64),
        Some(0) => Err(ServiceError::invalid(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        )),
        Some(n) if n > MAX_LIMIT => Err(ServiceError::invalid(
            "limit",
            format!("{n} is too many: at most {MAX_LIMIT} per page; use cursor for more"),
        )),
        Some(n) => Ok(n as i64),
    }
}

/// Says that `key` names no issue, offering the existing keys closest to it.
async fn issue_not_found(tx: &mut dyn Tx, key: &IssueKey) -> ServiceError {
    let wanted = key.unpadded().unwrap_or_else(|| key.clone());
    let closest = match wanted.parts() {
        Some((project, number)) => tx
            .closest_issue_keys(project, number, 3)
            .await
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let hint = if closest.is_empty() {
        String::new()
    } else {
        format!(" (closest: {})", closest.join(", "))
    };
    ServiceError::not_found(format!(
        "issue '{key}' not found{hint}: find issues with pm_list_issues or pm_search_issues, or create one with pm_create_issue"
    ))
}

/// The issue a key names: the key as written (an imported key such as
/// `LAZY-202509-001` or `PROJ-003` is matched exactly first), else its
/// unpadded form (`PROJ-003` → `PROJ-3`).
pub(crate) async fn find_issue(
    tx: &mut dyn Tx,
    key: &IssueKey,
) -> Result<Option<lazypm_domain::Issue>> {
    if let Some(issue) = tx.issue_by_key(key.as_str()).await? {
        return Ok(Some(issue));
    }
    match key.unpadded() {
        Some(unpadded) => Ok(tx.issue_by_key(unpadded.as_str()).await?),
        None => Ok(None),
    }
}

/// Loads an issue by the key in `field`, or says how to find one.
pub(crate) async fn load_issue(
    tx: &mut dyn Tx,
    field: &str,
    key: &str,
) -> Result<lazypm_domain::Issue> {
    let key = IssueKey::parse(field, key)?;
    match find_issue(tx, &key).await? {
        Some(issue) => Ok(issue),
        None => Err(issue_not_found(tx, &key).await),
    }
}

pub(crate) async fn load_detail(tx: &mut dyn Tx, field: &str, key: &str) -> Result<IssueDetail> {
    let key = IssueKey::parse(field, key)?;
    if let Some(detail) = tx.issue_detail(key.as_str()).await? {
        return Ok(detail);
    }
    if let Some(unpadded) = key.unpadded()
        && let Some(detail) = tx.issue_detail(unpadded.as_str()).await?
    {
        return Ok(detail);
    }
    Err(issue_not_found(tx, &key).await)
}

/// Refuses a write based on a stale read.
pub(crate) fn check_version(key: &str, given: Option<i64>, current: i64) -> Result<()> {
    match given {
        Some(v) if v != current => Err(ServiceError::conflict(format!(
            "{key} is at version {current}, not {v}: someone changed it since you read it; read it again with pm_get_issue and retry"
        ))),
        _ => Ok(()),
    }
}

/// A project's identity: all that most operations need of it. Neither part
/// ever changes once a project exists, so it is safe to remember.
#[derive(Debug, Clone)]
pub struct Scope {
    pub id: i64,
    pub key: String,
}

impl Service {
    /// Like [`Service::resolve_project`] but returns only the project's identity,
    /// served from memory when the project is named by its key (one round trip
    /// fewer on every hot path).
    pub(crate) async fn resolve_scope(
        &self,
        tx: &mut dyn Tx,
        named: Option<&str>,
    ) -> Result<Scope> {
        let wanted = named.or(self.ctx.project.as_deref());
        let cache_key = wanted.map(|w| w.trim().to_ascii_uppercase());
        if let Some(k) = &cache_key
            && let Some(scope) = self.scopes.read().ok().and_then(|m| m.get(k).cloned())
        {
            return Ok(scope);
        }
        let project = self.resolve_project(tx, named).await?;
        let scope = Scope {
            id: project.id,
            key: project.key.clone(),
        };
        if let Some(k) = cache_key.filter(|k| *k == project.key)
            && let Ok(mut m) = self.scopes.write()
        {
            m.insert(k, scope.clone());
        }
        Ok(scope)
    }

    /// The project an operation works on: the one named, else the context's,
    /// else the registered project containing the working directory, else
    /// the only project.
    pub(crate) async fn resolve_project(
        &self,
        tx: &mut dyn Tx,
        named: Option<&str>,
    ) -> Result<Project> {
        let wanted = named
            .map(|n| ("project_id", n))
            .or_else(|| self.ctx.project.as_deref().map(|p| ("project", p)));
        if let Some((field, name)) = wanted {
            let key = ProjectKey::parse(field, name);
            if let Ok(key) = &key
                && let Some(p) = tx.project_by_key(key.as_str()).await?
            {
                return Ok(p);
            }
            let all = tx.list_projects().await?;
            if let Some(p) = all
                .into_iter()
                .find(|p| p.slug.eq_ignore_ascii_case(name.trim()))
            {
                return Ok(p);
            }
            // Neither a key nor a slug: say what a key looks like, else that it is unknown.
            key?;
            return Err(self.no_such_project(tx, name).await);
        }
        let all = tx.list_projects().await?;
        if let Some(cwd) = &self.ctx.cwd
            && let Some(p) = all
                .iter()
                .filter(|p| cwd.starts_with(&p.path))
                .max_by_key(|p| p.path.len())
        {
            return Ok(p.clone());
        }
        match all.len() {
            1 => Ok(all
                .into_iter()
                .next()
                .ok_or_else(|| ServiceError::not_found("no project"))?),
            0 => Err(ServiceError::not_found(
                "no project is registered yet: create one with pm_init_project (CLI: lazypm init --key KEY --name NAME)",
            )),
            _ => Err(ServiceError::invalid(
                "project_id",
                format!(
                    "several projects are registered and none contains the working directory: pass project_id, one of {}",
                    all.iter()
                        .map(|p| p.key.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    async fn no_such_project(&self, tx: &mut dyn Tx, name: &str) -> ServiceError {
        let known = tx
            .list_projects()
            .await
            .map(|all| {
                all.iter()
                    .map(|p| p.key.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        let known = if known.is_empty() {
            "none yet".to_string()
        } else {
            known
        };
        ServiceError::not_found(format!(
            "project '{name}' not found (registered: {known}): list them with pm_list_projects or create one with pm_init_project"
        ))
    }
}
