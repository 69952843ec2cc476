//! What `Store` promises every caller, checked on whichever backend this run
//! uses (SQLite, or PostgreSQL when `LAZYPM_TEST_DATABASE` names a server).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use lazypm_testkit::{TestDir, event};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_sees_one_snapshot_and_a_dropped_write_leaves_nothing() {
    let dir = TestDir::new();
    let store = lazypm_service::open_store(dir.url()).await.unwrap();

    let mut read = store.begin_read().await.unwrap();
    assert_eq!(read.count_events_after(0).await.unwrap(), 0);
    let mut write = store.begin_write().await.unwrap();
    write.insert_event(&event(1), None).await.unwrap();
    write.commit().await.unwrap();
    assert_eq!(
        read.count_events_after(0).await.unwrap(),
        0,
        "a read transaction keeps the snapshot it started with"
    );
    drop(read);

    // A write dropped without commit is rolled back, and its connection
    // serves the next transaction.
    let mut abandoned = store.begin_write().await.unwrap();
    abandoned.insert_event(&event(2), None).await.unwrap();
    drop(abandoned);
    let mut write = store.begin_write().await.unwrap();
    write.insert_event(&event(3), None).await.unwrap();
    write.commit().await.unwrap();

    let mut read = store.begin_read().await.unwrap();
    let ids: Vec<String> = read
        .events_after(0, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, e)| e.id)
        .collect();
    assert_eq!(ids, ["e-1", "e-3"]);
    drop(read);
    store.close().await;
}
