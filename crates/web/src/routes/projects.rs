//! `/api/health` and `/api/projects`.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::{ActorExt, AppState, body_object, query_args};
use crate::error::ApiResult;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/projects", get(list).post(create))
}

async fn health(State(s): State<AppState>) -> ApiResult<Json<Value>> {
    let last = s.svc.last_event_seq().await?;
    Ok(Json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "last_event": last,
    })))
}

async fn list(
    State(s): State<AppState>,
    actor: ActorExt,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    s.call(&actor, "pm_list_projects", Value::Object(query_args(q)))
        .await
}

/// Registers a project (`pm_init_project`: path, key, name, …).
async fn create(State(s): State<AppState>, actor: ActorExt, body: Bytes) -> ApiResult<Json<Value>> {
    s.call(
        &actor,
        "pm_init_project",
        Value::Object(body_object(&body)?),
    )
    .await
}
