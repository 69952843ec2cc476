//! Taskmaster's `.taskmaster/tasks/tasks.json`: every tag (or one), each
//! task an issue labelled with its tag, each subtask a task of that issue.
//!
//! Statuses: pending → proposed, in-progress, review, done, blocked as they
//! are, deferred → proposed (label `deferred`), cancelled → canceled.
//! Priorities: critical P1, high P2, medium P3, low P4. `details` becomes the
//! technical approach and `testStrategy` an acceptance criterion.
//! Dependencies between tasks become `blocks` links; a subtask's own
//! dependencies are written into its details.

use lazypm_domain::{Priority, Status, TaskStatus};
use serde_json::Value;

use super::{Batch, NewIssue, NewLink, NewTask, Skipped, parse_time, text};
use crate::{Result, ServiceError};

pub fn read(json: &str, only_tag: Option<&str>) -> Result<Batch> {
    let doc: Value = serde_json::from_str(json)
        .map_err(|e| ServiceError::invalid("file", format!("not Taskmaster's tasks.json ({e})")))?;
    // Tagged files map tag → {tasks, metadata}; older ones are {tasks: […]}.
    let tags: Vec<(String, &Value)> = match doc.get("tasks") {
        Some(tasks) if tasks.is_array() => vec![("master".to_string(), &doc)],
        _ => doc
            .as_object()
            .map(|m| {
                m.iter()
                    .filter(|(_, v)| v.get("tasks").is_some_and(Value::is_array))
                    .map(|(k, v)| (k.clone(), v))
                    .collect()
            })
            .unwrap_or_default(),
    };
    if tags.is_empty() {
        return Err(ServiceError::invalid(
            "file",
            "no tasks in it: expected {\"TAG\": {\"tasks\": [...]}} or {\"tasks\": [...]}",
        ));
    }
    if let Some(tag) = only_tag
        && !tags.iter().any(|(t, _)| t == tag)
    {
        let names: Vec<&str> = tags.iter().map(|(t, _)| t.as_str()).collect();
        return Err(ServiceError::invalid(
            "tag",
            format!("no tag '{tag}'; the file has {}", names.join(", ")),
        ));
    }
    let mut batch = Batch {
        format: "taskmaster",
        ..Default::default()
    };
    batch.notes.push(
        "each task became an issue labelled tag:NAME; its subtasks became the issue's tasks; \
         testStrategy became an acceptance criterion"
            .into(),
    );
    for (tag, value) in tags {
        if only_tag.is_some_and(|t| t != tag) {
            continue;
        }
        for t in value
            .get("tasks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(id) = id_text(t.get("id")) else {
                batch.skipped.push(Skipped {
                    what: format!("a task in tag {tag}"),
                    why: "it has no id".into(),
                });
                continue;
            };
            let source = format!("{tag}:{id}");
            let mut issue = NewIssue::new(
                &source,
                text(t.get("title")).unwrap_or_else(|| source.clone()),
            );
            issue.labels.push(format!("tag:{tag}"));
            let status = text(t.get("status")).unwrap_or_default();
            issue.status = match status.as_str() {
                "in-progress" | "in_progress" => Status::InProgress,
                "review" => Status::Review,
                "done" | "completed" => Status::Done,
                "blocked" => Status::Blocked,
                "cancelled" | "canceled" => Status::Canceled,
                _ => Status::Proposed,
            };
            if status == "deferred" {
                issue.labels.push("deferred".into());
            }
            issue.priority = match text(t.get("priority")).as_deref() {
                Some("critical") => Priority::P1,
                Some("high") => Priority::P2,
                Some("low") => Priority::P4,
                _ => Priority::P3,
            };
            issue.specification.description = text(t.get("description")).unwrap_or_default();
            issue.specification.technical_approach = text(t.get("details"));
            if let Some(strategy) = text(t.get("testStrategy")) {
                issue
                    .specification
                    .acceptance_criteria
                    .push(format!("Test strategy: {strategy}"));
            }
            issue.updated_at = text(t.get("updatedAt")).and_then(|d| parse_time(&d));
            issue.created_at = text(t.get("createdAt")).and_then(|d| parse_time(&d));
            for dep in t
                .get("dependencies")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(d) = id_text(Some(dep)) {
                    batch.links.push(NewLink {
                        from: format!("{tag}:{d}"),
                        to: source.clone(),
                        kind: lazypm_domain::DependencyKind::Blocks,
                        source_kind: None,
                    });
                }
            }
            for s in t
                .get("subtasks")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let sub = id_text(s.get("id")).unwrap_or_default();
                let mut details: Vec<String> = [text(s.get("description")), text(s.get("details"))]
                    .into_iter()
                    .flatten()
                    .collect();
                let deps: Vec<String> = s
                    .get("dependencies")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|d| id_text(Some(d)))
                    .collect();
                if !deps.is_empty() {
                    details.push(format!("Depends on subtask {}", deps.join(", ")));
                }
                // Tasks have no canceled or deferred state: say so in the task.
                let sub_status = text(s.get("status")).unwrap_or_default();
                match sub_status.as_str() {
                    "cancelled" | "canceled" => details.push("Cancelled in Taskmaster.".into()),
                    "deferred" => details.push("Deferred in Taskmaster.".into()),
                    _ => {}
                }
                issue.tasks.push(NewTask {
                    source_id: format!("{source}.{sub}"),
                    title: text(s.get("title")).unwrap_or_else(|| format!("subtask {sub}")),
                    status: match sub_status.as_str() {
                        // Nothing left to do on a cancelled subtask.
                        "done" | "completed" | "cancelled" | "canceled" => TaskStatus::Done,
                        "in-progress" | "in_progress" => TaskStatus::Doing,
                        "blocked" => TaskStatus::Blocked,
                        "review" => TaskStatus::Review,
                        _ => TaskStatus::Todo,
                    },
                    assignee: None,
                    details: (!details.is_empty()).then(|| details.join("\n\n")),
                    checklist: Vec::new(),
                    notes: Vec::new(),
                    created_at: None,
                });
            }
            batch.issues.push(issue);
        }
    }
    Ok(batch)
}

/// An id written as a number or a string (Taskmaster writes both).
fn id_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}
