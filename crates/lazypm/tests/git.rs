//! Git from the outside: an agent working an issue end to end over a real MCP
//! session, and the hooks a person's own `git commit` runs. Real repositories
//! in temp dirs with a local bare `origin`; `gh` is a recording fake on PATH.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use rmcp::model::CallToolRequestParams;
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Value, json};

type Client = RunningService<RoleClient, ()>;

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin!("lazypm").to_path_buf()
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A bare origin with `main`, a clone `app` with a test identity, a data dir,
/// and a bin dir holding a fake `gh` that records its arguments and stdin.
struct World {
    _store: lazypm_testkit::TestStore,
    tmp: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        git(root, &["init", "-q", "--bare", "-b", "main", "origin.git"]);
        git(root, &["clone", "-q", "origin.git", "app"]);
        let app = root.join("app");
        git(&app, &["config", "user.name", "Pat Person"]);
        git(&app, &["config", "user.email", "pat@example.com"]);
        git(&app, &["config", "commit.gpgsign", "false"]);
        git(&app, &["switch", "-q", "-c", "main"]);
        std::fs::write(app.join("README.md"), "app\n").unwrap();
        git(&app, &["add", "."]);
        git(&app, &["commit", "-q", "-m", "initial"]);
        git(&app, &["push", "-q", "-u", "origin", "main"]);
        git(&app, &["remote", "set-head", "origin", "main"]);
        let bin_dir = root.join("bin");
        std::fs::create_dir_all(&bin_dir).unwrap();
        let gh = bin_dir.join("gh");
        let log = root.join("gh.log");
        std::fs::write(
            &gh,
            format!(
                "#!/bin/sh\nlog='{}'\nfor a in \"$@\"; do printf '%s\\n' \"$a\" >> \"$log\"; done\n\
                 case \"$1 $2\" in\n\
                 'auth status') exit 0 ;;\n\
                 'pr create') cat > \"$log.body\"; echo 'https://github.com/team/app/pull/7' ;;\n\
                 'pr view') echo '{{\"state\":\"OPEN\",\"url\":\"https://github.com/team/app/pull/7\"}}' ;;\n\
                 'pr edit') exit 0 ;;\n\
                 *) exit 2 ;;\n\
                 esac\n",
                log.display()
            ),
        )
        .unwrap();
        make_executable(&gh);
        ready_to_run(&gh);
        let w = World {
            _store: lazypm_testkit::TestStore::for_data_dir(&tmp.path().join("data")),
            tmp,
        };
        let out = w.lazypm(&["init", "--key", "APP", "--name", "App"]);
        assert!(out.status.success(), "{}", stderr(&out));
        w
    }

    fn root(&self) -> &Path {
        self.tmp.path()
    }

    fn app(&self) -> PathBuf {
        self.root().join("app")
    }

    fn data(&self) -> PathBuf {
        self.root().join("data")
    }

    /// PATH with the fake `gh` first.
    fn path_var(&self) -> String {
        format!(
            "{}:{}",
            self.root().join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        )
    }

    fn lazypm(&self, args: &[&str]) -> std::process::Output {
        Command::new(bin())
            .current_dir(self.app())
            .env("LAZYPM_DATA_DIR", self.data())
            .env("LAZYPM_ACTOR", "pat")
            .env("PATH", self.path_var())
            .args(args)
            .output()
            .unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.lazypm(&all);
        assert!(out.status.success(), "lazypm {args:?}: {}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn gh_log(&self) -> Vec<String> {
        std::fs::read_to_string(self.root().join("gh.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    async fn agent(&self) -> Client {
        let mut cmd = tokio::process::Command::new(bin());
        cmd.current_dir(self.app())
            .env("LAZYPM_DATA_DIR", self.data())
            .env("LAZYPM_ACTOR", "agent-1")
            .env("PATH", self.path_var())
            .env_remove("LAZYPM_TOOLSETS")
            .arg("mcp");
        ().serve(TokioChildProcess::new(cmd).unwrap())
            .await
            .unwrap()
    }
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs a freshly written script once, retrying while Linux says "text file
/// busy": a process another test forked while the file was open for writing
/// holds it until that process execs. Once one run succeeds, no holder is left.
fn ready_to_run(script: &Path) {
    for _ in 0..100 {
        match Command::new(script).arg("--version").output() {
            Err(e) if e.raw_os_error() == Some(26) => {
                std::thread::sleep(std::time::Duration::from_millis(10))
            }
            Err(e) => panic!("cannot run {}: {e}", script.display()),
            Ok(_) => return,
        }
    }
    panic!("{} stayed busy", script.display());
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

async fn tool(c: &Client, name: &str, args: Value) -> Value {
    let Value::Object(map) = args else {
        panic!("arguments must be an object")
    };
    let r = c
        .call_tool(CallToolRequestParams::new(name.to_string()).with_arguments(map))
        .await
        .unwrap();
    assert_ne!(r.is_error, Some(true), "{name} failed: {:?}", r.content);
    r.structured_content.unwrap()
}

#[tokio::test]
async fn an_agent_works_an_issue_end_to_end_over_mcp() {
    let w = World::new();
    let c = w.agent().await;
    // The default tool list carries the git toolset.
    let names: Vec<String> = c
        .list_all_tools()
        .await
        .unwrap()
        .iter()
        .map(|t| t.name.to_string())
        .collect();
    for t in ["pm_commit", "pm_push_branch", "pm_sync_commits"] {
        assert!(
            names.iter().any(|n| n == t),
            "{t} missing from the default tools"
        );
    }

    let created = tool(
        &c,
        "pm_create_issue",
        json!({"type": "bug", "title": "Crash on `empty` config; $(rm -rf /)",
               "description": "The parser panics on an empty file.",
               "acceptance_criteria": ["empty config loads defaults"]}),
    )
    .await;
    let key = created["issue"]["key"].as_str().unwrap().to_string();
    assert_eq!(key, "APP-1");

    let started = tool(
        &c,
        "pm_start_work",
        json!({"issue_key": key, "create_branch": true}),
    )
    .await;
    assert_eq!(started["issue"]["status"], "in_progress");
    let branch = started["branch"].as_str().unwrap().to_string();
    assert_eq!(branch, "fix/app-1-crash-on-empty-config-rm-rf");
    assert_eq!(
        started["branch_note"],
        format!("created {branch} from origin/main")
    );
    assert_eq!(git(&w.app(), &["branch", "--show-current"]), branch);

    for (i, msg) in [
        "fix: load defaults for an empty config",
        "test: empty config",
    ]
    .iter()
    .enumerate()
    {
        std::fs::write(w.app().join(format!("f{i}.rs")), format!("// {i}\n")).unwrap();
        let made = tool(
            &c,
            "pm_commit",
            json!({"issue_key": key, "message": msg, "files": [format!("f{i}.rs")], "time_spent": "45m"}),
        )
        .await;
        assert_eq!(made["files"], json!([format!("f{i}.rs")]));
    }
    let subjects = git(&w.app(), &["log", "-2", "--format=%s"]);
    assert_eq!(
        subjects,
        "[pm APP-1] test: empty config\n[pm APP-1] fix: load defaults for an empty config"
    );
    assert_eq!(
        git(
            &w.app(),
            &["log", "-1", "--format=%(trailers:key=PM,valueonly)"]
        ),
        "APP-1"
    );

    let pushed = tool(
        &c,
        "pm_push_branch",
        json!({"issue_key": key, "create_pr": true, "reviewers": ["ana"], "draft": true}),
    )
    .await;
    assert_eq!(
        pushed["pull_request"]["url"],
        "https://github.com/team/app/pull/7"
    );
    assert_eq!(pushed["pull_request"]["number"], 7);
    assert_eq!(pushed["pull_request_created"], true);
    assert_eq!(
        git(
            &w.root().join("origin.git"),
            &["rev-parse", &format!("refs/heads/{branch}")]
        ),
        git(&w.app(), &["rev-parse", "HEAD"])
    );
    let args = w.gh_log();
    let create_at = args.iter().position(|a| a == "create").unwrap();
    assert_eq!(
        &args[create_at - 1..],
        &[
            "pr",
            "create",
            "--base",
            "main",
            "--head",
            &branch,
            "--title",
            "[APP-1] Crash on `empty` config; $(rm -rf /)",
            "--body-file",
            "-",
            "--draft",
            // Reviewers are asked for once the pull request is open.
            "pr",
            "edit",
            "https://github.com/team/app/pull/7",
            "--add-reviewer",
            "ana",
        ]
        .map(String::from)
    );
    let body = std::fs::read_to_string(w.root().join("gh.log.body")).unwrap();
    assert!(
        body.contains("The parser panics on an empty file."),
        "{body}"
    );
    assert!(body.contains("- [ ] empty config loads defaults"), "{body}");

    tool(
        &c,
        "pm_update_status",
        json!({"issue_key": key, "status": "review"}),
    )
    .await;
    let done = tool(&c, "pm_complete_issue", json!({"issue_key": key})).await;
    assert_eq!(done["issue"]["status"], "done");

    // A person's own commit naming the issue, made without lazypm.
    git(&w.app(), &["switch", "-q", "main"]);
    std::fs::write(w.app().join("NOTES.md"), "follow-up\n").unwrap();
    git(&w.app(), &["add", "NOTES.md"]);
    git(
        &w.app(),
        &[
            "commit",
            "-q",
            "-m",
            "Document the empty-config behaviour",
            "-m",
            "PM: APP-1",
        ],
    );
    let hand_made = git(&w.app(), &["rev-parse", "HEAD"]);
    let synced = tool(&c, "pm_sync_commits", json!({})).await;
    assert_eq!(synced["linked"].as_array().unwrap().len(), 1, "{synced}");
    assert_eq!(synced["linked"][0]["sha"], hand_made.as_str());
    assert_eq!(synced["already_linked"], 2);

    let issue = tool(&c, "pm_get_issue", json!({"issue_key": key})).await;
    let i = &issue["issue"];
    assert_eq!(i["branch"], branch.as_str());
    let commits = i["implementation"]["commits"].as_array().unwrap();
    assert_eq!(commits.len(), 3);
    assert_eq!(commits[2]["sha"], hand_made.as_str());
    assert_eq!(i["implementation"]["pull_request"]["number"], 7);
    assert_eq!(i["implementation"]["pull_request"]["state"], "draft");
    // Two commits logged 45m each by the agent; the person's commit logged by its author.
    let logs = issue["work_logs"].as_array().unwrap();
    let commit_logs: Vec<&Value> = logs.iter().filter(|l| l["activity"] == "commit").collect();
    assert_eq!(commit_logs.len(), 3);
    assert_eq!(
        commit_logs
            .iter()
            .filter(|l| l["author"] == "agent-1")
            .count(),
        2
    );
    assert!(commit_logs.iter().any(|l| l["author"] == "Pat Person"));
    c.cancel().await.unwrap();
}

#[test]
fn hooks_add_the_trailer_link_the_commit_and_keep_the_existing_hook() {
    let w = World::new();
    let hooks = w.app().join(".git/hooks");
    // An existing hook of the user's: it must keep running.
    let mark = w.root().join("own-hook-ran");
    std::fs::write(
        hooks.join("commit-msg"),
        format!("#!/bin/sh\necho ran >> '{}'\n", mark.display()),
    )
    .unwrap();
    make_executable(&hooks.join("commit-msg"));

    let out = w.lazypm(&["hooks", "install"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(hooks.join("commit-msg.pre-lazypm").exists());
    // Installing twice changes nothing.
    let again = w.lazypm(&["hooks", "install"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(!hooks.join("commit-msg.pre-lazypm.pre-lazypm").exists());

    w.json(&["issue", "create", "--title", "Add a --verbose flag"]);
    let started = w.json(&["start", "APP-1", "--branch"]);
    let branch = started["branch"].as_str().unwrap().to_string();

    std::fs::write(w.app().join("cli.rs"), "// verbose\n").unwrap();
    git(&w.app(), &["add", "cli.rs"]);
    git(&w.app(), &["commit", "-q", "-m", "Add the flag"]);
    assert_eq!(
        git(&w.app(), &["log", "-1", "--format=%B"]),
        "Add the flag\n\nPM: APP-1"
    );
    assert_eq!(std::fs::read_to_string(&mark).unwrap(), "ran\n");
    let sha = git(&w.app(), &["rev-parse", "HEAD"]);
    let shown = w.json(&["issue", "show", "APP-1"]);
    assert_eq!(shown["issue"]["branch"], branch.as_str());
    assert_eq!(
        shown["issue"]["implementation"]["commits"][0]["sha"],
        sha.as_str()
    );

    // A commit through lazypm is linked once, not twice (the hook stands aside).
    std::fs::write(w.app().join("cli.rs"), "// verbose, documented\n").unwrap();
    let made = w.json(&["git", "commit", "APP-1", "-m", "Document the flag", "--all"]);
    assert_eq!(
        made["message"],
        "[pm APP-1] feat: Document the flag\n\nPM: APP-1"
    );
    let shown = w.json(&["issue", "show", "APP-1"]);
    assert_eq!(
        shown["issue"]["implementation"]["commits"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        git(&w.app(), &["log", "-1", "--format=%B"])
            .matches("PM: APP-1")
            .count(),
        1
    );

    // Off an issue's branch the hook adds nothing.
    git(&w.app(), &["switch", "-q", "main"]);
    std::fs::write(w.app().join("other.txt"), "x\n").unwrap();
    git(&w.app(), &["add", "other.txt"]);
    git(&w.app(), &["commit", "-q", "-m", "Unrelated"]);
    assert_eq!(git(&w.app(), &["log", "-1", "--format=%B"]), "Unrelated");

    let out = w.lazypm(&["hooks", "uninstall"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let restored = std::fs::read_to_string(hooks.join("commit-msg")).unwrap();
    assert!(restored.contains("own-hook-ran"), "{restored}");
    assert!(!hooks.join("post-commit").exists());
}

#[test]
fn without_git_or_a_remote_the_answer_is_a_clear_error() {
    let w = World::new();
    w.json(&["issue", "create", "--title", "Something"]);
    // No git executable on PATH.
    let out = Command::new(bin())
        .current_dir(w.app())
        .env("LAZYPM_DATA_DIR", w.data())
        .env("PATH", w.root().join("bin"))
        .args(["git", "status"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("git executable was not found"),
        "{}",
        stderr(&out)
    );
    // No remote: the push names it, and the issue is unchanged.
    w.json(&["git", "branch", "APP-1"]);
    git(&w.app(), &["remote", "remove", "origin"]);
    let before = w.json(&["issue", "show", "APP-1"]);
    let out = w.lazypm(&["git", "push", "APP-1"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no remote named `origin`"),
        "{}",
        stderr(&out)
    );
    assert_eq!(w.json(&["issue", "show", "APP-1"]), before);
}
