//! Moving issues through the workflow and recording the work done on them.

use chrono::{DateTime, Utc};
use lazypm_domain::text::{clean_list, required};
use lazypm_domain::{
    Activity, Artifacts, Comment, Issue, Project, Status, StatusUpdate, WorkLog, allowed_next,
    check_transition, format_minutes, parse_duration,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::issues::{IssueOutput, OneOrMany, TEXT_MAX, opt_text};
use super::{check_version, load_issue};
use crate::audit::Write;
use crate::{Result, Service, ServiceError};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateStatusInput {
    pub issue_key: String,
    /// New status; a refused move lists the allowed ones.
    pub status: Status,
    /// Why, for the record.
    pub notes: Option<String>,
    /// Required when status is `blocked`: what blocks the issue.
    pub blocker_reason: Option<String>,
    /// The version you read; refused if changed since.
    pub version: Option<i64>,
}

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
    pub uncommitted: Option<super::git::Uncommitted>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct StartWorkOutput {
    pub issue: lazypm_domain::Issue,
    /// False when you already owned it in progress (nothing changed).
    pub started: bool,
    /// The issue's branch, with create_branch.
    pub branch: Option<super::git::BranchOutput>,
    pub next_steps: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogWorkInput {
    pub issue_key: String,
    /// Kind of work.
    #[serde(alias = "type")]
    pub activity: Activity,
    pub summary: String,
    /// Time spent: `30m`, `2h`, `2h30m`, `1.5d` (1d = 8h).
    pub time_spent: Option<String>,
    pub details: Option<String>,
    /// Files touched (or one string of comma-separated files).
    pub artifacts: Option<OneOrMany<String>>,
    pub commits: Option<Vec<String>>,
    pub urls: Option<Vec<String>>,
    pub blockers: Option<Vec<String>>,
    pub decisions: Option<Vec<String>>,
    /// The task the work belongs to (`PROJ-12-T1`).
    pub task_key: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct LogWorkOutput {
    pub work_log: WorkLog,
    /// Total logged on the issue, like `4h30m`.
    pub total_time_spent: String,
    pub next_steps: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteIssueInput {
    pub issue_key: String,
    /// Actual effort (`5h`, `1.5d`); defaults to the time logged.
    pub actual_time: Option<String>,
    /// What this issue taught; one text or a list.
    pub lessons_learned: Option<OneOrMany<String>>,
    pub notes: Option<String>,
    /// Archive the issue once done.
    pub archive: Option<bool>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CompleteIssueOutput {
    pub issue: lazypm_domain::Issue,
    /// True when the issue is now done.
    pub completed: bool,
    /// True when the project requires review and the issue waits for an approval.
    pub awaiting_review: bool,
    /// The status changes made, in order.
    pub transitions: Vec<String>,
    pub next_steps: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddCommentInput {
    pub issue_key: String,
    /// Markdown.
    #[serde(alias = "comment")]
    pub body: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CommentOutput {
    pub comment: Comment,
}

/// Applies one workflow step to `issue` (in memory) and records it.
pub(crate) async fn transition(
    w: &mut Write<'_>,
    issue: &mut Issue,
    to: Status,
    notes: Option<String>,
    actor: &str,
) -> Result<()> {
    check_transition(issue.status, to)
        .map_err(|e| ServiceError::invalid("status", format!("{}: {}", issue.key, e.message)))?;
    let from = issue.status;
    let now: DateTime<Utc> = w.now;
    issue.status = to;
    if to == Status::InProgress {
        issue.started_at.get_or_insert(now);
    }
    issue.completed_at = if to.is_closed() { Some(now) } else { None };
    // Reopened or revived work is live again: an archived issue comes back.
    let unarchived = from.is_closed() && !to.is_closed() && issue.archived;
    if unarchived {
        issue.archived = false;
    }
    if to != Status::Blocked {
        issue.blocker_reason = None;
    }
    issue.communication.updates.push(StatusUpdate {
        at: now,
        actor: actor.to_string(),
        from,
        to,
        notes: notes.clone(),
    });
    w.record(
        "status_changed",
        Some(&issue.project),
        &issue.key,
        Some(&issue.key),
        json!({ "from": from, "to": to, "notes": notes, "blocker_reason": issue.blocker_reason, "unarchived": unarchived }),
    )
    .await
}

/// Saves an issue changed in memory, bumping its version.
pub(crate) async fn save(w: &mut Write<'_>, issue: &mut Issue) -> Result<()> {
    let expected = issue.version;
    issue.version += 1;
    issue.updated_at = w.now;
    w.update_issue(issue, expected).await?;
    Ok(())
}

fn approved(issue: &Issue) -> bool {
    issue
        .communication
        .reviews
        .last()
        .is_some_and(|r| r.decision == "approved")
}

fn requires_review(project: Option<&Project>) -> bool {
    project.is_some_and(|p| p.metadata.require_review)
}

impl Service {
    pub async fn pm_update_status(&self, input: UpdateStatusInput) -> Result<IssueOutput> {
        let notes = opt_text("notes", &input.notes, TEXT_MAX)?;
        let reason = opt_text("blocker_reason", &input.blocker_reason, 2000)?;
        let mut w = self.write().await?;
        let mut issue = load_issue(&mut *w, "issue_key", &input.issue_key).await?;
        check_version(&issue.key, input.version, issue.version)?;
        if input.status == Status::Blocked && reason.is_none() {
            return Err(ServiceError::invalid(
                "blocker_reason",
                "is required when status is blocked: say what blocks the issue",
            ));
        }
        if input.status == Status::Done && issue.status == Status::Review {
            let project = w.project_by_key(&issue.project).await?;
            if requires_review(project.as_ref()) && !approved(&issue) {
                return Err(ServiceError::invalid(
                    "status",
                    format!(
                        "{} needs an approved review before it can be done (the project requires review)",
                        issue.key
                    ),
                ));
            }
        }
        let actor = self.actor().to_string();
        if input.status == Status::Blocked {
            issue.blocker_reason = reason;
        }
        transition(&mut w, &mut issue, input.status, notes, &actor).await?;
        save(&mut w, &mut issue).await?;
        w.commit().await?;
        let next = allowed_next(issue.status)
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        Ok(IssueOutput {
            next_steps: vec![format!(
                "pm_update_status: from {} {} can move to {next}",
                issue.status, issue.key
            )],
            issue,
        })
    }

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
        let base = super::git::branch_arg("base_branch", &input.base_branch)?;
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
                    super::git::DEFAULT_REMOTE,
                    input.uncommitted.unwrap_or_default(),
                )
                .await?;
            Some(out)
        } else {
            None
        };
        let mut w = self.write().await?;
        let mut issue = load_issue(&mut *w, "issue_key", &input.issue_key).await?;
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
            issue,
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

    pub async fn pm_log_work(&self, input: LogWorkInput) -> Result<LogWorkOutput> {
        let summary = required("summary", &input.summary, 2000)?;
        let details = opt_text("details", &input.details, TEXT_MAX)?;
        let minutes = match &input.time_spent {
            Some(t) => parse_duration("time_spent", t)?,
            None => 0,
        };
        let files: Vec<String> = match input.artifacts {
            Some(OneOrMany::One(s)) => s.split(',').map(|f| f.trim().to_string()).collect(),
            Some(OneOrMany::Many(v)) => v,
            None => Vec::new(),
        };
        let artifacts = Artifacts {
            files: clean_list("artifacts", &files, 500)?,
            commits: clean_list("commits", input.commits.as_deref().unwrap_or(&[]), 100)?,
            urls: clean_list("urls", input.urls.as_deref().unwrap_or(&[]), 2000)?,
        };
        let blockers = clean_list("blockers", input.blockers.as_deref().unwrap_or(&[]), 2000)?;
        let decisions = clean_list("decisions", input.decisions.as_deref().unwrap_or(&[]), 2000)?;
        let mut w = self.write().await?;
        let mut issue = load_issue(&mut *w, "issue_key", &input.issue_key).await?;
        let task = match &input.task_key {
            Some(k) => {
                let t = w
                    .task_by_key(&lazypm_domain::TaskKey::parse("task_key", k)?.to_string())
                    .await?
                    .ok_or_else(|| {
                        ServiceError::not_found(format!(
                            "task '{k}' not found: pm_get_issue lists an issue's tasks"
                        ))
                    })?;
                if t.issue_id != issue.id {
                    return Err(ServiceError::invalid(
                        "task_key",
                        format!("{} belongs to {}, not {}", t.key, t.issue_key, issue.key),
                    ));
                }
                Some(t)
            }
            None => None,
        };
        let mut log = WorkLog {
            id: 0,
            issue_key: issue.key.clone(),
            task_key: task.as_ref().map(|t| t.key.clone()),
            author: self.actor().to_string(),
            activity: input.activity,
            summary,
            details,
            artifacts,
            blockers,
            decisions,
            minutes,
            logged_at: w.now,
        };
        log.id = w
            .insert_work_log(issue.id, task.as_ref().map(|t| t.id), &log)
            .await?;
        issue.time_spent_minutes += minutes;
        save(&mut w, &mut issue).await?;
        w.record(
            "work_logged",
            Some(&issue.project),
            &issue.key,
            Some(&issue.key),
            json!({ "activity": log.activity, "summary": log.summary, "minutes": minutes, "task": log.task_key }),
        )
        .await?;
        w.commit().await?;
        let mut next_steps = vec![format!(
            "pm_log_work: keep recording progress on {}",
            issue.key
        )];
        if issue.status == Status::InProgress {
            next_steps.push(format!(
                "pm_complete_issue: finish {} when its acceptance criteria hold",
                issue.key
            ));
        }
        Ok(LogWorkOutput {
            work_log: log,
            total_time_spent: format_minutes(issue.time_spent_minutes),
            next_steps,
        })
    }

    pub async fn pm_complete_issue(
        &self,
        input: CompleteIssueInput,
    ) -> Result<CompleteIssueOutput> {
        let actual = input
            .actual_time
            .as_deref()
            .map(|t| parse_duration("actual_time", t))
            .transpose()?;
        let lessons = match input.lessons_learned {
            Some(l) => clean_list("lessons_learned", &l.into_vec(), 5000)?,
            None => Vec::new(),
        };
        let notes = opt_text("notes", &input.notes, TEXT_MAX)?;
        let mut w = self.write().await?;
        let mut issue = load_issue(&mut *w, "issue_key", &input.issue_key).await?;
        if !matches!(issue.status, Status::InProgress | Status::Review) {
            let hint = match issue.status {
                Status::Done => "it is already done".to_string(),
                Status::Proposed => "start it first with pm_start_work".to_string(),
                Status::Blocked => {
                    "unblock it first (pm_update_status status in_progress)".to_string()
                }
                _ => format!("it is {}", issue.status),
            };
            return Err(ServiceError::invalid(
                "issue_key",
                format!(
                    "{} is {}: completing works from in_progress or review; {hint}",
                    issue.key, issue.status
                ),
            ));
        }
        let project = w.project_by_key(&issue.project).await?;
        let actor = self.actor().to_string();
        let mut transitions = Vec::new();
        if issue.status == Status::InProgress {
            transition(&mut w, &mut issue, Status::Review, notes.clone(), &actor).await?;
            transitions.push("in_progress → review".to_string());
        }
        let awaiting = requires_review(project.as_ref()) && !approved(&issue);
        if awaiting && transitions.is_empty() {
            return Err(ServiceError::invalid(
                "issue_key",
                format!(
                    "{} is in review and waits for an approved review (pm_review_issue) before it can be done",
                    issue.key
                ),
            ));
        }
        if !awaiting {
            transition(&mut w, &mut issue, Status::Done, notes, &actor).await?;
            transitions.push("review → done".to_string());
            issue.analytics.actual_minutes = Some(actual.unwrap_or(issue.time_spent_minutes));
            issue
                .analytics
                .lessons_learned
                .extend(lessons.iter().cloned());
            if input.archive == Some(true) {
                issue.archived = true;
            }
            w.record(
                "issue_completed",
                Some(&issue.project),
                &issue.key,
                Some(&issue.key),
                json!({ "actual_minutes": issue.analytics.actual_minutes, "time_logged_minutes": issue.time_spent_minutes, "lessons_learned": lessons, "archived": issue.archived }),
            )
            .await?;
        }
        save(&mut w, &mut issue).await?;
        w.commit().await?;
        let next_steps = if awaiting {
            vec![format!(
                "pm_review_issue: {} waits for an approved review before it can be done",
                issue.key
            )]
        } else {
            vec!["pm_suggest_next_work: pick the next issue".into()]
        };
        Ok(CompleteIssueOutput {
            completed: !awaiting,
            awaiting_review: awaiting,
            transitions,
            issue,
            next_steps,
        })
    }

    pub async fn pm_add_comment(&self, input: AddCommentInput) -> Result<CommentOutput> {
        let body = required("body", &input.body, TEXT_MAX)?;
        let mut w = self.write().await?;
        let mut issue = load_issue(&mut *w, "issue_key", &input.issue_key).await?;
        let mut comment = Comment {
            id: 0,
            issue_key: issue.key.clone(),
            author: self.actor().to_string(),
            body,
            created_at: w.now,
        };
        comment.id = w.insert_comment(issue.id, &comment).await?;
        save(&mut w, &mut issue).await?;
        let preview: String = comment.body.chars().take(200).collect();
        w.record(
            "comment_added",
            Some(&issue.project),
            &issue.key,
            Some(&issue.key),
            json!({ "comment_id": comment.id, "body": preview }),
        )
        .await?;
        w.commit().await?;
        Ok(CommentOutput { comment })
    }
}
