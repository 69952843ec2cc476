//! Review: asking for one and giving a verdict. A project that requires
//! review only lets an issue reach done after an approval by someone other
//! than its owner.

use lazypm_domain::text::clean_list;
use lazypm_domain::{EventType, Review, ReviewRequest, Status};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::issues::{IssueOutput, TEXT_MAX, opt_text};
use super::load_issue;
use super::work::{save, transition};
use crate::{Result, Service, ServiceError};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestReviewInput {
    pub issue_key: String,
    /// Who should review (people or agents).
    pub reviewers: Option<Vec<String>>,
    /// What to look at: the change in a few lines.
    pub summary: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    #[serde(alias = "approved")]
    Approve,
    #[serde(alias = "changes_requested")]
    RequestChanges,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewIssueInput {
    pub issue_key: String,
    /// approve (or approved), request_changes (or changes_requested: back to in_progress).
    pub decision: ReviewDecision,
    /// Markdown; what is good, what must change.
    pub comments: Option<String>,
}

impl Service {
    pub async fn pm_request_review(&self, input: RequestReviewInput) -> Result<IssueOutput> {
        let reviewers = clean_list("reviewers", input.reviewers.as_deref().unwrap_or(&[]), 100)?;
        let summary = opt_text("summary", &input.summary, TEXT_MAX)?;
        let mut w = self.write().await?;
        let mut issue = load_issue(&mut *w, "issue_key", &input.issue_key).await?;
        let before = issue.clone();
        let actor = self.actor().to_string();
        match issue.status {
            Status::InProgress => {
                transition(&mut w, &mut issue, Status::Review, summary.clone(), &actor).await?
            }
            Status::Review => {}
            other => {
                return Err(ServiceError::invalid(
                    "issue_key",
                    format!(
                        "{} is {other}: review is requested for work in progress (or already in review)",
                        issue.key
                    ),
                ));
            }
        }
        issue.communication.review_requests.push(ReviewRequest {
            at: w.now,
            requested_by: actor,
            reviewers: reviewers.clone(),
            summary: summary.clone(),
        });
        save(&mut w, &mut issue).await?;
        w.record(
            EventType::ReviewRequested,
            Some(&issue.project),
            &issue.key,
            Some(&issue.key),
            json!({ "reviewers": reviewers, "summary": summary }),
        )
        .await?;
        w.commit().await?;
        Ok(IssueOutput::new(
            &before,
            &issue,
            vec![format!(
                "pm_review_issue: a reviewer approves {} or requests changes",
                issue.key
            )],
        ))
    }

    pub async fn pm_review_issue(&self, input: ReviewIssueInput) -> Result<IssueOutput> {
        let comments = opt_text("comments", &input.comments, TEXT_MAX)?;
        let mut w = self.write().await?;
        let mut issue = load_issue(&mut *w, "issue_key", &input.issue_key).await?;
        let before = issue.clone();
        if issue.status != Status::Review {
            return Err(ServiceError::invalid(
                "issue_key",
                format!(
                    "{} is {}, not in review: ask for one with pm_request_review",
                    issue.key, issue.status
                ),
            ));
        }
        let actor = self.actor().to_string();
        if input.decision == ReviewDecision::Approve
            && issue.owner.as_deref() == Some(actor.as_str())
        {
            let project = w.project_by_key(&issue.project).await?;
            if project.is_some_and(|p| p.metadata.require_review) {
                return Err(ServiceError::invalid(
                    "decision",
                    format!(
                        "{actor} owns {}; this project requires a review by someone else",
                        issue.key
                    ),
                ));
            }
        }
        let decision = match input.decision {
            ReviewDecision::Approve => "approved",
            ReviewDecision::RequestChanges => "changes_requested",
        };
        issue.communication.reviews.push(Review {
            at: w.now,
            reviewer: actor.clone(),
            decision: decision.into(),
            comments: comments.clone(),
        });
        w.record(
            EventType::IssueReviewed,
            Some(&issue.project),
            &issue.key,
            Some(&issue.key),
            json!({ "decision": decision, "comments": comments }),
        )
        .await?;
        if input.decision == ReviewDecision::RequestChanges {
            transition(&mut w, &mut issue, Status::InProgress, comments, &actor).await?;
        }
        save(&mut w, &mut issue).await?;
        w.commit().await?;
        let next = match input.decision {
            ReviewDecision::Approve => {
                format!("pm_complete_issue: {} is approved; finish it", issue.key)
            }
            ReviewDecision::RequestChanges => format!(
                "pm_get_issue: {} is back in progress; read the review",
                issue.key
            ),
        };
        Ok(IssueOutput::new(&before, &issue, vec![next]))
    }
}
