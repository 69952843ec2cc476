//! An issue's history in git: pm_git_log (its commits) and pm_merge_status
//! (whether its work reached the base branch).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use lazypm_domain::PullRequest;
use lazypm_git::LoggedCommit;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{DEFAULT_REMOTE, branch_arg, limit_in, remote_name, to_time};
use crate::ops::load_issue;
use crate::{Result, Service, ServiceError};

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

impl Service {
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
}
