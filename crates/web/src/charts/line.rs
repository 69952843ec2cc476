//! Line charts over evenly spaced x positions, such as the sprint burndown
//! (remaining, ideal, scope). A missing value leaves a gap in its line.

use super::axes::{self, Plot, Scale};
use super::svg::{self, Key, Shape, put};
use super::ticks;

/// How a line is stroked; its legend entry shows the same stroke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineStyle {
    #[default]
    Solid,
    Dashed,
    Dotted,
}

impl LineStyle {
    /// The class in `charts.css` that sets the dash pattern.
    fn class(self) -> &'static str {
        match self {
            LineStyle::Solid => "",
            LineStyle::Dashed => "dash",
            LineStyle::Dotted => "dot",
        }
    }
}

/// One line: a value per x position, `None` (or a non-finite value) for a gap.
#[derive(Debug, Clone, Default)]
pub struct LineSeries {
    pub name: String,
    pub values: Vec<Option<f64>>,
    pub style: LineStyle,
    /// The colour class, e.g. `s-remaining`, `s-ideal`, `s-scope`, `s-1`.
    pub class: &'static str,
}

/// A line chart; `data-points` counts its x positions.
#[derive(Debug, Clone, Default)]
pub struct LineChart {
    /// The `data-chart` value, e.g. `burndown`.
    pub kind: &'static str,
    pub title: String,
    /// The y-axis title, also the unit in tooltips and the description.
    pub y_label: String,
    /// One label per x position; at most 10 are printed.
    pub x_labels: Vec<String>,
    pub series: Vec<LineSeries>,
    /// Draws a vertical marker labelled "today" at this x position.
    pub today_index: Option<usize>,
    /// Shown instead of the chart when no series has a value.
    pub empty_message: String,
}

/// Draws `chart` as a `<figure>` with an SVG line chart and its legend.
pub fn line_chart(chart: &LineChart) -> String {
    let longest = chart
        .series
        .iter()
        .map(|s| s.values.len())
        .max()
        .unwrap_or(0);
    let n = chart.x_labels.len().max(longest);
    let values = chart
        .series
        .iter()
        .flat_map(|s| finite(&s.values))
        .map(|(_, v)| v);
    let Some((lo, hi)) = svg::min_max(values) else {
        return svg::empty(chart.kind, &chart.title, &chart.empty_message);
    };
    let plot = Plot::new(false, !chart.y_label.is_empty());
    let y_ticks = ticks::linear(lo.min(0.0), hi.max(0.0));
    let y = Scale::over(&y_ticks, plot.bottom, plot.top, false);
    let x = |i: usize| index_x(&plot, i, n);
    let label = |i: usize| {
        chart
            .x_labels
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("#{}", i + 1))
    };

    let mut body = String::new();
    axes::y_axis(&mut body, &plot, &y, &y_ticks, &chart.y_label);
    let all: Vec<(f64, String)> = (0..n).map(|i| (x(i), label(i))).collect();
    let spacing = if n > 1 {
        plot.width() / (n - 1) as f64
    } else {
        plot.width()
    };
    axes::spaced_labels(&mut body, &plot, &all, spacing, 16, 10);
    axes::baseline(&mut body, &plot, y.at(0.0));

    if let Some(t) = chart.today_index.filter(|&t| t < n) {
        let px = svg::coord(x(t));
        put!(
            &mut body,
            "<line class=\"today\" x1=\"{px}\" y1=\"{}\" x2=\"{px}\" y2=\"{}\"/>\
             <text class=\"today-label\" x=\"{px}\" y=\"{}\" text-anchor=\"middle\">today</text>",
            svg::coord(plot.top - 4.0),
            svg::coord(plot.bottom),
            svg::coord(plot.top - 8.0),
        );
    }

    let unit = svg::unit(&chart.y_label);
    let radius = if n > 40 { "2" } else { "3" };
    for series in &chart.series {
        put!(
            &mut body,
            "<g class=\"series {}\">",
            svg::escape(series.class)
        );
        for run in runs(&series.values) {
            if run.len() < 2 {
                continue;
            }
            let d: Vec<String> = run
                .iter()
                .enumerate()
                .map(|(k, &(i, v))| {
                    let cmd = if k == 0 { 'M' } else { 'L' };
                    format!("{cmd}{},{}", svg::coord(x(i)), svg::coord(y.at(v)))
                })
                .collect();
            let style = series.style.class();
            let sp = if style.is_empty() { "" } else { " " };
            put!(
                &mut body,
                "<path class=\"line{sp}{style}\" fill=\"none\" d=\"{}\"/>",
                d.join("")
            );
        }
        for (i, v) in finite(&series.values) {
            put!(
                &mut body,
                "<circle class=\"vertex\" cx=\"{}\" cy=\"{}\" r=\"{radius}\"><title>{}: {} {}{unit}</title></circle>",
                svg::coord(x(i)),
                svg::coord(y.at(v)),
                svg::escape(&label(i)),
                svg::escape(&series.name),
                svg::num(v),
            );
        }
        body.push_str("</g>");
    }

    let keys: Vec<Key> = chart
        .series
        .iter()
        .map(|s| Key {
            name: s.name.clone(),
            class: s.class.to_string(),
            shape: Shape::Line(s.style.class()),
        })
        .collect();
    svg::figure(
        chart.kind,
        &chart.title,
        &describe(chart, n),
        n,
        &body,
        &keys,
    )
}

/// The x of position `i` of `n`, first and last on the plot's edges.
fn index_x(plot: &Plot, i: usize, n: usize) -> f64 {
    if n < 2 {
        return (plot.left + plot.right) / 2.0;
    }
    plot.left + plot.width() * i as f64 / (n - 1) as f64
}

/// The positions and values that can be drawn.
fn finite(values: &[Option<f64>]) -> impl Iterator<Item = (usize, f64)> + '_ {
    values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.filter(|v| v.is_finite()).map(|v| (i, v)))
}

/// Runs of consecutive drawable values; each becomes its own path.
fn runs(values: &[Option<f64>]) -> Vec<Vec<(usize, f64)>> {
    let mut out: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut current = Vec::new();
    for (i, v) in values.iter().enumerate() {
        match v.filter(|v| v.is_finite()) {
            Some(v) => current.push((i, v)),
            None if !current.is_empty() => out.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// "From Mar 1 to Mar 12 (12 steps): remaining fell from 40 to 8 points; …"
fn describe(chart: &LineChart, n: usize) -> String {
    let first = chart.x_labels.first();
    let last = chart.x_labels.get(n - 1).or(chart.x_labels.last());
    let mut out = match (first, last) {
        (Some(a), Some(b)) if n > 1 => format!("From {a} to {b} ({n} steps)"),
        (Some(a), _) => format!("{a} (1 step)"),
        _ => format!("{n} steps"),
    };
    if let Some(t) = chart.today_index.filter(|&t| t < n) {
        let today = chart
            .x_labels
            .get(t)
            .cloned()
            .unwrap_or_else(|| format!("#{}", t + 1));
        out.push_str(&format!(", today {today}"));
    }
    let unit = if chart.y_label.is_empty() {
        String::new()
    } else {
        format!(" {}", chart.y_label)
    };
    let parts: Vec<String> = chart
        .series
        .iter()
        .map(|s| {
            let mut values = finite(&s.values).map(|(_, v)| v);
            let Some(a) = values.next() else {
                return format!("{} has no values", s.name);
            };
            let b = values.last().unwrap_or(a);
            let (a_s, b_s) = (svg::num(a), svg::num(b));
            if b < a {
                format!("{} fell from {a_s} to {b_s}{unit}", s.name)
            } else if b > a {
                format!("{} rose from {a_s} to {b_s}{unit}", s.name)
            } else {
                format!("{} stayed at {a_s}{unit}", s.name)
            }
        })
        .collect();
    format!("{out}: {}.", parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn burndown() -> LineChart {
        LineChart {
            kind: "burndown",
            title: "Sprint 4 burndown".into(),
            y_label: "points".into(),
            x_labels: (1..=6).map(|d| format!("Mar {d}")).collect(),
            series: vec![
                LineSeries {
                    name: "remaining".into(),
                    values: vec![Some(40.0), Some(35.0), None, Some(20.0), Some(12.0), None],
                    style: LineStyle::Solid,
                    class: "s-remaining",
                },
                LineSeries {
                    name: "ideal".into(),
                    values: vec![
                        Some(40.0),
                        Some(32.0),
                        Some(24.0),
                        Some(16.0),
                        Some(8.0),
                        Some(0.0),
                    ],
                    style: LineStyle::Dashed,
                    class: "s-ideal",
                },
            ],
            today_index: Some(4),
            empty_message: "No sprint yet".into(),
        }
    }

    #[test]
    fn gaps_split_a_line_into_separate_paths() {
        let out = line_chart(&burndown());
        assert_eq!(out.matches("<path class=\"line\"").count(), 2, "{out}");
        assert_eq!(out.matches("<path class=\"line dash\"").count(), 1);
        assert_eq!(out.matches("<circle class=\"vertex\"").count(), 4 + 6);
        assert!(out.contains("data-chart=\"burndown\" data-points=\"6\""));
        assert!(out.contains("<title>Mar 4: remaining 20 points</title>"));
        assert!(out.contains("class=\"today\""));
    }

    #[test]
    fn describes_the_trend_in_words() {
        let out = line_chart(&burndown());
        assert!(
            out.contains("From Mar 1 to Mar 6 (6 steps), today Mar 5: remaining fell from 40 to 12 points; ideal fell from 40 to 0 points."),
            "{out}"
        );
    }

    #[test]
    fn ticks_are_round() {
        let out = line_chart(&burndown());
        for t in ["0", "10", "20", "30", "40"] {
            assert!(
                out.contains(&format!("text-anchor=\"end\">{t}</text>")),
                "tick {t}"
            );
        }
        assert!(!out.contains(">50</text>"));
    }

    #[test]
    fn at_most_ten_x_labels() {
        let mut chart = burndown();
        chart.x_labels = (0..45).map(|d| format!("d{d}")).collect();
        let out = line_chart(&chart);
        assert_eq!(out.matches("text-anchor=\"middle\">d").count(), 9);
        assert!(out.contains("data-points=\"45\""));
    }

    #[test]
    fn nan_and_infinity_are_skipped() {
        let mut chart = burndown();
        chart.series[0].values = vec![
            Some(f64::NAN),
            Some(3.0),
            Some(f64::INFINITY),
            Some(f64::NEG_INFINITY),
        ];
        let out = line_chart(&chart);
        assert!(!out.contains("NaN") && !out.contains("inf"), "{out}");
        chart.series.truncate(1);
        chart.series[0].values = vec![Some(f64::NAN), None];
        let out = line_chart(&chart);
        assert!(
            out.contains("data-points=\"0\"") && out.contains("chart-empty\">No sprint yet</p>")
        );
    }

    #[test]
    fn text_is_escaped() {
        let mut chart = burndown();
        chart.title = "<script>alert(\"x\")</script> & 'co'".into();
        chart.series[0].name = "<b>".into();
        let out = line_chart(&chart);
        assert!(
            out.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;")
        );
        assert!(!out.contains("<script>") && !out.contains("<b>"));
    }

    #[test]
    fn same_input_same_bytes() {
        assert_eq!(line_chart(&burndown()), line_chart(&burndown()));
    }
}
