//! When will the open work be done? A Monte Carlo forecast from the
//! project's own daily throughput: each trial replays randomly chosen days
//! of a basis window (days with nothing finished included) until the scope
//! is done; the spread of the trials' lengths gives the percentiles.
//!
//! The generator is a fixed-seed SplitMix64, so the same history, scope and
//! seed give the same dates every time; the seed is reported.

use serde::Serialize;

/// Trials run unless the caller asks for more.
pub const DEFAULT_TRIALS: u32 = 10_000;
/// The seed used unless the caller names one.
pub const DEFAULT_SEED: u64 = 1929;
/// A trial that has not finished after this many days stops there: the
/// forecast then says the scope is out of reach at this pace.
pub const MAX_DAYS: u32 = 3_650;

/// A small, fast, well-mixed generator (SplitMix64): deterministic per seed.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0), by the multiply-shift method (bias below
    /// n / 2^64, far under anything a forecast could show).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

/// The distribution of trial lengths, in days from today.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Forecast {
    pub trials: u32,
    pub seed: u64,
    /// Items the trials had to finish.
    pub scope: u64,
    /// Days of history sampled, and how many of them finished something.
    pub basis_days: usize,
    pub basis_active_days: usize,
    /// Mean items finished per basis day.
    pub mean_daily_throughput: f64,
    /// Days until done in 50, 85 and 95 percent of trials; `None` when the
    /// history finished nothing (no pace to forecast from) or the scope is
    /// out of reach within [`MAX_DAYS`].
    pub p50_days: Option<u32>,
    pub p85_days: Option<u32>,
    pub p95_days: Option<u32>,
    /// Trials that reached [`MAX_DAYS`] without finishing.
    pub unfinished_trials: u32,
    /// How many trials finished after each number of days: `(days, trials)`,
    /// ascending, only days some trial ended on.
    pub histogram: Vec<(u32, u32)>,
}

/// Runs `trials` trials over `daily` (items finished on each basis day) for
/// `scope` items. `speed` scales each sampled day (1.0 as measured; 1.5 for
/// half again as many people, on the stated assumption that throughput grows
/// with the people doing the work).
pub fn simulate(daily: &[u32], scope: u64, speed: f64, trials: u32, seed: u64) -> Forecast {
    let trials = trials.max(1);
    let total: u64 = daily.iter().map(|&d| u64::from(d)).sum();
    let active = daily.iter().filter(|&&d| d > 0).count();
    let mean = if daily.is_empty() {
        0.0
    } else {
        total as f64 / daily.len() as f64
    };
    let mut out = Forecast {
        trials,
        seed,
        scope,
        basis_days: daily.len(),
        basis_active_days: active,
        mean_daily_throughput: crate::analytics::round(mean, 2),
        p50_days: None,
        p85_days: None,
        p95_days: None,
        unfinished_trials: 0,
        histogram: Vec::new(),
    };
    if scope == 0 {
        out.p50_days = Some(0);
        out.p85_days = Some(0);
        out.p95_days = Some(0);
        out.histogram = vec![(0, trials)];
        return out;
    }
    let speed = if speed.is_finite() && speed > 0.0 {
        speed
    } else {
        1.0
    };
    if total == 0 {
        out.unfinished_trials = trials;
        return out;
    }
    // Work in fixed point (1/1000 of an item) so a scaled pace stays exact
    // and the inner loop adds integers.
    let scaled: Vec<u64> = daily
        .iter()
        .map(|&d| (f64::from(d) * speed * 1000.0).round() as u64)
        .collect();
    let target = scope.saturating_mul(1000);
    let mut rng = SplitMix64::new(seed);
    let mut counts = vec![0u32; MAX_DAYS as usize + 1];
    for _ in 0..trials {
        let (mut done, mut days) = (0u64, 0u32);
        while done < target && days < MAX_DAYS {
            done += scaled[rng.below(scaled.len())];
            days += 1;
        }
        if done < target {
            out.unfinished_trials += 1;
        } else {
            counts[days as usize] += 1;
        }
    }
    out.histogram = counts
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0)
        .map(|(d, c)| (d as u32, *c))
        .collect();
    // The smallest day count that at least p percent of all trials finished by.
    let at = |p: u32| -> Option<u32> {
        let need = (u64::from(trials) * u64::from(p)).div_ceil(100);
        let mut seen = 0u64;
        for (d, c) in &out.histogram {
            seen += u64::from(*c);
            if seen >= need {
                return Some(*d);
            }
        }
        None
    };
    out.p50_days = at(50);
    out.p85_days = at(85);
    out.p95_days = at(95);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_throughput_gives_an_exact_forecast() {
        // 3 a day, every day: 30 items take exactly 10 days in every trial.
        let f = simulate(&[3; 20], 30, 1.0, 10_000, 7);
        assert_eq!(
            (f.p50_days, f.p85_days, f.p95_days),
            (Some(10), Some(10), Some(10))
        );
        assert_eq!(f.histogram, vec![(10, 10_000)]);
        assert_eq!(f.mean_daily_throughput, 3.0);
        // 31 items need an 11th day.
        assert_eq!(simulate(&[3; 5], 31, 1.0, 1000, 7).p50_days, Some(11));
        // Twice the people, on the linear assumption, halves it.
        assert_eq!(simulate(&[3; 5], 30, 2.0, 1000, 7).p95_days, Some(5));
    }

    #[test]
    fn two_valued_throughput_matches_the_analytic_percentiles() {
        // Each day finishes 0 or 1 item with equal chance. Finishing n = 10
        // items takes 10 + X days, X negative-binomial (r = 10, p = 1/2):
        // P(T <= t) = P(Binomial(t, 1/2) >= 10). Computed exactly:
        // t = 19: 0.5000, t = 24: 0.8463 (< .85), t = 25: 0.8852 (>= .85),
        // t = 27: 0.9390 (< .95), t = 28: 0.9564 (>= .95).
        // So P50 = 19, P85 = 25, P95 = 28; with 10,000 trials a percentile
        // may land one day either side where the CDF sits near its level.
        let f = simulate(&[0, 1], 10, 1.0, 10_000, DEFAULT_SEED);
        let within = |got: Option<u32>, want: u32| got.is_some_and(|g| g.abs_diff(want) <= 1);
        assert!(within(f.p50_days, 19), "{:?}", f.p50_days);
        assert!(within(f.p85_days, 25), "{:?}", f.p85_days);
        assert!(within(f.p95_days, 28), "{:?}", f.p95_days);
        assert_eq!(f.basis_active_days, 1);
        assert_eq!(f.unfinished_trials, 0);
        let total: u32 = f.histogram.iter().map(|(_, c)| c).sum();
        assert_eq!(total, 10_000);
    }

    #[test]
    fn same_seed_same_answer_and_no_pace_no_dates() {
        let a = simulate(&[0, 2, 5, 1, 0, 0, 3], 40, 1.0, 10_000, 42);
        let b = simulate(&[0, 2, 5, 1, 0, 0, 3], 40, 1.0, 10_000, 42);
        assert_eq!(a, b);
        let none = simulate(&[0, 0, 0], 5, 1.0, 100, 1);
        assert_eq!(none.p50_days, None);
        assert_eq!(none.unfinished_trials, 100);
        assert_eq!(simulate(&[], 5, 1.0, 100, 1).p85_days, None);
        let nothing_left = simulate(&[], 0, 1.0, 100, 1);
        assert_eq!(nothing_left.p95_days, Some(0));
    }

    #[test]
    fn the_generator_is_uniform_enough() {
        let mut r = SplitMix64::new(3);
        let mut seen = [0u32; 4];
        for _ in 0..40_000 {
            seen[r.below(4)] += 1;
        }
        assert!(
            seen.iter().all(|&n| (9_500..10_500).contains(&n)),
            "{seen:?}"
        );
    }
}
