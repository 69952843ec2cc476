//! pm_dependency_graph and pm_identify_blockers on fixed graphs whose
//! answers are worked out by hand: a six-issue graph with one missing
//! estimate, and a diamond. Staleness is checked through
//! `BlockerFacts::identify` with a clock days ahead, since no tool can set an
//! issue's `updated_at` in the past.

use chrono::{Duration, Utc};
use lazypm_service::Service;
use serde_json::{Value, json};

use crate::common::*;

/// PM-1 Schema 2 h blocks PM-2 API 3 h and PM-3 Storage 5 h; PM-4 Docs (no
/// estimate) blocks PM-5 Release 1 h, which PM-2 and PM-3 block too. PM-6
/// has no link.
///
/// By hand: the unknown estimate counts the median of the shown estimates
/// (1, 2, 3, 5 → 2.5 h). Chains: 1-3-5 = 8 h (critical), 1-2-5 = 6 h (PM-2
/// slack 2 h), 4-5 = 3.5 h (PM-4 slack 4.5 h). PM-1 unblocks 3, PM-2, PM-3
/// and PM-4 one each. Ready: PM-1, then PM-4.
async fn fixture(svc: &Service) {
    create(svc, "Schema", json!({"estimate_hours": 2.0})).await;
    create(
        svc,
        "API",
        json!({"estimate_hours": 3.0, "dependencies": ["PM-1"]}),
    )
    .await;
    create(
        svc,
        "Storage",
        json!({"estimate_hours": 5.0, "dependencies": ["PM-1"]}),
    )
    .await;
    create(svc, "Docs", json!({})).await;
    create(
        svc,
        "Release",
        json!({"estimate_hours": 1.0, "dependencies": ["PM-2", "PM-3", "PM-4"]}),
    )
    .await;
    create(svc, "Lone", json!({})).await;
}

fn node<'a>(g: &'a Value, key: &str) -> &'a Value {
    g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["key"] == key)
        .unwrap_or_else(|| panic!("no node {key} in {g}"))
}

#[tokio::test]
async fn graph_numbers_match_the_hand_computed_answers() {
    let (_dir, svc) = setup_project().await;
    fixture(&svc).await;
    let g = ok(&svc, "pm_dependency_graph", json!({})).await;

    assert_eq!(g["critical_path"]["keys"], json!(["PM-1", "PM-3", "PM-5"]));
    assert_eq!(g["critical_path"]["hours"], 8.0);
    assert_eq!(g["ready"], json!(["PM-1", "PM-4"]));
    let expected = [
        // key, hours, estimated, slack, unblocks, layer, ready, critical
        ("PM-1", 2.0, true, 0.0, 3, 0, true, true),
        ("PM-2", 3.0, true, 2.0, 1, 1, false, false),
        ("PM-3", 5.0, true, 0.0, 1, 1, false, true),
        ("PM-4", 2.5, false, 4.5, 1, 0, true, false),
        ("PM-5", 1.0, true, 0.0, 0, 2, false, true),
    ];
    for (key, hours, estimated, slack, unblocks, layer, ready, critical) in expected {
        let n = node(&g, key);
        assert_eq!(n["hours"], hours, "{key}");
        assert_eq!(n["estimated"], estimated, "{key}");
        assert_eq!(n["slack_hours"], slack, "{key}");
        assert_eq!(n["unblocks"], unblocks, "{key}");
        assert_eq!(n["layer"], layer, "{key}");
        assert_eq!(n["ready"], ready, "{key}");
        assert_eq!(n["on_critical_path"], critical, "{key}");
    }
    assert_eq!(
        g["counts"],
        json!({"nodes": 5, "edges": 5, "linked": 5, "left_out": 0, "unlinked": 1})
    );

    // The explanation states the rule the analysis used, with its number.
    let explanation = strings(&g["explanation"]).join("\n");
    assert!(
        explanation.contains("else 2.5 h per issue (the median estimate of the issues shown"),
        "{explanation}"
    );
    // The json format's text is a summary that says the same.
    let text = g["text"].as_str().unwrap();
    assert!(
        text.contains("**Critical path (8 h):** PM-1 → PM-3 → PM-5"),
        "{text}"
    );
    assert!(
        text.contains("**Ready now:** PM-1 (unblocks 3), PM-4 (unblocks 1)"),
        "{text}"
    );
    assert_eq!(
        strings(&g["next_steps"]),
        [
            "pm_start_work PM-1: on the critical path and ready",
            "pm_start_work PM-4: ready, unblocks 1 issue",
            "pm_identify_blockers: what holds up the most work",
        ]
    );
}

#[tokio::test]
async fn every_format_draws_the_same_edges() {
    let (_dir, svc) = setup_project().await;
    fixture(&svc).await;
    let draw = |format: &'static str, critical: bool| {
        let svc = svc.clone();
        async move {
            let out = ok(
                &svc,
                "pm_dependency_graph",
                json!({"format": format, "critical_path": critical}),
            )
            .await;
            assert_eq!(out["format"], format);
            out["text"].as_str().unwrap().to_string()
        }
    };

    assert_eq!(
        draw("ascii", false).await,
        "critical path (8 h): PM-1 → PM-3 → PM-5, marked *\n\
         L0 *PM-1 Schema [ready] → PM-2, PM-3\n\
         L0  PM-4 Docs [ready] → PM-5\n\
         L1  PM-2 API → PM-5\n\
         L1 *PM-3 Storage → PM-5\n\
         L2 *PM-5 Release\n"
    );
    assert_eq!(
        draw("ascii", true).await,
        "critical path (8 h): PM-1 → PM-3 → PM-5, marked *\n\
         L0 *PM-1 Schema [ready] → PM-3\n\
         L1 *PM-3 Storage → PM-5\n\
         L2 *PM-5 Release\n"
    );

    let mermaid = draw("mermaid", false).await;
    assert!(mermaid.starts_with("graph TD\n"), "{mermaid}");
    for line in [
        "PM_1[\"PM-1 Schema\"]",
        "PM_1 --> PM_2",
        "PM_1 ==> PM_3",
        "PM_4 --> PM_5",
        "PM_2 --> PM_5",
        "PM_3 ==> PM_5",
        "class PM_1,PM_3,PM_5 critical",
        "class PM_1,PM_4 ready",
    ] {
        assert!(
            mermaid.contains(&format!("  {line}\n")),
            "{line}:\n{mermaid}"
        );
    }
    assert_eq!(
        mermaid.matches("-->").count() + mermaid.matches("==>").count(),
        5
    );
    assert!(!draw("mermaid", true).await.contains("PM_2"));

    let dot = draw("dot", false).await;
    assert!(
        dot.starts_with("digraph dependencies {\n") && dot.ends_with("}\n"),
        "{dot}"
    );
    for line in [
        "\"PM-1\" -> \"PM-2\";",
        "\"PM-1\" -> \"PM-3\" [color=\"#c62828\", penwidth=2];",
        "\"PM-4\" -> \"PM-5\";",
        "\"PM-2\" -> \"PM-5\";",
        "\"PM-3\" -> \"PM-5\" [color=\"#c62828\", penwidth=2];",
    ] {
        assert!(dot.contains(&format!("  {line}\n")), "{line}:\n{dot}");
    }
    assert_eq!(dot.matches("\" -> \"").count(), 5, "edges, not the comment");
    assert!(!dot.contains("PM-6"), "an issue without links is not drawn");
}

#[tokio::test]
async fn max_nodes_shows_the_most_urgent_and_says_what_it_left_out() {
    let (_dir, svc) = setup_project().await;
    fixture(&svc).await;
    ok(
        &svc,
        "pm_prioritize_issue",
        json!({"issue_key": "PM-5", "priority": "P1"}),
    )
    .await;
    let g = ok(&svc, "pm_dependency_graph", json!({"max_nodes": 1})).await;
    assert_eq!(keys(&g["nodes"]), ["PM-5"]);
    assert_eq!(g["counts"]["left_out"], 4);
    assert_eq!(g["counts"]["linked"], 5);
    let explanation = strings(&g["explanation"]).join("\n");
    assert!(
        explanation.contains("the 1 most urgent of 5 linked issues"),
        "{explanation}"
    );
    assert!(
        strings(&g["next_steps"])
            .contains(&"pm_dependency_graph max_nodes=5: show every linked issue".to_string()),
        "{g}"
    );
}

#[tokio::test]
async fn blockers_rank_by_work_held_up_and_age_with_the_clock() {
    let (_dir, svc) = setup_project().await;
    fixture(&svc).await;
    ok(&svc, "pm_start_work", json!({"issue_key": "PM-1"})).await;
    ok(&svc, "pm_start_work", json!({"issue_key": "PM-6"})).await;
    ok(
        &svc,
        "pm_update_status",
        json!({"issue_key": "PM-6", "status": "blocked", "blocker_reason": "vendor keys"}),
    )
    .await;

    let r = ok(&svc, "pm_identify_blockers", json!({})).await;
    // PM-1 holds up PM-2, PM-3 and PM-5: 3 + 5 + 1 h. The others hold up
    // PM-5 alone (1 h); ties go by key.
    assert_eq!(keys(&r["blocking_most"]), ["PM-1", "PM-2", "PM-3", "PM-4"]);
    let top = &r["blocking_most"][0];
    assert_eq!(
        (
            &top["directly_blocks"],
            &top["transitively_blocks"],
            &top["blocked_hours"]
        ),
        (&json!(2), &json!(3), &json!(9.0))
    );
    assert_eq!(top["owner"], "alice");
    assert_eq!(r["blocking_most"][3]["blocked_hours"], 1.0);
    // PM-1 is alice's now; PM-5 blocks nothing.
    assert_eq!(keys(&r["unowned_blockers"]), ["PM-2", "PM-3", "PM-4"]);
    assert_eq!(r["stale_blockers"], json!([]), "nothing is old yet");
    assert_eq!(keys(&r["blocked_status"]), ["PM-6"]);
    assert_eq!(r["blocked_status"][0]["blocker_reason"], "vendor keys");
    assert_eq!(r["totals"]["blockers"], 4);
    let report = r["report"].as_str().unwrap();
    assert!(
        report.contains("1. PM-1 Schema (in_progress, alice): blocks 2 directly, 3 in all, 9 h"),
        "{report}"
    );
    let steps = strings(&r["next_steps"]);
    assert_eq!(
        steps[..2],
        [
            "pm_get_issue PM-1: holds up 3 open issues (9 h); owner alice",
            "pm_assign_issue PM-2: holds up 1 open issue and has no owner",
        ]
    );

    // Ten days on, with no change since: every blocker is stale and PM-6
    // has been blocked ten days. Two days on, nothing is stale at 3 days.
    let facts = svc.blocker_facts(Some("PM")).await.unwrap();
    let later = facts.identify(Utc::now() + Duration::days(10), 3, 10);
    let stale: Vec<(&str, i64)> = later
        .stale_blockers
        .iter()
        .map(|s| (s.key.as_str(), s.days_since_update))
        .collect();
    assert_eq!(stale.len(), 4, "{stale:?}");
    assert!(stale.iter().all(|&(_, d)| d == 10), "{stale:?}");
    assert_eq!(later.blocked_status[0].days_blocked, 10);
    assert!(
        later.report.contains("PM-6 Lone: 10 days: vendor keys"),
        "{}",
        later.report
    );
    let soon = facts.identify(Utc::now() + Duration::days(2), 3, 10);
    assert!(soon.stale_blockers.is_empty());
    assert_eq!(soon.blocked_status[0].days_blocked, 2);

    // A limit cuts each list and the report says how many more there are.
    let one = facts.identify(Utc::now(), 3, 1);
    assert_eq!(one.blocking_most.len(), 1);
    assert_eq!(one.totals.blockers, 4);
    assert!(one.report.contains("- …and 3 more\n"), "{}", one.report);
}

#[tokio::test]
async fn bad_arguments_name_the_field_and_what_is_allowed() {
    let (_dir, svc) = setup_project().await;
    for (tool, args, field, says) in [
        (
            "pm_dependency_graph",
            json!({"format": "svg"}),
            "format",
            "'json', 'ascii', 'mermaid', 'dot'",
        ),
        (
            "pm_dependency_graph",
            json!({"max_nodes": 0}),
            "max_nodes",
            "between 1 and 2000",
        ),
        (
            "pm_dependency_graph",
            json!({"max_nodes": 2001}),
            "max_nodes",
            "between 1 and 2000",
        ),
        (
            "pm_identify_blockers",
            json!({"stale_days": 366}),
            "stale_days",
            "between 1 and 365",
        ),
        (
            "pm_identify_blockers",
            json!({"limit": 0}),
            "limit",
            "between 1 and 100",
        ),
        (
            "pm_identify_blockers",
            json!({"stale": 3}),
            "stale",
            "unknown field",
        ),
    ] {
        let e = svc.call(tool, args.clone()).await.unwrap_err();
        assert_eq!(e.code(), "invalid_input", "{tool}({args}): {e}");
        assert_eq!(e.field(), Some(field), "{tool}({args}): {e}");
        assert!(e.to_string().contains(says), "{tool}({args}): {e}");
    }
}

#[tokio::test]
async fn an_empty_project_says_nothing_blocks() {
    let (_dir, svc) = setup_project().await;
    create(&svc, "Alone", json!({})).await;
    let g = ok(&svc, "pm_dependency_graph", json!({"format": "mermaid"})).await;
    assert_eq!(g["text"], "graph TD\n");
    assert_eq!(g["counts"]["unlinked"], 1);
    assert_eq!(
        strings(&g["next_steps"]),
        ["pm_suggest_next_work: no open issue blocks another; pick ready work"]
    );
    let r = ok(&svc, "pm_identify_blockers", json!({})).await;
    assert_eq!(r["totals"]["blockers"], 0);
    assert_eq!(
        strings(&r["next_steps"]),
        ["pm_suggest_next_work: nothing open blocks other work; pick ready work"]
    );
}

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
