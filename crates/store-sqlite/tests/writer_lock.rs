//! Writers queue on `<database>-lock`: a second writer waits while the
//! first holds it and goes on the moment it commits.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use lazypm_store::Store as _;
use lazypm_store_sqlite::{SqliteStore, lock_path};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_writer_waits_for_the_first_and_then_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lazypm.db");
    let store = std::sync::Arc::new(SqliteStore::open(&db, false).await.unwrap());
    let first = store.begin_write().await.unwrap();
    assert!(
        lock_path(&db).exists(),
        "the lock file sits beside the database"
    );

    let other = store.clone();
    let mut second = tokio::spawn(async move { other.begin_write().await.map(|_| ()) });
    let waited = tokio::time::timeout(Duration::from_millis(200), &mut second).await;
    assert!(waited.is_err(), "the second writer went ahead of the first");

    first.commit().await.unwrap();
    let went_on = tokio::time::timeout(Duration::from_secs(2), second).await;
    assert!(
        matches!(went_on, Ok(Ok(Ok(())))),
        "the second writer did not go on after the commit: {went_on:?}"
    );
    // Reads never queue behind a writer.
    let _held = store.begin_write().await.unwrap();
    tokio::time::timeout(Duration::from_millis(200), store.begin_read())
        .await
        .expect("a read waited for a writer")
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_queues_on_the_lock_file_itself() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lazypm.db");
    let store = std::sync::Arc::new(SqliteStore::open(&db, false).await.unwrap());
    // Another process's writer, as the kernel sees it: the file locked.
    let holder = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path(&db))
        .unwrap();
    holder.lock().unwrap();
    let other = store.clone();
    let mut writer = tokio::spawn(async move { other.begin_write().await.map(|_| ()) });
    let waited = tokio::time::timeout(Duration::from_millis(200), &mut writer).await;
    assert!(waited.is_err(), "the writer did not wait for the lock file");
    let released = std::time::Instant::now();
    drop(holder);
    let went_on = tokio::time::timeout(Duration::from_secs(2), writer).await;
    assert!(matches!(went_on, Ok(Ok(Ok(())))), "{went_on:?}");
    assert!(
        released.elapsed() < Duration::from_millis(500),
        "woken late: {:?}",
        released.elapsed()
    );
}
