//! Failures: no repository, a detached HEAD, no remote, no git.

use super::*;

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
