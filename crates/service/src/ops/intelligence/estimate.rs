//! pm_suggest_estimate: an estimate from the most similar completed work
//! and what it actually took, naming the neighbours it came from.

use std::fmt::Write as _;

use lazypm_domain::IssueType;
use lazypm_domain::intelligence::estimate::{Suggestion, Target, query_words, suggest};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ops::in_range;
use crate::{Result, Service, ServiceError};

/// Completed issues compared at most: the most recent of those sharing a
/// word with the work.
pub const ESTIMATE_CANDIDATES: i64 = 500;
/// Words of the work the full-text index is asked for.
const QUERY_WORDS: usize = 16;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SuggestEstimateInput {
    pub project_id: Option<String>,
    /// Estimate this issue; or describe the work with title (and description, type, module).
    pub issue_key: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub issue_type: Option<IssueType>,
    pub module: Option<String>,
    /// Neighbours to draw from: 1–20, default 5.
    pub k: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SuggestEstimateOutput {
    pub project: String,
    pub issue_key: Option<String>,
    #[serde(flatten)]
    pub suggestion: Suggestion,
    pub report: String,
    pub next_steps: Vec<String>,
}

impl Service {
    pub async fn pm_suggest_estimate(
        &self,
        input: SuggestEstimateInput,
    ) -> Result<SuggestEstimateOutput> {
        let k = in_range("k", input.k, 5, 20)? as usize;
        let (project_hint, title, text, issue_type, module, own_key) =
            match (&input.issue_key, &input.title) {
                (Some(_), Some(_)) => {
                    return Err(ServiceError::invalid(
                        "title",
                        "give issue_key or a title, not both",
                    ));
                }
                (Some(key), None) => {
                    let i = self.read_issue(key).await?;
                    let text = format!(
                        "{}\n{}",
                        i.specification.description,
                        i.specification.acceptance_criteria.join("\n")
                    );
                    (
                        Some(i.project.clone()),
                        i.title,
                        text,
                        i.issue_type,
                        i.module,
                        Some(i.key),
                    )
                }
                (None, Some(t)) => {
                    let title = lazypm_domain::text::required("title", t, 500)?;
                    let text =
                        crate::ops::issues::opt_text("description", &input.description, 100_000)?
                            .unwrap_or_default();
                    (
                        input.project_id.clone(),
                        title,
                        text,
                        input.issue_type.unwrap_or(IssueType::Feature),
                        input.module.clone(),
                        None,
                    )
                }
                (None, None) => {
                    return Err(ServiceError::invalid(
                        "issue_key",
                        "give an issue_key, or a title describing the work",
                    ));
                }
            };
        let mut tx = self.read().await?;
        let project = self
            .resolve_project(&mut *tx, project_hint.as_deref())
            .await?;
        let words = query_words(&title, &text, QUERY_WORDS);
        let mut candidates = tx
            .estimate_candidates(project.id, &words, ESTIMATE_CANDIDATES)
            .await?;
        drop(tx);
        if let Some(own) = &own_key {
            candidates.retain(|c| &c.key != own);
        }
        let type_name = issue_type.to_string();
        let suggestion = suggest(
            &Target {
                title: &title,
                text: &text,
                issue_type: &type_name,
                module: module.as_deref(),
            },
            &candidates,
            k,
        );
        let mut report = format!("# Estimate from similar work: {title}\n\n");
        match (suggestion.p50_hours, suggestion.p80_hours) {
            (Some(a), Some(b)) => {
                let _ = writeln!(
                    report,
                    "P50 {a:.1} h, P80 {b:.1} h; confidence {}.\n\n{}\n\n| issue | similarity | took | estimated | shared words |\n| --- | --- | --- | --- | --- |",
                    serde_json::to_value(suggestion.confidence)
                        .ok()
                        .and_then(|v| v.as_str().map(String::from))
                        .unwrap_or_default(),
                    suggestion.reasoning
                );
                for n in &suggestion.neighbours {
                    let _ = writeln!(
                        report,
                        "| {} {} | {:.3} | {:.1} h | {} | {} |",
                        n.key,
                        n.title,
                        n.score,
                        n.actual_hours,
                        n.estimate_hours.map_or("–".into(), |e| format!("{e:.1} h")),
                        n.shared_words.join(", ")
                    );
                }
            }
            _ => {
                let _ = writeln!(report, "{}", suggestion.reasoning);
            }
        }
        let _ = writeln!(
            report,
            "\nCompared against the {} most recently completed issues with time on record that share a word with it ({} found): TF-IDF cosine similarity of title (counted twice) and description, plus a bonus for the same type and module.",
            ESTIMATE_CANDIDATES, suggestion.considered
        );
        let mut next_steps = Vec::new();
        if let (Some(key), Some(p50), Some(p80)) =
            (&own_key, suggestion.p50_hours, suggestion.p80_hours)
        {
            next_steps.push(format!(
                "pm_estimate issue_key={key} effort={:.0}h: the P50 (P80 {:.0}h for a commitment)",
                p50.max(1.0),
                p80.max(1.0)
            ));
        }
        next_steps.push("pm_effort_accuracy: how far estimates have been off".into());
        Ok(SuggestEstimateOutput {
            project: project.key,
            issue_key: own_key,
            suggestion,
            report,
            next_steps,
        })
    }
}
