//! The text copy of a tool result, for clients that show text to the model.
//! Lists of flat rows become a compact table (one line a row, times to the
//! minute); everything else is compact JSON. The structured content beside it
//! keeps every field exactly.

use serde_json::{Map, Value};

/// Renders a result as text.
pub fn text(value: &Value) -> String {
    let Value::Object(obj) = value else {
        return value.to_string();
    };
    let Some((name, rows)) = obj.iter().find_map(|(k, v)| flat_rows(v).map(|r| (k, r))) else {
        return value.to_string();
    };
    // A table only when the rows are the result; records beside them stay JSON.
    if obj.iter().any(|(k, v)| {
        k != name
            && (v.is_object()
                || v.as_array()
                    .is_some_and(|a| a.iter().any(|x| x.is_object())))
    }) {
        return value.to_string();
    }
    let mut out = String::new();
    let columns: Vec<&String> = rows.first().map(|r| r.keys().collect()).unwrap_or_default();
    out.push_str(&format!(
        "{name} ({}): {}\n",
        rows.len(),
        columns
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(" | ")
    ));
    for row in &rows {
        let cells: Vec<String> = columns
            .iter()
            .map(|c| cell(row.get(c.as_str()).unwrap_or(&Value::Null)))
            .collect();
        out.push_str(&cells.join(" | "));
        out.push('\n');
    }
    for (k, v) in obj.iter().filter(|(k, _)| *k != name) {
        out.push_str(&format!("{k}: {}\n", cell(v)));
    }
    out
}

/// The rows of an array whose items are objects of scalars only.
fn flat_rows(v: &Value) -> Option<Vec<&Map<String, Value>>> {
    let items = v.as_array()?;
    if items.is_empty() {
        return None;
    }
    items
        .iter()
        .map(|i| {
            i.as_object()
                .filter(|o| o.values().all(|x| !x.is_object() && !x.is_array()))
        })
        .collect()
}

fn cell(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => short_time(s).unwrap_or_else(|| s.replace('\n', " ")),
        other => other.to_string(),
    }
}

/// `2026-11-24T16:15:38.390534Z` → `2026-11-24 16:15`.
fn short_time(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let looks = s.len() >= 20
        && s.ends_with('Z')
        && b.get(4) == Some(&b'-')
        && b.get(10) == Some(&b'T')
        && b.get(13) == Some(&b':');
    looks.then(|| format!("{} {}", &s[..10], &s[11..16]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_become_a_table_and_the_rest_stays_json() {
        let page = json!({
            "issues": [
                { "key": "APP-1", "title": "Fix\nit", "owner": null, "updated_at": "2026-11-24T16:15:38.390534Z" },
                { "key": "APP-2", "title": "Two", "owner": "ann", "updated_at": "2026-11-24T16:16:00Z" }
            ],
            "next_cursor": "t2:P3"
        });
        let t = text(&page);
        assert_eq!(
            t,
            "issues (2): key | owner | title | updated_at\nAPP-1 | - | Fix it | 2026-11-24 16:15\nAPP-2 | ann | Two | 2026-11-24 16:16\nnext_cursor: t2:P3\n"
        );
        let nested = json!({ "issue": { "key": "APP-1" }, "next_steps": ["pm_start_work: go"] });
        assert_eq!(
            text(&nested),
            nested.to_string(),
            "non-row results stay JSON"
        );
    }
}
