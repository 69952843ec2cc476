//! Facts over time: sprint scope with its history, and the daily arrivals
//! and departures the open-work burndown and the forecast read.

use lazypm_domain::Status;
use lazypm_store::vocab::{CANCELED, DONE};
use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use lazypm_domain::analytics::burndown::{Resize, SprintItem, Unit};
use lazypm_domain::intelligence::estimate::Candidate;

use super::issues::OPEN_SQL;
use super::{SqliteTx, parse_date, parse_opt_ts, parse_ts, ts};
use lazypm_store::{CumulativeFlow, DailyFlow, FlowFacts, Result};

/// The estimate changes of one event, from pm_estimate (`from`/`to` are
/// whole estimates) or pm_update_issue (`changes` holds one entry per field).
const RESIZES_SQL: &str = "SELECT si.sprint_id, e.issue_key, e.at, \
     CAST(CASE e.type WHEN 'issue_estimated' THEN json_extract(e.changes, '$.from.story_points') \
       ELSE json_extract(e.changes, '$.changes.\"estimate.story_points\".from') END AS REAL) AS p_from, \
     CAST(CASE e.type WHEN 'issue_estimated' THEN json_extract(e.changes, '$.to.story_points') \
       ELSE json_extract(e.changes, '$.changes.\"estimate.story_points\".to') END AS REAL) AS p_to, \
     CAST(CASE e.type WHEN 'issue_estimated' THEN json_extract(e.changes, '$.from.hours') \
       ELSE json_extract(e.changes, '$.changes.\"estimate.hours\".from') END AS REAL) AS h_from, \
     CAST(CASE e.type WHEN 'issue_estimated' THEN json_extract(e.changes, '$.to.hours') \
       ELSE json_extract(e.changes, '$.changes.\"estimate.hours\".to') END AS REAL) AS h_to \
     FROM sprint_issues si JOIN issues i ON i.id = si.issue_id \
     JOIN events e ON e.issue_key = i.key \
     WHERE si.sprint_id IN (SELECT value FROM json_each(?)) \
     AND e.type IN ('issue_estimated', 'issue_updated') ORDER BY e.seq";

#[async_trait]
impl FlowFacts for SqliteTx {
    async fn sprint_items(&mut self, sprint_ids: &[i64]) -> Result<Vec<(i64, SprintItem)>> {
        let ids = serde_json::to_string(sprint_ids)?;
        let rows = crate::db::query(
            "SELECT si.sprint_id, i.key, i.title, si.added_at, i.story_points, i.estimate_hours, \
             CASE WHEN i.status = ?1 THEN i.completed_at END AS done_at, \
             CASE WHEN i.status = ?2 THEN coalesce((SELECT max(json_extract(u.value, '$.at')) \
               FROM json_each(i.communication, '$.updates') u \
               WHERE json_extract(u.value, '$.to') = ?2), i.updated_at) END AS canceled_at \
             FROM sprint_issues si JOIN issues i ON i.id = si.issue_id \
             WHERE si.sprint_id IN (SELECT value FROM json_each(?3)) ORDER BY si.sprint_id, i.id",
        )
        .bind(Status::Done.as_str())
        .bind(Status::Canceled.as_str())
        .bind(&ids)
        .fetch_all(self.conn())
        .await?;
        let mut items = rows
            .iter()
            .map(|r| {
                Ok((
                    r.try_get::<i64, _>("sprint_id")?,
                    SprintItem {
                        key: r.try_get("key")?,
                        title: r.try_get("title")?,
                        added_at: parse_ts(&r.try_get::<String, _>("added_at")?)?,
                        story_points: r
                            .try_get::<Option<i64>, _>("story_points")?
                            .map(|p| p as f64),
                        estimate_hours: r.try_get("estimate_hours")?,
                        done_at: parse_opt_ts(r.try_get("done_at")?)?,
                        removed_at: parse_opt_ts(r.try_get("canceled_at")?)?,
                        resizes: Vec::new(),
                    },
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        let resizes = crate::db::query(RESIZES_SQL)
            .bind(&ids)
            .fetch_all(self.conn())
            .await?;
        for r in &resizes {
            let sprint: i64 = r.try_get("sprint_id")?;
            let key: Option<String> = r.try_get("issue_key")?;
            let at = parse_ts(&r.try_get::<String, _>("at")?)?;
            let Some((_, item)) = items
                .iter_mut()
                .find(|(s, i)| *s == sprint && Some(&i.key) == key.as_ref())
            else {
                continue;
            };
            let points = (
                r.try_get::<Option<f64>, _>("p_from")?,
                r.try_get::<Option<f64>, _>("p_to")?,
            );
            let hours = (
                r.try_get::<Option<f64>, _>("h_from")?,
                r.try_get::<Option<f64>, _>("h_to")?,
            );
            for (unit, (from, to)) in [(Unit::StoryPoints, points), (Unit::Hours, hours)] {
                if from != to {
                    item.resizes.push(Resize { at, unit, from, to });
                }
            }
        }
        Ok(items)
    }

    async fn daily_flow(
        &mut self,
        project_id: i64,
        since: DateTime<Utc>,
        arrivals: bool,
    ) -> Result<DailyFlow> {
        let since = ts(since);
        let mut flow = DailyFlow::default();
        if arrivals {
            flow.created = per_day(self, "created_at", "", project_id, &since).await?;
            flow.canceled = per_day(
                self,
                "updated_at",
                &format!("AND status = {CANCELED}"),
                project_id,
                &since,
            )
            .await?;
        }
        flow.done = per_day(
            self,
            "completed_at",
            &format!("AND status = {DONE}"),
            project_id,
            &since,
        )
        .await?;
        let open: i64 = crate::db::query_scalar(format!(
            "SELECT count(*) FROM issues WHERE project_id = ? AND archived = 0 AND status IN {OPEN_SQL}"
        ))
        .bind(project_id)
        .fetch_one(self.conn())
        .await?;
        flow.open_now = open as u64;
        let owners: i64 = crate::db::query_scalar(
            "SELECT count(DISTINCT owner) FROM issues WHERE project_id = ? AND status = ? \
             AND completed_at >= ? AND archived = 0",
        )
        .bind(project_id)
        .bind(Status::Done.as_str())
        .bind(&since)
        .fetch_one(self.conn())
        .await?;
        flow.done_owners = owners as u32;
        Ok(flow)
    }

    async fn cumulative_flow(
        &mut self,
        project_id: i64,
        since: DateTime<Utc>,
    ) -> Result<CumulativeFlow> {
        let since = ts(since);
        let mut flow = CumulativeFlow::default();
        for (i, column) in ["created_at", "started_at", "completed_at"]
            .into_iter()
            .enumerate()
        {
            let done_only = if column == "completed_at" {
                format!("AND status = {DONE}")
            } else {
                String::new()
            };
            let before: i64 = crate::db::query_scalar(format!(
                "SELECT count(*) FROM issues WHERE project_id = ? AND archived = 0 \
                 AND status <> {CANCELED} {done_only} AND {column} < ?"
            ))
            .bind(project_id)
            .bind(&since)
            .fetch_one(self.conn())
            .await?;
            flow.before[i] = before as u64;
            let not_canceled = format!("AND status <> {CANCELED} {done_only}");
            for (d, n) in per_day(self, column, &not_canceled, project_id, &since).await? {
                flow.days.entry(d).or_insert([0; 3])[i] = n;
            }
        }
        Ok(flow)
    }

    async fn estimate_candidates(
        &mut self,
        project_id: i64,
        words: &[String],
        limit: i64,
    ) -> Result<Vec<Candidate>> {
        // Any of the words, each quoted (they are letters and digits only).
        let matching: Vec<String> = words
            .iter()
            .map(|w| {
                w.chars()
                    .filter(|c| c.is_alphanumeric())
                    .collect::<String>()
            })
            .filter(|w| !w.is_empty())
            .map(|w| format!("\"{w}\""))
            .collect();
        let fts = if matching.is_empty() {
            ""
        } else {
            "AND id IN (SELECT rowid FROM issue_fts WHERE issue_fts MATCH ?) "
        };
        let query = crate::db::query(format!(
            "SELECT key, title, type, module, estimate_hours, \
             substr(coalesce(json_extract(specification, '$.description'), ''), 1, 2000) AS text, \
             coalesce(json_extract(analytics, '$.actual_minutes'), time_spent_minutes) AS actual \
             FROM issues WHERE project_id = ? AND status = {DONE} AND completed_at IS NOT NULL {fts}\
             AND coalesce(json_extract(analytics, '$.actual_minutes'), time_spent_minutes) > 0 \
             ORDER BY completed_at DESC LIMIT ?"
        ))
        .bind(project_id);
        let query = if matching.is_empty() {
            query
        } else {
            query.bind(matching.join(" OR "))
        };
        let rows = query.bind(limit).fetch_all(self.conn()).await?;
        rows.iter()
            .map(|r| {
                Ok(Candidate {
                    key: r.try_get("key")?,
                    title: r.try_get("title")?,
                    text: r.try_get("text")?,
                    issue_type: r.try_get("type")?,
                    module: r.try_get("module")?,
                    actual_hours: r.try_get::<i64, _>("actual")? as f64 / 60.0,
                    estimate_hours: r.try_get("estimate_hours")?,
                })
            })
            .collect()
    }
}

/// Live issues of a project per UTC day of `column` (a timestamp column)
/// from `since`, narrowed by `and` (an SQL condition); days with none left out.
async fn per_day(
    tx: &mut SqliteTx,
    column: &str,
    and: &str,
    project_id: i64,
    since: &str,
) -> Result<BTreeMap<NaiveDate, u32>> {
    let rows = crate::db::query(format!(
        "SELECT substr({column}, 1, 10) AS d, count(*) AS n FROM issues \
         WHERE project_id = ? AND archived = 0 AND {column} >= ? {and} GROUP BY d"
    ))
    .bind(project_id)
    .bind(since)
    .fetch_all(tx.conn())
    .await?;
    rows.iter()
        .map(|r| {
            let n: i64 = r.try_get("n")?;
            Ok((parse_date(&r.try_get::<String, _>("d")?)?, n as u32))
        })
        .collect()
}
