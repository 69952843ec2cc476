//! pm_split_issue: breaking an issue into child issues, linked as children,
//! blockers or related issues.

use lazypm_domain::{DependencyKind, EventType, IssueType, Priority};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::ops::issues::{CreateIssueInput, NewIssue, insert_new_issue};
use crate::ops::links::record_link;
use crate::ops::reports::{BriefIssue, brief};
use crate::ops::{Scope, load_issue};
use crate::{Result, Service, ServiceError};

/// Most children one pm_split_issue call creates.
const MAX_CHILDREN: usize = 20;

/// How the children of a split relate to the issue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SplitLink {
    /// Children get the issue as parent.
    #[default]
    Parent,
    /// As parent, and each child blocks the issue.
    Blocks,
    /// No parent; each child is linked as relates.
    Relates,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitChild {
    pub title: String,
    /// Markdown.
    pub description: Option<String>,
    /// Default: the issue's type (feature when it is an epic).
    #[serde(rename = "type")]
    pub issue_type: Option<IssueType>,
    /// Default: the issue's priority.
    pub priority: Option<Priority>,
    /// Effort like `4h`, `2d` or a range `1-2d`.
    pub estimated_effort: Option<String>,
    pub acceptance_criteria: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitIssueInput {
    pub issue_key: String,
    /// 1–20 child issues to create.
    pub children: Vec<SplitChild>,
    /// parent (default), blocks (also child blocks issue) or relates.
    pub link_type: Option<SplitLink>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SplitIssueOutput {
    pub issue_key: String,
    pub link_type: SplitLink,
    /// The created issues, in the order given.
    pub children: Vec<BriefIssue>,
    pub next_steps: Vec<String>,
}

/// Puts `field` under `prefix` (`children[2].title`).
fn under(prefix: String) -> impl FnOnce(ServiceError) -> ServiceError {
    move |e| match e {
        ServiceError::Invalid { field, message } => ServiceError::Invalid {
            field: format!("{prefix}.{field}"),
            message,
        },
        other => other,
    }
}

impl Service {
    pub async fn pm_split_issue(&self, input: SplitIssueInput) -> Result<SplitIssueOutput> {
        let n = input.children.len();
        if n == 0 || n > MAX_CHILDREN {
            return Err(ServiceError::invalid(
                "children",
                format!("give 1 to {MAX_CHILDREN} children, not {n}"),
            ));
        }
        let link = input.link_type.unwrap_or_default();
        let mut news = Vec::with_capacity(n);
        for (i, c) in input.children.iter().enumerate() {
            let create = CreateIssueInput {
                project_id: None,
                issue_type: c.issue_type.unwrap_or(IssueType::Feature),
                title: c.title.clone(),
                description: c.description.clone(),
                priority: c.priority,
                module: None,
                acceptance_criteria: c.acceptance_criteria.clone(),
                technical_approach: None,
                dependencies: None,
                estimated_effort: c.estimated_effort.clone(),
                estimate_hours: None,
                story_points: None,
                complexity: None,
                owner: None,
                stakeholders: None,
                risks: None,
                labels: None,
                parent: None,
            };
            let new = NewIssue::validate(&create).map_err(under(format!("children[{i}]")))?;
            news.push(new);
        }
        let mut w = self.write().await?;
        let issue = load_issue(&mut *w, "issue_key", &input.issue_key).await?;
        if issue.status.is_closed() {
            return Err(ServiceError::invalid(
                "issue_key",
                format!(
                    "{} is {}: split open work (reopen it with pm_update_status first)",
                    issue.key, issue.status
                ),
            ));
        }
        let scope = Scope {
            id: issue.project_id,
            key: issue.project.clone(),
        };
        let default_type = if issue.issue_type == IssueType::Epic {
            IssueType::Feature
        } else {
            issue.issue_type
        };
        let mut children = Vec::with_capacity(n);
        for (new, c) in news.into_iter().zip(&input.children) {
            let mut new = new;
            new.issue_type = c.issue_type.unwrap_or(default_type);
            new.priority = c.priority.unwrap_or(issue.priority);
            new.module = issue.module.clone();
            if link != SplitLink::Relates {
                new.parent = Some(issue.key.clone());
            }
            let child = insert_new_issue(&mut w, &scope, new).await?;
            let now = w.now;
            match link {
                SplitLink::Parent => {}
                SplitLink::Blocks => {
                    w.insert_link(child.id, issue.id, DependencyKind::Blocks, now)
                        .await?;
                    record_link(
                        &mut w,
                        EventType::IssueLinked,
                        &child,
                        &issue,
                        DependencyKind::Blocks,
                    )
                    .await?;
                }
                SplitLink::Relates => {
                    w.insert_link(issue.id, child.id, DependencyKind::Relates, now)
                        .await?;
                    record_link(
                        &mut w,
                        EventType::IssueLinked,
                        &issue,
                        &child,
                        DependencyKind::Relates,
                    )
                    .await?;
                }
            }
            children.push(brief(&child));
        }
        let keys: Vec<&str> = children.iter().map(|c| c.key.as_str()).collect();
        w.record(
            EventType::IssueSplit,
            Some(&issue.project),
            &issue.key,
            Some(&issue.key),
            json!({ "children": keys, "link_type": link }),
        )
        .await?;
        w.commit().await?;
        let mut next_steps = Vec::new();
        if let Some(first) = children.first() {
            next_steps.push(format!("pm_start_work: begin with {}", first.key));
        }
        next_steps.push(format!(
            "pm_list_issues: parent {} lists its children",
            issue.key
        ));
        Ok(SplitIssueOutput {
            issue_key: issue.key,
            link_type: link,
            children,
            next_steps,
        })
    }
}
