//! What changed on an issue between two versions of it, in words short
//! enough to hand back after every write (`status: proposed → in_progress`).

use crate::format_minutes;
use crate::model::Issue;

/// The changes from `before` to `after`, one short phrase each, in a fixed
/// order. Rich text that changed is named, not repeated.
pub fn issue_changes(before: &Issue, after: &Issue) -> Vec<String> {
    let mut out = Vec::new();
    let mut scalar = |name: &str, a: Option<String>, b: Option<String>| {
        if a != b {
            let show = |v: Option<String>| v.unwrap_or_else(|| "none".into());
            out.push(format!("{name}: {} → {}", show(a), show(b)));
        }
    };
    scalar(
        "title",
        Some(before.title.clone()),
        Some(after.title.clone()),
    );
    scalar(
        "type",
        Some(before.issue_type.to_string()),
        Some(after.issue_type.to_string()),
    );
    scalar(
        "status",
        Some(before.status.to_string()),
        Some(after.status.to_string()),
    );
    scalar(
        "priority",
        Some(before.priority.to_string()),
        Some(after.priority.to_string()),
    );
    scalar("owner", before.owner.clone(), after.owner.clone());
    scalar("module", before.module.clone(), after.module.clone());
    scalar("parent", before.parent.clone(), after.parent.clone());
    scalar(
        "blocker_reason",
        before.blocker_reason.clone(),
        after.blocker_reason.clone(),
    );
    scalar("branch", before.branch.clone(), after.branch.clone());
    scalar(
        "effort",
        before.estimate.effort.clone(),
        after.estimate.effort.clone(),
    );
    scalar(
        "story_points",
        before.estimate.story_points.map(|p| p.to_string()),
        after.estimate.story_points.map(|p| p.to_string()),
    );
    scalar(
        "complexity",
        before.estimate.complexity.map(|c| c.to_string()),
        after.estimate.complexity.map(|c| c.to_string()),
    );
    scalar(
        "time_spent",
        Some(format_minutes(before.time_spent_minutes)),
        Some(format_minutes(after.time_spent_minutes)),
    );
    scalar(
        "archived",
        Some(before.archived.to_string()),
        Some(after.archived.to_string()),
    );
    if before.labels != after.labels {
        out.push(format!("labels: {}", list(&after.labels)));
    }
    let texts = [
        (
            "description",
            before.specification.description != after.specification.description,
        ),
        (
            "technical_approach",
            before.specification.technical_approach != after.specification.technical_approach,
        ),
        (
            "estimate_reasoning",
            before.planning.estimate_reasoning != after.planning.estimate_reasoning,
        ),
    ];
    out.extend(
        texts
            .iter()
            .filter(|(_, changed)| *changed)
            .map(|(name, _)| format!("{name} updated")),
    );
    let counts = [
        (
            "acceptance_criteria",
            before.specification.acceptance_criteria.len(),
            after.specification.acceptance_criteria.len(),
        ),
        (
            "risks",
            before.planning.risks.len(),
            after.planning.risks.len(),
        ),
        (
            "stakeholders",
            before.planning.stakeholders.len(),
            after.planning.stakeholders.len(),
        ),
        (
            "commits",
            before.implementation.commits.len(),
            after.implementation.commits.len(),
        ),
        (
            "artifacts",
            before.implementation.artifacts.len(),
            after.implementation.artifacts.len(),
        ),
        (
            "lessons_learned",
            before.analytics.lessons_learned.len(),
            after.analytics.lessons_learned.len(),
        ),
        (
            "review_requests",
            before.communication.review_requests.len(),
            after.communication.review_requests.len(),
        ),
        (
            "reviews",
            before.communication.reviews.len(),
            after.communication.reviews.len(),
        ),
    ];
    for (name, a, b) in counts {
        if a != b {
            out.push(format!("{name}: {a} → {b}"));
        }
    }
    if before.implementation.pull_request != after.implementation.pull_request {
        out.push("pull_request updated".into());
    }
    out
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Priority, Status};

    #[test]
    fn names_each_change_once() {
        let before = Issue {
            id: 1,
            project_id: 1,
            key: "P-1".into(),
            project: "P".into(),
            title: "t".into(),
            issue_type: crate::IssueType::Feature,
            status: Status::Proposed,
            priority: Priority::P3,
            module: None,
            owner: None,
            parent: None,
            labels: vec![],
            estimate: Default::default(),
            blocker_reason: None,
            branch: None,
            time_spent_minutes: 0,
            archived: false,
            version: 1,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            started_at: None,
            completed_at: None,
            specification: Default::default(),
            planning: Default::default(),
            implementation: Default::default(),
            communication: Default::default(),
            analytics: Default::default(),
        };
        let mut after = before.clone();
        after.status = Status::InProgress;
        after.owner = Some("ana".into());
        after.priority = Priority::P1;
        after.specification.description = "spec".into();
        after.specification.acceptance_criteria = vec!["a".into(), "b".into()];
        assert_eq!(
            issue_changes(&before, &after),
            vec![
                "status: proposed → in_progress",
                "priority: P3 → P1",
                "owner: none → ana",
                "description updated",
                "acceptance_criteria: 0 → 2",
            ]
        );
        assert!(issue_changes(&after, &after).is_empty());
    }
}
