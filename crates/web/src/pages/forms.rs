//! The create and edit forms. Editing sends only the fields the person
//! changed, with the version the page was rendered from: fields the form
//! does not show are never touched, and a concurrent change ends in a
//! conflict that shows both versions (see `assets/app.js`), never a silent
//! overwrite.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use lazypm_domain::{Complexity, IssueType, Priority};
use lazypm_service::ops::issues::GetIssueInput;

use super::{Chrome, PageResult, Tab, page};
use crate::routes::AppState;

/// The values a form starts from.
#[derive(Default)]
struct Values {
    title: String,
    kind: String,
    priority: String,
    module: String,
    owner: String,
    parent: String,
    labels: String,
    effort: String,
    points: String,
    complexity: String,
    description: String,
    criteria: String,
    approach: String,
}

#[derive(Template)]
#[template(path = "form.html")]
struct FormPage {
    project: String,
    /// The issue being edited; empty when creating.
    key: String,
    version: i64,
    v: Values,
    types: Vec<&'static str>,
    priorities: Vec<&'static str>,
    complexities: Vec<&'static str>,
    modules: Vec<String>,
}

fn choices() -> (Vec<&'static str>, Vec<&'static str>, Vec<&'static str>) {
    (
        IssueType::ALL.iter().map(|t| t.as_str()).collect(),
        Priority::ALL.iter().map(|p| p.as_str()).collect(),
        Complexity::ALL.iter().map(|c| c.as_str()).collect(),
    )
}

async fn modules(s: &AppState, project: &str) -> Result<(String, Vec<String>), super::PageError> {
    Ok(s.svc.project_modules(Some(project)).await?)
}

pub async fn create(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(project): Path<String>,
) -> PageResult {
    let (key, modules) = modules(&s, &project).await?;
    let (types, priorities, complexities) = choices();
    let main = FormPage {
        project: key.clone(),
        key: String::new(),
        version: 0,
        v: Values {
            kind: "feature".into(),
            priority: "P3".into(),
            ..Values::default()
        },
        types,
        priorities,
        complexities,
        modules,
    };
    let chrome = Chrome {
        title: format!("New {key} issue"),
        project: Some(key),
        tab: Tab::New,
    };
    page(&s, &headers, chrome, &main).await
}

pub async fn edit(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> PageResult {
    let d = s.svc.pm_get_issue(GetIssueInput { issue_key: key }).await?;
    let i = d.issue;
    let (project, modules) = modules(&s, &i.project).await?;
    let (types, priorities, complexities) = choices();
    let main = FormPage {
        project: project.clone(),
        key: i.key.clone(),
        version: i.version,
        v: Values {
            title: i.title,
            kind: i.issue_type.as_str().into(),
            priority: i.priority.as_str().into(),
            module: i.module.unwrap_or_default(),
            owner: i.owner.unwrap_or_default(),
            parent: i.parent.unwrap_or_default(),
            labels: i.labels.join(", "),
            effort: i.estimate.effort.unwrap_or_default(),
            points: i
                .estimate
                .story_points
                .map(|p| p.to_string())
                .unwrap_or_default(),
            complexity: i
                .estimate
                .complexity
                .map(|c| c.as_str().to_string())
                .unwrap_or_default(),
            description: i.specification.description,
            criteria: i.specification.acceptance_criteria.join("\n"),
            approach: i.specification.technical_approach.unwrap_or_default(),
        },
        types,
        priorities,
        complexities,
        modules,
    };
    let chrome = Chrome {
        title: format!("Edit {}", main.key),
        project: Some(project),
        tab: Tab::Issues,
    };
    page(&s, &headers, chrome, &main).await
}
