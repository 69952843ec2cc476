//! Charts drawn on the server as SVG: burndown lines, velocity and capacity
//! bars, cumulative flow, scatter plots and forecast histograms.
//!
//! Each function takes a plain input struct and returns one
//! `<figure class="chart" data-chart="…" data-points="…">` holding an
//! accessible `<svg>` (a `<title>`, a `<desc>` that sums up the data in words,
//! a `<title>` tooltip on every data mark) followed by an HTML legend. With no
//! data the figure holds only the caller's message in `<p class="chart-empty">`.
//!
//! Nothing is coloured inline: the Content-Security-Policy forbids inline
//! styles and SVG presentation attributes cannot read CSS variables, so every
//! colour comes from classes styled in `assets/charts.css`. A series class
//! (`s-1`…`s-6`, `s-remaining`, `st-done`, `pt-bug`, …) only sets the colour
//! variable `--c`; the mark's own class (`line`, `bar-rect`, `area`, `pt`)
//! decides whether that colour fills or strokes. Output is deterministic: the
//! same input gives the same bytes, numbers carry at most two decimals, and
//! non-finite values are skipped rather than printed.

mod area;
mod axes;
mod bar;
mod histogram;
mod line;
mod scatter;
mod svg;
mod ticks;

pub use area::{AreaLayer, StackedArea, stacked_area};
pub use bar::{BarChart, BarSeries, bar_chart};
pub use histogram::{Histogram, histogram};
pub use line::{LineChart, LineSeries, LineStyle, line_chart};
pub use scatter::{Scatter, ScatterPoint, scatter};
pub use svg::escape;
