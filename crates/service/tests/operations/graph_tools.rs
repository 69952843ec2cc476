//! pm_dependency_graph and pm_identify_blockers on a known graph, with the
//! critical path, slack, unblocks and ready frontier worked out by hand.

use serde_json::{Value, json};

use crate::common::*;

/// A (2h) blocks B (3h) and C (5h); both block D (1h). E stands alone.
async fn diamond(svc: &lazypm_service::Service) -> [String; 5] {
    let a = create(svc, "Schema", json!({"estimate_hours": 2.0})).await;
    let b = create(
        svc,
        "API",
        json!({"estimate_hours": 3.0, "dependencies": [a]}),
    )
    .await;
    let c = create(
        svc,
        "Storage \"v2\" <fast>",
        json!({"estimate_hours": 5.0, "dependencies": [a]}),
    )
    .await;
    let d = create(
        svc,
        "Release",
        json!({"estimate_hours": 1.0, "dependencies": [b, c]}),
    )
    .await;
    let e = create(svc, "Waiting on legal", json!({})).await;
    [a, b, c, d, e]
}

fn node<'a>(out: &'a Value, key: &str) -> &'a Value {
    out["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["key"] == key)
        .unwrap_or_else(|| panic!("no node {key} in {out}"))
}

#[tokio::test]
async fn the_critical_path_slack_and_frontier_of_a_known_graph() {
    let (_dir, svc) = setup_project().await;
    let [a, b, c, d, e] = diamond(&svc).await;
    let g = ok(&svc, "pm_dependency_graph", json!({"critical_path": true})).await;
    // The longest chain by hours: A, C, D = 8 h.
    assert_eq!(g["critical_path"]["keys"], json!([a, c, d]));
    assert_eq!(g["critical_path"]["hours"], 8.0);
    // B's chain is A, B, D = 6 h: it can slip 2 h.
    assert_eq!(node(&g, &b)["slack_hours"], 2.0);
    for k in [&a, &c, &d] {
        assert_eq!(node(&g, k)["slack_hours"], 0.0, "{k}");
        assert_eq!(node(&g, k)["on_critical_path"], true, "{k}");
    }
    assert_eq!(node(&g, &a)["unblocks"], 3);
    assert_eq!(node(&g, &b)["unblocks"], 1);
    assert_eq!(node(&g, &d)["unblocks"], 0);
    assert_eq!(node(&g, &d)["layer"], 2);
    assert_eq!(g["ready"], json!([a]));
    assert_eq!(g["counts"]["edges"], 4);
    // E has no link: not drawn, counted.
    assert!(
        g["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["key"] != e.as_str())
    );

    let m = ok(&svc, "pm_dependency_graph", json!({"format": "mermaid"})).await;
    let text = m["text"].as_str().unwrap();
    assert!(text.starts_with("graph TD"), "{text}");
    // Critical-path edges are drawn thick.
    assert!(
        text.contains("PM_1 --> PM_2") && text.contains("PM_3 ==> PM_4"),
        "{text}"
    );
    assert!(text.contains("#quot;v2#quot; #lt;fast#gt;"), "{text}");
    let dot = ok(&svc, "pm_dependency_graph", json!({"format": "dot"})).await;
    let text = dot["text"].as_str().unwrap();
    assert!(text.starts_with("digraph"), "{text}");
    assert!(text.contains(r#"\"v2\""#), "{text}");
    let ascii = ok(&svc, "pm_dependency_graph", json!({"format": "ascii"})).await;
    assert!(ascii["text"].as_str().unwrap().contains(&d), "{ascii}");

    let msg = invalid(
        &svc,
        "pm_dependency_graph",
        json!({"format": "svg"}),
        "format",
    )
    .await;
    assert!(msg.contains("mermaid"), "{msg}");
    invalid(
        &svc,
        "pm_dependency_graph",
        json!({"max_nodes": 0}),
        "max_nodes",
    )
    .await;
}

#[tokio::test]
async fn blockers_are_ranked_by_the_work_they_hold_up() {
    let (_dir, svc) = setup_project().await;
    let [a, b, c, d, e] = diamond(&svc).await;
    start(&svc, &a).await;
    start(&svc, &e).await;
    ok(
        &svc,
        "pm_update_status",
        json!({"issue_key": e, "status": "blocked", "blocker_reason": "legal review"}),
    )
    .await;

    let r = ok(&svc, "pm_identify_blockers", json!({"stale_days": 1})).await;
    let top = &r["blocking_most"][0];
    assert_eq!(top["key"], a.as_str());
    assert_eq!(top["directly_blocks"], 2);
    assert_eq!(top["transitively_blocks"], 3);
    // B, C and D: 3 + 5 + 1 hours.
    assert_eq!(top["blocked_hours"], 9.0);
    // A has an owner now; B and C block D and nobody owns them.
    let unowned: Vec<&str> = r["unowned_blockers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["key"].as_str().unwrap())
        .collect();
    assert_eq!(unowned.len(), 2, "{r}");
    assert!(unowned.contains(&b.as_str()) && unowned.contains(&c.as_str()));
    assert!(!unowned.contains(&d.as_str()), "D blocks nothing");
    // Nothing is a day old yet.
    assert_eq!(r["stale_blockers"], json!([]));
    assert_eq!(r["blocked_status"][0]["key"], e.as_str());
    assert_eq!(r["blocked_status"][0]["blocker_reason"], "legal review");
    assert_eq!(r["blocked_status"][0]["days_blocked"], 0);
    assert!(r["report"].as_str().unwrap().contains(&a));

    invalid(
        &svc,
        "pm_identify_blockers",
        json!({"stale_days": 0}),
        "stale_days",
    )
    .await;
    invalid(&svc, "pm_identify_blockers", json!({"limit": 101}), "limit").await;
}
