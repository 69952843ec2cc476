//! Axis ticks at round values: steps of 1, 2 or 5 times a power of ten, or
//! decades on a log scale.

/// About this many intervals between the first and last tick.
const TARGET: f64 = 5.0;
/// A guard against absurd domains: no axis gets more ticks than this.
const MAX_TICKS: usize = 60;
/// The finest step, so tick labels never need more than two decimals.
const MIN_STEP: f64 = 0.01;

/// The smallest round step (1, 2 or 5 × 10ⁿ) at least `raw`.
pub(crate) fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let n = raw / magnitude;
    let m = if n <= 1.0 {
        1.0
    } else if n <= 2.0 {
        2.0
    } else if n <= 5.0 {
        5.0
    } else {
        10.0
    };
    (m * magnitude).max(MIN_STEP)
}

/// Round ticks covering `lo..=hi`, first tick at or below `lo` and last at
/// or above `hi`. An empty range widens to one unit.
pub(crate) fn linear(lo: f64, hi: f64) -> Vec<f64> {
    let (lo, hi) = sane(lo, hi);
    stepped(lo, hi, nice_step((hi - lo) / TARGET))
}

/// Ticks for counts from zero: like [`linear`] but never a fractional step.
pub(crate) fn counts(hi: f64) -> Vec<f64> {
    let (lo, hi) = sane(0.0, hi);
    stepped(lo, hi, nice_step((hi - lo) / TARGET).max(1.0))
}

/// Ticks for a log scale over positive `lo..=hi`: whole decades, with 2 and
/// 5 in between when the range spans at most two decades.
pub(crate) fn log(lo: f64, hi: f64) -> Vec<f64> {
    let lo = if lo.is_finite() && lo > 0.0 { lo } else { 1.0 };
    let hi = if hi.is_finite() && hi > lo { hi } else { lo };
    let first = lo.log10().floor();
    let mut last = hi.log10().ceil();
    if last <= first {
        last = first + 1.0;
    }
    let between = last - first <= 2.0;
    let mut out = Vec::new();
    let mut e = first;
    while e <= last && out.len() < MAX_TICKS {
        let decade = 10f64.powf(e);
        out.push(decade);
        if between && e < last {
            out.push(2.0 * decade);
            out.push(5.0 * decade);
        }
        e += 1.0;
    }
    out
}

fn sane(lo: f64, hi: f64) -> (f64, f64) {
    let lo = if lo.is_finite() { lo } else { 0.0 };
    let hi = if hi.is_finite() { hi } else { lo };
    if hi > lo { (lo, hi) } else { (lo, lo + 1.0) }
}

fn stepped(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    // Whole multiples of the step, so values like 0.3 come out as 3 × 0.1
    // and not as a sum that drifted; a tiny tolerance absorbs float noise.
    let first = (lo / step + 1e-9).floor();
    let last = (hi / step - 1e-9).ceil();
    let mut out = Vec::new();
    let mut k = first;
    while k <= last && out.len() < MAX_TICKS {
        out.push((k * step * 1e6).round() / 1e6);
        k += 1.0;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_37_ticks_by_ten_to_40() {
        assert_eq!(linear(0.0, 37.0), vec![0.0, 10.0, 20.0, 30.0, 40.0]);
    }

    #[test]
    fn steps_are_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(nice_step(7.4), 10.0);
        assert_eq!(nice_step(2.4), 5.0);
        assert_eq!(nice_step(1.5), 2.0);
        assert_eq!(nice_step(0.8), 1.0);
        assert_eq!(nice_step(140.0), 200.0);
        assert_eq!(linear(0.0, 12.0), vec![0.0, 5.0, 10.0, 15.0]);
        assert_eq!(linear(0.0, 40.0), vec![0.0, 10.0, 20.0, 30.0, 40.0]);
    }

    #[test]
    fn ranges_below_zero_and_empty_ranges() {
        assert_eq!(linear(-3.0, 8.0), vec![-5.0, 0.0, 5.0, 10.0]);
        assert_eq!(linear(0.0, 0.0), vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(linear(f64::NAN, f64::INFINITY).len(), 6);
    }

    #[test]
    fn counts_never_step_by_fractions() {
        assert_eq!(counts(3.0), vec![0.0, 1.0, 2.0, 3.0]);
        assert_eq!(counts(0.0), vec![0.0, 1.0]);
        assert_eq!(counts(23.0), vec![0.0, 5.0, 10.0, 15.0, 20.0, 25.0]);
    }

    #[test]
    fn log_ticks_by_decade() {
        assert_eq!(log(0.5, 40.0), vec![0.1, 1.0, 10.0, 100.0]);
        assert_eq!(log(2.0, 40.0), vec![1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]);
        assert_eq!(log(1.0, 5000.0), vec![1.0, 10.0, 100.0, 1000.0, 10000.0]);
        assert_eq!(log(10.0, 10.0), vec![10.0, 20.0, 50.0, 100.0]);
    }
}
