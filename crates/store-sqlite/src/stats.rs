//! Aggregates over a project's issues: counts by dimension, completions and
//! creations since a time, and the keys closest to one that was not found.

use std::collections::BTreeMap;

use crate::db::QueryBuilder;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lazypm_domain::{Issue, Status};

use super::issues::{OPEN_SQL, push_in};
use super::rows::{self, issue_select_lean, issue_select_with_history};
use super::{SqliteTx, parse_enum, parse_ts, ts};
use lazypm_store::{CompletionBucket, Counts, IssueStats, OwnerLoad, Result};

#[async_trait]
impl IssueStats for SqliteTx {
    async fn board_counts(
        &mut self,
        project_id: i64,
        owner: Option<&str>,
    ) -> Result<(BTreeMap<String, i64>, BTreeMap<Option<String>, i64>)> {
        let rows = crate::db::query(
            "SELECT 'status' AS dim, status AS value, count(*) AS n FROM issues \
               WHERE project_id = ?1 AND archived = 0 AND (?2 IS NULL OR owner = ?2) GROUP BY status \
             UNION ALL SELECT 'wip', owner, count(*) FROM issues \
               WHERE project_id = ?1 AND archived = 0 AND status = ?3 \
               AND (?2 IS NULL OR owner = ?2) GROUP BY owner",
        )
        .bind(project_id)
        .bind(owner)
        .bind(Status::InProgress.as_str())
        .fetch_all(self.conn())
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
        // The counts table the triggers of migration 0005 keep, summed here.
        let rows = crate::db::query(
            "SELECT archived, status, priority, type, \
             CASE module WHEN '' THEN '(none)' ELSE module END AS module, n \
             FROM issue_counts WHERE project_id = ? AND n > 0",
        )
        .bind(project_id)
        .fetch_all(self.conn())
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
        // From the (few) blocks links rather than from every open issue, with
        // both ends looked up in the small index issues_by_id (migration 0005).
        c.waiting_on_dependencies = crate::db::query_scalar(format!(
            "SELECT count(DISTINCT d.to_id) FROM dependencies d \
             CROSS JOIN issues o INDEXED BY issues_by_id \
             CROSS JOIN issues i INDEXED BY issues_by_id \
             WHERE o.id = d.from_id AND i.id = d.to_id AND d.kind = 'blocks' \
             AND o.status IN {OPEN_SQL} AND i.project_id = ? \
             AND i.archived = 0 AND i.status IN {OPEN_SQL}"
        ))
        .bind(project_id)
        .fetch_one(self.conn())
        .await?;
        Ok(c)
    }

    async fn completed_since(
        &mut self,
        project_id: i64,
        since: DateTime<Utc>,
    ) -> Result<Vec<Issue>> {
        // Served by the index issues_completed (project_id, completed_at).
        let rows = crate::db::query(concat!(
            issue_select_lean!(),
            " WHERE i.project_id = ? AND i.completed_at >= ? AND i.status = ? \
             ORDER BY i.completed_at, i.id"
        ))
        .bind(project_id)
        .bind(ts(since))
        .bind(Status::Done.as_str())
        .fetch_all(self.conn())
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
        // Served by the covering index issues_completions; the bucket is how
        // many later starts a completion has passed (text comparisons of
        // stored timestamps, no date parsing).
        let mut b = QueryBuilder::new("SELECT 0");
        for start in &starts[1..] {
            b.push(" + (completed_at >= ")
                .push_bind(ts(*start))
                .push(")");
        }
        b.push(
            " AS bucket, count(*) AS n, count(cycle_seconds) AS with_cycle, \
             coalesce(sum(cycle_seconds), 0) AS cycle_seconds \
             FROM issues WHERE status = ",
        )
        .push_bind(Status::Done.as_str())
        .push(" AND project_id = ")
        .push_bind(project_id)
        .push(" AND completed_at >= ")
        .push_bind(ts(*first))
        .push(" GROUP BY bucket ORDER BY bucket");
        let rows = b.build().fetch_all(self.conn()).await?;
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
        // The ids from the index issues_completions, which holds
        // cycle_seconds, so issues that have one are passed over unread.
        let rows = crate::db::query(concat!(
            issue_select_with_history!(),
            " WHERE i.id IN (SELECT id FROM issues INDEXED BY issues_completions \
             WHERE project_id = ? AND status = ? AND completed_at >= ? \
             AND cycle_seconds IS NULL) \
             AND i.started_at IS NOT NULL ORDER BY i.completed_at, i.id"
        ))
        .bind(project_id)
        .bind(Status::Done.as_str())
        .bind(ts(since))
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(rows::issue).collect()
    }

    async fn latest_completed(
        &mut self,
        project_id: i64,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Issue>> {
        let rows = crate::db::query(concat!(
            issue_select_lean!(),
            " WHERE i.project_id = ? AND i.status = ? AND i.completed_at >= ? \
             ORDER BY i.completed_at DESC, i.id DESC LIMIT ?"
        ))
        .bind(project_id)
        .bind(Status::Done.as_str())
        .bind(ts(since))
        .bind(limit)
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(rows::issue).collect()
    }

    async fn owner_workload(
        &mut self,
        project_id: i64,
        statuses: &[Status],
    ) -> Result<Vec<OwnerLoad>> {
        let mut b = QueryBuilder::new(
            "SELECT owner, status, count(*) AS n, max(updated_at) AS last FROM issues \
             WHERE archived = 0 AND project_id = ",
        );
        b.push_bind(project_id);
        push_in(&mut b, "status", statuses.iter().map(|s| s.as_str()));
        b.push(" GROUP BY owner, status ORDER BY owner, status");
        let rows = b.build().fetch_all(self.conn()).await?;
        rows.iter()
            .map(|r| {
                let last: String = r.try_get("last")?;
                Ok(OwnerLoad {
                    owner: r.try_get("owner")?,
                    status: parse_enum(&r.try_get::<String, _>("status")?)?,
                    count: r.try_get("n")?,
                    last_update: parse_ts(&last)?,
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
        // Walks the index issues_updated newest first until `limit` match.
        let mut b = QueryBuilder::new(concat!(
            issue_select_lean!(),
            " WHERE i.archived = 0 AND i.project_id = "
        ));
        b.push_bind(project_id);
        push_in(&mut b, "i.status", statuses.iter().map(|s| s.as_str()));
        b.push(" AND i.owner IS ")
            .push_bind(owner.map(str::to_string))
            .push(" ORDER BY i.updated_at DESC, i.id DESC LIMIT ")
            .push_bind(limit);
        let rows = b.build().fetch_all(self.conn()).await?;
        rows.iter().map(rows::issue).collect()
    }

    async fn minutes_logged_since(&mut self, project_id: i64, since: DateTime<Utc>) -> Result<i64> {
        let n: Option<i64> = crate::db::query_scalar(
            // A range of the covering index work_logs_project_time.
            "SELECT sum(minutes) FROM work_logs WHERE project_id = ? AND logged_at >= ?",
        )
        .bind(project_id)
        .bind(ts(since))
        .fetch_one(self.conn())
        .await?;
        Ok(n.unwrap_or(0))
    }

    async fn created_since(&mut self, project_id: i64, since: DateTime<Utc>) -> Result<i64> {
        // `archived IN (0, 1)` lets the index issues_created (project_id,
        // archived, created_at, id) serve both halves as ranges.
        let n = crate::db::query_scalar(
            "SELECT count(*) FROM issues WHERE project_id = ? AND archived IN (0, 1) \
             AND created_at >= ?",
        )
        .bind(project_id)
        .bind(ts(since))
        .fetch_one(self.conn())
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
        let keys = crate::db::query_scalar(
            "WITH numbered AS ( \
               SELECT i.key, CAST(substr(i.key, length(p.key) + 2) AS INTEGER) AS n \
               FROM issues i JOIN projects p ON p.id = i.project_id \
               WHERE p.key = ?1 AND substr(i.key, length(p.key) + 2) NOT GLOB '*[^0-9]*') \
             SELECT key FROM numbered ORDER BY abs(n - ?2), n LIMIT ?3",
        )
        .bind(project_key)
        .bind(number)
        .bind(limit)
        .fetch_all(self.conn())
        .await?;
        Ok(keys)
    }
}
