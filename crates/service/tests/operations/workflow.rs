//! The workflow: status moves that are allowed or refused (and why), reviving
//! canceled work, and projects that require a review before done.

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn workflow_rules_are_enforced_and_explained() {
    let (dir, svc) = setup_project().await;
    let key = create(&svc, "Workflow", json!({})).await;

    let before = snapshot(&svc, &dir).await;
    let m = invalid(
        &svc,
        "pm_update_status",
        json!({"issue_key": key, "status": "done"}),
        "status",
    )
    .await;
    assert!(m.contains("cannot move from proposed to done"), "{m}");
    assert!(m.contains("in_progress, canceled"), "{m}");
    let m = invalid(
        &svc,
        "pm_update_status",
        json!({"issue_key": key, "status": "proposed"}),
        "status",
    )
    .await;
    assert!(m.contains("already proposed"), "{m}");
    let m = invalid(
        &svc,
        "pm_update_status",
        json!({"issue_key": key, "status": "finished"}),
        "status",
    )
    .await;
    assert!(
        m.contains("proposed, in_progress, review, done, blocked, canceled"),
        "{m}"
    );
    // complete needs work under way
    let m = invalid(
        &svc,
        "pm_complete_issue",
        json!({ "issue_key": key }),
        "issue_key",
    )
    .await;
    assert!(m.contains("pm_start_work"), "{m}");
    assert_unchanged(&svc, &dir, &before, "pm_update_status").await;

    // Lenient spelling of statuses.
    let v = ok(
        &svc,
        "pm_update_status",
        json!({"issue_key": key, "status": "In-Progress"}),
    )
    .await;
    assert_eq!(v["issue"]["status"], "in_progress");
    assert!(
        v["next_steps"][0]
            .as_str()
            .unwrap()
            .contains("review, blocked, canceled, proposed"),
        "{v}"
    );

    // blocked needs a reason, and keeps it while blocked.
    let before = snapshot(&svc, &dir).await;
    invalid(
        &svc,
        "pm_update_status",
        json!({"issue_key": key, "status": "blocked"}),
        "blocker_reason",
    )
    .await;
    invalid(
        &svc,
        "pm_update_status",
        json!({"issue_key": key, "status": "blocked", "blocker_reason": "   "}),
        "blocker_reason",
    )
    .await;
    assert_unchanged(&svc, &dir, &before, "pm_update_status blocked").await;
    let b = ok(
        &svc,
        "pm_update_status",
        json!({"issue_key": key, "status": "blocked", "blocker_reason": "waiting for API keys"}),
    )
    .await;
    assert_eq!(b["issue"]["status"], "blocked");
    assert!(
        strings(&b["issue"]["changed"])
            .contains(&"blocker_reason: none → waiting for API keys".to_string()),
        "{b}"
    );
    assert_eq!(
        get(&svc, &key).await["issue"]["blocker_reason"],
        "waiting for API keys"
    );
    let row = ok(
        &svc,
        "pm_list_issues",
        json!({"status": "blocked", "fields": ["key", "blocker_reason"]}),
    )
    .await;
    assert_eq!(
        row["issues"],
        json!([{"key": key, "blocker_reason": "waiting for API keys"}])
    );
    let m = invalid(
        &svc,
        "pm_update_status",
        json!({"issue_key": key, "status": "review"}),
        "status",
    )
    .await;
    assert!(
        m.contains("from blocked it can move to: in_progress, canceled"),
        "{m}"
    );

    // Leaving blocked clears the reason.
    let v = set_status(&svc, &key, "in_progress").await;
    assert!(v["issue"]["blocker_reason"].is_null(), "{v}");
    assert!(get(&svc, &key).await["issue"]["blocker_reason"].is_null());

    set_status(&svc, &key, "review").await;
    let done = set_status(&svc, &key, "done").await;
    assert_eq!(done["issue"]["status"], "done");
    assert!(get(&svc, &key).await["issue"]["completed_at"].is_string());

    // Reopen: done → in_progress.
    let m = invalid(
        &svc,
        "pm_update_status",
        json!({"issue_key": key, "status": "proposed"}),
        "status",
    )
    .await;
    assert!(m.contains("from done it can move to: in_progress"), "{m}");
    let reopened = set_status(&svc, &key, "in_progress").await;
    assert_eq!(reopened["issue"]["status"], "in_progress");
    assert!(reopened["issue"]["completed_at"].is_null());

    // Cancel, then revive: canceled → proposed.
    set_status(&svc, &key, "canceled").await;
    let m = invalid(
        &svc,
        "pm_update_status",
        json!({"issue_key": key, "status": "in_progress"}),
        "status",
    )
    .await;
    assert!(m.contains("from canceled it can move to: proposed"), "{m}");
    let revived = set_status(&svc, &key, "proposed").await;
    assert_eq!(revived["issue"]["status"], "proposed");
    assert_eq!(get(&svc, &key).await["ready"], true);

    // Every move is in the issue's updates and its history.
    let d = get(&svc, &key).await;
    let tos: Vec<String> = d["issue"]["communication"]["updates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["to"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        tos,
        vec![
            "in_progress",
            "blocked",
            "in_progress",
            "review",
            "done",
            "in_progress",
            "canceled",
            "proposed"
        ]
    );
    let changes = history_types(&svc, &key).await;
    assert_eq!(changes.iter().filter(|t| *t == "status_changed").count(), 8);

    // A stale version is refused by pm_update_status too.
    let version = d["issue"]["version"].as_i64().unwrap();
    let before = snapshot(&svc, &dir).await;
    let e = fail(
        &svc,
        "pm_update_status",
        json!({"issue_key": key, "status": "in_progress", "version": version - 1}),
    )
    .await;
    assert_eq!(e.code(), "conflict", "{e}");
    assert_unchanged(&svc, &dir, &before, "stale pm_update_status").await;
}

#[tokio::test]
async fn reviving_a_canceled_issue_clears_completed_at() {
    let (_dir, svc) = setup_project().await;
    let key = create(&svc, "Cancel me", json!({})).await;
    let c = set_status(&svc, &key, "canceled").await;
    assert_eq!(c["issue"]["status"], "canceled");
    assert!(get(&svc, &key).await["issue"]["completed_at"].is_string());
    let p = set_status(&svc, &key, "proposed").await;
    assert_eq!(p["issue"]["status"], "proposed");
    assert!(
        p["issue"]["completed_at"].is_null(),
        "an open (proposed) issue still carries completed_at: {}",
        p["issue"]["completed_at"]
    );
}

#[tokio::test]
async fn require_review_project_stops_completion_in_review() {
    let (dir, svc) = setup().await;
    let p = init_project(&svc, &dir, "strict", "REV", json!({"require_review": true})).await;
    assert_eq!(p["project"]["metadata"]["require_review"], true);
    let key = create(&svc, "Needs a reviewer", json!({})).await;
    assert_eq!(key, "REV-1");
    start(&svc, &key).await;

    let c = ok(
        &svc,
        "pm_complete_issue",
        json!({"issue_key": key, "actual_time": "1h"}),
    )
    .await;
    assert_eq!(c["completed"], false);
    assert_eq!(c["awaiting_review"], true);
    assert_eq!(c["issue"]["status"], "review");
    assert_eq!(strings(&c["transitions"]), vec!["in_progress → review"]);
    assert!(c["issue"]["completed_at"].is_null());
    assert!(c["issue"]["analytics"]["actual_minutes"].is_null());

    let before = snapshot(&svc, &dir).await;
    let m = invalid(
        &svc,
        "pm_update_status",
        json!({"issue_key": key, "status": "done"}),
        "status",
    )
    .await;
    assert!(m.contains("approved review"), "{m}");
    assert_unchanged(&svc, &dir, &before, "pm_update_status done without review").await;
    assert_eq!(get(&svc, &key).await["issue"]["status"], "review");
    let s = ok(&svc, "pm_daily_standup", json!({"format": "structured"})).await;
    assert_eq!(s["completed"], json!([]));
}

#[tokio::test]
async fn review_by_someone_else_lets_a_strict_project_finish() {
    let (dir, svc) = setup().await;
    init_project(&svc, &dir, "strict", "REV", json!({"require_review": true})).await;
    let key = create(&svc, "Needs a reviewer", json!({})).await;
    start(&svc, &key).await;

    // Review requests only make sense for live work.
    let other = create(&svc, "Not started", json!({})).await;
    invalid(
        &svc,
        "pm_request_review",
        json!({"issue_key": other}),
        "issue_key",
    )
    .await;

    let r = ok(
        &svc,
        "pm_request_review",
        json!({"issue_key": key, "reviewers": ["bob"], "summary": "new parser"}),
    )
    .await;
    assert_eq!(r["issue"]["status"], "review");
    assert_eq!(
        get(&svc, &key).await["issue"]["communication"]["review_requests"][0]["reviewers"],
        json!(["bob"])
    );

    // The owner cannot approve their own work in a strict project, and nothing changes.
    let before = snapshot(&svc, &dir).await;
    let m = invalid(
        &svc,
        "pm_review_issue",
        json!({"issue_key": key, "decision": "approve"}),
        "decision",
    )
    .await;
    assert!(m.contains("someone else"), "{m}");
    assert_unchanged(&svc, &dir, &before, "self-approval").await;
    let m = invalid(
        &svc,
        "pm_review_issue",
        json!({"issue_key": key, "decision": "maybe"}),
        "decision",
    )
    .await;
    assert!(
        m.contains("approve") && m.contains("request_changes"),
        "{m}"
    );

    // Changes requested: back to in_progress with the review recorded.
    let bob = as_actor(&svc, "bob");
    let back = ok(
        &bob,
        "pm_review_issue",
        json!({"issue_key": key, "decision": "request_changes", "comments": "add tests"}),
    )
    .await;
    assert_eq!(back["issue"]["status"], "in_progress");
    assert_eq!(
        get(&svc, &key).await["issue"]["communication"]["reviews"][0]["decision"],
        "changes_requested"
    );
    let m = invalid(
        &bob,
        "pm_review_issue",
        json!({"issue_key": key, "decision": "approve"}),
        "issue_key",
    )
    .await;
    assert!(m.contains("not in review"), "{m}");

    // Completing again waits in review; approval by bob then lets it finish.
    let c = ok(&svc, "pm_complete_issue", json!({"issue_key": key})).await;
    assert_eq!(c["awaiting_review"], true);
    let again = fail(&svc, "pm_complete_issue", json!({"issue_key": key})).await;
    assert_eq!(again.field(), Some("issue_key"));
    let a = ok(
        &bob,
        "pm_review_issue",
        json!({"issue_key": key, "decision": "approved"}),
    )
    .await;
    assert!(strings(&a["next_steps"])[0].starts_with("pm_complete_issue"));
    let done = ok(
        &svc,
        "pm_complete_issue",
        json!({"issue_key": key, "lessons_learned": "ask early"}),
    )
    .await;
    assert_eq!(done["completed"], true);
    assert_eq!(done["issue"]["status"], "done");
    assert_eq!(strings(&done["transitions"]), vec!["review → done"]);

    let history = ok(&svc, "pm_issue_history", json!({"issue_key": key})).await;
    let kinds: Vec<String> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| *k == "issue_reviewed").count(),
        2,
        "{kinds:?}"
    );
    assert!(kinds.contains(&"review_requested".to_string()));
}
