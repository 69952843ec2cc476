//! Plain-text rendering for people: aligned tables and short summaries.
//!
//! User text (titles, owners, snippets, summaries, commit messages…) never
//! reaches the terminal raw: [`visible`] shows its control characters as
//! text, so a title cannot recolour, move the cursor or clear the screen.

use std::borrow::Cow;

use lazypm_service::OPERATIONS;
use lazypm_service::ops::issues::{IssueDetailOutput, ListIssuesOutput, SearchIssuesOutput};
use lazypm_service::ops::queue::SuggestNextWorkOutput;
use lazypm_service::ops::reports::StatusOutput;
use serde_json::Value;

/// `s` with every control character other than newline and tab made visible:
/// C0 characters in caret notation (ESC as `^[`, NUL as `^@`), DEL and the C1
/// characters as `\u{7f}`, `\u{9b}`. Used for every table cell and every user
/// value printed as plain text.
pub fn visible(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            c if !needs_escape(c) => out.push(c),
            '\0'..='\u{1f}' => {
                out.push('^');
                out.push(char::from(c as u8 ^ 0x40));
            }
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// A table cell: [`visible`], and on one line.
fn one_line(s: &str) -> String {
    visible(s).replace(['\n', '\t'], " ")
}

/// Prints rows as a table with a header, columns padded to their widest cell.
/// Cells are shown with [`visible`] and kept on one line.
pub fn table(header: &[&str], rows: &[Vec<String>]) {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| one_line(c)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths.get(i).copied().unwrap_or(0)))
            .collect();
        show!("{}", padded.join("  ").trim_end());
    };
    line(header.iter().map(|h| h.to_uppercase()).collect());
    for r in rows {
        line(r);
    }
}

fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "-".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

pub fn issue_rows(out: &ListIssuesOutput) {
    if out.issues.is_empty() {
        show!("No issues match.");
        return;
    }
    let rows: Vec<Vec<String>> = out
        .issues
        .iter()
        .map(|r| {
            vec![
                cell(r.get("key")),
                cell(r.get("priority")),
                cell(r.get("status")),
                cell(r.get("type")),
                cell(r.get("owner")),
                clip(&cell(r.get("title")), 60),
            ]
        })
        .collect();
    table(&["key", "pri", "status", "type", "owner", "title"], &rows);
    if let Some(c) = &out.next_cursor {
        show!("\nMore: --cursor {c}");
    }
}

pub fn issue_detail(d: &IssueDetailOutput) {
    let i = &d.issue;
    show!("{}  {}", i.key, i.title);
    show!(
        "{} · {} · {} · owner {} · spent {}{}",
        i.issue_type,
        i.priority,
        i.status,
        i.owner.as_deref().unwrap_or("-"),
        d.time_spent,
        if d.ready { " · ready" } else { "" }
    );
    if let Some(r) = &i.blocker_reason {
        show!("Blocked: {r}");
    }
    if !i.specification.description.is_empty() {
        show!("\n{}", i.specification.description);
    }
    if !i.specification.acceptance_criteria.is_empty() {
        show!("\nAcceptance criteria:");
        for a in &i.specification.acceptance_criteria {
            show!("  - {a}");
        }
    }
    let keys = |v: &[lazypm_domain::LinkedIssue]| {
        v.iter()
            .map(|l| format!("{} ({})", l.key, l.status))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !d.depends_on.is_empty() {
        show!("\nDepends on: {}", keys(&d.depends_on));
    }
    if !d.blocks.is_empty() {
        show!("Blocks: {}", keys(&d.blocks));
    }
    let imp = &i.implementation;
    if i.branch.is_some() || !imp.commits.is_empty() || imp.pull_request.is_some() {
        show!("\nGit:");
        if let Some(b) = &i.branch {
            show!("  branch {b}");
        }
        if let Some(pr) = &imp.pull_request {
            show!(
                "  pull request {} ({})",
                pr.url,
                pr.state.as_deref().unwrap_or("unknown")
            );
        }
        for c in &imp.commits {
            show!("  {} {}", c.sha.get(..7).unwrap_or(&c.sha), c.message);
        }
    }
    if !d.tasks.is_empty() {
        show!("\nTasks:");
        for t in &d.tasks {
            show!("  {} [{}] {}", t.key, t.status, t.title);
        }
    }
    if !d.work_logs.is_empty() {
        show!("\nWork log:");
        for l in &d.work_logs {
            show!(
                "  {} {} {} {}: {}",
                l.logged_at.format("%Y-%m-%d %H:%M"),
                l.author,
                l.activity,
                lazypm_domain::format_minutes(l.minutes),
                l.summary
            );
        }
    }
    if !d.comments.is_empty() {
        show!("\nComments:");
        for c in &d.comments {
            show!(
                "  {} {}: {}",
                c.created_at.format("%Y-%m-%d %H:%M"),
                c.author,
                c.body
            );
        }
    }
}

pub fn search_hits(out: &SearchIssuesOutput) {
    if out.hits.is_empty() {
        show!("Nothing found.");
        return;
    }
    let rows: Vec<Vec<String>> = out
        .hits
        .iter()
        .map(|h| {
            vec![
                h.key.clone(),
                h.status.to_string(),
                clip(&h.title, 50),
                clip(&h.snippet.replace('\n', " "), 60),
            ]
        })
        .collect();
    // Best match first: the rank is the order, so no raw score column.
    table(&["key", "status", "title", "match"], &rows);
}

pub fn suggestions(out: &SuggestNextWorkOutput) {
    if let Some(k) = &out.claimed {
        show!("Claimed {k}: it is yours and in progress.\n");
    }
    if out.suggestions.is_empty() {
        show!("Nothing is ready to start.");
        return;
    }
    let rows: Vec<Vec<String>> = out
        .suggestions
        .iter()
        .map(|s| {
            vec![
                s.key.clone(),
                s.priority.to_string(),
                format!("{:.1}", s.score),
                clip(&s.title, 50),
                s.why.join("; "),
            ]
        })
        .collect();
    table(&["key", "pri", "score", "title", "why"], &rows);
}

pub fn status(s: &StatusOutput) {
    show!(
        "{} ({}) — {} open of {}, health: {}",
        s.project,
        s.name,
        s.open,
        s.total,
        s.health
    );
    let counts = |m: &std::collections::BTreeMap<String, i64>| {
        m.iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    show!("status:   {}", counts(&s.by_status));
    show!("priority: {}", counts(&s.by_priority));
    show!("notes:    {}", s.health_notes.join("; "));
    if !s.in_progress.is_empty() {
        show!("\nIn progress:");
        for i in &s.in_progress {
            show!(
                "  {} [{}] {} ({})",
                i.key,
                i.status,
                i.title,
                i.owner.as_deref().unwrap_or("-")
            );
        }
    }
    if !s.recent_activity.is_empty() {
        show!("\nRecent activity:");
        for e in &s.recent_activity {
            show!(
                "  {} {} {} {}",
                e.at.format("%Y-%m-%d %H:%M"),
                e.actor,
                e.event_type,
                e.entity
            );
        }
    }
}

pub fn tools(json: bool) {
    if json {
        let list: Vec<Value> = OPERATIONS
            .iter()
            .map(|o| serde_json::json!({ "name": o.name, "toolset": o.toolset.as_str(), "description": o.description, "read_only": o.read_only, "destructive": o.destructive, "idempotent": o.idempotent }))
            .collect();
        out!(
            "{}",
            serde_json::to_string_pretty(&list).unwrap_or_default()
        );
        return;
    }
    let rows: Vec<Vec<String>> = OPERATIONS
        .iter()
        .map(|o| {
            vec![
                o.name.to_string(),
                o.toolset.as_str().to_string(),
                clip(o.description, 90),
            ]
        })
        .collect();
    table(&["tool", "toolset", "what it does"], &rows);
}

#[cfg(test)]
mod tests {
    use super::visible;

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(visible("plain\ttext\nline"), "plain\ttext\nline");
        assert_eq!(visible("\u{1b}[31mred\u{1b}[0m"), "^[[31mred^[[0m");
        assert_eq!(visible("a\rb\u{0}c\u{7}"), "a^Mb^@c^G");
        assert_eq!(visible("del\u{7f} csi\u{9b}2J"), "del\\u{7f} csi\\u{9b}2J");
        assert_eq!(visible("ünïcödé ✓"), "ünïcödé ✓");
    }
}
