//! Racing writers keep the rules that are checked by reading first: one
//! project per folder, task and issue numbers handed out once, no blocks
//! cycle from two links added at the same moment, and audit events that
//! commit in sequence order. On SQLite writers queue for the write lock; on
//! PostgreSQL they run side by side under SERIALIZABLE and the service
//! retries the loser, so these tests prove the rules on both.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::common::*;

/// Runs `calls` at once, each on its own task; results in call order.
async fn race(
    svc: &lazypm_service::Service,
    calls: Vec<(&'static str, Value)>,
) -> Vec<Result<Value, lazypm_service::ServiceError>> {
    let handles: Vec<_> = calls
        .into_iter()
        .map(|(tool, args)| {
            let svc = svc.clone();
            tokio::spawn(async move { svc.call(tool, args).await })
        })
        .collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_folder_registered_at_once_by_many_makes_one_project() {
    let (dir, svc) = setup().await;
    let path = project_dir(&dir, "shared");
    let args = json!({"path": path.to_str().unwrap(), "key": "SH"});
    let results = race(&svc, vec![("pm_init_project", args); 8]).await;
    let created: Vec<bool> = results
        .iter()
        .map(|r| r.as_ref().unwrap()["created"].as_bool().unwrap())
        .collect();
    assert_eq!(created.iter().filter(|c| **c).count(), 1, "{created:?}");
    let projects = ok(&svc, "pm_list_projects", json!({})).await;
    assert_eq!(
        projects["projects"].as_array().unwrap().len(),
        1,
        "{projects}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tasks_and_issues_created_at_once_get_distinct_numbers() {
    let (_dir, svc) = setup_project().await;
    let key = create(&svc, "Parent", json!({})).await;
    let calls = (0..8)
        .map(|i| {
            (
                "pm_create_task",
                json!({"issue_key": key, "title": format!("Task {i}")}),
            )
        })
        .collect();
    let tasks: BTreeSet<String> = race(&svc, calls)
        .await
        .into_iter()
        .map(|r| r.unwrap()["task"]["key"].as_str().unwrap().to_string())
        .collect();
    let expected: BTreeSet<String> = (1..=8).map(|n| format!("{key}-T{n}")).collect();
    assert_eq!(tasks, expected);

    let calls = (0..8)
        .map(|i| {
            (
                "pm_create_issue",
                json!({"type": "bug", "title": format!("Bug {i}")}),
            )
        })
        .collect();
    let issues: BTreeSet<String> = race(&svc, calls)
        .await
        .into_iter()
        .map(|r| r.unwrap()["issue"]["key"].as_str().unwrap().to_string())
        .collect();
    let expected: BTreeSet<String> = (2..=9).map(|n| format!("PM-{n}")).collect();
    assert_eq!(issues, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn opposite_blocks_links_added_at_once_never_make_a_cycle() {
    let (_dir, svc) = setup_project().await;
    for round in 0..6 {
        let a = create(&svc, &format!("A{round}"), json!({})).await;
        let b = create(&svc, &format!("B{round}"), json!({})).await;
        let link = |from: &str, to: &str| {
            (
                "pm_link_issues",
                json!({"issue_key": from, "target_key": to, "kind": "blocks", "action": "add"}),
            )
        };
        let results = race(&svc, vec![link(&a, &b), link(&b, &a)]).await;
        let wins = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(wins, 1, "round {round}: {results:?}");
        let refused = results.iter().find_map(|r| r.as_ref().err()).unwrap();
        assert_eq!(refused.code(), "invalid_input", "round {round}: {refused}");
        assert_eq!(refused.field(), Some("target_key"), "{refused}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn events_from_racing_writers_commit_in_sequence_order() {
    let (_dir, svc) = setup_project().await;
    let calls = (0..16)
        .map(|i| {
            (
                "pm_create_issue",
                json!({"type": "chore", "title": format!("Chore {i}")}),
            )
        })
        .collect();
    for r in race(&svc, calls).await {
        r.unwrap();
    }
    let mut tx = svc.store().begin_read().await.unwrap();
    let events: Vec<_> = lazypm_store::Events::events_after(&mut *tx, 0, 1_000_000)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    // Every issue's creation is recorded once, and the creations appear in
    // the order their keys were handed out (keys come from the same
    // transactions as the events, so a reordering would show here).
    let created: Vec<String> = events
        .iter()
        .filter(|e| e.event_type.as_str() == "issue_created")
        .map(|e| e.entity.clone())
        .collect();
    let expected: Vec<String> = (1..=16).map(|n| format!("PM-{n}")).collect();
    assert_eq!(created, expected);
}
