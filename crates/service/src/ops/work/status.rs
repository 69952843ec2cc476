//! Moving an issue along the workflow: pm_update_status and
//! pm_complete_issue, with the project's review requirement.

use lazypm_domain::text::clean_list;
use lazypm_domain::{EventType, Issue, Project, Status, allowed_next, parse_duration};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{refuse_open_blockers, save, take_ownership, transition};
use crate::ops::issues::{IssueOutput, OneOrMany, TEXT_MAX, opt_text};
use crate::ops::{check_version, load_issue};
use crate::{Result, Service, ServiceError};

#[derive(Debug, Clone, Deserialize, JsonSchema)]
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
    /// Moving to in_progress: false starts despite open blocking issues.
    pub validate_dependencies: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteIssueInput {
    pub issue_key: String,
    /// Default: the time logged.
    pub actual_time: Option<String>,
    /// What this issue taught; one text or a list.
    pub lessons_learned: Option<OneOrMany<String>>,
    pub notes: Option<String>,
    /// Archive the issue once done.
    pub archive: Option<bool>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CompleteIssueOutput {
    pub issue: crate::ops::issues::IssueSummary,
    /// True when the issue is now done.
    pub completed: bool,
    /// True when the project requires review and the issue waits for an approval.
    pub awaiting_review: bool,
    /// The status changes made, in order.
    pub transitions: Vec<String>,
    pub next_steps: Vec<String>,
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
        let before = issue.clone();
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
        // Into work by any door: the checks and ownership of pm_start_work.
        let starting = input.status == Status::InProgress && issue.status != Status::InProgress;
        if starting && input.validate_dependencies.unwrap_or(true) {
            refuse_open_blockers(&mut w, &issue).await?;
        }
        transition(&mut w, &mut issue, input.status, notes, &actor).await?;
        if starting && issue.owner.is_none() {
            take_ownership(&mut w, &mut issue, &actor).await?;
        }
        save(&mut w, &mut issue).await?;
        w.commit().await?;
        let next = allowed_next(issue.status)
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        Ok(IssueOutput::new(
            &before,
            &issue,
            vec![format!(
                "pm_update_status: from {} {} can move to {next}",
                issue.status, issue.key
            )],
        ))
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
        let before = issue.clone();
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
                EventType::IssueCompleted,
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
            issue: crate::ops::issues::IssueSummary::changed(&before, &issue),
            next_steps,
        })
    }
}
