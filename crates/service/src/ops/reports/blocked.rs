//! pm_blocked_issues: blocked work and work waiting on open issues, with
//! exact totals and what would unblock it.

use lazypm_domain::{Priority, Status};
use lazypm_store::CandidateQuery;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ops::check_limit;
use crate::{Result, Service};

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockedIssuesInput {
    pub project_id: Option<String>,
    /// Only work whose blockers are yours or nobody's (alias: actionable).
    #[serde(alias = "actionable")]
    pub actionable_by_me: Option<bool>,
    /// 1–200, default 50.
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct BlockedItem {
    pub key: String,
    pub title: String,
    pub status: Status,
    pub priority: Priority,
    pub owner: Option<String>,
    /// For status blocked: the reason given.
    pub blocker_reason: Option<String>,
    /// Open issues that block it.
    pub waiting_on: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct BlockedIssuesOutput {
    pub blocked: Vec<BlockedItem>,
    /// How many issues match, of which `blocked` lists the first `limit`.
    pub total: usize,
    pub truncated: bool,
    pub next_steps: Vec<String>,
}

impl Service {
    pub async fn pm_blocked_issues(
        &self,
        input: BlockedIssuesInput,
    ) -> Result<BlockedIssuesOutput> {
        let mut tx = self.read().await?;
        let project = self
            .resolve_project(&mut *tx, input.project_id.as_deref())
            .await?;
        let cands = tx
            .candidates(&CandidateQuery {
                project_id: project.id,
                statuses: vec![
                    Status::Blocked,
                    Status::Proposed,
                    Status::InProgress,
                    Status::Review,
                ],
                limit: 10_000,
                ..Default::default()
            })
            .await?;
        let limit = check_limit(input.limit, 50)? as usize;
        let me = self.actor();
        let mine_or_nobodys = |owner: &Option<String>| owner.as_deref().is_none_or(|o| o == me);
        let mut blocked = Vec::new();
        let mut total = 0;
        for c in cands
            .into_iter()
            .filter(|c| c.issue.status == Status::Blocked || c.open_blockers > 0)
        {
            let blockers = if c.open_blockers > 0 {
                tx.open_blockers(c.issue.id).await?
            } else {
                Vec::new()
            };
            if input.actionable_by_me == Some(true) {
                // Blocked by open issues: one of them must be yours or nobody's.
                // Blocked for a stated reason: the issue itself must be.
                let actionable = if blockers.is_empty() {
                    mine_or_nobodys(&c.issue.owner)
                } else {
                    let mut any = false;
                    for b in &blockers {
                        let owner = tx.issue_by_key(&b.key).await?.and_then(|i| i.owner);
                        if mine_or_nobodys(&owner) {
                            any = true;
                            break;
                        }
                    }
                    any
                };
                if !actionable {
                    continue;
                }
            }
            total += 1;
            if blocked.len() == limit {
                continue;
            }
            blocked.push(BlockedItem {
                key: c.issue.key,
                title: c.issue.title,
                status: c.issue.status,
                priority: c.issue.priority,
                owner: c.issue.owner,
                blocker_reason: c.issue.blocker_reason,
                waiting_on: blockers.into_iter().map(|b| b.key).collect(),
            });
        }
        let next_steps = match blocked.iter().flat_map(|b| b.waiting_on.first()).next() {
            Some(k) => vec![format!("pm_get_issue: finishing {k} unblocks other work")],
            None if blocked.is_empty() => {
                vec!["pm_suggest_next_work: nothing is blocked; pick ready work".into()]
            }
            None => vec![
                "pm_update_status: move an issue back to in_progress once its blocker is resolved"
                    .into(),
            ],
        };
        Ok(BlockedIssuesOutput {
            truncated: total > blocked.len(),
            total,
            blocked,
            next_steps,
        })
    }
}
