//! Links between issues. Cycles among `blocks` links are refused, naming the cycle.

use std::collections::{HashMap, VecDeque};

use lazypm_domain::{DependencyKind, EventType, Issue};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::load_issue;
use crate::audit::Write;
use crate::{Result, Service, ServiceError};

#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkAction {
    #[default]
    Add,
    Remove,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkIssuesInput {
    /// The link's source: with kind `blocks`, this issue blocks the target.
    pub issue_key: String,
    /// Aliases: related_issue, to_issue.
    #[serde(alias = "related_issue", alias = "to_issue")]
    pub target_key: String,
    /// Aliases: link_type, relationship.
    #[serde(alias = "link_type", alias = "relationship")]
    pub kind: DependencyKind,
    /// `add` (default) or `remove`.
    pub action: Option<LinkAction>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct LinkIssuesOutput {
    pub issue_key: String,
    pub target_key: String,
    pub kind: DependencyKind,
    /// Whether the link exists now.
    pub linked: bool,
    /// False when the link already was as asked.
    pub changed: bool,
    pub next_steps: Vec<String>,
}

impl Service {
    pub async fn pm_link_issues(&self, input: LinkIssuesInput) -> Result<LinkIssuesOutput> {
        let action = input.action.unwrap_or_default();
        let mut w = self.write().await?;
        let from = load_issue(&mut *w, "issue_key", &input.issue_key).await?;
        let to = load_issue(&mut *w, "target_key", &input.target_key).await?;
        if from.id == to.id {
            return Err(ServiceError::invalid(
                "target_key",
                "an issue cannot be linked to itself",
            ));
        }
        let changed = match action {
            LinkAction::Add => {
                if input.kind == DependencyKind::Blocks
                    && let Some(path) = blocks_path(&mut *w, to.id, from.id).await?
                {
                    let mut cycle = vec![from.key.clone(), to.key.clone()];
                    cycle.extend(path.into_iter().skip(1));
                    return Err(ServiceError::invalid(
                        "target_key",
                        format!(
                            "{} blocks {} would make a cycle: {}",
                            from.key,
                            to.key,
                            cycle.join(" → ")
                        ),
                    ));
                }
                let now = w.now;
                w.insert_link(from.id, to.id, input.kind, now).await?
            }
            LinkAction::Remove => w.delete_link(from.id, to.id, input.kind).await?,
        };
        if changed {
            let event = if action == LinkAction::Add {
                EventType::IssueLinked
            } else {
                EventType::IssueUnlinked
            };
            record_link(&mut w, event, &from, &to, input.kind).await?;
        }
        w.commit().await?;
        Ok(LinkIssuesOutput {
            next_steps: vec![format!("pm_get_issue: see {}'s dependencies", to.key)],
            issue_key: from.key,
            target_key: to.key,
            kind: input.kind,
            linked: action == LinkAction::Add,
            changed,
        })
    }
}

/// The keys along a chain of `blocks` links from `start` to `goal`, if one exists
/// (breadth first, so the shortest chain; starts with `start`'s own key placeholder).
pub(crate) async fn blocks_path(
    tx: &mut dyn lazypm_store::Tx,
    start: i64,
    goal: i64,
) -> Result<Option<Vec<String>>> {
    let mut parent: HashMap<i64, (i64, String)> = HashMap::new();
    let mut frontier = vec![start];
    let mut queue: VecDeque<i64> = VecDeque::new();
    while !frontier.is_empty() {
        for (from, to, key) in tx.blocks_from(&frontier).await? {
            if to == start || parent.contains_key(&to) {
                continue;
            }
            parent.insert(to, (from, key));
            if to == goal {
                let mut path = Vec::new();
                let mut at = goal;
                while let Some((p, key)) = parent.get(&at) {
                    path.push(key.clone());
                    at = *p;
                }
                path.push(String::new());
                path.reverse();
                return Ok(Some(path));
            }
            queue.push_back(to);
        }
        frontier = queue.drain(..).collect();
    }
    Ok(None)
}

/// Records a link (or its removal) on both issues it touches: the source
/// names its target, the target its source.
pub(crate) async fn record_link(
    w: &mut Write<'_>,
    event: EventType,
    from: &Issue,
    to: &Issue,
    kind: DependencyKind,
) -> Result<()> {
    w.record(
        event,
        Some(&from.project),
        &from.key,
        Some(&from.key),
        json!({ "target": to.key, "kind": kind }),
    )
    .await?;
    w.record(
        event,
        Some(&to.project),
        &to.key,
        Some(&to.key),
        json!({ "source": from.key, "kind": kind }),
    )
    .await
}
