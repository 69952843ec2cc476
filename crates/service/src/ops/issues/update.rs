//! Changing and deleting issues: pm_update_issue (with the field diff it
//! records) and pm_delete_issue.

use lazypm_domain::text::{bounded, clean_list, required};
use lazypm_domain::{Complexity, EventType, IssueType, Priority};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::IssueOutput;
use super::input::{
    TEXT_MAX, TITLE_MAX, check_hours, check_points, effort_hours, opt_name, opt_text,
};
use crate::input::nullable;
use crate::ops::{check_version, load_detail, load_issue};
use crate::{Result, Service, ServiceError};

/// Fields to change; absent fields stay as they are, `null` clears a clearable field.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateIssueInput {
    pub issue_key: String,
    /// The version you read; refused if changed since.
    pub version: Option<i64>,
    pub title: Option<String>,
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub issue_type: Option<IssueType>,
    pub priority: Option<Priority>,
    /// null clears it (alias: submodule).
    #[serde(default, deserialize_with = "nullable", alias = "submodule")]
    pub module: Option<Option<String>>,
    /// null clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub owner: Option<Option<String>>,
    /// null clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub parent: Option<Option<String>>,
    pub labels: Option<Vec<String>>,
    pub acceptance_criteria: Option<Vec<String>>,
    /// null clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub technical_approach: Option<Option<String>>,
    /// null clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub estimated_effort: Option<Option<String>>,
    /// null clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub estimate_hours: Option<Option<f64>>,
    /// null clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub story_points: Option<Option<i64>>,
    /// null clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub complexity: Option<Option<Complexity>>,
    pub stakeholders: Option<Vec<String>>,
    pub risks: Option<Vec<String>>,
    /// Only done or canceled issues.
    pub archived: Option<bool>,
    /// Not accepted here: status changes go through pm_update_status. Kept out
    /// of the schema; present only to answer a caller who tries it.
    #[schemars(skip)]
    pub status: Option<Value>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteIssueInput {
    pub issue_key: String,
    /// Must be true: deletion removes the issue with its tasks, logs and comments.
    pub confirm: Option<bool>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct DeleteIssueOutput {
    pub deleted: String,
    pub title: String,
}

impl Service {
    pub async fn pm_update_issue(&self, input: UpdateIssueInput) -> Result<IssueOutput> {
        if input.status.is_some() {
            return Err(ServiceError::invalid(
                "status",
                "status is changed with pm_update_status (or pm_start_work / pm_complete_issue), which check the workflow",
            ));
        }
        let mut w = self.write().await?;
        let mut issue = load_issue(&mut *w, "issue_key", &input.issue_key).await?;
        let before = issue.clone();
        check_version(&issue.key, input.version, issue.version)?;
        let before_json = serde_json::to_value(&issue).unwrap_or(Value::Null);
        let mut changed: Vec<&str> = Vec::new();
        macro_rules! set {
            ($name:literal, $target:expr, $value:expr) => {{
                let v = $value;
                if $target != v {
                    $target = v;
                    changed.push($name);
                }
            }};
        }
        if let Some(t) = &input.title {
            set!("title", issue.title, required("title", t, TITLE_MAX)?);
        }
        if let Some(d) = &input.description {
            set!(
                "description",
                issue.specification.description,
                bounded("description", d, TEXT_MAX)?
            );
        }
        if let Some(t) = input.issue_type {
            set!("type", issue.issue_type, t);
        }
        if let Some(p) = input.priority {
            set!("priority", issue.priority, p);
        }
        if let Some(m) = &input.module {
            set!("module", issue.module, opt_name("module", m)?);
        }
        if let Some(o) = &input.owner {
            set!("owner", issue.owner, opt_name("owner", o)?);
        }
        if let Some(p) = &input.parent {
            let parent = match p {
                Some(k) => {
                    let parent = load_issue(&mut *w, "parent", k).await?;
                    if parent.id == issue.id {
                        return Err(ServiceError::invalid(
                            "parent",
                            "an issue cannot be its own parent",
                        ));
                    }
                    if parent.project_id != issue.project_id {
                        return Err(ServiceError::invalid(
                            "parent",
                            format!("{} belongs to another project", parent.key),
                        ));
                    }
                    // Walk up from the new parent: meeting this issue means a cycle.
                    let mut chain = vec![issue.key.clone(), parent.key.clone()];
                    let mut up = parent.parent.clone();
                    while let Some(k) = up {
                        chain.push(k.clone());
                        if k == issue.key {
                            return Err(ServiceError::invalid(
                                "parent",
                                format!(
                                    "that would make a cycle of parents: {}",
                                    chain.join(" → ")
                                ),
                            ));
                        }
                        if chain.len() > 64 {
                            break;
                        }
                        up = w.issue_by_key(&k).await?.and_then(|i| i.parent);
                    }
                    Some(parent.key)
                }
                None => None,
            };
            set!("parent", issue.parent, parent);
        }
        if let Some(l) = &input.labels {
            set!("labels", issue.labels, clean_list("labels", l, 50)?);
        }
        if let Some(a) = &input.acceptance_criteria {
            set!(
                "acceptance_criteria",
                issue.specification.acceptance_criteria,
                clean_list("acceptance_criteria", a, 2000)?
            );
        }
        if let Some(t) = &input.technical_approach {
            set!(
                "technical_approach",
                issue.specification.technical_approach,
                opt_text("technical_approach", t, TEXT_MAX)?
            );
        }
        if let Some(e) = &input.estimated_effort {
            let effort = opt_text("estimated_effort", e, 100)?;
            if let Some(text) = &effort
                && input.estimate_hours.is_none()
                && let Some(h) = effort_hours("estimated_effort", text)?
            {
                set!("estimate_hours", issue.estimate.hours, Some(h));
            }
            set!("estimated_effort", issue.estimate.effort, effort);
        }
        if let Some(h) = input.estimate_hours {
            set!(
                "estimate_hours",
                issue.estimate.hours,
                check_hours("estimate_hours", h)?
            );
        }
        if let Some(p) = input.story_points {
            set!(
                "story_points",
                issue.estimate.story_points,
                check_points("story_points", p)?
            );
        }
        if let Some(c) = input.complexity {
            set!("complexity", issue.estimate.complexity, c);
        }
        if let Some(s) = &input.stakeholders {
            set!(
                "stakeholders",
                issue.planning.stakeholders,
                clean_list("stakeholders", s, 100)?
            );
        }
        if let Some(r) = &input.risks {
            set!("risks", issue.planning.risks, clean_list("risks", r, 2000)?);
        }
        // An estimate changed by hand is no longer the one pm_estimate made.
        if issue.estimate != before.estimate {
            issue.planning.estimate_confidence = None;
            issue.planning.estimated_by = None;
            issue.planning.estimated_at = None;
        }
        if let Some(a) = input.archived {
            if a && !issue.status.is_closed() {
                return Err(ServiceError::invalid(
                    "archived",
                    format!(
                        "only done or canceled issues can be archived; {} is {}",
                        issue.key, issue.status
                    ),
                ));
            }
            set!("archived", issue.archived, a);
        }
        if changed.is_empty() {
            return Ok(IssueOutput::new(
                &before,
                &issue,
                vec![format!(
                    "pm_get_issue: nothing changed; read {} in full",
                    issue.key
                )],
            ));
        }
        let expected = issue.version;
        issue.version += 1;
        issue.updated_at = w.now;
        w.update_issue(&issue, expected).await?;
        let after = serde_json::to_value(&issue).unwrap_or(Value::Null);
        let diff = diff_fields(&before_json, &after);
        let event = if changed == ["archived"] {
            if issue.archived {
                EventType::IssueArchived
            } else {
                EventType::IssueUnarchived
            }
        } else {
            EventType::IssueUpdated
        };
        w.record(
            event,
            Some(&issue.project),
            &issue.key,
            Some(&issue.key),
            json!({ "fields": changed, "changes": diff }),
        )
        .await?;
        w.commit().await?;
        Ok(IssueOutput::new(
            &before,
            &issue,
            vec![format!("pm_get_issue: read {} in full", issue.key)],
        ))
    }

    pub async fn pm_delete_issue(&self, input: DeleteIssueInput) -> Result<DeleteIssueOutput> {
        if input.confirm != Some(true) {
            return Err(ServiceError::invalid(
                "confirm",
                "deleting removes the issue with its tasks, work logs and comments; pass confirm: true to go ahead (or archive it instead with pm_update_issue archived: true)",
            ));
        }
        let mut w = self.write().await?;
        let d = load_detail(&mut *w, "issue_key", &input.issue_key).await?;
        w.delete_issue(d.issue.id).await?;
        w.record(
            EventType::IssueDeleted,
            Some(&d.issue.project),
            &d.issue.key,
            Some(&d.issue.key),
            json!({ "snapshot": d.issue, "tasks": d.tasks.len(), "work_logs": d.work_logs.len(), "comments": d.comments.len() }),
        )
        .await?;
        w.commit().await?;
        Ok(DeleteIssueOutput {
            deleted: d.issue.key,
            title: d.issue.title,
        })
    }
}

/// The top-level and nested fields whose values differ, as `{field: {from, to}}`.
pub(crate) fn diff_fields(before: &Value, after: &Value) -> Value {
    let mut out = serde_json::Map::new();
    if let (Value::Object(b), Value::Object(a)) = (before, after) {
        for (k, av) in a {
            if matches!(k.as_str(), "version" | "updated_at") {
                continue;
            }
            let bv = b.get(k).unwrap_or(&Value::Null);
            if bv == av {
                continue;
            }
            match (bv, av) {
                (Value::Object(_), Value::Object(_)) => {
                    if let Value::Object(inner) = diff_fields(bv, av) {
                        for (ik, iv) in inner {
                            out.insert(format!("{k}.{ik}"), iv);
                        }
                    }
                }
                _ => {
                    out.insert(k.clone(), json!({ "from": bv, "to": av }));
                }
            }
        }
    }
    Value::Object(out)
}
