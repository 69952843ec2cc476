//! Tasks: sub-units of an issue, each with a checklist.

use lazypm_domain::text::{bounded, clean_list, required};
use lazypm_domain::{ChecklistItem, EventType, Task, TaskKey, TaskStatus, parse_duration};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::issues::{TEXT_MAX, TITLE_MAX, opt_text};
use super::load_issue;
use crate::input::nullable;
use crate::{Result, Service, ServiceError};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTaskInput {
    pub issue_key: String,
    pub title: String,
    pub details: Option<String>,
    pub assignee: Option<String>,
    /// Checklist lines, all unchecked.
    pub checklist: Option<Vec<String>>,
    /// `30m`, `2h`, `1d`.
    pub estimate: Option<String>,
    /// Default `todo`.
    pub status: Option<TaskStatus>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTaskInput {
    /// `PROJ-12-T1`.
    pub task_key: String,
    pub version: Option<i64>,
    pub title: Option<String>,
    pub status: Option<TaskStatus>,
    /// null clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub assignee: Option<Option<String>>,
    /// null clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub details: Option<Option<String>>,
    /// A note to append.
    pub notes: Option<String>,
    /// null clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub estimate: Option<Option<String>>,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChecklistAction {
    Add,
    Check,
    Uncheck,
    Remove,
}

/// An item by its 1-based position or its exact text.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ItemRef {
    Index(usize),
    Text(String),
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskChecklistInput {
    pub task_key: String,
    pub action: ChecklistAction,
    /// For check, uncheck and remove: the item's 1-based number or its text.
    pub item: Option<ItemRef>,
    /// For add: the lines to add.
    pub items: Option<Vec<String>>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TaskOutput {
    pub task: Task,
    pub next_steps: Vec<String>,
}

pub(crate) async fn load_task(tx: &mut dyn lazypm_store::Tx, key: &str) -> Result<Task> {
    let parsed = TaskKey::parse("task_key", key)?;
    if let Some(task) = tx.task_by_key(&parsed.to_string()).await? {
        return Ok(task);
    }
    // `PROJ-003-T1`: the issue part written zero-padded.
    if let Some(issue) = parsed.issue.unpadded() {
        let unpadded = TaskKey {
            issue,
            number: parsed.number,
        };
        if let Some(task) = tx.task_by_key(&unpadded.to_string()).await? {
            return Ok(task);
        }
    }
    Err(ServiceError::not_found(format!(
        "task '{parsed}' not found: pm_get_issue {} lists its tasks",
        parsed.issue
    )))
}

fn estimate(field: &str, text: Option<&str>) -> Result<Option<i64>> {
    text.map(|t| parse_duration(field, t))
        .transpose()
        .map_err(Into::into)
}

impl Service {
    pub async fn pm_create_task(&self, input: CreateTaskInput) -> Result<TaskOutput> {
        let title = required("title", &input.title, TITLE_MAX)?;
        let details = opt_text("details", &input.details, TEXT_MAX)?;
        let assignee = opt_text("assignee", &input.assignee, 100)?;
        let checklist = clean_list("checklist", input.checklist.as_deref().unwrap_or(&[]), 500)?
            .into_iter()
            .map(|text| ChecklistItem { text, done: false })
            .collect();
        let estimate_minutes = estimate("estimate", input.estimate.as_deref())?;
        let mut w = self.write().await?;
        let issue = load_issue(&mut *w, "issue_key", &input.issue_key).await?;
        let number = w.next_task_number(issue.id).await?;
        let mut task = Task {
            id: 0,
            issue_id: issue.id,
            key: format!("{}-T{number}", issue.key),
            issue_key: issue.key.clone(),
            title,
            status: input.status.unwrap_or(TaskStatus::Todo),
            assignee,
            details,
            checklist,
            notes: Vec::new(),
            estimate_minutes,
            version: 1,
            created_at: w.now,
            updated_at: w.now,
        };
        task.id = w.insert_task(&task).await?;
        w.record(
            EventType::TaskCreated,
            Some(&issue.project),
            &task.key,
            Some(&issue.key),
            json!({ "title": task.title, "status": task.status }),
        )
        .await?;
        w.commit().await?;
        Ok(TaskOutput {
            next_steps: vec![format!(
                "pm_update_task: set {} to doing when you start it",
                task.key
            )],
            task,
        })
    }

    pub async fn pm_update_task(&self, input: UpdateTaskInput) -> Result<TaskOutput> {
        let mut w = self.write().await?;
        let mut task = load_task(&mut *w, &input.task_key).await?;
        if let Some(v) = input.version
            && v != task.version
        {
            return Err(ServiceError::conflict(format!(
                "{} is at version {}, not {v}: read it again and retry",
                task.key, task.version
            )));
        }
        let before = serde_json::to_value(&task).unwrap_or_default();
        if let Some(t) = &input.title {
            task.title = required("title", t, TITLE_MAX)?;
        }
        if let Some(s) = input.status {
            task.status = s;
        }
        if let Some(a) = &input.assignee {
            task.assignee = opt_text("assignee", a, 100)?;
        }
        if let Some(d) = &input.details {
            task.details = opt_text("details", d, TEXT_MAX)?;
        }
        if let Some(n) = &input.notes {
            task.notes.push(required("notes", n, TEXT_MAX)?);
        }
        if let Some(e) = &input.estimate {
            task.estimate_minutes = estimate("estimate", e.as_deref())?;
        }
        let after = serde_json::to_value(&task).unwrap_or_default();
        let diff = super::issues::diff_fields(&before, &after);
        if diff.as_object().is_some_and(|m| m.is_empty()) {
            return Ok(TaskOutput {
                next_steps: vec![],
                task,
            });
        }
        let expected = task.version;
        task.version += 1;
        task.updated_at = w.now;
        w.update_task(&task, expected).await?;
        let issue_key = task.issue_key.clone();
        let project = issue_key.split('-').next().unwrap_or_default().to_string();
        w.record(
            EventType::TaskUpdated,
            Some(&project),
            &task.key,
            Some(&issue_key),
            json!({ "changes": diff }),
        )
        .await?;
        w.commit().await?;
        Ok(TaskOutput {
            next_steps: vec![format!("pm_get_issue: see all tasks of {issue_key}")],
            task,
        })
    }

    pub async fn pm_task_checklist(&self, input: TaskChecklistInput) -> Result<TaskOutput> {
        let mut w = self.write().await?;
        let mut task = load_task(&mut *w, &input.task_key).await?;
        let summary;
        match input.action {
            ChecklistAction::Add => {
                let items = clean_list("items", input.items.as_deref().unwrap_or(&[]), 500)?;
                if items.is_empty() {
                    return Err(ServiceError::invalid(
                        "items",
                        "add needs items: a list of checklist lines",
                    ));
                }
                summary = json!({ "added": items });
                task.checklist.extend(
                    items
                        .into_iter()
                        .map(|text| ChecklistItem { text, done: false }),
                );
            }
            action => {
                let Some(item) = &input.item else {
                    return Err(ServiceError::invalid(
                        "item",
                        "check, uncheck and remove need item: its 1-based number or its text",
                    ));
                };
                let pos = match item {
                    ItemRef::Index(i) if *i >= 1 && *i <= task.checklist.len() => i - 1,
                    ItemRef::Index(i) => {
                        return Err(ServiceError::invalid(
                            "item",
                            format!(
                                "{} has {} checklist item(s); {i} is not one of them",
                                task.key,
                                task.checklist.len()
                            ),
                        ));
                    }
                    ItemRef::Text(t) => {
                        let t = bounded("item", t, 500)?;
                        task.checklist
                            .iter()
                            .position(|c| c.text.eq_ignore_ascii_case(&t))
                            .ok_or_else(|| {
                                ServiceError::invalid(
                                    "item",
                                    format!(
                                        "no checklist item '{t}' in {}: items are {}",
                                        task.key,
                                        task.checklist
                                            .iter()
                                            .enumerate()
                                            .map(|(i, c)| format!("{}. {}", i + 1, c.text))
                                            .collect::<Vec<_>>()
                                            .join("; ")
                                    ),
                                )
                            })?
                    }
                };
                let text = task.checklist[pos].text.clone();
                match action {
                    ChecklistAction::Check => task.checklist[pos].done = true,
                    ChecklistAction::Uncheck => task.checklist[pos].done = false,
                    _ => {
                        task.checklist.remove(pos);
                    }
                }
                summary = json!({ "item": text, "action": format!("{action:?}").to_lowercase() });
            }
        }
        let expected = task.version;
        task.version += 1;
        task.updated_at = w.now;
        w.update_task(&task, expected).await?;
        let issue_key = task.issue_key.clone();
        let project = issue_key.split('-').next().unwrap_or_default().to_string();
        w.record(
            EventType::TaskChecklistChanged,
            Some(&project),
            &task.key,
            Some(&issue_key),
            summary,
        )
        .await?;
        w.commit().await?;
        let open = task.checklist.iter().filter(|c| !c.done).count();
        let next_steps = if open == 0 && !task.checklist.is_empty() {
            vec![format!(
                "pm_update_task: every item is checked; set {} to done",
                task.key
            )]
        } else {
            vec![]
        };
        Ok(TaskOutput { task, next_steps })
    }
}
