//! `GET /api/openapi.json`: OpenAPI 3.1, generated from the operations' own
//! schemas (the same ones MCP publishes), so the document cannot drift from
//! what the server accepts.

use axum::routing::get;
use axum::{Json, Router};
use lazypm_service::OPERATIONS;
use serde_json::{Map, Value, json};

use super::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(document))
}

/// Where an operation's arguments come from on a route.
#[derive(Clone, Copy, PartialEq)]
enum Args {
    Query,
    Body,
}

/// path, method, operation, arguments taken from the path (name in the
/// path, argument it fills), where the rest come from, summary.
type Route = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    Args,
    &'static str,
);

const ROUTES: &[Route] = &[
    (
        "/api/projects",
        "get",
        "pm_list_projects",
        &[],
        Args::Query,
        "Registered projects",
    ),
    (
        "/api/projects",
        "post",
        "pm_init_project",
        &[],
        Args::Body,
        "Register a project",
    ),
    (
        "/api/issues",
        "get",
        "pm_list_issues",
        &[],
        Args::Query,
        "List issues (q: search instead)",
    ),
    (
        "/api/issues",
        "post",
        "pm_create_issue",
        &[],
        Args::Body,
        "Create an issue",
    ),
    (
        "/api/issues/search",
        "get",
        "pm_search_issues",
        &[],
        Args::Query,
        "Ranked full-text search (q)",
    ),
    (
        "/api/issues/{key}",
        "get",
        "pm_get_issue",
        &[("key", "issue_key")],
        Args::Query,
        "One issue in full",
    ),
    (
        "/api/issues/{key}",
        "patch",
        "pm_update_issue",
        &[("key", "issue_key")],
        Args::Body,
        "Change an issue's fields; a stale version is 409",
    ),
    (
        "/api/issues/{key}",
        "delete",
        "pm_delete_issue",
        &[("key", "issue_key")],
        Args::Query,
        "Delete an issue (confirm=true)",
    ),
    (
        "/api/issues/{key}/transitions",
        "post",
        "pm_update_status",
        &[("key", "issue_key")],
        Args::Body,
        "Move an issue through the workflow",
    ),
    (
        "/api/issues/{key}/tasks",
        "post",
        "pm_create_task",
        &[("key", "issue_key")],
        Args::Body,
        "Add a task",
    ),
    (
        "/api/issues/{key}/worklogs",
        "post",
        "pm_log_work",
        &[("key", "issue_key")],
        Args::Body,
        "Log work",
    ),
    (
        "/api/issues/{key}/comments",
        "post",
        "pm_add_comment",
        &[("key", "issue_key")],
        Args::Body,
        "Comment",
    ),
    (
        "/api/issues/{key}/dependencies",
        "post",
        "pm_link_issues",
        &[("key", "issue_key")],
        Args::Body,
        "Link two issues",
    ),
    (
        "/api/issues/{key}/history",
        "get",
        "pm_issue_history",
        &[("key", "issue_key")],
        Args::Query,
        "Every audit event of an issue",
    ),
    (
        "/api/tasks/{key}",
        "patch",
        "pm_update_task",
        &[("key", "task_key")],
        Args::Body,
        "Change a task",
    ),
    (
        "/api/sprints",
        "get",
        "pm_list_sprints",
        &[],
        Args::Query,
        "Sprints with their progress",
    ),
    (
        "/api/sprints",
        "post",
        "pm_create_sprint",
        &[],
        Args::Body,
        "Create a sprint",
    ),
    (
        "/api/sprints/{name}/issues",
        "post",
        "pm_add_to_sprint",
        &[("name", "sprint")],
        Args::Body,
        "Add issues to a sprint",
    ),
];

fn schemas(name: &str) -> Option<(Map<String, Value>, Map<String, Value>)> {
    let op = OPERATIONS.iter().find(|o| o.name == name)?;
    Some((
        lazypm_mcp::inline_schema((op.input_schema)().to_value()),
        lazypm_mcp::inline_output_schema((op.output_schema)().to_value()),
    ))
}

fn errors() -> Value {
    let error = json!({ "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    let mut map = Map::new();
    for (code, what) in [
        ("400", "The request could not be read"),
        ("401", "A token is required"),
        (
            "403",
            "Refused: foreign host or origin, or a read-only store",
        ),
        ("404", "No such issue, task, project or tool"),
        (
            "409",
            "A conflict: a stale version or an issue already taken",
        ),
        (
            "422",
            "The input was not acceptable; field names the culprit",
        ),
    ] {
        let mut e = error.clone();
        e["description"] = what.into();
        map.insert(code.into(), e);
    }
    Value::Object(map)
}

fn operation(route: &Route) -> Value {
    let (_, _, name, from_path, args, summary) = *route;
    let Some((mut input, output)) = schemas(name) else {
        return json!({ "summary": summary });
    };
    let mut parameters: Vec<Value> = from_path
        .iter()
        .map(|(p, _)| json!({ "name": p, "in": "path", "required": true, "schema": { "type": "string" } }))
        .collect();
    if let Some(Value::Object(props)) = input.get_mut("properties") {
        for (_, arg) in from_path.iter() {
            props.remove(*arg);
        }
    }
    if let Some(Value::Array(req)) = input.get_mut("required") {
        req.retain(|r| !from_path.iter().any(|(_, a)| r == a));
    }
    let mut responses = match errors() {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    // Routes that make something answer 201.
    let status = if matches!(
        name,
        "pm_create_issue"
            | "pm_create_task"
            | "pm_log_work"
            | "pm_add_comment"
            | "pm_create_sprint"
    ) {
        "201"
    } else {
        "200"
    };
    responses.insert(
        status.into(),
        json!({ "description": "The operation's output", "content": { "application/json": { "schema": output } } }),
    );
    let mut op = json!({
        "operationId": format!("{}_{}", route.1, name),
        "summary": summary,
        "description": format!("Runs {name}."),
        "responses": responses,
    });
    match args {
        Args::Query => {
            let required: Vec<Value> = input
                .get("required")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if let Some(Value::Object(props)) = input.get("properties") {
                for (k, schema) in props {
                    parameters.push(json!({
                        "name": k,
                        "in": "query",
                        "required": required.contains(&Value::String(k.clone())),
                        "schema": schema,
                    }));
                }
            }
        }
        Args::Body => {
            op["requestBody"] =
                json!({ "required": true, "content": { "application/json": { "schema": input } } });
        }
    }
    op["parameters"] = Value::Array(parameters);
    op
}

/// The whole document.
pub fn openapi() -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for route in ROUTES {
        let item = paths
            .entry(route.0.to_string())
            .or_insert_with(|| json!({}));
        item[route.1] = operation(route);
    }
    for op in OPERATIONS {
        let Some((input, output)) = schemas(op.name) else {
            continue;
        };
        let mut responses = match errors() {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        responses.insert(
            "200".into(),
            json!({ "description": "The operation's output", "content": { "application/json": { "schema": output } } }),
        );
        paths.insert(
            format!("/api/tools/{}", op.name),
            json!({ "post": {
                "operationId": format!("tool_{}", op.name),
                "summary": op.description,
                "tags": [op.toolset.as_str()],
                "requestBody": { "required": true, "content": { "application/json": { "schema": input } } },
                "responses": responses,
            }}),
        );
    }
    paths.insert("/api/health".into(), json!({ "get": {
        "operationId": "health", "summary": "Liveness and the newest event's sequence number",
        "security": [],
        "responses": { "200": { "description": "Up", "content": { "application/json": { "schema": {
            "type": "object", "required": ["status", "version", "last_event"],
            "properties": { "status": { "type": "string" }, "version": { "type": "string" }, "last_event": { "type": "integer" } } } } } } }
    }}));
    paths.insert("/api/events".into(), json!({ "get": {
        "operationId": "events", "summary": "The audit trail as server-sent events (id = sequence number)",
        "parameters": [{ "name": "after", "in": "query", "required": false, "schema": { "type": "integer" } }],
        "responses": { "200": { "description": "An event stream", "content": { "text/event-stream": { "schema": { "type": "string" } } } } }
    }}));
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "lazypm",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Every operation of lazypm over HTTP. /api/tools/{name} runs any operation with the same JSON as its MCP tool.",
        },
        "servers": [{ "url": "/" }],
        "security": [{ "bearer": [] }, {}],
        "paths": paths,
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": { "Error": {
                "type": "object",
                "required": ["error"],
                "properties": { "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {
                        "code": { "type": "string" },
                        "message": { "type": "string" },
                        "field": { "type": ["string", "null"] },
                    },
                }},
            }},
        },
    })
}

async fn document() -> Json<Value> {
    Json(openapi())
}
