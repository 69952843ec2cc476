//! Moving issues through the workflow and recording the work done on them.
//! This file holds the two steps every write shares (a workflow transition
//! and saving an issue); the operations live in the submodules.

use chrono::{DateTime, Utc};
use lazypm_domain::{EventType, Issue, Status, StatusUpdate, check_transition};
use serde_json::json;

use crate::audit::Write;
use crate::{Result, ServiceError};

mod log;
mod start;
mod status;

pub use log::*;
pub use start::*;
pub use status::*;

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
        EventType::StatusChanged,
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

/// Refuses to move `issue` into work while an open issue blocks it.
pub(crate) async fn refuse_open_blockers(w: &mut Write<'_>, issue: &Issue) -> Result<()> {
    let blockers = w.open_blockers(issue.id).await?;
    if blockers.is_empty() {
        return Ok(());
    }
    let list = blockers
        .iter()
        .map(|b| format!("{} ({})", b.key, b.status))
        .collect::<Vec<_>>()
        .join(", ");
    Err(ServiceError::conflict(format!(
        "{} is blocked by open issues: {list}; finish those first, or pass validate_dependencies: false to start anyway",
        issue.key
    )))
}

/// Makes `actor` the owner of `issue` (in memory) and records the change.
pub(crate) async fn take_ownership(
    w: &mut Write<'_>,
    issue: &mut Issue,
    actor: &str,
) -> Result<()> {
    let previous = issue.owner.replace(actor.to_string());
    w.record(
        EventType::OwnerChanged,
        Some(&issue.project),
        &issue.key,
        Some(&issue.key),
        json!({ "from": previous, "to": actor }),
    )
    .await
}
