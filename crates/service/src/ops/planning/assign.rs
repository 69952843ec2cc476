//! Who does an issue and how urgent it is: pm_assign_issue and pm_prioritize_issue.

use lazypm_domain::{EventType, Priority};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use crate::ops::issues::{IssueOutput, opt_name, opt_text};
use crate::ops::load_issue;
use crate::ops::work::save;
use crate::{Result, Service, ServiceError};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignIssueInput {
    pub issue_key: String,
    /// Person or agent to assign; null to unassign.
    #[serde(deserialize_with = "present_or_null")]
    #[schemars(schema_with = "string_or_null")]
    pub owner: Option<String>,
}

/// A field that must be present but may be null.
fn present_or_null<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<String>, D::Error> {
    Option::<String>::deserialize(d)
}

fn string_or_null(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": ["string", "null"] })
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrioritizeIssueInput {
    pub issue_key: String,
    /// P1 (most urgent) to P5.
    pub priority: Priority,
    /// Why, for the record.
    pub reason: Option<String>,
}

impl Service {
    pub async fn pm_assign_issue(&self, input: AssignIssueInput) -> Result<IssueOutput> {
        let owner = match &input.owner {
            None => None,
            Some(_) => Some(opt_name("owner", &input.owner)?.ok_or_else(|| {
                ServiceError::invalid("owner", "must not be empty; pass null to unassign")
            })?),
        };
        let mut w = self.write().await?;
        let mut issue = load_issue(&mut *w, "issue_key", &input.issue_key).await?;
        let before = issue.clone();
        if issue.owner != owner {
            let from = std::mem::replace(&mut issue.owner, owner.clone());
            save(&mut w, &mut issue).await?;
            w.record(
                EventType::OwnerChanged,
                Some(&issue.project),
                &issue.key,
                Some(&issue.key),
                json!({ "from": from, "to": owner }),
            )
            .await?;
            w.commit().await?;
        }
        let next = match &issue.owner {
            Some(o) => format!("pm_my_queue: {o} sees {} in their queue", issue.key),
            None => format!("pm_suggest_next_work: {} is open to anyone", issue.key),
        };
        Ok(IssueOutput::new(&before, &issue, vec![next]))
    }

    pub async fn pm_prioritize_issue(&self, input: PrioritizeIssueInput) -> Result<IssueOutput> {
        let reason = opt_text("reason", &input.reason, 2000)?;
        let mut w = self.write().await?;
        let mut issue = load_issue(&mut *w, "issue_key", &input.issue_key).await?;
        let before = issue.clone();
        if issue.priority != input.priority {
            let from = issue.priority;
            issue.priority = input.priority;
            save(&mut w, &mut issue).await?;
            w.record(
                EventType::PriorityChanged,
                Some(&issue.project),
                &issue.key,
                Some(&issue.key),
                json!({ "from": from, "to": input.priority, "reason": reason }),
            )
            .await?;
            w.commit().await?;
        }
        Ok(IssueOutput::new(
            &before,
            &issue,
            vec![format!(
                "pm_suggest_next_work: ranking now counts {} as {}",
                issue.key, issue.priority
            )],
        ))
    }
}
