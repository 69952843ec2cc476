//! What the dashboard's analytics page draws, gathered in one call: the
//! tools' own results plus the two series no tool returns whole (cumulative
//! flow per day, and each completed issue's cycle time).

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use lazypm_domain::IssueType;
use lazypm_domain::analytics::{percentile, round};

use super::{
    BurndownInput, BurndownOutput, CapacityPlanningInput, CapacityPlanningOutput,
    EffortAccuracyInput, EffortAccuracyOutput, SimulateScenarioInput, SimulateScenarioOutput,
    Timeframe, VelocityInput, VelocityOutput,
};
use crate::{Result, Service};

/// Days the cumulative flow and the cycle-time scatter look back.
pub const CHART_DAYS: i64 = 90;

/// One day of the cumulative flow: issues in each band at its end.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowDay {
    pub date: NaiveDate,
    pub to_do: u64,
    pub in_progress: u64,
    pub done: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CyclePoint {
    pub key: String,
    pub title: String,
    pub issue_type: IssueType,
    pub completed_at: DateTime<Utc>,
    pub days: f64,
}

pub struct ChartData {
    pub project: String,
    pub burndown: BurndownOutput,
    pub velocity: VelocityOutput,
    pub flow: Vec<FlowDay>,
    pub cycle: Vec<CyclePoint>,
    pub cycle_p50: Option<f64>,
    pub cycle_p85: Option<f64>,
    pub forecast: SimulateScenarioOutput,
    pub accuracy: EffortAccuracyOutput,
    pub capacity: CapacityPlanningOutput,
}

impl Service {
    /// Everything the analytics page draws for `project` (the current one when `None`).
    pub async fn analytics_charts(&self, project: Option<&str>) -> Result<ChartData> {
        let project_id = project.map(String::from);
        let burndown = self
            .pm_burndown(BurndownInput {
                project_id: project_id.clone(),
                ..Default::default()
            })
            .await?;
        let key = Some(burndown.project.clone());
        let velocity = self
            .pm_velocity(VelocityInput {
                project_id: key.clone(),
                last: None,
            })
            .await?;
        let forecast = self
            .pm_simulate_scenario(SimulateScenarioInput {
                project_id: key.clone(),
                ..Default::default()
            })
            .await?;
        let accuracy = self
            .pm_effort_accuracy(EffortAccuracyInput {
                project_id: key.clone(),
                timeframe: Some(Timeframe::Quarter),
            })
            .await?;
        let capacity = self
            .pm_capacity_planning(CapacityPlanningInput {
                project_id: key.clone(),
                timeframe: Some(Timeframe::TwoWeeks),
            })
            .await?;
        let now = Utc::now();
        let start = (now - Duration::days(CHART_DAYS - 1)).date_naive();
        let since = start.and_time(NaiveTime::MIN).and_utc();
        let mut tx = self.read().await?;
        let p = self.resolve_project(&mut *tx, key.as_deref()).await?;
        let cf = tx.cumulative_flow(p.id, since).await?;
        let completed = tx.completed_facts(p.id, since).await?;
        drop(tx);
        let mut totals = cf.before;
        let mut flow = Vec::new();
        let mut d = start;
        while d <= now.date_naive() {
            if let Some(n) = cf.days.get(&d) {
                for (t, add) in totals.iter_mut().zip(n) {
                    *t += u64::from(*add);
                }
            }
            let [created, started, done] = totals;
            flow.push(FlowDay {
                date: d,
                to_do: created.saturating_sub(started),
                in_progress: started.saturating_sub(done),
                done,
            });
            d += Duration::days(1);
        }
        let cycle: Vec<CyclePoint> = completed
            .into_iter()
            .filter_map(|c| {
                Some(CyclePoint {
                    days: round(c.cycle_seconds? as f64 / 86_400.0, 2),
                    key: c.key,
                    title: c.title,
                    issue_type: c.issue_type,
                    completed_at: c.completed_at,
                })
            })
            .collect();
        let days: Vec<f64> = cycle.iter().map(|c| c.days).collect();
        Ok(ChartData {
            project: p.key,
            burndown,
            velocity,
            flow,
            cycle_p50: percentile(&days, 50.0).map(|x| round(x, 2)),
            cycle_p85: percentile(&days, 85.0).map(|x| round(x, 2)),
            cycle,
            forecast,
            accuracy,
            capacity,
        })
    }
}
