//! The binary as a user runs it: real processes on a real SQLite file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

struct Env {
    _dir: tempfile::TempDir,
    data: PathBuf,
    project: PathBuf,
}

fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let project = dir.path().join("app");
    std::fs::create_dir_all(&project).unwrap();
    Env {
        data,
        project,
        _dir: dir,
    }
}

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin!("lazypm").to_path_buf()
}

impl Env {
    fn cmd(&self, actor: &str, args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.current_dir(&self.project)
            .env_remove("LAZYPM_PROJECT")
            .env_remove("LAZYPM_DATABASE_URL")
            .env("LAZYPM_DATA_DIR", &self.data)
            .env("LAZYPM_ACTOR", actor)
            .args(args);
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd("alice", args).output().unwrap()
    }

    /// Runs a command that must succeed; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs a command that must fail; returns stderr.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            !out.status.success(),
            "{args:?} should fail but printed {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stderr).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }

    fn events(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(self.data.join("events.jsonl")).unwrap();
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

fn init(e: &Env) {
    e.ok(&["init", "--key", "APP", "--name", "App"]);
}

#[test]
fn the_daily_loop_from_the_command_line() {
    let e = env();
    let out = e.ok(&["init", "--key", "APP", "--name", "App"]);
    assert!(out.contains("Registered APP"), "{out}");
    assert!(
        e.ok(&[
            "issue",
            "create",
            "--title",
            "Design the schema",
            "--type",
            "chore",
            "--priority",
            "P2"
        ])
        .contains("APP-1")
    );
    e.ok(&[
        "issue",
        "create",
        "--title",
        "Login endpoint",
        "--description",
        "Users sign in with email and password",
        "--depends-on",
        "APP-1",
    ]);
    e.ok(&[
        "issue",
        "create",
        "--title",
        "Fix the crash on logout",
        "--type",
        "bug",
    ]);

    let err = e.fails(&["start", "APP-2"]);
    assert!(err.contains("blocked by open issues: APP-1"), "{err}");

    assert!(e.ok(&["start", "APP-1"]).contains("Started APP-1"));
    assert!(
        e.ok(&["log", "APP-1", "2h30m", "Drafted the tables"])
            .contains("Logged 2h30m")
    );
    e.ok(&["review", "APP-1"]);
    assert!(
        e.ok(&["done", "APP-1", "--lesson", "start from the queries"])
            .contains("Completed APP-1")
    );

    let shown = e.json(&["issue", "show", "APP-1", "--json"]);
    assert_eq!(shown["issue"]["status"], "done");
    assert_eq!(shown["time_spent"], "2h30m");
    assert_eq!(shown["work_logs"][0]["minutes"], 150);
    assert_eq!(
        shown["issue"]["analytics"]["lessons_learned"][0],
        "start from the queries"
    );

    let dependent = e.json(&["issue", "show", "APP-2", "--json"]);
    assert_eq!(dependent["ready"], true, "its blocker is done");

    let hits = e.json(&["issue", "search", "email", "--json"]);
    assert_eq!(hits["hits"][0]["key"], "APP-2");
    assert!(
        e.ok(&["issue", "search", "logout", "crash"])
            .contains("APP-3")
    );

    let status = e.json(&["status", "--json"]);
    assert_eq!(status["total"], 3);
    assert_eq!(status["by_status"]["done"], 1);

    // Every change is in events.jsonl, in the same order as the database's trail.
    let events = e.events();
    let kinds: Vec<&str> = events.iter().map(|v| v["type"].as_str().unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "issue_created").count(), 3);
    assert_eq!(
        kinds.iter().filter(|k| **k == "status_changed").count(),
        3,
        "start, review, done: {kinds:?}"
    );
    assert!(
        kinds.contains(&"work_logged")
            && kinds.contains(&"issue_completed")
            && kinds[0] == "project_created"
    );
    let history = e.json(&["call", "pm_issue_history", r#"{"issue_key":"APP-1"}"#]);
    let from_db: Vec<&str> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    let from_file: Vec<&str> = events
        .iter()
        .filter(|v| v["entity"] == "APP-1")
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(from_db, from_file);
    assert!(events.iter().all(|v| v["actor"] == "alice"));
}

#[test]
fn call_runs_any_operation_and_reports_errors_on_stderr() {
    let e = env();
    init(&e);
    let created = e.json(&[
        "call",
        "pm_create_issue",
        r#"{"type":"bug","title":"Crash on start","priority":"P1"}"#,
    ]);
    assert_eq!(created["issue"]["key"], "APP-1");

    let mut child = e
        .cmd("alice", &["call", "pm_get_issue", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), br#"{"issue_key":"app-1"}"#).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got["issue"]["priority"], "P1");

    let events_before = e.events().len();
    let err = e.fails(&[
        "call",
        "pm_create_issue",
        r#"{"type":"bug","title":"x","colour":"red"}"#,
    ]);
    assert!(err.contains("colour: unknown field 'colour'"), "{err}");
    let err = e.fails(&["call", "pm_create_issue", r#"{"type":"story","title":"x"}"#]);
    assert!(
        err.contains("expected one of feature, bug, refactor, chore, spike, epic"),
        "{err}"
    );
    let err = e.fails(&[
        "call",
        "pm_update_status",
        r#"{"issue_key":"APP-1","status":"done"}"#,
    ]);
    assert!(err.contains("in_progress, canceled"), "{err}");
    let err = e.fails(&["call", "pm_get_issue", r#"{"issue_key":"APP-99"}"#]);
    assert!(
        err.contains("APP-99") && err.contains("pm_list_issues"),
        "{err}"
    );
    let err = e.fails(&["call", "pm_nothing"]);
    assert!(err.contains("unknown tool 'pm_nothing'"), "{err}");
    let err = e.fails(&["call", "pm_get_issue", "{not json"]);
    assert!(err.contains("not valid JSON"), "{err}");
    assert!(!err.contains("panicked"));
    assert_eq!(
        e.events().len(),
        events_before,
        "failed calls wrote nothing"
    );
}

#[test]
fn no_project_says_how_to_create_one() {
    let e = env();
    let err = e.fails(&["status"]);
    assert!(
        err.contains("pm_init_project") && err.contains("lazypm init"),
        "{err}"
    );
}

#[test]
fn listing_pages_and_closed_pipes_are_handled() {
    let e = env();
    init(&e);
    for i in 0..7 {
        e.ok(&["issue", "create", "--title", &format!("Issue {i}")]);
    }
    let first = e.json(&["issue", "list", "--limit", "5", "--json"]);
    assert_eq!(first["issues"].as_array().unwrap().len(), 5);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = e.json(&[
        "issue", "list", "--limit", "5", "--cursor", cursor, "--json",
    ]);
    assert_eq!(second["issues"].as_array().unwrap().len(), 2);
    assert!(second.get("next_cursor").is_none());

    // A reader that goes away early must not make lazypm panic.
    let mut child = e
        .cmd("alice", &["tools"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

fn spawn_all(e: &Env, jobs: &[(String, Vec<String>)]) -> Vec<Output> {
    let children: Vec<_> = jobs
        .iter()
        .map(|(actor, args)| {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            e.cmd(actor, &args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect()
}

#[test]
fn concurrent_processes_get_unique_keys_and_one_winner_per_start() {
    let e = env();
    init(&e);
    // Six processes, each creating eight issues, all at once.
    let jobs: Vec<(String, Vec<String>)> = (0..6)
        .map(|p| {
            let script: Vec<String> = vec!["call".into(), "pm_create_issue".into(), "-".into()];
            (format!("agent-{p}"), script)
        })
        .collect();
    let mut handles = Vec::new();
    for (actor, _) in jobs {
        let data = e.data.clone();
        let project: PathBuf = e.project.clone();
        handles.push(std::thread::spawn(move || {
            let mut keys = Vec::new();
            for i in 0..8 {
                let out = Command::new(bin())
                    .current_dir(&project)
                    .env("LAZYPM_DATA_DIR", &data)
                    .env("LAZYPM_ACTOR", &actor)
                    .args([
                        "call",
                        "pm_create_issue",
                        &format!(r#"{{"type":"chore","title":"{actor} {i}"}}"#),
                    ])
                    .output()
                    .unwrap();
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let v: Value = serde_json::from_slice(&out.stdout).unwrap();
                keys.push(v["issue"]["key"].as_str().unwrap().to_string());
            }
            keys
        }));
    }
    let mut keys: Vec<String> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    keys.sort_by_key(|k| k.trim_start_matches("APP-").parse::<u32>().unwrap());
    let expected: Vec<String> = (1..=48).map(|n| format!("APP-{n}")).collect();
    assert_eq!(keys, expected, "48 creates, 48 distinct keys, none skipped");

    // Five contested starts on each of three issues: exactly one winner each.
    for key in ["APP-3", "APP-17", "APP-40"] {
        let jobs: Vec<(String, Vec<String>)> = (0..5)
            .map(|p| (format!("agent-{p}"), vec!["start".into(), key.into()]))
            .collect();
        let outs = spawn_all(&e, &jobs);
        let winners = outs.iter().filter(|o| o.status.success()).count();
        assert_eq!(
            winners,
            1,
            "{key}: {:?}",
            outs.iter()
                .map(|o| String::from_utf8_lossy(&o.stderr).to_string())
                .collect::<Vec<_>>()
        );
        for o in outs.iter().filter(|o| !o.status.success()) {
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(
                err.contains("already in progress, owned by agent-"),
                "{err}"
            );
        }
    }
}

#[test]
fn init_detects_the_git_root_from_a_subdirectory() {
    let e = env();
    let git = |args: &[&str], dir: &Path| {
        let ok = Command::new("git")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap()
            .status
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q", "-b", "trunk", "."], &e.project);
    let sub = e.project.join("src/deep");
    std::fs::create_dir_all(&sub).unwrap();
    let out = Command::new(bin())
        .current_dir(&sub)
        .env("LAZYPM_DATA_DIR", &e.data)
        .args(["init", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let root = std::fs::canonicalize(&e.project).unwrap();
    assert_eq!(v["project"]["path"], root.display().to_string());
    assert_eq!(v["project"]["key"], "APP");
    assert_eq!(v["project"]["metadata"]["vcs"]["default_branch"], "trunk");
}
