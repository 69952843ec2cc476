//! Integration tests against real repositories in temp dirs, with a local bare
//! repository as `origin`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use lazypm_git::{Dirty, GitError, GitProgram, Repo};
use tempfile::TempDir;

/// Run git in the test (not through the library); panics on failure.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Give a TEST repository a local identity (the library never does this).
fn identity(dir: &Path) {
    git(dir, &["config", "user.name", "Test Person"]);
    git(dir, &["config", "user.email", "test@example.com"]);
    git(dir, &["config", "commit.gpgsign", "false"]);
}

fn local_config(dir: &Path) -> String {
    git(dir, &["config", "--list", "--local"])
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write file");
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).expect("canonical path")
}

/// A bare `origin` with one commit on `main`, and a clone of it in `work`
/// (so `origin/HEAD` is set).
struct Fixture {
    tmp: TempDir,
}

impl Fixture {
    fn new() -> Self {
        let tmp = tempfile::tempdir().expect("temp dir");
        let root = tmp.path();
        git(
            root,
            &["init", "--quiet", "--bare", "-b", "main", "origin.git"],
        );
        git(root, &["init", "--quiet", "-b", "main", "seed"]);
        let seed = root.join("seed");
        identity(&seed);
        write(&seed, "README.md", "hello\n");
        git(&seed, &["add", "README.md"]);
        git(&seed, &["commit", "--quiet", "-m", "initial"]);
        git(&seed, &["remote", "add", "origin", "../origin.git"]);
        git(&seed, &["push", "--quiet", "origin", "main"]);
        git(root, &["clone", "--quiet", "origin.git", "work"]);
        identity(&root.join("work"));
        Self { tmp }
    }

    fn root(&self) -> &Path {
        self.tmp.path()
    }

    fn work(&self) -> PathBuf {
        self.tmp.path().join("work")
    }

    fn seed(&self) -> PathBuf {
        self.tmp.path().join("seed")
    }

    async fn repo(&self) -> Repo {
        Repo::open(self.work()).await.expect("open work")
    }
}

#[tokio::test]
async fn open_inside_a_subdirectory_finds_the_root() {
    let fx = Fixture::new();
    let sub = fx.work().join("a").join("b");
    std::fs::create_dir_all(&sub).expect("mkdir");
    let repo = Repo::open(&sub).await.expect("open");
    assert_eq!(canonical(repo.root()), canonical(&fx.work()));
    assert_eq!(
        repo.current_branch().await.expect("branch").as_deref(),
        Some("main")
    );
    assert_eq!(repo.head_sha().await.expect("sha").len(), 40);
}

#[tokio::test]
async fn bare_repository_is_refused() {
    let fx = Fixture::new();
    let err = Repo::open(fx.root().join("origin.git")).await.unwrap_err();
    assert!(matches!(err, GitError::BareRepository), "{err:?}");
    assert!(err.to_string().contains("bare"));
}

#[tokio::test]
async fn not_a_repository_is_refused() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let err = Repo::open(tmp.path()).await.unwrap_err();
    assert!(matches!(err, GitError::NotARepository { .. }), "{err:?}");
    let err = Repo::open(tmp.path().join("missing")).await.unwrap_err();
    assert!(matches!(err, GitError::NotARepository { .. }), "{err:?}");
}

#[tokio::test]
async fn default_branch_from_origin_head() {
    let fx = Fixture::new();
    // origin's HEAD says `trunk` even though `main` exists.
    git(&fx.work(), &["branch", "trunk"]);
    git(&fx.work(), &["push", "--quiet", "origin", "trunk"]);
    git(&fx.work(), &["remote", "set-head", "origin", "trunk"]);
    let repo = fx.repo().await;
    assert_eq!(
        repo.default_branch("origin").await.expect("default"),
        "trunk"
    );
    git(&fx.work(), &["remote", "set-head", "origin", "main"]);
    assert_eq!(
        repo.default_branch("origin").await.expect("default"),
        "main"
    );
}

#[tokio::test]
async fn default_branch_fallbacks() {
    let fx = Fixture::new();
    let work = fx.work();
    git(&work, &["remote", "set-head", "origin", "--delete"]);
    let repo = fx.repo().await;
    assert_eq!(
        repo.default_branch("origin").await.expect("default"),
        "main"
    );

    // No remote, only `trunk` and `dev` locally: trunk wins.
    let tmp = tempfile::tempdir().expect("temp dir");
    git(tmp.path(), &["init", "--quiet", "-b", "dev"]);
    identity(tmp.path());
    write(tmp.path(), "f", "x");
    git(tmp.path(), &["add", "f"]);
    git(tmp.path(), &["commit", "--quiet", "-m", "one"]);
    let repo = Repo::open(tmp.path()).await.expect("open");
    assert_eq!(repo.default_branch("origin").await.expect("default"), "dev");
    git(tmp.path(), &["branch", "trunk"]);
    assert_eq!(
        repo.default_branch("origin").await.expect("default"),
        "trunk"
    );
    assert!(!repo.has_remote("origin").await);
    assert_eq!(repo.remote_url("origin").await, None);
    let err = repo.fetch("origin", "main").await.unwrap_err();
    assert!(matches!(err, GitError::NoRemote { .. }), "{err:?}");
}

#[tokio::test]
async fn create_branch_from_the_remote_base_after_fetch() {
    let fx = Fixture::new();
    let repo = fx.repo().await;
    assert!(repo.has_remote("origin").await);
    assert!(
        repo.remote_url("origin")
            .await
            .expect("url")
            .ends_with("origin.git")
    );

    // Someone else pushes to main; the local main is now behind.
    write(&fx.seed(), "other.txt", "other\n");
    git(&fx.seed(), &["add", "other.txt"]);
    git(&fx.seed(), &["commit", "--quiet", "-m", "other work"]);
    git(&fx.seed(), &["push", "--quiet", "origin", "main"]);
    let remote_main = git(&fx.seed(), &["rev-parse", "HEAD"]).trim().to_string();

    let config_before = local_config(&fx.work());
    repo.fetch("origin", "main").await.expect("fetch");
    repo.create_branch("feat/app-1-login", "main", Some("origin"), Dirty::Refuse)
        .await
        .expect("create branch");
    assert_eq!(
        repo.current_branch().await.expect("branch").as_deref(),
        Some("feat/app-1-login")
    );
    assert_eq!(repo.head_sha().await.expect("sha"), remote_main);
    // The new branch does not track origin/main.
    assert_eq!(repo.status().await.expect("status").upstream, None);
    assert_eq!(local_config(&fx.work()), config_before, "config untouched");

    let err = repo
        .create_branch("feat/app-1-login", "main", None, Dirty::Refuse)
        .await
        .unwrap_err();
    assert!(matches!(err, GitError::BranchExists { .. }), "{err:?}");
    let err = repo
        .create_branch("bad..name", "main", None, Dirty::Refuse)
        .await
        .unwrap_err();
    assert!(matches!(err, GitError::InvalidName { .. }), "{err:?}");
    let err = repo
        .create_branch("feat/x", "nope", Some("origin"), Dirty::Refuse)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("origin/nope"), "{err}");
    assert!(repo.check_ref_format("feat/app-2-x").await);
    assert!(!repo.check_ref_format("-bad").await);
    assert!(!repo.check_ref_format("a b").await);
}

#[tokio::test]
async fn dirty_tree_refused_carried_and_stashed() {
    let fx = Fixture::new();
    let repo = fx.repo().await;
    write(&fx.work(), "README.md", "changed\n");
    write(&fx.work(), "new.txt", "new\n");

    let err = repo
        .create_branch("feat/a", "main", None, Dirty::Refuse)
        .await
        .unwrap_err();
    match &err {
        GitError::DirtyTree { files } => {
            assert!(files.contains(&"README.md".to_string()), "{files:?}");
            assert!(files.contains(&"new.txt".to_string()), "{files:?}");
        }
        other => panic!("expected DirtyTree, got {other:?}"),
    }
    assert!(err.to_string().contains("README.md"));
    assert_eq!(
        repo.current_branch().await.expect("branch").as_deref(),
        Some("main")
    );

    // Carry: the changes come along.
    repo.create_branch("feat/a", "main", None, Dirty::Carry)
        .await
        .expect("carry");
    assert_eq!(
        repo.current_branch().await.expect("branch").as_deref(),
        Some("feat/a")
    );
    let status = repo.status().await.expect("status");
    assert_eq!(status.files.len(), 2, "{status:?}");

    // switch refuses too, then stashes.
    let err = repo.switch("main", Dirty::Refuse).await.unwrap_err();
    assert!(matches!(err, GitError::DirtyTree { .. }), "{err:?}");
    repo.switch("main", Dirty::Stash)
        .await
        .expect("stash and switch");
    assert_eq!(
        repo.current_branch().await.expect("branch").as_deref(),
        Some("main")
    );
    assert!(repo.status().await.expect("status").is_clean());
    let stashes = git(&fx.work(), &["stash", "list"]);
    assert!(
        stashes.contains("lazypm: before switching to main"),
        "{stashes}"
    );

    // create_branch with Stash, and stash() itself.
    git(&fx.work(), &["stash", "pop", "--quiet"]);
    repo.create_branch("feat/b", "main", None, Dirty::Stash)
        .await
        .expect("stash and create");
    assert!(repo.status().await.expect("status").is_clean());
    assert_eq!(repo.stash("nothing").await.expect("stash"), None);
    write(&fx.work(), "README.md", "again\n");
    let sha = repo
        .stash("by hand")
        .await
        .expect("stash")
        .expect("a stash");
    assert_eq!(git(&fx.work(), &["rev-parse", "stash@{0}"]).trim(), sha);
    assert!(repo.status().await.expect("status").is_clean());
    // Switching to the current branch is a no-op even when dirty.
    write(&fx.work(), "README.md", "dirty\n");
    repo.switch("feat/b", Dirty::Refuse).await.expect("no-op");
}

#[tokio::test]
async fn commit_message_with_shell_metacharacters_is_stored_verbatim() {
    let fx = Fixture::new();
    let repo = fx.repo().await;
    let config_before = local_config(&fx.work());
    write(&fx.work(), "a.txt", "a\n");
    repo.add(&["a.txt".to_string()]).await.expect("add");
    let title = r#"$(rm -rf /); `echo hi` && "quotes" 'x' | > file"#;
    let message = format!("{title}\n\nbody line with $HOME and # not a comment\n\nPM: APP-1");
    let commit = repo.commit(&message).await.expect("commit");
    assert_eq!(commit.subject, title);
    assert_eq!(commit.author, "Test Person");
    assert_eq!(commit.author_email, "test@example.com");
    assert!(commit.at > 1_600_000_000);
    assert_eq!(commit.sha, repo.head_sha().await.expect("sha"));
    let stored = git(&fx.work(), &["log", "-1", "--format=%B"]);
    assert_eq!(stored.trim_end(), message);
    assert!(!fx.work().join("file").exists());
    assert!(!fx.work().join("hi").exists());
    assert_eq!(local_config(&fx.work()), config_before, "config untouched");
}

#[tokio::test]
async fn commit_with_nothing_staged_is_refused() {
    let fx = Fixture::new();
    let repo = fx.repo().await;
    let err = repo.commit("empty").await.unwrap_err();
    assert!(matches!(err, GitError::NothingToCommit), "{err:?}");
    // Unstaged changes are not staged changes.
    write(&fx.work(), "README.md", "changed\n");
    let err = repo.commit("empty").await.unwrap_err();
    assert!(matches!(err, GitError::NothingToCommit), "{err:?}");
    repo.add_all().await.expect("add all");
    assert!(repo.status().await.expect("status").has_staged());
    repo.commit("now").await.expect("commit");
}

#[tokio::test]
async fn push_sets_upstream_and_status_tracks_it() {
    let fx = Fixture::new();
    let repo = fx.repo().await;
    let config_before = local_config(&fx.work());
    repo.create_branch("feat/app-1-x", "main", None, Dirty::Refuse)
        .await
        .expect("branch");
    write(&fx.work(), "x.txt", "x\n");
    repo.add_all().await.expect("add");
    repo.commit("[pm APP-1] feat: x").await.expect("commit");
    repo.push("origin", "feat/app-1-x", true)
        .await
        .expect("push");

    let status = repo.status().await.expect("status");
    assert_eq!(status.branch.as_deref(), Some("feat/app-1-x"));
    assert_eq!(status.upstream.as_deref(), Some("origin/feat/app-1-x"));
    assert_eq!((status.ahead, status.behind), (0, 0));
    assert!(status.is_clean());

    write(&fx.work(), "y.txt", "y\n");
    repo.add(&["y.txt".to_string()]).await.expect("add");
    repo.commit("second").await.expect("commit");
    let status = repo.status().await.expect("status");
    assert_eq!((status.ahead, status.behind), (1, 0));
    assert_eq!(
        repo.push_current("origin", false).await.expect("push"),
        "feat/app-1-x"
    );
    assert_eq!(repo.status().await.expect("status").ahead, 0);

    // Setting the upstream writes branch config; that is git's own doing for the
    // pushed branch. Nothing else (identity, remotes) changed.
    let after = local_config(&fx.work());
    for line in config_before.lines() {
        assert!(after.contains(line), "lost config line {line}");
    }
    for line in after.lines().filter(|l| !config_before.contains(l)) {
        assert!(
            line.starts_with("branch.feat/app-1-x."),
            "unexpected config {line}"
        );
    }

    let err = repo
        .push("upstream", "feat/app-1-x", true)
        .await
        .unwrap_err();
    assert!(matches!(err, GitError::NoRemote { .. }), "{err:?}");
}

#[tokio::test]
async fn log_returns_trailers_and_subjects() {
    let fx = Fixture::new();
    let repo = fx.repo().await;
    write(&fx.work(), "a.txt", "a\n");
    repo.add_all().await.expect("add");
    repo.commit("[pm APP-1] feat: login\n\nDetails here.\n\nPM: APP-1")
        .await
        .expect("commit");
    write(&fx.work(), "b.txt", "b\n");
    repo.add_all().await.expect("add");
    repo.commit("fix: no trailer").await.expect("commit");

    let log = repo.log("main", 10).await.expect("log");
    assert_eq!(log.len(), 3);
    assert_eq!(log[0].subject, "fix: no trailer");
    assert!(log[0].pm_keys().is_empty());
    assert_eq!(log[1].subject, "[pm APP-1] feat: login");
    assert_eq!(log[1].pm_keys(), vec!["APP-1"]);
    assert_eq!(log[1].body, "Details here.\n\nPM: APP-1");
    assert_eq!(log[1].author_name, "Test Person");
    assert_eq!(log[1].author_email, "test@example.com");
    assert!(log[1].committed_at.contains('T'), "{}", log[1].committed_at);
    assert!(log[1].committed_at_unix > 1_600_000_000);
    assert_eq!(log[2].subject, "initial");

    let limited = repo.log("main", 1).await.expect("log");
    assert_eq!(limited.len(), 1);
    let range = repo.log("origin/main..main", 10).await.expect("log");
    assert_eq!(range.len(), 2);
    let err = repo.log("--output=/tmp/x", 1).await.unwrap_err();
    assert!(matches!(err, GitError::InvalidName { .. }), "{err:?}");
    let err = repo.log("no-such-branch", 1).await.unwrap_err();
    assert!(matches!(err, GitError::Failed { .. }), "{err:?}");
    assert!(!err.to_string().contains("hint:"), "{err}");
}

#[tokio::test]
async fn is_ancestor_before_and_after_a_merge() {
    let fx = Fixture::new();
    let repo = fx.repo().await;
    repo.create_branch("feat/m", "main", None, Dirty::Refuse)
        .await
        .expect("branch");
    write(&fx.work(), "m.txt", "m\n");
    repo.add_all().await.expect("add");
    let made = repo.commit("feature").await.expect("commit");
    assert!(!repo.is_ancestor("feat/m", "main").await.expect("check"));
    assert!(repo.is_ancestor("main", "feat/m").await.expect("check"));
    let base = git(&fx.work(), &["rev-parse", "main"]).trim().to_string();
    let unknown = "0123456789abcdef0123456789abcdef01234567".to_string();
    let asked = vec![made.sha.clone(), unknown.clone(), "not-a-sha".to_string()];
    assert_eq!(
        repo.merged_into(&asked, "main").await.expect("merged"),
        Vec::<String>::new()
    );

    repo.switch("main", Dirty::Refuse).await.expect("switch");
    git(
        &fx.work(),
        &["merge", "--quiet", "--no-ff", "-m", "merge", "feat/m"],
    );
    assert!(repo.is_ancestor("feat/m", "main").await.expect("check"));
    assert_eq!(
        repo.merged_into(&asked, "main").await.expect("merged"),
        vec![made.sha.clone()]
    );
    assert_eq!(
        repo.merged_into(&[base.clone(), made.sha.clone()], "main")
            .await
            .expect("merged")
            .len(),
        2
    );
    let err = repo.is_ancestor("nope", "main").await.unwrap_err();
    assert!(matches!(err, GitError::Failed { .. }), "{err:?}");
}

#[tokio::test]
async fn detached_head() {
    let fx = Fixture::new();
    let work = fx.work();
    git(&work, &["switch", "--quiet", "--detach", "HEAD"]);
    let repo = fx.repo().await;
    assert_eq!(repo.current_branch().await.expect("branch"), None);
    let status = repo.status().await.expect("status");
    assert_eq!(status.branch, None);
    assert!(status.head.is_some());
    let err = repo.require_branch().await.unwrap_err();
    assert!(matches!(err, GitError::DetachedHead), "{err:?}");
    let err = repo.push_current("origin", true).await.unwrap_err();
    assert!(matches!(err, GitError::DetachedHead), "{err:?}");
    // origin/HEAD still gives the default branch; without it, detached is an error.
    assert_eq!(
        repo.default_branch("origin").await.expect("default"),
        "main"
    );
    // A branch can still be created from a detached HEAD.
    repo.create_branch("feat/from-detached", "HEAD", None, Dirty::Refuse)
        .await
        .expect("branch");
    assert_eq!(
        repo.current_branch().await.expect("branch").as_deref(),
        Some("feat/from-detached")
    );
}

#[tokio::test]
async fn linked_worktree_opens_with_its_own_branch() {
    let fx = Fixture::new();
    git(
        &fx.work(),
        &[
            "worktree", "add", "--quiet", "-b", "feat/wt", "../wt", "main",
        ],
    );
    let wt = fx.root().join("wt");
    let sub = wt.join("deep");
    std::fs::create_dir_all(&sub).expect("mkdir");
    let repo = Repo::open(&sub).await.expect("open worktree");
    assert_eq!(canonical(repo.root()), canonical(&wt));
    assert_eq!(
        repo.current_branch().await.expect("branch").as_deref(),
        Some("feat/wt")
    );
    write(&wt, "w.txt", "w\n");
    repo.add_all().await.expect("add");
    let commit = repo.commit("in the worktree").await.expect("commit");
    // The main work tree is untouched and still on main.
    let main = fx.repo().await;
    assert_eq!(
        main.current_branch().await.expect("branch").as_deref(),
        Some("main")
    );
    assert!(main.status().await.expect("status").is_clean());
    assert!(main.is_ancestor("main", &commit.sha).await.expect("check"));
}

#[tokio::test]
async fn submodule_with_its_own_repository_opens_at_its_root() {
    let fx = Fixture::new();
    let work = fx.work();
    // Test-only: allow the local file transport for this one submodule command.
    git(
        &work,
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "--quiet",
            "../origin.git",
            "libs/sub",
        ],
    );
    let sub = work.join("libs").join("sub");
    identity(&sub);
    let repo = Repo::open(sub.join(".")).await.expect("open submodule");
    assert_eq!(canonical(repo.root()), canonical(&sub));
    assert!(repo.has_remote("origin").await);
    repo.create_branch("feat/sub", "main", Some("origin"), Dirty::Refuse)
        .await
        .expect("branch in submodule");
    write(&sub, "s.txt", "s\n");
    repo.add_all().await.expect("add");
    repo.commit("in the submodule").await.expect("commit");
    let log = repo.log("feat/sub", 5).await.expect("log");
    assert_eq!(log[0].subject, "in the submodule");
    // The superproject sees only a changed submodule, not the file.
    let outer = fx.repo().await;
    let paths = outer.status().await.expect("status").paths();
    assert!(paths.iter().all(|p| !p.ends_with("s.txt")), "{paths:?}");
}

#[tokio::test]
async fn missing_git_executable_is_not_installed() {
    let fx = Fixture::new();
    let program = GitProgram {
        program: PathBuf::from("/nonexistent/git"),
        timeout: Duration::from_secs(5),
    };
    let err = Repo::open_with(fx.work(), program).await.unwrap_err();
    assert!(matches!(err, GitError::NotInstalled), "{err:?}");
    assert!(err.to_string().contains("not found"));
}

#[tokio::test]
async fn slow_git_times_out() {
    use std::os::unix::fs::PermissionsExt;
    let fx = Fixture::new();
    let script = fx.root().join("slow-git");
    std::fs::write(&script, "#!/bin/sh\nexec sleep 30\n").expect("write script");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let program = GitProgram {
        program: script,
        timeout: Duration::from_millis(300),
    };
    let started = std::time::Instant::now();
    let err = Repo::open_with(fx.work(), program).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    match &err {
        GitError::Timeout { args, seconds } => {
            assert!(args.starts_with("git rev-parse"), "{args}");
            assert!((*seconds - 0.3).abs() < 1e-9);
        }
        other => panic!("expected Timeout, got {other:?}"),
    }
}

#[tokio::test]
async fn failures_carry_gits_own_message() {
    let fx = Fixture::new();
    let repo = fx.repo().await;
    let err = repo
        .switch("no-such-branch", Dirty::Refuse)
        .await
        .unwrap_err();
    let GitError::Failed { args, message } = &err else {
        panic!("expected Failed, got {err:?}");
    };
    assert_eq!(args, "git switch --quiet no-such-branch");
    assert!(message.contains("no-such-branch"), "{message}");
    assert!(
        !message.contains("fatal:") && !message.contains('\n'),
        "{message}"
    );
}
