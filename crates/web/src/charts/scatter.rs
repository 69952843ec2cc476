//! Scatter plots: cycle time per completed issue (with percentile lines) and
//! estimate against actual effort (with the y = x diagonal).

use super::axes::{self, Plot, Scale};
use super::svg::{self, Key, Shape, put};
use super::ticks;

/// One point; with `href` it becomes a link.
#[derive(Debug, Clone, Default)]
pub struct ScatterPoint {
    pub x: f64,
    pub y: f64,
    /// Leads the tooltip, e.g. `LPM-12 Fix login (done Mar 3)`.
    pub label: String,
    pub href: Option<String>,
    /// The colour class: `pt`, `pt-bug`, `pt-over`, or a series class like `s-2`.
    pub class: &'static str,
}

/// A scatter plot; `data-points` counts the points drawn.
#[derive(Debug, Clone, Default)]
pub struct Scatter {
    /// The `data-chart` value, e.g. `cycle-time` or `effort`.
    pub kind: &'static str,
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    /// Labelled x ticks (e.g. dates for day offsets). When given, tooltips
    /// leave the raw x out, so put what x means into each point's label.
    /// Empty: round numeric ticks.
    pub x_ticks: Vec<(f64, String)>,
    pub points: Vec<ScatterPoint>,
    /// Labelled horizontal dashed lines, e.g. `("P50 3.2 d", 3.2)`.
    pub hlines: Vec<(String, f64)>,
    /// Draws y = x; both axes then share one domain.
    pub diagonal: bool,
    /// A log₁₀ y axis (and x axis too with `diagonal`, so y = x stays
    /// straight); points at or below zero cannot be placed and are left out.
    pub log_scale: bool,
    /// Shown instead of the chart when no point can be drawn.
    pub empty_message: String,
}

/// Draws `chart` as a `<figure>` with an SVG scatter plot and its legend.
pub fn scatter(chart: &Scatter) -> String {
    let x_log = chart.log_scale && chart.diagonal;
    let y_log = chart.log_scale;
    let placeable = |v: f64, log: bool| v.is_finite() && (!log || v > 0.0);
    let finite: Vec<&ScatterPoint> = chart
        .points
        .iter()
        .filter(|p| p.x.is_finite() && p.y.is_finite())
        .collect();
    let points: Vec<&ScatterPoint> = finite
        .iter()
        .copied()
        .filter(|p| placeable(p.x, x_log) && placeable(p.y, y_log))
        .collect();
    let hidden = finite.len() - points.len();
    let (Some(xs), Some(ys)) = (
        svg::min_max(points.iter().map(|p| p.x)),
        svg::min_max(points.iter().map(|p| p.y)),
    ) else {
        return svg::empty(chart.kind, &chart.title, &chart.empty_message);
    };
    let hlines: Vec<&(String, f64)> = chart
        .hlines
        .iter()
        .filter(|(_, v)| placeable(*v, y_log))
        .collect();
    let caller_ticks: Vec<&(f64, String)> = chart
        .x_ticks
        .iter()
        .filter(|(x, _)| placeable(*x, x_log))
        .collect();

    // Domains: the data, the lines, and with the diagonal one shared range.
    let mut y_range = svg::min_max(
        [ys.0, ys.1]
            .into_iter()
            .chain(hlines.iter().map(|(_, v)| *v)),
    )
    .unwrap_or(ys);
    let mut x_range = xs;
    if chart.diagonal {
        let shared = (x_range.0.min(y_range.0), x_range.1.max(y_range.1));
        (x_range, y_range) = (shared, shared);
    }
    let round = |(lo, hi): (f64, f64), log: bool| {
        if log {
            ticks::log(lo, hi)
        } else {
            ticks::linear(lo.min(0.0), hi)
        }
    };

    let plot = Plot::new(!chart.x_label.is_empty(), !chart.y_label.is_empty());
    let y_ticks = round(y_range, y_log);
    let y = Scale::over(&y_ticks, plot.bottom, plot.top, y_log);
    let (x, x_ticks): (Scale, Vec<(f64, String)>) = if caller_ticks.is_empty() {
        let t = round(x_range, x_log);
        (
            Scale::over(&t, plot.left, plot.right, x_log),
            t.iter().map(|&v| (v, svg::tick_label(v))).collect(),
        )
    } else {
        let (lo, hi) = svg::min_max(
            caller_ticks
                .iter()
                .map(|(v, _)| *v)
                .chain([x_range.0, x_range.1]),
        )
        .unwrap_or(x_range);
        let pad = if hi > lo { (hi - lo) * 0.02 } else { 1.0 };
        let (lo, hi) = if x_log {
            (lo / 1.05, hi * 1.05)
        } else {
            (lo - pad, hi + pad)
        };
        (
            Scale::new(lo, hi, plot.left, plot.right, x_log),
            caller_ticks.into_iter().cloned().collect(),
        )
    };

    let mut body = String::new();
    axes::y_axis(&mut body, &plot, &y, &y_ticks, &chart.y_label);
    let step = x_ticks.len().div_ceil(10).max(1);
    let shown: Vec<(f64, String)> = x_ticks
        .iter()
        .step_by(step)
        .map(|(v, l)| (x.at(*v), l.clone()))
        .collect();
    let xs_px: Vec<f64> = shown.iter().map(|(px, _)| *px).collect();
    axes::x_grid(&mut body, &plot, &xs_px);
    let room = shown
        .windows(2)
        .map(|w| w[1].0 - w[0].0)
        .fold(plot.width(), f64::min);
    axes::x_labels(&mut body, &plot, &shown, room);
    axes::x_title(&mut body, &plot, &chart.x_label);
    axes::baseline(&mut body, &plot, plot.bottom);

    if chart.diagonal {
        let ((x_lo, x_hi), (y_lo, y_hi)) = (x.domain(), y.domain());
        let (lo, hi) = (x_lo.max(y_lo), x_hi.min(y_hi));
        if hi > lo {
            put!(
                &mut body,
                "<line class=\"diagonal\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"><title>y = x</title></line>",
                svg::coord(x.at(lo)),
                svg::coord(y.at(lo)),
                svg::coord(x.at(hi)),
                svg::coord(y.at(hi)),
            );
        }
    }
    let x_unit = if chart.x_label.is_empty() {
        "x".to_string()
    } else {
        chart.x_label.clone()
    };
    let y_unit = if chart.y_label.is_empty() {
        "y".to_string()
    } else {
        chart.y_label.clone()
    };
    body.push_str("<g class=\"points\">");
    for p in &points {
        let class = if p.class.is_empty() || p.class == "pt" {
            "pt".to_string()
        } else {
            format!("pt {}", p.class)
        };
        let mut tip = format!("{}: {y_unit} {}", p.label, svg::num(p.y));
        if chart.x_ticks.is_empty() {
            tip.push_str(&format!(", {x_unit} {}", svg::num(p.x)));
        }
        let circle = format!(
            "<circle class=\"{}\" cx=\"{}\" cy=\"{}\" r=\"4\"><title>{}</title></circle>",
            svg::escape(&class),
            svg::coord(x.at(p.x)),
            svg::coord(y.at(p.y)),
            svg::escape(&tip),
        );
        match p.href.as_deref().and_then(svg::safe_href) {
            Some(href) => put!(
                &mut body,
                "<a class=\"chart-link\" href=\"{}\">{circle}</a>",
                svg::escape(href)
            ),
            None => body.push_str(&circle),
        }
    }
    body.push_str("</g>");
    // Percentile lines go over the points so that their labels stay legible.
    let mut taken = Vec::new();
    for (label, v) in &hlines {
        axes::hline(&mut body, &plot, y.at(*v), label, "hline", &mut taken);
    }

    let mut keys: Vec<Key> = Vec::new();
    for p in &points {
        let class = if p.class.is_empty() { "pt" } else { p.class };
        if !keys.iter().any(|k| k.class == class) {
            keys.push(Key {
                name: point_name(class),
                class: class.to_string(),
                shape: Shape::Dot,
            });
        }
    }
    // Plain points first, whichever class came first in the data.
    keys.sort_by_key(|k| k.class != "pt");
    if chart.diagonal {
        keys.push(Key {
            name: "y = x".into(),
            class: "diagonal".into(),
            shape: Shape::Line(""),
        });
    }
    let desc = describe(chart, &points, hidden);
    svg::figure(chart.kind, &chart.title, &desc, points.len(), &body, &keys)
}

/// The legend name of a point class.
fn point_name(class: &str) -> String {
    match class {
        "pt" => "issue".into(),
        "pt-bug" => "bug".into(),
        "pt-over" => "over estimate".into(),
        other => other
            .trim_start_matches("pt-")
            .trim_start_matches("s-")
            .replace(['_', '-'], " "),
    }
}

/// "14 points; y from 0.5 to 12 days (median 3.2). Lines: P50 3.2 d, P85 7 d."
fn describe(chart: &Scatter, points: &[&ScatterPoint], hidden: usize) -> String {
    let mut ys: Vec<f64> = points.iter().map(|p| p.y).collect();
    ys.sort_by(f64::total_cmp);
    let median = match ys.len() {
        0 => 0.0,
        n if n % 2 == 1 => ys[n / 2],
        n => (ys[n / 2 - 1] + ys[n / 2]) / 2.0,
    };
    let y_name = if chart.y_label.is_empty() {
        "y"
    } else {
        &chart.y_label
    };
    let n = points.len();
    let mut out = format!("{n} point{}; ", if n == 1 { "" } else { "s" });
    if chart.x_ticks.is_empty()
        && let Some((lo, hi)) = svg::min_max(points.iter().map(|p| p.x))
    {
        let x_name = if chart.x_label.is_empty() {
            "x"
        } else {
            &chart.x_label
        };
        out.push_str(&format!(
            "{x_name} from {} to {}, ",
            svg::num(lo),
            svg::num(hi)
        ));
    }
    let (lo, hi) = (
        ys.first().copied().unwrap_or(0.0),
        ys.last().copied().unwrap_or(0.0),
    );
    out.push_str(&format!(
        "{y_name} from {} to {} (median {}).",
        svg::num(lo),
        svg::num(hi),
        svg::num(median)
    ));
    let lines: Vec<&str> = chart
        .hlines
        .iter()
        .filter(|(_, v)| v.is_finite())
        .map(|(l, _)| l.as_str())
        .collect();
    if !lines.is_empty() {
        out.push_str(&format!(" Lines: {}.", lines.join(", ")));
    }
    if chart.diagonal {
        out.push_str(&format!(
            " {} above the y = x line.",
            match points.iter().filter(|p| p.y > p.x).count() {
                1 => "1 point lies".to_string(),
                k => format!("{k} points lie"),
            }
        ));
    }
    if hidden > 0 {
        out.push_str(&format!(
            " {hidden} at or below zero cannot be shown on the log scale."
        ));
    }
    out
}

#[cfg(test)]
mod tests;
