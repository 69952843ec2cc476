//! Sprints: holding issues and counting their progress.

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn sprints_hold_issues_and_count_progress() {
    let (dir, svc) = setup_project().await;
    let a = create(&svc, "Sprinted A", json!({"story_points": 3})).await;
    let b = create(&svc, "Sprinted B", json!({"story_points": 5})).await;
    let c = create(&svc, "Not sprinted", json!({})).await;

    let s = ok(
        &svc,
        "pm_create_sprint",
        json!({"name": "Sprint 1", "goal": "parse everything", "start_date": "2026-03-02", "end_date": "2026-03-13"}),
    )
    .await;
    assert_eq!(s["sprint"]["name"], "Sprint 1");
    assert_eq!(s["sprint"]["project"], "PM");
    assert_eq!(s["sprint"]["start_date"], "2026-03-02");

    let before = snapshot(&svc, &dir).await;
    let m = invalid(
        &svc,
        "pm_create_sprint",
        json!({"name": "Backwards", "start_date": "2026-03-13", "end_date": "2026-03-02"}),
        "end_date",
    )
    .await;
    assert!(m.contains("before start_date"), "{m}");
    invalid(
        &svc,
        "pm_create_sprint",
        json!({"name": "sprint 1", "start_date": "2026-04-01", "end_date": "2026-04-10"}),
        "name",
    )
    .await;
    invalid(
        &svc,
        "pm_create_sprint",
        json!({"name": "Bad date", "start_date": "2026-13-01", "end_date": "2026-04-10"}),
        "start_date",
    )
    .await;
    invalid(
        &svc,
        "pm_create_sprint",
        json!({"name": " ", "start_date": "2026-04-01", "end_date": "2026-04-10"}),
        "name",
    )
    .await;
    let m = invalid(
        &svc,
        "pm_add_to_sprint",
        json!({"sprint": "Sprint 9", "issue_keys": [a]}),
        "sprint",
    )
    .await;
    assert!(m.contains("pm_create_sprint"), "{m}");
    invalid(
        &svc,
        "pm_add_to_sprint",
        json!({"sprint": "Sprint 1", "issue_keys": []}),
        "issue_keys",
    )
    .await;
    // One unknown key refuses the whole batch.
    let e = fail(
        &svc,
        "pm_add_to_sprint",
        json!({"sprint": "Sprint 1", "issue_keys": [a, "PM-99"]}),
    )
    .await;
    assert_eq!(e.code(), "not_found");
    assert_unchanged(&svc, &dir, &before, "sprint operations").await;

    let add = ok(
        &svc,
        "pm_add_to_sprint",
        json!({"sprint": "sprint 1", "issue_keys": [a, b]}),
    )
    .await;
    assert_eq!(strings(&add["added"]), vec![a.clone(), b.clone()]);
    assert_eq!(add["already_in_sprint"], json!([]));
    let add = ok(
        &svc,
        "pm_add_to_sprint",
        json!({"sprint": "Sprint 1", "issue_keys": [b]}),
    )
    .await;
    assert_eq!(add["added"], json!([]));
    assert_eq!(strings(&add["already_in_sprint"]), vec![b.clone()]);

    ok(
        &svc,
        "pm_create_sprint",
        json!({"name": "Sprint 2", "start_date": "2026-03-16", "end_date": "2026-03-16"}),
    )
    .await;
    start(&svc, &a).await;
    ok(&svc, "pm_complete_issue", json!({"issue_key": a})).await;

    let l = ok(&svc, "pm_list_sprints", json!({})).await;
    let sprints = l["sprints"].as_array().unwrap();
    assert_eq!(sprints.len(), 2);
    assert_eq!(sprints[0]["name"], "Sprint 1");
    assert_eq!(sprints[0]["goal"], "parse everything");
    assert_eq!(strings(&sprints[0]["issues"]), vec![a.clone(), b.clone()]);
    assert_eq!(sprints[0]["done"], 1);
    assert_eq!(sprints[0]["story_points"], 8);
    assert_eq!(sprints[0]["done_points"], 3);
    assert_eq!(sprints[1]["name"], "Sprint 2");
    assert_eq!(sprints[1]["issues"], json!([]));
    assert_eq!(sprints[1]["done"], 0);

    let in_sprint = ok(&svc, "pm_list_issues", json!({"sprint": "Sprint 1"})).await;
    assert_eq!(keys(&in_sprint["issues"]), vec![a.clone(), b.clone()]);
    assert!(!keys(&in_sprint["issues"]).contains(&c));
    assert_eq!(strings(&get(&svc, &b).await["sprints"]), vec!["Sprint 1"]);
    assert_eq!(get(&svc, &c).await["sprints"], json!([]));
}
