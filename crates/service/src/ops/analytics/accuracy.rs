//! pm_effort_accuracy: estimates against the time completed work took.

use std::fmt::Write as _;

use chrono::{DateTime, Duration, Utc};
use lazypm_domain::analytics::accuracy::{AccuracyStats, EffortAccuracy, effort_accuracy};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Timeframe;
use crate::{Result, Service};

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EffortAccuracyInput {
    pub project_id: Option<String>,
    /// Completed within: 7d, 2w, 1m or 3m (default).
    pub timeframe: Option<Timeframe>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct EffortAccuracyOutput {
    pub project: String,
    pub timeframe: String,
    pub since: DateTime<Utc>,
    #[serde(flatten)]
    pub accuracy: EffortAccuracy,
    /// Markdown: the figures and what they count.
    pub report: String,
    pub next_steps: Vec<String>,
}

fn stats_row(out: &mut String, name: &str, s: &AccuracyStats) {
    let _ = writeln!(
        out,
        "| {name} | {} | {:.2} | {:.0} % | {:.0} % | {:+.0} % |",
        s.issues,
        s.median_ratio,
        s.median_relative_error * 100.0,
        s.within_25_percent * 100.0,
        s.bias * 100.0
    );
}

fn render(a: &EffortAccuracy, timeframe: &str) -> String {
    let mut out = format!("# Effort accuracy, issues completed in the last {timeframe}\n\n");
    let Some(o) = &a.overall else {
        let _ = writeln!(
            out,
            "No completed issue had both an estimate and recorded time ({} without an estimate, {} without time). Estimate with pm_estimate and record time with pm_log_work or actual_time at completion.",
            a.without_estimate, a.without_time
        );
        return out;
    };
    let _ = writeln!(
        out,
        "Over {} issues, work took {:.2}× its estimate at the median; {:.0} % landed within ±25 %. Bias {:+.0} %: {}.\n",
        o.issues,
        o.median_ratio,
        o.within_25_percent * 100.0,
        o.bias * 100.0,
        if o.bias > 0.05 {
            "estimates run low"
        } else if o.bias < -0.05 {
            "estimates run high"
        } else {
            "estimates are about right"
        }
    );
    out.push_str("| group | issues | median actual/estimate | median error | within ±25 % | bias |\n| --- | --- | --- | --- | --- | --- |\n");
    stats_row(&mut out, "all", o);
    for (title, map) in [
        ("type", &a.by_type),
        ("complexity", &a.by_complexity),
        ("owner", &a.by_owner),
    ] {
        for (k, s) in map {
            stats_row(&mut out, &format!("{title}: {k}"), s);
        }
    }
    out.push_str("\nLargest misses:\n");
    for s in a.samples.iter().take(5) {
        let _ = writeln!(
            out,
            "- {} {}: {:.1} h estimated, {:.1} h taken ({:.2}×)",
            s.key, s.title, s.estimate_hours, s.actual_hours, s.ratio
        );
    }
    let _ = writeln!(
        out,
        "\nCounts completed issues with an estimate (estimate_hours) and time: the actual time given at completion, else the time logged. Left out: {} without an estimate, {} without time. Bias is the median of (actual − estimate) / estimate.",
        a.without_estimate, a.without_time
    );
    out
}

impl Service {
    pub async fn pm_effort_accuracy(
        &self,
        input: EffortAccuracyInput,
    ) -> Result<EffortAccuracyOutput> {
        let timeframe = input.timeframe.unwrap_or(Timeframe::Quarter);
        let since = Utc::now() - Duration::days(timeframe.days());
        let mut tx = self.read().await?;
        let project = self
            .resolve_project(&mut *tx, input.project_id.as_deref())
            .await?;
        let completed = tx.completed_facts(project.id, since).await?;
        let accuracy = effort_accuracy(&completed);
        let mut next_steps = Vec::new();
        if let Some(o) = &accuracy.overall
            && o.bias > 0.25
        {
            next_steps.push(format!(
                "pm_estimate: estimates run {:.0} % low; scale new ones by {:.2}",
                o.bias * 100.0,
                o.median_ratio
            ));
        }
        if accuracy.without_estimate > 0 {
            next_steps.push("pm_estimate: estimate issues before starting them".into());
        }
        next_steps.push("pm_optimize_workflow: see where the time went".into());
        Ok(EffortAccuracyOutput {
            project: project.key,
            timeframe: timeframe.as_str().into(),
            since,
            report: render(&accuracy, timeframe.as_str()),
            accuracy,
            next_steps,
        })
    }
}
