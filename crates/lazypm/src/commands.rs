//! The readable commands of the daily loop. Each builds an operation's input,
//! runs it, and prints a table for people or JSON with `--json`.

use clap::{Args, Subcommand};
use lazypm_domain::{Activity, Complexity, IssueType, Priority, Status};
use lazypm_service::ops::{issues::*, projects::*, queue::*, reports::*, work::*};
use lazypm_service::{Service, parse_input};
use serde::Serialize;
use serde_json::{Value, json};

use crate::Command;
use crate::render;
use crate::values::{OneOf, StatusFilter};

#[derive(Args)]
pub struct InitArgs {
    /// Project directory (default: the current git repository's root, or the current directory outside git).
    pub path: Option<String>,
    /// Project key: 2–10 upper-case letters or digits, starting with a letter (default: derived from the name).
    #[arg(long)]
    pub key: Option<String>,
    /// Project name (default: the directory's name).
    #[arg(long)]
    pub name: Option<String>,
    /// What the project is about.
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
    Show {
        /// Issue key, like APP-12.
        key: String,
    },
    /// Ranked full-text search, best match first.
    Search(SearchArgs),
}

#[derive(Args)]
pub struct CreateArgs {
    /// One-line title.
    #[arg(long)]
    pub title: String,
    /// What kind of work it is.
    #[arg(long = "type", value_name = "TYPE", value_parser = OneOf::<IssueType>::new(), default_value = "feature")]
    pub issue_type: IssueType,
    /// Priority, P1 most urgent (default: P3).
    #[arg(long, value_parser = OneOf::<Priority>::new())]
    pub priority: Option<Priority>,
    /// Specification, in markdown.
    #[arg(long)]
    pub description: Option<String>,
    /// The submodule or area it touches.
    #[arg(long)]
    pub module: Option<String>,
    /// An acceptance criterion (repeatable).
    #[arg(long = "ac", value_name = "CRITERION")]
    pub acceptance: Vec<String>,
    /// Key of an issue that blocks this one (repeatable).
    #[arg(long = "depends-on", value_name = "KEY")]
    pub depends_on: Vec<String>,
    /// Estimated effort: 4h, 3d, 1.5w or a range like 2-3d.
    #[arg(long, value_name = "EFFORT")]
    pub estimate: Option<String>,
    /// How hard it looks.
    #[arg(long, value_parser = OneOf::<Complexity>::new())]
    pub complexity: Option<Complexity>,
    /// A label (repeatable).
    #[arg(long)]
    pub label: Vec<String>,
    /// Who owns it (default: nobody until someone starts it).
    #[arg(long)]
    pub owner: Option<String>,
    /// Key of the parent issue (an epic).
    #[arg(long, value_name = "KEY")]
    pub parent: Option<String>,
}

#[derive(Args)]
pub struct ListArgs {
    /// Only these statuses (comma-separated or repeated); `open` is every status but done and canceled.
    #[arg(long, value_delimiter = ',', value_parser = StatusFilter)]
    pub status: Vec<String>,
    /// Only these priorities (comma-separated or repeated).
    #[arg(long, value_delimiter = ',', value_parser = OneOf::<Priority>::new())]
    pub priority: Vec<Priority>,
    /// Only these types (comma-separated or repeated).
    #[arg(long = "type", value_name = "TYPE", value_delimiter = ',', value_parser = OneOf::<IssueType>::new())]
    pub issue_type: Vec<IssueType>,
    /// Only issues owned by this person or agent.
    #[arg(long)]
    pub owner: Option<String>,
    /// Only issues in this submodule or area.
    #[arg(long)]
    pub module: Option<String>,
    /// Only issues with this label.
    #[arg(long)]
    pub label: Option<String>,
    /// Rows per page, 1–200 (default: 50).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=200))]
    pub limit: Option<u32>,
    /// Continue after the previous page (the value printed after `More: --cursor`).
    #[arg(long)]
    pub cursor: Option<String>,
}

#[derive(Args)]
pub struct SearchArgs {
    /// Words to find in titles, specifications and comments (any text is a safe query).
    #[arg(required = true, value_name = "WORDS")]
    pub query: Vec<String>,
    /// Only these statuses (comma-separated or repeated); `open` is every status but done and canceled.
    #[arg(long, value_delimiter = ',', value_parser = StatusFilter)]
    pub status: Vec<String>,
    /// At most this many hits, 1–200 (default: 20).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=200))]
    pub limit: Option<u32>,
}

#[derive(Args)]
pub struct StartArgs {
    /// Issue key, like APP-12.
    pub key: String,
    /// Start even while an issue that blocks it is open.
    #[arg(long)]
    pub no_validate: bool,
    /// Take the issue over from its current owner.
    #[arg(long)]
    pub take_over: bool,
    /// Require the issue's git branch: fail when it cannot be made. By
    /// default the branch is made when the project is a git repository
    /// (project setting auto_branch), and the start says why when it is not.
    #[arg(long, conflicts_with = "no_branch")]
    pub branch: bool,
    /// Start without making or switching to the issue's branch.
    #[arg(long)]
    pub no_branch: bool,
    /// The branch to start a new issue branch from (default: the project's default branch).
    #[arg(long, conflicts_with = "no_branch", value_name = "BRANCH")]
    pub base: Option<String>,
    #[command(flatten)]
    pub changes: crate::gitcmd::Changes,
}

#[derive(Args)]
pub struct LogArgs {
    /// Issue key, like APP-12.
    pub key: String,
    /// Time spent: 30m, 2h, 2h30m, 1.5d (a day is 8 hours).
    pub time: String,
    /// What was done.
    pub summary: String,
    /// What kind of work it was.
    #[arg(long, value_parser = OneOf::<Activity>::new(), default_value = "code")]
    pub activity: Activity,
    /// A file touched (repeatable).
    #[arg(long = "file", value_name = "PATH")]
    pub files: Vec<String>,
}

#[derive(Args)]
pub struct ReviewArgs {
    /// Issue key, like APP-12.
    pub key: String,
    /// Notes for the reviewer, kept on the issue.
    #[arg(long)]
    pub notes: Option<String>,
}

#[derive(Args)]
pub struct DoneArgs {
    /// Issue key, like APP-12.
    pub key: String,
    /// Actual effort, like 3h (default: the time logged).
    #[arg(long, value_name = "DURATION")]
    pub actual: Option<String>,
    /// A lesson learned (repeatable).
    #[arg(long = "lesson", value_name = "TEXT")]
    pub lessons: Vec<String>,
}

#[derive(Args)]
pub struct NextArgs {
    /// Start the best suggestion for you, atomically.
    #[arg(long)]
    pub claim: bool,
    /// At most this many suggestions, 1–50 (default: 5).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=50))]
    pub limit: Option<u32>,
}

#[derive(Args)]
pub struct StatusArgs {}

/// A list for the service: absent when empty.
fn list<T: Serialize>(values: Vec<T>) -> Value {
    if values.is_empty() {
        Value::Null
    } else {
        json!(values)
    }
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
            let input = InitProjectInput {
                path: a.path,
                key: a.key,
                name: a.name,
                description: a.description,
                require_review: a.require_review.then_some(true),
                auto_branch: None,
            };
            let out = lazypm_service::retrying(|| svc.pm_init_project(input.clone())).await?;
            print(json, &out, |o| {
                let verb = if o.created {
                    "Registered"
                } else {
                    "Already registered:"
                };
                show!(
                    "{verb} {} ({}) at {}",
                    o.project.key,
                    o.project.name,
                    o.project.path
                );
                if let Some(v) = &o.project.metadata.vcs {
                    show!(
                        "git: default branch {}, remote {}",
                        v.default_branch.as_deref().unwrap_or("?"),
                        v.remote.as_deref().unwrap_or("none")
                    );
                }
            })
        }
        Command::Issue(IssueCommand::Create(a)) => {
            let input = CreateIssueInput {
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
                complexity: a.complexity,
                owner: a.owner,
                stakeholders: None,
                risks: None,
                labels: Some(a.label),
                parent: a.parent,
            };
            let out = lazypm_service::retrying(|| svc.pm_create_issue(input.clone())).await?;
            print(json, &out, |o| {
                show!("Created {}: {}", o.issue.key, o.issue.title)
            })
        }
        Command::Issue(IssueCommand::List(a)) => {
            // Built as the tool's JSON so each filter value reaches the
            // service as written (`open` included).
            let input: ListIssuesInput = parse_input(json!({
                "status": list(a.status),
                "priority": list(a.priority),
                "type": list(a.issue_type),
                "owner": a.owner,
                "module": a.module,
                "label": a.label,
                "limit": a.limit,
                "cursor": a.cursor,
            }))?;
            let out = svc.pm_list_issues(input).await?;
            print(json, &out, render::issue_rows)
        }
        Command::Issue(IssueCommand::Show { key }) => {
            let out = svc.pm_get_issue(GetIssueInput { issue_key: key }).await?;
            print(json, &out, render::issue_detail)
        }
        Command::Issue(IssueCommand::Search(a)) => {
            let input: SearchIssuesInput = parse_input(json!({
                "query": a.query.join(" "),
                "status": list(a.status),
                "limit": a.limit,
            }))?;
            let out = svc.pm_search_issues(input).await?;
            print(json, &out, render::search_hits)
        }
        Command::Start(a) => {
            let input = StartWorkInput {
                issue_key: a.key,
                validate_dependencies: Some(!a.no_validate),
                take_over: Some(a.take_over),
                notes: None,
                create_branch: if a.branch {
                    Some(true)
                } else if a.no_branch {
                    Some(false)
                } else {
                    None
                },
                base_branch: a.base,
                uncommitted: a.changes.uncommitted(),
            };
            let out = lazypm_service::retrying(|| svc.pm_start_work(input.clone())).await?;
            print(json, &out, |o| {
                match &o.branch {
                    Some(b) => show!("Branch {b}: {}", o.branch_note),
                    None => show!("{}", o.branch_note),
                }
                if o.started {
                    show!(
                        "Started {}: {} (owner {})",
                        o.issue.key,
                        o.issue.title,
                        o.issue.owner.as_deref().unwrap_or("-")
                    );
                } else {
                    show!("{} is already in progress and yours", o.issue.key);
                }
            })
        }
        Command::Log(a) => {
            let input = LogWorkInput {
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
            };
            let out = lazypm_service::retrying(|| svc.pm_log_work(input.clone())).await?;
            print(json, &out, |o| {
                show!(
                    "Logged {} of {} on {} (total {})",
                    o.logged.time_spent,
                    o.logged.activity,
                    o.logged.issue_key,
                    o.total_time_spent
                )
            })
        }
        Command::Review(a) => {
            let input = UpdateStatusInput {
                issue_key: a.key,
                status: Status::Review,
                notes: a.notes,
                blocker_reason: None,
                validate_dependencies: None,
                version: None,
            };
            let out = lazypm_service::retrying(|| svc.pm_update_status(input.clone())).await?;
            print(json, &out, |o| show!("{} is now in review", o.issue.key))
        }
        Command::Done(a) => {
            let input = CompleteIssueInput {
                issue_key: a.key,
                actual_time: a.actual,
                lessons_learned: (!a.lessons.is_empty()).then_some(OneOrMany::Many(a.lessons)),
                notes: None,
                archive: None,
            };
            let out = lazypm_service::retrying(|| svc.pm_complete_issue(input.clone())).await?;
            print(json, &out, |o| {
                if o.completed {
                    show!("Completed {} ({})", o.issue.key, o.transitions.join(", "));
                } else {
                    show!(
                        "{} is in review and waits for an approved review",
                        o.issue.key
                    );
                }
            })
        }
        Command::Next(a) => {
            let input = SuggestNextWorkInput {
                claim: Some(a.claim),
                limit: a.limit,
                ..Default::default()
            };
            let out = lazypm_service::retrying(|| svc.pm_suggest_next_work(input.clone())).await?;
            print(json, &out, render::suggestions)
        }
        Command::Status(_) => {
            let out = svc.pm_status(StatusInput::default()).await?;
            print(json, &out, render::status)
        }
        Command::Call { .. }
        | Command::Report { .. }
        | Command::Tools
        | Command::Bench(_)
        | Command::Migrate(_)
        | Command::Audit(_)
        | Command::Completions(_)
        | Command::Man(_)
        | Command::Healthcheck(_)
        | Command::Export(_)
        | Command::Setup(_)
        | Command::Prime
        | Command::Doctor
        | Command::Import(_)
        | Command::Backup(_)
        | Command::Restore(_)
        | Command::Mcp(_)
        | Command::Serve(_)
        | Command::Git(_)
        | Command::Hooks(_)
        | Command::Hook(_) => Ok(()),
    }
}
