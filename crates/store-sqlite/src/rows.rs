//! Mapping SQLite rows to domain records.

use crate::db::Row as SqliteRow;
use lazypm_domain::Issue;

use super::{parse_enum, parse_opt_ts, parse_ts};
use lazypm_store::Result;

/// The columns every issue read selects, in one place so all readers agree.
macro_rules! issue_select {
    () => {
        "SELECT i.id, i.project_id, i.key, p.key AS project_key, i.title, i.type, i.status, \
         i.priority, i.module, i.owner, par.key AS parent_key, i.labels, i.effort, \
         i.estimate_hours, i.story_points, i.complexity, i.blocker_reason, i.branch, \
         i.time_spent_minutes, i.archived, i.version, i.created_at, i.updated_at, \
         i.started_at, i.completed_at, i.specification, i.planning, i.implementation, \
         i.communication, i.analytics \
         FROM issues i JOIN projects p ON p.id = i.project_id \
         LEFT JOIN issues par ON par.id = i.parent_id"
    };
}
pub(crate) use issue_select;

/// The columns of `issue_select!` with the rich content left out (as empty
/// documents), `communication` given as `$communication`: the shared body of
/// the lean selects below.
macro_rules! issue_select_without_content {
    ($communication:literal) => {
        concat!(
            "SELECT i.id, i.project_id, i.key, p.key AS project_key, i.title, i.type, i.status, \
             i.priority, i.module, i.owner, par.key AS parent_key, i.labels, i.effort, \
             i.estimate_hours, i.story_points, i.complexity, i.blocker_reason, i.branch, \
             i.time_spent_minutes, i.archived, i.version, i.created_at, i.updated_at, \
             i.started_at, i.completed_at, '{}' AS specification, '{}' AS planning, \
             '{}' AS implementation, ",
            $communication,
            ", '{}' AS analytics \
             FROM issues i JOIN projects p ON p.id = i.project_id \
             LEFT JOIN issues par ON par.id = i.parent_id"
        )
    };
}
pub(crate) use issue_select_without_content;

/// The same columns with the rich content left out (as empty documents), for
/// list pages whose rows show no content field.
macro_rules! issue_select_lean {
    () => {
        $crate::rows::issue_select_without_content!("'{}' AS communication")
    };
}
pub(crate) use issue_select_lean;

/// Like `issue_select_lean!` but with the status history (`communication`),
/// for computations that need an issue's pauses.
macro_rules! issue_select_with_history {
    () => {
        $crate::rows::issue_select_without_content!("i.communication")
    };
}
pub(crate) use issue_select_with_history;

fn json<T: serde::de::DeserializeOwned>(row: &SqliteRow, col: &str) -> Result<T> {
    let text: String = row.try_get(col)?;
    Ok(serde_json::from_str(&text)?)
}

pub(crate) fn issue(row: &SqliteRow) -> Result<Issue> {
    let complexity: Option<String> = row.try_get("complexity")?;
    Ok(Issue {
        id: row.try_get("id")?,
        project_id: row.try_get("project_id")?,
        key: row.try_get("key")?,
        project: row.try_get("project_key")?,
        title: row.try_get("title")?,
        issue_type: parse_enum(&row.try_get::<String, _>("type")?)?,
        status: parse_enum(&row.try_get::<String, _>("status")?)?,
        priority: parse_enum(&row.try_get::<String, _>("priority")?)?,
        module: row.try_get("module")?,
        owner: row.try_get("owner")?,
        parent: row.try_get("parent_key")?,
        labels: json(row, "labels")?,
        estimate: lazypm_domain::Estimate {
            effort: row.try_get("effort")?,
            hours: row.try_get("estimate_hours")?,
            story_points: row.try_get("story_points")?,
            complexity: complexity.as_deref().map(parse_enum).transpose()?,
        },
        blocker_reason: row.try_get("blocker_reason")?,
        branch: row.try_get("branch")?,
        time_spent_minutes: row.try_get("time_spent_minutes")?,
        archived: row.try_get("archived")?,
        version: row.try_get("version")?,
        created_at: parse_ts(&row.try_get::<String, _>("created_at")?)?,
        updated_at: parse_ts(&row.try_get::<String, _>("updated_at")?)?,
        started_at: parse_opt_ts(row.try_get("started_at")?)?,
        completed_at: parse_opt_ts(row.try_get("completed_at")?)?,
        specification: json(row, "specification")?,
        planning: json(row, "planning")?,
        implementation: json(row, "implementation")?,
        communication: json(row, "communication")?,
        analytics: json(row, "analytics")?,
    })
}
