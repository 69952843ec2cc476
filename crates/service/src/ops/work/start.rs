//! pm_start_work: claiming an issue and moving it to in_progress, optionally
//! on its own git branch.

use lazypm_domain::{Issue, Status};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{save, transition};
use crate::audit::Write;
use crate::ops::issues::{TEXT_MAX, opt_text};
use crate::ops::load_issue;
use crate::{Result, Service, ServiceError};

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StartWorkInput {
    pub issue_key: String,
    /// Refuse while a blocking issue is open (default true).
    pub validate_dependencies: Option<bool>,
    /// Take the issue over when someone else is already working on it.
    pub take_over: Option<bool>,
    pub notes: Option<String>,
    /// Also create or switch to the issue's git branch.
    pub create_branch: Option<bool>,
    /// With create_branch.
    pub base_branch: Option<String>,
    /// With create_branch: refuse (default), carry or stash.
    pub uncommitted: Option<crate::ops::git::Uncommitted>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct StartWorkOutput {
    pub issue: crate::ops::issues::IssueSummary,
    /// False when you already owned it in progress (nothing changed).
    pub started: bool,
    /// The issue's branch, with create_branch.
    pub branch: Option<crate::ops::git::BranchOutput>,
    pub next_steps: Vec<String>,
}

impl Service {
    pub async fn pm_start_work(&self, input: StartWorkInput) -> Result<StartWorkOutput> {
        let notes = opt_text("notes", &input.notes, TEXT_MAX)?;
        let actor = self.actor().to_string();
        let validate = input.validate_dependencies.unwrap_or(true);
        let take_over = input.take_over.unwrap_or(false);
        let with_branch = input.create_branch.unwrap_or(false);
        if !with_branch && (input.base_branch.is_some() || input.uncommitted.is_some()) {
            return Err(ServiceError::invalid(
                "create_branch",
                "base_branch and uncommitted apply only with create_branch: true",
            ));
        }
        let base = crate::ops::git::branch_arg("base_branch", &input.base_branch)?;
        let branch = if with_branch {
            // Check that the start would succeed before touching git, then make
            // the branch, then start for real: a refused start leaves no branch,
            // and a failed branch leaves the issue as it was.
            let mut dry = self.write().await?;
            let mut issue = load_issue(&mut *dry, "issue_key", &input.issue_key).await?;
            self.claim(
                &mut dry,
                &mut issue,
                &actor,
                notes.clone(),
                validate,
                take_over,
            )
            .await?;
            drop(dry);
            let (issue, place) = self.issue_place(&input.issue_key).await?;
            let out = self
                .ensure_branch(
                    &issue,
                    &place,
                    base,
                    crate::ops::git::DEFAULT_REMOTE,
                    input.uncommitted.unwrap_or_default(),
                )
                .await?;
            Some(out)
        } else {
            None
        };
        let mut w = self.write().await?;
        let mut issue = load_issue(&mut *w, "issue_key", &input.issue_key).await?;
        let before = issue.clone();
        let branch_changed = match &branch {
            Some(b) => self.record_branch(&mut w, &mut issue, b, false).await?,
            None => false,
        };
        let started = self
            .claim(&mut w, &mut issue, &actor, notes, validate, take_over)
            .await?;
        if branch_changed && !started {
            save(&mut w, &mut issue).await?;
        }
        w.commit().await?;
        let mut next_steps = vec![
            format!("pm_get_issue: read the full specification of {}", issue.key),
            format!("pm_log_work: record progress on {}", issue.key),
        ];
        if branch.is_some() {
            next_steps.push(format!("pm_commit: commit work on {}", issue.key));
        }
        Ok(StartWorkOutput {
            next_steps,
            issue: crate::ops::issues::IssueSummary::changed(&before, &issue),
            started,
            branch,
        })
    }

    /// Takes `issue` for `actor` and moves it to in_progress, in `w`.
    /// Returns false when the actor already had it in progress.
    pub(crate) async fn claim(
        &self,
        w: &mut Write<'_>,
        issue: &mut Issue,
        actor: &str,
        notes: Option<String>,
        validate: bool,
        take_over: bool,
    ) -> Result<bool> {
        if issue.status == Status::InProgress {
            return match issue.owner.as_deref() {
                Some(o) if o == actor => Ok(false),
                Some(o) if !take_over => Err(ServiceError::conflict(format!(
                    "{} is already in progress, owned by {o}; pick other work with pm_suggest_next_work, or pass take_over: true to take it over",
                    issue.key
                ))),
                previous => {
                    let previous = previous.map(str::to_string);
                    issue.owner = Some(actor.to_string());
                    w.record(
                        "owner_changed",
                        Some(&issue.project),
                        &issue.key,
                        Some(&issue.key),
                        json!({ "from": previous, "to": actor }),
                    )
                    .await?;
                    save(w, issue).await?;
                    Ok(true)
                }
            };
        }
        if !matches!(
            issue.status,
            Status::Proposed | Status::Blocked | Status::Review
        ) {
            return Err(ServiceError::invalid(
                "issue_key",
                format!(
                    "{} is {}; work starts from proposed, blocked or review (reopen a done issue with pm_update_status status in_progress, revive a canceled one with status proposed)",
                    issue.key, issue.status
                ),
            ));
        }
        if validate {
            let blockers = w.open_blockers(issue.id).await?;
            if !blockers.is_empty() {
                let list = blockers
                    .iter()
                    .map(|b| format!("{} ({})", b.key, b.status))
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(ServiceError::conflict(format!(
                    "{} is blocked by open issues: {list}; finish those first, or pass validate_dependencies: false to start anyway",
                    issue.key
                )));
            }
        }
        if issue.owner.as_deref() != Some(actor) {
            let previous = issue.owner.replace(actor.to_string());
            w.record(
                "owner_changed",
                Some(&issue.project),
                &issue.key,
                Some(&issue.key),
                json!({ "from": previous, "to": actor }),
            )
            .await?;
        }
        transition(w, issue, Status::InProgress, notes, actor).await?;
        save(w, issue).await?;
        Ok(true)
    }
}
