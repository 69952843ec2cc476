//! Git: a branch per issue, commits that name their issue, push and pull
//! requests, and commits made elsewhere linked back to their issues.
//!
//! Git runs outside any store transaction (it can take seconds); the store is
//! changed afterwards, in one transaction, only for what git actually did.
//!
//! lazypm's own store (`Context::store_paths`) is protected in every
//! repository opened here: it is never staged, committed or stashed, and a
//! branch change is refused while git tracks it.
//!
//! This file holds what the operations share: where an issue's work lives
//! (`Place`), small helpers, and the `Service` methods that open
//! repositories. The operations live in the submodules.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use lazypm_domain::{Issue, Project, Status};
use lazypm_git::forge::GhCli;
use lazypm_git::{Dirty, GitError, Repo};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::load_issue;
use crate::{Result, Service, ServiceError};

mod branches;
mod commit;
mod history;
mod push;
mod status;
mod sync;

pub use branches::*;
pub use commit::*;
pub use history::*;
pub use push::*;
pub use status::*;
pub use sync::*;

/// The remote used when none is named.
pub(crate) const DEFAULT_REMOTE: &str = "origin";
/// Set while lazypm itself commits, so its post-commit hook leaves the linking to it.
pub const COMMITTING_ENV: &str = "LAZYPM_COMMITTING";

/// What to do with uncommitted changes when changing branches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Uncommitted {
    /// Refuse, naming the changed files (the default).
    #[default]
    Refuse,
    /// Take the changes along to the other branch.
    Carry,
    /// Stash them (untracked files included) first.
    Stash,
}

impl From<Uncommitted> for Dirty {
    fn from(u: Uncommitted) -> Dirty {
        match u {
            Uncommitted::Refuse => Dirty::Refuse,
            Uncommitted::Carry => Dirty::Carry,
            Uncommitted::Stash => Dirty::Stash,
        }
    }
}

/// An issue, briefly.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct IssueBrief {
    pub key: String,
    pub title: String,
    pub status: Status,
    pub owner: Option<String>,
}

impl From<&Issue> for IssueBrief {
    fn from(i: &Issue) -> Self {
        IssueBrief {
            key: i.key.clone(),
            title: i.title.clone(),
            status: i.status,
            owner: i.owner.clone(),
        }
    }
}

// ---------------------------------------------------------------- helpers

/// Where an issue's work lives.
pub(crate) struct Place {
    pub project: Project,
    pub repo: Repo,
    /// The issue's submodule, when it has its own repository.
    pub submodule: Option<String>,
}

fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

fn remote_name(given: &Option<String>) -> Result<String> {
    match given.as_deref().map(str::trim) {
        None | Some("") => Ok(DEFAULT_REMOTE.to_string()),
        Some(r) if r.starts_with('-') || r.contains(char::is_whitespace) => Err(
            ServiceError::invalid("remote", format!("'{r}' is not a remote name")),
        ),
        Some(r) => Ok(r.to_string()),
    }
}

pub(crate) fn branch_arg(field: &str, given: &Option<String>) -> Result<Option<String>> {
    match given.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(b) if b.starts_with('-') || b.contains(char::is_whitespace) || b.len() > 250 => Err(
            ServiceError::invalid(field, format!("'{b}' is not a branch name")),
        ),
        Some(b) => Ok(Some(b.to_string())),
    }
}

/// A count limit between 1 and `max`, `default` when not given.
fn limit_in(given: Option<u32>, default: usize, max: u32) -> Result<usize> {
    match given {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n as usize),
        Some(n) => Err(ServiceError::invalid(
            "limit",
            format!("{n} is out of range: between 1 and {max}"),
        )),
    }
}

fn to_time(unix: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(unix, 0)
}

/// Where an issue's work lives on disk: the project's directory, or its
/// submodule's when the issue's module is a submodule with its own repository.
pub(crate) fn work_dir(project: &Project, issue: Option<&Issue>) -> (PathBuf, Option<String>) {
    let target = PathBuf::from(&project.path);
    if let Some(module) = issue.and_then(|i| i.module.as_deref())
        && let Some(sub) = project
            .metadata
            .submodules
            .iter()
            .find(|s| s.name == module && s.has_own_repo)
    {
        return (target.join(&sub.path), Some(sub.name.clone()));
    }
    (target, None)
}

/// `path` with symbolic links resolved (as git reports a work tree's root):
/// the path itself when it exists, else its directory, else as given.
fn resolved(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => std::fs::canonicalize(dir)
            .map(|d| d.join(name))
            .unwrap_or_else(|_| path.to_path_buf()),
        _ => path.to_path_buf(),
    }
}

impl Service {
    fn gh(&self) -> GhCli {
        GhCli::new(self.ctx.gh.clone().unwrap_or_else(|| PathBuf::from("gh")))
    }

    /// Opens the repository of `project` (or of the issue's submodule when it has
    /// its own repository). When the caller works in a linked worktree of that
    /// repository, that worktree is used.
    pub(crate) async fn open_repo(&self, project: Project, issue: Option<&Issue>) -> Result<Place> {
        let (target, submodule) = work_dir(&project, issue);
        let repo = match Repo::open_with(&target, self.ctx.git.clone()).await {
            Ok(r) => r,
            Err(GitError::NotARepository { .. }) => {
                return Err(ServiceError::Git {
                    message: format!(
                        "{} is not inside a git repository, so project {} has no git history to work with; create the repository yourself (lazypm never runs git init) or register the project at its repository's root",
                        target.display(),
                        project.key
                    ),
                });
            }
            Err(e) => return Err(e.into()),
        };
        Ok(self.place(project, repo, submodule).await)
    }

    /// The place of work in `repo`: the caller's linked worktree of it when
    /// there is one, with lazypm's own files protected.
    pub(crate) async fn place(
        &self,
        project: Project,
        repo: Repo,
        submodule: Option<String>,
    ) -> Place {
        let repo = self.callers_worktree(repo).await;
        Place {
            project,
            repo: self.guard(repo),
            submodule,
        }
    }

    /// `repo` with lazypm's store (the context's `store_paths`, and SQLite's
    /// `-wal`, `-shm`, `-journal` and `-lock` files beside a database file) protected:
    /// git operations never stage, commit or stash them.
    fn guard(&self, repo: Repo) -> Repo {
        if self.ctx.store_paths.is_empty() {
            return repo;
        }
        let mut paths = Vec::new();
        for given in &self.ctx.store_paths {
            let path = resolved(given);
            if !path.is_dir()
                && let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned())
            {
                for suffix in ["-wal", "-shm", "-journal", "-lock"] {
                    paths.push(path.with_file_name(format!("{name}{suffix}")));
                }
            }
            paths.push(path);
        }
        repo.protect(&paths)
    }

    /// The caller's own worktree of `repo`, when the working directory is one
    /// (inside the project or elsewhere).
    async fn callers_worktree(&self, repo: Repo) -> Repo {
        let Some(cwd) = self.ctx.cwd.as_deref() else {
            return repo;
        };
        if !cwd.is_dir() {
            return repo;
        }
        let Ok(here) = Repo::open_with(cwd, self.ctx.git.clone()).await else {
            return repo;
        };
        if here.root() == repo.root() {
            return repo;
        }
        match (here.common_dir().await, repo.common_dir().await) {
            (Ok(a), Ok(b)) if a == b => here,
            _ => repo,
        }
    }

    /// The repository work without an issue happens in: the caller's, when it is
    /// inside the project (a submodule's own, a worktree), else the project's.
    async fn open_project_repo(&self, project: Project) -> Result<Place> {
        if let Some(cwd) = self.ctx.cwd.as_deref()
            && cwd.starts_with(&project.path)
            && let Ok(repo) = Repo::open_with(cwd, self.ctx.git.clone()).await
            && repo.root().starts_with(&project.path)
        {
            let repo = self.guard(repo);
            let submodule = project
                .metadata
                .submodules
                .iter()
                .find(|s| s.has_own_repo && Path::new(&project.path).join(&s.path) == repo.root())
                .map(|s| s.name.clone());
            return Ok(Place {
                project,
                repo,
                submodule,
            });
        }
        self.open_repo(project, None).await
    }

    /// The project named (or the context's), read in its own short transaction.
    async fn project(&self, named: Option<&str>) -> Result<Project> {
        let mut tx = self.read().await?;
        self.resolve_project(&mut *tx, named).await
    }

    /// The project named (or the context's) and the repository work without an issue happens in.
    async fn project_place(&self, named: Option<&str>) -> Result<Place> {
        let project = self.project(named).await?;
        self.open_project_repo(project).await
    }

    /// The issue whose branch `branch` is, in the project.
    async fn branch_owner(&self, project_id: i64, branch: &str) -> Result<Option<Issue>> {
        let mut tx = self.read().await?;
        Ok(tx.issue_by_branch(project_id, branch).await?)
    }

    /// An issue and the place its work lives.
    pub(crate) async fn issue_place(&self, key: &str) -> Result<(Issue, Place)> {
        let mut tx = self.read().await?;
        let issue = load_issue(&mut *tx, "issue_key", key).await?;
        let project = tx.project_by_key(&issue.project).await?.ok_or_else(|| {
            ServiceError::not_found(format!("project {} not found", issue.project))
        })?;
        drop(tx);
        let place = self.open_repo(project, Some(&issue)).await?;
        Ok((issue, place))
    }

    /// The base branch: given, else the project's default (for its own
    /// repository), else what the repository says.
    async fn base_branch(
        &self,
        place: &Place,
        given: Option<String>,
        remote: &str,
    ) -> Result<String> {
        if let Some(b) = given {
            return Ok(b);
        }
        if place.submodule.is_none()
            && let Some(b) = place
                .project
                .metadata
                .vcs
                .as_ref()
                .and_then(|v| v.default_branch.clone())
        {
            return Ok(b);
        }
        Ok(place.repo.default_branch(remote).await?)
    }
}
