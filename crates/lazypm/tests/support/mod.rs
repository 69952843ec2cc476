//! What the binary's test files share: a data directory and a project
//! folder, with the store this run tests (SQLite, or a PostgreSQL schema),
//! and `lazypm` run in them as a user would.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

pub struct Env {
    pub _store: lazypm_testkit::TestStore,
    _dir: tempfile::TempDir,
    pub data: PathBuf,
    pub project: PathBuf,
}

pub fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let project = dir.path().join("app");
    std::fs::create_dir_all(&project).unwrap();
    Env {
        _store: lazypm_testkit::TestStore::for_data_dir(&data),
        data,
        project,
        _dir: dir,
    }
}

pub fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin!("lazypm").to_path_buf()
}

impl Env {
    pub fn cmd(&self, actor: &str, args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.current_dir(&self.project)
            .env_remove("LAZYPM_PROJECT")
            .env_remove("LAZYPM_DATABASE_URL")
            .env("LAZYPM_DATA_DIR", &self.data)
            .env("LAZYPM_ACTOR", actor)
            .args(args);
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd("alice", args).output().unwrap()
    }

    /// Runs a command that must succeed; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs a command that must fail; returns stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            !out.status.success(),
            "{args:?} should fail but printed {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stderr).unwrap()
    }

    pub fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }

    pub fn events(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(self.data.join("events.jsonl")).unwrap();
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}
