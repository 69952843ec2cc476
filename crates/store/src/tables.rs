//! The store's tables as plain rows, for copying a whole store from one
//! backend to another (`lazypm migrate`). Every backend keeps these tables
//! with these columns; a row travels as a JSON object in one portable form,
//! whatever the backend stores underneath: times as RFC 3339 text with
//! microseconds (`2026-11-26T10:00:00.000000Z`), dates as `YYYY-MM-DD`,
//! flags as booleans, JSON documents as JSON.
//!
//! Derived tables (search indexes, the issue counts, the label index) are
//! not listed: each backend rebuilds them from these rows as they arrive.

use async_trait::async_trait;
use serde_json::{Map, Value};

use crate::Result;

/// What a column holds, and so how it travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Real,
    Text,
    Bool,
    Time,
    Date,
    Json,
}

/// One copied table: its name, its columns, and how many of the first
/// columns make its primary key (rows are read in key order).
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [(&'static str, Kind)],
    pub key_columns: usize,
}

impl Table {
    pub fn column_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.columns.iter().map(|(c, _)| *c)
    }

    pub fn by_name(name: &str) -> Option<&'static Table> {
        TABLES.iter().find(|t| t.name == name)
    }
}

use Kind::*;

/// Every copied table, in an order that satisfies their references
/// (issues that name a parent are ordered by the copier, see `parent_first`).
pub const TABLES: &[Table] = &[
    Table {
        name: "projects",
        columns: &[
            ("id", Int),
            ("key", Text),
            ("slug", Text),
            ("name", Text),
            ("path", Text),
            ("metadata", Json),
            ("next_issue_number", Int),
            ("created_at", Time),
            ("updated_at", Time),
        ],
        key_columns: 1,
    },
    Table {
        name: "issues",
        columns: &[
            ("id", Int),
            ("project_id", Int),
            ("key", Text),
            ("title", Text),
            ("type", Text),
            ("status", Text),
            ("priority", Text),
            ("module", Text),
            ("owner", Text),
            ("parent_id", Int),
            ("labels", Json),
            ("effort", Text),
            ("estimate_hours", Real),
            ("story_points", Int),
            ("complexity", Text),
            ("blocker_reason", Text),
            ("branch", Text),
            ("time_spent_minutes", Int),
            ("archived", Bool),
            ("version", Int),
            ("created_at", Time),
            ("updated_at", Time),
            ("started_at", Time),
            ("completed_at", Time),
            ("specification", Json),
            ("planning", Json),
            ("implementation", Json),
            ("communication", Json),
            ("analytics", Json),
            ("cycle_seconds", Int),
        ],
        key_columns: 1,
    },
    Table {
        name: "tasks",
        columns: &[
            ("id", Int),
            ("issue_id", Int),
            ("number", Int),
            ("title", Text),
            ("status", Text),
            ("assignee", Text),
            ("details", Text),
            ("checklist", Json),
            ("notes", Json),
            ("estimate_minutes", Int),
            ("version", Int),
            ("created_at", Time),
            ("updated_at", Time),
        ],
        key_columns: 1,
    },
    Table {
        name: "work_logs",
        columns: &[
            ("id", Int),
            ("issue_id", Int),
            ("task_id", Int),
            ("author", Text),
            ("activity", Text),
            ("summary", Text),
            ("details", Text),
            ("artifacts", Json),
            ("blockers", Json),
            ("decisions", Json),
            ("minutes", Int),
            ("logged_at", Time),
            ("project_id", Int),
        ],
        key_columns: 1,
    },
    Table {
        name: "comments",
        columns: &[
            ("id", Int),
            ("issue_id", Int),
            ("author", Text),
            ("body", Text),
            ("created_at", Time),
        ],
        key_columns: 1,
    },
    Table {
        name: "dependencies",
        columns: &[
            ("from_id", Int),
            ("to_id", Int),
            ("kind", Text),
            ("created_at", Time),
        ],
        key_columns: 3,
    },
    Table {
        name: "sprints",
        columns: &[
            ("id", Int),
            ("project_id", Int),
            ("name", Text),
            ("goal", Text),
            ("start_date", Date),
            ("end_date", Date),
            ("created_at", Time),
        ],
        key_columns: 1,
    },
    Table {
        name: "sprint_issues",
        columns: &[("sprint_id", Int), ("issue_id", Int), ("added_at", Time)],
        key_columns: 2,
    },
    Table {
        name: "events",
        columns: &[
            ("seq", Int),
            ("id", Text),
            ("at", Time),
            ("actor", Text),
            ("type", Text),
            ("project", Text),
            ("entity", Text),
            ("issue_key", Text),
            ("changes", Json),
            ("hash", Text),
        ],
        key_columns: 1,
    },
    Table {
        name: "meta",
        columns: &[("key", Text), ("value", Text)],
        key_columns: 1,
    },
];

/// One row in the portable form.
pub type Row = Map<String, Value>;

/// Whole tables, row by row (see the module's documentation).
#[async_trait]
pub trait Tables {
    /// Rows of `table` in primary-key order, skipping the first `offset`, at most `limit`.
    async fn read_rows(&mut self, table: &Table, offset: i64, limit: i64) -> Result<Vec<Row>>;
    /// Inserts rows as they are, keys included. A missing column is NULL.
    async fn write_rows(&mut self, table: &Table, rows: &[Row]) -> Result<()>;
    /// Deletes every row of `table` (and what the backend derives from them).
    async fn clear(&mut self, table: &Table) -> Result<u64>;
    /// How many rows `table` holds.
    async fn count_rows(&mut self, table: &Table) -> Result<i64>;
    /// After a copy: moves each table's id generator past the ids copied in
    /// (PostgreSQL's identity sequences; nothing to do on SQLite).
    async fn after_copy(&mut self) -> Result<()>;
}

/// Orders issue rows so every parent comes before the issues that name it
/// (a parent can have a higher id than its child). Rows whose parent is not
/// among them keep their place relative to each other.
pub fn parent_first(rows: Vec<Row>) -> Vec<Row> {
    use std::collections::{HashMap, HashSet};
    let id = |r: &Row| r.get("id").and_then(Value::as_i64);
    let ids: HashSet<i64> = rows.iter().filter_map(id).collect();
    let mut children: HashMap<i64, Vec<usize>> = HashMap::new();
    let mut roots = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        match r.get("parent_id").and_then(Value::as_i64) {
            Some(p) if ids.contains(&p) && Some(p) != id(r) => {
                children.entry(p).or_default().push(i)
            }
            _ => roots.push(i),
        }
    }
    let mut order = Vec::with_capacity(rows.len());
    let mut seen = vec![false; rows.len()];
    let mut stack: Vec<usize> = roots.into_iter().rev().collect();
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        order.push(i);
        if let Some(kids) = id(&rows[i]).and_then(|k| children.get(&k)) {
            stack.extend(kids.iter().rev());
        }
    }
    // A parent cycle (which the service never writes) leaves rows unseen:
    // they go last, in their own order.
    order.extend((0..rows.len()).filter(|i| !seen[*i]));
    let mut slots: Vec<Option<Row>> = rows.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(id: i64, parent: Option<i64>) -> Row {
        match json!({"id": id, "parent_id": parent}) {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn parents_come_first() {
        let rows = vec![
            row(1, Some(3)),
            row(2, None),
            row(3, Some(4)),
            row(4, None),
            row(5, Some(99)),
        ];
        let ids: Vec<i64> = parent_first(rows)
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        let pos = |id: i64| ids.iter().position(|i| *i == id).unwrap();
        assert_eq!(ids.len(), 5);
        assert!(pos(4) < pos(3) && pos(3) < pos(1), "{ids:?}");
    }

    #[test]
    fn every_table_has_its_key_columns() {
        for t in TABLES {
            assert!(
                t.key_columns >= 1 && t.key_columns <= t.columns.len(),
                "{}",
                t.name
            );
        }
        assert!(Table::by_name("events").is_some());
    }
}
