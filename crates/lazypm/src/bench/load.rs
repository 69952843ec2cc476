//! `lazypm bench load`: several agents, each a long-lived `lazypm mcp`
//! session, run the daily loop on one store at once (create, claim the best
//! ready issue, read it, log work, a versioned update, complete). It reports
//! aggregate throughput, latency per tool, errors by kind, and then checks
//! the store: no issue claimed twice, no acknowledged write missing.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde_json::{Value, json};

use super::mcp::McpProcess;

#[derive(clap::Args)]
pub struct LoadArgs {
    /// How many agents (MCP sessions) run at once, 1–64.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=64))]
    agents: u32,
    /// How long they run, in seconds (1–3600).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    seconds: u64,
}

/// The project every agent works in.
const PROJECT: &str = "LOAD";

/// What one agent did and saw.
#[derive(Default)]
struct Tally {
    latencies: BTreeMap<&'static str, Vec<Duration>>,
    /// Per tool and error code: how many, and the first message.
    errors: BTreeMap<String, (u64, String)>,
    /// Issues this agent was told it claimed.
    claimed: Vec<String>,
    /// Per issue: the description of its last acknowledged update.
    updated: HashMap<String, String>,
    /// Per issue: acknowledged work logs.
    logged: HashMap<String, u64>,
    completed: Vec<String>,
}

impl Tally {
    /// Times one call; `Some(result)` when the tool succeeded.
    fn call(
        &mut self,
        mcp: &mut McpProcess,
        id: &mut u64,
        tool: &'static str,
        args: Value,
    ) -> anyhow::Result<Option<Value>> {
        *id += 1;
        let started = Instant::now();
        let outcome = mcp.call(*id, tool, args)?;
        self.latencies
            .entry(tool)
            .or_default()
            .push(started.elapsed());
        match outcome {
            Ok(v) => Ok(Some(v)),
            Err((code, message)) => {
                let e = self
                    .errors
                    .entry(format!("{tool}: {code}"))
                    .or_insert((0, message));
                e.0 += 1;
                Ok(None)
            }
        }
    }
}

pub async fn run(args: LoadArgs, database_url: Option<String>) -> anyhow::Result<()> {
    let exe = std::env::current_exe().context("cannot find the lazypm executable")?;
    let temp = tempfile::tempdir()?;
    let data = temp.path().join("data");
    std::fs::create_dir_all(&data)?;
    let url = match &database_url {
        Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
            let url = with_schema(u);
            std::fs::write(data.join("database-url"), format!("{url}\n"))?;
            url
        }
        Some(u) => anyhow::bail!(
            "bench load makes its own SQLite store; --database-url is for a PostgreSQL server (got {u})"
        ),
        None => format!("sqlite://{}", data.join("lazypm.db").display()),
    };
    let project = temp.path().join("load");
    std::fs::create_dir_all(&project)?;
    let store = lazypm_service::open_store(&url).await?;
    let svc = lazypm_service::Service::new(
        store.clone(),
        lazypm_service::EventSink::new(data.join("events.jsonl")),
        lazypm_service::Context {
            actor: "bench".into(),
            ..Default::default()
        },
    );
    svc.call(
        "pm_init_project",
        json!({"path": project.display().to_string(), "key": PROJECT}),
    )
    .await?;
    out!(
        "{} agents for {} s on {} …",
        args.agents,
        args.seconds,
        store_name(&url)
    );

    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let agents: Vec<_> = (0..args.agents)
        .map(|n| {
            let exe = exe.clone();
            let data = data.clone();
            std::thread::spawn(move || agent(&exe, &data, n, deadline))
        })
        .collect();
    let mut tallies = Vec::new();
    for a in agents {
        match a.join() {
            Ok(t) => tallies.push(t?),
            Err(_) => anyhow::bail!("an agent thread panicked"),
        }
    }
    let elapsed = started.elapsed();
    let verdict = verify(&svc, &tallies).await?;
    store.close().await;
    report(&tallies, elapsed, &verdict);
    if let Some(schema) = url.split("schema=").nth(1) {
        out!("\nthe run's data is in schema {schema}: DROP SCHEMA {schema} CASCADE removes it");
    }
    Ok(())
}

/// A PostgreSQL URL with a schema of this run's own, unless it names one.
pub(super) fn with_schema(url: &str) -> String {
    if url.contains("schema=") {
        return url.to_string();
    }
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}schema=lazypm_bench_{stamp}")
}

/// The store for the report: the backend and where, never a password.
fn store_name(url: &str) -> String {
    match url.split_once("://") {
        Some(("sqlite", path)) => format!("SQLite ({path})"),
        Some((_, rest)) => {
            let host = rest.rsplit('@').next().unwrap_or(rest);
            format!("PostgreSQL ({})", host.split('?').next().unwrap_or(host))
        }
        None => url.to_string(),
    }
}

/// One agent's session: the daily loop until the deadline.
fn agent(exe: &Path, data: &Path, n: u32, deadline: Instant) -> anyhow::Result<Tally> {
    let actor = format!("agent-{n}");
    let mut mcp = McpProcess::start_with(exe, data, PROJECT, Some(&actor))?;
    let mut tally = Tally::default();
    let mut id = 10;
    let mut round = 0u64;
    while Instant::now() < deadline {
        round += 1;
        tally.call(
            &mut mcp,
            &mut id,
            "pm_create_issue",
            json!({
                "type": "chore",
                "title": format!("Load {actor} {round}"),
                "description": filler(n, round),
            }),
        )?;
        let Some(next) = tally.call(
            &mut mcp,
            &mut id,
            "pm_suggest_next_work",
            json!({"claim": true, "limit": 1}),
        )?
        else {
            continue;
        };
        let Some(key) = next["claimed"].as_str().map(str::to_string) else {
            continue;
        };
        tally.claimed.push(key.clone());
        if tally
            .call(
                &mut mcp,
                &mut id,
                "pm_log_work",
                json!({"issue_key": key, "activity": "code", "summary": "load step", "time_spent": "15m"}),
            )?
            .is_some()
        {
            *tally.logged.entry(key.clone()).or_default() += 1;
        }
        let Some(issue) =
            tally.call(&mut mcp, &mut id, "pm_get_issue", json!({"issue_key": key}))?
        else {
            continue;
        };
        let version = issue["issue"]["version"].as_i64().unwrap_or_default();
        let description = format!("{actor} round {round} updated {key}");
        if tally
            .call(
                &mut mcp,
                &mut id,
                "pm_update_issue",
                json!({"issue_key": key, "version": version, "description": description}),
            )?
            .is_some()
        {
            tally.updated.insert(key.clone(), description);
        }
        if tally
            .call(
                &mut mcp,
                &mut id,
                "pm_complete_issue",
                json!({"issue_key": key}),
            )?
            .is_some()
        {
            tally.completed.push(key);
        }
    }
    mcp.stop();
    Ok(tally)
}

/// About 300 characters of description, different for every issue.
fn filler(agent: u32, round: u64) -> String {
    let mut text = format!("Agent {agent}, round {round}. ");
    while text.len() < 300 {
        text.push_str("The loader checks that claims, logs, updates and completions survive. ");
    }
    text.truncate(300);
    text
}

#[derive(Default)]
struct Verdict {
    double_claims: Vec<String>,
    lost_updates: Vec<String>,
}

/// Reads the store back: each issue claimed by one agent only, and every
/// acknowledged log, update and completion present.
async fn verify(svc: &lazypm_service::Service, tallies: &[Tally]) -> anyhow::Result<Verdict> {
    let mut verdict = Verdict::default();
    let mut claims: HashMap<&str, u32> = HashMap::new();
    for t in tallies {
        for k in &t.claimed {
            *claims.entry(k).or_default() += 1;
        }
    }
    verdict.double_claims = claims
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(k, n)| format!("{k} claimed {n} times"))
        .collect();
    let mut tx = svc.store().begin_read().await?;
    for t in tallies {
        for (key, description) in &t.updated {
            let detail = tx
                .issue_detail(key)
                .await?
                .context("a claimed issue vanished")?;
            if detail.issue.specification.description != *description {
                verdict
                    .lost_updates
                    .push(format!("{key}: the acknowledged description is not stored"));
            }
            let logs = detail.work_logs.len() as u64;
            let acked = t.logged.get(key).copied().unwrap_or_default();
            if logs < acked {
                verdict
                    .lost_updates
                    .push(format!("{key}: {acked} logs acknowledged, {logs} stored"));
            }
        }
        for key in &t.completed {
            let detail = tx
                .issue_detail(key)
                .await?
                .context("a completed issue vanished")?;
            if !detail.issue.status.is_closed() {
                verdict.lost_updates.push(format!(
                    "{key}: completion acknowledged, status {}",
                    detail.issue.status
                ));
            }
        }
    }
    Ok(verdict)
}

fn report(tallies: &[Tally], elapsed: Duration, verdict: &Verdict) {
    let mut all: BTreeMap<&str, Vec<Duration>> = BTreeMap::new();
    let mut errors: BTreeMap<&str, (u64, &str)> = BTreeMap::new();
    for t in tallies {
        for (op, l) in &t.latencies {
            all.entry(op).or_default().extend(l);
        }
        for (e, (n, message)) in &t.errors {
            errors.entry(e).or_insert((0, message)).0 += n;
        }
    }
    let mut every: Vec<Duration> = all.values().flatten().copied().collect();
    let total = every.len();
    out!(
        "\n{:<24} {:>8} {:>10} {:>10}",
        "tool",
        "calls",
        "p50 ms",
        "p99 ms"
    );
    for (op, l) in &mut all {
        out!(
            "{:<24} {:>8} {:>10.2} {:>10.2}",
            op,
            l.len(),
            ms(percentile(l, 0.50)),
            ms(percentile(l, 0.99))
        );
    }
    out!(
        "{:<24} {:>8} {:>10.2} {:>10.2}",
        "all",
        total,
        ms(percentile(&mut every, 0.50)),
        ms(percentile(&mut every, 0.99))
    );
    let secs = elapsed.as_secs_f64();
    out!(
        "\n{total} operations in {secs:.1} s: {:.0} ops/s from {} agents",
        total as f64 / secs.max(f64::EPSILON),
        tallies.len()
    );
    let claimed: usize = tallies.iter().map(|t| t.claimed.len()).sum();
    let completed: usize = tallies.iter().map(|t| t.completed.len()).sum();
    out!("issues claimed {claimed}, completed {completed}");
    if errors.is_empty() {
        out!("errors surfaced to agents: 0");
    } else {
        out!(
            "errors surfaced to agents: {}",
            errors.values().map(|(n, _)| n).sum::<u64>()
        );
        for (e, (n, message)) in &errors {
            out!("  {n:>6}  {e} (first: {message})");
        }
    }
    out!("double claims: {}", verdict.double_claims.len());
    for d in verdict.double_claims.iter().take(10) {
        out!("  {d}");
    }
    out!("lost updates: {}", verdict.lost_updates.len());
    for l in verdict.lost_updates.iter().take(10) {
        out!("  {l}");
    }
}

fn percentile(l: &mut [Duration], q: f64) -> Duration {
    if l.is_empty() {
        return Duration::ZERO;
    }
    l.sort_unstable();
    let i = ((l.len() as f64 - 1.0) * q).round() as usize;
    l[i.min(l.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
