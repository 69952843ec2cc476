//! Archiving: only done issues are archived, read back, and reopened.

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn only_done_issues_are_archived_and_read_back() {
    let (dir, svc) = setup_project().await;
    let open = create(&svc, "Still open", json!({})).await;
    let done = create(&svc, "Finished work", json!({})).await;
    start(&svc, &done).await;
    ok(&svc, "pm_complete_issue", json!({"issue_key": done})).await;
    let also = create(&svc, "Finished and archived at once", json!({})).await;
    start(&svc, &also).await;

    let before = snapshot(&svc, &dir).await;
    let m = invalid(
        &svc,
        "pm_update_issue",
        json!({"issue_key": open, "archived": true}),
        "archived",
    )
    .await;
    assert!(m.contains("only done or canceled"), "{m}");
    let m = invalid(
        &svc,
        "pm_get_archived_issue",
        json!({ "issue_key": done }),
        "issue_key",
    )
    .await;
    assert!(m.contains("pm_get_issue"), "{m}");
    assert_unchanged(&svc, &dir, &before, "archiving an open issue").await;

    let a = ok(
        &svc,
        "pm_update_issue",
        json!({"issue_key": done, "archived": true}),
    )
    .await;
    assert!(
        strings(&a["issue"]["changed"]).contains(&"archived: false → true".to_string()),
        "{a}"
    );
    assert_eq!(
        history_types(&svc, &done).await.last().unwrap(),
        "issue_archived"
    );
    let c = ok(
        &svc,
        "pm_complete_issue",
        json!({"issue_key": also, "archive": true}),
    )
    .await;
    assert_eq!(c["completed"], true);
    assert_eq!(get(&svc, &also).await["issue"]["archived"], true);

    let live = ok(&svc, "pm_list_issues", json!({})).await;
    assert_eq!(keys(&live["issues"]), vec![open.clone()]);
    let arch = ok(
        &svc,
        "pm_list_archived_issues",
        json!({"fields": ["key", "archived", "status"]}),
    )
    .await;
    assert_eq!(
        arch["issues"],
        json!([
            {"key": also, "archived": true, "status": "done"},
            {"key": done, "archived": true, "status": "done"},
        ])
    );
    let page = ok(&svc, "pm_list_archived_issues", json!({"limit": 1})).await;
    assert_eq!(keys(&page["issues"]), vec![also.clone()]);
    let page = ok(
        &svc,
        "pm_list_archived_issues",
        json!({"limit": 1, "cursor": page["next_cursor"]}),
    )
    .await;
    assert_eq!(keys(&page["issues"]), vec![done.clone()]);
    assert!(page.get("next_cursor").is_none());

    let g = ok(&svc, "pm_get_archived_issue", json!({ "issue_key": done })).await;
    assert_eq!(g["issue"]["key"], done.as_str());
    assert_eq!(g["issue"]["archived"], true);
    assert_eq!(g["issue"]["status"], "done");
    let s = ok(&svc, "pm_status", json!({})).await;
    assert_eq!(
        (s["total"].clone(), s["archived"].clone()),
        (json!(1), json!(2))
    );

    let e = fail(&svc, "pm_get_archived_issue", json!({"issue_key": "PM-99"})).await;
    assert_eq!(e.code(), "not_found");

    // Unarchive brings it back.
    let u = ok(
        &svc,
        "pm_update_issue",
        json!({"issue_key": done, "archived": false}),
    )
    .await;
    assert!(strings(&u["issue"]["changed"]).contains(&"archived: true → false".to_string()));
    assert_eq!(
        history_types(&svc, &done).await.last().unwrap(),
        "issue_unarchived"
    );
    let live = ok(&svc, "pm_list_issues", json!({"sort": "key"})).await;
    assert_eq!(keys(&live["issues"]), vec![open, done]);
}

#[tokio::test]
async fn reopening_an_archived_issue_does_not_leave_open_archived_work() {
    let (_dir, svc) = setup_project().await;
    let key = create(&svc, "Archived then reopened", json!({})).await;
    start(&svc, &key).await;
    ok(
        &svc,
        "pm_complete_issue",
        json!({"issue_key": key, "archive": true}),
    )
    .await;
    // Either refused, or the issue comes back out of the archive.
    if svc
        .call(
            "pm_update_status",
            json!({"issue_key": key, "status": "in_progress"}),
        )
        .await
        .is_ok()
    {
        let d = get(&svc, &key).await;
        assert_eq!(d["issue"]["status"], "in_progress");
        assert_eq!(
            d["issue"]["archived"], false,
            "an in_progress issue is still archived: it is missing from pm_list_issues and pm_status"
        );
    }
}
