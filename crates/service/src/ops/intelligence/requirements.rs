//! pm_extract_requirements: requirements, acceptance criteria and open
//! questions from free text or an issue's description; `apply` writes them
//! onto the issue.

use std::fmt::Write as _;

use lazypm_domain::EventType;
use lazypm_domain::intelligence::requirements::{Extraction, extract};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::ops::load_issue;
use crate::ops::planning::add_requirements;
use crate::ops::work::save;
use crate::{Result, Service, ServiceError};

/// Longest text read.
pub const EXTRACT_MAX_CHARS: usize = 100_000;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtractRequirementsInput {
    /// Free text (a request, notes, a spec); default the issue's description.
    pub text: Option<String>,
    pub issue_key: Option<String>,
    /// Add the criteria to the issue and the requirements to its description's Requirements section.
    pub apply: Option<bool>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ExtractRequirementsOutput {
    pub issue_key: Option<String>,
    #[serde(flatten)]
    pub extraction: Extraction,
    /// With apply: the criteria added (ones already on the issue are skipped).
    pub applied_criteria: Vec<String>,
    pub applied_requirements: usize,
    pub report: String,
    pub next_steps: Vec<String>,
}

fn render(e: &Extraction) -> String {
    let mut out = String::from("# Requirements\n\n");
    if e.requirements.is_empty() {
        out.push_str("No sentence states a requirement (must, shall, should, may … or an item under a Requirements heading).\n");
    }
    for r in &e.requirements {
        let _ = writeln!(
            out,
            "- {} ({}, {}): {} [line {}, rule {}]",
            r.id,
            serde_json::to_value(r.priority)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            serde_json::to_value(r.kind)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default()
                .replace('_', "-"),
            r.text,
            r.line,
            r.rule
        );
    }
    if !e.acceptance_criteria.is_empty() {
        out.push_str("\n# Acceptance criteria\n\n");
        for c in &e.acceptance_criteria {
            let _ = writeln!(out, "- {} ({})", c.text, c.source);
        }
    }
    if !e.questions.is_empty() {
        out.push_str("\n# Questions to settle\n\n");
        for q in &e.questions {
            let _ = writeln!(out, "- line {}: {}", q.line, q.question);
        }
    }
    out
}

impl Service {
    pub async fn pm_extract_requirements(
        &self,
        input: ExtractRequirementsInput,
    ) -> Result<ExtractRequirementsOutput> {
        let apply = input.apply.unwrap_or(false);
        if apply && input.issue_key.is_none() {
            return Err(ServiceError::invalid(
                "issue_key",
                "apply: true needs the issue to write to",
            ));
        }
        let text = match (&input.text, &input.issue_key) {
            (Some(t), _) => t.clone(),
            (None, Some(k)) => self.read_issue(k).await?.specification.description,
            (None, None) => {
                return Err(ServiceError::invalid(
                    "text",
                    "give text, or an issue_key whose description to read",
                ));
            }
        };
        if text.chars().count() > EXTRACT_MAX_CHARS {
            return Err(ServiceError::invalid(
                "text",
                format!("is longer than {EXTRACT_MAX_CHARS} characters"),
            ));
        }
        lazypm_domain::text::printable("text", &text)?;
        let extraction = extract(&text);
        let (mut applied_criteria, mut applied_requirements) = (Vec::new(), 0);
        if let (true, Some(key)) = (apply, &input.issue_key) {
            let mut w = self.write().await?;
            let mut issue = load_issue(&mut *w, "issue_key", key).await?;
            applied_criteria = extraction
                .acceptance_criteria
                .iter()
                .map(|c| c.text.clone())
                .filter(|c| !issue.specification.acceptance_criteria.contains(c))
                .collect();
            let missing: Vec<String> = extraction
                .requirements
                .iter()
                .filter(|r| !issue.specification.description.contains(&r.text))
                .map(|r| format!("- {}", r.text))
                .collect();
            applied_requirements = missing.len();
            if !applied_criteria.is_empty() || !missing.is_empty() {
                issue
                    .specification
                    .acceptance_criteria
                    .extend(applied_criteria.iter().cloned());
                if !missing.is_empty() {
                    issue.specification.description =
                        add_requirements(&issue.specification.description, &missing.join("\n"));
                }
                save(&mut w, &mut issue).await?;
                w.record(
                    EventType::AcceptanceCriteriaAdded,
                    Some(&issue.project),
                    &issue.key,
                    Some(&issue.key),
                    json!({ "added": applied_criteria, "requirements_added": applied_requirements, "by": "pm_extract_requirements" }),
                )
                .await?;
                w.commit().await?;
            }
        }
        let mut next_steps = Vec::new();
        if !extraction.questions.is_empty() {
            next_steps.push(format!(
                "pm_add_comment: ask the {} open questions",
                extraction.questions.len()
            ));
        }
        match (&input.issue_key, apply) {
            (Some(k), false) => next_steps.push(format!(
                "pm_extract_requirements issue_key={k} apply=true: write them onto the issue"
            )),
            (Some(k), true) => next_steps.push(format!(
                "pm_generate_test_plan issue_key={k}: cases for its criteria"
            )),
            (None, _) => {
                next_steps.push("pm_create_issue: file the work with these criteria".into())
            }
        }
        Ok(ExtractRequirementsOutput {
            issue_key: input.issue_key,
            report: render(&extraction),
            extraction,
            applied_criteria,
            applied_requirements,
            next_steps,
        })
    }
}
