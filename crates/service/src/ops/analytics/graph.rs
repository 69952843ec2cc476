//! pm_dependency_graph: the `blocks` graph of a project's open work, drawn
//! and explained (pm_identify_blockers, in `blockers.rs`, ranks the issues
//! that hold up the most of it). The analysis is `lazypm_domain::graph` (through
//! [`Service::dependency_graph`]), the drawings `lazypm_domain::graph_render`;
//! this module picks, counts and words. Whatever depends on the time takes
//! `now` as an argument, so it can be tested at any moment.

use std::collections::HashMap;

use lazypm_domain::analytics::round;
use lazypm_domain::graph::GraphEdge;
use lazypm_domain::graph_render::{Drawing, DrawnNode, hours_text};
use lazypm_domain::{Issue, Priority, Status};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ops::in_range;
use crate::ops::views::GraphView;
use crate::{Result, Service};

const DEFAULT_MAX_NODES: u32 = 200;
const MAX_NODES: u32 = 2000;
/// Ranking blockers looks at every linked issue, not a drawable few.
pub(super) const EVERY_NODE: usize = 100_000;
pub(super) const DEFAULT_STALE_DAYS: u32 = 3;
pub(super) const MAX_STALE_DAYS: u32 = 365;
pub(super) const DEFAULT_ROWS: u32 = 10;
pub(super) const MAX_ROWS: u32 = 100;

// How pm_dependency_graph draws its `text`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum GraphFormat {
    #[default]
    Json,
    Ascii,
    Mermaid,
    Dot,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DependencyGraphInput {
    pub project_id: Option<String>,
    /// json (default: a summary), ascii, mermaid or dot.
    pub format: Option<GraphFormat>,
    /// Draw only the critical path.
    pub critical_path: Option<bool>,
    /// 1–2000, default 200.
    pub max_nodes: Option<u32>,
}

/// An issue in the graph.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DependencyGraphNode {
    pub key: String,
    pub title: String,
    pub status: Status,
    pub priority: Priority,
    /// Hours counted for it: its estimate, else the graph's default.
    pub hours: f64,
    /// Whether `hours` is its own estimate.
    pub estimated: bool,
    /// Longest chain of blockers above it (0: nothing open blocks it).
    pub layer: usize,
    /// Hours it can slip without delaying the critical path's end.
    pub slack_hours: f64,
    /// Distinct open issues waiting on it, directly or through others.
    pub unblocks: usize,
    /// Open and no open issue blocks it.
    pub ready: bool,
    pub on_critical_path: bool,
}

/// `from` blocks `to`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DependencyGraphEdge {
    pub from: String,
    pub to: String,
}

/// The chain of blocks links with the most hours.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CriticalPathSummary {
    /// Upstream first.
    pub keys: Vec<String>,
    pub hours: f64,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct DependencyGraphCounts {
    /// Issues shown.
    pub nodes: usize,
    /// Links shown.
    pub edges: usize,
    /// Open issues with a blocks link to other open work, shown or not.
    pub linked: usize,
    /// Linked issues left out by max_nodes.
    pub left_out: usize,
    /// Open issues with no blocks link to other open work (never shown).
    pub unlinked: usize,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct DependencyGraphOutput {
    pub project: String,
    pub format: GraphFormat,
    /// By layer, then position within it.
    pub nodes: Vec<DependencyGraphNode>,
    pub edges: Vec<DependencyGraphEdge>,
    pub critical_path: CriticalPathSummary,
    /// Ready issues, most `unblocks` first.
    pub ready: Vec<String>,
    pub counts: DependencyGraphCounts,
    /// The drawing in `format` (for json, a markdown summary).
    pub text: String,
    /// What each number counts.
    pub explanation: Vec<String>,
    pub next_steps: Vec<String>,
}

impl Service {
    pub async fn pm_dependency_graph(
        &self,
        input: DependencyGraphInput,
    ) -> Result<DependencyGraphOutput> {
        let max_nodes = in_range("max_nodes", input.max_nodes, DEFAULT_MAX_NODES, MAX_NODES)?;
        let view = self
            .dependency_graph(input.project_id.as_deref(), max_nodes as usize)
            .await?;
        Ok(graph_output(
            view,
            input.format.unwrap_or_default(),
            input.critical_path.unwrap_or(false),
            max_nodes,
        ))
    }
}

/// An issue's own estimate when the analysis can use it (finite, not negative).
pub(super) fn own_hours(issue: &Issue) -> Option<f64> {
    issue.estimate.hours.filter(|h| h.is_finite() && *h >= 0.0)
}

fn graph_output(
    view: GraphView,
    format: GraphFormat,
    critical_only: bool,
    max_nodes: u32,
) -> DependencyGraphOutput {
    let a = &view.analysis;
    let mut placed: Vec<(usize, DependencyGraphNode)> = view
        .issues
        .iter()
        .zip(&a.nodes)
        .map(|(issue, n)| {
            let own = own_hours(issue);
            let node = DependencyGraphNode {
                key: issue.key.clone(),
                title: issue.title.clone(),
                status: issue.status,
                priority: issue.priority,
                hours: round(own.unwrap_or(a.default_hours), 2),
                estimated: own.is_some(),
                layer: n.layer,
                slack_hours: round(n.slack_hours, 2),
                unblocks: n.unblocks,
                ready: n.ready,
                on_critical_path: n.on_critical_path,
            };
            (n.order, node)
        })
        .collect();
    placed.sort_by(|(oa, na), (ob, nb)| (na.layer, oa).cmp(&(nb.layer, ob)));
    let drawing = Drawing {
        nodes: placed
            .iter()
            .map(|(order, n)| DrawnNode {
                key: n.key.clone(),
                title: n.title.clone(),
                status: n.status,
                layer: n.layer,
                order: *order,
                ready: n.ready,
            })
            .collect(),
        edges: view
            .edges
            .iter()
            .map(|(from, to)| GraphEdge {
                from: from.clone(),
                to: to.clone(),
            })
            .collect(),
        critical_path: a.critical_path.clone(),
        critical_hours: a.critical_hours,
    };
    let drawing = if critical_only {
        drawing.critical_only()
    } else {
        drawing
    };
    let nodes: Vec<DependencyGraphNode> = placed.into_iter().map(|(_, n)| n).collect();
    let counts = DependencyGraphCounts {
        nodes: nodes.len(),
        edges: view.edges.len(),
        linked: nodes.len() + view.left_out,
        left_out: view.left_out,
        unlinked: view.unlinked,
    };
    let explanation = explain(&counts, a.default_hours, a.critical_hours, max_nodes);
    let text = match format {
        GraphFormat::Json => summary(
            &view.project,
            &nodes,
            a,
            &counts,
            &explanation,
            critical_only,
        ),
        GraphFormat::Ascii => drawing.ascii(),
        GraphFormat::Mermaid => drawing.mermaid(),
        GraphFormat::Dot => drawing.dot(),
    };
    let next_steps = graph_steps(&nodes, &a.ready, &counts);
    DependencyGraphOutput {
        project: view.project.clone(),
        format,
        edges: view
            .edges
            .iter()
            .map(|(from, to)| DependencyGraphEdge {
                from: from.clone(),
                to: to.clone(),
            })
            .collect(),
        critical_path: CriticalPathSummary {
            keys: a.critical_path.clone(),
            hours: round(a.critical_hours, 2),
        },
        ready: a.ready.clone(),
        nodes,
        counts,
        text,
        explanation,
        next_steps,
    }
}

fn explain(
    counts: &DependencyGraphCounts,
    default_hours: f64,
    critical_hours: f64,
    max_nodes: u32,
) -> Vec<String> {
    let mut lines = vec![format!(
        "nodes: open issues with a blocks link to other open work ({}); the {} open issues without one are not shown",
        counts.linked, counts.unlinked
    )];
    if counts.left_out > 0 {
        lines.push(format!(
            "shown: the {} most urgent of {} linked issues (max_nodes {max_nodes}); links to the {} left out are ignored, so an issue waiting only on those shows as ready",
            counts.nodes, counts.linked, counts.left_out
        ));
    }
    lines.extend([
        format!(
            "hours: estimate_hours when set, else {} per issue (the median estimate of the issues shown, or 1 h when none has one)",
            hours_text(default_hours)
        ),
        format!(
            "critical path: the chain of blocks links with the most hours; {} is the earliest it can all be done with every ready issue worked on at once",
            hours_text(critical_hours)
        ),
        "slack_hours: how long an issue can slip without delaying the critical path's end (0 on it)".into(),
        "unblocks: distinct open issues waiting on it, directly or through others".into(),
        "ready: open, and no open issue blocks it".into(),
        "layer: the longest chain of open blockers above it (L0: none)".into(),
    ]);
    lines
}

/// The json format's `text`: the graph in a few lines of markdown.
fn summary(
    project: &str,
    nodes: &[DependencyGraphNode],
    a: &lazypm_domain::graph::GraphAnalysis,
    counts: &DependencyGraphCounts,
    explanation: &[String],
    critical_only: bool,
) -> String {
    let by_key: HashMap<&str, &DependencyGraphNode> =
        nodes.iter().map(|n| (n.key.as_str(), n)).collect();
    let mut out = String::new();
    if nodes.is_empty() {
        out.push_str(&format!(
            "## Dependency graph of {project}\nNo open issue blocks another ({} open issues, none linked).\n",
            counts.unlinked
        ));
        return out;
    }
    if critical_only {
        out.push_str(&format!(
            "## Critical path of {project}: {}\n",
            hours_text(a.critical_hours)
        ));
        for (i, key) in a.critical_path.iter().enumerate() {
            if let Some(n) = by_key.get(key.as_str()) {
                let ready = if n.ready { ", ready" } else { "" };
                out.push_str(&format!(
                    "{}. {} {}: {}, {}{ready}\n",
                    i + 1,
                    n.key,
                    n.title,
                    hours_text(n.hours),
                    n.status
                ));
            }
        }
    } else {
        out.push_str(&format!(
            "## Dependency graph of {project}\n{} issues, {} blocks links, {} layers.\n\n",
            counts.nodes, counts.edges, a.layers
        ));
        out.push_str(&format!(
            "**Critical path ({}):** {}\n",
            hours_text(a.critical_hours),
            a.critical_path.join(" → ")
        ));
        let ready: Vec<String> = a
            .ready
            .iter()
            .filter_map(|k| by_key.get(k.as_str()))
            .map(|n| format!("{} (unblocks {})", n.key, n.unblocks))
            .collect();
        out.push_str(&format!("**Ready now:** {}\n", or_none(&ready)));
        let mut slack: Vec<&DependencyGraphNode> =
            nodes.iter().filter(|n| n.slack_hours > 0.0).collect();
        slack.sort_by(|x, y| y.slack_hours.total_cmp(&x.slack_hours));
        let slack: Vec<String> = slack
            .iter()
            .take(5)
            .map(|n| format!("{} {}", n.key, hours_text(n.slack_hours)))
            .collect();
        out.push_str(&format!("**Most slack:** {}\n", or_none(&slack)));
    }
    out.push_str("\nHow to read it:\n");
    for line in explanation {
        out.push_str(&format!("- {line}\n"));
    }
    out
}

fn or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

fn graph_steps(
    nodes: &[DependencyGraphNode],
    ready: &[String],
    counts: &DependencyGraphCounts,
) -> Vec<String> {
    if nodes.is_empty() {
        return vec!["pm_suggest_next_work: no open issue blocks another; pick ready work".into()];
    }
    let by_key: HashMap<&str, &DependencyGraphNode> =
        nodes.iter().map(|n| (n.key.as_str(), n)).collect();
    let mut steps = Vec::new();
    let ready: Vec<&DependencyGraphNode> = ready
        .iter()
        .filter_map(|k| by_key.get(k.as_str()).copied())
        .collect();
    if let Some(n) = ready.iter().find(|n| n.on_critical_path) {
        steps.push(match n.status {
            Status::Proposed => format!("pm_start_work {}: on the critical path and ready", n.key),
            Status::Blocked => format!(
                "pm_update_status {}: on the critical path with nothing open blocking it, but in status blocked",
                n.key
            ),
            status => format!(
                "pm_get_issue {}: on the critical path, {status}; finishing it shortens the path",
                n.key
            ),
        });
    }
    if let Some(n) = ready
        .iter()
        .find(|n| !n.on_critical_path && n.unblocks > 0 && n.status == Status::Proposed)
    {
        let issues = if n.unblocks == 1 { "issue" } else { "issues" };
        steps.push(format!(
            "pm_start_work {}: ready, unblocks {} {issues}",
            n.key, n.unblocks
        ));
    }
    if counts.left_out > 0 {
        steps.push(format!(
            "pm_dependency_graph max_nodes={}: show every linked issue",
            counts.linked.min(MAX_NODES as usize)
        ));
    }
    steps.push("pm_identify_blockers: what holds up the most work".into());
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_name_their_field() {
        assert_eq!(in_range("max_nodes", None, 200, 2000).unwrap(), 200);
        assert_eq!(in_range("max_nodes", Some(2000), 200, 2000).unwrap(), 2000);
        let e = in_range("max_nodes", Some(0), 200, 2000).unwrap_err();
        assert_eq!(e.field(), Some("max_nodes"));
        assert!(e.to_string().contains("between 1 and 2000"), "{e}");
    }
}
