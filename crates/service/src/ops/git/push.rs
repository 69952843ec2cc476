//! pm_push_branch: pushing an issue's branch and opening its pull request
//! (through gh, else the GitHub API, else a compare URL), with the PR body.

use lazypm_domain::text::clean_list;
use lazypm_domain::{EventType, Issue, PullRequest};
use lazypm_git::forge::{ForgeKind, GhCli, GitHubApi, PullRequestSpec, RemoteLocation};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{branch_arg, remote_name, short};
use crate::ops::issues::{OneOrMany, TEXT_MAX, TITLE_MAX, opt_text};
use crate::ops::load_issue;
use crate::ops::work::save;
use crate::{Result, Service, ServiceError};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PushBranchInput {
    pub issue_key: String,
    pub remote: Option<String>,
    pub create_pr: Option<bool>,
    /// Default `[KEY] title`.
    pub title: Option<String>,
    /// Default: from the issue's spec.
    pub body: Option<String>,
    pub reviewers: Option<OneOrMany<String>>,
    pub draft: Option<bool>,
    /// PR target; default the default branch.
    pub base_branch: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PushBranchOutput {
    pub issue_key: String,
    pub branch: String,
    pub remote: String,
    /// The pull request, when one exists on the forge.
    pub pull_request: Option<PullRequest>,
    /// True when this call opened it.
    pub pull_request_created: bool,
    /// When no pull request could be opened: the page that opens one.
    pub compare_url: Option<String>,
    /// The pull request's title and body (ready to paste when none was opened).
    pub pr_title: Option<String>,
    pub pr_body: Option<String>,
    /// Why no pull request was opened, when one was asked for.
    pub note: Option<String>,
    pub next_steps: Vec<String>,
}

/// The pull request body: the issue's description, acceptance criteria and commits.
fn pr_body(issue: &Issue) -> String {
    let mut body = String::new();
    let description = issue.specification.description.trim();
    if !description.is_empty() {
        body.push_str(description);
        body.push_str("\n\n");
    }
    if !issue.specification.acceptance_criteria.is_empty() {
        body.push_str("## Acceptance criteria\n\n");
        for c in &issue.specification.acceptance_criteria {
            body.push_str(&format!("- [ ] {c}\n"));
        }
        body.push('\n');
    }
    if !issue.implementation.commits.is_empty() {
        body.push_str("## Commits\n\n");
        for c in &issue.implementation.commits {
            body.push_str(&format!("- {} {}\n", short(&c.sha), c.message));
        }
        body.push('\n');
    }
    body.push_str(&format!("PM: {}\n", issue.key));
    body
}

impl Service {
    pub async fn pm_push_branch(&self, input: PushBranchInput) -> Result<PushBranchOutput> {
        let remote = remote_name(&input.remote)?;
        let base = branch_arg("base_branch", &input.base_branch)?;
        let title = opt_text("title", &input.title, TITLE_MAX)?;
        let body = opt_text("body", &input.body, TEXT_MAX)?;
        let reviewers = input.reviewers.map(OneOrMany::into_vec).unwrap_or_default();
        let reviewers = clean_list("reviewers", &reviewers, 100)?;
        if let Some(bad) = reviewers
            .iter()
            .find(|r| r.starts_with('-') || r.contains(char::is_whitespace))
        {
            return Err(ServiceError::invalid(
                "reviewers",
                format!("'{bad}' is not a user or team name"),
            ));
        }
        let create_pr = input.create_pr.unwrap_or(false);
        let (issue, place) = self.issue_place(&input.issue_key).await?;
        let repo = &place.repo;
        let branch = match &issue.branch {
            Some(b) => {
                if !repo.branch_exists(b).await? {
                    return Err(ServiceError::invalid(
                        "issue_key",
                        format!(
                            "{}'s branch {b} does not exist in {}; recreate it with pm_create_branch",
                            issue.key,
                            repo.root().display()
                        ),
                    ));
                }
                b.clone()
            }
            None => {
                return Err(ServiceError::invalid(
                    "issue_key",
                    format!(
                        "{} has no branch: create it with pm_create_branch, commit with pm_commit, then push",
                        issue.key
                    ),
                ));
            }
        };
        repo.push(&remote, &branch, true).await?;
        let mut out = PushBranchOutput {
            issue_key: issue.key.clone(),
            branch: branch.clone(),
            remote: remote.clone(),
            pull_request: issue.implementation.pull_request.clone(),
            pull_request_created: false,
            compare_url: None,
            pr_title: None,
            pr_body: None,
            note: None,
            next_steps: Vec::new(),
        };
        let mut opened: Option<PullRequest> = None;
        let mut review_through: Option<Forge> = None;
        if create_pr {
            let base = self.base_branch(&place, base, &remote).await?;
            if base == branch {
                return Err(ServiceError::invalid(
                    "base_branch",
                    format!(
                        "the pull request would merge {branch} into itself; name another base_branch"
                    ),
                ));
            }
            let spec = PullRequestSpec {
                base: base.clone(),
                head: branch.clone(),
                title: title.unwrap_or_else(|| format!("[{}] {}", issue.key, issue.title)),
                body: body.unwrap_or_else(|| pr_body(&issue)),
                draft: input.draft.unwrap_or(false),
            };
            // gh when it is ready, else the GitHub API with a token, else a compare URL.
            let gh = self.gh();
            let made = match gh.ready(repo.root()).await {
                Ok(()) => Some((
                    gh.create_pull_request(repo.root(), &spec).await?,
                    Forge::Gh(gh),
                )),
                Err(gh_reason) => {
                    let location = repo
                        .remote_url(&remote)
                        .await
                        .and_then(|u| RemoteLocation::parse(&u));
                    let api = self.ctx.github_token.as_ref().and_then(|token| {
                        let on_github = location
                            .as_ref()
                            .is_some_and(|l| l.kind() == Some(ForgeKind::GitHub));
                        (on_github || self.ctx.github_api.is_some())
                            .then(|| GitHubApi::new(self.ctx.github_api.clone(), token.clone()))
                    });
                    if let (Some(api), Some(loc)) = (api, location.clone()) {
                        let pr = api.create_pull_request(repo.root(), &loc, &spec).await?;
                        Some((pr, Forge::Api(api, loc)))
                    } else {
                        let reason = if self.ctx.github_token.is_some() {
                            format!("{gh_reason}, and remote {remote} is not on GitHub")
                        } else {
                            format!("{gh_reason} and GITHUB_TOKEN is not set")
                        };
                        out.compare_url = location.and_then(|l| l.compare_url(&base, &branch));
                        out.note = Some(match &out.compare_url {
                            Some(url) => format!(
                                "no pull request was opened: {reason}; open {url} and use pr_title and pr_body"
                            ),
                            None => format!(
                                "no pull request was opened: {reason}, and remote {remote} is not on a forge lazypm knows; open one on your forge with pr_title and pr_body"
                            ),
                        });
                        None
                    }
                }
            };
            if let Some((pr, forge)) = made {
                out.pull_request_created = pr.created;
                opened = Some(PullRequest {
                    url: pr.url,
                    number: pr.number,
                    state: Some(if spec.draft { "draft" } else { "open" }.to_string()),
                });
                review_through = Some(forge);
            }
            out.pr_title = Some(spec.title);
            out.pr_body = Some(spec.body);
        }
        // What the forge has now is recorded before anything else can fail, so
        // an opened pull request is never lost.
        if let Err(e) = self
            .record_push(&issue.key, &branch, &remote, &opened, &out.compare_url)
            .await
        {
            return Err(match &opened {
                Some(pr) => ServiceError::Git {
                    message: format!(
                        "pushed {branch} and {} pull request {} at {}, but could not record it on {}: {e}; call pm_push_branch with create_pr: true again to record it (the forge returns the open pull request)",
                        if out.pull_request_created {
                            "opened"
                        } else {
                            "found"
                        },
                        pr_name(pr),
                        pr.url,
                        issue.key
                    ),
                },
                None => e,
            });
        }
        if let (Some(pr), Some(forge)) = (&opened, &review_through)
            && !reviewers.is_empty()
        {
            let requested = match forge {
                Forge::Gh(gh) => gh.request_reviewers(repo.root(), &pr.url, &reviewers).await,
                Forge::Api(api, loc) => match pr.number {
                    Some(n) => api.request_reviewers(repo.root(), loc, n, &reviewers).await,
                    None => Err(lazypm_git::GitError::Failed {
                        args: "request reviewers".to_string(),
                        message: format!("the pull request's number is not known from {}", pr.url),
                    }),
                },
            };
            if let Err(e) = requested {
                return Err(ServiceError::Git {
                    message: format!(
                        "pull request {} is open at {} and recorded on {}, but requesting reviews from {} failed: {e}; call pm_push_branch with create_pr: true and the reviewers again (it finds the open pull request), or add them on the forge",
                        pr_name(pr),
                        pr.url,
                        issue.key,
                        reviewers.join(", ")
                    ),
                });
            }
        }
        if opened.is_some() {
            out.pull_request = opened;
        }
        out.next_steps = vec![format!(
            "pm_request_review: ask for review of {}, then pm_merge_status once merged",
            issue.key
        )];
        Ok(out)
    }

    /// Records the push, and the pull request when there is one, on the issue
    /// in one transaction of its own.
    async fn record_push(
        &self,
        key: &str,
        branch: &str,
        remote: &str,
        opened: &Option<PullRequest>,
        compare_url: &Option<String>,
    ) -> Result<()> {
        let mut w = self.write().await?;
        let mut current = load_issue(&mut *w, "issue_key", key).await?;
        if let Some(pr) = opened
            && current.implementation.pull_request.as_ref() != Some(pr)
        {
            current.implementation.pull_request = Some(pr.clone());
            save(&mut w, &mut current).await?;
        }
        w.record(
            EventType::BranchPushed,
            Some(&current.project),
            &current.key,
            Some(&current.key),
            json!({ "branch": branch, "remote": remote, "pull_request": opened, "compare_url": compare_url }),
        )
        .await?;
        w.commit().await?;
        Ok(())
    }
}

/// Where a pull request was opened, to request its reviewers there too.
enum Forge {
    Gh(GhCli),
    Api(GitHubApi, RemoteLocation),
}

/// `#7`, or `(number unknown)`.
fn pr_name(pr: &PullRequest) -> String {
    match pr.number {
        Some(n) => format!("#{n}"),
        None => "(number unknown)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pr_body_has_criteria_and_trailer() {
        let mut issue: Issue = serde_json::from_value(json!({
            "id": 1, "project_id": 1, "key": "APP-1", "project": "APP", "title": "T",
            "type": "feature", "status": "in_progress", "priority": "P3",
            "labels": [], "estimate": {}, "time_spent_minutes": 0, "archived": false,
            "specification": {}, "planning": {}, "implementation": {}, "communication": {},
            "analytics": {}, "version": 1,
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        issue.specification.description = "Why and what.".into();
        issue.specification.acceptance_criteria = vec!["works".into()];
        let body = pr_body(&issue);
        assert!(body.starts_with("Why and what."));
        assert!(body.contains("- [ ] works"));
        assert!(body.ends_with("PM: APP-1\n"));
    }
}
