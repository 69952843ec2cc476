//! Fixtures shared by the operation tests: a service over a fresh store
//! (an SQLite file, or a PostgreSQL schema under `LAZYPM_TEST_DATABASE`),
//! calls that must succeed or fail, and snapshots of everything a write can change.

use std::path::PathBuf;

use lazypm_domain::Event;
use lazypm_service::{Context, EventSink, Service, ServiceError};
pub use lazypm_testkit::TestDir;
use serde_json::{Value, json};
use tempfile::TempDir;

pub const ACTOR: &str = "alice";

/// A service over a fresh store and `events.jsonl` in a temp dir; no project yet.
pub async fn setup() -> (TestDir, Service) {
    let dir = TestDir::new();
    let store = lazypm_service::open_store(dir.url()).await.unwrap();
    let svc = Service::new(
        store,
        EventSink::new(dir.path().join("events.jsonl")),
        Context {
            actor: ACTOR.into(),
            project: None,
            cwd: None,
            ..Context::default()
        },
    );
    (dir, svc)
}

/// `setup()` plus the project PM registered at `<tmp>/pm`.
pub async fn setup_project() -> (TestDir, Service) {
    let (dir, svc) = setup().await;
    init_project(&svc, &dir, "pm", "PM", json!({})).await;
    (dir, svc)
}

/// Registers a project in `<tmp>/<sub>` with pm_init_project.
pub async fn init_project(
    svc: &Service,
    dir: &TempDir,
    sub: &str,
    key: &str,
    extra: Value,
) -> Value {
    let path = project_dir(dir, sub);
    let args = merge(json!({"path": path.to_str().unwrap(), "key": key}), extra);
    ok(svc, "pm_init_project", args).await
}

pub fn project_dir(dir: &TempDir, sub: &str) -> PathBuf {
    let path = dir.path().join(sub);
    std::fs::create_dir_all(&path).unwrap();
    std::fs::canonicalize(path).unwrap()
}

pub fn as_actor(svc: &Service, actor: &str) -> Service {
    svc.with_context(Context {
        actor: actor.into(),
        ..svc.context().clone()
    })
}

pub fn merge(mut base: Value, extra: Value) -> Value {
    if let Value::Object(m) = extra {
        for (k, v) in m {
            base[k.as_str()] = v;
        }
    }
    base
}

pub async fn ok(svc: &Service, tool: &str, args: Value) -> Value {
    match svc.call(tool, args.clone()).await {
        Ok(v) => v,
        Err(e) => panic!("{tool}({args}) failed: [{}] {e}", e.code()),
    }
}

pub async fn fail(svc: &Service, tool: &str, args: Value) -> ServiceError {
    match svc.call(tool, args.clone()).await {
        Ok(v) => panic!("{tool}({args}) should have failed, got {v}"),
        Err(e) => e,
    }
}

/// Expects `invalid_input` naming `field`; returns the message.
pub async fn invalid(svc: &Service, tool: &str, args: Value, field: &str) -> String {
    let e = fail(svc, tool, args.clone()).await;
    assert_eq!(e.code(), "invalid_input", "{tool}({args}): {e}");
    assert_eq!(e.field(), Some(field), "{tool}({args}): {e}");
    e.to_string()
}

/// Creates an issue (type feature unless `extra` says otherwise) and returns its key.
pub async fn create(svc: &Service, title: &str, extra: Value) -> String {
    let args = merge(json!({"type": "feature", "title": title}), extra);
    let out = ok(svc, "pm_create_issue", args).await;
    out["issue"]["key"].as_str().unwrap().to_string()
}

pub async fn get(svc: &Service, key: &str) -> Value {
    ok(svc, "pm_get_issue", json!({ "issue_key": key })).await
}

pub async fn start(svc: &Service, key: &str) -> Value {
    ok(svc, "pm_start_work", json!({ "issue_key": key })).await
}

pub async fn set_status(svc: &Service, key: &str, status: &str) -> Value {
    ok(
        svc,
        "pm_update_status",
        json!({ "issue_key": key, "status": status }),
    )
    .await
}

/// The `key` of every row of a JSON array.
pub fn keys(rows: &Value) -> Vec<String> {
    rows.as_array()
        .unwrap_or_else(|| panic!("not an array: {rows}"))
        .iter()
        .map(|r| r["key"].as_str().unwrap().to_string())
        .collect()
}

pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

pub async fn history_types(svc: &Service, key: &str) -> Vec<String> {
    let h = ok(svc, "pm_issue_history", json!({ "issue_key": key })).await;
    h["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect()
}

/// Every event row in the database, over all projects.
pub async fn db_events(svc: &Service) -> Vec<Event> {
    let mut tx = svc.store().begin_read().await.unwrap();
    let mut out = Vec::new();
    for p in tx.list_projects().await.unwrap() {
        out.extend(tx.recent_events(&p.key, None, 1_000_000).await.unwrap());
    }
    out
}

/// The lines of events.jsonl, each parsed.
pub fn jsonl(dir: &TempDir) -> Vec<Value> {
    match std::fs::read_to_string(dir.path().join("events.jsonl")) {
        Ok(text) => text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad line {l}: {e}")))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Everything a write can change: projects, every issue in full with its
/// tasks, logs, comments, links and sprints, sprints, events and events.jsonl.
pub async fn snapshot(svc: &Service, dir: &TempDir) -> Value {
    let projects = svc
        .store()
        .begin_read()
        .await
        .unwrap()
        .list_projects()
        .await
        .unwrap();
    let mut issues = Vec::new();
    let mut sprints = Vec::new();
    for p in &projects {
        for tool in ["pm_list_issues", "pm_list_archived_issues"] {
            for key in all_keys(svc, tool, &p.key).await {
                let mut tx = svc.store().begin_read().await.unwrap();
                let d = tx.issue_detail(&key).await.unwrap().unwrap();
                issues.push(json!({
                    "issue": d.issue, "tasks": d.tasks, "work_logs": d.work_logs,
                    "comments": d.comments, "links": d.links, "sprints": d.sprints,
                }));
            }
        }
        let mut tx = svc.store().begin_read().await.unwrap();
        for s in tx.list_sprints(p.id).await.unwrap() {
            sprints.push(json!({ "sprint": s.sprint, "issues": s.issue_keys }));
        }
    }
    json!({
        "projects": projects,
        "issues": issues,
        "sprints": sprints,
        "events": db_events(svc).await.len(),
        "jsonl": jsonl(dir).len(),
    })
}

/// Every key a list tool returns for a project, following next_cursor.
pub async fn all_keys(svc: &Service, tool: &str, project: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor = Value::Null;
    loop {
        let mut args = json!({"project_id": project, "limit": 200, "fields": ["key"]});
        if !cursor.is_null() {
            args["cursor"] = cursor;
        }
        let page = ok(svc, tool, args).await;
        out.extend(keys(&page["issues"]));
        match page.get("next_cursor") {
            Some(c) => cursor = c.clone(),
            None => return out,
        }
    }
}

pub async fn assert_unchanged(svc: &Service, dir: &TempDir, before: &Value, after_what: &str) {
    let now = snapshot(svc, dir).await;
    assert!(
        now == *before,
        "the store changed after a failed {after_what}:\nbefore: {before}\nafter:  {now}"
    );
}
