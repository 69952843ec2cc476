//! The dashboard's pages: server-rendered HTML over the same service calls
//! as the API. Pages only read; every change a page makes goes through
//! `POST /api/tools/{name}` (see `assets/app.js`), so the browser is held to
//! the same validation and workflow as an agent. A request with
//! `X-Fragment: 1` gets only the page's `<main>`, which is how open pages
//! refresh live without reloading.

mod analytics;
pub mod assets;
mod board;
mod detail;
mod filters;
mod forms;
mod graph;
mod html;
mod lists;
mod overview;
mod view;

use askama::Template;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use lazypm_service::{ServiceError, ops::projects::ListProjectsInput};

pub use html::Safe;
pub use lists::encode;

use crate::routes::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(overview::home))
        .route("/projects", get(overview::projects))
        .route("/login", get(login))
        .route("/p/{project}", get(overview::dashboard))
        .route("/p/{project}/issues", get(lists::issues))
        .route("/p/{project}/archive", get(lists::archive))
        .route("/p/{project}/board", get(board::board))
        .route("/p/{project}/graph", get(graph::graph))
        .route("/p/{project}/analytics", get(analytics::analytics))
        .route("/p/{project}/new", get(forms::create))
        .route("/issues/{key}", get(detail::detail))
        .route("/issues/{key}/edit", get(forms::edit))
        .merge(assets::router())
}

/// Which navigation tab a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Projects,
    Dashboard,
    Issues,
    Board,
    Graph,
    Analytics,
    Archive,
    New,
}

/// What every page shares: its title, project, and the audit sequence it
/// was rendered at (the live feed continues from there).
pub struct Chrome {
    pub title: String,
    pub project: Option<String>,
    pub tab: Tab,
}

#[derive(Template)]
#[template(path = "layout.html")]
struct Layout<'a> {
    title: &'a str,
    project: Option<&'a str>,
    projects: Vec<String>,
    tab: Tab,
    seq: i64,
    version: &'a str,
    /// Every audit event type: the live feed listens for each by name.
    events: String,
    main: Safe,
}

/// A rendered page, or only its main part for a live refresh.
pub async fn page(
    s: &AppState,
    headers: &HeaderMap,
    chrome: Chrome,
    main: &impl Template,
) -> Result<Response, PageError> {
    let main = html::render(main)?;
    if headers.get("x-fragment").is_some() {
        return Ok(Html(main.into_string()).into_response());
    }
    let seq = s.svc.last_event_seq().await?;
    let projects = s
        .svc
        .pm_list_projects(ListProjectsInput::default())
        .await?
        .projects
        .into_iter()
        .map(|p| p.key)
        .collect();
    let layout = Layout {
        title: &chrome.title,
        project: chrome.project.as_deref(),
        projects,
        tab: chrome.tab,
        seq,
        version: assets::version(),
        events: lazypm_domain::EventType::ALL
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(","),
        main,
    };
    Ok(Html(html::render(&layout)?.into_string()).into_response())
}

/// Why a page could not be shown: rendered as a page, with the service's own words.
#[derive(Debug)]
pub struct PageError {
    status: StatusCode,
    message: String,
}

impl From<ServiceError> for PageError {
    fn from(e: ServiceError) -> Self {
        let status = crate::error::status_for(&e);
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %e, "a page failed");
        }
        PageError {
            status,
            message: e.to_string(),
        }
    }
}

impl From<askama::Error> for PageError {
    fn from(e: askama::Error) -> Self {
        tracing::error!(error = %e, "a page failed to render");
        PageError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "the page could not be rendered; the server log has the cause".into(),
        }
    }
}

impl PageError {
    pub fn not_found(message: impl Into<String>) -> Self {
        PageError {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    reason: &'a str,
    message: &'a str,
    version: &'a str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let body = ErrorPage {
            status: self.status.as_u16(),
            reason: self.status.canonical_reason().unwrap_or("Error"),
            message: &self.message,
            version: assets::version(),
        }
        .render()
        .unwrap_or_else(|_| self.message.clone());
        (self.status, Html(body)).into_response()
    }
}

pub type PageResult = Result<Response, PageError>;

#[derive(Template)]
#[template(path = "login.html")]
struct Login<'a> {
    version: &'a str,
}

/// The token form (only needed when the server was given a token).
async fn login(State(s): State<AppState>) -> Response {
    if s.token.is_none() {
        return Redirect::to("/").into_response();
    }
    match (Login {
        version: assets::version(),
    })
    .render()
    {
        Ok(body) => Html(body).into_response(),
        Err(e) => PageError::from(e).into_response(),
    }
}

/// Whether a request that failed the token check is a person's browser
/// asking for a page (sent to the login form rather than given JSON).
pub fn wants_login_page(req: &Request) -> bool {
    let path = req.uri().path();
    req.method() == axum::http::Method::GET
        && !path.starts_with("/api/")
        && path != "/mcp"
        && req
            .headers()
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"))
}

/// Paths any visitor may load: the login form and its assets.
pub fn is_public(path: &str) -> bool {
    path == "/login" || path.starts_with("/assets/")
}
