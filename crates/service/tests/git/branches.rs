//! Branches: from the fetched base, with pm_start_work, over a dirty tree, restored from the remote.

use super::*;

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
    assert_eq!(out["branch"], branch);
    assert_eq!(
        out["branch_note"],
        format!("created {branch} from origin/main")
    );
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

// ---------------------------------------------------------------- the automatic branch of pm_start_work

#[tokio::test]
async fn start_work_makes_or_switches_to_the_branch_by_default_and_says_so() {
    let fx = Fx::new().await;
    let work = fx.work();
    let key = create(&fx.svc, "Real-time notifications", json!({})).await;
    let branch = "feat/app-1-real-time-notifications";
    let out = ok(&fx.svc, "pm_start_work", json!({"issue_key": key})).await;
    assert_eq!(out["started"], true, "{out}");
    assert_eq!(
        out["branch_note"],
        format!("created {branch} from origin/main"),
        "{out}"
    );
    assert_eq!(out["branch"], branch);
    assert_eq!(branch_of(&work), branch);
    let stored = get(&fx.svc, &key).await;
    assert_eq!(stored["issue"]["branch"], branch);
    assert_eq!(stored["issue"]["status"], "in_progress");
    assert!(
        out["next_steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s.as_str().unwrap().starts_with("pm_commit")),
        "{out}"
    );

    // Again, on it already; then from elsewhere, switched back to it.
    let out = ok(&fx.svc, "pm_start_work", json!({"issue_key": key})).await;
    assert_eq!(out["started"], false, "{out}");
    assert_eq!(out["branch_note"], format!("already on {branch}"));
    git(&work, &["switch", "--quiet", "main"]);
    let out = ok(&fx.svc, "pm_start_work", json!({"issue_key": key})).await;
    assert_eq!(out["branch_note"], format!("switched to {branch}"), "{out}");
    assert_eq!(out["branch"], branch);
    assert_eq!(branch_of(&work), branch);

    // create_branch: false opts out for the call.
    let other = create(&fx.svc, "Digest emails", json!({})).await;
    let out = ok(
        &fx.svc,
        "pm_start_work",
        json!({"issue_key": other, "create_branch": false}),
    )
    .await;
    assert_eq!(out["started"], true, "{out}");
    assert_eq!(out["branch"], Value::Null);
    assert_eq!(out["branch_note"], "no branch: create_branch is false");
    assert_eq!(branch_of(&work), branch);
    assert_eq!(get(&fx.svc, &other).await["issue"]["branch"], Value::Null);
    assert_eq!(git(&work, &["branch", "--list", "feat/app-2*"]), "");
    // …and then base_branch and uncommitted make no sense.
    let e = fail(
        &fx.svc,
        "pm_start_work",
        json!({"issue_key": other, "create_branch": false, "uncommitted": "carry"}),
    )
    .await;
    assert_eq!(e.field(), Some("create_branch"), "{e}");

    // A start that is refused makes no branch, automatic or not.
    let blocked = create(&fx.svc, "Export reports", json!({})).await;
    let blocker = create(&fx.svc, "Report schema", json!({})).await;
    ok(
        &fx.svc,
        "pm_link_issues",
        json!({"issue_key": blocker, "target_key": blocked, "kind": "blocks"}),
    )
    .await;
    let before = fx.snapshot().await;
    let e = fail(&fx.svc, "pm_start_work", json!({"issue_key": blocked})).await;
    assert_eq!(e.code(), "conflict", "{e}");
    assert_eq!(git(&work, &["branch", "--list", "feat/app-3*"]), "");
    assert_eq!(branch_of(&work), branch);
    fx.assert_unchanged(&before, "an automatic pm_start_work of a blocked issue")
        .await;
}

#[tokio::test]
async fn an_automatic_start_over_uncommitted_changes_starts_without_switching() {
    let fx = Fx::new().await;
    let work = fx.work();
    let key = create(&fx.svc, "Add login page", json!({})).await;
    write(&work, "README.md", "changed\n");
    write(&work, "b.txt", "new\n");
    let out = ok(&fx.svc, "pm_start_work", json!({"issue_key": key})).await;
    assert_eq!(out["started"], true, "{out}");
    assert_eq!(out["issue"]["status"], "in_progress");
    assert_eq!(out["branch"], Value::Null);
    assert_eq!(
        out["branch_note"],
        "no branch: uncommitted changes in README.md, b.txt; pass uncommitted: carry or stash (or commit them first) to switch to feat/app-1-add-login-page",
        "{out}"
    );
    assert_eq!(branch_of(&work), "main");
    assert_eq!(git(&work, &["branch", "--list", "feat/*"]), "");
    assert_eq!(get(&fx.svc, &key).await["issue"]["branch"], Value::Null);
    assert_eq!(
        std::fs::read_to_string(work.join("README.md")).unwrap(),
        "changed\n"
    );

    // Carrying them along (no create_branch needed).
    let out = ok(
        &fx.svc,
        "pm_start_work",
        json!({"issue_key": key, "uncommitted": "carry"}),
    )
    .await;
    assert_eq!(
        out["branch_note"], "created feat/app-1-add-login-page from origin/main",
        "{out}"
    );
    assert_eq!(branch_of(&work), "feat/app-1-add-login-page");
    assert_eq!(
        git(&work, &["status", "--porcelain"]),
        " M README.md\n?? b.txt"
    );
    assert_eq!(
        get(&fx.svc, &key).await["issue"]["branch"],
        "feat/app-1-add-login-page"
    );
}

#[tokio::test]
async fn an_automatic_start_without_a_repository_commits_or_git_still_starts() {
    let fx = Fx::bare().await;
    // Not a git repository.
    let plain = fx.root.join("plain");
    std::fs::create_dir_all(&plain).unwrap();
    ok(
        &fx.svc,
        "pm_init_project",
        json!({"path": plain, "key": "APP"}),
    )
    .await;
    let key = create(&fx.svc, "Add login page", json!({"project_id": "APP"})).await;
    let out = ok(&fx.svc, "pm_start_work", json!({"issue_key": key})).await;
    assert_eq!(out["started"], true, "{out}");
    assert_eq!(out["branch"], Value::Null);
    assert_eq!(
        out["branch_note"],
        format!(
            "no branch: the project is not a git repository ({})",
            plain.display()
        ),
        "{out}"
    );
    // Asked for explicitly, it is refused.
    let other = create(&fx.svc, "Add logout", json!({"project_id": "APP"})).await;
    let e = fail(
        &fx.svc,
        "pm_start_work",
        json!({"issue_key": other, "create_branch": true}),
    )
    .await;
    assert_eq!(e.code(), "git", "{e}");

    // A repository without a commit yet.
    let empty = fx.root.join("empty");
    git(&fx.root, &["init", "--quiet", "-b", "main", "empty"]);
    ok(
        &fx.svc,
        "pm_init_project",
        json!({"path": empty, "key": "EMP"}),
    )
    .await;
    let key = create(&fx.svc, "First feature", json!({"project_id": "EMP"})).await;
    let out = ok(&fx.svc, "pm_start_work", json!({"issue_key": key})).await;
    assert_eq!(out["started"], true, "{out}");
    assert_eq!(
        out["branch_note"],
        "no branch: the repository has no commits yet; make a first commit, then pm_create_branch EMP-1",
        "{out}"
    );
    assert_eq!(git(&empty, &["branch", "--list"]), "");
    let other = create(&fx.svc, "Second feature", json!({"project_id": "EMP"})).await;
    let e = fail(
        &fx.svc,
        "pm_start_work",
        json!({"issue_key": other, "create_branch": true}),
    )
    .await;
    assert!(e.to_string().contains("no commits yet"), "{e}");

    // No git executable.
    ok(
        &fx.svc,
        "pm_init_project",
        json!({"path": fx.work(), "key": "WRK"}),
    )
    .await;
    let key = create(&fx.svc, "Third feature", json!({"project_id": "WRK"})).await;
    let no_git = fx.with(|c| {
        c.git = GitProgram {
            program: "/nonexistent/git".into(),
            timeout: Duration::from_secs(10),
        }
    });
    let out = ok(&no_git, "pm_start_work", json!({"issue_key": key})).await;
    assert_eq!(out["started"], true, "{out}");
    assert!(
        out["branch_note"]
            .as_str()
            .unwrap()
            .starts_with("no branch: the git executable was not found"),
        "{out}"
    );
    assert_eq!(branch_of(&fx.work()), "main");
}

#[tokio::test]
async fn an_automatic_start_without_origin_branches_from_the_local_default() {
    let fx = Fx::new().await;
    let work = fx.work();
    git(&work, &["remote", "remove", "origin"]);
    let key = create(&fx.svc, "Add login page", json!({})).await;
    let out = ok(&fx.svc, "pm_start_work", json!({"issue_key": key})).await;
    assert_eq!(
        out["branch_note"],
        "created feat/app-1-add-login-page from main; no remote named origin, so main was not updated first; the branch starts from the local main",
        "{out}"
    );
    assert_eq!(branch_of(&work), "feat/app-1-add-login-page");
}

#[tokio::test]
async fn auto_branch_off_in_the_project_makes_no_branch_unless_asked() {
    let fx = Fx::new().await;
    let work = fx.work();
    // The project's setting, as pm_init_project and friends store it.
    {
        let mut tx = fx.svc.store().begin_write().await.unwrap();
        let mut project = tx.project_by_key("APP").await.unwrap().unwrap();
        let mut metadata = serde_json::to_value(&project.metadata).unwrap();
        metadata["auto_branch"] = json!(false);
        project.metadata = serde_json::from_value(metadata).unwrap();
        tx.update_project(&project).await.unwrap();
        tx.commit().await.unwrap();
    }
    let key = create(&fx.svc, "Add login page", json!({})).await;
    let out = ok(&fx.svc, "pm_start_work", json!({"issue_key": key})).await;
    assert_eq!(out["started"], true, "{out}");
    assert_eq!(out["branch"], Value::Null);
    assert_eq!(
        out["branch_note"],
        "no branch: auto_branch is off for project APP; pass create_branch: true for one",
        "{out}"
    );
    assert_eq!(branch_of(&work), "main");
    // create_branch: true still makes one.
    let other = create(&fx.svc, "Add logout", json!({})).await;
    let out = ok(
        &fx.svc,
        "pm_start_work",
        json!({"issue_key": other, "create_branch": true}),
    )
    .await;
    assert_eq!(branch_of(&work), "feat/app-2-add-logout", "{out}");
}
