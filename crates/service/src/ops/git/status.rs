//! pm_git_status: the repository's branch, changes and the issue whose
//! branch is checked out.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::IssueBrief;
use crate::{Result, Service};

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GitStatusInput {
    pub project_id: Option<String>,
    pub issue_key: Option<String>,
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
                "pm_commit: commit these changes to {} (every change unless you name files)",
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
}
