//! pm_risk_assessment: the risk rules over the open work, with evidence and
//! a suggested action each.

use std::fmt::Write as _;

use chrono::{Duration, Utc};
use lazypm_domain::analytics::Severity;
use lazypm_domain::analytics::risk::{
    LONG_BLOCKED_DAYS, LONG_CHAIN, OVER_ESTIMATE, Risk, RiskCategory, RiskInputs, STALE_DAYS,
    SprintFacts, assess, longest_chain,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Result, Service};

/// Issues named per risk at most (its title counts them all).
pub const LISTED_PER_RISK: usize = 10;

/// Days of completions the sprint forecast's pace is measured over.
pub const THROUGHPUT_BASIS_DAYS: i64 = 14;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskAssessmentInput {
    pub project_id: Option<String>,
    /// Only these: technical, timeline, resource, external.
    pub category: Option<Vec<RiskCategory>>,
    /// Only critical risks.
    pub critical_only: Option<bool>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RiskAssessmentOutput {
    pub project: String,
    /// Most severe first.
    pub risks: Vec<Risk>,
    pub critical: usize,
    pub high: usize,
    /// Risks found before the category and critical_only filters.
    pub found: usize,
    /// Markdown: each risk with evidence and action, then the rules.
    pub report: String,
    pub next_steps: Vec<String>,
}

fn render(risks: &[Risk], found: usize) -> String {
    let mut out = String::from("# Risk assessment\n\n");
    if risks.is_empty() {
        let _ = writeln!(
            out,
            "No risk {}.\n",
            if found > 0 {
                "matches the filters"
            } else {
                "found"
            }
        );
    }
    for r in risks {
        let _ = writeln!(
            out,
            "## {} · {}: {}\n",
            r.severity.as_str(),
            r.category.as_str(),
            r.title
        );
        for e in &r.evidence {
            let _ = writeln!(out, "- {e}");
        }
        let _ = writeln!(out, "\nAction: {} (rule `{}`)\n", r.action, r.rule);
    }
    let _ = writeln!(
        out,
        "Rules: in progress untouched {STALE_DAYS}+ days; blocked {LONG_BLOCKED_DAYS}+ days; a blocks chain of {LONG_CHAIN}+ open issues; high complexity without acceptance criteria or approach; logged time over {:.0} % of the estimate; one owner with over 60 % of owned open work; a P1 unowned for a day; an active sprint whose forecast (completions per day over the last {THROUGHPUT_BASIS_DAYS} days) ends after it.",
        OVER_ESTIMATE * 100.0
    );
    out
}

impl Service {
    pub async fn pm_risk_assessment(
        &self,
        input: RiskAssessmentInput,
    ) -> Result<RiskAssessmentOutput> {
        let now = Utc::now();
        let mut tx = self.read().await?;
        let project = self
            .resolve_project(&mut *tx, input.project_id.as_deref())
            .await?;
        // Only the rows a rule can fire on, and owned work counted in SQL.
        let (open, over_estimate_total) = tx
            .risk_facts(
                project.id,
                now - Duration::days(STALE_DAYS),
                now - Duration::days(1),
                OVER_ESTIMATE,
                LISTED_PER_RISK,
            )
            .await?;
        let mut owner_counts: std::collections::BTreeMap<String, usize> = Default::default();
        for l in tx
            .owner_workload(project.id, &crate::ops::views::OPEN)
            .await?
        {
            if let Some(o) = l.owner {
                *owner_counts.entry(o).or_insert(0) += l.count as usize;
            }
        }
        let chain = longest_chain(&tx.open_blocks_edges(project.id).await?);
        let sprints: Vec<SprintFacts> = tx
            .list_sprints(project.id)
            .await?
            .into_iter()
            .map(|s| SprintFacts {
                name: s.sprint.name,
                start: s.sprint.start_date,
                end: s.sprint.end_date,
                total: s.issue_keys.len() as i64,
                done: s.done,
            })
            .collect();
        let recent: i64 = tx
            .completions_by_bucket(project.id, &[now - Duration::days(THROUGHPUT_BASIS_DAYS)])
            .await?
            .iter()
            .map(|b| b.completed)
            .sum();
        let all = assess(&RiskInputs {
            open: &open,
            owner_counts: Some(&owner_counts),
            over_estimate_total: Some(over_estimate_total),
            longest_chain: &chain,
            sprints: &sprints,
            daily_throughput: recent as f64 / THROUGHPUT_BASIS_DAYS as f64,
            now,
        });
        // Each risk names at most LISTED_PER_RISK issues; the title counts them all.
        let all: Vec<Risk> = all
            .into_iter()
            .map(|mut r| {
                // (A rule the store already cut ends with its own "… and N more".)
                if r.evidence.len() > LISTED_PER_RISK + 1 {
                    let more = r.evidence.len() - LISTED_PER_RISK;
                    r.evidence.truncate(LISTED_PER_RISK);
                    r.evidence.push(format!("… and {more} more"));
                }
                r.issues.truncate(LISTED_PER_RISK);
                r
            })
            .collect();
        let found = all.len();
        let categories = input.category.unwrap_or_default();
        let risks: Vec<Risk> = all
            .into_iter()
            .filter(|r| categories.is_empty() || categories.contains(&r.category))
            .filter(|r| !input.critical_only.unwrap_or(false) || r.severity == Severity::Critical)
            .collect();
        let count = |s: Severity| risks.iter().filter(|r| r.severity == s).count();
        let mut next_steps: Vec<String> = risks
            .iter()
            .take(3)
            .map(|r| format!("{}: {}", r.rule, r.action))
            .collect();
        if risks.iter().any(|r| r.rule == "long_dependency_chain") {
            next_steps.push("pm_dependency_graph critical_path: see the chain".into());
        }
        Ok(RiskAssessmentOutput {
            project: project.key,
            critical: count(Severity::Critical),
            high: count(Severity::High),
            found,
            report: render(&risks, found),
            risks,
            next_steps,
        })
    }
}
