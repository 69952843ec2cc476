//! An issue's branch: pm_create_branch and pm_switch_branch, and the helpers
//! that make a branch in git and record it on the issue (shared with pm_start_work).

use lazypm_domain::{EventType, Issue, IssueKey, vcs};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{IssueBrief, Place, Uncommitted, branch_arg, remote_name};
use crate::audit::Write;
use crate::ops::load_issue;
use crate::ops::work::save;
use crate::{Result, Service, ServiceError};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBranchInput {
    pub issue_key: String,
    /// Default: the default branch, updated from the remote.
    pub base_branch: Option<String>,
    pub remote: Option<String>,
    /// Default refuse.
    pub uncommitted: Option<Uncommitted>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SwitchBranchInput {
    pub issue_key: Option<String>,
    pub branch: Option<String>,
    pub project_id: Option<String>,
    /// Default refuse.
    pub uncommitted: Option<Uncommitted>,
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

/// The issue's branch name: the one stored on it, else `type/key-slug`.
pub(crate) fn issue_branch_name(issue: &Issue) -> Result<String> {
    Ok(match &issue.branch {
        Some(b) => b.clone(),
        None => vcs::branch_name(
            issue.issue_type,
            &IssueKey::parse("issue_key", &issue.key)?,
            &issue.title,
        ),
    })
}

/// One line on what [`Service::ensure_branch`] did: `created B from origin/main`,
/// `switched to B`, `already on B` (`before` is the branch checked out before).
pub(crate) fn branch_note(out: &BranchOutput, before: Option<&str>) -> String {
    let mut note = match &out.started_from {
        Some(from) if out.created => format!("created {} from {from}", out.branch),
        _ if before == Some(out.branch.as_str()) => format!("already on {}", out.branch),
        _ => format!("switched to {}", out.branch),
    };
    for w in &out.warnings {
        note.push_str("; ");
        note.push_str(w);
    }
    note
}

impl Service {
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
        let name = issue_branch_name(issue)?;
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
            } else {
                warnings.push(format!(
                    "no remote named {remote}, so {base} was not updated first; the branch starts from the local {base}"
                ));
            }
            if from_remote.is_none() && !repo.rev_exists(&base).await? {
                if !repo.has_commits().await? {
                    return Err(ServiceError::Git {
                        message: format!(
                            "the repository {} has no commits yet, so there is nothing to start {name} from; make a first commit, then create the branch",
                            repo.root().display()
                        ),
                    });
                }
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
            EventType::BranchSet,
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
}
