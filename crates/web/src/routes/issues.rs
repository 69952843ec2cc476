//! Issues and what hangs off them: `/api/issues…`, `/api/tasks/{key}`,
//! `/api/sprints…`. Each route runs the operation of the same meaning.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, patch, post};
use axum::{Json, Router};
use serde_json::{Map, Value};

use super::{ActorExt, AppState, body_object, query_args};
use crate::error::{ApiError, ApiResult};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/issues", get(list).post(create))
        .route("/api/issues/search", get(search))
        .route("/api/issues/{key}", get(show).patch(update).delete(remove))
        .route("/api/issues/{key}/transitions", post(transition))
        .route("/api/issues/{key}/tasks", get(tasks).post(add_task))
        .route("/api/issues/{key}/worklogs", get(work_logs).post(log_work))
        .route("/api/issues/{key}/comments", get(comments).post(comment))
        .route(
            "/api/issues/{key}/dependencies",
            get(dependencies).post(link),
        )
        .route("/api/issues/{key}/dependencies/{target}", delete(unlink))
        .route("/api/issues/{key}/history", get(history))
        .route("/api/tasks/{key}", patch(update_task))
        .route("/api/sprints", get(sprints).post(create_sprint))
        .route("/api/sprints/{name}/issues", post(add_to_sprint))
}

fn with(mut args: Map<String, Value>, key: &str, value: impl Into<Value>) -> Value {
    args.insert(key.into(), value.into());
    Value::Object(args)
}

/// Runs `tool` with the body's arguments plus the path's key as `field`.
async fn keyed(
    s: &AppState,
    actor: &ActorExt,
    tool: &str,
    field: &str,
    key: String,
    body: &Bytes,
) -> ApiResult<Json<Value>> {
    s.call(actor, tool, with(body_object(body)?, field, key))
        .await
}

/// The answer of a route that makes something.
fn created(out: Json<Value>) -> (StatusCode, Json<Value>) {
    (StatusCode::CREATED, out)
}

/// Every filter of `pm_list_issues`; with `q`, a ranked search instead.
async fn list(
    State(s): State<AppState>,
    actor: ActorExt,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let mut args = query_args(q);
    match args.remove("q") {
        Some(query) => {
            s.call(&actor, "pm_search_issues", with(args, "query", query))
                .await
        }
        None => s.call(&actor, "pm_list_issues", Value::Object(args)).await,
    }
}

async fn search(
    State(s): State<AppState>,
    actor: ActorExt,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let mut args = query_args(q);
    let query = args
        .remove("q")
        .or_else(|| args.remove("query"))
        .ok_or_else(|| ApiError::bad_request("q: give the words to search for, like ?q=login"))?;
    s.call(&actor, "pm_search_issues", with(args, "query", query))
        .await
}

async fn show(
    State(s): State<AppState>,
    actor: ActorExt,
    Path(key): Path<String>,
) -> ApiResult<Json<Value>> {
    s.call(&actor, "pm_get_issue", with(Map::new(), "issue_key", key))
        .await
}

async fn create(
    State(s): State<AppState>,
    actor: ActorExt,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    s.call(
        &actor,
        "pm_create_issue",
        Value::Object(body_object(&body)?),
    )
    .await
    .map(created)
}

/// Changes fields; with `version`, a stale write is 409 carrying the current version.
async fn update(
    State(s): State<AppState>,
    actor: ActorExt,
    Path(key): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let args = with(body_object(&body)?, "issue_key", key.clone());
    match s.call(&actor, "pm_update_issue", args).await {
        Err(mut e) if e.status == StatusCode::CONFLICT => {
            if let Ok(Json(current)) = show(State(s), actor, Path(key)).await {
                e.extra = Some(serde_json::json!({
                    "current_version": current["issue"]["version"],
                    "current": current["issue"],
                }));
            }
            Err(e)
        }
        other => other,
    }
}

async fn remove(
    State(s): State<AppState>,
    actor: ActorExt,
    Path(key): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    s.call(
        &actor,
        "pm_delete_issue",
        with(query_args(q), "issue_key", key),
    )
    .await
}

/// A move through the workflow (`status`, `notes`, `blocker_reason`, `version`).
async fn transition(
    State(s): State<AppState>,
    actor: ActorExt,
    Path(key): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    keyed(&s, &actor, "pm_update_status", "issue_key", key, &body).await
}

/// One part of an issue's full read.
async fn part(s: &AppState, actor: &ActorExt, key: String, part: &str) -> ApiResult<Json<Value>> {
    let Json(mut detail) = s
        .call(actor, "pm_get_issue", with(Map::new(), "issue_key", key))
        .await?;
    let mut out = Map::new();
    out.insert("issue_key".into(), detail["issue"]["key"].take());
    out.insert(part.into(), detail[part].take());
    Ok(Json(Value::Object(out)))
}

async fn tasks(
    State(s): State<AppState>,
    actor: ActorExt,
    Path(key): Path<String>,
) -> ApiResult<Json<Value>> {
    part(&s, &actor, key, "tasks").await
}

async fn add_task(
    State(s): State<AppState>,
    actor: ActorExt,
    Path(key): Path<String>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    keyed(&s, &actor, "pm_create_task", "issue_key", key, &body)
        .await
        .map(created)
}

async fn update_task(
    State(s): State<AppState>,
    actor: ActorExt,
    Path(key): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    keyed(&s, &actor, "pm_update_task", "task_key", key, &body).await
}

async fn work_logs(
    State(s): State<AppState>,
    actor: ActorExt,
    Path(key): Path<String>,
) -> ApiResult<Json<Value>> {
    part(&s, &actor, key, "work_logs").await
}

async fn log_work(
    State(s): State<AppState>,
    actor: ActorExt,
    Path(key): Path<String>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    keyed(&s, &actor, "pm_log_work", "issue_key", key, &body)
        .await
        .map(created)
}

async fn comments(
    State(s): State<AppState>,
    actor: ActorExt,
    Path(key): Path<String>,
) -> ApiResult<Json<Value>> {
    part(&s, &actor, key, "comments").await
}

async fn comment(
    State(s): State<AppState>,
    actor: ActorExt,
    Path(key): Path<String>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    keyed(&s, &actor, "pm_add_comment", "issue_key", key, &body)
        .await
        .map(created)
}

/// What blocks the issue, what it blocks, and its other links.
async fn dependencies(
    State(s): State<AppState>,
    actor: ActorExt,
    Path(key): Path<String>,
) -> ApiResult<Json<Value>> {
    let Json(mut d) = s
        .call(&actor, "pm_get_issue", with(Map::new(), "issue_key", key))
        .await?;
    let mut out = Map::new();
    for k in ["depends_on", "blocks", "related", "ready"] {
        out.insert(k.into(), d[k].take());
    }
    out.insert("issue_key".into(), d["issue"]["key"].take());
    Ok(Json(Value::Object(out)))
}

/// Adds a link (`target_key`, `kind`).
async fn link(
    State(s): State<AppState>,
    actor: ActorExt,
    Path(key): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    keyed(&s, &actor, "pm_link_issues", "issue_key", key, &body).await
}

/// Removes a link: `?kind=blocks` (default blocks).
async fn unlink(
    State(s): State<AppState>,
    actor: ActorExt,
    Path((key, target)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let mut args = query_args(q);
    args.entry("kind").or_insert_with(|| "blocks".into());
    args.insert("target_key".into(), target.into());
    args.insert("action".into(), "remove".into());
    s.call(&actor, "pm_link_issues", with(args, "issue_key", key))
        .await
}

async fn history(
    State(s): State<AppState>,
    actor: ActorExt,
    Path(key): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    s.call(
        &actor,
        "pm_issue_history",
        with(query_args(q), "issue_key", key),
    )
    .await
}

async fn sprints(
    State(s): State<AppState>,
    actor: ActorExt,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    s.call(&actor, "pm_list_sprints", Value::Object(query_args(q)))
        .await
}

async fn create_sprint(
    State(s): State<AppState>,
    actor: ActorExt,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    s.call(
        &actor,
        "pm_create_sprint",
        Value::Object(body_object(&body)?),
    )
    .await
    .map(created)
}

async fn add_to_sprint(
    State(s): State<AppState>,
    actor: ActorExt,
    Path(name): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    keyed(&s, &actor, "pm_add_to_sprint", "sprint", name, &body).await
}
