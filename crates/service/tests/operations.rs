//! Every operation of the registry, driven through `Service::call` with JSON
//! arguments against a real SQLite file, the way the CLI and MCP server use it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use lazypm_domain::Event;
use lazypm_service::{Context, EventSink, OPERATIONS, Service, ServiceError};
use serde_json::{Value, json};
use tempfile::TempDir;

const ACTOR: &str = "alice";

// ---------------------------------------------------------------- helpers

/// A service over a fresh SQLite file and `events.jsonl` in a temp dir; no project yet.
async fn setup() -> (TempDir, Service) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lazypm.db");
    let store = lazypm_store::open(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
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
async fn setup_project() -> (TempDir, Service) {
    let (dir, svc) = setup().await;
    init_project(&svc, &dir, "pm", "PM", json!({})).await;
    (dir, svc)
}

/// Registers a project in `<tmp>/<sub>` with pm_init_project.
async fn init_project(svc: &Service, dir: &TempDir, sub: &str, key: &str, extra: Value) -> Value {
    let path = project_dir(dir, sub);
    let args = merge(json!({"path": path.to_str().unwrap(), "key": key}), extra);
    ok(svc, "pm_init_project", args).await
}

fn project_dir(dir: &TempDir, sub: &str) -> PathBuf {
    let path = dir.path().join(sub);
    std::fs::create_dir_all(&path).unwrap();
    std::fs::canonicalize(path).unwrap()
}

fn as_actor(svc: &Service, actor: &str) -> Service {
    svc.with_context(Context {
        actor: actor.into(),
        ..svc.context().clone()
    })
}

fn merge(mut base: Value, extra: Value) -> Value {
    if let Value::Object(m) = extra {
        for (k, v) in m {
            base[k.as_str()] = v;
        }
    }
    base
}

async fn ok(svc: &Service, tool: &str, args: Value) -> Value {
    match svc.call(tool, args.clone()).await {
        Ok(v) => v,
        Err(e) => panic!("{tool}({args}) failed: [{}] {e}", e.code()),
    }
}

async fn fail(svc: &Service, tool: &str, args: Value) -> ServiceError {
    match svc.call(tool, args.clone()).await {
        Ok(v) => panic!("{tool}({args}) should have failed, got {v}"),
        Err(e) => e,
    }
}

/// Expects `invalid_input` naming `field`; returns the message.
async fn invalid(svc: &Service, tool: &str, args: Value, field: &str) -> String {
    let e = fail(svc, tool, args.clone()).await;
    assert_eq!(e.code(), "invalid_input", "{tool}({args}): {e}");
    assert_eq!(e.field(), Some(field), "{tool}({args}): {e}");
    e.to_string()
}

/// Creates an issue (type feature unless `extra` says otherwise) and returns its key.
async fn create(svc: &Service, title: &str, extra: Value) -> String {
    let args = merge(json!({"type": "feature", "title": title}), extra);
    let out = ok(svc, "pm_create_issue", args).await;
    out["issue"]["key"].as_str().unwrap().to_string()
}

async fn get(svc: &Service, key: &str) -> Value {
    ok(svc, "pm_get_issue", json!({ "issue_key": key })).await
}

async fn start(svc: &Service, key: &str) -> Value {
    ok(svc, "pm_start_work", json!({ "issue_key": key })).await
}

async fn set_status(svc: &Service, key: &str, status: &str) -> Value {
    ok(
        svc,
        "pm_update_status",
        json!({ "issue_key": key, "status": status }),
    )
    .await
}

/// The `key` of every row of a JSON array.
fn keys(rows: &Value) -> Vec<String> {
    rows.as_array()
        .unwrap_or_else(|| panic!("not an array: {rows}"))
        .iter()
        .map(|r| r["key"].as_str().unwrap().to_string())
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

async fn history_types(svc: &Service, key: &str) -> Vec<String> {
    let h = ok(svc, "pm_issue_history", json!({ "issue_key": key })).await;
    h["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect()
}

/// Every event row in the database, over all projects.
async fn db_events(svc: &Service) -> Vec<Event> {
    let mut tx = svc.store().begin_read().await.unwrap();
    let mut out = Vec::new();
    for p in tx.list_projects().await.unwrap() {
        out.extend(tx.recent_events(&p.key, None, 1_000_000).await.unwrap());
    }
    out
}

/// The lines of events.jsonl, each parsed.
fn jsonl(dir: &TempDir) -> Vec<Value> {
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
async fn snapshot(svc: &Service, dir: &TempDir) -> Value {
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
async fn all_keys(svc: &Service, tool: &str, project: &str) -> Vec<String> {
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

async fn assert_unchanged(svc: &Service, dir: &TempDir, before: &Value, after_what: &str) {
    let now = snapshot(svc, dir).await;
    assert!(
        now == *before,
        "the store changed after a failed {after_what}:\nbefore: {before}\nafter:  {now}"
    );
}

// ------------------------------------------------------------ the registry

/// Operations exercised by this file; kept in step with the registry so a new
/// operation without a test fails here.
const COVERED: &[&str] = &[
    "pm_status",
    "pm_list_projects",
    "pm_list_issues",
    "pm_get_issue",
    "pm_search_issues",
    "pm_my_queue",
    "pm_suggest_next_work",
    "pm_create_issue",
    "pm_update_issue",
    "pm_start_work",
    "pm_log_work",
    "pm_update_status",
    "pm_complete_issue",
    "pm_create_task",
    "pm_update_task",
    "pm_add_comment",
    "pm_task_checklist",
    "pm_link_issues",
    "pm_delete_issue",
    "pm_create_sprint",
    "pm_add_to_sprint",
    "pm_list_sprints",
    "pm_request_review",
    "pm_review_issue",
    "pm_issue_history",
    "pm_blocked_issues",
    "pm_daily_standup",
    "pm_init_project",
    "pm_register_project",
    "pm_add_submodule",
    "pm_remove_submodule",
    "pm_list_submodules",
    "pm_list_archived_issues",
    "pm_get_archived_issue",
    // Exercised in tests/planning.rs.
    "pm_docs",
    "pm_workflow",
    "pm_reminder",
    "pm_refine_issue",
    "pm_estimate",
    "pm_add_acceptance_criteria",
    "pm_assign_issue",
    "pm_prioritize_issue",
    "pm_split_issue",
    "pm_related_issues",
    "pm_pause_work",
    "pm_resume_work",
    "pm_workflow_status",
    "pm_project_dashboard",
    // Exercised in tests/git.rs, against real repositories.
    "pm_git_status",
    "pm_create_branch",
    "pm_switch_branch",
    "pm_commit",
    "pm_push_branch",
    "pm_stash_work",
    "pm_git_log",
    "pm_merge_status",
    "pm_sync_commits",
];

#[tokio::test]
async fn every_registered_operation_is_covered_and_dispatchable() {
    let registered: BTreeSet<&str> = OPERATIONS.iter().map(|o| o.name).collect();
    let covered: BTreeSet<&str> = COVERED.iter().copied().collect();
    assert_eq!(OPERATIONS.len(), 57);
    assert_eq!(registered, covered);

    // Every name dispatches: with `{}` each one either runs or refuses its
    // input, but none is an unknown tool.
    let (_dir, svc) = setup_project().await;
    for op in OPERATIONS {
        if let Err(e) = svc.call(op.name, json!({})).await {
            assert_ne!(e.field(), Some("tool"), "{}: {e}", op.name);
        }
    }
    let e = fail(&svc, "pm_create", json!({})).await;
    assert_eq!(e.code(), "invalid_input");
    assert_eq!(e.field(), Some("tool"));
    assert!(e.to_string().contains("pm_create_issue"), "{e}");
}

// ---------------------------------------------------------- the daily loop

#[tokio::test]
async fn daily_loop_from_init_to_done_with_audit_trail() {
    let (dir, svc) = setup().await;
    let path = project_dir(&dir, "app");
    let p = ok(
        &svc,
        "pm_init_project",
        json!({"path": path.to_str().unwrap(), "key": "app", "name": "The App"}),
    )
    .await;
    assert_eq!(p["project"]["key"], "APP");
    assert_eq!(p["project"]["name"], "The App");
    assert_eq!(p["project"]["path"], path.to_str().unwrap());
    assert_eq!(p["created"], true);
    // Idempotent: the same path gives the same project back.
    let again = ok(
        &svc,
        "pm_init_project",
        json!({"path": path.to_str().unwrap()}),
    )
    .await;
    assert_eq!(again["created"], false);
    assert_eq!(again["project"]["key"], "APP");

    let first = create(
        &svc,
        "Session handshake hangs",
        json!({
            "description": "Users wait forever on the login screen.",
            "priority": "P2",
            "acceptance_criteria": ["loads in under 2s"],
            "labels": ["auth"],
        }),
    )
    .await;
    let second = create(
        &svc,
        "Login link misspelled",
        json!({"type": "bug", "description": "In the footer."}),
    )
    .await;
    let third = create(
        &svc,
        "Remember-me checkbox",
        json!({ "dependencies": [first.to_lowercase()] }),
    )
    .await;
    assert_eq!(
        (first.as_str(), second.as_str(), third.as_str()),
        ("APP-1", "APP-2", "APP-3")
    );

    let d3 = get(&svc, &third).await;
    assert_eq!(keys(&d3["depends_on"]), vec![first.clone()]);
    assert_eq!(d3["depends_on"][0]["kind"], "blocks");
    assert_eq!(d3["ready"], false);
    let d1 = get(&svc, &first).await;
    assert_eq!(keys(&d1["blocks"]), vec![third.clone()]);
    assert_eq!(d1["ready"], true);
    assert_eq!(d1["issue"]["status"], "proposed");
    assert_eq!(d1["issue"]["priority"], "P2");
    assert_eq!(d1["issue"]["version"], 1);

    // The dependent issue cannot start while its dependency is open.
    let before = snapshot(&svc, &dir).await;
    let e = fail(&svc, "pm_start_work", json!({ "issue_key": third })).await;
    assert_eq!(e.code(), "conflict", "{e}");
    assert!(e.to_string().contains(&first), "{e}");
    assert_unchanged(&svc, &dir, &before, "pm_start_work").await;

    let s = start(&svc, &first).await;
    assert_eq!(s["started"], true);
    assert_eq!(s["issue"]["status"], "in_progress");
    assert_eq!(s["issue"]["owner"], ACTOR);
    assert!(s["issue"]["started_at"].is_string());
    // Starting again as the owner changes nothing.
    let s2 = start(&svc, &first).await;
    assert_eq!(s2["started"], false);
    assert_eq!(s2["issue"]["version"], s["issue"]["version"]);

    let l = ok(
        &svc,
        "pm_log_work",
        json!({
            "issue_key": first, "activity": "code", "summary": "Raised the handshake timeout",
            "time_spent": "2h30m", "artifacts": "src/session.rs, src/login.rs",
            "decisions": ["keep the old endpoint"],
        }),
    )
    .await;
    assert_eq!(l["work_log"]["minutes"], 150);
    assert_eq!(l["work_log"]["author"], ACTOR);
    assert_eq!(
        strings(&l["work_log"]["artifacts"]["files"]),
        vec!["src/session.rs", "src/login.rs"]
    );
    assert_eq!(l["total_time_spent"], "2h30m");
    let l2 = ok(
        &svc,
        "pm_log_work",
        json!({"issue_key": first, "type": "testing", "summary": "Tested it", "time_spent": "30m"}),
    )
    .await;
    assert_eq!(l2["total_time_spent"], "3h");

    let r = ok(
        &svc,
        "pm_update_status",
        json!({"issue_key": first, "status": "review", "notes": "ready for eyes"}),
    )
    .await;
    assert_eq!(r["issue"]["status"], "review");

    let c = ok(
        &svc,
        "pm_complete_issue",
        json!({"issue_key": first, "lessons_learned": "Check the timeouts first"}),
    )
    .await;
    assert_eq!(c["completed"], true);
    assert_eq!(c["awaiting_review"], false);
    assert_eq!(c["issue"]["status"], "done");
    assert_eq!(strings(&c["transitions"]), vec!["review → done"]);
    assert_eq!(c["issue"]["analytics"]["actual_minutes"], 180);
    assert_eq!(
        strings(&c["issue"]["analytics"]["lessons_learned"]),
        vec!["Check the timeouts first"]
    );
    assert!(c["issue"]["completed_at"].is_string());

    let d1 = get(&svc, &first).await;
    assert_eq!(d1["time_spent"], "3h");
    assert_eq!(d1["issue"]["time_spent_minutes"], 180);
    let logs = d1["work_logs"].as_array().unwrap();
    assert_eq!(logs.len(), 2);
    assert_eq!(logs[0]["summary"], "Raised the handshake timeout");
    assert_eq!(logs[1]["activity"], "testing");
    assert_eq!(d1["ready"], false, "a done issue is not ready work");
    let updates = d1["issue"]["communication"]["updates"].as_array().unwrap();
    let moves: Vec<String> = updates
        .iter()
        .map(|u| {
            format!(
                "{}>{}",
                u["from"].as_str().unwrap(),
                u["to"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        moves,
        vec!["proposed>in_progress", "in_progress>review", "review>done"]
    );

    let d3 = get(&svc, &third).await;
    assert_eq!(d3["depends_on"][0]["status"], "done");
    assert_eq!(d3["ready"], true);
    assert_eq!(start(&svc, &third).await["issue"]["status"], "in_progress");

    // Search: a word of a description finds the issue; a title match ranks
    // first (here the title match is the newer issue, so this is not id order).
    let hits = ok(&svc, "pm_search_issues", json!({"query": "forever"})).await;
    assert_eq!(keys(&hits["hits"]), vec![first.clone()]);
    let hits = ok(&svc, "pm_search_issues", json!({"query": "login"})).await;
    let found = keys(&hits["hits"]);
    assert_eq!(found, vec![second.clone(), first.clone()]);
    let h = hits["hits"].as_array().unwrap();
    assert!(h[0]["score"].as_f64().unwrap() >= h[1]["score"].as_f64().unwrap());
    assert_eq!(h[0]["type"], "bug");
    assert_eq!(h[0]["title"], "Login link misspelled");
    assert!(
        h[1]["snippet"].as_str().unwrap().contains("«login»"),
        "{}",
        h[1]
    );

    // History of the first issue, oldest first.
    assert_eq!(
        history_types(&svc, &first).await,
        vec![
            "issue_created",
            "owner_changed",
            "status_changed",
            "work_logged",
            "work_logged",
            "status_changed",
            "status_changed",
            "issue_completed",
        ]
    );

    // events.jsonl mirrors the events table, one line per event.
    let lines = jsonl(&dir);
    let events = db_events(&svc).await;
    assert!(!events.is_empty());
    assert_eq!(lines.len(), events.len());
    for line in &lines {
        for field in ["id", "at", "actor", "type", "entity"] {
            assert!(line[field].is_string(), "{field} missing in {line}");
        }
        assert_eq!(line["actor"], ACTOR);
        chrono::DateTime::parse_from_rfc3339(line["at"].as_str().unwrap()).unwrap();
    }
    let line_ids: BTreeSet<String> = lines
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_string())
        .collect();
    let db_ids: BTreeSet<String> = events.iter().map(|e| e.id.clone()).collect();
    assert_eq!(line_ids, db_ids);
    assert_eq!(line_ids.len(), lines.len(), "event ids are unique");
}

// ---------------------------------------------------------------- workflow

#[tokio::test]
async fn workflow_rules_are_enforced_and_explained() {
    let (dir, svc) = setup_project().await;
    let key = create(&svc, "Workflow", json!({})).await;

    let before = snapshot(&svc, &dir).await;
    let m = invalid(
        &svc,
        "pm_update_status",
        json!({"issue_key": key, "status": "done"}),
        "status",
    )
    .await;
    assert!(m.contains("cannot move from proposed to done"), "{m}");
    assert!(m.contains("in_progress, canceled"), "{m}");
    let m = invalid(
        &svc,
        "pm_update_status",
        json!({"issue_key": key, "status": "proposed"}),
        "status",
    )
    .await;
    assert!(m.contains("already proposed"), "{m}");
    let m = invalid(
        &svc,
        "pm_update_status",
        json!({"issue_key": key, "status": "finished"}),
        "status",
    )
    .await;
    assert!(
        m.contains("proposed, in_progress, review, done, blocked, canceled"),
        "{m}"
    );
    // complete needs work under way
    let m = invalid(
        &svc,
        "pm_complete_issue",
        json!({ "issue_key": key }),
        "issue_key",
    )
    .await;
    assert!(m.contains("pm_start_work"), "{m}");
    assert_unchanged(&svc, &dir, &before, "pm_update_status").await;

    // Lenient spelling of statuses.
    let v = ok(
        &svc,
        "pm_update_status",
        json!({"issue_key": key, "status": "In-Progress"}),
    )
    .await;
    assert_eq!(v["issue"]["status"], "in_progress");
    assert!(
        v["next_steps"][0]
            .as_str()
            .unwrap()
            .contains("review, blocked, canceled, proposed"),
        "{v}"
    );

    // blocked needs a reason, and keeps it while blocked.
    let before = snapshot(&svc, &dir).await;
    invalid(
        &svc,
        "pm_update_status",
        json!({"issue_key": key, "status": "blocked"}),
        "blocker_reason",
    )
    .await;
    invalid(
        &svc,
        "pm_update_status",
        json!({"issue_key": key, "status": "blocked", "blocker_reason": "   "}),
        "blocker_reason",
    )
    .await;
    assert_unchanged(&svc, &dir, &before, "pm_update_status blocked").await;
    let b = ok(
        &svc,
        "pm_update_status",
        json!({"issue_key": key, "status": "blocked", "blocker_reason": "waiting for API keys"}),
    )
    .await;
    assert_eq!(b["issue"]["status"], "blocked");
    assert_eq!(b["issue"]["blocker_reason"], "waiting for API keys");
    assert_eq!(
        get(&svc, &key).await["issue"]["blocker_reason"],
        "waiting for API keys"
    );
    let row = ok(
        &svc,
        "pm_list_issues",
        json!({"status": "blocked", "fields": ["key", "blocker_reason"]}),
    )
    .await;
    assert_eq!(
        row["issues"],
        json!([{"key": key, "blocker_reason": "waiting for API keys"}])
    );
    let m = invalid(
        &svc,
        "pm_update_status",
        json!({"issue_key": key, "status": "review"}),
        "status",
    )
    .await;
    assert!(
        m.contains("from blocked it can move to: in_progress, canceled"),
        "{m}"
    );

    // Leaving blocked clears the reason.
    let v = set_status(&svc, &key, "in_progress").await;
    assert!(v["issue"]["blocker_reason"].is_null(), "{v}");
    assert!(get(&svc, &key).await["issue"]["blocker_reason"].is_null());

    set_status(&svc, &key, "review").await;
    let done = set_status(&svc, &key, "done").await;
    assert_eq!(done["issue"]["status"], "done");
    assert!(done["issue"]["completed_at"].is_string());

    // Reopen: done → in_progress.
    let m = invalid(
        &svc,
        "pm_update_status",
        json!({"issue_key": key, "status": "proposed"}),
        "status",
    )
    .await;
    assert!(m.contains("from done it can move to: in_progress"), "{m}");
    let reopened = set_status(&svc, &key, "in_progress").await;
    assert_eq!(reopened["issue"]["status"], "in_progress");
    assert!(reopened["issue"]["completed_at"].is_null());

    // Cancel, then revive: canceled → proposed.
    set_status(&svc, &key, "canceled").await;
    let m = invalid(
        &svc,
        "pm_update_status",
        json!({"issue_key": key, "status": "in_progress"}),
        "status",
    )
    .await;
    assert!(m.contains("from canceled it can move to: proposed"), "{m}");
    let revived = set_status(&svc, &key, "proposed").await;
    assert_eq!(revived["issue"]["status"], "proposed");
    assert_eq!(get(&svc, &key).await["ready"], true);

    // Every move is in the issue's updates and its history.
    let d = get(&svc, &key).await;
    let tos: Vec<String> = d["issue"]["communication"]["updates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["to"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        tos,
        vec![
            "in_progress",
            "blocked",
            "in_progress",
            "review",
            "done",
            "in_progress",
            "canceled",
            "proposed"
        ]
    );
    let changes = history_types(&svc, &key).await;
    assert_eq!(changes.iter().filter(|t| *t == "status_changed").count(), 8);

    // A stale version is refused by pm_update_status too.
    let version = d["issue"]["version"].as_i64().unwrap();
    let before = snapshot(&svc, &dir).await;
    let e = fail(
        &svc,
        "pm_update_status",
        json!({"issue_key": key, "status": "in_progress", "version": version - 1}),
    )
    .await;
    assert_eq!(e.code(), "conflict", "{e}");
    assert_unchanged(&svc, &dir, &before, "stale pm_update_status").await;
}

#[tokio::test]
async fn reviving_a_canceled_issue_clears_completed_at() {
    let (_dir, svc) = setup_project().await;
    let key = create(&svc, "Cancel me", json!({})).await;
    let c = set_status(&svc, &key, "canceled").await;
    assert!(c["issue"]["completed_at"].is_string());
    let p = set_status(&svc, &key, "proposed").await;
    assert_eq!(p["issue"]["status"], "proposed");
    assert!(
        p["issue"]["completed_at"].is_null(),
        "an open (proposed) issue still carries completed_at: {}",
        p["issue"]["completed_at"]
    );
}

// ---------------------------------------------------------- key allocation

#[tokio::test]
async fn keys_count_up_and_are_never_reused_after_delete() {
    let (dir, svc) = setup_project().await;
    let mut made = Vec::new();
    for t in ["one", "two", "three"] {
        made.push(create(&svc, t, json!({})).await);
    }
    assert_eq!(made, vec!["PM-1", "PM-2", "PM-3"]);
    // PM-3 depends on PM-2: deleting PM-2 removes the link too.
    ok(
        &svc,
        "pm_link_issues",
        json!({"issue_key": "PM-2", "target_key": "PM-3", "kind": "blocks"}),
    )
    .await;
    ok(
        &svc,
        "pm_create_task",
        json!({"issue_key": "PM-2", "title": "a task"}),
    )
    .await;
    ok(
        &svc,
        "pm_add_comment",
        json!({"issue_key": "PM-2", "body": "a comment"}),
    )
    .await;

    let before = snapshot(&svc, &dir).await;
    let m = invalid(
        &svc,
        "pm_delete_issue",
        json!({"issue_key": "PM-2"}),
        "confirm",
    )
    .await;
    assert!(m.contains("confirm: true"), "{m}");
    invalid(
        &svc,
        "pm_delete_issue",
        json!({"issue_key": "PM-2", "confirm": false}),
        "confirm",
    )
    .await;
    assert_unchanged(&svc, &dir, &before, "pm_delete_issue without confirm").await;

    let d = ok(
        &svc,
        "pm_delete_issue",
        json!({"issue_key": "pm-2", "confirm": true}),
    )
    .await;
    assert_eq!(d["deleted"], "PM-2");
    assert_eq!(d["title"], "two");
    let e = fail(&svc, "pm_get_issue", json!({"issue_key": "PM-2"})).await;
    assert_eq!(e.code(), "not_found");
    let e = fail(
        &svc,
        "pm_delete_issue",
        json!({"issue_key": "PM-2", "confirm": true}),
    )
    .await;
    assert_eq!(e.code(), "not_found");
    let e = fail(
        &svc,
        "pm_create_task",
        json!({"issue_key": "PM-2", "title": "orphan"}),
    )
    .await;
    assert_eq!(e.code(), "not_found");
    // Its link went with it.
    let d3 = get(&svc, "PM-3").await;
    assert_eq!(d3["depends_on"], json!([]));
    assert_eq!(d3["ready"], true);
    // Its history survives, ending with the deletion.
    let types = history_types(&svc, "PM-2").await;
    assert_eq!(types.last().map(String::as_str), Some("issue_deleted"));

    assert_eq!(create(&svc, "four", json!({})).await, "PM-4");
    ok(
        &svc,
        "pm_delete_issue",
        json!({"issue_key": "PM-4", "confirm": true}),
    )
    .await;
    assert_eq!(create(&svc, "five", json!({})).await, "PM-5");
    let all = ok(&svc, "pm_list_issues", json!({"sort": "key"})).await;
    assert_eq!(keys(&all["issues"]), vec!["PM-1", "PM-3", "PM-5"]);
}

// ---------------------------------------------------------- concurrency

#[tokio::test]
async fn stale_version_is_refused_and_changes_nothing() {
    let (dir, svc) = setup_project().await;
    let key = create(&svc, "Original", json!({"owner": "bob"})).await;
    let v1 = get(&svc, &key).await["issue"]["version"].as_i64().unwrap();
    assert_eq!(v1, 1);

    let u = ok(
        &svc,
        "pm_update_issue",
        json!({"issue_key": key, "version": 1, "title": "Renamed", "priority": "P1", "labels": ["x", " x ", "y"]}),
    )
    .await;
    assert_eq!(u["issue"]["version"], 2);
    assert_eq!(u["issue"]["title"], "Renamed");
    assert_eq!(strings(&u["issue"]["labels"]), vec!["x", "y"]);

    let before = snapshot(&svc, &dir).await;
    let e = fail(
        &svc,
        "pm_update_issue",
        json!({"issue_key": key, "version": 1, "title": "Lost update"}),
    )
    .await;
    assert_eq!(e.code(), "conflict", "{e}");
    assert!(e.to_string().contains("version 2"), "{e}");
    assert_unchanged(&svc, &dir, &before, "stale pm_update_issue").await;
    let d = get(&svc, &key).await;
    assert_eq!(d["issue"]["title"], "Renamed");
    assert_eq!(d["issue"]["version"], 2);

    // No change: no new version, no event.
    let events = db_events(&svc).await.len();
    let same = ok(
        &svc,
        "pm_update_issue",
        json!({"issue_key": key, "title": "Renamed"}),
    )
    .await;
    assert_eq!(same["issue"]["version"], 2);
    assert_eq!(db_events(&svc).await.len(), events);

    // null clears a clearable field; the event names what changed.
    let cleared = ok(
        &svc,
        "pm_update_issue",
        json!({"issue_key": key, "version": 2, "owner": null, "estimated_effort": "1.5d"}),
    )
    .await;
    assert!(cleared["issue"]["owner"].is_null());
    assert_eq!(cleared["issue"]["estimate"]["hours"], 12.0);
    assert_eq!(cleared["issue"]["version"], 3);
    let h = ok(&svc, "pm_issue_history", json!({ "issue_key": key })).await;
    let last = h["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["type"], "issue_updated");
    assert_eq!(last["changes"]["changes"]["owner"]["from"], "bob");
    assert!(last["changes"]["changes"]["owner"]["to"].is_null());
}

// ---------------------------------------------------------------- bad input

#[tokio::test]
async fn bad_input_is_refused_naming_the_field_and_changes_nothing() {
    let (dir, svc) = setup_project().await;
    let key = create(
        &svc,
        "C++ foo bindings",
        json!({"description": "wrap the library"}),
    )
    .await;
    let before = snapshot(&svc, &dir).await;

    // Unknown field.
    let m = invalid(
        &svc,
        "pm_create_issue",
        json!({"type": "bug", "title": "x", "colour": "red"}),
        "colour",
    )
    .await;
    assert!(m.contains("unknown field 'colour'"), "{m}");
    // Bad enum value.
    let m = invalid(
        &svc,
        "pm_create_issue",
        json!({"type": "bug", "title": "x", "priority": "P9"}),
        "priority",
    )
    .await;
    assert!(m.contains("P1, P2, P3, P4, P5"), "{m}");
    let m = invalid(
        &svc,
        "pm_create_issue",
        json!({"type": "story", "title": "x"}),
        "type",
    )
    .await;
    assert!(
        m.contains("feature, bug, refactor, chore, spike, epic"),
        "{m}"
    );
    // Wrong type.
    let m = invalid(
        &svc,
        "pm_create_issue",
        json!({"type": "bug", "title": 42}),
        "title",
    )
    .await;
    assert!(m.contains("expected a string"), "{m}");
    invalid(
        &svc,
        "pm_create_issue",
        json!({"type": "bug", "title": "x", "labels": "one"}),
        "labels",
    )
    .await;
    invalid(&svc, "pm_list_issues", json!({"limit": "ten"}), "limit").await;
    invalid(&svc, "pm_list_issues", json!({"limit": -1}), "limit").await;
    // Missing required fields.
    let m = invalid(&svc, "pm_create_issue", json!({"type": "bug"}), "title").await;
    assert!(m.contains("missing field 'title'"), "{m}");
    invalid(&svc, "pm_create_issue", json!({"title": "x"}), "type").await;
    invalid(&svc, "pm_get_issue", json!({}), "issue_key").await;
    // Not an object.
    invalid(&svc, "pm_create_issue", json!(["bug", "x"]), "arguments").await;
    // Empty, too long, bad key.
    invalid(
        &svc,
        "pm_create_issue",
        json!({"type": "bug", "title": "   "}),
        "title",
    )
    .await;
    let m = invalid(
        &svc,
        "pm_create_issue",
        json!({"type": "bug", "title": "x".repeat(201)}),
        "title",
    )
    .await;
    assert!(m.contains("at most 200"), "{m}");
    invalid(
        &svc,
        "pm_create_issue",
        json!({"type": "bug", "title": "x", "dependencies": ["PM-1", "no good"]}),
        "dependencies[1]",
    )
    .await;
    let e = fail(
        &svc,
        "pm_create_issue",
        json!({"type": "bug", "title": "x", "dependencies": ["PM-77"]}),
    )
    .await;
    assert_eq!(e.code(), "not_found", "{e}");
    invalid(
        &svc,
        "pm_create_issue",
        json!({"type": "bug", "title": "x", "story_points": 5000}),
        "story_points",
    )
    .await;
    invalid(
        &svc,
        "pm_create_issue",
        json!({"type": "bug", "title": "x", "estimated_effort": "soon"}),
        "estimated_effort",
    )
    .await;
    invalid(
        &svc,
        "pm_get_issue",
        json!({"issue_key": "not a key"}),
        "issue_key",
    )
    .await;
    let e = fail(&svc, "pm_get_issue", json!({"issue_key": "PM-999"})).await;
    assert_eq!(e.code(), "not_found");
    assert!(e.to_string().contains("pm_list_issues"), "{e}");

    // Status is not changed through pm_update_issue.
    let m = invalid(
        &svc,
        "pm_update_issue",
        json!({"issue_key": key, "status": "done", "title": "sneaky"}),
        "status",
    )
    .await;
    assert!(m.contains("pm_update_status"), "{m}");
    invalid(
        &svc,
        "pm_update_issue",
        json!({"issue_key": key, "parent": key}),
        "parent",
    )
    .await;
    // A bad value late in the input rolls back the earlier ones.
    invalid(
        &svc,
        "pm_update_issue",
        json!({"issue_key": key, "title": "changed", "estimate_hours": -3}),
        "estimate_hours",
    )
    .await;

    // Work logs.
    invalid(
        &svc,
        "pm_log_work",
        json!({"issue_key": key, "activity": "code", "summary": "s", "time_spent": "2 parsecs"}),
        "time_spent",
    )
    .await;
    let m = invalid(
        &svc,
        "pm_log_work",
        json!({"issue_key": key, "activity": "coding", "summary": "s"}),
        "activity",
    )
    .await;
    assert!(m.contains("code, review, research"), "{m}");
    invalid(
        &svc,
        "pm_log_work",
        json!({"issue_key": key, "activity": "code", "summary": " "}),
        "summary",
    )
    .await;
    invalid(
        &svc,
        "pm_add_comment",
        json!({"issue_key": key, "body": ""}),
        "body",
    )
    .await;

    // Limits, cursors.
    for tool in ["pm_list_issues", "pm_list_archived_issues", "pm_my_queue"] {
        let m = invalid(&svc, tool, json!({"limit": 0}), "limit").await;
        assert!(m.contains("between 1 and 200"), "{tool}: {m}");
        let m = invalid(&svc, tool, json!({"limit": 1000}), "limit").await;
        assert!(m.contains("at most 200"), "{tool}: {m}");
    }
    invalid(
        &svc,
        "pm_search_issues",
        json!({"query": "foo", "limit": 0}),
        "limit",
    )
    .await;
    invalid(
        &svc,
        "pm_issue_history",
        json!({"issue_key": key, "limit": 1000}),
        "limit",
    )
    .await;
    invalid(&svc, "pm_suggest_next_work", json!({"limit": 0}), "limit").await;
    for cursor in ["garbage", "", "i1:notanumber", "x5:P3"] {
        let m = invalid(
            &svc,
            "pm_list_issues",
            json!({ "cursor": cursor }),
            "cursor",
        )
        .await;
        assert!(m.contains("next_cursor"), "{m}");
    }
    invalid(
        &svc,
        "pm_list_archived_issues",
        json!({"cursor": "nope"}),
        "cursor",
    )
    .await;

    // Search: punctuation alone is refused; any text with a word is safe.
    invalid(
        &svc,
        "pm_search_issues",
        json!({"query": "*** --- ()"}),
        "query",
    )
    .await;
    invalid(&svc, "pm_search_issues", json!({"query": "   "}), "query").await;
    let hits = ok(
        &svc,
        "pm_search_issues",
        json!({"query": "c++ \"foo\" NEAR("}),
    )
    .await;
    assert_eq!(keys(&hits["hits"]), vec![key.clone()]);
    for q in [
        "title:foo",
        "foo AND NOT bar OR",
        "\"unbalanced",
        "foo* ^bar -baz",
        "'; DROP TABLE issues; --",
        "{curly} [square] (round)",
    ] {
        ok(&svc, "pm_search_issues", json!({ "q": q })).await;
    }

    // Nothing above changed anything.
    assert_unchanged(&svc, &dir, &before, "bad input").await;
}

#[tokio::test]
async fn bad_value_in_a_list_filter_names_the_allowed_values() {
    let (_dir, svc) = setup_project().await;
    let m = invalid(
        &svc,
        "pm_list_issues",
        json!({"status": "finished"}),
        "status",
    )
    .await;
    assert!(
        m.contains("proposed, in_progress, review, done, blocked, canceled"),
        "{m}"
    );
    let m = invalid(
        &svc,
        "pm_list_issues",
        json!({"priority": ["P1", "P9"]}),
        "priority",
    )
    .await;
    assert!(m.contains("P1, P2, P3, P4, P5"), "{m}");
}

// ------------------------------------------------------------ listing

#[tokio::test]
async fn list_issues_filters_sorts_pages_and_picks_fields() {
    let (_dir, svc) = setup_project().await;
    let bob = as_actor(&svc, "bob");
    let a = create(
        &svc,
        "Alpha",
        json!({"priority": "P1", "module": "api", "owner": "alice", "labels": ["backend"]}),
    )
    .await;
    let b = create(
        &svc,
        "Bravo",
        json!({"type": "bug", "priority": "P2", "module": "web", "labels": ["frontend", "urgent"]}),
    )
    .await;
    let c = create(
        &svc,
        "Charlie",
        json!({"type": "bug", "module": "api", "labels": ["backend"]}),
    )
    .await;
    let d = create(&svc, "Delta", json!({"type": "chore"})).await;
    let e = create(
        &svc,
        "Echo",
        json!({"type": "spike", "priority": "P5", "owner": "alice"}),
    )
    .await;
    let f = create(
        &svc,
        "Foxtrot",
        json!({"type": "refactor", "priority": "P4", "submodule": "web"}),
    )
    .await;
    let g = create(
        &svc,
        "Golf",
        json!({"priority": "P2", "labels": ["urgent"], "parent": a}),
    )
    .await;
    start(&bob, &b).await;

    let list = |args: Value| {
        let svc = svc.clone();
        async move { keys(&ok(&svc, "pm_list_issues", args).await["issues"]) }
    };
    let v = |ks: &[&String]| ks.iter().map(|k| k.to_string()).collect::<Vec<_>>();

    // Default: by priority, P1 first, ties by creation.
    assert_eq!(list(json!({})).await, v(&[&a, &b, &g, &c, &d, &f, &e]));
    // Filters.
    assert_eq!(list(json!({"status": "in_progress"})).await, v(&[&b]));
    assert_eq!(
        list(json!({"status": ["proposed"]})).await,
        v(&[&a, &g, &c, &d, &f, &e])
    );
    assert_eq!(list(json!({"priority": "P2"})).await, v(&[&b, &g]));
    assert_eq!(
        list(json!({"priority": ["P1", "p2"]})).await,
        v(&[&a, &b, &g])
    );
    assert_eq!(list(json!({"type": "bug"})).await, v(&[&b, &c]));
    assert_eq!(
        list(json!({"type": ["spike", "chore"]})).await,
        v(&[&d, &e])
    );
    assert_eq!(list(json!({"owner": "alice"})).await, v(&[&a, &e]));
    assert_eq!(list(json!({"owner": "bob"})).await, v(&[&b]));
    assert_eq!(list(json!({"label": "urgent"})).await, v(&[&b, &g]));
    assert_eq!(list(json!({"label": "backend"})).await, v(&[&a, &c]));
    assert_eq!(list(json!({"module": "api"})).await, v(&[&a, &c]));
    assert_eq!(list(json!({"submodule": "web"})).await, v(&[&b, &f]));
    assert_eq!(
        list(json!({"type": "bug", "module": "api"})).await,
        v(&[&c])
    );
    assert_eq!(list(json!({"parent": a})).await, v(&[&g]));
    assert_eq!(
        list(json!({"label": "nothing"})).await,
        Vec::<String>::new()
    );
    // Relabelling moves an issue in and out of a label filter.
    ok(
        &svc,
        "pm_update_issue",
        json!({"issue_key": g, "labels": ["later"]}),
    )
    .await;
    assert_eq!(list(json!({"label": "urgent"})).await, v(&[&b]));
    assert_eq!(list(json!({"label": "later"})).await, v(&[&g]));

    // Sorts.
    assert_eq!(
        list(json!({"sort": "priority", "order": "desc"})).await,
        v(&[&e, &f, &d, &c, &g, &b, &a])
    );
    assert_eq!(
        list(json!({"sort": "title"})).await,
        v(&[&a, &b, &c, &d, &e, &f, &g])
    );
    assert_eq!(
        list(json!({"sort": "key", "order": "desc"})).await,
        v(&[&g, &f, &e, &d, &c, &b, &a])
    );
    assert_eq!(list(json!({"sort": "status"})).await[0], b);
    assert_eq!(
        list(json!({"sort": "updated"})).await[0],
        g,
        "newest update first"
    );
    assert_eq!(list(json!({"sort": "created"})).await[0], g, "newest first");

    // Paging walks every row exactly once, in the unpaged order.
    for sort in ["priority", "title", "key", "status", "updated", "created"] {
        for order in ["asc", "desc"] {
            let all = list(json!({"sort": sort, "order": order, "limit": 200})).await;
            assert_eq!(all.len(), 7);
            for limit in [1, 2, 3, 7] {
                let mut walked = Vec::new();
                let mut cursor: Option<String> = None;
                let mut pages = 0;
                loop {
                    let mut args = json!({"sort": sort, "order": order, "limit": limit});
                    if let Some(c) = &cursor {
                        args["cursor"] = json!(c);
                    }
                    let page = ok(&svc, "pm_list_issues", args).await;
                    let rows = keys(&page["issues"]);
                    assert!(rows.len() <= limit, "{sort} {order} {limit}");
                    walked.extend(rows);
                    pages += 1;
                    assert!(pages <= 8, "paging does not end: {sort} {order} {limit}");
                    match page.get("next_cursor") {
                        Some(c) => cursor = Some(c.as_str().unwrap().to_string()),
                        None => break,
                    }
                }
                assert_eq!(walked, all, "sort {sort} {order}, limit {limit}");
            }
        }
    }
    // Paging a filtered list stays inside the filter.
    let first = ok(
        &svc,
        "pm_list_issues",
        json!({"status": "proposed", "limit": 4}),
    )
    .await;
    let next = first["next_cursor"].as_str().unwrap();
    let rest = ok(
        &svc,
        "pm_list_issues",
        json!({"status": "proposed", "limit": 4, "cursor": next}),
    )
    .await;
    assert!(rest.get("next_cursor").is_none());
    let mut both = keys(&first["issues"]);
    both.extend(keys(&rest["issues"]));
    assert_eq!(both, v(&[&a, &g, &c, &d, &f, &e]));

    // Fields.
    let rows = ok(&svc, "pm_list_issues", json!({"fields": ["key", "status"]})).await;
    for row in rows["issues"].as_array().unwrap() {
        let names: Vec<&String> = row.as_object().unwrap().keys().collect();
        assert_eq!(names.len(), 2, "{row}");
        assert!(row["key"].is_string() && row["status"].is_string(), "{row}");
    }
    let rows = ok(
        &svc,
        "pm_list_issues",
        json!({"owner": "bob", "fields": ["module", "labels", "version", "parent"]}),
    )
    .await;
    assert_eq!(
        rows["issues"],
        json!([{"module": "web", "labels": ["frontend", "urgent"], "version": 2, "parent": null}])
    );
    let rows = ok(
        &svc,
        "pm_list_issues",
        json!({"parent": a, "fields": ["key", "parent"]}),
    )
    .await;
    assert_eq!(rows["issues"], json!([{"key": g, "parent": a}]));
    let rows = ok(&svc, "pm_list_issues", json!({"limit": 1})).await;
    let default: BTreeSet<&str> = rows["issues"][0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        default,
        BTreeSet::from([
            "key",
            "title",
            "type",
            "status",
            "priority",
            "owner",
            "updated_at"
        ])
    );
    let m = invalid(
        &svc,
        "pm_list_issues",
        json!({"fields": ["key", "colour"]}),
        "fields",
    )
    .await;
    assert!(
        m.contains("unknown field 'colour'") && m.contains("blocker_reason"),
        "{m}"
    );
    invalid(&svc, "pm_list_issues", json!({"sort": "size"}), "sort").await;
    invalid(&svc, "pm_list_issues", json!({"sprint": "nope"}), "sprint").await;
    let e = fail(&svc, "pm_list_issues", json!({"parent": "PM-99"})).await;
    assert_eq!(e.code(), "not_found");
    let e = fail(&svc, "pm_list_issues", json!({"project_id": "NOPE"})).await;
    assert_eq!(e.code(), "not_found");
}

// ------------------------------------------------------------------ tasks

#[tokio::test]
async fn tasks_and_their_checklists() {
    let (dir, svc) = setup_project().await;
    let key = create(&svc, "Has tasks", json!({})).await;
    let other = create(&svc, "Other", json!({})).await;

    let t = ok(
        &svc,
        "pm_create_task",
        json!({"issue_key": key, "title": "Write migration", "checklist": ["add table", "add index", "add table"], "estimate": "2h", "assignee": "bob"}),
    )
    .await;
    let t1 = t["task"]["key"].as_str().unwrap().to_string();
    assert_eq!(t1, "PM-1-T1");
    assert_eq!(t["task"]["status"], "todo");
    assert_eq!(t["task"]["estimate_minutes"], 120);
    assert_eq!(t["task"]["assignee"], "bob");
    assert_eq!(
        t["task"]["checklist"],
        json!([{"text": "add table", "done": false}, {"text": "add index", "done": false}])
    );
    let t2 = ok(
        &svc,
        "pm_create_task",
        json!({"issue_key": key, "title": "Review", "status": "review"}),
    )
    .await;
    assert_eq!(t2["task"]["key"], "PM-1-T2");
    assert_eq!(t2["task"]["status"], "review");
    let t3 = ok(
        &svc,
        "pm_create_task",
        json!({"issue_key": other, "title": "Elsewhere"}),
    )
    .await;
    assert_eq!(t3["task"]["key"], "PM-2-T1");

    // Update: status, appended notes, version.
    let u = ok(
        &svc,
        "pm_update_task",
        json!({"task_key": "pm-1-t1", "status": "doing", "notes": "first note"}),
    )
    .await;
    assert_eq!(u["task"]["status"], "doing");
    assert_eq!(strings(&u["task"]["notes"]), vec!["first note"]);
    assert_eq!(u["task"]["version"], 2);
    let u = ok(
        &svc,
        "pm_update_task",
        json!({"task_key": t1, "version": 2, "notes": "second note", "assignee": null, "estimate": "30m"}),
    )
    .await;
    assert_eq!(
        strings(&u["task"]["notes"]),
        vec!["first note", "second note"]
    );
    assert!(u["task"]["assignee"].is_null());
    assert_eq!(u["task"]["estimate_minutes"], 30);
    assert_eq!(u["task"]["version"], 3);

    let before = snapshot(&svc, &dir).await;
    let e = fail(
        &svc,
        "pm_update_task",
        json!({"task_key": t1, "version": 1, "title": "stale"}),
    )
    .await;
    assert_eq!(e.code(), "conflict");
    let m = invalid(
        &svc,
        "pm_update_task",
        json!({"task_key": t1, "status": "finished"}),
        "status",
    )
    .await;
    assert!(m.contains("todo, doing, blocked, review, done"), "{m}");
    invalid(
        &svc,
        "pm_update_task",
        json!({"task_key": t1, "status": "done", "estimate": "someday"}),
        "estimate",
    )
    .await;
    invalid(
        &svc,
        "pm_update_task",
        json!({"task_key": "PM-1"}),
        "task_key",
    )
    .await;
    let e = fail(
        &svc,
        "pm_update_task",
        json!({"task_key": "PM-1-T9", "title": "x"}),
    )
    .await;
    assert_eq!(e.code(), "not_found");
    assert_unchanged(&svc, &dir, &before, "pm_update_task").await;

    // Checklist: add, check / uncheck / remove by index and by text.
    let c = ok(
        &svc,
        "pm_task_checklist",
        json!({"task_key": t1, "action": "add", "items": ["write tests"]}),
    )
    .await;
    assert_eq!(c["task"]["checklist"].as_array().unwrap().len(), 3);
    let c = ok(
        &svc,
        "pm_task_checklist",
        json!({"task_key": t1, "action": "check", "item": 1}),
    )
    .await;
    assert_eq!(
        c["task"]["checklist"][0],
        json!({"text": "add table", "done": true})
    );
    let c = ok(
        &svc,
        "pm_task_checklist",
        json!({"task_key": t1, "action": "check", "item": "ADD INDEX"}),
    )
    .await;
    assert_eq!(
        c["task"]["checklist"][1],
        json!({"text": "add index", "done": true})
    );
    let c = ok(
        &svc,
        "pm_task_checklist",
        json!({"task_key": t1, "action": "uncheck", "item": 1}),
    )
    .await;
    assert_eq!(c["task"]["checklist"][0]["done"], false);
    let c = ok(
        &svc,
        "pm_task_checklist",
        json!({"task_key": t1, "action": "remove", "item": "add table"}),
    )
    .await;
    assert_eq!(
        c["task"]["checklist"],
        json!([{"text": "add index", "done": true}, {"text": "write tests", "done": false}])
    );
    let c = ok(
        &svc,
        "pm_task_checklist",
        json!({"task_key": t1, "action": "remove", "item": 2}),
    )
    .await;
    assert_eq!(
        c["task"]["checklist"],
        json!([{"text": "add index", "done": true}])
    );
    // All checked: the next step says so.
    assert!(
        c["next_steps"][0]
            .as_str()
            .unwrap()
            .contains("every item is checked"),
        "{c}"
    );

    let before = snapshot(&svc, &dir).await;
    let m = invalid(
        &svc,
        "pm_task_checklist",
        json!({"task_key": t1, "action": "check", "item": 5}),
        "item",
    )
    .await;
    assert!(m.contains("has 1 checklist item(s)"), "{m}");
    invalid(
        &svc,
        "pm_task_checklist",
        json!({"task_key": t1, "action": "remove", "item": 0}),
        "item",
    )
    .await;
    invalid(
        &svc,
        "pm_task_checklist",
        json!({"task_key": t1, "action": "check"}),
        "item",
    )
    .await;
    let m = invalid(
        &svc,
        "pm_task_checklist",
        json!({"task_key": t1, "action": "uncheck", "item": "no such line"}),
        "item",
    )
    .await;
    assert!(m.contains("1. add index"), "{m}");
    invalid(
        &svc,
        "pm_task_checklist",
        json!({"task_key": t1, "action": "add", "items": [" "]}),
        "items",
    )
    .await;
    invalid(
        &svc,
        "pm_task_checklist",
        json!({"task_key": t1, "action": "add"}),
        "items",
    )
    .await;
    invalid(
        &svc,
        "pm_task_checklist",
        json!({"task_key": t1, "action": "toggle", "item": 1}),
        "action",
    )
    .await;
    let e = fail(
        &svc,
        "pm_task_checklist",
        json!({"task_key": "PM-1-T7", "action": "check", "item": 1}),
    )
    .await;
    assert_eq!(e.code(), "not_found");
    // Work logged against a task of another issue is refused.
    invalid(
        &svc,
        "pm_log_work",
        json!({"issue_key": other, "activity": "code", "summary": "s", "task_key": t1}),
        "task_key",
    )
    .await;
    assert_unchanged(&svc, &dir, &before, "pm_task_checklist").await;

    let l = ok(
        &svc,
        "pm_log_work",
        json!({"issue_key": key, "activity": "code", "summary": "migrated", "task_key": t1, "time_spent": "45m"}),
    )
    .await;
    assert_eq!(l["work_log"]["task_key"], t1);

    let d = get(&svc, &key).await;
    assert_eq!(keys(&d["tasks"]), vec!["PM-1-T1", "PM-1-T2"]);
    assert_eq!(d["tasks"][0]["version"], 9);
    assert_eq!(d["work_logs"][0]["task_key"], t1);
    let h = ok(&svc, "pm_issue_history", json!({ "issue_key": key })).await;
    let task_events: Vec<(String, String)> = h["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity"] != key)
        .map(|e| {
            (
                e["entity"].as_str().unwrap().to_string(),
                e["type"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let t = |k: &str, ty: &str| (k.to_string(), ty.to_string());
    assert_eq!(
        task_events,
        vec![
            t("PM-1-T1", "task_created"),
            t("PM-1-T2", "task_created"),
            t("PM-1-T1", "task_updated"),
            t("PM-1-T1", "task_updated"),
            t("PM-1-T1", "task_checklist_changed"),
            t("PM-1-T1", "task_checklist_changed"),
            t("PM-1-T1", "task_checklist_changed"),
            t("PM-1-T1", "task_checklist_changed"),
            t("PM-1-T1", "task_checklist_changed"),
            t("PM-1-T1", "task_checklist_changed"),
        ]
    );
}

// ------------------------------------------------------------------ links

#[tokio::test]
async fn links_refuse_cycles_and_show_both_ways() {
    let (dir, svc) = setup_project().await;
    let a = create(&svc, "A", json!({})).await;
    let b = create(&svc, "B", json!({})).await;
    let c = create(&svc, "C", json!({})).await;
    let d = create(&svc, "D", json!({})).await;

    let link = |from: &str, to: &str, kind: &str, action: &str| json!({"issue_key": from, "target_key": to, "kind": kind, "action": action});
    let l = ok(&svc, "pm_link_issues", link(&a, &b, "blocks", "add")).await;
    assert_eq!(
        (l["linked"].clone(), l["changed"].clone()),
        (json!(true), json!(true))
    );
    let l = ok(&svc, "pm_link_issues", link(&a, &b, "blocks", "add")).await;
    assert_eq!(
        l["changed"], false,
        "adding an existing link changes nothing"
    );
    ok(
        &svc,
        "pm_link_issues",
        json!({"issue_key": b, "to_issue": c, "link_type": "blocks"}),
    )
    .await;

    let before = snapshot(&svc, &dir).await;
    let m = invalid(
        &svc,
        "pm_link_issues",
        link(&c, &a, "blocks", "add"),
        "target_key",
    )
    .await;
    assert!(m.contains("cycle"), "{m}");
    assert!(m.contains(&format!("{c} → {a} → {b} → {c}")), "{m}");
    let m = invalid(
        &svc,
        "pm_link_issues",
        link(&b, &a, "blocks", "add"),
        "target_key",
    )
    .await;
    assert!(m.contains(&format!("{b} → {a} → {b}")), "{m}");
    let m = invalid(
        &svc,
        "pm_link_issues",
        link(&a, &a, "relates", "add"),
        "target_key",
    )
    .await;
    assert!(m.contains("itself"), "{m}");
    let m = invalid(
        &svc,
        "pm_link_issues",
        link(&a, &d, "parent_of", "add"),
        "kind",
    )
    .await;
    assert!(
        m.contains("blocks, relates, duplicates, discovered_from"),
        "{m}"
    );
    let e = fail(&svc, "pm_link_issues", link(&a, "PM-99", "relates", "add")).await;
    assert_eq!(e.code(), "not_found");
    assert_unchanged(&svc, &dir, &before, "pm_link_issues").await;

    // blocks show as depends_on / blocks; the chain makes C wait.
    let dc = get(&svc, &c).await;
    assert_eq!(keys(&dc["depends_on"]), vec![b.clone()]);
    assert_eq!(dc["ready"], false);
    let db = get(&svc, &b).await;
    assert_eq!(keys(&db["depends_on"]), vec![a.clone()]);
    assert_eq!(keys(&db["blocks"]), vec![c.clone()]);

    // relates shows under related on both sides.
    ok(
        &svc,
        "pm_link_issues",
        json!({"issue_key": a, "related_issue": d, "relationship": "relates"}),
    )
    .await;
    let da = get(&svc, &a).await;
    assert_eq!(keys(&da["related"]), vec![d.clone()]);
    assert_eq!(da["related"][0]["direction"], "outgoing");
    assert_eq!(da["related"][0]["kind"], "relates");
    let dd = get(&svc, &d).await;
    assert_eq!(keys(&dd["related"]), vec![a.clone()]);
    assert_eq!(dd["related"][0]["direction"], "incoming");
    assert_eq!(dd["ready"], true, "relates does not block");
    // Both ends record the link.
    assert_eq!(
        history_types(&svc, &d).await.last().unwrap(),
        "issue_linked"
    );
    assert_eq!(
        history_types(&svc, &a).await.last().unwrap(),
        "issue_linked"
    );

    // Remove.
    let r = ok(&svc, "pm_link_issues", link(&a, &d, "relates", "remove")).await;
    assert_eq!(
        (r["linked"].clone(), r["changed"].clone()),
        (json!(false), json!(true))
    );
    assert_eq!(get(&svc, &d).await["related"], json!([]));
    assert_eq!(
        history_types(&svc, &d).await.last().unwrap(),
        "issue_unlinked"
    );
    let r = ok(&svc, "pm_link_issues", link(&a, &d, "relates", "remove")).await;
    assert_eq!(r["changed"], false);

    // With A → B gone, C blocks A no longer closes a cycle.
    ok(&svc, "pm_link_issues", link(&a, &b, "blocks", "remove")).await;
    ok(&svc, "pm_link_issues", link(&c, &a, "blocks", "add")).await;
    assert_eq!(keys(&get(&svc, &a).await["depends_on"]), vec![c.clone()]);
}

// ------------------------------------------------------------------ queue

#[tokio::test]
async fn my_queue_ranks_started_work_first_with_reasons() {
    let (_dir, svc) = setup_project().await;
    let proposed = create(&svc, "Mine, not started", json!({"owner": ACTOR})).await;
    let started = create(&svc, "Mine, started", json!({})).await;
    start(&svc, &started).await;
    let blocked = create(&svc, "Mine, blocked", json!({})).await;
    start(&svc, &blocked).await;
    ok(
        &svc,
        "pm_update_status",
        json!({"issue_key": blocked, "status": "blocked", "blocker_reason": "no access"}),
    )
    .await;
    let unowned = create(&svc, "Nobody's", json!({})).await;
    let waiting = create(
        &svc,
        "Nobody's, waiting",
        json!({ "dependencies": [unowned] }),
    )
    .await;
    let bobs = create(&svc, "Bob's", json!({"owner": "bob"})).await;

    let q = ok(&svc, "pm_my_queue", json!({})).await;
    assert_eq!(q["owner"], ACTOR);
    assert_eq!(
        keys(&q["items"]),
        vec![started.clone(), proposed.clone(), blocked.clone()]
    );
    let items = q["items"].as_array().unwrap();
    for w in items.windows(2) {
        assert!(w[0]["score"].as_f64() > w[1]["score"].as_f64(), "{q}");
    }
    let why = strings(&items[0]["why"]);
    assert!(why.iter().any(|r| r.contains("in progress")), "{why:?}");
    assert!(why.iter().any(|r| r.contains("P3 priority")), "{why:?}");
    assert!(
        strings(&items[2]["why"])
            .iter()
            .any(|r| r.contains("blocked"))
    );
    assert!(
        items[0]["next_action"]
            .as_str()
            .unwrap()
            .starts_with("pm_log_work")
    );
    assert!(
        items[1]["next_action"]
            .as_str()
            .unwrap()
            .starts_with("pm_start_work")
    );
    assert!(
        items[2]["next_action"]
            .as_str()
            .unwrap()
            .contains("no access")
    );

    // Unassigned ready work joins on request; waiting work does not.
    let q = ok(&svc, "pm_my_queue", json!({"include_unassigned": true})).await;
    let ks = keys(&q["items"]);
    assert!(ks.contains(&unowned), "{ks:?}");
    assert!(!ks.contains(&waiting) && !ks.contains(&bobs), "{ks:?}");
    let q = ok(&svc, "pm_my_queue", json!({"owner": "bob"})).await;
    assert_eq!(keys(&q["items"]), vec![bobs.clone()]);
    let q = ok(&svc, "pm_my_queue", json!({"limit": 1})).await;
    assert_eq!(keys(&q["items"]), vec![started]);
}

#[tokio::test]
async fn suggest_next_work_skips_blocked_work_and_claims_the_best() {
    let (_dir, svc) = setup_project().await;
    let bob = as_actor(&svc, "bob");
    let ready = create(&svc, "Ready P3", json!({})).await;
    let gate = create(&svc, "Gate P4", json!({"priority": "P4"})).await;
    let waits = create(
        &svc,
        "Urgent but waiting",
        json!({"priority": "P1", "dependencies": [gate]}),
    )
    .await;
    let taken = create(&svc, "Bob has it", json!({"priority": "P1"})).await;
    start(&bob, &taken).await;
    let bobs = create(
        &svc,
        "Bob owns it",
        json!({"priority": "P1", "owner": "bob"}),
    )
    .await;

    let s = ok(&svc, "pm_suggest_next_work", json!({})).await;
    let ks = keys(&s["suggestions"]);
    assert_eq!(ks, vec![ready.clone(), gate.clone()]);
    for k in [&waits, &taken, &bobs] {
        assert!(!ks.contains(k), "{k} should not be suggested: {ks:?}");
    }
    assert!(s.get("claimed").is_none());
    for item in s["suggestions"].as_array().unwrap() {
        assert!(strings(&item["why"]).contains(&"ready: nothing blocks it".to_string()));
    }
    assert!(
        strings(&s["suggestions"][1]["why"])
            .iter()
            .any(|r| r.contains("unblocks 1"))
    );
    assert!(s["next_steps"][0].as_str().unwrap().contains(&ready));
    let s = ok(&svc, "pm_suggest_next_work", json!({"type": "bug"})).await;
    assert_eq!(s["suggestions"], json!([]));
    // Suggesting changed nothing.
    assert_eq!(get(&svc, &ready).await["issue"]["version"], 1);

    let s = ok(&svc, "pm_suggest_next_work", json!({"claim": true})).await;
    assert_eq!(s["claimed"], ready.as_str());
    let d = get(&svc, &ready).await;
    assert_eq!(d["issue"]["status"], "in_progress");
    assert_eq!(d["issue"]["owner"], ACTOR);
    let updates = d["issue"]["communication"]["updates"].as_array().unwrap();
    assert_eq!(updates[0]["notes"], "claimed by pm_suggest_next_work");

    let s = ok(&svc, "pm_suggest_next_work", json!({"claim": true})).await;
    assert_eq!(s["claimed"], gate.as_str());
    // Nothing left that is ready: the waiting issue still waits on the gate.
    let s = ok(&svc, "pm_suggest_next_work", json!({"claim": true})).await;
    assert!(s.get("claimed").is_none(), "{s}");
    assert!(
        s["next_steps"][0]
            .as_str()
            .unwrap()
            .contains("pm_blocked_issues")
    );
    assert_eq!(get(&svc, &waits).await["issue"]["status"], "proposed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_claims_get_different_issues() {
    let (_dir, svc) = setup_project().await;
    for i in 0..4 {
        create(&svc, &format!("Job {i}"), json!({})).await;
    }
    let (a, b, c) = (
        as_actor(&svc, "a"),
        as_actor(&svc, "b"),
        as_actor(&svc, "c"),
    );
    let claim = json!({"claim": true});
    let (ra, rb, rc) = tokio::join!(
        a.call("pm_suggest_next_work", claim.clone()),
        b.call("pm_suggest_next_work", claim.clone()),
        c.call("pm_suggest_next_work", claim.clone()),
    );
    let mut claimed = BTreeSet::new();
    for (actor, r) in [("a", ra), ("b", rb), ("c", rc)] {
        let r = r.unwrap_or_else(|e| panic!("{actor}: [{}] {e}", e.code()));
        let key = r["claimed"]
            .as_str()
            .unwrap_or_else(|| panic!("{actor} got nothing: {r}"));
        let d = get(&svc, key).await;
        assert_eq!(d["issue"]["owner"], actor);
        assert_eq!(d["issue"]["status"], "in_progress");
        claimed.insert(key.to_string());
    }
    assert_eq!(
        claimed.len(),
        3,
        "two actors claimed the same issue: {claimed:?}"
    );
    let left = ok(&svc, "pm_list_issues", json!({"status": "proposed"})).await;
    assert_eq!(keys(&left["issues"]).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_start_work_has_exactly_one_winner() {
    let (dir, svc) = setup_project().await;
    let (a, b) = (as_actor(&svc, "a"), as_actor(&svc, "b"));
    let mut first_loser = None;
    for round in 0..4 {
        let key = create(&svc, &format!("Contested {round}"), json!({})).await;
        let args = json!({ "issue_key": key });
        let (ra, rb) = tokio::join!(
            a.call("pm_start_work", args.clone()),
            b.call("pm_start_work", args.clone()),
        );
        let (winner, loser) = match (ra, rb) {
            (Ok(_), Err(e)) => ("a", e),
            (Err(e), Ok(_)) => ("b", e),
            (ra, rb) => panic!("round {round}: expected one winner, got {ra:?} and {rb:?}"),
        };
        assert_eq!(loser.code(), "conflict", "{loser}");
        first_loser.get_or_insert(if winner == "a" { b.clone() } else { a.clone() });
        assert!(
            loser.to_string().contains(&format!("owned by {winner}")),
            "{loser}"
        );
        let d = get(&svc, &key).await;
        assert_eq!(d["issue"]["owner"], winner);
        assert_eq!(d["issue"]["status"], "in_progress");
        let types = history_types(&svc, &key).await;
        assert_eq!(
            types,
            vec!["issue_created", "owner_changed", "status_changed"]
        );
    }
    // Losers wrote nothing: the file and the table agree.
    assert_eq!(jsonl(&dir).len(), db_events(&svc).await.len());
    // take_over lets the loser have it after all.
    let loser = first_loser.unwrap();
    let t = ok(
        &loser,
        "pm_start_work",
        json!({"issue_key": "PM-1", "take_over": true}),
    )
    .await;
    assert_eq!(t["issue"]["owner"], loser.context().actor.as_str());
    assert_eq!(t["started"], true);
    assert_eq!(
        history_types(&svc, "PM-1").await.last().unwrap(),
        "owner_changed"
    );
}

// ---------------------------------------------------------------- reports

#[tokio::test]
async fn status_counts_and_blocked_issues() {
    let (_dir, svc) = setup_project().await;
    let a = create(&svc, "Active", json!({"priority": "P2"})).await;
    start(&svc, &a).await;
    let b = create(&svc, "Stuck", json!({"priority": "P2"})).await;
    start(&svc, &b).await;
    ok(
        &svc,
        "pm_update_status",
        json!({"issue_key": b, "status": "blocked", "blocker_reason": "waiting for credentials"}),
    )
    .await;
    let c = create(&svc, "Waiting", json!({"dependencies": [a]})).await;
    let d = create(&svc, "Finished", json!({"type": "chore", "priority": "P4"})).await;
    start(&svc, &d).await;
    ok(&svc, "pm_complete_issue", json!({"issue_key": d})).await;
    let e = create(
        &svc,
        "Urgent",
        json!({"type": "bug", "priority": "P1", "module": "core"}),
    )
    .await;

    let s = ok(&svc, "pm_status", json!({})).await;
    assert_eq!(s["project"], "PM");
    assert_eq!(s["total"], 5);
    assert_eq!(s["open"], 4);
    assert_eq!(
        s["by_status"],
        json!({"in_progress": 1, "blocked": 1, "proposed": 2, "done": 1})
    );
    assert_eq!(
        s["by_priority"],
        json!({"P1": 1, "P2": 2, "P3": 1, "P4": 1})
    );
    assert_eq!(s["by_type"], json!({"feature": 3, "chore": 1, "bug": 1}));
    assert_eq!(s["by_module"], json!({"(none)": 4, "core": 1}));
    assert_eq!(s["blocked"], 1);
    assert_eq!(s["waiting_on_dependencies"], 1);
    assert_eq!(s["archived"], 0);
    assert_eq!(keys(&s["in_progress"]), vec![a.clone()]);
    assert_eq!(s["health"], "at_risk");
    let notes = strings(&s["health_notes"]);
    assert!(
        notes.contains(&"1 issue(s) blocked".to_string()),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.contains("P1 work exists")),
        "{notes:?}"
    );
    let recent = s["recent_activity"].as_array().unwrap();
    assert_eq!(recent.len(), 10);
    assert_eq!(recent[0]["type"], "issue_created");
    assert_eq!(recent[0]["entity"], e.as_str());

    let bl = ok(&svc, "pm_blocked_issues", json!({})).await;
    let items = bl["blocked"].as_array().unwrap();
    assert_eq!(keys(&bl["blocked"]), vec![b.clone(), c.clone()]);
    assert_eq!(items[0]["status"], "blocked");
    assert_eq!(items[0]["blocker_reason"], "waiting for credentials");
    assert_eq!(items[0]["waiting_on"], json!([]));
    assert_eq!(items[1]["status"], "proposed");
    assert_eq!(strings(&items[1]["waiting_on"]), vec![a.clone()]);
    assert!(bl["next_steps"][0].as_str().unwrap().contains(&a));

    // Finishing the dependency and unblocking clears the list.
    ok(&svc, "pm_complete_issue", json!({"issue_key": a})).await;
    set_status(&svc, &b, "in_progress").await;
    let bl = ok(&svc, "pm_blocked_issues", json!({})).await;
    assert_eq!(bl["blocked"], json!([]));
    let s = ok(&svc, "pm_status", json!({"project_id": "pm"})).await;
    assert_eq!(s["waiting_on_dependencies"], 0);
    assert_eq!(s["blocked"], 0);
    assert_eq!(s["by_status"]["done"], 2);
}

#[tokio::test]
async fn daily_standup_reports_done_worked_on_and_blockers() {
    let (_dir, svc) = setup_project().await;
    let done = create(&svc, "Ship the parser", json!({})).await;
    start(&svc, &done).await;
    ok(
        &svc,
        "pm_log_work",
        json!({"issue_key": done, "activity": "code", "summary": "wrote the parser", "time_spent": "2h"}),
    )
    .await;
    ok(&svc, "pm_complete_issue", json!({"issue_key": done})).await;
    let doing = create(&svc, "Write docs", json!({})).await;
    start(&svc, &doing).await;
    ok(
        &svc,
        "pm_log_work",
        json!({"issue_key": doing, "activity": "documentation", "summary": "outlined", "time_spent": "30m"}),
    )
    .await;
    let stuck = create(&svc, "Deploy", json!({})).await;
    start(&svc, &stuck).await;
    ok(
        &svc,
        "pm_update_status",
        json!({"issue_key": stuck, "status": "blocked", "blocker_reason": "no server"}),
    )
    .await;

    let s = ok(&svc, "pm_daily_standup", json!({})).await;
    assert_eq!(strings(&s["completed"]), vec![done.clone()]);
    assert_eq!(keys(&s["worked_on"]), vec![done.clone(), doing.clone()]);
    assert_eq!(s["worked_on"][0]["minutes"], 120);
    assert_eq!(keys(&s["in_progress"]), vec![doing.clone()]);
    assert_eq!(keys(&s["blocked"]), vec![stuck.clone()]);
    let report = s["report"].as_str().unwrap();
    for needle in [
        "# Stand-up for PM",
        "## Done",
        &format!("- {done}\n"),
        &format!("- {done} (2h): wrote the parser"),
        &format!("- {doing} (30m): outlined"),
        "## Today",
        &format!("- {doing} Write docs [in_progress]"),
        "## Blockers",
        &format!("- {stuck} Deploy"),
    ] {
        assert!(
            report.contains(needle),
            "{needle:?} missing from:\n{report}"
        );
    }

    let text = ok(
        &svc,
        "pm_daily_standup",
        json!({"format": "text", "since_hours": 1}),
    )
    .await;
    let report = text["report"].as_str().unwrap();
    assert!(
        report.starts_with("Stand-up for PM") && report.contains("DONE:"),
        "{report}"
    );
    let structured = ok(&svc, "pm_daily_standup", json!({"format": "structured"})).await;
    assert!(structured.get("report").is_none());
    assert_eq!(strings(&structured["completed"]), vec![done.clone()]);

    let nobody = ok(&svc, "pm_daily_standup", json!({"owner": "zed"})).await;
    assert_eq!(nobody["completed"], json!([]));
    assert_eq!(nobody["worked_on"], json!([]));
    assert!(
        nobody["report"]
            .as_str()
            .unwrap()
            .contains("- nothing completed")
    );

    for h in [0, 169] {
        invalid(
            &svc,
            "pm_daily_standup",
            json!({ "since_hours": h }),
            "since_hours",
        )
        .await;
    }
    invalid(&svc, "pm_daily_standup", json!({"format": "pdf"}), "format").await;
}

#[tokio::test]
async fn issue_history_lists_events_oldest_first() {
    let (_dir, svc) = setup_project().await;
    let key = create(&svc, "Tracked", json!({})).await;
    let other = create(&svc, "Other", json!({})).await;
    ok(
        &svc,
        "pm_update_issue",
        json!({"issue_key": key, "title": "Tracked closely"}),
    )
    .await;
    let c = ok(
        &svc,
        "pm_add_comment",
        json!({"issue_key": key, "comment": "**looks** good"}),
    )
    .await;
    assert_eq!(c["comment"]["author"], ACTOR);
    assert_eq!(c["comment"]["body"], "**looks** good");
    start(&svc, &key).await;
    ok(
        &svc,
        "pm_log_work",
        json!({"issue_key": key, "activity": "research", "summary": "read up"}),
    )
    .await;
    ok(
        &svc,
        "pm_link_issues",
        json!({"issue_key": key, "target_key": other, "kind": "discovered_from"}),
    )
    .await;
    ok(
        &svc,
        "pm_create_task",
        json!({"issue_key": key, "title": "step"}),
    )
    .await;

    let h = ok(
        &svc,
        "pm_issue_history",
        json!({ "issue_key": key.to_lowercase() }),
    )
    .await;
    assert_eq!(h["issue_key"], key.as_str());
    let events = h["events"].as_array().unwrap();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        vec![
            "issue_created",
            "issue_updated",
            "comment_added",
            "owner_changed",
            "status_changed",
            "work_logged",
            "issue_linked",
            "task_created",
        ]
    );
    let ats: Vec<&str> = events.iter().map(|e| e["at"].as_str().unwrap()).collect();
    let mut sorted = ats.clone();
    sorted.sort();
    assert_eq!(ats, sorted, "events are oldest first");
    assert!(
        events
            .iter()
            .all(|e| e["actor"] == ACTOR && e["project"] == "PM")
    );
    assert_eq!(events[1]["changes"]["fields"], json!(["title"]));
    assert_eq!(events[1]["changes"]["changes"]["title"]["from"], "Tracked");
    assert_eq!(
        events[1]["changes"]["changes"]["title"]["to"],
        "Tracked closely"
    );
    assert_eq!(events[4]["changes"]["from"], "proposed");
    assert_eq!(events[4]["changes"]["to"], "in_progress");
    assert_eq!(events[7]["entity"], format!("{key}-T1"));
    // The comment is searchable.
    let hits = ok(&svc, "pm_search_issues", json!({"query": "looks"})).await;
    assert_eq!(keys(&hits["hits"]), vec![key.clone()]);

    let h = ok(
        &svc,
        "pm_issue_history",
        json!({"issue_key": key, "limit": 2}),
    )
    .await;
    let types: Vec<&str> = h["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, vec!["issue_created", "issue_updated"]);
    let e = fail(&svc, "pm_issue_history", json!({"issue_key": "PM-404"})).await;
    assert_eq!(e.code(), "not_found");
    invalid(
        &svc,
        "pm_issue_history",
        json!({"issue_key": "PM 1"}),
        "issue_key",
    )
    .await;
}

#[tokio::test]
async fn search_follows_updates_comments_archive_and_delete() {
    let (_dir, svc) = setup_project().await;
    let key = create(&svc, "Animal facts", json!({"description": "about cats"})).await;
    let search = |q: &str, extra: Value| {
        let svc = svc.clone();
        let args = merge(json!({ "query": q }), extra);
        async move { keys(&ok(&svc, "pm_search_issues", args).await["hits"]) }
    };
    assert_eq!(search("cats", json!({})).await, vec![key.clone()]);
    ok(&svc, "pm_update_issue", json!({"issue_key": key, "description": "about zebras", "acceptance_criteria": ["mentions okapis"]})).await;
    assert!(search("cats", json!({})).await.is_empty());
    assert_eq!(
        search("zebra", json!({})).await,
        vec![key.clone()],
        "stemmed"
    );
    assert_eq!(search("okapis", json!({})).await, vec![key.clone()]);
    ok(
        &svc,
        "pm_add_comment",
        json!({"issue_key": key, "body": "also giraffes"}),
    )
    .await;
    assert_eq!(search("giraffes", json!({})).await, vec![key.clone()]);
    // Every word must match, else any word does.
    assert_eq!(
        search("zebras giraffes", json!({})).await,
        vec![key.clone()]
    );
    assert_eq!(
        search("zebras unicorns", json!({})).await,
        vec![key.clone()]
    );
    assert!(search("unicorns", json!({})).await.is_empty());
    assert!(search("zebras", json!({"status": "done"})).await.is_empty());
    assert_eq!(
        search("zebras", json!({"status": ["proposed", "done"]})).await,
        vec![key.clone()]
    );

    start(&svc, &key).await;
    ok(
        &svc,
        "pm_complete_issue",
        json!({"issue_key": key, "archive": true}),
    )
    .await;
    assert!(search("zebras", json!({})).await.is_empty());
    assert_eq!(
        search("zebras", json!({"include_archived": true})).await,
        vec![key.clone()]
    );

    ok(
        &svc,
        "pm_delete_issue",
        json!({"issue_key": key, "confirm": true}),
    )
    .await;
    assert!(
        search("zebras", json!({"include_archived": true}))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn search_scores_reflect_the_ranking() {
    let (_dir, svc) = setup_project().await;
    create(&svc, "Footer", json!({"description": "the login link"})).await;
    create(&svc, "Login page", json!({})).await;
    create(&svc, "Unrelated", json!({})).await;
    let hits = ok(&svc, "pm_search_issues", json!({"query": "login"})).await;
    let h = hits["hits"].as_array().unwrap();
    assert_eq!(keys(&hits["hits"]), vec!["PM-2", "PM-1"]);
    let (s0, s1) = (
        h[0]["score"].as_f64().unwrap(),
        h[1]["score"].as_f64().unwrap(),
    );
    assert!(
        s0 > s1 && s1 > 0.0,
        "scores {s0} and {s1} do not show the ranking"
    );
}

// ---------------------------------------------------------------- sprints

#[tokio::test]
async fn sprints_hold_issues_and_count_progress() {
    let (dir, svc) = setup_project().await;
    let a = create(&svc, "Sprinted A", json!({"story_points": 3})).await;
    let b = create(&svc, "Sprinted B", json!({"story_points": 5})).await;
    let c = create(&svc, "Not sprinted", json!({})).await;

    let s = ok(
        &svc,
        "pm_create_sprint",
        json!({"name": "Sprint 1", "goal": "parse everything", "start_date": "2026-03-02", "end_date": "2026-03-13"}),
    )
    .await;
    assert_eq!(s["sprint"]["name"], "Sprint 1");
    assert_eq!(s["sprint"]["project"], "PM");
    assert_eq!(s["sprint"]["start_date"], "2026-03-02");

    let before = snapshot(&svc, &dir).await;
    let m = invalid(
        &svc,
        "pm_create_sprint",
        json!({"name": "Backwards", "start_date": "2026-03-13", "end_date": "2026-03-02"}),
        "end_date",
    )
    .await;
    assert!(m.contains("before start_date"), "{m}");
    invalid(
        &svc,
        "pm_create_sprint",
        json!({"name": "sprint 1", "start_date": "2026-04-01", "end_date": "2026-04-10"}),
        "name",
    )
    .await;
    invalid(
        &svc,
        "pm_create_sprint",
        json!({"name": "Bad date", "start_date": "2026-13-01", "end_date": "2026-04-10"}),
        "start_date",
    )
    .await;
    invalid(
        &svc,
        "pm_create_sprint",
        json!({"name": " ", "start_date": "2026-04-01", "end_date": "2026-04-10"}),
        "name",
    )
    .await;
    let m = invalid(
        &svc,
        "pm_add_to_sprint",
        json!({"sprint": "Sprint 9", "issue_keys": [a]}),
        "sprint",
    )
    .await;
    assert!(m.contains("pm_create_sprint"), "{m}");
    invalid(
        &svc,
        "pm_add_to_sprint",
        json!({"sprint": "Sprint 1", "issue_keys": []}),
        "issue_keys",
    )
    .await;
    // One unknown key refuses the whole batch.
    let e = fail(
        &svc,
        "pm_add_to_sprint",
        json!({"sprint": "Sprint 1", "issue_keys": [a, "PM-99"]}),
    )
    .await;
    assert_eq!(e.code(), "not_found");
    assert_unchanged(&svc, &dir, &before, "sprint operations").await;

    let add = ok(
        &svc,
        "pm_add_to_sprint",
        json!({"sprint": "sprint 1", "issue_keys": [a, b]}),
    )
    .await;
    assert_eq!(strings(&add["added"]), vec![a.clone(), b.clone()]);
    assert_eq!(add["already_in_sprint"], json!([]));
    let add = ok(
        &svc,
        "pm_add_to_sprint",
        json!({"sprint": "Sprint 1", "issue_keys": [b]}),
    )
    .await;
    assert_eq!(add["added"], json!([]));
    assert_eq!(strings(&add["already_in_sprint"]), vec![b.clone()]);

    ok(
        &svc,
        "pm_create_sprint",
        json!({"name": "Sprint 2", "start_date": "2026-03-16", "end_date": "2026-03-16"}),
    )
    .await;
    start(&svc, &a).await;
    ok(&svc, "pm_complete_issue", json!({"issue_key": a})).await;

    let l = ok(&svc, "pm_list_sprints", json!({})).await;
    let sprints = l["sprints"].as_array().unwrap();
    assert_eq!(sprints.len(), 2);
    assert_eq!(sprints[0]["name"], "Sprint 1");
    assert_eq!(sprints[0]["goal"], "parse everything");
    assert_eq!(strings(&sprints[0]["issues"]), vec![a.clone(), b.clone()]);
    assert_eq!(sprints[0]["done"], 1);
    assert_eq!(sprints[0]["story_points"], 8);
    assert_eq!(sprints[0]["done_points"], 3);
    assert_eq!(sprints[1]["name"], "Sprint 2");
    assert_eq!(sprints[1]["issues"], json!([]));
    assert_eq!(sprints[1]["done"], 0);

    let in_sprint = ok(&svc, "pm_list_issues", json!({"sprint": "Sprint 1"})).await;
    assert_eq!(keys(&in_sprint["issues"]), vec![a.clone(), b.clone()]);
    assert!(!keys(&in_sprint["issues"]).contains(&c));
    assert_eq!(strings(&get(&svc, &b).await["sprints"]), vec!["Sprint 1"]);
    assert_eq!(get(&svc, &c).await["sprints"], json!([]));
}

// ------------------------------------------------------------- submodules

#[tokio::test]
async fn submodules_add_list_and_remove_with_reassignment() {
    let (dir, svc) = setup_project().await;
    let out = ok(
        &svc,
        "pm_add_submodule",
        json!({"name": "api", "description": "the server"}),
    )
    .await;
    assert_eq!(out["project"], "PM");
    assert_eq!(out["submodules"][0]["name"], "api");
    assert_eq!(out["submodules"][0]["path"], "api");
    ok(
        &svc,
        "pm_add_submodule",
        json!({"name": "web", "path": "apps/web"}),
    )
    .await;

    let before = snapshot(&svc, &dir).await;
    invalid(&svc, "pm_add_submodule", json!({"name": "api"}), "name").await;
    invalid(
        &svc,
        "pm_add_submodule",
        json!({"name": "x", "path": "/etc"}),
        "path",
    )
    .await;
    invalid(
        &svc,
        "pm_add_submodule",
        json!({"name": "x", "path": "a/../../b"}),
        "path",
    )
    .await;
    invalid(&svc, "pm_remove_submodule", json!({"name": "nope"}), "name").await;
    let m = invalid(
        &svc,
        "pm_remove_submodule",
        json!({"name": "api", "reassign_to": "nope"}),
        "reassign_to",
    )
    .await;
    assert!(m.contains("api, web"), "{m}");
    invalid(
        &svc,
        "pm_remove_submodule",
        json!({"name": "api", "reassign_to": "api"}),
        "reassign_to",
    )
    .await;
    assert_unchanged(&svc, &dir, &before, "submodule operations").await;

    let a1 = create(&svc, "api one", json!({"module": "api"})).await;
    let a2 = create(&svc, "api two", json!({"module": "api"})).await;
    let w1 = create(&svc, "web one", json!({"module": "web"})).await;
    let none = create(&svc, "no module", json!({})).await;
    start(&svc, &a2).await;
    ok(&svc, "pm_complete_issue", json!({"issue_key": a2})).await;

    let l = ok(&svc, "pm_list_submodules", json!({})).await;
    let subs = l["submodules"].as_array().unwrap();
    assert_eq!(subs.len(), 2);
    assert_eq!(
        (
            subs[0]["name"].clone(),
            subs[0]["open_issues"].clone(),
            subs[0]["total_issues"].clone()
        ),
        (json!("api"), json!(1), json!(2))
    );
    assert_eq!(subs[0]["description"], "the server");
    assert_eq!(
        (
            subs[1]["name"].clone(),
            subs[1]["path"].clone(),
            subs[1]["open_issues"].clone(),
            subs[1]["total_issues"].clone()
        ),
        (json!("web"), json!("apps/web"), json!(1), json!(1))
    );
    assert!(l.get("reassigned_issues").is_none());

    let r = ok(
        &svc,
        "pm_remove_submodule",
        json!({"name": "api", "reassign_to": "web"}),
    )
    .await;
    assert_eq!(r["reassigned_issues"], 2);
    assert_eq!(r["submodules"].as_array().unwrap().len(), 1);
    assert_eq!(r["submodules"][0]["name"], "web");
    assert_eq!(r["submodules"][0]["total_issues"], 3);
    assert_eq!(r["submodules"][0]["open_issues"], 2);
    let web = ok(
        &svc,
        "pm_list_issues",
        json!({"module": "web", "sort": "key"}),
    )
    .await;
    assert_eq!(
        keys(&web["issues"]),
        vec![a1.clone(), a2.clone(), w1.clone()]
    );
    assert_eq!(
        ok(&svc, "pm_list_issues", json!({"module": "api"})).await["issues"],
        json!([])
    );

    let r = ok(&svc, "pm_remove_submodule", json!({"name": "web"})).await;
    assert_eq!(r["reassigned_issues"], 3);
    assert_eq!(r["submodules"], json!([]));
    assert!(get(&svc, &a1).await["issue"]["module"].is_null());
    assert!(get(&svc, &none).await["issue"]["module"].is_null());
    let s = ok(&svc, "pm_status", json!({})).await;
    assert_eq!(s["by_module"], json!({"(none)": 4}));
}

// ---------------------------------------------------------------- archive

#[tokio::test]
async fn only_done_issues_are_archived_and_read_back() {
    let (dir, svc) = setup_project().await;
    let open = create(&svc, "Still open", json!({})).await;
    let done = create(&svc, "Finished work", json!({})).await;
    start(&svc, &done).await;
    ok(&svc, "pm_complete_issue", json!({"issue_key": done})).await;
    let also = create(&svc, "Finished and archived at once", json!({})).await;
    start(&svc, &also).await;

    let before = snapshot(&svc, &dir).await;
    let m = invalid(
        &svc,
        "pm_update_issue",
        json!({"issue_key": open, "archived": true}),
        "archived",
    )
    .await;
    assert!(m.contains("only done or canceled"), "{m}");
    let m = invalid(
        &svc,
        "pm_get_archived_issue",
        json!({ "issue_key": done }),
        "issue_key",
    )
    .await;
    assert!(m.contains("pm_get_issue"), "{m}");
    assert_unchanged(&svc, &dir, &before, "archiving an open issue").await;

    let a = ok(
        &svc,
        "pm_update_issue",
        json!({"issue_key": done, "archived": true}),
    )
    .await;
    assert_eq!(a["issue"]["archived"], true);
    assert_eq!(
        history_types(&svc, &done).await.last().unwrap(),
        "issue_archived"
    );
    let c = ok(
        &svc,
        "pm_complete_issue",
        json!({"issue_key": also, "archive": true}),
    )
    .await;
    assert_eq!(c["issue"]["archived"], true);

    let live = ok(&svc, "pm_list_issues", json!({})).await;
    assert_eq!(keys(&live["issues"]), vec![open.clone()]);
    let arch = ok(
        &svc,
        "pm_list_archived_issues",
        json!({"fields": ["key", "archived", "status"]}),
    )
    .await;
    assert_eq!(
        arch["issues"],
        json!([
            {"key": also, "archived": true, "status": "done"},
            {"key": done, "archived": true, "status": "done"},
        ])
    );
    let page = ok(&svc, "pm_list_archived_issues", json!({"limit": 1})).await;
    assert_eq!(keys(&page["issues"]), vec![also.clone()]);
    let page = ok(
        &svc,
        "pm_list_archived_issues",
        json!({"limit": 1, "cursor": page["next_cursor"]}),
    )
    .await;
    assert_eq!(keys(&page["issues"]), vec![done.clone()]);
    assert!(page.get("next_cursor").is_none());

    let g = ok(&svc, "pm_get_archived_issue", json!({ "issue_key": done })).await;
    assert_eq!(g["issue"]["key"], done.as_str());
    assert_eq!(g["issue"]["archived"], true);
    assert_eq!(g["issue"]["status"], "done");
    let s = ok(&svc, "pm_status", json!({})).await;
    assert_eq!(
        (s["total"].clone(), s["archived"].clone()),
        (json!(1), json!(2))
    );

    let e = fail(&svc, "pm_get_archived_issue", json!({"issue_key": "PM-99"})).await;
    assert_eq!(e.code(), "not_found");

    // Unarchive brings it back.
    let u = ok(
        &svc,
        "pm_update_issue",
        json!({"issue_key": done, "archived": false}),
    )
    .await;
    assert_eq!(u["issue"]["archived"], false);
    assert_eq!(
        history_types(&svc, &done).await.last().unwrap(),
        "issue_unarchived"
    );
    let live = ok(&svc, "pm_list_issues", json!({"sort": "key"})).await;
    assert_eq!(keys(&live["issues"]), vec![open, done]);
}

#[tokio::test]
async fn reopening_an_archived_issue_does_not_leave_open_archived_work() {
    let (_dir, svc) = setup_project().await;
    let key = create(&svc, "Archived then reopened", json!({})).await;
    start(&svc, &key).await;
    ok(
        &svc,
        "pm_complete_issue",
        json!({"issue_key": key, "archive": true}),
    )
    .await;
    // Either refused, or the issue comes back out of the archive.
    if svc
        .call(
            "pm_update_status",
            json!({"issue_key": key, "status": "in_progress"}),
        )
        .await
        .is_ok()
    {
        let d = get(&svc, &key).await;
        assert_eq!(d["issue"]["status"], "in_progress");
        assert_eq!(
            d["issue"]["archived"], false,
            "an in_progress issue is still archived: it is missing from pm_list_issues and pm_status"
        );
    }
}

// --------------------------------------------------------------- projects

#[tokio::test]
async fn projects_register_list_and_resolve() {
    let (dir, svc) = setup().await;
    // No project yet.
    let e = fail(&svc, "pm_status", json!({})).await;
    assert_eq!(e.code(), "not_found");
    assert!(e.to_string().contains("pm_init_project"), "{e}");
    assert_eq!(
        ok(&svc, "pm_list_projects", json!({})).await["projects"],
        json!([])
    );
    invalid(&svc, "pm_init_project", json!({"key": "AB"}), "path").await;
    invalid(
        &svc,
        "pm_init_project",
        json!({"path": dir.path().join("missing").to_str().unwrap(), "key": "AB"}),
        "path",
    )
    .await;
    invalid(
        &svc,
        "pm_init_project",
        json!({"path": dir.path().to_str().unwrap(), "key": "a"}),
        "key",
    )
    .await;

    // A hand-made git layout is detected.
    let main = project_dir(&dir, "main-app");
    std::fs::create_dir_all(main.join(".git/refs/heads")).unwrap();
    std::fs::write(main.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    std::fs::write(main.join(".git/refs/heads/main"), "0000\n").unwrap();
    std::fs::write(
        main.join(".git/config"),
        "[remote \"origin\"]\n\turl = git@example.com:team/main.git\n",
    )
    .unwrap();
    std::fs::write(
        main.join(".gitmodules"),
        "[submodule \"ui\"]\n\tpath = web/ui\n\turl = ../ui.git\n",
    )
    .unwrap();
    let p = ok(
        &svc,
        "pm_init_project",
        json!({"path": main.to_str().unwrap(), "description": "main thing"}),
    )
    .await;
    assert_eq!(p["project"]["key"], "MA", "derived from the directory name");
    assert_eq!(p["project"]["name"], "main-app");
    assert_eq!(p["project"]["slug"], "main-app");
    let meta = &p["project"]["metadata"];
    assert_eq!(meta["vcs"]["remote"], "git@example.com:team/main.git");
    assert_eq!(meta["vcs"]["default_branch"], "main");
    assert_eq!(meta["submodules"][0]["name"], "ui");
    assert_eq!(meta["submodules"][0]["path"], "web/ui");
    assert_eq!(meta["description"], "main thing");
    assert_eq!(meta["require_review"], false);

    let l = ok(&svc, "pm_list_projects", json!({})).await;
    assert_eq!(
        l["projects"],
        json!([{"key": "MA", "name": "main-app", "path": main.to_str().unwrap(), "current": true}])
    );

    // A second project by explicit registration.
    let other = project_dir(&dir, "other");
    let r = ok(
        &svc,
        "pm_register_project",
        json!({"project_id": "oth", "name": "Other Thing", "path": other.to_str().unwrap()}),
    )
    .await;
    assert_eq!(r["created"], true);
    assert_eq!(r["project"]["key"], "OTH");
    let again = ok(
        &svc,
        "pm_register_project",
        json!({"project_id": "OTH", "name": "Other Thing", "path": other.to_str().unwrap()}),
    )
    .await;
    assert_eq!(again["created"], false);

    let before = snapshot(&svc, &dir).await;
    let e = fail(
        &svc,
        "pm_register_project",
        json!({"project_id": "MA", "name": "Clash", "path": project_dir(&dir, "clash").to_str().unwrap()}),
    )
    .await;
    assert_eq!(e.code(), "invalid_input", "{e}");
    assert!(e.to_string().contains("project key MA is taken"), "{e}");
    invalid(
        &svc,
        "pm_register_project",
        json!({"project_id": "NEW", "name": "Rel", "path": "relative/dir"}),
        "path",
    )
    .await;
    invalid(
        &svc,
        "pm_register_project",
        json!({"project_id": "1X", "name": "Bad", "path": other.to_str().unwrap()}),
        "project_id",
    )
    .await;
    invalid(
        &svc,
        "pm_register_project",
        json!({"project_id": "NEW", "name": "", "path": other.to_str().unwrap()}),
        "name",
    )
    .await;
    // Two projects, no hint which: create refuses, naming them.
    let m = invalid(
        &svc,
        "pm_create_issue",
        json!({"type": "bug", "title": "where?"}),
        "project_id",
    )
    .await;
    assert!(m.contains("MA, OTH"), "{m}");
    let e = fail(
        &svc,
        "pm_create_issue",
        json!({"type": "bug", "title": "where?", "project_id": "ZZZ"}),
    )
    .await;
    assert_eq!(e.code(), "not_found");
    assert!(e.to_string().contains("MA, OTH"), "{e}");
    assert_unchanged(&svc, &dir, &before, "project operations").await;

    // Nothing is current without a hint.
    let l = ok(&svc, "pm_list_projects", json!({})).await;
    let current = |l: &Value| -> Vec<String> {
        l["projects"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["current"] == true)
            .map(|p| p["key"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(keys(&l["projects"]), vec!["MA", "OTH"]);
    assert!(current(&l).is_empty(), "{l}");
    // The context's project, or the one containing the working directory.
    let named = svc.with_context(Context {
        actor: ACTOR.into(),
        project: Some("oth".into()),
        cwd: None,
        ..Context::default()
    });
    assert_eq!(
        current(&ok(&named, "pm_list_projects", json!({})).await),
        vec!["OTH"]
    );
    let inside = svc.with_context(Context {
        actor: ACTOR.into(),
        project: None,
        cwd: Some(main.join("src/deep")),
        ..Context::default()
    });
    assert_eq!(
        current(&ok(&inside, "pm_list_projects", json!({})).await),
        vec!["MA"]
    );
    assert_eq!(create(&inside, "in main", json!({})).await, "MA-1");
    assert_eq!(create(&named, "in other", json!({})).await, "OTH-1");
    assert_eq!(
        create(&svc, "explicit", json!({"project_id": "oth"})).await,
        "OTH-2"
    );
    // Issues of one project do not show in another.
    let l = ok(&svc, "pm_list_issues", json!({"project_id": "OTH"})).await;
    assert_eq!(keys(&l["issues"]), vec!["OTH-1", "OTH-2"]);
    let l = ok(&svc, "pm_list_issues", json!({"project_id": "MA"})).await;
    assert_eq!(keys(&l["issues"]), vec!["MA-1"]);
    invalid(
        &svc,
        "pm_create_issue",
        json!({"type": "bug", "title": "cross", "project_id": "OTH", "parent": "MA-1"}),
        "parent",
    )
    .await;
}

#[tokio::test]
async fn a_project_slug_names_the_project() {
    let (dir, svc) = setup().await;
    let path = project_dir(&dir, "other");
    ok(
        &svc,
        "pm_register_project",
        json!({"project_id": "OTH", "name": "Other Thing", "path": path.to_str().unwrap()}),
    )
    .await;
    let s = ok(&svc, "pm_status", json!({"project_id": "other-thing"})).await;
    assert_eq!(s["project"], "OTH");
}

#[tokio::test]
async fn register_project_duplicate_key_names_the_project_id_field() {
    let (dir, svc) = setup_project().await;
    invalid(
        &svc,
        "pm_register_project",
        json!({"project_id": "PM", "name": "Clash", "path": project_dir(&dir, "clash").to_str().unwrap()}),
        "project_id",
    )
    .await;
}

#[tokio::test]
async fn require_review_project_stops_completion_in_review() {
    let (dir, svc) = setup().await;
    let p = init_project(&svc, &dir, "strict", "REV", json!({"require_review": true})).await;
    assert_eq!(p["project"]["metadata"]["require_review"], true);
    let key = create(&svc, "Needs a reviewer", json!({})).await;
    assert_eq!(key, "REV-1");
    start(&svc, &key).await;

    let c = ok(
        &svc,
        "pm_complete_issue",
        json!({"issue_key": key, "actual_time": "1h"}),
    )
    .await;
    assert_eq!(c["completed"], false);
    assert_eq!(c["awaiting_review"], true);
    assert_eq!(c["issue"]["status"], "review");
    assert_eq!(strings(&c["transitions"]), vec!["in_progress → review"]);
    assert!(c["issue"]["completed_at"].is_null());
    assert!(c["issue"]["analytics"]["actual_minutes"].is_null());

    let before = snapshot(&svc, &dir).await;
    let m = invalid(
        &svc,
        "pm_update_status",
        json!({"issue_key": key, "status": "done"}),
        "status",
    )
    .await;
    assert!(m.contains("approved review"), "{m}");
    assert_unchanged(&svc, &dir, &before, "pm_update_status done without review").await;
    assert_eq!(get(&svc, &key).await["issue"]["status"], "review");
    let s = ok(&svc, "pm_daily_standup", json!({"format": "structured"})).await;
    assert_eq!(s["completed"], json!([]));
}

#[tokio::test]
async fn next_steps_only_name_registered_tools() {
    let (dir, svc) = setup().await;
    let p = init_project(&svc, &dir, "strict", "REV", json!({"require_review": true})).await;
    let key = create(&svc, "Needs a reviewer", json!({})).await;
    start(&svc, &key).await;
    let c = ok(&svc, "pm_complete_issue", json!({ "issue_key": key })).await;
    let registered: BTreeSet<&str> = OPERATIONS.iter().map(|o| o.name).collect();
    let unknown: Vec<String> = [&p, &c]
        .iter()
        .flat_map(|out| strings(&out["next_steps"]))
        .filter(|step| !registered.contains(step.split([':', ' ']).next().unwrap()))
        .collect();
    assert!(
        unknown.is_empty(),
        "next steps name unknown tools: {unknown:?}"
    );
}

#[tokio::test]
async fn review_by_someone_else_lets_a_strict_project_finish() {
    let (dir, svc) = setup().await;
    init_project(&svc, &dir, "strict", "REV", json!({"require_review": true})).await;
    let key = create(&svc, "Needs a reviewer", json!({})).await;
    start(&svc, &key).await;

    // Review requests only make sense for live work.
    let other = create(&svc, "Not started", json!({})).await;
    invalid(
        &svc,
        "pm_request_review",
        json!({"issue_key": other}),
        "issue_key",
    )
    .await;

    let r = ok(
        &svc,
        "pm_request_review",
        json!({"issue_key": key, "reviewers": ["bob"], "summary": "new parser"}),
    )
    .await;
    assert_eq!(r["issue"]["status"], "review");
    assert_eq!(
        r["issue"]["communication"]["review_requests"][0]["reviewers"],
        json!(["bob"])
    );

    // The owner cannot approve their own work in a strict project, and nothing changes.
    let before = snapshot(&svc, &dir).await;
    let m = invalid(
        &svc,
        "pm_review_issue",
        json!({"issue_key": key, "decision": "approve"}),
        "decision",
    )
    .await;
    assert!(m.contains("someone else"), "{m}");
    assert_unchanged(&svc, &dir, &before, "self-approval").await;
    let m = invalid(
        &svc,
        "pm_review_issue",
        json!({"issue_key": key, "decision": "maybe"}),
        "decision",
    )
    .await;
    assert!(
        m.contains("approve") && m.contains("request_changes"),
        "{m}"
    );

    // Changes requested: back to in_progress with the review recorded.
    let bob = as_actor(&svc, "bob");
    let back = ok(
        &bob,
        "pm_review_issue",
        json!({"issue_key": key, "decision": "request_changes", "comments": "add tests"}),
    )
    .await;
    assert_eq!(back["issue"]["status"], "in_progress");
    assert_eq!(
        back["issue"]["communication"]["reviews"][0]["decision"],
        "changes_requested"
    );
    let m = invalid(
        &bob,
        "pm_review_issue",
        json!({"issue_key": key, "decision": "approve"}),
        "issue_key",
    )
    .await;
    assert!(m.contains("not in review"), "{m}");

    // Completing again waits in review; approval by bob then lets it finish.
    let c = ok(&svc, "pm_complete_issue", json!({"issue_key": key})).await;
    assert_eq!(c["awaiting_review"], true);
    let again = fail(&svc, "pm_complete_issue", json!({"issue_key": key})).await;
    assert_eq!(again.field(), Some("issue_key"));
    let a = ok(
        &bob,
        "pm_review_issue",
        json!({"issue_key": key, "decision": "approved"}),
    )
    .await;
    assert!(strings(&a["next_steps"])[0].starts_with("pm_complete_issue"));
    let done = ok(
        &svc,
        "pm_complete_issue",
        json!({"issue_key": key, "lessons_learned": "ask early"}),
    )
    .await;
    assert_eq!(done["completed"], true);
    assert_eq!(done["issue"]["status"], "done");
    assert_eq!(strings(&done["transitions"]), vec!["review → done"]);

    let history = ok(&svc, "pm_issue_history", json!({"issue_key": key})).await;
    let kinds: Vec<String> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| *k == "issue_reviewed").count(),
        2,
        "{kinds:?}"
    );
    assert!(kinds.contains(&"review_requested".to_string()));
}
