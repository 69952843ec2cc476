//! The text copy of a tool result: what a model reads. The structured
//! content beside it keeps every field exactly; the text says the same with
//! less: no nulls, no empty values, no repeated keys.
//!
//! - A top-level `text`, `markdown` or `report` string is the service's own
//!   rendering of the result: it is the body (markdown), followed only by the
//!   result's scalar fields, since the rest is what the body renders.
//! - Otherwise each field is a line: scalars `field: value`, lists of
//!   scalars `field: a, b, c`, records `field: k=v, k=v` (nested records in
//!   braces), lists of records a table with only the columns that have a
//!   value somewhere. A multi-line string is a block of its own after its line.
//! - Times are cut to the minute, numbers to two decimals.
//! - Every `next_steps`, wherever it is, comes last as `next: …` lines.

use serde_json::{Map, Value};

/// Top-level string fields that hold a rendering made for reading.
const BODY: &[&str] = &["text", "markdown", "report"];

/// Fields that say what a record is come first; the rest follow in name order.
const LEADING: &[&str] = &[
    "key",
    "issue_key",
    "issue",
    "title",
    "name",
    "type",
    "status",
    "priority",
    "owner",
];

/// Renders a result as text.
pub fn text(value: &Value) -> String {
    let mut value = value.clone();
    let mut steps = Vec::new();
    take_steps(&mut value, &mut steps);
    let mut out = String::new();
    match prune(value) {
        Some(Value::Object(obj)) => fields(&obj, &mut out),
        Some(Value::Array(items)) => field("items", &Value::Array(items), &mut out),
        Some(other) => {
            out.push_str(&scalar(&other));
            out.push('\n');
        }
        None => {}
    }
    // A step said again, or said in full by a longer one, is said once.
    let mut seen = std::collections::HashSet::new();
    let said_more = |s: &str| steps.iter().any(|o| o.len() > s.len() && o.starts_with(s));
    for s in steps
        .iter()
        .filter(|s| !said_more(s) && seen.insert(s.as_str()))
    {
        out.push_str("next: ");
        out.push_str(&one_line(s));
        out.push('\n');
    }
    if out.is_empty() {
        out.push_str("ok\n");
    }
    out
}

/// Moves every `next_steps` list (at any depth) into `steps`, in order.
fn take_steps(v: &mut Value, steps: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Array(list)) = m.remove("next_steps") {
                steps.extend(list.iter().filter_map(|s| match s {
                    Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
                    Value::Null => None,
                    Value::String(_) => None,
                    other => Some(other.to_string()),
                }));
            }
            for (_, x) in m.iter_mut() {
                take_steps(x, steps);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|x| take_steps(x, steps)),
        _ => {}
    }
}

/// Drops nulls, blank strings and empty lists and records, recursively;
/// `None` when nothing is left.
fn prune(v: Value) -> Option<Value> {
    match v {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::Array(items) => {
            let items: Vec<Value> = items.into_iter().filter_map(prune).collect();
            (!items.is_empty()).then_some(Value::Array(items))
        }
        Value::Object(m) => {
            let m: Map<String, Value> = m
                .into_iter()
                .filter_map(|(k, v)| prune(v).map(|v| (k, v)))
                .collect();
            (!m.is_empty()).then_some(Value::Object(m))
        }
        other => Some(other),
    }
}

/// Field names in reading order.
fn ordered<'a>(names: impl Iterator<Item = &'a String>) -> Vec<&'a str> {
    let mut names: Vec<&str> = names.map(String::as_str).collect();
    names.sort_by_key(|n| {
        (
            LEADING.iter().position(|l| l == n).unwrap_or(LEADING.len()),
            *n,
        )
    });
    names.dedup();
    names
}

fn fields(obj: &Map<String, Value>, out: &mut String) {
    let body = BODY
        .iter()
        .find_map(|b| obj.get(*b).and_then(Value::as_str).map(|s| (*b, s)));
    if let Some((name, body)) = body {
        out.push_str(body.trim_end());
        out.push_str("\n\n");
        for k in ordered(obj.keys()) {
            let v = &obj[k];
            if k != name && !v.is_object() && !v.is_array() {
                field(k, v, out);
            }
        }
        return;
    }
    let (tables, lines): (Vec<&str>, Vec<&str>) = ordered(obj.keys())
        .into_iter()
        .partition(|k| rows(&obj[*k]).is_some());
    for k in lines.into_iter().chain(tables) {
        field(k, &obj[k], out);
    }
}

/// One top-level field as its line, table or block.
fn field(name: &str, v: &Value, out: &mut String) {
    if let Some(rows) = rows(v) {
        table(name, &rows, out);
        return;
    }
    let mut blocks = Vec::new();
    let mut sub_tables = Map::new();
    let line = match v {
        Value::Array(items) if items.iter().all(is_scalar) => {
            list(items.iter().map(|x| inline(x, name, &mut blocks)))
        }
        Value::Array(items) => items
            .iter()
            .map(|x| inline(x, name, &mut blocks))
            .collect::<Vec<_>>()
            .join("; "),
        Value::Object(m) => {
            // Its lists of records become tables of their own after the line.
            let (lists, rest): (Map<String, Value>, Map<String, Value>) = m
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .partition(|(_, v)| rows(v).is_some());
            sub_tables = lists;
            record(&rest, name, &mut blocks)
        }
        other => inline(other, name, &mut blocks),
    };
    if blocks.len() == 1 && blocks[0].0 == name {
        // A multi-line string on its own: the block under the field's name.
        out.push_str(&format!("{name}:\n{}\n", blocks[0].1.trim_end()));
        return;
    }
    if !line.is_empty() {
        out.push_str(&format!("{name}: {line}\n"));
    }
    for (path, text) in blocks {
        out.push_str(&format!("{path}:\n{}\n", text.trim_end()));
    }
    for k in ordered(sub_tables.keys()) {
        if let Some(rows) = rows(&sub_tables[k]) {
            table(&format!("{name}.{k}"), &rows, out);
        }
    }
}

/// A list of records, when every item is one.
fn rows(v: &Value) -> Option<Vec<&Map<String, Value>>> {
    let items = v.as_array()?;
    if items.is_empty() {
        return None;
    }
    items.iter().map(Value::as_object).collect()
}

fn table(name: &str, rows: &[&Map<String, Value>], out: &mut String) {
    let columns = ordered(rows.iter().flat_map(|r| r.keys()));
    // A column with one value in every row is said once, in the header.
    let (mut same, mut columns): (Vec<&str>, Vec<&str>) = columns.into_iter().partition(|c| {
        rows.len() > 1 && {
            let first = rows[0].get(*c);
            first.is_some_and(is_scalar) && rows.iter().all(|r| r.get(*c) == first)
        }
    });
    if columns.is_empty() {
        columns = std::mem::take(&mut same);
    }
    let mut head = rows.len().to_string();
    for c in &same {
        head.push_str(&format!("; {c}={}", cell(&rows[0][*c])));
    }
    out.push_str(&format!("{name} ({head}): {}\n", columns.join(" | ")));
    for row in rows {
        let cells: Vec<String> = columns
            .iter()
            .map(|c| match row.get(*c) {
                None => "-".to_string(),
                Some(v) => cell(v),
            })
            .collect();
        out.push_str(&cells.join(" | "));
        out.push('\n');
    }
}

/// A table cell: one line, no column separators inside.
fn cell(v: &Value) -> String {
    let mut blocks = Vec::new();
    let s = match v {
        Value::Array(items) if items.iter().all(is_scalar) => {
            list(items.iter().map(|x| inline(x, "", &mut blocks)))
        }
        other => inline(other, "", &mut blocks),
    };
    one_line(&s).replace('|', "\\|")
}

/// A value written inline; multi-line strings are set aside as blocks
/// (named by their path) unless there is no room for them (`path` empty).
fn inline(v: &Value, path: &str, blocks: &mut Vec<(String, String)>) -> String {
    match v {
        Value::String(s) if s.contains('\n') && !path.is_empty() => {
            blocks.push((path.to_string(), s.clone()));
            "(below)".into()
        }
        Value::Object(m) => format!("{{{}}}", record(m, path, blocks)),
        Value::Array(items) => format!(
            "[{}]",
            if items.iter().all(is_scalar) {
                list(items.iter().map(|x| inline(x, path, blocks)))
            } else {
                items
                    .iter()
                    .map(|x| inline(x, path, blocks))
                    .collect::<Vec<_>>()
                    .join("; ")
            }
        ),
        other => scalar(other),
    }
}

/// A record's fields as `k=v, k=v`.
fn record(m: &Map<String, Value>, path: &str, blocks: &mut Vec<(String, String)>) -> String {
    ordered(m.keys())
        .into_iter()
        .map(|k| {
            let sub = if path.is_empty() {
                String::new()
            } else {
                format!("{path}.{k}")
            };
            format!("{k}={}", inline(&m[k], &sub, blocks))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Scalars joined with `, `, or `; ` when one of them has a comma.
fn list(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    let sep = if items.iter().any(|i| i.contains(',')) {
        "; "
    } else {
        ", "
    };
    items.join(sep)
}

fn is_scalar(v: &Value) -> bool {
    !v.is_object() && !v.is_array()
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => short_time(s).unwrap_or_else(|| s.clone()),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => {
                let s = format!("{f:.2}");
                s.trim_end_matches('0').trim_end_matches('.').to_string()
            }
            _ => n.to_string(),
        },
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn one_line(s: &str) -> String {
    if s.contains('\n') || s.contains('\r') {
        s.split(['\n', '\r'])
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        s.to_string()
    }
}

/// `2026-11-24T16:15:38.390534Z` → `2026-11-24 16:15`.
fn short_time(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let looks = s.len() >= 20
        && s.len() <= 40
        && (s.ends_with('Z') || s.get(s.len() - 6..).is_some_and(is_offset))
        && b.get(4) == Some(&b'-')
        && b.get(7) == Some(&b'-')
        && b.get(10) == Some(&b'T')
        && b.get(13) == Some(&b':')
        && s.is_char_boundary(16);
    looks.then(|| format!("{} {}", &s[..10], &s[11..16]))
}

/// `+00:00`, `-05:30`.
fn is_offset(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 6 && (b[0] == b'+' || b[0] == b'-') && b[3] == b':'
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_become_a_table_with_only_the_columns_that_have_values() {
        let page = json!({
            "issues": [
                { "key": "APP-1", "title": "Fix\nit", "owner": null, "labels": [], "updated_at": "2026-11-24T16:15:38.390534Z" },
                { "key": "APP-2", "title": "Two | more", "owner": "ann", "labels": ["a", "b"], "updated_at": "2026-11-24T16:16:00Z" }
            ],
            "next_cursor": "t2:P3"
        });
        assert_eq!(
            text(&page),
            "next_cursor: t2:P3\nissues (2): key | title | owner | labels | updated_at\nAPP-1 | Fix it | - | - | 2026-11-24 16:15\nAPP-2 | Two \\| more | ann | a, b | 2026-11-24 16:16\n"
        );
        let nobody =
            json!({ "issues": [{ "key": "A-1", "owner": null }, { "key": "A-2", "owner": null }] });
        assert_eq!(text(&nobody), "issues (2): key\nA-1\nA-2\n");
    }

    #[test]
    fn records_are_one_line_without_nulls_and_steps_come_last() {
        let started = json!({
            "issue": {
                "key": "APP-1", "title": "Parse", "status": "in_progress", "owner": "ann",
                "blocker_reason": null, "labels": [], "estimate": { "hours": null, "effort": null },
                "specification": { "acceptance_criteria": ["reads TOML", "names the line"], "description": "# Spec\n\nDo it." },
                "started_at": "2026-11-24T16:15:38.390534Z", "score": 1.23456, "version": 2, "archived": false
            },
            "started": true,
            "branch": null,
            "nested": { "next_steps": ["pm_get_issue: read it"] },
            "next_steps": ["pm_log_work: record progress", "pm_get_issue: read it", "pm_log_work: record"]
        });
        assert_eq!(
            text(&started),
            "issue: key=APP-1, title=Parse, status=in_progress, owner=ann, archived=false, score=1.23, specification={acceptance_criteria=[reads TOML, names the line], description=(below)}, started_at=2026-11-24 16:15, version=2\n\
             issue.specification.description:\n# Spec\n\nDo it.\n\
             started: true\n\
             next: pm_log_work: record progress\n\
             next: pm_get_issue: read it\n"
        );
    }

    #[test]
    fn a_body_is_the_rendering_and_scalars_follow() {
        let standup = json!({
            "project": "APP", "since": "2026-11-24T16:15:38Z",
            "report": "# Stand-up\n\n- APP-1 done\n",
            "completed": ["APP-1"], "blocked": []
        });
        assert_eq!(
            text(&standup),
            "# Stand-up\n\n- APP-1 done\n\nproject: APP\nsince: 2026-11-24 16:15\n"
        );
        let lines = json!({ "lessons": ["a, b", "c"], "empty": {}, "note": "two\nlines" });
        assert_eq!(text(&lines), "lessons: a, b; c\nnote:\ntwo\nlines\n");
        assert_eq!(text(&json!({ "x": null })), "ok\n");
    }
}
