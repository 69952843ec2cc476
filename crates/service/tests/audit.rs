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

/// A store in `dir`, and a service on it writing `events` that has
/// registered the project AU.
async fn with_project(dir: &TestDir, events: &Path) -> (Arc<dyn Store>, Service) {
    let project = dir.path().join("p");
    std::fs::create_dir_all(&project).unwrap();
    let db = store(dir).await;
    let svc = Service::open(db.clone(), EventSink::new(events), ctx())
        .await
        .unwrap();
    svc.call(
        "pm_init_project",
        json!({ "path": project.to_str().unwrap(), "key": "AU" }),
    )
    .await
    .unwrap();
    (db, svc)
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
    let (db, svc) = with_project(&dir, &events).await;
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
    let (db, svc) = with_project(&dir, &events).await;
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

#[tokio::test]
async fn a_mark_kept_in_the_table_by_an_older_version_still_counts() {
    let dir = TestDir::new();
    let events = dir.path().join("events.jsonl");
    let (db, svc) = with_project(&dir, &events).await;
    create(&svc, "one").await;
    drop(svc);
    // An older version recorded the file complete up to here in `meta`,
    // and the file has no mark beside it.
    let mut marker = events.clone().into_os_string();
    marker.push(".mark");
    let _ = std::fs::remove_file(&marker);
    let mut tx = db.begin_write().await.unwrap();
    let last = tx.last_event_seq().await.unwrap();
    let offset = std::fs::metadata(&events).unwrap().len();
    tx.set_meta("events_jsonl_mark", &format!("{last} {offset}"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // The file is rotated away; the next open must not copy the old trail
    // into the new file.
    std::fs::rename(&events, dir.path().join("events.1.jsonl")).unwrap();
    let crashed = Service::new(db.clone(), EventSink::disabled(), ctx());
    create(&crashed, "two").await;
    Service::open(db.clone(), EventSink::new(&events), ctx())
        .await
        .unwrap();
    let all = table_ids(db.as_ref()).await;
    let want = if db.backend() == "sqlite" {
        all[all.len() - 1..].to_vec()
    } else {
        // PostgreSQL's table mark may be another machine's: not trusted.
        all.clone()
    };
    assert_eq!(file_ids(&events), want);
}

#[tokio::test]
async fn machines_sharing_a_store_each_keep_every_event_in_their_file() {
    // A team's PostgreSQL store: each machine has its own events.jsonl, and
    // learns of the others' events when it next opens the store.
    let dir = TestDir::new();
    let files: Vec<_> = ["a", "b"]
        .iter()
        .map(|m| {
            std::fs::create_dir_all(dir.path().join(m)).unwrap();
            dir.path().join(m).join("events.jsonl")
        })
        .collect();
    let (a_file, b_file) = (&files[0], &files[1]);
    let (db, a) = with_project(&dir, a_file).await;
    create(&a, "a1").await;
    let b = Service::open(db.clone(), EventSink::new(b_file), ctx())
        .await
        .unwrap();
    create(&a, "a2").await;
    create(&b, "b1").await;
    create(&a, "a3").await;
    // Each machine's next command opens the store again, a first, b second,
    // and then once more each after more work.
    for round in 0..2 {
        for file in [a_file, b_file] {
            Service::open(db.clone(), EventSink::new(file), ctx())
                .await
                .unwrap();
        }
        let mut want = table_ids(db.as_ref()).await;
        want.sort();
        for file in [a_file, b_file] {
            let mut ids = file_ids(file);
            ids.sort();
            assert_eq!(
                ids,
                want,
                "round {round}: {} holds every event once",
                file.display()
            );
        }
        create(&b, "b2").await;
        create(&a, "a4").await;
    }
}

/// A project with `n` issues: 1 + n chained events in table and file.
async fn chained(n: usize) -> (TestDir, Arc<dyn Store>, std::path::PathBuf) {
    let dir = TestDir::new();
    let events = dir.path().join("events.jsonl");
    let (db, svc) = with_project(&dir, &events).await;
    for i in 0..n {
        create(&svc, &format!("issue {i}")).await;
    }
    (dir, db, events)
}

async fn problems(db: &dyn Store, events: &Path) -> Vec<String> {
    let report = lazypm_service::verify_audit(db, Some(events))
        .await
        .unwrap();
    report
        .problems
        .iter()
        .map(|p| format!("{} {:?} {:?}: {}", p.place, p.seq, p.line, p.message))
        .collect()
}

#[tokio::test]
async fn the_chain_is_whole_after_ordinary_work() {
    let (_dir, db, events) = chained(4).await;
    let report = lazypm_service::verify_audit(db.as_ref(), Some(&events))
        .await
        .unwrap();
    assert_eq!(report.events, 5);
    assert_eq!(report.before_chain, 0);
    assert_eq!(report.file_lines, Some(5));
    assert_eq!(report.head.as_ref().map(String::len), Some(64));
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    // Every line of the file carries its event's hash.
    let text = std::fs::read_to_string(&events).unwrap();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["hash"].as_str().map(str::len), Some(64), "{line}");
    }
}

#[tokio::test]
async fn an_event_edited_in_the_table_is_named() {
    let (dir, db, events) = chained(4).await;
    let changed = dir
        .store
        .execute(
            "UPDATE events SET changes = '{\"title\":\"forged\"}' WHERE seq = 3",
            "UPDATE events SET changes = '{\"title\":\"forged\"}'::jsonb WHERE seq = 3",
            &[],
        )
        .await;
    assert_eq!(changed, 1);
    let found = problems(db.as_ref(), &events).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("table Some(3) None"), "{found:?}");
    assert!(found[0].contains("does not follow the chain"), "{found:?}");
}

#[tokio::test]
async fn an_event_deleted_from_the_table_is_named_where_the_gap_is() {
    let (dir, db, events) = chained(4).await;
    dir.store
        .execute(
            "DELETE FROM events WHERE seq = 2",
            "DELETE FROM events WHERE seq = 2",
            &[],
        )
        .await;
    let found = problems(db.as_ref(), &events).await;
    // The next event no longer follows, and the file still holds the deleted one.
    assert!(
        found.iter().any(|p| p.starts_with("table Some(3)")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("events.jsonl None Some(2)")
                && p.contains("deleted from the table")),
        "{found:?}"
    );
}

#[tokio::test]
async fn events_swapped_in_the_table_are_named() {
    let (dir, db, events) = chained(4).await;
    for (sqlite, postgres) in [
        (
            "UPDATE events SET seq = 100 WHERE seq = 2",
            "UPDATE events SET seq = 100 WHERE seq = 2",
        ),
        (
            "UPDATE events SET seq = 2 WHERE seq = 3",
            "UPDATE events SET seq = 2 WHERE seq = 3",
        ),
        (
            "UPDATE events SET seq = 3 WHERE seq = 100",
            "UPDATE events SET seq = 3 WHERE seq = 100",
        ),
    ] {
        assert_eq!(dir.store.execute(sqlite, postgres, &[]).await, 1);
    }
    let found = problems(db.as_ref(), &events).await;
    let table: Vec<_> = found.iter().filter(|p| p.starts_with("table")).collect();
    assert!(
        table.iter().any(|p| p.starts_with("table Some(2)"))
            && table.iter().any(|p| p.starts_with("table Some(3)")),
        "{found:?}"
    );
}

#[tokio::test]
async fn lines_edited_or_deleted_in_the_file_are_named() {
    let (_dir, db, events) = chained(3).await;
    let text = std::fs::read_to_string(&events).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[1] = lines[1].replace("issue 0", "issue zero");
    assert!(lines[1].contains("issue zero"));
    lines.remove(3);
    std::fs::write(&events, lines.join("\n") + "\n").unwrap();
    let found = problems(db.as_ref(), &events).await;
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].starts_with("events.jsonl Some(2) Some(2)")
            && found[0].contains("edited in the file"),
        "{found:?}"
    );
    assert!(
        found[1].starts_with("events.jsonl Some(4) None")
            && found[1].contains("missing from the file"),
        "{found:?}"
    );
}

#[tokio::test]
async fn events_from_before_the_chain_are_counted_not_flagged() {
    let (dir, db, events) = chained(1).await;
    // As an older lazypm left them: two events without a hash, in the table
    // and in the file.
    dir.store
        .execute(
            "UPDATE events SET hash = NULL",
            "UPDATE events SET hash = NULL",
            &[],
        )
        .await;
    let text = std::fs::read_to_string(&events).unwrap();
    let stripped: Vec<String> = text
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            v.as_object_mut().unwrap().remove("hash");
            v.to_string()
        })
        .collect();
    std::fs::write(&events, stripped.join("\n") + "\n").unwrap();
    // The upgraded lazypm goes on; its events start the chain.
    let svc = Service::open(db.clone(), EventSink::new(&events), ctx())
        .await
        .unwrap();
    create(&svc, "after the upgrade").await;
    create(&svc, "and another").await;
    let report = lazypm_service::verify_audit(db.as_ref(), Some(&events))
        .await
        .unwrap();
    assert_eq!((report.events, report.before_chain), (4, 2));
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    // A hash taken off an event after the chain began is flagged.
    dir.store
        .execute(
            "UPDATE events SET hash = NULL WHERE seq = 4",
            "UPDATE events SET hash = NULL WHERE seq = 4",
            &[],
        )
        .await;
    let found = problems(db.as_ref(), &events).await;
    assert!(
        found.iter().any(|p| p.contains("lost its hash")),
        "{found:?}"
    );
}
