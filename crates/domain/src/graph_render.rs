//! Text renderings of an analysed `blocks` graph (see [`crate::graph`]): an
//! outline by layers, Mermaid `graph TD` and Graphviz DOT. Pure: the caller
//! decides what to draw, these only write it, escaping every title so a
//! title can never break the syntax around it.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use crate::Status;
use crate::graph::GraphEdge;

/// Titles longer than this many characters are cut and end in `…`.
const TITLE_CHARS: usize = 60;

const CRITICAL_COLOUR: &str = "#c62828";
const READY_FILL: &str = "#e8f5e9";

/// An issue as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct DrawnNode {
    pub key: String,
    pub title: String,
    pub status: Status,
    /// Column from [`crate::graph::NodeAnalysis::layer`].
    pub layer: usize,
    /// Position within the layer.
    pub order: usize,
    /// Open with no open blocker.
    pub ready: bool,
}

/// What a rendering shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Drawing {
    pub nodes: Vec<DrawnNode>,
    /// `from` blocks `to`; edges naming a key not in `nodes` are not drawn.
    pub edges: Vec<GraphEdge>,
    /// Keys, upstream first.
    pub critical_path: Vec<String>,
    /// Hours along the critical path.
    pub critical_hours: f64,
}

impl Drawing {
    /// The critical path alone: its issues and the links among them.
    pub fn critical_only(&self) -> Drawing {
        let on: HashSet<&str> = self.critical_path.iter().map(String::as_str).collect();
        Drawing {
            nodes: self
                .nodes
                .iter()
                .filter(|n| on.contains(n.key.as_str()))
                .cloned()
                .collect(),
            edges: self
                .edges
                .iter()
                .filter(|e| on.contains(e.from.as_str()) && on.contains(e.to.as_str()))
                .cloned()
                .collect(),
            critical_path: self.critical_path.clone(),
            critical_hours: self.critical_hours,
        }
    }

    /// One line per issue, layer by layer: `L0 *PM-3 Parser [ready] → PM-5`,
    /// `*` marking the critical path, after a line naming that path.
    pub fn ascii(&self) -> String {
        let layout = Layout::of(self);
        if layout.nodes.is_empty() {
            return "(no blocks links among open issues)\n".into();
        }
        let mut out = String::new();
        if let Some(path) = self.path_line(" → ") {
            let _ = writeln!(out, "{path}, marked *");
        }
        let width = layout
            .nodes
            .iter()
            .map(|n| n.layer.to_string().len() + 1)
            .max()
            .unwrap_or(2);
        for node in &layout.nodes {
            let mark = if layout.critical(&node.key) { '*' } else { ' ' };
            let layer = format!("L{}", node.layer);
            let _ = write!(
                out,
                "{layer:<width$} {mark}{} {}",
                one_line(&node.key),
                title(&node.title)
            );
            let mut tags = Vec::new();
            if node.status != Status::Proposed {
                tags.push(node.status.as_str());
            }
            if node.ready {
                tags.push("ready");
            }
            if !tags.is_empty() {
                let _ = write!(out, " [{}]", tags.join(", "));
            }
            let next = layout.successors(&node.key);
            if !next.is_empty() {
                let _ = write!(out, " → {}", next.join(", "));
            }
            out.push('\n');
        }
        out
    }

    /// A Mermaid flowchart: node ids are keys made safe (`PM-3` → `PM_3`),
    /// labels quoted with Mermaid's entity codes for `"`, `<`, `>`, `#`, `&`;
    /// critical links drawn thick, critical and ready issues styled.
    pub fn mermaid(&self) -> String {
        let layout = Layout::of(self);
        let mut out = String::from("graph TD\n");
        if let Some(path) = self.path_line(" → ") {
            let _ = writeln!(out, "  %% {path}");
        }
        for node in &layout.nodes {
            let label = format!("{} {}", one_line(&node.key), title(&node.title));
            let _ = writeln!(
                out,
                "  {}[\"{}\"]",
                mermaid_id(&node.key),
                mermaid_text(&label)
            );
        }
        for (from, to) in &layout.edges {
            let arrow = if layout.critical_link(from, to) {
                "==>"
            } else {
                "-->"
            };
            let _ = writeln!(out, "  {} {arrow} {}", mermaid_id(from), mermaid_id(to));
        }
        let critical: Vec<String> = layout
            .nodes
            .iter()
            .filter(|n| layout.critical(&n.key))
            .map(|n| mermaid_id(&n.key))
            .collect();
        let ready: Vec<String> = layout
            .nodes
            .iter()
            .filter(|n| n.ready)
            .map(|n| mermaid_id(&n.key))
            .collect();
        if !critical.is_empty() {
            let _ = writeln!(
                out,
                "  classDef critical stroke:{CRITICAL_COLOUR},stroke-width:3px"
            );
            let _ = writeln!(out, "  class {} critical", critical.join(","));
        }
        if !ready.is_empty() {
            let _ = writeln!(out, "  classDef ready fill:{READY_FILL}");
            let _ = writeln!(out, "  class {} ready", ready.join(","));
        }
        out
    }

    /// A Graphviz digraph: ids and labels are quoted strings with `\` and `"`
    /// escaped; critical issues and links in red, ready issues filled.
    pub fn dot(&self) -> String {
        let layout = Layout::of(self);
        let mut out = String::from("digraph dependencies {\n  node [shape=box];\n");
        if let Some(path) = self.path_line(" -> ") {
            let _ = writeln!(out, "  // {path}");
        }
        let red = format!("color=\"{CRITICAL_COLOUR}\", penwidth=2");
        for node in &layout.nodes {
            let label = format!("{} {}", one_line(&node.key), title(&node.title));
            let mut attrs = vec![format!("label={}", dot_string(&label))];
            if layout.critical(&node.key) {
                attrs.push(red.clone());
            }
            if node.ready {
                attrs.push(format!("style=filled, fillcolor=\"{READY_FILL}\""));
            }
            let _ = writeln!(out, "  {} [{}];", dot_string(&node.key), attrs.join(", "));
        }
        for (from, to) in &layout.edges {
            let style = if layout.critical_link(from, to) {
                format!(" [{red}]")
            } else {
                String::new()
            };
            let _ = writeln!(out, "  {} -> {}{style};", dot_string(from), dot_string(to));
        }
        out.push_str("}\n");
        out
    }

    /// `critical path (10 h): A → B → C`, or `None` without one.
    fn path_line(&self, arrow: &str) -> Option<String> {
        if self.critical_path.is_empty() {
            return None;
        }
        let keys: Vec<String> = self.critical_path.iter().map(|k| one_line(k)).collect();
        Some(format!(
            "critical path ({}): {}",
            hours_text(self.critical_hours),
            keys.join(arrow)
        ))
    }
}

/// Nodes in drawing order (layer, then position, then key) and the edges
/// between drawn nodes in the same order.
struct Layout<'a> {
    nodes: Vec<&'a DrawnNode>,
    edges: Vec<(&'a str, &'a str)>,
    on_path: HashSet<&'a str>,
    path_links: HashSet<(&'a str, &'a str)>,
}

impl<'a> Layout<'a> {
    fn of(d: &'a Drawing) -> Self {
        let mut nodes: Vec<&DrawnNode> = d.nodes.iter().collect();
        nodes.sort_by(|a, b| (a.layer, a.order, &a.key).cmp(&(b.layer, b.order, &b.key)));
        let position: HashMap<&str, usize> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.key.as_str(), i))
            .collect();
        let mut edges: Vec<(usize, usize)> = d
            .edges
            .iter()
            .filter_map(|e| {
                Some((
                    *position.get(e.from.as_str())?,
                    *position.get(e.to.as_str())?,
                ))
            })
            .collect();
        edges.sort_unstable();
        edges.dedup();
        let edges = edges
            .into_iter()
            .map(|(f, t)| (nodes[f].key.as_str(), nodes[t].key.as_str()))
            .collect();
        Layout {
            edges,
            on_path: d.critical_path.iter().map(String::as_str).collect(),
            path_links: d
                .critical_path
                .windows(2)
                .map(|w| (w[0].as_str(), w[1].as_str()))
                .collect(),
            nodes,
        }
    }

    fn critical(&self, key: &str) -> bool {
        self.on_path.contains(key)
    }

    /// A link between consecutive issues of the critical path.
    fn critical_link(&self, from: &str, to: &str) -> bool {
        self.path_links.contains(&(from, to))
    }

    fn successors(&self, key: &str) -> Vec<&'a str> {
        self.edges
            .iter()
            .filter(|(f, _)| *f == key)
            .map(|(_, t)| *t)
            .collect()
    }
}

/// Hours for reading: `10 h`, `2.5 h`.
pub fn hours_text(hours: f64) -> String {
    let tenths = (hours * 10.0).round() / 10.0;
    if tenths.fract() == 0.0 {
        format!("{tenths:.0} h")
    } else {
        format!("{tenths:.1} h")
    }
}

/// Text on one line: control characters (newlines, tabs) become spaces and
/// runs of whitespace one space.
fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A title on one line, cut to `TITLE_CHARS` characters.
fn title(text: &str) -> String {
    let line = one_line(text);
    if line.chars().count() <= TITLE_CHARS {
        return line;
    }
    let mut cut: String = line.chars().take(TITLE_CHARS - 1).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

/// A Mermaid node id: letters, digits and `_` kept, anything else `_`.
fn mermaid_id(key: &str) -> String {
    key.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// Text inside a quoted Mermaid label, with the characters Mermaid would
/// read as syntax or HTML written as its entity codes.
fn mermaid_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '#' => out.push_str("#35;"),
            c => out.push(c),
        }
    }
    out
}

/// A DOT quoted string.
fn dot_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in one_line(text).chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(key: &str, title: &str, status: Status, layer: usize, order: usize) -> DrawnNode {
        DrawnNode {
            key: key.into(),
            title: title.into(),
            status,
            layer,
            order,
            ready: false,
        }
    }

    fn edge(from: &str, to: &str) -> GraphEdge {
        GraphEdge {
            from: from.into(),
            to: to.into(),
        }
    }

    /// PM-1 and PM-5 are ready; PM-1 → PM-2 → PM-4 is the critical path
    /// (10 h); PM-3 waits on PM-1 and PM-5 and is marked blocked.
    fn sample() -> Drawing {
        let mut nodes = vec![
            node("PM-4", "Release", Status::Proposed, 2, 0),
            node("PM-3", "Lexer", Status::Blocked, 1, 1),
            node("PM-2", "Parser", Status::Proposed, 1, 0),
            node("PM-5", "Docs", Status::InProgress, 0, 1),
            node("PM-1", "Schema", Status::Proposed, 0, 0),
        ];
        nodes[3].ready = true;
        nodes[4].ready = true;
        Drawing {
            nodes,
            edges: vec![
                edge("PM-3", "PM-4"),
                edge("PM-1", "PM-3"),
                edge("PM-1", "PM-2"),
                edge("PM-2", "PM-4"),
                edge("PM-5", "PM-3"),
                edge("PM-5", "GHOST"),
            ],
            critical_path: vec!["PM-1".into(), "PM-2".into(), "PM-4".into()],
            critical_hours: 10.0,
        }
    }

    #[test]
    fn ascii_lists_layers_with_the_critical_path_marked() {
        assert_eq!(
            sample().ascii(),
            "critical path (10 h): PM-1 → PM-2 → PM-4, marked *\n\
             L0 *PM-1 Schema [ready] → PM-2, PM-3\n\
             L0  PM-5 Docs [in_progress, ready] → PM-3\n\
             L1 *PM-2 Parser → PM-4\n\
             L1  PM-3 Lexer [blocked] → PM-4\n\
             L2 *PM-4 Release\n"
        );
    }

    #[test]
    fn mermaid_is_a_flowchart_with_safe_ids() {
        assert_eq!(
            sample().mermaid(),
            "graph TD\n\
             \x20 %% critical path (10 h): PM-1 → PM-2 → PM-4\n\
             \x20 PM_1[\"PM-1 Schema\"]\n\
             \x20 PM_5[\"PM-5 Docs\"]\n\
             \x20 PM_2[\"PM-2 Parser\"]\n\
             \x20 PM_3[\"PM-3 Lexer\"]\n\
             \x20 PM_4[\"PM-4 Release\"]\n\
             \x20 PM_1 ==> PM_2\n\
             \x20 PM_1 --> PM_3\n\
             \x20 PM_5 --> PM_3\n\
             \x20 PM_2 ==> PM_4\n\
             \x20 PM_3 --> PM_4\n\
             \x20 classDef critical stroke:#c62828,stroke-width:3px\n\
             \x20 class PM_1,PM_2,PM_4 critical\n\
             \x20 classDef ready fill:#e8f5e9\n\
             \x20 class PM_1,PM_5 ready\n"
        );
    }

    #[test]
    fn dot_is_a_digraph_with_quoted_ids() {
        assert_eq!(
            sample().dot(),
            "digraph dependencies {\n\
             \x20 node [shape=box];\n\
             \x20 // critical path (10 h): PM-1 -> PM-2 -> PM-4\n\
             \x20 \"PM-1\" [label=\"PM-1 Schema\", color=\"#c62828\", penwidth=2, style=filled, fillcolor=\"#e8f5e9\"];\n\
             \x20 \"PM-5\" [label=\"PM-5 Docs\", style=filled, fillcolor=\"#e8f5e9\"];\n\
             \x20 \"PM-2\" [label=\"PM-2 Parser\", color=\"#c62828\", penwidth=2];\n\
             \x20 \"PM-3\" [label=\"PM-3 Lexer\"];\n\
             \x20 \"PM-4\" [label=\"PM-4 Release\", color=\"#c62828\", penwidth=2];\n\
             \x20 \"PM-1\" -> \"PM-2\" [color=\"#c62828\", penwidth=2];\n\
             \x20 \"PM-1\" -> \"PM-3\";\n\
             \x20 \"PM-5\" -> \"PM-3\";\n\
             \x20 \"PM-2\" -> \"PM-4\" [color=\"#c62828\", penwidth=2];\n\
             \x20 \"PM-3\" -> \"PM-4\";\n\
             }\n"
        );
    }

    #[test]
    fn critical_only_keeps_the_path_and_its_links() {
        let path = sample().critical_only();
        assert_eq!(
            path.ascii(),
            "critical path (10 h): PM-1 → PM-2 → PM-4, marked *\n\
             L0 *PM-1 Schema [ready] → PM-2\n\
             L1 *PM-2 Parser → PM-4\n\
             L2 *PM-4 Release\n"
        );
        assert!(!path.mermaid().contains("PM_3"));
        assert!(!path.dot().contains("PM-5"));
    }

    #[test]
    fn titles_cannot_break_the_syntax() {
        let nasty = "Say \"hi\" <b>[x]</b> & #1\nnext\\line";
        let d = Drawing {
            nodes: vec![node("PM-9", nasty, Status::Proposed, 0, 0)],
            ..Drawing::default()
        };
        assert_eq!(
            d.mermaid(),
            "graph TD\n  PM_9[\"PM-9 Say #quot;hi#quot; #lt;b#gt;[x]#lt;/b#gt; #amp; #35;1 next\\line\"]\n"
        );
        assert_eq!(
            d.dot(),
            "digraph dependencies {\n  node [shape=box];\n  \"PM-9\" [label=\"PM-9 Say \\\"hi\\\" <b>[x]</b> & #1 next\\\\line\"];\n}\n"
        );
        assert_eq!(
            d.ascii(),
            "L0  PM-9 Say \"hi\" <b>[x]</b> & #1 next\\line\n"
        );
    }

    #[test]
    fn long_titles_are_cut_and_hours_read_plainly() {
        let long = "word ".repeat(30);
        let cut = title(&long);
        assert_eq!(cut.chars().count(), 60);
        assert!(cut.ends_with("word…"), "{cut}");
        assert_eq!(hours_text(10.0), "10 h");
        assert_eq!(hours_text(2.25), "2.3 h");
        assert_eq!(hours_text(0.0), "0 h");
    }

    #[test]
    fn an_empty_graph_still_renders_valid_text() {
        let d = Drawing::default();
        assert_eq!(d.ascii(), "(no blocks links among open issues)\n");
        assert_eq!(d.mermaid(), "graph TD\n");
        assert_eq!(d.dot(), "digraph dependencies {\n  node [shape=box];\n}\n");
    }
}
