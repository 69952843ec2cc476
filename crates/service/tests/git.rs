//! The git operations of the service, driven through `Service::call` against
//! real repositories in temp dirs: a local bare repository is `origin`, git is
//! the real executable and only `gh` is replaced by a shell script.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use lazypm_git::GitProgram;
use lazypm_service::{Context, EventSink, Service, ServiceError};
use serde_json::{Value, json};
use tempfile::TempDir;

// ---------------------------------------------------------------- git in the test

/// Runs git in the test (not through the product); panics on failure.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = git_out(dir, args);
    assert!(
        out.status.success(),
        "git {args:?} in {} failed: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim_end().to_string()
}

fn git_out(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .expect("git runs")
}

/// A local identity for a TEST repository (the product never sets one).
fn identity(dir: &Path) {
    git(dir, &["config", "user.name", "Test Person"]);
    git(dir, &["config", "user.email", "test@example.com"]);
    git(dir, &["config", "commit.gpgsign", "false"]);
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write file");
}

fn branch_of(dir: &Path) -> String {
    git(dir, &["branch", "--show-current"])
}

fn head(dir: &Path) -> String {
    git(dir, &["rev-parse", "HEAD"])
}

/// A bare repository `<root>/<bare>` whose `main` has one commit, made in `<root>/<seed>`.
fn make_origin(root: &Path, bare: &str, seed: &str) {
    git(root, &["init", "--quiet", "--bare", "-b", "main", bare]);
    git(root, &["init", "--quiet", "-b", "main", seed]);
    let seed = root.join(seed);
    identity(&seed);
    write(&seed, "README.md", "hello\n");
    git(&seed, &["add", "README.md"]);
    git(&seed, &["commit", "--quiet", "-m", "initial"]);
    git(&seed, &["remote", "add", "origin", &format!("../{bare}")]);
    git(&seed, &["push", "--quiet", "origin", "main"]);
}

/// Every file name under `dir`, recursively.
fn all_names(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        out.push(entry.file_name().to_string_lossy().into_owned());
        if entry.file_type().unwrap().is_dir() {
            all_names(&entry.path(), out);
        }
    }
}

// ---------------------------------------------------------------- the fixture

/// A temp dir with `origin.git` (bare, `main` with one commit), its clone `work`
/// (with a test identity), and a service over `lazypm.db` + `events.jsonl`
/// beside them whose working directory is `work`.
struct Fx {
    _tmp: TempDir,
    root: PathBuf,
    svc: Service,
}

impl Fx {
    /// The repositories and the service; no project registered.
    async fn bare() -> Fx {
        let tmp = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(tmp.path()).unwrap();
        make_origin(&root, "origin.git", "seed");
        git(&root, &["clone", "--quiet", "origin.git", "work"]);
        identity(&root.join("work"));
        let store = lazypm_store::open(&format!("sqlite://{}", root.join("lazypm.db").display()))
            .await
            .unwrap();
        let svc = Service::new(
            store,
            EventSink::new(root.join("events.jsonl")),
            Context {
                actor: "alice".into(),
                project: None,
                cwd: Some(root.join("work")),
                ..Context::default()
            },
        );
        Fx {
            _tmp: tmp,
            root,
            svc,
        }
    }

    /// `bare()` with `work` registered as project APP.
    async fn new() -> Fx {
        let fx = Self::bare().await;
        fx.init().await;
        fx
    }

    async fn init(&self) -> Value {
        ok(
            &self.svc,
            "pm_init_project",
            json!({"path": self.work(), "key": "APP"}),
        )
        .await
    }

    fn work(&self) -> PathBuf {
        self.root.join("work")
    }

    fn origin(&self) -> PathBuf {
        self.root.join("origin.git")
    }

    /// The same service (same store) with a changed context.
    fn with(&self, change: impl FnOnce(&mut Context)) -> Service {
        let mut ctx = self.svc.context().clone();
        change(&mut ctx);
        self.svc.with_context(ctx)
    }

    /// Everything a write can change: projects, every issue in full, the events
    /// table and events.jsonl.
    async fn snapshot(&self) -> Value {
        let mut tx = self.svc.store().begin_read().await.unwrap();
        let projects = tx.list_projects().await.unwrap();
        let mut events = 0;
        for p in &projects {
            events += tx
                .recent_events(&p.key, None, 1_000_000)
                .await
                .unwrap()
                .len();
        }
        drop(tx);
        let mut issues = Vec::new();
        for p in &projects {
            let list = ok(
                &self.svc,
                "pm_list_issues",
                json!({"project_id": p.key, "limit": 200, "fields": ["key"]}),
            )
            .await;
            for i in list["issues"].as_array().unwrap() {
                issues.push(get(&self.svc, i["key"].as_str().unwrap()).await);
            }
        }
        let jsonl = std::fs::read_to_string(self.root.join("events.jsonl")).unwrap_or_default();
        json!({ "projects": projects, "issues": issues, "events": events, "jsonl": jsonl })
    }

    async fn assert_unchanged(&self, before: &Value, what: &str) {
        let now = self.snapshot().await;
        assert!(
            now == *before,
            "the store changed after a failed {what}:\nbefore: {before}\nafter:  {now}"
        );
    }
}

// ---------------------------------------------------------------- calls

async fn ok(svc: &Service, tool: &str, args: Value) -> Value {
    match svc.call(tool, args.clone()).await {
        Ok(v) => v,
        Err(e) => panic!("{tool}({args}) failed: [{}] {e}", e.code()),
    }
}

async fn fail(svc: &Service, tool: &str, args: Value) -> ServiceError {
    match svc.call(tool, args.clone()).await {
        Ok(v) => panic!("{tool}({args}) should have failed, got {v}"),
        Err(e) => e,
    }
}

/// Creates a feature issue (unless `extra` says otherwise); returns its key.
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

async fn start_with_branch(svc: &Service, key: &str) -> String {
    let out = ok(
        svc,
        "pm_start_work",
        json!({"issue_key": key, "create_branch": true}),
    )
    .await;
    out["branch"]["branch"].as_str().unwrap().to_string()
}

/// Writes `file` in `dir` and commits every change with pm_commit; returns the sha.
async fn pm_commit(svc: &Service, dir: &Path, key: &str, file: &str, message: &str) -> String {
    write(dir, file, &format!("{message}\n"));
    let out = ok(
        svc,
        "pm_commit",
        json!({"issue_key": key, "message": message, "all": true}),
    )
    .await;
    out["commit"]["sha"].as_str().unwrap().to_string()
}

fn shas(issue: &Value) -> Vec<String> {
    issue["issue"]["implementation"]["commits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["sha"].as_str().unwrap().to_string())
        .collect()
}

// ---------------------------------------------------------------- fake gh

/// An executable `gh` in `dir` that logs its arguments (one per line, `--` after
/// each call) to `args.log` and the body of `pr create` to `stdin.log`.
fn fake_gh(dir: &Path, logged_in: bool) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("gh");
    let auth = if logged_in { 0 } else { 1 };
    let script = format!(
        r#"#!/bin/sh
here=$(dirname "$0")
for a in "$@"; do printf '%s\n' "$a" >> "$here/args.log"; done
echo '--' >> "$here/args.log"
case "$1 $2" in
  "auth status") exit {auth} ;;
  "pr create") cat > "$here/stdin.log"; echo "https://github.com/team/app/pull/7" ;;
  "pr view") echo '{{"state":"MERGED","url":"https://github.com/team/app/pull/7"}}' ;;
  *) echo "unexpected gh call: $*" >&2; exit 3 ;;
esac
"#
    );
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    // Another test thread may fork while the file was open for writing, which
    // makes exec fail with "text file busy" for a moment: wait that out here.
    for _ in 0..100 {
        match Command::new(&path).arg("warm-up").output() {
            Err(e) if e.raw_os_error() == Some(26) => std::thread::sleep(Duration::from_millis(20)),
            _ => break,
        }
    }
    let _ = std::fs::remove_file(dir.join("args.log"));
    path
}

/// The calls the fake gh received, each as its list of arguments.
fn gh_calls(dir: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(dir.join("args.log")).unwrap_or_default();
    let mut calls = vec![Vec::new()];
    for line in text.lines() {
        if line == "--" {
            calls.push(Vec::new());
        } else {
            calls.last_mut().unwrap().push(line.to_string());
        }
    }
    calls.pop();
    calls
}

// ---------------------------------------------------------------- 1. branch from base

#[tokio::test]
async fn create_branch_starts_from_the_fetched_base_and_is_idempotent() {
    let fx = Fx::new().await;
    let work = fx.work();
    // Someone else pushes to origin/main after `work` was cloned.
    git(&fx.root, &["clone", "--quiet", "origin.git", "other"]);
    let other = fx.root.join("other");
    identity(&other);
    write(&other, "news.txt", "news\n");
    git(&other, &["add", "news.txt"]);
    git(&other, &["commit", "--quiet", "-m", "news from elsewhere"]);
    git(&other, &["push", "--quiet", "origin", "main"]);
    let news = head(&other);

    let key = create(&fx.svc, "Add login page", json!({})).await;
    assert_eq!(key, "APP-1");
    let out = ok(&fx.svc, "pm_create_branch", json!({"issue_key": key})).await;
    let branch = "feat/app-1-add-login-page";
    assert_eq!(out["branch"], branch, "{out}");
    assert_eq!(out["created"], true);
    assert_eq!(out["base_branch"], "main");
    assert_eq!(out["started_from"], "origin/main");
    assert_eq!(out["repository"], work.display().to_string());
    assert_eq!(branch_of(&work), branch);
    // The fetch happened: the branch holds the commit pushed from elsewhere.
    assert!(
        git_out(&work, &["merge-base", "--is-ancestor", &news, "HEAD"])
            .status
            .success(),
        "the new branch does not contain origin's latest commit"
    );
    assert!(work.join("news.txt").exists());
    assert_eq!(get(&fx.svc, &key).await["issue"]["branch"], branch);

    // Again: the branch exists, nothing is created, the store is not written.
    let before = fx.snapshot().await;
    let again = ok(&fx.svc, "pm_create_branch", json!({"issue_key": key})).await;
    assert_eq!(again["created"], false, "{again}");
    assert_eq!(again["branch"], branch);
    assert_eq!(again["started_from"], Value::Null);
    assert_eq!(fx.snapshot().await, before);

    // A title full of shell metacharacters gives a safe name and runs nothing.
    let title = r#"$(touch pwned); rm -rf ~ && echo "x" | cat > y"#;
    let key = create(&fx.svc, title, json!({})).await;
    let out = ok(&fx.svc, "pm_create_branch", json!({"issue_key": key})).await;
    let safe = "feat/app-2-touch-pwned-rm-rf-echo-x-cat-y";
    assert_eq!(out["branch"], safe, "{out}");
    assert_eq!(branch_of(&work), safe);
    git(&work, &["check-ref-format", "--branch", safe]);
    let mut names = Vec::new();
    all_names(&fx.root, &mut names);
    assert!(
        !names.iter().any(|n| n == "pwned" || n == "y"),
        "a shell ran the title: {names:?}"
    );
    assert!(!std::env::current_dir().unwrap().join("pwned").exists());
}

// ---------------------------------------------------------------- 2. start work with a branch

#[tokio::test]
async fn start_work_creates_the_branch_and_a_refused_start_creates_none() {
    let fx = Fx::new().await;
    let work = fx.work();
    let key = create(&fx.svc, "Add login page", json!({})).await;
    let out = ok(
        &fx.svc,
        "pm_start_work",
        json!({"issue_key": key, "create_branch": true}),
    )
    .await;
    let branch = "feat/app-1-add-login-page";
    assert_eq!(out["started"], true, "{out}");
    assert_eq!(out["issue"]["status"], "in_progress");
    assert_eq!(out["issue"]["owner"], "alice");
    assert_eq!(out["issue"]["branch"], branch);
    assert_eq!(out["branch"]["created"], true);
    assert_eq!(out["branch"]["started_from"], "origin/main");
    assert_eq!(branch_of(&work), branch);
    let stored = get(&fx.svc, &key).await;
    assert_eq!(stored["issue"]["branch"], branch);
    assert_eq!(stored["issue"]["status"], "in_progress");

    // APP-3 blocks APP-2: starting APP-2 is refused before git is touched.
    let blocked = create(&fx.svc, "Export reports", json!({})).await;
    let blocker = create(&fx.svc, "Report schema", json!({})).await;
    ok(
        &fx.svc,
        "pm_link_issues",
        json!({"issue_key": blocker, "target_key": blocked, "kind": "blocks"}),
    )
    .await;
    let before = fx.snapshot().await;
    let e = fail(
        &fx.svc,
        "pm_start_work",
        json!({"issue_key": blocked, "create_branch": true}),
    )
    .await;
    assert_eq!(e.code(), "conflict", "{e}");
    assert!(e.to_string().contains(&blocker), "{e}");
    assert_eq!(git(&work, &["branch", "--list", "feat/app-2*"]), "");
    assert_eq!(branch_of(&work), branch);
    fx.assert_unchanged(&before, "pm_start_work of a blocked issue")
        .await;
}

// ---------------------------------------------------------------- 3. commit

#[tokio::test]
async fn commit_names_the_issue_links_the_commit_and_leaves_config_alone() {
    let fx = Fx::new().await;
    let work = fx.work();
    let config_before = git(&work, &["config", "--list", "--local"]);
    let who_before = (
        git(&work, &["config", "user.name"]),
        git(&work, &["config", "user.email"]),
    );
    let key = create(&fx.svc, "Add login page", json!({})).await;
    start_with_branch(&fx.svc, &key).await;

    write(&work, "a.txt", "a\n");
    write(&work, "b.txt", "b\n");
    let out = ok(
        &fx.svc,
        "pm_commit",
        json!({"issue_key": key, "message": "feat: x", "files": ["a.txt"], "time_spent": "45m"}),
    )
    .await;
    let sha = out["commit"]["sha"].as_str().unwrap().to_string();
    assert_eq!(sha, head(&work));
    // The conventional prefix stays in front of the tag.
    let message = "feat: [pm APP-1] x\n\nPM: APP-1";
    assert_eq!(out["message"], message, "{out}");
    assert_eq!(git(&work, &["log", "-1", "--format=%B"]), message);
    assert_eq!(
        git(
            &work,
            &["log", "-1", "--format=%(trailers:key=PM,valueonly)"]
        ),
        "APP-1"
    );
    assert_eq!(out["files"], json!(["a.txt"]));
    assert_eq!(out["branch"], "feat/app-1-add-login-page");
    assert_eq!(
        git(&work, &["show", "--name-only", "--format=", "HEAD"]),
        "a.txt"
    );
    assert!(git(&work, &["status", "--porcelain"]).contains("?? b.txt"));
    assert_eq!(
        git(&work, &["log", "-1", "--format=%an <%ae>"]),
        "Test Person <test@example.com>"
    );

    let issue = get(&fx.svc, &key).await;
    assert_eq!(shas(&issue), vec![sha.clone()]);
    assert_eq!(issue["issue"]["time_spent_minutes"], 45);
    let logs = issue["work_logs"].as_array().unwrap();
    let log = logs
        .iter()
        .find(|l| l["activity"] == "commit")
        .unwrap_or_else(|| panic!("no commit work log: {issue}"));
    assert_eq!(log["minutes"], 45);
    assert_eq!(log["artifacts"]["commits"], json!([sha]));
    assert_eq!(log["artifacts"]["files"], json!(["a.txt"]));

    // all: true takes the rest, new files included.
    let out = ok(
        &fx.svc,
        "pm_commit",
        json!({"issue_key": key, "message": "Add b", "all": true}),
    )
    .await;
    assert_eq!(out["files"], json!(["b.txt"]));
    assert_eq!(
        git(&work, &["log", "-1", "--format=%s"]),
        "[pm APP-1] Add b"
    );
    assert_eq!(shas(&get(&fx.svc, &key).await).len(), 2);
    assert_eq!(git(&work, &["status", "--porcelain"]), "");

    // An absolute path inside the repository is taken as relative to its root.
    write(&work, "c.txt", "c\n");
    let abs = work.join("c.txt");
    let out = ok(
        &fx.svc,
        "pm_commit",
        json!({"issue_key": key, "message": "Add c", "files": [abs]}),
    )
    .await;
    assert_eq!(out["files"], json!(["c.txt"]), "{out}");

    // Another issue cannot commit on this issue's branch.
    let other = create(&fx.svc, "Something else", json!({})).await;
    write(&work, "d.txt", "d\n");
    let before = fx.snapshot().await;
    let e = fail(
        &fx.svc,
        "pm_commit",
        json!({"issue_key": other, "message": "wrong place", "all": true}),
    )
    .await;
    assert_eq!(e.code(), "conflict", "{e}");
    assert!(e.to_string().contains("belongs to APP-1"), "{e}");
    fx.assert_unchanged(&before, "pm_commit on another issue's branch")
        .await;
    std::fs::remove_file(work.join("d.txt")).unwrap();

    // Nothing staged: refused, naming `files`, and nothing recorded.
    let before = fx.snapshot().await;
    let head_before = head(&work);
    let e = fail(
        &fx.svc,
        "pm_commit",
        json!({"issue_key": key, "message": "empty"}),
    )
    .await;
    assert_eq!(e.code(), "invalid_input", "{e}");
    assert_eq!(e.field(), Some("files"), "{e}");
    assert_eq!(head(&work), head_before);
    fx.assert_unchanged(&before, "pm_commit with nothing staged")
        .await;

    assert_eq!(
        git(&work, &["config", "--list", "--local"]),
        config_before,
        "lazypm changed the repository's local config"
    );
    assert_eq!(
        (
            git(&work, &["config", "user.name"]),
            git(&work, &["config", "user.email"])
        ),
        who_before
    );
}

// ---------------------------------------------------------------- 4. push without gh

#[tokio::test]
async fn push_without_gh_gives_a_ready_pull_request_and_the_compare_url() {
    let fx = Fx::new().await;
    let work = fx.work();
    let key = create(
        &fx.svc,
        "Add login page",
        json!({"description": "Users sign in with their email.",
               "acceptance_criteria": ["a user can sign in", "errors are shown"]}),
    )
    .await;
    let branch = start_with_branch(&fx.svc, &key).await;
    let sha = pm_commit(&fx.svc, &work, &key, "a.txt", "Add the form").await;
    let config_before = git(&work, &["config", "--list", "--local"]);
    let no_gh = fx.with(|c| c.gh = Some("/nonexistent/gh".into()));

    let out = ok(
        &no_gh,
        "pm_push_branch",
        json!({"issue_key": key, "create_pr": true}),
    )
    .await;
    let origin = fx.origin();
    let origin = origin.to_str().unwrap();
    assert_eq!(
        git(
            &fx.root,
            &[
                "--git-dir",
                origin,
                "rev-parse",
                &format!("refs/heads/{branch}")
            ]
        ),
        sha
    );
    assert_eq!(
        git(
            &work,
            &["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{u}"]
        ),
        format!("origin/{branch}")
    );
    // Pushing set the upstream and changed nothing else in the config.
    let config_after = git(&work, &["config", "--list", "--local"]);
    let added: Vec<&str> = config_after
        .lines()
        .filter(|l| !config_before.lines().any(|b| b == *l))
        .collect();
    assert!(config_before.lines().all(|b| config_after.contains(b)));
    assert!(
        added
            .iter()
            .all(|l| l.starts_with(&format!("branch.{branch}."))),
        "{added:?}"
    );
    assert_eq!(out["branch"], branch.as_str(), "{out}");
    assert_eq!(out["pull_request"], Value::Null);
    assert_eq!(out["pull_request_created"], false);
    assert_eq!(out["compare_url"], Value::Null);
    let note = out["note"].as_str().unwrap();
    assert!(note.contains("gh CLI is not installed"), "{note}");
    assert!(note.contains("not on a forge"), "{note}");
    assert_eq!(out["pr_title"], "[APP-1] Add login page");
    let body = out["pr_body"].as_str().unwrap();
    for part in [
        "Users sign in with their email.",
        "- [ ] a user can sign in",
        "- [ ] errors are shown",
        &sha[..7],
        "PM: APP-1",
    ] {
        assert!(body.contains(part), "{part:?} missing from {body}");
    }

    // A GitHub URL (pushes still go to the local bare repository): the compare page.
    git(
        &work,
        &[
            "config",
            "remote.origin.url",
            "https://github.com/team/app.git",
        ],
    );
    git(&work, &["config", "remote.origin.pushurl", origin]);
    let sha = pm_commit(&fx.svc, &work, &key, "b.txt", "Add errors").await;
    let out = ok(
        &no_gh,
        "pm_push_branch",
        json!({"issue_key": key, "create_pr": true}),
    )
    .await;
    let url = "https://github.com/team/app/compare/main...feat/app-1-add-login-page?expand=1";
    assert_eq!(out["compare_url"], url, "{out}");
    assert!(out["note"].as_str().unwrap().contains(url));
    assert_eq!(
        git(
            &fx.root,
            &[
                "--git-dir",
                origin,
                "rev-parse",
                &format!("refs/heads/{branch}")
            ]
        ),
        sha
    );
    let issue = get(&fx.svc, &key).await;
    assert_eq!(
        issue["issue"]["implementation"]["pull_request"],
        Value::Null
    );
}

// ---------------------------------------------------------------- 5. push with a fake gh

#[tokio::test]
async fn push_with_gh_opens_a_pull_request_and_merge_status_asks_it() {
    let fx = Fx::new().await;
    let work = fx.work();
    let key = create(
        &fx.svc,
        "Add login page",
        json!({"description": "Users sign in.", "acceptance_criteria": ["a user can sign in"]}),
    )
    .await;
    let branch = start_with_branch(&fx.svc, &key).await;
    pm_commit(&fx.svc, &work, &key, "a.txt", "Add the form").await;
    let gh_dir = fx.root.join("gh-in");
    let gh = fake_gh(&gh_dir, true);
    let svc = fx.with(|c| c.gh = Some(gh));

    let out = ok(
        &svc,
        "pm_push_branch",
        json!({"issue_key": key, "create_pr": true, "reviewers": ["ana", "team/backend"], "draft": true}),
    )
    .await;
    let calls = gh_calls(&gh_dir);
    assert_eq!(calls[0], ["auth", "status"], "{calls:?}");
    let create_call = calls
        .iter()
        .find(|c| c.starts_with(&["pr".into(), "create".into()]))
        .unwrap_or_else(|| panic!("gh pr create was not called: {calls:?}"));
    assert_eq!(
        *create_call,
        [
            "pr",
            "create",
            "--base",
            "main",
            "--head",
            &branch,
            "--title",
            "[APP-1] Add login page",
            "--body-file",
            "-",
            "--draft",
            "--reviewer",
            "ana",
            "--reviewer",
            "team/backend"
        ]
    );
    let stdin = std::fs::read_to_string(gh_dir.join("stdin.log")).unwrap();
    assert_eq!(stdin, out["pr_body"].as_str().unwrap());
    assert!(stdin.contains("- [ ] a user can sign in") && stdin.contains("PM: APP-1"));
    let pr = json!({"url": "https://github.com/team/app/pull/7", "number": 7, "state": "draft"});
    assert_eq!(out["pull_request"], pr, "{out}");
    assert_eq!(out["pull_request_created"], true);
    assert_eq!(out["note"], Value::Null);
    assert_eq!(
        get(&fx.svc, &key).await["issue"]["implementation"]["pull_request"],
        pr
    );

    let m = ok(&svc, "pm_merge_status", json!({"issue_key": key})).await;
    assert_eq!(m["merged"], true, "{m}");
    assert!(
        m["reason"].as_str().unwrap().contains("pull request"),
        "{m}"
    );
    assert_eq!(m["pull_request"]["state"], "merged");
    let calls = gh_calls(&gh_dir);
    assert_eq!(
        *calls.last().unwrap(),
        [
            "pr",
            "view",
            "https://github.com/team/app/pull/7",
            "--json",
            "state,url"
        ]
    );

    // gh installed but not logged in: no pull request, the reason in the note.
    let key = create(&fx.svc, "Add logout", json!({})).await;
    start_with_branch(&fx.svc, &key).await;
    pm_commit(&fx.svc, &work, &key, "b.txt", "Add the button").await;
    let gh_dir = fx.root.join("gh-out");
    let gh = fake_gh(&gh_dir, false);
    let svc = fx.with(|c| c.gh = Some(gh));
    let out = ok(
        &svc,
        "pm_push_branch",
        json!({"issue_key": key, "create_pr": true}),
    )
    .await;
    assert_eq!(out["pull_request"], Value::Null, "{out}");
    assert_eq!(out["pull_request_created"], false);
    assert!(
        out["note"].as_str().unwrap().contains("not logged in"),
        "{out}"
    );
    assert_eq!(out["pr_title"], "[APP-2] Add logout");
    assert_eq!(gh_calls(&gh_dir), vec![vec!["auth", "status"]]);
    assert_eq!(
        get(&fx.svc, &key).await["issue"]["implementation"]["pull_request"],
        Value::Null
    );
}

// ---------------------------------------------------------------- 6. sync commits

#[tokio::test]
async fn sync_links_hand_made_commits_once() {
    let fx = Fx::new().await;
    let work = fx.work();
    for title in ["One", "Two", "Three"] {
        create(&fx.svc, title, json!({})).await;
    }
    write(&work, "x.txt", "x\n");
    git(&work, &["add", "x.txt"]);
    git(
        &work,
        &[
            "commit",
            "--quiet",
            "-m",
            "Fix the export",
            "-m",
            "PM: APP-2",
        ],
    );
    let by_trailer = head(&work);
    write(&work, "y.txt", "y\n");
    git(&work, &["add", "y.txt"]);
    git(
        &work,
        &["commit", "--quiet", "-m", "[pm APP-3] tweak the report"],
    );
    let by_tag = head(&work);
    write(&work, "z.txt", "z\n");
    git(&work, &["add", "z.txt"]);
    git(
        &work,
        &["commit", "--quiet", "-m", "Ghost", "-m", "PM: APP-99"],
    );

    let out = ok(&fx.svc, "pm_sync_commits", json!({})).await;
    let linked: Vec<(String, String)> = out["linked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["sha"].as_str().unwrap().to_string(),
                l["issue_key"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        linked,
        vec![
            (by_trailer.clone(), "APP-2".to_string()),
            (by_tag.clone(), "APP-3".to_string())
        ],
        "{out}"
    );
    assert_eq!(out["unknown_keys"], json!(["APP-99"]));
    assert_eq!(out["already_linked"], 0);
    assert_eq!(out["scanned"], 4);
    assert_eq!(shas(&get(&fx.svc, "APP-2").await), vec![by_trailer]);
    assert_eq!(shas(&get(&fx.svc, "APP-3").await), vec![by_tag]);
    assert!(shas(&get(&fx.svc, "APP-1").await).is_empty());
    let logs = get(&fx.svc, "APP-3").await["work_logs"].clone();
    assert_eq!(logs[0]["activity"], "commit", "{logs}");
    assert_eq!(logs[0]["author"], "Test Person");

    let before = fx.snapshot().await;
    let again = ok(&fx.svc, "pm_sync_commits", json!({})).await;
    assert_eq!(again["linked"], json!([]), "{again}");
    assert_eq!(again["already_linked"], 2);
    assert_eq!(again["unknown_keys"], json!(["APP-99"]));
    let after = fx.snapshot().await;
    assert_eq!(
        after["issues"], before["issues"],
        "a second sync changed issues"
    );
}

// ---------------------------------------------------------------- 7. merge status

#[tokio::test]
async fn merge_status_before_and_after_a_merge() {
    let fx = Fx::new().await;
    let work = fx.work();
    let key = create(&fx.svc, "Add login page", json!({})).await;
    let m = ok(&fx.svc, "pm_merge_status", json!({"issue_key": key})).await;
    assert_eq!(
        (m["merged"].clone(), m["branch_exists"].clone()),
        (json!(false), json!(false)),
        "{m}"
    );
    let branch = start_with_branch(&fx.svc, &key).await;
    pm_commit(&fx.svc, &work, &key, "a.txt", "First").await;
    pm_commit(&fx.svc, &work, &key, "b.txt", "Second").await;

    let m = ok(&fx.svc, "pm_merge_status", json!({"issue_key": key})).await;
    assert_eq!(m["merged"], false, "{m}");
    assert_eq!(m["branch_exists"], true);
    assert_eq!(m["ahead"], 2);
    assert_eq!(m["behind"], 0);
    assert_eq!(m["base_branch"], "main");
    assert!(m["reason"].as_str().unwrap().contains("not in main"), "{m}");

    git(&work, &["switch", "--quiet", "main"]);
    git(
        &work,
        &["merge", "--quiet", "--no-ff", "-m", "Merge login", &branch],
    );
    let m = ok(&fx.svc, "pm_merge_status", json!({"issue_key": key})).await;
    assert_eq!(m["merged"], true, "{m}");
    assert_eq!(m["ahead"], 0);
    assert!(
        m["reason"]
            .as_str()
            .unwrap()
            .contains("all 2 commit(s) of the issue are in main"),
        "{m}"
    );
    assert!(
        m["next_steps"][0]
            .as_str()
            .unwrap()
            .starts_with("pm_complete_issue"),
        "{m}"
    );
}

// ---------------------------------------------------------------- 8. linked worktrees

#[tokio::test]
async fn a_linked_worktree_is_where_the_caller_works() {
    let fx = Fx::new().await;
    let work = fx.work();
    git(
        &work,
        &["worktree", "add", "--quiet", "../wt", "-b", "feat/other"],
    );
    let wt = fx.root.join("wt");
    let in_wt = fx.with(|c| c.cwd = Some(wt.clone()));

    let s = ok(&in_wt, "pm_git_status", json!({})).await;
    assert_eq!(s["branch"], "feat/other", "{s}");
    assert_eq!(s["repository"], wt.display().to_string());
    assert_eq!(s["clean"], true);

    let key = create(&fx.svc, "Add login page", json!({})).await;
    let out = ok(&in_wt, "pm_create_branch", json!({"issue_key": key})).await;
    assert_eq!(out["repository"], wt.display().to_string(), "{out}");
    assert_eq!(branch_of(&wt), "feat/app-1-add-login-page");
    assert_eq!(branch_of(&work), "main", "the main work tree was switched");

    let s = ok(&in_wt, "pm_git_status", json!({"issue_key": key})).await;
    assert_eq!(s["branch"], "feat/app-1-add-login-page", "{s}");
    assert_eq!(s["issue"]["key"], key);
    let sha = pm_commit(&in_wt, &wt, &key, "a.txt", "In the worktree").await;
    assert_eq!(head(&wt), sha);
    assert_ne!(head(&work), sha);
}

#[tokio::test]
async fn a_worktree_nested_inside_the_project_is_where_the_caller_works() {
    let fx = Fx::new().await;
    let work = fx.work();
    std::fs::write(work.join(".git/info/exclude"), ".worktrees/\n").unwrap();
    git(
        &work,
        &[
            "worktree",
            "add",
            "--quiet",
            ".worktrees/wt",
            "-b",
            "feat/nested",
        ],
    );
    let wt = work.join(".worktrees/wt");
    let in_wt = fx.with(|c| c.cwd = Some(wt.clone()));
    // Without an issue the worktree is found…
    let s = ok(&in_wt, "pm_git_status", json!({})).await;
    assert_eq!(s["branch"], "feat/nested", "{s}");
    // …and with one it must be too.
    let key = create(&fx.svc, "Add login page", json!({})).await;
    let out = ok(&in_wt, "pm_create_branch", json!({"issue_key": key})).await;
    assert_eq!(
        branch_of(&work),
        "main",
        "the main work tree was switched: {out}"
    );
    assert_eq!(branch_of(&wt), "feat/app-1-add-login-page");
    assert_eq!(out["repository"], wt.display().to_string());
}

// ---------------------------------------------------------------- 9. submodules

#[tokio::test]
async fn an_issue_of_a_submodule_works_in_the_submodule_repository() {
    let fx = Fx::bare().await;
    let work = fx.work();
    make_origin(&fx.root, "core.git", "core-seed");
    let core_url = fx.root.join("core.git");
    git(
        &work,
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "--quiet",
            "add",
            core_url.to_str().unwrap(),
            "libs/core",
        ],
    );
    git(&work, &["commit", "--quiet", "-m", "Add the core library"]);
    let core = work.join("libs/core");
    identity(&core);
    let project = fx.init().await;
    let subs = &project["project"]["metadata"]["submodules"];
    assert_eq!(
        *subs,
        json!([{"name": "libs/core", "path": "libs/core", "has_own_repo": true}]),
        "{project}"
    );
    let super_head = head(&work);

    let key = create(&fx.svc, "Faster parser", json!({"module": "libs/core"})).await;
    let out = ok(&fx.svc, "pm_create_branch", json!({"issue_key": key})).await;
    let branch = "feat/app-1-faster-parser";
    assert_eq!(out["repository"], core.display().to_string(), "{out}");
    assert_eq!(out["started_from"], "origin/main");
    assert_eq!(branch_of(&core), branch);
    assert_eq!(branch_of(&work), "main");
    assert_eq!(git(&work, &["branch", "--list", "feat/*"]), "");

    write(&core, "parser.rs", "fn parse() {}\n");
    let c = ok(
        &fx.svc,
        "pm_commit",
        json!({"issue_key": key, "message": "perf: cache tokens", "files": ["parser.rs"]}),
    )
    .await;
    let sha = c["commit"]["sha"].as_str().unwrap();
    assert_eq!(head(&core), sha, "{c}");
    assert_eq!(head(&work), super_head, "the superproject got the commit");
    assert_eq!(
        git(&core, &["log", "-1", "--format=%B"]),
        "perf: [pm APP-1] cache tokens\n\nPM: APP-1"
    );
    assert_eq!(shas(&get(&fx.svc, &key).await), vec![sha.to_string()]);

    // Commits made by hand in the submodule are found by the sync too.
    write(&core, "lexer.rs", "fn lex() {}\n");
    git(&core, &["add", "lexer.rs"]);
    git(
        &core,
        &["commit", "--quiet", "-m", "Lexer", "-m", "PM: APP-1"],
    );
    let by_hand = head(&core);
    let s = ok(&fx.svc, "pm_sync_commits", json!({})).await;
    assert_eq!(s["linked"][0]["sha"], by_hand.as_str(), "{s}");
    assert_eq!(s["already_linked"], 1);
    assert!(
        s["repositories"]
            .as_array()
            .unwrap()
            .contains(&json!(core.display().to_string())),
        "{s}"
    );
}

// ---------------------------------------------------------------- 10. dirty trees

#[tokio::test]
async fn uncommitted_changes_are_refused_carried_or_stashed() {
    let fx = Fx::new().await;
    let work = fx.work();
    let one = create(&fx.svc, "Add login page", json!({})).await;
    let two = create(&fx.svc, "Add logout", json!({})).await;
    write(&work, "README.md", "changed\n");

    let before = fx.snapshot().await;
    let e = fail(&fx.svc, "pm_create_branch", json!({"issue_key": one})).await;
    assert_eq!(e.code(), "conflict", "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("README.md") && msg.contains("uncommitted"),
        "{msg}"
    );
    assert_eq!(branch_of(&work), "main");
    assert_eq!(git(&work, &["branch", "--list", "feat/*"]), "");
    fx.assert_unchanged(&before, "pm_create_branch over a dirty tree")
        .await;

    let out = ok(
        &fx.svc,
        "pm_create_branch",
        json!({"issue_key": one, "uncommitted": "carry"}),
    )
    .await;
    assert_eq!(out["created"], true, "{out}");
    assert_eq!(branch_of(&work), "feat/app-1-add-login-page");
    assert_eq!(
        std::fs::read_to_string(work.join("README.md")).unwrap(),
        "changed\n"
    );
    assert_eq!(git(&work, &["status", "--porcelain"]), " M README.md");

    let out = ok(
        &fx.svc,
        "pm_create_branch",
        json!({"issue_key": two, "uncommitted": "stash"}),
    )
    .await;
    assert_eq!(out["branch"], "feat/app-2-add-logout", "{out}");
    assert_eq!(branch_of(&work), "feat/app-2-add-logout");
    assert_eq!(git(&work, &["status", "--porcelain"]), "");
    assert_eq!(
        std::fs::read_to_string(work.join("README.md")).unwrap(),
        "hello\n"
    );
    let stashes = git(&work, &["stash", "list"]);
    assert_eq!(stashes.lines().count(), 1, "{stashes}");
    assert!(
        stashes.contains("lazypm: before switching to feat/app-2-add-logout"),
        "{stashes}"
    );
}

// ---------------------------------------------------------------- 11. failures

#[tokio::test]
async fn a_project_outside_git_is_refused_clearly() {
    let fx = Fx::bare().await;
    let plain = fx.root.join("plain");
    std::fs::create_dir_all(&plain).unwrap();
    ok(
        &fx.svc,
        "pm_init_project",
        json!({"path": plain, "key": "APP"}),
    )
    .await;
    let key = create(&fx.svc, "Add login page", json!({})).await;
    let before = fx.snapshot().await;
    let e = fail(&fx.svc, "pm_create_branch", json!({"issue_key": key})).await;
    assert_eq!(e.code(), "git", "{e}");
    assert!(
        e.to_string().contains("is not inside a git repository"),
        "{e}"
    );
    fx.assert_unchanged(&before, "pm_create_branch outside git")
        .await;
}

#[tokio::test]
async fn a_detached_head_refuses_to_commit() {
    let fx = Fx::new().await;
    let work = fx.work();
    let key = create(&fx.svc, "Add login page", json!({})).await;
    git(&work, &["checkout", "--quiet", "--detach"]);
    write(&work, "a.txt", "a\n");
    let before = fx.snapshot().await;
    let head_before = head(&work);
    let e = fail(
        &fx.svc,
        "pm_commit",
        json!({"issue_key": key, "message": "x", "all": true}),
    )
    .await;
    assert_eq!(e.code(), "git", "{e}");
    assert!(e.to_string().contains("detached"), "{e}");
    assert_eq!(head(&work), head_before);
    assert_eq!(git(&work, &["status", "--porcelain"]), "?? a.txt");
    fx.assert_unchanged(&before, "pm_commit on a detached HEAD")
        .await;
}

#[tokio::test]
async fn push_without_the_remote_names_it() {
    let fx = Fx::new().await;
    let work = fx.work();
    git(&work, &["remote", "remove", "origin"]);
    let key = create(&fx.svc, "Add login page", json!({})).await;
    // Without a remote the branch starts from the local base.
    let out = ok(&fx.svc, "pm_create_branch", json!({"issue_key": key})).await;
    assert_eq!(out["started_from"], "main", "{out}");
    pm_commit(&fx.svc, &work, &key, "a.txt", "Add the form").await;
    let before = fx.snapshot().await;
    let e = fail(&fx.svc, "pm_push_branch", json!({"issue_key": key})).await;
    assert_eq!(e.code(), "git", "{e}");
    assert!(e.to_string().contains("no remote named `origin`"), "{e}");
    fx.assert_unchanged(&before, "pm_push_branch without origin")
        .await;
}

#[tokio::test]
async fn a_missing_git_executable_is_named() {
    let fx = Fx::new().await;
    let key = create(&fx.svc, "Add login page", json!({})).await;
    let no_git = fx.with(|c| {
        c.git = GitProgram {
            program: "/nonexistent/git".into(),
            timeout: Duration::from_secs(10),
        }
    });
    let before = fx.snapshot().await;
    for (tool, args) in [
        ("pm_create_branch", json!({"issue_key": key})),
        ("pm_git_status", json!({})),
        (
            "pm_commit",
            json!({"issue_key": key, "message": "x", "all": true}),
        ),
    ] {
        let e = fail(&no_git, tool, args).await;
        assert_eq!(e.code(), "git", "{tool}: {e}");
        assert!(
            e.to_string().contains("git executable was not found"),
            "{tool}: {e}"
        );
    }
    fx.assert_unchanged(&before, "operation without git").await;
    assert_eq!(branch_of(&fx.work()), "main");
}

// ---------------------------------------------------------------- 12. log and stash

#[tokio::test]
async fn git_log_marks_linked_commits_and_stash_work_stashes_once() {
    let fx = Fx::new().await;
    let work = fx.work();
    let key = create(&fx.svc, "Add login page", json!({})).await;
    start_with_branch(&fx.svc, &key).await;
    let linked = pm_commit(&fx.svc, &work, &key, "a.txt", "Add the form").await;
    write(&work, "b.txt", "b\n");
    git(&work, &["add", "b.txt"]);
    git(&work, &["commit", "--quiet", "-m", "by hand, no trailer"]);
    let by_hand = head(&work);

    let log = ok(&fx.svc, "pm_git_log", json!({"issue_key": key})).await;
    assert_eq!(log["base_branch"], "main", "{log}");
    let commits = log["commits"].as_array().unwrap();
    assert_eq!(commits.len(), 2, "{log}");
    let find = |sha: &str| {
        commits
            .iter()
            .find(|c| c["sha"] == sha)
            .unwrap_or_else(|| panic!("{sha} not in {log}"))
    };
    assert_eq!(find(&linked)["linked"], true);
    assert_eq!(find(&linked)["on_branch"], true);
    assert_eq!(find(&by_hand)["linked"], false);
    assert_eq!(find(&by_hand)["subject"], "by hand, no trailer");
    assert!(
        log["next_steps"][0]
            .as_str()
            .unwrap()
            .starts_with("pm_sync_commits"),
        "{log}"
    );

    write(&work, "wip.txt", "half done\n");
    write(&work, "a.txt", "changed\n");
    let s = ok(&fx.svc, "pm_stash_work", json!({"issue_key": key})).await;
    assert_eq!(s["stashed"], true, "{s}");
    assert_eq!(s["stash"].as_str().unwrap().len(), 40);
    assert_eq!(s["message"], "lazypm APP-1: work in progress");
    assert_eq!(s["branch"], "feat/app-1-add-login-page");
    assert_eq!(git(&work, &["status", "--porcelain"]), "");
    assert!(!work.join("wip.txt").exists());
    assert_eq!(
        git(&work, &["rev-parse", "refs/stash"]),
        s["stash"].as_str().unwrap()
    );

    let s = ok(&fx.svc, "pm_stash_work", json!({"issue_key": key})).await;
    assert_eq!(s["stashed"], false, "{s}");
    assert_eq!(s["stash"], Value::Null);
    assert_eq!(git(&work, &["stash", "list"]).lines().count(), 1);
}

#[tokio::test]
async fn git_log_leaves_out_base_commits_fetched_from_origin() {
    let fx = Fx::new().await;
    let work = fx.work();
    git(&fx.root, &["clone", "--quiet", "origin.git", "other"]);
    let other = fx.root.join("other");
    identity(&other);
    write(&other, "news.txt", "news\n");
    git(&other, &["add", "news.txt"]);
    git(&other, &["commit", "--quiet", "-m", "news from elsewhere"]);
    git(&other, &["push", "--quiet", "origin", "main"]);

    let key = create(&fx.svc, "Add login page", json!({})).await;
    start_with_branch(&fx.svc, &key).await;
    let linked = pm_commit(&fx.svc, &work, &key, "a.txt", "Add the form").await;
    let log = ok(&fx.svc, "pm_git_log", json!({"issue_key": key})).await;
    let listed: Vec<&str> = log["commits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["sha"].as_str().unwrap())
        .collect();
    assert_eq!(listed, vec![linked.as_str()], "{log}");
}

// ---------------------------------------------------------------- more edges

#[tokio::test]
async fn start_work_over_a_dirty_tree_changes_nothing() {
    let fx = Fx::new().await;
    let work = fx.work();
    let key = create(&fx.svc, "Add login page", json!({})).await;
    write(&work, "README.md", "changed\n");
    let before = fx.snapshot().await;
    let e = fail(
        &fx.svc,
        "pm_start_work",
        json!({"issue_key": key, "create_branch": true}),
    )
    .await;
    assert_eq!(e.code(), "conflict", "{e}");
    assert!(e.to_string().contains("README.md"), "{e}");
    assert_eq!(branch_of(&work), "main");
    fx.assert_unchanged(&before, "pm_start_work over a dirty tree")
        .await;
    assert_eq!(get(&fx.svc, &key).await["issue"]["status"], "proposed");
}

#[tokio::test]
async fn create_branch_restores_the_branch_pushed_earlier() {
    let fx = Fx::new().await;
    let work = fx.work();
    let key = create(&fx.svc, "Add login page", json!({})).await;
    let branch = start_with_branch(&fx.svc, &key).await;
    let pushed = pm_commit(&fx.svc, &work, &key, "a.txt", "Add the form").await;
    ok(&fx.svc, "pm_push_branch", json!({"issue_key": key})).await;
    git(&work, &["switch", "--quiet", "main"]);
    git(&work, &["branch", "--quiet", "-D", &branch]);

    let out = ok(&fx.svc, "pm_create_branch", json!({"issue_key": key})).await;
    assert_eq!(branch_of(&work), branch, "{out}");
    assert!(
        git_out(&work, &["merge-base", "--is-ancestor", &pushed, "HEAD"])
            .status
            .success(),
        "the recreated branch lost the pushed commit: {out}"
    );
}

#[tokio::test]
async fn merge_status_sees_a_merge_made_on_the_remote() {
    let fx = Fx::new().await;
    let work = fx.work();
    let key = create(&fx.svc, "Add login page", json!({})).await;
    let branch = start_with_branch(&fx.svc, &key).await;
    pm_commit(&fx.svc, &work, &key, "a.txt", "Add the form").await;
    ok(&fx.svc, "pm_push_branch", json!({"issue_key": key})).await;
    // The pull request is merged elsewhere (another clone stands in for the forge).
    git(&fx.root, &["clone", "--quiet", "origin.git", "other"]);
    let other = fx.root.join("other");
    identity(&other);
    git(
        &other,
        &[
            "merge",
            "--quiet",
            "--no-ff",
            "-m",
            "Merge pull request #7",
            &format!("origin/{branch}"),
        ],
    );
    git(&other, &["push", "--quiet", "origin", "main"]);

    let m = ok(
        &fx.with(|c| c.gh = Some("/nonexistent/gh".into())),
        "pm_merge_status",
        json!({"issue_key": key}),
    )
    .await;
    assert_eq!(m["merged"], true, "{m}");
}

/// A one-shot HTTP server on 127.0.0.1 that answers `answers.len()` requests in
/// order and hands back what it received (request line, headers, body).
fn http_server(answers: Vec<(u16, Value)>) -> (String, std::thread::JoinHandle<Vec<String>>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for (status, body) in answers {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
                if line == "\r\n" || line.is_empty() {
                    break;
                }
                request.push_str(&line);
            }
            let mut content = vec![0u8; length];
            reader.read_exact(&mut content).unwrap();
            request.push('\n');
            request.push_str(&String::from_utf8_lossy(&content));
            seen.push(request);
            let text = body.to_string();
            let mut stream = stream;
            write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                text.len()
            )
            .unwrap();
        }
        seen
    });
    (url, handle)
}

#[tokio::test]
async fn push_with_a_github_token_opens_the_pull_request_through_the_api() {
    let fx = Fx::new().await;
    let work = fx.work();
    let key = create(
        &fx.svc,
        "Rate-limit the login endpoint",
        json!({"description": "Five tries a minute.", "acceptance_criteria": ["the sixth try gets 429"]}),
    )
    .await;
    let branch = start_with_branch(&fx.svc, &key).await;
    pm_commit(&fx.svc, &work, &key, "limit.rs", "feat: limit logins").await;
    // The remote is on GitHub; pushes go to the local bare repository.
    let origin = fx.origin();
    git(
        &work,
        &[
            "config",
            "remote.origin.url",
            "https://github.com/team/app.git",
        ],
    );
    git(
        &work,
        &["config", "remote.origin.pushurl", origin.to_str().unwrap()],
    );
    let (api, server) = http_server(vec![
        (
            201,
            json!({"html_url": "https://github.com/team/app/pull/9", "number": 9}),
        ),
        (201, json!({})),
    ]);
    let svc = fx.with(|c| {
        c.gh = Some("/nonexistent/gh".into());
        c.github_token = Some("t0ken-secret".into());
        c.github_api = Some(api.clone());
    });
    let out = ok(
        &svc,
        "pm_push_branch",
        json!({"issue_key": key, "create_pr": true, "reviewers": ["ana", "team/backend"]}),
    )
    .await;
    assert_eq!(
        out["pull_request"]["url"],
        "https://github.com/team/app/pull/9"
    );
    assert_eq!(out["pull_request"]["number"], 9);
    assert_eq!(out["pull_request_created"], true);
    assert!(
        out["note"].is_null() && out["compare_url"].is_null(),
        "{out}"
    );
    let seen = server.join().unwrap();
    assert_eq!(seen.len(), 2);
    assert!(
        seen[0].starts_with("POST /repos/team/app/pulls HTTP/1.1"),
        "{}",
        seen[0]
    );
    assert!(
        seen[0].contains("Authorization: Bearer t0ken-secret"),
        "{}",
        seen[0]
    );
    let body: Value = serde_json::from_str(seen[0].rsplit_once('\n').unwrap().1).unwrap();
    assert_eq!(body["head"], branch.as_str());
    assert_eq!(body["base"], "main");
    assert_eq!(
        body["title"],
        format!("[{key}] Rate-limit the login endpoint")
    );
    assert!(
        body["body"]
            .as_str()
            .unwrap()
            .contains("- [ ] the sixth try gets 429")
    );
    assert_eq!(body["draft"], false);
    assert!(seen[1].starts_with("POST /repos/team/app/pulls/9/requested_reviewers"));
    let reviewers: Value = serde_json::from_str(seen[1].rsplit_once('\n').unwrap().1).unwrap();
    assert_eq!(
        reviewers,
        json!({"reviewers": ["ana"], "team_reviewers": ["backend"]})
    );
    let issue = get(&fx.svc, &key).await;
    assert_eq!(
        issue["issue"]["implementation"]["pull_request"]["number"],
        9
    );
}
