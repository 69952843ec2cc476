//! The operation table: every operation's name, toolset, hints and schemas,
//! and the dispatcher that runs one by name. The CLI's `call` and the MCP
//! server are both generated from this one table.

use schemars::Schema;
use serde_json::Value;

use crate::input::{list_fields, parse_with_lists};
use crate::ops::{
    analytics::*, execution::*, git::*, guides::*, intelligence::*, issues::*, links::*,
    planning::*, projects::*, queue::*, reports::*, review::*, sprints::*, tasks::*, work::*,
};
use crate::{Result, Service, ServiceError};

/// Groups of tools an MCP client can switch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Toolset {
    Core,
    Git,
    Planning,
    Execution,
    Analytics,
    Reports,
    Intelligence,
    Admin,
}

impl Toolset {
    pub const ALL: &'static [Toolset] = &[
        Toolset::Core,
        Toolset::Git,
        Toolset::Planning,
        Toolset::Execution,
        Toolset::Analytics,
        Toolset::Reports,
        Toolset::Intelligence,
        Toolset::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Toolset::Core => "core",
            Toolset::Git => "git",
            Toolset::Planning => "planning",
            Toolset::Execution => "execution",
            Toolset::Analytics => "analytics",
            Toolset::Reports => "reports",
            Toolset::Intelligence => "intelligence",
            Toolset::Admin => "admin",
        }
    }
}

/// One operation as every front door sees it.
pub struct Operation {
    pub name: &'static str,
    pub toolset: Toolset,
    /// What it does, when to use it.
    pub description: &'static str,
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
    pub input_schema: fn() -> Schema,
    pub output_schema: fn() -> Schema,
}

macro_rules! operations {
    ($( $name:ident($input:ty) -> $output:ty, $toolset:ident, [$ro:expr, $de:expr, $id:expr], $desc:literal; )*) => {
        /// Every operation, in presentation order.
        pub static OPERATIONS: &[Operation] = &[$(
            Operation {
                name: stringify!($name),
                toolset: Toolset::$toolset,
                description: $desc,
                read_only: $ro,
                destructive: $de,
                idempotent: $id,
                input_schema: || {
                    let mut schema = schemars::schema_for!($input).to_value();
                    list_fields(&mut schema);
                    Schema::try_from(schema).unwrap_or_else(|_| schemars::schema_for!($input))
                },
                output_schema: || schemars::schema_for!($output),
            },
        )*];

        pub(crate) async fn dispatch(svc: &Service, tool: &str, args: Value) -> Result<Value> {
            let tool = canonical_tool_name(tool).unwrap_or(tool);
            match tool {
                $(stringify!($name) => {
                    static LISTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
                    let lists = LISTS.get_or_init(|| {
                        list_fields(&mut schemars::schema_for!($input).to_value())
                    });
                    let input: $input = parse_with_lists(args, lists)?;
                    let output = svc.$name(input).await?;
                    serde_json::to_value(output).map_err(|e| ServiceError::internal(format!("{tool}: its result could not be written as JSON: {e}")))
                })*
                _ => Err(unknown_tool(tool)),
            }
        }
    };
}

/// Other names the original system's documents use for an operation. The
/// dispatcher accepts them; tools/list shows only the real names.
pub const TOOL_ALIASES: &[(&str, &str)] = &[
    ("pm_estimate_issue", "pm_estimate"),
    ("pm_refine", "pm_refine_issue"),
    ("pm_start", "pm_start_work"),
    ("pm_log", "pm_log_work"),
    ("pm_create", "pm_create_issue"),
    ("pm_review", "pm_review_issue"),
    ("pm_dashboard", "pm_project_dashboard"),
    ("pm_standup", "pm_daily_standup"),
    ("pm_complete", "pm_complete_issue"),
];

/// The operation a tool name or alias names: `pm_estimate_issue` → `pm_estimate`.
pub fn canonical_tool_name(tool: &str) -> Option<&'static str> {
    OPERATIONS
        .iter()
        .map(|o| o.name)
        .find(|n| *n == tool)
        .or_else(|| {
            TOOL_ALIASES
                .iter()
                .find(|(alias, _)| *alias == tool)
                .map(|(_, name)| *name)
        })
}

fn unknown_tool(tool: &str) -> ServiceError {
    let stem = tool.trim_start_matches("pm_");
    let mut close: Vec<(usize, &str)> = OPERATIONS
        .iter()
        .map(|o| o.name)
        .filter_map(|n| {
            let other = n.trim_start_matches("pm_");
            let contains = !stem.is_empty() && (other.contains(stem) || stem.contains(other));
            let distance = edit_distance(stem, other);
            (contains || distance <= other.len().max(stem.len()) / 2)
                .then_some((if contains { 0 } else { distance }, n))
        })
        .collect();
    close.sort();
    close.truncate(3);
    let hint = if close.is_empty() {
        "`lazypm tools` lists them all".to_string()
    } else {
        let names: Vec<&str> = close.iter().map(|(_, n)| *n).collect();
        format!("did you mean {}?", names.join(", "))
    };
    ServiceError::invalid("tool", format!("unknown tool '{tool}': {hint}"))
}

/// Levenshtein distance in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

// [read_only, destructive, idempotent]
operations! {
    pm_docs(DocsInput) -> DocsOutput, Core, [true, false, true],
        "The guide: concepts, workflow, field rules, durations, every toolset and how to enable it. Read first in a new session.";
    pm_workflow(WorkflowGuideInput) -> GuideOutput, Core, [true, false, true],
        "Worked examples: the session loop, planning an epic, blockers, several agents at once.";
    pm_status(StatusInput) -> StatusOutput, Core, [true, false, true],
        "Project health: counts by status, priority, type and module, work in progress, blockers, recent activity. Start here.";
    pm_list_projects(ListProjectsInput) -> ListProjectsOutput, Core, [true, false, true],
        "Registered projects, marking the current one (used when project_id is omitted).";
    pm_list_issues(ListIssuesInput) -> ListIssuesOutput, Core, [true, false, true],
        "List issues by any field, sorted and paged (limit/cursor); `fields` picks columns.";
    pm_get_issue(GetIssueInput) -> IssueDetailOutput, Core, [true, false, true],
        "One issue in full: spec, tasks, work logs, comments, dependencies, whether it is ready. Read before starting work.";
    pm_search_issues(SearchIssuesInput) -> SearchIssuesOutput, Core, [true, false, true],
        "Ranked full-text search over titles, specs and comments. Any text is a safe query.";
    pm_my_queue(MyQueueInput) -> MyQueueOutput, Core, [true, false, true],
        "Your open issues ranked by urgency, each with the reasons and the next tool call to make.";
    pm_suggest_next_work(SuggestNextWorkInput) -> SuggestNextWorkOutput, Core, [false, false, false],
        "Ready work (nothing open blocks it), ranked with reasons. claim: true atomically starts the best one, so parallel agents never collide.";
    pm_create_issue(CreateIssueInput) -> IssueOutput, Core, [false, false, false],
        "Create an issue with its spec: markdown description, acceptance criteria, technical approach, dependencies, estimate, labels, parent.";
    pm_update_issue(UpdateIssueInput) -> IssueOutput, Core, [false, false, true],
        "Change an issue's fields (not status). Pass the version you read to refuse stale writes; archived: true archives done work.";
    pm_start_work(StartWorkInput) -> StartWorkOutput, Core, [false, false, true],
        "Start an issue: take it atomically, move it to in_progress, switch to its git branch. Refused while an open issue blocks it.";
    pm_log_work(LogWorkInput) -> LogWorkOutput, Core, [false, false, false],
        "Record work on an issue: what, how long, files, commits, decisions, blockers.";
    pm_update_status(UpdateStatusInput) -> IssueOutput, Core, [false, false, false],
        "Move an issue through the workflow; blocked needs blocker_reason; an illegal move lists the allowed next states.";
    pm_complete_issue(CompleteIssueInput) -> CompleteIssueOutput, Core, [false, false, false],
        "Finish an issue: through review to done (or waits for approval if the project requires review), with actual time and lessons.";
    pm_create_task(CreateTaskInput) -> TaskOutput, Core, [false, false, false],
        "Add a task (KEY-N-T1) to an issue, with details, assignee, checklist and estimate.";
    pm_update_task(UpdateTaskInput) -> TaskOutput, Core, [false, false, true],
        "Change a task's title, status, assignee, details or estimate; notes are appended.";
    pm_add_comment(AddCommentInput) -> CommentOutput, Core, [false, false, false],
        "Add a markdown comment to an issue.";
    pm_reminder(ReminderInput) -> GuideOutput, Core, [true, false, true],
        "The short working agreement. Re-read it during long sessions.";
    pm_git_status(GitStatusInput) -> GitStatusOutput, Git, [true, false, true],
        "Branch, ahead/behind, changed files, and the issue owning the branch.";
    pm_create_branch(CreateBranchInput) -> BranchOutput, Git, [false, false, true],
        "Create and switch to the issue's branch (feat|fix|…/KEY-slug) from the updated default branch or base_branch.";
    pm_switch_branch(SwitchBranchInput) -> SwitchBranchOutput, Git, [false, false, true],
        "Switch to an issue's branch or a named branch; uncommitted changes are refused unless carried or stashed.";
    pm_commit(CommitInput) -> CommitOutput, Git, [false, false, false],
        "Commit every change (or files) as `[pm KEY] type: msg` with a `PM: KEY` trailer; logged on the issue.";
    pm_push_branch(PushBranchInput) -> PushBranchOutput, Git, [false, false, false],
        "Push the issue's branch; create_pr opens a pull request via gh, else returns a compare URL and ready body.";
    pm_stash_work(StashWorkInput) -> StashWorkOutput, Git, [false, false, false],
        "Stash uncommitted work, untracked files included, naming the issue.";
    pm_git_log(GitLogInput) -> GitLogOutput, Git, [true, false, true],
        "The issue's commits: linked ones and those on its branch not yet in the base.";
    pm_merge_status(MergeStatusInput) -> MergeStatusOutput, Git, [true, false, true],
        "Is the issue's work (or its pull request) merged into the base branch?";
    pm_sync_commits(SyncCommitsInput) -> SyncCommitsOutput, Git, [false, false, true],
        "Link commits made outside lazypm (PM: trailer, [pm KEY]) to their issues. Idempotent.";
    pm_task_checklist(TaskChecklistInput) -> TaskOutput, Planning, [false, false, false],
        "Add, check, uncheck or remove checklist items of a task.";
    pm_link_issues(LinkIssuesInput) -> LinkIssuesOutput, Planning, [false, false, true],
        "Add or remove a link: blocks, relates, duplicates, discovered_from. A blocks link that would make a cycle is refused, naming the cycle.";
    pm_delete_issue(DeleteIssueInput) -> DeleteIssueOutput, Planning, [false, true, false],
        "Delete an issue with its tasks, logs and comments (confirm: true required). Prefer archiving done work.";
    pm_create_sprint(CreateSprintInput) -> SprintOutput, Planning, [false, false, false],
        "Create a sprint with a goal and start and end dates.";
    pm_add_to_sprint(AddToSprintInput) -> SprintOutput, Planning, [false, false, true],
        "Add issues to a sprint.";
    pm_list_sprints(ListSprintsInput) -> ListSprintsOutput, Planning, [true, false, true],
        "Sprints with their issues and progress (done count, story points).";
    pm_refine_issue(RefineIssueInput) -> RefineIssueOutput, Planning, [false, false, false],
        "Grow an issue's spec by aspect (requirements, technical, acceptance, risks, dependencies); with only issue_key, review what is missing.";
    pm_estimate(EstimateInput) -> EstimateOutput, Planning, [false, false, false],
        "Estimate an issue's effort, complexity and risks, with reasoning; the previous estimate goes to estimate_history.";
    pm_add_acceptance_criteria(AddAcceptanceCriteriaInput) -> AddAcceptanceCriteriaOutput, Planning, [false, false, true],
        "Append acceptance criteria to an issue; ones it already has are skipped.";
    pm_assign_issue(AssignIssueInput) -> IssueOutput, Planning, [false, false, true],
        "Set an issue's owner, or unassign it with owner: null. Does not change its status (pm_start_work does).";
    pm_prioritize_issue(PrioritizeIssueInput) -> IssueOutput, Planning, [false, false, true],
        "Change an issue's priority (P1 most urgent … P5) with the reason, recorded in its history.";
    pm_split_issue(SplitIssueInput) -> SplitIssueOutput, Planning, [false, false, false],
        "Split an issue into 1–20 child issues in one step; the children get it as parent. Use for epics and work too large to estimate.";
    pm_related_issues(RelatedIssuesInput) -> RelatedIssuesOutput, Planning, [true, false, true],
        "Issues related to one: links both ways, parent, children, siblings, and similar text, each with the reason. Check before creating or starting work.";
    pm_pause_work(PauseWorkInput) -> IssueOutput, Execution, [false, false, false],
        "Pause your in-progress issue: it goes back to proposed and you stay its owner. Resume it later with pm_resume_work.";
    pm_resume_work(ResumeWorkInput) -> ResumeWorkOutput, Execution, [false, false, true],
        "Resume paused (proposed) or blocked work: back to in_progress for its owner. Refuses someone else's issue unless take_over: true.";
    pm_request_review(RequestReviewInput) -> IssueOutput, Execution, [false, false, false],
        "Ask for review: moves in-progress work to review and records the reviewers and a summary of the change.";
    pm_review_issue(ReviewIssueInput) -> IssueOutput, Execution, [false, false, false],
        "Give a review verdict on an issue in review: approve (then pm_complete_issue) or request_changes (back to in_progress), with comments.";
    pm_issue_history(IssueHistoryInput) -> IssueHistoryOutput, Execution, [true, false, true],
        "Every audit event of an issue and its tasks: who changed what, when.";
    pm_workflow_status(WorkflowStatusInput) -> WorkflowStatusOutput, Execution, [true, false, true],
        "The board: issues per status in workflow order with counts, WIP per owner, and a markdown rendering. Filter by owner.";
    pm_project_dashboard(ProjectDashboardInput) -> ProjectDashboardOutput, Analytics, [true, false, true],
        "pm_status plus flow over a timeframe: created, completed, weekly throughput, cycle time, time logged.";
    pm_risk_assessment(RiskAssessmentInput) -> RiskAssessmentOutput, Analytics, [true, false, true],
        "Risks in the open work (stale, blocked, long chains, unplanned complexity, overruns, owner load, sprint forecast), each with evidence and an action.";
    pm_capacity_planning(CapacityPlanningInput) -> CapacityPlanningOutput, Analytics, [true, false, true],
        "Each owner's remaining estimated work against their measured pace over a timeframe; overloads and suggested moves.";
    pm_effort_accuracy(EffortAccuracyInput) -> EffortAccuracyOutput, Analytics, [true, false, true],
        "Estimates against actual time of completed work: median ratio, error, share within 25 %, bias; by type, complexity, owner.";
    pm_optimize_workflow(OptimizeWorkflowInput) -> OptimizeWorkflowOutput, Analytics, [true, false, true],
        "Flow measures (WIP, review wait, blocked time, cycle outliers, reopens) and the suggestions they call for.";
    pm_blocked_issues(BlockedIssuesInput) -> BlockedIssuesOutput, Analytics, [true, false, true],
        "Blocked issues and issues waiting on open dependencies, with what would unblock them.";
    pm_dependency_graph(DependencyGraphInput) -> DependencyGraphOutput, Analytics, [true, false, true],
        "The blocks graph of open issues with critical path, slack and ready frontier, as json, ascii, mermaid or dot.";
    pm_identify_blockers(IdentifyBlockersInput) -> IdentifyBlockersOutput, Analytics, [true, false, true],
        "Issues holding up the most open work, stale or unowned blockers, and how long blocked issues have waited.";
    pm_burndown(BurndownInput) -> BurndownOutput, Analytics, [true, false, true],
        "A sprint's remaining work per day against the ideal line, with scope added, canceled or re-estimated; without sprints, open work over a timeframe.";
    pm_velocity(VelocityInput) -> VelocityOutput, Analytics, [true, false, true],
        "Per sprint, committed against completed, and the average of the last few; without sprints, issues done per week.";
    pm_simulate_scenario(SimulateScenarioInput) -> SimulateScenarioOutput, Analytics, [true, false, true],
        "Monte Carlo forecast (P50/P85/P95 dates) of the open work, a sprint or chosen issues from recent daily throughput; what if owners, scope or a blocker change.";
    pm_performance_impact(PerformanceImpactInput) -> PerformanceImpactOutput, Analytics, [true, false, true],
        "Per owner or agent: issues done, cycle time P50/P85, estimate accuracy, reopened and sent-back work.";
    pm_daily_standup(DailyStandupInput) -> DailyStandupOutput, Reports, [true, false, true],
        "Stand-up since yesterday: completed, worked on, in progress, in review, blocked.";
    pm_weekly_report(WeeklyReportInput) -> WeeklyReportOutput, Reports, [true, false, true],
        "Weekly report: delivered against the week before, open work, risks, lessons; for a technical, executive or stakeholder audience.";
    pm_milestone_report(MilestoneReportInput) -> MilestoneReportOutput, Reports, [true, false, true],
        "Progress of a sprint, an epic's children or a label: done against total, work left, blocked, next up, forecast date.";
    pm_stakeholder_update(StakeholderUpdateInput) -> StakeholderUpdateOutput, Reports, [true, false, true],
        "The project in plain words: delivered, under way, when the open work should be done, what needs attention.";
    pm_retro(RetroInput) -> RetroOutput, Reports, [true, false, true],
        "Retrospective of a sprint or timeframe: what went to plan, what overran and why, blocked time, lessons, action items.";
    pm_improve(ImproveInput) -> ImproveOutput, Reports, [false, false, false],
        "Turn a lesson learned into a tracked improvement issue (chore, label improvement) linked discovered_from its source.";
    pm_extract_requirements(ExtractRequirementsInput) -> ExtractRequirementsOutput, Intelligence, [false, false, true],
        "Requirements (must/should/could), acceptance criteria and open questions from free text or an issue, by documented rules; apply: true writes them onto the issue.";
    pm_generate_test_plan(GenerateTestPlanInput) -> GenerateTestPlanOutput, Intelligence, [true, false, true],
        "Test cases for each acceptance criterion of an issue (or criteria given): happy path, edge and negative, each naming its rule.";
    pm_security_review(SecurityReviewInput) -> SecurityReviewOutput, Intelligence, [false, false, true],
        "Security checklist (OWASP, SOC2, GDPR, PCI, HIPAA) picked by what the issue's spec mentions, kept on the issue; updates record each item's state.";
    pm_suggest_estimate(SuggestEstimateInput) -> SuggestEstimateOutput, Intelligence, [true, false, true],
        "Estimate from the most similar completed issues and their actual times: P50/P80 hours, confidence, the neighbours named.";
    pm_init_project(InitProjectInput) -> ProjectOutput, Admin, [false, false, true],
        "Register the project in a directory, detecting its git root, remote, default branch and submodules. Returns the existing project when the path is registered.";
    pm_register_project(RegisterProjectInput) -> ProjectOutput, Admin, [false, false, true],
        "Register a project with an explicit key, name and path.";
    pm_add_submodule(AddSubmoduleInput) -> SubmodulesOutput, Admin, [false, false, false],
        "Add a submodule (an area issues can name as their module).";
    pm_remove_submodule(RemoveSubmoduleInput) -> SubmodulesOutput, Admin, [false, true, false],
        "Remove a submodule, moving its issues to another (reassign_to) or to none.";
    pm_list_submodules(ListSubmodulesInput) -> SubmodulesOutput, Admin, [true, false, true],
        "Submodules with their open and total issue counts.";
    pm_list_archived_issues(ListArchivedInput) -> ListIssuesOutput, Admin, [true, false, true],
        "Archived issues, newest first, paged.";
    pm_get_archived_issue(GetIssueInput) -> IssueDetailOutput, Admin, [true, false, true],
        "One archived issue in full.";
}
