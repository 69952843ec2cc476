//! The JSON `gh issue list --state all --json number,title,body,state,
//! stateReason,labels,assignees,milestone,author,createdAt,updatedAt,closedAt,
//! comments,url` prints: labels, the first assignee as owner, the milestone
//! as a sprint, state and its reason (closed as completed → done, closed as
//! not planned or as a duplicate → canceled), comments.

use lazypm_domain::{IssueType, Status};
use serde_json::Value;

use super::{Batch, NewComment, NewIssue, NewSprint, Skipped, parse_time, text};
use crate::{Result, ServiceError};

pub fn read(json: &str) -> Result<Batch> {
    let list: Vec<Value> = serde_json::from_str(json).map_err(|e| {
        ServiceError::invalid(
            "file",
            format!("not the JSON array `gh issue list --json …` prints ({e})"),
        )
    })?;
    let mut batch = Batch {
        format: "github",
        ..Default::default()
    };
    batch.notes.push(
        "milestones became sprints; the first assignee became the owner; \
         a bug label made the type bug"
            .into(),
    );
    for v in &list {
        let Some(number) = v.get("number").and_then(Value::as_i64) else {
            batch.skipped.push(Skipped {
                what: "an issue".into(),
                why: "it has no number".into(),
            });
            continue;
        };
        let id = format!("#{number}");
        let mut issue = NewIssue::new(&id, text(v.get("title")).unwrap_or_else(|| id.clone()));
        issue.specification.description = text(v.get("body")).unwrap_or_default();
        let state = text(v.get("state"))
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reason = text(v.get("stateReason"))
            .unwrap_or_default()
            .to_ascii_uppercase();
        issue.status = match (state.as_str(), reason.as_str()) {
            ("CLOSED", "NOT_PLANNED" | "DUPLICATE") => Status::Canceled,
            ("CLOSED", _) => Status::Done,
            _ => Status::Proposed,
        };
        for l in v
            .get("labels")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(name) = text(l.get("name")) {
                if name.eq_ignore_ascii_case("bug") {
                    issue.issue_type = IssueType::Bug;
                }
                issue.labels.push(name);
            }
        }
        issue.owner = v
            .get("assignees")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .and_then(|a| text(a.get("login")));
        if let Some(m) = v.get("milestone").filter(|m| !m.is_null())
            && let Some(title) = text(m.get("title"))
        {
            if !batch.sprints.iter().any(|s| s.name == title) {
                batch.sprints.push(NewSprint {
                    name: title.clone(),
                    goal: text(m.get("description")),
                    start_date: None,
                    end_date: text(m.get("dueOn"))
                        .and_then(|d| parse_time(&d))
                        .map(|d| d.date_naive()),
                });
            }
            issue.sprint = Some(title);
        }
        if let Some(url) = text(v.get("url")) {
            issue.implementation.artifacts.push(url);
        }
        issue.created_at = text(v.get("createdAt")).and_then(|t| parse_time(&t));
        issue.updated_at = text(v.get("updatedAt")).and_then(|t| parse_time(&t));
        issue.completed_at = text(v.get("closedAt")).and_then(|t| parse_time(&t));
        if let Some(author) = v.get("author").and_then(|a| text(a.get("login"))) {
            issue.planning.stakeholders.push(author);
        }
        for c in v
            .get("comments")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(body) = text(c.get("body")) {
                issue.comments.push(NewComment {
                    author: c
                        .get("author")
                        .and_then(|a| text(a.get("login")))
                        .unwrap_or_else(|| "ghost".into()),
                    body,
                    created_at: text(c.get("createdAt")).and_then(|t| parse_time(&t)),
                });
            }
        }
        batch.issues.push(issue);
    }
    // gh lists newest first: import oldest first, so keys follow the numbers.
    batch.issues.sort_by_key(|i| {
        i.source_id
            .trim_start_matches('#')
            .parse::<i64>()
            .unwrap_or(i64::MAX)
    });
    Ok(batch)
}
