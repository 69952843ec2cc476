//! Backups taken under load and restored, and the container health check.

use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::{Env, env};

/// A backup taken while four writers run is a consistent store: it checks
/// out, restores, and the restored store works and keeps a whole audit trail.
#[test]
fn backups_under_load_restore_to_a_consistent_store() {
    let e = env();
    e.ok(&["init", "--key", "APP"]);
    let taken = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let e = &e;
                scope.spawn(move || {
                    for i in 0..15 {
                        let title = format!("writer {w} issue {i}");
                        let out = e
                            .cmd(&format!("w{w}"), &["issue", "create", "--title", &title])
                            .output()
                            .unwrap();
                        assert!(
                            out.status.success(),
                            "{}",
                            String::from_utf8_lossy(&out.stderr)
                        );
                    }
                })
            })
            .collect();
        let taken: Vec<Value> = (0..3).map(|_| e.json(&["--json", "backup"])).collect();
        for w in writers {
            w.join().unwrap();
        }
        taken
    });
    let last = taken.last().unwrap();
    assert!(last["problems"].as_array().unwrap().is_empty(), "{last}");
    let file = last["file"].as_str().unwrap().to_string();
    let issues_in_backup = last["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t[0] == "issues")
        .unwrap()[1]
        .as_i64()
        .unwrap();
    e.ok(&["backup", "verify", &file]);
    let listed = e.ok(&["backup", "list"]);
    assert_eq!(stems(&listed).len(), 3, "{listed}");
    // On PostgreSQL with pg_dump installed, each backup has the server's
    // archive beside it.
    let archives = usize::from(dumps(&e));
    assert_eq!(listed.lines().count(), 3 * (1 + archives), "{listed}");

    assert_eq!(e.issue_count(), 60);
    let out = e.ok(&["restore", &file]);
    assert!(out.contains("events.jsonl rewritten"), "{out}");
    assert_eq!(e.issue_count() as i64, issues_in_backup);
    e.ok(&["audit", "verify"]);
    // The next command works with no repair, and numbering goes on.
    let next = e.ok(&["issue", "create", "--title", "after the restore"]);
    assert!(
        next.contains(&format!("APP-{}", issues_in_backup + 1)),
        "{next}"
    );
    e.ok(&["audit", "verify"]);
    // The store as it was before the restore is itself a backup.
    let before: Vec<_> = std::fs::read_dir(e.data.join("backup"))
        .unwrap()
        .filter_map(|f| f.ok())
        .filter(|f| f.file_name().to_string_lossy().contains("before-restore"))
        .collect();
    let names: Vec<String> = before
        .iter()
        .map(|f| f.file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(
        before.len(),
        2 + archives,
        "the store and its events.jsonl: {names:?}"
    );

    // --keep prunes the oldest.
    e.ok(&["backup", "--keep", "2"]);
    let listed = e.ok(&["backup", "list"]);
    assert_eq!(
        stems(&listed).len(),
        3,
        "two plain backups and the one before the restore: {listed}"
    );
    assert!(listed.contains("before-restore"), "{listed}");

    // A damaged backup is named as such and never restored.
    let mut bytes = std::fs::read(&file).unwrap();
    let damaged = e.data.join("backup").join("lazypm-29990101-000000-000.db");
    let len = bytes.len();
    for b in &mut bytes[len / 2..len / 2 + 4096] {
        *b = 0x5a;
    }
    std::fs::write(&damaged, &bytes).unwrap();
    let err = e.fails(&["backup", "verify"]);
    assert!(
        err.contains("problem") || err.contains("malformed"),
        "{err}"
    );
    let err = e.fails(&["restore", &damaged.display().to_string()]);
    assert!(
        err.contains("nothing was restored") || err.contains("malformed"),
        "{err}"
    );
    assert_eq!(e.issue_count() as i64, issues_in_backup + 1);
}

/// The backups a `backup list` names, by name without the extension (a
/// copy and the archive taken with it share it).
fn stems(listed: &str) -> std::collections::BTreeSet<String> {
    listed
        .lines()
        .map(|l| {
            let file = l.split_whitespace().last().unwrap();
            let name = std::path::Path::new(file).file_stem().unwrap();
            name.to_string_lossy().into_owned()
        })
        .collect()
}

/// Whether backups of this run's store come with the server's own archive.
fn dumps(e: &Env) -> bool {
    e._store.is_postgres() && installed("pg_dump") && installed("pg_restore")
}

fn installed(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// On PostgreSQL, a backup is also the server's own archive (when pg_dump
/// is installed): it is read back whole, and `restore` takes the store
/// back to it through pg_restore, refusing while another session holds
/// the store's tables. Elsewhere an archive is refused, naming the copy
/// to restore instead.
#[test]
fn the_servers_own_archive_restores_through_pg_restore() {
    let e = env();
    e.ok(&["init", "--key", "APP"]);
    e.ok(&["issue", "create", "--title", "kept"]);
    if !e._store.is_postgres() {
        let fake = e.data.join("lazypm-20260101-000000-000.dump");
        std::fs::write(&fake, "PGDMP").unwrap();
        let err = e.fails(&["restore", &fake.display().to_string()]);
        assert!(
            err.contains("restore the .db backup taken beside it"),
            "{err}"
        );
        assert_eq!(e.issue_count(), 1);
        return;
    }
    if !dumps(&e) {
        eprintln!("skipped: pg_dump and pg_restore are not installed");
        return;
    }
    let taken = e.json(&["--json", "backup"]);
    let archive = &taken["pg_dump"];
    assert_eq!(archive["format"], "pg_dump", "{taken}");
    assert!(
        archive["problems"].as_array().unwrap().is_empty(),
        "{taken}"
    );
    assert_eq!(archive["tables"], taken["tables"], "{taken}");
    let dump = archive["file"].as_str().unwrap().to_string();
    assert!(dump.ends_with(".dump") && std::path::Path::new(&dump).is_file());
    let verified = e.json(&["--json", "backup", "verify", &dump]);
    assert_eq!(verified["events"], taken["events"], "{verified}");

    e.ok(&["issue", "create", "--title", "after the backup"]);
    assert_eq!(e.issue_count(), 2);
    // A transaction left open on the store's tables: nothing is restored.
    if installed("psql") {
        let schema = archive["schema"].as_str().unwrap();
        let url = e._store.database_url().unwrap();
        let server = url.split('?').next().unwrap();
        let psql = |sql: &[String]| {
            let mut c = Command::new("psql");
            c.args(["-q", "-d", server])
                .env("PGAPPNAME", "table holder");
            for s in sql {
                c.arg("-c").arg(s);
            }
            c.stdout(Stdio::null()).stderr(Stdio::null());
            c
        };
        let mut holder = psql(&[
            "BEGIN".into(),
            format!("SELECT count(*) FROM \"{schema}\".issues"),
            "SELECT pg_sleep(60)".into(),
        ])
        .spawn()
        .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(700));
        let err = e.fails(&["restore", &dump]);
        let ended = psql(&["SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                            WHERE application_name = 'table holder' AND pid <> pg_backend_pid()"
            .into()])
        .status()
        .unwrap();
        holder.wait().unwrap();
        assert!(ended.success());
        assert!(
            err.contains("other session(s) hold the store's tables"),
            "{err}"
        );
        assert!(err.contains("table holder"), "{err}");
        assert_eq!(e.issue_count(), 2);
    }
    let out = e.ok(&["restore", &dump]);
    assert!(out.contains("events.jsonl rewritten"), "{out}");
    assert_eq!(e.issue_count(), 1);
    e.ok(&["audit", "verify"]);
    let next = e.ok(&["issue", "create", "--title", "after the restore"]);
    assert!(next.contains("APP-2"), "{next}");
    e.ok(&["audit", "verify"]);
    // The store as it was is backed up both ways before the restore.
    let before: Vec<String> = std::fs::read_dir(e.data.join("backup"))
        .unwrap()
        .filter_map(|f| f.ok())
        .map(|f| f.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("before-restore"))
        .collect();
    assert_eq!(before.len(), 3, "{before:?}");

    // A store that needs a schema upgrade is archived first: here, one
    // whose newest migration is taken off the record (it is applied again).
    if installed("psql") {
        let schema = archive["schema"].as_str().unwrap();
        let url = e._store.database_url().unwrap();
        let forget = format!(
            "DELETE FROM \"{schema}\"._sqlx_migrations WHERE version = \
             (SELECT max(version) FROM \"{schema}\"._sqlx_migrations) RETURNING version"
        );
        let out = Command::new("psql")
            .args(["-qAt", "-d", url.split('?').next().unwrap(), "-c", &forget])
            .output()
            .unwrap();
        assert!(out.status.success());
        let had = String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse::<i64>()
            .unwrap()
            - 1;
        e.ok(&["issue", "list"]);
        let listed = e.ok(&["backup", "list"]);
        assert!(
            listed.contains(&format!("lazypm-v{had}-")),
            "no archive before the upgrade: {listed}"
        );
        let upgrade = listed
            .lines()
            .next()
            .unwrap()
            .split_whitespace()
            .last()
            .unwrap();
        let verified = e.json(&["--json", "backup", "verify", upgrade]);
        assert_eq!(verified["format"], "pg_dump", "{verified}");
        assert_eq!(e.issue_count(), 2);
    }
}

#[test]
fn healthcheck_asks_a_running_server() {
    let e = env();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    // An open address without a token is refused before anything is made.
    let err = e
        .cmd("alice", &["serve", "--bind", &format!("0.0.0.0:{port}")])
        .env_remove("LAZYPM_TOKEN")
        .output()
        .unwrap();
    assert!(!err.status.success());
    assert!(String::from_utf8_lossy(&err.stderr).contains("needs a token"));
    assert!(
        !e.data.join("lazypm.db").exists(),
        "a refused serve made the store"
    );
    let err = e.fails(&["healthcheck", "--url", &url, "--timeout", "1"]);
    assert!(err.contains("nothing answers"), "{err}");
    assert!(
        e.fails(&["healthcheck", "--url", "https://x"])
            .contains("not an http://")
    );
    let mut server = e
        .cmd("alice", &["serve", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut healthy = false;
    for _ in 0..100 {
        let out = e.run(&["healthcheck", "--url", &url]);
        if out.status.success() {
            assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "healthy");
            healthy = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // By name too (localhost may resolve to ::1 first).
    let by_name = e.run(&["healthcheck", "--url", &format!("http://localhost:{port}")]);
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(healthy, "the server never answered its health check");
    assert!(
        by_name.status.success(),
        "{}",
        String::from_utf8_lossy(&by_name.stderr)
    );
}
