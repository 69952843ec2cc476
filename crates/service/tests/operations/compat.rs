//! The original system's spellings and defaults: zero-padded keys, list
//! arguments as comma-separated strings, `sort`, `actionable_by_me`, the
//! refinement review, and the workflow's checks at every door.

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn zero_padded_keys_resolve_and_a_missing_key_names_the_closest() {
    let (_dir, svc) = setup_project().await;
    for i in 1..=3 {
        create(&svc, &format!("Issue {i}"), json!({})).await;
    }
    for written in ["PM-003", "pm-3", " PM-3 ", "pm-0003"] {
        let d = get(&svc, written).await;
        assert_eq!(d["issue"]["key"], "PM-3", "{written}");
    }
    // Task keys too.
    ok(
        &svc,
        "pm_create_task",
        json!({"issue_key": "PM-002", "title": "a task"}),
    )
    .await;
    let t = ok(
        &svc,
        "pm_update_task",
        json!({"task_key": "PM-002-T1", "status": "doing"}),
    )
    .await;
    assert_eq!(t["task"]["key"], "PM-2-T1");

    let e = fail(&svc, "pm_get_issue", json!({"issue_key": "PM-007"})).await;
    assert_eq!(e.code(), "not_found");
    assert!(e.to_string().contains("(closest: PM-3, PM-2, PM-1)"), "{e}");
}

#[tokio::test]
async fn list_arguments_take_comma_separated_strings_everywhere() {
    let (_dir, svc) = setup_project().await;
    let key = create(
        &svc,
        "Lists",
        json!({"labels": "api, backend", "acceptance_criteria": "reads TOML\nnames the bad line"}),
    )
    .await;
    let d = get(&svc, &key).await;
    assert_eq!(strings(&d["issue"]["labels"]), vec!["api", "backend"]);
    assert_eq!(
        strings(&d["issue"]["specification"]["acceptance_criteria"]),
        vec!["reads TOML", "names the bad line"]
    );
    start(&svc, &key).await;
    let l = ok(
        &svc,
        "pm_log_work",
        json!({"issue_key": key, "type": "code", "summary": "s", "time-spent": "1h",
               "artifacts": "src/a.rs,src/b.rs"}),
    )
    .await;
    assert_eq!(l["logged"]["artifacts"], 2);
    ok(
        &svc,
        "pm_request_review",
        json!({"issue_key": key, "reviewers": "backend-team,security-team"}),
    )
    .await;
    let d = get(&svc, &key).await;
    assert_eq!(
        strings(&d["issue"]["communication"]["review_requests"][0]["reviewers"]),
        vec!["backend-team", "security-team"]
    );
    // Filters too: several statuses in one string, and `open`.
    let listed = ok(&svc, "pm_list_issues", json!({"status": "review,proposed"})).await;
    assert_eq!(keys(&listed["issues"]), vec![key.clone()]);
}

#[tokio::test]
async fn my_queue_sorts_as_asked() {
    let (_dir, svc) = setup_project().await;
    let low = create(&svc, "Low", json!({"priority": "P4", "owner": ACTOR})).await;
    let high = create(&svc, "High", json!({"priority": "P1", "owner": ACTOR})).await;
    let newest = create(&svc, "Newest", json!({"priority": "P3", "owner": ACTOR})).await;
    let by = |sort: &'static str| {
        let svc = svc.clone();
        async move {
            let q = ok(&svc, "pm_my_queue", json!({"sort": sort})).await;
            keys(&q["items"])
        }
    };
    assert_eq!(
        by("priority").await,
        vec![high.clone(), newest.clone(), low.clone()]
    );
    assert_eq!(
        by("created").await,
        vec![newest.clone(), high.clone(), low.clone()]
    );
    assert_eq!(by("urgency").await[0], high);
    let e = invalid(&svc, "pm_my_queue", json!({"sort": "random"}), "sort").await;
    assert!(e.contains("urgency"), "{e}");
}

#[tokio::test]
async fn blocked_issues_actionable_by_me_keeps_what_i_can_unblock() {
    let (_dir, svc) = setup_project().await;
    let mine = create(&svc, "My blocker", json!({"owner": ACTOR})).await;
    let theirs = create(&svc, "Their blocker", json!({"owner": "bob"})).await;
    let nobodys = create(&svc, "Nobody's blocker", json!({})).await;
    let waits_on_mine = create(&svc, "A", json!({"dependencies": [mine]})).await;
    let waits_on_theirs = create(&svc, "B", json!({"dependencies": [theirs]})).await;
    let waits_on_nobody = create(&svc, "C", json!({"dependencies": [nobodys]})).await;
    let all = ok(&svc, "pm_blocked_issues", json!({})).await;
    assert_eq!(all["total"], 3);
    let actionable = ok(&svc, "pm_blocked_issues", json!({"actionable_by_me": true})).await;
    let mut got = keys(&actionable["blocked"]);
    got.sort();
    let mut want = vec![waits_on_mine, waits_on_nobody];
    want.sort();
    assert_eq!(got, want);
    assert!(!got.contains(&waits_on_theirs));
    let page = ok(&svc, "pm_blocked_issues", json!({"limit": 1})).await;
    assert_eq!(page["blocked"].as_array().unwrap().len(), 1);
    assert_eq!(page["truncated"], true);
}

#[tokio::test]
async fn refine_with_only_a_key_reviews_and_changes_nothing() {
    let (dir, svc) = setup_project().await;
    let key = create(&svc, "Bare", json!({})).await;
    let before = snapshot(&svc, &dir).await;
    let r = ok(&svc, "pm_refine_issue", json!({"issue_key": key})).await;
    assert_unchanged(&svc, &dir, &before, "a refinement review").await;
    assert_eq!(r["changed"], false);
    let review = r["review"].as_array().unwrap();
    let aspects: Vec<&str> = review
        .iter()
        .map(|a| a["aspect"].as_str().unwrap())
        .collect();
    assert_eq!(
        aspects,
        vec![
            "requirements",
            "acceptance",
            "technical",
            "risks",
            "dependencies",
            "estimate"
        ]
    );
    for a in review {
        assert_eq!(a["state"], "missing", "{a}");
        let call = a["call"].as_str().unwrap();
        // The suggested call is valid as written.
        let (tool, args) = call.split_once(' ').unwrap();
        let args: serde_json::Value = serde_json::from_str(args).unwrap();
        ok(&svc, tool, args).await;
    }
    let again = ok(&svc, "pm_refine_issue", json!({"issue_key": key})).await;
    // What the calls filled is no longer missing; links need a decision (pm_related_issues).
    for a in again["review"].as_array().unwrap() {
        if a["aspect"] != "dependencies" {
            assert_ne!(a["state"], "missing", "{a}");
        }
    }
    invalid(
        &svc,
        "pm_refine_issue",
        json!({"issue_key": key, "content": "x"}),
        "aspect",
    )
    .await;
}

#[tokio::test]
async fn moving_into_work_by_status_applies_the_start_checks() {
    let (dir, svc) = setup_project().await;
    let blocker = create(&svc, "First", json!({})).await;
    let key = create(&svc, "Second", json!({"dependencies": [blocker]})).await;
    let before = snapshot(&svc, &dir).await;
    let e = fail(
        &svc,
        "pm_update_status",
        json!({"issue_key": key, "status": "in_progress"}),
    )
    .await;
    assert_eq!(e.code(), "conflict");
    assert!(e.to_string().contains("validate_dependencies"), "{e}");
    assert_unchanged(&svc, &dir, &before, "a refused move into work").await;
    let moved = ok(
        &svc,
        "pm_update_status",
        json!({"issue_key": key, "status": "in_progress", "validate_dependencies": false}),
    )
    .await;
    assert_eq!(moved["issue"]["owner"], ACTOR);
    assert!(
        history_types(&svc, &key)
            .await
            .contains(&"owner_changed".to_string())
    );
}

#[tokio::test]
async fn history_pages_with_a_cursor() {
    let (_dir, svc) = setup_project().await;
    let key = create(&svc, "Busy", json!({})).await;
    for i in 0..5 {
        ok(
            &svc,
            "pm_add_comment",
            json!({"issue_key": key, "body": format!("note {i}")}),
        )
        .await;
    }
    let mut seen = Vec::new();
    let mut cursor = serde_json::Value::Null;
    loop {
        let page = ok(
            &svc,
            "pm_issue_history",
            json!({"issue_key": key, "limit": 2, "cursor": cursor}),
        )
        .await;
        seen.extend(
            page["events"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].clone()),
        );
        match page.get("next_cursor") {
            Some(c) => cursor = c.clone(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 6, "created + 5 comments, each once");
    invalid(
        &svc,
        "pm_issue_history",
        json!({"issue_key": key, "cursor": "bogus"}),
        "cursor",
    )
    .await;
}

#[tokio::test]
async fn text_with_control_characters_is_refused_and_search_survives() {
    let (dir, svc) = setup_project().await;
    let before = snapshot(&svc, &dir).await;
    let m = invalid(
        &svc,
        "pm_create_issue",
        json!({"type": "bug", "title": "a\u{0}b"}),
        "title",
    )
    .await;
    assert!(m.contains("U+0000"), "{m}");
    invalid(
        &svc,
        "pm_create_issue",
        json!({"type": "bug", "title": "ok", "labels": ["x\u{1b}[31m"]}),
        "labels[0]",
    )
    .await;
    assert_unchanged(&svc, &dir, &before, "control characters").await;
    invalid(
        &svc,
        "pm_search_issues",
        json!({"query": "x\u{0}y"}),
        "query",
    )
    .await;
    let key = create(&svc, "Tab\tand\nnewline are fine", json!({})).await;
    ok(&svc, "pm_related_issues", json!({"issue_key": key})).await;
    ok(&svc, "pm_search_issues", json!({"query": "newline"})).await;
    invalid(
        &svc,
        "pm_log_work",
        json!({"issue_key": key, "activity": "code", "summary": "s", "time_spent": "0.1m"}),
        "time_spent",
    )
    .await;
}

#[tokio::test]
async fn list_fields_have_a_maximum() {
    let (dir, svc) = setup_project().await;
    let before = snapshot(&svc, &dir).await;
    let labels: Vec<String> = (0..100_000).map(|i| format!("l{i}")).collect();
    let started = std::time::Instant::now();
    let m = invalid(
        &svc,
        "pm_create_issue",
        json!({"type": "bug", "title": "many", "labels": labels}),
        "labels",
    )
    .await;
    assert!(m.contains("at most"), "{m}");
    assert!(started.elapsed().as_secs() < 5, "refused quickly");
    let criteria: Vec<String> = (0..7000)
        .map(|i| format!("{i:04}{}", "x".repeat(1996)))
        .collect();
    invalid(
        &svc,
        "pm_create_issue",
        json!({"type": "bug", "title": "many", "acceptance_criteria": criteria}),
        "acceptance_criteria",
    )
    .await;
    assert_unchanged(&svc, &dir, &before, "oversized lists").await;

    // Repeats are one item, so a huge list of the same key is quick and small.
    let key = create(&svc, "In a sprint", json!({})).await;
    ok(
        &svc,
        "pm_create_sprint",
        json!({"name": "S1", "start_date": "2026-01-05", "end_date": "2026-01-16"}),
    )
    .await;
    let started = std::time::Instant::now();
    let many = vec![key.clone(); 200_000].join(",");
    let out = ok(
        &svc,
        "pm_add_to_sprint",
        json!({"sprint": "S1", "issue_keys": many}),
    )
    .await;
    assert!(started.elapsed().as_secs() < 5, "deduplicated quickly");
    assert!(out.to_string().len() < 2_000, "{out}");
    let distinct: Vec<String> = (1..=101).map(|i| format!("PM-{i}")).collect();
    invalid(
        &svc,
        "pm_add_to_sprint",
        json!({"sprint": "S1", "issue_keys": distinct}),
        "issue_keys",
    )
    .await;
}

#[tokio::test]
async fn every_issue_a_change_touches_gets_its_event() {
    let (_dir, svc) = setup_project().await;
    let epic = create(&svc, "Epic", json!({"type": "epic"})).await;
    let split = ok(
        &svc,
        "pm_split_issue",
        json!({"issue_key": epic, "children": [{"title": "Part one"}], "link_type": "blocks"}),
    )
    .await;
    let child = split["children"][0]["key"].as_str().unwrap().to_string();
    assert!(
        history_types(&svc, &child)
            .await
            .contains(&"issue_linked".to_string())
    );
    assert!(
        history_types(&svc, &epic)
            .await
            .contains(&"issue_linked".to_string())
    );

    let blocker = create(&svc, "Blocker", json!({})).await;
    create(&svc, "Waits", json!({"dependencies": [blocker]})).await;
    assert!(
        history_types(&svc, &blocker)
            .await
            .contains(&"issue_linked".to_string())
    );

    ok(&svc, "pm_add_submodule", json!({"name": "api"})).await;
    let moved = create(&svc, "In api", json!({"module": "api"})).await;
    ok(&svc, "pm_remove_submodule", json!({"name": "api"})).await;
    let h = ok(&svc, "pm_issue_history", json!({"issue_key": moved})).await;
    let last = h["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["type"], "issue_updated", "{h}");
    assert_eq!(last["changes"]["changes"]["module"]["from"], "api");
    assert!(get(&svc, &moved).await["issue"]["module"].is_null());
}

#[tokio::test]
async fn the_board_counts_exactly_with_an_owner_and_lists_a_page() {
    let (_dir, svc) = setup_project().await;
    let bob = as_actor(&svc, "bob");
    for i in 0..3 {
        let key = create(&svc, &format!("Bob's {i}"), json!({})).await;
        start(&bob, &key).await;
    }
    create(&svc, "Mine", json!({"owner": ACTOR})).await;
    let board = ok(
        &svc,
        "pm_workflow_status",
        json!({"owner": "bob", "limit": 1}),
    )
    .await;
    let in_progress = board["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "in_progress")
        .unwrap()
        .clone();
    assert_eq!(in_progress["count"], 3);
    assert_eq!(in_progress["issues"].as_array().unwrap().len(), 1);
    assert_eq!(board["wip"]["bob"], 3);
    let proposed = board["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "proposed")
        .unwrap()
        .clone();
    assert_eq!(proposed["count"], 0, "only bob's issues");
}

#[tokio::test]
async fn work_in_review_is_listed_as_in_review_everywhere() {
    let (_dir, svc) = setup_project().await;
    let doing = create(&svc, "Doing", json!({})).await;
    let reviewed = create(&svc, "Reviewed", json!({})).await;
    start(&svc, &doing).await;
    start(&svc, &reviewed).await;
    set_status(&svc, &reviewed, "review").await;
    let status = ok(&svc, "pm_status", json!({})).await;
    assert_eq!(keys(&status["in_progress"]), vec![doing.clone()]);
    assert_eq!(keys(&status["in_review"]), vec![reviewed.clone()]);
    let dash = ok(&svc, "pm_project_dashboard", json!({})).await;
    assert_eq!(keys(&dash["status"]["in_review"]), vec![reviewed.clone()]);
    let standup = ok(&svc, "pm_daily_standup", json!({})).await;
    assert_eq!(keys(&standup["in_progress"]), vec![doing.clone()]);
    assert_eq!(keys(&standup["in_review"]), vec![reviewed.clone()]);
    let report = standup["report"].as_str().unwrap();
    let review_section = report.split("## In review").nth(1).unwrap();
    assert!(review_section.contains(&reviewed), "{report}");
}
