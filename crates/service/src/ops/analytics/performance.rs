//! pm_performance_impact: throughput, cycle time, estimate accuracy and
//! reopened work per owner (person or agent).

use std::fmt::Write as _;

use chrono::{Duration, Utc};
use lazypm_domain::analytics::performance::{OwnerPerformance, performance};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Timeframe;
use crate::{Result, Service};

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PerformanceImpactInput {
    pub project_id: Option<String>,
    /// 7d, 2w, 1m (default) or 3m.
    pub timeframe: Option<Timeframe>,
    /// Only this owner.
    pub owner: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PerformanceImpactOutput {
    pub project: String,
    pub timeframe: String,
    pub owners: Vec<OwnerPerformance>,
    pub report: String,
    pub next_steps: Vec<String>,
}

fn opt(v: Option<f64>, unit: &str) -> String {
    v.map_or("–".into(), |x| format!("{x:.1} {unit}"))
}

impl Service {
    pub async fn pm_performance_impact(
        &self,
        input: PerformanceImpactInput,
    ) -> Result<PerformanceImpactOutput> {
        let timeframe = input.timeframe.unwrap_or(Timeframe::Month);
        let since = Utc::now() - Duration::days(timeframe.days());
        let mut tx = self.read().await?;
        let project = self
            .resolve_project(&mut *tx, input.project_id.as_deref())
            .await?;
        let completed = tx.completed_facts(project.id, since).await?;
        let histories = tx.histories_since(project.id, since).await?;
        let mut owners = performance(&completed, &histories, since, timeframe.days());
        if let Some(o) = &input.owner {
            owners.retain(|p| p.owner.eq_ignore_ascii_case(o));
        }
        let tf = timeframe.as_str();
        let mut report = format!("# Performance per owner, last {tf}\n\n");
        if owners.is_empty() {
            let _ = writeln!(
                report,
                "Nobody{} finished or reworked an issue in the last {tf}.",
                input
                    .owner
                    .as_deref()
                    .map_or(String::new(), |o| format!(" named {o}"))
            );
        } else {
            report.push_str("| owner | done | per week | cycle P50 | cycle P85 | actual/estimate | within ±25 % | reopened | sent back |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
            for p in &owners {
                let _ = writeln!(
                    report,
                    "| {} | {} | {:.1} | {} | {} | {} | {} | {} ({:.0} %) | {} |",
                    p.owner,
                    p.completed,
                    p.per_week,
                    opt(p.cycle_p50_days, "d"),
                    opt(p.cycle_p85_days, "d"),
                    p.accuracy
                        .as_ref()
                        .map_or("–".into(), |a| format!("{:.2}×", a.median_ratio)),
                    p.accuracy.as_ref().map_or("–".into(), |a| format!(
                        "{:.0} %",
                        a.within_25_percent * 100.0
                    )),
                    p.reopened,
                    p.reopen_rate * 100.0,
                    p.sent_back
                );
            }
            let _ = writeln!(
                report,
                "\nDone: issues completed in the window, by their owner. Cycle time: start to done with paused time left out, in days. Actual/estimate: the median over done issues with both. Reopened: issues that left done again; sent back: review rounds that returned work to in progress."
            );
        }
        let mut next_steps = Vec::new();
        if let Some(p) = owners.iter().find(|p| p.reopen_rate > 0.2) {
            next_steps.push(format!(
                "pm_retro: {} reopened {:.0} % of their work; look at why",
                p.owner,
                p.reopen_rate * 100.0
            ));
        }
        next_steps.push("pm_capacity_planning: spread the open work by measured pace".into());
        Ok(PerformanceImpactOutput {
            project: project.key,
            timeframe: tf.into(),
            owners,
            report,
            next_steps,
        })
    }
}
