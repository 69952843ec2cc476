//! The projects overview and a project's dashboard.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect};
use chrono::Utc;
use lazypm_service::ops::analytics::{ProjectDashboardInput, Timeframe};
use lazypm_service::ops::projects::ListProjectsInput;
use lazypm_service::ops::reports::StatusInput;
use serde::Deserialize;

use super::filters;
use super::view::{self, Bar, FeedItem, Row};
use super::{Chrome, PageResult, Tab, page};
use crate::routes::AppState;

/// `/`: the only project's dashboard, else the overview.
pub async fn home(State(s): State<AppState>, headers: HeaderMap) -> PageResult {
    let projects = s
        .svc
        .pm_list_projects(ListProjectsInput::default())
        .await?
        .projects;
    if let [only] = projects.as_slice() {
        return Ok(Redirect::to(&format!("/p/{}", only.key)).into_response());
    }
    projects_page(&s, &headers).await
}

pub async fn projects(State(s): State<AppState>, headers: HeaderMap) -> PageResult {
    projects_page(&s, &headers).await
}

struct ProjectCard {
    key: String,
    name: String,
    path: String,
    open: i64,
    in_progress: i64,
    review: i64,
    blocked: i64,
    done: i64,
    health: String,
    last: String,
}

#[derive(Template)]
#[template(path = "projects.html")]
struct ProjectsPage {
    cards: Vec<ProjectCard>,
}

async fn projects_page(s: &AppState, headers: &HeaderMap) -> PageResult {
    let now = Utc::now();
    let mut cards = Vec::new();
    for p in s
        .svc
        .pm_list_projects(ListProjectsInput::default())
        .await?
        .projects
    {
        let st = s
            .svc
            .pm_status(StatusInput {
                project_id: Some(p.key.clone()),
            })
            .await?;
        let n = |k: &str| st.by_status.get(k).copied().unwrap_or(0);
        cards.push(ProjectCard {
            open: st.open,
            in_progress: n("in_progress"),
            review: n("review"),
            blocked: n("blocked"),
            done: n("done"),
            health: st.health.as_str().to_string(),
            last: st
                .recent_activity
                .first()
                .map(|e| format!("{} by {}", view::ago(e.at, now), e.actor))
                .unwrap_or_else(|| "no activity yet".into()),
            key: p.key,
            name: p.name,
            path: p.path,
        });
    }
    let chrome = Chrome {
        title: "Projects".into(),
        project: None,
        tab: Tab::Projects,
    };
    page(s, headers, chrome, &ProjectsPage { cards }).await
}

struct OwnerBlock {
    owner: String,
    agentish: bool,
    in_progress: i64,
    in_review: i64,
    issues: Vec<Row>,
    /// How many are not listed, and where they all are.
    more: i64,
    all_href: String,
    last: String,
    stale: bool,
}

struct Week {
    label: String,
    value: i64,
    height: i64,
    y: i64,
    x: i64,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    project: String,
    name: String,
    health: String,
    health_notes: Vec<String>,
    total: i64,
    open: i64,
    blocked: i64,
    waiting: i64,
    archived: i64,
    created: i64,
    completed: i64,
    throughput: f64,
    cycle: String,
    logged: String,
    timeframe: String,
    by_status: Vec<Bar>,
    by_priority: Vec<Bar>,
    by_type: Vec<Bar>,
    by_module: Vec<Bar>,
    weeks: Vec<Week>,
    owners: Vec<OwnerBlock>,
    feed: Vec<FeedItem>,
    review: Vec<Row>,
    review_total: i64,
}

#[derive(Deserialize)]
pub struct DashboardQuery {
    timeframe: Option<String>,
}

pub async fn dashboard(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(project): Path<String>,
    Query(q): Query<DashboardQuery>,
) -> PageResult {
    let now = Utc::now();
    let timeframe = match q.timeframe.as_deref() {
        Some("7d") => Some(Timeframe::Week),
        Some("1m") => Some(Timeframe::Month),
        Some("3m") => Some(Timeframe::Quarter),
        _ => None,
    };
    let d = s
        .svc
        .project_dashboard(
            ProjectDashboardInput {
                project_id: Some(project.clone()),
                timeframe,
            },
            false,
        )
        .await?;
    let key = d.status.project.clone();
    let work = s.svc.work_in_progress(Some(&key), now, 20).await?;
    let events = s.svc.activity(Some(&key), 40).await?;
    let st = &d.status;
    let bar_href = |param: &'static str| {
        let key = key.clone();
        move |l: &str| format!("/p/{key}/issues?{param}={l}")
    };
    let max_week = d
        .completed_by_week
        .iter()
        .map(|w| w.completed)
        .max()
        .unwrap_or(0)
        .max(1);
    let weeks = d
        .completed_by_week
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let height = w.completed * 60 / max_week;
            Week {
                label: w.from.format("%b %d").to_string(),
                value: w.completed,
                height,
                y: 64 - height,
                x: i as i64 * 28 + 4,
            }
        })
        .collect();
    let owners = work
        .owners
        .iter()
        .map(|w| {
            let shown = w.issues.len() as i64;
            let all_href = match &w.owner {
                Some(o) => format!(
                    "/p/{key}/issues?status=in_progress,review&owner={}",
                    super::lists::encode(o)
                ),
                None => format!("/p/{key}/issues?status=in_progress,review"),
            };
            OwnerBlock {
                owner: w.owner.clone().unwrap_or_else(|| "unowned".into()),
                agentish: w.owner.as_deref().is_some_and(|o| o != "web"),
                in_progress: w.in_progress,
                in_review: w.in_review,
                issues: w.issues.iter().map(|i| view::row(i, now)).collect(),
                more: (w.in_progress + w.in_review - shown).max(0),
                all_href,
                last: view::ago(w.last_activity, now),
                stale: w.stale,
            }
        })
        .collect();
    let main = DashboardPage {
        project: key.clone(),
        name: st.name.clone(),
        health: d.health.as_str().to_string(),
        health_notes: d.health_notes.clone(),
        total: st.total,
        open: st.open,
        blocked: st.blocked,
        waiting: st.waiting_on_dependencies,
        archived: st.archived,
        created: d.created,
        completed: d.completed,
        throughput: d.throughput_per_week,
        cycle: d
            .avg_cycle_time_hours
            .map(|h| format!("{h:.1} h"))
            .unwrap_or_else(|| "–".into()),
        logged: if d.time_logged.is_empty() {
            "0m".into()
        } else {
            d.time_logged.clone()
        },
        timeframe: d.timeframe.clone(),
        by_status: view::status_bars(&st.by_status, &key),
        by_priority: view::bars(
            st.by_priority.iter().map(|(k, v)| (k.clone(), *v)),
            |l| format!("pr-{l}"),
            bar_href("priority"),
        ),
        by_type: view::bars(
            st.by_type.iter().map(|(k, v)| (k.clone(), *v)),
            |_| String::new(),
            bar_href("type"),
        ),
        by_module: view::bars(
            st.by_module.iter().map(|(k, v)| (k.clone(), *v)),
            |_| String::new(),
            bar_href("module"),
        ),
        weeks,
        owners,
        feed: view::feed(&events, now),
        review: work.review.iter().map(|i| view::row(i, now)).collect(),
        review_total: work.review_total,
    };
    let chrome = Chrome {
        title: format!("{} dashboard", main.name),
        project: Some(key),
        tab: Tab::Dashboard,
    };
    page(&s, &headers, chrome, &main).await
}
