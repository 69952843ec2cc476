//! `lazypm bench`: seeds temporary stores and measures the operations agents
//! call most, printing p50/p95 beside the targets the product commits to.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use lazypm_domain::{Activity, IssueType, Priority, Status};
use lazypm_service::ops::issues::*;
use lazypm_service::ops::projects::RegisterProjectInput;
use lazypm_service::ops::queue::SuggestNextWorkInput;
use lazypm_service::ops::tasks::CreateTaskInput;
use lazypm_service::ops::work::*;
use lazypm_service::{Context, EventSink, Service};

mod analytics;
mod data;
mod load;
mod mcp;

use data::Rng;
use mcp::{McpProcess, mcp_handshake};

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchArgs {
    #[command(subcommand)]
    command: Option<BenchCommand>,
    /// Store sizes to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "10000,100000")]
    sizes: Vec<usize>,
    /// Timed samples per operation.
    #[arg(long, default_value_t = 300)]
    samples: usize,
    /// Keep the seeded stores in DIR (one subdirectory per size) and reuse them
    /// on later runs instead of seeding again; default: fresh temporary stores.
    #[arg(long, value_name = "DIR")]
    reuse: Option<std::path::PathBuf>,
    /// Also time the dashboard's pages and `GET /api/issues/{key}` (after
    /// topping the store up to 100k audit events).
    #[arg(long)]
    pages: bool,
    /// Also time the analytics and report tools (after topping the store up
    /// to 200k audit events, at least 100k of them work logs).
    #[arg(long)]
    analytics: bool,
}

#[derive(clap::Subcommand)]
enum BenchCommand {
    /// Several agents, each a long-lived `lazypm mcp` session, run the daily
    /// loop on one store (a fresh SQLite file, or `--database-url
    /// postgres://…`): throughput, latency, errors, double claims, lost updates.
    Load(load::LoadArgs),
}

struct Row {
    op: &'static str,
    size: usize,
    p50: Duration,
    p95: Duration,
    target: Option<f64>,
}

pub async fn run(args: BenchArgs, database_url: Option<String>) -> anyhow::Result<()> {
    if let Some(BenchCommand::Load(load)) = args.command {
        return load::run(load, database_url).await;
    }
    let server = match database_url {
        Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => Some(u),
        Some(u) => anyhow::bail!(
            "the bench makes its own SQLite stores; --database-url is for a PostgreSQL server (got {u})"
        ),
        None => None,
    };
    let mut rows = Vec::new();
    for &size in &args.sizes {
        let temp = tempfile::tempdir()?;
        let dir = match &args.reuse {
            Some(base) => base.join(size.to_string()),
            None => temp.path().to_path_buf(),
        };
        std::fs::create_dir_all(&dir)?;
        let svc = if let Some(server) = &server {
            // A fresh schema per size, named in the directory so the
            // processes the bench starts find it too.
            let url = load::with_schema(server);
            std::fs::write(dir.join("database-url"), format!("{url}\n"))?;
            out!(
                "seeding {size} issues into {}",
                url.split("schema=").nth(1).unwrap_or_default()
            );
            seeded(&dir, &url, size).await?
        } else if dir.join("lazypm.db").exists() {
            let store = lazypm_service::open_store(&format!(
                "sqlite://{}",
                dir.join("lazypm.db").display()
            ))
            .await?;
            service(&dir, store)
        } else {
            let url = format!("sqlite://{}", dir.join("lazypm.db").display());
            seeded(&dir, &url, size).await?
        };
        rows.extend(measure(&svc, &dir, size, args.samples).await?);
        if args.pages {
            let samples = args.samples.min(100);
            for p in crate::benchweb::measure(&svc, size, samples).await? {
                out!("{} at {size}: largest body {} KB", p.op, p.bytes / 1024);
                rows.push(Row {
                    op: p.op,
                    size,
                    p50: p.p50,
                    p95: p.p95,
                    target: p.target,
                });
            }
        }
        if args.analytics {
            rows.extend(analytics::measure(&svc, size, args.samples.min(100)).await?);
        }
    }
    out!(
        "\n{:<28} {:>8} {:>10} {:>10} {:>10}  ok",
        "operation",
        "issues",
        "p50 ms",
        "p95 ms",
        "target"
    );
    for r in &rows {
        let p50 = r.p50.as_secs_f64() * 1000.0;
        let ok = match r.target {
            Some(t) if p50 <= t => "yes",
            Some(_) => "NO",
            None => "",
        };
        let target = r.target.map(|t| format!("≤ {t}")).unwrap_or_default();
        out!(
            "{:<28} {:>8} {:>10.3} {:>10.3} {:>10}  {ok}",
            r.op,
            r.size,
            p50,
            r.p95.as_secs_f64() * 1000.0,
            target
        );
    }
    Ok(())
}

fn service(dir: &Path, store: std::sync::Arc<dyn lazypm_store::Store>) -> Service {
    Service::new(
        store,
        EventSink::new(dir.join("events.jsonl")),
        Context {
            actor: "bench".into(),
            project: Some("BENCH".into()),
            cwd: None,
            ..Context::default()
        },
    )
}

async fn seeded(dir: &Path, url: &str, size: usize) -> anyhow::Result<Service> {
    let store = lazypm_service::open_store(url).await?;
    let svc = service(dir, store);
    svc.pm_register_project(RegisterProjectInput {
        project_id: "BENCH".into(),
        name: "Bench".into(),
        path: dir.display().to_string(),
        description: None,
        require_review: None,
        auto_branch: None,
    })
    .await?;
    let bar = ProgressBar::new(size as u64).with_message(format!("seeding {size} issues"));
    bar.set_style(ProgressStyle::with_template(
        "{msg} {bar:40} {pos}/{len} {eta}",
    )?);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ size as u64);
    for n in 1..=size {
        let key = create(&svc, &mut rng, n).await?;
        match n % 20 {
            0 | 1 => {
                svc.pm_start_work(StartWorkInput {
                    issue_key: key.clone(),
                    validate_dependencies: Some(false),
                    ..Default::default()
                })
                .await?;
                svc.pm_log_work(LogWorkInput {
                    issue_key: key.clone(),
                    activity: Activity::Code,
                    summary: format!("worked on the {} {}", rng.word(), rng.word()),
                    time_spent: Some("1h30m".into()),
                    details: None,
                    artifacts: None,
                    commits: None,
                    urls: None,
                    blockers: None,
                    decisions: None,
                    task_key: None,
                })
                .await?;
                svc.pm_create_task(CreateTaskInput {
                    issue_key: key.clone(),
                    title: "write the tests".into(),
                    details: None,
                    assignee: None,
                    checklist: Some(vec!["unit".into(), "integration".into()]),
                    estimate: Some("2h".into()),
                    status: None,
                })
                .await?;
                svc.pm_add_comment(AddCommentInput {
                    issue_key: key.clone(),
                    body: format!("the {} looks fine", rng.word()),
                })
                .await?;
            }
            2..=5 => {
                svc.pm_start_work(StartWorkInput {
                    issue_key: key.clone(),
                    validate_dependencies: Some(false),
                    ..Default::default()
                })
                .await?;
                svc.pm_complete_issue(CompleteIssueInput {
                    issue_key: key,
                    actual_time: Some("3h".into()),
                    lessons_learned: None,
                    notes: None,
                    archive: None,
                })
                .await?;
            }
            _ => {}
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    svc.store().refresh_statistics().await?;
    Ok(svc)
}

async fn create(svc: &Service, rng: &mut Rng, n: usize) -> anyhow::Result<String> {
    let types = [
        IssueType::Feature,
        IssueType::Bug,
        IssueType::Refactor,
        IssueType::Chore,
        IssueType::Spike,
    ];
    let title = format!(
        "{} the {} {} {}",
        ["Add", "Fix", "Improve", "Remove", "Document"][rng.below(5)],
        rng.word(),
        rng.word(),
        rng.word()
    );
    let description = (0..30).map(|_| rng.filler()).collect::<Vec<_>>().join(" ");
    let dependencies =
        (n > 50 && n.is_multiple_of(7)).then(|| vec![format!("BENCH-{}", n - 1 - rng.below(50))]);
    let out = svc
        .pm_create_issue(CreateIssueInput {
            project_id: None,
            issue_type: types[rng.below(types.len())],
            title,
            description: Some(description),
            priority: Some(Priority::ALL[rng.below(5)]),
            module: Some(["api", "web", "store", "cli"][rng.below(4)].into()),
            acceptance_criteria: Some(vec![format!("the {} works", rng.word())]),
            technical_approach: None,
            dependencies,
            estimated_effort: Some("4h".into()),
            estimate_hours: None,
            story_points: Some(3),
            complexity: None,
            owner: None,
            stakeholders: None,
            risks: None,
            labels: Some(vec![rng.word().to_string()]),
            parent: None,
        })
        .await?;
    Ok(out.issue.key)
}

async fn time<F, Fut>(samples: usize, mut f: F) -> anyhow::Result<(Duration, Duration)>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let mut times = Vec::with_capacity(samples);
    for i in 0..samples {
        let start = Instant::now();
        f(i).await?;
        times.push(start.elapsed());
    }
    times.sort();
    let pick = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    Ok((pick(0.50), pick(0.95)))
}

async fn measure(
    svc: &Service,
    dir: &Path,
    size: usize,
    samples: usize,
) -> anyhow::Result<Vec<Row>> {
    let big = size >= 100_000;
    let mut rows = Vec::new();
    let mut push = |op, (p50, p95): (Duration, Duration), target: Option<f64>| {
        rows.push(Row {
            op,
            size,
            p50,
            p95,
            target,
        })
    };
    let mut rng = Rng(42);

    let t = time(samples, |_| {
        let key = format!("BENCH-{}", 1 + (rng.next() % size as u64));
        async move {
            svc.pm_get_issue(GetIssueInput { issue_key: key })
                .await
                .map(drop)
                .map_err(Into::into)
        }
    })
    .await?;
    push("get issue with relations", t, (!big).then_some(0.2));

    let t = time(samples, |i| {
        let status = [Status::Proposed, Status::InProgress, Status::Done][i % 3];
        async move {
            svc.pm_list_issues(ListIssuesInput {
                status: Some(OneOrMany::One(StatusFilter::Is(status))),
                limit: Some(50),
                ..Default::default()
            })
            .await
            .map(drop)
            .map_err(Into::into)
        }
    })
    .await?;
    push("list page of 50, filtered", t, (!big).then_some(1.0));

    let t = time(samples, |_| {
        let query = format!("{} {}", rng.word(), rng.word());
        async move {
            svc.pm_search_issues(SearchIssuesInput {
                project_id: None,
                query,
                status: None,
                include_archived: None,
                limit: Some(20),
            })
            .await
            .map(drop)
            .map_err(Into::into)
        }
    })
    .await?;
    push("ranked search", t, Some(if big { 8.0 } else { 2.0 }));

    let t = time(samples, |_| async move {
        svc.pm_suggest_next_work(SuggestNextWorkInput {
            limit: Some(5),
            ..Default::default()
        })
        .await
        .map(drop)
        .map_err(Into::into)
    })
    .await?;
    push("suggest next work", t, (!big).then_some(2.0));

    // Issues 20k+1 are in progress (seeded): toggle them between blocked and in_progress.
    let in_progress: Vec<String> = (1..=size)
        .filter(|n| n % 20 == 1)
        .map(|n| format!("BENCH-{n}"))
        .take(samples)
        .collect();
    let t = time(in_progress.len() * 2, |i| {
        let key = in_progress[i % in_progress.len()].clone();
        let blocking = i < in_progress.len();
        async move {
            svc.pm_update_status(UpdateStatusInput {
                issue_key: key,
                status: if blocking {
                    Status::Blocked
                } else {
                    Status::InProgress
                },
                notes: None,
                blocker_reason: blocking.then(|| "waiting on review".to_string()),
                version: None,
                // The seeded dependency graph is random: back to work regardless of blockers.
                validate_dependencies: Some(false),
            })
            .await
            .map(drop)
            .map_err(Into::into)
        }
    })
    .await?;
    push("status update", t, None);

    let mut r2 = Rng(7);
    let t = time(samples, |_| {
        let n = r2.next();
        async move { create(svc, &mut Rng(n | 1), size + 1).await.map(drop) }
    })
    .await?;
    push("create issue", t, (!big).then_some(0.3));

    let exe = std::env::current_exe().context("cannot find the lazypm executable")?;
    let runs = (samples / 5).max(20);
    processes(&exe, dir, size, runs, &mut rng, &mut push).await?;

    let t = time(runs, |_| {
        let exe = exe.clone();
        async move { mcp_handshake(&exe, dir).map(drop) }
    })
    .await?;
    push(
        "mcp: start, initialize, tools/list",
        t,
        (!big).then_some(20.0),
    );

    // One server, many calls: the round trip's cost over the service's own time.
    let mut server = McpProcess::start(&exe, dir)?;
    let mut keys = Rng(99);
    let (direct, _) = time(samples, |_| {
        let key = format!("BENCH-{}", 1 + (keys.next() % size as u64));
        async move {
            svc.pm_get_issue(GetIssueInput { issue_key: key })
                .await
                .map(drop)
                .map_err(Into::into)
        }
    })
    .await?;
    let mut keys = Rng(99);
    let mut id = 10;
    let (p50, p95) = time(samples, |_| {
        id += 1;
        let key = format!("BENCH-{}", 1 + (keys.next() % size as u64));
        let line = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"pm_get_issue","arguments":{{"issue_key":"{key}"}}}}}}"#);
        let reply = server.request(&line, id);
        async move { reply.map(drop) }
    })
    .await?;
    server.stop();
    push(
        "mcp: tools/call overhead",
        (p50.saturating_sub(direct), p95.saturating_sub(direct)),
        (!big).then_some(1.0),
    );
    Ok(rows)
}

/// Whole `lazypm` processes, spawn to exit, as an agent's shell runs them:
/// the everyday commands, and `--version` for the floor every process pays.
async fn processes(
    exe: &Path,
    dir: &Path,
    size: usize,
    runs: usize,
    rng: &mut Rng,
    push: &mut impl FnMut(&'static str, (Duration, Duration), Option<f64>),
) -> anyhow::Result<()> {
    let big = size >= 100_000;
    let data = dir.display().to_string();
    let key = |rng: &mut Rng| format!("BENCH-{}", 1 + (rng.next() % size as u64));
    // Each row with its p50 target at 10k (none for the floor).
    let cases: [(&'static str, Option<f64>); 7] = [
        ("process: --version", None),
        ("process: issue show", Some(3.0)),
        ("process: issue list", Some(5.0)),
        ("process: issue search", Some(5.0)),
        ("process: next", Some(5.0)),
        ("process: issue create", Some(5.0)),
        ("process: update issue", Some(5.0)),
    ];
    for (n, (op, target)) in cases.into_iter().enumerate() {
        let t = time(runs, |i| {
            let args: Vec<String> = match n {
                0 => vec!["--version".into()],
                1 => vec!["issue".into(), "show".into(), key(rng)],
                2 => vec![
                    "issue".into(),
                    "list".into(),
                    "--status".into(),
                    "proposed".into(),
                ],
                3 => vec!["issue".into(), "search".into(), rng.word().into()],
                4 => vec!["next".into()],
                5 => vec![
                    "issue".into(),
                    "create".into(),
                    "--title".into(),
                    format!("Process bench {i} {}", rng.word()),
                ],
                _ => vec![
                    "call".into(),
                    "pm_update_issue".into(),
                    format!(r#"{{"issue_key":"{}","title":"Renamed {i}"}}"#, key(rng)),
                ],
            };
            let result = Command::new(exe)
                .args(["--data-dir", &data, "--project", "BENCH"])
                .args(&args)
                .output()
                .map_err(anyhow::Error::from)
                .and_then(|out| {
                    anyhow::ensure!(
                        out.status.success(),
                        "lazypm {} failed: {}",
                        args.join(" "),
                        String::from_utf8_lossy(&out.stderr)
                    );
                    Ok(())
                });
            async move { result }
        })
        .await?;
        push(op, t, target.filter(|_| !big));
    }
    Ok(())
}
