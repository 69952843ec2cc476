//! What to work on: the owner's queue and ranked ready work, with an
//! optional atomic claim so several agents never take the same issue.

use chrono::Utc;
use lazypm_domain::ranking::{self, Score};
use lazypm_domain::{IssueType, Priority, Status};
use lazypm_store::{Candidate, CandidateQuery};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::check_limit;
use super::issues::OneOrMany;
use crate::{Result, Service};

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MyQueueInput {
    pub project_id: Option<String>,
    /// Whose queue; default the current actor.
    pub owner: Option<String>,
    /// Also list ready issues nobody owns yet.
    pub include_unassigned: Option<bool>,
    /// Default urgency.
    pub sort: Option<QueueSort>,
    /// 1–200, default 20.
    pub limit: Option<u32>,
}

/// How a queue is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum QueueSort {
    #[default]
    Urgency,
    Priority,
    Updated,
    Created,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct QueueItem {
    pub key: String,
    pub title: String,
    #[serde(rename = "type")]
    pub issue_type: IssueType,
    pub status: Status,
    pub priority: Priority,
    pub owner: Option<String>,
    /// Higher is more urgent.
    pub score: f64,
    /// What the score is made of.
    pub why: Vec<String>,
    /// The tool call to make next for this item.
    pub next_action: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct MyQueueOutput {
    pub owner: String,
    pub items: Vec<QueueItem>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SuggestNextWorkInput {
    pub project_id: Option<String>,
    /// Alias: submodule.
    #[serde(alias = "submodule")]
    pub module: Option<String>,
    #[serde(rename = "type")]
    pub issue_type: Option<OneOrMany<IssueType>>,
    /// 1–50, default 5.
    pub limit: Option<u32>,
    /// Start the best one for you, atomically.
    pub claim: Option<bool>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SuggestNextWorkOutput {
    pub suggestions: Vec<QueueItem>,
    /// The issue claimed for you, when `claim` was true and one was ready.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed: Option<String>,
    pub next_steps: Vec<String>,
}

fn facts(c: &Candidate) -> ranking::Candidate {
    ranking::Candidate {
        status: c.issue.status,
        priority: c.issue.priority,
        created_at: c.issue.created_at,
        updated_at: c.issue.updated_at,
        unblocks: c.unblocks,
        open_blockers: c.open_blockers,
        has_owner: c.issue.owner.is_some(),
    }
}

fn item(c: &Candidate, s: Score) -> QueueItem {
    let key = &c.issue.key;
    let next_action = match c.issue.status {
        Status::InProgress => format!("pm_log_work {key}, then pm_complete_issue when done"),
        Status::Review => format!("pm_complete_issue {key} once the review is in"),
        Status::Blocked => format!(
            "pm_get_issue {key}: resolve '{}'",
            c.issue.blocker_reason.as_deref().unwrap_or("its blocker")
        ),
        _ if c.open_blockers > 0 => format!(
            "pm_get_issue {key}: it waits on {} open blocker(s)",
            c.open_blockers
        ),
        _ => format!("pm_start_work {key}"),
    };
    QueueItem {
        key: key.clone(),
        title: c.issue.title.clone(),
        issue_type: c.issue.issue_type,
        status: c.issue.status,
        priority: c.issue.priority,
        owner: c.issue.owner.clone(),
        score: s.score,
        why: s.reasons,
        next_action,
    }
}

/// Ranks candidates best first; ties go to the older issue.
fn rank(
    cands: Vec<Candidate>,
    score: fn(&ranking::Candidate, chrono::DateTime<Utc>) -> Score,
) -> Vec<(Candidate, Score)> {
    let now = Utc::now();
    let mut scored: Vec<(Candidate, Score)> = cands
        .into_iter()
        .map(|c| {
            let s = score(&facts(&c), now);
            (c, s)
        })
        .collect();
    scored.sort_by(|a, b| {
        b.1.score
            .total_cmp(&a.1.score)
            .then(a.0.issue.id.cmp(&b.0.issue.id))
    });
    scored
}

impl Service {
    pub async fn pm_my_queue(&self, input: MyQueueInput) -> Result<MyQueueOutput> {
        let limit = check_limit(input.limit, 20)?;
        let owner = input
            .owner
            .clone()
            .unwrap_or_else(|| self.actor().to_string());
        let mut tx = self.read().await?;
        let project = self
            .resolve_scope(&mut *tx, input.project_id.as_deref())
            .await?;
        let mut cands = tx
            .candidates(&CandidateQuery {
                project_id: project.id,
                statuses: vec![
                    Status::InProgress,
                    Status::Review,
                    Status::Blocked,
                    Status::Proposed,
                ],
                owner: Some(owner.clone()),
                limit: 500,
                ..Default::default()
            })
            .await?;
        if input.include_unassigned.unwrap_or(false) {
            cands.extend(
                tx.candidates(&CandidateQuery {
                    project_id: project.id,
                    statuses: vec![Status::Proposed],
                    unowned_or_owner: true,
                    ready_only: true,
                    limit: limit * 4,
                    ..Default::default()
                })
                .await?,
            );
        }
        let mut ranked = rank(cands, ranking::urgency);
        // The ranking breaks ties of every other order.
        match input.sort.unwrap_or_default() {
            QueueSort::Urgency => {}
            QueueSort::Priority => ranked.sort_by_key(|(c, _)| c.issue.priority),
            QueueSort::Updated => {
                ranked.sort_by_key(|(c, _)| std::cmp::Reverse(c.issue.updated_at))
            }
            QueueSort::Created => {
                ranked.sort_by_key(|(c, _)| std::cmp::Reverse(c.issue.created_at))
            }
        }
        let items = ranked
            .into_iter()
            .take(limit as usize)
            .map(|(c, s)| item(&c, s))
            .collect();
        Ok(MyQueueOutput { owner, items })
    }

    pub async fn pm_suggest_next_work(
        &self,
        input: SuggestNextWorkInput,
    ) -> Result<SuggestNextWorkOutput> {
        let limit = check_limit(input.limit, 5)?;
        if limit > 50 {
            return Err(crate::ServiceError::invalid(
                "limit",
                format!("{limit} is too many: suggestions come at most 50 at a time"),
            ));
        }
        let query = |project_id| CandidateQuery {
            project_id,
            statuses: vec![Status::Proposed],
            owner: Some(self.actor().to_string()),
            unowned_or_owner: true,
            ready_only: true,
            module: input.module.clone(),
            types: input
                .issue_type
                .clone()
                .map(OneOrMany::into_vec)
                .unwrap_or_default(),
            limit: (limit * 10).max(100),
        };
        if input.claim != Some(true) {
            let mut tx = self.read().await?;
            let project = self
                .resolve_scope(&mut *tx, input.project_id.as_deref())
                .await?;
            let ranked = rank(tx.candidates(&query(project.id)).await?, ranking::readiness);
            let suggestions: Vec<QueueItem> = ranked
                .into_iter()
                .take(limit as usize)
                .map(|(c, s)| item(&c, s))
                .collect();
            let next_steps = match suggestions.first() {
                Some(s) => vec![format!(
                    "pm_start_work: start {} (or call again with claim: true)",
                    s.key
                )],
                None => vec![
                    "pm_blocked_issues: nothing is ready; see what blocks the open work".into(),
                ],
            };
            return Ok(SuggestNextWorkOutput {
                suggestions,
                claimed: None,
                next_steps,
            });
        }
        // Claim: rank and start inside one write transaction, so two agents
        // claiming at once get different issues.
        let mut w = self.write().await?;
        let project = self
            .resolve_scope(&mut *w, input.project_id.as_deref())
            .await?;
        let ranked = rank(w.candidates(&query(project.id)).await?, ranking::readiness);
        let actor = self.actor().to_string();
        let mut claimed = None;
        if let Some((best, _)) = ranked.first() {
            // Candidates are lean rows; claim the full issue so no content is lost.
            let mut issue = super::load_issue(&mut *w, "issue_key", &best.issue.key).await?;
            self.claim(
                &mut w,
                &mut issue,
                &actor,
                Some("claimed by pm_suggest_next_work".into()),
                true,
                false,
            )
            .await?;
            claimed = Some(issue.key);
        }
        w.commit().await?;
        let suggestions: Vec<QueueItem> = ranked
            .into_iter()
            .take(limit as usize)
            .map(|(c, s)| item(&c, s))
            .collect();
        let next_steps = match &claimed {
            Some(k) => vec![
                format!("pm_get_issue: read {k}, now yours and in progress"),
                format!("pm_log_work: record progress on {k}"),
            ],
            None => {
                vec!["pm_blocked_issues: nothing is ready; see what blocks the open work".into()]
            }
        };
        Ok(SuggestNextWorkOutput {
            suggestions,
            claimed,
            next_steps,
        })
    }
}
