//! `kill -9` loses nothing acknowledged: processes killed at any point
//! between start and exit never leave `events.jsonl` and the `events` table
//! apart once the next command has opened the store, every operation whose
//! process finished is in the store exactly once, and the audit chain is
//! whole. On this run's backend (SQLite, or PostgreSQL under
//! LAZYPM_TEST_DATABASE).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::os::unix::process::ExitStatusExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const ROUNDS: u64 = 40;

fn lazypm(data: &Path, project: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lazypm"));
    c.current_dir(project)
        .env_remove("LAZYPM_PROJECT")
        .env_remove("LAZYPM_DATABASE_URL")
        // The service logs each repair of events.jsonl at info.
        .env("RUST_LOG", "lazypm_service=info")
        .env("NO_COLOR", "1")
        .env("LAZYPM_DATA_DIR", data)
        .env("LAZYPM_ACTOR", "crash-test")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

fn run_ok(data: &Path, project: &Path, args: &[&str]) {
    let out = lazypm(data, project, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A deterministic, well-spread sequence (SplitMix64): no rand crate needed.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Events a process appended to events.jsonl on open, from its log:
/// `… appended=3 … events.jsonl repaired from the events table`.
fn repaired(stderr: &[u8]) -> u64 {
    let text = String::from_utf8_lossy(stderr);
    let mut plain = String::with_capacity(text.len());
    let mut in_escape = false;
    for c in text.chars() {
        match c {
            '\u{1b}' => in_escape = true,
            'm' if in_escape => in_escape = false,
            c if !in_escape => plain.push(c),
            _ => {}
        }
    }
    plain
        .lines()
        .filter(|l| l.contains("repaired"))
        .filter_map(|l| {
            let after = &l[l.find("appended=")? + "appended=".len()..];
            let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<u64>().ok()
        })
        .sum()
}

/// The lines of events.jsonl (with whether the file ends in a newline).
fn lines(path: &Path) -> (Vec<String>, bool) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let whole = text.is_empty() || text.ends_with('\n');
    (text.lines().map(str::to_string).collect(), whole)
}

/// Commits an event to the table without appending it to events.jsonl, as a
/// process killed between its commit and its append leaves it. Returns its id.
fn commit_without_appending(url: &str) -> String {
    let id = format!("lost-by-a-kill-{}", std::process::id());
    let event = lazypm_domain::Event {
        id: id.clone(),
        at: chrono::Utc::now(),
        actor: "crash-test".into(),
        event_type: lazypm_domain::EventType::WorkLogged,
        project: Some("CRASH".into()),
        entity: "CRASH-1".into(),
        changes: serde_json::json!({ "note": "committed, never appended" }),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = lazypm_service::open_store(url).await.unwrap();
        let mut tx = store.begin_write().await.unwrap();
        tx.insert_event(&event, Some("CRASH-1")).await.unwrap();
        tx.commit().await.unwrap();
        store.close().await;
    });
    id
}

/// Every event id in the `events` table, in order, and every issue's
/// title and the work logs on CRASH-1.
fn table_ids(url: &str) -> (Vec<String>, Vec<String>, usize) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = lazypm_service::open_store(url).await.unwrap();
        let mut tx = store.begin_read().await.unwrap();
        let events = tx.events_after(0, i64::MAX).await.unwrap();
        let issues = lazypm_store::tables::Table::by_name("issues").unwrap();
        let titles = tx
            .read_rows(issues, 0, 100_000)
            .await
            .unwrap()
            .iter()
            .map(|r| r["title"].as_str().unwrap().to_string())
            .collect();
        let logs = tx
            .issue_detail("CRASH-1")
            .await
            .unwrap()
            .unwrap()
            .work_logs
            .len();
        drop(tx);
        store.close().await;
        (
            events.into_iter().map(|(_, e)| e.id).collect(),
            titles,
            logs,
        )
    })
}

#[test]
fn killed_processes_never_leave_the_audit_file_apart_from_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let data: PathBuf = dir.path().join("data");
    let project: PathBuf = dir.path().join("app");
    std::fs::create_dir_all(&project).unwrap();
    let store = lazypm_testkit::TestStore::for_data_dir(&data);
    let started = Instant::now();

    run_ok(
        &data,
        &project,
        &["init", "--key", "CRASH", "--name", "Crash"],
    );
    run_ok(
        &data,
        &project,
        &[
            "call",
            "pm_create_issue",
            r#"{"title":"Logged on","type":"feature"}"#,
        ],
    );
    run_ok(&data, &project, &["start", "CRASH-1"]);

    let (mut spawned, mut killed, mut finished) = (0u32, 0u32, 0u32);
    // What finished processes were told was done, and what was only tried.
    let (mut acked_titles, mut tried_titles) = (Vec::new(), Vec::new());
    let (mut acked_logs, mut tried_logs) = (0usize, 0usize);
    let mut repairs = 0u64;
    for round in 0..ROUNDS {
        let r = mix(round);
        // One to three processes at once; each is a create or a work log.
        let width = 1 + (r % 3) as usize;
        let mut children: Vec<(Child, Option<Duration>, Option<String>)> = (0..width)
            .map(|i| {
                let r = mix(round * 8 + i as u64 + 1);
                let title = format!("crash {round}.{i}");
                let args = format!(r#"{{"title":"{title}","type":"feature"}}"#);
                let (mut cmd, title) = if r.is_multiple_of(4) {
                    (
                        lazypm(&data, &project, &["log", "CRASH-1", "5m", "crash test"]),
                        None,
                    )
                } else {
                    (
                        lazypm(&data, &project, &["call", "pm_create_issue", &args]),
                        Some(title),
                    )
                };
                let child = cmd.stderr(Stdio::piped()).spawn().unwrap();
                // About two in three are killed, 0–15 ms after they start
                // (in microseconds, so kills land all along a process's life).
                let kill = !(r >> 8).is_multiple_of(3);
                let delay = Duration::from_micros((r >> 16) % 16_000);
                (child, kill.then_some(delay), title)
            })
            .collect();
        spawned += width as u32;
        let t0 = Instant::now();
        let mut order: Vec<usize> = (0..children.len()).collect();
        order.sort_by_key(|&i| children[i].1.unwrap_or(Duration::MAX));
        for i in order {
            let (child, delay, _) = &mut children[i];
            if let Some(d) = *delay {
                if let Some(left) = d.checked_sub(t0.elapsed()) {
                    std::thread::sleep(left);
                }
                // SIGKILL; a process that already exited is simply reaped.
                let _ = child.kill();
            }
        }
        for (child, _, title) in children {
            let out = child.wait_with_output().unwrap();
            let status = out.status;
            repairs += repaired(&out.stderr);
            let acked = status.signal() != Some(9);
            if acked {
                assert!(status.success(), "an unkilled process failed: {status}");
                finished += 1;
            } else {
                killed += 1;
            }
            match (title, acked) {
                (Some(t), true) => acked_titles.push(t),
                (Some(t), false) => tried_titles.push(t),
                (None, true) => acked_logs += 1,
                (None, false) => tried_logs += 1,
            }
        }
    }

    // A kill lands between a commit and its append only now and then: leave
    // that damage once on purpose too. An event committed to the table but
    // never appended, and a torn last line, as a kill in mid-write leaves it.
    let file = data.join("events.jsonl");
    let lost = commit_without_appending(&store.url);
    {
        use std::io::Write as _;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&file)
            .unwrap();
        f.write_all(br#"{"id":"torn-by-a-kill","at":"2026-"#)
            .unwrap();
    }
    let (before, whole_before) = lines(&file);
    // One ordinary command: opening the store repairs the file.
    let out = lazypm(&data, &project, &["status"])
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let last_repair = repaired(&out.stderr);
    let (after, whole_after) = lines(&file);
    let (table, titles, logs) = table_ids(&store.url);

    eprintln!(
        "{spawned} processes: {killed} killed by SIGKILL, {finished} finished; \
         {} events in the table; {repairs} event(s) appended by later processes' repair \
         during the loop; events.jsonl had {} whole line(s){} before the last command and {} \
         after (its repair appended {last_repair}); {:.1}s",
        table.len(),
        before.len() - usize::from(!whole_before),
        if whole_before { "" } else { " and a torn one" },
        after.len(),
        started.elapsed().as_secs_f64()
    );

    assert!(whole_after, "events.jsonl ends in a torn line");
    assert!(
        last_repair >= 1 && after.iter().any(|l| l.contains(&lost)),
        "the event committed but never appended was appended by the last command"
    );
    let mut ids = Vec::with_capacity(after.len());
    for (n, line) in after.iter().enumerate() {
        let v: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("line {} is not whole JSON ({e}): {line}", n + 1));
        ids.push(v["id"].as_str().expect("every event has an id").to_string());
    }
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "events.jsonl repeats an event");
    let in_table: HashSet<&String> = table.iter().collect();
    assert_eq!(
        in_table.len(),
        table.len(),
        "the events table repeats an id"
    );
    let missing: Vec<&&String> = in_table.difference(&unique).collect();
    let extra: Vec<&&String> = unique.difference(&in_table).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "events.jsonl lacks {missing:?} and has {extra:?} beyond the table"
    );
    assert!(
        table.len() >= 3,
        "init, create, start and the finished runs left events"
    );

    // Every acknowledged operation is there exactly once; a killed one at most once.
    for t in &acked_titles {
        let n = titles.iter().filter(|x| *x == t).count();
        assert_eq!(n, 1, "acknowledged issue '{t}' is stored {n} times");
    }
    for t in &tried_titles {
        let n = titles.iter().filter(|x| *x == t).count();
        assert!(n <= 1, "killed create '{t}' is stored {n} times");
    }
    assert!(
        logs >= acked_logs && logs <= acked_logs + tried_logs,
        "{logs} work logs stored; {acked_logs} acknowledged, {tried_logs} killed"
    );
    // The audit chain is whole, table and file.
    let verify = lazypm(&data, &project, &["audit", "verify"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
}
