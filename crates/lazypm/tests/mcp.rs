//! A real MCP client session (rmcp's client) against the built binary over stdio.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use rmcp::model::{CallToolRequestParams, CallToolResult, ReadResourceRequestParams, Tool};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Value, json};

type Client = RunningService<RoleClient, ()>;

struct Env {
    _store: lazypm_testkit::TestStore,
    _dir: tempfile::TempDir,
    data: PathBuf,
    project: PathBuf,
}

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin!("lazypm").to_path_buf()
}

fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let project = dir.path().join("app");
    std::fs::create_dir_all(&project).unwrap();
    let store = lazypm_testkit::TestStore::for_data_dir(&data);
    let out = std::process::Command::new(bin())
        .current_dir(&project)
        .env("LAZYPM_DATA_DIR", &data)
        .args(["init", "--key", "APP", "--name", "App"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Env {
        _store: store,
        data,
        project,
        _dir: dir,
    }
}

async fn connect(e: &Env, actor: Option<&str>, args: &[&str]) -> Client {
    let mut cmd = tokio::process::Command::new(bin());
    cmd.current_dir(&e.project)
        .env("LAZYPM_DATA_DIR", &e.data)
        .env_remove("LAZYPM_TOOLSETS")
        .env_remove("LAZYPM_PROJECT")
        .env_remove("LAZYPM_ACTOR")
        .arg("mcp")
        .args(args);
    if let Some(a) = actor {
        cmd.env("LAZYPM_ACTOR", a);
    }
    ().serve(TokioChildProcess::new(cmd).unwrap())
        .await
        .unwrap()
}

async fn call(c: &Client, name: &str, args: Value) -> CallToolResult {
    let Value::Object(map) = args else {
        panic!("arguments must be an object")
    };
    c.call_tool(CallToolRequestParams::new(name.to_string()).with_arguments(map))
        .await
        .unwrap()
}

/// A successful call's structured result.
async fn ok(c: &Client, name: &str, args: Value) -> Value {
    let r = call(c, name, args).await;
    assert_ne!(r.is_error, Some(true), "{name} failed: {:?}", r.content);
    let v = r.structured_content.clone().expect("structured content");
    // The text copy is written for a model: lines, not a second copy of the
    // JSON; no nulls; every next step as a `next:` line at the end.
    let text = r.content[0].as_text().map(|t| t.text.clone()).unwrap();
    assert!(
        serde_json::from_str::<Value>(&text).is_err(),
        "{name}: the text is JSON: {text}"
    );
    for null in ["=null", ": null", "[]", "{}"] {
        assert!(!text.contains(null), "{name}: the text has {null}: {text}");
    }
    assert!(
        text.len() <= v.to_string().len() + 64,
        "{name}: the text is longer than the JSON: {text}"
    );
    for step in next_steps(&v) {
        assert!(
            text.contains(&format!("next: {step}")),
            "{name}: the text lacks the step {step}: {text}"
        );
    }
    v
}

/// A failed call's error object ({code, message, field}).
async fn err(c: &Client, name: &str, args: Value) -> Value {
    let r = call(c, name, args).await;
    assert_eq!(
        r.is_error,
        Some(true),
        "{name} should fail: {:?}",
        r.structured_content
    );
    r.structured_content.unwrap()["error"].clone()
}

fn next_steps(v: &Value) -> Vec<String> {
    v["next_steps"]
        .as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// cl100k tokens of what a model sees of each tool: name, description and
/// input schema (as JSON).
fn model_tokens(tools: &[Tool]) -> Vec<(String, usize)> {
    static BPE: std::sync::OnceLock<tiktoken_rs::CoreBPE> = std::sync::OnceLock::new();
    let bpe = BPE.get_or_init(|| tiktoken_rs::cl100k_base().unwrap());
    tools
        .iter()
        .map(|t| {
            let seen = format!(
                "{}\n{}\n{}",
                t.name,
                t.description.as_deref().unwrap_or_default(),
                serde_json::to_string(&t.input_schema).unwrap()
            );
            (
                t.name.to_string(),
                bpe.encode_with_special_tokens(&seen).len(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_daily_loop_over_mcp() {
    let e = env();
    let c = connect(&e, None, &[]).await;
    let info = c.peer_info().unwrap();
    assert_eq!(info.server_info.as_ref().unwrap().name, "lazypm");
    assert!(info.instructions.as_deref().unwrap().contains("pm_status"));

    let tools = c.list_all_tools().await.unwrap();
    let names: BTreeSet<String> = tools.iter().map(|t| t.name.to_string()).collect();
    let mut steps = Vec::new();

    let status = ok(&c, "pm_status", json!({})).await;
    assert_eq!(status["project"], "APP");
    steps.extend(next_steps(&status));
    let first = ok(&c, "pm_create_issue", json!({"type": "feature", "title": "Parse the config", "priority": "P2", "acceptance_criteria": ["reads TOML"]})).await;
    assert_eq!(first["issue"]["key"], "APP-1");
    steps.extend(next_steps(&first));
    ok(
        &c,
        "pm_create_issue",
        json!({"type": "bug", "title": "Reload on change", "dependencies": ["APP-1"]}),
    )
    .await;

    let next = ok(&c, "pm_suggest_next_work", json!({})).await;
    let suggested: Vec<&str> = next["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap())
        .collect();
    assert_eq!(suggested, vec!["APP-1"], "APP-2 waits on APP-1");
    steps.extend(next_steps(&next));

    let started = ok(&c, "pm_start_work", json!({"issue_key": "APP-1"})).await;
    assert_eq!(started["issue"]["status"], "in_progress");
    let owner = started["issue"]["owner"].as_str().unwrap().to_string();
    assert!(!owner.is_empty(), "the actor comes from the client's name");
    steps.extend(next_steps(&started));
    let logged = ok(&c, "pm_log_work", json!({"issue_key": "APP-1", "activity": "code", "summary": "parser", "time_spent": "2h30m"})).await;
    assert_eq!(logged["total_time_spent"], "2h30m");
    steps.extend(next_steps(&logged));
    let review = ok(
        &c,
        "pm_update_status",
        json!({"issue_key": "APP-1", "status": "review"}),
    )
    .await;
    assert_eq!(review["issue"]["status"], "review");
    let done = ok(
        &c,
        "pm_complete_issue",
        json!({"issue_key": "APP-1", "lessons_learned": ["spans help"]}),
    )
    .await;
    assert_eq!(done["completed"], true);
    steps.extend(next_steps(&done));
    let got = ok(&c, "pm_get_issue", json!({"issue_key": "APP-1"})).await;
    assert_eq!(got["issue"]["status"], "done");
    assert_eq!(got["work_logs"][0]["minutes"], 150);
    assert_eq!(got["time_spent"], "2h30m");
    assert_eq!(
        ok(&c, "pm_get_issue", json!({"issue_key": "APP-2"})).await["ready"],
        true
    );

    // Every next step names a tool of this server, or says how to enable it.
    let all: BTreeSet<&str> = lazypm_names();
    assert!(!steps.is_empty());
    for s in &steps {
        let tool = s.split([':', ' ']).next().unwrap();
        assert!(all.contains(tool), "next step names an unknown tool: {s}");
        assert!(
            names.contains(tool) || s.starts_with(&format!("{tool} (enable with --toolsets ")),
            "next step names a tool this server does not list: {s}"
        );
    }
    assert!(names.contains("pm_get_issue"));

    // The issue is a resource too.
    let res = c
        .read_resource(ReadResourceRequestParams::new("lazypm://issue/APP-1"))
        .await
        .unwrap();
    let text = match &res.contents[0] {
        rmcp::model::ResourceContents::TextResourceContents { text, .. } => text.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["issue"]["key"],
        "APP-1"
    );
    assert!(
        c.read_resource(ReadResourceRequestParams::new("lazypm://issue/APP-999"))
            .await
            .is_err()
    );

    // The guides as resources, and both prompts.
    for (uri, needle) in [
        ("lazypm://docs", "--toolsets"),
        ("lazypm://workflow", "pm_suggest_next_work"),
    ] {
        let res = c
            .read_resource(ReadResourceRequestParams::new(uri))
            .await
            .unwrap();
        let rmcp::model::ResourceContents::TextResourceContents { text, .. } = &res.contents[0]
        else {
            panic!("{uri}")
        };
        assert!(text.contains(needle), "{uri} lacks {needle}");
    }
    let prompts = c.list_prompts(None).await.unwrap();
    let names: Vec<&str> = prompts.prompts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec!["start_session", "standup"]);
    let standup = c
        .get_prompt(rmcp::model::GetPromptRequestParams::new("standup"))
        .await
        .unwrap();
    let said = serde_json::to_string(&standup.messages).unwrap();
    assert!(
        said.contains("APP-1"),
        "the stand-up names the completed issue: {said}"
    );
    let start = c
        .get_prompt(rmcp::model::GetPromptRequestParams::new("start_session"))
        .await
        .unwrap();
    assert!(
        serde_json::to_string(&start.messages)
            .unwrap()
            .contains("pm_status")
    );
    c.cancel().await.unwrap();
}

fn lazypm_names() -> BTreeSet<&'static str> {
    // The binary's full tool table, as `lazypm tools --json` prints it.
    let out = std::process::Command::new(bin())
        .args(["tools", "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: BTreeSet<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    names
        .into_iter()
        .map(|n| &*Box::leak(n.into_boxed_str()))
        .collect()
}

#[tokio::test]
async fn every_tool_is_annotated_and_refuses_bad_input_by_name() {
    let e = env();
    let c = connect(&e, None, &["--toolsets", "all"]).await;
    let tools: Vec<Tool> = c.list_all_tools().await.unwrap();
    assert_eq!(
        tools.len(),
        lazypm_names().len(),
        "--toolsets all lists every tool"
    );
    for t in &tools {
        let a = t
            .annotations
            .as_ref()
            .unwrap_or_else(|| panic!("{} has no annotations", t.name));
        assert!(
            a.read_only_hint.is_some()
                && a.destructive_hint.is_some()
                && a.idempotent_hint.is_some(),
            "{} lacks a hint",
            t.name
        );
        assert!(t.output_schema.is_some(), "{} has no output schema", t.name);
        assert!(
            t.description.as_ref().is_some_and(|d| d.len() >= 20),
            "{} needs a description",
            t.name
        );
        assert_eq!(
            t.input_schema.get("type").and_then(Value::as_str),
            Some("object"),
            "{}",
            t.name
        );
    }
    // Unknown arguments are refused by name, on every tool, and the server keeps serving.
    for t in &tools {
        let e = err(&c, &t.name, json!({"zz_not_a_field": 1})).await;
        let message = e["message"].as_str().unwrap();
        assert!(
            message.contains("zz_not_a_field") || e["field"] != Value::Null,
            "{}: {message}",
            t.name
        );
        if message.contains("unknown field") {
            assert_eq!(e["field"], "zz_not_a_field", "{}", t.name);
        }
    }
    // Wrong types, bad enums, missing issues.
    let e1 = err(
        &c,
        "pm_create_issue",
        json!({"type": "feature", "title": 42}),
    )
    .await;
    assert_eq!(e1["field"], "title");
    let e2 = err(
        &c,
        "pm_create_issue",
        json!({"type": "feature", "title": "x", "priority": "urgent"}),
    )
    .await;
    assert_eq!(e2["field"], "priority");
    assert!(
        e2["message"]
            .as_str()
            .unwrap()
            .contains("P1, P2, P3, P4, P5")
    );
    let e3 = err(&c, "pm_get_issue", json!({"issue_key": "APP-404"})).await;
    assert_eq!(e3["code"], "not_found");
    assert!(e3["message"].as_str().unwrap().contains("pm_search_issues"));
    let e4 = err(
        &c,
        "pm_update_status",
        json!({"issue_key": "APP-404", "status": "sideways"}),
    )
    .await;
    assert_eq!(e4["field"], "status");
    assert_eq!(
        ok(&c, "pm_status", json!({})).await["project"],
        "APP",
        "still serving"
    );
    c.cancel().await.unwrap();
}

#[tokio::test]
async fn toolsets_select_tools_and_the_budget_holds() {
    let e = env();
    let default = connect(&e, None, &[]).await;
    let core = default.list_all_tools().await.unwrap();
    let core_names: BTreeSet<String> = core.iter().map(|t| t.name.to_string()).collect();
    assert!(core_names.contains("pm_create_issue") && !core_names.contains("pm_delete_issue"));
    let blocked = err(
        &default,
        "pm_delete_issue",
        json!({"issue_key": "APP-1", "confirm": true}),
    )
    .await;
    assert!(
        blocked["message"]
            .as_str()
            .unwrap()
            .contains("--toolsets planning"),
        "{blocked}"
    );
    assert!(core_names.contains("pm_commit") && core_names.contains("pm_sync_commits"));
    for t in [
        "pm_project_dashboard",
        "pm_refine_issue",
        "pm_estimate",
        "pm_request_review",
        "pm_blocked_issues",
        "pm_daily_standup",
    ] {
        assert!(core_names.contains(t), "{t} is on by default");
    }
    // Budgets in cl100k tokens of what the model sees of each tool: its
    // name, description and input schema.
    let per_tool = model_tokens(&core);
    let core_tokens: usize = per_tool.iter().map(|(_, n)| n).sum();
    let mut table = per_tool.clone();
    table.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    println!("default tools, cl100k tokens (name + description + input schema):");
    for (name, n) in &table {
        println!("  {n:>5}  {name}");
    }
    let only_core = connect(&e, None, &["--toolsets", "core"]).await;
    let only_core_list = only_core.list_all_tools().await.unwrap();
    assert!(
        only_core_list.len() < core.len()
            && !only_core_list
                .iter()
                .any(|t| t.name == "pm_commit" || t.name == "pm_project_dashboard"),
        "--toolsets core is core alone"
    );
    let only_core_tokens: usize = model_tokens(&only_core_list).iter().map(|(_, n)| n).sum();
    // An alias runs its tool where the tool is enabled, and names it where it is not.
    let est = json!({"issue_key": "APP-1", "effort": "2h"});
    let refused = err(&only_core, "pm_estimate_issue", est.clone()).await;
    let says = refused["message"].as_str().unwrap();
    assert!(
        says.contains("pm_estimate") && says.contains("--toolsets planning"),
        "{says}"
    );
    ok(
        &default,
        "pm_create_issue",
        json!({"type": "chore", "title": "Sized"}),
    )
    .await;
    let sized = ok(&default, "pm_estimate_issue", est).await;
    assert!(sized.to_string().contains("APP-1"), "{sized}");
    // Steps name this server's tools, or say how to enable theirs.
    let dash = ok(&default, "pm_project_dashboard", json!({})).await;
    let started = ok(&only_core, "pm_start_work", json!({"issue_key": "APP-1"})).await;
    let core_only: BTreeSet<String> = only_core_list.iter().map(|t| t.name.to_string()).collect();
    for (server, steps) in [
        (&core_names, next_steps(&dash)),
        (&core_only, next_steps(&started)),
    ] {
        assert!(!steps.is_empty());
        for s in steps {
            let tool = s.split([':', ' ']).next().unwrap();
            assert!(
                server.contains(tool) || s.starts_with(&format!("{tool} (enable with --toolsets ")),
                "a step names a tool this server does not list: {s}"
            );
        }
    }

    let all = connect(&e, None, &["--toolsets", "all"]).await;
    let every = all.list_all_tools().await.unwrap();
    let all_tokens: usize = model_tokens(&every).iter().map(|(_, n)| n).sum();
    println!(
        "tools (cl100k): default {} tools, {core_tokens} tokens; core {} tools, {only_core_tokens} tokens; all {} tools, {all_tokens} tokens",
        core.len(),
        only_core_list.len(),
        every.len()
    );

    // A 50-row page of issues stays lean.
    for i in 0..55 {
        ok(&all, "pm_create_issue", json!({"type": "chore", "title": format!("Tidy the module number {i} before the release")})).await;
    }
    let page = call(&all, "pm_list_issues", json!({"limit": 50})).await;
    let page_tokens = page.content[0].as_text().unwrap().text.len() / 4;
    assert_eq!(
        page.structured_content.as_ref().unwrap()["issues"]
            .as_array()
            .unwrap()
            .len(),
        50
    );
    assert!(page_tokens <= 2000, "a 50-row page is {page_tokens} tokens");
    println!("50-row pm_list_issues page: {page_tokens} tokens");

    let ro = connect(&e, None, &["--toolsets", "all", "--read-only"]).await;
    for t in ro.list_all_tools().await.unwrap() {
        assert_eq!(
            t.annotations.unwrap().read_only_hint,
            Some(true),
            "{}",
            t.name
        );
    }
    let one = connect(
        &e,
        None,
        &[
            "--toolsets",
            "admin",
            "--tools",
            "pm_get_issue",
            "--exclude-tools",
            "pm_register_project",
        ],
    )
    .await;
    let names: BTreeSet<String> = one
        .list_all_tools()
        .await
        .unwrap()
        .iter()
        .map(|t| t.name.to_string())
        .collect();
    assert!(
        names.contains("pm_get_issue")
            && names.contains("pm_init_project")
            && !names.contains("pm_register_project")
    );
    for c in [default, only_core, all, ro, one] {
        c.cancel().await.unwrap();
    }

    // A bad selection is refused before MCP starts, naming the choices.
    let out = std::process::Command::new(bin())
        .env("LAZYPM_DATA_DIR", &e.data)
        .args(["mcp", "--toolsets", "cor"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected all or any of core"));

    // The budgets last, so every other check above has run when they fail.
    assert!(
        core_tokens <= 4000,
        "the default tools are {core_tokens} cl100k tokens, over 4,000"
    );
    assert!(
        all_tokens <= 9000,
        "all tools are {all_tokens} cl100k tokens, over 9,000"
    );
}

#[tokio::test]
async fn two_servers_on_one_store_one_start_wins() {
    let e = env();
    let a = connect(&e, Some("agent-a"), &[]).await;
    let b = connect(&e, Some("agent-b"), &[]).await;
    for round in 0..3 {
        let key = ok(
            &a,
            "pm_create_issue",
            json!({"type": "chore", "title": format!("Contested {round}")}),
        )
        .await["issue"]["key"]
            .as_str()
            .unwrap()
            .to_string();
        let (ra, rb) = tokio::join!(
            call(&a, "pm_start_work", json!({"issue_key": key})),
            call(&b, "pm_start_work", json!({"issue_key": key}))
        );
        let wins = [&ra, &rb]
            .iter()
            .filter(|r| r.is_error != Some(true))
            .count();
        assert_eq!(wins, 1, "round {round}: exactly one start wins");
        let loser = if ra.is_error == Some(true) { &ra } else { &rb };
        assert_eq!(
            loser.structured_content.as_ref().unwrap()["error"]["code"],
            "conflict"
        );
    }
    // Claims from both servers at once never take the same issue.
    for i in 0..4 {
        ok(
            &a,
            "pm_create_issue",
            json!({"type": "chore", "title": format!("Ready {i}")}),
        )
        .await;
    }
    let (ca, cb) = tokio::join!(
        ok(&a, "pm_suggest_next_work", json!({"claim": true})),
        ok(&b, "pm_suggest_next_work", json!({"claim": true}))
    );
    assert_ne!(ca["claimed"], cb["claimed"]);
    assert!(ca["claimed"].is_string() && cb["claimed"].is_string());
    a.cancel().await.unwrap();
    b.cancel().await.unwrap();
}

/// A client that works in one directory and says so through MCP roots.
struct RootsClient {
    root: String,
}

#[allow(deprecated)] // roots are how 2025-11-25 clients name their workspace
impl rmcp::ClientHandler for RootsClient {
    fn get_info(&self) -> rmcp::model::ClientConfig {
        let caps = rmcp::model::ClientCapabilities::builder()
            .enable_roots()
            .build();
        rmcp::model::ClientConfig::new(
            caps,
            rmcp::model::Implementation::new("roots-client", "1.0"),
        )
    }

    async fn list_roots(
        &self,
        _context: rmcp::service::RequestContext<RoleClient>,
    ) -> Result<rmcp::model::ListRootsResult, rmcp::ErrorData> {
        Ok(rmcp::model::ListRootsResult::new(vec![
            rmcp::model::Root::new(self.root.clone()),
        ]))
    }
}

#[tokio::test]
async fn the_clients_root_picks_the_project_and_its_name_is_the_actor() {
    let e = env();
    // A second project, and a server started outside both: only the root can tell.
    let other = e.project.parent().unwrap().join("other tool");
    std::fs::create_dir_all(&other).unwrap();
    let out = std::process::Command::new(bin())
        .current_dir(&other)
        .env("LAZYPM_DATA_DIR", &e.data)
        .args(["init", "--key", "OTH"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let outside = e.project.parent().unwrap().to_path_buf();

    let mut cmd = tokio::process::Command::new(bin());
    cmd.current_dir(&outside)
        .env("LAZYPM_DATA_DIR", &e.data)
        .env_remove("LAZYPM_PROJECT")
        .env_remove("LAZYPM_ACTOR")
        .arg("mcp");
    let root = format!(
        "file://{}",
        std::fs::canonicalize(&other)
            .unwrap()
            .display()
            .to_string()
            .replace(' ', "%20")
    );
    let c = RootsClient { root }
        .serve(TokioChildProcess::new(cmd).unwrap())
        .await
        .unwrap();
    // The root is read right after initialization; give the server a moment.
    let mut status = Value::Null;
    for _ in 0..50 {
        let r = call_with(&c, "pm_status", json!({})).await;
        if r.is_error != Some(true) {
            status = r.structured_content.unwrap();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        status["project"], "OTH",
        "the root's project, not the working directory's"
    );
    let created = call_with(
        &c,
        "pm_create_issue",
        json!({"type": "chore", "title": "Rooted"}),
    )
    .await;
    let issue = created.structured_content.unwrap();
    assert_eq!(issue["issue"]["key"], "OTH-1");
    let started = call_with(&c, "pm_start_work", json!({"issue_key": "OTH-1"})).await;
    let started = started.structured_content.unwrap();
    assert_eq!(
        started["issue"]["owner"], "roots-client",
        "the client's name is the actor: {started}"
    );
    c.cancel().await.unwrap();
}

async fn call_with<S: rmcp::Service<RoleClient>>(
    c: &RunningService<RoleClient, S>,
    name: &str,
    args: Value,
) -> CallToolResult {
    let Value::Object(map) = args else {
        panic!("arguments must be an object")
    };
    c.call_tool(CallToolRequestParams::new(name.to_string()).with_arguments(map))
        .await
        .unwrap()
}

/// The server over raw stdio, the way a broken or careless client talks to
/// it: every line gets an answer, and the server keeps serving.
#[test]
fn raw_stdio_answers_bad_lines_and_keeps_serving() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;
    use std::time::Duration;

    let e = env();
    let mut child = std::process::Command::new(bin())
        .current_dir(&e.project)
        .env("LAZYPM_DATA_DIR", &e.data)
        .env_remove("LAZYPM_TOOLSETS")
        .env_remove("LAZYPM_PROJECT")
        .arg("mcp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<Value>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| {
                panic!("the server wrote a line that is not JSON ({e}): {line}")
            });
            if tx.send(v).is_err() {
                break;
            }
        }
    });
    let next = |what: &str| -> Value {
        rx.recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no answer to {what}"))
    };
    fn write_line(stdin: &mut std::process::ChildStdin, bytes: &[u8]) {
        stdin.write_all(bytes).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    }
    let mut send = |bytes: &[u8]| write_line(&mut stdin, bytes);

    send(br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}"#);
    let init = next("initialize");
    assert_eq!(init["id"], 1);
    assert_eq!(init["result"]["serverInfo"]["name"], "lazypm");
    send(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);

    // Not JSON, not UTF-8, over 4 MiB: parse errors with id null.
    let mut oversized = vec![b'x'; 4 * 1024 * 1024 + 16];
    oversized[0] = b'"';
    for (line, says) in [
        (b"{this is not json".to_vec(), "not JSON"),
        (
            b"{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\",\"x\":\"\xff\xfe\"}".to_vec(),
            "UTF-8",
        ),
        (oversized, "MiB"),
    ] {
        send(&line);
        let a = next(says);
        assert_eq!(a["jsonrpc"], "2.0", "{a}");
        assert_eq!(a["id"], Value::Null, "{a}");
        assert_eq!(a["error"]["code"], -32700, "{a}");
        let message = a["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{says}: {message}");
    }

    // tools/call without a name, with a blank name, with arguments that are not an object.
    for (id, line, says) in [
        (
            2,
            r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"arguments":{}}}"#,
            "name",
        ),
        (
            3,
            r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":" ","arguments":{}}}"#,
            "name",
        ),
        (
            4,
            r#"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"pm_status","arguments":[1,2]}}"#,
            "arguments",
        ),
        (
            5,
            r#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"pm_status","arguments":"{}"}}"#,
            "arguments",
        ),
    ] {
        send(line.as_bytes());
        let a = next(line);
        assert_eq!(a["id"], id, "{a}");
        assert_eq!(a["error"]["code"], -32602, "{a}");
        assert!(
            a["error"]["message"].as_str().unwrap().contains(says),
            "{a}"
        );
    }

    // Still serving: a valid call gets its result.
    send(br#"{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"pm_status","arguments":{}}}"#);
    let a = next("a valid tools/call");
    assert_eq!(a["id"], 6, "{a}");
    assert_eq!(a["result"]["structuredContent"]["project"], "APP", "{a}");
    assert_ne!(a["result"]["isError"], true, "{a}");
    send(br#"{"jsonrpc":"2.0","id":7,"method":"ping"}"#);
    assert_eq!(next("ping")["id"], 7);

    drop(stdin);
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "the server ends cleanly when stdin closes: {status}"
    );
    reader.join().unwrap();
}
