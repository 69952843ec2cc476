//! The intelligence tools through the service: requirements applied to an
//! issue, a test plan from its criteria, a security checklist kept on the
//! issue with its states, and an estimate from similar completed work. The
//! rules themselves are checked in the domain's unit tests.

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn requirements_are_extracted_and_applied_once() {
    let (_dir, svc) = setup_project().await;
    let spec = "Users must be able to reset their password by email.\n\
                The page should load within 200 ms.\n\
                - [ ] A reset link expires after 30 minutes";
    let key = create(&svc, "Password reset", json!({"description": spec})).await;
    let r = ok(&svc, "pm_extract_requirements", json!({"issue_key": key})).await;
    let ids: Vec<&str> = r["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["R1", "R2"]);
    assert_eq!(r["requirements"][0]["priority"], "must");
    assert_eq!(r["requirements"][1]["kind"], "non_functional");
    let criteria: Vec<String> = r["acceptance_criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap().to_string())
        .collect();
    assert!(
        criteria.contains(&"A reset link expires after 30 minutes".to_string()),
        "{criteria:?}"
    );
    // Reading changes nothing; apply writes the criteria once.
    assert!(
        strings(&get(&svc, &key).await["issue"]["specification"]["acceptance_criteria"]).is_empty()
    );
    let a = ok(
        &svc,
        "pm_extract_requirements",
        json!({"issue_key": key, "apply": true}),
    )
    .await;
    assert_eq!(strings(&a["applied_criteria"]), criteria);
    let stored = strings(&get(&svc, &key).await["issue"]["specification"]["acceptance_criteria"]);
    assert_eq!(stored, criteria);
    let again = ok(
        &svc,
        "pm_extract_requirements",
        json!({"issue_key": key, "apply": true}),
    )
    .await;
    assert!(strings(&again["applied_criteria"]).is_empty());
    assert_eq!(again["applied_requirements"], 0);
    assert!(
        history_types(&svc, &key)
            .await
            .iter()
            .filter(|t| *t == "acceptance_criteria_added")
            .count()
            == 1
    );

    let free = ok(
        &svc,
        "pm_extract_requirements",
        json!({"text": "It should be fast."}),
    )
    .await;
    assert_eq!(free["questions"][0]["phrase"], "fast");
    invalid(
        &svc,
        "pm_extract_requirements",
        json!({"text": "x", "apply": true}),
        "issue_key",
    )
    .await;
    invalid(&svc, "pm_extract_requirements", json!({}), "text").await;
}

#[tokio::test]
async fn a_test_plan_covers_every_criterion() {
    let (_dir, svc) = setup_project().await;
    let key = create(
        &svc,
        "Paging",
        json!({"acceptance_criteria": ["Show at most 50 items per page", "Only the owner can delete a list"]}),
    )
    .await;
    let p = ok(&svc, "pm_generate_test_plan", json!({"issue_key": key})).await;
    let coverage = p["coverage"].as_array().unwrap();
    assert_eq!(coverage.len(), 2);
    for c in coverage {
        assert!(
            c["happy"].as_u64().unwrap() >= 1 && c["negative"].as_u64().unwrap() >= 1,
            "{c}"
        );
    }
    let edges: Vec<String> = p["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["criterion"] == 0 && c["kind"] == "edge")
        .map(|c| c["title"].as_str().unwrap().to_string())
        .collect();
    for n in ["49", "50", "51"] {
        assert!(edges.iter().any(|t| t.contains(n)), "{n} in {edges:?}");
    }
    assert!(p["report"].as_str().unwrap().contains("TC-1"));
    let bare = create(&svc, "No criteria", json!({})).await;
    let m = invalid(
        &svc,
        "pm_generate_test_plan",
        json!({"issue_key": bare}),
        "criteria",
    )
    .await;
    assert!(m.contains("pm_add_acceptance_criteria"), "{m}");
}

#[tokio::test]
async fn the_security_checklist_is_kept_on_the_issue_with_states() {
    let (_dir, svc) = setup_project().await;
    let key = create(
        &svc,
        "Checkout",
        json!({"description": "Customers pay by credit card at checkout and log in with a password."}),
    )
    .await;
    let r = ok(&svc, "pm_security_review", json!({"issue_key": key})).await;
    let frameworks = strings(&r["frameworks"]);
    assert!(frameworks.contains(&"pci".to_string()), "{frameworks:?}");
    assert!(frameworks.contains(&"owasp".to_string()), "{frameworks:?}");
    let ids: Vec<String> = r["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert!(!ids.is_empty());
    assert_eq!(r["counts"]["open"], ids.len());
    let stored = get(&svc, &key).await;
    assert_eq!(
        stored["issue"]["planning"]["security_review"]
            .as_array()
            .unwrap()
            .len(),
        ids.len()
    );

    let first = ids[0].clone();
    let u = ok(
        &svc,
        "pm_security_review",
        json!({"issue_key": key, "updates": [{"id": first, "state": "passed", "note": "checked in review"}]}),
    )
    .await;
    assert_eq!(u["counts"]["passed"], 1);
    assert!(
        strings(&u["added"]).is_empty(),
        "a second run adds nothing new"
    );
    let item = &get(&svc, &key).await["issue"]["planning"]["security_review"][0];
    assert_eq!(item["state"], "passed");
    assert_eq!(item["checked_by"], ACTOR);
    // An unknown id is refused, naming the items, and nothing changes.
    let before = get(&svc, &key).await["issue"]["version"].clone();
    let m = invalid(
        &svc,
        "pm_security_review",
        json!({"issue_key": key, "updates": [{"id": "NOPE-1", "state": "failed"}]}),
        "updates[0].id",
    )
    .await;
    assert!(m.contains(&first), "{m}");
    assert_eq!(get(&svc, &key).await["issue"]["version"], before);
    invalid(
        &svc,
        "pm_security_review",
        json!({"issue_key": key, "frameworks": ["iso"]}),
        "frameworks[0]",
    )
    .await;
}

#[tokio::test]
async fn an_estimate_comes_from_similar_completed_work() {
    let (_dir, svc) = setup_project().await;
    for (title, hours) in [
        ("CSV export of the invoice report", "4h"),
        ("PDF export of the invoice report", "6h"),
        ("Dark mode for the settings page", "1h"),
    ] {
        let k = create(&svc, title, json!({"type": "feature"})).await;
        start(&svc, &k).await;
        ok(
            &svc,
            "pm_complete_issue",
            json!({"issue_key": k, "actual_time": hours}),
        )
        .await;
    }
    let target = create(
        &svc,
        "Excel export of the invoice report",
        json!({"type": "feature"}),
    )
    .await;
    let s = ok(
        &svc,
        "pm_suggest_estimate",
        json!({"issue_key": target, "k": 2}),
    )
    .await;
    let near: Vec<&str> = s["neighbours"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap())
        .collect();
    assert_eq!(near.len(), 2);
    assert!(
        near.iter()
            .all(|t| t.contains("export of the invoice report")),
        "{near:?}"
    );
    let (p50, p80) = (
        s["p50_hours"].as_f64().unwrap(),
        s["p80_hours"].as_f64().unwrap(),
    );
    assert!(
        (4.0..=6.0).contains(&p50) && p50 <= p80 && p80 <= 6.0,
        "{p50} {p80}"
    );
    assert!(
        s["next_steps"][0]
            .as_str()
            .unwrap()
            .starts_with(&format!("pm_estimate issue_key={target}"))
    );
    let none = ok(
        &svc,
        "pm_suggest_estimate",
        json!({"title": "Quantum flux capacitor"}),
    )
    .await;
    assert!(none["p50_hours"].is_null());
    assert_eq!(none["confidence"], "low");
    invalid(&svc, "pm_suggest_estimate", json!({}), "issue_key").await;
    invalid(
        &svc,
        "pm_suggest_estimate",
        json!({"title": "x", "k": 99}),
        "k",
    )
    .await;
}
