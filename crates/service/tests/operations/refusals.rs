//! Refused writes change nothing: stale versions and bad input, each refusal
//! naming the field.

use serde_json::json;

use crate::common::*;

// ---------------------------------------------------------- concurrency

#[tokio::test]
async fn stale_version_is_refused_and_changes_nothing() {
    let (dir, svc) = setup_project().await;
    let key = create(&svc, "Original", json!({"owner": "bob"})).await;
    let v1 = get(&svc, &key).await["issue"]["version"].as_i64().unwrap();
    assert_eq!(v1, 1);

    let u = ok(
        &svc,
        "pm_update_issue",
        json!({"issue_key": key, "version": 1, "title": "Renamed", "priority": "P1", "labels": ["x", " x ", "y"]}),
    )
    .await;
    assert_eq!(u["issue"]["version"], 2);
    assert_eq!(u["issue"]["title"], "Renamed");
    assert_eq!(
        strings(&get(&svc, &key).await["issue"]["labels"]),
        vec!["x", "y"]
    );

    let before = snapshot(&svc, &dir).await;
    let e = fail(
        &svc,
        "pm_update_issue",
        json!({"issue_key": key, "version": 1, "title": "Lost update"}),
    )
    .await;
    assert_eq!(e.code(), "conflict", "{e}");
    assert!(e.to_string().contains("version 2"), "{e}");
    assert_unchanged(&svc, &dir, &before, "stale pm_update_issue").await;
    let d = get(&svc, &key).await;
    assert_eq!(d["issue"]["title"], "Renamed");
    assert_eq!(d["issue"]["version"], 2);

    // No change: no new version, no event.
    let events = db_events(&svc).await.len();
    let same = ok(
        &svc,
        "pm_update_issue",
        json!({"issue_key": key, "title": "Renamed"}),
    )
    .await;
    assert_eq!(same["issue"]["version"], 2);
    assert_eq!(db_events(&svc).await.len(), events);

    // null clears a clearable field; the event names what changed.
    let cleared = ok(
        &svc,
        "pm_update_issue",
        json!({"issue_key": key, "version": 2, "owner": null, "estimated_effort": "1.5d"}),
    )
    .await;
    assert!(cleared["issue"]["owner"].is_null());
    assert_eq!(get(&svc, &key).await["issue"]["estimate"]["hours"], 12.0);
    assert_eq!(cleared["issue"]["version"], 3);
    let h = ok(&svc, "pm_issue_history", json!({ "issue_key": key })).await;
    let last = h["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["type"], "issue_updated");
    assert_eq!(last["changes"]["changes"]["owner"]["from"], "bob");
    assert!(last["changes"]["changes"]["owner"]["to"].is_null());
}

// ---------------------------------------------------------------- bad input

#[tokio::test]
async fn bad_input_is_refused_naming_the_field_and_changes_nothing() {
    let (dir, svc) = setup_project().await;
    let key = create(
        &svc,
        "C++ foo bindings",
        json!({"description": "wrap the library"}),
    )
    .await;
    let before = snapshot(&svc, &dir).await;

    // Unknown field.
    let m = invalid(
        &svc,
        "pm_create_issue",
        json!({"type": "bug", "title": "x", "colour": "red"}),
        "colour",
    )
    .await;
    assert!(m.contains("unknown field 'colour'"), "{m}");
    // Bad enum value.
    let m = invalid(
        &svc,
        "pm_create_issue",
        json!({"type": "bug", "title": "x", "priority": "P9"}),
        "priority",
    )
    .await;
    assert!(m.contains("P1, P2, P3, P4, P5"), "{m}");
    let m = invalid(
        &svc,
        "pm_create_issue",
        json!({"type": "story", "title": "x"}),
        "type",
    )
    .await;
    assert!(
        m.contains("feature, bug, refactor, chore, spike, epic"),
        "{m}"
    );
    // Wrong type.
    let m = invalid(
        &svc,
        "pm_create_issue",
        json!({"type": "bug", "title": 42}),
        "title",
    )
    .await;
    assert!(m.contains("expected a string"), "{m}");
    invalid(
        &svc,
        "pm_create_issue",
        json!({"type": "bug", "title": "x", "labels": {"a": 1}}),
        "labels",
    )
    .await;
    invalid(&svc, "pm_list_issues", json!({"limit": "ten"}), "limit").await;
    invalid(&svc, "pm_list_issues", json!({"limit": -1}), "limit").await;
    // Missing required fields.
    let m = invalid(&svc, "pm_create_issue", json!({"type": "bug"}), "title").await;
    assert!(m.contains("missing field 'title'"), "{m}");
    invalid(&svc, "pm_create_issue", json!({"title": "x"}), "type").await;
    invalid(&svc, "pm_get_issue", json!({}), "issue_key").await;
    // Not an object.
    invalid(&svc, "pm_create_issue", json!(["bug", "x"]), "arguments").await;
    // Empty, too long, bad key.
    invalid(
        &svc,
        "pm_create_issue",
        json!({"type": "bug", "title": "   "}),
        "title",
    )
    .await;
    let m = invalid(
        &svc,
        "pm_create_issue",
        json!({"type": "bug", "title": "x".repeat(201)}),
        "title",
    )
    .await;
    assert!(m.contains("at most 200"), "{m}");
    invalid(
        &svc,
        "pm_create_issue",
        json!({"type": "bug", "title": "x", "dependencies": ["PM-1", "no good"]}),
        "dependencies[1]",
    )
    .await;
    let e = fail(
        &svc,
        "pm_create_issue",
        json!({"type": "bug", "title": "x", "dependencies": ["PM-77"]}),
    )
    .await;
    assert_eq!(e.code(), "not_found", "{e}");
    invalid(
        &svc,
        "pm_create_issue",
        json!({"type": "bug", "title": "x", "story_points": 5000}),
        "story_points",
    )
    .await;
    invalid(
        &svc,
        "pm_create_issue",
        json!({"type": "bug", "title": "x", "estimated_effort": "soon"}),
        "estimated_effort",
    )
    .await;
    invalid(
        &svc,
        "pm_get_issue",
        json!({"issue_key": "not a key"}),
        "issue_key",
    )
    .await;
    let e = fail(&svc, "pm_get_issue", json!({"issue_key": "PM-999"})).await;
    assert_eq!(e.code(), "not_found");
    assert!(e.to_string().contains("pm_list_issues"), "{e}");

    // Status is not changed through pm_update_issue.
    let m = invalid(
        &svc,
        "pm_update_issue",
        json!({"issue_key": key, "status": "done", "title": "sneaky"}),
        "status",
    )
    .await;
    assert!(m.contains("pm_update_status"), "{m}");
    invalid(
        &svc,
        "pm_update_issue",
        json!({"issue_key": key, "parent": key}),
        "parent",
    )
    .await;
    // A bad value late in the input rolls back the earlier ones.
    invalid(
        &svc,
        "pm_update_issue",
        json!({"issue_key": key, "title": "changed", "estimate_hours": -3}),
        "estimate_hours",
    )
    .await;

    // Work logs.
    invalid(
        &svc,
        "pm_log_work",
        json!({"issue_key": key, "activity": "code", "summary": "s", "time_spent": "2 parsecs"}),
        "time_spent",
    )
    .await;
    let m = invalid(
        &svc,
        "pm_log_work",
        json!({"issue_key": key, "activity": "coding", "summary": "s"}),
        "activity",
    )
    .await;
    assert!(m.contains("code, review, research"), "{m}");
    invalid(
        &svc,
        "pm_log_work",
        json!({"issue_key": key, "activity": "code", "summary": " "}),
        "summary",
    )
    .await;
    invalid(
        &svc,
        "pm_add_comment",
        json!({"issue_key": key, "body": ""}),
        "body",
    )
    .await;

    // Limits, cursors.
    for tool in ["pm_list_issues", "pm_list_archived_issues", "pm_my_queue"] {
        let m = invalid(&svc, tool, json!({"limit": 0}), "limit").await;
        assert!(m.contains("between 1 and 200"), "{tool}: {m}");
        let m = invalid(&svc, tool, json!({"limit": 1000}), "limit").await;
        assert!(m.contains("at most 200"), "{tool}: {m}");
    }
    invalid(
        &svc,
        "pm_search_issues",
        json!({"query": "foo", "limit": 0}),
        "limit",
    )
    .await;
    invalid(
        &svc,
        "pm_issue_history",
        json!({"issue_key": key, "limit": 1000}),
        "limit",
    )
    .await;
    invalid(&svc, "pm_suggest_next_work", json!({"limit": 0}), "limit").await;
    for cursor in ["garbage", "", "i1:notanumber", "x5:P3"] {
        let m = invalid(
            &svc,
            "pm_list_issues",
            json!({ "cursor": cursor }),
            "cursor",
        )
        .await;
        assert!(m.contains("next_cursor"), "{m}");
    }
    invalid(
        &svc,
        "pm_list_archived_issues",
        json!({"cursor": "nope"}),
        "cursor",
    )
    .await;

    // Search: punctuation alone is refused; any text with a word is safe.
    invalid(
        &svc,
        "pm_search_issues",
        json!({"query": "*** --- ()"}),
        "query",
    )
    .await;
    invalid(&svc, "pm_search_issues", json!({"query": "   "}), "query").await;
    let hits = ok(
        &svc,
        "pm_search_issues",
        json!({"query": "c++ \"foo\" NEAR("}),
    )
    .await;
    assert_eq!(keys(&hits["hits"]), vec![key.clone()]);
    for q in [
        "title:foo",
        "foo AND NOT bar OR",
        "\"unbalanced",
        "foo* ^bar -baz",
        "'; DROP TABLE issues; --",
        "{curly} [square] (round)",
    ] {
        ok(&svc, "pm_search_issues", json!({ "q": q })).await;
    }

    // Nothing above changed anything.
    assert_unchanged(&svc, &dir, &before, "bad input").await;
}

#[tokio::test]
async fn bad_value_in_a_list_filter_names_the_allowed_values() {
    let (_dir, svc) = setup_project().await;
    let m = invalid(
        &svc,
        "pm_list_issues",
        json!({"status": "finished"}),
        "status",
    )
    .await;
    assert!(
        m.contains("proposed, in_progress, review, done, blocked, canceled"),
        "{m}"
    );
    let m = invalid(
        &svc,
        "pm_list_issues",
        json!({"priority": ["P1", "P9"]}),
        "priority",
    )
    .await;
    assert!(m.contains("P1, P2, P3, P4, P5"), "{m}");
}
