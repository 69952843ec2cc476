//! pm_related_issues: an issue's links, family (parent, children, siblings)
//! and issues with similar text, each listed once with why.

use std::collections::HashMap;

use lazypm_domain::{DependencyKind, LinkDirection, SortField, Status};
use lazypm_store::{IssueQuery, SearchQuery};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ops::{check_limit, load_detail};
use crate::{Result, Service};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RelatedIssuesInput {
    pub issue_key: String,
    /// How many text-similar issues to add (1–200, default 5).
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RelatedIssue {
    pub key: String,
    pub title: String,
    pub status: Status,
    /// blocks, blocked_by, relates, duplicates, duplicated_by, discovered_from,
    /// source_of, parent, child, sibling or similar.
    pub relation: String,
    /// Why it is listed.
    pub reason: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct RelatedIssuesOutput {
    pub issue_key: String,
    /// Links first, then family, then similar text; each issue once.
    pub related: Vec<RelatedIssue>,
    pub next_steps: Vec<String>,
}

/// Words of a title worth searching for similar issues.
fn significant_words(title: &str) -> String {
    const STOP: &[&str] = &[
        "the", "and", "for", "with", "from", "into", "that", "this", "when", "not", "are", "was",
        "has", "have", "its", "our", "out", "can", "all", "any", "but", "should", "must", "will",
    ];
    let words: Vec<&str> = title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .filter(|w| !STOP.contains(&w.to_lowercase().as_str()))
        .collect();
    if words.is_empty() {
        title.to_string()
    } else {
        words.join(" ")
    }
}

fn link_relation(
    this: &str,
    other: &str,
    kind: DependencyKind,
    dir: LinkDirection,
) -> (&'static str, String) {
    use DependencyKind::*;
    use LinkDirection::*;
    match (kind, dir) {
        (Blocks, Outgoing) => ("blocks", format!("{this} blocks {other}")),
        (Blocks, Incoming) => ("blocked_by", format!("{other} blocks {this}")),
        (Relates, _) => ("relates", format!("linked to {this} as related")),
        (Duplicates, Outgoing) => ("duplicates", format!("{this} duplicates {other}")),
        (Duplicates, Incoming) => ("duplicated_by", format!("{other} duplicates {this}")),
        (DiscoveredFrom, Outgoing) => (
            "discovered_from",
            format!("{this} was discovered from {other}"),
        ),
        (DiscoveredFrom, Incoming) => ("source_of", format!("{other} was discovered from {this}")),
    }
}

/// Related issues collected once each, in the order found.
struct Found {
    items: Vec<RelatedIssue>,
    index: HashMap<String, Option<usize>>,
}

impl Found {
    /// Starts with `this` known, so the issue never lists itself.
    fn new(this: &str) -> Self {
        Self {
            items: Vec::new(),
            index: HashMap::from([(this.to_string(), None)]),
        }
    }

    fn has(&self, key: &str) -> bool {
        self.index.contains_key(key)
    }

    /// Adds `item`, or its reason to the entry already there.
    fn add(&mut self, item: RelatedIssue) {
        match self.index.get(&item.key) {
            Some(None) => {}
            Some(Some(i)) => {
                if let Some(r) = self.items.get_mut(*i) {
                    r.reason = format!("{}; {}", r.reason, item.reason);
                }
            }
            None => {
                self.index.insert(item.key.clone(), Some(self.items.len()));
                self.items.push(item);
            }
        }
    }
}

fn children_query(project_id: i64, parent_id: i64) -> IssueQuery {
    IssueQuery {
        parent_id: Some(parent_id),
        sort: SortField::Key,
        ..IssueQuery::lean(project_id, Vec::new(), 200)
    }
}

impl Service {
    pub async fn pm_related_issues(
        &self,
        input: RelatedIssuesInput,
    ) -> Result<RelatedIssuesOutput> {
        let limit = check_limit(input.limit, 5)?;
        let mut tx = self.read().await?;
        let d = load_detail(&mut *tx, "issue_key", &input.issue_key).await?;
        let this = d.issue.key.clone();
        let mut found = Found::new(&this);
        for l in &d.links {
            let (relation, reason) = link_relation(&this, &l.key, l.kind, l.direction);
            found.add(RelatedIssue {
                key: l.key.clone(),
                title: l.title.clone(),
                status: l.status,
                relation: relation.into(),
                reason,
            });
        }
        let parent = match &d.issue.parent {
            Some(p) => tx.issue_by_key(p).await?,
            None => None,
        };
        if let Some(p) = &parent {
            found.add(RelatedIssue {
                key: p.key.clone(),
                title: p.title.clone(),
                status: p.status,
                relation: "parent".into(),
                reason: format!("parent of {this}"),
            });
        }
        let (children, _) = tx
            .list_issues(&children_query(d.issue.project_id, d.issue.id))
            .await?;
        for c in children {
            found.add(RelatedIssue {
                reason: format!("child of {this}"),
                key: c.key,
                title: c.title,
                status: c.status,
                relation: "child".into(),
            });
        }
        if let Some(p) = &parent {
            let (siblings, _) = tx.list_issues(&children_query(p.project_id, p.id)).await?;
            for s in siblings {
                found.add(RelatedIssue {
                    reason: format!("also a child of {}", p.key),
                    key: s.key,
                    title: s.title,
                    status: s.status,
                    relation: "sibling".into(),
                });
            }
        }
        let hits = tx
            .search_issues(&SearchQuery {
                project_id: d.issue.project_id,
                text: significant_words(&d.issue.title),
                statuses: Vec::new(),
                include_archived: false,
                limit: limit + found.items.len() as i64 + 1,
                any_word: true,
            })
            .await?;
        let mut similar = 0;
        for h in hits {
            if similar >= limit {
                break;
            }
            if found.has(&h.issue.key) {
                continue;
            }
            similar += 1;
            found.add(RelatedIssue {
                reason: format!("similar text: {}", h.snippet),
                key: h.issue.key,
                title: h.issue.title,
                status: h.issue.status,
                relation: "similar".into(),
            });
        }
        let related = found.items;
        let next_steps = match related.first() {
            Some(r) => vec![format!("pm_get_issue: read {} ({})", r.key, r.relation)],
            None => vec![format!(
                "pm_link_issues: nothing relates to {this} yet; link issues that do"
            )],
        };
        Ok(RelatedIssuesOutput {
            issue_key: this,
            related,
            next_steps,
        })
    }
}
