//! pm_create_issue: validating a new issue and inserting it with its key,
//! parent and blocking links (shared with pm_split_issue).

use lazypm_domain::text::{clean_list, required};
use lazypm_domain::{
    Analytics, Communication, Complexity, DependencyKind, Estimate, EventType, Implementation,
    Issue, IssueKey, IssueType, Planning, Priority, Specification, Status,
};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::IssueOutput;
use super::input::{
    TEXT_MAX, TITLE_MAX, check_hours, check_points, effort_hours, opt_name, opt_text,
};
use crate::audit::Write;
use crate::ops::links::record_link;
use crate::ops::{Scope, load_issue};
use crate::{Result, Service, ServiceError};

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateIssueInput {
    pub project_id: Option<String>,
    #[serde(rename = "type")]
    pub issue_type: IssueType,
    pub title: String,
    /// Markdown specification.
    pub description: Option<String>,
    /// Default P3.
    pub priority: Option<Priority>,
    /// The submodule or area this touches (alias: submodule).
    #[serde(alias = "submodule")]
    pub module: Option<String>,
    pub acceptance_criteria: Option<Vec<String>>,
    pub technical_approach: Option<String>,
    /// Keys of issues this one depends on: each is linked as blocking it.
    pub dependencies: Option<Vec<String>>,
    /// Like `2h`, `3d` or `1-2d`.
    pub estimated_effort: Option<String>,
    pub estimate_hours: Option<f64>,
    pub story_points: Option<i64>,
    pub complexity: Option<Complexity>,
    pub owner: Option<String>,
    pub stakeholders: Option<Vec<String>>,
    pub risks: Option<Vec<String>>,
    pub labels: Option<Vec<String>>,
    /// Key of the parent issue (an epic).
    pub parent: Option<String>,
}

/// A new issue's fields, validated, before it has a key or a project.
pub(crate) struct NewIssue {
    pub title: String,
    pub issue_type: IssueType,
    pub description: String,
    pub priority: Priority,
    pub module: Option<String>,
    pub owner: Option<String>,
    /// Key of the parent issue, as given.
    pub parent: Option<String>,
    pub labels: Vec<String>,
    pub estimate: Estimate,
    pub acceptance: Vec<String>,
    pub technical: Option<String>,
    pub stakeholders: Vec<String>,
    pub risks: Vec<String>,
    /// Issues that block the new one.
    pub deps: Vec<IssueKey>,
}

impl NewIssue {
    /// Checks every plain field of a create request (no store access).
    pub(crate) fn validate(input: &CreateIssueInput) -> Result<Self> {
        let title = required("title", &input.title, TITLE_MAX)?;
        let description =
            opt_text("description", &input.description, TEXT_MAX)?.unwrap_or_default();
        let acceptance = clean_list(
            "acceptance_criteria",
            input.acceptance_criteria.as_deref().unwrap_or(&[]),
            2000,
        )?;
        let technical = opt_text("technical_approach", &input.technical_approach, TEXT_MAX)?;
        let labels = clean_list("labels", input.labels.as_deref().unwrap_or(&[]), 50)?;
        let stakeholders = clean_list(
            "stakeholders",
            input.stakeholders.as_deref().unwrap_or(&[]),
            100,
        )?;
        let risks = clean_list("risks", input.risks.as_deref().unwrap_or(&[]), 2000)?;
        let module = opt_name("module", &input.module)?;
        let owner = opt_name("owner", &input.owner)?;
        let effort = opt_text("estimated_effort", &input.estimated_effort, 100)?;
        let mut hours = check_hours("estimate_hours", input.estimate_hours)?;
        if hours.is_none()
            && let Some(e) = &effort
        {
            hours = effort_hours("estimated_effort", e)?;
        }
        let story_points = check_points("story_points", input.story_points)?;
        let deps: Vec<IssueKey> = clean_list(
            "dependencies",
            input.dependencies.as_deref().unwrap_or(&[]),
            40,
        )?
        .iter()
        .enumerate()
        .map(|(i, k)| IssueKey::parse(&format!("dependencies[{i}]"), k))
        .collect::<std::result::Result<_, _>>()?;
        Ok(NewIssue {
            title,
            issue_type: input.issue_type,
            description,
            priority: input.priority.unwrap_or(Priority::P3),
            module,
            owner,
            parent: input.parent.clone(),
            labels,
            estimate: Estimate {
                effort,
                hours,
                story_points,
                complexity: input.complexity,
            },
            acceptance,
            technical,
            stakeholders,
            risks,
            deps,
        })
    }
}

/// The key of a project's next new issue (`KEY-N`), its number allocated in `tx`.
pub(crate) async fn next_key(
    tx: &mut dyn lazypm_store::Tx,
    project_id: i64,
    project_key: &str,
) -> Result<IssueKey> {
    let number = tx.allocate_issue_number(project_id).await?;
    Ok(IssueKey::new(
        &lazypm_domain::ProjectKey::parse("project", project_key)?,
        number,
    ))
}

/// Creates a validated issue in `project` within `w`: checks its parent and
/// dependencies, allocates its key, inserts it with its `blocks` links and
/// records `issue_created`. Shared by pm_create_issue and pm_split_issue.
pub(crate) async fn insert_new_issue(
    w: &mut Write<'_>,
    project: &Scope,
    new: NewIssue,
) -> Result<Issue> {
    let parent = match &new.parent {
        Some(p) => {
            let parent = load_issue(&mut **w, "parent", p).await?;
            if parent.project_id != project.id {
                return Err(ServiceError::invalid(
                    "parent",
                    format!("{} belongs to another project", parent.key),
                ));
            }
            Some(parent.key)
        }
        None => None,
    };
    let mut blockers = Vec::with_capacity(new.deps.len());
    for (i, k) in new.deps.iter().enumerate() {
        let b = load_issue(&mut **w, &format!("dependencies[{i}]"), k.as_str()).await?;
        blockers.push(b);
    }
    let key = next_key(&mut **w, project.id, &project.key).await?;
    let mut issue = Issue {
        id: 0,
        project_id: project.id,
        key: key.into_string(),
        project: project.key.clone(),
        title: new.title,
        issue_type: new.issue_type,
        status: Status::Proposed,
        priority: new.priority,
        module: new.module,
        owner: new.owner,
        parent,
        labels: new.labels,
        estimate: new.estimate,
        blocker_reason: None,
        branch: None,
        time_spent_minutes: 0,
        archived: false,
        version: 1,
        created_at: w.now,
        updated_at: w.now,
        started_at: None,
        completed_at: None,
        specification: Specification {
            description: new.description,
            acceptance_criteria: new.acceptance,
            technical_approach: new.technical,
        },
        planning: Planning {
            stakeholders: new.stakeholders,
            risks: new.risks,
            ..Default::default()
        },
        implementation: Implementation::default(),
        communication: Communication::default(),
        analytics: Analytics::default(),
    };
    issue.id = w.insert_issue(&issue).await?;
    for b in &blockers {
        let now = w.now;
        w.insert_link(b.id, issue.id, DependencyKind::Blocks, now)
            .await?;
    }
    let dep_keys: Vec<&str> = blockers.iter().map(|b| b.key.as_str()).collect();
    w.record(
        EventType::IssueCreated,
        Some(&project.key),
        &issue.key,
        Some(&issue.key),
        json!({
            "title": issue.title, "type": issue.issue_type, "priority": issue.priority,
            "module": issue.module, "owner": issue.owner, "parent": issue.parent,
            "labels": issue.labels, "dependencies": dep_keys,
        }),
    )
    .await?;
    // Each blocker's history shows the link too.
    for b in &blockers {
        record_link(w, EventType::IssueLinked, b, &issue, DependencyKind::Blocks).await?;
    }
    Ok(issue)
}

impl Service {
    pub async fn pm_create_issue(&self, input: CreateIssueInput) -> Result<IssueOutput> {
        let new = NewIssue::validate(&input)?;
        let mut w = self.write().await?;
        let project = self
            .resolve_scope(&mut *w, input.project_id.as_deref())
            .await?;
        let issue = insert_new_issue(&mut w, &project, new).await?;
        w.commit().await?;
        let mut next_steps = vec![format!(
            "pm_start_work: begin {} when you are ready",
            issue.key
        )];
        if issue.specification.acceptance_criteria.is_empty() {
            next_steps.push(format!(
                "pm_update_issue: add acceptance_criteria to {}",
                issue.key
            ));
        }
        next_steps.push(format!("pm_create_task: break {} into tasks", issue.key));
        Ok(IssueOutput {
            issue: super::IssueSummary::of(&issue),
            next_steps,
        })
    }
}
