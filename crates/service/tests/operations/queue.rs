//! The queue: pm_my_queue, pm_suggest_next_work, and claims racing for work.

use std::collections::BTreeSet;

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn my_queue_ranks_started_work_first_with_reasons() {
    let (_dir, svc) = setup_project().await;
    let proposed = create(&svc, "Mine, not started", json!({"owner": ACTOR})).await;
    let started = create(&svc, "Mine, started", json!({})).await;
    start(&svc, &started).await;
    let blocked = create(&svc, "Mine, blocked", json!({})).await;
    start(&svc, &blocked).await;
    ok(
        &svc,
        "pm_update_status",
        json!({"issue_key": blocked, "status": "blocked", "blocker_reason": "no access"}),
    )
    .await;
    let unowned = create(&svc, "Nobody's", json!({})).await;
    let waiting = create(
        &svc,
        "Nobody's, waiting",
        json!({ "dependencies": [unowned] }),
    )
    .await;
    let bobs = create(&svc, "Bob's", json!({"owner": "bob"})).await;

    let q = ok(&svc, "pm_my_queue", json!({})).await;
    assert_eq!(q["owner"], ACTOR);
    assert_eq!(
        keys(&q["items"]),
        vec![started.clone(), proposed.clone(), blocked.clone()]
    );
    let items = q["items"].as_array().unwrap();
    for w in items.windows(2) {
        assert!(w[0]["score"].as_f64() > w[1]["score"].as_f64(), "{q}");
    }
    let why = strings(&items[0]["why"]);
    assert!(why.iter().any(|r| r.contains("in progress")), "{why:?}");
    assert!(why.iter().any(|r| r.contains("P3 priority")), "{why:?}");
    assert!(
        strings(&items[2]["why"])
            .iter()
            .any(|r| r.contains("blocked"))
    );
    assert!(
        items[0]["next_action"]
            .as_str()
            .unwrap()
            .starts_with("pm_log_work")
    );
    assert!(
        items[1]["next_action"]
            .as_str()
            .unwrap()
            .starts_with("pm_start_work")
    );
    assert!(
        items[2]["next_action"]
            .as_str()
            .unwrap()
            .contains("no access")
    );

    // Unassigned ready work joins on request; waiting work does not.
    let q = ok(&svc, "pm_my_queue", json!({"include_unassigned": true})).await;
    let ks = keys(&q["items"]);
    assert!(ks.contains(&unowned), "{ks:?}");
    assert!(!ks.contains(&waiting) && !ks.contains(&bobs), "{ks:?}");
    let q = ok(&svc, "pm_my_queue", json!({"owner": "bob"})).await;
    assert_eq!(keys(&q["items"]), vec![bobs.clone()]);
    let q = ok(&svc, "pm_my_queue", json!({"limit": 1})).await;
    assert_eq!(keys(&q["items"]), vec![started]);
}

#[tokio::test]
async fn suggest_next_work_skips_blocked_work_and_claims_the_best() {
    let (_dir, svc) = setup_project().await;
    let bob = as_actor(&svc, "bob");
    let ready = create(&svc, "Ready P3", json!({})).await;
    let gate = create(&svc, "Gate P4", json!({"priority": "P4"})).await;
    let waits = create(
        &svc,
        "Urgent but waiting",
        json!({"priority": "P1", "dependencies": [gate]}),
    )
    .await;
    let taken = create(&svc, "Bob has it", json!({"priority": "P1"})).await;
    start(&bob, &taken).await;
    let bobs = create(
        &svc,
        "Bob owns it",
        json!({"priority": "P1", "owner": "bob"}),
    )
    .await;

    let s = ok(&svc, "pm_suggest_next_work", json!({})).await;
    let ks = keys(&s["suggestions"]);
    assert_eq!(ks, vec![ready.clone(), gate.clone()]);
    for k in [&waits, &taken, &bobs] {
        assert!(!ks.contains(k), "{k} should not be suggested: {ks:?}");
    }
    assert!(s.get("claimed").is_none());
    for item in s["suggestions"].as_array().unwrap() {
        assert!(strings(&item["why"]).contains(&"ready: nothing blocks it".to_string()));
    }
    assert!(
        strings(&s["suggestions"][1]["why"])
            .iter()
            .any(|r| r.contains("unblocks 1"))
    );
    assert!(s["next_steps"][0].as_str().unwrap().contains(&ready));
    let s = ok(&svc, "pm_suggest_next_work", json!({"type": "bug"})).await;
    assert_eq!(s["suggestions"], json!([]));
    // Suggesting changed nothing.
    assert_eq!(get(&svc, &ready).await["issue"]["version"], 1);

    let s = ok(&svc, "pm_suggest_next_work", json!({"claim": true})).await;
    assert_eq!(s["claimed"], ready.as_str());
    let d = get(&svc, &ready).await;
    assert_eq!(d["issue"]["status"], "in_progress");
    assert_eq!(d["issue"]["owner"], ACTOR);
    let updates = d["issue"]["communication"]["updates"].as_array().unwrap();
    assert_eq!(updates[0]["notes"], "claimed by pm_suggest_next_work");

    let s = ok(&svc, "pm_suggest_next_work", json!({"claim": true})).await;
    assert_eq!(s["claimed"], gate.as_str());
    // Nothing left that is ready: the waiting issue still waits on the gate.
    let s = ok(&svc, "pm_suggest_next_work", json!({"claim": true})).await;
    assert!(s.get("claimed").is_none(), "{s}");
    assert!(
        s["next_steps"][0]
            .as_str()
            .unwrap()
            .contains("pm_blocked_issues")
    );
    assert_eq!(get(&svc, &waits).await["issue"]["status"], "proposed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_claims_get_different_issues() {
    let (_dir, svc) = setup_project().await;
    for i in 0..4 {
        create(&svc, &format!("Job {i}"), json!({})).await;
    }
    let (a, b, c) = (
        as_actor(&svc, "a"),
        as_actor(&svc, "b"),
        as_actor(&svc, "c"),
    );
    let claim = json!({"claim": true});
    let (ra, rb, rc) = tokio::join!(
        a.call("pm_suggest_next_work", claim.clone()),
        b.call("pm_suggest_next_work", claim.clone()),
        c.call("pm_suggest_next_work", claim.clone()),
    );
    let mut claimed = BTreeSet::new();
    for (actor, r) in [("a", ra), ("b", rb), ("c", rc)] {
        let r = r.unwrap_or_else(|e| panic!("{actor}: [{}] {e}", e.code()));
        let key = r["claimed"]
            .as_str()
            .unwrap_or_else(|| panic!("{actor} got nothing: {r}"));
        let d = get(&svc, key).await;
        assert_eq!(d["issue"]["owner"], actor);
        assert_eq!(d["issue"]["status"], "in_progress");
        claimed.insert(key.to_string());
    }
    assert_eq!(
        claimed.len(),
        3,
        "two actors claimed the same issue: {claimed:?}"
    );
    let left = ok(&svc, "pm_list_issues", json!({"status": "proposed"})).await;
    assert_eq!(keys(&left["issues"]).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_start_work_has_exactly_one_winner() {
    let (dir, svc) = setup_project().await;
    let (a, b) = (as_actor(&svc, "a"), as_actor(&svc, "b"));
    let mut first_loser = None;
    for round in 0..4 {
        let key = create(&svc, &format!("Contested {round}"), json!({})).await;
        let args = json!({ "issue_key": key });
        let (ra, rb) = tokio::join!(
            a.call("pm_start_work", args.clone()),
            b.call("pm_start_work", args.clone()),
        );
        let (winner, loser) = match (ra, rb) {
            (Ok(_), Err(e)) => ("a", e),
            (Err(e), Ok(_)) => ("b", e),
            (ra, rb) => panic!("round {round}: expected one winner, got {ra:?} and {rb:?}"),
        };
        assert_eq!(loser.code(), "conflict", "{loser}");
        first_loser.get_or_insert(if winner == "a" { b.clone() } else { a.clone() });
        assert!(
            loser.to_string().contains(&format!("owned by {winner}")),
            "{loser}"
        );
        let d = get(&svc, &key).await;
        assert_eq!(d["issue"]["owner"], winner);
        assert_eq!(d["issue"]["status"], "in_progress");
        let types = history_types(&svc, &key).await;
        assert_eq!(
            types,
            vec!["issue_created", "owner_changed", "status_changed"]
        );
    }
    // Losers wrote nothing: the file and the table agree.
    assert_eq!(jsonl(&dir).len(), db_events(&svc).await.len());
    // take_over lets the loser have it after all.
    let loser = first_loser.unwrap();
    let t = ok(
        &loser,
        "pm_start_work",
        json!({"issue_key": "PM-1", "take_over": true}),
    )
    .await;
    assert_eq!(t["issue"]["owner"], loser.context().actor.as_str());
    assert_eq!(t["started"], true);
    assert_eq!(
        history_types(&svc, "PM-1").await.last().unwrap(),
        "owner_changed"
    );
}
