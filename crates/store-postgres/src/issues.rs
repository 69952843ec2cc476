//! Issues: reads, writes, list pages with keyset pagination, ranking inputs.

use std::borrow::Cow;

use async_trait::async_trait;
use lazypm_domain::{Issue, LinkDirection, LinkedIssue, SortField, SortOrder};
use lazypm_store::vocab;
use sqlx::types::Json;
use sqlx::{Postgres, QueryBuilder, Row};

use super::detail::json_col;
use super::rows::{self, issue_select, issue_select_lean};
use super::{PgTx, parse_enum};
use lazypm_store::detail::DetailParts;
use lazypm_store::{
    Candidate, CandidateQuery, Cursor, CursorValue, IssueDetail, IssueQuery, Issues, Result,
    SearchHit, SearchQuery, StoreError,
};

/// Statuses that still hold up the issues they block.
pub(super) use lazypm_store::vocab::OPEN as OPEN_SQL;

/// A done issue's active seconds from start to completion (see migration
/// 0004): derived from its status history, stored so aggregates need not
/// decode that history.
fn cycle_seconds(i: &Issue) -> Option<i64> {
    match (i.status, i.started_at, i.completed_at) {
        (lazypm_domain::Status::Done, Some(start), Some(done)) => Some(
            lazypm_domain::flow::cycle_time(&i.communication.updates, start, done).num_seconds(),
        ),
        _ => None,
    }
}

#[async_trait]
impl Issues for PgTx {
    async fn insert_issue(&mut self, i: &Issue) -> Result<i64> {
        let id = sqlx::query_scalar(
            "INSERT INTO issues (project_id, key, title, type, status, priority, module, owner, \
             parent_id, labels, effort, estimate_hours, story_points, complexity, blocker_reason, \
             branch, time_spent_minutes, archived, version, created_at, updated_at, started_at, \
             completed_at, specification, planning, implementation, communication, analytics, \
             cycle_seconds) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, (SELECT id FROM issues WHERE key = $9), $10, \
             $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, \
             $28, $29) RETURNING id",
        )
        .bind(i.project_id)
        .bind(&i.key)
        .bind(&i.title)
        .bind(i.issue_type.as_str())
        .bind(i.status.as_str())
        .bind(i.priority.as_str())
        .bind(&i.module)
        .bind(&i.owner)
        .bind(&i.parent)
        .bind(Json(&i.labels))
        .bind(&i.estimate.effort)
        .bind(i.estimate.hours)
        .bind(i.estimate.story_points)
        .bind(i.estimate.complexity.map(|c| c.as_str()))
        .bind(&i.blocker_reason)
        .bind(&i.branch)
        .bind(i.time_spent_minutes)
        .bind(i.archived)
        .bind(i.version)
        .bind(i.created_at)
        .bind(i.updated_at)
        .bind(i.started_at)
        .bind(i.completed_at)
        .bind(Json(&i.specification))
        .bind(Json(&i.planning))
        .bind(Json(&i.implementation))
        .bind(Json(&i.communication))
        .bind(Json(&i.analytics))
        .bind(cycle_seconds(i))
        .fetch_one(self.conn()?)
        .await?;
        Ok(id)
    }

    async fn issue_by_key(&mut self, key: &str) -> Result<Option<Issue>> {
        let row = sqlx::query(concat!(issue_select!(), " WHERE i.key = $1"))
            .bind(key)
            .fetch_optional(self.conn()?)
            .await?;
        row.as_ref().map(rows::issue).transpose()
    }

    async fn issue_by_branch(&mut self, project_id: i64, branch: &str) -> Result<Option<Issue>> {
        let row = sqlx::query(concat!(
            issue_select!(),
            " WHERE i.branch = $1 AND i.project_id = $2 ORDER BY i.updated_at DESC, i.id DESC LIMIT 1"
        ))
        .bind(branch)
        .bind(project_id)
        .fetch_optional(self.conn()?)
        .await?;
        row.as_ref().map(rows::issue).transpose()
    }

    async fn issue_detail(&mut self, key: &str) -> Result<Option<IssueDetail>> {
        let row = sqlx::query(concat!(
            "SELECT d.*, ",
            "(SELECT jsonb_agg(jsonb_build_object('id', t.id, 'number', t.number, 'title', t.title, \
              'status', t.status, 'assignee', t.assignee, 'details', t.details, \
              'checklist', t.checklist, 'notes', t.notes, \
              'estimate_minutes', t.estimate_minutes, 'version', t.version, \
              'created_at', t.created_at, 'updated_at', t.updated_at) ORDER BY t.number) \
              FROM tasks t WHERE t.issue_id = d.id) AS tasks_json, ",
            "(SELECT jsonb_agg(jsonb_build_object('id', w.id, 'task_number', tk.number, \
              'author', w.author, 'activity', w.activity, 'summary', w.summary, 'details', w.details, \
              'artifacts', w.artifacts, 'blockers', w.blockers, \
              'decisions', w.decisions, 'minutes', w.minutes, 'logged_at', w.logged_at) \
              ORDER BY w.logged_at, w.id) \
              FROM work_logs w LEFT JOIN tasks tk ON tk.id = w.task_id WHERE w.issue_id = d.id) AS logs_json, ",
            "(SELECT jsonb_agg(jsonb_build_object('id', c.id, 'author', c.author, 'body', c.body, \
              'created_at', c.created_at) ORDER BY c.created_at, c.id) \
              FROM comments c WHERE c.issue_id = d.id) AS comments_json, ",
            "(SELECT jsonb_agg(jsonb_build_object('key', o.key, 'title', o.title, 'status', o.status, \
              'kind', l.kind, 'direction', l.direction) ORDER BY l.direction DESC, o.id) FROM ( \
                SELECT to_id AS other, kind, 'outgoing' AS direction FROM dependencies WHERE from_id = d.id \
                UNION ALL \
                SELECT from_id AS other, kind, 'incoming' AS direction FROM dependencies WHERE to_id = d.id \
              ) l JOIN issues o ON o.id = l.other) AS links_json, ",
            "(SELECT jsonb_agg(s.name ORDER BY s.start_date) FROM sprint_issues si \
              JOIN sprints s ON s.id = si.sprint_id WHERE si.issue_id = d.id) AS sprints_json ",
            "FROM (", issue_select!(), " WHERE i.key = $1) d"
        ))
        .bind(key)
        .fetch_optional(self.conn()?)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let issue = rows::issue(&row)?;
        let parts = DetailParts {
            tasks: json_col(&row, "tasks_json")?,
            logs: json_col(&row, "logs_json")?,
            comments: json_col(&row, "comments_json")?,
            links: json_col(&row, "links_json")?,
            sprints: json_col(&row, "sprints_json")?,
        };
        Ok(Some(parts.assemble(issue)?))
    }

    async fn update_issue(&mut self, i: &Issue, expected_version: i64) -> Result<()> {
        let done = sqlx::query(
            "UPDATE issues SET title = $1, type = $2, status = $3, priority = $4, module = $5, \
             owner = $6, parent_id = (SELECT id FROM issues WHERE key = $7), labels = $8, \
             effort = $9, estimate_hours = $10, story_points = $11, complexity = $12, \
             blocker_reason = $13, branch = $14, time_spent_minutes = $15, archived = $16, \
             version = $17, updated_at = $18, started_at = $19, completed_at = $20, \
             specification = $21, planning = $22, implementation = $23, communication = $24, \
             analytics = $25, cycle_seconds = $26 WHERE id = $27 AND version = $28",
        )
        .bind(&i.title)
        .bind(i.issue_type.as_str())
        .bind(i.status.as_str())
        .bind(i.priority.as_str())
        .bind(&i.module)
        .bind(&i.owner)
        .bind(&i.parent)
        .bind(Json(&i.labels))
        .bind(&i.estimate.effort)
        .bind(i.estimate.hours)
        .bind(i.estimate.story_points)
        .bind(i.estimate.complexity.map(|c| c.as_str()))
        .bind(&i.blocker_reason)
        .bind(&i.branch)
        .bind(i.time_spent_minutes)
        .bind(i.archived)
        .bind(i.version)
        .bind(i.updated_at)
        .bind(i.started_at)
        .bind(i.completed_at)
        .bind(Json(&i.specification))
        .bind(Json(&i.planning))
        .bind(Json(&i.implementation))
        .bind(Json(&i.communication))
        .bind(Json(&i.analytics))
        .bind(cycle_seconds(i))
        .bind(i.id)
        .bind(expected_version)
        .execute(self.conn()?)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!(
                "{} was changed by someone else since version {expected_version}; read it again and retry",
                i.key
            )));
        }
        Ok(())
    }

    async fn delete_issue(&mut self, id: i64) -> Result<()> {
        sqlx::query("DELETE FROM issues WHERE id = $1")
            .bind(id)
            .execute(self.conn()?)
            .await?;
        Ok(())
    }

    async fn list_issues(&mut self, q: &IssueQuery) -> Result<(Vec<Issue>, Option<Cursor>)> {
        let (expr, default_desc) = sort_expr(q.sort);
        let desc = match q.order {
            SortOrder::Desc => true,
            SortOrder::Asc => false,
        } ^ default_desc;
        let mut b = QueryBuilder::<Postgres>::new(if q.with_content {
            issue_select!()
        } else {
            issue_select_lean!()
        });
        b.push(" WHERE i.project_id = ").push_bind(q.project_id);
        b.push(" AND i.archived = ").push_bind(q.archived);
        push_in(&mut b, "i.status", q.statuses.iter().map(|s| s.as_str()));
        push_in(
            &mut b,
            "i.priority",
            q.priorities.iter().map(|s| s.as_str()),
        );
        push_in(&mut b, "i.type", q.types.iter().map(|s| s.as_str()));
        if let Some(m) = &q.module {
            b.push(" AND i.module = ").push_bind(m.clone());
        }
        if let Some(o) = &q.owner {
            b.push(" AND i.owner = ").push_bind(o.clone());
        }
        if let Some(l) = &q.label {
            b.push(" AND i.id IN (SELECT issue_id FROM issue_labels WHERE label = ")
                .push_bind(l.clone())
                .push(")");
        }
        if let Some(s) = q.sprint_id {
            b.push(" AND i.id IN (SELECT issue_id FROM sprint_issues WHERE sprint_id = ")
                .push_bind(s)
                .push(")");
        }
        if q.blocks_linked {
            b.push(format!(
                " AND (EXISTS (SELECT 1 FROM dependencies d JOIN issues o ON o.id = d.to_id \
                 WHERE d.from_id = i.id AND d.kind = 'blocks' AND NOT o.archived AND o.status IN {OPEN_SQL}) \
                 OR EXISTS (SELECT 1 FROM dependencies d JOIN issues o ON o.id = d.from_id \
                 WHERE d.to_id = i.id AND d.kind = 'blocks' AND NOT o.archived AND o.status IN {OPEN_SQL}))"
            ));
        }
        if let Some(p) = q.parent_id {
            b.push(" AND i.parent_id = ").push_bind(p);
        }
        if let Some(c) = &q.after {
            b.push(format!(
                " AND ({expr}, i.id) {} (",
                if desc { "<" } else { ">" }
            ));
            match &c.value {
                CursorValue::Int(v) => b.push_bind(*v),
                CursorValue::Text(v) => b.push_bind(v.clone()),
                CursorValue::Time(v) => b.push_bind(*v),
            };
            b.push(", ").push_bind(c.id).push(")");
        }
        let dir = if desc { "DESC" } else { "ASC" };
        b.push(format!(" ORDER BY {expr} {dir}, i.id {dir} LIMIT "))
            .push_bind(q.limit + 1);
        let rows = b.build().fetch_all(self.conn()?).await?;
        let mut issues: Vec<Issue> = rows.iter().map(rows::issue).collect::<Result<_>>()?;
        let next = if issues.len() as i64 > q.limit {
            issues.truncate(q.limit.max(0) as usize);
            issues.last().map(|last| Cursor::after(last, q.sort))
        } else {
            None
        };
        Ok((issues, next))
    }

    async fn search_issues(&mut self, q: &SearchQuery) -> Result<Vec<SearchHit>> {
        super::search::search(self.conn()?, q).await
    }

    async fn candidates(&mut self, q: &CandidateQuery) -> Result<Vec<Candidate>> {
        let mut b = QueryBuilder::<Postgres>::new(format!(
            "SELECT c.*, \
             (SELECT count(*) FROM dependencies d JOIN issues o ON o.id = d.to_id \
              WHERE d.from_id = c.id AND d.kind = 'blocks' AND o.status IN {OPEN_SQL}) AS unblocks, \
             (SELECT count(*) FROM dependencies d JOIN issues o ON o.id = d.from_id \
              WHERE d.to_id = c.id AND d.kind = 'blocks' AND o.status IN {OPEN_SQL}) AS open_blockers \
             FROM ({} WHERE NOT i.archived AND i.project_id = ",
            issue_select_lean!()
        ));
        b.push_bind(q.project_id);
        push_in(&mut b, "i.status", q.statuses.iter().map(|s| s.as_str()));
        push_in(&mut b, "i.type", q.types.iter().map(|s| s.as_str()));
        if let Some(m) = &q.module {
            b.push(" AND i.module = ").push_bind(m.clone());
        }
        match (&q.owner, q.unowned_or_owner) {
            (Some(o), true) => {
                b.push(" AND (i.owner IS NULL OR i.owner = ")
                    .push_bind(o.clone())
                    .push(")");
            }
            (None, true) => {
                b.push(" AND i.owner IS NULL");
            }
            (Some(o), false) => {
                b.push(" AND i.owner = ").push_bind(o.clone());
            }
            (None, false) => {}
        }
        if q.ready_only {
            b.push(format!(
                " AND NOT EXISTS (SELECT 1 FROM dependencies d JOIN issues o ON o.id = d.from_id \
                 WHERE d.to_id = i.id AND d.kind = 'blocks' AND o.status IN {OPEN_SQL})"
            ));
        }
        b.push(" ORDER BY i.priority, i.id LIMIT ")
            .push_bind(q.limit)
            .push(") c ORDER BY c.priority, c.id");
        let rows = b.build().fetch_all(self.conn()?).await?;
        rows.iter()
            .map(|r| {
                Ok(Candidate {
                    issue: rows::issue(r)?,
                    unblocks: r.try_get("unblocks")?,
                    open_blockers: r.try_get("open_blockers")?,
                })
            })
            .collect()
    }

    async fn open_blockers(&mut self, issue_id: i64) -> Result<Vec<LinkedIssue>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT o.key, o.title, o.status FROM dependencies d JOIN issues o ON o.id = d.from_id \
             WHERE d.to_id = $1 AND d.kind = 'blocks' AND o.status IN {OPEN_SQL} ORDER BY o.id"
        )))
        .bind(issue_id)
        .fetch_all(self.conn()?)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LinkedIssue {
                    key: r.try_get("key")?,
                    title: r.try_get("title")?,
                    status: parse_enum(&r.try_get::<String, _>("status")?)?,
                    kind: lazypm_domain::DependencyKind::Blocks,
                    direction: LinkDirection::Incoming,
                })
            })
            .collect()
    }
}

/// The SQL sort expression of a sort field, and whether its natural order is descending.
fn sort_expr(field: SortField) -> (Cow<'static, str>, bool) {
    match field {
        SortField::Priority => ("i.priority".into(), false),
        SortField::Updated => ("i.updated_at".into(), true),
        SortField::Created => ("i.created_at".into(), true),
        SortField::Key => ("i.id".into(), false),
        SortField::Title => ("(i.title COLLATE \"C\")".into(), false),
        SortField::Status => (vocab::status_rank("i.status").into(), false),
    }
}

pub(super) fn push_in<'a>(
    b: &mut QueryBuilder<Postgres>,
    col: &str,
    values: impl Iterator<Item = &'a str>,
) {
    let values: Vec<&str> = values.collect();
    if values.is_empty() {
        return;
    }
    b.push(format!(" AND {col} IN ("));
    let mut sep = b.separated(", ");
    for v in values {
        sep.push_bind(v.to_string());
    }
    b.push(")");
}
