//! The issue list (filters, exclusions, search, sort, paging, all in the
//! URL) and the archive.

use std::str::FromStr;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::Utc;
use lazypm_domain::{IssueType, Priority, SortField, SortOrder, Status};
use lazypm_service::ops::issues::{ListIssuesInput, OneOrMany, SearchIssuesInput, StatusFilter};

use super::view::{self, Row};
use super::{Chrome, PageError, PageResult, Tab, page};
use crate::routes::AppState;

/// Percent-encodes a query value.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b',' | b'!' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn invalid(message: String) -> PageError {
    PageError {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        message,
    }
}

/// Values of a repeated or comma-separated parameter.
fn values<'a>(q: &'a [(String, String)], name: &str) -> impl Iterator<Item = &'a str> {
    q.iter()
        .filter(move |(k, _)| k == name)
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

fn one(q: &[(String, String)], name: &str) -> Option<String> {
    q.iter()
        .rev()
        .find(|(k, v)| k == name && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_string())
}

fn parse_all<T: FromStr>(
    items: impl Iterator<Item = impl AsRef<str>>,
    field: &str,
) -> Result<Vec<T>, PageError>
where
    T::Err: std::fmt::Display,
{
    items
        .map(|v| T::from_str(v.as_ref()).map_err(|e| invalid(format!("{field}: {e}"))))
        .collect()
}

/// The list's state, as the URL carries it.
struct Filters {
    statuses: Vec<Status>,
    excluded: Vec<Status>,
    priorities: Vec<Priority>,
    types: Vec<IssueType>,
    module: String,
    owner: String,
    label: String,
    sprint: String,
    q: String,
    sort: SortField,
    order: SortOrder,
}

impl Filters {
    fn parse(q: &[(String, String)]) -> Result<Filters, PageError> {
        let mut statuses = Vec::new();
        let mut excluded: Vec<Status> = parse_all(values(q, "exclude"), "exclude")?;
        let given_status = q.iter().any(|(k, _)| k == "status");
        for v in values(q, "status") {
            if let Some(not) = v.strip_prefix('!') {
                excluded.push(Status::from_str(not).map_err(|e| invalid(format!("status: {e}")))?);
            } else if v.eq_ignore_ascii_case("open") {
                statuses.extend(Status::ALL.iter().filter(|s| !s.is_closed()));
            } else if !v.eq_ignore_ascii_case("all") {
                statuses.push(Status::from_str(v).map_err(|e| {
                    invalid(format!("status: {e} (or open, all, !status to hide one)"))
                })?);
            }
        }
        // No status named: open work, the usual question.
        if !given_status && excluded.is_empty() {
            statuses.extend(Status::ALL.iter().filter(|s| !s.is_closed()));
        }
        statuses.sort();
        statuses.dedup();
        excluded.sort();
        excluded.dedup();
        Ok(Filters {
            statuses,
            excluded,
            priorities: parse_all(values(q, "priority"), "priority")?,
            types: parse_all(values(q, "type"), "type")?,
            module: one(q, "module").unwrap_or_default(),
            owner: one(q, "owner").unwrap_or_default(),
            label: one(q, "label").unwrap_or_default(),
            sprint: one(q, "sprint").unwrap_or_default(),
            q: one(q, "q").unwrap_or_default(),
            sort: one(q, "sort")
                .map(|s| SortField::from_str(&s).map_err(|e| invalid(format!("sort: {e}"))))
                .transpose()?
                .unwrap_or(SortField::Priority),
            order: one(q, "order")
                .map(|s| SortOrder::from_str(&s).map_err(|e| invalid(format!("order: {e}"))))
                .transpose()?
                .unwrap_or(SortOrder::Asc),
        })
    }

    /// The statuses shown: those chosen (all when none), less the excluded.
    fn effective(&self) -> Vec<Status> {
        let base: Vec<Status> = if self.statuses.is_empty() {
            Status::ALL.to_vec()
        } else {
            self.statuses.clone()
        };
        base.into_iter()
            .filter(|s| !self.excluded.contains(s))
            .collect()
    }

    /// The query string of these filters (without a cursor).
    fn query(&self) -> String {
        let mut parts = Vec::new();
        let join = |v: Vec<&str>| v.join(",");
        if !self.statuses.is_empty() {
            parts.push(format!(
                "status={}",
                join(self.statuses.iter().map(|s| s.as_str()).collect())
            ));
        } else {
            parts.push("status=all".into());
        }
        if !self.excluded.is_empty() {
            parts.push(format!(
                "exclude={}",
                join(self.excluded.iter().map(|s| s.as_str()).collect())
            ));
        }
        if !self.priorities.is_empty() {
            parts.push(format!(
                "priority={}",
                join(self.priorities.iter().map(|s| s.as_str()).collect())
            ));
        }
        if !self.types.is_empty() {
            parts.push(format!(
                "type={}",
                join(self.types.iter().map(|s| s.as_str()).collect())
            ));
        }
        for (k, v) in [
            ("module", &self.module),
            ("owner", &self.owner),
            ("label", &self.label),
            ("sprint", &self.sprint),
            ("q", &self.q),
        ] {
            if !v.is_empty() {
                parts.push(format!("{k}={}", encode(v)));
            }
        }
        if self.sort != SortField::Priority {
            parts.push(format!("sort={}", self.sort.as_str()));
        }
        if self.order != SortOrder::Asc {
            parts.push(format!("order={}", self.order.as_str()));
        }
        parts.join("&")
    }
}

/// A checkbox of the filter form.
struct Check {
    value: &'static str,
    label: &'static str,
    checked: bool,
}

/// A search hit's passage, with the matched words marked.
struct Snippet {
    parts: Vec<(String, bool)>,
}

fn snippet(text: &str) -> Snippet {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('«') {
        let (before, after) = rest.split_at(start);
        let after = &after['«'.len_utf8()..];
        if !before.is_empty() {
            parts.push((before.to_string(), false));
        }
        match after.find('»') {
            Some(end) => {
                parts.push((after[..end].to_string(), true));
                rest = &after[end + '»'.len_utf8()..];
            }
            None => {
                rest = after;
            }
        }
    }
    if !rest.is_empty() {
        parts.push((rest.to_string(), false));
    }
    Snippet { parts }
}

struct Hit {
    row: Row,
    snippet: Snippet,
}

#[derive(Template)]
#[template(path = "issues.html")]
struct IssuesPage {
    project: String,
    statuses: Vec<Check>,
    excluded: Vec<Check>,
    priorities: Vec<Check>,
    types: Vec<Check>,
    module: String,
    owner: String,
    label: String,
    sprint: String,
    q: String,
    sort: &'static str,
    order: &'static str,
    rows: Vec<Row>,
    hits: Vec<Hit>,
    searching: bool,
    next: Option<String>,
    first: Option<String>,
    modules: Vec<String>,
    note: String,
}

pub async fn issues(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(project): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> PageResult {
    let now = Utc::now();
    let f = Filters::parse(&q)?;
    let (key, modules) = s.svc.project_modules(Some(&project)).await?;
    let effective = f.effective();
    let status_filter = Some(OneOrMany::Many(
        effective.iter().map(|s| StatusFilter::Is(*s)).collect(),
    ));
    let mut rows = Vec::new();
    let mut hits = Vec::new();
    let mut next = None;
    let mut note = String::new();
    let cursor = one(&q, "cursor");
    if effective.is_empty() {
        note = "Every status is hidden: nothing to show.".into();
    } else if !f.q.is_empty() {
        let found = s
            .svc
            .pm_search_issues(SearchIssuesInput {
                project_id: Some(key.clone()),
                query: f.q.clone(),
                status: status_filter,
                include_archived: None,
                limit: Some(100),
            })
            .await?;
        note = format!("{} best matches for “{}”", found.hits.len(), f.q);
        for h in found.hits {
            hits.push(Hit {
                row: Row {
                    key: h.key,
                    title: h.title,
                    status: h.status.as_str(),
                    status_label: view::status_label(h.status),
                    priority: h.priority.as_str(),
                    kind: h.issue_type.as_str(),
                    ..Row::default()
                },
                snippet: snippet(&h.snippet),
            });
        }
    } else {
        let list = s
            .svc
            .issue_page(
                ListIssuesInput {
                    project_id: Some(key.clone()),
                    status: status_filter,
                    priority: (!f.priorities.is_empty())
                        .then(|| OneOrMany::Many(f.priorities.clone())),
                    issue_type: (!f.types.is_empty()).then(|| OneOrMany::Many(f.types.clone())),
                    module: (!f.module.is_empty()).then(|| f.module.clone()),
                    owner: (!f.owner.is_empty()).then(|| f.owner.clone()),
                    label: (!f.label.is_empty()).then(|| f.label.clone()),
                    sprint: (!f.sprint.is_empty()).then(|| f.sprint.clone()),
                    sort: Some(f.sort),
                    order: Some(f.order),
                    limit: Some(50),
                    cursor: cursor.clone(),
                    ..Default::default()
                },
                false,
                false,
            )
            .await?;
        rows = list.issues.iter().map(|i| view::row(i, now)).collect();
        next = list
            .next_cursor
            .map(|c| format!("/p/{key}/issues?{}&cursor={}", f.query(), encode(&c)));
    }
    let first = cursor.map(|_| format!("/p/{key}/issues?{}", f.query()));
    let checks = |all: &[Status], on: &[Status]| {
        all.iter()
            .map(|s| Check {
                value: s.as_str(),
                label: view::status_label(*s),
                checked: on.contains(s),
            })
            .collect()
    };
    let main = IssuesPage {
        project: key.clone(),
        statuses: checks(Status::ALL, &f.statuses),
        excluded: checks(Status::ALL, &f.excluded),
        priorities: Priority::ALL
            .iter()
            .map(|p| Check {
                value: p.as_str(),
                label: p.as_str(),
                checked: f.priorities.contains(p),
            })
            .collect(),
        types: IssueType::ALL
            .iter()
            .map(|t| Check {
                value: t.as_str(),
                label: t.as_str(),
                checked: f.types.contains(t),
            })
            .collect(),
        module: f.module.clone(),
        owner: f.owner.clone(),
        label: f.label.clone(),
        sprint: f.sprint.clone(),
        q: f.q.clone(),
        sort: f.sort.as_str(),
        order: f.order.as_str(),
        rows,
        hits,
        searching: !f.q.is_empty(),
        next,
        first,
        modules,
        note,
    };
    let chrome = Chrome {
        title: format!("{key} issues"),
        project: Some(key),
        tab: Tab::Issues,
    };
    page(&s, &headers, chrome, &main).await
}

#[derive(Template)]
#[template(path = "archive.html")]
struct ArchivePage {
    project: String,
    rows: Vec<Row>,
    next: Option<String>,
    first: Option<String>,
}

pub async fn archive(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(project): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> PageResult {
    let now = Utc::now();
    let cursor = one(&q, "cursor");
    let list = s
        .svc
        .issue_page(
            ListIssuesInput {
                project_id: Some(project.clone()),
                sort: Some(SortField::Updated),
                order: Some(SortOrder::Desc),
                limit: Some(50),
                cursor: cursor.clone(),
                ..Default::default()
            },
            true,
            false,
        )
        .await?;
    let key = list
        .issues
        .first()
        .map(|i| i.project.clone())
        .unwrap_or_else(|| project.to_ascii_uppercase());
    let main = ArchivePage {
        rows: list.issues.iter().map(|i| view::row(i, now)).collect(),
        next: list
            .next_cursor
            .map(|c| format!("/p/{key}/archive?cursor={}", encode(&c))),
        first: cursor.map(|_| format!("/p/{key}/archive")),
        project: key.clone(),
    };
    let chrome = Chrome {
        title: format!("{key} archive"),
        project: Some(key),
        tab: Tab::Archive,
    };
    page(&s, &headers, chrome, &main).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn no_status_means_open_work_and_exclusions_subtract() {
        let f = Filters::parse(&q(&[])).unwrap();
        assert!(f.effective().iter().all(|s| !s.is_closed()));
        let f = Filters::parse(&q(&[("status", "all"), ("exclude", "done,canceled")])).unwrap();
        assert_eq!(f.effective().len(), Status::ALL.len() - 2);
        let f = Filters::parse(&q(&[("status", "review"), ("status", "blocked")])).unwrap();
        assert_eq!(f.effective(), vec![Status::Review, Status::Blocked]);
        let f = Filters::parse(&q(&[("status", "!done")])).unwrap();
        assert!(
            !f.effective().contains(&Status::Done) && f.effective().contains(&Status::Canceled)
        );
        let again = Filters::parse(&q(&[("status", "!done")])).unwrap().query();
        assert_eq!(again, "status=all&exclude=done");
    }

    #[test]
    fn bad_values_name_the_field_and_the_allowed_ones() {
        let e = Filters::parse(&q(&[("priority", "P9")])).err().unwrap();
        assert!(
            e.message.starts_with("priority:") && e.message.contains("P1"),
            "{}",
            e.message
        );
        assert!(Filters::parse(&q(&[("sort", "nonsense")])).is_err());
    }

    #[test]
    fn snippets_mark_the_matched_words() {
        let s = snippet("a «word» and «more»");
        assert_eq!(
            s.parts,
            vec![
                ("a ".to_string(), false),
                ("word".to_string(), true),
                (" and ".to_string(), false),
                ("more".to_string(), true)
            ]
        );
        assert_eq!(encode("a b&c"), "a%20b%26c");
    }
}
