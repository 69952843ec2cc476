//! The planning, execution, analytics and guide operations, driven through
//! `Service::call` with JSON arguments against a real SQLite file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use lazypm_service::{Context, EventSink, OPERATIONS, Service, ServiceError};
use lazypm_testkit::TestDir;
use serde_json::{Value, json};
use tempfile::TempDir;

const ACTOR: &str = "alice";

// ---------------------------------------------------------------- helpers

/// A service over a fresh store with project PM registered at `<tmp>/pm`.
async fn setup() -> (TestDir, Service) {
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
    let path = dir.path().join("pm");
    std::fs::create_dir_all(&path).unwrap();
    let path = std::fs::canonicalize(path).unwrap();
    ok(
        &svc,
        "pm_init_project",
        json!({"path": path.to_str().unwrap(), "key": "PM"}),
    )
    .await;
    (dir, svc)
}

fn as_actor(svc: &Service, actor: &str) -> Service {
    svc.with_context(Context {
        actor: actor.into(),
        ..svc.context().clone()
    })
}

async fn ok(svc: &Service, tool: &str, args: Value) -> Value {
    match svc.call(tool, args.clone()).await {
        Ok(v) => {
            assert_steps_name_tools(tool, &v);
            v
        }
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

/// Every `next_steps` entry starts with a registered tool name and a colon.
fn assert_steps_name_tools(tool: &str, out: &Value) {
    let registered: BTreeSet<&str> = OPERATIONS.iter().map(|o| o.name).collect();
    if let Some(steps) = out.get("next_steps").and_then(Value::as_array) {
        for s in steps {
            let s = s.as_str().unwrap();
            let (name, _) = s
                .split_once(':')
                .unwrap_or_else(|| panic!("{tool}: step without a tool: {s}"));
            assert!(registered.contains(name), "{tool}: unknown tool in {s}");
        }
    }
}

async fn create(svc: &Service, title: &str, extra: Value) -> String {
    let mut args = json!({"type": "feature", "title": title});
    if let Value::Object(m) = extra {
        for (k, v) in m {
            args[k.as_str()] = v;
        }
    }
    let out = ok(svc, "pm_create_issue", args).await;
    out["issue"]["key"].as_str().unwrap().to_string()
}

async fn get(svc: &Service, key: &str) -> Value {
    ok(svc, "pm_get_issue", json!({ "issue_key": key })).await
}

async fn history(svc: &Service, key: &str) -> Vec<Value> {
    let h = ok(svc, "pm_issue_history", json!({ "issue_key": key })).await;
    h["events"].as_array().unwrap().clone()
}

async fn history_types(svc: &Service, key: &str) -> Vec<String> {
    history(svc, key)
        .await
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect()
}

/// The last event of `kind` in an issue's history.
async fn last_event(svc: &Service, key: &str, kind: &str) -> Value {
    history(svc, key)
        .await
        .into_iter()
        .rev()
        .find(|e| e["type"] == kind)
        .unwrap_or_else(|| panic!("{key} has no {kind} event"))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn keys(rows: &Value) -> Vec<String> {
    rows.as_array()
        .unwrap_or_else(|| panic!("not an array: {rows}"))
        .iter()
        .map(|r| r["key"].as_str().unwrap().to_string())
        .collect()
}

/// Every issue in full (live and archived), every event, and events.jsonl.
async fn snapshot(svc: &Service, dir: &TempDir) -> Value {
    let mut tx = svc.store().begin_read().await.unwrap();
    let mut issues = Vec::new();
    let mut events = 0;
    for p in tx.list_projects().await.unwrap() {
        for tool in ["pm_list_issues", "pm_list_archived_issues"] {
            let page = ok(
                svc,
                tool,
                json!({"project_id": p.key, "limit": 200, "fields": ["key"]}),
            )
            .await;
            for key in keys(&page["issues"]) {
                let d = tx.issue_detail(&key).await.unwrap().unwrap();
                issues.push(json!({
                    "issue": d.issue, "tasks": d.tasks, "work_logs": d.work_logs,
                    "comments": d.comments, "links": d.links, "sprints": d.sprints,
                }));
            }
        }
        events += tx
            .recent_events(&p.key, None, 1_000_000)
            .await
            .unwrap()
            .len();
    }
    let jsonl = std::fs::read_to_string(dir.path().join("events.jsonl"))
        .map(|t| t.lines().count())
        .unwrap_or(0);
    json!({ "issues": issues, "events": events, "jsonl": jsonl })
}

async fn assert_unchanged(svc: &Service, dir: &TempDir, before: &Value, what: &str) {
    let now = snapshot(svc, dir).await;
    assert!(
        now == *before,
        "the store changed after a failed {what}:\nbefore: {before}\nafter:  {now}"
    );
}

// ---------------------------------------------------------------- registry

const NEW_OPERATIONS: &[&str] = &[
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
];

#[test]
fn new_operations_are_registered_with_short_descriptions_and_hints() {
    for name in NEW_OPERATIONS {
        let op = OPERATIONS
            .iter()
            .find(|o| o.name == *name)
            .unwrap_or_else(|| panic!("{name} is not registered"));
        assert!(
            !op.description.is_empty() && op.description.len() <= 200,
            "{name}: description of {} chars",
            op.description.len()
        );
        let toolset = op.toolset.as_str();
        let expected = match *name {
            "pm_docs" | "pm_workflow" | "pm_reminder" => "core",
            "pm_pause_work" | "pm_resume_work" | "pm_workflow_status" => "execution",
            "pm_project_dashboard" => "analytics",
            _ => "planning",
        };
        assert_eq!(toolset, expected, "{name}");
        let reads = matches!(
            *name,
            "pm_docs"
                | "pm_workflow"
                | "pm_reminder"
                | "pm_related_issues"
                | "pm_workflow_status"
                | "pm_project_dashboard"
        );
        assert_eq!(op.read_only, reads, "{name}");
        assert!(!op.destructive, "{name}");
        // Field descriptions are short: they are shown to agents.
        let schema = serde_json::to_value((op.input_schema)()).unwrap();
        let text = schema.to_string();
        for d in text.split("\"description\":\"").skip(1) {
            let d = d.split('"').next().unwrap();
            assert!(d.len() <= 100, "{name}: long field description: {d}");
        }
    }
    for op in OPERATIONS {
        assert!(op.description.len() <= 200, "{}", op.name);
    }
}

// ------------------------------------------------------------ refine

#[tokio::test]
async fn refine_adds_requirements_technical_acceptance_and_risks() {
    let (dir, svc) = setup().await;
    let key = create(&svc, "Parse the config", json!({"description": "Intro."})).await;

    let r = ok(
        &svc,
        "pm_refine_issue",
        json!({"issue_key": key, "aspect": "requirements", "content": "Reads TOML.", "version": 1}),
    )
    .await;
    assert_eq!(r["changed"], true);
    assert_eq!(r["issue"]["version"], 2);
    assert_eq!(strings(&r["issue"]["changed"]), vec!["description updated"]);
    assert_eq!(
        get(&svc, &key).await["issue"]["specification"]["description"],
        "Intro.\n\n## Requirements\n\nReads TOML."
    );
    // A second requirement goes into the same section; a repeat changes nothing.
    ok(
        &svc,
        "pm_refine_issue",
        json!({"issue_key": key, "aspect": "requirements", "content": "Names the bad line."}),
    )
    .await;
    let again = ok(
        &svc,
        "pm_refine_issue",
        json!({"issue_key": key, "aspect": "requirements", "content": "Reads TOML."}),
    )
    .await;
    assert_eq!(again["changed"], false);
    assert_eq!(again["issue"]["version"], 3);
    let d = get(&svc, &key).await;
    assert_eq!(
        d["issue"]["specification"]["description"],
        "Intro.\n\n## Requirements\n\nReads TOML.\n\nNames the bad line."
    );

    ok(
        &svc,
        "pm_refine_issue",
        json!({"issue_key": key, "aspect": "technical", "content": "Use the toml crate."}),
    )
    .await;
    let t = ok(
        &svc,
        "pm_refine_issue",
        json!({"issue_key": key, "aspect": "technical", "content": "Keep spans."}),
    )
    .await;
    assert_eq!(
        strings(&t["issue"]["changed"]),
        vec!["technical_approach updated"]
    );
    assert_eq!(
        get(&svc, &key).await["issue"]["specification"]["technical_approach"],
        "Use the toml crate.\n\nKeep spans."
    );

    let a = ok(
        &svc,
        "pm_refine_issue",
        json!({"issue_key": key, "aspect": "acceptance",
               "content": "- reads TOML\n* names the line\n\n1. reads TOML\n- [ ] exits 1 on error"}),
    )
    .await;
    assert_eq!(
        strings(&a["added"]),
        vec!["reads TOML", "names the line", "exits 1 on error"]
    );
    let risks = ok(
        &svc,
        "pm_refine_issue",
        json!({"issue_key": key, "aspect": "risks", "content": "- huge files\n- odd encodings"}),
    )
    .await;
    assert_eq!(
        strings(&risks["added"]),
        vec!["huge files", "odd encodings"]
    );

    let d = get(&svc, &key).await;
    assert_eq!(
        strings(&d["issue"]["specification"]["acceptance_criteria"]),
        vec!["reads TOML", "names the line", "exits 1 on error"]
    );
    assert_eq!(
        strings(&d["issue"]["planning"]["risks"]),
        vec!["huge files", "odd encodings"]
    );
    let refined: Vec<Value> = history(&svc, &key)
        .await
        .into_iter()
        .filter(|e| e["type"] == "issue_refined")
        .collect();
    // Seven calls, but the repeated requirement wrote nothing.
    assert_eq!(refined.len(), 6);
    assert_eq!(refined[5]["changes"]["aspect"], "risks");
    assert_eq!(refined[5]["actor"], ACTOR);

    // Refused calls change nothing.
    let before = snapshot(&svc, &dir).await;
    let m = invalid(
        &svc,
        "pm_refine_issue",
        json!({"issue_key": key, "aspect": "scope", "content": "x"}),
        "aspect",
    )
    .await;
    assert!(
        m.contains("requirements") && m.contains("dependencies"),
        "{m}"
    );
    invalid(
        &svc,
        "pm_refine_issue",
        json!({"issue_key": key, "aspect": "risks", "content": "   "}),
        "content",
    )
    .await;
    invalid(
        &svc,
        "pm_refine_issue",
        json!({"issue_key": key, "aspect": "acceptance", "content": "-\n*\n"}),
        "content",
    )
    .await;
    invalid(
        &svc,
        "pm_refine_issue",
        json!({"issue_key": key, "aspect": "risks"}),
        "content",
    )
    .await;
    let e = fail(
        &svc,
        "pm_refine_issue",
        json!({"issue_key": key, "aspect": "risks", "content": "new risk", "version": 1}),
    )
    .await;
    assert_eq!(e.code(), "conflict", "{e}");
    let e = fail(
        &svc,
        "pm_refine_issue",
        json!({"issue_key": "PM-99", "aspect": "risks", "content": "x"}),
    )
    .await;
    assert_eq!(e.code(), "not_found", "{e}");
    assert!(e.to_string().contains("pm_search_issues"), "{e}");
    assert_unchanged(&svc, &dir, &before, "pm_refine_issue").await;
}

#[tokio::test]
async fn refine_dependencies_links_blockers_and_refuses_cycles() {
    let (dir, svc) = setup().await;
    let a = create(&svc, "Schema", json!({})).await;
    let b = create(&svc, "Migrations", json!({})).await;
    let c = create(&svc, "Admin page", json!({})).await;

    let r = ok(
        &svc,
        "pm_refine_issue",
        json!({"issue_key": c, "aspect": "dependencies",
               "content": format!("- {}\n- {}, {}", a.to_lowercase(), b, a)}),
    )
    .await;
    assert_eq!(strings(&r["added"]), vec![a.clone(), b.clone()]);
    let d = get(&svc, &c).await;
    assert_eq!(keys(&d["depends_on"]), vec![a.clone(), b.clone()]);
    assert_eq!(d["ready"], false);
    assert_eq!(keys(&get(&svc, &a).await["blocks"]), vec![c.clone()]);
    let linked = last_event(&svc, &a, "issue_linked").await;
    assert_eq!(linked["changes"]["target"], c.as_str());
    let refined = last_event(&svc, &c, "issue_refined").await;
    assert_eq!(refined["changes"]["aspect"], "dependencies");
    assert_eq!(
        strings(&refined["changes"]["added"]),
        vec![a.clone(), b.clone()]
    );
    // Naming the same blockers again adds nothing.
    let again = ok(
        &svc,
        "pm_refine_issue",
        json!({"issue_key": c, "aspect": "dependencies", "content": a}),
    )
    .await;
    assert_eq!(again["changed"], false);

    let before = snapshot(&svc, &dir).await;
    // C depends on A, so A depending on C would close a cycle.
    let m = invalid(
        &svc,
        "pm_refine_issue",
        json!({"issue_key": a, "aspect": "dependencies", "content": format!("{b} {c}")}),
        "content",
    )
    .await;
    assert!(m.contains("cycle") && m.contains(&c), "{m}");
    invalid(
        &svc,
        "pm_refine_issue",
        json!({"issue_key": a, "aspect": "dependencies", "content": a}),
        "content",
    )
    .await;
    invalid(
        &svc,
        "pm_refine_issue",
        json!({"issue_key": a, "aspect": "dependencies", "content": "not a key!"}),
        "content",
    )
    .await;
    let e = fail(
        &svc,
        "pm_refine_issue",
        json!({"issue_key": a, "aspect": "dependencies", "content": format!("{b} PM-77")}),
    )
    .await;
    assert_eq!(e.code(), "not_found", "{e}");
    assert_unchanged(&svc, &dir, &before, "pm_refine_issue dependencies").await;
    // B was named in the refused calls but was not linked.
    assert!(keys(&get(&svc, &a).await["depends_on"]).is_empty());
}

// ------------------------------------------------------------ estimate

#[tokio::test]
async fn estimate_sets_hours_and_keeps_history() {
    let (dir, svc) = setup().await;
    let key = create(&svc, "Importer", json!({})).await;

    let e1 = ok(
        &svc,
        "pm_estimate",
        json!({"issue_key": key, "effort": "2-3d", "complexity": "high", "confidence": "high",
               "story_points": 5, "reasoning": "like the exporter", "risks": ["unknown format"]}),
    )
    .await;
    assert_eq!(e1["previous"], Value::Null);
    assert_eq!(e1["confidence"], "high");
    let after_first = get(&svc, &key).await;
    let est = &after_first["issue"]["estimate"];
    assert_eq!(
        after_first["issue"]["planning"]["estimate_confidence"],
        "high"
    );
    assert_eq!(est["effort"], "2-3d");
    assert_eq!(est["hours"], 20.0);
    assert_eq!(est["story_points"], 5);
    assert_eq!(est["complexity"], "high");

    let e2 = ok(
        &svc,
        "pm_estimate",
        json!({"issue_key": key, "effort": "4h", "confidence": "low", "version": 2}),
    )
    .await;
    let prev = &e2["previous"];
    assert_eq!(prev["effort"], "2-3d");
    assert_eq!(prev["hours"], 20.0);
    assert_eq!(prev["confidence"], "high");
    assert_eq!(prev["reasoning"], "like the exporter");
    assert_eq!(prev["estimated_by"], ACTOR);
    assert_eq!(prev["replaced_by"], ACTOR);
    assert!(prev["replaced_at"].is_string(), "{prev}");
    assert!(
        strings(&e2["next_steps"])
            .iter()
            .any(|s| s.starts_with("pm_split_issue:")),
        "low confidence suggests splitting"
    );

    let d = get(&svc, &key).await;
    let issue = &d["issue"];
    assert_eq!(issue["estimate"]["effort"], "4h");
    assert_eq!(issue["estimate"]["hours"], 4.0);
    // Not given the second time: kept.
    assert_eq!(issue["estimate"]["story_points"], 5);
    assert_eq!(issue["estimate"]["complexity"], "high");
    assert_eq!(issue["planning"]["estimate_reasoning"], Value::Null);
    assert_eq!(strings(&issue["planning"]["risks"]), vec!["unknown format"]);
    let hist = issue["planning"]["estimate_history"].as_array().unwrap();
    assert_eq!(hist.len(), 1);
    assert_eq!(hist[0]["effort"], "2-3d");
    let ev = last_event(&svc, &key, "issue_estimated").await;
    assert_eq!(ev["changes"]["confidence"], "low");
    assert_eq!(ev["changes"]["from"]["effort"], "2-3d");
    assert_eq!(ev["changes"]["to"]["hours"], 4.0);

    // An estimate made at creation is pushed too, without a confidence.
    let made = create(&svc, "Exporter", json!({"estimated_effort": "1d"})).await;
    let e3 = ok(
        &svc,
        "pm_estimate",
        json!({"issue_key": made, "effort": "1 to 2 weeks"}),
    )
    .await;
    assert_eq!(e3["previous"]["effort"], "1d");
    assert_eq!(e3["previous"]["hours"], 8.0);
    assert!(
        e3["previous"].get("confidence").is_none(),
        "{}",
        e3["previous"]
    );
    assert_eq!(get(&svc, &made).await["issue"]["estimate"]["hours"], 60.0);

    let before = snapshot(&svc, &dir).await;
    let m = invalid(
        &svc,
        "pm_estimate",
        json!({"issue_key": key, "effort": "soon"}),
        "effort",
    )
    .await;
    assert!(m.contains("2-3d"), "{m}");
    invalid(
        &svc,
        "pm_estimate",
        json!({"issue_key": key, "effort": "3-2d"}),
        "effort",
    )
    .await;
    let m = invalid(
        &svc,
        "pm_estimate",
        json!({"issue_key": key, "effort": "2h", "confidence": "sure"}),
        "confidence",
    )
    .await;
    assert!(m.contains("medium"), "{m}");
    invalid(
        &svc,
        "pm_estimate",
        json!({"issue_key": key, "effort": "2h", "story_points": 5000}),
        "story_points",
    )
    .await;
    invalid(
        &svc,
        "pm_estimate",
        json!({"issue_key": key, "effort": "2h", "complexity": "huge"}),
        "complexity",
    )
    .await;
    invalid(&svc, "pm_estimate", json!({"issue_key": key}), "effort").await;
    let e = fail(
        &svc,
        "pm_estimate",
        json!({"issue_key": key, "effort": "2h", "version": 1}),
    )
    .await;
    assert_eq!(e.code(), "conflict", "{e}");
    assert_unchanged(&svc, &dir, &before, "pm_estimate").await;
}

// ------------------------------------------------ criteria, owner, priority

#[tokio::test]
async fn acceptance_criteria_are_appended_without_duplicates() {
    let (dir, svc) = setup().await;
    let key = create(&svc, "Login", json!({"acceptance_criteria": ["a"]})).await;
    let out = ok(
        &svc,
        "pm_add_acceptance_criteria",
        json!({"issue_key": key, "criteria": ["a", " b ", "b", "c"]}),
    )
    .await;
    assert_eq!(strings(&out["added"]), vec!["b", "c"]);
    assert_eq!(
        strings(&get(&svc, &key).await["issue"]["specification"]["acceptance_criteria"]),
        vec!["a", "b", "c"]
    );
    let ev = last_event(&svc, &key, "acceptance_criteria_added").await;
    assert_eq!(strings(&ev["changes"]["added"]), vec!["b", "c"]);

    let before = snapshot(&svc, &dir).await;
    // All known already: nothing is written.
    let same = ok(
        &svc,
        "pm_add_acceptance_criteria",
        json!({"issue_key": key, "criteria": ["c"]}),
    )
    .await;
    assert_eq!(same["added"], json!([]));
    invalid(
        &svc,
        "pm_add_acceptance_criteria",
        json!({"issue_key": key, "criteria": []}),
        "criteria",
    )
    .await;
    invalid(
        &svc,
        "pm_add_acceptance_criteria",
        json!({"issue_key": key, "criteria": ["  "]}),
        "criteria",
    )
    .await;
    invalid(
        &svc,
        "pm_add_acceptance_criteria",
        json!({"issue_key": key}),
        "criteria",
    )
    .await;
    invalid(
        &svc,
        "pm_add_acceptance_criteria",
        json!({"issue_key": key, "criteria": ["x".repeat(2001)]}),
        "criteria[0]",
    )
    .await;
    assert_unchanged(&svc, &dir, &before, "pm_add_acceptance_criteria").await;
}

#[tokio::test]
async fn assign_sets_and_clears_the_owner() {
    let (dir, svc) = setup().await;
    let key = create(&svc, "Docs", json!({})).await;
    let out = ok(
        &svc,
        "pm_assign_issue",
        json!({"issue_key": key, "owner": " bob "}),
    )
    .await;
    assert_eq!(out["issue"]["owner"], "bob");
    assert_eq!(out["issue"]["status"], "proposed");
    let ev = last_event(&svc, &key, "owner_changed").await;
    assert_eq!(ev["changes"], json!({"from": null, "to": "bob"}));
    let mine = ok(&svc, "pm_my_queue", json!({"owner": "bob"})).await;
    assert_eq!(keys(&mine["items"]), vec![key.clone()]);

    // The same owner again writes nothing.
    let n = history(&svc, &key).await.len();
    ok(
        &svc,
        "pm_assign_issue",
        json!({"issue_key": key, "owner": "bob"}),
    )
    .await;
    assert_eq!(history(&svc, &key).await.len(), n);

    let out = ok(
        &svc,
        "pm_assign_issue",
        json!({"issue_key": key, "owner": null}),
    )
    .await;
    assert_eq!(out["issue"]["owner"], Value::Null);
    let ev = last_event(&svc, &key, "owner_changed").await;
    assert_eq!(ev["changes"], json!({"from": "bob", "to": null}));
    assert_eq!(get(&svc, &key).await["issue"]["owner"], Value::Null);

    let before = snapshot(&svc, &dir).await;
    invalid(&svc, "pm_assign_issue", json!({"issue_key": key}), "owner").await;
    invalid(
        &svc,
        "pm_assign_issue",
        json!({"issue_key": key, "owner": "  "}),
        "owner",
    )
    .await;
    invalid(
        &svc,
        "pm_assign_issue",
        json!({"issue_key": key, "owner": 7}),
        "owner",
    )
    .await;
    invalid(
        &svc,
        "pm_assign_issue",
        json!({"issue_key": "nope", "owner": "bob"}),
        "issue_key",
    )
    .await;
    assert_unchanged(&svc, &dir, &before, "pm_assign_issue").await;
}

#[tokio::test]
async fn prioritize_records_from_to_and_reason() {
    let (dir, svc) = setup().await;
    let key = create(&svc, "Outage fix", json!({})).await;
    let out = ok(
        &svc,
        "pm_prioritize_issue",
        json!({"issue_key": key, "priority": "p1", "reason": "customers are down"}),
    )
    .await;
    assert_eq!(strings(&out["issue"]["changed"]), vec!["priority: P3 → P1"]);
    assert_eq!(get(&svc, &key).await["issue"]["priority"], "P1");
    let ev = last_event(&svc, &key, "priority_changed").await;
    assert_eq!(
        ev["changes"],
        json!({"from": "P3", "to": "P1", "reason": "customers are down"})
    );

    let before = snapshot(&svc, &dir).await;
    // Same priority: nothing to record.
    ok(
        &svc,
        "pm_prioritize_issue",
        json!({"issue_key": key, "priority": "P1"}),
    )
    .await;
    let m = invalid(
        &svc,
        "pm_prioritize_issue",
        json!({"issue_key": key, "priority": "P9"}),
        "priority",
    )
    .await;
    assert!(m.contains("P1, P2, P3, P4, P5"), "{m}");
    invalid(
        &svc,
        "pm_prioritize_issue",
        json!({"issue_key": key}),
        "priority",
    )
    .await;
    invalid(
        &svc,
        "pm_prioritize_issue",
        json!({"issue_key": key, "priority": "P2", "urgency": "high"}),
        "urgency",
    )
    .await;
    assert_unchanged(&svc, &dir, &before, "pm_prioritize_issue").await;
}

// ------------------------------------------------------------ split

#[tokio::test]
async fn split_creates_children_in_one_step() {
    let (dir, svc) = setup().await;
    let epic = create(
        &svc,
        "Config reload",
        json!({"type": "epic", "priority": "P2", "module": "core"}),
    )
    .await;
    let out = ok(
        &svc,
        "pm_split_issue",
        json!({"issue_key": epic, "children": [
            {"title": "Watch the file"},
            {"title": "Reload atomically", "type": "bug", "priority": "P1",
             "estimated_effort": "1-2d", "acceptance_criteria": ["no torn reads"],
             "description": "Swap the whole config."},
        ]}),
    )
    .await;
    assert_eq!(out["link_type"], "parent");
    let kids = keys(&out["children"]);
    assert_eq!(kids, vec!["PM-2", "PM-3"]);

    let a = get(&svc, "PM-2").await["issue"].clone();
    assert_eq!(a["parent"], epic.as_str());
    assert_eq!(
        a["type"], "feature",
        "an epic's children default to feature"
    );
    assert_eq!(
        a["priority"], "P2",
        "children default to the issue's priority"
    );
    assert_eq!(a["module"], "core");
    let b = get(&svc, "PM-3").await["issue"].clone();
    assert_eq!(b["type"], "bug");
    assert_eq!(b["priority"], "P1");
    assert_eq!(b["estimate"]["hours"], 12.0);
    assert_eq!(b["specification"]["description"], "Swap the whole config.");
    assert_eq!(
        strings(&b["specification"]["acceptance_criteria"]),
        vec!["no torn reads"]
    );
    let listed = ok(
        &svc,
        "pm_list_issues",
        json!({"parent": epic, "sort": "key"}),
    )
    .await;
    assert_eq!(keys(&listed["issues"]), kids);
    let ev = last_event(&svc, &epic, "issue_split").await;
    assert_eq!(strings(&ev["changes"]["children"]), kids);
    assert_eq!(history_types(&svc, "PM-3").await, vec!["issue_created"]);

    // blocks: the children also block the issue.
    let story = create(&svc, "Big story", json!({"type": "feature"})).await;
    let out = ok(
        &svc,
        "pm_split_issue",
        json!({"issue_key": story, "link_type": "blocks",
               "children": [{"title": "Part one"}, {"title": "Part two"}]}),
    )
    .await;
    let parts = keys(&out["children"]);
    let d = get(&svc, &story).await;
    assert_eq!(keys(&d["depends_on"]), parts);
    assert_eq!(d["ready"], false);
    assert_eq!(
        get(&svc, &parts[0]).await["issue"]["parent"],
        story.as_str()
    );
    assert_eq!(get(&svc, &parts[0]).await["issue"]["type"], "feature");

    // relates: no parent, a relates link.
    let out = ok(
        &svc,
        "pm_split_issue",
        json!({"issue_key": story, "link_type": "relates", "children": [{"title": "Side"}]}),
    )
    .await;
    let side = keys(&out["children"]).remove(0);
    let s = get(&svc, &side).await;
    assert_eq!(s["issue"]["parent"], Value::Null);
    assert_eq!(keys(&s["related"]), vec![story.clone()]);

    // Refusals change nothing, and no key number is used up.
    let before = snapshot(&svc, &dir).await;
    invalid(
        &svc,
        "pm_split_issue",
        json!({"issue_key": epic, "children": []}),
        "children",
    )
    .await;
    let many: Vec<Value> = (0..21).map(|i| json!({"title": format!("t{i}")})).collect();
    let m = invalid(
        &svc,
        "pm_split_issue",
        json!({"issue_key": epic, "children": many}),
        "children",
    )
    .await;
    assert!(m.contains("1 to 20"), "{m}");
    invalid(
        &svc,
        "pm_split_issue",
        json!({"issue_key": epic, "children": [{"title": "ok"}, {"title": "  "}]}),
        "children[1].title",
    )
    .await;
    invalid(
        &svc,
        "pm_split_issue",
        json!({"issue_key": epic, "children": [{"title": "ok", "estimated_effort": "soon"}]}),
        "children[0].estimated_effort",
    )
    .await;
    let m = invalid(
        &svc,
        "pm_split_issue",
        json!({"issue_key": epic, "children": [{"title": "ok"}], "link_type": "child"}),
        "link_type",
    )
    .await;
    assert!(m.contains("parent") && m.contains("relates"), "{m}");
    assert_unchanged(&svc, &dir, &before, "pm_split_issue").await;
    ok(&svc, "pm_start_work", json!({"issue_key": side})).await;
    ok(&svc, "pm_complete_issue", json!({"issue_key": side})).await;
    let before_done = snapshot(&svc, &dir).await;
    invalid(
        &svc,
        "pm_split_issue",
        json!({"issue_key": side, "children": [{"title": "more"}]}),
        "issue_key",
    )
    .await;
    assert_unchanged(&svc, &dir, &before_done, "pm_split_issue of a done issue").await;
    let next = create(&svc, "After the refusals", json!({})).await;
    assert_eq!(next, "PM-8");
}

// ------------------------------------------------------------ related

#[tokio::test]
async fn related_issues_lists_links_family_and_similar_text() {
    let (_dir, svc) = setup().await;
    let epic = create(&svc, "Configuration epic", json!({"type": "epic"})).await;
    let me = create(&svc, "Parse config file", json!({"parent": epic})).await;
    let sibling = create(&svc, "Document settings", json!({"parent": epic})).await;
    let child = create(&svc, "Error spans", json!({"parent": me})).await;
    let blocked = create(&svc, "Hot reload", json!({"dependencies": [me]})).await;
    let blocker = create(&svc, "Choose format", json!({})).await;
    ok(
        &svc,
        "pm_link_issues",
        json!({"issue_key": blocker, "target_key": me, "kind": "blocks"}),
    )
    .await;
    let dup = create(&svc, "Read settings", json!({})).await;
    ok(
        &svc,
        "pm_link_issues",
        json!({"issue_key": dup, "target_key": me, "kind": "duplicates"}),
    )
    .await;
    let similar = create(&svc, "Validate config file schema", json!({})).await;
    let unrelated = create(&svc, "Logging colors", json!({})).await;

    let out = ok(&svc, "pm_related_issues", json!({"issue_key": me})).await;
    assert_eq!(out["issue_key"], me.as_str());
    let rel: Vec<(String, String)> = out["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["key"].as_str().unwrap().to_string(),
                r["relation"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let relation = |k: &str| {
        rel.iter()
            .find(|(key, _)| key == k)
            .map(|(_, r)| r.as_str())
    };
    assert_eq!(relation(&blocked), Some("blocks"));
    assert_eq!(relation(&blocker), Some("blocked_by"));
    assert_eq!(relation(&dup), Some("duplicated_by"));
    assert_eq!(relation(&epic), Some("parent"));
    assert_eq!(relation(&child), Some("child"));
    assert_eq!(relation(&sibling), Some("sibling"));
    assert_eq!(relation(&similar), Some("similar"));
    assert_eq!(relation(&me), None, "never lists itself");
    assert_eq!(relation(&unrelated), None);
    let sim = out["related"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == similar.as_str())
        .unwrap();
    assert!(
        sim["reason"].as_str().unwrap().contains('«'),
        "reason shows the matching text: {sim}"
    );
    let blk = out["related"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == blocker.as_str())
        .unwrap();
    assert_eq!(blk["reason"], format!("{blocker} blocks {me}"));
    // Each issue once.
    let unique: BTreeSet<&String> = rel.iter().map(|(k, _)| k).collect();
    assert_eq!(unique.len(), rel.len());

    // limit bounds only the similar-text part.
    let one = ok(
        &svc,
        "pm_related_issues",
        json!({"issue_key": me, "limit": 1}),
    )
    .await;
    let sims = one["related"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["relation"] == "similar")
        .count();
    assert!(sims <= 1);
    invalid(
        &svc,
        "pm_related_issues",
        json!({"issue_key": me, "limit": 0}),
        "limit",
    )
    .await;
    let e = fail(&svc, "pm_related_issues", json!({"issue_key": "PM-404"})).await;
    assert_eq!(e.code(), "not_found");
}

// ------------------------------------------------------------ pause, resume

#[tokio::test]
async fn pause_and_resume_keep_ownership() {
    let (dir, svc) = setup().await;
    let bob = as_actor(&svc, "bob");
    let key = create(&svc, "Long task", json!({})).await;
    ok(&svc, "pm_start_work", json!({"issue_key": key})).await;

    let p = ok(
        &svc,
        "pm_pause_work",
        json!({"issue_key": key, "reason": "urgent bug first"}),
    )
    .await;
    assert_eq!(p["issue"]["status"], "proposed");
    assert_eq!(p["issue"]["owner"], ACTOR);
    let d = get(&svc, &key).await;
    let last = d["issue"]["communication"]["updates"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["notes"], "paused: urgent bug first");
    assert_eq!(last["from"], "in_progress");
    let ev = last_event(&svc, &key, "work_paused").await;
    assert_eq!(ev["changes"]["reason"], "urgent bug first");
    // Paused work is not offered to others.
    let s = ok(&bob, "pm_suggest_next_work", json!({})).await;
    assert!(!keys(&s["suggestions"]).contains(&key));

    let before = snapshot(&svc, &dir).await;
    invalid(
        &svc,
        "pm_pause_work",
        json!({"issue_key": key}),
        "issue_key",
    )
    .await;
    let e = fail(&bob, "pm_resume_work", json!({"issue_key": key})).await;
    assert_eq!(e.code(), "conflict", "{e}");
    assert!(e.to_string().contains("take_over"), "{e}");
    invalid(
        &svc,
        "pm_resume_work",
        json!({"issue_key": key, "take_over": "yes"}),
        "take_over",
    )
    .await;
    assert_unchanged(&svc, &dir, &before, "pm_pause_work / pm_resume_work").await;

    let r = ok(&svc, "pm_resume_work", json!({"issue_key": key})).await;
    assert_eq!(r["resumed"], true);
    assert_eq!(r["issue"]["status"], "in_progress");
    assert_eq!(r["issue"]["owner"], ACTOR);
    let ev = last_event(&svc, &key, "work_resumed").await;
    assert_eq!(ev["changes"]["from"], "proposed");
    let again = ok(&svc, "pm_resume_work", json!({"issue_key": key})).await;
    assert_eq!(again["resumed"], false);
    assert_eq!(again["issue"]["version"], r["issue"]["version"]);

    // Only the owner pauses.
    let before = snapshot(&svc, &dir).await;
    let e = fail(&bob, "pm_pause_work", json!({"issue_key": key})).await;
    assert_eq!(e.code(), "conflict", "{e}");
    assert_unchanged(&svc, &dir, &before, "pm_pause_work by another").await;
    // Work never started has nothing to resume.
    let fresh = create(&svc, "Fresh", json!({})).await;
    let before_fresh = snapshot(&svc, &dir).await;
    let m = invalid(
        &svc,
        "pm_resume_work",
        json!({"issue_key": fresh}),
        "issue_key",
    )
    .await;
    assert!(m.contains("pm_start_work"), "{m}");
    assert_unchanged(&svc, &dir, &before_fresh, "pm_resume_work of new work").await;

    // Blocked work resumes too, and take_over hands it to someone else.
    ok(
        &svc,
        "pm_update_status",
        json!({"issue_key": key, "status": "blocked", "blocker_reason": "no credentials"}),
    )
    .await;
    let t = ok(
        &bob,
        "pm_resume_work",
        json!({"issue_key": key, "take_over": true, "notes": "got them"}),
    )
    .await;
    assert_eq!(t["issue"]["status"], "in_progress");
    assert_eq!(t["issue"]["owner"], "bob");
    assert_eq!(t["issue"]["blocker_reason"], Value::Null);
    let ev = last_event(&svc, &key, "owner_changed").await;
    assert_eq!(ev["changes"], json!({"from": ACTOR, "to": "bob"}));
    assert_eq!(last_event(&svc, &key, "work_resumed").await["actor"], "bob");
}

// ------------------------------------------------------------ board

#[tokio::test]
async fn workflow_status_shows_the_board_with_wip() {
    let (_dir, svc) = setup().await;
    let bob = as_actor(&svc, "bob");
    let a = create(&svc, "Alpha", json!({"priority": "P1"})).await;
    let b = create(&svc, "Beta", json!({})).await;
    let c = create(&svc, "Gamma", json!({})).await;
    let d = create(&svc, "Delta", json!({})).await;
    let e = create(&svc, "Epsilon", json!({})).await;
    ok(&svc, "pm_start_work", json!({"issue_key": a})).await;
    ok(&svc, "pm_start_work", json!({"issue_key": b})).await;
    ok(&bob, "pm_start_work", json!({"issue_key": c})).await;
    ok(&bob, "pm_start_work", json!({"issue_key": d})).await;
    ok(&bob, "pm_complete_issue", json!({"issue_key": d})).await;
    let _ = e;

    let out = ok(&svc, "pm_workflow_status", json!({})).await;
    let statuses: Vec<&str> = out["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        vec![
            "proposed",
            "in_progress",
            "blocked",
            "review",
            "done",
            "canceled"
        ]
    );
    let col = |out: &Value, s: &str| {
        out["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["status"] == s)
            .unwrap()
            .clone()
    };
    assert_eq!(col(&out, "in_progress")["count"], 3);
    assert_eq!(
        keys(&col(&out, "in_progress")["issues"]),
        vec![a.clone(), b.clone(), c.clone()]
    );
    assert_eq!(col(&out, "done")["count"], 1);
    assert_eq!(col(&out, "proposed")["count"], 1);
    assert_eq!(out["wip"], json!({"alice": 2, "bob": 1}));
    let board = out["board"].as_str().unwrap();
    assert!(board.contains("## in_progress (3)"), "{board}");
    assert!(
        board.contains(&format!("- {a} [P1] Alpha (alice)")),
        "{board}"
    );
    assert!(board.contains("- alice: 2"), "{board}");
    assert!(
        strings(&out["next_steps"])
            .iter()
            .any(|s| s.starts_with("pm_my_queue:") && s.contains("alice")),
        "{}",
        out["next_steps"]
    );

    let mine = ok(&svc, "pm_workflow_status", json!({"owner": "bob"})).await;
    assert_eq!(col(&mine, "in_progress")["count"], 1);
    assert_eq!(col(&mine, "done")["count"], 1);
    assert_eq!(col(&mine, "proposed")["count"], 0);
    assert_eq!(mine["wip"], json!({"bob": 1}));
    assert_eq!(mine["owner"], "bob");

    let short = ok(&svc, "pm_workflow_status", json!({"limit": 1})).await;
    assert_eq!(col(&short, "in_progress")["count"], 3);
    assert_eq!(keys(&col(&short, "in_progress")["issues"]), vec![a.clone()]);
    assert!(short["board"].as_str().unwrap().contains("… and 2 more"));

    invalid(&svc, "pm_workflow_status", json!({"limit": 0}), "limit").await;
    invalid(
        &svc,
        "pm_workflow_status",
        json!({"status": "done"}),
        "status",
    )
    .await;
    let e = fail(&svc, "pm_workflow_status", json!({"project_id": "NOPE"})).await;
    assert_eq!(e.code(), "not_found");
}

// ------------------------------------------------------------ dashboard

#[tokio::test]
async fn project_dashboard_reports_flow_over_the_timeframe() {
    let (_dir, svc) = setup().await;
    let a = create(&svc, "Shipped", json!({})).await;
    let b = create(&svc, "Dropped", json!({})).await;
    create(&svc, "Waiting", json!({})).await;
    ok(&svc, "pm_start_work", json!({"issue_key": a})).await;
    ok(
        &svc,
        "pm_log_work",
        json!({"issue_key": a, "activity": "code", "summary": "did it", "time_spent": "2h"}),
    )
    .await;
    ok(
        &svc,
        "pm_log_work",
        json!({"issue_key": a, "activity": "testing", "summary": "tested", "time_spent": "30m"}),
    )
    .await;
    ok(
        &svc,
        "pm_complete_issue",
        json!({"issue_key": a, "archive": true}),
    )
    .await;
    ok(
        &svc,
        "pm_update_status",
        json!({"issue_key": b, "status": "canceled"}),
    )
    .await;

    let out = ok(&svc, "pm_project_dashboard", json!({})).await;
    assert_eq!(out["timeframe"], "2w");
    assert_eq!(out["created"], 3);
    assert_eq!(out["completed"], 1, "canceled is not completed");
    assert_eq!(keys(&out["recently_completed"]), vec![a.clone()]);
    assert_eq!(out["throughput_per_week"], 0.5);
    assert_eq!(out["completed_by_week"].as_array().unwrap().len(), 2);
    assert_eq!(out["completed_by_week"][1]["completed"], 1);
    assert_eq!(out["time_logged_minutes"], 150);
    assert_eq!(out["time_logged"], "2h30m");
    let cycle = out["avg_cycle_time_hours"].as_f64().unwrap();
    assert!((0.0..1.0).contains(&cycle), "{cycle}");
    // pm_status is embedded whole.
    assert_eq!(out["status"]["project"], "PM");
    assert_eq!(out["status"]["open"], 1);
    assert_eq!(out["status"]["archived"], 1);
    assert!(
        ["healthy", "attention", "at_risk"].contains(&out["health"].as_str().unwrap()),
        "{}",
        out["health"]
    );

    let week = ok(&svc, "pm_project_dashboard", json!({"timeframe": "7d"})).await;
    assert_eq!(week["throughput_per_week"], 1.0);
    assert_eq!(week["completed_by_week"].as_array().unwrap().len(), 1);
    let quarter = ok(
        &svc,
        "pm_project_dashboard",
        json!({"timeframe": "3m", "project_id": "pm"}),
    )
    .await;
    assert_eq!(quarter["completed_by_week"].as_array().unwrap().len(), 13);
    assert_eq!(quarter["completed"], 1);

    // A project with nothing done needs attention.
    let idle = {
        let dir = tempfile::tempdir().unwrap();
        let path = std::fs::canonicalize(dir.path()).unwrap();
        ok(
            &svc,
            "pm_init_project",
            json!({"path": path.to_str().unwrap(), "key": "IDLE"}),
        )
        .await;
        create(&svc, "Someday", json!({"project_id": "IDLE"})).await;
        ok(
            &svc,
            "pm_project_dashboard",
            json!({"project_id": "IDLE", "timeframe": "1m"}),
        )
        .await
    };
    assert_eq!(idle["completed"], 0);
    assert_eq!(idle["health"], "attention");
    assert!(
        strings(&idle["health_notes"])
            .iter()
            .any(|n| n.contains("nothing completed in the last 1m")),
        "{}",
        idle["health_notes"]
    );

    let m = invalid(
        &svc,
        "pm_project_dashboard",
        json!({"timeframe": "5d"}),
        "timeframe",
    )
    .await;
    assert!(m.contains("2w") && m.contains("3m"), "{m}");
    let e = fail(&svc, "pm_project_dashboard", json!({"project_id": "NOPE"})).await;
    assert_eq!(e.code(), "not_found");
}

// ------------------------------------------------------------ guides

#[tokio::test]
async fn docs_cover_concepts_and_every_toolset() {
    let (_dir, svc) = setup().await;
    let out = ok(&svc, "pm_docs", json!({})).await;
    assert_eq!(out["topic"], "overview");
    let text = out["text"].as_str().unwrap();
    assert!(text.contains("## The daily loop"), "{text}");
    assert!(text.contains("PROJ-N-T1"), "{text}");

    let sets = out["toolsets"].as_array().unwrap();
    let names: Vec<&str> = sets.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        vec![
            "core",
            "git",
            "planning",
            "execution",
            "analytics",
            "reports",
            "intelligence",
            "admin"
        ]
    );
    let mut listed = Vec::new();
    for s in sets {
        assert_eq!(
            s["enabled_by"],
            format!("--toolsets {}", s["name"].as_str().unwrap())
        );
        assert_eq!(s["default"], s["name"] == "core" || s["name"] == "git");
        listed.extend(strings(&s["tools"]));
    }
    let mut registered: Vec<String> = OPERATIONS.iter().map(|o| o.name.to_string()).collect();
    registered.sort();
    listed.sort();
    assert_eq!(listed, registered, "every tool in exactly one toolset");
    let core = strings(&sets[0]["tools"]);
    for t in ["pm_docs", "pm_workflow", "pm_reminder", "pm_status"] {
        assert!(core.contains(&t.to_string()), "{t} in core");
    }

    let t = ok(&svc, "pm_docs", json!({"topic": "toolsets"})).await;
    let text = t["text"].as_str().unwrap();
    for op in OPERATIONS {
        assert!(text.contains(&format!("`{}`", op.name)), "{}", op.name);
    }
    for flag in [
        "--toolsets core,planning",
        "--toolsets all",
        "--tools",
        "--exclude-tools",
        "--read-only",
        "LAZYPM_TOOLSETS",
        "### analytics (`--toolsets analytics`)",
    ] {
        assert!(text.contains(flag), "{flag}");
    }

    let w = ok(&svc, "pm_docs", json!({"topic": "workflow"})).await;
    assert!(
        w["text"]
            .as_str()
            .unwrap()
            .contains("| `review` | `in_progress`, `done`, `canceled` |")
    );
    let f = ok(&svc, "pm_docs", json!({"topic": "fields"})).await;
    assert!(f["text"].as_str().unwrap().contains("`very_high`"));
    let tm = ok(&svc, "pm_docs", json!({"topic": "time"})).await;
    assert!(tm["text"].as_str().unwrap().contains("1d = 8h"));
    let all = ok(&svc, "pm_docs", json!({"topic": "all"})).await;
    let all_text = all["text"].as_str().unwrap();
    for part in [
        "## The daily loop",
        "1w = 5d",
        "`very_high`",
        "pm_project_dashboard",
        "`blocked`",
    ] {
        assert!(all_text.contains(part), "{part}");
    }

    let m = invalid(&svc, "pm_docs", json!({"topic": "everything"}), "topic").await;
    assert!(m.contains("toolsets"), "{m}");
}

#[tokio::test]
async fn workflow_guide_and_reminder() {
    let (_dir, svc) = setup().await;
    let w = ok(&svc, "pm_workflow", json!({})).await;
    let text = w["text"].as_str().unwrap();
    for part in [
        "pm_status",
        "pm_suggest_next_work",
        "pm_start_work",
        "pm_log_work",
        "pm_complete_issue",
        "pm_split_issue",
        "blocker_reason",
        "claim",
    ] {
        assert!(text.contains(part), "{part}");
    }
    // Every tool the guide names exists.
    let registered: BTreeSet<&str> = OPERATIONS.iter().map(|o| o.name).collect();
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        if word.starts_with("pm_") {
            assert!(registered.contains(word), "the guide names unknown {word}");
        }
    }
    let r = ok(&svc, "pm_reminder", Value::Null).await;
    let reminder = r["text"].as_str().unwrap();
    assert!(reminder.lines().count() <= 15, "{reminder}");
    assert!(reminder.contains("pm_log_work"));
    invalid(&svc, "pm_workflow", json!({"topic": "x"}), "topic").await;
    invalid(&svc, "pm_reminder", json!({"x": 1}), "x").await;
}
