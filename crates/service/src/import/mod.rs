//! Importing from other trackers: each format's reader turns its files into
//! one [`Batch`] of plain records, and [`Service::import`] writes a batch in
//! one transaction, with an audit event per issue and per link.
//!
//! Every issue remembers where it came from (the `meta` key
//! `import:FORMAT:PROJECT:SOURCE-ID` names the issue it became), so running the same
//! import again creates nothing twice: what was imported is reported as
//! skipped, and only what is new in the source is added.

pub mod backlog;
pub mod beads;
pub mod github;
pub mod seed;
pub mod taskmaster;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use lazypm_domain::{
    Activity, Analytics, Artifacts, ChecklistItem, Comment, Communication, DependencyKind,
    Estimate, EventType, Implementation, Issue, IssueKey, IssueType, Planning, Priority, Project,
    ProjectKey, ProjectMetadata, Specification, Status, Task, TaskKey, TaskStatus, WorkLog,
};
use serde::Serialize;
use serde_json::json;

use crate::ops::issues::next_key;
use crate::{Result, Service, ServiceError};

/// Everything one source holds, in lazypm's terms.
#[derive(Debug, Default)]
pub struct Batch {
    /// The format's name (`beads`, `taskmaster`, …): part of each issue's memory key.
    pub format: &'static str,
    /// Projects the source defines itself (the original system's); issues of
    /// other sources go to the project the import is run for.
    pub projects: Vec<NewProject>,
    pub issues: Vec<NewIssue>,
    pub links: Vec<NewLink>,
    /// Sprints the source groups issues in (GitHub milestones); issues name them.
    pub sprints: Vec<NewSprint>,
    /// What the reader left out, and why.
    pub skipped: Vec<Skipped>,
    /// How the format's notions were mapped (shown in the report).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct NewProject {
    /// The source's own id for the project.
    pub source_id: String,
    pub key: String,
    pub name: String,
    pub path: Option<String>,
    pub metadata: ProjectMetadata,
    pub created_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct NewIssue {
    /// The source's id: what a re-run recognises it by.
    pub source_id: String,
    /// The source id of its project when the batch lists projects.
    pub project: Option<String>,
    /// A key to keep as it is (`LAZY-202509-001`), when the source has lazypm-like keys.
    pub key: Option<String>,
    pub title: String,
    pub issue_type: IssueType,
    pub status: Status,
    pub priority: Priority,
    pub module: Option<String>,
    pub owner: Option<String>,
    /// The source id of its parent.
    pub parent: Option<String>,
    pub labels: Vec<String>,
    pub estimate: Estimate,
    pub blocker_reason: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub specification: Specification,
    pub planning: Planning,
    pub implementation: Implementation,
    pub communication: Communication,
    pub analytics: Analytics,
    pub tasks: Vec<NewTask>,
    pub logs: Vec<NewLog>,
    pub comments: Vec<NewComment>,
    /// Put away in the source (Backlog.md's archive): imported archived.
    pub archived: bool,
    /// The name of its sprint (one of the batch's).
    pub sprint: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewSprint {
    pub name: String,
    pub goal: Option<String>,
    pub start_date: Option<chrono::NaiveDate>,
    pub end_date: Option<chrono::NaiveDate>,
}

impl NewIssue {
    /// An issue with only a source id and a title; readers fill the rest.
    pub fn new(source_id: impl Into<String>, title: impl Into<String>) -> Self {
        Self {
            source_id: source_id.into(),
            project: None,
            key: None,
            title: title.into(),
            issue_type: IssueType::Feature,
            status: Status::Proposed,
            priority: Priority::P3,
            module: None,
            owner: None,
            parent: None,
            labels: Vec::new(),
            estimate: Estimate::default(),
            blocker_reason: None,
            created_at: None,
            updated_at: None,
            started_at: None,
            completed_at: None,
            specification: Specification::default(),
            planning: Planning::default(),
            implementation: Implementation::default(),
            communication: Communication::default(),
            analytics: Analytics::default(),
            tasks: Vec::new(),
            logs: Vec::new(),
            comments: Vec::new(),
            archived: false,
            sprint: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewTask {
    pub source_id: String,
    pub title: String,
    pub status: TaskStatus,
    pub assignee: Option<String>,
    pub details: Option<String>,
    pub checklist: Vec<ChecklistItem>,
    pub notes: Vec<String>,
    pub created_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct NewLog {
    /// The source id of the task it was logged against.
    pub task: Option<String>,
    pub author: String,
    pub activity: Activity,
    pub summary: String,
    pub details: Option<String>,
    pub artifacts: Artifacts,
    pub minutes: i64,
    pub logged_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct NewComment {
    pub author: String,
    pub body: String,
    pub created_at: Option<DateTime<Utc>>,
}

/// `from` and `to` are source ids; with `blocks`, `from` blocks `to`.
#[derive(Debug, Clone)]
pub struct NewLink {
    pub from: String,
    pub to: String,
    pub kind: DependencyKind,
    /// The source's own word for the link, when lazypm's kind is an approximation.
    pub source_kind: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Skipped {
    /// What was skipped: a source id, a file, a link.
    pub what: String,
    pub why: String,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Default, Serialize)]
pub struct ImportReport {
    pub format: String,
    pub dry_run: bool,
    pub projects_created: Vec<String>,
    /// Source id → the issue key it became.
    pub issues_created: Vec<(String, String)>,
    pub tasks_created: usize,
    pub work_logs_created: usize,
    pub comments_created: usize,
    pub links_created: usize,
    pub sprints_created: Vec<String>,
    /// Keys the source asked for that were taken, and the key used instead.
    pub keys_changed: Vec<(String, String)>,
    pub skipped: Vec<Skipped>,
    pub notes: Vec<String>,
}

impl ImportReport {
    /// Whether the import wrote nothing: every record was there already (or
    /// skipped), so the store is as it was.
    pub fn created_nothing(&self) -> bool {
        self.projects_created.is_empty()
            && self.issues_created.is_empty()
            && self.tasks_created == 0
            && self.work_logs_created == 0
            && self.comments_created == 0
            && self.links_created == 0
            && self.sprints_created.is_empty()
    }
}

/// The `meta` key remembering what a source record became in a project
/// (the same source ids in another project are another import).
fn memory_key(format: &str, project: &str, source_id: &str) -> String {
    format!("import:{format}:{project}:{source_id}")
}

impl Service {
    /// Writes a batch into the store in one transaction. Issues of a batch
    /// without projects go to `project` (else the caller's current project).
    /// A dry run does all the same work and checks, then rolls it back.
    /// `progress` hears how many of the batch's issues are done, and of how many.
    pub async fn import(
        &self,
        batch: Batch,
        project: Option<&str>,
        dry_run: bool,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<ImportReport> {
        let mut report = ImportReport {
            format: batch.format.to_string(),
            dry_run,
            skipped: batch.skipped.clone(),
            notes: batch.notes.clone(),
            ..Default::default()
        };
        let mut w = self.write().await?;
        let now = w.now;

        // Projects the batch defines: an existing project with the key is used as it is.
        let mut project_ids: HashMap<String, (i64, String)> = HashMap::new();
        for p in &batch.projects {
            let key = ProjectKey::parse("project key", &p.key)?;
            let path = p.path.clone().filter(|p| !p.trim().is_empty());
            let mut existing = w.project_by_key(key.as_str()).await?;
            if existing.is_none()
                && let Some(path) = &path
            {
                // Registered already (`lazypm init` in its folder) under another key.
                existing = w
                    .list_projects()
                    .await?
                    .into_iter()
                    .find(|e| &e.path == path);
                if let Some(found) = &existing {
                    report.notes.push(format!(
                        "project {} ({path}) is registered here as {}: its issues go there",
                        key, found.key
                    ));
                }
            }
            let (id, key) = match existing {
                Some(found) => (found.id, found.key),
                None => {
                    let Some(path) = path else {
                        return Err(ServiceError::invalid(
                            "projects",
                            format!(
                                "project {} ({}) has no absolute path: lazypm needs one for each project",
                                p.source_id, p.name
                            ),
                        ));
                    };
                    let project = Project {
                        id: 0,
                        key: key.to_string(),
                        // Slugged as `pm_init_project` slugs a project's name.
                        slug: lazypm_domain::text::slugify(&p.name, 60),
                        name: p.name.clone(),
                        path: path.clone(),
                        metadata: p.metadata.clone(),
                        created_at: p.created_at.unwrap_or(now),
                        updated_at: p.created_at.unwrap_or(now),
                    };
                    let id = w.insert_project(&project).await?;
                    w.record(
                        EventType::ProjectCreated,
                        Some(key.as_str()),
                        key.as_str(),
                        None,
                        json!({"name": p.name, "path": path, "imported_from": {"format": batch.format, "id": p.source_id}}),
                    )
                    .await?;
                    report.projects_created.push(key.to_string());
                    (id, key.to_string())
                }
            };
            project_ids.insert(p.source_id.clone(), (id, key));
        }
        let default_scope = if batch.issues.iter().any(|i| {
            i.project
                .as_ref()
                .is_none_or(|p| !project_ids.contains_key(p))
        }) {
            Some(self.resolve_scope(&mut *w, project).await?)
        } else {
            None
        };

        // Source id → (issue id, key), for parents and links: what this run
        // creates and what earlier runs did.
        let mut known: HashMap<String, (i64, String)> = HashMap::new();
        let mut sprints: HashMap<(i64, String), i64> = HashMap::new();
        let total = batch.issues.len();
        for (done, new) in parent_first(&batch.issues).into_iter().enumerate() {
            progress(done, total);
            let (project_id, project_key) =
                match new.project.as_ref().and_then(|p| project_ids.get(p)) {
                    Some((id, key)) => (*id, key.clone()),
                    None => match &default_scope {
                        Some(s) => (s.id, s.key.clone()),
                        None => {
                            return Err(ServiceError::invalid(
                                "project",
                                "no project to import into: name one with --project KEY",
                            ));
                        }
                    },
                };
            let memory = memory_key(batch.format, &project_key, &new.source_id);
            if let Some(key) = w.meta(&memory).await?
                && let Some(existing) = w.issue_by_key(&key).await?
            {
                known.insert(new.source_id.clone(), (existing.id, existing.key.clone()));
                report.skipped.push(Skipped {
                    what: new.source_id.clone(),
                    why: format!("already imported as {}", existing.key),
                });
                continue;
            }
            let key = self
                .import_key(&mut w, new, project_id, &project_key, &mut report)
                .await?;
            let parent = new
                .parent
                .as_ref()
                .and_then(|p| known.get(p))
                .map(|(_, k)| k.clone());
            if let Some(p) = &new.parent
                && parent.is_none()
            {
                report.skipped.push(Skipped {
                    what: format!("{}'s parent", new.source_id),
                    why: format!("{p} is not in the source"),
                });
            }
            let created = new.created_at.unwrap_or(now);
            let mut issue = Issue {
                id: 0,
                project_id,
                key: key.clone(),
                project: project_key.clone(),
                title: new.title.clone(),
                issue_type: new.issue_type,
                status: new.status,
                priority: new.priority,
                module: new.module.clone(),
                owner: new.owner.clone(),
                parent,
                labels: new.labels.clone(),
                estimate: new.estimate.clone(),
                blocker_reason: new.blocker_reason.clone().or_else(|| {
                    (new.status == Status::Blocked).then(|| "blocked in the source".to_string())
                }),
                branch: None,
                time_spent_minutes: new.logs.iter().map(|l| l.minutes.max(0)).sum(),
                archived: new.archived,
                version: 1,
                created_at: created,
                updated_at: new.updated_at.unwrap_or(created),
                started_at: new.started_at,
                completed_at: new.completed_at.or_else(|| {
                    matches!(new.status, Status::Done | Status::Canceled)
                        .then(|| new.updated_at.unwrap_or(created))
                }),
                specification: new.specification.clone(),
                planning: new.planning.clone(),
                implementation: new.implementation.clone(),
                communication: new.communication.clone(),
                analytics: new.analytics.clone(),
            };
            issue.id = w.insert_issue(&issue).await?;
            let mut task_ids: HashMap<String, (i64, String)> = HashMap::new();
            for t in &new.tasks {
                let number = w.next_task_number(issue.id).await?;
                let task_key = TaskKey {
                    issue: IssueKey::parse("key", &key)?,
                    number,
                };
                let task = Task {
                    id: 0,
                    issue_id: issue.id,
                    key: task_key.to_string(),
                    issue_key: key.clone(),
                    title: t.title.clone(),
                    status: t.status,
                    assignee: t.assignee.clone(),
                    details: t.details.clone(),
                    checklist: t.checklist.clone(),
                    notes: t.notes.clone(),
                    estimate_minutes: None,
                    version: 1,
                    created_at: t.created_at.unwrap_or(created),
                    updated_at: t.created_at.unwrap_or(created),
                };
                let id = w.insert_task(&task).await?;
                task_ids.insert(t.source_id.clone(), (id, task.key));
                report.tasks_created += 1;
            }
            for l in &new.logs {
                let task = l.task.as_ref().and_then(|t| task_ids.get(t));
                let log = WorkLog {
                    id: 0,
                    issue_key: key.clone(),
                    task_key: task.map(|(_, k)| k.clone()),
                    author: l.author.clone(),
                    activity: l.activity,
                    summary: l.summary.clone(),
                    details: l.details.clone(),
                    artifacts: l.artifacts.clone(),
                    blockers: Vec::new(),
                    decisions: Vec::new(),
                    minutes: l.minutes.max(0),
                    logged_at: l.logged_at.unwrap_or(created),
                };
                w.insert_work_log(issue.id, task.map(|(id, _)| *id), &log)
                    .await?;
                report.work_logs_created += 1;
            }
            for c in &new.comments {
                let comment = Comment {
                    id: 0,
                    issue_key: key.clone(),
                    author: c.author.clone(),
                    body: c.body.clone(),
                    created_at: c.created_at.unwrap_or(created),
                };
                w.insert_comment(issue.id, &comment).await?;
                report.comments_created += 1;
            }
            if let Some(name) = &new.sprint {
                let sprint_id = match sprints.get(&(project_id, name.clone())) {
                    Some(id) => *id,
                    None => {
                        let id = self
                            .import_sprint(
                                &mut w,
                                &batch,
                                name,
                                project_id,
                                &project_key,
                                &mut report,
                            )
                            .await?;
                        sprints.insert((project_id, name.clone()), id);
                        id
                    }
                };
                w.add_to_sprint(sprint_id, issue.id, now).await?;
            }
            w.record(
                EventType::IssueCreated,
                Some(&project_key),
                &key,
                Some(&key),
                json!({
                    "title": issue.title, "type": issue.issue_type, "status": issue.status,
                    "priority": issue.priority, "parent": issue.parent, "labels": issue.labels,
                    "imported_from": {"format": batch.format, "id": new.source_id},
                    "tasks": new.tasks.len(), "work_logs": new.logs.len(), "comments": new.comments.len(),
                }),
            )
            .await?;
            w.set_meta(&memory, &key).await?;
            known.insert(new.source_id.clone(), (issue.id, key.clone()));
            report.issues_created.push((new.source_id.clone(), key));
        }

        progress(total, total);
        // Links, once every issue exists.
        for link in &batch.links {
            let describe = || format!("{} {} {}", link.from, link.kind, link.to);
            let (Some(from), Some(to)) = (known.get(&link.from), known.get(&link.to)) else {
                report.skipped.push(Skipped {
                    what: describe(),
                    why: "an end of the link is not in the source".into(),
                });
                continue;
            };
            if from.0 == to.0 {
                report.skipped.push(Skipped {
                    what: describe(),
                    why: "an issue cannot be linked to itself".into(),
                });
                continue;
            }
            if link.kind == DependencyKind::Blocks
                && crate::ops::links::blocks_path(&mut *w, to.0, from.0)
                    .await?
                    .is_some()
            {
                report.skipped.push(Skipped {
                    what: describe(),
                    why: format!("{} blocks {} would make a cycle", from.1, to.1),
                });
                continue;
            }
            if !w.insert_link(from.0, to.0, link.kind, now).await? {
                continue;
            }
            w.record(
                EventType::IssueLinked,
                None,
                &from.1,
                Some(&from.1),
                json!({"target": to.1, "kind": link.kind, "source_kind": link.source_kind, "imported_from": batch.format}),
            )
            .await?;
            report.links_created += 1;
        }
        if !dry_run {
            w.commit().await?;
        }
        Ok(report)
    }

    /// The sprint named `name` in a project: the existing one, else made
    /// from the batch's description of it (two weeks up to its end date
    /// when the source gives no start).
    async fn import_sprint(
        &self,
        w: &mut crate::audit::Write<'_>,
        batch: &Batch,
        name: &str,
        project_id: i64,
        project_key: &str,
        report: &mut ImportReport,
    ) -> Result<i64> {
        if let Some(existing) = w.sprint_by_name(project_id, name).await? {
            return Ok(existing.id);
        }
        let described = batch.sprints.iter().find(|s| s.name == name);
        let today = w.now.date_naive();
        let end = described
            .and_then(|s| s.end_date)
            .unwrap_or(today + chrono::Days::new(14));
        let start = described
            .and_then(|s| s.start_date)
            .unwrap_or(end - chrono::Days::new(14));
        let sprint = lazypm_domain::Sprint {
            id: 0,
            project: project_key.to_string(),
            name: name.to_string(),
            goal: described.and_then(|s| s.goal.clone()),
            start_date: start.min(end),
            end_date: end,
            created_at: w.now,
        };
        let id = w.insert_sprint(project_id, &sprint).await?;
        w.record(
            EventType::SprintCreated,
            Some(project_key),
            name,
            None,
            json!({"goal": sprint.goal, "start_date": sprint.start_date, "end_date": sprint.end_date, "imported_from": batch.format}),
        )
        .await?;
        report.sprints_created.push(name.to_string());
        Ok(id)
    }

    /// The key a new imported issue gets: the source's own when it has one
    /// that is free (numbers of the project's `KEY-N` form are reserved so
    /// new issues never take them), else the project's next.
    async fn import_key(
        &self,
        w: &mut crate::audit::Write<'_>,
        new: &NewIssue,
        project_id: i64,
        project_key: &str,
        report: &mut ImportReport,
    ) -> Result<String> {
        let Some(wanted) = &new.key else {
            return Ok(next_key(&mut **w, project_id, project_key)
                .await?
                .into_string());
        };
        let parsed = IssueKey::parse("key", wanted).ok();
        // Issues this run inserted are found too: they are in the transaction.
        if let Some(key) = &parsed
            && w.issue_by_key(key.as_str()).await?.is_none()
        {
            if let Some((prefix, number)) = key.parts()
                && prefix == project_key
            {
                w.reserve_issue_numbers(project_id, number).await?;
            }
            return Ok(key.to_string());
        }
        let used = next_key(&mut **w, project_id, project_key)
            .await?
            .into_string();
        let asked = parsed.map_or_else(|| wanted.clone(), IssueKey::into_string);
        report.keys_changed.push((asked, used.clone()));
        Ok(used)
    }
}

/// The issues with every parent before its children (a parent missing from
/// the batch, or a loop of parents, leaves the order as the source gave it).
fn parent_first(issues: &[NewIssue]) -> Vec<&NewIssue> {
    let by_id: HashMap<&str, &NewIssue> =
        issues.iter().map(|i| (i.source_id.as_str(), i)).collect();
    let mut placed: HashSet<&str> = HashSet::new();
    let mut out = Vec::with_capacity(issues.len());
    for issue in issues {
        let mut chain = vec![issue];
        let mut at = issue;
        while let Some(p) = at.parent.as_deref().and_then(|p| by_id.get(p)) {
            if placed.contains(p.source_id.as_str())
                || chain.iter().any(|c| c.source_id == p.source_id)
            {
                break;
            }
            chain.push(p);
            at = p;
        }
        for i in chain.into_iter().rev() {
            if placed.insert(i.source_id.as_str()) {
                out.push(i);
            }
        }
    }
    out
}

/// Reads a time the way sources write them: RFC 3339 with any offset, or a
/// naive `YYYY-MM-DD[ T]HH:MM[:SS[.f]]` taken as UTC, or a bare date.
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(n) = chrono::NaiveDateTime::parse_from_str(t, f) {
            return Some(n.and_utc());
        }
    }
    chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|n| n.and_utc())
}

/// A JSON value's text when it is a non-empty string.
pub(crate) fn text(v: Option<&serde_json::Value>) -> Option<String> {
    v.and_then(serde_json::Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A JSON value's strings: an array of strings (others skipped), or one string.
pub(crate) fn strings(v: Option<&serde_json::Value>) -> Vec<String> {
    match v {
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|i| match i {
                serde_json::Value::String(s) => Some(s.trim().to_string()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .filter(|s| !s.is_empty())
            .collect(),
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => vec![s.trim().to_string()],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_every_form_sources_write() {
        let want = "2025-09-27T08:08:46Z";
        for t in [
            "2025-09-27T08:08:46Z",
            "2025-09-27T01:08:46-07:00",
            "2025-09-27 08:08:46",
            "2025-09-27T08:08:46.000",
        ] {
            assert_eq!(
                parse_time(t).map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                Some(want.to_string()),
                "{t}"
            );
        }
        assert!(parse_time("2025-09-27").is_some());
        assert!(parse_time("yesterday").is_none());
    }

    #[test]
    fn parents_come_first() {
        let mut child = NewIssue::new("c", "child");
        child.parent = Some("p".into());
        let mut grandchild = NewIssue::new("g", "grandchild");
        grandchild.parent = Some("c".into());
        let parent = NewIssue::new("p", "parent");
        let mut looped = NewIssue::new("x", "loop");
        looped.parent = Some("x".into());
        let all = [grandchild, child, looped, parent];
        let order: Vec<&str> = parent_first(&all)
            .iter()
            .map(|i| i.source_id.as_str())
            .collect();
        assert_eq!(order, ["p", "c", "g", "x"]);
    }
}
