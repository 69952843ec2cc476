//! pm_identify_blockers: the open issues that hold up the most work, stale
//! and unowned blockers, and how long blocked issues have waited. It reads
//! the graph pm_dependency_graph draws (see `graph.rs`); whatever depends on
//! the time takes `now` as an argument.

use std::cmp::Reverse;
use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use lazypm_domain::analytics::round;
use lazypm_domain::graph_render::hours_text;
use lazypm_domain::{Issue, Status, StatusUpdate};
use lazypm_store::IssueQuery;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::graph::{
    DEFAULT_ROWS, DEFAULT_STALE_DAYS, EVERY_NODE, MAX_ROWS, MAX_STALE_DAYS, own_hours,
};
use crate::ops::in_range;
use crate::ops::views::GraphView;
use crate::{Result, Service};

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentifyBlockersInput {
    pub project_id: Option<String>,
    /// Days without an update that make a blocker stale: 1–365, default 3.
    pub stale_days: Option<u32>,
    /// Rows per list: 1–100, default 10.
    pub limit: Option<u32>,
}

/// An open issue that other open issues wait on.
#[derive(Debug, Serialize, JsonSchema)]
pub struct BlockerRank {
    pub key: String,
    pub title: String,
    pub status: Status,
    pub owner: Option<String>,
    /// Open issues it blocks itself.
    pub directly_blocks: usize,
    /// Distinct open issues waiting on it, directly or through others.
    pub transitively_blocks: usize,
    /// Hours of those issues (estimate, else the default).
    pub blocked_hours: f64,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct StaleBlocker {
    pub key: String,
    pub title: String,
    pub owner: Option<String>,
    /// Whole days since the issue last changed.
    pub days_since_update: i64,
    pub transitively_blocks: usize,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct UnownedBlocker {
    pub key: String,
    pub title: String,
    pub status: Status,
    pub transitively_blocks: usize,
}

/// An issue in status blocked.
#[derive(Debug, Serialize, JsonSchema)]
pub struct BlockedStatusIssue {
    pub key: String,
    pub title: String,
    pub owner: Option<String>,
    pub blocker_reason: Option<String>,
    /// When it last moved to blocked (else its last update).
    pub blocked_since: DateTime<Utc>,
    /// Whole days since `blocked_since`.
    pub days_blocked: i64,
}

/// How many each list holds before `limit` cuts it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct BlockerTotals {
    /// Open issues that block at least one other open issue.
    pub blockers: usize,
    pub stale: usize,
    pub unowned: usize,
    pub blocked_status: usize,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct IdentifyBlockersOutput {
    pub project: String,
    /// Blockers, the most open work held up first.
    pub blocking_most: Vec<BlockerRank>,
    /// Blockers not updated for `stale_days`, longest first.
    pub stale_blockers: Vec<StaleBlocker>,
    /// Blockers nobody owns, the most held up first.
    pub unowned_blockers: Vec<UnownedBlocker>,
    /// Issues in status blocked, longest blocked first.
    pub blocked_status: Vec<BlockedStatusIssue>,
    pub totals: BlockerTotals,
    pub stale_days: u32,
    /// The lists as markdown, saying what each number counts.
    pub report: String,
    pub next_steps: Vec<String>,
}

/// What pm_identify_blockers reads: the graph of open work (every linked
/// issue) and the issues in status blocked with their status history.
#[derive(Debug)]
pub struct BlockerFacts {
    pub graph: GraphView,
    pub blocked: Vec<Issue>,
}

impl Service {
    pub async fn pm_identify_blockers(
        &self,
        input: IdentifyBlockersInput,
    ) -> Result<IdentifyBlockersOutput> {
        let stale_days = in_range(
            "stale_days",
            input.stale_days,
            DEFAULT_STALE_DAYS,
            MAX_STALE_DAYS,
        )?;
        let limit = in_range("limit", input.limit, DEFAULT_ROWS, MAX_ROWS)?;
        let facts = self.blocker_facts(input.project_id.as_deref()).await?;
        Ok(facts.identify(Utc::now(), stale_days, limit as usize))
    }

    /// Reads what [`BlockerFacts::identify`] needs.
    pub async fn blocker_facts(&self, project: Option<&str>) -> Result<BlockerFacts> {
        let graph = self.dependency_graph(project, EVERY_NODE).await?;
        let mut tx = self.read().await?;
        let scope = self.resolve_scope(&mut *tx, Some(&graph.project)).await?;
        let query = IssueQuery {
            with_content: true,
            ..IssueQuery::lean(scope.id, vec![Status::Blocked], 10_000)
        };
        let (blocked, _) = tx.list_issues(&query).await?;
        Ok(BlockerFacts { graph, blocked })
    }
}

impl BlockerFacts {
    /// Ranks blockers and blocked issues as of `now`.
    pub fn identify(
        &self,
        now: DateTime<Utc>,
        stale_days: u32,
        limit: usize,
    ) -> IdentifyBlockersOutput {
        let g = &self.graph;
        let a = &g.analysis;
        let n = g.issues.len();
        let index: HashMap<&str, usize> = g
            .issues
            .iter()
            .enumerate()
            .map(|(i, issue)| (issue.key.as_str(), i))
            .collect();
        let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (from, to) in &g.edges {
            if let (Some(&u), Some(&v)) = (index.get(from.as_str()), index.get(to.as_str())) {
                succ[u].push(v);
            }
        }
        let hours: Vec<f64> = g
            .issues
            .iter()
            .map(|i| own_hours(i).unwrap_or(a.default_hours))
            .collect();
        let held = downstream_hours(&succ, &hours);
        let unblocks = |i: usize| a.nodes.get(i).map_or(0, |node| node.unblocks);

        let mut blockers: Vec<usize> = (0..n).filter(|&i| !succ[i].is_empty()).collect();
        blockers.sort_by(|&x, &y| {
            unblocks(y)
                .cmp(&unblocks(x))
                .then(held[y].total_cmp(&held[x]))
                .then(g.issues[x].priority.cmp(&g.issues[y].priority))
                .then(g.issues[x].key.cmp(&g.issues[y].key))
        });
        let blocking_most: Vec<BlockerRank> = blockers
            .iter()
            .map(|&i| {
                let issue = &g.issues[i];
                BlockerRank {
                    key: issue.key.clone(),
                    title: issue.title.clone(),
                    status: issue.status,
                    owner: issue.owner.clone(),
                    directly_blocks: succ[i].len(),
                    transitively_blocks: unblocks(i),
                    blocked_hours: round(held[i], 2),
                }
            })
            .collect();

        let stale_after = Duration::days(i64::from(stale_days));
        let mut stale: Vec<StaleBlocker> = blockers
            .iter()
            .filter(|&&i| now - g.issues[i].updated_at >= stale_after)
            .map(|&i| StaleBlocker {
                key: g.issues[i].key.clone(),
                title: g.issues[i].title.clone(),
                owner: g.issues[i].owner.clone(),
                days_since_update: whole_days(g.issues[i].updated_at, now),
                transitively_blocks: unblocks(i),
            })
            .collect();
        stale.sort_by_key(|s| Reverse(s.days_since_update));
        let unowned: Vec<UnownedBlocker> = blockers
            .iter()
            .filter(|&&i| {
                g.issues[i]
                    .owner
                    .as_deref()
                    .is_none_or(|o| o.trim().is_empty())
            })
            .map(|&i| UnownedBlocker {
                key: g.issues[i].key.clone(),
                title: g.issues[i].title.clone(),
                status: g.issues[i].status,
                transitively_blocks: unblocks(i),
            })
            .collect();
        let mut blocked: Vec<BlockedStatusIssue> = self
            .blocked
            .iter()
            .map(|issue| {
                let since = blocked_since(&issue.communication.updates, issue.updated_at);
                BlockedStatusIssue {
                    key: issue.key.clone(),
                    title: issue.title.clone(),
                    owner: issue.owner.clone(),
                    blocker_reason: issue.blocker_reason.clone(),
                    blocked_since: since,
                    days_blocked: whole_days(since, now),
                }
            })
            .collect();
        blocked.sort_by(|x, y| {
            x.blocked_since
                .cmp(&y.blocked_since)
                .then(x.key.cmp(&y.key))
        });

        let totals = BlockerTotals {
            blockers: blocking_most.len(),
            stale: stale.len(),
            unowned: unowned.len(),
            blocked_status: blocked.len(),
        };
        let mut out = IdentifyBlockersOutput {
            project: g.project.clone(),
            blocking_most: first(blocking_most, limit),
            stale_blockers: first(stale, limit),
            unowned_blockers: first(unowned, limit),
            blocked_status: first(blocked, limit),
            totals,
            stale_days,
            report: String::new(),
            next_steps: Vec::new(),
        };
        out.report = blockers_report(&out, a.default_hours);
        out.next_steps = blocker_steps(&out, |key| {
            index
                .get(key)
                .and_then(|&i| a.nodes.get(i))
                .is_some_and(|node| node.ready)
        });
        out
    }
}

fn first<T>(mut items: Vec<T>, limit: usize) -> Vec<T> {
    items.truncate(limit);
    items
}

/// Whole days from `then` to `now`, never negative.
fn whole_days(then: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (now - then).num_days().max(0)
}

/// When an issue last moved to blocked according to its status history,
/// else `updated_at`.
fn blocked_since(updates: &[StatusUpdate], updated_at: DateTime<Utc>) -> DateTime<Utc> {
    updates
        .iter()
        .filter(|u| u.to == Status::Blocked)
        .map(|u| u.at)
        .max()
        .unwrap_or(updated_at)
}

/// For every node, the hours of the distinct nodes reachable from it
/// (itself left out, even on a cycle).
fn downstream_hours(succ: &[Vec<usize>], hours: &[f64]) -> Vec<f64> {
    let mut seen = vec![usize::MAX; succ.len()];
    let mut stack: Vec<usize> = Vec::new();
    (0..succ.len())
        .map(|root| {
            seen[root] = root;
            stack.extend(&succ[root]);
            let mut total = 0.0;
            while let Some(v) = stack.pop() {
                if seen[v] != root {
                    seen[v] = root;
                    total += hours[v];
                    stack.extend(&succ[v]);
                }
            }
            total
        })
        .collect()
}

fn days(n: i64) -> String {
    if n == 1 {
        "1 day".into()
    } else {
        format!("{n} days")
    }
}

/// The first `max` characters of `text` on one line.
fn short(text: &str, max: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= max {
        line
    } else {
        let cut: String = line.chars().take(max - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

fn more(shown: usize, total: usize) -> String {
    if total > shown {
        format!("- …and {} more\n", total - shown)
    } else {
        String::new()
    }
}

fn blockers_report(out: &IdentifyBlockersOutput, default_hours: f64) -> String {
    let t = &out.totals;
    let mut r = format!(
        "## Blockers in {}\n{} open issues block other open work: {} not updated for {}+, {} without an owner. {} issues are in status blocked.\n",
        out.project,
        t.blockers,
        t.stale,
        days(i64::from(out.stale_days)),
        t.unowned,
        t.blocked_status
    );
    r.push_str(&format!(
        "\n### Blocking the most\nOpen issues held up by each, directly and through the issues it blocks; hours are theirs (estimate_hours, else {} each).\n",
        hours_text(default_hours)
    ));
    for (i, b) in out.blocking_most.iter().enumerate() {
        r.push_str(&format!(
            "{}. {} {} ({}, {}): blocks {} directly, {} in all, {}\n",
            i + 1,
            b.key,
            short(&b.title, 60),
            b.status,
            b.owner.as_deref().unwrap_or("no owner"),
            b.directly_blocks,
            b.transitively_blocks,
            hours_text(b.blocked_hours)
        ));
    }
    if out.blocking_most.is_empty() {
        r.push_str("None: no open issue blocks another.\n");
    }
    r.push_str(&more(out.blocking_most.len(), t.blockers));
    r.push_str(&format!(
        "\n### Stale blockers\nBlockers whose last change is {} or more ago.\n",
        days(i64::from(out.stale_days))
    ));
    for s in &out.stale_blockers {
        r.push_str(&format!(
            "- {} {}: {} since its last update, holds up {}\n",
            s.key,
            short(&s.title, 60),
            days(s.days_since_update),
            s.transitively_blocks
        ));
    }
    if out.stale_blockers.is_empty() {
        r.push_str("None.\n");
    }
    r.push_str(&more(out.stale_blockers.len(), t.stale));
    r.push_str("\n### Unowned blockers\nBlockers with no owner; holds up counts as above.\n");
    for u in &out.unowned_blockers {
        r.push_str(&format!(
            "- {} {} ({}): holds up {}\n",
            u.key,
            short(&u.title, 60),
            u.status,
            u.transitively_blocks
        ));
    }
    if out.unowned_blockers.is_empty() {
        r.push_str("None.\n");
    }
    r.push_str(&more(out.unowned_blockers.len(), t.unowned));
    r.push_str(
        "\n### In status blocked\nDays since it last moved to blocked (else since its last update).\n",
    );
    for b in &out.blocked_status {
        let reason = b.blocker_reason.as_deref().unwrap_or("no reason given");
        r.push_str(&format!(
            "- {} {}: {}: {}\n",
            b.key,
            short(&b.title, 60),
            days(b.days_blocked),
            short(reason, 120)
        ));
    }
    if out.blocked_status.is_empty() {
        r.push_str("None.\n");
    }
    r.push_str(&more(out.blocked_status.len(), t.blocked_status));
    r
}

/// "1 open issue", "3 open issues".
fn open_issues(n: usize) -> String {
    if n == 1 {
        "1 open issue".into()
    } else {
        format!("{n} open issues")
    }
}

fn blocker_steps(out: &IdentifyBlockersOutput, ready: impl Fn(&str) -> bool) -> Vec<String> {
    let mut steps = Vec::new();
    if let Some(b) = out.blocking_most.first() {
        let held = format!(
            "holds up {} ({})",
            open_issues(b.transitively_blocks),
            hours_text(b.blocked_hours)
        );
        steps.push(match (&b.owner, b.status) {
            (None, Status::Proposed) if ready(&b.key) => {
                format!("pm_start_work {}: {held}, is ready and has no owner", b.key)
            }
            (Some(owner), _) => format!("pm_get_issue {}: {held}; owner {owner}", b.key),
            _ => format!("pm_get_issue {}: {held}", b.key),
        });
    }
    if let Some(u) = out.unowned_blockers.first() {
        steps.push(format!(
            "pm_assign_issue {}: holds up {} and has no owner",
            u.key,
            open_issues(u.transitively_blocks)
        ));
    }
    if let Some(s) = out.stale_blockers.first() {
        steps.push(format!(
            "pm_get_issue {}: holds up {}, no update for {}",
            s.key,
            open_issues(s.transitively_blocks),
            days(s.days_since_update)
        ));
    }
    if let Some(b) = out.blocked_status.first() {
        steps.push(format!(
            "pm_update_status {}: blocked for {}; move it on once the blocker is resolved",
            b.key,
            days(b.days_blocked)
        ));
    }
    if steps.is_empty() {
        steps.push("pm_suggest_next_work: nothing open blocks other work; pick ready work".into());
    } else {
        steps.push("pm_dependency_graph: see the chains and the critical path".into());
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, 9, 0, 0).unwrap()
    }

    fn moved(day: u32, to: Status) -> StatusUpdate {
        StatusUpdate {
            at: at(day),
            actor: "a".into(),
            from: Status::InProgress,
            to,
            notes: None,
        }
    }

    #[test]
    fn blocked_since_is_the_last_move_to_blocked() {
        let updates = [
            moved(2, Status::Blocked),
            moved(3, Status::InProgress),
            moved(5, Status::Blocked),
            moved(6, Status::Review),
        ];
        assert_eq!(blocked_since(&updates, at(9)), at(5));
        assert_eq!(blocked_since(&[], at(9)), at(9));
        assert_eq!(whole_days(at(5), at(12)), 7);
        assert_eq!(whole_days(at(12), at(5)), 0, "never negative");
    }

    #[test]
    fn downstream_hours_count_each_issue_once() {
        // 0 → 1 → 3, 0 → 2 → 3, 3 → 4; 3 is reached twice from 0.
        let succ = vec![vec![1, 2], vec![3], vec![3], vec![4], vec![]];
        let hours = [1.0, 2.0, 4.0, 8.0, 16.0];
        assert_eq!(
            downstream_hours(&succ, &hours),
            [30.0, 24.0, 24.0, 16.0, 0.0]
        );
        // A cycle terminates and leaves the start out.
        assert_eq!(
            downstream_hours(&[vec![1], vec![0]], &[1.0, 2.0]),
            [2.0, 1.0]
        );
    }

    #[test]
    fn short_cuts_on_characters() {
        assert_eq!(short("a\nb  c", 10), "a b c");
        assert_eq!(short("ééééé", 3), "éé…");
    }
}
