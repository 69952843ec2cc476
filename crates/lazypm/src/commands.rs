//! The readable commands of the daily loop. Each builds an operation's input,
//! runs it, and prints a table for people or JSON with `--json`.

use clap::{Args, Subcommand};
use lazypm_domain::{Activity, IssueType, Priority, Status};
use lazypm_service::Service;
use lazypm_service::ops::{issues::*, projects::*, queue::*, reports::*, work::*};
use serde::Serialize;

use crate::Command;
use crate::render;

#[derive(Args)]
pub struct InitArgs {
    /// Project directory (default: the current git repository's root).
    pub path: Option<String>,
    #[arg(long)]
    pub key: Option<String>,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
    /// Require an approved review before issues can be completed.
    #[arg(long)]
    pub require_review: bool,
}

#[derive(Subcommand)]
pub enum IssueCommand {
    /// Create an issue.
    Create(CreateArgs),
    /// List issues (filters combine).
    List(ListArgs),
    /// Show one issue in full.
    Show { key: String },
    /// Ranked full-text search.
    Search {
        #[arg(required = true)]
        query: Vec<String>,
        #[arg(long)]
        limit: Option<u32>,
    },
}

#[derive(Args)]
pub struct CreateArgs {
    #[arg(long)]
    pub title: String,
    #[arg(long = "type", value_parser = parse::<IssueType>, default_value = "feature")]
    pub issue_type: IssueType,
    #[arg(long, value_parser = parse::<Priority>)]
    pub priority: Option<Priority>,
    #[arg(long)]
    pub description: Option<String>,
    #[arg(long)]
    pub module: Option<String>,
    /// An acceptance criterion (repeatable).
    #[arg(long = "ac")]
    pub acceptance: Vec<String>,
    /// Key of an issue this one depends on (repeatable).
    #[arg(long = "depends-on")]
    pub depends_on: Vec<String>,
    #[arg(long)]
    pub estimate: Option<String>,
    #[arg(long)]
    pub label: Vec<String>,
    #[arg(long)]
    pub owner: Option<String>,
    #[arg(long)]
    pub parent: Option<String>,
}

#[derive(Args)]
pub struct ListArgs {
    #[arg(long, value_parser = parse::<Status>)]
    pub status: Vec<Status>,
    #[arg(long, value_parser = parse::<Priority>)]
    pub priority: Vec<Priority>,
    #[arg(long)]
    pub owner: Option<String>,
    #[arg(long)]
    pub module: Option<String>,
    #[arg(long)]
    pub label: Option<String>,
    #[arg(long)]
    pub limit: Option<u32>,
    #[arg(long)]
    pub cursor: Option<String>,
}

#[derive(Args)]
pub struct StartArgs {
    pub key: String,
    /// Start even while an issue that blocks it is open.
    #[arg(long)]
    pub no_validate: bool,
    /// Take the issue over from its current owner.
    #[arg(long)]
    pub take_over: bool,
    /// Also create (or switch to) the issue's git branch.
    #[arg(long)]
    pub branch: bool,
    /// With --branch: the branch to start from (default: the default branch).
    #[arg(long, requires = "branch")]
    pub base: Option<String>,
    #[command(flatten)]
    pub changes: crate::gitcmd::Changes,
}

#[derive(Args)]
pub struct LogArgs {
    pub key: String,
    /// Time spent: 30m, 2h, 2h30m, 1.5d.
    pub time: String,
    /// What was done.
    pub summary: String,
    #[arg(long, value_parser = parse::<Activity>, default_value = "code")]
    pub activity: Activity,
    /// A file touched (repeatable).
    #[arg(long = "file")]
    pub files: Vec<String>,
}

#[derive(Args)]
pub struct ReviewArgs {
    pub key: String,
    #[arg(long)]
    pub notes: Option<String>,
}

#[derive(Args)]
pub struct DoneArgs {
    pub key: String,
    /// Actual effort (default: the time logged).
    #[arg(long)]
    pub actual: Option<String>,
    /// A lesson learned (repeatable).
    #[arg(long = "lesson")]
    pub lessons: Vec<String>,
}

#[derive(Args)]
pub struct NextArgs {
    /// Start the best suggestion for you.
    #[arg(long)]
    pub claim: bool,
    #[arg(long)]
    pub limit: Option<u32>,
}

#[derive(Args)]
pub struct StatusArgs {}

fn parse<T: std::str::FromStr<Err = lazypm_domain::DomainError>>(s: &str) -> Result<T, String> {
    s.parse().map_err(|e: lazypm_domain::DomainError| e.message)
}

pub(crate) fn print<T: Serialize>(
    json: bool,
    out: &T,
    human: impl FnOnce(&T),
) -> anyhow::Result<()> {
    if json {
        out!("{}", serde_json::to_string_pretty(out)?);
    } else {
        human(out);
    }
    Ok(())
}

pub async fn run(svc: &Service, command: Command, json: bool) -> anyhow::Result<()> {
    match command {
        Command::Init(a) => {
            let out = svc
                .pm_init_project(InitProjectInput {
                    path: a.path,
                    key: a.key,
                    name: a.name,
                    description: a.description,
                    require_review: a.require_review.then_some(true),
                })
                .await?;
            print(json, &out, |o| {
                let verb = if o.created {
                    "Registered"
                } else {
                    "Already registered:"
                };
                out!(
                    "{verb} {} ({}) at {}",
                    o.project.key,
                    o.project.name,
                    o.project.path
                );
                if let Some(v) = &o.project.metadata.vcs {
                    out!(
                        "git: default branch {}, remote {}",
                        v.default_branch.as_deref().unwrap_or("?"),
                        v.remote.as_deref().unwrap_or("none")
                    );
                }
            })
        }
        Command::Issue(IssueCommand::Create(a)) => {
            let out = svc
                .pm_create_issue(CreateIssueInput {
                    project_id: None,
                    issue_type: a.issue_type,
                    title: a.title,
                    description: a.description,
                    priority: a.priority,
                    module: a.module,
                    acceptance_criteria: Some(a.acceptance),
                    technical_approach: None,
                    dependencies: Some(a.depends_on),
                    estimated_effort: a.estimate,
                    estimate_hours: None,
                    story_points: None,
                    complexity: None,
                    owner: a.owner,
                    stakeholders: None,
                    risks: None,
                    labels: Some(a.label),
                    parent: a.parent,
                })
                .await?;
            print(json, &out, |o| {
                out!("Created {}: {}", o.issue.key, o.issue.title)
            })
        }
        Command::Issue(IssueCommand::List(a)) => {
            let out = svc
                .pm_list_issues(ListIssuesInput {
                    status: (!a.status.is_empty()).then_some(OneOrMany::Many(a.status)),
                    priority: (!a.priority.is_empty()).then_some(OneOrMany::Many(a.priority)),
                    owner: a.owner,
                    module: a.module,
                    label: a.label,
                    limit: a.limit,
                    cursor: a.cursor,
                    ..Default::default()
                })
                .await?;
            print(json, &out, render::issue_rows)
        }
        Command::Issue(IssueCommand::Show { key }) => {
            let out = svc.pm_get_issue(GetIssueInput { issue_key: key }).await?;
            print(json, &out, render::issue_detail)
        }
        Command::Issue(IssueCommand::Search { query, limit }) => {
            let out = svc
                .pm_search_issues(SearchIssuesInput {
                    project_id: None,
                    query: query.join(" "),
                    status: None,
                    include_archived: None,
                    limit,
                })
                .await?;
            print(json, &out, render::search_hits)
        }
        Command::Start(a) => {
            let out = svc
                .pm_start_work(StartWorkInput {
                    issue_key: a.key,
                    validate_dependencies: Some(!a.no_validate),
                    take_over: Some(a.take_over),
                    notes: None,
                    create_branch: Some(a.branch),
                    base_branch: a.base,
                    uncommitted: a.changes.uncommitted(),
                })
                .await?;
            print(json, &out, |o| {
                if let Some(b) = &o.branch {
                    crate::gitcmd::print_branch(b);
                }
                if o.started {
                    out!(
                        "Started {}: {} (owner {})",
                        o.issue.key,
                        o.issue.title,
                        o.issue.owner.as_deref().unwrap_or("-")
                    );
                } else {
                    out!("{} is already in progress and yours", o.issue.key);
                }
            })
        }
        Command::Log(a) => {
            let out = svc
                .pm_log_work(LogWorkInput {
                    issue_key: a.key,
                    activity: a.activity,
                    summary: a.summary,
                    time_spent: Some(a.time),
                    details: None,
                    artifacts: (!a.files.is_empty()).then_some(OneOrMany::Many(a.files)),
                    commits: None,
                    urls: None,
                    blockers: None,
                    decisions: None,
                    task_key: None,
                })
                .await?;
            print(json, &out, |o| {
                out!(
                    "Logged {} of {} on {} (total {})",
                    lazypm_domain::format_minutes(o.work_log.minutes),
                    o.work_log.activity,
                    o.work_log.issue_key,
                    o.total_time_spent
                )
            })
        }
        Command::Review(a) => {
            let out = svc
                .pm_update_status(UpdateStatusInput {
                    issue_key: a.key,
                    status: Status::Review,
                    notes: a.notes,
                    blocker_reason: None,
                    version: None,
                })
                .await?;
            print(json, &out, |o| out!("{} is now in review", o.issue.key))
        }
        Command::Done(a) => {
            let out = svc
                .pm_complete_issue(CompleteIssueInput {
                    issue_key: a.key,
                    actual_time: a.actual,
                    lessons_learned: (!a.lessons.is_empty()).then_some(OneOrMany::Many(a.lessons)),
                    notes: None,
                    archive: None,
                })
                .await?;
            print(json, &out, |o| {
                if o.completed {
                    out!("Completed {} ({})", o.issue.key, o.transitions.join(", "));
                } else {
                    out!(
                        "{} is in review and waits for an approved review",
                        o.issue.key
                    );
                }
            })
        }
        Command::Next(a) => {
            let out = svc
                .pm_suggest_next_work(SuggestNextWorkInput {
                    claim: Some(a.claim),
                    limit: a.limit,
                    ..Default::default()
                })
                .await?;
            print(json, &out, render::suggestions)
        }
        Command::Status(_) => {
            let out = svc.pm_status(StatusInput::default()).await?;
            print(json, &out, render::status)
        }
        Command::Call { .. }
        | Command::Tools
        | Command::Bench(_)
        | Command::Mcp(_)
        | Command::Git(_)
        | Command::Hooks(_)
        | Command::Hook(_) => Ok(()),
    }
}
