//! Grouped bar charts: velocity (committed against completed per sprint or
//! week) and capacity per owner (load against capacity hours).

use super::axes::{self, Plot, Scale};
use super::svg::{self, Key, Shape, put};
use super::ticks;

/// One series of bars, a value per category (a non-finite value draws no bar).
#[derive(Debug, Clone, Default)]
pub struct BarSeries {
    pub name: String,
    pub values: Vec<f64>,
    /// The colour class, e.g. `s-committed`, `s-completed`, `s-load`, `s-capacity`, `s-1`.
    pub class: &'static str,
}

/// A grouped bar chart; `data-points` counts its categories.
#[derive(Debug, Clone, Default)]
pub struct BarChart {
    /// The `data-chart` value, e.g. `velocity` or `capacity`.
    pub kind: &'static str,
    pub title: String,
    /// The y-axis title, also the unit in tooltips.
    pub y_label: String,
    pub categories: Vec<String>,
    pub series: Vec<BarSeries>,
    /// A labelled horizontal dashed line, e.g. `("average 12.3", 12.3)`.
    pub reference: Option<(String, f64)>,
    /// A link per category (same order); the whole group becomes clickable.
    pub href: Vec<Option<String>>,
    /// Shown instead of the chart when there is no bar to draw.
    pub empty_message: String,
}

/// Draws `chart` as a `<figure>` with an SVG grouped bar chart and its legend.
pub fn bar_chart(chart: &BarChart) -> String {
    let n = chart.categories.len();
    let value = |s: &BarSeries, i: usize| s.values.get(i).copied().filter(|v| v.is_finite());
    let values = chart
        .series
        .iter()
        .flat_map(|s| (0..n).filter_map(move |i| value(s, i)));
    let Some((lo, hi)) = svg::min_max(values) else {
        return svg::empty(chart.kind, &chart.title, &chart.empty_message);
    };
    let reference = chart.reference.as_ref().filter(|(_, v)| v.is_finite());
    let (lo, hi) = match reference {
        Some((_, r)) => (lo.min(*r), hi.max(*r)),
        None => (lo, hi),
    };
    let plot = Plot::new(false, !chart.y_label.is_empty());
    let y_ticks = ticks::linear(lo.min(0.0), hi.max(0.0));
    let y = Scale::over(&y_ticks, plot.bottom, plot.top, false);
    let zero = y.at(0.0);

    let band = plot.width() / n as f64;
    let m = chart.series.len().max(1) as f64;
    let bar_w = (band * 0.76 / m).min(48.0);
    let group_w = bar_w * m;
    let show_values = bar_w >= 22.0;
    let unit = svg::unit(&chart.y_label);

    let mut body = String::new();
    axes::y_axis(&mut body, &plot, &y, &y_ticks, &chart.y_label);
    for (i, category) in chart.categories.iter().enumerate() {
        let band_x = plot.left + band * i as f64;
        let href = chart
            .href
            .get(i)
            .and_then(|h| h.as_deref())
            .and_then(svg::safe_href);
        if let Some(href) = href {
            let summary: Vec<String> = chart
                .series
                .iter()
                .filter_map(|s| value(s, i).map(|v| format!("{} {}", s.name, svg::num(v))))
                .collect();
            put!(
                &mut body,
                "<a class=\"chart-link\" href=\"{}\"><title>{}: {}</title>\
                 <rect class=\"hit\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
                svg::escape(href),
                svg::escape(category),
                svg::escape(&summary.join(", ")),
                svg::coord(band_x),
                svg::coord(plot.top),
                svg::coord(band),
                svg::coord(plot.bottom - plot.top),
            );
        }
        let mut bar_x = band_x + (band - group_w) / 2.0;
        for series in &chart.series {
            if let Some(v) = value(series, i) {
                let top = y.at(v).min(zero);
                let height = (y.at(v) - zero).abs();
                put!(
                    &mut body,
                    "<rect class=\"bar-rect {}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\">\
                     <title>{}: {} {}{unit}</title></rect>",
                    svg::escape(series.class),
                    svg::coord(bar_x + 1.0),
                    svg::coord(top),
                    svg::coord(bar_w - 2.0),
                    svg::coord(height),
                    svg::escape(category),
                    svg::escape(&series.name),
                    svg::num(v),
                );
                if show_values {
                    let label_y = if v >= 0.0 {
                        top - 4.0
                    } else {
                        top + height + 12.0
                    };
                    put!(
                        &mut body,
                        "<text class=\"value-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                        svg::coord(bar_x + bar_w / 2.0),
                        svg::coord(label_y),
                        svg::tick_label(v),
                    );
                }
            }
            bar_x += bar_w;
        }
        if href.is_some() {
            body.push_str("</a>");
        }
    }

    // Each category is a different thing (an owner, a sprint), so labels are
    // cut short before they are thinned out.
    let all: Vec<(f64, String)> = (chart.categories.iter().enumerate())
        .map(|(i, c)| (plot.left + band * (i as f64 + 0.5), c.clone()))
        .collect();
    axes::spaced_labels(&mut body, &plot, &all, band, 6, 24);
    axes::baseline(&mut body, &plot, zero);
    // The reference line is named in the legend, not beside the line, where
    // its label would collide with bars and their values.
    if let Some((label, r)) = reference {
        let py = svg::coord(y.at(*r));
        put!(
            &mut body,
            "<line class=\"ref\" x1=\"{}\" y1=\"{py}\" x2=\"{}\" y2=\"{py}\"><title>{}</title></line>",
            svg::coord(plot.left),
            svg::coord(plot.right),
            svg::escape(label),
        );
    }

    let mut keys: Vec<Key> = chart
        .series
        .iter()
        .map(|s| Key {
            name: s.name.clone(),
            class: s.class.to_string(),
            shape: Shape::Box,
        })
        .collect();
    if let Some((label, _)) = reference {
        keys.push(Key {
            name: label.clone(),
            class: "ref".into(),
            shape: Shape::Line(""),
        });
    }
    svg::figure(chart.kind, &chart.title, &describe(chart), n, &body, &keys)
}

/// "8 categories from Sprint 1 to Sprint 8. committed: total 96, mean 12,
/// highest 20 (Sprint 3); … Reference line: average 12.3."
fn describe(chart: &BarChart) -> String {
    let n = chart.categories.len();
    let mut out = match (chart.categories.first(), chart.categories.last()) {
        (Some(a), Some(b)) if n > 1 => format!("{n} categories from {a} to {b}."),
        (Some(a), _) => format!("1 category, {a}."),
        _ => String::new(),
    };
    for s in &chart.series {
        let values: Vec<(usize, f64)> = (0..n)
            .filter_map(|i| {
                s.values
                    .get(i)
                    .copied()
                    .filter(|v| v.is_finite())
                    .map(|v| (i, v))
            })
            .collect();
        let total: f64 = values.iter().map(|(_, v)| v).sum();
        let best =
            values
                .iter()
                .copied()
                .fold(None, |acc: Option<(usize, f64)>, (i, v)| match acc {
                    Some((_, b)) if b >= v => acc,
                    _ => Some((i, v)),
                });
        match best {
            Some((i, top)) => out.push_str(&format!(
                " {}: total {}, mean {}, highest {} ({}).",
                s.name,
                svg::num(total),
                svg::num(total / values.len() as f64),
                svg::num(top),
                chart.categories[i],
            )),
            None => out.push_str(&format!(" {}: no values.", s.name)),
        }
    }
    if let Some((label, r)) = chart.reference.as_ref().filter(|(_, v)| v.is_finite()) {
        out.push_str(&format!(" Reference line: {label} at {}.", svg::num(*r)));
    }
    out.trim_start().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn velocity() -> BarChart {
        BarChart {
            kind: "velocity",
            title: "Velocity".into(),
            y_label: "points".into(),
            categories: vec!["Sprint 1".into(), "Sprint 2".into(), "Sprint 3".into()],
            series: vec![
                BarSeries {
                    name: "committed".into(),
                    values: vec![10.0, 14.0, 12.0],
                    class: "s-committed",
                },
                BarSeries {
                    name: "completed".into(),
                    values: vec![8.0, 14.5, f64::NAN],
                    class: "s-completed",
                },
            ],
            reference: Some(("average 11.25".into(), 11.25)),
            href: vec![
                Some("/sprints/1".into()),
                None,
                Some("javascript:alert(1)".into()),
            ],
            empty_message: "No closed sprint yet".into(),
        }
    }

    #[test]
    fn one_bar_per_finite_value() {
        let out = bar_chart(&velocity());
        assert_eq!(out.matches("<rect class=\"bar-rect").count(), 5, "{out}");
        assert!(out.contains("data-chart=\"velocity\" data-points=\"3\""));
        assert!(out.contains("<title>Sprint 2: completed 14.5 points</title>"));
        assert!(!out.contains("NaN") && !out.contains("inf"));
    }

    #[test]
    fn links_only_safe_addresses() {
        let out = bar_chart(&velocity());
        assert_eq!(out.matches("<a class=\"chart-link\"").count(), 1);
        assert!(
            out.contains("href=\"/sprints/1\"><title>Sprint 1: committed 10, completed 8</title>")
        );
        assert!(!out.contains("javascript"));
    }

    #[test]
    fn reference_line_and_description() {
        let out = bar_chart(&velocity());
        assert!(
            out.contains("<line class=\"ref\"") && out.contains("<title>average 11.25</title>")
        );
        assert!(out.contains(">average 11.25</li>"));
        assert!(out.contains(
            "3 categories from Sprint 1 to Sprint 3. committed: total 36, mean 12, highest 14 (Sprint 2). \
             completed: total 22.5, mean 11.25, highest 14.5 (Sprint 2). Reference line: average 11.25 at 11.25."
        ));
        for t in ["0", "5", "10", "15"] {
            assert!(out.contains(&format!("text-anchor=\"end\">{t}</text>")));
        }
    }

    #[test]
    fn empty_without_values() {
        let mut chart = velocity();
        chart
            .series
            .iter_mut()
            .for_each(|s| s.values = vec![f64::NAN, f64::INFINITY]);
        let out = bar_chart(&chart);
        assert!(out.contains("data-points=\"0\"") && out.contains(">No closed sprint yet</p>"));
        assert!(!out.contains("<svg"));
        let out = bar_chart(&BarChart {
            empty_message: "nothing".into(),
            ..BarChart::default()
        });
        assert!(out.contains("data-points=\"0\"") && out.contains(">nothing</p>"));
    }

    #[test]
    fn escapes_categories() {
        let mut chart = velocity();
        chart.categories[0] = "<script>\"a\" & 'b'".into();
        let out = bar_chart(&chart);
        assert!(out.contains("&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;"));
        assert!(!out.contains("<script>"));
    }
}
