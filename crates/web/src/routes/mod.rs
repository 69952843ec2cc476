//! The REST API under `/api`, one file per resource. Every handler turns
//! its path, query and body into an operation's JSON arguments and runs it
//! through `Service::call`, so REST accepts exactly what MCP accepts.

pub mod events;
pub mod issues;
pub mod openapi;
pub mod projects;
pub mod session;
pub mod tools;

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::Extension;
use axum::{Json, Router};
use lazypm_service::{Context, Service};
use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};
use crate::security::Actor;

/// What every handler needs.
#[derive(Clone)]
pub struct AppState {
    pub svc: Service,
    /// The server's token, for the login route.
    pub token: Option<crate::Token>,
}

impl AppState {
    /// The service acting for this request's actor.
    pub fn service(&self, actor: &Actor) -> Service {
        self.svc.with_context(Context {
            actor: actor.0.clone(),
            ..self.svc.context().clone()
        })
    }

    /// Runs `tool` with `args` for `actor`.
    pub async fn call(&self, actor: &Actor, tool: &str, args: Value) -> ApiResult<Json<Value>> {
        Ok(Json(self.service(actor).call(tool, args).await?))
    }
}

pub type ActorExt = Extension<Actor>;

/// Every route under `/api`.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(projects::router())
        .merge(session::router())
        .merge(issues::router())
        .merge(tools::router())
        .merge(events::router())
        .merge(openapi::router())
}

/// A JSON object body, or an empty one; anything else is a 400 naming the problem.
pub fn body_object(body: &Bytes) -> ApiResult<Map<String, Value>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::bad_request(
            "the body must be a JSON object of named arguments",
        )),
        Err(e) => Err(ApiError::bad_request(format!("the body is not JSON: {e}"))),
    }
}

/// Query parameters as arguments: numbers and booleans where they read as
/// such, text otherwise (list filters take comma-separated text).
pub fn query_args(query: HashMap<String, String>) -> Map<String, Value> {
    query
        .into_iter()
        .map(|(k, v)| {
            let value = match v.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => match v.parse::<i64>() {
                    Ok(n) if matches!(k.as_str(), "limit" | "version" | "since_hours") => n.into(),
                    _ => Value::String(v),
                },
            };
            (k, value)
        })
        .collect()
}
