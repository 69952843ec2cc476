//! The binary as a user runs it: real processes on a real SQLite file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

mod support;
use support::{Env, bin, env};

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
        err.starts_with("error: ") && err.contains("lazypm init --key KEY --name NAME"),
        "{err}"
    );
    assert!(!err.contains("pm_init_project"), "{err}");
    // `lazypm call` speaks tool language.
    let err = e.fails(&["call", "pm_status"]);
    assert!(err.contains("pm_init_project"), "{err}");
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

/// The exit status of a command.
fn code(out: &Output) -> i32 {
    out.status.code().expect("exited, not killed")
}

#[test]
fn errors_name_flags_and_commands_not_tool_fields() {
    let e = env();
    init(&e);
    e.ok(&["issue", "create", "--title", "Schema"]);
    e.ok(&[
        "issue",
        "create",
        "--title",
        "Login",
        "--depends-on",
        "APP-1",
    ]);

    let err = e.fails(&["start", "APP-2"]);
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains("pass --no-validate to start anyway"), "{err}");
    assert!(!err.contains("validate_dependencies"), "{err}");

    e.ok(&["start", "APP-1"]);
    let out = e.cmd("bob", &["start", "APP-1"]).output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("owned by alice")
            && err.contains("lazypm next")
            && err.contains("pass --take-over"),
        "{err}"
    );
    assert!(
        !err.contains("take_over") && !err.contains("pm_suggest_next_work"),
        "{err}"
    );

    let err = e.fails(&["log", "APP-1", "2x", "parser"]);
    assert!(
        err.starts_with("error: TIME: invalid duration '2x'"),
        "{err}"
    );

    let err = e.fails(&["issue", "show", "APP-99"]);
    assert!(
        err.contains("lazypm issue list")
            && err.contains("lazypm issue search")
            && err.contains("lazypm issue create"),
        "{err}"
    );
    assert!(!err.contains("pm_"), "{err}");

    let err = e.fails(&["issue", "create", "--title", "x", "--depends-on", "nope"]);
    assert!(err.starts_with("error: --depends-on: "), "{err}");

    let err = e.fails(&["done", "APP-2"]);
    assert!(
        err.starts_with("error: KEY: ") && err.contains("lazypm start"),
        "{err}"
    );

    // Two projects, and a working directory in neither: name one with --project.
    let web = e.project.parent().unwrap().join("web");
    std::fs::create_dir_all(&web).unwrap();
    let out = e
        .cmd("alice", &["init", "--key", "WEB", "--name", "Web"])
        .current_dir(&web)
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = e
        .cmd("alice", &["issue", "list"])
        .current_dir(e.project.parent().unwrap())
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("error: --project: ") && err.contains("pass --project, one of"),
        "{err}"
    );
    assert!(!err.contains("project_id"), "{err}");

    // The same refusals through `lazypm call` keep the tool's words.
    let err = e.fails(&["call", "pm_start_work", r#"{"issue_key":"APP-2"}"#]);
    assert!(err.contains("validate_dependencies: false"), "{err}");
    let err = e.fails(&["call", "pm_get_issue", r#"{"issue_key":"APP-99"}"#]);
    assert!(err.contains("pm_list_issues"), "{err}");
}

#[test]
fn help_lists_allowed_values_and_global_options_apart() {
    use lazypm_domain::{Activity, Complexity, IssueType, Priority, Status};
    fn values(all: impl IntoIterator<Item = &'static str>) -> String {
        format!(
            "[possible values: {}]",
            all.into_iter().collect::<Vec<_>>().join(", ")
        )
    }
    let e = env();
    let top = e.ok(&["--help"]);
    assert!(top.contains("Global options:"), "{top}");
    for flag in [
        "--data-dir",
        "--database-url",
        "--actor",
        "--project",
        "--json",
    ] {
        assert!(top.contains(flag), "{flag}: {top}");
    }
    assert!(top.contains("2 usage error"), "{top}");

    let create = e.ok(&["issue", "create", "--help"]);
    let types = values(IssueType::ALL.iter().map(|t| t.as_str()));
    let priorities = values(Priority::ALL.iter().map(|p| p.as_str()));
    let complexities = values(Complexity::ALL.iter().map(|c| c.as_str()));
    for want in [&types, &priorities, &complexities] {
        assert!(create.contains(want.as_str()), "{want}: {create}");
    }

    let list = e.ok(&["issue", "list", "--help"]);
    let statuses = values(Status::ALL.iter().map(|s| s.as_str()).chain(["open"]));
    assert!(list.contains(&statuses), "{list}");
    assert!(
        list.contains(&priorities) && list.contains(&types),
        "{list}"
    );

    let log = e.ok(&["log", "--help"]);
    assert!(
        log.contains(&values(Activity::ALL.iter().map(|a| a.as_str()))),
        "{log}"
    );
    assert!(
        log.contains("<TIME>") && log.contains("Time spent"),
        "{log}"
    );

    // A command's own flags come first, the global ones apart under their heading.
    let start = e.ok(&["start", "--help"]);
    let own = start.find("--take-over").unwrap();
    let heading = start.find("Global options:").unwrap();
    let global = start.find("--data-dir").unwrap();
    assert!(own < heading && heading < global, "{start}");
    assert!(start.contains("<KEY>  Issue key"), "{start}");

    // A value outside the list is a usage error naming the allowed values.
    let out = e.run(&["issue", "create", "--title", "x", "--type", "story"]);
    assert_eq!(code(&out), 2);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains(&types), "{err}");
    // The domain's lenient spellings still parse.
    init(&e);
    e.ok(&[
        "issue",
        "create",
        "--title",
        "x",
        "--priority",
        "p2",
        "--type",
        "Bug",
    ]);
    e.ok(&["issue", "list", "--status", "In-Progress"]);
}

#[test]
fn status_open_lists_every_open_status() {
    let e = env();
    init(&e);
    for t in [
        "Proposed one",
        "Started one",
        "Finished one",
        "Reviewed one",
    ] {
        e.ok(&["issue", "create", "--title", t]);
    }
    e.ok(&["start", "APP-2"]);
    e.ok(&["start", "APP-3"]);
    e.ok(&["done", "APP-3"]);
    e.ok(&["start", "APP-4"]);
    e.ok(&["review", "APP-4"]);
    let keys = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["issue", "list", "--json"];
        all.extend_from_slice(args);
        let mut keys: Vec<String> = e.json(&all)["issues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["key"].as_str().unwrap().to_string())
            .collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(&["--status", "proposed,review"]), ["APP-1", "APP-4"]);
    assert_eq!(
        keys(&["--status", "proposed", "--status", "in_progress"]),
        ["APP-1", "APP-2"]
    );
    // Passed to the service as written; the service reads `open` as every open status.
    assert_eq!(keys(&["--status", "open"]), ["APP-1", "APP-2", "APP-4"]);
    let table = e.ok(&["issue", "list", "--status", "open"]);
    assert!(!table.contains("APP-3"), "{table}");
}

/// Writes `title` onto an issue straight through the store, as an older
/// database or an import could hold it (the service refuses control characters).
fn plant_title(e: &Env, key: &str, title: &str) {
    let url = e._store.url.clone();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = lazypm_service::open_store(&url).await.unwrap();
        let mut tx = store.begin_write().await.unwrap();
        let mut issue = tx.issue_by_key(key).await.unwrap().unwrap();
        let version = issue.version;
        issue.title = title.to_string();
        issue.version += 1;
        tx.update_issue(&issue, version).await.unwrap();
        tx.commit().await.unwrap();
        store.close().await;
    });
}

#[test]
fn terminal_escapes_in_user_text_are_shown_not_obeyed() {
    let e = env();
    init(&e);
    e.ok(&["issue", "create", "--title", "Colour me"]);
    e.ok(&["issue", "create", "--title", "Carriage\rreturn search"]);
    plant_title(
        &e,
        "APP-1",
        "Colour \u{1b}[31mred\u{1b}[0m \u{1b}]0;owned\u{7} me \u{9b}2J",
    );
    // The actor is free text too, and becomes the owner.
    let out = e
        .cmd("\u{1b}[2Jmallory", &["start", "APP-1"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!out.stdout.contains(&0x1b), "start printed a raw ESC");

    for args in [
        &["issue", "list"][..],
        &["issue", "show", "APP-1"],
        &["issue", "search", "colour"],
        &["issue", "search", "carriage"],
        &["status"],
        &["next"],
    ] {
        let out = e.run(args);
        assert!(out.status.success(), "{args:?}");
        let bad = out
            .stdout
            .iter()
            .any(|b| matches!(b, 0x00..=0x08 | 0x0b..=0x1f | 0x7f));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(!bad, "{args:?} printed a raw control character: {text:?}");
        assert!(!text.contains('\u{9b}'), "{args:?}: {text:?}");
    }
    let list = e.ok(&["issue", "list"]);
    assert!(
        list.contains("Colour ^[[31mred^[[0m ^[]0;owned^G me \\u{9b}2J"),
        "{list}"
    );
    assert!(list.contains("^[[2Jmallory"), "{list}");
    assert!(list.contains("Carriage^Mreturn"), "{list}");
    // --json keeps the text as stored, JSON-escaped.
    let shown = e.json(&["issue", "show", "APP-1", "--json"]);
    assert!(
        shown["issue"]["title"]
            .as_str()
            .unwrap()
            .contains("\u{1b}[31m")
    );
}

#[test]
fn search_shows_rank_order_and_snippets_without_a_raw_score() {
    let e = env();
    init(&e);
    e.ok(&[
        "issue",
        "create",
        "--title",
        "Reload the config",
        "--description",
        "watch the config file",
    ]);
    e.ok(&[
        "issue",
        "create",
        "--title",
        "Parse TOML",
        "--description",
        "config errors name the line",
    ]);
    let out = e.ok(&["issue", "search", "config"]);
    let header = out.lines().next().unwrap();
    assert!(!header.contains("SCORE"), "{out}");
    assert!(header.contains("MATCH") && out.contains('«'), "{out}");
    assert!(
        out.find("APP-1").unwrap() < out.find("APP-2").unwrap(),
        "{out}"
    );
    // --json keeps what the service returns.
    let hits = e.json(&["issue", "search", "config", "--json"]);
    assert!(hits["hits"][0].get("score").is_some());
}

#[test]
fn exit_codes_are_0_success_1_failure_2_usage() {
    let e = env();
    assert_eq!(code(&e.run(&["--help"])), 0);
    assert_eq!(code(&e.run(&["--version"])), 0);
    // Usage: clap's own refusals.
    assert_eq!(code(&e.run(&["frobnicate"])), 2);
    assert_eq!(code(&e.run(&["issue", "list", "--status", "finished"])), 2);
    assert_eq!(code(&e.run(&["issue", "list", "--limit", "0"])), 2);
    assert_eq!(code(&e.run(&["log", "APP-1"])), 2);
    // Failure: nothing registered yet.
    assert_eq!(code(&e.run(&["status"])), 1);
    init(&e);
    assert_eq!(code(&e.run(&["status"])), 0);
    assert_eq!(code(&e.run(&["issue", "show", "APP-9"])), 1);
    assert_eq!(code(&e.run(&["issue", "create", "--title", " "])), 1);
    // `lazypm call`: a tool that does not exist or arguments that are not a
    // JSON object cannot be understood (2); what the tool refuses fails (1).
    for (args, want) in [
        (&["call", "pm_nothing"][..], 2),
        (&["call", "pm_get_issue", "{not json"], 2),
        (&["call", "pm_get_issue", "[1, 2]"], 2),
        (&["call", "pm_get_issue", r#""APP-1""#], 2),
        (&["call", "pm_get_issue", r#"{"issue_key":"APP-9"}"#], 1),
        (
            &[
                "call",
                "pm_create_issue",
                r#"{"type":"bug","title":"x","colour":"red"}"#,
            ],
            1,
        ),
        (
            &["call", "pm_create_issue", r#"{"type":"story","title":"x"}"#],
            1,
        ),
        (&["call", "pm_status"], 0),
    ] {
        let out = e.run(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(code(&out), want, "{args:?}: {err}");
        if want != 0 {
            assert!(err.starts_with("error: "), "{args:?}: {err}");
        }
    }
    // An MCP selection naming no toolset is a usage error too, before any MCP is spoken.
    assert_eq!(code(&e.run(&["mcp", "--toolsets", "nope"])), 2);
}

#[test]
fn the_data_directorys_database_url_file_names_the_store() {
    let e = env();
    if e._store.is_postgres() {
        // This run's data directory already names its server in the file.
        return;
    }
    let elsewhere = e.data.parent().unwrap().join("shared/team.db");
    std::fs::create_dir_all(&e.data).unwrap();
    std::fs::write(
        e.data.join("database-url"),
        format!("# the team's store\n\nsqlite://{}\n", elsewhere.display()),
    )
    .unwrap();
    init(&e);
    assert!(elsewhere.exists(), "the store is made where the file says");
    assert!(!e.data.join("lazypm.db").exists());
    // The flag and the environment still win over the file.
    let own = e.data.join("own.db");
    let out = e
        .cmd("alice", &["call", "pm_list_projects", "{}"])
        .env("LAZYPM_DATABASE_URL", format!("sqlite://{}", own.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(own.exists());

    std::fs::write(e.data.join("database-url"), "# nothing yet\n").unwrap();
    let err = e.fails(&["status"]);
    assert!(err.contains("database-url names no database URL"), "{err}");
}
