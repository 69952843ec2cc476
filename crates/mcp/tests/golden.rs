//! Golden file of tools/list: every tool's name, description, schemas and
//! hints. A change to any of them shows up as a diff in review. Regenerate
//! with `UPDATE_GOLDEN=1 cargo test -p lazypm-mcp --test golden`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use lazypm_mcp::Selection;

fn check(name: &str, selection: Selection) {
    let tools = lazypm_mcp::tools(&selection).unwrap();
    let actual = serde_json::to_string_pretty(&tools).unwrap() + "\n";
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(e, a)| e != a)
            .unwrap_or(0);
        panic!(
            "{} differs from tools/list at line {} (expected {:?}, got {:?}); if the change is intended, run UPDATE_GOLDEN=1 cargo test -p lazypm-mcp --test golden and review the diff",
            path.display(),
            first + 1,
            expected.lines().nth(first),
            actual.lines().nth(first)
        );
    }
}

#[test]
fn tools_list_of_every_tool_matches_the_golden_file() {
    check(
        "tools-all.json",
        Selection {
            toolsets: vec!["all".into()],
            ..Default::default()
        },
    );
}

#[test]
fn default_tools_list_matches_the_golden_file() {
    check("tools-default.json", Selection::default());
}
