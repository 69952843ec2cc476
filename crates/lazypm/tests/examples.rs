//! The original system's workflow examples (1: starting a new feature, 2: an
//! agent's day, 3: project health and analytics), played literally by a real
//! MCP client against `lazypm mcp`: 1 and 2 on a server started with no
//! flags, 3 with the analytics toolset on. The original tool names, argument
//! names and value shapes (zero-padded keys, comma-separated lists, `type`
//! for the activity, `critical_only`, `timeframe`, `focus`).
//! Every call must succeed; the test runs them all and then lists every
//! failure at once, so one run shows the whole gap.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Value, json};

type Client = RunningService<RoleClient, ()>;

/// Result text budgets, in tokens (bytes / 4).
const EXAMPLE_1_BUDGET: usize = 8000;
const WRITE_RESULT_BUDGET: usize = 150;
/// The writes whose result text must stay short.
const SHORT_RESULTS: &[&str] = &[
    "pm_start_work",
    "pm_log_work",
    "pm_update_status",
    "pm_complete_issue",
];

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin!("lazypm").to_path_buf()
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// PATH without any directory that holds `gh`, so pull requests fall back
/// to a compare URL.
fn path_without_gh() -> String {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let kept: Vec<PathBuf> = std::env::split_paths(&path)
        .filter(|d| !d.join("gh").exists())
        .collect();
    std::env::join_paths(kept)
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

struct World {
    _store: lazypm_testkit::TestStore,
    _dir: tempfile::TempDir,
    data: PathBuf,
    repo: PathBuf,
    origin: PathBuf,
}

/// A git repository with a local bare `origin`, registered as PROJ, with
/// issues PROJ-1 … PROJ-4 (PROJ-3 is the bug Example 2 fixes).
fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let repo = dir.path().join("proj");
    let origin = dir.path().join("origin.git");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["config", "user.name", "Example Agent"]);
    git(&repo, &["config", "user.email", "agent@example.com"]);
    git(&repo, &["config", "commit.gpgsign", "false"]);
    std::fs::write(repo.join("README.md"), "# Proj\n").unwrap();
    std::fs::create_dir_all(repo.join("src")).unwrap();
    std::fs::write(repo.join("src/events.py"), "EVENTS = []\n").unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "Initial commit"]);
    git(
        dir.path(),
        &["init", "-q", "--bare", "-b", "main", "origin.git"],
    );
    git(
        &repo,
        &["remote", "add", "origin", origin.to_str().unwrap()],
    );
    git(&repo, &["push", "-q", "-u", "origin", "main"]);

    let w = World {
        _store: lazypm_testkit::TestStore::for_data_dir(&data),
        data,
        repo,
        origin,
        _dir: dir,
    };
    cli(&w, &["init", "--key", "PROJ", "--name", "Proj"]);
    for issue in [
        json!({"type": "chore", "title": "Set up continuous integration", "priority": "P3"}),
        json!({"type": "feature", "title": "Event replay from the archive", "priority": "P3"}),
        json!({"type": "bug", "title": "Memory leak in event processor", "priority": "P1",
               "description": "The event processor keeps every event in `EVENTS`; memory grows until the worker is killed.",
               "acceptance_criteria": ["memory stays flat over 1M events"]}),
        json!({"type": "feature", "title": "Event metrics dashboard", "priority": "P2",
               "dependencies": ["PROJ-3"]}),
    ] {
        cli(&w, &["call", "pm_create_issue", &issue.to_string()]);
    }
    // The repository stays clean: lazypm's data lives outside it.
    assert_eq!(git(&w.repo, &["status", "--porcelain"]), "");
    w
}

fn cli(w: &World, args: &[&str]) -> String {
    let out = Command::new(bin())
        .current_dir(&w.repo)
        .env("LAZYPM_DATA_DIR", &w.data)
        .env_remove("LAZYPM_PROJECT")
        .env_remove("LAZYPM_TOOLSETS")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "lazypm {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `lazypm mcp` with no flags, in the repository, as an agent's client starts it.
async fn connect(w: &World) -> Client {
    connect_with(w, &[]).await
}

/// `lazypm mcp` with extra arguments (such as `--toolsets`).
async fn connect_with(w: &World, extra: &[&str]) -> Client {
    let mut cmd = tokio::process::Command::new(bin());
    cmd.current_dir(&w.repo)
        .env("LAZYPM_DATA_DIR", &w.data)
        .env("PATH", path_without_gh())
        .env_remove("LAZYPM_TOOLSETS")
        .env_remove("LAZYPM_PROJECT")
        .env_remove("LAZYPM_ACTOR")
        .env_remove("GITHUB_TOKEN")
        .env_remove("GH_TOKEN")
        .arg("mcp")
        .args(extra);
    ().serve(TokioChildProcess::new(cmd).unwrap())
        .await
        .unwrap()
}

/// One played call: what was sent and what came back.
struct Played {
    tool: &'static str,
    error: Option<String>,
    text: String,
}

impl Played {
    fn tokens(&self) -> usize {
        self.text.len() / 4
    }
}

/// Plays calls and keeps every result, failed or not.
struct Session {
    client: Client,
    played: Vec<Played>,
}

impl Session {
    async fn play(&mut self, tool: &'static str, args: Value) -> Value {
        let Value::Object(map) = args.clone() else {
            panic!("arguments must be an object")
        };
        let r: CallToolResult = self
            .client
            .call_tool(CallToolRequestParams::new(tool).with_arguments(map))
            .await
            .unwrap_or_else(|e| panic!("{tool}: protocol error {e}"));
        let text: String = r
            .content
            .iter()
            .filter_map(|c| c.as_text().map(|t| t.text.clone()))
            .collect::<Vec<_>>()
            .join("\n");
        let value = r.structured_content.clone().unwrap_or(Value::Null);
        let error = (r.is_error == Some(true)).then(|| {
            let e = &value["error"];
            match e["field"].as_str() {
                Some(f) => format!(
                    "{} ({}, field {f})",
                    e["message"].as_str().unwrap_or(&text),
                    e["code"].as_str().unwrap_or("?")
                ),
                None => format!(
                    "{} ({})",
                    e["message"].as_str().unwrap_or(&text),
                    e["code"].as_str().unwrap_or("?")
                ),
            }
        });
        println!(
            "── {tool} {args}\n{}{}",
            match &error {
                Some(e) => format!("ERROR: {e}\n"),
                None => String::new(),
            },
            text.trim_end()
        );
        println!("   [{} tokens]", text.len() / 4);
        self.played.push(Played { tool, error, text });
        value
    }
}

/// The first string found under any of these keys, at any depth.
fn find_str<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a str> {
    match v {
        Value::Object(m) => keys
            .iter()
            .find_map(|k| m.get(*k).and_then(Value::as_str))
            .or_else(|| m.values().find_map(|x| find_str(x, keys))),
        Value::Array(items) => items.iter().find_map(|x| find_str(x, keys)),
        _ => None,
    }
}

/// An issue's status as pm_get_issue returns it.
fn issue_status(v: &Value) -> Option<&str> {
    v["issue"]["status"].as_str().or(v["status"].as_str())
}

const SPEC: &str = "# Real-time notifications

Users see changes (issue updates, comments, mentions) within a second,
without reloading.

## Requirements
- A WebSocket endpoint at `/ws` authenticated with the session token
- Fan-out through a pub/sub channel per project
- Clients reconnect with backoff and replay missed events since their last id

## Out of scope
- Mobile push notifications
";

#[tokio::test]
async fn the_original_examples_over_mcp() {
    let w = world();
    let mut s = Session {
        client: connect(&w).await,
        played: Vec::new(),
    };
    let mut problems: Vec<String> = Vec::new();

    // ── Example 1: Starting a New Feature ──
    // 1. Understand current state
    s.play("pm_project_dashboard", json!({})).await;
    s.play("pm_my_queue", json!({})).await;
    // 2. Create comprehensive issue
    let created = s
        .play(
            "pm_create_issue",
            json!({"type": "feature", "title": "Real-time notifications", "description": SPEC,
                   "module": "backend", "priority": "P2"}),
        )
        .await;
    let key = find_str(&created, &["key", "issue_key"]);
    if key != Some("PROJ-5") {
        problems.push(format!("pm_create_issue: expected PROJ-5, got {key:?}"));
    }
    // 3. Refine requirements
    s.play("pm_refine_issue", json!({"issue_key": "PROJ-005"}))
        .await;
    s.play(
        "pm_estimate_issue",
        json!({"issue_key": "PROJ-005", "effort": "1-2 weeks", "complexity": "high",
               "reasoning": "WebSocket implementation + real-time infrastructure"}),
    )
    .await;
    // 4. Start implementation
    s.play("pm_start_work", json!({"issue_key": "PROJ-005"}))
        .await;
    s.play("pm_create_branch", json!({"issue_key": "PROJ-005"}))
        .await;
    // 5. Implementation loop
    std::fs::create_dir_all(w.repo.join("src")).unwrap();
    std::fs::create_dir_all(w.repo.join("tests")).unwrap();
    std::fs::write(
        w.repo.join("src/websocket.py"),
        "async def serve(ws):\n    async for message in ws:\n        await ws.send(message)\n",
    )
    .unwrap();
    std::fs::write(
        w.repo.join("tests/test_websocket.py"),
        "def test_echo():\n    assert True\n",
    )
    .unwrap();
    s.play(
        "pm_log_work",
        json!({"issue_key": "PROJ-005", "type": "code", "summary": "Implemented WebSocket server",
               "artifacts": "src/websocket.py,tests/test_websocket.py", "time_spent": "4h"}),
    )
    .await;
    s.play(
        "pm_commit",
        json!({"issue_key": "PROJ-005", "message": "Add WebSocket server implementation"}),
    )
    .await;
    // 6. Complete and review
    s.play(
        "pm_update_status",
        json!({"issue_key": "PROJ-005", "status": "review",
               "notes": "Implementation complete, ready for review"}),
    )
    .await;
    s.play(
        "pm_request_review",
        json!({"issue_key": "PROJ-005", "reviewers": "backend-team,security-team"}),
    )
    .await;
    // 7. Merge and close
    let pushed = s
        .play(
            "pm_push_branch",
            json!({"issue_key": "PROJ-005", "create_pr": true, "reviewers": "backend-team"}),
        )
        .await;
    s.play(
        "pm_complete_issue",
        json!({"issue_key": "PROJ-005",
               "lessons_learned": "WebSocket scaling required more research than expected"}),
    )
    .await;
    let example_1 = s.played.len();
    let example_1_tokens: usize = s.played.iter().map(Played::tokens).sum();

    // ── Example 2: Daily LLM Agent Workflow ──
    s.play("pm_docs", json!({})).await;
    s.play("pm_status", json!({})).await;
    s.play("pm_my_queue", json!({"sort": "urgency"})).await;
    s.play("pm_blocked_issues", json!({"actionable_by_me": true}))
        .await;
    s.play("pm_get_issue", json!({"issue_key": "PROJ-003"}))
        .await;
    s.play("pm_start_work", json!({"issue_key": "PROJ-003"}))
        .await;
    std::fs::write(
        w.repo.join("src/events.py"),
        "from collections import deque\n\nEVENTS = deque(maxlen=10_000)\n",
    )
    .unwrap();
    s.play(
        "pm_log_work",
        json!({"issue_key": "PROJ-003", "type": "code",
               "summary": "Fixed memory leak in event processor",
               "artifacts": "src/events.py", "time_spent": "2h"}),
    )
    .await;
    s.play(
        "pm_update_status",
        json!({"issue_key": "PROJ-003", "status": "review",
               "notes": "Memory leak fixed, needs performance testing"}),
    )
    .await;
    s.play("pm_daily_standup", json!({})).await;
    s.play("pm_weekly_report", json!({})).await;

    // ── Example 3: Project Health & Analytics (the analytics toolset on) ──
    let example_2_end = s.played.len();
    let mut a = Session {
        client: connect_with(&w, &["--toolsets", "core,git,analytics,reports"]).await,
        played: Vec::new(),
    };
    a.play("pm_project_dashboard", json!({"timeframe": "1m"}))
        .await;
    a.play("pm_risk_assessment", json!({"critical_only": true}))
        .await;
    let graph = a
        .play("pm_dependency_graph", json!({"critical_path": true}))
        .await;
    let capacity = a
        .play("pm_capacity_planning", json!({"timeframe": "2w"}))
        .await;
    a.play("pm_blocked_issues", json!({})).await;
    let accuracy = a
        .play("pm_effort_accuracy", json!({"timeframe": "3m"}))
        .await;
    let optimize = a
        .play("pm_optimize_workflow", json!({"focus": "efficiency"}))
        .await;
    a.client.cancel().await.unwrap();
    if graph.get("critical_path").is_none() {
        problems.push(format!("pm_dependency_graph: no critical_path in {graph}"));
    }
    // PROJ-5 was completed with 4h logged: effort accuracy counts it as done
    // work (with or without an estimate in hours).
    let counted = accuracy["overall"]["issues"].as_u64().unwrap_or(0)
        + accuracy["without_estimate"].as_u64().unwrap_or(0)
        + accuracy["without_time"].as_u64().unwrap_or(0);
    if counted < 1 {
        problems.push(format!(
            "pm_effort_accuracy: PROJ-5 is not counted: {accuracy}"
        ));
    }
    if capacity["owners"].as_array().is_none_or(|o| o.is_empty()) {
        problems.push(format!(
            "pm_capacity_planning: no owner, though PROJ-3 has one: {capacity}"
        ));
    }
    if optimize["focus"] != "efficiency" {
        problems.push(format!("pm_optimize_workflow: focus not kept: {optimize}"));
    }
    s.played.extend(a.played);

    // ── What the examples should have left behind ──
    let all_tokens: usize = s.played.iter().map(Played::tokens).sum();
    let example_3_tokens: usize = s.played[example_2_end..].iter().map(Played::tokens).sum();
    println!(
        "\nresult text (bytes/4): Example 1 {example_1_tokens} tokens in {example_1} calls; Example 3 {example_3_tokens} tokens; all three {all_tokens} tokens"
    );
    for (i, p) in s.played.iter().enumerate() {
        println!(
            "  {:>2} {:<22} {:>5} tokens{}",
            i + 1,
            p.tool,
            p.tokens(),
            if p.error.is_some() { "  FAILED" } else { "" }
        );
    }
    for p in &s.played {
        if let Some(e) = &p.error {
            problems.push(format!("{} failed: {e}", p.tool));
        }
        if SHORT_RESULTS.contains(&p.tool) && p.error.is_none() && p.tokens() > WRITE_RESULT_BUDGET
        {
            problems.push(format!(
                "{}: result text is {} tokens, over {WRITE_RESULT_BUDGET}",
                p.tool,
                p.tokens()
            ));
        }
    }
    if example_1_tokens > EXAMPLE_1_BUDGET {
        problems.push(format!(
            "Example 1's result text is {example_1_tokens} tokens, over {EXAMPLE_1_BUDGET}"
        ));
    }
    if s.played[..example_1]
        .iter()
        .any(|p| p.tool == "pm_push_branch" && p.error.is_none())
        && find_str(&pushed, &["compare_url", "pr_title"]).is_none()
    {
        // origin is a local path, so there is no forge to compare on: the
        // fallback is a ready title and body to open one by hand.
        problems.push(format!(
            "pm_push_branch: without gh, neither a compare URL nor a ready pull request title: {pushed}"
        ));
    }

    // PROJ-5: done, with the lesson and 4h logged, as the store reads it.
    let five: Value = serde_json::from_str(&cli(
        &w,
        &["call", "pm_get_issue", r#"{"issue_key":"PROJ-5"}"#],
    ))
    .unwrap();
    let status = issue_status(&five);
    if status != Some("done") {
        problems.push(format!("PROJ-5 is {status:?}, not done"));
    }
    if !five
        .to_string()
        .contains("WebSocket scaling required more research")
    {
        problems.push("PROJ-5 does not carry its lesson learned".into());
    }
    let logged = five.get("time_spent").and_then(Value::as_str);
    if logged != Some("4h") {
        problems.push(format!("PROJ-5 has {logged:?} logged, not 4h"));
    }
    // Its branch, with the commit, here and on origin.
    let branch = "feat/proj-5-real-time-notifications";
    let subject = "[pm PROJ-5] feat: Add WebSocket server implementation";
    let has = |dir: &Path, git_dir: bool| {
        let mut args: Vec<String> = Vec::new();
        if git_dir {
            args.push(format!("--git-dir={}", dir.display()));
        }
        args.extend([
            "log".into(),
            "--format=%s".into(),
            branch.into(),
            "--".into(),
        ]);
        Command::new("git")
            .current_dir(if git_dir { dir.parent().unwrap() } else { dir })
            .args(&args)
            .output()
            .map(|o| {
                o.status.success()
                    && String::from_utf8_lossy(&o.stdout)
                        .lines()
                        .any(|l| l == subject)
            })
            .unwrap_or(false)
    };
    if !has(&w.repo, false) {
        problems.push(format!(
            "the repository has no branch {branch} with a commit '{subject}'; branches: {}; log: {}",
            git(&w.repo, &["branch", "--format=%(refname:short)"]).replace('\n', ", "),
            git(&w.repo, &["log", "--all", "--format=%s"]).replace('\n', " | ")
        ));
    }
    if !has(&w.origin, true) {
        problems.push(format!("origin has no branch {branch} with '{subject}'"));
    }
    // PROJ-3: in review.
    let three: Value = serde_json::from_str(&cli(
        &w,
        &["call", "pm_get_issue", r#"{"issue_key":"PROJ-3"}"#],
    ))
    .unwrap();
    let status = issue_status(&three);
    if status != Some("review") {
        problems.push(format!("PROJ-3 is {status:?}, not review"));
    }

    s.client.cancel().await.unwrap();
    assert!(
        problems.is_empty(),
        "the original examples do not run as written ({} problems):\n- {}",
        problems.len(),
        problems.join("\n- ")
    );
}
