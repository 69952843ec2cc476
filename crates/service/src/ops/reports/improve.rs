//! pm_improve: a lesson learned becomes a tracked improvement issue, linked
//! `discovered_from` the issue that taught it, so the learning is worked on
//! rather than only written down.

use lazypm_domain::{DependencyKind, EventType, IssueType, LinkDirection, Priority};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{BriefIssue, brief};
use crate::ops::issues::{CreateIssueInput, NewIssue, insert_new_issue};
use crate::ops::links::record_link;
use crate::ops::{Scope, load_issue};
use crate::{Result, Service, ServiceError};

/// The label every improvement issue carries.
pub const IMPROVEMENT_LABEL: &str = "improvement";

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImproveInput {
    /// The issue the lesson comes from.
    pub issue_key: String,
    /// The lesson; default the source's latest recorded lesson.
    pub lesson: Option<String>,
    /// Default "Improve: " and the lesson.
    pub title: Option<String>,
    pub priority: Option<Priority>,
    pub owner: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ImproveOutput {
    pub improvement: BriefIssue,
    pub source: String,
    pub lesson: String,
    /// False when an open improvement with this title already came from the source.
    pub created: bool,
    pub next_steps: Vec<String>,
}

fn title_for(lesson: &str) -> String {
    let first = lesson.lines().next().unwrap_or(lesson).trim();
    let short: String = first.chars().take(90).collect();
    if short.chars().count() < first.chars().count() {
        format!("Improve: {}…", short.trim_end())
    } else {
        format!("Improve: {short}")
    }
}

impl Service {
    pub async fn pm_improve(&self, input: ImproveInput) -> Result<ImproveOutput> {
        let mut w = self.write().await?;
        let source = load_issue(&mut *w, "issue_key", &input.issue_key).await?;
        let lesson = match input.lesson.as_deref().map(str::trim) {
            Some("") => return Err(ServiceError::invalid("lesson", "the lesson is empty")),
            Some(l) => lazypm_domain::text::bounded("lesson", l, 2000)?,
            None => source.analytics.lessons_learned.last().cloned().ok_or_else(|| {
                ServiceError::invalid(
                    "lesson",
                    format!(
                        "{} has no recorded lesson: pass lesson, or record one with pm_complete_issue lessons_learned",
                        source.key
                    ),
                )
            })?,
        };
        let title = match &input.title {
            Some(t) => t.clone(),
            None => title_for(&lesson),
        };
        let detail = w.issue_detail(&source.key).await?;
        if let Some(existing) = detail.iter().flat_map(|d| &d.links).find(|l| {
            l.kind == DependencyKind::DiscoveredFrom
                && l.direction == LinkDirection::Incoming
                && l.title == title.trim()
                && !l.status.is_closed()
        }) {
            let issue = load_issue(&mut *w, "issue_key", &existing.key).await?;
            return Ok(ImproveOutput {
                improvement: brief(&issue),
                source: source.key,
                lesson,
                created: false,
                next_steps: vec![format!("pm_get_issue: {} already tracks this", issue.key)],
            });
        }
        let create = CreateIssueInput {
            project_id: None,
            issue_type: IssueType::Chore,
            title,
            description: Some(format!(
                "A lesson learned on {} ({}):\n\n> {}\n\nChange how the work is done so the lesson holds next time: a check, a test, a template or a note in the working agreement.",
                source.key,
                source.title,
                lesson.replace('\n', "\n> ")
            )),
            priority: Some(input.priority.unwrap_or(Priority::P3)),
            module: source.module.clone(),
            acceptance_criteria: Some(vec![
                format!("The change that keeps this lesson is in place: {}", title_for(&lesson).trim_start_matches("Improve: ")),
                "It is written where the next person or agent will meet it (AGENTS.md, a checklist, a test or a template)".into(),
            ]),
            technical_approach: None,
            dependencies: None,
            estimated_effort: None,
            estimate_hours: None,
            story_points: None,
            complexity: None,
            owner: input.owner.clone(),
            stakeholders: None,
            risks: None,
            labels: Some(vec![IMPROVEMENT_LABEL.into()]),
            parent: None,
        };
        let new = NewIssue::validate(&create)?;
        let scope = Scope {
            id: source.project_id,
            key: source.project.clone(),
        };
        let issue = insert_new_issue(&mut w, &scope, new).await?;
        let now = w.now;
        w.insert_link(issue.id, source.id, DependencyKind::DiscoveredFrom, now)
            .await?;
        record_link(
            &mut w,
            EventType::IssueLinked,
            &issue,
            &source,
            DependencyKind::DiscoveredFrom,
        )
        .await?;
        w.commit().await?;
        Ok(ImproveOutput {
            next_steps: vec![
                format!("pm_start_work: take {} on", issue.key),
                "pm_retro: see the other lessons and overruns".into(),
            ],
            improvement: brief(&issue),
            source: source.key,
            lesson,
            created: true,
        })
    }
}
