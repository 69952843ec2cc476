//! The original system's data: its JSON files (`data/projects.json`,
//! `issues.json`, `tasks.json`, `worklogs.json`) or its SQLite database
//! (tables `project`, `issue`, `task`, `worklog`, rich content as JSON text).
//! Keys are kept verbatim (`LAZY-202509-001`); the planning data's
//! dependencies become `blocks` links.

use std::collections::HashMap;

use lazypm_domain::{
    Activity, Artifacts, ChecklistItem, Complexity, DependencyKind, IssueType, Priority,
    ProjectKey, ProjectMetadata, Status, Submodule, TaskStatus, Vcs,
};
use serde_json::{Map, Value};

use super::{
    Batch, NewIssue, NewLink, NewLog, NewProject, NewTask, Skipped, parse_time, strings, text,
};

/// The four record lists, each record as the JSON files lay it out.
#[derive(Debug, Default)]
pub struct SeedData {
    pub projects: Vec<Value>,
    pub issues: Vec<Value>,
    pub tasks: Vec<Value>,
    pub worklogs: Vec<Value>,
}

/// The database's rows (each a column → value map) in the JSON files' shape:
/// integer row ids become the ids they stand for, JSON text is parsed.
pub fn from_tables(
    projects: Vec<Map<String, Value>>,
    issues: Vec<Map<String, Value>>,
    tasks: Vec<Map<String, Value>>,
    worklogs: Vec<Map<String, Value>>,
) -> SeedData {
    let row_id = |r: &Map<String, Value>| r.get("id").and_then(Value::as_i64);
    let project_ids: HashMap<i64, Value> = projects
        .iter()
        .filter_map(|p| Some((row_id(p)?, p.get("project_id")?.clone())))
        .collect();
    let issue_keys: HashMap<i64, Value> = issues
        .iter()
        .filter_map(|i| Some((row_id(i)?, i.get("key")?.clone())))
        .collect();
    let task_ids: HashMap<i64, Value> = tasks
        .iter()
        .filter_map(|t| Some((row_id(t)?, t.get("task_id")?.clone())))
        .collect();
    let json_text = |v: Option<&Value>| -> Map<String, Value> {
        match v {
            Some(Value::String(s)) => serde_json::from_str(s).unwrap_or_default(),
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        }
    };
    let mut data = SeedData::default();
    for mut p in projects {
        for (k, v) in json_text(p.get("metadata")) {
            p.entry(k).or_insert(v);
        }
        data.projects.push(Value::Object(p));
    }
    for mut i in issues {
        if let Some(id) = i.get("project_id").and_then(Value::as_i64)
            && let Some(p) = project_ids.get(&id)
        {
            i.insert("project_id".into(), p.clone());
        }
        for part in [
            "specification",
            "planning",
            "implementation",
            "communication",
            "analytics",
        ] {
            let parsed = json_text(i.get(part));
            i.insert(part.into(), Value::Object(parsed));
        }
        data.issues.push(Value::Object(i));
    }
    for mut t in tasks {
        if let Some(id) = t.get("issue_id").and_then(Value::as_i64)
            && let Some(k) = issue_keys.get(&id)
        {
            t.insert("issue_key".into(), k.clone());
        }
        if let Some(Value::String(s)) = t.get("checklist") {
            let parsed: Value = serde_json::from_str(s).unwrap_or(Value::Null);
            t.insert("checklist".into(), parsed);
        }
        data.tasks.push(Value::Object(t));
    }
    for mut w in worklogs {
        if let Some(id) = w.get("issue_id").and_then(Value::as_i64)
            && let Some(k) = issue_keys.get(&id)
        {
            w.insert("issue_key".into(), k.clone());
        }
        let task = w
            .get("task_id")
            .and_then(Value::as_i64)
            .and_then(|id| task_ids.get(&id));
        let task = task.cloned().unwrap_or(Value::Null);
        w.insert("task_id".into(), task);
        for part in ["artifacts", "context"] {
            if let Some(Value::String(s)) = w.get(part) {
                let parsed: Value = serde_json::from_str(s).unwrap_or(Value::Null);
                w.insert(part.into(), parsed);
            }
        }
        data.worklogs.push(Value::Object(w));
    }
    data
}

/// A field of an issue record: flat in the JSON files, inside one of the
/// rich documents in the database (`specification.description`).
fn field<'a>(issue: &'a Value, part: &str, names: &[&str]) -> Option<&'a Value> {
    for n in names {
        if let Some(v) = issue.get(*n).filter(|v| !v.is_null()) {
            return Some(v);
        }
        if let Some(v) = issue
            .get(part)
            .and_then(|p| p.get(*n))
            .filter(|v| !v.is_null())
        {
            return Some(v);
        }
    }
    None
}

pub fn read(format: &'static str, data: SeedData) -> Batch {
    let mut batch = Batch {
        format,
        ..Default::default()
    };
    batch.notes.push(
        "keys kept as they are; dependencies from planning became blocks links; \
         tasks and work logs attached to their issues"
            .into(),
    );
    // A project's key: the prefix its issues' keys share, else one made from its slug.
    let mut prefixes: HashMap<String, HashMap<String, usize>> = HashMap::new();
    for i in &data.issues {
        if let (Some(p), Some(key)) = (text(i.get("project_id")), text(i.get("key")))
            && let Some((prefix, _)) = key.split_once('-')
        {
            *prefixes
                .entry(p)
                .or_default()
                .entry(prefix.to_ascii_uppercase())
                .or_default() += 1;
        }
    }
    for p in &data.projects {
        let Some(id) = text(p.get("project_id")) else {
            batch.skipped.push(Skipped {
                what: "a project".into(),
                why: "it has no project_id".into(),
            });
            continue;
        };
        let slug = text(p.get("project_slug")).unwrap_or_else(|| id.clone());
        let key = prefixes
            .get(&id)
            .and_then(|counts| {
                counts
                    .iter()
                    .max_by_key(|(k, n)| (**n, std::cmp::Reverse((*k).clone())))
            })
            .and_then(|(k, _)| ProjectKey::parse("key", k).ok())
            .or_else(|| ProjectKey::derive(&slug));
        let Some(key) = key else {
            batch.skipped.push(Skipped {
                what: id,
                why: format!("no project key can be made from '{slug}'"),
            });
            continue;
        };
        let vcs = p
            .get("vcs")
            .filter(|v| v.as_object().is_some_and(|m| !m.is_empty()));
        let metadata = ProjectMetadata {
            submodules: p
                .get("submodules")
                .and_then(Value::as_array)
                .map(|subs| {
                    subs.iter()
                        .filter_map(|s| {
                            let name = text(s.get("name")).or_else(|| text(s.get("path")))?;
                            Some(Submodule {
                                path: text(s.get("path")).unwrap_or_else(|| name.clone()),
                                name,
                                description: text(s.get("description")),
                                has_own_repo: s.get("url").is_some(),
                            })
                        })
                        .collect()
                })
                .unwrap_or_default(),
            vcs: vcs.map(|v| Vcs {
                kind: text(v.get("type"))
                    .or_else(|| text(v.get("kind")))
                    .unwrap_or_else(|| "git".into()),
                remote: text(v.get("remote")),
                default_branch: text(v.get("default_branch")),
            }),
            ..Default::default()
        };
        batch.projects.push(NewProject {
            source_id: id,
            key: key.to_string(),
            name: slug,
            path: text(p.get("absolute_path")),
            metadata,
            created_at: text(p.get("created_utc")).and_then(|t| parse_time(&t)),
        });
    }

    let mut tasks: HashMap<String, Vec<&Value>> = HashMap::new();
    for t in &data.tasks {
        if let Some(k) = text(t.get("issue_key")) {
            tasks.entry(k).or_default().push(t);
        }
    }
    let mut logs: HashMap<String, Vec<&Value>> = HashMap::new();
    for w in &data.worklogs {
        if let Some(k) = text(w.get("issue_key")) {
            logs.entry(k).or_default().push(w);
        }
    }
    for i in &data.issues {
        let Some(key) = text(i.get("key")) else {
            batch.skipped.push(Skipped {
                what: "an issue".into(),
                why: "it has no key".into(),
            });
            continue;
        };
        let mut issue = NewIssue::new(&key, text(i.get("title")).unwrap_or_else(|| key.clone()));
        issue.key = Some(key.clone());
        issue.project = text(i.get("project_id"));
        issue.issue_type = text(i.get("type"))
            .and_then(|t| t.parse::<IssueType>().ok())
            .unwrap_or(IssueType::Feature);
        issue.status = text(i.get("status"))
            .and_then(|s| s.parse::<Status>().ok())
            .unwrap_or(Status::Proposed);
        issue.priority = text(i.get("priority"))
            .and_then(|p| p.parse::<Priority>().ok())
            .unwrap_or(Priority::P3);
        issue.module = text(i.get("module"));
        issue.owner = text(i.get("owner"));
        issue.created_at = text(i.get("created_utc")).and_then(|t| parse_time(&t));
        issue.updated_at = text(i.get("updated_utc")).and_then(|t| parse_time(&t));
        let spec = &mut issue.specification;
        spec.description = text(field(i, "specification", &["description"])).unwrap_or_default();
        spec.acceptance_criteria = strings(field(
            i,
            "specification",
            &["acceptance", "acceptance_criteria"],
        ));
        spec.technical_approach = text(field(i, "specification", &["technical_approach"]));
        issue.planning.stakeholders = strings(field(i, "planning", &["stakeholders"]));
        issue.planning.risks = strings(field(i, "planning", &["risks"]));
        issue.estimate.effort = text(field(i, "planning", &["estimated_effort"]));
        issue.estimate.complexity =
            text(field(i, "planning", &["complexity"])).and_then(|c| c.parse::<Complexity>().ok());
        if let Some(branch) = text(field(i, "implementation", &["branch_hint", "branch"])) {
            issue
                .implementation
                .artifacts
                .push(format!("branch: {branch}"));
        }
        for dep in strings(field(i, "planning", &["dependencies"])) {
            batch.links.push(NewLink {
                from: dep,
                to: key.clone(),
                kind: DependencyKind::Blocks,
                source_kind: None,
            });
        }
        for t in tasks.get(&key).into_iter().flatten() {
            let id = text(t.get("task_id")).unwrap_or_else(|| format!("{key}-task"));
            issue.tasks.push(NewTask {
                source_id: id,
                title: text(t.get("title")).unwrap_or_else(|| "task".into()),
                status: task_status(text(t.get("status")).as_deref()),
                assignee: text(t.get("assignee")),
                details: text(t.get("details")),
                checklist: t
                    .get("checklist")
                    .and_then(Value::as_array)
                    .map(|items| {
                        items
                            .iter()
                            .filter_map(|c| match c {
                                Value::String(s) => Some(ChecklistItem {
                                    text: s.clone(),
                                    done: false,
                                }),
                                _ => Some(ChecklistItem {
                                    text: text(c.get("text")).or_else(|| text(c.get("item")))?,
                                    done: c.get("done").and_then(Value::as_bool).unwrap_or(false),
                                }),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                notes: Vec::new(),
                created_at: text(t.get("created_utc")).and_then(|t| parse_time(&t)),
            });
        }
        for w in logs.get(&key).into_iter().flatten() {
            let mut artifacts = Artifacts::default();
            for a in w
                .get("artifacts")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                match (text(a.get("type")).as_deref(), a) {
                    (Some("commit"), _) => artifacts.commits.extend(text(a.get("sha"))),
                    (Some("file"), _) => artifacts.files.extend(text(a.get("path"))),
                    (Some("url" | "pr" | "link"), _) => artifacts.urls.extend(text(a.get("url"))),
                    (_, Value::String(s)) => artifacts.files.push(s.clone()),
                    _ => {}
                }
            }
            let activity = text(w.get("activity"))
                .and_then(|a| a.parse::<Activity>().ok())
                .unwrap_or(Activity::Code);
            let context = w
                .get("context")
                .filter(|c| c.as_object().is_some_and(|m| !m.is_empty()));
            issue.logs.push(NewLog {
                task: text(w.get("task_id")),
                author: text(w.get("agent")).unwrap_or_else(|| "unknown".into()),
                activity,
                summary: text(w.get("summary")).unwrap_or_else(|| activity.to_string()),
                details: context.map(|c| format!("context: {c}")),
                artifacts,
                minutes: w
                    .get("time_spent_minutes")
                    .or_else(|| w.get("minutes"))
                    .and_then(Value::as_i64)
                    .or_else(|| {
                        // The document's logs carry time as text in their context (`"4h"`).
                        let text = text(w.get("time_spent"))
                            .or_else(|| context.and_then(|c| text(c.get("time_spent"))))?;
                        lazypm_domain::parse_duration("time_spent", &text).ok()
                    })
                    .unwrap_or(0),
                logged_at: text(w.get("timestamp_utc")).and_then(|t| parse_time(&t)),
            });
        }
        batch.issues.push(issue);
    }
    batch
}

fn task_status(s: Option<&str>) -> TaskStatus {
    match s
        .map(|s| s.to_ascii_lowercase().replace('-', "_"))
        .as_deref()
    {
        Some("done" | "completed" | "complete") => TaskStatus::Done,
        Some("in_progress" | "doing" | "started") => TaskStatus::Doing,
        Some("blocked") => TaskStatus::Blocked,
        Some("review") => TaskStatus::Review,
        _ => TaskStatus::Todo,
    }
}

/// Reads the original system's SQLite database (read-only).
pub fn read_database(path: &std::path::Path) -> crate::Result<SeedData> {
    let table = |name: &str| lazypm_store_sqlite::read_foreign_table(path, name);
    let (projects, issues) = (table("project")?, table("issue")?);
    if projects.is_empty() && issues.is_empty() {
        return Err(crate::ServiceError::invalid(
            "file",
            format!(
                "{} has no project or issue rows: not the original system's database (tables project, issue, task, worklog)",
                path.display()
            ),
        ));
    }
    Ok(from_tables(
        projects,
        issues,
        table("task")?,
        table("worklog")?,
    ))
}
