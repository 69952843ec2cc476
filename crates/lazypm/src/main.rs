//! The `lazypm` binary: parses the command line, opens the store and hands
//! each command to the service layer. It adds nothing but translation.

/// Prints a line to stdout; a closed pipe (`lazypm … | head`) is not an error.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// Prints a line for people: control characters in it (from user text) are
/// shown as text by [`render::visible`]. JSON goes through `out!`.
macro_rules! show {
    ($($arg:tt)*) => {{
        out!("{}", crate::render::visible(&format!($($arg)*)));
    }};
}

mod auditcmd;
mod backupcmd;
mod bench;
mod benchweb;
mod cli_errors;
mod commands;
mod config;
mod doctorcmd;
mod exportcmd;
mod gitcmd;
mod healthcmd;
mod hookcmd;
mod importcmd;
mod installcmd;
mod migrate;
mod pgdump;
mod render;
mod restorecmd;
mod servecmd;
mod setupcmd;
mod values;

use std::io::Read;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde_json::Value;

use crate::config::Settings;

#[derive(Parser)]
#[command(
    name = "lazypm",
    version,
    about = "Project management for coding agents and the people who watch them",
    after_help = "Exit status: 0 success, 1 failure (the error is on stderr), 2 usage error."
)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Register the project in PATH (default: the current git repository's root).
    Init(commands::InitArgs),
    /// Run any operation by its tool name with JSON arguments (or `-` to read them from stdin).
    #[command(
        after_help = "Errors keep the tool's own words (input fields, tool names). An unknown tool, or arguments that are not a JSON object, exit with status 2."
    )]
    Call {
        /// Tool name, like pm_get_issue (`lazypm tools` lists them).
        tool: String,
        /// JSON object of arguments; `-` reads it from stdin; omitted means {}.
        #[arg(value_name = "JSON")]
        args: Option<String>,
    },
    /// List every operation with its toolset and hints.
    Tools,
    /// Create, list, show and search issues.
    #[command(subcommand)]
    Issue(commands::IssueCommand),
    /// Start work on an issue (take it and move it to in_progress).
    Start(commands::StartArgs),
    /// Log work on an issue: `lazypm log PROJ-1 2h30m "what was done"`.
    Log(commands::LogArgs),
    /// Move an issue to review.
    Review(commands::ReviewArgs),
    /// Complete an issue (through review), with actual time and lessons learned.
    Done(commands::DoneArgs),
    /// Ready work ranked; `--claim` starts the best one for you.
    Next(commands::NextArgs),
    /// Project health at a glance.
    Status(commands::StatusArgs),
    /// An analytics or report tool, readable: `lazypm report risk critical_only=true`,
    /// `lazypm report weekly audience=executive` (`lazypm report` lists them).
    #[command(
        after_help = "NAME is a tool of the analytics or reports toolset, with or without pm_ (burndown, weekly_report, risk_assessment, …) or a short name (weekly, risk, capacity, accuracy, workflow, graph, blockers, dashboard, standup). Arguments are the tool's, as name=value; a value that reads as JSON (true, 3, [\"a\"]) is taken as such."
    )]
    Report {
        /// The report; omitted lists them.
        name: Option<String>,
        /// Arguments as name=value.
        #[arg(value_name = "NAME=VALUE")]
        args: Vec<String>,
    },
    /// Git for an issue: status, branch, switch, commit, push (with a pull request), stash, log, merged, sync.
    #[command(subcommand)]
    Git(gitcmd::GitCommand),
    /// Install or remove the optional git hooks (PM trailer on commit, commit linked to its issue).
    #[command(subcommand)]
    Hooks(hookcmd::HooksCommand),
    /// Run by the installed git hooks.
    #[command(subcommand, hide = true)]
    Hook(hookcmd::HookRun),
    /// Serve the pm_* tools over MCP on stdin/stdout (`claude mcp add pm -- lazypm mcp`).
    Mcp(McpArgs),
    /// Serve the REST API, live events and MCP over HTTP (http://127.0.0.1:1929).
    Serve(servecmd::ServeArgs),
    /// Measure the store and service at 10k and 100k issues (on PostgreSQL with --database-url postgres://…).
    Bench(bench::BenchArgs),
    /// Check the audit trail: the events table's hash chain and events.jsonl against it.
    #[command(subcommand)]
    Audit(auditcmd::AuditCommand),
    /// Copy a whole store to another (SQLite to PostgreSQL and back), verified by row counts and checksums.
    Migrate(migrate::MigrateArgs),
    /// Import from the original system (seed-json, seed-sqlite), beads, taskmaster, backlog, github, or a lazypm json export.
    Import(importcmd::ImportArgs),
    /// Write the store as json (everything, re-importable), csv (issues), markdown (a file per issue) or events (JSONL).
    Export(exportcmd::ExportArgs),
    /// Back the store up into the data directory's backup/ folder (consistent while agents write), or verify or list backups.
    Backup(backupcmd::BackupArgs),
    /// Replace the store's content with a backup's, after checking the backup and backing up the store as it is.
    Restore(restorecmd::RestoreArgs),
    /// Connect an agent client in one step: its MCP configuration and an instructions block (claude, cursor, vscode, codex).
    Setup(setupcmd::SetupArgs),
    /// Print a compact session-start context: project health, your queue, what is ready, the working agreement.
    Prime,
    /// Check this setup (store, project, git, hooks, MCP clients, backups) and say how to fix each problem.
    Doctor,
    /// Ask a running `lazypm serve` whether it is healthy (exit 0 if so): a container's health check.
    Healthcheck(healthcmd::HealthArgs),
    /// Print the shell completion script for bash, zsh, fish, elvish or powershell.
    Completions(installcmd::CompletionsArgs),
    /// Print the manual page (roff), or write one per command with --dir.
    Man(installcmd::ManArgs),
}

#[derive(clap::Args)]
pub(crate) struct McpArgs {
    /// Toolsets to expose, comma-separated, or `all` (default: core,git).
    /// Toolsets: core, git, planning, execution, analytics, reports, admin.
    #[arg(long, env = "LAZYPM_TOOLSETS", value_name = "LIST")]
    toolsets: Option<String>,
    /// Extra single tools to expose, comma-separated.
    #[arg(long, value_name = "LIST")]
    tools: Option<String>,
    /// Tools to leave out, comma-separated.
    #[arg(long, value_name = "LIST")]
    exclude_tools: Option<String>,
    /// Expose only tools that change nothing.
    #[arg(long)]
    read_only: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let speaker = cli_errors::Speaker::of(&cli.command);
    init_tracing();
    // An MCP session serves calls concurrently: one slow call must not hold
    // up the others. The bench measures the service as those servers run it.
    // Every other command does one thing and needs one thread.
    //
    // A stdio session serves one agent, whose calls mostly come one after
    // another: one worker thread (blocking work still has its own pool).
    // With 8 agents on 2 cores that made 2,034-2,152 ops/s against
    // 1,865-2,019 with two workers each (fewer threads to wake and switch).
    // `serve` answers many clients at once and keeps two.
    let workers = match cli.command {
        Command::Mcp(_) => Some(1),
        Command::Serve(_) | Command::Bench(_) => Some(2),
        _ => None,
    };
    let mut builder = match workers {
        Some(n) => {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(n);
            b
        }
        None => tokio::runtime::Builder::new_current_thread(),
    };
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(cli_errors::FAILURE);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", render::visible(&speaker.message(&e)));
            ExitCode::from(speaker.exit_code(&e))
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let json = cli.settings.json;
    // A PostgreSQL store this command finds in need of a schema upgrade
    // leaves its archive in the backup folder first (SQLite's backs itself
    // up beside its file).
    if let Ok(dir) = cli.settings.data_dir() {
        lazypm_service::back_up_upgrades_into(dir.join("backup"));
    }
    let svc = match &cli.command {
        Command::Tools => {
            render::tools(json);
            return Ok(());
        }
        Command::Completions(args) => return installcmd::completions(args),
        Command::Man(args) => return installcmd::man(args),
        Command::Healthcheck(args) => return healthcmd::run(args),
        Command::Setup(args) => return setupcmd::setup(args, json),
        Command::Doctor => return doctorcmd::run(&cli.settings).await,
        Command::Bench(_)
        | Command::Migrate(_)
        | Command::Audit(_)
        | Command::Backup(_)
        | Command::Restore(_) => None,
        Command::Mcp(args) => {
            // Refuse a bad selection before speaking MCP: the client shows stderr.
            mcp_selection(args).resolve()?;
            Some(cli.settings.service_for_agent().await?)
        }
        Command::Serve(args) => {
            mcp_selection(&args.mcp).resolve()?;
            // Refused before the store is opened or a project registered.
            let has_token = args.token.as_deref().is_some_and(|t| !t.trim().is_empty());
            lazypm_web::check_bind(args.bind, has_token)?;
            Some(cli.settings.service_for_agent().await?)
        }
        // A hook must never stop a commit: even a store that cannot open is only reported.
        Command::Hook(_) => match cli.settings.service().await {
            Ok(svc) => Some(svc),
            Err(e) => {
                eprintln!("lazypm: {e:#}");
                return Ok(());
            }
        },
        _ => Some(cli.settings.service().await?),
    };
    let Some(svc) = svc else {
        return match cli.command {
            Command::Bench(args) => bench::run(args, cli.settings.database_url.clone()).await,
            Command::Migrate(args) => migrate::run(args, &cli.settings).await,
            Command::Audit(cmd) => auditcmd::run(cmd, &cli.settings).await,
            Command::Backup(args) => backupcmd::backup(args, &cli.settings).await,
            Command::Restore(args) => restorecmd::restore(args, &cli.settings).await,
            _ => Ok(()),
        };
    };
    let result = run_with(&svc, cli, json).await;
    // Closing folds SQLite's WAL back into the database file.
    svc.close().await;
    result
}

async fn run_with(svc: &lazypm_service::Service, cli: Cli, json: bool) -> anyhow::Result<()> {
    match cli.command {
        Command::Mcp(args) => {
            lazypm_mcp::serve_stdio(svc.clone(), mcp_selection(&args)).await?;
            Ok(())
        }
        Command::Serve(args) => servecmd::run(svc, args).await,
        Command::Git(command) => gitcmd::run(svc, command, json).await,
        Command::Hooks(command) => hookcmd::hooks(svc, command, &cli.settings).await,
        Command::Hook(run) => hookcmd::hook(svc, run).await,
        Command::Call { tool, args } => {
            let args = read_args(args)?;
            let out = svc.call(&tool, args).await?;
            out!("{}", serde_json::to_string_pretty(&out)?);
            Ok(())
        }
        Command::Report { name, args } => report(svc, name, args, json).await,
        Command::Export(args) => exportcmd::run(svc, args).await,
        Command::Import(args) => importcmd::run(svc, args, &cli.settings).await,
        Command::Prime => setupcmd::prime(svc, json).await,
        command => commands::run(svc, command, json).await,
    }
}

/// Short names for `lazypm report`.
const REPORT_ALIASES: &[(&str, &str)] = &[
    ("weekly", "pm_weekly_report"),
    ("risk", "pm_risk_assessment"),
    ("risks", "pm_risk_assessment"),
    ("capacity", "pm_capacity_planning"),
    ("accuracy", "pm_effort_accuracy"),
    ("effort", "pm_effort_accuracy"),
    ("workflow", "pm_optimize_workflow"),
    ("optimize", "pm_optimize_workflow"),
    ("graph", "pm_dependency_graph"),
    ("blockers", "pm_identify_blockers"),
    ("blocked", "pm_blocked_issues"),
    ("dashboard", "pm_project_dashboard"),
    ("standup", "pm_daily_standup"),
    ("forecast", "pm_simulate_scenario"),
    ("scenario", "pm_simulate_scenario"),
    ("performance", "pm_performance_impact"),
    ("milestone", "pm_milestone_report"),
    ("stakeholder", "pm_stakeholder_update"),
    ("stakeholders", "pm_stakeholder_update"),
];

async fn report(
    svc: &lazypm_service::Service,
    name: Option<String>,
    args: Vec<String>,
    json: bool,
) -> anyhow::Result<()> {
    use lazypm_service::{OPERATIONS, Toolset};
    let reports = || {
        OPERATIONS
            .iter()
            .filter(|o| matches!(o.toolset, Toolset::Analytics | Toolset::Reports))
    };
    let Some(name) = name else {
        for op in reports() {
            let short = op.name.trim_start_matches("pm_");
            show!("{short:<22} {}", op.description);
        }
        return Ok(());
    };
    let wanted = name.trim().to_lowercase().replace('-', "_");
    let tool = REPORT_ALIASES
        .iter()
        .find(|(alias, _)| *alias == wanted)
        .map(|(_, tool)| tool.to_string())
        .unwrap_or_else(|| {
            if wanted.starts_with("pm_") {
                wanted.clone()
            } else {
                format!("pm_{wanted}")
            }
        });
    if !reports().any(|o| o.name == tool) {
        let names: Vec<&str> = reports()
            .map(|o| o.name.trim_start_matches("pm_"))
            .collect();
        return Err(cli_errors::Usage(format!(
            "report: no report named '{name}'; the reports are {}",
            names.join(", ")
        ))
        .into());
    }
    let mut object = serde_json::Map::new();
    for arg in args {
        let Some((key, value)) = arg.split_once('=') else {
            return Err(cli_errors::Usage(format!(
                "report: '{arg}' is not name=value, like timeframe=2w"
            ))
            .into());
        };
        let key = key.trim().trim_start_matches("--").replace('-', "_");
        let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.into()));
        object.insert(key, value);
    }
    let out = svc.call(&tool, Value::Object(object)).await?;
    if json {
        out!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        show!("{}", lazypm_mcp::result_text(&out).trim_end());
    }
    Ok(())
}

pub(crate) fn mcp_selection(args: &McpArgs) -> lazypm_mcp::Selection {
    let split = |v: &Option<String>| {
        v.as_deref()
            .map(lazypm_mcp::Selection::split)
            .unwrap_or_default()
    };
    lazypm_mcp::Selection {
        toolsets: split(&args.toolsets),
        tools: split(&args.tools),
        exclude_tools: split(&args.exclude_tools),
        read_only: args.read_only,
    }
}

fn read_args(arg: Option<String>) -> anyhow::Result<Value> {
    let text = match arg.as_deref() {
        None => return Ok(Value::Object(Default::default())),
        Some("-") => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s)?;
            s
        }
        Some(s) => s.to_string(),
    };
    if text.trim().is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_str(&text).map_err(|e| {
        cli_errors::Usage(format!(
            "arguments: not valid JSON ({e}); pass an object like '{{\"issue_key\": \"PROJ-1\"}}'"
        ))
        .into()
    })
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    use super::Cli;

    /// Every flag and positional of every visible command says what it is for.
    #[test]
    fn every_argument_has_help() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if arg.is_hide_set() || id == "help" || id == "version" {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} {id}"));
                }
            }
            for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let cmd = Cli::command();
        cmd.clone().debug_assert();
        let mut missing = Vec::new();
        walk(&cmd, "lazypm", &mut missing);
        assert!(missing.is_empty(), "arguments without help: {missing:?}");
    }
}
