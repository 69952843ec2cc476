//! The audit trail's file against its table: events that a process killed
//! between commit and append left out of `events.jsonl` are appended on the
//! next open, once, in order, and a torn last line is cut.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use lazypm_testkit::TestDir;
use std::path::Path;
use std::sync::Arc;

use lazypm_service::{Context, EventSink, Service};
use lazypm_store::Store;
use serde_json::json;

fn ctx() -> Context {
    Context {
        actor: "alice".into(),
        ..Context::default()
    }
}

async fn store(dir: &TestDir) -> Arc<dyn Store> {
    lazypm_service::open_store(dir.url()).await.unwrap()
}

fn file_ids(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("every line is whole JSON");
            v["id"].as_str().unwrap().to_string()
        })
        .collect()
}

async fn table_ids(store: &dyn Store) -> Vec<String> {
    let mut tx = store.begin_read().await.unwrap();
    tx.events_after(0, i64::MAX)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, e)| e.id)
        .collect()
}

async fn create(svc: &Service, title: &str) {
    svc.call(
        "pm_create_issue",
        json!({ "title": title, "type": "feature" }),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn lost_events_and_a_torn_line_are_repaired_once() {
    let dir = TestDir::new();
    let events = dir.path().join("events.jsonl");
    let project = dir.path().join("p");
    std::fs::create_dir_all(&project).unwrap();
    let db = store(&dir).await;

    let svc = Service::open(db.clone(), EventSink::new(&events), ctx())
        .await
        .unwrap();
    svc.call(
        "pm_init_project",
        json!({ "path": project.to_str().unwrap(), "key": "AU" }),
    )
    .await
    .unwrap();
    create(&svc, "written to both").await;
    assert_eq!(file_ids(&events), table_ids(db.as_ref()).await);

    // A process that committed and died before appending: its events reach
    // the table only.
    let crashed = Service::new(db.clone(), EventSink::disabled(), ctx());
    create(&crashed, "lost one").await;
    create(&crashed, "lost two").await;
    // And one killed halfway through its append.
    let mut text = std::fs::read_to_string(&events).unwrap();
    text.push_str("{\"id\":\"0192");
    std::fs::write(&events, text).unwrap();
    assert_ne!(
        std::fs::read_to_string(&events).unwrap().lines().count(),
        table_ids(db.as_ref()).await.len()
    );

    let reopened = Service::open(db.clone(), EventSink::new(&events), ctx())
        .await
        .unwrap();
    assert_eq!(file_ids(&events), table_ids(db.as_ref()).await);

    // Once only: opening again adds nothing, and new writes append as usual.
    let before = std::fs::read(&events).unwrap();
    let again = Service::open(db.clone(), EventSink::new(&events), ctx())
        .await
        .unwrap();
    assert_eq!(std::fs::read(&events).unwrap(), before);
    create(&again, "after repair").await;
    create(&reopened, "from the first reopened service").await;
    let ids = file_ids(&events);
    assert_eq!(ids, table_ids(db.as_ref()).await);
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "no event is written twice");
}

#[tokio::test]
async fn a_replaced_file_gets_only_what_followed_the_mark() {
    let dir = TestDir::new();
    let events = dir.path().join("events.jsonl");
    let project = dir.path().join("p");
    std::fs::create_dir_all(&project).unwrap();
    let db = store(&dir).await;
    let svc = Service::open(db.clone(), EventSink::new(&events), ctx())
        .await
        .unwrap();
    svc.call(
        "pm_init_project",
        json!({ "path": project.to_str().unwrap(), "key": "AU" }),
    )
    .await
    .unwrap();
    create(&svc, "one").await;
    let crashed = Service::new(db.clone(), EventSink::disabled(), ctx());
    create(&crashed, "lost").await;
    // The next open repairs the file and records how far it is complete.
    let svc = Service::open(db.clone(), EventSink::new(&events), ctx())
        .await
        .unwrap();
    // Someone rotates the file away; later events go to a new one.
    std::fs::rename(&events, dir.path().join("events.1.jsonl")).unwrap();
    create(&crashed, "two").await;
    drop(svc);
    Service::open(db.clone(), EventSink::new(&events), ctx())
        .await
        .unwrap();
    let all = table_ids(db.as_ref()).await;
    assert_eq!(file_ids(&events), all[all.len() - 1..].to_vec());
}
