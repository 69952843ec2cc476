//! pm_start_work: claiming an issue and moving it to in_progress, on its own
//! git branch when the project is a git repository.

use lazypm_domain::{Issue, Project, Status};
use lazypm_git::{GitError, Repo};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{refuse_open_blockers, save, take_ownership, transition};
use crate::audit::Write;
use crate::ops::git::{
    BranchOutput, DEFAULT_REMOTE, Uncommitted, branch_arg, branch_note, issue_branch_name, work_dir,
};
use crate::ops::issues::{IssueSummary, TEXT_MAX, opt_text};
use crate::ops::load_issue;
use crate::{Result, Service, ServiceError};

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StartWorkInput {
    pub issue_key: String,
    /// Refuse while a blocking issue is open (default true).
    pub validate_dependencies: Option<bool>,
    /// Take the issue over when someone else is already working on it.
    pub take_over: Option<bool>,
    pub notes: Option<String>,
    /// Default: the issue's git branch when possible (see branch_note); true: required; false: none.
    pub create_branch: Option<bool>,
    /// Default: the default branch, updated from origin.
    pub base_branch: Option<String>,
    /// Refuse (default), carry or stash.
    pub uncommitted: Option<Uncommitted>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct StartWorkOutput {
    pub issue: IssueSummary,
    /// False when you already owned it in progress (nothing changed).
    pub started: bool,
    /// The issue's branch, when it was created or switched to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// What happened about the branch: created from where, switched to, or why there is none.
    pub branch_note: String,
    pub next_steps: Vec<String>,
}

/// What the call asks for about the branch.
enum BranchMode {
    /// create_branch: true — a branch, or an error.
    Required,
    /// Neither: a branch when the project is a git repository that allows one.
    Automatic,
    /// create_branch: false.
    Off,
}

/// The project's `auto_branch` setting (metadata key; absent means on).
fn auto_branch(project: &Project) -> bool {
    serde_json::to_value(&project.metadata)
        .ok()
        .and_then(|m| m.get("auto_branch").and_then(serde_json::Value::as_bool))
        .unwrap_or(true)
}

/// A few changed paths, for a note.
fn some_paths(paths: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut text = paths
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if paths.len() > SHOWN {
        text.push_str(&format!(" and {} more", paths.len() - SHOWN));
    }
    text
}

impl Service {
    pub async fn pm_start_work(&self, input: StartWorkInput) -> Result<StartWorkOutput> {
        let notes = opt_text("notes", &input.notes, TEXT_MAX)?;
        let actor = self.actor().to_string();
        let validate = input.validate_dependencies.unwrap_or(true);
        let take_over = input.take_over.unwrap_or(false);
        let mode = match input.create_branch {
            Some(true) => BranchMode::Required,
            Some(false) => BranchMode::Off,
            None => BranchMode::Automatic,
        };
        if matches!(mode, BranchMode::Off)
            && (input.base_branch.is_some() || input.uncommitted.is_some())
        {
            return Err(ServiceError::invalid(
                "create_branch",
                "base_branch and uncommitted apply only when a branch is made: leave create_branch out, or pass true",
            ));
        }
        let base = branch_arg("base_branch", &input.base_branch)?;
        let uncommitted = input.uncommitted.unwrap_or_default();
        let start = StartArgs {
            key: &input.issue_key,
            actor: &actor,
            notes: notes.clone(),
            validate,
            take_over,
        };
        let (branch, branch_note) = match mode {
            BranchMode::Off => (None, "no branch: create_branch is false".to_string()),
            BranchMode::Required => {
                // Check that the start would succeed before touching git, then make
                // the branch, then start for real: a refused start leaves no branch,
                // and a failed branch leaves the issue as it was.
                self.dry_start(&start).await?;
                let (issue, place) = self.issue_place(&input.issue_key).await?;
                let before = place.repo.current_branch().await.ok().flatten();
                let out = self
                    .ensure_branch(&issue, &place, base, DEFAULT_REMOTE, uncommitted)
                    .await?;
                let note = branch_note(&out, before.as_deref());
                (Some(out), note)
            }
            BranchMode::Automatic => self.automatic_branch(&start, base, uncommitted).await?,
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
            format!("pm_get_issue: read {}'s spec", issue.key),
            format!("pm_log_work: record progress on {}", issue.key),
        ];
        if branch.is_some() {
            next_steps.push(format!("pm_commit: commit work on {}", issue.key));
        }
        // The branch has its own field: the summary need not repeat it.
        let mut summary = IssueSummary::changed(&before, &issue);
        summary.changed.retain(|c| !c.starts_with("branch:"));
        Ok(StartWorkOutput {
            next_steps,
            issue: summary,
            started,
            branch: branch.map(|b| b.branch),
            branch_note,
        })
    }

    /// Runs the start in a transaction that is rolled back: an error when the
    /// start would be refused.
    async fn dry_start(&self, s: &StartArgs<'_>) -> Result<()> {
        let mut dry = self.write().await?;
        let mut issue = load_issue(&mut *dry, "issue_key", s.key).await?;
        self.claim(
            &mut dry,
            &mut issue,
            s.actor,
            s.notes.clone(),
            s.validate,
            s.take_over,
        )
        .await?;
        drop(dry);
        Ok(())
    }

    /// The branch of a start that named no create_branch: created or switched
    /// to when the project is a git repository with a commit, its auto_branch
    /// is not off and nothing uncommitted is in the way; otherwise none, and
    /// the note says why. Fails only when the start itself would be refused,
    /// or for a base_branch the caller named that cannot be used.
    async fn automatic_branch(
        &self,
        s: &StartArgs<'_>,
        base: Option<String>,
        uncommitted: Uncommitted,
    ) -> Result<(Option<BranchOutput>, String)> {
        let none = |note: String| Ok((None, format!("no branch: {note}")));
        let (issue, project) = {
            let mut tx = self.read().await?;
            let issue = load_issue(&mut *tx, "issue_key", s.key).await?;
            let project = tx.project_by_key(&issue.project).await?.ok_or_else(|| {
                ServiceError::not_found(format!("project {} not found", issue.project))
            })?;
            (issue, project)
        };
        if !auto_branch(&project) {
            return none(format!(
                "auto_branch is off for project {}; pass create_branch: true for one",
                project.key
            ));
        }
        let (dir, submodule) = work_dir(&project, Some(&issue));
        let repo = match Repo::open_with(&dir, self.ctx.git.clone()).await {
            Ok(r) => r,
            Err(GitError::NotARepository { .. }) => {
                return none(format!(
                    "the project is not a git repository ({})",
                    dir.display()
                ));
            }
            Err(e) => return none(e.to_string()),
        };
        let place = self.place(project, repo, submodule).await;
        let repo = &place.repo;
        match repo.has_commits().await {
            Ok(true) => {}
            Ok(false) => {
                return none(format!(
                    "the repository has no commits yet; make a first commit, then pm_create_branch {}",
                    issue.key
                ));
            }
            Err(e) => return none(e.to_string()),
        }
        // A refused start makes no branch.
        self.dry_start(s).await?;
        let name = issue_branch_name(&issue)?;
        let before = match repo.current_branch().await {
            Ok(b) => b,
            Err(e) => return none(e.to_string()),
        };
        if uncommitted == Uncommitted::Refuse && before.as_deref() != Some(name.as_str()) {
            match repo.status().await {
                Ok(st) if !st.is_clean() => {
                    return none(format!(
                        "uncommitted changes in {}; pass uncommitted: carry or stash (or commit them first) to switch to {name}",
                        some_paths(&st.paths())
                    ));
                }
                Ok(_) => {}
                Err(e) => return none(e.to_string()),
            }
        }
        let named_base = base.is_some();
        match self
            .ensure_branch(&issue, &place, base, DEFAULT_REMOTE, uncommitted)
            .await
        {
            Ok(out) => {
                let note = branch_note(&out, before.as_deref());
                Ok((Some(out), note))
            }
            Err(e @ ServiceError::Invalid { .. }) if named_base => Err(e),
            Err(e) => none(e.to_string()),
        }
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
                _ => {
                    take_ownership(w, issue, actor).await?;
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
            refuse_open_blockers(w, issue).await?;
        }
        if issue.owner.as_deref() != Some(actor) {
            take_ownership(w, issue, actor).await?;
        }
        transition(w, issue, Status::InProgress, notes, actor).await?;
        save(w, issue).await?;
        Ok(true)
    }
}

/// What a start needs, for its dry run.
struct StartArgs<'a> {
    key: &'a str,
    actor: &'a str,
    notes: Option<String>,
    validate: bool,
    take_over: bool,
}
