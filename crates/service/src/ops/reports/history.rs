//! pm_issue_history: every audit event of an issue, oldest first, paged.

use lazypm_domain::Event;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ops::{check_limit, load_issue};
use crate::{Result, Service, ServiceError};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueHistoryInput {
    pub issue_key: String,
    /// 1–200, default 100.
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct IssueHistoryOutput {
    pub issue_key: String,
    /// Oldest first.
    pub events: Vec<Event>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl Service {
    pub async fn pm_issue_history(&self, input: IssueHistoryInput) -> Result<IssueHistoryOutput> {
        let limit = check_limit(input.limit, 100)?;
        let after = match input.cursor.as_deref().map(str::trim) {
            None | Some("") => 0,
            Some(c) => c
                .strip_prefix("h")
                .and_then(|n| n.parse::<i64>().ok())
                .filter(|n| *n >= 0)
                .ok_or_else(|| {
                    ServiceError::invalid(
                        "cursor",
                        "not a cursor of pm_issue_history: pass next_cursor from the previous page",
                    )
                })?,
        };
        let mut tx = self.read().await?;
        // Events outlive their issue: a deleted issue's history still reads.
        let key = lazypm_domain::IssueKey::parse("issue_key", &input.issue_key)?;
        let (key, exists) = match crate::ops::find_issue(&mut *tx, &key).await? {
            Some(issue) => (issue.key, true),
            None => (key.unpadded().unwrap_or(key).into_string(), false),
        };
        let mut events = tx.issue_events_after(&key, after, limit + 1).await?;
        if events.is_empty() && !exists && after == 0 {
            load_issue(&mut *tx, "issue_key", &input.issue_key).await?;
        }
        let more = events.len() as i64 > limit;
        events.truncate(limit as usize);
        let next_cursor = more
            .then(|| events.last().map(|(seq, _)| format!("h{seq}")))
            .flatten();
        Ok(IssueHistoryOutput {
            issue_key: key,
            events: events.into_iter().map(|(_, e)| e).collect(),
            next_cursor,
        })
    }
}
