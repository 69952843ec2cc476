//! The narrow rows the analytics compute from: one query each, no issue
//! decoded in full.

use lazypm_domain::Status;
use lazypm_store::vocab::{BLOCKED, IN_PROGRESS};
use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lazypm_domain::analytics::workflow::HistoryFacts;
use lazypm_domain::analytics::{CompletedFacts, OpenFacts};
use sqlx::Row;
use sqlx::postgres::PgRow;

use super::issues::OPEN_SQL;
use super::rows::json;
use super::{PgTx, parse_enum};
use lazypm_store::{AnalyticsFacts, Result};

/// Whether a specification has acceptance criteria, and a technical approach.
const HAS_CRITERIA: &str = "(CASE WHEN jsonb_typeof(specification -> 'acceptance_criteria') = 'array' \
     THEN jsonb_array_length(specification -> 'acceptance_criteria') ELSE 0 END > 0)";
const HAS_APPROACH: &str = "(coalesce(btrim(specification ->> 'technical_approach'), '') <> '')";

/// The minutes actually spent on an issue: the analytics' record, else the
/// time logged.
const ACTUAL: &str = "coalesce(CASE WHEN jsonb_typeof(analytics -> 'actual_minutes') = 'number' \
     THEN (analytics ->> 'actual_minutes')::numeric::bigint END, time_spent_minutes)";

#[async_trait]
impl AnalyticsFacts for PgTx {
    async fn open_facts(&mut self, project_id: i64) -> Result<Vec<OpenFacts>> {
        open_rows(self, project_id, "", None).await
    }

    async fn owned_open_facts(&mut self, project_id: i64) -> Result<Vec<OpenFacts>> {
        open_rows(self, project_id, "AND owner IS NOT NULL", None).await
    }

    async fn unowned_open_work(&mut self, project_id: i64) -> Result<(usize, f64)> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) AS n, coalesce(sum(CASE WHEN estimate_hours IS NOT NULL THEN \
             greatest(estimate_hours - time_spent_minutes / 60.0, 0) END), 0.0)::float8 AS hours \
             FROM issues WHERE project_id = $1 AND NOT archived AND status IN {OPEN_SQL} \
             AND owner IS NULL"
        )))
        .bind(project_id)
        .fetch_one(self.conn()?)
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
        // The over-estimate rule can hit most of a project: only its worst
        // rows are read, the rest counted. The project id is an integer from
        // the store and the factor a float ($1 and $2 are bound below).
        let over = format!(
            "project_id = $1 AND NOT archived AND status IN {OPEN_SQL} \
             AND estimate_hours > 0 AND time_spent_minutes > estimate_hours * 60.0 * $2"
        );
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM issues WHERE {over}"
        )))
        .bind(project_id)
        .bind(over_estimate)
        .fetch_one(self.conn()?)
        .await?;
        let rows = open_rows(
            self,
            project_id,
            &format!(
                "AND (status = {BLOCKED} OR (status = {IN_PROGRESS} AND updated_at < $3) \
                 OR (complexity IN ('high', 'very_high') AND (NOT {HAS_CRITERIA} OR NOT {HAS_APPROACH})) \
                 OR (priority = 'P1' AND owner IS NULL AND created_at < $4) \
                 OR id IN (SELECT id FROM issues WHERE {over} \
                   ORDER BY time_spent_minutes / estimate_hours DESC, key COLLATE \"C\" LIMIT $5))"
            ),
            Some(Risk {
                over_estimate,
                stale_before,
                unowned_before,
                over_shown: over_shown as i64,
            }),
        )
        .await?;
        Ok((rows, total.max(0) as usize))
    }

    async fn completed_facts(
        &mut self,
        project_id: i64,
        since: DateTime<Utc>,
    ) -> Result<Vec<CompletedFacts>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT key, title, type, priority, complexity, owner, estimate_hours, \
             {ACTUAL} AS actual, cycle_seconds, completed_at, \
             coalesce(analytics -> 'lessons_learned', '[]'::jsonb) AS lessons \
             FROM issues WHERE project_id = $1 AND status = $2 AND completed_at >= $3 \
             ORDER BY completed_at, id"
        )))
        .bind(project_id)
        .bind(Status::Done.as_str())
        .bind(since)
        .fetch_all(self.conn()?)
        .await?;
        rows.iter()
            .map(|r| {
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
                    completed_at: r.try_get("completed_at")?,
                    lessons: json(r, "lessons")?,
                })
            })
            .collect()
    }

    async fn minutes_logged_by_author(
        &mut self,
        project_id: i64,
        since: DateTime<Utc>,
    ) -> Result<BTreeMap<String, i64>> {
        let rows = sqlx::query(
            "SELECT author, sum(minutes)::bigint AS minutes FROM work_logs \
             WHERE project_id = $1 AND logged_at >= $2 GROUP BY author",
        )
        .bind(project_id)
        .bind(since)
        .fetch_all(self.conn()?)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("author")?, r.try_get("minutes")?)))
            .collect()
    }

    async fn histories_since(
        &mut self,
        project_id: i64,
        since: DateTime<Utc>,
    ) -> Result<Vec<HistoryFacts>> {
        let rows = sqlx::query(
            "SELECT key, owner, status, started_at, completed_at, cycle_seconds, \
             coalesce(communication -> 'updates', '[]'::jsonb) AS updates \
             FROM issues WHERE project_id = $1 AND updated_at >= $2 \
             AND started_at IS NOT NULL ORDER BY id",
        )
        .bind(project_id)
        .bind(since)
        .fetch_all(self.conn()?)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(HistoryFacts {
                    key: r.try_get("key")?,
                    owner: r.try_get("owner")?,
                    status: parse_enum(&r.try_get::<String, _>("status")?)?,
                    started_at: r.try_get("started_at")?,
                    completed_at: r.try_get("completed_at")?,
                    cycle_seconds: r.try_get("cycle_seconds")?,
                    updates: json(r, "updates")?,
                })
            })
            .collect()
    }

    async fn open_blocks_edges(&mut self, project_id: i64) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT o.key AS blocker, i.key AS blocked FROM dependencies d \
             JOIN issues o ON o.id = d.from_id JOIN issues i ON i.id = d.to_id \
             WHERE d.kind = 'blocks' AND i.project_id = $1 AND NOT i.archived \
             AND NOT o.archived AND o.status IN {OPEN_SQL} AND i.status IN {OPEN_SQL} \
             ORDER BY o.id, i.id"
        )))
        .bind(project_id)
        .fetch_all(self.conn()?)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("blocker")?, r.try_get("blocked")?)))
            .collect()
    }
}

/// The values `risk_facts`' condition binds ($2 to $5).
struct Risk {
    over_estimate: f64,
    stale_before: DateTime<Utc>,
    unowned_before: DateTime<Utc>,
    over_shown: i64,
}

/// Open live issues of a project as analytics facts, narrowed by `and` (an
/// SQL condition on `issues`; with `risk`, its $2 … $5 are bound to it).
async fn open_rows(
    tx: &mut PgTx,
    project_id: i64,
    and: &str,
    risk: Option<Risk>,
) -> Result<Vec<OpenFacts>> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT key, title, status, priority, type, owner, complexity, estimate_hours, \
         time_spent_minutes, created_at, updated_at, blocker_reason, \
         CASE WHEN complexity IN ('high', 'very_high') THEN {HAS_CRITERIA} END AS has_criteria, \
         CASE WHEN complexity IN ('high', 'very_high') THEN {HAS_APPROACH} END AS has_approach \
         FROM issues WHERE project_id = $1 AND NOT archived AND status IN {OPEN_SQL} {and} \
         ORDER BY id"
    )))
    .bind(project_id);
    let query = match risk {
        Some(r) => query
            .bind(r.over_estimate)
            .bind(r.stale_before)
            .bind(r.unowned_before)
            .bind(r.over_shown),
        None => query,
    };
    let rows = query.fetch_all(tx.conn()?).await?;
    rows.iter().map(open_fact).collect()
}

fn open_fact(r: &PgRow) -> Result<OpenFacts> {
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
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        blocker_reason: r.try_get("blocker_reason")?,
        has_criteria: r.try_get("has_criteria")?,
        has_approach: r.try_get("has_approach")?,
    })
}
