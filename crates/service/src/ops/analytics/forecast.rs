//! pm_simulate_scenario: when will the open work (or a sprint, or chosen
//! issues) be done at the pace the project has kept, and what if people,
//! scope or a blocker change. The forecast in pm_project_dashboard comes
//! from the same function.

use std::fmt::Write as _;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use lazypm_domain::analytics::forecast::{DEFAULT_SEED, DEFAULT_TRIALS, Forecast, simulate};
use lazypm_domain::graph::{GraphEdge, GraphNode, analyze};
use lazypm_domain::{IssueKey, Status};
use lazypm_store::Tx;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::burndown::{items_of, named_sprint};
use crate::ops::between;
use crate::{Result, Service, ServiceError};

/// Days of history sampled unless the caller says otherwise.
pub const DEFAULT_BASIS_DAYS: u32 = 28;
/// Focused hours a person puts into estimated work per day: turns a chain
/// of estimates into the fewest days it can take.
pub const FOCUS_HOURS_PER_DAY: f64 = 6.0;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulateScenarioInput {
    pub project_id: Option<String>,
    /// Forecast only these issues (their open ones); default all open work.
    pub issue_keys: Option<Vec<String>>,
    /// Forecast a sprint's open work.
    pub sprint: Option<String>,
    /// Days of history to sample: 7–365, default 28.
    pub basis_days: Option<u32>,
    /// 10000–100000, default 10000.
    pub trials: Option<u32>,
    /// Default 1929; the same seed gives the same dates.
    pub seed: Option<u64>,
    /// What if: people added (negative: taken away); pace scales with the count.
    pub add_owners: Option<i64>,
    /// What if: this many more issues.
    pub add_scope: Option<u32>,
    /// What if: this issue were resolved now (it leaves the scope and blocks nothing).
    pub remove_blocker: Option<String>,
}

/// One forecast's dates.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ForecastDates {
    pub scope: u64,
    pub mean_daily_throughput: f64,
    pub p50_days: Option<u32>,
    pub p85_days: Option<u32>,
    pub p95_days: Option<u32>,
    pub p50_date: Option<NaiveDate>,
    pub p85_date: Option<NaiveDate>,
    pub p95_date: Option<NaiveDate>,
    /// Trials still unfinished after ten years.
    pub unfinished_trials: u32,
    /// The fewest days the longest blocks chain takes at 6 focused hours a
    /// day; reported when a blocker is removed.
    pub dependency_floor_days: Option<u32>,
    /// (days from today, trials that finished then), for the histogram.
    #[serde(skip)]
    #[schemars(skip)]
    pub histogram: Vec<(u32, u32)>,
}

impl ForecastDates {
    /// The dates of a forecast counted from `today`.
    pub fn from_forecast(f: Forecast, today: NaiveDate) -> Self {
        Self::new(f, today, None)
    }

    fn new(f: Forecast, today: NaiveDate, floor: Option<u32>) -> Self {
        let lift = |d: Option<u32>| match (d, floor) {
            (Some(d), Some(f)) => Some(d.max(f)),
            (d, _) => d,
        };
        let date = |d: Option<u32>| d.map(|d| today + Duration::days(i64::from(d)));
        let (p50, p85, p95) = (lift(f.p50_days), lift(f.p85_days), lift(f.p95_days));
        ForecastDates {
            scope: f.scope,
            mean_daily_throughput: f.mean_daily_throughput,
            p50_days: p50,
            p85_days: p85,
            p95_days: p95,
            p50_date: date(p50),
            p85_date: date(p85),
            p95_date: date(p95),
            unfinished_trials: f.unfinished_trials,
            dependency_floor_days: floor,
            histogram: f.histogram,
        }
    }
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SimulateScenarioOutput {
    pub project: String,
    /// What was forecast, in words.
    pub scope: String,
    pub basis_days: u32,
    /// Basis days on which something was finished.
    pub basis_active_days: usize,
    /// Distinct owners who finished work in the basis window.
    pub owners: u32,
    pub trials: u32,
    pub seed: u64,
    pub baseline: ForecastDates,
    /// Set when a what-if was asked.
    pub scenario: Option<ForecastDates>,
    pub assumptions: Vec<String>,
    pub report: String,
    pub next_steps: Vec<String>,
}

/// Issues done on each of the last `basis_days` days (today included), and
/// the distinct owners who did them.
pub(crate) async fn daily_throughput(
    tx: &mut dyn Tx,
    project_id: i64,
    basis_days: u32,
    now: DateTime<Utc>,
) -> Result<(Vec<u32>, u64, u32)> {
    let today = now.date_naive();
    let start = today - Duration::days(i64::from(basis_days) - 1);
    let flow = tx
        .daily_flow(project_id, start.and_time(NaiveTime::MIN).and_utc(), false)
        .await?;
    let daily = (0..i64::from(basis_days))
        .map(|i| {
            flow.done
                .get(&(start + Duration::days(i)))
                .copied()
                .unwrap_or(0)
        })
        .collect();
    Ok((daily, flow.open_now, flow.done_owners))
}

fn line(out: &mut String, name: &str, f: &ForecastDates) {
    let show = |days: Option<u32>, date: Option<NaiveDate>| match (days, date) {
        (Some(d), Some(t)) => format!("{t} ({d} d)"),
        _ => "not within 10 years at this pace".into(),
    };
    let _ = writeln!(
        out,
        "| {name} | {} | {} | {} | {} |",
        f.scope,
        show(f.p50_days, f.p50_date),
        show(f.p85_days, f.p85_date),
        show(f.p95_days, f.p95_date)
    );
}

impl Service {
    pub async fn pm_simulate_scenario(
        &self,
        input: SimulateScenarioInput,
    ) -> Result<SimulateScenarioOutput> {
        let basis_days = between("basis_days", input.basis_days, DEFAULT_BASIS_DAYS, 7, 365)?;
        let trials = between("trials", input.trials, DEFAULT_TRIALS, 10_000, 100_000)?;
        let seed = input.seed.unwrap_or(DEFAULT_SEED);
        let now = Utc::now();
        let today = now.date_naive();
        let mut tx = self.read().await?;
        let project = self
            .resolve_project(&mut *tx, input.project_id.as_deref())
            .await?;
        let (daily, open_now, owners) =
            daily_throughput(&mut *tx, project.id, basis_days, now).await?;
        // The open keys of a chosen scope, or None for all open work.
        let (mut scope, chosen): (u64, Option<Vec<String>>) =
            match (&input.issue_keys, &input.sprint) {
                (Some(_), Some(_)) => {
                    return Err(ServiceError::invalid(
                        "issue_keys",
                        "name issue_keys or a sprint, not both",
                    ));
                }
                (Some(keys), None) => {
                    let keys = lazypm_domain::text::clean_list("issue_keys", keys, 40)?;
                    let mut open = Vec::new();
                    for (i, k) in keys.iter().enumerate() {
                        let field = format!("issue_keys[{i}]");
                        let issue = crate::ops::load_issue(&mut *tx, &field, k).await?;
                        if issue.project_id != project.id {
                            return Err(ServiceError::invalid(
                                field,
                                format!("{} belongs to another project", issue.key),
                            ));
                        }
                        if !matches!(issue.status, Status::Done | Status::Canceled) {
                            open.push(issue.key);
                        }
                    }
                    (open.len() as u64, Some(open))
                }
                (None, Some(name)) => {
                    let sprints = tx.list_sprints(project.id).await?;
                    let s = named_sprint(&sprints, name, &project.key)?;
                    let open: Vec<String> = items_of(&mut *tx, s.sprint.id)
                        .await?
                        .into_iter()
                        .filter(|i| i.done_at.is_none() && i.removed_at.is_none())
                        .map(|i| i.key)
                        .collect();
                    (open.len() as u64, Some(open))
                }
                (None, None) => (open_now, None),
            };
        let scope_words = match (&input.issue_keys, &input.sprint) {
            (Some(_), _) => format!("{scope} open issues of those named"),
            (_, Some(s)) => format!("the {scope} open issues of sprint {s}"),
            _ => format!("all {scope} open issues of {}", project.key),
        };
        drop(tx);
        let baseline_forecast = simulate(&daily, scope, 1.0, trials, seed);
        let basis_active_days = baseline_forecast.basis_active_days;
        let mut assumptions = vec![
            format!(
                "Each trial replays randomly chosen days of the last {basis_days} (today included; days with nothing done count too) until the scope is done."
            ),
            "Work is counted in issues: the forecast assumes the open issues are about the size of those finished lately.".into(),
        ];
        let what_if = input.add_owners.is_some_and(|n| n != 0)
            || input.add_scope.is_some_and(|n| n > 0)
            || input.remove_blocker.is_some();
        let (mut baseline_floor, mut scenario_floor) = (None, None);
        let mut speed = 1.0;
        if let Some(n) = input.add_owners.filter(|n| *n != 0) {
            let base = owners.max(1) as i64;
            if base + n <= 0 {
                return Err(ServiceError::invalid(
                    "add_owners",
                    format!(
                        "{n} would leave nobody: {base} owners finished work in the basis window"
                    ),
                ));
            }
            speed = (base + n) as f64 / base as f64;
            assumptions.push(format!(
                "{base} owner(s) finished work in the window; with {} the pace scales by {speed:.2} (linear: ramp-up and coordination are not modelled).",
                base + n
            ));
        }
        if let Some(n) = input.add_scope.filter(|n| *n > 0) {
            scope += u64::from(n);
            assumptions.push(format!("{n} issues added to the scope."));
        }
        if let Some(raw) = &input.remove_blocker {
            let key = IssueKey::parse("remove_blocker", raw)?.to_string();
            let view = self.dependency_graph(Some(&project.key), 100_000).await?;
            let Some(pos) = view.issues.iter().position(|i| i.key == key) else {
                return Err(ServiceError::invalid(
                    "remove_blocker",
                    format!(
                        "{key} blocks no open issue in {}: see pm_identify_blockers",
                        project.key
                    ),
                ));
            };
            let in_scope = chosen.as_ref().is_none_or(|c| c.contains(&key));
            if in_scope {
                scope = scope.saturating_sub(1);
            }
            let nodes: Vec<GraphNode> = view
                .issues
                .iter()
                .map(|i| GraphNode {
                    key: i.key.clone(),
                    status: i.status,
                    hours: super::graph::own_hours(i),
                })
                .collect();
            let edges: Vec<GraphEdge> = view
                .edges
                .iter()
                .map(|(f, t)| GraphEdge {
                    from: f.clone(),
                    to: t.clone(),
                })
                .collect();
            let floor = |hours: f64| (hours / FOCUS_HOURS_PER_DAY).ceil() as u32;
            baseline_floor = Some(floor(view.analysis.critical_hours));
            let mut without = nodes;
            without[pos].status = Status::Done;
            let kept: Vec<GraphEdge> = edges.into_iter().filter(|e| e.from != key).collect();
            scenario_floor = Some(floor(analyze(&without, &kept).critical_hours));
            assumptions.push(format!(
                "{key} resolved now: it leaves the scope{} and blocks nothing. Neither forecast ends before its longest blocks chain ({} then {} days at {FOCUS_HOURS_PER_DAY} focused hours a day).",
                if in_scope { "" } else { " (it was not in it)" },
                baseline_floor.unwrap_or(0),
                scenario_floor.unwrap_or(0)
            ));
        }
        let baseline = ForecastDates::new(baseline_forecast, today, baseline_floor);
        let scenario = what_if.then(|| {
            ForecastDates::new(
                simulate(&daily, scope, speed, trials, seed),
                today,
                scenario_floor,
            )
        });
        let mut report = format!(
            "# Forecast: {scope_words}\n\nAt the pace of the last {basis_days} days ({} issues a day on average, something finished on {basis_active_days} of them), {trials} trials, seed {seed}:\n\n| | issues | P50 | P85 | P95 |\n| --- | --- | --- | --- | --- |\n",
            baseline.mean_daily_throughput
        );
        line(&mut report, "as things are", &baseline);
        if let Some(s) = &scenario {
            line(&mut report, "what if", s);
        }
        report.push_str("\nP85 means 85 % of trials were done by then: commit to P85, hope for P50.\n\nAssumptions:\n");
        for a in &assumptions {
            let _ = writeln!(report, "- {a}");
        }
        let mut next_steps = Vec::new();
        if basis_active_days == 0 {
            next_steps.push("pm_complete_issue: nothing was finished in the basis window, so there is no pace to forecast from; widen basis_days".into());
        }
        next_steps.push("pm_identify_blockers: work that holds the most up".into());
        next_steps.push("pm_capacity_planning: who has room for more".into());
        Ok(SimulateScenarioOutput {
            project: project.key,
            scope: scope_words,
            basis_days,
            basis_active_days,
            owners,
            trials,
            seed,
            baseline,
            scenario,
            assumptions,
            report,
            next_steps,
        })
    }
}
