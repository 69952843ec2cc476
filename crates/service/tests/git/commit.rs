//! pm_commit: messages, links, staging.

use super::*;

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
    // The message's own conventional type follows the tag.
    let message = "[pm APP-1] feat: x\n\nPM: APP-1";
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
        "[pm APP-1] feat: Add b"
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

#[tokio::test]
async fn commit_without_files_or_all_takes_every_change_but_the_ignored() {
    let fx = Fx::new().await;
    let work = fx.work();
    write(&work, ".gitignore", "*.log\n");
    write(&work, "notes.txt", "notes\n");
    git(&work, &["add", ".gitignore", "notes.txt"]);
    git(&work, &["commit", "--quiet", "-m", "ignore logs"]);
    git(&work, &["push", "--quiet", "origin", "main"]);
    let key = create(&fx.svc, "Add login page", json!({})).await;
    start_with_branch(&fx.svc, &key).await;

    write(&work, "README.md", "changed\n");
    write(&work, "a.txt", "new\n");
    write(&work, "debug.log", "noise\n");
    std::fs::remove_file(work.join("notes.txt")).unwrap();
    let out = ok(
        &fx.svc,
        "pm_commit",
        json!({"issue_key": key, "message": "Sign in"}),
    )
    .await;
    assert_eq!(
        out["files"],
        json!(["README.md", "a.txt", "notes.txt"]),
        "{out}"
    );
    assert_eq!(out["commit"]["sha"], head(&work).as_str());
    assert_eq!(
        git(&work, &["show", "--name-status", "--format=", "HEAD"]),
        "M\tREADME.md\nA\ta.txt\nD\tnotes.txt"
    );
    assert_eq!(git(&work, &["status", "--porcelain"]), "");
    assert!(work.join("debug.log").exists());
    assert_eq!(git(&work, &["ls-files", "debug.log"]), "");

    // Nothing left: a clear refusal that says what to do, and nothing recorded.
    let before = fx.snapshot().await;
    let e = fail(
        &fx.svc,
        "pm_commit",
        json!({"issue_key": key, "message": "again"}),
    )
    .await;
    assert_eq!(e.code(), "invalid_input", "{e}");
    assert_eq!(e.field(), Some("files"), "{e}");
    assert!(
        e.to_string().contains("nothing to commit") && e.to_string().contains("has no changes"),
        "{e}"
    );
    fx.assert_unchanged(&before, "pm_commit with no changes")
        .await;

    // all: false commits only what is staged already.
    write(&work, "b.txt", "b\n");
    write(&work, "c.txt", "c\n");
    git(&work, &["add", "b.txt"]);
    let out = ok(
        &fx.svc,
        "pm_commit",
        json!({"issue_key": key, "message": "Only b", "all": false}),
    )
    .await;
    assert_eq!(out["files"], json!(["b.txt"]), "{out}");
    assert_eq!(git(&work, &["status", "--porcelain"]), "?? c.txt");
    let e = fail(
        &fx.svc,
        "pm_commit",
        json!({"issue_key": key, "message": "none staged", "all": false}),
    )
    .await;
    assert!(e.to_string().contains("nothing is staged"), "{e}");
}
