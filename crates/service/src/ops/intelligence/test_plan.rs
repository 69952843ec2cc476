//! pm_generate_test_plan: test cases for each acceptance criterion of an
//! issue (or criteria given): a happy path, edge cases and negative cases.

use std::fmt::Write as _;

use lazypm_domain::intelligence::test_plan::{CaseKind, RULES, TestPlan, generate};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Result, Service, ServiceError};

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateTestPlanInput {
    /// Plan for this issue's acceptance criteria.
    pub issue_key: Option<String>,
    /// Or for these criteria.
    pub criteria: Option<Vec<String>>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct GenerateTestPlanOutput {
    pub issue_key: Option<String>,
    pub criteria: Vec<String>,
    #[serde(flatten)]
    pub plan: TestPlan,
    pub report: String,
    pub next_steps: Vec<String>,
}

fn render(plan: &TestPlan, criteria: &[String]) -> String {
    let mut out = format!("# Test plan: {}\n", plan.title);
    for (i, c) in criteria.iter().enumerate() {
        let _ = writeln!(out, "\n## {}. {c}\n", i + 1);
        for t in plan.cases.iter().filter(|t| t.criterion == i) {
            let kind = match t.kind {
                CaseKind::HappyPath => "happy path",
                CaseKind::Edge => "edge",
                CaseKind::Negative => "negative",
            };
            let _ = writeln!(out, "- **{}** ({kind}, rule {}): {}", t.id, t.rule, t.title);
            for p in &t.preconditions {
                let _ = writeln!(out, "  - given {p}");
            }
            for s in &t.steps {
                let _ = writeln!(out, "  - {s}");
            }
            let _ = writeln!(out, "  - expect: {}", t.expected);
        }
    }
    out.push_str("\nRules: ");
    out.push_str(
        &RULES
            .iter()
            .map(|(id, _)| *id)
            .collect::<Vec<_>>()
            .join(", "),
    );
    out.push_str(" (each case names the one that produced it).\n");
    out
}

impl Service {
    pub async fn pm_generate_test_plan(
        &self,
        input: GenerateTestPlanInput,
    ) -> Result<GenerateTestPlanOutput> {
        let (title, criteria) = match (&input.issue_key, &input.criteria) {
            (Some(_), Some(_)) => {
                return Err(ServiceError::invalid(
                    "criteria",
                    "give issue_key or criteria, not both",
                ));
            }
            (Some(k), None) => {
                let issue = self.read_issue(k).await?;
                (issue.title, issue.specification.acceptance_criteria)
            }
            (None, Some(c)) => (
                "the change".to_string(),
                lazypm_domain::text::clean_list("criteria", c, 2000)?,
            ),
            (None, None) => {
                return Err(ServiceError::invalid(
                    "issue_key",
                    "give an issue_key, or criteria",
                ));
            }
        };
        if criteria.is_empty() {
            return Err(ServiceError::invalid(
                "criteria",
                match &input.issue_key {
                    Some(k) => format!(
                        "{k} has no acceptance criteria: add some with pm_add_acceptance_criteria or pm_extract_requirements apply=true"
                    ),
                    None => "give at least one criterion".into(),
                },
            ));
        }
        let plan = generate(&title, &criteria);
        let mut next_steps = Vec::new();
        if let Some(k) = &input.issue_key {
            next_steps.push(format!(
                "pm_create_task: a task on {k} for each case worth automating"
            ));
        }
        next_steps.push("pm_security_review: the security checks the spec calls for".into());
        Ok(GenerateTestPlanOutput {
            issue_key: input.issue_key,
            report: render(&plan, &criteria),
            criteria,
            plan,
            next_steps,
        })
    }
}
