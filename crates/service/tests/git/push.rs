//! pm_push_branch: without gh, with a fake gh, with a GitHub token.

use super::*;

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
        ]
    );
    // Reviewers are asked for once the pull request is open, in a step of their own.
    let url = "https://github.com/team/app/pull/7";
    assert!(
        calls.contains(
            &[
                "pr",
                "edit",
                url,
                "--add-reviewer",
                "ana",
                "--add-reviewer",
                "team/backend"
            ]
            .map(String::from)
            .to_vec()
        ),
        "{calls:?}"
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

// ---------------------------------------------------------------- through the GitHub API

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

// ---------------------------------------------------------------- a later step fails

#[tokio::test]
async fn a_failed_reviewer_request_keeps_the_opened_pull_request() {
    let fx = Fx::new().await;
    let work = fx.work();
    let key = create(&fx.svc, "Add login page", json!({})).await;
    let branch = start_with_branch(&fx.svc, &key).await;
    pm_commit(&fx.svc, &work, &key, "a.txt", "Add the form").await;
    let gh_dir = fx.root.join("gh-reviewers-fail");
    let gh = fake_gh_with(&gh_dir, true, false);
    let svc = fx.with(|c| c.gh = Some(gh));

    let e = fail(
        &svc,
        "pm_push_branch",
        json!({"issue_key": key, "create_pr": true, "reviewers": ["nobody"]}),
    )
    .await;
    let url = "https://github.com/team/app/pull/7";
    assert_eq!(e.code(), "git", "{e}");
    let msg = e.to_string();
    for part in [
        "pull request #7",
        url,
        "recorded on APP-1",
        "nobody",
        "'nobody' not found",
    ] {
        assert!(msg.contains(part), "{part:?} missing from: {msg}");
    }
    let calls = gh_calls(&gh_dir);
    let create_call = calls
        .iter()
        .find(|c| c.starts_with(&["pr".into(), "create".into()]))
        .unwrap_or_else(|| panic!("gh pr create was not called: {calls:?}"));
    assert!(
        !create_call.contains(&"--reviewer".to_string()),
        "{calls:?}"
    );
    assert_eq!(
        *calls.last().unwrap(),
        ["pr", "edit", url, "--add-reviewer", "nobody"],
        "{calls:?}"
    );
    // The pull request is on the issue, and the push is in its history.
    let issue = get(&fx.svc, &key).await;
    assert_eq!(
        issue["issue"]["implementation"]["pull_request"],
        json!({"url": url, "number": 7, "state": "open"}),
        "{issue}"
    );
    let history = ok(&fx.svc, "pm_issue_history", json!({"issue_key": key})).await;
    assert!(history.to_string().contains("branch_pushed"), "{history}");
    let origin = fx.origin();
    assert_eq!(
        git(
            &fx.root,
            &[
                "--git-dir",
                origin.to_str().unwrap(),
                "rev-parse",
                &format!("refs/heads/{branch}")
            ]
        ),
        head(&work)
    );

    // Once the reviewer step works, calling again finishes the job.
    let gh_dir = fx.root.join("gh-reviewers-ok");
    let gh = fake_gh(&gh_dir, true);
    let svc = fx.with(|c| c.gh = Some(gh));
    let out = ok(
        &svc,
        "pm_push_branch",
        json!({"issue_key": key, "create_pr": true, "reviewers": ["ana"]}),
    )
    .await;
    assert_eq!(out["pull_request"]["number"], 7, "{out}");
    assert_eq!(
        *gh_calls(&gh_dir).last().unwrap(),
        ["pr", "edit", url, "--add-reviewer", "ana"]
    );
}
