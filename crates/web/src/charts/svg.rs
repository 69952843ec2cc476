//! The markup every chart shares: escaping, number formatting, label
//! fitting, and the figure around the SVG with its legend.

/// Appends formatted text to a `String`. Writing to a `String` cannot fail,
/// so the `fmt::Result` carries nothing worth handling.
macro_rules! put {
    ($out:expr, $($arg:tt)*) => {{
        let _ = ::std::fmt::Write::write_fmt($out, format_args!($($arg)*));
    }};
}
pub(crate) use put;

/// The view box every chart draws in; the SVG scales to its container.
pub(crate) const WIDTH: f64 = 640.0;
pub(crate) const HEIGHT: f64 = 260.0;
/// The average advance of one character of 11-unit label text, used to cut
/// labels down to the room they have instead of letting them overlap.
pub(crate) const CHAR_W: f64 = 6.2;

/// Escapes text for XML content and attribute values, and drops the control
/// characters XML 1.0 cannot carry at all.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A value for people to read: at most two decimals, no trailing zeros.
pub(crate) fn num(v: f64) -> String {
    trim_zeros(format!("{:.2}", finite_or_zero(v)))
}

/// A coordinate in the view box: one decimal is finer than a pixel.
pub(crate) fn coord(v: f64) -> String {
    trim_zeros(format!("{:.1}", finite_or_zero(v)))
}

/// A tick label: like [`num`], shortened to `k`/`M` for large values.
pub(crate) fn tick_label(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{}M", num(v / 1e6))
    } else if a >= 1e4 {
        format!("{}k", num(v / 1e3))
    } else {
        num(v)
    }
}

fn finite_or_zero(v: f64) -> f64 {
    if v.is_finite() { v } else { 0.0 }
}

fn trim_zeros(s: String) -> String {
    let t = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        &s
    };
    if t == "-0" { "0".into() } else { t.into() }
}

/// The y-axis title as a unit after a value, or nothing.
pub(crate) fn unit(y_label: &str) -> String {
    if y_label.is_empty() {
        String::new()
    } else {
        format!(" {}", escape(y_label))
    }
}

/// `text` cut to `max` characters, ending in an ellipsis when cut.
pub(crate) fn fit(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// How many characters of label text fit in `room` view-box units.
pub(crate) fn chars_in(room: f64) -> usize {
    // Truncation is the intent: a partial character does not fit.
    (room / CHAR_W).max(1.0) as usize
}

/// The link target if it is a relative or http(s) address; anything else
/// (`javascript:`, `data:`) is dropped and the mark is drawn without a link.
pub(crate) fn safe_href(href: &str) -> Option<&str> {
    let ok = (href.starts_with('/') && !href.starts_with("//"))
        || href.starts_with('#')
        || href.starts_with('?')
        || href.starts_with("https://")
        || href.starts_with("http://");
    ok.then_some(href)
}

/// A stable, page-unique-enough id for `aria-labelledby`: the kind plus an
/// FNV-1a hash of the title, so the same input always gives the same id.
fn chart_id(kind: &str, title: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for b in kind.bytes().chain([0]).chain(title.bytes()) {
        hash = (hash ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    let kind: String = kind
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("chart-{kind}-{hash:08x}")
}

/// What a legend entry draws before its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A short line, with the series' dash class.
    Line(&'static str),
    /// A filled box, for bars and areas.
    Box,
    /// A round dot, for scatter points.
    Dot,
}

/// One legend entry: a series name and the class that colours it.
#[derive(Debug, Clone)]
pub(crate) struct Key {
    pub name: String,
    pub class: String,
    pub shape: Shape,
}

/// The whole chart: figure, SVG with title and description, the marks in
/// `body`, and the legend.
pub(crate) fn figure(
    kind: &str,
    title: &str,
    desc: &str,
    points: usize,
    body: &str,
    keys: &[Key],
) -> String {
    let id = chart_id(kind, title);
    let mut out = String::with_capacity(body.len() + 1024);
    put!(
        &mut out,
        "<figure class=\"chart\" data-chart=\"{kind}\" data-points=\"{points}\">\
         <svg class=\"chart-svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" \
         aria-labelledby=\"{id}-t\" aria-describedby=\"{id}-d\">\
         <title id=\"{id}-t\">{title}</title><desc id=\"{id}-d\">{desc}</desc>{body}</svg>",
        kind = escape(kind),
        title = escape(title),
        desc = escape(desc),
    );
    if !keys.is_empty() {
        out.push_str("<ul class=\"chart-legend\">");
        for key in keys {
            let class = escape(&key.class);
            let mark = match key.shape {
                Shape::Line(style) => format!(
                    "<line class=\"key-line {class}{sp}{style}\" x1=\"1\" y1=\"6\" x2=\"23\" y2=\"6\"/>",
                    sp = if style.is_empty() { "" } else { " " },
                ),
                Shape::Box => {
                    format!(
                        "<rect class=\"key-box {class}\" x=\"3\" y=\"1\" width=\"18\" height=\"10\" rx=\"2\"/>"
                    )
                }
                Shape::Dot => {
                    format!(
                        "<rect class=\"key-dot {class}\" x=\"7\" y=\"1\" width=\"10\" height=\"10\" rx=\"5\"/>"
                    )
                }
            };
            put!(
                &mut out,
                "<li><svg class=\"chart-key\" width=\"24\" height=\"12\" viewBox=\"0 0 24 12\" \
                 aria-hidden=\"true\">{mark}</svg>{}</li>",
                escape(&key.name)
            );
        }
        out.push_str("</ul>");
    }
    out.push_str("</figure>");
    out
}

/// The figure for a chart with nothing to draw: the caller's message, no SVG.
pub(crate) fn empty(kind: &str, title: &str, message: &str) -> String {
    format!(
        "<figure class=\"chart chart-none\" data-chart=\"{}\" data-points=\"0\" aria-label=\"{}\">\
         <p class=\"chart-empty\">{}</p></figure>",
        escape(kind),
        escape(title),
        escape(message)
    )
}

/// The smallest and largest of `values`, if any.
pub(crate) fn min_max(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values.into_iter().fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_quotes_and_control_characters() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>\u{1}"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn numbers_have_at_most_two_decimals_and_never_nan() {
        assert_eq!(num(1.23456), "1.23");
        assert_eq!(num(2.5), "2.5");
        assert_eq!(num(40.0), "40");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(f64::NAN), "0");
        assert_eq!(coord(12.345), "12.3");
        assert_eq!(tick_label(25_000.0), "25k");
        assert_eq!(tick_label(1_500_000.0), "1.5M");
    }

    #[test]
    fn labels_are_cut_to_fit() {
        assert_eq!(fit("Sprint 12", 20), "Sprint 12");
        assert_eq!(fit("Sprint 12", 5), "Spri…");
    }

    #[test]
    fn only_safe_links() {
        assert_eq!(safe_href("/issues/A-1"), Some("/issues/A-1"));
        assert_eq!(
            safe_href("https://example.com"),
            Some("https://example.com")
        );
        assert_eq!(safe_href("javascript:alert(1)"), None);
        assert_eq!(safe_href("//evil.example"), None);
    }
}
