//! pm_weekly_report: the last seven days against the seven before, for a
//! technical, executive or stakeholder audience.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Duration, Utc};
use lazypm_domain::{Health, format_minutes};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{BriefIssue, StatusInput};
use crate::ops::analytics::RiskAssessmentInput;
use crate::{Result, Service};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
// Technical: every issue, time per person, risks, lessons. Executive:
// headline numbers, the trend, the top risks. Stakeholder: plain words, what
// was finished, what is next, what needs help.
pub enum Audience {
    #[default]
    Technical,
    Executive,
    Stakeholder,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WeeklyReportInput {
    pub project_id: Option<String>,
    /// Default technical.
    pub audience: Option<Audience>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct DoneThisWeek {
    pub key: String,
    pub title: String,
    pub owner: Option<String>,
    pub estimate_hours: Option<f64>,
    pub actual_hours: f64,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct WeeklyReportOutput {
    pub project: String,
    pub audience: Audience,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The most recently completed this week, at most 50.
    pub completed: Vec<DoneThisWeek>,
    /// Everything completed this week.
    pub completed_count: usize,
    /// Completed in the seven days before.
    pub completed_previous_week: usize,
    pub created: i64,
    pub time_logged_minutes: i64,
    /// Minutes logged this week per person or agent.
    pub time_by_person: BTreeMap<String, i64>,
    pub in_progress: Vec<BriefIssue>,
    pub in_review: usize,
    pub blocked: i64,
    pub open: i64,
    pub health: Health,
    /// The most severe risks, one line each.
    pub risks: Vec<String>,
    /// Lessons recorded on the work completed this week.
    pub lessons: Vec<String>,
    /// Markdown for the audience.
    pub report: String,
    pub next_steps: Vec<String>,
}

/// Completed issues a weekly report lists at most (it counts them all).
pub const WEEKLY_LISTED: usize = 50;

impl Service {
    pub async fn pm_weekly_report(&self, input: WeeklyReportInput) -> Result<WeeklyReportOutput> {
        let audience = input.audience.unwrap_or_default();
        let status = self
            .pm_status(StatusInput {
                project_id: input.project_id.clone(),
            })
            .await?;
        let risks = self
            .pm_risk_assessment(RiskAssessmentInput {
                project_id: Some(status.project.clone()),
                ..Default::default()
            })
            .await?;
        let to = Utc::now();
        let from = to - Duration::days(7);
        let mut tx = self.read().await?;
        let project = self
            .resolve_project(&mut *tx, Some(status.project.as_str()))
            .await?;
        let this_week = tx.completed_facts(project.id, from).await?;
        let before: i64 = tx
            .completions_by_bucket(project.id, &[from - Duration::days(7), from])
            .await?
            .iter()
            .filter(|b| b.bucket == 0)
            .map(|b| b.completed)
            .sum();
        let created = tx.created_since(project.id, from).await?;
        let time_by_person = tx.minutes_logged_by_author(project.id, from).await?;
        let completed_count = this_week.len();
        let lessons: Vec<String> = this_week
            .iter()
            .flat_map(|f| f.lessons.iter().map(move |l| format!("{}: {l}", f.key)))
            .collect();
        let completed: Vec<DoneThisWeek> = this_week
            .into_iter()
            .rev()
            .take(WEEKLY_LISTED)
            .map(|f| DoneThisWeek {
                key: f.key,
                title: f.title,
                owner: f.owner,
                estimate_hours: f.estimate_hours,
                actual_hours: (f.actual_minutes as f64 / 6.0).round() / 10.0,
            })
            .collect();
        let n = |s: &str| status.by_status.get(s).copied().unwrap_or(0);
        let mut out = WeeklyReportOutput {
            project: status.project.clone(),
            audience,
            from,
            to,
            completed,
            completed_count,
            completed_previous_week: before.max(0) as usize,
            created,
            time_logged_minutes: time_by_person.values().sum(),
            time_by_person,
            in_progress: status.in_progress,
            in_review: n("review") as usize,
            blocked: status.blocked,
            open: status.open,
            health: status.health,
            risks: risks
                .risks
                .iter()
                .take(5)
                .map(|r| format!("{} ({}): {}", r.title, r.severity.as_str(), r.action))
                .collect(),
            lessons,
            report: String::new(),
            next_steps: Vec::new(),
        };
        out.report = match audience {
            Audience::Technical => technical(&out, &status.name),
            Audience::Executive => executive(&out, &status.name),
            Audience::Stakeholder => stakeholder(&out, &status.name),
        };
        if out.blocked > 0 {
            out.next_steps
                .push("pm_blocked_issues: unblock before next week".into());
        }
        if !out.risks.is_empty() {
            out.next_steps
                .push("pm_risk_assessment: the risks with their evidence".into());
        }
        out.next_steps
            .push("pm_suggest_next_work: plan next week's first pick".into());
        Ok(out)
    }
}

fn trend(now: usize, before: usize) -> String {
    match now.cmp(&before) {
        std::cmp::Ordering::Greater => format!("up from {before}"),
        std::cmp::Ordering::Less => format!("down from {before}"),
        std::cmp::Ordering::Equal => format!("same as the week before ({before})"),
    }
}

fn period(r: &WeeklyReportOutput) -> String {
    format!("{} to {}", r.from.format("%b %d"), r.to.format("%b %d %Y"))
}

fn technical(r: &WeeklyReportOutput, name: &str) -> String {
    let mut out = format!("# {name}: week of {}\n\n", period(r));
    let _ = writeln!(
        out,
        "Completed {} ({}); created {}; {} logged. Now {} open: {} in progress, {} in review, {} blocked. Health: {}.\n",
        r.completed_count,
        trend(r.completed_count, r.completed_previous_week),
        r.created,
        logged(r.time_logged_minutes),
        r.open,
        r.in_progress.len(),
        r.in_review,
        r.blocked,
        r.health.as_str()
    );
    out.push_str("## Completed\n\n");
    if r.completed.is_empty() {
        out.push_str("Nothing.\n");
    }
    for d in &r.completed {
        let est = d
            .estimate_hours
            .map(|e| format!(", estimated {e:.1} h"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "- {} {} ({}{est}, took {:.1} h)",
            d.key,
            d.title,
            d.owner.as_deref().unwrap_or("unowned"),
            d.actual_hours
        );
    }
    if r.completed_count > r.completed.len() {
        let _ = writeln!(
            out,
            "- and {} more (pm_list_issues status done)",
            r.completed_count - r.completed.len()
        );
    }
    out.push_str("\n## In progress\n\n");
    if r.in_progress.is_empty() {
        out.push_str("Nothing.\n");
    }
    for i in &r.in_progress {
        let _ = writeln!(
            out,
            "- {} {} ({})",
            i.key,
            i.title,
            i.owner.as_deref().unwrap_or("unowned")
        );
    }
    if !r.time_by_person.is_empty() {
        out.push_str("\n## Time logged\n\n");
        for (who, m) in &r.time_by_person {
            let _ = writeln!(out, "- {who}: {}", logged(*m));
        }
    }
    if !r.risks.is_empty() {
        out.push_str("\n## Risks\n\n");
        for x in &r.risks {
            let _ = writeln!(out, "- {x}");
        }
    }
    if !r.lessons.is_empty() {
        out.push_str("\n## Lessons\n\n");
        for l in &r.lessons {
            let _ = writeln!(out, "- {l}");
        }
    }
    out
}

fn executive(r: &WeeklyReportOutput, name: &str) -> String {
    let mut out = format!("# {name}: week of {}\n\n", period(r));
    let _ = writeln!(
        out,
        "- Health: {}\n- Delivered: {} items, {}\n- New work: {} items\n- Open: {} ({} blocked)\n- Effort: {}",
        r.health.as_str(),
        r.completed_count,
        trend(r.completed_count, r.completed_previous_week),
        r.created,
        r.open,
        r.blocked,
        logged(r.time_logged_minutes)
    );
    if !r.risks.is_empty() {
        out.push_str("\nTop risks:\n");
        for x in r.risks.iter().take(3) {
            let _ = writeln!(out, "- {x}");
        }
    }
    out
}

fn stakeholder(r: &WeeklyReportOutput, name: &str) -> String {
    let mut out = format!("# {name}: this week\n\n");
    if r.completed.is_empty() {
        out.push_str("No work was finished this week.\n");
    } else {
        let _ = writeln!(
            out,
            "This week {} piece(s) of work were finished:\n",
            r.completed_count
        );
        for d in r.completed.iter().take(10) {
            let _ = writeln!(out, "- {}", d.title);
        }
        if r.completed_count > 10 {
            let _ = writeln!(out, "- and {} more", r.completed_count - 10);
        }
    }
    if !r.in_progress.is_empty() {
        out.push_str("\nUnder way:\n\n");
        for i in r.in_progress.iter().take(10) {
            let _ = writeln!(out, "- {}", i.title);
        }
    }
    if r.blocked > 0 {
        let _ = writeln!(
            out,
            "\n{} item(s) are waiting on something outside the team.",
            r.blocked
        );
    }
    out
}

/// Minutes as `2h30m`, and `0m` for none (format_minutes leaves that empty).
fn logged(minutes: i64) -> String {
    match format_minutes(minutes) {
        m if m.is_empty() => "0m".into(),
        m => m,
    }
}
