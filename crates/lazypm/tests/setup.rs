//! Connecting agent clients: `lazypm setup` writes each client's MCP
//! configuration and an instructions block (idempotent, never touching the
//! user's own text, removable), `lazypm prime` gives a session's context,
//! and `lazypm doctor` names each fault of a broken setup.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::{Value, json};
use support::env;

#[test]
fn setup_twice_leaves_one_block_and_keeps_the_users_text() {
    let e = env();
    let claude_md = e.project.join("CLAUDE.md");
    std::fs::write(
        &claude_md,
        "# House rules\n\nRun the tests before pushing.\n",
    )
    .unwrap();
    std::fs::write(
        e.project.join(".mcp.json"),
        r#"{"mcpServers": {"other": {"command": "other-server"}}, "note": 1}"#,
    )
    .unwrap();
    std::fs::create_dir_all(e.project.join(".claude")).unwrap();
    let settings = e.project.join(".claude/settings.json");
    let theirs = json!({
        "permissions": {"allow": ["Bash(ls)"]},
        "hooks": {"SessionStart": [{"hooks": [{"type": "command", "command": "echo hi"}]}]}
    });
    std::fs::write(&settings, theirs.to_string()).unwrap();
    let dir = e.project.display().to_string();
    let first = e.ok(&["setup", "claude", "--dir", &dir]);
    assert!(
        first.contains(".mcp.json") && first.contains("CLAUDE.md"),
        "{first}"
    );
    let second = e.ok(&["setup", "claude", "--dir", &dir]);
    assert!(second.contains("nothing to change"), "{second}");
    // The session starts with `lazypm prime`, beside the user's own hook.
    let hooks: Value = serde_json::from_str(&std::fs::read_to_string(&settings).unwrap()).unwrap();
    assert_eq!(hooks["permissions"], theirs["permissions"]);
    let starts = hooks["hooks"]["SessionStart"].as_array().unwrap();
    assert_eq!(starts.len(), 2, "{hooks}");
    assert_eq!(starts[0]["hooks"][0]["command"], "echo hi");
    // Started as the MCP server is: by name, or by this binary's path.
    let mcp: Value =
        serde_json::from_str(&std::fs::read_to_string(e.project.join(".mcp.json")).unwrap())
            .unwrap();
    let server = mcp["mcpServers"]["pm"]["command"].as_str().unwrap();
    let hook = starts[1]["hooks"][0]["command"].as_str().unwrap();
    assert_eq!(hook, format!("{server} prime 2>/dev/null || true"));

    let text = std::fs::read_to_string(&claude_md).unwrap();
    assert!(
        text.starts_with("# House rules\n\nRun the tests before pushing.\n"),
        "{text}"
    );
    assert_eq!(text.matches("<!-- lazypm:begin -->").count(), 1, "{text}");
    assert!(
        text.contains("pm_suggest_next_work"),
        "the working agreement is in it: {text}"
    );
    let config: Value =
        serde_json::from_str(&std::fs::read_to_string(e.project.join(".mcp.json")).unwrap())
            .unwrap();
    assert_eq!(config["mcpServers"]["other"]["command"], "other-server");
    assert_eq!(config["note"], 1);
    assert_eq!(config["mcpServers"]["pm"]["args"], json!(["mcp"]));
    let command = config["mcpServers"]["pm"]["command"].as_str().unwrap();
    assert!(
        command == "lazypm" || std::path::Path::new(command).is_file(),
        "{command}"
    );

    // --print shows the same and writes nothing.
    let printed = e.ok(&["setup", "cursor", "--dir", &dir, "--print"]);
    assert!(
        printed.contains("mcpServers") && printed.contains("lazypm:begin"),
        "{printed}"
    );
    assert!(!e.project.join(".cursor").exists());

    // VS Code's own shape.
    e.ok(&["setup", "vscode", "--dir", &dir]);
    let vscode: Value =
        serde_json::from_str(&std::fs::read_to_string(e.project.join(".vscode/mcp.json")).unwrap())
            .unwrap();
    assert_eq!(vscode["servers"]["pm"]["type"], "stdio");
    assert!(
        std::fs::read_to_string(e.project.join("AGENTS.md"))
            .unwrap()
            .contains("lazypm:begin")
    );

    // Removing leaves the user's text, hook and other server exactly.
    e.ok(&["setup", "claude", "--dir", &dir, "--remove"]);
    let hooks: Value = serde_json::from_str(&std::fs::read_to_string(&settings).unwrap()).unwrap();
    assert_eq!(hooks, theirs);
    assert_eq!(
        std::fs::read_to_string(&claude_md).unwrap(),
        "# House rules\n\nRun the tests before pushing.\n"
    );
    let config: Value =
        serde_json::from_str(&std::fs::read_to_string(e.project.join(".mcp.json")).unwrap())
            .unwrap();
    assert!(config["mcpServers"].get("pm").is_none());
    assert_eq!(config["mcpServers"]["other"]["command"], "other-server");

    // Someone else's server named pm is not replaced.
    let theirs = r#"{"mcpServers": {"pm": {"command": "project-manager", "args": ["serve"]}}}"#;
    std::fs::write(e.project.join(".mcp.json"), theirs).unwrap();
    let err = e.fails(&["setup", "claude", "--dir", &dir]);
    assert!(err.contains("not lazypm"), "{err}");
    assert_eq!(
        std::fs::read_to_string(e.project.join(".mcp.json")).unwrap(),
        theirs
    );
    std::fs::remove_file(e.project.join(".mcp.json")).unwrap();

    // A begin marker without its end: replacing could take the user's text.
    let half = "# Notes\n<!-- lazypm:begin -->\nmine, not lazypm's\n";
    std::fs::write(&claude_md, half).unwrap();
    let err = e.fails(&["setup", "claude", "--dir", &dir]);
    assert!(err.contains("markers"), "{err}");
    assert_eq!(std::fs::read_to_string(&claude_md).unwrap(), half);
    std::fs::write(&claude_md, "# Notes\n").unwrap();

    // A config that is not JSON is refused and left alone.
    std::fs::write(e.project.join(".mcp.json"), "{ broken").unwrap();
    let err = e.fails(&["setup", "claude", "--dir", &dir]);
    assert!(err.contains("not valid JSON"), "{err}");
    assert_eq!(
        std::fs::read_to_string(e.project.join(".mcp.json")).unwrap(),
        "{ broken"
    );
}

#[test]
fn codex_gets_a_marked_toml_table() {
    let e = env();
    let home = e.data.parent().unwrap().join("codex");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join("config.toml"), "model = \"o4\"\n").unwrap();
    let dir = e.project.display().to_string();
    for _ in 0..2 {
        let out = e
            .cmd("alice", &["setup", "codex", "--dir", &dir])
            .env("CODEX_HOME", &home)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let toml = std::fs::read_to_string(home.join("config.toml")).unwrap();
    assert!(toml.starts_with("model = \"o4\"\n"), "{toml}");
    assert_eq!(toml.matches("[mcp_servers.pm]").count(), 1, "{toml}");
    assert!(toml.contains("args = [\"mcp\"]"), "{toml}");
}

#[test]
fn prime_gives_health_queue_ready_work_and_the_agreement() {
    let e = env();
    e.ok(&["init", "--key", "APP", "--name", "App"]);
    e.ok(&[
        "issue",
        "create",
        "--title",
        "Mine, started",
        "--priority",
        "P1",
    ]);
    e.ok(&["issue", "create", "--title", "Ready for anyone"]);
    e.ok(&["start", "APP-1"]);
    let out = e.ok(&["prime"]);
    assert!(out.starts_with("lazypm · APP (App): 2 open of 2"), "{out}");
    assert!(
        out.contains("Your queue (alice):\n  APP-1 [in_progress] P1 Mine, started"),
        "{out}"
    );
    assert!(
        out.contains("Ready next:\n  APP-2 [proposed] P3 Ready for anyone"),
        "{out}"
    );
    assert!(out.contains("pm_complete_issue"), "{out}");
    assert!(out.lines().count() < 30, "prime stays compact: {out}");
    let v = e.json(&["--json", "prime"]);
    assert_eq!(v["my_queue"]["items"][0]["key"], "APP-1");
}

#[test]
fn doctor_names_each_fault_of_a_broken_setup() {
    let e = env();
    // No project, no git, a broken client config, another naming a missing binary.
    std::fs::write(e.project.join(".mcp.json"), "{ not json").unwrap();
    std::fs::create_dir_all(e.project.join(".vscode")).unwrap();
    std::fs::write(
        e.project.join(".vscode/mcp.json"),
        r#"{"servers": {"pm": {"type": "stdio", "command": "/nowhere/lazypm", "args": ["mcp"]}}}"#,
    )
    .unwrap();
    let out = e.cmd("alice", &["--json", "doctor"]).output().unwrap();
    assert!(!out.status.success(), "a broken setup fails the doctor");
    let checks: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let level = |check: &str, needle: &str| -> String {
        checks
            .iter()
            .find(|c| c["check"] == check && c["message"].as_str().unwrap().contains(needle))
            .unwrap_or_else(|| panic!("no {check} check mentioning {needle}: {checks:#?}"))["level"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(level("project", "no current project"), "fail");
    assert_eq!(level("git", "not in a git repository"), "warn");
    assert_eq!(level("mcp", "not valid JSON"), "fail");
    assert_eq!(level("mcp", "/nowhere/lazypm"), "fail");
    assert_eq!(level("instructions", "no lazypm block"), "warn");
    assert_eq!(level("backups", "none yet"), "warn");
    assert_eq!(level("store", "opens and is writable"), "ok");
    for c in checks.iter().filter(|c| c["level"] != "ok") {
        assert!(
            c["fix"].as_str().is_some_and(|f| !f.is_empty()),
            "every fault says how to fix it: {c}"
        );
    }

    // Mended, it passes.
    std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(&e.project)
        .status()
        .unwrap();
    std::fs::remove_file(e.project.join(".mcp.json")).unwrap();
    std::fs::remove_dir_all(e.project.join(".vscode")).unwrap();
    e.ok(&["init", "--key", "APP"]);
    e.ok(&["setup", "claude"]);
    let out = e.ok(&["doctor"]);
    assert!(!out.contains("FAIL"), "{out}");
    assert!(out.contains("claude: "), "{out}");
    assert!(
        out.lines()
            .any(|l| l.contains("project") && l.contains("APP")),
        "{out}"
    );
}
