//! What only the PostgreSQL backend has to get right: open errors that name
//! the server but never the password, and events whose sequence numbers
//! commit in order. The server tests run when `LAZYPM_TEST_DATABASE` names a
//! PostgreSQL server (each in a schema of its own, dropped afterwards).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use lazypm_store::{Store, StoreError};
use lazypm_store_postgres::PgStore;
use lazypm_testkit::{TestStore, event};

/// A fresh schema on the test server, or none when no server is configured.
async fn store() -> Option<(TestStore, PgStore)> {
    let dir = std::env::temp_dir();
    let test = TestStore::new(&dir);
    if !test.is_postgres() {
        eprintln!("LAZYPM_TEST_DATABASE names no PostgreSQL server: nothing to check");
        return None;
    }
    let store = PgStore::open(&test.url).await.unwrap();
    Some((test, store))
}

#[tokio::test]
async fn open_errors_name_the_server_but_never_the_password() {
    // Nothing listens on port 1.
    let e = PgStore::open("postgres://alice:hunter2@127.0.0.1:1/pm?schema=s")
        .await
        .err()
        .expect("nothing to connect to");
    let m = e.to_string();
    assert!(matches!(e, StoreError::Open { .. }), "{m}");
    assert!(m.contains("postgres://alice@127.0.0.1:1/pm"), "{m}");
    assert!(!m.contains("hunter2"), "{m}");
    let e = PgStore::open("postgres://alice:hunter2@127.0.0.1:1/pm?schema=no;way")
        .await
        .err()
        .expect("a bad schema name");
    let m = e.to_string();
    assert!(matches!(e, StoreError::BadUrl(_)), "{m}");
    assert!(!m.contains("hunter2"), "{m}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_later_event_waits_for_an_earlier_one_to_commit() {
    let Some((_test, store)) = store().await else {
        return;
    };
    let mut first = store.begin_write().await.unwrap();
    first.insert_event(&event(1), Some("PM-1")).await.unwrap();
    // A second writer's event would take a higher number; it must not
    // commit before the first, or a reader paging by number skips one.
    let store = std::sync::Arc::new(store);
    let second = tokio::spawn({
        let store = store.clone();
        async move {
            let mut tx = store.begin_write().await.unwrap();
            tx.insert_event(&event(2), Some("PM-1")).await.unwrap();
            tx.commit().await.unwrap();
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!second.is_finished(), "the second event did not wait");
    let mut read = store.begin_read().await.unwrap();
    assert_eq!(read.count_events_after(0).await.unwrap(), 0);
    drop(read);
    first.commit().await.unwrap();
    second.await.unwrap();
    let mut read = store.begin_read().await.unwrap();
    let events = read.events_after(0, 10).await.unwrap();
    let ids: Vec<&str> = events.iter().map(|(_, e)| e.id.as_str()).collect();
    assert_eq!(ids, vec!["e-1", "e-2"]);
    assert!(events[0].0 < events[1].0);
    assert_eq!(read.last_event_seq().await.unwrap(), events[1].0);
    drop(read);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_committed_anywhere_wakes_the_listeners_of_that_schema_only() {
    let Some((test, watcher)) = store().await else {
        return;
    };
    let Some((_other_test, elsewhere)) = store().await else {
        return;
    };
    let signal = watcher.change_signal().expect("PostgreSQL can tell");
    // Another connection pool on the same schema: another process, as the server sees it.
    let writer = PgStore::open(&test.url).await.unwrap();
    // Let the listener start listening.
    tokio::time::sleep(Duration::from_millis(300)).await;

    // A change in another schema does not wake it…
    let mut tx = elsewhere.begin_write().await.unwrap();
    tx.insert_event(&event(1), None).await.unwrap();
    tx.commit().await.unwrap();
    let woken = tokio::time::timeout(Duration::from_millis(400), signal.notified()).await;
    assert!(woken.is_err(), "woken by another schema's change");

    // …a change in its own does, at once.
    let waiting = signal.notified();
    let mut tx = writer.begin_write().await.unwrap();
    tx.insert_event(&event(2), None).await.unwrap();
    let committed = std::time::Instant::now();
    tx.commit().await.unwrap();
    tokio::time::timeout(Duration::from_secs(2), waiting)
        .await
        .expect("the listener was not woken by the commit");
    assert!(committed.elapsed() < Duration::from_secs(1));
    writer.close().await;
    watcher.close().await;
    elsewhere.close().await;
}

/// The test server's URL and the test's schema.
fn server_and_schema(test: &TestStore) -> (&str, &str) {
    let (base, schema) = test.url.rsplit_once("schema=").unwrap();
    (base.trim_end_matches(['?', '&']), schema)
}

/// The store's sessions on the server (by their application name), and
/// whether any sits in an open transaction.
async fn sessions(test: &TestStore) -> (i64, i64) {
    use sqlx::Connection as _;
    let (base, schema) = server_and_schema(test);
    let mut admin = sqlx::PgConnection::connect(base).await.unwrap();
    let row: (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE state = 'idle in transaction') \
         FROM pg_stat_activity WHERE application_name = $1",
    )
    .bind(lazypm_store_postgres::application_name(Some(schema)))
    .fetch_one(&mut admin)
    .await
    .unwrap();
    admin.close().await.ok();
    row
}

#[tokio::test]
async fn a_short_command_runs_on_the_one_connection_that_opened_the_store() {
    let Some((test, store)) = store().await else {
        return;
    };
    // What a one-shot command does on its single thread: a read dropped
    // without commit, a write, another read.
    let mut read = store.begin_read().await.unwrap();
    assert_eq!(read.last_event_seq().await.unwrap(), 0);
    drop(read);
    // The dropped read is still open, on the connection kept aside…
    assert_eq!(sessions(&test).await, (1, 1));
    // …and ends with the next transaction's first round trip.
    let mut write = store.begin_write().await.unwrap();
    write.insert_event(&event(1), None).await.unwrap();
    write.commit().await.unwrap();
    assert_eq!(sessions(&test).await, (1, 0));
    let mut read = store.begin_read().await.unwrap();
    assert_eq!(read.count_events_after(0).await.unwrap(), 1);
    drop(read);
    assert_eq!(sessions(&test).await, (1, 1));
    // Closing the store ends it all.
    store.close().await;
    let mut left = sessions(&test).await;
    for _ in 0..20 {
        if left.0 == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        left = sessions(&test).await;
    }
    assert_eq!(left, (0, 0));
}

#[tokio::test]
async fn a_kept_connection_the_server_closed_is_replaced_without_an_error() {
    use sqlx::Connection as _;
    let Some((test, store)) = store().await else {
        return;
    };
    let (base, schema) = server_and_schema(&test);
    let mut admin = sqlx::PgConnection::connect(base).await.unwrap();
    let ended: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
    )
    .bind(lazypm_store_postgres::application_name(Some(schema)))
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert_eq!(ended, vec![true]);
    admin.close().await.ok();
    let mut write = store.begin_write().await.unwrap();
    write.insert_event(&event(1), None).await.unwrap();
    write.commit().await.unwrap();
    let mut read = store.begin_read().await.unwrap();
    assert_eq!(read.count_events_after(0).await.unwrap(), 1);
    drop(read);
    store.close().await;
}
