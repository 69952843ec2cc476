//! A Backlog.md folder (`backlog/`): one markdown file per task, its fields
//! in front matter and its parts between marker comments.
//!
//! `tasks/` holds live tasks, `completed/` done ones (imported done),
//! `archive/tasks/` put-away ones (imported canceled and archived), and
//! `drafts/` ideas (imported proposed, label `draft`). Subtasks
//! (`parent_task_id`) become child issues of their parent. Statuses: To Do
//! → proposed, In Progress → in_progress, Done → done, anything else →
//! proposed with the status kept as a label. Priorities: high P2, medium
//! P3, low P4. Description, acceptance criteria, implementation plan (the
//! technical approach), implementation notes, definition of done (as
//! acceptance criteria), final summary and comments are each mapped.

use std::collections::BTreeMap;

use lazypm_domain::{IssueType, Priority, Status};

use super::{Batch, NewComment, NewIssue, NewLink, Skipped, parse_time};
use crate::Result;

/// Where in the folder a file was found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Place {
    Tasks,
    Completed,
    Archived,
    Drafts,
}

/// One task file: where it was, its path (for the report) and its text.
pub struct TaskFile {
    pub place: Place,
    pub path: String,
    pub text: String,
}

pub fn read(files: Vec<TaskFile>) -> Result<Batch> {
    let mut batch = Batch {
        format: "backlog",
        ..Default::default()
    };
    batch.notes.push(
        "subtasks became child issues; completed/ became done, archive/ canceled and archived, \
         drafts/ proposed with label draft; the implementation plan became the technical approach"
            .into(),
    );
    for f in files {
        let Some((front, body)) = split_front_matter(&f.text) else {
            batch.skipped.push(Skipped {
                what: f.path,
                why: "no front matter (--- … ---) at its top".into(),
            });
            continue;
        };
        let fields = parse_front_matter(front);
        let one = |k: &str| {
            fields
                .get(k)
                .and_then(|v| v.first())
                .cloned()
                .filter(|v| !v.is_empty())
        };
        let Some(id) = one("id") else {
            batch.skipped.push(Skipped {
                what: f.path,
                why: "its front matter has no id".into(),
            });
            continue;
        };
        let id = id.to_ascii_uppercase();
        let mut issue = NewIssue::new(&id, one("title").unwrap_or_else(|| id.clone()));
        let status = one("status").unwrap_or_default();
        issue.status = match (f.place, status.to_ascii_lowercase().as_str()) {
            (Place::Completed, _) | (_, "done") => Status::Done,
            (Place::Archived, _) => Status::Canceled,
            (_, "in progress") => Status::InProgress,
            (_, "to do" | "" | "draft") => Status::Proposed,
            (_, other) => {
                issue.labels.push(other.replace(' ', "-"));
                Status::Proposed
            }
        };
        issue.archived = f.place == Place::Archived;
        if f.place == Place::Drafts {
            issue.labels.push("draft".into());
        }
        issue.priority = match one("priority").as_deref() {
            Some("high") => Priority::P2,
            Some("low") => Priority::P4,
            _ => Priority::P3,
        };
        issue.issue_type = match one("type").as_deref() {
            Some("bug") => IssueType::Bug,
            Some("chore") => IssueType::Chore,
            Some("spike") => IssueType::Spike,
            Some("refactor") => IssueType::Refactor,
            Some("epic") => IssueType::Epic,
            _ => IssueType::Feature,
        };
        issue.owner = one("assignee").map(|a| a.trim_start_matches('@').to_string());
        issue
            .labels
            .extend(fields.get("labels").cloned().unwrap_or_default());
        if let Some(m) = one("milestone") {
            issue.labels.push(format!("milestone:{m}"));
        }
        issue.parent = one("parent_task_id").map(|p| p.to_ascii_uppercase());
        issue.created_at = one("created_date").and_then(|d| parse_time(&d));
        issue.updated_at = one("updated_date").and_then(|d| parse_time(&d));
        for dep in fields.get("dependencies").into_iter().flatten() {
            batch.links.push(NewLink {
                from: dep.to_ascii_uppercase(),
                to: id.clone(),
                kind: lazypm_domain::DependencyKind::Blocks,
                source_kind: None,
            });
        }
        for r in fields
            .get("references")
            .into_iter()
            .chain(fields.get("documentation"))
            .flatten()
        {
            issue.implementation.artifacts.push(r.clone());
        }
        let spec = &mut issue.specification;
        let mut description = section(body, "SECTION:DESCRIPTION").unwrap_or_default();
        if let Some(notes) = section(body, "SECTION:NOTES") {
            description = format!("{description}\n\n## Implementation notes\n\n{notes}")
                .trim()
                .to_string();
        }
        spec.description = description;
        spec.technical_approach = section(body, "SECTION:PLAN");
        spec.acceptance_criteria = checklist(section(body, "AC").as_deref());
        spec.acceptance_criteria.extend(
            checklist(section(body, "DOD").as_deref())
                .into_iter()
                .map(|d| format!("Done when: {d}")),
        );
        if let Some(summary) = section(body, "SECTION:FINAL_SUMMARY") {
            issue.analytics.lessons_learned.push(summary);
        }
        if let Some(comments) = section(body, "COMMENTS") {
            issue.comments = parse_comments(&comments);
        }
        batch.issues.push(issue);
    }
    batch.issues.sort_by_key(|i| id_order(&i.source_id));
    Ok(batch)
}

/// `TASK-2.10` sorts after `TASK-2.9`: the numbers of an id, in order.
fn id_order(id: &str) -> (String, Vec<u64>) {
    let (prefix, rest) = id.split_once('-').unwrap_or((id, ""));
    (
        prefix.to_string(),
        rest.split('.')
            .map(|n| n.parse().unwrap_or(u64::MAX))
            .collect(),
    )
}

/// The front matter and the body after it.
fn split_front_matter(text: &str) -> Option<(&str, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text.strip_prefix("---")?;
    let rest = rest
        .strip_prefix("\r\n")
        .or_else(|| rest.strip_prefix('\n'))?;
    let end = rest.find("\n---")?;
    let body = &rest[end + 4..];
    Some((&rest[..end], body.trim_start_matches(['\r', '\n'])))
}

/// The front matter's fields, each as its list of values (a scalar is a
/// one-item list): the part of YAML Backlog.md writes (`key: value`,
/// `key: [a, b]`, `key:` followed by `  - item` lines, quoted strings, and
/// long values folded into `>-` or `|` blocks of indented lines).
fn parse_front_matter(front: &str) -> BTreeMap<String, Vec<String>> {
    let mut fields: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    let lines: Vec<&str> = front.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        if let Some(item) = trimmed.strip_prefix("- ")
            && line.starts_with([' ', '-'])
        {
            let value = match block_style(item) {
                Some(folded) => take_block(&lines, &mut i, indent, folded),
                None => unquote(item),
            };
            if let Some(k) = &current {
                fields.entry(k.clone()).or_default().push(value);
            }
            continue;
        }
        let Some((key, value)) = trimmed.split_once(':') else {
            continue;
        };
        let key = key.trim().to_string();
        let value = value.trim();
        current = Some(key.clone());
        let values = if let Some(folded) = block_style(value) {
            vec![take_block(&lines, &mut i, indent, folded)]
        } else if let Some(inner) = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
            inner
                .split(',')
                .map(unquote)
                .filter(|v| !v.is_empty())
                .collect()
        } else if value.is_empty() {
            Vec::new()
        } else {
            vec![unquote(value)]
        };
        fields.insert(key, values);
    }
    fields
}

/// Whether a value opens a block scalar: `Some(true)` folded (`>`, `>-`),
/// `Some(false)` literal (`|`, `|-`).
fn block_style(value: &str) -> Option<bool> {
    match value.trim() {
        ">" | ">-" | ">+" => Some(true),
        "|" | "|-" | "|+" => Some(false),
        _ => None,
    }
}

/// The lines of a block scalar: those indented more than its key; folded
/// blocks join them with spaces, literal ones with line breaks.
fn take_block(lines: &[&str], i: &mut usize, indent: usize, folded: bool) -> String {
    let mut parts = Vec::new();
    while let Some(line) = lines.get(*i) {
        let own = line.len() - line.trim_start().len();
        if !line.trim().is_empty() && own <= indent {
            break;
        }
        parts.push(line.trim());
        *i += 1;
    }
    parts
        .join(if folded { " " } else { "\n" })
        .trim()
        .to_string()
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    for q in ['\'', '"'] {
        if let Some(inner) = v.strip_prefix(q).and_then(|v| v.strip_suffix(q)) {
            return inner.replace("''", "'");
        }
    }
    v.to_string()
}

/// A part of the body: the text between `<!-- NAME:BEGIN -->` and
/// `<!-- NAME:END -->`, or, in files written before the markers (or by
/// hand), the text under its `## Heading` up to the next heading.
fn section(body: &str, name: &str) -> Option<String> {
    let begin = format!("<!-- {name}:BEGIN -->");
    let end = format!("<!-- {name}:END -->");
    let marked = body.find(&begin).and_then(|b| {
        let start = b + begin.len();
        let stop = body[start..].find(&end)? + start;
        Some(body[start..stop].trim())
    });
    let text = match marked {
        Some(t) => t,
        None => under_heading(body, heading(name)?)?,
    };
    (!text.is_empty()).then(|| text.to_string())
}

/// The heading Backlog.md writes above each marked part.
fn heading(marker: &str) -> Option<&'static str> {
    Some(match marker {
        "SECTION:DESCRIPTION" => "Description",
        "AC" => "Acceptance Criteria",
        "DOD" => "Definition of Done",
        "SECTION:PLAN" => "Implementation Plan",
        "SECTION:NOTES" => "Implementation Notes",
        "SECTION:FINAL_SUMMARY" => "Final Summary",
        "COMMENTS" => "Comments",
        _ => return None,
    })
}

/// The text under `## title` (any case), up to the next `## ` heading.
fn under_heading<'a>(body: &'a str, title: &str) -> Option<&'a str> {
    let mut offset = 0;
    let mut start = None;
    for line in body.split_inclusive('\n') {
        let t = line.trim();
        if let Some(h) = t.strip_prefix("## ") {
            if let Some(s) = start {
                return Some(body[s..offset].trim());
            }
            if h.trim().eq_ignore_ascii_case(title) {
                start = Some(offset + line.len());
            }
        }
        offset += line.len();
    }
    start.map(|s| body[s..].trim())
}

/// Checklist lines (`- [ ] #1 text`, `- [x] #2 text`) as their texts.
fn checklist(text: Option<&str>) -> Vec<String> {
    text.into_iter()
        .flat_map(str::lines)
        .filter_map(|l| {
            let l = l.trim().strip_prefix("- ")?;
            let l = l
                .strip_prefix("[ ]")
                .or_else(|| l.strip_prefix("[x]"))
                .or_else(|| l.strip_prefix("[X]"))
                .unwrap_or(l)
                .trim();
            let l = match l.strip_prefix('#') {
                Some(rest) => rest.trim_start_matches(|c: char| c.is_ascii_digit()).trim(),
                None => l,
            };
            (!l.is_empty()).then(|| l.to_string())
        })
        .collect()
}

/// Comments as Backlog.md writes them: optional `author:` and `created:`
/// lines, then the text between two `---` lines.
fn parse_comments(text: &str) -> Vec<NewComment> {
    let mut out = Vec::new();
    let (mut author, mut created) = (None, None);
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let t = line.trim();
        if let Some(a) = t.strip_prefix("author:") {
            author = Some(a.trim().trim_start_matches('@').to_string());
        } else if let Some(c) = t.strip_prefix("created:") {
            created = parse_time(c.trim());
        } else if t == "---" {
            let mut body = Vec::new();
            for l in lines.by_ref() {
                if l.trim() == "---" {
                    break;
                }
                body.push(l);
            }
            let body = body.join("\n").trim().to_string();
            if !body.is_empty() {
                out.push(NewComment {
                    author: author.take().unwrap_or_else(|| "backlog".into()),
                    body,
                    created_at: created.take(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_in_the_forms_backlog_writes() {
        let f = parse_front_matter(
            "id: TASK-2\ntitle: 'It''s here'\nlabels:\n  - auth\n  - backend\ndependencies: []\nrefs: [a, \"b\"]\nassignee:\n  - '@bob'",
        );
        assert_eq!(f["id"], ["TASK-2"]);
        assert_eq!(f["title"], ["It's here"]);
        assert_eq!(f["labels"], ["auth", "backend"]);
        assert!(f["dependencies"].is_empty());
        assert_eq!(f["refs"], ["a", "b"]);
        assert_eq!(f["assignee"], ["@bob"]);
    }

    #[test]
    fn folded_values_and_sections_without_markers() {
        let f = parse_front_matter(
            "id: TASK-9\ntitle: >-\n  A long title that js-yaml folded: over\n  two lines\nstatus: To Do\nlabels:\n  - >-\n    a long\n    label\n  - short",
        );
        assert_eq!(
            f["title"],
            ["A long title that js-yaml folded: over two lines"]
        );
        assert_eq!(f["status"], ["To Do"]);
        assert_eq!(f["labels"], ["a long label", "short"]);
        let body = "## Description\n\nWritten by hand.\n\n## Acceptance Criteria\n\n- [ ] #1 It works\n\n## Notes\nx";
        assert_eq!(
            section(body, "SECTION:DESCRIPTION").as_deref(),
            Some("Written by hand.")
        );
        assert_eq!(checklist(section(body, "AC").as_deref()), ["It works"]);
        assert_eq!(section(body, "SECTION:PLAN"), None);
    }

    #[test]
    fn checklists_and_comments() {
        assert_eq!(
            checklist(Some(
                "- [ ] #1 Valid login\n- [x] #12 Errors shown\nnot an item"
            )),
            ["Valid login", "Errors shown"]
        );
        let c = parse_comments(
            "author: @bob\ncreated: 2026-11-27 06:19\n---\nBlocked on CI.\n---\n---\nno author\n---",
        );
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].author, "bob");
        assert_eq!(c[0].body, "Blocked on CI.");
        assert!(c[0].created_at.is_some());
        assert_eq!(c[1].author, "backlog");
    }
}
