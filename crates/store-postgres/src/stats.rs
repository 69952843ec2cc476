//! Aggregates over a project's issues: counts by dimension, completions and
//! creations since a time, and the keys closest to one that was not found.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lazypm_domain::{Issue, Status};
use sqlx::{Postgres, QueryBuilder, Row};

use super::issues::{OPEN_SQL, push_in};
use super::rows::{self, issue_select_lean, issue_select_with_history};
use super::{PgTx, parse_enum};
use lazypm_store::{CompletionBucket, Counts, IssueStats, OwnerLoad, Result};

#[async_trait]
impl IssueStats for PgTx {
    async fn board_counts(
        &mut self,
        project_id: i64,
        owner: Option<&str>,
    ) -> Result<(BTreeMap<String, i64>, BTreeMap<Option<String>, i64>)> {
        let rows = sqlx::query(
            "SELECT 'status' AS dim, status AS value, count(*) AS n FROM issues \
               WHERE project_id = $1 AND NOT archived AND ($2::text IS NULL OR owner = $2) \
               GROUP BY status \
             UNION ALL SELECT 'wip', owner, count(*) FROM issues \
               WHERE project_id = $1 AND NOT archived AND status = $3 \
               AND ($2::text IS NULL OR owner = $2) GROUP BY owner",
        )
        .bind(project_id)
        .bind(owner)
        .bind(Status::InProgress.as_str())
        .fetch_all(self.conn()?)
        .await?;
        let mut by_status = BTreeMap::new();
        let mut wip = BTreeMap::new();
        for r in &rows {
            let dim: String = r.try_get("dim")?;
            let value: Option<String> = r.try_get("value")?;
            let n: i64 = r.try_get("n")?;
            if dim == "status" {
                by_status.insert(value.unwrap_or_default(), n);
            } else {
                wip.insert(value, n);
            }
        }
        Ok((by_status, wip))
    }

    async fn counts(&mut self, project_id: i64) -> Result<Counts> {
        // The counts table the triggers of migration 0001 keep, summed here.
        let rows = sqlx::query(
            "SELECT archived, status, priority, type, \
             CASE module WHEN '' THEN '(none)' ELSE module END AS module, n \
             FROM issue_counts WHERE project_id = $1 AND n > 0",
        )
        .bind(project_id)
        .fetch_all(self.conn()?)
        .await?;
        let mut c = Counts::default();
        for r in &rows {
            let n: i64 = r.try_get("n")?;
            if r.try_get::<bool, _>("archived")? {
                c.archived += n;
                continue;
            }
            c.total += n;
            for (map, column) in [
                (&mut c.by_status, "status"),
                (&mut c.by_priority, "priority"),
                (&mut c.by_type, "type"),
                (&mut c.by_module, "module"),
            ] {
                *map.entry(r.try_get::<String, _>(column)?).or_insert(0) += n;
            }
        }
        c.waiting_on_dependencies = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(DISTINCT d.to_id) FROM dependencies d \
             JOIN issues o ON o.id = d.from_id JOIN issues i ON i.id = d.to_id \
             WHERE d.kind = 'blocks' AND o.status IN {OPEN_SQL} AND i.project_id = $1 \
             AND NOT i.archived AND i.status IN {OPEN_SQL}"
        )))
        .bind(project_id)
        .fetch_one(self.conn()?)
        .await?;
        Ok(c)
    }

    async fn completed_since(
        &mut self,
        project_id: i64,
        since: DateTime<Utc>,
    ) -> Result<Vec<Issue>> {
        let rows = sqlx::query(concat!(
            issue_select_lean!(),
            " WHERE i.project_id = $1 AND i.completed_at >= $2 AND i.status = $3 \
             ORDER BY i.completed_at, i.id"
        ))
        .bind(project_id)
        .bind(since)
        .bind(Status::Done.as_str())
        .fetch_all(self.conn()?)
        .await?;
        rows.iter().map(rows::issue).collect()
    }

    async fn completions_by_bucket(
        &mut self,
        project_id: i64,
        starts: &[DateTime<Utc>],
    ) -> Result<Vec<CompletionBucket>> {
        let Some(first) = starts.first() else {
            return Ok(Vec::new());
        };
        // The bucket is how many later starts a completion has passed.
        let mut b = QueryBuilder::<Postgres>::new("SELECT (0");
        for start in &starts[1..] {
            b.push(" + (completed_at >= ")
                .push_bind(*start)
                .push(")::int");
        }
        b.push(
            ")::bigint AS bucket, count(*) AS n, count(cycle_seconds) AS with_cycle, \
             coalesce(sum(cycle_seconds), 0)::bigint AS cycle_seconds \
             FROM issues WHERE status = ",
        )
        .push_bind(Status::Done.as_str())
        .push(" AND project_id = ")
        .push_bind(project_id)
        .push(" AND completed_at >= ")
        .push_bind(*first)
        .push(" GROUP BY 1 ORDER BY 1");
        let rows = b.build().fetch_all(self.conn()?).await?;
        rows.iter()
            .map(|r| {
                Ok(CompletionBucket {
                    bucket: r.try_get("bucket")?,
                    completed: r.try_get("n")?,
                    with_cycle: r.try_get("with_cycle")?,
                    cycle_seconds: r.try_get("cycle_seconds")?,
                })
            })
            .collect()
    }

    async fn completed_without_cycle(
        &mut self,
        project_id: i64,
        since: DateTime<Utc>,
    ) -> Result<Vec<Issue>> {
        let rows = sqlx::query(concat!(
            issue_select_with_history!(),
            " WHERE i.project_id = $1 AND i.status = $2 AND i.completed_at >= $3 \
             AND i.cycle_seconds IS NULL AND i.started_at IS NOT NULL \
             ORDER BY i.completed_at, i.id"
        ))
        .bind(project_id)
        .bind(Status::Done.as_str())
        .bind(since)
        .fetch_all(self.conn()?)
        .await?;
        rows.iter().map(rows::issue).collect()
    }

    async fn latest_completed(
        &mut self,
        project_id: i64,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Issue>> {
        let rows = sqlx::query(concat!(
            issue_select_lean!(),
            " WHERE i.project_id = $1 AND i.status = $2 AND i.completed_at >= $3 \
             ORDER BY i.completed_at DESC, i.id DESC LIMIT $4"
        ))
        .bind(project_id)
        .bind(Status::Done.as_str())
        .bind(since)
        .bind(limit)
        .fetch_all(self.conn()?)
        .await?;
        rows.iter().map(rows::issue).collect()
    }

    async fn owner_workload(
        &mut self,
        project_id: i64,
        statuses: &[Status],
    ) -> Result<Vec<OwnerLoad>> {
        let mut b = QueryBuilder::<Postgres>::new(
            "SELECT owner, status, count(*) AS n, max(updated_at) AS last FROM issues \
             WHERE NOT archived AND project_id = ",
        );
        b.push_bind(project_id);
        push_in(&mut b, "status", statuses.iter().map(|s| s.as_str()));
        b.push(
            " GROUP BY owner, status \
             ORDER BY owner COLLATE \"C\" NULLS FIRST, status COLLATE \"C\"",
        );
        let rows = b.build().fetch_all(self.conn()?).await?;
        rows.iter()
            .map(|r| {
                Ok(OwnerLoad {
                    owner: r.try_get("owner")?,
                    status: parse_enum(&r.try_get::<String, _>("status")?)?,
                    count: r.try_get("n")?,
                    last_update: r.try_get("last")?,
                })
            })
            .collect()
    }

    async fn owner_latest(
        &mut self,
        project_id: i64,
        statuses: &[Status],
        owner: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Issue>> {
        let mut b = QueryBuilder::<Postgres>::new(concat!(
            issue_select_lean!(),
            " WHERE NOT i.archived AND i.project_id = "
        ));
        b.push_bind(project_id);
        push_in(&mut b, "i.status", statuses.iter().map(|s| s.as_str()));
        match owner {
            Some(o) => b.push(" AND i.owner = ").push_bind(o.to_string()),
            None => b.push(" AND i.owner IS NULL"),
        };
        b.push(" ORDER BY i.updated_at DESC, i.id DESC LIMIT ")
            .push_bind(limit);
        let rows = b.build().fetch_all(self.conn()?).await?;
        rows.iter().map(rows::issue).collect()
    }

    async fn minutes_logged_since(&mut self, project_id: i64, since: DateTime<Utc>) -> Result<i64> {
        let n: Option<i64> = sqlx::query_scalar(
            "SELECT sum(minutes)::bigint FROM work_logs WHERE project_id = $1 AND logged_at >= $2",
        )
        .bind(project_id)
        .bind(since)
        .fetch_one(self.conn()?)
        .await?;
        Ok(n.unwrap_or(0))
    }

    async fn created_since(&mut self, project_id: i64, since: DateTime<Utc>) -> Result<i64> {
        let n = sqlx::query_scalar(
            "SELECT count(*) FROM issues WHERE project_id = $1 AND created_at >= $2",
        )
        .bind(project_id)
        .bind(since)
        .fetch_one(self.conn()?)
        .await?;
        Ok(n)
    }

    async fn closest_issue_keys(
        &mut self,
        project_key: &str,
        number: i64,
        limit: i64,
    ) -> Result<Vec<String>> {
        // Keys are `KEY-N`: the number is the text after the project key and its dash.
        let keys = sqlx::query_scalar(
            "WITH numbered AS ( \
               SELECT i.key, substr(i.key, length(p.key) + 2) AS digits \
               FROM issues i JOIN projects p ON p.id = i.project_id \
               WHERE p.key = $1 AND substr(i.key, length(p.key) + 2) ~ '^[0-9]{1,18}$'), \
             n AS (SELECT key, digits::bigint AS n FROM numbered) \
             SELECT key FROM n ORDER BY abs(n - $2), n LIMIT $3",
        )
        .bind(project_key)
        .bind(number)
        .bind(limit)
        .fetch_all(self.conn()?)
        .await?;
        Ok(keys)
    }
}
