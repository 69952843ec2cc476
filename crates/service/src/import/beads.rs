//! A beads JSONL export (`.beads/issues.jsonl`): one issue per line with its
//! dependencies, labels and comments.
//!
//! Statuses: open → proposed, in_progress, blocked, deferred → proposed
//! (label `deferred`), closed → done; tombstones (deleted) are skipped.
//! Priorities 0–4 → P1–P5. Types: bug, feature, epic, chore as they are;
//! task → feature (label `task`). A `parent-child` dependency makes the
//! parent; `blocks`, `related`, `duplicates`, `discovered-from` become links;
//! any other kind becomes `relates`, its own name kept in the link's event.

use lazypm_domain::{DependencyKind, IssueType, Priority, Status};
use serde_json::Value;

use super::{Batch, NewComment, NewIssue, NewLink, Skipped, parse_time, strings, text};
use crate::{Result, ServiceError};

pub fn read(jsonl: &str) -> Result<Batch> {
    let mut batch = Batch {
        format: "beads",
        ..Default::default()
    };
    batch.notes.push(
        "priorities 0–4 became P1–P5; type task became feature (label task); \
         deferred became proposed (label deferred); parent-child dependencies became parents"
            .into(),
    );
    for (n, line) in jsonl.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line).map_err(|e| {
            ServiceError::invalid("file", format!("line {}: not a JSON object ({e})", n + 1))
        })?;
        let Some(id) = text(v.get("id")) else {
            batch.skipped.push(Skipped {
                what: format!("line {}", n + 1),
                why: "it has no id".into(),
            });
            continue;
        };
        let status = text(v.get("status")).unwrap_or_else(|| "open".into());
        if status == "tombstone" || v.get("deleted_at").is_some_and(|d| !d.is_null()) {
            batch.skipped.push(Skipped {
                what: id,
                why: "deleted in beads (tombstone)".into(),
            });
            continue;
        }
        let mut issue = NewIssue::new(&id, text(v.get("title")).unwrap_or_else(|| id.clone()));
        issue.status = match status.as_str() {
            "in_progress" => Status::InProgress,
            "blocked" => Status::Blocked,
            "closed" => Status::Done,
            _ => Status::Proposed,
        };
        if status == "deferred" {
            issue.labels.push("deferred".into());
        }
        issue.priority = match v.get("priority").and_then(Value::as_i64) {
            Some(0) => Priority::P1,
            Some(1) => Priority::P2,
            Some(3) => Priority::P4,
            Some(4) => Priority::P5,
            _ => Priority::P3,
        };
        let kind = text(v.get("issue_type")).unwrap_or_else(|| "task".into());
        issue.issue_type = match kind.as_str() {
            "bug" => IssueType::Bug,
            "epic" => IssueType::Epic,
            "chore" => IssueType::Chore,
            "feature" => IssueType::Feature,
            other => {
                issue.labels.push(other.to_string());
                IssueType::Feature
            }
        };
        issue.labels.extend(strings(v.get("labels")));
        issue.owner = text(v.get("assignee"));
        let mut description = text(v.get("description")).unwrap_or_default();
        if let Some(notes) = text(v.get("notes")) {
            description = format!("{description}\n\n## Notes\n\n{notes}")
                .trim()
                .to_string();
        }
        issue.specification.description = description;
        issue.specification.technical_approach = text(v.get("design"));
        issue.specification.acceptance_criteria = text(v.get("acceptance_criteria"))
            .map(|a| criteria(&a))
            .unwrap_or_default();
        if let Some(m) = v.get("estimated_minutes").and_then(Value::as_f64) {
            issue.estimate.hours = Some((m / 60.0 * 100.0).round() / 100.0);
        }
        if let Some(r) = text(v.get("external_ref")) {
            issue.implementation.artifacts.push(r);
        }
        issue.created_at = text(v.get("created_at")).and_then(|t| parse_time(&t));
        issue.updated_at = text(v.get("updated_at")).and_then(|t| parse_time(&t));
        issue.completed_at = text(v.get("closed_at")).and_then(|t| parse_time(&t));
        if issue.status == Status::Blocked {
            issue.blocker_reason = Some("blocked in beads".into());
        }
        for c in v
            .get("comments")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(body) = text(c.get("text")).or_else(|| text(c.get("body"))) {
                issue.comments.push(NewComment {
                    author: text(c.get("author")).unwrap_or_else(|| "beads".into()),
                    body,
                    created_at: text(c.get("created_at")).and_then(|t| parse_time(&t)),
                });
            }
        }
        if let Some(reason) = text(v.get("close_reason")) {
            issue.comments.push(NewComment {
                author: text(v.get("closed_by"))
                    .or_else(|| issue.owner.clone())
                    .unwrap_or_else(|| "beads".into()),
                body: format!("Closed: {reason}"),
                created_at: issue.completed_at,
            });
        }
        for d in v
            .get("dependencies")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(other) = text(d.get("depends_on_id")) else {
                continue;
            };
            let kind = text(d.get("type")).unwrap_or_else(|| "blocks".into());
            // The line's issue depends on `other`.
            let (from, to, kind, source_kind) = match kind.as_str() {
                "parent-child" => {
                    issue.parent = Some(other);
                    continue;
                }
                "blocks" => (other, id.clone(), DependencyKind::Blocks, None),
                "related" => (id.clone(), other, DependencyKind::Relates, None),
                "duplicates" => (id.clone(), other, DependencyKind::Duplicates, None),
                "discovered-from" => (id.clone(), other, DependencyKind::DiscoveredFrom, None),
                k => (
                    id.clone(),
                    other,
                    DependencyKind::Relates,
                    Some(k.to_string()),
                ),
            };
            batch.links.push(NewLink {
                from,
                to,
                kind,
                source_kind,
            });
        }
        batch.issues.push(issue);
    }
    Ok(batch)
}

/// Acceptance criteria written as text: one per list item or line.
fn criteria(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| {
            l.trim()
                .trim_start_matches(['-', '*', '•'])
                .trim_start_matches("[ ]")
                .trim_start_matches("[x]")
                .trim()
        })
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}
