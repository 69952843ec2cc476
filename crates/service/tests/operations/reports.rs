//! Reports and search: status counts, blocked issues, the daily standup, an
//! issue's history, and full-text search.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::common::*;

#[tokio::test]
async fn status_counts_and_blocked_issues() {
    let (_dir, svc) = setup_project().await;
    let a = create(&svc, "Active", json!({"priority": "P2"})).await;
    start(&svc, &a).await;
    let b = create(&svc, "Stuck", json!({"priority": "P2"})).await;
    start(&svc, &b).await;
    ok(
        &svc,
        "pm_update_status",
        json!({"issue_key": b, "status": "blocked", "blocker_reason": "waiting for credentials"}),
    )
    .await;
    let c = create(&svc, "Waiting", json!({"dependencies": [a]})).await;
    let d = create(&svc, "Finished", json!({"type": "chore", "priority": "P4"})).await;
    start(&svc, &d).await;
    ok(&svc, "pm_complete_issue", json!({"issue_key": d})).await;
    let e = create(
        &svc,
        "Urgent",
        json!({"type": "bug", "priority": "P1", "module": "core"}),
    )
    .await;

    let s = ok(&svc, "pm_status", json!({})).await;
    assert_eq!(s["project"], "PM");
    assert_eq!(s["total"], 5);
    assert_eq!(s["open"], 4);
    assert_eq!(
        s["by_status"],
        json!({"in_progress": 1, "blocked": 1, "proposed": 2, "done": 1})
    );
    assert_eq!(
        s["by_priority"],
        json!({"P1": 1, "P2": 2, "P3": 1, "P4": 1})
    );
    assert_eq!(s["by_type"], json!({"feature": 3, "chore": 1, "bug": 1}));
    assert_eq!(s["by_module"], json!({"(none)": 4, "core": 1}));
    assert_eq!(s["blocked"], 1);
    assert_eq!(s["waiting_on_dependencies"], 1);
    assert_eq!(s["archived"], 0);
    assert_eq!(keys(&s["in_progress"]), vec![a.clone()]);
    assert_eq!(s["health"], "at_risk");
    let notes = strings(&s["health_notes"]);
    assert!(
        notes.contains(&"1 issue(s) blocked".to_string()),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.contains("P1 work exists")),
        "{notes:?}"
    );
    let recent = s["recent_activity"].as_array().unwrap();
    assert_eq!(recent.len(), 10);
    assert_eq!(recent[0]["type"], "issue_created");
    assert_eq!(recent[0]["entity"], e.as_str());

    let bl = ok(&svc, "pm_blocked_issues", json!({})).await;
    let items = bl["blocked"].as_array().unwrap();
    assert_eq!(keys(&bl["blocked"]), vec![b.clone(), c.clone()]);
    assert_eq!(items[0]["status"], "blocked");
    assert_eq!(items[0]["blocker_reason"], "waiting for credentials");
    assert_eq!(items[0]["waiting_on"], json!([]));
    assert_eq!(items[1]["status"], "proposed");
    assert_eq!(strings(&items[1]["waiting_on"]), vec![a.clone()]);
    assert!(bl["next_steps"][0].as_str().unwrap().contains(&a));

    // Finishing the dependency and unblocking clears the list.
    ok(&svc, "pm_complete_issue", json!({"issue_key": a})).await;
    set_status(&svc, &b, "in_progress").await;
    let bl = ok(&svc, "pm_blocked_issues", json!({})).await;
    assert_eq!(bl["blocked"], json!([]));
    let s = ok(&svc, "pm_status", json!({"project_id": "pm"})).await;
    assert_eq!(s["waiting_on_dependencies"], 0);
    assert_eq!(s["blocked"], 0);
    assert_eq!(s["by_status"]["done"], 2);
}

#[tokio::test]
async fn daily_standup_reports_done_worked_on_and_blockers() {
    let (_dir, svc) = setup_project().await;
    let done = create(&svc, "Ship the parser", json!({})).await;
    start(&svc, &done).await;
    ok(
        &svc,
        "pm_log_work",
        json!({"issue_key": done, "activity": "code", "summary": "wrote the parser", "time_spent": "2h"}),
    )
    .await;
    ok(&svc, "pm_complete_issue", json!({"issue_key": done})).await;
    let doing = create(&svc, "Write docs", json!({})).await;
    start(&svc, &doing).await;
    ok(
        &svc,
        "pm_log_work",
        json!({"issue_key": doing, "activity": "documentation", "summary": "outlined", "time_spent": "30m"}),
    )
    .await;
    let stuck = create(&svc, "Deploy", json!({})).await;
    start(&svc, &stuck).await;
    ok(
        &svc,
        "pm_update_status",
        json!({"issue_key": stuck, "status": "blocked", "blocker_reason": "no server"}),
    )
    .await;

    let s = ok(&svc, "pm_daily_standup", json!({})).await;
    assert_eq!(strings(&s["completed"]), vec![done.clone()]);
    assert_eq!(keys(&s["worked_on"]), vec![done.clone(), doing.clone()]);
    assert_eq!(s["worked_on"][0]["minutes"], 120);
    assert_eq!(keys(&s["in_progress"]), vec![doing.clone()]);
    assert_eq!(keys(&s["blocked"]), vec![stuck.clone()]);
    let report = s["report"].as_str().unwrap();
    for needle in [
        "# Stand-up for PM",
        "## Done",
        &format!("- {done}\n"),
        &format!("- {done} (2h): wrote the parser"),
        &format!("- {doing} (30m): outlined"),
        "## Today",
        &format!("- {doing} Write docs\n"),
        "## Blockers",
        &format!("- {stuck} Deploy"),
    ] {
        assert!(
            report.contains(needle),
            "{needle:?} missing from:\n{report}"
        );
    }

    let text = ok(
        &svc,
        "pm_daily_standup",
        json!({"format": "text", "since_hours": 1}),
    )
    .await;
    let report = text["report"].as_str().unwrap();
    assert!(
        report.starts_with("Stand-up for PM") && report.contains("DONE:"),
        "{report}"
    );
    let structured = ok(&svc, "pm_daily_standup", json!({"format": "structured"})).await;
    assert!(structured.get("report").is_none());
    assert_eq!(strings(&structured["completed"]), vec![done.clone()]);

    let nobody = ok(&svc, "pm_daily_standup", json!({"owner": "zed"})).await;
    assert_eq!(nobody["completed"], json!([]));
    assert_eq!(nobody["worked_on"], json!([]));
    assert!(
        nobody["report"]
            .as_str()
            .unwrap()
            .contains("- nothing completed")
    );

    for h in [0, 169] {
        invalid(
            &svc,
            "pm_daily_standup",
            json!({ "since_hours": h }),
            "since_hours",
        )
        .await;
    }
    invalid(&svc, "pm_daily_standup", json!({"format": "pdf"}), "format").await;
}

#[tokio::test]
async fn issue_history_lists_events_oldest_first() {
    let (_dir, svc) = setup_project().await;
    let key = create(&svc, "Tracked", json!({})).await;
    let other = create(&svc, "Other", json!({})).await;
    ok(
        &svc,
        "pm_update_issue",
        json!({"issue_key": key, "title": "Tracked closely"}),
    )
    .await;
    let c = ok(
        &svc,
        "pm_add_comment",
        json!({"issue_key": key, "comment": "**looks** good"}),
    )
    .await;
    assert_eq!(c["comment"]["author"], ACTOR);
    assert_eq!(c["comment"]["body"], "**looks** good");
    start(&svc, &key).await;
    ok(
        &svc,
        "pm_log_work",
        json!({"issue_key": key, "activity": "research", "summary": "read up"}),
    )
    .await;
    ok(
        &svc,
        "pm_link_issues",
        json!({"issue_key": key, "target_key": other, "kind": "discovered_from"}),
    )
    .await;
    ok(
        &svc,
        "pm_create_task",
        json!({"issue_key": key, "title": "step"}),
    )
    .await;

    let h = ok(
        &svc,
        "pm_issue_history",
        json!({ "issue_key": key.to_lowercase() }),
    )
    .await;
    assert_eq!(h["issue_key"], key.as_str());
    let events = h["events"].as_array().unwrap();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        vec![
            "issue_created",
            "issue_updated",
            "comment_added",
            "owner_changed",
            "status_changed",
            "work_logged",
            "issue_linked",
            "task_created",
        ]
    );
    let ats: Vec<&str> = events.iter().map(|e| e["at"].as_str().unwrap()).collect();
    let mut sorted = ats.clone();
    sorted.sort();
    assert_eq!(ats, sorted, "events are oldest first");
    assert!(
        events
            .iter()
            .all(|e| e["actor"] == ACTOR && e["project"] == "PM")
    );
    assert_eq!(events[1]["changes"]["fields"], json!(["title"]));
    assert_eq!(events[1]["changes"]["changes"]["title"]["from"], "Tracked");
    assert_eq!(
        events[1]["changes"]["changes"]["title"]["to"],
        "Tracked closely"
    );
    assert_eq!(events[4]["changes"]["from"], "proposed");
    assert_eq!(events[4]["changes"]["to"], "in_progress");
    assert_eq!(events[7]["entity"], format!("{key}-T1"));
    // The comment is searchable.
    let hits = ok(&svc, "pm_search_issues", json!({"query": "looks"})).await;
    assert_eq!(keys(&hits["hits"]), vec![key.clone()]);

    let h = ok(
        &svc,
        "pm_issue_history",
        json!({"issue_key": key, "limit": 2}),
    )
    .await;
    let types: Vec<&str> = h["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, vec!["issue_created", "issue_updated"]);
    let e = fail(&svc, "pm_issue_history", json!({"issue_key": "PM-404"})).await;
    assert_eq!(e.code(), "not_found");
    invalid(
        &svc,
        "pm_issue_history",
        json!({"issue_key": "PM 1"}),
        "issue_key",
    )
    .await;
}

#[tokio::test]
async fn search_follows_updates_comments_archive_and_delete() {
    let (_dir, svc) = setup_project().await;
    let key = create(&svc, "Animal facts", json!({"description": "about cats"})).await;
    let search = |q: &str, extra: Value| {
        let svc = svc.clone();
        let args = merge(json!({ "query": q }), extra);
        async move { keys(&ok(&svc, "pm_search_issues", args).await["hits"]) }
    };
    assert_eq!(search("cats", json!({})).await, vec![key.clone()]);
    ok(&svc, "pm_update_issue", json!({"issue_key": key, "description": "about zebras", "acceptance_criteria": ["mentions okapis"]})).await;
    assert!(search("cats", json!({})).await.is_empty());
    assert_eq!(
        search("zebra", json!({})).await,
        vec![key.clone()],
        "stemmed"
    );
    assert_eq!(search("okapis", json!({})).await, vec![key.clone()]);
    ok(
        &svc,
        "pm_add_comment",
        json!({"issue_key": key, "body": "also giraffes"}),
    )
    .await;
    assert_eq!(search("giraffes", json!({})).await, vec![key.clone()]);
    // Every word must match, else any word does.
    assert_eq!(
        search("zebras giraffes", json!({})).await,
        vec![key.clone()]
    );
    assert_eq!(
        search("zebras unicorns", json!({})).await,
        vec![key.clone()]
    );
    assert!(search("unicorns", json!({})).await.is_empty());
    assert!(search("zebras", json!({"status": "done"})).await.is_empty());
    assert_eq!(
        search("zebras", json!({"status": ["proposed", "done"]})).await,
        vec![key.clone()]
    );

    start(&svc, &key).await;
    ok(
        &svc,
        "pm_complete_issue",
        json!({"issue_key": key, "archive": true}),
    )
    .await;
    assert!(search("zebras", json!({})).await.is_empty());
    assert_eq!(
        search("zebras", json!({"include_archived": true})).await,
        vec![key.clone()]
    );

    ok(
        &svc,
        "pm_delete_issue",
        json!({"issue_key": key, "confirm": true}),
    )
    .await;
    assert!(
        search("zebras", json!({"include_archived": true}))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn search_folds_accents_both_ways() {
    let (_dir, svc) = setup_project().await;
    let accented = create(
        &svc,
        "Menu",
        json!({"description": "the café on the corner"}),
    )
    .await;
    let plain = create(
        &svc,
        "Resume parser",
        json!({"description": "reads a cafe menu"}),
    )
    .await;
    let search = |q: &str| {
        let svc = svc.clone();
        let q = q.to_string();
        async move { ok(&svc, "pm_search_issues", json!({ "query": q })).await["hits"].clone() }
    };
    let hits = search("cafe corner").await;
    assert_eq!(keys(&hits), vec![accented.clone()]);
    let snippet = hits[0]["snippet"].as_str().unwrap_or_default();
    assert!(snippet.contains("«café»"), "{snippet}");
    assert_eq!(keys(&search("café menu parser").await), vec![plain.clone()]);
    assert_eq!(keys(&search("résumé").await), vec![plain]);
}

#[tokio::test]
async fn search_scores_reflect_the_ranking() {
    let (_dir, svc) = setup_project().await;
    create(&svc, "Footer", json!({"description": "the login link"})).await;
    create(&svc, "Login page", json!({})).await;
    create(&svc, "Unrelated", json!({})).await;
    let hits = ok(&svc, "pm_search_issues", json!({"query": "login"})).await;
    let h = hits["hits"].as_array().unwrap();
    assert_eq!(keys(&hits["hits"]), vec!["PM-2", "PM-1"]);
    let (s0, s1) = (
        h[0]["score"].as_f64().unwrap(),
        h[1]["score"].as_f64().unwrap(),
    );
    assert!(
        s0 > s1 && s1 > 0.0,
        "scores {s0} and {s1} do not show the ranking"
    );
}

/// The counts pm_status reports from the table the store's triggers keep,
/// checked after every kind of change against the issues themselves.
#[tokio::test]
async fn status_counts_follow_every_change() {
    let (_dir, svc) = setup_project().await;
    async fn check(svc: &lazypm_service::Service, keys: &[String], after: &str) {
        let mut expected: [BTreeMap<String, i64>; 4] = Default::default();
        let (mut total, mut archived) = (0, 0);
        for key in keys {
            let issue = get(svc, key).await["issue"].clone();
            if issue["archived"] == true {
                archived += 1;
                continue;
            }
            total += 1;
            let module = issue["module"].as_str().unwrap_or("(none)").to_string();
            for (map, value) in expected.iter_mut().zip([
                issue["status"].as_str().unwrap().to_string(),
                issue["priority"].as_str().unwrap().to_string(),
                issue["type"].as_str().unwrap().to_string(),
                module,
            ]) {
                *map.entry(value).or_insert(0) += 1;
            }
        }
        let s = ok(svc, "pm_status", json!({})).await;
        assert_eq!(s["total"], total, "total after {after}");
        assert_eq!(s["archived"], archived, "archived after {after}");
        for (field, map) in ["by_status", "by_priority", "by_type", "by_module"]
            .iter()
            .zip(&expected)
        {
            assert_eq!(s[field], json!(map), "{field} after {after}");
        }
    }

    let mut keys = Vec::new();
    for (title, extra) in [
        (
            "Parser",
            json!({"type": "feature", "priority": "P2", "module": "core"}),
        ),
        (
            "Crash",
            json!({"type": "bug", "priority": "P1", "module": "core"}),
        ),
        ("Docs", json!({"type": "chore", "priority": "P4"})),
        (
            "Spike",
            json!({"type": "spike", "priority": "P3", "module": "ui"}),
        ),
    ] {
        keys.push(create(&svc, title, extra).await);
    }
    check(&svc, &keys, "creating").await;
    start(&svc, &keys[0]).await;
    start(&svc, &keys[1]).await;
    check(&svc, &keys, "starting").await;
    ok(
        &svc,
        "pm_update_issue",
        json!({"issue_key": keys[2], "priority": "P1", "type": "bug", "module": "ui"}),
    )
    .await;
    check(&svc, &keys, "changing priority, type and module").await;
    ok(
        &svc,
        "pm_update_issue",
        json!({"issue_key": keys[2], "title": "Docs, again"}),
    )
    .await;
    check(&svc, &keys, "changing only the title").await;
    ok(&svc, "pm_complete_issue", json!({"issue_key": keys[1]})).await;
    check(&svc, &keys, "completing").await;
    ok(
        &svc,
        "pm_update_issue",
        json!({"issue_key": keys[1], "archived": true}),
    )
    .await;
    check(&svc, &keys, "archiving").await;
    ok(
        &svc,
        "pm_delete_issue",
        json!({"issue_key": keys[3], "confirm": true}),
    )
    .await;
    keys.remove(3);
    check(&svc, &keys, "deleting").await;
}
