//! Recording the work done on an issue: pm_log_work and pm_add_comment.

use lazypm_domain::text::{clean_list, required};
use lazypm_domain::{
    Activity, Artifacts, Comment, EventType, Status, WorkLog, format_minutes, parse_duration,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::save;
use crate::ops::issues::{OneOrMany, TEXT_MAX, opt_text};
use crate::ops::load_issue;
use crate::{Result, Service, ServiceError};

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogWorkInput {
    pub issue_key: String,
    /// Kind of work (alias: type).
    #[serde(alias = "type")]
    pub activity: Activity,
    pub summary: String,
    /// Like `30m`, `2h30m`, `1.5d`.
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
    /// What was recorded: its id, issue, activity, time and how many artifacts.
    pub logged: LoggedWork,
    /// Total logged on the issue, like `4h30m`.
    pub total_time_spent: String,
    pub next_steps: Vec<String>,
}

/// A work log as a write reports it back; pm_get_issue shows it whole.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LoggedWork {
    pub id: i64,
    pub issue_key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_key: Option<String>,
    pub activity: lazypm_domain::Activity,
    /// Like `2h30m`.
    pub time_spent: String,
    /// Files, commits and URLs recorded.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub artifacts: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl From<&WorkLog> for LoggedWork {
    fn from(l: &WorkLog) -> Self {
        Self {
            id: l.id,
            issue_key: l.issue_key.clone(),
            task_key: l.task_key.clone(),
            activity: l.activity,
            time_spent: format_minutes(l.minutes),
            artifacts: l.artifacts.files.len() + l.artifacts.commits.len() + l.artifacts.urls.len(),
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddCommentInput {
    pub issue_key: String,
    /// Markdown (alias: comment).
    #[serde(alias = "comment")]
    pub body: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CommentOutput {
    pub comment: Comment,
}

impl Service {
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
            EventType::WorkLogged,
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
            logged: LoggedWork::from(&log),
            total_time_spent: format_minutes(issue.time_spent_minutes),
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
            EventType::CommentAdded,
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
