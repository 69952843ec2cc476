//! The JSON export's round trip, and the CSV and markdown exports.

use serde_json::{Value, json};

use crate::fixture;
use crate::support::env;

/// `export json`, then `import json` into an empty store, then `export json`
/// again gives the same document; importing it again does nothing, and a
/// store holding something else is refused.
#[test]
fn the_json_export_round_trips() {
    let a = env();
    a.ok(&["init", "--key", "APP"]);
    a.import(&["beads", &fixture("beads")]);
    a.import(&["seed-json", &fixture("seed-json")]);
    a.ok(&["start", "APP-2"]);
    a.ok(&["log", "APP-2", "1h", "worked"]);
    let first = a.ok(&["export", "json"]);

    let b = env();
    let file = b.data.parent().unwrap().join("export.json");
    std::fs::write(&file, &first).unwrap();
    let file = file.display().to_string();
    b.ok(&["import", "json", &file, "--dry-run"]);
    assert!(b.fails(&["issue", "show", "APP-1"]).contains("not found"));
    let out = b.ok(&["import", "json", &file]);
    assert!(out.contains("imported and verified"), "{out}");
    assert_eq!(b.ok(&["export", "json"]), first);
    assert!(b.ok(&["import", "json", &file]).contains("nothing to do"));
    b.ok(&["audit", "verify"]);
    // What the imports remembered travels too: running one again adds nothing.
    let again = b.import(&["--project", "APP", "beads", &fixture("beads")]);
    assert_eq!(again["issues_created"], json!([]), "{again}");
    // The imported store goes on working.
    assert!(
        b.ok(&["--project", "APP", "issue", "create", "--title", "after"])
            .contains("APP-9")
    );

    let c = env();
    c.ok(&["init", "--key", "OTHER"]);
    let err = c.fails(&["import", "json", &file]);
    assert!(err.contains("not empty"), "{err}");
    // A document the store could not read back, or with a broken audit
    // chain, is refused, and the empty store stays empty.
    let d = env();
    let tampered = d.data.parent().unwrap().join("tampered.json");
    for (from, to, says) in [
        (
            "\"status\":\"proposed\"",
            "\"status\":\"wip\"",
            "cannot be read",
        ),
        (
            "\"key\":\"APP-1\"",
            "\"key\":\"../../x\"",
            "invalid issue key",
        ),
        ("\"entity\":\"APP\"", "\"entity\":\"EVIL\"", "audit trail"),
    ] {
        assert!(first.contains(from), "{from}");
        std::fs::write(&tampered, first.replacen(from, to, 1)).unwrap();
        let err = d.fails(&["import", "json", &tampered.display().to_string()]);
        assert!(err.contains(says), "{from}: {err}");
    }
    assert!(d.fails(&["issue", "show", "APP-1"]).contains("not found"));
    let bad = c.data.parent().unwrap().join("bad.json");
    std::fs::write(&bad, r#"{"format":"something-else","version":1}"#).unwrap();
    let err = c.fails(&["import", "json", &bad.display().to_string()]);
    assert!(err.contains("not a lazypm export"), "{err}");
}

#[test]
fn csv_and_markdown_exports() {
    let e = env();
    e.ok(&["init", "--key", "APP"]);
    e.ok(&[
        "issue",
        "create",
        "--title",
        "=HYPERLINK(\"http://x\",\"click\")",
    ]);
    e.ok(&[
        "issue",
        "create",
        "--title",
        "plain, with comma",
        "--description",
        "two\nlines",
    ]);
    e.ok(&["issue", "create", "--title=-2+3", "--label", "@ops"]);
    let csv = e.ok(&["export", "csv"]);
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert!(lines[0].starts_with("key,project,title,"), "{csv}");
    assert!(
        lines[1].starts_with("APP-1,APP,\"'=HYPERLINK(\"\"http://x\"\",\"\"click\"\")\","),
        "{csv}"
    );
    assert!(csv.contains("APP-2,APP,\"plain, with comma\","), "{csv}");
    assert!(csv.contains("\"two\nlines\""), "{csv}");
    assert!(csv.contains("APP-3,APP,'-2+3,"), "{csv}");
    assert!(csv.contains(",'@ops,"), "{csv}");

    let dir = e.data.parent().unwrap().join("md");
    e.ok(&["export", "markdown", "--output", &dir.display().to_string()]);
    let page = std::fs::read_to_string(dir.join("APP-2.md")).unwrap();
    assert!(page.starts_with("# APP-2: plain, with comma"), "{page}");
    assert!(page.contains("## Description\n\ntwo\nlines"), "{page}");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 3);
    assert!(e.fails(&["export", "markdown"]).contains("--output"));
    let events = e.ok(&["export", "events"]);
    let first: Value = serde_json::from_str(events.lines().next().unwrap()).unwrap();
    assert_eq!(first["type"], "project_created");
    assert!(first["hash"].is_string());
}
