//! Data in and out: every importer on a fixture made by (or from the
//! documentation of) its own tool, the JSON export's round trip, CSV and
//! markdown exports, backups taken under load and restored, and the
//! container health check. Runs on this run's store (SQLite or PostgreSQL).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::PathBuf;
use std::process::Stdio;

use serde_json::{Value, json};
use support::{Env, env};

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
        .display()
        .to_string()
}

impl Env {
    /// `import --json`: the report.
    fn import(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json", "import"];
        all.extend_from_slice(args);
        self.json(&all)
    }

    fn issue(&self, key: &str) -> Value {
        self.json(&[
            "call",
            "pm_get_issue",
            &json!({"issue_key": key}).to_string(),
        ])
    }

    /// The key the report says a source id became.
    fn key_of(report: &Value, source: &str) -> String {
        report["issues_created"]
            .as_array()
            .unwrap()
            .iter()
            .find(|pair| pair[0] == source)
            .unwrap_or_else(|| panic!("{source} was not created: {report}"))[1]
            .as_str()
            .unwrap()
            .to_string()
    }

    fn issue_count(&self) -> usize {
        let export: Value = serde_json::from_str(&self.ok(&["export", "json"])).unwrap();
        export["tables"]["issues"].as_array().unwrap().len()
    }
}

/// Whether an issue carries a label.
fn labelled(issue: &Value, label: &str) -> bool {
    issue["labels"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l == label)
}

fn keys(list: &Value) -> Vec<String> {
    let mut k: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["key"].as_str().unwrap().to_string())
        .collect();
    k.sort();
    k
}

/// The original system's JSON files and its database hold the same data:
/// both imports give the same issues, keys verbatim, with tasks, logs and links.
#[test]
fn the_original_systems_files_and_database_import_alike() {
    let mut views = Vec::new();
    for (format, path) in [
        ("seed-json", fixture("seed-json")),
        ("seed-sqlite", fixture("seed-sqlite/jira_lite.db")),
    ] {
        let e = env();
        let dry = e.import(&[format, &path, "--dry-run"]);
        assert_eq!(dry["dry_run"], true);
        assert_eq!(dry["issues_created"].as_array().unwrap().len(), 6, "{dry}");
        let err = e.fails(&["issue", "show", "LAZY-202509-002"]);
        assert!(
            err.contains("not found"),
            "a dry run wrote something: {err}"
        );

        let report = e.import(&[format, &path]);
        assert_eq!(report["projects_created"], json!(["LAZY", "DEMO"]));
        assert_eq!(report["tasks_created"], 3);
        assert_eq!(report["work_logs_created"], 4);
        assert_eq!(report["links_created"], 4);
        assert!(
            report["issues_created"]
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p[0] == p[1]),
            "every key is kept: {report}"
        );

        let d = e.issue("LAZY-202509-002");
        let i = &d["issue"];
        assert_eq!(i["project"], "LAZY");
        assert_eq!(i["status"], "in_progress");
        assert_eq!(i["priority"], "P2");
        assert_eq!(i["owner"], "agent:claude");
        assert_eq!(
            i["specification"]["acceptance_criteria"],
            json!([
                "Clients receive updates within 1s",
                "Reconnects after network loss"
            ])
        );
        assert_eq!(keys(&d["depends_on"]), ["LAZY-202509-001"]);
        assert_eq!(keys(&d["blocks"]), ["LAZY-202509-004"]);
        let tasks = d["tasks"].as_array().unwrap();
        assert_eq!(tasks.len(), 2);
        assert_eq!(tasks[0]["key"], "LAZY-202509-002-T1");
        assert_eq!(tasks[0]["status"], "done");
        assert_eq!(
            tasks[0]["checklist"][0],
            json!({"text": "Route added", "done": true})
        );
        assert_eq!(d["work_logs"].as_array().unwrap().len(), 2);
        // The time in the logs' context ("4h", "2h") is the issue's time spent.
        assert_eq!(i["time_spent_minutes"], 360);
        let first = e.issue("LAZY-202509-001");
        assert_eq!(first["issue"]["status"], "done");
        assert_eq!(
            first["work_logs"][0]["artifacts"]["commits"],
            json!(["3e1f9a2"])
        );
        assert_eq!(e.issue("DEMO-001")["issue"]["project"], "DEMO");

        // A second run adds nothing.
        let again = e.import(&[format, &path]);
        assert_eq!(again["issues_created"], json!([]));
        assert_eq!(again["skipped"].as_array().unwrap().len(), 6);
        assert_eq!(again["links_created"], 0);
        assert_eq!(e.issue_count(), 6);
        // New issues in an imported project never take an imported number.
        let created = e.ok(&["--project", "DEMO", "issue", "create", "--title", "Next"]);
        assert!(created.contains("DEMO-2"), "{created}");

        let mut view = d.clone();
        for part in ["next_steps", "time_spent"] {
            view.as_object_mut().unwrap().remove(part);
        }
        view["issue"].as_object_mut().unwrap().remove("version");
        views.push(view);
    }
    assert_eq!(views[0], views[1], "the two sources import alike");
}

#[test]
fn beads_issues_keep_priorities_parents_links_and_comments() {
    let e = env();
    e.ok(&["init", "--key", "APP"]);
    let r = e.import(&["beads", &fixture("beads")]);
    assert_eq!(r["issues_created"].as_array().unwrap().len(), 8, "{r}");
    assert!(
        r["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["what"] == "lp-0tmb" && s["why"].as_str().unwrap().contains("tombstone"))
    );
    let crash = e.issue(&Env::key_of(&r, "lp-3fq9"));
    assert_eq!(crash["issue"]["priority"], "P1");
    assert_eq!(crash["issue"]["type"], "bug");
    assert_eq!(crash["issue"]["status"], "done");
    assert_eq!(crash["issue"]["labels"], json!(["bug", "crash"]));
    assert_eq!(crash["issue"]["owner"], "bob");
    let bodies: Vec<&str> = crash["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies,
        [
            "Reproduced; unwrap on missing key.",
            "Closed: Fixed in 1a2b3c4"
        ]
    );

    let epic = Env::key_of(&r, "lp-7k2m");
    let child = e.issue(&Env::key_of(&r, "lp-7k2m.1"));
    assert_eq!(child["issue"]["parent"], epic);
    assert_eq!(child["issue"]["estimate"]["hours"], 4.0);
    assert!(
        child["issue"]["specification"]["description"]
            .as_str()
            .unwrap()
            .contains("## Notes")
    );
    assert_eq!(
        e.issue(&epic)["issue"]["specification"]["acceptance_criteria"],
        json!(["All six formats import", "Re-import is idempotent"])
    );
    let second = e.issue(&Env::key_of(&r, "lp-7k2m.2"));
    assert_eq!(keys(&second["depends_on"]), [Env::key_of(&r, "lp-7k2m.1")]);
    let kinds = |source: &str| -> Vec<String> {
        e.issue(&Env::key_of(&r, source))["related"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["kind"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(kinds("lp-b2n6"), ["duplicates"]);
    assert_eq!(kinds("lp-c4d8"), ["discovered_from", "relates"]);
    let deferred = e.issue(&Env::key_of(&r, "lp-e5a0"));
    assert_eq!(deferred["issue"]["priority"], "P5");
    assert!(labelled(&deferred["issue"], "deferred"), "{deferred}");

    assert_eq!(
        e.import(&["beads", &fixture("beads/issues.jsonl")])["issues_created"],
        json!([])
    );
    assert_eq!(e.issue_count(), 8);
}

#[test]
fn taskmaster_tags_tasks_subtasks_and_dependencies() {
    let e = env();
    e.ok(&["init", "--key", "APP"]);
    let dry = e.import(&[
        "taskmaster",
        &fixture("taskmaster"),
        "--tag",
        "backend",
        "--dry-run",
    ]);
    assert_eq!(dry["issues_created"].as_array().unwrap().len(), 3);
    let err = e.fails(&["import", "taskmaster", &fixture("beads")]);
    assert!(
        err.contains("a folder without .taskmaster/tasks/tasks.json"),
        "{err}"
    );
    let err = e.fails(&["import", "seed-sqlite", &fixture("beads/issues.jsonl")]);
    assert!(err.contains("not an SQLite database"), "{err}");
    let err = e.fails(&[
        "import",
        "taskmaster",
        &fixture("taskmaster"),
        "--tag",
        "nope",
    ]);
    assert!(
        err.contains("no tag 'nope'") && err.contains("backend"),
        "{err}"
    );

    let r = e.import(&["taskmaster", &fixture("taskmaster/tasks.json")]);
    assert_eq!(r["issues_created"].as_array().unwrap().len(), 8, "{r}");
    assert_eq!(r["tasks_created"], 5);
    let store = e.issue(&Env::key_of(&r, "master:2"));
    let i = &store["issue"];
    assert_eq!(i["status"], "in_progress");
    assert_eq!(i["priority"], "P2");
    assert!(labelled(i, "tag:master"), "{i}");
    assert!(
        i["specification"]["acceptance_criteria"][0]
            .as_str()
            .unwrap()
            .starts_with("Test strategy: ")
    );
    assert!(i["specification"]["technical_approach"].is_string());
    assert_eq!(keys(&store["depends_on"]), [Env::key_of(&r, "master:1")]);
    let tasks = store["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 3);
    assert_eq!(tasks[0]["title"], "Design schema");
    assert_eq!(tasks[0]["status"], "done");
    assert!(
        tasks[2]["details"]
            .as_str()
            .unwrap()
            .contains("Depends on subtask 2.1, 2.2")
    );
    assert_eq!(
        e.issue(&Env::key_of(&r, "backend:3"))["issue"]["status"],
        "canceled"
    );
    assert_eq!(
        e.issue(&Env::key_of(&r, "backend:1"))["issue"]["status"],
        "review"
    );
    let deferred = e.issue(&Env::key_of(&r, "master:4"));
    assert_eq!(deferred["issue"]["status"], "proposed");
    assert!(labelled(&deferred["issue"], "deferred"), "{deferred}");
    assert_eq!(
        e.import(&["taskmaster", &fixture("taskmaster")])["issues_created"],
        json!([])
    );
}

#[test]
fn backlog_md_sections_folders_and_subtasks() {
    let e = env();
    e.ok(&["init", "--key", "APP"]);
    let r = e.import(&["backlog", &fixture("backlog")]);
    assert_eq!(r["issues_created"].as_array().unwrap().len(), 9, "{r}");
    let login = e.issue(&Env::key_of(&r, "TASK-2"));
    let i = &login["issue"];
    assert_eq!(i["status"], "in_progress");
    assert_eq!(i["priority"], "P2");
    assert_eq!(i["owner"], "bob");
    assert_eq!(
        i["specification"]["description"],
        "Users sign in with email and password."
    );
    assert_eq!(
        i["specification"]["acceptance_criteria"],
        json!([
            "Valid credentials log the user in",
            "Invalid credentials show an error",
            "Session expires after 24h"
        ])
    );
    assert!(
        i["specification"]["technical_approach"]
            .as_str()
            .unwrap()
            .starts_with("1. Add /login endpoint")
    );
    assert_eq!(keys(&login["depends_on"]), [Env::key_of(&r, "TASK-1")]);
    assert_eq!(login["comments"][0]["author"], "bob");
    assert_eq!(
        login["comments"][0]["body"],
        "Blocked on CI until task-1 lands."
    );
    let sub = e.issue(&Env::key_of(&r, "TASK-2.1"));
    assert_eq!(sub["issue"]["parent"], Env::key_of(&r, "TASK-2"));
    assert_eq!(sub["issue"]["status"], "done");
    assert_eq!(
        e.issue(&Env::key_of(&r, "TASK-1"))["issue"]["status"],
        "done"
    );
    let archived = e.issue(&Env::key_of(&r, "TASK-5"))["issue"].clone();
    assert_eq!(
        (archived["status"].clone(), archived["archived"].clone()),
        (json!("canceled"), json!(true))
    );
    let draft = e.issue(&Env::key_of(&r, "DRAFT-1"))["issue"].clone();
    assert!(labelled(&draft, "draft"), "{draft}");
    assert_eq!(
        e.import(&["backlog", &fixture("backlog/backlog")])["issues_created"],
        json!([])
    );
    // The same source into another project is another import.
    let other = e.data.parent().unwrap().join("other");
    std::fs::create_dir_all(&other).unwrap();
    e.ok(&["init", &other.display().to_string(), "--key", "OTHER"]);
    let r2 = e.import(&["--project", "OTHER", "backlog", &fixture("backlog")]);
    assert_eq!(r2["issues_created"].as_array().unwrap().len(), 9, "{r2}");
    let sub = e.issue(&Env::key_of(&r2, "TASK-2.1"));
    assert_eq!(sub["issue"]["parent"], Env::key_of(&r2, "TASK-2"));
    assert!(Env::key_of(&r2, "TASK-2").starts_with("OTHER-"));
}

#[test]
fn github_issues_with_milestones_as_sprints() {
    let e = env();
    e.ok(&["init", "--key", "APP"]);
    // Piped, as `gh issue list … | lazypm import github -` would be.
    let text = std::fs::read(fixture("github/issues.json")).unwrap();
    let mut child = e
        .cmd("alice", &["--json", "import", "github", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), &text).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["issues_created"].as_array().unwrap().len(), 6, "{r}");
    // Oldest first, so keys follow the issue numbers.
    assert_eq!(Env::key_of(&r, "#1"), "APP-1");
    assert_eq!(Env::key_of(&r, "#6"), "APP-6");
    let sprints: Vec<String> = serde_json::from_value(r["sprints_created"].clone()).unwrap();
    assert_eq!(sprints.len(), 2, "{r}");
    let xml = e.issue(&Env::key_of(&r, "#5"));
    assert_eq!(xml["issue"]["status"], "canceled");
    assert_eq!(xml["comments"][0]["author"], "alice");
    let listed = e.json(&["call", "pm_list_sprints", "{}"]);
    let names: Vec<&str> = listed["sprints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for s in &sprints {
        assert!(names.contains(&s.as_str()), "{listed}");
    }
    let in_sprint = r["issues_created"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            !e.issue(p[1].as_str().unwrap())["sprints"]
                .as_array()
                .unwrap()
                .is_empty()
        })
        .count();
    assert!(in_sprint >= 2, "milestone issues are in their sprints");
    assert_eq!(
        e.import(&["github", &fixture("github/issues.json")])["issues_created"],
        json!([])
    );
}

/// `export json`, then `import json` into an empty store, then `export json`
/// again gives the same document; importing it again does nothing, and a
/// store holding something else is refused.
#[test]
fn the_json_export_round_trips() {
    let a = env();
    a.ok(&["init", "--key", "APP"]);
    a.import(&["beads", &fixture("beads")]);
    a.import(&["seed-json", &fixture("seed-json")]);
    a.ok(&["start", "APP-2"]);
    a.ok(&["log", "APP-2", "1h", "worked"]);
    let first = a.ok(&["export", "json"]);

    let b = env();
    let file = b.data.parent().unwrap().join("export.json");
    std::fs::write(&file, &first).unwrap();
    let file = file.display().to_string();
    b.ok(&["import", "json", &file, "--dry-run"]);
    assert!(b.fails(&["issue", "show", "APP-1"]).contains("not found"));
    let out = b.ok(&["import", "json", &file]);
    assert!(out.contains("imported and verified"), "{out}");
    assert_eq!(b.ok(&["export", "json"]), first);
    assert!(b.ok(&["import", "json", &file]).contains("nothing to do"));
    b.ok(&["audit", "verify"]);
    // What the imports remembered travels too: running one again adds nothing.
    let again = b.import(&["--project", "APP", "beads", &fixture("beads")]);
    assert_eq!(again["issues_created"], json!([]), "{again}");
    // The imported store goes on working.
    assert!(
        b.ok(&["--project", "APP", "issue", "create", "--title", "after"])
            .contains("APP-9")
    );

    let c = env();
    c.ok(&["init", "--key", "OTHER"]);
    let err = c.fails(&["import", "json", &file]);
    assert!(err.contains("not empty"), "{err}");
    // A document the store could not read back, or with a broken audit
    // chain, is refused, and the empty store stays empty.
    let d = env();
    let tampered = d.data.parent().unwrap().join("tampered.json");
    for (from, to, says) in [
        (
            "\"status\":\"proposed\"",
            "\"status\":\"wip\"",
            "cannot be read",
        ),
        (
            "\"key\":\"APP-1\"",
            "\"key\":\"../../x\"",
            "invalid issue key",
        ),
        ("\"entity\":\"APP\"", "\"entity\":\"EVIL\"", "audit trail"),
    ] {
        assert!(first.contains(from), "{from}");
        std::fs::write(&tampered, first.replacen(from, to, 1)).unwrap();
        let err = d.fails(&["import", "json", &tampered.display().to_string()]);
        assert!(err.contains(says), "{from}: {err}");
    }
    assert!(d.fails(&["issue", "show", "APP-1"]).contains("not found"));
    let bad = c.data.parent().unwrap().join("bad.json");
    std::fs::write(&bad, r#"{"format":"something-else","version":1}"#).unwrap();
    let err = c.fails(&["import", "json", &bad.display().to_string()]);
    assert!(err.contains("not a lazypm export"), "{err}");
}

#[test]
fn csv_and_markdown_exports() {
    let e = env();
    e.ok(&["init", "--key", "APP"]);
    e.ok(&[
        "issue",
        "create",
        "--title",
        "=HYPERLINK(\"http://x\",\"click\")",
    ]);
    e.ok(&[
        "issue",
        "create",
        "--title",
        "plain, with comma",
        "--description",
        "two\nlines",
    ]);
    e.ok(&["issue", "create", "--title=-2+3", "--label", "@ops"]);
    let csv = e.ok(&["export", "csv"]);
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert!(lines[0].starts_with("key,project,title,"), "{csv}");
    assert!(
        lines[1].starts_with("APP-1,APP,\"'=HYPERLINK(\"\"http://x\"\",\"\"click\"\")\","),
        "{csv}"
    );
    assert!(csv.contains("APP-2,APP,\"plain, with comma\","), "{csv}");
    assert!(csv.contains("\"two\nlines\""), "{csv}");
    assert!(csv.contains("APP-3,APP,'-2+3,"), "{csv}");
    assert!(csv.contains(",'@ops,"), "{csv}");

    let dir = e.data.parent().unwrap().join("md");
    e.ok(&["export", "markdown", "--output", &dir.display().to_string()]);
    let page = std::fs::read_to_string(dir.join("APP-2.md")).unwrap();
    assert!(page.starts_with("# APP-2: plain, with comma"), "{page}");
    assert!(page.contains("## Description\n\ntwo\nlines"), "{page}");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 3);
    assert!(e.fails(&["export", "markdown"]).contains("--output"));
    let events = e.ok(&["export", "events"]);
    let first: Value = serde_json::from_str(events.lines().next().unwrap()).unwrap();
    assert_eq!(first["type"], "project_created");
    assert!(first["hash"].is_string());
}

/// A backup taken while four writers run is a consistent store: it checks
/// out, restores, and the restored store works and keeps a whole audit trail.
#[test]
fn backups_under_load_restore_to_a_consistent_store() {
    let e = env();
    e.ok(&["init", "--key", "APP"]);
    let taken = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let e = &e;
                scope.spawn(move || {
                    for i in 0..15 {
                        let title = format!("writer {w} issue {i}");
                        let out = e
                            .cmd(&format!("w{w}"), &["issue", "create", "--title", &title])
                            .output()
                            .unwrap();
                        assert!(
                            out.status.success(),
                            "{}",
                            String::from_utf8_lossy(&out.stderr)
                        );
                    }
                })
            })
            .collect();
        let taken: Vec<Value> = (0..3).map(|_| e.json(&["--json", "backup"])).collect();
        for w in writers {
            w.join().unwrap();
        }
        taken
    });
    let last = taken.last().unwrap();
    assert!(last["problems"].as_array().unwrap().is_empty(), "{last}");
    let file = last["file"].as_str().unwrap().to_string();
    let issues_in_backup = last["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t[0] == "issues")
        .unwrap()[1]
        .as_i64()
        .unwrap();
    e.ok(&["backup", "verify", &file]);
    let listed = e.ok(&["backup", "list"]);
    assert_eq!(listed.lines().count(), 3, "{listed}");

    assert_eq!(e.issue_count(), 60);
    let out = e.ok(&["restore", &file]);
    assert!(out.contains("events.jsonl rewritten"), "{out}");
    assert_eq!(e.issue_count() as i64, issues_in_backup);
    e.ok(&["audit", "verify"]);
    // The next command works with no repair, and numbering goes on.
    let next = e.ok(&["issue", "create", "--title", "after the restore"]);
    assert!(
        next.contains(&format!("APP-{}", issues_in_backup + 1)),
        "{next}"
    );
    e.ok(&["audit", "verify"]);
    // The store as it was before the restore is itself a backup.
    let before: Vec<_> = std::fs::read_dir(e.data.join("backup"))
        .unwrap()
        .filter_map(|f| f.ok())
        .filter(|f| f.file_name().to_string_lossy().contains("before-restore"))
        .collect();
    let names: Vec<String> = before
        .iter()
        .map(|f| f.file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(before.len(), 2, "the store and its events.jsonl: {names:?}");

    // --keep prunes the oldest.
    e.ok(&["backup", "--keep", "2"]);
    let listed = e.ok(&["backup", "list"]);
    assert_eq!(
        listed.lines().count(),
        3,
        "two plain backups and the one before the restore: {listed}"
    );
    assert!(listed.contains("before-restore"), "{listed}");

    // A damaged backup is named as such and never restored.
    let newest: Value = e.json(&["--json", "backup", "list"]);
    let mut bytes = std::fs::read(newest[0]["file"].as_str().unwrap()).unwrap();
    let damaged = e.data.join("backup").join("lazypm-29990101-000000-000.db");
    let len = bytes.len();
    for b in &mut bytes[len / 2..len / 2 + 4096] {
        *b = 0x5a;
    }
    std::fs::write(&damaged, &bytes).unwrap();
    let err = e.fails(&["backup", "verify"]);
    assert!(
        err.contains("problem") || err.contains("malformed"),
        "{err}"
    );
    let err = e.fails(&["restore", &damaged.display().to_string()]);
    assert!(
        err.contains("nothing was restored") || err.contains("malformed"),
        "{err}"
    );
    assert_eq!(e.issue_count() as i64, issues_in_backup + 1);
}

#[test]
fn healthcheck_asks_a_running_server() {
    let e = env();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    // An open address without a token is refused before anything is made.
    let err = e
        .cmd("alice", &["serve", "--bind", &format!("0.0.0.0:{port}")])
        .env_remove("LAZYPM_TOKEN")
        .output()
        .unwrap();
    assert!(!err.status.success());
    assert!(String::from_utf8_lossy(&err.stderr).contains("needs a token"));
    assert!(
        !e.data.join("lazypm.db").exists(),
        "a refused serve made the store"
    );
    let err = e.fails(&["healthcheck", "--url", &url, "--timeout", "1"]);
    assert!(err.contains("nothing answers"), "{err}");
    assert!(
        e.fails(&["healthcheck", "--url", "https://x"])
            .contains("not an http://")
    );
    let mut server = e
        .cmd("alice", &["serve", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut healthy = false;
    for _ in 0..100 {
        let out = e.run(&["healthcheck", "--url", &url]);
        if out.status.success() {
            assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "healthy");
            healthy = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // By name too (localhost may resolve to ::1 first).
    let by_name = e.run(&["healthcheck", "--url", &format!("http://localhost:{port}")]);
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(healthy, "the server never answered its health check");
    assert!(
        by_name.status.success(),
        "{}",
        String::from_utf8_lossy(&by_name.stderr)
    );
}
