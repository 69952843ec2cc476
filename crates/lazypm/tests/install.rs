//! What an installed binary carries: completion scripts and manual pages,
//! generated from the command line itself, run as a user would run them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

fn lazypm(args: &[&str]) -> Output {
    Command::new(assert_cmd::cargo::cargo_bin!("lazypm"))
        .args(args)
        // None of these commands touches a store: point it at nothing usable.
        .env("LAZYPM_DATA_DIR", "/nonexistent/lazypm-data")
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn completions_cover_every_command_and_are_valid_bash() {
    let script = stdout(&lazypm(&["completions", "bash"]));
    for word in [
        "issue",
        "next",
        "migrate",
        "--data-dir",
        "--status",
        "completions",
    ] {
        assert!(script.contains(word), "bash completion lacks {word}");
    }
    // bash itself parses the script and registers the completion.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lazypm.bash");
    std::fs::write(&path, &script).unwrap();
    let check = Command::new("bash")
        .arg("-c")
        .arg(format!("source {} && complete -p lazypm", path.display()))
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(String::from_utf8_lossy(&check.stdout).contains("lazypm"));

    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let script = stdout(&lazypm(&["completions", shell]));
        assert!(script.contains("issue"), "{shell} completion lacks issue");
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error_naming_the_shells() {
    let out = lazypm(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for shell in ["bash", "zsh", "fish"] {
        assert!(err.contains(shell), "{err}");
    }
}

#[test]
fn the_manual_page_documents_the_commands_and_one_page_per_command_is_written() {
    let page = stdout(&lazypm(&["man"]));
    assert!(page.contains(".TH lazypm 1"), "not a section-1 page");
    for word in ["issue", "migrate", "\\-\\-data\\-dir"] {
        assert!(page.contains(word), "the page lacks {word}");
    }

    let dir = tempfile::tempdir().unwrap();
    let report = stdout(&lazypm(&[
        "man",
        "--dir",
        &dir.path().display().to_string(),
    ]));
    let mut pages: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    assert!(report.contains(&format!("wrote {} manual pages", pages.len())));
    for name in [
        "lazypm.1",
        "lazypm-issue.1",
        "lazypm-issue-create.1",
        "lazypm-git-commit.1",
    ] {
        assert!(
            pages.iter().any(|p| p == name),
            "{name} missing from {pages:?}"
        );
    }
    // The hidden hook runner is not documented.
    assert!(!pages.iter().any(|p| p.starts_with("lazypm-hook.")));
    let create = std::fs::read_to_string(dir.path().join("lazypm-issue-create.1")).unwrap();
    assert!(create.contains("\\-\\-title"), "{create}");
}
