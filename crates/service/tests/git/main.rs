//! The git operations of the service, driven through `Service::call` against
//! real repositories in temp dirs: a local bare repository is `origin`, git is
//! the real executable and only `gh` is replaced by a shell script.
//!
//! This file holds the helpers and the fixture; the tests live in the modules.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use lazypm_git::GitProgram;
use lazypm_service::{Context, EventSink, Service, ServiceError};
use serde_json::{Value, json};
use tempfile::TempDir;

mod branches;
mod commit;
mod failures;
mod history;
mod places;
mod push;
mod store;

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
    _store: lazypm_testkit::TestStore,
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
        let test_store = lazypm_testkit::TestStore::new(&root);
        let store = lazypm_service::open_store(&test_store.url).await.unwrap();
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
            _store: test_store,
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
    out["branch"].as_str().unwrap().to_string()
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
    fake_gh_with(dir, logged_in, true)
}

/// [`fake_gh`] whose `pr edit` (requesting reviewers) succeeds or fails.
fn fake_gh_with(dir: &Path, logged_in: bool, reviewers_ok: bool) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("gh");
    let auth = if logged_in { 0 } else { 1 };
    let edit = if reviewers_ok {
        "exit 0"
    } else {
        "echo \"could not request reviewer: 'nobody' not found\" >&2; exit 1"
    };
    let script = format!(
        r#"#!/bin/sh
here=$(dirname "$0")
for a in "$@"; do printf '%s\n' "$a" >> "$here/args.log"; done
echo '--' >> "$here/args.log"
case "$1 $2" in
  "auth status") exit {auth} ;;
  "pr create") cat > "$here/stdin.log"; echo "https://github.com/team/app/pull/7" ;;
  "pr view") echo '{{"state":"MERGED","url":"https://github.com/team/app/pull/7"}}' ;;
  "pr edit") {edit} ;;
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

// ---------------------------------------------------------------- a fake GitHub API

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
