//! Issue keys (allocation that never reuses a key) and listing issues:
//! filters, sorting, paging and fields.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::common::*;

// ---------------------------------------------------------- key allocation

#[tokio::test]
async fn keys_count_up_and_are_never_reused_after_delete() {
    let (dir, svc) = setup_project().await;
    let mut made = Vec::new();
    for t in ["one", "two", "three"] {
        made.push(create(&svc, t, json!({})).await);
    }
    assert_eq!(made, vec!["PM-1", "PM-2", "PM-3"]);
    // PM-3 depends on PM-2: deleting PM-2 removes the link too.
    ok(
        &svc,
        "pm_link_issues",
        json!({"issue_key": "PM-2", "target_key": "PM-3", "kind": "blocks"}),
    )
    .await;
    ok(
        &svc,
        "pm_create_task",
        json!({"issue_key": "PM-2", "title": "a task"}),
    )
    .await;
    ok(
        &svc,
        "pm_add_comment",
        json!({"issue_key": "PM-2", "body": "a comment"}),
    )
    .await;

    let before = snapshot(&svc, &dir).await;
    let m = invalid(
        &svc,
        "pm_delete_issue",
        json!({"issue_key": "PM-2"}),
        "confirm",
    )
    .await;
    assert!(m.contains("confirm: true"), "{m}");
    invalid(
        &svc,
        "pm_delete_issue",
        json!({"issue_key": "PM-2", "confirm": false}),
        "confirm",
    )
    .await;
    assert_unchanged(&svc, &dir, &before, "pm_delete_issue without confirm").await;

    let d = ok(
        &svc,
        "pm_delete_issue",
        json!({"issue_key": "pm-2", "confirm": true}),
    )
    .await;
    assert_eq!(d["deleted"], "PM-2");
    assert_eq!(d["title"], "two");
    let e = fail(&svc, "pm_get_issue", json!({"issue_key": "PM-2"})).await;
    assert_eq!(e.code(), "not_found");
    let e = fail(
        &svc,
        "pm_delete_issue",
        json!({"issue_key": "PM-2", "confirm": true}),
    )
    .await;
    assert_eq!(e.code(), "not_found");
    let e = fail(
        &svc,
        "pm_create_task",
        json!({"issue_key": "PM-2", "title": "orphan"}),
    )
    .await;
    assert_eq!(e.code(), "not_found");
    // Its link went with it.
    let d3 = get(&svc, "PM-3").await;
    assert_eq!(d3["depends_on"], json!([]));
    assert_eq!(d3["ready"], true);
    // Its history survives, ending with the deletion.
    let types = history_types(&svc, "PM-2").await;
    assert_eq!(types.last().map(String::as_str), Some("issue_deleted"));

    assert_eq!(create(&svc, "four", json!({})).await, "PM-4");
    ok(
        &svc,
        "pm_delete_issue",
        json!({"issue_key": "PM-4", "confirm": true}),
    )
    .await;
    assert_eq!(create(&svc, "five", json!({})).await, "PM-5");
    let all = ok(&svc, "pm_list_issues", json!({"sort": "key"})).await;
    assert_eq!(keys(&all["issues"]), vec!["PM-1", "PM-3", "PM-5"]);
}

// ------------------------------------------------------------ listing

#[tokio::test]
async fn list_issues_filters_sorts_pages_and_picks_fields() {
    let (_dir, svc) = setup_project().await;
    let bob = as_actor(&svc, "bob");
    let a = create(
        &svc,
        "Alpha",
        json!({"priority": "P1", "module": "api", "owner": "alice", "labels": ["backend"]}),
    )
    .await;
    let b = create(
        &svc,
        "Bravo",
        json!({"type": "bug", "priority": "P2", "module": "web", "labels": ["frontend", "urgent"]}),
    )
    .await;
    let c = create(
        &svc,
        "Charlie",
        json!({"type": "bug", "module": "api", "labels": ["backend"]}),
    )
    .await;
    let d = create(&svc, "Delta", json!({"type": "chore"})).await;
    let e = create(
        &svc,
        "Echo",
        json!({"type": "spike", "priority": "P5", "owner": "alice"}),
    )
    .await;
    let f = create(
        &svc,
        "Foxtrot",
        json!({"type": "refactor", "priority": "P4", "submodule": "web"}),
    )
    .await;
    let g = create(
        &svc,
        "Golf",
        json!({"priority": "P2", "labels": ["urgent"], "parent": a}),
    )
    .await;
    start(&bob, &b).await;

    let list = |args: Value| {
        let svc = svc.clone();
        async move { keys(&ok(&svc, "pm_list_issues", args).await["issues"]) }
    };
    let v = |ks: &[&String]| ks.iter().map(|k| k.to_string()).collect::<Vec<_>>();

    // Default: by priority, P1 first, ties by creation.
    assert_eq!(list(json!({})).await, v(&[&a, &b, &g, &c, &d, &f, &e]));
    // Filters.
    assert_eq!(list(json!({"status": "in_progress"})).await, v(&[&b]));
    assert_eq!(
        list(json!({"status": ["proposed"]})).await,
        v(&[&a, &g, &c, &d, &f, &e])
    );
    assert_eq!(list(json!({"priority": "P2"})).await, v(&[&b, &g]));
    assert_eq!(
        list(json!({"priority": ["P1", "p2"]})).await,
        v(&[&a, &b, &g])
    );
    assert_eq!(list(json!({"type": "bug"})).await, v(&[&b, &c]));
    assert_eq!(
        list(json!({"type": ["spike", "chore"]})).await,
        v(&[&d, &e])
    );
    assert_eq!(list(json!({"owner": "alice"})).await, v(&[&a, &e]));
    assert_eq!(list(json!({"owner": "bob"})).await, v(&[&b]));
    assert_eq!(list(json!({"label": "urgent"})).await, v(&[&b, &g]));
    assert_eq!(list(json!({"label": "backend"})).await, v(&[&a, &c]));
    assert_eq!(list(json!({"module": "api"})).await, v(&[&a, &c]));
    assert_eq!(list(json!({"submodule": "web"})).await, v(&[&b, &f]));
    assert_eq!(
        list(json!({"type": "bug", "module": "api"})).await,
        v(&[&c])
    );
    assert_eq!(list(json!({"parent": a})).await, v(&[&g]));
    assert_eq!(
        list(json!({"label": "nothing"})).await,
        Vec::<String>::new()
    );
    // Relabelling moves an issue in and out of a label filter.
    ok(
        &svc,
        "pm_update_issue",
        json!({"issue_key": g, "labels": ["later"]}),
    )
    .await;
    assert_eq!(list(json!({"label": "urgent"})).await, v(&[&b]));
    assert_eq!(list(json!({"label": "later"})).await, v(&[&g]));

    // Sorts.
    assert_eq!(
        list(json!({"sort": "priority", "order": "desc"})).await,
        v(&[&e, &f, &d, &c, &g, &b, &a])
    );
    assert_eq!(
        list(json!({"sort": "title"})).await,
        v(&[&a, &b, &c, &d, &e, &f, &g])
    );
    assert_eq!(
        list(json!({"sort": "key", "order": "desc"})).await,
        v(&[&g, &f, &e, &d, &c, &b, &a])
    );
    assert_eq!(list(json!({"sort": "status"})).await[0], b);
    assert_eq!(
        list(json!({"sort": "updated"})).await[0],
        g,
        "newest update first"
    );
    assert_eq!(list(json!({"sort": "created"})).await[0], g, "newest first");

    // Paging walks every row exactly once, in the unpaged order.
    for sort in ["priority", "title", "key", "status", "updated", "created"] {
        for order in ["asc", "desc"] {
            let all = list(json!({"sort": sort, "order": order, "limit": 200})).await;
            assert_eq!(all.len(), 7);
            for limit in [1, 2, 3, 7] {
                let mut walked = Vec::new();
                let mut cursor: Option<String> = None;
                let mut pages = 0;
                loop {
                    let mut args = json!({"sort": sort, "order": order, "limit": limit});
                    if let Some(c) = &cursor {
                        args["cursor"] = json!(c);
                    }
                    let page = ok(&svc, "pm_list_issues", args).await;
                    let rows = keys(&page["issues"]);
                    assert!(rows.len() <= limit, "{sort} {order} {limit}");
                    walked.extend(rows);
                    pages += 1;
                    assert!(pages <= 8, "paging does not end: {sort} {order} {limit}");
                    match page.get("next_cursor") {
                        Some(c) => cursor = Some(c.as_str().unwrap().to_string()),
                        None => break,
                    }
                }
                assert_eq!(walked, all, "sort {sort} {order}, limit {limit}");
            }
        }
    }
    // Paging a filtered list stays inside the filter.
    let first = ok(
        &svc,
        "pm_list_issues",
        json!({"status": "proposed", "limit": 4}),
    )
    .await;
    let next = first["next_cursor"].as_str().unwrap();
    let rest = ok(
        &svc,
        "pm_list_issues",
        json!({"status": "proposed", "limit": 4, "cursor": next}),
    )
    .await;
    assert!(rest.get("next_cursor").is_none());
    let mut both = keys(&first["issues"]);
    both.extend(keys(&rest["issues"]));
    assert_eq!(both, v(&[&a, &g, &c, &d, &f, &e]));

    // Fields.
    let rows = ok(&svc, "pm_list_issues", json!({"fields": ["key", "status"]})).await;
    for row in rows["issues"].as_array().unwrap() {
        let names: Vec<&String> = row.as_object().unwrap().keys().collect();
        assert_eq!(names.len(), 2, "{row}");
        assert!(row["key"].is_string() && row["status"].is_string(), "{row}");
    }
    let rows = ok(
        &svc,
        "pm_list_issues",
        json!({"owner": "bob", "fields": ["module", "labels", "version", "parent"]}),
    )
    .await;
    assert_eq!(
        rows["issues"],
        json!([{"module": "web", "labels": ["frontend", "urgent"], "version": 2, "parent": null}])
    );
    let rows = ok(
        &svc,
        "pm_list_issues",
        json!({"parent": a, "fields": ["key", "parent"]}),
    )
    .await;
    assert_eq!(rows["issues"], json!([{"key": g, "parent": a}]));
    let rows = ok(&svc, "pm_list_issues", json!({"limit": 1})).await;
    let default: BTreeSet<&str> = rows["issues"][0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        default,
        BTreeSet::from([
            "key",
            "title",
            "type",
            "status",
            "priority",
            "owner",
            "updated_at"
        ])
    );
    let m = invalid(
        &svc,
        "pm_list_issues",
        json!({"fields": ["key", "colour"]}),
        "fields",
    )
    .await;
    assert!(
        m.contains("unknown field 'colour'") && m.contains("blocker_reason"),
        "{m}"
    );
    invalid(&svc, "pm_list_issues", json!({"sort": "size"}), "sort").await;
    invalid(&svc, "pm_list_issues", json!({"sprint": "nope"}), "sprint").await;
    let e = fail(&svc, "pm_list_issues", json!({"parent": "PM-99"})).await;
    assert_eq!(e.code(), "not_found");
    let e = fail(&svc, "pm_list_issues", json!({"project_id": "NOPE"})).await;
    assert_eq!(e.code(), "not_found");
}
