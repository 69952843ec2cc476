//! Git: a branch per issue, commits that name their issue, push and pull
//! requests, and commits made elsewhere linked back to their issues.
//!
//! Git runs outside any store transaction (it can take seconds); the store is
//! changed afterwards, in one transaction, only for what git actually did.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use lazypm_domain::text::{clean_list, required};
use lazypm_domain::{
    Activity, Artifacts, CommitRef, Issue, IssueKey, Project, PullRequest, Status, WorkLog, vcs,
};
use lazypm_git::forge::{ForgeKind, GhCli, GitHubApi, PullRequestSpec, RemoteLocation};
use lazypm_git::{Dirty, GitError, LoggedCommit, Repo};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::issues::{OneOrMany, TEXT_MAX, TITLE_MAX, opt_text};
use super::load_issue;
use super::work::save;
use crate::audit::Write;
use crate::{Result, Service, ServiceError};

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

// ---------------------------------------------------------------- inputs

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GitStatusInput {
    pub project_id: Option<String>,
    pub issue_key: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBranchInput {
    pub issue_key: String,
    /// Default: the default branch, updated from the remote.
    pub base_branch: Option<String>,
    pub remote: Option<String>,
    /// Uncommitted changes: refuse (default), carry or stash.
    pub uncommitted: Option<Uncommitted>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SwitchBranchInput {
    pub issue_key: Option<String>,
    pub branch: Option<String>,
    pub project_id: Option<String>,
    /// Refuse (default), carry or stash.
    pub uncommitted: Option<Uncommitted>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitInput {
    pub issue_key: String,
    /// `[pm KEY]` and a `PM:` trailer are added.
    pub message: String,
    /// Paths to stage.
    pub files: Option<OneOrMany<String>>,
    /// Stage every change.
    pub all: Option<bool>,
    /// Logged with the commit: 45m, 2h.
    pub time_spent: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PushBranchInput {
    pub issue_key: String,
    pub remote: Option<String>,
    pub create_pr: Option<bool>,
    /// Default `[KEY] title`.
    pub title: Option<String>,
    /// Default: from the issue's spec.
    pub body: Option<String>,
    pub reviewers: Option<OneOrMany<String>>,
    pub draft: Option<bool>,
    /// PR target; default the default branch.
    pub base_branch: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StashWorkInput {
    pub issue_key: Option<String>,
    pub message: Option<String>,
    pub project_id: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GitLogInput {
    pub issue_key: String,
    /// Default 50, at most 500.
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeStatusInput {
    pub issue_key: String,
    pub base_branch: Option<String>,
    pub remote: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncCommitsInput {
    pub project_id: Option<String>,
    /// Commits scanned, newest first: default 2000, at most 50000.
    pub limit: Option<u32>,
}

// ---------------------------------------------------------------- outputs

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

#[derive(Debug, Serialize, JsonSchema)]
pub struct ChangedPath {
    pub path: String,
    /// staged, modified, untracked, conflicted, or staged+modified.
    pub state: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct GitStatusOutput {
    /// The work tree's root.
    pub repository: String,
    /// None when HEAD is detached.
    pub branch: Option<String>,
    pub head: Option<String>,
    pub upstream: Option<String>,
    pub ahead: u32,
    pub behind: u32,
    pub clean: bool,
    pub files: Vec<ChangedPath>,
    /// The issue whose branch this is.
    pub issue: Option<IssueBrief>,
    pub next_steps: Vec<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct BranchOutput {
    pub issue_key: String,
    pub branch: String,
    pub base_branch: String,
    /// What the branch was created from (`origin/main`, `main`); none when it existed.
    pub started_from: Option<String>,
    /// False when the branch existed and was switched to.
    pub created: bool,
    pub repository: String,
    pub warnings: Vec<String>,
    pub next_steps: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SwitchBranchOutput {
    pub branch: String,
    pub previous: Option<String>,
    pub issue: Option<IssueBrief>,
    pub repository: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CommitOutput {
    pub issue_key: String,
    pub commit: CommitRef,
    pub branch: String,
    /// The files the commit changed.
    pub files: Vec<String>,
    /// The full message as committed.
    pub message: String,
    pub next_steps: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PushBranchOutput {
    pub issue_key: String,
    pub branch: String,
    pub remote: String,
    /// The pull request, when one exists on the forge.
    pub pull_request: Option<PullRequest>,
    /// True when this call opened it.
    pub pull_request_created: bool,
    /// When no pull request could be opened: the page that opens one.
    pub compare_url: Option<String>,
    /// The pull request's title and body (ready to paste when none was opened).
    pub pr_title: Option<String>,
    pub pr_body: Option<String>,
    /// Why no pull request was opened, when one was asked for.
    pub note: Option<String>,
    pub next_steps: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct StashWorkOutput {
    pub stashed: bool,
    /// The stash commit's id.
    pub stash: Option<String>,
    pub message: String,
    pub branch: Option<String>,
    pub next_steps: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct LoggedCommitOutput {
    pub sha: String,
    pub subject: String,
    pub author: Option<String>,
    pub at: Option<DateTime<Utc>>,
    /// Recorded on the issue.
    pub linked: bool,
    /// On the issue's branch and not yet in the base branch.
    pub on_branch: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct GitLogOutput {
    pub issue_key: String,
    pub branch: Option<String>,
    pub base_branch: Option<String>,
    /// Newest first.
    pub commits: Vec<LoggedCommitOutput>,
    pub warnings: Vec<String>,
    pub next_steps: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct MergeStatusOutput {
    pub issue_key: String,
    pub branch: Option<String>,
    pub base_branch: String,
    pub branch_exists: bool,
    pub merged: bool,
    /// Why `merged` is what it is.
    pub reason: String,
    /// Commits on the branch not in the base, and the reverse.
    pub ahead: u32,
    pub behind: u32,
    pub pull_request: Option<PullRequest>,
    pub warnings: Vec<String>,
    pub next_steps: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SyncedCommit {
    pub sha: String,
    pub issue_key: String,
    pub subject: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SyncCommitsOutput {
    /// Commits read.
    pub scanned: usize,
    /// Commits newly linked to issues.
    pub linked: Vec<SyncedCommit>,
    /// Commit–issue pairs that were linked already.
    pub already_linked: usize,
    /// Keys named in messages that match no issue of the project.
    pub unknown_keys: Vec<String>,
    pub repositories: Vec<String>,
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

fn commit_ref(c: &LoggedCommit) -> CommitRef {
    CommitRef {
        sha: c.sha.clone(),
        message: c.subject.clone(),
        author: Some(c.author_name.clone()).filter(|a| !a.is_empty()),
        at: to_time(c.committed_at_unix),
    }
}

/// The issue keys a commit names: `PM:` trailers, then `[pm KEY]` tags.
fn keys_of(c: &LoggedCommit) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    let named = c
        .pm_keys()
        .into_iter()
        .map(str::to_string)
        .chain(vcs::issue_keys_in(&c.subject));
    for k in named {
        if let Ok(k) = IssueKey::parse("key", &k) {
            let k = k.to_string();
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    keys
}

/// The pull request body: the issue's description, acceptance criteria and commits.
fn pr_body(issue: &Issue) -> String {
    let mut body = String::new();
    let description = issue.specification.description.trim();
    if !description.is_empty() {
        body.push_str(description);
        body.push_str("\n\n");
    }
    if !issue.specification.acceptance_criteria.is_empty() {
        body.push_str("## Acceptance criteria\n\n");
        for c in &issue.specification.acceptance_criteria {
            body.push_str(&format!("- [ ] {c}\n"));
        }
        body.push('\n');
    }
    if !issue.implementation.commits.is_empty() {
        body.push_str("## Commits\n\n");
        for c in &issue.implementation.commits {
            body.push_str(&format!("- {} {}\n", short(&c.sha), c.message));
        }
        body.push('\n');
    }
    body.push_str(&format!("PM: {}\n", issue.key));
    body
}

impl Service {
    fn gh(&self) -> GhCli {
        GhCli::new(self.ctx.gh.clone().unwrap_or_else(|| PathBuf::from("gh")))
    }

    /// Opens the repository of `project` (or of the issue's submodule when it has
    /// its own repository). When the caller works in a linked worktree of that
    /// repository, that worktree is used.
    pub(crate) async fn open_repo(&self, project: Project, issue: Option<&Issue>) -> Result<Place> {
        let mut target = PathBuf::from(&project.path);
        let mut submodule = None;
        if let Some(module) = issue.and_then(|i| i.module.as_deref())
            && let Some(sub) = project
                .metadata
                .submodules
                .iter()
                .find(|s| s.name == module && s.has_own_repo)
        {
            target = target.join(&sub.path);
            submodule = Some(sub.name.clone());
        }
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
        let repo = self.callers_worktree(repo).await;
        Ok(Place {
            project,
            repo,
            submodule,
        })
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

    /// Creates the issue's branch (or switches to it when it exists) in git only.
    pub(crate) async fn ensure_branch(
        &self,
        issue: &Issue,
        place: &Place,
        base: Option<String>,
        remote: &str,
        uncommitted: Uncommitted,
    ) -> Result<BranchOutput> {
        let repo = &place.repo;
        let name = match &issue.branch {
            Some(b) => b.clone(),
            None => vcs::branch_name(
                issue.issue_type,
                &IssueKey::parse("issue_key", &issue.key)?,
                &issue.title,
            ),
        };
        let base = self.base_branch(place, base, remote).await?;
        let mut warnings = Vec::new();
        let (created, started_from) = if repo.branch_exists(&name).await? {
            repo.switch(&name, uncommitted.into()).await?;
            (false, None)
        } else if repo.has_remote(remote).await && repo.fetch(remote, &name).await.is_ok() {
            // Pushed before (another clone, or the local branch was deleted): carry on from it.
            repo.create_branch(&name, &name, Some(remote), uncommitted.into())
                .await?;
            (true, Some(format!("{remote}/{name}")))
        } else {
            let mut from_remote = None;
            if repo.has_remote(remote).await {
                match repo.fetch(remote, &base).await {
                    Ok(()) => from_remote = Some(remote),
                    Err(e) => warnings.push(format!(
                        "could not update {base} from {remote} ({e}); the branch starts from the local {base}"
                    )),
                }
            }
            if from_remote.is_none() && !repo.rev_exists(&base).await? {
                return Err(ServiceError::invalid(
                    "base_branch",
                    format!(
                        "branch '{base}' does not exist in {}; name an existing branch",
                        repo.root().display()
                    ),
                ));
            }
            repo.create_branch(&name, &base, from_remote, uncommitted.into())
                .await?;
            let from = match from_remote {
                Some(r) => format!("{r}/{base}"),
                None => base.clone(),
            };
            (true, Some(from))
        };
        Ok(BranchOutput {
            issue_key: issue.key.clone(),
            branch: name,
            base_branch: base,
            started_from,
            created,
            repository: repo.root().display().to_string(),
            warnings,
            next_steps: vec![format!(
                "pm_commit: commit work on {} (message gets [pm {}] and a PM trailer)",
                issue.key, issue.key
            )],
        })
    }

    /// Stores `branch` on the issue in `w` when it is not there yet.
    pub(crate) async fn record_branch(
        &self,
        w: &mut Write<'_>,
        issue: &mut Issue,
        b: &BranchOutput,
        save_now: bool,
    ) -> Result<bool> {
        if issue.branch.as_deref() == Some(b.branch.as_str()) {
            return Ok(false);
        }
        issue.branch = Some(b.branch.clone());
        w.record(
            "branch_set",
            Some(&issue.project),
            &issue.key,
            Some(&issue.key),
            json!({ "branch": b.branch, "base": b.base_branch, "created": b.created, "from": b.started_from }),
        )
        .await?;
        if save_now {
            save(w, issue).await?;
        }
        Ok(true)
    }

    /// Adds `commit` to the issue's commits with a work log, unless linked already.
    /// Returns false when it was linked already.
    async fn link_commit(
        &self,
        w: &mut Write<'_>,
        issue: &mut Issue,
        commit: CommitRef,
        files: Vec<String>,
        minutes: i64,
        author: Option<String>,
    ) -> Result<bool> {
        if issue
            .implementation
            .commits
            .iter()
            .any(|c| c.sha == commit.sha)
        {
            return Ok(false);
        }
        let log = WorkLog {
            id: 0,
            issue_key: issue.key.clone(),
            task_key: None,
            author: author
                .or_else(|| commit.author.clone())
                .unwrap_or_else(|| self.actor().to_string()),
            activity: Activity::Commit,
            summary: commit.message.clone(),
            details: None,
            artifacts: Artifacts {
                files,
                commits: vec![commit.sha.clone()],
                urls: Vec::new(),
            },
            blockers: Vec::new(),
            decisions: Vec::new(),
            minutes,
            logged_at: commit.at.unwrap_or(w.now),
        };
        w.insert_work_log(issue.id, None, &log).await?;
        issue.time_spent_minutes += minutes;
        w.record(
            "commit_linked",
            Some(&issue.project),
            &issue.key,
            Some(&issue.key),
            json!({ "sha": commit.sha, "subject": commit.message, "minutes": minutes }),
        )
        .await?;
        issue.implementation.commits.push(commit);
        Ok(true)
    }

    /// Links commits to the issues their messages name, in one transaction.
    pub(crate) async fn link_commits(
        &self,
        project: &Project,
        commits: &[LoggedCommit],
    ) -> Result<(Vec<SyncedCommit>, usize, Vec<String>)> {
        let mut wanted: BTreeMap<String, Vec<&LoggedCommit>> = BTreeMap::new();
        for c in commits {
            for k in keys_of(c) {
                wanted.entry(k).or_default().push(c);
            }
        }
        let mut linked = Vec::new();
        let mut already = 0;
        let mut unknown = Vec::new();
        if wanted.is_empty() {
            return Ok((linked, already, unknown));
        }
        let mut w = self.write().await?;
        for (key, commits) in wanted {
            let found = w.issue_by_key(&key).await?;
            let Some(mut issue) = found.filter(|i| i.project_id == project.id) else {
                unknown.push(key);
                continue;
            };
            let mut changed = false;
            // Oldest first, so the issue lists its commits in the order they were made.
            for c in commits.iter().rev() {
                if self
                    .link_commit(&mut w, &mut issue, commit_ref(c), Vec::new(), 0, None)
                    .await?
                {
                    changed = true;
                    linked.push(SyncedCommit {
                        sha: c.sha.clone(),
                        issue_key: issue.key.clone(),
                        subject: c.subject.clone(),
                    });
                } else {
                    already += 1;
                }
            }
            if changed {
                save(&mut w, &mut issue).await?;
            }
        }
        w.commit().await?;
        Ok((linked, already, unknown))
    }

    /// Links the commit HEAD points at in the repository at `dir` (the post-commit hook).
    pub async fn link_head_commit(&self, dir: &Path) -> Result<Vec<SyncedCommit>> {
        let repo = Repo::open_with(dir, self.ctx.git.clone()).await?;
        let project = self.project(None).await?;
        let head = repo.head_commit().await?;
        Ok(self.link_commits(&project, &[head]).await?.0)
    }

    /// The commit-msg hook: adds `PM: KEY` to the message in `file` when the
    /// checked-out branch belongs to an issue. Returns the issue's key.
    pub async fn add_issue_trailer(&self, dir: &Path, file: &Path) -> Result<Option<String>> {
        let repo = Repo::open_with(dir, self.ctx.git.clone()).await?;
        let Some(key) = self.issue_on_repo_branch(&repo).await? else {
            return Ok(None);
        };
        repo.add_trailer_to_file(file, "PM", &key).await?;
        Ok(Some(key))
    }

    /// The issue whose branch is checked out in the repository at `dir`, if any.
    pub async fn issue_on_branch(&self, dir: &Path) -> Result<Option<String>> {
        let repo = Repo::open_with(dir, self.ctx.git.clone()).await?;
        self.issue_on_repo_branch(&repo).await
    }

    async fn issue_on_repo_branch(&self, repo: &Repo) -> Result<Option<String>> {
        let Some(branch) = repo.current_branch().await? else {
            return Ok(None);
        };
        let project = self.project(None).await?;
        Ok(self.branch_owner(project.id, &branch).await?.map(|i| i.key))
    }
}

// ---------------------------------------------------------------- operations

impl Service {
    pub async fn pm_git_status(&self, input: GitStatusInput) -> Result<GitStatusOutput> {
        let (place, issue_hint) = match &input.issue_key {
            Some(k) => {
                let (issue, place) = self.issue_place(k).await?;
                (place, Some(issue))
            }
            None => (self.project_place(input.project_id.as_deref()).await?, None),
        };
        let status = place.repo.status().await?;
        let issue = match &status.branch {
            Some(b) => self.branch_owner(place.project.id, b).await?,
            None => None,
        };
        let files = status
            .files
            .iter()
            .map(|f| {
                let worktree_changed = !matches!(f.xy.chars().nth(1), Some('.') | None);
                let state = if f.is_conflicted() {
                    "conflicted"
                } else if f.is_untracked() {
                    "untracked"
                } else if f.is_staged() && worktree_changed {
                    "staged+modified"
                } else if f.is_staged() {
                    "staged"
                } else {
                    "modified"
                };
                ChangedPath {
                    path: f.path.clone(),
                    state: state.to_string(),
                }
            })
            .collect::<Vec<_>>();
        let mut next_steps = Vec::new();
        match (&issue, &issue_hint) {
            (Some(i), _) if !files.is_empty() => next_steps.push(format!(
                "pm_commit: commit these changes to {} (files or all: true)",
                i.key
            )),
            (None, Some(i)) => next_steps.push(format!(
                "pm_switch_branch or pm_create_branch: this is not {}'s branch",
                i.key
            )),
            (None, None) if status.branch.is_some() => next_steps.push(
                "pm_start_work with create_branch: true, or pm_create_branch: give an issue its branch"
                    .to_string(),
            ),
            _ => {}
        }
        if status.ahead > 0 {
            next_steps.push("pm_push_branch: push the commits not on the remote yet".to_string());
        }
        Ok(GitStatusOutput {
            repository: place.repo.root().display().to_string(),
            clean: files.is_empty(),
            branch: status.branch,
            head: status.head,
            upstream: status.upstream,
            ahead: status.ahead,
            behind: status.behind,
            files,
            issue: issue.as_ref().map(IssueBrief::from),
            next_steps,
        })
    }

    pub async fn pm_create_branch(&self, input: CreateBranchInput) -> Result<BranchOutput> {
        let remote = remote_name(&input.remote)?;
        let base = branch_arg("base_branch", &input.base_branch)?;
        let (issue, place) = self.issue_place(&input.issue_key).await?;
        let out = self
            .ensure_branch(
                &issue,
                &place,
                base,
                &remote,
                input.uncommitted.unwrap_or_default(),
            )
            .await?;
        let mut w = self.write().await?;
        let mut issue = load_issue(&mut *w, "issue_key", &issue.key).await?;
        if self.record_branch(&mut w, &mut issue, &out, true).await? {
            w.commit().await?;
        }
        Ok(out)
    }

    pub async fn pm_switch_branch(&self, input: SwitchBranchInput) -> Result<SwitchBranchOutput> {
        let branch = branch_arg("branch", &input.branch)?;
        let (place, name, issue) = match (&input.issue_key, branch) {
            (Some(_), Some(_)) | (None, None) => {
                return Err(ServiceError::invalid(
                    "issue_key",
                    "give either issue_key (switch to the issue's branch) or branch, not both or neither",
                ));
            }
            (Some(k), None) => {
                let (issue, place) = self.issue_place(k).await?;
                let name = issue.branch.clone().ok_or_else(|| {
                    ServiceError::invalid(
                        "issue_key",
                        format!(
                            "{} has no branch yet: create it with pm_create_branch (or pm_start_work create_branch: true)",
                            issue.key
                        ),
                    )
                })?;
                (place, name, Some(issue))
            }
            (None, Some(b)) => (
                self.project_place(input.project_id.as_deref()).await?,
                b,
                None,
            ),
        };
        let previous = place.repo.current_branch().await?;
        place
            .repo
            .switch(&name, input.uncommitted.unwrap_or_default().into())
            .await?;
        let issue = match issue {
            Some(i) => Some(i),
            None => self.branch_owner(place.project.id, &name).await?,
        };
        Ok(SwitchBranchOutput {
            branch: name,
            previous,
            issue: issue.as_ref().map(IssueBrief::from),
            repository: place.repo.root().display().to_string(),
        })
    }

    pub async fn pm_commit(&self, input: CommitInput) -> Result<CommitOutput> {
        let message = required("message", &input.message, TEXT_MAX)?;
        let files: Vec<String> = input.files.map(OneOrMany::into_vec).unwrap_or_default();
        let files = clean_list("files", &files, 4096)?;
        let minutes = match &input.time_spent {
            Some(t) => lazypm_domain::parse_duration("time_spent", t)?,
            None => 0,
        };
        let (issue, place) = self.issue_place(&input.issue_key).await?;
        let repo = &place.repo;
        let branch = repo.require_branch().await?;
        let owner = self.branch_owner(place.project.id, &branch).await?;
        if let Some(other) = owner.filter(|o| o.id != issue.id) {
            return Err(ServiceError::conflict(format!(
                "the checked-out branch {branch} belongs to {}, not {}: switch with pm_switch_branch issue_key {} first",
                other.key, issue.key, issue.key
            )));
        }
        let root = repo.root().to_path_buf();
        let files: Vec<String> = files
            .into_iter()
            .map(|f| match Path::new(&f).strip_prefix(&root) {
                Ok(rel) if Path::new(&f).is_absolute() => rel.display().to_string(),
                _ => f,
            })
            .collect();
        if !files.is_empty() {
            repo.add(&files).await?;
        }
        if input.all.unwrap_or(false) {
            repo.add_all().await?;
        }
        let staged: Vec<String> = repo
            .status()
            .await?
            .files
            .iter()
            .filter(|f| f.is_staged())
            .map(|f| f.path.clone())
            .collect();
        if staged.is_empty() {
            return Err(ServiceError::invalid(
                "files",
                "nothing is staged to commit: name the changed files in files, or pass all: true to commit every change",
            ));
        }
        let key = IssueKey::parse("issue_key", &issue.key)?;
        let full = vcs::commit_message(&key, &message);
        let made = repo
            .commit_with_env(&full, &[(COMMITTING_ENV, "1")])
            .await?;
        let commit = CommitRef {
            sha: made.sha.clone(),
            message: made.subject.clone(),
            author: Some(made.author.clone()).filter(|a| !a.is_empty()),
            at: to_time(made.at),
        };
        let mut w = self.write().await?;
        let mut current = load_issue(&mut *w, "issue_key", &issue.key).await?;
        let linked = self
            .link_commit(
                &mut w,
                &mut current,
                commit.clone(),
                staged.clone(),
                minutes,
                Some(self.actor().to_string()).filter(|a| !a.is_empty()),
            )
            .await;
        let stored = match linked {
            Ok(_) => {
                save(&mut w, &mut current).await?;
                w.commit().await
            }
            Err(e) => Err(e),
        };
        if let Err(e) = stored {
            return Err(ServiceError::Git {
                message: format!(
                    "committed {} but could not record it on {}: {e}; pm_sync_commits links it later",
                    short(&made.sha),
                    issue.key
                ),
            });
        }
        Ok(CommitOutput {
            issue_key: issue.key.clone(),
            commit,
            branch,
            files: staged,
            message: full,
            next_steps: vec![format!(
                "pm_push_branch: push {} (create_pr: true opens a pull request)",
                issue.key
            )],
        })
    }

    pub async fn pm_push_branch(&self, input: PushBranchInput) -> Result<PushBranchOutput> {
        let remote = remote_name(&input.remote)?;
        let base = branch_arg("base_branch", &input.base_branch)?;
        let title = opt_text("title", &input.title, TITLE_MAX)?;
        let body = opt_text("body", &input.body, TEXT_MAX)?;
        let reviewers = input.reviewers.map(OneOrMany::into_vec).unwrap_or_default();
        let reviewers = clean_list("reviewers", &reviewers, 100)?;
        if let Some(bad) = reviewers
            .iter()
            .find(|r| r.starts_with('-') || r.contains(char::is_whitespace))
        {
            return Err(ServiceError::invalid(
                "reviewers",
                format!("'{bad}' is not a user or team name"),
            ));
        }
        let create_pr = input.create_pr.unwrap_or(false);
        let (issue, place) = self.issue_place(&input.issue_key).await?;
        let repo = &place.repo;
        let branch = match &issue.branch {
            Some(b) => {
                if !repo.branch_exists(b).await? {
                    return Err(ServiceError::invalid(
                        "issue_key",
                        format!(
                            "{}'s branch {b} does not exist in {}; recreate it with pm_create_branch",
                            issue.key,
                            repo.root().display()
                        ),
                    ));
                }
                b.clone()
            }
            None => {
                return Err(ServiceError::invalid(
                    "issue_key",
                    format!(
                        "{} has no branch: create it with pm_create_branch, commit with pm_commit, then push",
                        issue.key
                    ),
                ));
            }
        };
        repo.push(&remote, &branch, true).await?;
        let mut out = PushBranchOutput {
            issue_key: issue.key.clone(),
            branch: branch.clone(),
            remote: remote.clone(),
            pull_request: issue.implementation.pull_request.clone(),
            pull_request_created: false,
            compare_url: None,
            pr_title: None,
            pr_body: None,
            note: None,
            next_steps: Vec::new(),
        };
        let mut opened: Option<PullRequest> = None;
        if create_pr {
            let base = self.base_branch(&place, base, &remote).await?;
            if base == branch {
                return Err(ServiceError::invalid(
                    "base_branch",
                    format!(
                        "the pull request would merge {branch} into itself; name another base_branch"
                    ),
                ));
            }
            let spec = PullRequestSpec {
                base: base.clone(),
                head: branch.clone(),
                title: title.unwrap_or_else(|| format!("[{}] {}", issue.key, issue.title)),
                body: body.unwrap_or_else(|| pr_body(&issue)),
                reviewers,
                draft: input.draft.unwrap_or(false),
            };
            // gh when it is ready, else the GitHub API with a token, else a compare URL.
            let gh = self.gh();
            let made = match gh.ready(repo.root()).await {
                Ok(()) => Some(gh.create_pull_request(repo.root(), &spec).await?),
                Err(gh_reason) => {
                    let location = repo
                        .remote_url(&remote)
                        .await
                        .and_then(|u| RemoteLocation::parse(&u));
                    let api = self.ctx.github_token.as_ref().and_then(|token| {
                        let on_github = location
                            .as_ref()
                            .is_some_and(|l| l.kind() == Some(ForgeKind::GitHub));
                        (on_github || self.ctx.github_api.is_some())
                            .then(|| GitHubApi::new(self.ctx.github_api.clone(), token.clone()))
                    });
                    if let (Some(api), Some(loc)) = (&api, &location) {
                        Some(api.create_pull_request(repo.root(), loc, &spec).await?)
                    } else {
                        let reason = if self.ctx.github_token.is_some() {
                            format!("{gh_reason}, and remote {remote} is not on GitHub")
                        } else {
                            format!("{gh_reason} and GITHUB_TOKEN is not set")
                        };
                        out.compare_url = location.and_then(|l| l.compare_url(&base, &branch));
                        out.note = Some(match &out.compare_url {
                            Some(url) => format!(
                                "no pull request was opened: {reason}; open {url} and use pr_title and pr_body"
                            ),
                            None => format!(
                                "no pull request was opened: {reason}, and remote {remote} is not on a forge lazypm knows; open one on your forge with pr_title and pr_body"
                            ),
                        });
                        None
                    }
                }
            };
            if let Some(pr) = made {
                out.pull_request_created = pr.created;
                opened = Some(PullRequest {
                    url: pr.url,
                    number: pr.number,
                    state: Some(if spec.draft { "draft" } else { "open" }.to_string()),
                });
            }
            out.pr_title = Some(spec.title);
            out.pr_body = Some(spec.body);
        }
        let mut w = self.write().await?;
        let mut current = load_issue(&mut *w, "issue_key", &issue.key).await?;
        if let Some(pr) = &opened {
            current.implementation.pull_request = Some(pr.clone());
            save(&mut w, &mut current).await?;
        }
        w.record(
            "branch_pushed",
            Some(&current.project),
            &current.key,
            Some(&current.key),
            json!({ "branch": branch, "remote": remote, "pull_request": opened, "compare_url": out.compare_url }),
        )
        .await?;
        w.commit().await?;
        if opened.is_some() {
            out.pull_request = opened;
        }
        out.next_steps = vec![format!(
            "pm_request_review: ask for review of {}, then pm_merge_status once merged",
            issue.key
        )];
        Ok(out)
    }

    pub async fn pm_stash_work(&self, input: StashWorkInput) -> Result<StashWorkOutput> {
        let note = opt_text("message", &input.message, 500)?;
        let (place, key) = match &input.issue_key {
            Some(k) => {
                let (issue, place) = self.issue_place(k).await?;
                (place, Some(issue.key))
            }
            None => (self.project_place(input.project_id.as_deref()).await?, None),
        };
        let message = match (&key, &note) {
            (Some(k), Some(n)) => format!("lazypm {k}: {n}"),
            (Some(k), None) => format!("lazypm {k}: work in progress"),
            (None, Some(n)) => format!("lazypm: {n}"),
            (None, None) => "lazypm: work in progress".to_string(),
        };
        let branch = place.repo.current_branch().await?;
        let stash = place.repo.stash(&message).await?;
        if let (Some(k), Some(sha)) = (&key, &stash) {
            let mut w = self.write().await?;
            w.record(
                "work_stashed",
                Some(&place.project.key),
                k,
                Some(k),
                json!({ "stash": sha, "message": message, "branch": branch }),
            )
            .await?;
            w.commit().await?;
        }
        Ok(StashWorkOutput {
            stashed: stash.is_some(),
            next_steps: if stash.is_some() {
                vec!["restore it later with `git stash pop` on the same branch".to_string()]
            } else {
                vec!["nothing was uncommitted, so nothing was stashed".to_string()]
            },
            stash,
            message,
            branch,
        })
    }

    pub async fn pm_git_log(&self, input: GitLogInput) -> Result<GitLogOutput> {
        let limit = limit_in(input.limit, 50, 500)?;
        let mut tx = self.read().await?;
        let issue = load_issue(&mut *tx, "issue_key", &input.issue_key).await?;
        let project = tx.project_by_key(&issue.project).await?;
        drop(tx);
        let mut warnings = Vec::new();
        let mut on_branch: Vec<LoggedCommit> = Vec::new();
        let mut base = None;
        if let (Some(branch), Some(project)) = (&issue.branch, project) {
            match self.open_repo(project, Some(&issue)).await {
                Ok(place) => {
                    let b = self.base_branch(&place, None, DEFAULT_REMOTE).await?;
                    if place.repo.branch_exists(branch).await? {
                        let tracking = format!("{DEFAULT_REMOTE}/{b}");
                        on_branch = place
                            .repo
                            .log_excluding(branch, &[b.as_str(), tracking.as_str()], limit)
                            .await?;
                    } else {
                        warnings.push(format!("branch {branch} does not exist in this clone"));
                    }
                    base = Some(b);
                }
                Err(e) => warnings.push(e.to_string()),
            }
        }
        let linked: BTreeSet<&str> = issue
            .implementation
            .commits
            .iter()
            .map(|c| c.sha.as_str())
            .collect();
        let branch_shas: BTreeSet<&str> = on_branch.iter().map(|c| c.sha.as_str()).collect();
        let mut commits: Vec<LoggedCommitOutput> = on_branch
            .iter()
            .map(|c| LoggedCommitOutput {
                sha: c.sha.clone(),
                subject: c.subject.clone(),
                author: Some(c.author_name.clone()),
                at: to_time(c.committed_at_unix),
                linked: linked.contains(c.sha.as_str()),
                on_branch: true,
            })
            .collect();
        for c in issue.implementation.commits.iter().rev() {
            if !branch_shas.contains(c.sha.as_str()) {
                commits.push(LoggedCommitOutput {
                    sha: c.sha.clone(),
                    subject: c.message.clone(),
                    author: c.author.clone(),
                    at: c.at,
                    linked: true,
                    on_branch: false,
                });
            }
        }
        commits.sort_by_key(|c| std::cmp::Reverse(c.at));
        commits.truncate(limit);
        let mut next_steps = Vec::new();
        if commits.iter().any(|c| !c.linked) {
            next_steps.push(
                "pm_sync_commits: link the branch's commits that do not name the issue yet"
                    .to_string(),
            );
        }
        Ok(GitLogOutput {
            issue_key: issue.key,
            branch: issue.branch,
            base_branch: base,
            commits,
            warnings,
            next_steps,
        })
    }

    pub async fn pm_merge_status(&self, input: MergeStatusInput) -> Result<MergeStatusOutput> {
        let remote = remote_name(&input.remote)?;
        let base = branch_arg("base_branch", &input.base_branch)?;
        let (issue, place) = self.issue_place(&input.issue_key).await?;
        let repo = &place.repo;
        let base = self.base_branch(&place, base, &remote).await?;
        let mut warnings = Vec::new();
        if repo.has_remote(&remote).await
            && let Err(e) = repo.fetch(&remote, &base).await
        {
            warnings.push(format!(
                "could not update {base} from {remote} ({e}); the answer uses what this clone knows"
            ));
        }
        // Merged into either the local base or the remote's copy of it counts.
        let mut targets = Vec::new();
        if repo.rev_exists(&base).await? {
            targets.push(base.clone());
        }
        let tracking = format!("{remote}/{base}");
        if repo.has_remote(&remote).await && repo.rev_exists(&tracking).await? {
            targets.push(tracking);
        }
        if targets.is_empty() {
            return Err(ServiceError::invalid(
                "base_branch",
                format!("branch '{base}' does not exist here; name an existing base_branch"),
            ));
        }
        let branch_exists = match &issue.branch {
            Some(b) => repo.branch_exists(b).await?,
            None => false,
        };
        let (mut ahead, mut behind) = (0, 0);
        if let (Some(b), true) = (&issue.branch, branch_exists) {
            // Against the target it is closest to being merged into.
            let mut best: Option<(u32, u32)> = None;
            for t in &targets {
                let ab = repo.ahead_behind(t, b).await?;
                if best.is_none_or(|x| ab.0 < x.0) {
                    best = Some(ab);
                }
            }
            (ahead, behind) = best.unwrap_or((0, 0));
        }
        let shas: Vec<String> = issue
            .implementation
            .commits
            .iter()
            .map(|c| c.sha.clone())
            .collect();
        let mut in_base: BTreeSet<String> = BTreeSet::new();
        for t in &targets {
            in_base.extend(repo.merged_into(&shas, t).await?);
        }
        let commits_in_base = in_base.len();
        let commits_missing = shas.iter().filter(|s| !in_base.contains(*s)).count();
        let mut pull_request = issue.implementation.pull_request.clone();
        let mut pr_merged = false;
        if let Some(pr) = &mut pull_request
            && self.gh().ready(repo.root()).await.is_ok()
            && let Ok(state) = self.gh().pull_request_state(repo.root(), &pr.url).await
        {
            pr_merged = state.state == "merged";
            pr.state = Some(state.state);
        }
        let (merged, reason) = if pr_merged {
            (true, "the pull request is merged".to_string())
        } else if branch_exists && ahead > 0 {
            (
                false,
                format!("{ahead} commit(s) on the branch are not in {base} yet"),
            )
        } else if commits_in_base > 0 && commits_missing == 0 {
            (
                true,
                format!("all {commits_in_base} commit(s) of the issue are in {base}"),
            )
        } else if commits_missing > 0 {
            (
                false,
                format!("{commits_missing} commit(s) of the issue are not in {base}"),
            )
        } else {
            (
                false,
                "the issue has no commits yet, so there is nothing to merge".to_string(),
            )
        };
        let mut next_steps = Vec::new();
        if merged && !issue.status.is_closed() {
            next_steps.push(format!(
                "pm_complete_issue: {} is merged; finish it",
                issue.key
            ));
        } else if !merged && branch_exists && ahead > 0 {
            next_steps.push(format!(
                "pm_push_branch create_pr: true: get {} reviewed and merged",
                issue.key
            ));
        }
        Ok(MergeStatusOutput {
            issue_key: issue.key,
            branch: issue.branch,
            base_branch: base,
            branch_exists,
            merged,
            reason,
            ahead,
            behind,
            pull_request,
            warnings,
            next_steps,
        })
    }

    pub async fn pm_sync_commits(&self, input: SyncCommitsInput) -> Result<SyncCommitsOutput> {
        let limit = limit_in(input.limit, 2000, 50_000)?;
        let project = self.project(input.project_id.as_deref()).await?;
        // The project's repository, then each submodule that has its own.
        let mut roots: Vec<PathBuf> = vec![PathBuf::from(&project.path)];
        for s in &project.metadata.submodules {
            if s.has_own_repo {
                roots.push(Path::new(&project.path).join(&s.path));
            }
        }
        let mut commits: Vec<LoggedCommit> = Vec::new();
        let mut seen: HashMap<String, ()> = HashMap::new();
        let mut repositories = Vec::new();
        for (i, root) in roots.iter().enumerate() {
            let repo = if i == 0 {
                self.open_repo(project.clone(), None).await?.repo
            } else {
                match Repo::open_with(root, self.ctx.git.clone()).await {
                    Ok(r) => r,
                    Err(_) => continue,
                }
            };
            let found = match repo.log_all(limit).await {
                Ok(f) => f,
                // A repository without any commit yet has nothing to link.
                Err(GitError::Failed { .. }) if repo.head_sha().await.is_err() => Vec::new(),
                Err(e) => return Err(e.into()),
            };
            repositories.push(repo.root().display().to_string());
            for c in found {
                if seen.insert(c.sha.clone(), ()).is_none() {
                    commits.push(c);
                }
            }
        }
        let scanned = commits.len();
        let (linked, already_linked, unknown_keys) = self.link_commits(&project, &commits).await?;
        Ok(SyncCommitsOutput {
            scanned,
            linked,
            already_linked,
            unknown_keys,
            repositories,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_from_trailers_and_tags_once_each() {
        let c = LoggedCommit {
            sha: "a".into(),
            subject: "[pm app-2] fix: x".into(),
            body: String::new(),
            author_name: "Ada".into(),
            author_email: "a@b".into(),
            committed_at: String::new(),
            committed_at_unix: 0,
            trailers: vec![
                lazypm_git::Trailer {
                    key: "PM".into(),
                    value: "APP-1".into(),
                },
                lazypm_git::Trailer {
                    key: "pm".into(),
                    value: "APP-2".into(),
                },
            ],
        };
        assert_eq!(keys_of(&c), vec!["APP-1".to_string(), "APP-2".to_string()]);
    }

    #[test]
    fn pr_body_has_criteria_and_trailer() {
        let mut issue: Issue = serde_json::from_value(json!({
            "id": 1, "project_id": 1, "key": "APP-1", "project": "APP", "title": "T",
            "type": "feature", "status": "in_progress", "priority": "P3",
            "labels": [], "estimate": {}, "time_spent_minutes": 0, "archived": false,
            "specification": {}, "planning": {}, "implementation": {}, "communication": {},
            "analytics": {}, "version": 1,
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        issue.specification.description = "Why and what.".into();
        issue.specification.acceptance_criteria = vec!["works".into()];
        let body = pr_body(&issue);
        assert!(body.starts_with("Why and what."));
        assert!(body.contains("- [ ] works"));
        assert!(body.ends_with("PM: APP-1\n"));
    }
}
