//! An issue's page: its rendered specification, tasks with checklists,
//! work-log timeline, comments, dependencies, git, history, and every
//! workflow action (each a form the page script sends to
//! `POST /api/tools/{name}`).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use lazypm_domain::{Activity, DependencyKind, Priority, Status, allowed_next, format_minutes};
use lazypm_service::ops::issues::GetIssueInput;
use lazypm_service::ops::reports::IssueHistoryInput;
use lazypm_service::ops::sprints::ListSprintsInput;

use super::filters;
use super::html::{Safe, markdown, markdown_inline};
use super::view::{self, FeedItem};
use super::{Chrome, PageResult, Tab, page};
use crate::routes::AppState;

struct Item {
    number: usize,
    text: Safe,
    done: bool,
}

struct TaskView {
    key: String,
    title: String,
    status: &'static str,
    assignee: String,
    details: Safe,
    items: Vec<Item>,
    done_items: usize,
}

struct LogView {
    author: String,
    activity: &'static str,
    summary: Safe,
    details: Safe,
    time: String,
    ago: String,
    at: String,
    files: Vec<String>,
    commits: Vec<String>,
    urls: Vec<String>,
    task: String,
}

struct CommentView {
    author: String,
    body: Safe,
    ago: String,
    at: String,
}

struct LinkView {
    key: String,
    title: String,
    status: &'static str,
    status_label: &'static str,
    kind: &'static str,
    closed: bool,
}

struct CommitView {
    sha: String,
    short: String,
    message: String,
}

struct Move {
    status: &'static str,
    label: &'static str,
    ask_reason: bool,
}

#[derive(Template)]
#[template(path = "detail.html")]
struct DetailPage {
    key: String,
    project: String,
    title: String,
    status: &'static str,
    status_label: &'static str,
    priority: &'static str,
    kind: &'static str,
    owner: String,
    module: String,
    parent: String,
    labels: Vec<String>,
    version: i64,
    archived: bool,
    closed: bool,
    blocker: String,
    estimate: String,
    time_spent: String,
    created: String,
    updated: String,
    ready: bool,
    description: Safe,
    criteria: Vec<Safe>,
    approach: Safe,
    risks: Vec<String>,
    lessons: Vec<Safe>,
    tasks: Vec<TaskView>,
    logs: Vec<LogView>,
    comments: Vec<CommentView>,
    depends_on: Vec<LinkView>,
    blocks: Vec<LinkView>,
    related: Vec<LinkView>,
    branch: String,
    commits: Vec<CommitView>,
    pr_url: String,
    pr_label: String,
    reviews: Vec<(String, String, Safe)>,
    sprints: Vec<String>,
    all_sprints: Vec<String>,
    history: Vec<FeedItem>,
    moves: Vec<Move>,
    priorities: Vec<&'static str>,
    activities: Vec<&'static str>,
    link_kinds: Vec<&'static str>,
}

fn link(l: &lazypm_domain::LinkedIssue) -> LinkView {
    LinkView {
        key: l.key.clone(),
        title: l.title.clone(),
        status: l.status.as_str(),
        status_label: view::status_label(l.status),
        kind: l.kind.as_str(),
        closed: l.status.is_closed(),
    }
}

fn when(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    view::ago(at, now)
}

pub async fn detail(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> PageResult {
    let now = Utc::now();
    let d = s
        .svc
        .pm_get_issue(GetIssueInput {
            issue_key: key.clone(),
        })
        .await?;
    let i = &d.issue;
    let history = s
        .svc
        .pm_issue_history(IssueHistoryInput {
            issue_key: i.key.clone(),
            limit: Some(200),
            cursor: None,
        })
        .await?;
    let sprints = s
        .svc
        .pm_list_sprints(ListSprintsInput {
            project_id: Some(i.project.clone()),
        })
        .await?;
    let mut history_events = history.events;
    history_events.reverse();
    let moves = allowed_next(i.status)
        .iter()
        .map(|s| Move {
            status: s.as_str(),
            label: match s {
                Status::InProgress if i.status == Status::Done => "Reopen",
                Status::Proposed if i.status == Status::Canceled => "Reopen",
                Status::InProgress if i.status == Status::Proposed => "Start",
                Status::InProgress if i.status == Status::Blocked => "Unblock and resume",
                Status::Proposed if i.status == Status::Blocked => "Unblock",
                Status::InProgress if i.status == Status::Review => "Back to in progress",
                Status::Blocked => "Block…",
                Status::Canceled => "Cancel",
                Status::Review => "Move to review",
                Status::Proposed => "Back to proposed",
                Status::Done => "Mark done",
                _ => view::status_label(*s),
            },
            ask_reason: *s == Status::Blocked,
        })
        .collect();
    let main = DetailPage {
        key: i.key.clone(),
        project: i.project.clone(),
        title: i.title.clone(),
        status: i.status.as_str(),
        status_label: view::status_label(i.status),
        priority: i.priority.as_str(),
        kind: i.issue_type.as_str(),
        owner: i.owner.clone().unwrap_or_default(),
        module: i.module.clone().unwrap_or_default(),
        parent: i.parent.clone().unwrap_or_default(),
        labels: i.labels.clone(),
        version: i.version,
        archived: i.archived,
        closed: i.status.is_closed(),
        blocker: i.blocker_reason.clone().unwrap_or_default(),
        estimate: [
            i.estimate.effort.clone(),
            i.estimate.hours.map(|h| format!("{h} h")),
            i.estimate.story_points.map(|p| format!("{p} points")),
            i.estimate
                .complexity
                .map(|c| format!("{} complexity", c.as_str())),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · "),
        time_spent: d.time_spent.clone(),
        created: when(i.created_at, now),
        updated: when(i.updated_at, now),
        ready: d.ready,
        description: markdown(&i.specification.description),
        criteria: i
            .specification
            .acceptance_criteria
            .iter()
            .map(|c| markdown_inline(c))
            .collect(),
        approach: markdown(i.specification.technical_approach.as_deref().unwrap_or("")),
        risks: i.planning.risks.clone(),
        lessons: i
            .analytics
            .lessons_learned
            .iter()
            .map(|l| markdown_inline(l))
            .collect(),
        tasks: d
            .tasks
            .iter()
            .map(|t| TaskView {
                key: t.key.clone(),
                title: t.title.clone(),
                status: t.status.as_str(),
                assignee: t.assignee.clone().unwrap_or_default(),
                details: markdown(t.details.as_deref().unwrap_or("")),
                done_items: t.checklist.iter().filter(|c| c.done).count(),
                items: t
                    .checklist
                    .iter()
                    .enumerate()
                    .map(|(n, c)| Item {
                        number: n + 1,
                        text: markdown_inline(&c.text),
                        done: c.done,
                    })
                    .collect(),
            })
            .collect(),
        logs: d
            .work_logs
            .iter()
            .rev()
            .map(|l| LogView {
                author: l.author.clone(),
                activity: l.activity.as_str(),
                summary: markdown_inline(&l.summary),
                details: markdown(l.details.as_deref().unwrap_or("")),
                time: if l.minutes > 0 {
                    format_minutes(l.minutes)
                } else {
                    String::new()
                },
                ago: when(l.logged_at, now),
                at: l.logged_at.to_rfc3339(),
                files: l.artifacts.files.clone(),
                commits: l.artifacts.commits.clone(),
                urls: l.artifacts.urls.clone(),
                task: l.task_key.clone().unwrap_or_default(),
            })
            .collect(),
        comments: d
            .comments
            .iter()
            .map(|c| CommentView {
                author: c.author.clone(),
                body: markdown(&c.body),
                ago: when(c.created_at, now),
                at: c.created_at.to_rfc3339(),
            })
            .collect(),
        depends_on: d.depends_on.iter().map(link).collect(),
        blocks: d.blocks.iter().map(link).collect(),
        related: d.related.iter().map(link).collect(),
        branch: i.branch.clone().unwrap_or_default(),
        commits: i
            .implementation
            .commits
            .iter()
            .map(|c| CommitView {
                short: c.sha.chars().take(8).collect(),
                sha: c.sha.clone(),
                message: c.message.lines().next().unwrap_or_default().to_string(),
            })
            .collect(),
        pr_url: i
            .implementation
            .pull_request
            .as_ref()
            .map(|p| p.url.clone())
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
            .unwrap_or_default(),
        pr_label: i
            .implementation
            .pull_request
            .as_ref()
            .map(|p| {
                let n = p
                    .number
                    .map(|n| format!("#{n}"))
                    .unwrap_or_else(|| "pull request".into());
                match &p.state {
                    Some(st) => format!("{n} ({st})"),
                    None => n,
                }
            })
            .unwrap_or_default(),
        reviews: i
            .communication
            .reviews
            .iter()
            .rev()
            .map(|r| {
                (
                    r.reviewer.clone(),
                    r.decision.replace('_', " "),
                    markdown(r.comments.as_deref().unwrap_or("")),
                )
            })
            .collect(),
        sprints: d.sprints.clone(),
        all_sprints: sprints
            .sprints
            .iter()
            .map(|s| s.sprint.name.clone())
            .filter(|n| !d.sprints.contains(n))
            .collect(),
        history: view::feed(&history_events, now),
        moves,
        priorities: Priority::ALL.iter().map(|p| p.as_str()).collect(),
        activities: Activity::ALL.iter().map(|a| a.as_str()).collect(),
        link_kinds: DependencyKind::ALL.iter().map(|k| k.as_str()).collect(),
    };
    let chrome = Chrome {
        title: format!("{} {}", main.key, main.title),
        project: Some(main.project.clone()),
        tab: Tab::Issues,
    };
    page(&s, &headers, chrome, &main).await
}
