//! Where the work happens: linked worktrees and submodules.

use super::*;

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
        "[pm APP-1] perf: cache tokens\n\nPM: APP-1"
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
