//! Tasks and their checklists.

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn tasks_and_their_checklists() {
    let (dir, svc) = setup_project().await;
    let key = create(&svc, "Has tasks", json!({})).await;
    let other = create(&svc, "Other", json!({})).await;

    let t = ok(
        &svc,
        "pm_create_task",
        json!({"issue_key": key, "title": "Write migration", "checklist": ["add table", "add index", "add table"], "estimate": "2h", "assignee": "bob"}),
    )
    .await;
    let t1 = t["task"]["key"].as_str().unwrap().to_string();
    assert_eq!(t1, "PM-1-T1");
    assert_eq!(t["task"]["status"], "todo");
    assert_eq!(t["task"]["estimate_minutes"], 120);
    assert_eq!(t["task"]["assignee"], "bob");
    assert_eq!(
        t["task"]["checklist"],
        json!([{"text": "add table", "done": false}, {"text": "add index", "done": false}])
    );
    let t2 = ok(
        &svc,
        "pm_create_task",
        json!({"issue_key": key, "title": "Review", "status": "review"}),
    )
    .await;
    assert_eq!(t2["task"]["key"], "PM-1-T2");
    assert_eq!(t2["task"]["status"], "review");
    let t3 = ok(
        &svc,
        "pm_create_task",
        json!({"issue_key": other, "title": "Elsewhere"}),
    )
    .await;
    assert_eq!(t3["task"]["key"], "PM-2-T1");

    // Update: status, appended notes, version.
    let u = ok(
        &svc,
        "pm_update_task",
        json!({"task_key": "pm-1-t1", "status": "doing", "notes": "first note"}),
    )
    .await;
    assert_eq!(u["task"]["status"], "doing");
    assert_eq!(strings(&u["task"]["notes"]), vec!["first note"]);
    assert_eq!(u["task"]["version"], 2);
    let u = ok(
        &svc,
        "pm_update_task",
        json!({"task_key": t1, "version": 2, "notes": "second note", "assignee": null, "estimate": "30m"}),
    )
    .await;
    assert_eq!(
        strings(&u["task"]["notes"]),
        vec!["first note", "second note"]
    );
    assert!(u["task"]["assignee"].is_null());
    assert_eq!(u["task"]["estimate_minutes"], 30);
    assert_eq!(u["task"]["version"], 3);

    let before = snapshot(&svc, &dir).await;
    let e = fail(
        &svc,
        "pm_update_task",
        json!({"task_key": t1, "version": 1, "title": "stale"}),
    )
    .await;
    assert_eq!(e.code(), "conflict");
    let m = invalid(
        &svc,
        "pm_update_task",
        json!({"task_key": t1, "status": "finished"}),
        "status",
    )
    .await;
    assert!(m.contains("todo, doing, blocked, review, done"), "{m}");
    invalid(
        &svc,
        "pm_update_task",
        json!({"task_key": t1, "status": "done", "estimate": "someday"}),
        "estimate",
    )
    .await;
    invalid(
        &svc,
        "pm_update_task",
        json!({"task_key": "PM-1"}),
        "task_key",
    )
    .await;
    let e = fail(
        &svc,
        "pm_update_task",
        json!({"task_key": "PM-1-T9", "title": "x"}),
    )
    .await;
    assert_eq!(e.code(), "not_found");
    assert_unchanged(&svc, &dir, &before, "pm_update_task").await;

    // Checklist: add, check / uncheck / remove by index and by text.
    let c = ok(
        &svc,
        "pm_task_checklist",
        json!({"task_key": t1, "action": "add", "items": ["write tests"]}),
    )
    .await;
    assert_eq!(c["task"]["checklist"].as_array().unwrap().len(), 3);
    let c = ok(
        &svc,
        "pm_task_checklist",
        json!({"task_key": t1, "action": "check", "item": 1}),
    )
    .await;
    assert_eq!(
        c["task"]["checklist"][0],
        json!({"text": "add table", "done": true})
    );
    let c = ok(
        &svc,
        "pm_task_checklist",
        json!({"task_key": t1, "action": "check", "item": "ADD INDEX"}),
    )
    .await;
    assert_eq!(
        c["task"]["checklist"][1],
        json!({"text": "add index", "done": true})
    );
    let c = ok(
        &svc,
        "pm_task_checklist",
        json!({"task_key": t1, "action": "uncheck", "item": 1}),
    )
    .await;
    assert_eq!(c["task"]["checklist"][0]["done"], false);
    let c = ok(
        &svc,
        "pm_task_checklist",
        json!({"task_key": t1, "action": "remove", "item": "add table"}),
    )
    .await;
    assert_eq!(
        c["task"]["checklist"],
        json!([{"text": "add index", "done": true}, {"text": "write tests", "done": false}])
    );
    let c = ok(
        &svc,
        "pm_task_checklist",
        json!({"task_key": t1, "action": "remove", "item": 2}),
    )
    .await;
    assert_eq!(
        c["task"]["checklist"],
        json!([{"text": "add index", "done": true}])
    );
    // All checked: the next step says so.
    assert!(
        c["next_steps"][0]
            .as_str()
            .unwrap()
            .contains("every item is checked"),
        "{c}"
    );

    let before = snapshot(&svc, &dir).await;
    let m = invalid(
        &svc,
        "pm_task_checklist",
        json!({"task_key": t1, "action": "check", "item": 5}),
        "item",
    )
    .await;
    assert!(m.contains("has 1 checklist item(s)"), "{m}");
    invalid(
        &svc,
        "pm_task_checklist",
        json!({"task_key": t1, "action": "remove", "item": 0}),
        "item",
    )
    .await;
    invalid(
        &svc,
        "pm_task_checklist",
        json!({"task_key": t1, "action": "check"}),
        "item",
    )
    .await;
    let m = invalid(
        &svc,
        "pm_task_checklist",
        json!({"task_key": t1, "action": "uncheck", "item": "no such line"}),
        "item",
    )
    .await;
    assert!(m.contains("1. add index"), "{m}");
    invalid(
        &svc,
        "pm_task_checklist",
        json!({"task_key": t1, "action": "add", "items": [" "]}),
        "items",
    )
    .await;
    invalid(
        &svc,
        "pm_task_checklist",
        json!({"task_key": t1, "action": "add"}),
        "items",
    )
    .await;
    invalid(
        &svc,
        "pm_task_checklist",
        json!({"task_key": t1, "action": "toggle", "item": 1}),
        "action",
    )
    .await;
    let e = fail(
        &svc,
        "pm_task_checklist",
        json!({"task_key": "PM-1-T7", "action": "check", "item": 1}),
    )
    .await;
    assert_eq!(e.code(), "not_found");
    // Work logged against a task of another issue is refused.
    invalid(
        &svc,
        "pm_log_work",
        json!({"issue_key": other, "activity": "code", "summary": "s", "task_key": t1}),
        "task_key",
    )
    .await;
    assert_unchanged(&svc, &dir, &before, "pm_task_checklist").await;

    let l = ok(
        &svc,
        "pm_log_work",
        json!({"issue_key": key, "activity": "code", "summary": "migrated", "task_key": t1, "time_spent": "45m"}),
    )
    .await;
    assert_eq!(l["logged"]["task_key"], t1);

    let d = get(&svc, &key).await;
    assert_eq!(keys(&d["tasks"]), vec!["PM-1-T1", "PM-1-T2"]);
    assert_eq!(d["tasks"][0]["version"], 9);
    assert_eq!(d["work_logs"][0]["task_key"], t1);
    let h = ok(&svc, "pm_issue_history", json!({ "issue_key": key })).await;
    let task_events: Vec<(String, String)> = h["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity"] != key)
        .map(|e| {
            (
                e["entity"].as_str().unwrap().to_string(),
                e["type"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let t = |k: &str, ty: &str| (k.to_string(), ty.to_string());
    assert_eq!(
        task_events,
        vec![
            t("PM-1-T1", "task_created"),
            t("PM-1-T2", "task_created"),
            t("PM-1-T1", "task_updated"),
            t("PM-1-T1", "task_updated"),
            t("PM-1-T1", "task_checklist_changed"),
            t("PM-1-T1", "task_checklist_changed"),
            t("PM-1-T1", "task_checklist_changed"),
            t("PM-1-T1", "task_checklist_changed"),
            t("PM-1-T1", "task_checklist_changed"),
            t("PM-1-T1", "task_checklist_changed"),
        ]
    );
}
