//! Plain-text rendering for people: aligned tables and short summaries.

use lazypm_service::OPERATIONS;
use lazypm_service::ops::issues::{IssueDetailOutput, ListIssuesOutput, SearchIssuesOutput};
use lazypm_service::ops::queue::SuggestNextWorkOutput;
use lazypm_service::ops::reports::StatusOutput;
use serde_json::Value;

/// Prints rows as a table with a header, columns padded to their widest cell.
pub fn table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
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
        out!("{}", padded.join("  ").trim_end());
    };
    line(header.iter().map(|h| h.to_uppercase()).collect());
    for r in rows {
        line(r.clone());
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
        out!("No issues match.");
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
        out!("\nMore: --cursor {c}");
    }
}

pub fn issue_detail(d: &IssueDetailOutput) {
    let i = &d.issue;
    out!("{}  {}", i.key, i.title);
    out!(
        "{} · {} · {} · owner {} · spent {}{}",
        i.issue_type,
        i.priority,
        i.status,
        i.owner.as_deref().unwrap_or("-"),
        d.time_spent,
        if d.ready { " · ready" } else { "" }
    );
    if let Some(r) = &i.blocker_reason {
        out!("Blocked: {r}");
    }
    if !i.specification.description.is_empty() {
        out!("\n{}", i.specification.description);
    }
    if !i.specification.acceptance_criteria.is_empty() {
        out!("\nAcceptance criteria:");
        for a in &i.specification.acceptance_criteria {
            out!("  - {a}");
        }
    }
    let keys = |v: &[lazypm_domain::LinkedIssue]| {
        v.iter()
            .map(|l| format!("{} ({})", l.key, l.status))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !d.depends_on.is_empty() {
        out!("\nDepends on: {}", keys(&d.depends_on));
    }
    if !d.blocks.is_empty() {
        out!("Blocks: {}", keys(&d.blocks));
    }
    let imp = &i.implementation;
    if i.branch.is_some() || !imp.commits.is_empty() || imp.pull_request.is_some() {
        out!("\nGit:");
        if let Some(b) = &i.branch {
            out!("  branch {b}");
        }
        if let Some(pr) = &imp.pull_request {
            out!(
                "  pull request {} ({})",
                pr.url,
                pr.state.as_deref().unwrap_or("unknown")
            );
        }
        for c in &imp.commits {
            out!("  {} {}", &c.sha[..c.sha.len().min(7)], c.message);
        }
    }
    if !d.tasks.is_empty() {
        out!("\nTasks:");
        for t in &d.tasks {
            out!("  {} [{}] {}", t.key, t.status, t.title);
        }
    }
    if !d.work_logs.is_empty() {
        out!("\nWork log:");
        for l in &d.work_logs {
            out!(
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
        out!("\nComments:");
        for c in &d.comments {
            out!(
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
        out!("Nothing found.");
        return;
    }
    let rows: Vec<Vec<String>> = out
        .hits
        .iter()
        .map(|h| {
            vec![
                h.key.clone(),
                format!("{:.2}", h.score),
                h.status.to_string(),
                clip(&h.title, 50),
                clip(&h.snippet.replace('\n', " "), 60),
            ]
        })
        .collect();
    table(&["key", "score", "status", "title", "match"], &rows);
}

pub fn suggestions(out: &SuggestNextWorkOutput) {
    if let Some(k) = &out.claimed {
        out!("Claimed {k}: it is yours and in progress.\n");
    }
    if out.suggestions.is_empty() {
        out!("Nothing is ready to start.");
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
    out!(
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
    out!("status:   {}", counts(&s.by_status));
    out!("priority: {}", counts(&s.by_priority));
    out!("notes:    {}", s.health_notes.join("; "));
    if !s.in_progress.is_empty() {
        out!("\nIn progress:");
        for i in &s.in_progress {
            out!(
                "  {} [{}] {} ({})",
                i.key,
                i.status,
                i.title,
                i.owner.as_deref().unwrap_or("-")
            );
        }
    }
    if !s.recent_activity.is_empty() {
        out!("\nRecent activity:");
        for e in &s.recent_activity {
            out!(
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
