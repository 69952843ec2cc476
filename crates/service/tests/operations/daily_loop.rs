//! The daily loop, from pm_init_project to a done issue, with its audit trail.

use std::collections::BTreeSet;

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn daily_loop_from_init_to_done_with_audit_trail() {
    let (dir, svc) = setup().await;
    let path = project_dir(&dir, "app");
    let p = ok(
        &svc,
        "pm_init_project",
        json!({"path": path.to_str().unwrap(), "key": "app", "name": "The App"}),
    )
    .await;
    assert_eq!(p["project"]["key"], "APP");
    assert_eq!(p["project"]["name"], "The App");
    assert_eq!(p["project"]["path"], path.to_str().unwrap());
    assert_eq!(p["created"], true);
    // Idempotent: the same path gives the same project back.
    let again = ok(
        &svc,
        "pm_init_project",
        json!({"path": path.to_str().unwrap()}),
    )
    .await;
    assert_eq!(again["created"], false);
    assert_eq!(again["project"]["key"], "APP");

    let first = create(
        &svc,
        "Session handshake hangs",
        json!({
            "description": "Users wait forever on the login screen.",
            "priority": "P2",
            "acceptance_criteria": ["loads in under 2s"],
            "labels": ["auth"],
        }),
    )
    .await;
    let second = create(
        &svc,
        "Login link misspelled",
        json!({"type": "bug", "description": "In the footer."}),
    )
    .await;
    let third = create(
        &svc,
        "Remember-me checkbox",
        json!({ "dependencies": [first.to_lowercase()] }),
    )
    .await;
    assert_eq!(
        (first.as_str(), second.as_str(), third.as_str()),
        ("APP-1", "APP-2", "APP-3")
    );

    let d3 = get(&svc, &third).await;
    assert_eq!(keys(&d3["depends_on"]), vec![first.clone()]);
    assert_eq!(d3["depends_on"][0]["kind"], "blocks");
    assert_eq!(d3["ready"], false);
    let d1 = get(&svc, &first).await;
    assert_eq!(keys(&d1["blocks"]), vec![third.clone()]);
    assert_eq!(d1["ready"], true);
    assert_eq!(d1["issue"]["status"], "proposed");
    assert_eq!(d1["issue"]["priority"], "P2");
    assert_eq!(d1["issue"]["version"], 1);

    // The dependent issue cannot start while its dependency is open.
    let before = snapshot(&svc, &dir).await;
    let e = fail(&svc, "pm_start_work", json!({ "issue_key": third })).await;
    assert_eq!(e.code(), "conflict", "{e}");
    assert!(e.to_string().contains(&first), "{e}");
    assert_unchanged(&svc, &dir, &before, "pm_start_work").await;

    let s = start(&svc, &first).await;
    assert_eq!(s["started"], true);
    assert_eq!(s["issue"]["status"], "in_progress");
    assert_eq!(s["issue"]["owner"], ACTOR);
    assert!(get(&svc, &first).await["issue"]["started_at"].is_string());
    // A write answers with a summary and what changed, not the whole issue.
    assert!(s["issue"].get("specification").is_none(), "{s}");
    assert_eq!(
        strings(&s["issue"]["changed"]),
        vec![
            "status: proposed → in_progress".to_string(),
            format!("owner: none → {ACTOR}")
        ]
    );
    // Starting again as the owner changes nothing.
    let s2 = start(&svc, &first).await;
    assert_eq!(s2["started"], false);
    assert_eq!(s2["issue"]["version"], s["issue"]["version"]);

    let l = ok(
        &svc,
        "pm_log_work",
        json!({
            "issue_key": first, "activity": "code", "summary": "Raised the handshake timeout",
            "time_spent": "2h30m", "artifacts": "src/session.rs, src/login.rs",
            "decisions": ["keep the old endpoint"],
        }),
    )
    .await;
    assert_eq!(l["logged"]["time_spent"], "2h30m");
    assert_eq!(l["logged"]["artifacts"], 2);
    let logged = get(&svc, &first).await;
    let log = &logged["work_logs"][0];
    assert_eq!(log["minutes"], 150);
    assert_eq!(log["author"], ACTOR);
    assert_eq!(
        strings(&log["artifacts"]["files"]),
        vec!["src/session.rs", "src/login.rs"]
    );
    assert_eq!(l["total_time_spent"], "2h30m");
    let l2 = ok(
        &svc,
        "pm_log_work",
        json!({"issue_key": first, "type": "testing", "summary": "Tested it", "time_spent": "30m"}),
    )
    .await;
    assert_eq!(l2["total_time_spent"], "3h");

    let r = ok(
        &svc,
        "pm_update_status",
        json!({"issue_key": first, "status": "review", "notes": "ready for eyes"}),
    )
    .await;
    assert_eq!(r["issue"]["status"], "review");

    let c = ok(
        &svc,
        "pm_complete_issue",
        json!({"issue_key": first, "lessons_learned": "Check the timeouts first"}),
    )
    .await;
    assert_eq!(c["completed"], true);
    assert_eq!(c["awaiting_review"], false);
    assert_eq!(c["issue"]["status"], "done");
    assert_eq!(strings(&c["transitions"]), vec!["review → done"]);
    let finished = get(&svc, &first).await;
    assert_eq!(finished["issue"]["analytics"]["actual_minutes"], 180);
    assert_eq!(
        strings(&finished["issue"]["analytics"]["lessons_learned"]),
        vec!["Check the timeouts first"]
    );
    assert!(finished["issue"]["completed_at"].is_string());

    let d1 = get(&svc, &first).await;
    assert_eq!(d1["time_spent"], "3h");
    assert_eq!(d1["issue"]["time_spent_minutes"], 180);
    let logs = d1["work_logs"].as_array().unwrap();
    assert_eq!(logs.len(), 2);
    assert_eq!(logs[0]["summary"], "Raised the handshake timeout");
    assert_eq!(logs[1]["activity"], "testing");
    assert_eq!(d1["ready"], false, "a done issue is not ready work");
    let updates = d1["issue"]["communication"]["updates"].as_array().unwrap();
    let moves: Vec<String> = updates
        .iter()
        .map(|u| {
            format!(
                "{}>{}",
                u["from"].as_str().unwrap(),
                u["to"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        moves,
        vec!["proposed>in_progress", "in_progress>review", "review>done"]
    );

    let d3 = get(&svc, &third).await;
    assert_eq!(d3["depends_on"][0]["status"], "done");
    assert_eq!(d3["ready"], true);
    assert_eq!(start(&svc, &third).await["issue"]["status"], "in_progress");

    // Search: a word of a description finds the issue; a title match ranks
    // first (here the title match is the newer issue, so this is not id order).
    let hits = ok(&svc, "pm_search_issues", json!({"query": "forever"})).await;
    assert_eq!(keys(&hits["hits"]), vec![first.clone()]);
    let hits = ok(&svc, "pm_search_issues", json!({"query": "login"})).await;
    let found = keys(&hits["hits"]);
    assert_eq!(found, vec![second.clone(), first.clone()]);
    let h = hits["hits"].as_array().unwrap();
    assert!(h[0]["score"].as_f64().unwrap() >= h[1]["score"].as_f64().unwrap());
    assert_eq!(h[0]["type"], "bug");
    assert_eq!(h[0]["title"], "Login link misspelled");
    assert!(
        h[1]["snippet"].as_str().unwrap().contains("«login»"),
        "{}",
        h[1]
    );

    // History of the first issue, oldest first.
    assert_eq!(
        history_types(&svc, &first).await,
        vec![
            "issue_created",
            // Another issue was created depending on it: its history says so.
            "issue_linked",
            "owner_changed",
            "status_changed",
            "work_logged",
            "work_logged",
            "status_changed",
            "status_changed",
            "issue_completed",
        ]
    );

    // events.jsonl mirrors the events table, one line per event.
    let lines = jsonl(&dir);
    let events = db_events(&svc).await;
    assert!(!events.is_empty());
    assert_eq!(lines.len(), events.len());
    for line in &lines {
        for field in ["id", "at", "actor", "type", "entity"] {
            assert!(line[field].is_string(), "{field} missing in {line}");
        }
        assert_eq!(line["actor"], ACTOR);
        chrono::DateTime::parse_from_rfc3339(line["at"].as_str().unwrap()).unwrap();
    }
    let line_ids: BTreeSet<String> = lines
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_string())
        .collect();
    let db_ids: BTreeSet<String> = events.iter().map(|e| e.id.clone()).collect();
    assert_eq!(line_ids, db_ids);
    assert_eq!(line_ids.len(), lines.len(), "event ids are unique");
}
