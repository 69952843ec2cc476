//! The registry: every registered operation is covered here and dispatches,
//! and next steps name only registered tools.

use std::collections::BTreeSet;

use lazypm_service::OPERATIONS;
use serde_json::json;

use crate::common::*;

/// Operations exercised by these tests; kept in step with the registry so a new
/// operation without a test fails here.
const COVERED: &[&str] = &[
    "pm_status",
    "pm_list_projects",
    "pm_list_issues",
    "pm_get_issue",
    "pm_search_issues",
    "pm_my_queue",
    "pm_suggest_next_work",
    "pm_create_issue",
    "pm_update_issue",
    "pm_start_work",
    "pm_log_work",
    "pm_update_status",
    "pm_complete_issue",
    "pm_create_task",
    "pm_update_task",
    "pm_add_comment",
    "pm_task_checklist",
    "pm_link_issues",
    "pm_delete_issue",
    "pm_create_sprint",
    "pm_add_to_sprint",
    "pm_list_sprints",
    "pm_request_review",
    "pm_review_issue",
    "pm_issue_history",
    "pm_blocked_issues",
    "pm_daily_standup",
    "pm_init_project",
    "pm_register_project",
    "pm_add_submodule",
    "pm_remove_submodule",
    "pm_list_submodules",
    "pm_list_archived_issues",
    "pm_get_archived_issue",
    "pm_risk_assessment",
    "pm_capacity_planning",
    "pm_effort_accuracy",
    "pm_optimize_workflow",
    "pm_weekly_report",
    "pm_burndown",
    "pm_velocity",
    "pm_simulate_scenario",
    "pm_performance_impact",
    "pm_milestone_report",
    "pm_stakeholder_update",
    "pm_retro",
    "pm_improve",
    "pm_extract_requirements",
    "pm_generate_test_plan",
    "pm_security_review",
    "pm_suggest_estimate",
    // Exercised in graph_tools.rs.
    "pm_dependency_graph",
    "pm_identify_blockers",
    // Exercised in tests/planning.rs.
    "pm_docs",
    "pm_workflow",
    "pm_reminder",
    "pm_refine_issue",
    "pm_estimate",
    "pm_add_acceptance_criteria",
    "pm_assign_issue",
    "pm_prioritize_issue",
    "pm_split_issue",
    "pm_related_issues",
    "pm_pause_work",
    "pm_resume_work",
    "pm_workflow_status",
    "pm_project_dashboard",
    // Exercised in tests/git.rs, against real repositories.
    "pm_git_status",
    "pm_create_branch",
    "pm_switch_branch",
    "pm_commit",
    "pm_push_branch",
    "pm_stash_work",
    "pm_git_log",
    "pm_merge_status",
    "pm_sync_commits",
];

#[tokio::test]
async fn every_registered_operation_is_covered_and_dispatchable() {
    let registered: BTreeSet<&str> = OPERATIONS.iter().map(|o| o.name).collect();
    let covered: BTreeSet<&str> = COVERED.iter().copied().collect();
    assert_eq!(OPERATIONS.len(), 76);
    assert_eq!(registered, covered);

    // Every name dispatches: with `{}` each one either runs or refuses its
    // input, but none is an unknown tool.
    let (_dir, svc) = setup_project().await;
    for op in OPERATIONS {
        if let Err(e) = svc.call(op.name, json!({})).await {
            assert_ne!(e.field(), Some("tool"), "{}: {e}", op.name);
        }
    }
    let e = fail(&svc, "pm_make_issue", json!({})).await;
    assert_eq!(e.code(), "invalid_input");
    assert_eq!(e.field(), Some("tool"));
    assert!(e.to_string().contains("pm_create_issue"), "{e}");

    // The original system's other names run the operation they name.
    for (alias, name) in lazypm_service::TOOL_ALIASES {
        assert_eq!(lazypm_service::canonical_tool_name(alias), Some(*name));
        if let Err(e) = svc.call(alias, json!({})).await {
            assert_ne!(e.field(), Some("tool"), "{alias}: {e}");
        }
    }
    let estimated = ok(
        &svc,
        "pm_create_issue",
        json!({"type": "feature", "title": "estimate me"}),
    )
    .await;
    let key = estimated["issue"]["key"].as_str().unwrap();
    ok(
        &svc,
        "pm_estimate_issue",
        json!({"issue_key": key, "effort": "1-2 weeks", "complexity": "high"}),
    )
    .await;
}

#[tokio::test]
async fn next_steps_only_name_registered_tools() {
    let (dir, svc) = setup().await;
    let p = init_project(&svc, &dir, "strict", "REV", json!({"require_review": true})).await;
    let key = create(&svc, "Needs a reviewer", json!({})).await;
    start(&svc, &key).await;
    let c = ok(&svc, "pm_complete_issue", json!({ "issue_key": key })).await;
    let registered: BTreeSet<&str> = OPERATIONS.iter().map(|o| o.name).collect();
    let unknown: Vec<String> = [&p, &c]
        .iter()
        .flat_map(|out| strings(&out["next_steps"]))
        .filter(|step| !registered.contains(step.split([':', ' ']).next().unwrap()))
        .collect();
    assert!(
        unknown.is_empty(),
        "next steps name unknown tools: {unknown:?}"
    );
}
