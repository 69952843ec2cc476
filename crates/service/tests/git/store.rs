//! lazypm's own store inside the repository: never staged, committed or stashed.

use super::*;

/// A service whose data directory is `<work>/.lazypm-data` (database and
/// events.jsonl in it, no .gitignore of its own), registered as project APP.
async fn store_inside(fx: &Fx) -> (Service, PathBuf) {
    let data = fx.work().join(".lazypm-data");
    std::fs::create_dir_all(&data).unwrap();
    let db = data.join("lazypm.db");
    let store = lazypm_service::open_store(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let svc = Service::new(
        store,
        EventSink::new(data.join("events.jsonl")),
        Context {
            actor: "alice".into(),
            cwd: Some(fx.work()),
            store_paths: vec![data.clone(), db],
            ..Context::default()
        },
    );
    ok(
        &svc,
        "pm_init_project",
        json!({"path": fx.work(), "key": "APP"}),
    )
    .await;
    (svc, data)
}

/// The paths of the stash on top, untracked files included.
fn stashed_paths(dir: &Path) -> String {
    git(
        dir,
        &[
            "stash",
            "show",
            "--include-untracked",
            "--name-only",
            "stash@{0}",
        ],
    )
}

#[tokio::test]
async fn commit_and_stash_leave_the_store_inside_the_repository_alone() {
    let fx = Fx::bare().await;
    let work = fx.work();
    let (svc, data) = store_inside(&fx).await;
    let key = create(&svc, "Add login page", json!({})).await;
    // The untracked store does not count as uncommitted changes.
    let out = ok(&svc, "pm_start_work", json!({"issue_key": key})).await;
    assert_eq!(
        out["branch_note"], "created feat/app-1-add-login-page from origin/main",
        "{out}"
    );
    let s = ok(&svc, "pm_git_status", json!({})).await;
    assert_eq!(s["clean"], true, "{s}");

    write(&work, "a.txt", "a\n");
    write(&work, "b.txt", "b\n");
    let out = ok(
        &svc,
        "pm_commit",
        json!({"issue_key": key, "message": "Add the form"}),
    )
    .await;
    assert_eq!(out["files"], json!(["a.txt", "b.txt"]), "{out}");
    assert_eq!(git(&work, &["ls-files", ".lazypm-data"]), "");
    // all: true too.
    write(&work, "c.txt", "c\n");
    let out = ok(
        &svc,
        "pm_commit",
        json!({"issue_key": key, "message": "Add c", "all": true}),
    )
    .await;
    assert_eq!(out["files"], json!(["c.txt"]), "{out}");
    assert_eq!(git(&work, &["ls-files", ".lazypm-data"]), "");

    // Named explicitly, it is refused, however it is spelled.
    for f in [
        ".lazypm-data/lazypm.db",
        "./x/../.lazypm-data/events.jsonl",
        ".lazypm-data",
        ".lazypm-data/lazypm.db-wal",
    ] {
        let e = fail(
            &svc,
            "pm_commit",
            json!({"issue_key": key, "message": "oops", "files": [f]}),
        )
        .await;
        assert_eq!(e.field(), Some("files"), "{f}: {e}");
        assert!(e.to_string().contains("lazypm's own data"), "{f}: {e}");
    }
    let abs = data.join("lazypm.db");
    let e = fail(
        &svc,
        "pm_commit",
        json!({"issue_key": key, "message": "oops", "files": [abs]}),
    )
    .await;
    assert_eq!(e.field(), Some("files"), "{e}");
    // A glob takes the rest, not the store.
    write(&work, "d.db", "d\n");
    let out = ok(
        &svc,
        "pm_commit",
        json!({"issue_key": key, "message": "Add d", "files": ["*.db"]}),
    )
    .await;
    assert_eq!(out["files"], json!(["d.db"]), "{out}");

    // The stash takes the work, not the store.
    write(&work, "wip.txt", "half done\n");
    write(&work, "a.txt", "changed\n");
    let s = ok(&svc, "pm_stash_work", json!({"issue_key": key})).await;
    assert_eq!(s["stashed"], true, "{s}");
    assert_eq!(stashed_paths(&work), "a.txt\nwip.txt");
    assert!(data.join("lazypm.db").exists());
    assert!(data.join("events.jsonl").exists());
    assert!(!work.join("wip.txt").exists());

    // And the next operations find everything where it was.
    let issue = get(&svc, &key).await;
    assert_eq!(shas(&issue).len(), 3, "{issue}");
    let s = ok(&svc, "pm_git_status", json!({})).await;
    assert_eq!(s["issue"]["key"], key.as_str(), "{s}");
    create(&svc, "Add logout", json!({})).await;
}

#[tokio::test]
async fn a_store_already_tracked_is_neither_committed_nor_stashed() {
    let fx = Fx::bare().await;
    let work = fx.work();
    let (svc, data) = store_inside(&fx).await;
    let key = create(&svc, "Add login page", json!({})).await;
    let branch = start_with_branch(&svc, &key).await;
    // Someone committed the store by hand.
    git(&work, &["add", "--force", ".lazypm-data"]);
    git(&work, &["commit", "--quiet", "-m", "oops, the store"]);
    let tracked = git(&work, &["ls-files", ".lazypm-data"]);
    assert!(tracked.contains(".lazypm-data/lazypm.db"), "{tracked}");
    // lazypm wrote since: the tracked files changed.
    create(&svc, "Add logout", json!({})).await;
    let changed = git(&work, &["status", "--porcelain", "--", ".lazypm-data"]);
    assert!(!changed.is_empty(), "the store did not change");

    // Staged by hand as well: still left out of the commit.
    git(&work, &["add", "--force", ".lazypm-data/events.jsonl"]);
    write(&work, "a.txt", "a\n");
    let out = ok(
        &svc,
        "pm_commit",
        json!({"issue_key": key, "message": "Add the form"}),
    )
    .await;
    assert_eq!(out["files"], json!(["a.txt"]), "{out}");
    assert_eq!(
        git(&work, &["show", "--name-only", "--format=", "HEAD"]),
        "a.txt"
    );
    let e = fail(
        &svc,
        "pm_commit",
        json!({"issue_key": key, "message": "only the store left"}),
    )
    .await;
    assert!(e.to_string().contains("nothing to commit"), "{e}");

    // A stash leaves the database as it is (stashing it would roll it back).
    let db_before = std::fs::read(data.join("lazypm.db")).unwrap();
    write(&work, "wip.txt", "half done\n");
    let s = ok(&svc, "pm_stash_work", json!({})).await;
    assert_eq!(s["stashed"], true, "{s}");
    assert_eq!(stashed_paths(&work), "wip.txt");
    assert_eq!(std::fs::read(data.join("lazypm.db")).unwrap(), db_before);
    assert_eq!(get(&svc, "APP-2").await["issue"]["title"], "Add logout");
    let s = ok(&svc, "pm_stash_work", json!({})).await;
    assert_eq!(s["stashed"], false, "{s}");

    // Changing branches would overwrite or delete it: refused, saying how to fix it.
    let e = fail(&svc, "pm_switch_branch", json!({"branch": "main"})).await;
    assert_eq!(e.code(), "git", "{e}");
    assert!(
        e.to_string().contains("lazypm's own data is tracked")
            && e.to_string().contains("git rm -r --cached"),
        "{e}"
    );
    assert_eq!(branch_of(&work), branch);
    let other = create(&svc, "Add signup", json!({})).await;
    let out = ok(&svc, "pm_start_work", json!({"issue_key": other})).await;
    assert!(
        out["branch_note"]
            .as_str()
            .unwrap()
            .starts_with("no branch: lazypm's own data is tracked"),
        "{out}"
    );
    assert_eq!(branch_of(&work), branch);
    assert_eq!(get(&svc, &other).await["issue"]["status"], "in_progress");
}

#[tokio::test]
async fn a_database_elsewhere_in_the_repository_is_left_out_with_its_wal() {
    let fx = Fx::bare().await;
    let work = fx.work();
    std::fs::create_dir_all(work.join("var")).unwrap();
    let db = work.join("var/app.db");
    let store = lazypm_service::open_store(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let svc = Service::new(
        store,
        EventSink::new(fx.root.join("events.jsonl")),
        Context {
            actor: "alice".into(),
            cwd: Some(work.clone()),
            store_paths: vec![fx.root.join("data"), db.clone()],
            ..Context::default()
        },
    );
    ok(&svc, "pm_init_project", json!({"path": work, "key": "APP"})).await;
    let key = create(&svc, "Add login page", json!({})).await;
    start_with_branch(&svc, &key).await;
    write(&work, "var/cache.txt", "c\n");
    let out = ok(
        &svc,
        "pm_commit",
        json!({"issue_key": key, "message": "Cache"}),
    )
    .await;
    assert_eq!(out["files"], json!(["var/cache.txt"]), "{out}");
    let left = git(&work, &["status", "--porcelain", "--untracked-files=all"]);
    assert!(left.contains("?? var/app.db"), "{left}");
    assert!(
        left.lines().all(|l| l.starts_with("?? var/app.db")),
        "{left}"
    );
}
