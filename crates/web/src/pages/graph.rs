//! The dependency graph: open work laid out left to right by how deep it
//! sits in the blocks chains, the ready-now frontier and the critical path
//! marked. Drawn as SVG on the server; the page script pans and zooms it.

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;

use super::view;
use super::{Chrome, PageResult, Tab, page};
use crate::routes::AppState;

/// The most issues drawn at once.
const MAX_NODES: usize = 400;
const COL: i64 = 240;
const ROW: i64 = 64;
const W: i64 = 200;
const H: i64 = 46;
const PAD: i64 = 20;

struct NodeView {
    key: String,
    title: String,
    full_title: String,
    status: &'static str,
    status_label: &'static str,
    x: i64,
    y: i64,
    ready: bool,
    critical: bool,
    slack: String,
    unblocks: usize,
}

struct EdgeView {
    path: String,
    critical: bool,
}

struct Frontier {
    key: String,
    title: String,
    unblocks: usize,
}

#[derive(Template)]
#[template(path = "graph.html")]
struct GraphPage {
    project: String,
    width: i64,
    height: i64,
    nodes: Vec<NodeView>,
    edges: Vec<EdgeView>,
    critical: Vec<String>,
    critical_hours: String,
    default_hours: String,
    ready: Vec<Frontier>,
    unlinked: usize,
    left_out: usize,
}

fn short(title: &str, max: usize) -> String {
    if title.chars().count() <= max {
        title.to_string()
    } else {
        let cut: String = title.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

pub async fn graph(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(project): Path<String>,
) -> PageResult {
    let g = s.svc.dependency_graph(Some(&project), MAX_NODES).await?;
    let a = &g.analysis;
    let mut nodes = Vec::with_capacity(g.issues.len());
    let mut at: HashMap<&str, (i64, i64)> = HashMap::new();
    for (issue, n) in g.issues.iter().zip(a.nodes.iter()) {
        let x = PAD + n.layer as i64 * COL;
        let y = PAD + n.order as i64 * ROW;
        at.insert(issue.key.as_str(), (x, y));
        nodes.push(NodeView {
            key: issue.key.clone(),
            title: short(&issue.title, 26),
            full_title: issue.title.clone(),
            status: issue.status.as_str(),
            status_label: view::status_label(issue.status),
            x,
            y,
            ready: n.ready,
            critical: n.on_critical_path,
            slack: format!("{:.1}", n.slack_hours),
            unblocks: n.unblocks,
        });
    }
    let critical_pairs: HashSet<(&str, &str)> = a
        .critical_path
        .windows(2)
        .map(|w| (w[0].as_str(), w[1].as_str()))
        .collect();
    let edges = g
        .edges
        .iter()
        .filter_map(|(f, t)| {
            let (x1, y1) = at.get(f.as_str())?;
            let (x2, y2) = at.get(t.as_str())?;
            let (sx, sy, ex, ey) = (x1 + W, y1 + H / 2, *x2, y2 + H / 2);
            let bend = ((ex - sx) / 2).max(30);
            Some(EdgeView {
                path: format!(
                    "M{sx},{sy} C{},{sy} {},{ey} {ex},{ey}",
                    sx + bend,
                    ex - bend
                ),
                critical: critical_pairs.contains(&(f.as_str(), t.as_str())),
            })
        })
        .collect();
    let width = nodes
        .iter()
        .map(|n| n.x + W + PAD)
        .max()
        .unwrap_or(0)
        .max(1100);
    let height = nodes
        .iter()
        .map(|n| n.y + H + PAD)
        .max()
        .unwrap_or(0)
        .max(420);
    let title_of: HashMap<&str, &str> = g
        .issues
        .iter()
        .map(|i| (i.key.as_str(), i.title.as_str()))
        .collect();
    let unblocks_of: HashMap<&str, usize> = a
        .nodes
        .iter()
        .map(|n| (n.key.as_str(), n.unblocks))
        .collect();
    let main = GraphPage {
        project: g.project.clone(),
        width,
        height,
        nodes,
        edges,
        critical: a.critical_path.clone(),
        critical_hours: format!("{:.1}", a.critical_hours),
        default_hours: format!("{:.1}", a.default_hours),
        ready: a
            .ready
            .iter()
            .take(20)
            .map(|k| Frontier {
                key: k.clone(),
                title: title_of
                    .get(k.as_str())
                    .copied()
                    .unwrap_or_default()
                    .to_string(),
                unblocks: unblocks_of.get(k.as_str()).copied().unwrap_or(0),
            })
            .collect(),
        unlinked: g.unlinked,
        left_out: g.left_out,
    };
    let chrome = Chrome {
        title: format!("{} dependency graph", g.project),
        project: Some(g.project),
        tab: Tab::Graph,
    };
    page(&s, &headers, chrome, &main).await
}
