//! The analytics and report tools, for `lazypm bench --analytics`: each
//! called through `Service::call` (as MCP and REST call it) on a store
//! topped up to 200k audit events, at least 100k of them work logs.

use std::time::Duration;

use lazypm_domain::Activity;
use lazypm_service::Service;
use lazypm_service::ops::work::{AddCommentInput, LogWorkInput};
use serde_json::json;

use super::data::Rng;
use super::{Row, time};

const COMMENTS_UP_TO: i64 = 100_000;
const EVENTS: i64 = 200_000;
/// The issue's target for every analytics and report call (p50, at 10k).
const TARGET_MS: f64 = 50.0;

pub(super) async fn measure(
    svc: &Service,
    size: usize,
    samples: usize,
) -> anyhow::Result<Vec<Row>> {
    let mut rng = Rng(7 ^ size as u64);
    // Comments up to 100k events (as `--pages` does), then work logs up to
    // 200k: at least 100k work logs whatever the seeded store held.
    let have = svc.last_event_seq().await?;
    if have < COMMENTS_UP_TO {
        let bar = indicatif::ProgressBar::new((COMMENTS_UP_TO - have) as u64)
            .with_message(format!("adding comments up to {COMMENTS_UP_TO} events"));
        for _ in have..COMMENTS_UP_TO {
            svc.pm_add_comment(AddCommentInput {
                issue_key: format!("BENCH-{}", 1 + rng.below(size)),
                body: "looked at it again".into(),
            })
            .await?;
            bar.inc(1);
        }
        bar.finish_and_clear();
    }
    let have = svc.last_event_seq().await?;
    if have < EVENTS {
        let bar = indicatif::ProgressBar::new((EVENTS - have) as u64)
            .with_message(format!("adding work logs up to {EVENTS} events"));
        for _ in have..EVENTS {
            svc.pm_log_work(LogWorkInput {
                issue_key: format!("BENCH-{}", 1 + rng.below(size)),
                activity: Activity::Code,
                summary: format!("worked on the {}", rng.word()),
                time_spent: Some(format!("{}m", 15 + rng.below(120))),
                details: None,
                artifacts: None,
                commits: None,
                urls: None,
                blockers: None,
                decisions: None,
                task_key: None,
            })
            .await?;
            bar.inc(1);
        }
        bar.finish_and_clear();
    }
    let calls: [(&'static str, &'static str, serde_json::Value); 7] = [
        (
            "pm_project_dashboard",
            "analytics: project dashboard",
            json!({}),
        ),
        (
            "pm_risk_assessment",
            "analytics: risk assessment",
            json!({}),
        ),
        (
            "pm_capacity_planning",
            "analytics: capacity planning",
            json!({"timeframe": "2w"}),
        ),
        (
            "pm_effort_accuracy",
            "analytics: effort accuracy",
            json!({"timeframe": "3m"}),
        ),
        (
            "pm_optimize_workflow",
            "analytics: optimize workflow",
            json!({}),
        ),
        (
            "pm_dependency_graph",
            "analytics: dependency graph",
            json!({"format": "mermaid"}),
        ),
        ("pm_weekly_report", "reports: weekly report", json!({})),
    ];
    let mut rows = Vec::new();
    for (tool, op, args) in calls {
        let (p50, p95): (Duration, Duration) = time(samples, |_| {
            let args = args.clone();
            async move { svc.call(tool, args).await.map(drop).map_err(Into::into) }
        })
        .await?;
        rows.push(Row {
            op,
            size,
            p50,
            p95,
            target: (size <= 10_000).then_some(TARGET_MS),
        });
    }
    Ok(rows)
}
