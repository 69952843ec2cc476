//! Where the data lives, as a user meets it: database URLs that cannot keep
//! data are refused, files that are not databases are left alone, a
//! read-only store still reads, the WAL is folded back on exit, the data
//! directory keeps itself out of git, and no HOME means no guessing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin!("lazypm").to_path_buf()
}

/// `lazypm ARGS` in `cwd` with `data` as the data directory and a clean environment.
fn run(cwd: &Path, data: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .current_dir(cwd)
        .env_remove("LAZYPM_PROJECT")
        .env_remove("LAZYPM_DATABASE_URL")
        .env("LAZYPM_DATA_DIR", data)
        .env("LAZYPM_ACTOR", "alice")
        .args(args)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(cwd: &Path, data: &Path, args: &[&str]) -> String {
    let o = run(cwd, data, args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    String::from_utf8(o.stdout).unwrap()
}

fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let project = dir.path().join("app");
    std::fs::create_dir_all(&project).unwrap();
    ok(&project, &data, &["init", "--key", "APP", "--name", "App"]);
    ok(&project, &data, &["issue", "create", "--title", "First"]);
    (dir, data, project)
}

#[test]
fn database_urls_that_cannot_keep_data_are_refused_naming_the_accepted_forms() {
    let (dir, data, project) = setup();
    for url in [
        "mysql://x/y",
        "sqlite::memory:",
        "sqlite://",
        "sqlite://?mode=memory",
    ] {
        let o = run(&project, &data, &["--database-url", url, "status"]);
        assert_eq!(o.status.code(), Some(1), "{url}");
        let e = stderr(&o);
        assert!(e.contains("sqlite://PATH"), "{url}: {e}");
    }
    // Files that are not databases are refused and left as they were.
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, "").unwrap();
    let text = dir.path().join("notes.db");
    std::fs::write(&text, "my notes\n").unwrap();
    for (file, why) in [(&empty, "empty file"), (&text, "not an SQLite database")] {
        let o = run(
            &project,
            &data,
            &["--database-url", file.to_str().unwrap(), "status"],
        );
        assert!(!o.status.success());
        let e = stderr(&o);
        assert!(e.contains(why) && e.contains(file.to_str().unwrap()), "{e}");
    }
    assert_eq!(std::fs::read(&empty).unwrap(), b"");
    assert_eq!(std::fs::read(&text).unwrap(), b"my notes\n");
    let o = run(
        &project,
        &data,
        &["--database-url", dir.path().to_str().unwrap(), "status"],
    );
    assert!(stderr(&o).contains("is a directory"), "{}", stderr(&o));
}

#[test]
fn a_read_only_store_reads_and_refuses_changes() {
    let (_dir, data, project) = setup();
    let db = data.join("lazypm.db");
    let url = format!("sqlite://{}?mode=ro", db.display());
    let before = std::fs::read(&db).unwrap();
    let shown = ok(
        &project,
        &data,
        &["--database-url", &url, "issue", "show", "APP-1"],
    );
    assert!(shown.contains("First"), "{shown}");
    let o = run(
        &project,
        &data,
        &[
            "--database-url",
            &url,
            "call",
            "pm_create_issue",
            r#"{"type":"bug","title":"x"}"#,
        ],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("read-only"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&db).unwrap(), before, "nothing written");
}

#[test]
fn the_wal_is_folded_back_on_exit_and_the_data_directory_ignores_itself() {
    let (_dir, data, project) = setup();
    ok(&project, &data, &["issue", "create", "--title", "Second"]);
    assert!(
        !data.join("lazypm.db-wal").exists(),
        "no WAL after a command"
    );
    assert!(!data.join("lazypm.db-shm").exists());
    // The database alone holds every issue.
    let copy = tempfile::tempdir().unwrap();
    std::fs::copy(data.join("lazypm.db"), copy.path().join("lazypm.db")).unwrap();
    let listed = ok(&project, copy.path(), &["issue", "list", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(v["issues"].as_array().unwrap().len(), 2, "{v}");
    let ignore = std::fs::read_to_string(data.join(".gitignore")).unwrap();
    assert!(ignore.lines().any(|l| l.trim() == "*"), "{ignore}");
}

#[test]
fn no_home_means_no_guessing_where_data_lives() {
    let dir = tempfile::tempdir().unwrap();
    for home in [None, Some(""), Some("relative/home")] {
        let mut c = Command::new(bin());
        c.current_dir(dir.path())
            .env_remove("LAZYPM_DATA_DIR")
            .env_remove("XDG_DATA_HOME")
            .env_remove("LAZYPM_DATABASE_URL")
            .args(["status"]);
        match home {
            None => c.env_remove("HOME"),
            Some(h) => c.env("HOME", h),
        };
        let o = c.output().unwrap();
        assert_eq!(o.status.code(), Some(1), "HOME={home:?}");
        assert!(stderr(&o).contains("LAZYPM_DATA_DIR"), "{}", stderr(&o));
        let mut left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "created {:?}", left.pop());
    }
}
