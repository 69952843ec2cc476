//! The plot area, its scales, and what frames the data: gridlines, tick
//! labels, axis titles and labelled reference lines.

use super::svg::{CHAR_W, HEIGHT, WIDTH, chars_in, coord, escape, fit, put, tick_label};

/// The rectangle the data is drawn in, leaving room for ticks and titles.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plot {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
}

impl Plot {
    /// The plot area, with room below for an x-axis title and on the left
    /// for a y-axis title when the chart has them.
    pub fn new(x_title: bool, y_title: bool) -> Self {
        Plot {
            left: if y_title { 60.0 } else { 44.0 },
            top: 24.0,
            right: WIDTH - 16.0,
            bottom: if x_title {
                HEIGHT - 42.0
            } else {
                HEIGHT - 26.0
            },
        }
    }

    pub fn width(&self) -> f64 {
        self.right - self.left
    }
}

/// Maps data values to view-box units, linearly or by decades.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scale {
    lo: f64,
    hi: f64,
    from: f64,
    to: f64,
    log: bool,
}

impl Scale {
    /// `lo..hi` onto `from..to` (`to` may be smaller: y grows upwards).
    pub fn new(lo: f64, hi: f64, from: f64, to: f64, log: bool) -> Self {
        Scale {
            lo,
            hi,
            from,
            to,
            log,
        }
    }

    /// The domain of evenly spaced `ticks` (first to last) onto `from..to`.
    pub fn over(ticks: &[f64], from: f64, to: f64, log: bool) -> Self {
        let lo = ticks.first().copied().unwrap_or(0.0);
        let hi = ticks.last().copied().unwrap_or(1.0);
        Scale::new(lo, hi, from, to, log)
    }

    /// The data values at the two ends.
    pub fn domain(&self) -> (f64, f64) {
        (self.lo, self.hi)
    }

    pub fn at(&self, v: f64) -> f64 {
        let (a, b, x) = if self.log {
            (self.lo.log10(), self.hi.log10(), v.log10())
        } else {
            (self.lo, self.hi, v)
        };
        if !(b - a).is_normal() || !x.is_finite() {
            return (self.from + self.to) / 2.0;
        }
        self.from + (x - a) / (b - a) * (self.to - self.from)
    }
}

/// Horizontal gridlines with their tick labels, and the rotated y-axis title.
pub(crate) fn y_axis(out: &mut String, plot: &Plot, y: &Scale, ticks: &[f64], title: &str) {
    out.push_str("<g class=\"grid\">");
    for &t in ticks {
        let py = coord(y.at(t));
        put!(
            out,
            "<line x1=\"{}\" y1=\"{py}\" x2=\"{}\" y2=\"{py}\"/>",
            coord(plot.left),
            coord(plot.right)
        );
    }
    out.push_str("</g><g class=\"tick-labels\">");
    for &t in ticks {
        put!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            coord(plot.left - 6.0),
            coord(y.at(t) + 4.0),
            tick_label(t)
        );
    }
    out.push_str("</g>");
    if !title.is_empty() {
        let mid = coord(-(plot.top + plot.bottom) / 2.0);
        let text = fit(title, chars_in(plot.bottom - plot.top));
        put!(
            out,
            "<text class=\"axis-title\" transform=\"rotate(-90)\" x=\"{mid}\" y=\"14\" text-anchor=\"middle\">{}</text>",
            escape(&text)
        );
    }
}

/// Vertical gridlines at the given x positions.
pub(crate) fn x_grid(out: &mut String, plot: &Plot, xs: &[f64]) {
    out.push_str("<g class=\"grid\">");
    for &x in xs {
        let px = coord(x);
        put!(
            out,
            "<line x1=\"{px}\" y1=\"{}\" x2=\"{px}\" y2=\"{}\"/>",
            coord(plot.top),
            coord(plot.bottom)
        );
    }
    out.push_str("</g>");
}

/// Labels for evenly spaced positions, `spacing` apart. Every step-th one is
/// printed, so that at most `max` show and each has room for `want`
/// characters (fewer when the longest label is shorter); longer text is cut
/// with an ellipsis.
pub(crate) fn spaced_labels(
    out: &mut String,
    plot: &Plot,
    labels: &[(f64, String)],
    spacing: f64,
    want: usize,
    max: usize,
) {
    let longest = labels
        .iter()
        .map(|(_, l)| l.chars().count())
        .max()
        .unwrap_or(1);
    let chars = longest.clamp(1, want.max(1)) as f64;
    // Truncation is fine: the ceiling already rounded up to a whole step.
    let by_room = ((chars * CHAR_W + 8.0) / spacing.max(1.0)).ceil() as usize;
    let step = labels.len().div_ceil(max.max(1)).max(by_room).max(1);
    let shown: Vec<(f64, String)> = labels.iter().step_by(step).cloned().collect();
    x_labels(out, plot, &shown, spacing * step as f64);
}

/// Tick labels under the plot, each cut to the `room` it has, with a short
/// tick mark above it.
pub(crate) fn x_labels(out: &mut String, plot: &Plot, labels: &[(f64, String)], room: f64) {
    let max = chars_in(room - 4.0);
    out.push_str("<g class=\"ticks\">");
    for (x, _) in labels {
        let px = coord(*x);
        put!(
            out,
            "<line x1=\"{px}\" y1=\"{}\" x2=\"{px}\" y2=\"{}\"/>",
            coord(plot.bottom),
            coord(plot.bottom + 4.0)
        );
    }
    out.push_str("</g><g class=\"tick-labels\">");
    for (x, label) in labels {
        put!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            coord(*x),
            coord(plot.bottom + 16.0),
            escape(&fit(label, max))
        );
    }
    out.push_str("</g>");
}

/// The x-axis title, centred under the tick labels.
pub(crate) fn x_title(out: &mut String, plot: &Plot, title: &str) {
    if title.is_empty() {
        return;
    }
    put!(
        out,
        "<text class=\"axis-title\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
        coord((plot.left + plot.right) / 2.0),
        coord(HEIGHT - 8.0),
        escape(&fit(title, chars_in(plot.width())))
    );
}

/// The x axis itself: a solid line across the plot at `y`.
pub(crate) fn baseline(out: &mut String, plot: &Plot, y: f64) {
    let py = coord(y);
    put!(
        out,
        "<line class=\"axis\" x1=\"{}\" y1=\"{py}\" x2=\"{}\" y2=\"{py}\"/>",
        coord(plot.left),
        coord(plot.right)
    );
}

/// A labelled horizontal reference line (dashed by its class). Labels sit
/// right-aligned above the line; `taken` holds the label heights already used
/// so that lines close together do not print their labels on top of each other.
pub(crate) fn hline(
    out: &mut String,
    plot: &Plot,
    y: f64,
    label: &str,
    class: &str,
    taken: &mut Vec<f64>,
) {
    let py = coord(y);
    put!(
        out,
        "<line class=\"{class}\" x1=\"{}\" y1=\"{py}\" x2=\"{}\" y2=\"{py}\"/>",
        coord(plot.left),
        coord(plot.right)
    );
    let mut ly = y - 4.0;
    while taken.iter().any(|t| (t - ly).abs() < 12.0) {
        ly -= 12.0;
    }
    ly = ly.max(plot.top - 10.0);
    taken.push(ly);
    put!(
        out,
        "<text class=\"{class}-label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
        coord(plot.right - 2.0),
        coord(ly),
        escape(&fit(label, chars_in(plot.width() / 2.0)))
    );
}
