//! pm_estimate: an issue's effort, complexity and story points, with the
//! estimate it replaces kept in its history; and reading effort texts as hours.

use lazypm_domain::text::{clean_list, required};
use lazypm_domain::{Complexity, Estimate, EventType, parse_duration};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::ops::issues::{TEXT_MAX, check_points, opt_text};
use crate::ops::work::save;
use crate::ops::{check_version, load_issue};
use crate::{Result, Service, ServiceError};

/// How sure an estimate is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EstimateInput {
    pub issue_key: String,
    /// Like `4h`, `3d` or `2-3d`.
    pub effort: String,
    pub complexity: Option<Complexity>,
    pub confidence: Option<Confidence>,
    /// 0–1000; kept when absent.
    pub story_points: Option<i64>,
    /// Why this estimate; stored as planning.estimate_reasoning.
    pub reasoning: Option<String>,
    /// Risks behind the estimate; added to planning.risks.
    pub risks: Option<Vec<String>>,
    /// The version you read; refused if changed since.
    pub version: Option<i64>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct EstimateOutput {
    pub issue: crate::ops::issues::IssueSummary,
    pub confidence: Option<Confidence>,
    /// The estimate this one replaced, as pushed to planning.estimate_history.
    pub previous: Option<Value>,
    pub next_steps: Vec<String>,
}

/// The hours an effort text stands for: a duration, or the midpoint of a
/// range (`2-3d`, `1 to 2 weeks`; a bare lower bound takes the upper's unit).
pub(crate) fn effort_to_hours(field: &str, text: &str) -> Result<f64> {
    let invalid = || {
        ServiceError::invalid(
            field,
            format!(
                "'{text}' is not an effort: give a duration like 4h, 3d or 1.5w, or a range like 2-3d (1d = 8h, 1w = 5d)"
            ),
        )
    };
    let t = text.trim().to_ascii_lowercase();
    let range = t.split_once(" to ").or_else(|| t.split_once('-'));
    let minutes = match range {
        Some((lo, hi)) => {
            let hi = hi.trim();
            let lo = lo.trim();
            let high = parse_duration(field, hi).map_err(|_| invalid())?;
            let bare = !lo.is_empty() && lo.chars().all(|c| c.is_ascii_digit() || c == '.');
            let low = if bare {
                let unit =
                    hi.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == ' ');
                parse_duration(field, &format!("{lo}{unit}")).map_err(|_| invalid())?
            } else {
                parse_duration(field, lo).map_err(|_| invalid())?
            };
            if low > high {
                return Err(ServiceError::invalid(
                    field,
                    format!("'{text}': the range must go from the smaller to the larger effort"),
                ));
            }
            (low + high) as f64 / 2.0
        }
        None => parse_duration(field, &t).map_err(|_| invalid())? as f64,
    };
    Ok((minutes / 60.0 * 100.0).round() / 100.0)
}

impl Service {
    pub async fn pm_estimate(&self, input: EstimateInput) -> Result<EstimateOutput> {
        let effort = required("effort", &input.effort, 100)?;
        let hours = effort_to_hours("effort", &effort)?;
        let story_points = check_points("story_points", input.story_points)?;
        let reasoning = opt_text("reasoning", &input.reasoning, TEXT_MAX)?;
        let risks = clean_list("risks", input.risks.as_deref().unwrap_or(&[]), 2000)?;
        let mut w = self.write().await?;
        let mut issue = load_issue(&mut *w, "issue_key", &input.issue_key).await?;
        let before = issue.clone();
        check_version(&issue.key, input.version, issue.version)?;
        let actor = self.actor().to_string();
        let old = issue.estimate.clone();
        let had_estimate = old != Estimate::default();
        let previous = if had_estimate {
            let mut entry = json!({
                "effort": old.effort, "hours": old.hours, "story_points": old.story_points,
                "complexity": old.complexity, "reasoning": issue.planning.estimate_reasoning,
                "replaced_at": w.now, "replaced_by": actor,
            });
            // When the estimate came from pm_estimate, keep its confidence and author.
            if issue.planning.estimated_at.is_some() {
                entry["confidence"] = json!(issue.planning.estimate_confidence);
                entry["estimated_at"] = json!(issue.planning.estimated_at);
                entry["estimated_by"] = json!(issue.planning.estimated_by);
            } else if let Some(e) = w
                .issue_events(&issue.key, 10_000)
                .await?
                .iter()
                .rev()
                .find(|e| e.event_type == EventType::IssueEstimated)
                .filter(|e| e.changes.get("to") == Some(&json!(old)))
            {
                // Estimates made before the confidence was stored on the issue.
                entry["confidence"] = e.changes.get("confidence").cloned().unwrap_or(Value::Null);
                entry["estimated_at"] = json!(e.at);
                entry["estimated_by"] = json!(e.actor);
            }
            issue.planning.estimate_history.push(entry.clone());
            Some(entry)
        } else {
            None
        };
        issue.estimate = Estimate {
            effort: Some(effort),
            hours: Some(hours),
            story_points: story_points.or(old.story_points),
            complexity: input.complexity.or(old.complexity),
        };
        issue.planning.estimate_reasoning = reasoning;
        issue.planning.estimate_confidence = input
            .confidence
            .and_then(|c| serde_json::to_value(c).ok())
            .and_then(|v| v.as_str().map(str::to_string));
        issue.planning.estimated_by = Some(actor.clone());
        issue.planning.estimated_at = Some(w.now);
        for r in &risks {
            if !issue.planning.risks.contains(r) {
                issue.planning.risks.push(r.clone());
            }
        }
        save(&mut w, &mut issue).await?;
        w.record(
            EventType::IssueEstimated,
            Some(&issue.project),
            &issue.key,
            Some(&issue.key),
            json!({
                "from": had_estimate.then_some(&old), "to": issue.estimate,
                "confidence": input.confidence, "reasoning": issue.planning.estimate_reasoning,
                "risks": risks,
            }),
        )
        .await?;
        w.commit().await?;
        let mut next_steps = Vec::new();
        if matches!(input.confidence, Some(Confidence::Low)) || hours > 24.0 {
            next_steps.push(format!(
                "pm_split_issue: {} is large or uncertain; consider splitting it",
                issue.key
            ));
        }
        next_steps.push(format!("pm_start_work: begin {} when ready", issue.key));
        Ok(EstimateOutput {
            issue: crate::ops::issues::IssueSummary::changed(&before, &issue),
            confidence: input.confidence,
            previous,
            next_steps,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn efforts_and_ranges_become_hours() {
        assert_eq!(effort_to_hours("effort", "4h").unwrap(), 4.0);
        assert_eq!(effort_to_hours("effort", "3d").unwrap(), 24.0);
        assert_eq!(effort_to_hours("effort", "2-3d").unwrap(), 20.0);
        assert_eq!(effort_to_hours("effort", "1 to 2 weeks").unwrap(), 60.0);
        assert_eq!(effort_to_hours("effort", "30m-1h").unwrap(), 0.75);
        for bad in ["soon", "3-2d", "-1h", "2-", ""] {
            assert_eq!(
                effort_to_hours("effort", bad).unwrap_err().field(),
                Some("effort"),
                "{bad}"
            );
        }
    }
}
