//! The kanban board: a column per status (blocked and canceled included),
//! optional swimlanes by module or owner, WIP counts. Cards move by drag and
//! drop through `pm_update_status`, so the workflow decides every move.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use chrono::Utc;
use serde::Deserialize;

use super::view::{self, Row};
use super::{Chrome, PageResult, Tab, page};
use crate::routes::AppState;

/// Cards drawn per column; the header links the full list beyond that.
const PER_COLUMN: i64 = 60;

struct Head {
    status: &'static str,
    label: &'static str,
    count: i64,
    shown: usize,
}

struct Cell {
    status: &'static str,
    cards: Vec<Row>,
}

struct Lane {
    name: String,
    count: usize,
    cells: Vec<Cell>,
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    project: String,
    lane_by: String,
    heads: Vec<Head>,
    lanes: Vec<Lane>,
}

#[derive(Deserialize)]
pub struct BoardQuery {
    lanes: Option<String>,
}

pub async fn board(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(project): Path<String>,
    Query(q): Query<BoardQuery>,
) -> PageResult {
    let now = Utc::now();
    let lane_by = match q.lanes.as_deref() {
        Some("module") => "module",
        Some("owner") => "owner",
        _ => "",
    };
    let b = s.svc.board(Some(&project), PER_COLUMN).await?;
    let heads = b
        .columns
        .iter()
        .map(|c| Head {
            status: c.status.as_str(),
            label: view::status_label(c.status),
            count: c.count,
            shown: c.issues.len(),
        })
        .collect();
    // lane name → status → cards
    let mut lanes: BTreeMap<(bool, String), Vec<Cell>> = BTreeMap::new();
    let empty_cells = || {
        b.columns
            .iter()
            .map(|c| Cell {
                status: c.status.as_str(),
                cards: Vec::new(),
            })
            .collect::<Vec<_>>()
    };
    if lane_by.is_empty() {
        lanes.insert((false, String::new()), empty_cells());
    }
    for (ci, column) in b.columns.iter().enumerate() {
        for issue in &column.issues {
            let name = match lane_by {
                "module" => issue.module.clone(),
                "owner" => issue.owner.clone(),
                _ => Some(String::new()),
            };
            let key = (name.is_none(), name.unwrap_or_else(|| "(none)".into()));
            let cells = lanes.entry(key).or_insert_with(empty_cells);
            if let Some(cell) = cells.get_mut(ci) {
                cell.cards.push(view::row(issue, now));
            }
        }
    }
    let lanes = lanes
        .into_iter()
        .map(|((_, name), cells)| Lane {
            count: cells.iter().map(|c| c.cards.len()).sum(),
            name,
            cells,
        })
        .collect();
    let main = BoardPage {
        project: b.project.clone(),
        lane_by: lane_by.into(),
        heads,
        lanes,
    };
    let chrome = Chrome {
        title: format!("{} board", b.project),
        project: Some(b.project),
        tab: Tab::Board,
    };
    page(&s, &headers, chrome, &main).await
}
