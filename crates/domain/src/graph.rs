//! A project's `blocks` dependency graph, analysed: a layered left-to-right
//! layout, the ready-now frontier, how much each issue unblocks, and the
//! critical path by remaining hours (CPM). Pure and deterministic: the same
//! input always gives the same output.
//!
//! The store refuses cycles among `blocks`, but this module still terminates
//! on one. A depth-first search that starts from nodes in key order and visits
//! successors in key order treats every edge leading back into its current
//! path as absent. Layout, path computations and `unblocks` use that acyclic
//! graph; readiness looks at every blocker, so an issue on a cycle is never
//! ready.

use std::cmp::Reverse;
use std::collections::HashMap;

use schemars::JsonSchema;
use serde::Serialize;

use crate::Status;

/// Hours counted for an unknown estimate when no open issue has a usable one.
const FALLBACK_HOURS: f64 = 1.0;

/// Barycenter sweeps (alternating down and up) used to reduce edge crossings.
const ORDER_SWEEPS: usize = 4;

/// An issue in the graph.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphNode {
    /// The issue key; edges refer to nodes by it.
    pub key: String,
    /// Done and canceled issues are closed and weigh nothing.
    pub status: Status,
    /// Remaining work in hours (the estimate); `None` when unknown.
    pub hours: Option<f64>,
}

/// `from` blocks `to`: `to` cannot start until `from` is closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphEdge {
    /// The blocking issue's key.
    pub from: String,
    /// The blocked issue's key.
    pub to: String,
}

/// What the analysis says about one issue.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct NodeAnalysis {
    /// The issue key.
    pub key: String,
    /// Longest-path depth from a source (0 when nothing blocks it): the
    /// column in a left-to-right layout.
    pub layer: usize,
    /// Position within its layer after crossing reduction, from 0.
    pub order: usize,
    /// Open, and every issue blocking it is closed.
    pub ready: bool,
    /// On the reported critical path.
    pub on_critical_path: bool,
    /// Hours this open issue can slip without delaying the project's end:
    /// 0 on the critical path and for closed issues.
    pub slack_hours: f64,
    /// Distinct open issues transitively downstream of this one.
    pub unblocks: usize,
    /// Earliest start, in hours from now, if every blocker is worked on at once.
    pub earliest_start_hours: f64,
}

/// The whole graph's analysis.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct GraphAnalysis {
    /// One entry per input node, in input order.
    pub nodes: Vec<NodeAnalysis>,
    /// Keys, upstream first, of the longest open chain by remaining hours.
    pub critical_path: Vec<String>,
    /// Remaining hours along the critical path: the project's earliest end.
    pub critical_hours: f64,
    /// Open issues with no open blocker, most `unblocks` first, then by key.
    pub ready: Vec<String>,
    /// Number of layers (0 for an empty graph).
    pub layers: usize,
    /// Hours counted for an open issue whose estimate is unknown, non-finite
    /// or negative: the median of the usable open estimates, or 1 hour when
    /// there are none.
    pub default_hours: f64,
}

/// Analyses the `blocks` graph. Edges naming unknown keys are ignored and
/// duplicates count once; when a key repeats, edges attach to its first node.
/// Closed issues weigh 0 hours in path computations.
///
/// Runs in O((V + E) log V) apart from `unblocks`, which costs
/// O((V + E) · V / 64) per weakly connected component (cheap for the
/// thousands of issues a project holds).
pub fn analyze(nodes: &[GraphNode], edges: &[GraphEdge]) -> GraphAnalysis {
    let n = nodes.len();
    let mut by_rank: Vec<usize> = (0..n).collect();
    by_rank.sort_by(|&a, &b| nodes[a].key.cmp(&nodes[b].key));
    let mut rank = vec![0; n];
    for (r, &v) in by_rank.iter().enumerate() {
        rank[v] = r;
    }
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(n);
    for (i, node) in nodes.iter().enumerate() {
        index.entry(node.key.as_str()).or_insert(i);
    }
    let pairs: Vec<(usize, usize)> = edges
        .iter()
        .filter_map(|e| Some((*index.get(e.from.as_str())?, *index.get(e.to.as_str())?)))
        .collect();
    let all = Adjacency::new(n, pairs, &rank);

    let open: Vec<bool> = nodes.iter().map(|node| !node.status.is_closed()).collect();
    let mut blocked = vec![false; n];
    for (u, v) in all.pairs() {
        blocked[v] |= open[u];
    }

    let (topo, kept) = break_cycles(&all, &by_rank);
    let dag: Vec<(usize, usize)> = all
        .pairs()
        .zip(&kept)
        .filter(|&(_, &k)| k)
        .map(|(p, _)| p)
        .collect();
    let pred = Adjacency::new(n, dag.iter().map(|&(u, v)| (v, u)).collect(), &rank);
    let succ = Adjacency::new(n, dag, &rank);

    let mut layer = vec![0; n];
    for &v in &topo {
        layer[v] = pred.of(v).iter().map(|&p| layer[p] + 1).max().unwrap_or(0);
    }
    let layers = layer.iter().max().map_or(0, |&l| l + 1);
    let order = order_within_layers(&layer, layers, &pred, &succ, &by_rank, &rank);

    let default_hours = default_hours(nodes);
    let weight: Vec<f64> = nodes
        .iter()
        .zip(&open)
        .map(|(node, &open)| match node.hours {
            _ if !open => 0.0,
            Some(h) if usable(h) => h,
            _ => default_hours,
        })
        .collect();
    let cpm = Cpm::run(&topo, &pred, &succ, &weight, &open);
    let chain = cpm.critical_chain(&pred, &open, &layer, &rank);
    let mut on_chain = vec![false; n];
    for &v in &chain {
        on_chain[v] = true;
    }

    let unblocks = count_unblocks(&topo, &succ, &pred, &open);
    let is_ready: Vec<bool> = (0..n).map(|v| open[v] && !blocked[v]).collect();
    let mut ready: Vec<usize> = (0..n).filter(|&v| is_ready[v]).collect();
    ready.sort_by_key(|&v| (Reverse(unblocks[v]), rank[v]));

    let key = |v: usize| nodes[v].key.clone();
    GraphAnalysis {
        nodes: (0..n)
            .map(|v| NodeAnalysis {
                key: key(v),
                layer: layer[v],
                order: order[v],
                ready: is_ready[v],
                on_critical_path: on_chain[v],
                slack_hours: cpm.slack[v],
                unblocks: unblocks[v],
                earliest_start_hours: cpm.start[v],
            })
            .collect(),
        critical_path: chain.into_iter().map(key).collect(),
        critical_hours: cpm.end,
        ready: ready.into_iter().map(key).collect(),
        layers,
        default_hours,
    }
}

fn usable(hours: f64) -> bool {
    hours.is_finite() && hours >= 0.0
}

fn default_hours(nodes: &[GraphNode]) -> f64 {
    let mut known: Vec<f64> = nodes
        .iter()
        .filter(|node| !node.status.is_closed())
        .filter_map(|node| node.hours.filter(|&h| usable(h)))
        .collect();
    known.sort_by(f64::total_cmp);
    let mid = known.len() / 2;
    match known.len() {
        0 => FALLBACK_HOURS,
        len if len % 2 == 1 => known[mid],
        _ => (known[mid - 1] + known[mid]) / 2.0,
    }
}

/// Adjacency lists in one flat array, each list sorted by key rank.
struct Adjacency {
    start: Vec<usize>,
    targets: Vec<usize>,
}

impl Adjacency {
    fn new(n: usize, mut pairs: Vec<(usize, usize)>, rank: &[usize]) -> Self {
        pairs.sort_unstable_by_key(|&(u, v)| (u, rank[v]));
        pairs.dedup();
        let mut start = vec![0; n + 1];
        for &(u, _) in &pairs {
            start[u + 1] += 1;
        }
        let mut total = 0;
        for s in &mut start {
            total += *s;
            *s = total;
        }
        let targets = pairs.into_iter().map(|(_, v)| v).collect();
        Self { start, targets }
    }

    fn of(&self, v: usize) -> &[usize] {
        &self.targets[self.start[v]..self.start[v + 1]]
    }

    /// Every edge, in the order of `targets`.
    fn pairs(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        (0..self.start.len() - 1).flat_map(move |u| self.of(u).iter().map(move |&v| (u, v)))
    }
}

/// Depth-first search from every node in key order, successors in key order.
/// Returns a topological order of the graph without the edges that close a
/// cycle, and for each edge of `all` whether it is kept.
fn break_cycles(all: &Adjacency, by_rank: &[usize]) -> (Vec<usize>, Vec<bool>) {
    #[derive(Clone, Copy, PartialEq)]
    enum Visit {
        New,
        OnPath,
        Finished,
    }
    let mut state = vec![Visit::New; by_rank.len()];
    let mut kept = vec![true; all.targets.len()];
    let mut finished = Vec::with_capacity(by_rank.len());
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for &root in by_rank {
        if state[root] != Visit::New {
            continue;
        }
        state[root] = Visit::OnPath;
        stack.push((root, all.start[root]));
        while let Some(frame) = stack.last_mut() {
            let (v, edge) = *frame;
            if edge == all.start[v + 1] {
                state[v] = Visit::Finished;
                finished.push(v);
                stack.pop();
                continue;
            }
            frame.1 += 1;
            let w = all.targets[edge];
            match state[w] {
                Visit::New => {
                    state[w] = Visit::OnPath;
                    stack.push((w, all.start[w]));
                }
                Visit::OnPath => kept[edge] = false,
                Visit::Finished => {}
            }
        }
    }
    finished.reverse();
    (finished, kept)
}

/// Positions within each layer: key order first, then barycenter sweeps
/// (down against predecessors, up against successors), ties by key. A node
/// without neighbours on the swept side keeps its relative position.
fn order_within_layers(
    layer: &[usize],
    layers: usize,
    pred: &Adjacency,
    succ: &Adjacency,
    by_rank: &[usize],
    rank: &[usize],
) -> Vec<usize> {
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); layers];
    for &v in by_rank {
        members[layer[v]].push(v);
    }
    let sizes: Vec<f64> = members.iter().map(|m| m.len() as f64).collect();
    let mut pos = vec![0; layer.len()];
    for m in &members {
        for (i, &v) in m.iter().enumerate() {
            pos[v] = i;
        }
    }
    for sweep in 0..ORDER_SWEEPS {
        let down = sweep % 2 == 0;
        let side = if down { pred } else { succ };
        for step in 0..layers {
            let l = if down { step } else { layers - 1 - step };
            let place = |v: usize| (pos[v] as f64 + 0.5) / sizes[layer[v]];
            let mut keyed: Vec<(f64, usize, usize)> = members[l]
                .iter()
                .map(|&v| {
                    let ns = side.of(v);
                    let centre = if ns.is_empty() {
                        place(v)
                    } else {
                        ns.iter().map(|&u| place(u)).sum::<f64>() / ns.len() as f64
                    };
                    (centre, rank[v], v)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            for (i, &(_, _, v)) in keyed.iter().enumerate() {
                pos[v] = i;
            }
            members[l] = keyed.into_iter().map(|(_, _, v)| v).collect();
        }
    }
    pos
}

/// The critical path method's passes over the acyclic graph.
struct Cpm {
    start: Vec<f64>,
    finish: Vec<f64>,
    slack: Vec<f64>,
    end: f64,
    tolerance: f64,
}

impl Cpm {
    fn run(
        topo: &[usize],
        pred: &Adjacency,
        succ: &Adjacency,
        weight: &[f64],
        open: &[bool],
    ) -> Self {
        let n = topo.len();
        let mut start = vec![0.0; n];
        let mut finish = vec![0.0; n];
        for &v in topo {
            start[v] = pred.of(v).iter().map(|&p| finish[p]).fold(0.0, f64::max);
            finish[v] = start[v] + weight[v];
        }
        let end = finish.iter().copied().fold(0.0, f64::max);
        let mut latest_finish = vec![end; n];
        for &v in topo.iter().rev() {
            latest_finish[v] = succ
                .of(v)
                .iter()
                .map(|&s| latest_finish[s] - weight[s])
                .fold(end, f64::min);
        }
        // Sums along different paths may differ by rounding; a slack that
        // small is zero.
        let tolerance = 1e-9 * end.max(1.0);
        let slack = (0..n)
            .map(|v| {
                let s = latest_finish[v] - weight[v] - start[v];
                if open[v] && s > tolerance { s } else { 0.0 }
            })
            .collect();
        Self {
            start,
            finish,
            slack,
            end,
            tolerance,
        }
    }

    /// The open nodes of the chain ending at the latest-finishing open node,
    /// walked back through predecessors that finish exactly when it starts
    /// (those have zero slack too). Ties prefer the deeper node, then the
    /// smaller key, so zero-hour links stay on the chain.
    fn critical_chain(
        &self,
        pred: &Adjacency,
        open: &[bool],
        layer: &[usize],
        rank: &[usize],
    ) -> Vec<usize> {
        let pick = |v: &usize| (Reverse(layer[*v]), rank[*v]);
        let mut current = (0..open.len())
            .filter(|&v| open[v] && self.finish[v] >= self.end - self.tolerance)
            .min_by_key(pick);
        let mut chain = Vec::new();
        while let Some(v) = current {
            if open[v] {
                chain.push(v);
            }
            current = pred
                .of(v)
                .iter()
                .copied()
                .filter(|&p| self.finish[p] >= self.start[v] - self.tolerance)
                .min_by_key(pick);
        }
        chain.reverse();
        chain
    }
}

/// Distinct open descendants of every node. Within each weakly connected
/// component, 64 open targets at a time get one bit each and a reverse
/// topological pass ORs successors' reach.
fn count_unblocks(topo: &[usize], succ: &Adjacency, pred: &Adjacency, open: &[bool]) -> Vec<usize> {
    let n = topo.len();
    let mut component = vec![usize::MAX; n];
    let mut components = 0;
    let mut queue = Vec::new();
    for root in 0..n {
        if component[root] != usize::MAX {
            continue;
        }
        component[root] = components;
        queue.push(root);
        while let Some(u) = queue.pop() {
            for &w in succ.of(u).iter().chain(pred.of(u)) {
                if component[w] == usize::MAX {
                    component[w] = components;
                    queue.push(w);
                }
            }
        }
        components += 1;
    }
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); components];
    for &v in topo {
        groups[component[v]].push(v);
    }

    let mut local = vec![0; n];
    let mut unblocks = vec![0; n];
    for group in groups.iter().filter(|g| g.len() > 1) {
        for (i, &v) in group.iter().enumerate() {
            local[v] = i;
        }
        let targets: Vec<usize> = group.iter().copied().filter(|&v| open[v]).collect();
        let mut own = vec![0u64; group.len()];
        let mut reach = vec![0u64; group.len()];
        for chunk in targets.chunks(64) {
            own.fill(0);
            for (bit, &v) in chunk.iter().enumerate() {
                own[local[v]] = 1 << bit;
            }
            // Targets are in topological order, so nothing after the chunk's
            // last one can reach it.
            let last = chunk.last().map_or(0, |&v| local[v]);
            reach[last + 1..].fill(0);
            for (i, &v) in group.iter().enumerate().take(last + 1).rev() {
                let below = succ.of(v).iter().fold(0, |m, &w| m | reach[local[w]]);
                unblocks[v] += below.count_ones() as usize;
                reach[i] = below | own[i];
            }
        }
    }
    unblocks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(key: &str, status: Status, hours: Option<f64>) -> GraphNode {
        GraphNode {
            key: key.into(),
            status,
            hours,
        }
    }

    fn open(key: &str, hours: f64) -> GraphNode {
        node(key, Status::Proposed, Some(hours))
    }

    fn edge(from: &str, to: &str) -> GraphEdge {
        GraphEdge {
            from: from.into(),
            to: to.into(),
        }
    }

    fn find<'a>(a: &'a GraphAnalysis, key: &str) -> &'a NodeAnalysis {
        a.nodes.iter().find(|n| n.key == key).unwrap()
    }

    #[test]
    fn empty_input_gives_empty_analysis() {
        let a = analyze(&[], &[]);
        assert!(a.nodes.is_empty() && a.critical_path.is_empty() && a.ready.is_empty());
        assert_eq!((a.layers, a.critical_hours, a.default_hours), (0, 0.0, 1.0));
    }

    #[test]
    fn diamond_critical_path_takes_the_longer_branch() {
        let nodes = [
            open("A", 2.0),
            open("B", 5.0),
            open("C", 1.0),
            open("D", 3.0),
        ];
        let edges = [
            edge("A", "B"),
            edge("A", "C"),
            edge("B", "D"),
            edge("C", "D"),
        ];
        let a = analyze(&nodes, &edges);
        assert_eq!(a.critical_path, ["A", "B", "D"]);
        assert_eq!(a.critical_hours, 10.0);
        assert_eq!(find(&a, "C").slack_hours, 4.0);
        assert!(!find(&a, "C").on_critical_path);
        for key in ["A", "B", "D"] {
            assert_eq!(find(&a, key).slack_hours, 0.0);
            assert!(find(&a, key).on_critical_path);
        }
        assert_eq!(find(&a, "D").earliest_start_hours, 7.0);
        assert_eq!(find(&a, "C").earliest_start_hours, 2.0);
        let keys: Vec<&str> = a.nodes.iter().map(|n| n.key.as_str()).collect();
        assert_eq!(keys, ["A", "B", "C", "D"], "output follows input order");
    }

    #[test]
    fn ready_frontier_needs_every_blocker_closed() {
        let nodes = [
            node("DONE", Status::Done, None),
            node("GONE", Status::Canceled, None),
            open("FREE", 1.0),
            open("BLOCKED", 1.0),
            node("CLOSED", Status::Done, None),
            open("LONE", 1.0),
        ];
        let edges = [
            edge("DONE", "FREE"),
            edge("GONE", "FREE"),
            edge("FREE", "BLOCKED"),
            edge("DONE", "BLOCKED"),
        ];
        let a = analyze(&nodes, &edges);
        assert!(find(&a, "FREE").ready);
        assert!(!find(&a, "BLOCKED").ready);
        for key in ["DONE", "GONE", "CLOSED"] {
            assert!(!find(&a, key).ready);
            assert_eq!(find(&a, key).slack_hours, 0.0);
        }
        // FREE unblocks one issue, LONE none: FREE comes first.
        assert_eq!(a.ready, ["FREE", "LONE"]);
    }

    #[test]
    fn unblocks_counts_open_descendants_once() {
        let nodes = [
            open("A", 1.0),
            open("B", 1.0),
            node("C", Status::Done, None),
            open("D", 1.0),
            open("E", 1.0),
        ];
        let edges = [
            edge("A", "B"),
            edge("A", "C"),
            edge("B", "D"),
            edge("C", "D"),
            edge("D", "E"),
        ];
        let a = analyze(&nodes, &edges);
        let counts: Vec<usize> = a.nodes.iter().map(|n| n.unblocks).collect();
        // A reaches B, C, D, E but C is done; D is reached twice.
        assert_eq!(counts, [3, 2, 2, 1, 0]);
    }

    #[test]
    fn layers_are_longest_path_depths() {
        let nodes = [
            open("A", 1.0),
            open("B", 1.0),
            open("C", 1.0),
            open("D", 1.0),
            open("E", 1.0),
        ];
        // A -> B -> C, and a shortcut A -> C; D -> C; E stands alone.
        let edges = [
            edge("A", "B"),
            edge("B", "C"),
            edge("A", "C"),
            edge("D", "C"),
        ];
        let a = analyze(&nodes, &edges);
        let layers: Vec<usize> = a.nodes.iter().map(|n| n.layer).collect();
        assert_eq!(layers, [0, 1, 2, 0, 0]);
        assert_eq!(a.layers, 3);
    }

    #[test]
    fn order_is_a_permutation_per_layer_and_uncrosses_edges() {
        let nodes = [
            open("A", 1.0),
            open("B", 1.0),
            open("C", 1.0),
            open("D", 1.0),
            open("E", 1.0),
        ];
        // Key order would put C above D and cross A->D with B->C.
        let edges = [edge("A", "D"), edge("B", "C"), edge("B", "E")];
        let a = analyze(&nodes, &edges);
        for l in 0..a.layers {
            let mut orders: Vec<usize> = a
                .nodes
                .iter()
                .filter(|n| n.layer == l)
                .map(|n| n.order)
                .collect();
            orders.sort_unstable();
            assert_eq!(orders, (0..orders.len()).collect::<Vec<_>>());
        }
        assert!(find(&a, "D").order < find(&a, "C").order);
    }

    #[test]
    fn cycles_terminate_and_every_node_gets_a_layer() {
        let nodes = [
            open("A", 1.0),
            open("B", 1.0),
            open("C", 1.0),
            open("D", 1.0),
        ];
        let edges = [
            edge("A", "B"),
            edge("B", "C"),
            edge("C", "A"),
            edge("C", "D"),
            edge("D", "D"),
        ];
        let a = analyze(&nodes, &edges);
        // The DFS from A drops C -> A and D -> D.
        let layers: Vec<usize> = a.nodes.iter().map(|n| n.layer).collect();
        assert_eq!(layers, [0, 1, 2, 3]);
        assert_eq!(a.critical_path, ["A", "B", "C", "D"]);
        assert!(
            a.ready.is_empty(),
            "every node on a cycle has an open blocker"
        );
    }

    #[test]
    fn unknown_estimates_count_the_median_of_known_open_ones() {
        let nodes = [
            open("A", 2.0),
            open("B", 4.0),
            open("C", 10.0),
            open("D", 6.0),
            node("E", Status::Done, Some(100.0)),
            node("F", Status::Proposed, None),
            node("G", Status::InProgress, Some(f64::NAN)),
            node("H", Status::Review, Some(-3.0)),
        ];
        let edges = [edge("F", "G"), edge("G", "H")];
        let a = analyze(&nodes, &edges);
        assert_eq!(
            a.default_hours, 5.0,
            "median of 2, 4, 6, 10; closed and unusable ignored"
        );
        assert_eq!(a.critical_path, ["F", "G", "H"]);
        assert_eq!(a.critical_hours, 15.0);
        assert_eq!(
            analyze(&[node("X", Status::Proposed, None)], &[]).default_hours,
            1.0
        );
    }

    #[test]
    fn edges_to_unknown_keys_and_duplicates_are_ignored() {
        let nodes = [open("A", 1.0), open("B", 2.0)];
        let edges = [
            edge("GHOST", "A"),
            edge("A", "GHOST"),
            edge("A", "B"),
            edge("A", "B"),
        ];
        let a = analyze(&nodes, &edges);
        assert!(find(&a, "A").ready);
        assert_eq!(find(&a, "A").unblocks, 1);
        assert_eq!(find(&a, "B").layer, 1);
        assert_eq!(a.critical_hours, 3.0);
    }

    #[test]
    fn ten_thousand_nodes_analyse_correctly() {
        // Chains of ten; each chain's head also waits on the middle of the
        // previous chain, so the longest path runs 0..=5, 10..=15, … then
        // the last chain whole.
        let n = 10_000;
        let key = |i: usize| format!("N{i:05}");
        let nodes: Vec<GraphNode> = (0..n).map(|i| open(&key(i), 1.0)).collect();
        let mut edges: Vec<GraphEdge> = (1..n)
            .filter(|i| i % 10 != 0)
            .map(|i| edge(&key(i - 1), &key(i)))
            .collect();
        edges.extend((10..n).step_by(10).map(|i| edge(&key(i - 5), &key(i))));
        let a = analyze(&nodes, &edges);
        let spine = 6 * 999 + 10;
        assert_eq!(a.layers, spine);
        assert_eq!(a.critical_path.len(), spine);
        assert_eq!(a.critical_hours, spine as f64);
        assert_eq!(a.critical_path.first().map(String::as_str), Some("N00000"));
        assert_eq!(a.critical_path.last().map(String::as_str), Some("N09999"));
        assert_eq!(a.ready, ["N00000"]);
        assert_eq!(a.nodes[0].unblocks, n - 1);
        for c in [0, 500, 998] {
            let tail = &a.nodes[10 * c + 9];
            assert_eq!(tail.layer, 6 * c + 9);
            assert_eq!(tail.slack_hours, (spine - (6 * c + 10)) as f64);
            assert_eq!(tail.unblocks, 0);
            assert!(!tail.on_critical_path);
        }
        assert!(a.nodes.iter().all(|node| node.slack_hours >= 0.0));
    }
}
