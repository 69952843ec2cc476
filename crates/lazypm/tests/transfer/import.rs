//! Every importer on its fixture: counts, keys, links, statuses and rich
//! content, a dry run that writes nothing, a re-run that adds nothing.

use std::process::Stdio;

use serde_json::{Value, json};

use crate::support::{Env, env};
use crate::{fixture, keys, labelled};

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

        // A second run adds nothing, and keeps no backup of an unchanged store.
        let backups = || std::fs::read_dir(e.data.join("backup")).unwrap().count();
        let kept = backups();
        let again = e.import(&[format, &path]);
        assert_eq!(again["issues_created"], json!([]));
        assert_eq!(again["skipped"].as_array().unwrap().len(), 6);
        assert_eq!(again["links_created"], 0);
        assert!(again.get("backup").is_none(), "{again}");
        assert_eq!(backups(), kept);
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
