//! Read models for the people's door: the kanban board, work in progress
//! per owner, the activity feed and the dependency graph. They are not MCP
//! tools (an agent has pm_workflow_status, pm_status and pm_blocked_issues);
//! they answer what a dashboard page shows, in one read transaction each,
//! with typed rows.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use lazypm_domain::graph::{self, GraphAnalysis, GraphEdge, GraphNode};
use lazypm_domain::{Event, Issue, SortField, SortOrder, Status};
use lazypm_store::IssueQuery;
use serde::Serialize;

use crate::{Result, Service};

/// In-progress work untouched for this long is flagged stale.
pub const STALE_AFTER_HOURS: i64 = 24;

/// One kanban column.
#[derive(Debug, Serialize)]
pub struct BoardColumn {
    pub status: Status,
    /// Every live issue in this status.
    pub count: i64,
    /// The first `per_column` of them: by priority, or newest first for
    /// done and canceled.
    pub issues: Vec<Issue>,
}

/// The board: every status, in [`BOARD_ORDER`].
#[derive(Debug, Serialize)]
pub struct Board {
    pub project: String,
    pub columns: Vec<BoardColumn>,
}

/// How many of each owner's issues a dashboard lists (the rest are counted).
pub const WORK_SHOWN_PER_OWNER: i64 = 8;

/// One owner's work in progress (in progress or in review).
#[derive(Debug, Serialize)]
pub struct OwnerWork {
    /// `None`: nobody owns these.
    pub owner: Option<String>,
    pub in_progress: i64,
    pub in_review: i64,
    /// The [`WORK_SHOWN_PER_OWNER`] most recently changed of them.
    pub issues: Vec<Issue>,
    /// The newest change to any of them.
    pub last_activity: DateTime<Utc>,
    /// Nothing has changed for [`STALE_AFTER_HOURS`].
    pub stale: bool,
}

/// Work in progress per owner and the review queue.
#[derive(Debug, Serialize)]
pub struct WorkInProgress {
    /// Owners whose newest change is oldest first (the stalest on top),
    /// unowned work last.
    pub owners: Vec<OwnerWork>,
    /// Issues in review, longest waiting first (at most `review_limit`).
    pub review: Vec<Issue>,
    /// Every issue in review.
    pub review_total: i64,
}

/// The blocks graph of a project's open work, analysed.
#[derive(Debug, Serialize)]
pub struct GraphView {
    pub project: String,
    /// Open issues with at least one open blocks link, in analysis order.
    pub issues: Vec<Issue>,
    /// (blocker key, blocked key).
    pub edges: Vec<(String, String)>,
    pub analysis: GraphAnalysis,
    /// Open issues with no blocks link to other open work (not drawn).
    pub unlinked: usize,
    /// Linked issues left out because the graph holds at most `max_nodes`.
    pub left_out: usize,
}

/// The board's columns, left to right: the flow of work, then where it
/// stops (blocked), ends (done) or is dropped (canceled).
const BOARD_ORDER: [Status; 6] = [
    Status::Proposed,
    Status::InProgress,
    Status::Review,
    Status::Blocked,
    Status::Done,
    Status::Canceled,
];

pub(crate) const OPEN: [Status; 4] = [
    Status::Proposed,
    Status::InProgress,
    Status::Review,
    Status::Blocked,
];

impl Service {
    /// The kanban board of a project: each status with its count and its
    /// first `per_column` issues (lean rows).
    pub async fn board(&self, project: Option<&str>, per_column: i64) -> Result<Board> {
        let mut tx = self.read().await?;
        let scope = self.resolve_scope(&mut *tx, project).await?;
        let (counts, _) = tx.board_counts(scope.id, None).await?;
        let mut columns = Vec::with_capacity(BOARD_ORDER.len());
        for status in BOARD_ORDER {
            let count = counts.get(status.as_str()).copied().unwrap_or(0);
            let issues = if count == 0 {
                Vec::new()
            } else {
                let mut q = IssueQuery::lean(scope.id, vec![status], per_column.clamp(1, 500));
                if status.is_closed() {
                    q.sort = SortField::Updated;
                    q.order = SortOrder::Desc;
                }
                tx.list_issues(&q).await?.0
            };
            columns.push(BoardColumn {
                status,
                count,
                issues,
            });
        }
        Ok(Board {
            project: scope.key,
            columns,
        })
    }

    /// Work in progress per owner, counted, with each owner's most recently
    /// changed issues, and the review queue longest waiting first.
    pub async fn work_in_progress(
        &self,
        project: Option<&str>,
        now: DateTime<Utc>,
        review_limit: i64,
    ) -> Result<WorkInProgress> {
        const ACTIVE: [Status; 2] = [Status::InProgress, Status::Review];
        let mut tx = self.read().await?;
        let scope = self.resolve_scope(&mut *tx, project).await?;
        let mut by_owner: BTreeMap<Option<String>, (i64, i64, DateTime<Utc>)> = BTreeMap::new();
        for load in tx.owner_workload(scope.id, &ACTIVE).await? {
            let entry = by_owner
                .entry(load.owner)
                .or_insert((0, 0, load.last_update));
            match load.status {
                Status::Review => entry.1 += load.count,
                _ => entry.0 += load.count,
            }
            entry.2 = entry.2.max(load.last_update);
        }
        let stale_before = now - Duration::hours(STALE_AFTER_HOURS);
        let mut owners = Vec::with_capacity(by_owner.len());
        let mut review_total = 0;
        for (owner, (in_progress, in_review, last_activity)) in by_owner {
            review_total += in_review;
            let issues = tx
                .owner_latest(scope.id, &ACTIVE, owner.as_deref(), WORK_SHOWN_PER_OWNER)
                .await?;
            owners.push(OwnerWork {
                owner,
                in_progress,
                in_review,
                issues,
                last_activity,
                stale: last_activity < stale_before,
            });
        }
        owners.sort_by_key(|w| (w.owner.is_none(), w.last_activity));
        let review = if review_total == 0 {
            Vec::new()
        } else {
            let mut q =
                IssueQuery::lean(scope.id, vec![Status::Review], review_limit.clamp(1, 200));
            q.sort = SortField::Updated;
            q.order = SortOrder::Asc;
            tx.list_issues(&q).await?.0
        };
        Ok(WorkInProgress {
            owners,
            review,
            review_total,
        })
    }

    /// A project's key as stored and the modules its live issues name, for
    /// filter and form suggestions.
    pub async fn project_modules(&self, project: Option<&str>) -> Result<(String, Vec<String>)> {
        let mut tx = self.read().await?;
        let scope = self.resolve_scope(&mut *tx, project).await?;
        let modules = tx
            .module_counts(scope.id)
            .await?
            .into_iter()
            .filter_map(|(m, _, _)| m)
            .collect();
        Ok((scope.key, modules))
    }

    /// A project's newest events, newest first (at most 200).
    pub async fn activity(&self, project: Option<&str>, limit: i64) -> Result<Vec<Event>> {
        let mut tx = self.read().await?;
        let scope = self.resolve_scope(&mut *tx, project).await?;
        Ok(tx
            .recent_events(&scope.key, None, limit.clamp(1, 200))
            .await?)
    }

    /// The blocks graph among a project's open issues, with the critical
    /// path, slack, the ready-now frontier and how much each issue unblocks
    /// (see `lazypm_domain::graph`). At most `max_nodes` linked issues, the
    /// most urgent first.
    pub async fn dependency_graph(
        &self,
        project: Option<&str>,
        max_nodes: usize,
    ) -> Result<GraphView> {
        let mut tx = self.read().await?;
        let scope = self.resolve_scope(&mut *tx, project).await?;
        // Only the issues a blocks link ties to other open work, and the
        // links themselves, in two queries; the rest are only counted.
        let linked = IssueQuery {
            blocks_linked: true,
            ..IssueQuery::lean(scope.id, OPEN.to_vec(), 100_000)
        };
        let (mut issues, _) = tx.list_issues(&linked).await?;
        let mut edges = tx.open_blocks_edges(scope.id).await?;
        let counts = tx.counts(scope.id).await?;
        let open: i64 = OPEN
            .iter()
            .filter_map(|s| counts.by_status.get(&s.to_string()))
            .sum();
        let unlinked = (open.max(0) as usize).saturating_sub(issues.len());
        let left_out = issues.len().saturating_sub(max_nodes);
        issues.truncate(max_nodes);
        let kept: HashSet<&str> = issues.iter().map(|i| i.key.as_str()).collect();
        edges.retain(|(f, t)| kept.contains(f.as_str()) && kept.contains(t.as_str()));
        edges.sort();
        edges.dedup();
        let nodes: Vec<GraphNode> = issues
            .iter()
            .map(|i| GraphNode {
                key: i.key.clone(),
                status: i.status,
                hours: i.estimate.hours,
            })
            .collect();
        let graph_edges: Vec<GraphEdge> = edges
            .iter()
            .map(|(f, t)| GraphEdge {
                from: f.clone(),
                to: t.clone(),
            })
            .collect();
        let analysis = graph::analyze(&nodes, &graph_edges);
        Ok(GraphView {
            project: scope.key,
            issues,
            edges,
            analysis,
            unlinked,
            left_out,
        })
    }
}
