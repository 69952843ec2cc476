//! Errors in the command line's words.
//!
//! The service writes its errors for MCP callers: they name input fields
//! (`issue_key`, `take_over`, `project_id`) and tools (`pm_start_work`). On
//! the command line the same error names the flag or positional argument and
//! the command instead (`KEY`, `--take-over`, `--project`, `lazypm start`).
//! `lazypm call` speaks tool language and keeps the service's words.
//!
//! Translation is by whole words only: a table entry matches where it is not
//! part of a longer word, so `owner` never touches `owners`, and prose words
//! (`status`, `title`) are translated only where they name the field at fault.

use lazypm_service::{OPERATIONS, ServiceError};

use crate::Command;
use crate::commands::IssueCommand;
use crate::gitcmd::GitCommand;
use crate::hookcmd::HooksCommand;

/// Exit status of a command that failed.
pub const FAILURE: u8 = 1;
/// Exit status of a command line that cannot be understood (clap's own usage
/// errors, and for `lazypm call` an unknown tool or arguments that are not a
/// JSON object).
pub const USAGE: u8 = 2;

/// A command line lazypm cannot understand: exits with [`USAGE`].
#[derive(Debug)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// Tool names the command line has a command for.
const TOOLS: &[(&str, &str)] = &[
    ("pm_init_project", "lazypm init"),
    ("pm_status", "lazypm status"),
    ("pm_list_issues", "lazypm issue list"),
    ("pm_search_issues", "lazypm issue search"),
    ("pm_get_issue", "lazypm issue show"),
    ("pm_create_issue", "lazypm issue create"),
    ("pm_start_work", "lazypm start"),
    ("pm_log_work", "lazypm log"),
    ("pm_complete_issue", "lazypm done"),
    ("pm_suggest_next_work", "lazypm next"),
    ("pm_git_status", "lazypm git status"),
    ("pm_create_branch", "lazypm git branch"),
    ("pm_switch_branch", "lazypm git switch"),
    ("pm_commit", "lazypm git commit"),
    ("pm_push_branch", "lazypm git push"),
    ("pm_stash_work", "lazypm git stash"),
    ("pm_git_log", "lazypm git log"),
    ("pm_merge_status", "lazypm git merged"),
    ("pm_sync_commits", "lazypm git sync"),
];

/// Phrases every command translates (before its own table's words).
const COMMON: &[(&str, &str)] = &[
    // The "no project yet" error already spells out the command.
    (
        "pm_init_project (CLI: lazypm init --key KEY --name NAME)",
        "lazypm init --key KEY --name NAME",
    ),
    ("pm_switch_branch issue_key", "lazypm git switch"),
    ("pm_start_work create_branch: true", "lazypm start --branch"),
    ("pass project_id", "pass --project"),
    ("project_id", "--project"),
    ("uncommitted: \"carry\"", "--carry"),
    ("\"stash\"", "--stash"),
];

const INIT: &[(&str, &str)] = &[
    ("path", "PATH"),
    ("pass path", "pass PATH"),
    ("key", "--key"),
    ("pass key", "pass --key"),
    ("name", "--name"),
    ("description", "--description"),
    ("require_review", "--require-review"),
];

const ISSUE_CREATE: &[(&str, &str)] = &[
    ("title", "--title"),
    ("type", "--type"),
    ("priority", "--priority"),
    ("description", "--description"),
    ("module", "--module"),
    ("acceptance_criteria", "--ac"),
    ("dependencies", "--depends-on"),
    ("estimated_effort", "--estimate"),
    ("complexity", "--complexity"),
    ("labels", "--label"),
    ("owner", "--owner"),
    ("parent", "--parent"),
];

const ISSUE_LIST: &[(&str, &str)] = &[
    ("status", "--status"),
    ("priority", "--priority"),
    ("type", "--type"),
    ("owner", "--owner"),
    ("module", "--module"),
    ("label", "--label"),
    ("limit", "--limit"),
    ("cursor", "--cursor"),
    ("use cursor", "use --cursor"),
    (
        "pass next_cursor from the previous page unchanged",
        "pass the value printed after `More: --cursor` unchanged",
    ),
];

const ISSUE_SHOW: &[(&str, &str)] = &[("issue_key", "KEY")];

const ISSUE_SEARCH: &[(&str, &str)] = &[
    ("query", "WORDS"),
    ("status", "--status"),
    ("limit", "--limit"),
];

const START: &[(&str, &str)] = &[
    ("issue_key", "KEY"),
    ("take_over: true", "--take-over"),
    ("take_over", "--take-over"),
    ("validate_dependencies: false", "--no-validate"),
    ("validate_dependencies", "--no-validate"),
    ("create_branch: true", "--branch"),
    ("create_branch", "--branch"),
    ("base_branch", "--base"),
    (
        "base_branch and uncommitted apply",
        "--base, --carry and --stash apply",
    ),
    ("uncommitted", "--carry or --stash"),
];

const LOG: &[(&str, &str)] = &[
    ("issue_key", "KEY"),
    ("time_spent", "TIME"),
    ("summary", "SUMMARY"),
    ("activity", "--activity"),
    ("artifacts", "--file"),
];

const REVIEW: &[(&str, &str)] = &[("issue_key", "KEY"), ("notes", "--notes")];

const DONE: &[(&str, &str)] = &[
    ("issue_key", "KEY"),
    ("actual_time", "--actual"),
    ("lessons_learned", "--lesson"),
    // `lazypm start` moves blocked and review work back to in_progress.
    ("(pm_update_status status in_progress)", "(lazypm start)"),
];

const NEXT: &[(&str, &str)] = &[
    ("limit", "--limit"),
    ("claim", "--claim"),
    ("claim: true", "--claim"),
];

const GIT_STATUS: &[(&str, &str)] = &[("issue_key", "KEY")];

const GIT_BRANCH: &[(&str, &str)] = &[
    ("issue_key", "KEY"),
    ("base_branch", "--base"),
    ("name an existing base_branch", "name an existing --base"),
];

const GIT_SWITCH: &[(&str, &str)] = &[("issue_key", "TARGET"), ("branch", "TARGET")];

const GIT_COMMIT: &[(&str, &str)] = &[
    ("issue_key", "KEY"),
    ("message", "--message"),
    ("files", "FILES"),
    (
        "name the changed files in files",
        "name the changed files (FILES)",
    ),
    ("all: true", "--all"),
    ("time_spent", "--time"),
];

const GIT_PUSH: &[(&str, &str)] = &[
    ("issue_key", "KEY"),
    ("remote", "--remote"),
    ("create_pr", "--pr"),
    ("title", "--title"),
    ("reviewers", "--reviewer"),
    ("draft", "--draft"),
    ("base_branch", "--base"),
    ("name another base_branch", "name another --base"),
];

const GIT_STASH: &[(&str, &str)] = &[("issue_key", "KEY"), ("message", "--message")];

const GIT_LOG: &[(&str, &str)] = &[("issue_key", "KEY"), ("limit", "--limit")];

const GIT_MERGED: &[(&str, &str)] = &[
    ("issue_key", "KEY"),
    ("base_branch", "--base"),
    ("name an existing base_branch", "name an existing --base"),
];

const GIT_SYNC: &[(&str, &str)] = &[("limit", "--limit")];

/// How a command's errors are worded.
#[derive(Clone, Copy)]
pub enum Speaker {
    /// `lazypm call`: the service's own words.
    Tool,
    /// A command with its flags and positionals.
    Cli(&'static [(&'static str, &'static str)]),
}

impl Speaker {
    pub fn of(command: &Command) -> Self {
        let words: &'static [(&'static str, &'static str)] = match command {
            Command::Call { .. } | Command::Report { .. } => return Speaker::Tool,
            Command::Init(_) => INIT,
            Command::Issue(IssueCommand::Create(_)) => ISSUE_CREATE,
            Command::Issue(IssueCommand::List(_)) => ISSUE_LIST,
            Command::Issue(IssueCommand::Show { .. }) => ISSUE_SHOW,
            Command::Issue(IssueCommand::Search(_)) => ISSUE_SEARCH,
            Command::Start(_) => START,
            Command::Log(_) => LOG,
            Command::Review(_) => REVIEW,
            Command::Done(_) => DONE,
            Command::Next(_) => NEXT,
            Command::Git(g) => match g {
                GitCommand::Status { .. } => GIT_STATUS,
                GitCommand::Branch { .. } => GIT_BRANCH,
                GitCommand::Switch { .. } => GIT_SWITCH,
                GitCommand::Commit { .. } => GIT_COMMIT,
                GitCommand::Push { .. } => GIT_PUSH,
                GitCommand::Stash { .. } => GIT_STASH,
                GitCommand::Log { .. } => GIT_LOG,
                GitCommand::Merged { .. } => GIT_MERGED,
                GitCommand::Sync { .. } => GIT_SYNC,
            },
            Command::Hooks(HooksCommand::Install | HooksCommand::Uninstall)
            | Command::Status(_)
            | Command::Tools
            | Command::Hook(_)
            | Command::Mcp(_)
            | Command::Serve(_)
            | Command::Bench(_)
            | Command::Migrate(_)
            | Command::Audit(_)
            | Command::Completions(_)
            | Command::Man(_)
            | Command::Healthcheck(_)
            | Command::Export(_)
            | Command::Setup(_)
            | Command::Prime
            | Command::Doctor
            | Command::Import(_)
            | Command::Backup(_)
            | Command::Restore(_) => &[],
        };
        Speaker::Cli(words)
    }

    /// The message to print after `error: `.
    pub fn message(self, err: &anyhow::Error) -> String {
        let Speaker::Cli(words) = self else {
            return format!("{err:#}");
        };
        match err.downcast_ref::<ServiceError>() {
            Some(ServiceError::Invalid { field, message }) if err.chain().count() == 1 => {
                format!("{}: {}", field_name(words, field), text(words, message))
            }
            _ => text(words, &format!("{err:#}")),
        }
    }

    /// 2 for a command line that cannot be understood, else 1.
    pub fn exit_code(self, err: &anyhow::Error) -> u8 {
        if err.downcast_ref::<Usage>().is_some()
            || err.downcast_ref::<lazypm_mcp::SelectionError>().is_some()
        {
            return USAGE;
        }
        match (self, err.downcast_ref::<ServiceError>()) {
            // `lazypm call`: no such tool, or arguments that are not an object.
            (Speaker::Tool, Some(e)) if matches!(e.field(), Some("tool" | "arguments")) => USAGE,
            _ => FAILURE,
        }
    }
}

/// The flag or positional for the input field at fault (`dependencies[1]`
/// names `--depends-on`); a field without one is worded like any text.
fn field_name(words: &[(&str, &str)], field: &str) -> String {
    let base = field.split(['[', '.']).next().unwrap_or(field);
    let found = words
        .iter()
        .chain(COMMON)
        .find(|(from, _)| *from == base)
        .map(|(_, to)| (*to).to_string());
    found.unwrap_or_else(|| text(words, field))
}

/// A table entry made of one plain word (`status`, `title`) is prose as often
/// as it is a field: it is translated only where it names the field at fault.
fn is_prose(from: &str) -> bool {
    from.chars().all(|c| c.is_ascii_alphanumeric())
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `s` with the command's phrases and every tool name in the CLI's words,
/// whole words only.
fn text(words: &[(&str, &str)], s: &str) -> String {
    let mut phrases: Vec<(&str, &str)> = words
        .iter()
        .chain(COMMON)
        .filter(|(from, _)| !is_prose(from))
        .copied()
        .collect();
    // The longest phrase wins: `take_over: true` before `take_over`.
    phrases.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        // `rest` starts at a word's start or at a non-word character.
        if let Some((from, to)) = phrases
            .iter()
            .find(|(from, _)| starts_with_whole(rest, from))
        {
            out.push_str(to);
            rest = &rest[from.len()..];
            continue;
        }
        if is_word(c) {
            let end = rest.find(|c: char| !is_word(c)).unwrap_or(rest.len());
            let word = &rest[..end];
            out.push_str(&tool(word).unwrap_or_else(|| word.to_string()));
            rest = &rest[end..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// Whether `s` starts with `phrase` ending at a word boundary.
fn starts_with_whole(s: &str, phrase: &str) -> bool {
    let Some(after) = s.strip_prefix(phrase) else {
        return false;
    };
    let ends_in_word = phrase.chars().last().is_some_and(is_word);
    !(ends_in_word && after.chars().next().is_some_and(is_word))
}

/// The command for a tool name: its own, or `lazypm call` for a tool the
/// command line has no command for. `None` for any other word.
fn tool(word: &str) -> Option<String> {
    if let Some((_, cmd)) = TOOLS.iter().find(|(t, _)| *t == word) {
        return Some((*cmd).to_string());
    }
    OPERATIONS
        .iter()
        .any(|o| o.name == word)
        .then(|| format!("lazypm call {word} '{{…}}'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(words: &'static [(&'static str, &'static str)], e: ServiceError) -> String {
        Speaker::Cli(words).message(&anyhow::Error::new(e))
    }

    #[test]
    fn start_names_its_flags_and_commands() {
        let e = ServiceError::conflict(
            "APP-2 is blocked by open issues: APP-1; finish those first, or pass validate_dependencies: false to start anyway",
        );
        assert_eq!(
            cli(START, e),
            "APP-2 is blocked by open issues: APP-1; finish those first, or pass --no-validate to start anyway"
        );
        let e = ServiceError::conflict(
            "APP-3 is already in progress, owned by bob; pick other work with pm_suggest_next_work, or pass take_over: true to take it over",
        );
        assert_eq!(
            cli(START, e),
            "APP-3 is already in progress, owned by bob; pick other work with lazypm next, or pass --take-over to take it over"
        );
    }

    #[test]
    fn fields_become_flags_and_positionals() {
        let e = ServiceError::invalid("time_spent", "invalid duration '2x'");
        assert_eq!(cli(LOG, e), "TIME: invalid duration '2x'");
        let e = ServiceError::invalid("dependencies[1]", "'x' is not an issue key");
        assert_eq!(
            cli(ISSUE_CREATE, e),
            "--depends-on: 'x' is not an issue key"
        );
        // A prose word is translated where it names the field, not in the sentence.
        let e = ServiceError::invalid("status", "invalid status 'x': expected one of open");
        assert_eq!(
            cli(ISSUE_LIST, e),
            "--status: invalid status 'x': expected one of open"
        );
        let e = ServiceError::invalid(
            "project_id",
            "several projects are registered: pass project_id, one of APP, WEB",
        );
        assert_eq!(
            cli(&[], e),
            "--project: several projects are registered: pass --project, one of APP, WEB"
        );
    }

    #[test]
    fn tools_become_commands_whole_words_only() {
        let e = ServiceError::not_found(
            "issue 'APP-9' not found: find issues with pm_list_issues or pm_search_issues, or create one with pm_create_issue",
        );
        assert_eq!(
            cli(ISSUE_SHOW, e),
            "issue 'APP-9' not found: find issues with lazypm issue list or lazypm issue search, or create one with lazypm issue create"
        );
        let e =
            ServiceError::not_found("pm_statusbar and xpm_status stay; pm_review_issue is called");
        assert_eq!(
            cli(DONE, e),
            "pm_statusbar and xpm_status stay; lazypm call pm_review_issue '{…}' is called"
        );
        let e = ServiceError::not_found(
            "no project is registered yet: create one with pm_init_project (CLI: lazypm init --key KEY --name NAME)",
        );
        assert_eq!(
            cli(&[], e),
            "no project is registered yet: create one with lazypm init --key KEY --name NAME"
        );
    }

    #[test]
    fn call_keeps_the_service_words_and_usage_exits_2() {
        let e = anyhow::Error::new(ServiceError::invalid("tool", "unknown tool 'pm_x'"));
        assert_eq!(Speaker::Tool.message(&e), "tool: unknown tool 'pm_x'");
        assert_eq!(Speaker::Tool.exit_code(&e), USAGE);
        assert_eq!(Speaker::Cli(&[]).exit_code(&e), FAILURE);
        let e = anyhow::Error::new(ServiceError::invalid("take_over", "pass take_over: true"));
        assert_eq!(Speaker::Tool.message(&e), "take_over: pass take_over: true");
        assert_eq!(Speaker::Tool.exit_code(&e), FAILURE);
        let e = anyhow::Error::new(Usage("arguments: not valid JSON".into()));
        assert_eq!(Speaker::Tool.exit_code(&e), USAGE);
    }
}
