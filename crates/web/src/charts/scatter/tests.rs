use super::*;

fn point(x: f64, y: f64, label: &str, class: &'static str) -> ScatterPoint {
    ScatterPoint {
        x,
        y,
        label: label.into(),
        href: None,
        class,
    }
}

fn cycle_time() -> Scatter {
    Scatter {
        kind: "cycle-time",
        title: "Cycle time".into(),
        x_label: "completed".into(),
        y_label: "days".into(),
        x_ticks: vec![
            (0.0, "Mar 1".into()),
            (14.0, "Mar 15".into()),
            (28.0, "Mar 29".into()),
        ],
        points: vec![
            ScatterPoint {
                href: Some("/issues/LPM-1".into()),
                ..point(2.0, 1.5, "LPM-1 Login", "pt")
            },
            point(9.0, 4.0, "LPM-2 Crash", "pt-bug"),
            point(f64::NAN, 2.0, "broken", "pt"),
            point(20.0, f64::INFINITY, "broken", "pt"),
            point(27.0, 9.25, "LPM-3 Export", "pt"),
        ],
        hlines: vec![
            ("P50 4 d".into(), 4.0),
            ("P85 8.5 d".into(), 8.5),
            ("bad".into(), f64::NAN),
        ],
        diagonal: false,
        log_scale: false,
        empty_message: "Nothing finished yet".into(),
    }
}

fn effort() -> Scatter {
    Scatter {
        kind: "effort",
        title: "Estimate vs actual".into(),
        x_label: "estimate h".into(),
        y_label: "actual h".into(),
        x_ticks: Vec::new(),
        points: vec![
            point(2.0, 3.0, "LPM-4", "pt-over"),
            point(8.0, 6.0, "LPM-5", "pt"),
            point(16.0, 30.0, "LPM-6", "pt-over"),
            point(0.0, 1.0, "LPM-7", "pt-over"),
        ],
        hlines: Vec::new(),
        diagonal: true,
        log_scale: false,
        empty_message: "No estimates yet".into(),
    }
}

#[test]
fn one_circle_per_finite_point() {
    let out = scatter(&cycle_time());
    assert_eq!(out.matches("<circle").count(), 3, "{out}");
    assert!(out.contains("data-chart=\"cycle-time\" data-points=\"3\""));
    assert!(out.contains("<a class=\"chart-link\" href=\"/issues/LPM-1\"><circle class=\"pt\""));
    assert!(out.contains("<circle class=\"pt pt-bug\""));
    assert!(out.contains("<title>LPM-2 Crash: days 4</title>"));
    assert!(!out.contains("NaN") && !out.contains("inf"));
}

#[test]
fn percentile_lines_and_caller_ticks() {
    let out = scatter(&cycle_time());
    assert_eq!(out.matches("<line class=\"hline\"").count(), 2);
    assert!(out.contains(">P85 8.5 d</text>") && !out.contains(">bad<"));
    assert!(out.contains(">Mar 15</text>"));
    assert!(out.contains("3 points; days from 1.5 to 9.25 (median 4). Lines: P50 4 d, P85 8.5 d."));
    let legend = out.split("chart-legend").nth(1).unwrap_or_default();
    assert!(legend.contains(">issue</li>") && legend.contains(">bug</li>"));
}

#[test]
fn diagonal_shares_one_domain() {
    let out = scatter(&effort());
    assert_eq!(out.matches("<line class=\"diagonal\"").count(), 1);
    assert!(out.contains("<title>LPM-6: actual h 30, estimate h 16</title>"));
    // x and y both run 0..30 in steps of 10.
    for t in ["0", "10", "20", "30"] {
        assert!(out.contains(&format!("text-anchor=\"end\">{t}</text>")));
        assert!(out.contains(&format!("text-anchor=\"middle\">{t}</text>")));
    }
    assert!(out.contains("3 points lie above the y = x line."));
    assert!(out.contains(">over estimate</li>") && out.contains(">y = x</li>"));
}

#[test]
fn log_scale_leaves_out_non_positive_points() {
    let mut chart = effort();
    chart.log_scale = true;
    let out = scatter(&chart);
    assert_eq!(out.matches("<circle").count(), 3);
    assert!(out.contains("1 at or below zero cannot be shown on the log scale."));
    for t in [">1</text>", ">10</text>", ">100</text>"] {
        assert!(out.contains(t), "{t}");
    }
}

#[test]
fn empty_when_nothing_can_be_placed() {
    let mut chart = cycle_time();
    chart
        .points
        .retain(|p| !p.x.is_finite() || !p.y.is_finite());
    let out = scatter(&chart);
    assert!(
        out.contains("data-points=\"0\"") && out.contains("chart-empty\">Nothing finished yet<")
    );
}

#[test]
fn escapes_labels_and_links() {
    let mut chart = cycle_time();
    chart.title = "<script>\"t\"</script>".into();
    chart.points[0].label = "a < b & 'c'".into();
    chart.points[0].href = Some("/issues/A?x=1&y=\"2\"".into());
    let out = scatter(&chart);
    assert!(out.contains("&lt;script&gt;&quot;t&quot;&lt;/script&gt;"));
    assert!(out.contains("a &lt; b &amp; &#39;c&#39;"));
    assert!(out.contains("href=\"/issues/A?x=1&amp;y=&quot;2&quot;\""));
    assert!(!out.contains("<script>"));
}
