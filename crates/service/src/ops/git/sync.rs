//! Linking commits to the issues they name: pm_sync_commits, the link made by
//! pm_commit, and the entry points of the post-commit and commit-msg hooks.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use lazypm_domain::{
    Activity, Artifacts, CommitRef, EventType, Issue, IssueKey, Project, WorkLog, vcs,
};
use lazypm_git::{GitError, LoggedCommit, Repo};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{limit_in, to_time};
use crate::audit::Write;
use crate::ops::work::save;
use crate::{Result, Service};

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncCommitsInput {
    pub project_id: Option<String>,
    /// Default 2000.
    pub limit: Option<u32>,
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

impl Service {
    /// Adds `commit` to the issue's commits with a work log, unless linked already.
    /// Returns false when it was linked already.
    pub(super) async fn link_commit(
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
            EventType::CommitLinked,
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
            let found = match IssueKey::parse("key", &key) {
                Ok(k) => crate::ops::find_issue(&mut *w, &k).await?,
                Err(_) => None,
            };
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
}
