//! Committing work: pm_commit (a commit that names its issue, linked to it at
//! once) and pm_stash_work.

use std::path::Path;

use lazypm_domain::text::{clean_list, required};
use lazypm_domain::{CommitRef, EventType, IssueKey, vcs};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{COMMITTING_ENV, short, to_time};
use crate::ops::issues::{OneOrMany, TEXT_MAX, opt_text};
use crate::ops::load_issue;
use crate::ops::work::save;
use crate::{Result, Service, ServiceError};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitInput {
    pub issue_key: String,
    /// `[pm KEY]` and a `PM:` trailer are added.
    pub message: String,
    /// Paths to stage.
    pub files: Option<OneOrMany<String>>,
    /// Stage every change (default without files); false: only what is staged.
    pub all: Option<bool>,
    /// Logged with the commit: 45m, 2h.
    pub time_spent: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StashWorkInput {
    pub issue_key: Option<String>,
    pub message: Option<String>,
    pub project_id: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CommitOutput {
    pub issue_key: String,
    pub commit: CommitRef,
    pub branch: String,
    /// The files the commit changed (relative to the repository's root).
    pub files: Vec<String>,
    /// The full message as committed.
    pub message: String,
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

/// `path` (relative to a repository's root) without `.` and `..` parts, `/`-
/// separated; `None` when it climbs out of the root.
fn normalized(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

impl Service {
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
        if let Some(f) = files
            .iter()
            .find(|f| normalized(f).is_some_and(|n| repo.is_protected(&n)))
        {
            return Err(ServiceError::invalid(
                "files",
                format!(
                    "{f} is lazypm's own data (its database or data directory), which is never committed; leave it out of files"
                ),
            ));
        }
        // Neither files nor all: every change, as `git add -A`.
        let all = input.all.unwrap_or(files.is_empty());
        if !files.is_empty() {
            repo.add(&files).await?;
        }
        if all {
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
            let message = if all {
                format!(
                    "nothing to commit: {} has no changes (lazypm's own data is never committed); change and save files first, then call pm_commit again",
                    root.display()
                )
            } else {
                "nothing is staged to commit: name the changed files in files, or leave files and all out to commit every change".to_string()
            };
            return Err(ServiceError::invalid("files", message));
        }
        let key = IssueKey::parse("issue_key", &issue.key)?;
        let full = vcs::commit_message(&key, issue.issue_type, &message);
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
                EventType::WorkStashed,
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
}

#[cfg(test)]
mod tests {
    use super::normalized;

    #[test]
    fn paths_are_normalized_lexically() {
        assert_eq!(
            normalized("./a/../.lazypm/x.db").as_deref(),
            Some(".lazypm/x.db")
        );
        assert_eq!(normalized("a//b/").as_deref(), Some("a/b"));
        assert_eq!(normalized("../outside"), None);
    }
}
