//! pm_security_review: the security and compliance checklist an issue's
//! spec calls for (OWASP, SOC 2, GDPR, PCI DSS, HIPAA), kept on the issue
//! with each item's state, and updated as items are checked.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use lazypm_domain::intelligence::security::{Framework, checklist};
use lazypm_domain::{EventType, SecurityCheck};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::ops::load_issue;
use crate::ops::work::save;
use crate::{Result, Service, ServiceError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckState {
    Open,
    Passed,
    Failed,
    NotApplicable,
}

impl CheckState {
    fn as_str(self) -> &'static str {
        match self {
            CheckState::Open => "open",
            CheckState::Passed => "passed",
            CheckState::Failed => "failed",
            CheckState::NotApplicable => "not_applicable",
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckUpdate {
    /// The item id, e.g. OWASP-A03.
    pub id: String,
    pub state: CheckState,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityReviewInput {
    pub issue_key: String,
    /// owasp, soc2, gdpr, pci, hipaa; default those the spec's words call for.
    pub frameworks: Option<Vec<Framework>>,
    /// Record checked items: their state and a note.
    pub updates: Option<Vec<CheckUpdate>>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SecurityReviewOutput {
    pub issue_key: String,
    pub frameworks: Vec<String>,
    pub checklist: Vec<SecurityCheck>,
    /// Items per state.
    pub counts: BTreeMap<String, usize>,
    /// Items this call added to the issue.
    pub added: Vec<String>,
    pub report: String,
    pub next_steps: Vec<String>,
}

impl Service {
    pub async fn pm_security_review(
        &self,
        input: SecurityReviewInput,
    ) -> Result<SecurityReviewOutput> {
        let mut w = self.write().await?;
        let mut issue = load_issue(&mut *w, "issue_key", &input.issue_key).await?;
        let spec = format!(
            "{}\n{}\n{}\n{}",
            issue.title,
            issue.specification.description,
            issue.specification.acceptance_criteria.join("\n"),
            issue
                .specification
                .technical_approach
                .as_deref()
                .unwrap_or("")
        );
        let asked = input.frameworks.clone().unwrap_or_default();
        let entries = checklist(&asked, &spec);
        let mut list = issue.planning.security_review.clone();
        let mut added = Vec::new();
        for e in &entries {
            if !list.iter().any(|c| c.id == e.id) {
                added.push(e.id.to_string());
                list.push(SecurityCheck {
                    framework: e.framework.as_str().into(),
                    id: e.id.into(),
                    title: e.title.into(),
                    check: e.check.into(),
                    reason: e.reason.clone(),
                    state: CheckState::Open.as_str().into(),
                    note: None,
                    checked_by: None,
                    checked_at: None,
                });
            }
        }
        let mut updated = Vec::new();
        for (i, u) in input.updates.iter().flatten().enumerate() {
            let field = format!("updates[{i}].id");
            let ids: Vec<String> = list.iter().map(|c| c.id.clone()).collect();
            let Some(item) = list
                .iter_mut()
                .find(|c| c.id.eq_ignore_ascii_case(u.id.trim()))
            else {
                return Err(ServiceError::invalid(
                    field,
                    format!(
                        "{} has no item '{}': expected one of {}",
                        issue.key,
                        u.id,
                        ids.join(", ")
                    ),
                ));
            };
            let note = crate::ops::issues::opt_text(&format!("updates[{i}].note"), &u.note, 2000)?;
            item.state = u.state.as_str().into();
            item.note = note;
            item.checked_by = Some(self.context().actor.clone());
            item.checked_at = Some(w.now);
            updated.push(json!({ "id": item.id, "state": item.state }));
        }
        if !added.is_empty() || !updated.is_empty() {
            issue.planning.security_review = list.clone();
            save(&mut w, &mut issue).await?;
            w.record(
                EventType::IssueRefined,
                Some(&issue.project),
                &issue.key,
                Some(&issue.key),
                json!({ "aspect": "security", "added": added, "updated": updated }),
            )
            .await?;
            w.commit().await?;
        }
        let mut counts = BTreeMap::new();
        for c in &list {
            *counts.entry(c.state.clone()).or_insert(0) += 1;
        }
        let mut frameworks: Vec<String> = list.iter().map(|c| c.framework.clone()).collect();
        frameworks.dedup();
        let mut report = format!(
            "# Security review of {}\n\n{} items: {}.\n",
            issue.key,
            list.len(),
            counts
                .iter()
                .map(|(k, v)| format!("{v} {}", k.replace('_', " ")))
                .collect::<Vec<_>>()
                .join(", ")
        );
        for c in &list {
            let mark = match c.state.as_str() {
                "passed" => "[x]",
                "failed" => "[!]",
                "not_applicable" => "[-]",
                _ => "[ ]",
            };
            let _ = writeln!(
                report,
                "- {mark} {} {}: {} ({}){}",
                c.id,
                c.title,
                c.check,
                c.reason,
                c.note
                    .as_deref()
                    .map_or(String::new(), |n| format!(" — {n}"))
            );
        }
        report.push_str("\nItems come from a built-in catalogue: each framework's baseline, plus items whose keywords the spec mentions. A prompt for review, not a certification.\n");
        let mut next_steps = Vec::new();
        if let Some(open) = list.iter().find(|c| c.state == "open") {
            next_steps.push(format!(
                "pm_security_review issue_key={} updates=[{{id: \"{}\", state: \"passed\"}}]: record checked items",
                issue.key, open.id
            ));
        }
        if counts.get("failed").is_some_and(|n| *n > 0) {
            next_steps.push("pm_create_issue: fix each failed item (type bug)".into());
        }
        Ok(SecurityReviewOutput {
            issue_key: issue.key,
            frameworks,
            checklist: list,
            counts,
            added,
            report,
            next_steps,
        })
    }
}
