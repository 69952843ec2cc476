//! The refinement review: what `pm_refine_issue` with only an issue key
//! answers. Per aspect of the spec, whether it is missing, thin or fine,
//! and the exact call that fills it. Reading only; nothing changes.

use lazypm_domain::{DependencyKind, Issue, LinkedIssue};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::json;

/// One aspect of an issue's spec as a refinement sees it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AspectReview {
    /// requirements, acceptance, technical, risks, dependencies or estimate.
    pub aspect: &'static str,
    /// `missing`, `thin` or `ok`.
    pub state: &'static str,
    /// What was found.
    pub note: String,
    /// The call that fills it (absent when the aspect is fine).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call: Option<String>,
}

/// Descriptions shorter than this many words count as thin.
const THIN_WORDS: usize = 40;
/// Fewer acceptance criteria than this count as thin.
const THIN_CRITERIA: usize = 3;

fn call(tool: &str, args: serde_json::Value) -> Option<String> {
    Some(format!("{tool} {args}"))
}

fn review(
    aspect: &'static str,
    state: &'static str,
    note: String,
    call: Option<String>,
) -> AspectReview {
    let call = if state == "ok" { None } else { call };
    AspectReview {
        aspect,
        state,
        note,
        call,
    }
}

/// Reviews `issue` (with its `links`) aspect by aspect.
pub fn refinement_review(issue: &Issue, links: &[LinkedIssue]) -> Vec<AspectReview> {
    let key = issue.key.as_str();
    let refine = |aspect: &str, content: &str| {
        call(
            "pm_refine_issue",
            json!({ "issue_key": key, "aspect": aspect, "content": content }),
        )
    };
    let spec = &issue.specification;
    let words = spec.description.split_whitespace().count();
    let requirements = match words {
        0 => review(
            "requirements",
            "missing",
            "no description".into(),
            refine(
                "requirements",
                "## Requirements\n- what must be true when this is done",
            ),
        ),
        n if n < THIN_WORDS => review(
            "requirements",
            "thin",
            format!("the description has {n} words"),
            refine(
                "requirements",
                "- a requirement the description does not state yet",
            ),
        ),
        n => review("requirements", "ok", format!("{n} words"), None),
    };
    let criteria = spec.acceptance_criteria.len();
    let acceptance = match criteria {
        0 => review(
            "acceptance",
            "missing",
            "no acceptance criteria".into(),
            refine(
                "acceptance",
                "- first testable criterion\n- second testable criterion",
            ),
        ),
        n if n < THIN_CRITERIA => review(
            "acceptance",
            "thin",
            format!("{n} acceptance criteria; edge cases and failures are usually missing"),
            refine("acceptance", "- what happens on bad input"),
        ),
        n => review("acceptance", "ok", format!("{n} acceptance criteria"), None),
    };
    let technical = match spec.technical_approach.as_deref().map(str::trim) {
        None | Some("") => review(
            "technical",
            "missing",
            "no technical approach".into(),
            refine(
                "technical",
                "How it will be built: components, data, interfaces",
            ),
        ),
        Some(t) if t.split_whitespace().count() < 15 => review(
            "technical",
            "thin",
            format!(
                "the technical approach has {} words",
                t.split_whitespace().count()
            ),
            refine("technical", "More on how it will be built"),
        ),
        Some(t) => review(
            "technical",
            "ok",
            format!("{} words", t.split_whitespace().count()),
            None,
        ),
    };
    let risks = match issue.planning.risks.len() {
        0 => review(
            "risks",
            "missing",
            "no risks recorded".into(),
            refine("risks", "- what could make this take longer or fail"),
        ),
        n => review("risks", "ok", format!("{n} risks"), None),
    };
    let blocking = links
        .iter()
        .filter(|l| l.kind == DependencyKind::Blocks)
        .count();
    let dependencies = match (blocking, links.len(), &issue.parent) {
        (0, 0, None) => review(
            "dependencies",
            "missing",
            "no links and no parent: check for related work".into(),
            call("pm_related_issues", json!({ "issue_key": key })),
        ),
        (b, n, parent) => review(
            "dependencies",
            "ok",
            format!(
                "{n} links ({b} blocking){}",
                parent
                    .as_deref()
                    .map(|p| format!(", parent {p}"))
                    .unwrap_or_default()
            ),
            None,
        ),
    };
    let estimate_call = call(
        "pm_estimate",
        json!({
            "issue_key": key, "effort": "3d", "complexity": "medium",
            "confidence": "medium", "reasoning": "why this size",
        }),
    );
    let est = &issue.estimate;
    let estimate = match (
        &est.effort,
        est.complexity,
        &issue.planning.estimate_reasoning,
    ) {
        (None, _, _) => review("estimate", "missing", "no estimate".into(), estimate_call),
        (Some(e), None, _) | (Some(e), _, None) => review(
            "estimate",
            "thin",
            format!(
                "effort {e} without {}",
                if est.complexity.is_none() {
                    "a complexity"
                } else {
                    "reasoning"
                }
            ),
            estimate_call,
        ),
        (Some(e), Some(c), Some(_)) => review("estimate", "ok", format!("{e}, {c}"), None),
    };
    vec![
        requirements,
        acceptance,
        technical,
        risks,
        dependencies,
        estimate,
    ]
}
