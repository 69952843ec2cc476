//! Burndown, velocity, forecast, per-owner performance, retro, milestone,
//! stakeholder update and pm_improve, through the service on a real store.
//! History (when an issue joined a sprint, when it was finished) is set by
//! writing the store's own timestamps back in time, so each answer can be
//! worked out by hand.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::common::*;

/// Runs a statement on the test's store (SQLite's form, then PostgreSQL's).
async fn backdate(dir: &TestDir, sqlite: &str, postgres: &str, params: &[&str]) {
    let changed = dir.store.execute(sqlite, postgres, params).await;
    assert!(changed > 0, "{sqlite} {params:?} changed nothing");
}

/// A stored timestamp `days` days ago at `hour`:00 UTC.
fn ago(days: i64, hour: u32) -> String {
    let d = (Utc::now() - Duration::days(days)).date_naive();
    format!("{}T{hour:02}:00:00.000000Z", d)
}

fn date(days_from_today: i64) -> String {
    (Utc::now() + Duration::days(days_from_today))
        .date_naive()
        .to_string()
}

async fn joined_sprint(dir: &TestDir, key: &str, at: &str) {
    backdate(
        dir,
        "UPDATE sprint_issues SET added_at = ? WHERE issue_id = (SELECT id FROM issues WHERE key = ?)",
        "UPDATE sprint_issues SET added_at = $1::timestamptz \
         WHERE issue_id = (SELECT id FROM issues WHERE key = $2)",
        &[at, key],
    )
    .await;
}

async fn finished_at(dir: &TestDir, key: &str, at: &str) {
    backdate(
        dir,
        "UPDATE issues SET completed_at = ? WHERE key = ?",
        "UPDATE issues SET completed_at = $1::timestamptz WHERE key = $2",
        &[at, key],
    )
    .await;
}

async fn complete(svc: &lazypm_service::Service, key: &str) -> Value {
    start(svc, key).await;
    ok(svc, "pm_complete_issue", json!({"issue_key": key})).await
}

#[tokio::test]
async fn burndown_lists_scope_added_canceled_and_re_estimated_mid_sprint() {
    let (dir, svc) = setup_project().await;
    ok(
        &svc,
        "pm_create_sprint",
        json!({"name": "S1", "start_date": date(-4), "end_date": date(5)}),
    )
    .await;
    let a = create(&svc, "A", json!({"story_points": 5})).await;
    let b = create(&svc, "B", json!({"story_points": 3})).await;
    let c = create(&svc, "C", json!({"story_points": 2})).await;
    ok(
        &svc,
        "pm_add_to_sprint",
        json!({"sprint": "S1", "issue_keys": [a, b, c]}),
    )
    .await;
    for k in [&a, &b, &c] {
        joined_sprint(&dir, k, &ago(4, 9)).await;
    }
    complete(&svc, &a).await;
    // After the first day: D joins (4), B is re-estimated 3 → 5, C is canceled.
    let d = create(&svc, "D", json!({"story_points": 4})).await;
    ok(
        &svc,
        "pm_add_to_sprint",
        json!({"sprint": "S1", "issue_keys": [d]}),
    )
    .await;
    ok(
        &svc,
        "pm_estimate",
        json!({"issue_key": b, "effort": "1d", "story_points": 5}),
    )
    .await;
    ok(
        &svc,
        "pm_update_status",
        json!({"issue_key": c, "status": "canceled"}),
    )
    .await;

    let r = ok(&svc, "pm_burndown", json!({})).await;
    assert_eq!(r["sprint"]["name"], "S1");
    assert_eq!(r["unit"], "story_points");
    assert_eq!(r["committed"], 10.0);
    assert_eq!(
        (
            r["added"].as_f64(),
            r["removed"].as_f64(),
            r["re_estimated"].as_f64()
        ),
        (Some(4.0), Some(-2.0), Some(2.0))
    );
    assert_eq!(r["scope_now"], 14.0);
    assert_eq!(r["completed"], 5.0);
    assert_eq!(r["remaining"], 9.0);
    let days = r["days"].as_array().unwrap();
    assert_eq!(days.len(), 10);
    assert_eq!(days[0]["remaining"], 10.0);
    assert_eq!(days[0]["ideal"], 10.0);
    assert_eq!(days[4]["remaining"], 9.0);
    assert!(days[5]["remaining"].is_null(), "days ahead have no actuals");
    assert_eq!(days[9]["ideal"], 0.0);
    let changes: Vec<(String, String)> = r["scope_changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["key"].as_str().unwrap().into(),
                c["kind"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        changes.contains(&(d.clone(), "added".into())),
        "{changes:?}"
    );
    assert!(
        changes.contains(&(b.clone(), "re_estimated".into())),
        "{changes:?}"
    );
    assert!(
        changes.contains(&(c.clone(), "removed".into())),
        "{changes:?}"
    );
    assert!(
        r["report"]
            .as_str()
            .unwrap()
            .contains("Committed 10 story points")
    );

    // Without sprints (another project), the open work over a timeframe.
    let other = invalid(&svc, "pm_burndown", json!({"sprint": "S9"}), "sprint").await;
    assert!(other.contains("S1"), "{other}");
    let t = ok(&svc, "pm_burndown", json!({"timeframe": "7d"})).await;
    assert!(t["sprint"].is_null());
    assert_eq!(t["days"].as_array().unwrap().len(), 7);
    assert_eq!(t["remaining"], 2.0); // B and D open
}

#[tokio::test]
async fn velocity_over_three_sprints() {
    let (dir, svc) = setup_project().await;
    // S1 commits 3 + 5 and finishes both; S2 commits 2 + 2 + 4 and finishes
    // 2 + 2; S3 commits 5 and finishes it.
    // (name, start day, end day, [(points, done)]), days from today.
    type Planned<'a> = (&'a str, i64, i64, &'a [(i64, bool)]);
    let plan: [Planned; 3] = [
        ("S1", -30, -21, &[(3, true), (5, true)]),
        ("S2", -20, -11, &[(2, true), (2, true), (4, false)]),
        ("S3", -10, -1, &[(5, true)]),
    ];
    for (name, start, end, issues) in plan {
        ok(
            &svc,
            "pm_create_sprint",
            json!({"name": name, "start_date": date(start), "end_date": date(end)}),
        )
        .await;
        for (points, done) in issues {
            let k = create(
                &svc,
                &format!("{name} work"),
                json!({"story_points": points}),
            )
            .await;
            ok(
                &svc,
                "pm_add_to_sprint",
                json!({"sprint": name, "issue_keys": [k]}),
            )
            .await;
            joined_sprint(&dir, &k, &ago(-start, 8)).await;
            if *done {
                complete(&svc, &k).await;
                finished_at(&dir, &k, &ago(-end, 12)).await;
            }
        }
    }
    let v = ok(&svc, "pm_velocity", json!({})).await;
    assert_eq!(v["unit"], "story_points");
    let per: Vec<(f64, f64)> = v["sprints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["committed"].as_f64().unwrap(),
                s["completed"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(per, vec![(8.0, 8.0), (8.0, 4.0), (5.0, 5.0)]);
    assert_eq!(v["average_completed"], 5.67); // 17 / 3
    assert_eq!(v["average_committed"], 7.0); // 21 / 3
    assert_eq!(v["say_do_ratio"], 0.81);
    let two = ok(&svc, "pm_velocity", json!({"last": 2})).await;
    assert_eq!(two["average_completed"], 4.5);
    invalid(&svc, "pm_velocity", json!({"last": 0}), "last").await;
}

#[tokio::test]
async fn weekly_throughput_without_sprints() {
    let (dir, svc) = setup_project().await;
    for (i, days) in [1, 2, 9].iter().enumerate() {
        let k = create(&svc, &format!("done {i}"), json!({})).await;
        complete(&svc, &k).await;
        finished_at(&dir, &k, &ago(*days, 10)).await;
    }
    let v = ok(&svc, "pm_velocity", json!({})).await;
    let weeks = v["weeks"].as_array().unwrap();
    assert_eq!(weeks.len(), 12);
    assert_eq!(weeks[11]["completed"], 2);
    assert_eq!(weeks[10]["completed"], 1);
    assert_eq!(v["average_completed"], 1.0); // (2 + 1 + 0) / 3
}

/// 28 issues finished one a day over the last 28 days, 10 open.
async fn steady_project() -> (TestDir, lazypm_service::Service) {
    let (dir, svc) = setup_project().await;
    for day in 0..28 {
        let k = create(&svc, &format!("past {day}"), json!({})).await;
        complete(&svc, &k).await;
        finished_at(&dir, &k, &ago(day, 10)).await;
    }
    for i in 0..10 {
        create(&svc, &format!("open {i}"), json!({"estimate_hours": 6.0})).await;
    }
    (dir, svc)
}

#[tokio::test]
async fn constant_throughput_gives_an_exact_forecast_and_what_ifs() {
    let (_dir, svc) = steady_project().await;
    let f = ok(&svc, "pm_simulate_scenario", json!({})).await;
    assert_eq!(f["trials"], 10_000);
    assert_eq!(f["seed"], 1929);
    assert_eq!(f["baseline"]["scope"], 10);
    assert_eq!(f["baseline"]["mean_daily_throughput"], 1.0);
    for p in ["p50_days", "p85_days", "p95_days"] {
        assert_eq!(f["baseline"][p], 10, "{p}");
    }
    assert_eq!(f["baseline"]["p85_date"], json!(date(10)));
    assert!(f["scenario"].is_null());
    // The dashboard carries the same forecast.
    let d = ok(&svc, "pm_project_dashboard", json!({})).await;
    assert_eq!(d["forecast"]["p50_days"], 10);
    assert_eq!(d["forecast"]["p85_date"], json!(date(10)));
    // One owner finished everything: a second doubles the pace; 4 more
    // issues make 14, done in 7 days.
    let w = ok(
        &svc,
        "pm_simulate_scenario",
        json!({"add_owners": 1, "add_scope": 4}),
    )
    .await;
    assert_eq!(w["owners"], 1);
    assert_eq!(w["scenario"]["scope"], 14);
    assert_eq!(w["scenario"]["p95_days"], 7);
    assert_eq!(w["baseline"]["p95_days"], 10);
    invalid(
        &svc,
        "pm_simulate_scenario",
        json!({"add_owners": -1}),
        "add_owners",
    )
    .await;
    invalid(
        &svc,
        "pm_simulate_scenario",
        json!({"trials": 50}),
        "trials",
    )
    .await;
    invalid(
        &svc,
        "pm_simulate_scenario",
        json!({"remove_blocker": "PM-1"}),
        "remove_blocker",
    )
    .await;
}

#[tokio::test]
async fn removing_a_blocker_shortens_the_dependency_floor() {
    let (_dir, svc) = steady_project().await;
    // A chain of three 24 h issues: 72 h at 6 focused hours a day is 12 days,
    // longer than the 12 open issues take at one a day... by a day.
    let a = create(&svc, "first", json!({"estimate_hours": 24.0})).await;
    let b = create(
        &svc,
        "second",
        json!({"estimate_hours": 24.0, "dependencies": [a]}),
    )
    .await;
    create(
        &svc,
        "third",
        json!({"estimate_hours": 24.0, "dependencies": [b]}),
    )
    .await;
    let f = ok(&svc, "pm_simulate_scenario", json!({"remove_blocker": a})).await;
    assert_eq!(f["baseline"]["scope"], 13);
    assert_eq!(f["baseline"]["dependency_floor_days"], 12);
    assert_eq!(f["baseline"]["p50_days"], 13);
    // Resolved: 12 issues at one a day; the chain is 48 h, 8 days.
    assert_eq!(f["scenario"]["scope"], 12);
    assert_eq!(f["scenario"]["dependency_floor_days"], 8);
    assert_eq!(f["scenario"]["p50_days"], 12);
}

#[tokio::test]
async fn performance_per_owner_counts_rework() {
    let (_dir, svc) = setup_project().await;
    let ann = as_actor(&svc, "ann");
    let bob = as_actor(&svc, "bob");
    for i in 0..3 {
        let k = create(&ann, &format!("ann {i}"), json!({"estimate_hours": 1.0})).await;
        start(&ann, &k).await;
        ok(
            &ann,
            "pm_log_work",
            json!({"issue_key": k, "activity": "code", "summary": "x", "time_spent": "2h"}),
        )
        .await;
        ok(&ann, "pm_complete_issue", json!({"issue_key": k})).await;
    }
    let k = create(&bob, "bob's", json!({})).await;
    start(&bob, &k).await;
    ok(
        &bob,
        "pm_request_review",
        json!({"issue_key": k, "summary": "ready"}),
    )
    .await;
    ok(
        &ann,
        "pm_review_issue",
        json!({"issue_key": k, "decision": "request_changes", "comments": "not yet"}),
    )
    .await;
    ok(
        &bob,
        "pm_request_review",
        json!({"issue_key": k, "summary": "fixed"}),
    )
    .await;
    ok(
        &ann,
        "pm_review_issue",
        json!({"issue_key": k, "decision": "approve"}),
    )
    .await;
    ok(&bob, "pm_complete_issue", json!({"issue_key": k})).await;
    ok(
        &bob,
        "pm_update_status",
        json!({"issue_key": k, "status": "in_progress", "notes": "regressed"}),
    )
    .await;

    let p = ok(&svc, "pm_performance_impact", json!({"timeframe": "7d"})).await;
    let owners = p["owners"].as_array().unwrap();
    let ann_row = owners.iter().find(|o| o["owner"] == "ann").unwrap();
    assert_eq!(ann_row["completed"], 3);
    assert_eq!(ann_row["per_week"], 3.0);
    assert_eq!(ann_row["accuracy"]["median_ratio"], 2.0);
    let bob_row = owners.iter().find(|o| o["owner"] == "bob").unwrap();
    assert_eq!(bob_row["completed"], 0, "reopened: no longer done");
    assert_eq!(bob_row["reopened"], 1);
    assert_eq!(bob_row["sent_back"], 1);
    let only = ok(&svc, "pm_performance_impact", json!({"owner": "bob"})).await;
    assert_eq!(only["owners"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn retro_finds_overruns_their_causes_and_turns_lessons_into_work() {
    let (_dir, svc) = setup_project().await;
    let over = create(&svc, "Overran", json!({"estimate_hours": 2.0})).await;
    start(&svc, &over).await;
    ok(
        &svc,
        "pm_update_status",
        json!({"issue_key": over, "status": "blocked", "blocker_reason": "waiting on API keys"}),
    )
    .await;
    ok(&svc, "pm_resume_work", json!({"issue_key": over})).await;
    ok(
        &svc,
        "pm_complete_issue",
        json!({"issue_key": over, "actual_time": "6h", "lessons_learned": "Ask for credentials before starting"}),
    )
    .await;
    let fine = create(&svc, "On plan", json!({"estimate_hours": 4.0})).await;
    start(&svc, &fine).await;
    ok(
        &svc,
        "pm_complete_issue",
        json!({"issue_key": fine, "actual_time": "4h"}),
    )
    .await;

    let r = ok(&svc, "pm_retro", json!({"timeframe": "7d"})).await;
    assert_eq!(r["completed"], 2);
    assert_eq!(r["overran"][0]["key"], over.as_str());
    assert_eq!(r["overran"][0]["ratio"], 3.0);
    let causes = strings(&r["overran"][0]["causes"]);
    assert!(
        causes.iter().any(|c| c.starts_with("blocked")),
        "{causes:?}"
    );
    assert!(
        causes.iter().any(|c| c.contains("credentials")),
        "{causes:?}"
    );
    assert_eq!(strings(&r["to_plan"]), vec![format!("{fine} On plan")]);
    let actions: Vec<String> = r["action_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap().to_string())
        .collect();
    assert!(
        actions
            .iter()
            .any(|a| a.starts_with(&format!("pm_improve issue_key={over}"))),
        "{actions:?}"
    );
    assert!(
        actions.iter().any(|a| a.starts_with("Scale new estimates")),
        "{actions:?}"
    );

    // The lesson becomes tracked work, linked back; asking twice makes one.
    let i = ok(&svc, "pm_improve", json!({"issue_key": over})).await;
    assert_eq!(i["created"], true);
    assert_eq!(i["lesson"], "Ask for credentials before starting");
    let key = i["improvement"]["key"].as_str().unwrap().to_string();
    let issue = get(&svc, &key).await;
    assert_eq!(issue["issue"]["type"], "chore");
    assert_eq!(strings(&issue["issue"]["labels"]), vec!["improvement"]);
    let links = issue["related"].as_array().unwrap();
    assert!(
        links
            .iter()
            .any(|l| l["key"] == over.as_str() && l["kind"] == "discovered_from"),
        "{links:?}"
    );
    let again = ok(&svc, "pm_improve", json!({"issue_key": over})).await;
    assert_eq!(again["created"], false);
    assert_eq!(again["improvement"]["key"], key.as_str());
    invalid(&svc, "pm_improve", json!({"issue_key": fine}), "lesson").await;
    invalid(
        &svc,
        "pm_retro",
        json!({"sprint": "S1", "timeframe": "7d"}),
        "timeframe",
    )
    .await;
}

#[tokio::test]
async fn milestone_and_stakeholder_reports_state_the_facts() {
    let (_dir, svc) = setup_project().await;
    let a = create(
        &svc,
        "Beta login",
        json!({"labels": ["beta"], "story_points": 3}),
    )
    .await;
    let b = create(
        &svc,
        "Beta export",
        json!({"labels": ["beta"], "story_points": 5, "estimate_hours": 4.0}),
    )
    .await;
    let c = create(&svc, "Beta docs", json!({"labels": ["beta"]})).await;
    create(&svc, "Not in beta", json!({})).await;
    complete(&svc, &a).await;
    start(&svc, &b).await;
    start(&svc, &c).await;
    ok(
        &svc,
        "pm_update_status",
        json!({"issue_key": c, "status": "blocked", "blocker_reason": "waiting"}),
    )
    .await;

    let m = ok(&svc, "pm_milestone_report", json!({"label": "beta"})).await;
    assert_eq!(m["milestone"], "label beta");
    assert_eq!(
        (m["total"].as_u64(), m["done"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(m["progress"], 0.333);
    assert_eq!(
        (m["story_points"].as_i64(), m["done_points"].as_i64()),
        (Some(8), Some(3))
    );
    assert_eq!(m["remaining_hours"], 4.0);
    assert_eq!(keys(&m["blocked"]), vec![c.clone()]);
    assert_eq!(keys(&m["next_up"])[0], b);
    assert_eq!(m["forecast"]["scope"], 2);
    invalid(&svc, "pm_milestone_report", json!({}), "sprint").await;
    invalid(
        &svc,
        "pm_milestone_report",
        json!({"label": "beta", "epic": a}),
        "sprint",
    )
    .await;

    let s = ok(&svc, "pm_stakeholder_update", json!({})).await;
    assert_eq!(strings(&s["delivered"]), vec!["Beta login"]);
    assert_eq!(s["delivered_count"], 1);
    assert_eq!(strings(&s["in_progress"]), vec!["Beta export"]);
    assert_eq!(s["open"], 3);
    assert_eq!(s["blocked"], 1);
    assert_eq!(s["forecast"]["scope"], 3);
    assert!(s["report"].as_str().unwrap().contains("Beta login"));
}
