//! The analytics page: burndown, forecast, velocity, cumulative flow, cycle
//! time, effort accuracy and capacity, each drawn on the server as SVG from
//! the same service results the MCP tools return.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use chrono::{Duration, Utc};
use lazypm_service::ops::analytics::{CHART_DAYS, ChartData};

use super::html::{Safe, chart};
use super::{Chrome, PageResult, Tab, page};
use crate::charts::{
    AreaLayer, BarChart, BarSeries, Histogram, LineChart, LineSeries, LineStyle, Scatter,
    ScatterPoint, StackedArea, bar_chart, histogram, line_chart, scatter, stacked_area,
};
use crate::routes::AppState;

#[derive(Template)]
#[template(path = "analytics.html")]
struct AnalyticsPage {
    project: String,
    burndown_title: String,
    burndown: Safe,
    burndown_note: String,
    forecast: Safe,
    forecast_note: String,
    velocity_title: String,
    velocity: Safe,
    velocity_note: String,
    flow: Safe,
    cycle: Safe,
    accuracy: Safe,
    accuracy_note: String,
    capacity: Safe,
}

/// The most bars the forecast histogram draws, about.
const MAX_BINS: u32 = 60;

fn short_date(d: chrono::NaiveDate) -> String {
    d.format("%b %d").to_string()
}

fn burndown(d: &ChartData) -> (String, Safe, String) {
    let b = &d.burndown.burndown;
    let title = match &d.burndown.sprint {
        Some(s) => format!("Burndown: {}", s.name),
        None => format!(
            "Open work, last {}",
            d.burndown.timeframe.as_deref().unwrap_or("2w")
        ),
    };
    let today = Utc::now().date_naive();
    let today_index = b.days.iter().position(|x| x.date == today);
    let series = |name: &str,
                  f: &dyn Fn(&lazypm_domain::analytics::burndown::BurndownDay) -> Option<f64>,
                  style,
                  class| LineSeries {
        name: name.into(),
        values: b.days.iter().map(f).collect(),
        style,
        class,
    };
    let mut lines = vec![
        series(
            "remaining",
            &|x| x.remaining,
            LineStyle::Solid,
            "s-remaining",
        ),
        series("scope", &|x| x.scope, LineStyle::Dotted, "s-scope"),
    ];
    if d.burndown.sprint.is_some() {
        lines.push(series("ideal", &|x| x.ideal, LineStyle::Dashed, "s-ideal"));
    }
    let has_data = b.days.iter().any(|x| x.scope.is_some_and(|s| s > 0.0));
    let svg = line_chart(&LineChart {
        kind: "burndown",
        title: title.clone(),
        y_label: b.unit.as_str().into(),
        x_labels: b.days.iter().map(|x| short_date(x.date)).collect(),
        series: if has_data { lines } else { Vec::new() },
        today_index,
        empty_message: "No work to burn down yet: plan a sprint with pm_create_sprint and pm_add_to_sprint, or create issues.".into(),
    });
    let note = if d.burndown.sprint.is_some() {
        format!(
            "Committed {} {}; scope now {} ({:+} added, {:+} canceled, {:+} re-estimated); {} remaining.",
            b.committed,
            b.unit.as_str(),
            b.scope_now,
            b.added,
            b.removed,
            b.re_estimated,
            b.remaining
        )
    } else {
        format!(
            "Open issues at the end of each day: {} created, {} done, {} canceled in the window.",
            b.added, b.completed, -b.removed
        )
    };
    (title, chart(svg), note)
}

fn forecast(d: &ChartData) -> (Safe, String) {
    let f = &d.forecast.baseline;
    let today = Utc::now().date_naive();
    // At most about 60 bars: days are grouped into steps of a week or more
    // when the trials spread wider.
    let (first, last) = match (f.histogram.first(), f.histogram.last()) {
        (Some(a), Some(b)) => (a.0, b.0),
        _ => (0, 0),
    };
    let step = (last - first) / MAX_BINS + 1;
    let step = if step > 1 { step.div_ceil(7) * 7 } else { 1 };
    let bin_of = |days: u32| ((days - first.min(days)) / step) as usize;
    let mut counts: Vec<u64> = vec![0; bin_of(last) + 1];
    for (days, n) in &f.histogram {
        counts[bin_of(*days)] += u64::from(*n);
    }
    let bins: Vec<(String, u64)> = counts
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let from = today + Duration::days(i64::from(first + i as u32 * step));
            let label = if step == 1 {
                short_date(from)
            } else {
                format!("week of {}", short_date(from))
            };
            (label, *n)
        })
        .collect();
    let marker = |label: &str, days: Option<u32>| {
        let days = days?;
        Some((
            format!(
                "{label} {}",
                short_date(today + Duration::days(i64::from(days)))
            ),
            bin_of(days),
        ))
    };
    let markers = [
        marker("P50", f.p50_days),
        marker("P85", f.p85_days),
        marker("P95", f.p95_days),
    ]
    .into_iter()
    .flatten()
    .collect();
    let svg = histogram(&Histogram {
        kind: "forecast",
        title: format!("When the {} open issues will be done", f.scope),
        x_label: "completion date".into(),
        bins: if f.scope > 0 { bins } else { Vec::new() },
        markers,
        empty_message: if f.scope == 0 {
            "No open work to forecast.".into()
        } else {
            "No forecast yet: nothing was finished in the last 28 days, so there is no pace to forecast from.".into()
        },
    });
    let note = format!(
        "{} trials (seed {}) replaying random days of the last {} days: {} issues a day on average. P85: 85 % of trials were done by then.",
        d.forecast.trials, d.forecast.seed, d.forecast.basis_days, f.mean_daily_throughput
    );
    (chart(svg), note)
}

fn velocity(d: &ChartData) -> (String, Safe, String) {
    let v = &d.velocity;
    if v.sprints.is_empty() {
        let svg = bar_chart(&BarChart {
            kind: "velocity",
            title: "Issues done per week".into(),
            y_label: "issues".into(),
            categories: v.weeks.iter().map(|w| short_date(w.from)).collect(),
            series: if v.weeks.iter().any(|w| w.completed > 0) {
                vec![BarSeries {
                    name: "done".into(),
                    values: v.weeks.iter().map(|w| f64::from(w.completed)).collect(),
                    class: "s-completed",
                }]
            } else {
                Vec::new()
            },
            reference: v.average_completed.map(|a| {
                (
                    format!("average of the last {} weeks: {a}", v.averaged_over),
                    a,
                )
            }),
            href: Vec::new(),
            empty_message: "Nothing done in the last 12 weeks yet.".into(),
        });
        return (
            "Throughput".into(),
            chart(svg),
            "No sprints: issues done per 7 days.".into(),
        );
    }
    let svg = bar_chart(&BarChart {
        kind: "velocity",
        title: format!("Velocity in {}", v.unit.as_str()),
        y_label: v.unit.as_str().into(),
        categories: v.sprints.iter().map(|s| s.sprint.clone()).collect(),
        series: vec![
            BarSeries {
                name: "committed".into(),
                values: v.sprints.iter().map(|s| s.committed).collect(),
                class: "s-committed",
            },
            BarSeries {
                name: "completed".into(),
                values: v.sprints.iter().map(|s| s.completed).collect(),
                class: "s-completed",
            },
        ],
        reference: v
            .average_completed
            .map(|a| (format!("average completed: {a}"), a)),
        href: Vec::new(),
        empty_message: "No sprint has started yet.".into(),
    });
    let note = match v.say_do_ratio {
        Some(r) => format!(
            "Over the last {} ended sprints, {:.0} % of the commitment was completed.",
            v.averaged_over,
            r * 100.0
        ),
        None => "No sprint has ended yet.".into(),
    };
    ("Velocity".into(), chart(svg), note)
}

fn flow(d: &ChartData) -> Safe {
    let layer = |name: &str, f: &dyn Fn(&lazypm_service::ops::analytics::FlowDay) -> u64, class| {
        AreaLayer {
            name: name.into(),
            values: d.flow.iter().map(|x| f(x) as f64).collect(),
            class,
        }
    };
    let any = d.flow.iter().any(|x| x.to_do + x.in_progress + x.done > 0);
    chart(stacked_area(&StackedArea {
        kind: "cfd",
        title: "Cumulative flow".into(),
        y_label: "issues".into(),
        x_labels: d.flow.iter().map(|x| short_date(x.date)).collect(),
        layers: if any {
            vec![
                layer("done", &|x| x.done, "st-done"),
                layer("in progress", &|x| x.in_progress, "st-in_progress"),
                layer("to do", &|x| x.to_do, "st-proposed"),
            ]
        } else {
            Vec::new()
        },
        empty_message: "No issues yet.".into(),
    }))
}

fn cycle(d: &ChartData) -> Safe {
    let start = Utc::now() - Duration::days(CHART_DAYS);
    let ticks = (0..=CHART_DAYS)
        .step_by(15)
        .map(|o| {
            (
                o as f64,
                short_date((start + Duration::days(o)).date_naive()),
            )
        })
        .collect();
    let mut hlines = Vec::new();
    if let Some(p) = d.cycle_p50 {
        hlines.push((format!("P50 {p:.1} d"), p));
    }
    if let Some(p) = d.cycle_p85 {
        hlines.push((format!("P85 {p:.1} d"), p));
    }
    chart(scatter(&Scatter {
        kind: "cycle-time",
        title: "Cycle time of completed issues".into(),
        x_label: "completed".into(),
        y_label: "days".into(),
        x_ticks: ticks,
        points: d
            .cycle
            .iter()
            .map(|c| ScatterPoint {
                x: (c.completed_at - start).num_minutes() as f64 / 1440.0,
                y: c.days,
                label: format!("{} {}: {:.1} d", c.key, c.title, c.days),
                href: Some(format!("/issues/{}", c.key)),
                class: if c.issue_type == lazypm_domain::IssueType::Bug {
                    "pt-bug"
                } else {
                    "pt"
                },
            })
            .collect(),
        hlines,
        diagonal: false,
        log_scale: false,
        empty_message: "No issue completed in the last 90 days has a cycle time yet.".into(),
    }))
}

fn accuracy(d: &ChartData) -> (Safe, String) {
    let a = &d.accuracy.accuracy;
    let svg = scatter(&Scatter {
        kind: "accuracy",
        title: "Estimate against actual time".into(),
        x_label: "estimated hours".into(),
        y_label: "actual hours".into(),
        x_ticks: Vec::new(),
        points: a
            .samples
            .iter()
            .map(|s| ScatterPoint {
                x: s.estimate_hours,
                y: s.actual_hours,
                label: format!(
                    "{} {}: {:.1} h estimated, {:.1} h taken",
                    s.key, s.title, s.estimate_hours, s.actual_hours
                ),
                href: Some(format!("/issues/{}", s.key)),
                class: if s.ratio > 1.25 { "pt-over" } else { "pt" },
            })
            .collect(),
        hlines: Vec::new(),
        diagonal: true,
        log_scale: false,
        empty_message:
            "No issue completed in the last quarter has both an estimate and recorded time.".into(),
    });
    let note = match &a.overall {
        Some(o) => format!(
            "{} issues: work took {:.2}× its estimate at the median; {:.0} % within ±25 %. Points above the diagonal overran.",
            o.issues,
            o.median_ratio,
            o.within_25_percent * 100.0
        ),
        None => "Estimate with pm_estimate and record time to see this.".into(),
    };
    (chart(svg), note)
}

fn capacity(d: &ChartData) -> Safe {
    let owners: Vec<_> = d
        .capacity
        .plan
        .owners
        .iter()
        .filter(|o| o.remaining_hours > 0.0 || o.capacity_hours.is_some_and(|c| c > 0.0))
        .collect();
    chart(bar_chart(&BarChart {
        kind: "capacity",
        title: "Remaining work against capacity".into(),
        y_label: "hours".into(),
        categories: owners.iter().map(|o| o.owner.clone()).collect(),
        series: if owners.is_empty() {
            Vec::new()
        } else {
            vec![
                BarSeries {
                    name: "remaining estimated".into(),
                    values: owners.iter().map(|o| o.remaining_hours).collect(),
                    class: "s-load",
                },
                BarSeries {
                    name: "capacity".into(),
                    values: owners
                        .iter()
                        .map(|o| o.capacity_hours.unwrap_or(0.0))
                        .collect(),
                    class: "s-capacity",
                },
            ]
        },
        reference: None,
        href: owners
            .iter()
            .map(|o| {
                Some(format!(
                    "/p/{}/issues?owner={}",
                    d.project,
                    super::encode(&o.owner)
                ))
            })
            .collect(),
        empty_message: "Nobody owns estimated open work or has logged time yet.".into(),
    }))
}

pub async fn analytics(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(project): Path<String>,
) -> PageResult {
    let d = s.svc.analytics_charts(Some(&project)).await?;
    let (burndown_title, burndown, burndown_note) = burndown(&d);
    let (forecast, forecast_note) = forecast(&d);
    let (velocity_title, velocity, velocity_note) = velocity(&d);
    let (accuracy, accuracy_note) = accuracy(&d);
    let main = AnalyticsPage {
        project: d.project.clone(),
        burndown_title,
        burndown,
        burndown_note,
        forecast,
        forecast_note,
        velocity_title,
        velocity,
        velocity_note,
        flow: flow(&d),
        cycle: cycle(&d),
        accuracy,
        accuracy_note,
        capacity: capacity(&d),
    };
    let chrome = Chrome {
        title: format!("{} analytics", d.project),
        project: Some(d.project),
        tab: Tab::Analytics,
    };
    page(&s, &headers, chrome, &main).await
}
