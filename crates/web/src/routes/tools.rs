//! `/api/tools`: every operation by its MCP name, with the same JSON as MCP,
//! so an operation is on REST the day it lands.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use lazypm_service::OPERATIONS;
use serde_json::{Value, json};

use super::{ActorExt, AppState, body_object};
use crate::error::{ApiError, ApiResult};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/tools", get(list))
        .route("/api/tools/{name}", post(run))
}

async fn list() -> Json<Value> {
    let tools: Vec<Value> = OPERATIONS
        .iter()
        .map(|o| {
            json!({
                "name": o.name,
                "toolset": o.toolset.as_str(),
                "description": o.description,
                "read_only": o.read_only,
                "destructive": o.destructive,
                "idempotent": o.idempotent,
                "input_schema": lazypm_mcp::inline_schema((o.input_schema)().to_value()),
            })
        })
        .collect();
    Json(json!({ "tools": tools }))
}

async fn run(
    State(s): State<AppState>,
    actor: ActorExt,
    Path(name): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    if lazypm_service::canonical_tool_name(&name).is_none() {
        return Err(ApiError::not_found(format!(
            "no tool '{name}': GET /api/tools lists them"
        )));
    }
    s.call(&actor, &name, Value::Object(body_object(&body)?))
        .await
}
