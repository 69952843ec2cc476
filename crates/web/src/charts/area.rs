//! Stacked area charts: the cumulative flow diagram, one layer per status.

use super::axes::{self, Plot, Scale};
use super::svg::{self, Key, Shape, put};
use super::ticks;

/// One layer: its own count at each x position (the chart stacks them).
#[derive(Debug, Clone, Default)]
pub struct AreaLayer {
    pub name: String,
    /// Non-finite and negative values count as zero.
    pub values: Vec<f64>,
    /// The colour class, e.g. `st-done`, `st-review`, `s-1`.
    pub class: &'static str,
}

/// A stacked area chart; `data-points` counts its x positions.
#[derive(Debug, Clone, Default)]
pub struct StackedArea {
    /// The `data-chart` value, e.g. `cfd`.
    pub kind: &'static str,
    pub title: String,
    pub y_label: String,
    /// One label per x position; at most 10 are printed.
    pub x_labels: Vec<String>,
    /// Bottom to top.
    pub layers: Vec<AreaLayer>,
    /// Shown instead of the chart when every count is zero.
    pub empty_message: String,
}

/// Draws `chart` as a `<figure>` with an SVG stacked area chart and its legend.
pub fn stacked_area(chart: &StackedArea) -> String {
    let longest = chart
        .layers
        .iter()
        .map(|l| l.values.len())
        .max()
        .unwrap_or(0);
    let n = chart.x_labels.len().max(longest);
    let own = |layer: &AreaLayer, i: usize| {
        layer
            .values
            .get(i)
            .copied()
            .filter(|v| v.is_finite() && *v > 0.0)
            .unwrap_or(0.0)
    };
    // tops[k][i]: the top edge of layer k at position i; layer k's bottom
    // edge is the top of layer k - 1, or zero.
    let mut tops: Vec<Vec<f64>> = Vec::with_capacity(chart.layers.len());
    for layer in &chart.layers {
        let below = tops.last();
        let top = (0..n)
            .map(|i| below.map_or(0.0, |b| b[i]) + own(layer, i))
            .collect();
        tops.push(top);
    }
    let max = tops
        .last()
        .and_then(|t| svg::min_max(t.iter().copied()))
        .map_or(0.0, |(_, hi)| hi);
    if n == 0 || max <= 0.0 {
        return svg::empty(chart.kind, &chart.title, &chart.empty_message);
    }

    let plot = Plot::new(false, !chart.y_label.is_empty());
    let y_ticks = ticks::counts(max);
    let y = Scale::over(&y_ticks, plot.bottom, plot.top, false);
    let x = |i: usize| {
        if n < 2 {
            (plot.left + plot.right) / 2.0
        } else {
            plot.left + plot.width() * i as f64 / (n - 1) as f64
        }
    };
    // A single position is drawn as a band across the whole plot.
    let edges: Vec<(usize, f64)> = if n < 2 {
        vec![(0, plot.left), (0, plot.right)]
    } else {
        (0..n).map(|i| (i, x(i))).collect()
    };
    let label = |i: usize| {
        chart
            .x_labels
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("#{}", i + 1))
    };

    let mut body = String::new();
    axes::y_axis(&mut body, &plot, &y, &y_ticks, &chart.y_label);
    for (k, layer) in chart.layers.iter().enumerate() {
        let mut d = String::new();
        for (j, &(i, px)) in edges.iter().enumerate() {
            let cmd = if j == 0 { 'M' } else { 'L' };
            put!(
                &mut d,
                "{cmd}{},{}",
                svg::coord(px),
                svg::coord(y.at(tops[k][i]))
            );
        }
        for &(i, px) in edges.iter().rev() {
            let bottom = if k == 0 { 0.0 } else { tops[k - 1][i] };
            put!(&mut d, "L{},{}", svg::coord(px), svg::coord(y.at(bottom)));
        }
        let counts: Vec<f64> = (0..n).map(|i| own(layer, i)).collect();
        let (lo, hi) = svg::min_max(counts.iter().copied()).unwrap_or((0.0, 0.0));
        put!(
            &mut body,
            "<path class=\"area {}\" d=\"{d}Z\"><title>{}: {} at {}, {} at {} (between {} and {})</title></path>",
            svg::escape(layer.class),
            svg::escape(&layer.name),
            svg::num(counts[0]),
            svg::escape(&label(0)),
            svg::num(counts[n - 1]),
            svg::escape(&label(n - 1)),
            svg::num(lo),
            svg::num(hi),
        );
    }

    // One invisible column per position whose tooltip lists every layer,
    // top of the stack first, as the eye reads it.
    let column = if n < 2 {
        plot.width()
    } else {
        plot.width() / (n - 1) as f64
    };
    body.push_str("<g class=\"columns\">");
    for i in 0..n {
        let left = (x(i) - column / 2.0).max(plot.left);
        let right = (x(i) + column / 2.0).min(plot.right);
        put!(
            &mut body,
            "<rect class=\"hit\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{}: {}</title></rect>",
            svg::coord(left),
            svg::coord(plot.top),
            svg::coord(right - left),
            svg::coord(plot.bottom - plot.top),
            svg::escape(&label(i)),
            svg::escape(&column_summary(chart, i, &own)),
        );
    }
    body.push_str("</g>");

    let all: Vec<(f64, String)> = (0..n).map(|i| (x(i), label(i))).collect();
    axes::spaced_labels(&mut body, &plot, &all, column, 16, 10);
    axes::baseline(&mut body, &plot, plot.bottom);

    let keys: Vec<Key> = chart
        .layers
        .iter()
        .rev()
        .map(|l| Key {
            name: l.name.clone(),
            class: format!("soft {}", l.class),
            shape: Shape::Box,
        })
        .collect();
    let desc = format!("{} {}.", span(chart, n), column_summary(chart, n - 1, &own));
    svg::figure(chart.kind, &chart.title, &desc, n, &body, &keys)
}

/// "done 12, review 3, in progress 4 (total 19)", top layer first.
fn column_summary(chart: &StackedArea, i: usize, own: &dyn Fn(&AreaLayer, usize) -> f64) -> String {
    let parts: Vec<String> = chart
        .layers
        .iter()
        .rev()
        .map(|l| format!("{} {}", l.name, svg::num(own(l, i))))
        .collect();
    let total: f64 = chart.layers.iter().map(|l| own(l, i)).sum();
    format!("{} (total {})", parts.join(", "), svg::num(total))
}

/// "From Mar 1 to Mar 30 (30 steps); at Mar 30:"
fn span(chart: &StackedArea, n: usize) -> String {
    let last = chart
        .x_labels
        .get(n - 1)
        .cloned()
        .unwrap_or_else(|| format!("#{n}"));
    match chart.x_labels.first() {
        Some(first) if n > 1 => format!("From {first} to {last} ({n} steps); at {last}:"),
        _ => format!("At {last}:"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfd() -> StackedArea {
        StackedArea {
            kind: "cfd",
            title: "Cumulative flow".into(),
            y_label: "issues".into(),
            x_labels: vec![
                "Mar 1".into(),
                "Mar 2".into(),
                "Mar 3".into(),
                "Mar 4".into(),
            ],
            layers: vec![
                AreaLayer {
                    name: "done".into(),
                    values: vec![0.0, 2.0, 5.0, 9.0],
                    class: "st-done",
                },
                AreaLayer {
                    name: "review".into(),
                    values: vec![1.0, f64::NAN, 3.0, 1.0],
                    class: "st-review",
                },
                AreaLayer {
                    name: "proposed".into(),
                    values: vec![10.0, 9.0, -2.0, 20.0],
                    class: "st-proposed",
                },
            ],
            empty_message: "No history yet".into(),
        }
    }

    #[test]
    fn one_closed_path_per_layer_stacked_in_order() {
        let out = stacked_area(&cfd());
        assert_eq!(out.matches("<path class=\"area").count(), 3, "{out}");
        assert_eq!(out.matches("Z\"><title>").count(), 3);
        assert_eq!(out.matches("<rect class=\"hit\"").count(), 4);
        assert!(out.contains("data-chart=\"cfd\" data-points=\"4\""));
        assert!(out.contains("<title>Mar 2: proposed 9, review 0, done 2 (total 11)</title>"));
        assert!(out.contains(
            "From Mar 1 to Mar 4 (4 steps); at Mar 4: proposed 20, review 1, done 9 (total 30)."
        ));
        assert!(!out.contains("NaN") && !out.contains("inf"));
        // The legend reads top of the stack first.
        let legend = out.split("chart-legend").nth(1).unwrap_or_default();
        assert!(legend.find("proposed") < legend.find("done"));
    }

    #[test]
    fn ticks_cover_the_tallest_stack() {
        let out = stacked_area(&cfd());
        for t in ["0", "10", "20", "30"] {
            assert!(
                out.contains(&format!("text-anchor=\"end\">{t}</text>")),
                "{t}"
            );
        }
    }

    #[test]
    fn one_position_draws_a_band() {
        let mut chart = cfd();
        chart.x_labels.truncate(1);
        chart.layers.iter_mut().for_each(|l| l.values.truncate(1));
        let out = stacked_area(&chart);
        assert!(out.contains("data-points=\"1\"") && out.contains("At Mar 1: proposed 10"));
    }

    #[test]
    fn all_zero_is_empty() {
        let mut chart = cfd();
        chart
            .layers
            .iter_mut()
            .for_each(|l| l.values = vec![0.0, f64::NAN]);
        let out = stacked_area(&chart);
        assert!(out.contains("data-points=\"0\"") && out.contains("chart-empty\">No history yet<"));
    }
}
