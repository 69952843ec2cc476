//! Project health, blocked work, stand-ups and an issue's history. This file
//! holds pm_status and the brief issue rows the reports share; the other
//! reports live in the submodules.

use std::collections::BTreeMap;

use lazypm_domain::{Event, Health, Priority, Status};
use lazypm_store::IssueQuery;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Result, Service};

mod blocked;
mod history;
mod improve;
mod milestone;
mod retro;
mod stakeholder;
mod standup;
mod weekly;

pub use blocked::*;
pub use history::*;
pub use improve::*;
pub use milestone::*;
pub use retro::*;
pub use stakeholder::*;
pub use standup::*;
pub use weekly::*;
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusInput {
    pub project_id: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct BriefIssue {
    pub key: String,
    pub title: String,
    pub status: Status,
    pub priority: Priority,
    pub owner: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct StatusOutput {
    pub project: String,
    pub name: String,
    /// Live (not archived) issues.
    pub total: i64,
    pub open: i64,
    pub by_status: BTreeMap<String, i64>,
    pub by_priority: BTreeMap<String, i64>,
    pub by_type: BTreeMap<String, i64>,
    /// Issue counts per module / submodule (`(none)` for issues without one).
    pub by_module: BTreeMap<String, i64>,
    pub blocked: i64,
    /// Open issues waiting on an open blocking issue.
    pub waiting_on_dependencies: i64,
    pub archived: i64,
    pub in_progress: Vec<BriefIssue>,
    /// Issues waiting for review.
    pub in_review: Vec<BriefIssue>,
    /// Newest first.
    pub recent_activity: Vec<Event>,
    /// `healthy`, `attention` or `at_risk`, with the reasons.
    pub health: Health,
    pub health_notes: Vec<String>,
    pub next_steps: Vec<String>,
}

pub(crate) fn brief(i: &lazypm_domain::Issue) -> BriefIssue {
    BriefIssue {
        key: i.key.clone(),
        title: i.title.clone(),
        status: i.status,
        priority: i.priority,
        owner: i.owner.clone(),
    }
}

impl Service {
    pub async fn pm_status(&self, input: StatusInput) -> Result<StatusOutput> {
        let mut tx = self.read().await?;
        let project = self
            .resolve_project(&mut *tx, input.project_id.as_deref())
            .await?;
        let c = tx.counts(project.id).await?;
        let (active, _) = tx
            .list_issues(&IssueQuery::lean(
                project.id,
                vec![Status::InProgress, Status::Review],
                50,
            ))
            .await?;
        let recent = tx.recent_events(&project.key, None, 10).await?;
        let n = |s: Status| c.by_status.get(s.as_str()).copied().unwrap_or(0);
        let open = c.total - n(Status::Done) - n(Status::Canceled);
        let blocked = n(Status::Blocked);
        let mut notes = Vec::new();
        if blocked > 0 {
            notes.push(format!("{blocked} issue(s) blocked"));
        }
        if c.waiting_on_dependencies > 0 {
            notes.push(format!(
                "{} issue(s) wait on open dependencies",
                c.waiting_on_dependencies
            ));
        }
        let urgent_unstarted = active.iter().all(|a| a.priority != Priority::P1)
            && c.by_priority.get("P1").copied().unwrap_or(0) > 0;
        if urgent_unstarted {
            notes.push("P1 work exists but none is in progress".into());
        }
        let health = if open > 0 && (blocked * 4 >= open || urgent_unstarted) {
            Health::AtRisk
        } else if blocked > 0 || c.waiting_on_dependencies > 0 {
            Health::Attention
        } else {
            Health::Healthy
        };
        if notes.is_empty() {
            notes.push("nothing blocked".into());
        }
        let next_steps = if open == 0 {
            vec!["pm_create_issue: nothing is open; plan the next piece of work".into()]
        } else {
            vec![
                "pm_suggest_next_work: pick ready work".into(),
                "pm_my_queue: see your own queue".into(),
            ]
        };
        Ok(StatusOutput {
            project: project.key,
            name: project.name,
            total: c.total,
            open,
            by_status: c.by_status,
            by_priority: c.by_priority,
            by_type: c.by_type,
            by_module: c.by_module,
            blocked,
            waiting_on_dependencies: c.waiting_on_dependencies,
            archived: c.archived,
            in_progress: active
                .iter()
                .filter(|a| a.status == Status::InProgress)
                .map(brief)
                .collect(),
            in_review: active
                .iter()
                .filter(|a| a.status == Status::Review)
                .map(brief)
                .collect(),
            recent_activity: recent,
            health,
            health_notes: notes,
            next_steps,
        })
    }
}
