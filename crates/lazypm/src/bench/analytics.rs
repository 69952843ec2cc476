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
    // A running sprint of 100 issues for the sprint tools.
    if svc
        .call("pm_list_sprints", json!({}))
        .await?
        .pointer("/sprints/0")
        .is_none()
    {
        let today = chrono::Utc::now().date_naive();
        svc.call(
            "pm_create_sprint",
            json!({"name": "bench", "start_date": today - chrono::Duration::days(7), "end_date": today + chrono::Duration::days(7)}),
        )
        .await?;
        let keys: Vec<String> = (1..=100)
            .map(|i| format!("BENCH-{}", i * (size / 100).max(1)))
            .collect();
        svc.call(
            "pm_add_to_sprint",
            json!({"sprint": "bench", "issue_keys": keys}),
        )
        .await?;
    }
    let calls: [(&'static str, &'static str, serde_json::Value); 19] = [
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
        ("pm_burndown", "analytics: burndown (sprint)", json!({})),
        (
            "pm_burndown",
            "analytics: burndown (open work, 1m)",
            json!({"timeframe": "1m"}),
        ),
        ("pm_velocity", "analytics: velocity", json!({})),
        (
            "pm_simulate_scenario",
            "analytics: forecast (10,000 trials)",
            json!({"add_owners": 1}),
        ),
        (
            "pm_performance_impact",
            "analytics: performance impact",
            json!({}),
        ),
        (
            "pm_identify_blockers",
            "analytics: identify blockers",
            json!({}),
        ),
        ("pm_weekly_report", "reports: weekly report", json!({})),
        (
            "pm_milestone_report",
            "reports: milestone (sprint)",
            json!({"sprint": "bench"}),
        ),
        (
            "pm_stakeholder_update",
            "reports: stakeholder update",
            json!({}),
        ),
        ("pm_retro", "reports: retro (2w)", json!({})),
        (
            "pm_extract_requirements",
            "intelligence: extract requirements",
            json!({"issue_key": "BENCH-1"}),
        ),
        (
            "pm_generate_test_plan",
            "intelligence: test plan",
            json!({"criteria": ["Show at most 50 items per page", "Only the owner can delete a list", "Exports finish within 30 seconds"]}),
        ),
        (
            "pm_suggest_estimate",
            "intelligence: suggest estimate",
            json!({"issue_key": "BENCH-1"}),
        ),
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
    // The forecast alone: 10,000 trials for the whole open scope at a pace
    // of 0–8 issues a day.
    let daily: Vec<u32> = (0..28).map(|_| rng.below(9) as u32).collect();
    let scope = size as u64 * 9 / 10;
    let (p50, p95) = time(samples, |_| {
        let daily = daily.clone();
        async move {
            std::hint::black_box(lazypm_domain::analytics::forecast::simulate(
                &daily, scope, 1.0, 10_000, 1929,
            ));
            Ok(())
        }
    })
    .await?;
    rows.push(Row {
        op: "analytics: Monte Carlo alone (10,000 trials)",
        size,
        p50,
        p95,
        target: (size <= 10_000).then_some(TARGET_MS),
    });
    Ok(rows)
}
