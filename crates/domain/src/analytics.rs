//! Analytics over a project's issues, as pure functions of facts the store
//! reads and a clock passed in: the same facts and clock give the same
//! answer. Each submodule is one question (effort accuracy, capacity, risk,
//! workflow); this file holds the facts and the statistics they share.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{Complexity, IssueType, Priority, Status};

pub mod accuracy;
pub mod burndown;
pub mod capacity;
pub mod forecast;
pub mod performance;
pub mod risk;
pub mod workflow;

/// The name issues without an owner are grouped under, wherever the
/// analytics group by owner (performance reads accuracy's groups by it).
pub const UNOWNED: &str = "(unowned)";

/// What the analytics need of an open issue (not done or canceled).
#[derive(Debug, Clone, PartialEq)]
pub struct OpenFacts {
    pub key: String,
    pub title: String,
    pub status: Status,
    pub priority: Priority,
    pub issue_type: IssueType,
    pub owner: Option<String>,
    pub complexity: Option<Complexity>,
    pub estimate_hours: Option<f64>,
    pub time_spent_minutes: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub blocker_reason: Option<String>,
    /// Read only for high and very high complexity (else `None`): whether
    /// the specification has acceptance criteria and a technical approach.
    pub has_criteria: Option<bool>,
    pub has_approach: Option<bool>,
}

impl OpenFacts {
    /// Estimated hours not yet logged (never below zero); `None` unestimated.
    pub fn remaining_hours(&self) -> Option<f64> {
        self.estimate_hours
            .map(|e| (e - self.time_spent_minutes as f64 / 60.0).max(0.0))
    }
}

/// What the analytics need of a completed issue.
#[derive(Debug, Clone, PartialEq)]
pub struct CompletedFacts {
    pub key: String,
    pub title: String,
    pub issue_type: IssueType,
    pub priority: Priority,
    pub complexity: Option<Complexity>,
    pub owner: Option<String>,
    pub estimate_hours: Option<f64>,
    /// The actual time reported at completion, else the time logged.
    pub actual_minutes: i64,
    /// Active seconds from start to done, where known.
    pub cycle_seconds: Option<i64>,
    pub completed_at: DateTime<Utc>,
    pub lessons: Vec<String>,
}

/// The `p`-th percentile (0–100) of `values` by linear interpolation between
/// closest ranks; `None` when empty.
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let rank = (p.clamp(0.0, 100.0) / 100.0) * (v.len() - 1) as f64;
    let lo = rank.floor() as usize;
    let hi = rank.ceil() as usize;
    let (a, b) = (v[lo], v[hi.min(v.len() - 1)]);
    Some(a + (b - a) * (rank - lo as f64))
}

pub fn median(values: &[f64]) -> Option<f64> {
    percentile(values, 50.0)
}

/// Rounded to `digits` decimals, for output.
pub fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    // + 0.0 turns a negative zero into zero.
    (x * f).round() / f + 0.0
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_between_ranks() {
        let v = [4.0, 1.0, 3.0, 2.0];
        assert_eq!(median(&v), Some(2.5));
        assert_eq!(percentile(&v, 0.0), Some(1.0));
        assert_eq!(percentile(&v, 100.0), Some(4.0));
        // rank 0.85 * 3 = 2.55: 3 + 0.55 * (4 - 3)
        assert!((percentile(&v, 85.0).unwrap() - 3.55).abs() < 1e-9);
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(median(&[7.0]), Some(7.0));
    }
}
