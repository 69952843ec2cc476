//! Data in and out: every importer on a fixture made by (or from the
//! documentation of) its own tool, the JSON export's round trip, CSV and
//! markdown exports, backups taken under load and restored, and the
//! container health check. Runs on this run's store (SQLite or PostgreSQL).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;

mod backup;
mod export;
mod import;

use std::path::PathBuf;

use serde_json::{Value, json};
use support::Env;

pub fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
        .display()
        .to_string()
}

impl Env {
    /// `import --json`: the report.
    pub fn import(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json", "import"];
        all.extend_from_slice(args);
        self.json(&all)
    }

    pub fn issue(&self, key: &str) -> Value {
        self.json(&[
            "call",
            "pm_get_issue",
            &json!({"issue_key": key}).to_string(),
        ])
    }

    /// The key the report says a source id became.
    pub fn key_of(report: &Value, source: &str) -> String {
        report["issues_created"]
            .as_array()
            .unwrap()
            .iter()
            .find(|pair| pair[0] == source)
            .unwrap_or_else(|| panic!("{source} was not created: {report}"))[1]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub fn issue_count(&self) -> usize {
        let export: Value = serde_json::from_str(&self.ok(&["export", "json"])).unwrap();
        export["tables"]["issues"].as_array().unwrap().len()
    }
}

/// Whether an issue carries a label.
pub fn labelled(issue: &Value, label: &str) -> bool {
    issue["labels"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l == label)
}

pub fn keys(list: &Value) -> Vec<String> {
    let mut k: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["key"].as_str().unwrap().to_string())
        .collect();
    k.sort();
    k
}
