//! The project dashboard: pm_status plus flow over a timeframe (created,
//! completed, throughput, cycle time, time logged). The other analytics
//! tools live in the submodules.

use chrono::{DateTime, Duration, Utc};
use lazypm_domain::analytics::round;
use lazypm_domain::{Health, format_minutes};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::reports::{BriefIssue, StatusInput, StatusOutput, brief};
use crate::{Result, Service};

mod accuracy;
mod blockers;
mod burndown;
mod capacity;
mod charts;
mod forecast;
mod graph;
mod optimize;
mod performance;
mod risk;
mod velocity;

pub use accuracy::*;
pub use blockers::*;
pub use burndown::*;
pub use capacity::*;
pub use charts::*;
pub use forecast::*;
pub use graph::*;
pub use optimize::*;
pub use performance::*;
pub use risk::*;
pub use velocity::*;

/// The window a dashboard looks back over.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Timeframe {
    #[serde(rename = "7d")]
    Week,
    #[default]
    #[serde(rename = "2w")]
    TwoWeeks,
    #[serde(rename = "1m")]
    Month,
    #[serde(rename = "3m")]
    Quarter,
}

impl Timeframe {
    pub fn days(self) -> i64 {
        match self {
            Timeframe::Week => 7,
            Timeframe::TwoWeeks => 14,
            Timeframe::Month => 30,
            Timeframe::Quarter => 90,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Timeframe::Week => "7d",
            Timeframe::TwoWeeks => "2w",
            Timeframe::Month => "1m",
            Timeframe::Quarter => "3m",
        }
    }
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectDashboardInput {
    pub project_id: Option<String>,
    /// How far back: 7d, 2w (default), 1m or 3m.
    pub timeframe: Option<Timeframe>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct WeekCount {
    /// First day of the 7-day bucket.
    pub from: DateTime<Utc>,
    pub completed: i64,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ProjectDashboardOutput {
    /// Everything pm_status reports, now.
    pub status: StatusOutput,
    pub timeframe: String,
    pub since: DateTime<Utc>,
    /// Issues created in the timeframe (archived ones too).
    pub created: i64,
    /// Issues that reached done in the timeframe.
    pub completed: i64,
    /// The most recently completed, newest first (at most 20).
    pub recently_completed: Vec<BriefIssue>,
    /// Completed issues per 7 days over the timeframe.
    pub throughput_per_week: f64,
    /// Completions per 7-day bucket, oldest first (the last may be shorter).
    pub completed_by_week: Vec<WeekCount>,
    /// Mean hours from start to completion of the issues completed, paused time left out.
    pub avg_cycle_time_hours: Option<f64>,
    /// Sum of work-log time in the timeframe, in minutes.
    pub time_logged_minutes: i64,
    /// The same, like `12h30m`.
    pub time_logged: String,
    /// `healthy`, `attention` or `at_risk`.
    pub health: Health,
    pub health_notes: Vec<String>,
    /// When the open work should be done at the pace of the last 28 days
    /// (Monte Carlo, 10,000 trials, seed 1929; pm_simulate_scenario for more).
    /// Always set by the tool; the web dashboard, which does not show it,
    /// skips computing it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forecast: Option<ForecastDates>,
    pub next_steps: Vec<String>,
}

impl Service {
    pub async fn pm_project_dashboard(
        &self,
        input: ProjectDashboardInput,
    ) -> Result<ProjectDashboardOutput> {
        self.project_dashboard(input, true).await
    }

    /// pm_project_dashboard, with its forecast only when `forecast`.
    pub async fn project_dashboard(
        &self,
        input: ProjectDashboardInput,
        forecast: bool,
    ) -> Result<ProjectDashboardOutput> {
        let timeframe = input.timeframe.unwrap_or_default();
        let status = self
            .pm_status(StatusInput {
                project_id: input.project_id.clone(),
            })
            .await?;
        let now = Utc::now();
        let since = now - Duration::days(timeframe.days());
        let mut tx = self.read().await?;
        let project = self
            .resolve_scope(&mut *tx, Some(status.project.as_str()))
            .await?;
        let created = tx.created_since(project.id, since).await?;
        // 7-day buckets from `since`; a completion in the last partial days
        // joins the last one.
        let mut completed_by_week: Vec<WeekCount> = (0..timeframe.days())
            .step_by(7)
            .map(|d| WeekCount {
                from: since + Duration::days(d),
                completed: 0,
            })
            .collect();
        let starts: Vec<_> = completed_by_week.iter().map(|w| w.from).collect();
        let buckets = tx.completions_by_bucket(project.id, &starts).await?;
        let logged = tx.minutes_logged_since(project.id, since).await?;
        let latest = tx.latest_completed(project.id, since, 20).await?;
        let forecast = if forecast {
            let (daily, open_now, _) =
                daily_throughput(&mut *tx, project.id, DEFAULT_BASIS_DAYS, now).await?;
            Some(ForecastDates::from_forecast(
                lazypm_domain::analytics::forecast::simulate(
                    &daily,
                    open_now,
                    1.0,
                    lazypm_domain::analytics::forecast::DEFAULT_TRIALS,
                    lazypm_domain::analytics::forecast::DEFAULT_SEED,
                ),
                now.date_naive(),
            ))
        } else {
            None
        };

        let (mut completed, mut cycle_count, mut cycle_seconds) = (0, 0, 0);
        for b in &buckets {
            if let Some(w) = usize::try_from(b.bucket)
                .ok()
                .and_then(|i| completed_by_week.get_mut(i))
            {
                w.completed += b.completed;
            }
            completed += b.completed;
            cycle_count += b.with_cycle;
            cycle_seconds += b.cycle_seconds;
        }
        let weeks = timeframe.days() as f64 / 7.0;
        let mut cycle_hours_sum = cycle_seconds as f64 / 3600.0;
        // Completed before cycle times were stored: work them out from the history.
        for i in tx.completed_without_cycle(project.id, since).await? {
            if let (Some(start), Some(at)) = (i.started_at, i.completed_at) {
                let active = lazypm_domain::flow::cycle_time(&i.communication.updates, start, at);
                cycle_hours_sum += active.num_seconds() as f64 / 3600.0;
                cycle_count += 1;
            }
        }
        let avg_cycle_time_hours =
            (cycle_count > 0).then(|| round(cycle_hours_sum / cycle_count as f64, 1));

        let mut health = status.health;
        let mut health_notes = status.health_notes.clone();
        if completed == 0 && status.open > 0 {
            health_notes.push(format!(
                "nothing completed in the last {}",
                timeframe.as_str()
            ));
            health = health.max(Health::Attention);
        }
        if created > completed * 2 && created >= 4 {
            health_notes.push(format!(
                "{created} issues created but {completed} completed: the backlog grows"
            ));
        }
        let mut next_steps = Vec::new();
        if status.blocked > 0 || status.waiting_on_dependencies > 0 {
            next_steps.push("pm_blocked_issues: see what holds work up".into());
        }
        next_steps.push("pm_workflow_status: see the board with WIP per owner".into());
        next_steps.push("pm_suggest_next_work: pick ready work".into());
        Ok(ProjectDashboardOutput {
            timeframe: timeframe.as_str().into(),
            since,
            created,
            completed,
            recently_completed: latest.iter().map(brief).collect(),
            throughput_per_week: round(completed as f64 / weeks, 1),
            completed_by_week,
            avg_cycle_time_hours,
            time_logged_minutes: logged,
            time_logged: format_minutes(logged),
            forecast,
            health,
            health_notes,
            next_steps,
            status,
        })
    }
}
