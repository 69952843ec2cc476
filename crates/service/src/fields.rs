//! Lean issue rows: the fields a list returns, chosen by the caller.

use lazypm_domain::Issue;
use serde_json::{Map, Value, json};

use crate::{Result, ServiceError};

/// What a list row holds when the caller names no fields.
pub const DEFAULT_FIELDS: &[&str] = &[
    "key",
    "title",
    "type",
    "status",
    "priority",
    "owner",
    "updated_at",
];

/// Every field a row can hold.
pub const ALL_FIELDS: &[&str] = &[
    "key",
    "title",
    "type",
    "status",
    "priority",
    "module",
    "owner",
    "parent",
    "labels",
    "estimate",
    "blocker_reason",
    "branch",
    "time_spent_minutes",
    "archived",
    "version",
    "created_at",
    "updated_at",
    "started_at",
    "completed_at",
    "description",
    "acceptance_criteria",
    "project",
];

/// Checks requested field names, answering with the allowed ones.
pub fn validate(fields: Option<&[String]>) -> Result<Vec<&'static str>> {
    let Some(fields) = fields else {
        return Ok(DEFAULT_FIELDS.to_vec());
    };
    if fields.is_empty() {
        return Ok(DEFAULT_FIELDS.to_vec());
    }
    fields
        .iter()
        .map(|f| {
            ALL_FIELDS
                .iter()
                .copied()
                .find(|a| *a == f.as_str())
                .ok_or_else(|| {
                    ServiceError::invalid(
                        "fields",
                        format!(
                            "unknown field '{f}': expected any of {}",
                            ALL_FIELDS.join(", ")
                        ),
                    )
                })
        })
        .collect()
}

/// Whether any chosen field lives in the issue's rich content.
pub fn needs_content(fields: &[&str]) -> bool {
    fields
        .iter()
        .any(|f| matches!(*f, "description" | "acceptance_criteria"))
}

/// One row of the chosen fields.
pub fn row(issue: &Issue, fields: &[&str]) -> Value {
    let mut m = Map::with_capacity(fields.len());
    for f in fields {
        let v = match *f {
            "key" => json!(issue.key),
            "title" => json!(issue.title),
            "type" => json!(issue.issue_type),
            "status" => json!(issue.status),
            "priority" => json!(issue.priority),
            "module" => json!(issue.module),
            "owner" => json!(issue.owner),
            "parent" => json!(issue.parent),
            "labels" => json!(issue.labels),
            "estimate" => json!(issue.estimate),
            "blocker_reason" => json!(issue.blocker_reason),
            "branch" => json!(issue.branch),
            "time_spent_minutes" => json!(issue.time_spent_minutes),
            "archived" => json!(issue.archived),
            "version" => json!(issue.version),
            "created_at" => json!(issue.created_at),
            "updated_at" => json!(issue.updated_at),
            "started_at" => json!(issue.started_at),
            "completed_at" => json!(issue.completed_at),
            "description" => json!(issue.specification.description),
            "acceptance_criteria" => json!(issue.specification.acceptance_criteria),
            "project" => json!(issue.project),
            _ => Value::Null,
        };
        m.insert((*f).to_string(), v);
    }
    Value::Object(m)
}
