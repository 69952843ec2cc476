//! Effort accuracy: how estimates compared with the time completed work
//! took. Per issue the ratio actual / estimate; per group the median ratio,
//! the median relative error |actual − estimate| / estimate, the share
//! within ±25 % of the estimate, and the bias (the median signed relative
//! error: above zero, work took longer than estimated).

use std::collections::BTreeMap;

use serde::Serialize;

use super::{CompletedFacts, median, round};

/// One completed, estimated issue with time recorded.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct EffortSample {
    pub key: String,
    pub title: String,
    pub estimate_hours: f64,
    pub actual_hours: f64,
    /// actual / estimate.
    pub ratio: f64,
}

/// The accuracy of a group of samples.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct AccuracyStats {
    pub issues: usize,
    pub median_ratio: f64,
    pub median_relative_error: f64,
    /// Share (0–1) of issues whose actual time was within ±25 % of the estimate.
    pub within_25_percent: f64,
    /// Median of (actual − estimate) / estimate: above 0 means underestimated.
    pub bias: f64,
}

/// Accuracy over every sample, and grouped by type, complexity and owner.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct EffortAccuracy {
    pub overall: Option<AccuracyStats>,
    pub by_type: BTreeMap<String, AccuracyStats>,
    pub by_complexity: BTreeMap<String, AccuracyStats>,
    pub by_owner: BTreeMap<String, AccuracyStats>,
    /// Every sample, the largest misses first.
    pub samples: Vec<EffortSample>,
    /// Completed issues left out: no estimate, or no time recorded.
    pub without_estimate: usize,
    pub without_time: usize,
}

/// Statistics of `(estimate_hours, actual_hours)` pairs; `None` when empty.
pub fn stats(pairs: &[(f64, f64)]) -> Option<AccuracyStats> {
    if pairs.is_empty() {
        return None;
    }
    let ratios: Vec<f64> = pairs.iter().map(|(e, a)| a / e).collect();
    let signed: Vec<f64> = pairs.iter().map(|(e, a)| (a - e) / e).collect();
    let abs: Vec<f64> = signed.iter().map(|x| x.abs()).collect();
    let within = abs.iter().filter(|x| **x <= 0.25 + 1e-9).count();
    Some(AccuracyStats {
        issues: pairs.len(),
        median_ratio: round(median(&ratios)?, 2),
        median_relative_error: round(median(&abs)?, 2),
        within_25_percent: round(within as f64 / pairs.len() as f64, 2),
        bias: round(median(&signed)?, 2),
    })
}

pub fn effort_accuracy(completed: &[CompletedFacts]) -> EffortAccuracy {
    let mut without_estimate = 0;
    let mut without_time = 0;
    let mut used: Vec<(&CompletedFacts, f64, f64)> = Vec::new();
    for c in completed {
        match c.estimate_hours.filter(|e| *e > 0.0) {
            None => without_estimate += 1,
            Some(_) if c.actual_minutes <= 0 => without_time += 1,
            Some(e) => used.push((c, e, c.actual_minutes as f64 / 60.0)),
        }
    }
    let group = |key: &dyn Fn(&CompletedFacts) -> String| {
        let mut groups: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
        for (c, e, a) in &used {
            groups.entry(key(c)).or_default().push((*e, *a));
        }
        groups
            .into_iter()
            .filter_map(|(k, pairs)| Some((k, stats(&pairs)?)))
            .collect::<BTreeMap<_, _>>()
    };
    let pairs: Vec<(f64, f64)> = used.iter().map(|(_, e, a)| (*e, *a)).collect();
    let mut samples: Vec<EffortSample> = used
        .iter()
        .map(|(c, e, a)| EffortSample {
            key: c.key.clone(),
            title: c.title.clone(),
            estimate_hours: round(*e, 2),
            actual_hours: round(*a, 2),
            ratio: round(a / e, 2),
        })
        .collect();
    // Largest misses first, either way (a ratio of 0.5 misses as much as 2).
    samples.sort_by(|x, y| {
        y.ratio
            .ln()
            .abs()
            .total_cmp(&x.ratio.ln().abs())
            .then_with(|| x.key.cmp(&y.key))
    });
    EffortAccuracy {
        overall: stats(&pairs),
        by_type: group(&|c| c.issue_type.as_str().to_string()),
        by_complexity: group(&|c| {
            c.complexity
                .map(|x| x.as_str().to_string())
                .unwrap_or_else(|| "(not set)".into())
        }),
        by_owner: group(&|c| c.owner.clone().unwrap_or_else(|| super::UNOWNED.into())),
        samples,
        without_estimate,
        without_time,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Complexity, IssueType, Priority};
    use chrono::{TimeZone, Utc};

    fn done(
        key: &str,
        ty: IssueType,
        owner: &str,
        est: Option<f64>,
        actual_h: f64,
    ) -> CompletedFacts {
        CompletedFacts {
            key: key.into(),
            title: key.into(),
            issue_type: ty,
            priority: Priority::P3,
            complexity: Some(Complexity::Medium),
            owner: Some(owner.into()),
            estimate_hours: est,
            actual_minutes: (actual_h * 60.0) as i64,
            cycle_seconds: None,
            completed_at: Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap(),
            lessons: Vec::new(),
        }
    }

    #[test]
    fn hand_computed_accuracy() {
        use IssueType::*;
        let facts = vec![
            done("A-1", Feature, "ann", Some(4.0), 4.0), // ratio 1.0, err 0
            done("A-2", Feature, "ann", Some(2.0), 3.0), // ratio 1.5, err +0.5
            done("A-3", Bug, "bob", Some(10.0), 8.0),    // ratio 0.8, err -0.2
            done("A-4", Bug, "bob", Some(1.0), 3.0),     // ratio 3.0, err +2.0
            done("A-5", Bug, "bob", None, 3.0),
            done("A-6", Bug, "bob", Some(2.0), 0.0),
        ];
        let r = effort_accuracy(&facts);
        assert_eq!((r.without_estimate, r.without_time), (1, 1));
        let o = r.overall.unwrap();
        assert_eq!(o.issues, 4);
        // ratios 0.8, 1.0, 1.5, 3.0 → median 1.25
        assert_eq!(o.median_ratio, 1.25);
        // |errors| 0, 0.2, 0.5, 2.0 → median 0.35
        assert_eq!(o.median_relative_error, 0.35);
        // within ±25 %
        assert_eq!(o.within_25_percent, 0.5);
        // signed -0.2, 0, 0.5, 2.0 → median 0.25
        assert_eq!(o.bias, 0.25);
        assert_eq!(r.by_type["bug"].issues, 2);
        assert_eq!(r.by_type["bug"].median_ratio, 1.9);
        assert_eq!(r.by_owner["ann"].bias, 0.25);
        // A-4 (3×) misses most, then A-2 (1.5×), A-3 (0.8×), A-1.
        let order: Vec<&str> = r.samples.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(order, ["A-4", "A-2", "A-3", "A-1"]);
    }

    #[test]
    fn nothing_estimated_gives_no_overall() {
        let r = effort_accuracy(&[done("A-1", IssueType::Chore, "ann", None, 1.0)]);
        assert_eq!(r.overall, None);
        assert!(r.by_type.is_empty());
    }
}
