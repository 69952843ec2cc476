//! The analytics tools read the right facts from the store: effort
//! accuracy, capacity, risks, workflow and the weekly report. The
//! computations themselves are checked by hand in the domain's unit tests.

use serde_json::json;

use crate::common::*;

/// Starts `key` as `actor`, logs `hours` and completes it with `actual`.
async fn finish(svc: &lazypm_service::Service, key: &str, hours: &str, actual: Option<&str>) {
    start(svc, key).await;
    ok(
        svc,
        "pm_log_work",
        json!({"issue_key": key, "activity": "code", "summary": "did it", "time_spent": hours}),
    )
    .await;
    let mut args = json!({"issue_key": key, "lessons_learned": format!("{key} taught something")});
    if let Some(a) = actual {
        args["actual_time"] = json!(a);
    }
    ok(svc, "pm_complete_issue", args).await;
}

#[tokio::test]
async fn effort_accuracy_reads_estimates_and_actual_time() {
    let (_dir, svc) = setup_project().await;
    let a = create(
        &svc,
        "On target",
        json!({"estimate_hours": 4.0, "type": "bug"}),
    )
    .await;
    let b = create(
        &svc,
        "Overran",
        json!({"estimate_hours": 2.0, "type": "bug"}),
    )
    .await;
    let c = create(&svc, "Unestimated", json!({})).await;
    finish(&svc, &a, "4h", None).await;
    // Logged 1h but reported 6h at completion: the reported time counts.
    finish(&svc, &b, "1h", Some("6h")).await;
    finish(&svc, &c, "1h", None).await;

    let r = ok(&svc, "pm_effort_accuracy", json!({"timeframe": "3m"})).await;
    assert_eq!(r["overall"]["issues"], 2);
    // ratios 1.0 and 3.0
    assert_eq!(r["overall"]["median_ratio"], 2.0);
    assert_eq!(r["overall"]["within_25_percent"], 0.5);
    assert_eq!(r["without_estimate"], 1);
    assert_eq!(r["by_type"]["bug"]["issues"], 2);
    assert_eq!(r["samples"][0]["key"], b.as_str());
    assert_eq!(r["samples"][0]["actual_hours"], 6.0);
    let report = r["report"].as_str().unwrap();
    assert!(report.contains("2.00×"), "{report}");

    let m = invalid(
        &svc,
        "pm_effort_accuracy",
        json!({"timeframe": "5y"}),
        "timeframe",
    )
    .await;
    assert!(m.contains("3m"), "{m}");
}

#[tokio::test]
async fn capacity_compares_remaining_estimates_with_logged_pace() {
    let (_dir, svc) = setup_project().await;
    let ann = as_actor(&svc, "ann");
    let bob = as_actor(&svc, "bob");
    // ann logged 28h over the 4-week basis: 7h a week; 2 weeks ahead: 14h.
    let past = create(&ann, "Earlier work", json!({})).await;
    finish(&ann, &past, "28h", None).await;
    let big = create(&ann, "Big piece", json!({"estimate_hours": 20.0})).await;
    start(&ann, &big).await;
    let small = create(
        &ann,
        "Small piece",
        json!({"estimate_hours": 6.0, "priority": "P4"}),
    )
    .await;
    ok(
        &svc,
        "pm_assign_issue",
        json!({"issue_key": small, "owner": "ann"}),
    )
    .await;
    // bob logged 28h too and has 2h left: room for ann's small piece.
    let bobs = create(&bob, "Bob's past", json!({})).await;
    finish(&bob, &bobs, "28h", None).await;
    let tiny = create(&bob, "Tiny", json!({"estimate_hours": 2.0})).await;
    start(&bob, &tiny).await;
    // Nobody's: counted, with the hours not yet logged (5 + 0; one unestimated).
    create(&svc, "Unowned", json!({"estimate_hours": 5.0})).await;
    create(&svc, "Unowned, unestimated", json!({})).await;

    let r = ok(&svc, "pm_capacity_planning", json!({"timeframe": "2w"})).await;
    assert_eq!(r["unowned_issues"], 2);
    assert_eq!(r["unowned_hours"], 5.0);
    let owners = r["owners"].as_array().unwrap();
    let row = |who: &str| owners.iter().find(|o| o["owner"] == who).unwrap().clone();
    let a = row("ann");
    assert_eq!(a["remaining_hours"], 26.0);
    assert_eq!(a["hours_per_week"], 7.0);
    assert_eq!(a["capacity_hours"], 14.0);
    assert_eq!(a["state"], "overloaded");
    assert_eq!(row("bob")["state"], "underloaded");
    assert_eq!(r["moves"][0]["key"], small.as_str());
    assert_eq!(r["moves"][0]["to"], "bob");
    assert!(r["next_steps"][0].as_str().unwrap().contains(&small));
}

#[tokio::test]
async fn risks_come_from_the_open_work_and_filter_by_category_and_severity() {
    let (_dir, svc) = setup_project().await;
    // Logged 9h on a 4h estimate: 225 %, critical.
    let over = create(&svc, "Runaway", json!({"estimate_hours": 4.0})).await;
    start(&svc, &over).await;
    ok(
        &svc,
        "pm_log_work",
        json!({"issue_key": over, "activity": "code", "summary": "more", "time_spent": "9h"}),
    )
    .await;
    // High complexity with criteria but no approach: medium, technical.
    create(
        &svc,
        "Hard thing",
        json!({"complexity": "high", "acceptance_criteria": ["it works"]}),
    )
    .await;
    create(
        &svc,
        "Hard but planned",
        json!({"complexity": "high", "acceptance_criteria": ["it works"], "technical_approach": "do it"}),
    )
    .await;
    // A chain of four open issues.
    let mut prev: Option<String> = None;
    let mut chain = Vec::new();
    for n in 0..4 {
        let extra = match &prev {
            Some(p) => json!({"dependencies": [p]}),
            None => json!({}),
        };
        let k = create(&svc, &format!("Step {n}"), extra).await;
        chain.push(k.clone());
        prev = Some(k);
    }

    let r = ok(&svc, "pm_risk_assessment", json!({})).await;
    let rules: Vec<&str> = r["risks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "over_estimate",
            "complex_without_plan",
            "long_dependency_chain"
        ]
    );
    assert_eq!(r["critical"], 1);
    let unplanned = &r["risks"][1];
    assert_eq!(unplanned["issues"].as_array().unwrap().len(), 1);
    assert_eq!(r["risks"][2]["issues"], json!(chain));

    let crit = ok(&svc, "pm_risk_assessment", json!({"critical_only": true})).await;
    assert_eq!(crit["risks"].as_array().unwrap().len(), 1);
    assert_eq!(crit["risks"][0]["issues"], json!([over]));
    assert_eq!(crit["found"], 3);
    let tech = ok(&svc, "pm_risk_assessment", json!({"category": "technical"})).await;
    assert_eq!(tech["risks"].as_array().unwrap().len(), 2);
    let m = invalid(
        &svc,
        "pm_risk_assessment",
        json!({"category": "money"}),
        "category[0]",
    )
    .await;
    assert!(m.contains("technical"), "{m}");
}

#[tokio::test]
async fn workflow_measures_review_waits_and_reopens() {
    let (_dir, svc) = setup_project().await;
    let a = create(&svc, "Reviewed twice", json!({})).await;
    start(&svc, &a).await;
    set_status(&svc, &a, "review").await;
    ok(
        &svc,
        "pm_review_issue",
        json!({"issue_key": a, "decision": "request_changes", "comments": "not yet"}),
    )
    .await;
    set_status(&svc, &a, "review").await;
    set_status(&svc, &a, "done").await;
    ok(
        &svc,
        "pm_update_status",
        json!({"issue_key": a, "status": "in_progress"}),
    )
    .await;
    set_status(&svc, &a, "review").await;
    set_status(&svc, &a, "done").await;

    let r = ok(&svc, "pm_optimize_workflow", json!({"focus": "quality"})).await;
    assert_eq!(r["measures"]["completed"], 1);
    assert_eq!(r["measures"]["reopened"], 1);
    assert_eq!(r["measures"]["sent_back"], 1);
    assert_eq!(r["measures"]["reviews_measured"], 3);
    assert_eq!(r["suggestions"][0]["rule"], "reopened_work");
    let speed = ok(&svc, "pm_optimize_workflow", json!({"focus": "speed"})).await;
    assert!(
        speed["suggestions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["focus"] == "speed")
    );
    invalid(
        &svc,
        "pm_optimize_workflow",
        json!({"focus": "vibes"}),
        "focus",
    )
    .await;
}

#[tokio::test]
async fn the_weekly_report_states_the_weeks_facts_for_each_audience() {
    let (_dir, svc) = setup_project().await;
    let done = create(&svc, "Shipped the parser", json!({"estimate_hours": 3.0})).await;
    finish(&svc, &done, "2h", None).await;
    let doing = create(&svc, "Writing the docs", json!({})).await;
    start(&svc, &doing).await;
    let stuck = create(&svc, "Waiting on legal", json!({})).await;
    start(&svc, &stuck).await;
    ok(
        &svc,
        "pm_update_status",
        json!({"issue_key": stuck, "status": "blocked", "blocker_reason": "legal review"}),
    )
    .await;

    let r = ok(&svc, "pm_weekly_report", json!({})).await;
    assert_eq!(r["audience"], "technical");
    assert_eq!(r["completed"][0]["key"], done.as_str());
    assert_eq!(r["completed"][0]["actual_hours"], 2.0);
    assert_eq!(r["completed_previous_week"], 0);
    assert_eq!(r["created"], 3);
    assert_eq!(r["time_logged_minutes"], 120);
    assert_eq!(r["blocked"], 1);
    assert_eq!(keys(&r["in_progress"]), vec![doing.clone()]);
    assert_eq!(
        r["lessons"],
        json!([format!("{done}: {done} taught something")])
    );
    let tech = r["report"].as_str().unwrap();
    assert!(tech.contains(&done) && tech.contains(&doing), "{tech}");

    let exec = ok(&svc, "pm_weekly_report", json!({"audience": "executive"})).await;
    let text = exec["report"].as_str().unwrap();
    assert!(text.contains("Delivered: 1 items, up from 0"), "{text}");
    let plain = ok(&svc, "pm_weekly_report", json!({"audience": "stakeholder"})).await;
    let text = plain["report"].as_str().unwrap();
    assert!(
        text.contains("Shipped the parser") && !text.contains(&done),
        "{text}"
    );
    assert!(text.contains("1 item(s) are waiting"), "{text}");
    invalid(
        &svc,
        "pm_weekly_report",
        json!({"audience": "board"}),
        "audience",
    )
    .await;
}

#[tokio::test]
async fn a_risk_names_ten_issues_and_counts_them_all() {
    let (_dir, svc) = setup_project().await;
    // Twelve issues with 2 h logged on a 1 h estimate: all over.
    for i in 0..12 {
        let k = create(&svc, &format!("Over {i}"), json!({"estimate_hours": 1.0})).await;
        ok(
            &svc,
            "pm_log_work",
            json!({"issue_key": k, "activity": "code", "summary": "x", "time_spent": "2h"}),
        )
        .await;
    }
    let r = ok(
        &svc,
        "pm_risk_assessment",
        json!({"category": ["timeline"]}),
    )
    .await;
    let over = r["risks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["rule"] == "over_estimate")
        .unwrap()
        .clone();
    assert_eq!(over["title"], "12 open issue(s) over their estimate");
    assert_eq!(over["issues"].as_array().unwrap().len(), 10);
    let evidence = strings(&over["evidence"]);
    assert_eq!(evidence.len(), 11);
    assert_eq!(evidence[10], "… and 2 more");
}
