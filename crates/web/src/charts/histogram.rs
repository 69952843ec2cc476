//! Histograms of counts per bin, such as the Monte Carlo forecast's spread of
//! completion dates with its P50/P85/P95 markers.

use super::axes::{self, Plot, Scale};
use super::svg::{self, Key, Shape, put};
use super::ticks;

/// A histogram; `data-points` counts its bins.
#[derive(Debug, Clone, Default)]
pub struct Histogram {
    /// The `data-chart` value, e.g. `forecast`.
    pub kind: &'static str,
    pub title: String,
    /// What the bins measure, e.g. `completion date`.
    pub x_label: String,
    /// A label and a count per bin, in x order.
    pub bins: Vec<(String, u64)>,
    /// Labelled vertical markers at a bin index, e.g. `("P85 Dec 12", 7)`.
    pub markers: Vec<(String, usize)>,
    /// Shown instead of the chart when every bin is empty.
    pub empty_message: String,
}

/// Draws `chart` as a `<figure>` with an SVG histogram and its legend.
pub fn histogram(chart: &Histogram) -> String {
    let n = chart.bins.len();
    let total: u64 = chart.bins.iter().map(|(_, c)| *c).sum();
    let max = chart.bins.iter().map(|(_, c)| *c).max().unwrap_or(0);
    if n == 0 || total == 0 {
        return svg::empty(chart.kind, &chart.title, &chart.empty_message);
    }
    let plot = Plot::new(!chart.x_label.is_empty(), false);
    // Counts of simulation runs can be large; f64 holds them exactly to 2^53.
    let y_ticks = ticks::counts(max as f64);
    let y = Scale::over(&y_ticks, plot.bottom, plot.top, false);
    let band = plot.width() / n as f64;
    let gap = if band > 6.0 { band * 0.12 } else { 0.0 };
    let center = |i: usize| plot.left + band * (i as f64 + 0.5);

    let mut body = String::new();
    axes::y_axis(&mut body, &plot, &y, &y_ticks, "");
    body.push_str("<g class=\"series s-hist\">");
    for (i, (label, count)) in chart.bins.iter().enumerate() {
        let top = y.at(*count as f64);
        let share = *count as f64 * 100.0 / total as f64;
        put!(
            &mut body,
            "<rect class=\"bar-rect\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{}: {} ({}%)</title></rect>",
            svg::coord(plot.left + band * i as f64 + gap / 2.0),
            svg::coord(top),
            svg::coord(band - gap),
            svg::coord(plot.bottom - top),
            svg::escape(label),
            count,
            svg::num(share),
        );
    }
    body.push_str("</g>");

    let all: Vec<(f64, String)> = (chart.bins.iter().enumerate())
        .map(|(i, (label, _))| (center(i), label.clone()))
        .collect();
    axes::spaced_labels(&mut body, &plot, &all, band, 12, 10);
    axes::x_title(&mut body, &plot, &chart.x_label);
    axes::baseline(&mut body, &plot, plot.bottom);

    // Markers are labelled at the top in rows, so nearby percentiles stay
    // readable; a label near the right edge hangs to the left of its line.
    let markers: Vec<&(String, usize)> = chart.markers.iter().filter(|(_, i)| *i < n).collect();
    for (row, (label, i)) in markers.iter().enumerate() {
        let px = center(*i);
        let label_y = plot.top - 8.0 + 12.0 * row as f64;
        let text = svg::fit(label, 24);
        let width = text.chars().count() as f64 * 6.2;
        let (lx, anchor) = if px + 4.0 + width > plot.right {
            (px - 4.0, "end")
        } else {
            (px + 4.0, "start")
        };
        put!(
            &mut body,
            "<line class=\"marker\" x1=\"{px}\" y1=\"{}\" x2=\"{px}\" y2=\"{}\"><title>{}: {}</title></line>\
             <text class=\"marker-label\" x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
            svg::coord(label_y - 10.0),
            svg::coord(plot.bottom),
            svg::escape(label),
            svg::escape(&chart.bins[*i].0),
            svg::coord(lx),
            svg::coord(label_y),
            svg::escape(&text),
            px = svg::coord(px),
        );
    }

    let keys = [Key {
        name: "count per bin".into(),
        class: "s-hist".into(),
        shape: Shape::Box,
    }];
    svg::figure(
        chart.kind,
        &chart.title,
        &describe(chart, total),
        n,
        &body,
        &keys,
    )
}

/// "1000 in 12 bins from Nov 28 to Dec 20; most often Dec 6 (180). Markers: P50 Dec 6, P85 Dec 12."
fn describe(chart: &Histogram, total: u64) -> String {
    let n = chart.bins.len();
    let mut out = match (chart.bins.first(), chart.bins.last()) {
        (Some((a, _)), Some((b, _))) if n > 1 => format!("{total} in {n} bins from {a} to {b}"),
        (Some((a, _)), _) => format!("{total} in one bin, {a}"),
        _ => format!("{total} in no bins"),
    };
    // The first of the tallest bins, so ties resolve the same way every time.
    let mut best: Option<&(String, u64)> = None;
    for bin in &chart.bins {
        if best.is_none_or(|b| bin.1 > b.1) {
            best = Some(bin);
        }
    }
    if let Some((label, count)) = best {
        out.push_str(&format!("; most often {label} ({count})"));
    }
    let markers: Vec<&str> = chart
        .markers
        .iter()
        .filter(|(_, i)| *i < n)
        .map(|(l, _)| l.as_str())
        .collect();
    if !markers.is_empty() {
        out.push_str(&format!(". Markers: {}", markers.join(", ")));
    }
    out.push('.');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forecast() -> Histogram {
        Histogram {
            kind: "forecast",
            title: "When will it be done?".into(),
            x_label: "completion date".into(),
            bins: vec![
                ("Dec 1".into(), 5),
                ("Dec 2".into(), 40),
                ("Dec 3".into(), 40),
                ("Dec 4".into(), 15),
            ],
            markers: vec![
                ("P50 Dec 2".into(), 1),
                ("P85 Dec 3".into(), 2),
                ("off the end".into(), 9),
            ],
            empty_message: "Add estimates to forecast".into(),
        }
    }

    #[test]
    fn one_bar_per_bin_and_markers() {
        let out = histogram(&forecast());
        assert_eq!(out.matches("<rect class=\"bar-rect\"").count(), 4, "{out}");
        assert_eq!(out.matches("<line class=\"marker\"").count(), 2);
        assert!(out.contains("data-chart=\"forecast\" data-points=\"4\""));
        assert!(out.contains("<title>Dec 2: 40 (40%)</title>"));
        assert!(out.contains("<title>P85 Dec 3: Dec 3</title>"));
        assert!(!out.contains("off the end"));
    }

    #[test]
    fn count_ticks_and_description() {
        let out = histogram(&forecast());
        for t in ["0", "10", "20", "30", "40"] {
            assert!(
                out.contains(&format!("text-anchor=\"end\">{t}</text>")),
                "{t}"
            );
        }
        assert!(out.contains("100 in 4 bins from Dec 1 to Dec 4; most often Dec 2 (40). Markers: P50 Dec 2, P85 Dec 3."));
    }

    #[test]
    fn empty_bins_show_the_message() {
        let mut chart = forecast();
        chart.bins.iter_mut().for_each(|b| b.1 = 0);
        let out = histogram(&chart);
        assert!(
            out.contains("data-points=\"0\"")
                && out.contains("chart-empty\">Add estimates to forecast<")
        );
        chart.bins.clear();
        assert!(histogram(&chart).contains("data-points=\"0\""));
    }

    #[test]
    fn escapes_labels() {
        let mut chart = forecast();
        chart.bins[0].0 = "<script>'x' & \"y\"".into();
        let out = histogram(&chart);
        assert!(out.contains("&lt;script&gt;&#39;x&#39; &amp; &quot;y&quot;"));
        assert!(!out.contains("<script>"));
    }
}
