//! `lazypm migrate`: a store moves to another backend and back with
//! nothing lost. The middle store is this run's test store (a PostgreSQL
//! schema under LAZYPM_TEST_DATABASE, else another SQLite file).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin!("lazypm").to_path_buf()
}

fn lazypm(dir: &Path, url: &str, args: &[&str]) -> Output {
    Command::new(bin())
        .current_dir(dir.join("app"))
        .env("LAZYPM_DATA_DIR", dir.join("data"))
        .env("LAZYPM_DATABASE_URL", url)
        .env("LAZYPM_ACTOR", "alice")
        .env_remove("LAZYPM_PROJECT")
        .args(args)
        .output()
        .unwrap()
}

fn ok(dir: &Path, url: &str, args: &[&str]) -> String {
    let out = lazypm(dir, url, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn call(dir: &Path, url: &str, tool: &str, args: Value) -> Value {
    serde_json::from_str(&ok(dir, url, &["call", tool, &args.to_string()])).unwrap()
}

/// Everything a user would look at, through the product itself.
fn view(dir: &Path, url: &str) -> Value {
    let mut issues = Vec::new();
    for key in ["APP-1", "APP-2", "APP-3"] {
        let mut v = call(dir, url, "pm_get_issue", json!({"issue_key": key}));
        v.as_object_mut().unwrap().remove("next_steps");
        issues.push(v);
    }
    let history = call(dir, url, "pm_issue_history", json!({"issue_key": "APP-1"}));
    let sprints = call(dir, url, "pm_list_sprints", json!({}));
    let search = call(dir, url, "pm_search_issues", json!({"query": "parser"}));
    // Which issues a search finds (scores and snippets are each backend's own).
    let mut found: Vec<String> = search["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["key"].as_str().unwrap().to_string())
        .collect();
    found.sort();
    json!({"issues": issues, "history": history["events"], "sprints": sprints["sprints"], "search": found})
}

#[test]
fn a_store_moves_there_and_back_with_nothing_lost() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("app")).unwrap();
    let first = format!("sqlite://{}", dir.join("first.db").display());
    let back = format!("sqlite://{}", dir.join("back.db").display());
    let middle_store = lazypm_testkit::TestStore::new(&dir.join("middle"));
    std::fs::create_dir_all(dir.join("middle")).unwrap();
    let middle = middle_store.url.clone();

    ok(dir, &first, &["init", "--key", "APP", "--name", "App"]);
    // APP-1 gets a parent with a higher id, so the copy must order them.
    for (title, desc) in [
        (
            "Fix the parser",
            "The **parser** drops the last line.\n\n- [ ] keep it",
        ),
        ("Parser tests", "Cover the parser's edge cases."),
        ("Epic: input", "Everything about input."),
    ] {
        call(
            dir,
            &first,
            "pm_create_issue",
            json!({"type": "feature", "title": title, "description": desc, "labels": ["input", "core"], "acceptance_criteria": ["it works"]}),
        );
    }
    call(
        dir,
        &first,
        "pm_update_issue",
        json!({"issue_key": "APP-1", "parent": "APP-3", "story_points": 3, "estimate_hours": 2.5}),
    );
    call(
        dir,
        &first,
        "pm_link_issues",
        json!({"issue_key": "APP-1", "target_key": "APP-2", "kind": "blocks", "action": "add"}),
    );
    call(
        dir,
        &first,
        "pm_create_task",
        json!({"issue_key": "APP-1", "title": "Write it", "checklist": ["a", "b"]}),
    );
    call(dir, &first, "pm_start_work", json!({"issue_key": "APP-1"}));
    call(
        dir,
        &first,
        "pm_log_work",
        json!({"issue_key": "APP-1", "activity": "code", "summary": "first pass", "time_spent": "1h30m", "decisions": ["keep the old API"]}),
    );
    call(
        dir,
        &first,
        "pm_add_comment",
        json!({"issue_key": "APP-1", "comment": "Looks right so far"}),
    );
    call(
        dir,
        &first,
        "pm_create_sprint",
        json!({"name": "S1", "start_date": "2026-11-23", "end_date": "2026-12-04"}),
    );
    call(
        dir,
        &first,
        "pm_add_to_sprint",
        json!({"sprint": "S1", "issue_keys": ["APP-1", "APP-2"]}),
    );
    let before = view(dir, &first);
    assert!(before["history"].as_array().unwrap().len() >= 5, "{before}");
    assert_eq!(before["search"].as_array().unwrap().len(), 2, "{before}");
    assert_eq!(before["issues"][0]["issue"]["parent"], "APP-3", "{before}");

    let out = ok(
        dir,
        "unused",
        &["--json", "migrate", "--from", &first, "--to", &middle],
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["verified"], true);
    assert_eq!(report["tables"]["issues"]["rows"], 3);
    assert_eq!(report["tables"]["work_logs"]["rows"], 1);
    assert!(
        report["tables"]["events"]["rows"].as_i64().unwrap() >= 10,
        "{report}"
    );

    // The same product on the other store, and it goes on working there.
    assert_eq!(view(dir, &middle), before);
    let back_report: Value = serde_json::from_str(&ok(
        dir,
        "unused",
        &["--json", "migrate", "--from", &middle, "--to", &back],
    ))
    .unwrap();
    assert_eq!(view(dir, &back), before);
    // Both copies hold the very same rows.
    assert_eq!(back_report["tables"], report["tables"]);
    let created = call(
        dir,
        &back,
        "pm_create_issue",
        json!({"type": "bug", "title": "After the move"}),
    );
    assert_eq!(created["issue"]["key"], "APP-4");

    // A target with data in it is refused, and left as it was…
    let refused = lazypm(dir, "unused", &["migrate", "--from", &first, "--to", &back]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("is not empty") && err.contains("--replace"),
        "{err}"
    );
    assert_eq!(
        call(dir, &back, "pm_get_issue", json!({"issue_key": "APP-4"}))["issue"]["title"],
        "After the move"
    );
    // …unless told to replace it.
    ok(
        dir,
        "unused",
        &["migrate", "--from", &first, "--to", &back, "--replace"],
    );
    assert_eq!(view(dir, &back), before);
    let gone = lazypm(
        dir,
        &back,
        &["call", "pm_get_issue", r#"{"issue_key":"APP-4"}"#],
    );
    assert!(!gone.status.success());
}
