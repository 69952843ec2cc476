//! The narrow rows the analytics compute from: one query each, no issue
//! decoded in full.

use lazypm_domain::Status;
use lazypm_store::vocab::{BLOCKED, IN_PROGRESS};
use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lazypm_domain::analytics::workflow::HistoryFacts;
use lazypm_domain::analytics::{CompletedFacts, OpenFacts};

use super::issues::OPEN_SQL;
use super::{SqliteTx, parse_enum, parse_opt_ts, parse_ts, ts};
use lazypm_store::{AnalyticsFacts, Result};

#[async_trait]
impl AnalyticsFacts for SqliteTx {
    async fn open_facts(&mut self, project_id: i64) -> Result<Vec<OpenFacts>> {
        open_rows(self, project_id, "", None).await
    }

    async fn owned_open_facts(&mut self, project_id: i64) -> Result<Vec<OpenFacts>> {
        open_rows(self, project_id, "AND owner IS NOT NULL", None).await
    }

    async fn unowned_open_work(&mut self, project_id: i64) -> Result<(usize, f64)> {
        let row = crate::db::query(format!(
            "SELECT count(*) AS n, coalesce(sum(CASE WHEN estimate_hours IS NOT NULL THEN \
             max(estimate_hours - time_spent_minutes / 60.0, 0) END), 0.0) AS hours \
             FROM issues WHERE project_id = ? AND archived = 0 AND status IN {OPEN_SQL} \
             AND owner IS NULL"
        ))
        .bind(project_id)
        .fetch_one(self.conn())
        .await?;
        Ok((
            row.try_get::<i64, _>("n")? as usize,
            row.try_get::<f64, _>("hours")?,
        ))
    }

    async fn risk_facts(
        &mut self,
        project_id: i64,
        stale_before: DateTime<Utc>,
        unowned_before: DateTime<Utc>,
        over_estimate: f64,
        over_shown: usize,
    ) -> Result<(Vec<OpenFacts>, usize)> {
        // The over-estimate rule can hit most of a project (when time is
        // logged before estimating): only its worst rows are read, the rest
        // counted. The project id is an integer from the store.
        let over = format!(
            "project_id = {project_id} AND archived = 0 AND status IN {OPEN_SQL} \
             AND estimate_hours > 0 AND time_spent_minutes > estimate_hours * 60.0 * {over_estimate}"
        );
        let total: i64 =
            crate::db::query_scalar(format!("SELECT count(*) FROM issues WHERE {over}"))
                .fetch_one(self.conn())
                .await?;
        // A stored timestamp (fixed format, no quotes), inlined.
        let unowned_before = ts(unowned_before);
        let rows = open_rows(
            self,
            project_id,
            &format!(
                "AND (status = {BLOCKED} OR (status = {IN_PROGRESS} AND updated_at < ?) \
                 OR (complexity IN ('high', 'very_high') AND \
                   (coalesce(json_array_length(specification, '$.acceptance_criteria'), 0) = 0 \
                    OR coalesce(trim(json_extract(specification, '$.technical_approach')), '') = '')) \
                 OR (priority = 'P1' AND owner IS NULL AND created_at < '{unowned_before}') \
                 OR id IN (SELECT id FROM issues WHERE {over} \
                   ORDER BY time_spent_minutes / estimate_hours DESC, key LIMIT {over_shown}))"
            ),
            Some(ts(stale_before)),
        )
        .await?;
        Ok((rows, total.max(0) as usize))
    }

    async fn completed_facts(
        &mut self,
        project_id: i64,
        since: DateTime<Utc>,
    ) -> Result<Vec<CompletedFacts>> {
        let rows = crate::db::query(
            "SELECT key, title, type, priority, complexity, owner, estimate_hours, \
             coalesce(json_extract(analytics, '$.actual_minutes'), time_spent_minutes) AS actual, \
             cycle_seconds, completed_at, \
             coalesce(json_extract(analytics, '$.lessons_learned'), '[]') AS lessons \
             FROM issues WHERE project_id = ? AND status = ? AND completed_at >= ? \
             ORDER BY completed_at, id",
        )
        .bind(project_id)
        .bind(Status::Done.as_str())
        .bind(ts(since))
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|r| {
                let lessons: String = r.try_get("lessons")?;
                Ok(CompletedFacts {
                    key: r.try_get("key")?,
                    title: r.try_get("title")?,
                    issue_type: parse_enum(&r.try_get::<String, _>("type")?)?,
                    priority: parse_enum(&r.try_get::<String, _>("priority")?)?,
                    complexity: r
                        .try_get::<Option<String>, _>("complexity")?
                        .as_deref()
                        .map(parse_enum)
                        .transpose()?,
                    owner: r.try_get("owner")?,
                    estimate_hours: r.try_get("estimate_hours")?,
                    actual_minutes: r.try_get("actual")?,
                    cycle_seconds: r.try_get("cycle_seconds")?,
                    completed_at: parse_ts(&r.try_get::<String, _>("completed_at")?)?,
                    lessons: serde_json::from_str(&lessons)?,
                })
            })
            .collect()
    }

    async fn minutes_logged_by_author(
        &mut self,
        project_id: i64,
        since: DateTime<Utc>,
    ) -> Result<BTreeMap<String, i64>> {
        let rows = crate::db::query(
            // Each author once (jumping through the index
            // work_logs_project_author), then a range sum per author: cheaper
            // than grouping every log of the window.
            "WITH RECURSIVE a(author) AS ( \
               SELECT min(author) FROM work_logs WHERE project_id = ?1 \
               UNION ALL SELECT (SELECT min(author) FROM work_logs \
                 WHERE project_id = ?1 AND author > a.author) FROM a WHERE a.author IS NOT NULL) \
             SELECT author, (SELECT sum(minutes) FROM work_logs w WHERE w.project_id = ?1 \
               AND w.author = a.author AND w.logged_at >= ?2) AS minutes \
             FROM a WHERE author IS NOT NULL",
        )
        .bind(project_id)
        .bind(ts(since))
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .filter_map(|r| match r.try_get::<Option<i64>, _>("minutes") {
                Ok(Some(m)) => Some(r.try_get("author").map(|a| (a, m))),
                Ok(None) => None,
                Err(e) => Some(Err(e)),
            })
            .collect()
    }

    async fn histories_since(
        &mut self,
        project_id: i64,
        since: DateTime<Utc>,
    ) -> Result<Vec<HistoryFacts>> {
        let rows = crate::db::query(
            "SELECT key, owner, status, started_at, completed_at, cycle_seconds, \
             coalesce(json_extract(communication, '$.updates'), '[]') AS updates \
             FROM issues WHERE project_id = ? AND archived IN (0, 1) AND updated_at >= ? \
             AND started_at IS NOT NULL ORDER BY id",
        )
        .bind(project_id)
        .bind(ts(since))
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|r| {
                let updates: String = r.try_get("updates")?;
                Ok(HistoryFacts {
                    key: r.try_get("key")?,
                    owner: r.try_get("owner")?,
                    status: parse_enum(&r.try_get::<String, _>("status")?)?,
                    started_at: parse_opt_ts(r.try_get("started_at")?)?,
                    completed_at: parse_opt_ts(r.try_get("completed_at")?)?,
                    cycle_seconds: r.try_get("cycle_seconds")?,
                    updates: serde_json::from_str(&updates)?,
                })
            })
            .collect()
    }

    async fn open_blocks_edges(&mut self, project_id: i64) -> Result<Vec<(String, String)>> {
        let rows = crate::db::query(format!(
            "SELECT o.key AS blocker, i.key AS blocked FROM dependencies d \
             JOIN issues o ON o.id = d.from_id JOIN issues i ON i.id = d.to_id \
             WHERE d.kind = 'blocks' AND i.project_id = ? AND i.archived = 0 \
             AND o.archived = 0 AND o.status IN {OPEN_SQL} AND i.status IN {OPEN_SQL} \
             ORDER BY o.id, i.id"
        ))
        .bind(project_id)
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("blocker")?, r.try_get("blocked")?)))
            .collect()
    }
}

/// Open live issues of a project as analytics facts, narrowed by `and`
/// (an SQL condition on `issues`, its one `?` bound to `stale_before` when
/// given).
async fn open_rows(
    tx: &mut SqliteTx,
    project_id: i64,
    and: &str,
    stale_before: Option<String>,
) -> Result<Vec<OpenFacts>> {
    // The specification is read only for complex issues (SQLite evaluates
    // the CASE per row), so the wide rich-content column stays unread
    // for the rest.
    let query = crate::db::query(format!(
        "SELECT key, title, status, priority, type, owner, complexity, estimate_hours, \
         time_spent_minutes, created_at, updated_at, blocker_reason, \
         CASE WHEN complexity IN ('high', 'very_high') THEN \
           coalesce(json_array_length(specification, '$.acceptance_criteria'), 0) > 0 END \
           AS has_criteria, \
         CASE WHEN complexity IN ('high', 'very_high') THEN \
           coalesce(trim(json_extract(specification, '$.technical_approach')), '') <> '' END \
           AS has_approach \
         FROM issues WHERE project_id = ? AND archived = 0 AND status IN {OPEN_SQL} {and} \
         ORDER BY id"
    ))
    .bind(project_id);
    let query = match stale_before {
        Some(stale) => query.bind(stale),
        None => query,
    };
    let rows = query.fetch_all(tx.conn()).await?;
    rows.iter()
        .map(|r| {
            Ok(OpenFacts {
                key: r.try_get("key")?,
                title: r.try_get("title")?,
                status: parse_enum(&r.try_get::<String, _>("status")?)?,
                priority: parse_enum(&r.try_get::<String, _>("priority")?)?,
                issue_type: parse_enum(&r.try_get::<String, _>("type")?)?,
                owner: r.try_get("owner")?,
                complexity: r
                    .try_get::<Option<String>, _>("complexity")?
                    .as_deref()
                    .map(parse_enum)
                    .transpose()?,
                estimate_hours: r.try_get("estimate_hours")?,
                time_spent_minutes: r.try_get("time_spent_minutes")?,
                created_at: parse_ts(&r.try_get::<String, _>("created_at")?)?,
                updated_at: parse_ts(&r.try_get::<String, _>("updated_at")?)?,
                blocker_reason: r.try_get("blocker_reason")?,
                has_criteria: r.try_get("has_criteria")?,
                has_approach: r.try_get("has_approach")?,
            })
        })
        .collect()
}
