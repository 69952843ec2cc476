//! pm_sync_commits, pm_merge_status, pm_git_log and pm_stash_work.

use super::*;

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

// ---------------------------------------------------------------- merged elsewhere

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
