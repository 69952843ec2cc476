//! Sprints: time-boxed cycles of issues.

use chrono::NaiveDate;
use lazypm_domain::text::required;
use lazypm_domain::{EventType, Sprint};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::issues::opt_text;
use super::load_issue;
use crate::{Result, Service, ServiceError};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSprintInput {
    pub project_id: Option<String>,
    pub name: String,
    pub goal: Option<String>,
    /// `YYYY-MM-DD`.
    pub start_date: NaiveDate,
    /// `YYYY-MM-DD`, on or after start_date.
    pub end_date: NaiveDate,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddToSprintInput {
    pub project_id: Option<String>,
    /// Sprint name.
    pub sprint: String,
    pub issue_keys: Vec<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListSprintsInput {
    pub project_id: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SprintOutput {
    pub sprint: Sprint,
    pub added: Vec<String>,
    pub already_in_sprint: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SprintInfo {
    #[serde(flatten)]
    pub sprint: Sprint,
    pub issues: Vec<String>,
    pub done: i64,
    pub story_points: i64,
    pub done_points: i64,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ListSprintsOutput {
    pub sprints: Vec<SprintInfo>,
}

impl Service {
    pub async fn pm_create_sprint(&self, input: CreateSprintInput) -> Result<SprintOutput> {
        let name = required("name", &input.name, 100)?;
        let goal = opt_text("goal", &input.goal, 2000)?;
        if input.end_date < input.start_date {
            return Err(ServiceError::invalid(
                "end_date",
                format!(
                    "{} is before start_date {}",
                    input.end_date, input.start_date
                ),
            ));
        }
        let mut w = self.write().await?;
        let project = self
            .resolve_project(&mut *w, input.project_id.as_deref())
            .await?;
        if w.sprint_by_name(project.id, &name).await?.is_some() {
            return Err(ServiceError::invalid(
                "name",
                format!("{} already has a sprint named '{name}'", project.key),
            ));
        }
        let mut sprint = Sprint {
            id: 0,
            project: project.key.clone(),
            name,
            goal,
            start_date: input.start_date,
            end_date: input.end_date,
            created_at: w.now,
        };
        sprint.id = w.insert_sprint(project.id, &sprint).await?;
        w.record(EventType::SprintCreated, Some(&project.key), &format!("{}/{}", project.key, sprint.name), None,
            json!({ "name": sprint.name, "goal": sprint.goal, "start_date": sprint.start_date, "end_date": sprint.end_date })).await?;
        w.commit().await?;
        Ok(SprintOutput {
            sprint,
            added: vec![],
            already_in_sprint: vec![],
        })
    }

    pub async fn pm_add_to_sprint(&self, input: AddToSprintInput) -> Result<SprintOutput> {
        // At most 100 distinct keys, each once: one call stays one short transaction.
        let keys = lazypm_domain::text::clean_list("issue_keys", &input.issue_keys, 40)?;
        if keys.is_empty() {
            return Err(ServiceError::invalid(
                "issue_keys",
                "name at least one issue key",
            ));
        }
        let mut w = self.write().await?;
        let project = self
            .resolve_project(&mut *w, input.project_id.as_deref())
            .await?;
        let sprint = w.sprint_by_name(project.id, &input.sprint).await?.ok_or_else(|| {
            ServiceError::invalid("sprint", format!("no sprint '{}' in {}: create it with pm_create_sprint or see pm_list_sprints", input.sprint, project.key))
        })?;
        let (mut added, mut already) = (Vec::new(), Vec::new());
        for (i, k) in keys.iter().enumerate() {
            let field = format!("issue_keys[{i}]");
            let issue = load_issue(&mut *w, &field, k).await?;
            if issue.project_id != project.id {
                return Err(ServiceError::invalid(
                    field,
                    format!("{} belongs to another project", issue.key),
                ));
            }
            let now = w.now;
            if w.add_to_sprint(sprint.id, issue.id, now).await? {
                w.record(
                    EventType::AddedToSprint,
                    Some(&project.key),
                    &issue.key,
                    Some(&issue.key),
                    json!({ "sprint": sprint.name }),
                )
                .await?;
                added.push(issue.key);
            } else {
                already.push(issue.key);
            }
        }
        w.commit().await?;
        Ok(SprintOutput {
            sprint,
            added,
            already_in_sprint: already,
        })
    }

    pub async fn pm_list_sprints(&self, input: ListSprintsInput) -> Result<ListSprintsOutput> {
        let mut tx = self.read().await?;
        let project = self
            .resolve_project(&mut *tx, input.project_id.as_deref())
            .await?;
        let sprints = tx
            .list_sprints(project.id)
            .await?
            .into_iter()
            .map(|s| SprintInfo {
                sprint: s.sprint,
                issues: s.issue_keys,
                done: s.done,
                story_points: s.story_points,
                done_points: s.done_points,
            })
            .collect();
        Ok(ListSprintsOutput { sprints })
    }
}
