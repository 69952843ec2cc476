//! pm_optimize_workflow: flow measures from recent status histories, and
//! the suggestions whose thresholds they cross.

use std::fmt::Write as _;

use chrono::{DateTime, Duration, Utc};
use lazypm_domain::analytics::workflow::{
    BLOCKED_SHARE, FlowMeasures, Focus, OUTLIER_FACTOR, REOPEN_RATE, REVIEW_WAIT_HOURS, Suggestion,
    WIP_LIMIT, measure, suggest,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Timeframe;
use crate::{Result, Service};

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OptimizeWorkflowInput {
    pub project_id: Option<String>,
    /// all (default), efficiency, speed or quality.
    pub focus: Option<Focus>,
    /// Look back: 7d, 2w, 1m (default) or 3m.
    pub timeframe: Option<Timeframe>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct OptimizeWorkflowOutput {
    pub project: String,
    pub focus: Focus,
    pub timeframe: String,
    pub since: DateTime<Utc>,
    pub measures: FlowMeasures,
    pub suggestions: Vec<Suggestion>,
    /// Markdown: the measures, each suggestion with its evidence, the thresholds.
    pub report: String,
    pub next_steps: Vec<String>,
}

fn render(m: &FlowMeasures, s: &[Suggestion], timeframe: &str) -> String {
    let mut out = format!("# Workflow, last {timeframe}\n\n");
    let h = |x: Option<f64>| x.map(|v| format!("{v:.1} h")).unwrap_or_else(|| "–".into());
    let _ = writeln!(
        out,
        "- completed: {}; cycle time P50 {}, P85 {}\n- review wait P50 {}, P85 {} ({} reviews)\n- time blocked: {}\n- reopened: {}; reviews sent back: {}\n",
        m.completed,
        h(m.cycle_p50_hours),
        h(m.cycle_p85_hours),
        h(m.review_wait_p50_hours),
        h(m.review_wait_p85_hours),
        m.reviews_measured,
        m.blocked_share
            .map(|b| format!("{:.0} % of start-to-done time", b * 100.0))
            .unwrap_or_else(|| "–".into()),
        m.reopened,
        m.sent_back
    );
    if s.is_empty() {
        out.push_str("Nothing crosses a threshold.\n\n");
    }
    for x in s {
        let _ = writeln!(out, "## {}\n", x.title);
        for e in x.evidence.iter().take(10) {
            let _ = writeln!(out, "- {e}");
        }
        let _ = writeln!(out, "\nSuggestion: {} (rule `{}`)\n", x.action, x.rule);
    }
    let _ = writeln!(
        out,
        "Thresholds: over {WIP_LIMIT} in progress per owner; review wait P85 over {REVIEW_WAIT_HOURS:.0} h; over {:.0} % of cycle time blocked; cycle time over {OUTLIER_FACTOR}× the median; over {:.0} % of completed work reopened. Measured over issues changed in the window.",
        BLOCKED_SHARE * 100.0,
        REOPEN_RATE * 100.0
    );
    out
}

impl Service {
    pub async fn pm_optimize_workflow(
        &self,
        input: OptimizeWorkflowInput,
    ) -> Result<OptimizeWorkflowOutput> {
        let focus = input.focus.unwrap_or_default();
        let timeframe = input.timeframe.unwrap_or(Timeframe::Month);
        let since = Utc::now() - Duration::days(timeframe.days());
        let mut tx = self.read().await?;
        let project = self
            .resolve_project(&mut *tx, input.project_id.as_deref())
            .await?;
        let histories = tx.histories_since(project.id, since).await?;
        // Only owned work counts towards anyone's WIP.
        let open = tx.owned_open_facts(project.id).await?;
        let measures = measure(&histories, since);
        let suggestions = suggest(focus, &measures, &histories, &open, since);
        let mut next_steps: Vec<String> = Vec::new();
        for s in &suggestions {
            let step = match s.rule.as_str() {
                "wip_over_limit" => "pm_workflow_status: see WIP per owner",
                "blocked_share" => "pm_identify_blockers: what blocks most",
                "review_wait" => "pm_list_issues status review: the review queue",
                "reopened_work" => "pm_effort_accuracy: compare plans with outcomes",
                _ => continue,
            };
            next_steps.push(step.into());
        }
        Ok(OptimizeWorkflowOutput {
            project: project.key,
            focus,
            timeframe: timeframe.as_str().into(),
            since,
            report: render(&measures, &suggestions, timeframe.as_str()),
            measures,
            suggestions,
            next_steps,
        })
    }
}
