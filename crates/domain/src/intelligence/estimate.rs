//! Estimates from similar completed work. The target and every completed
//! candidate with time recorded become bags of words (lower case, letters
//! and digits, three characters or more, common English words dropped, a
//! plural "s" cut; title words counted twice, as a title says what the work
//! is). Words are weighted TF-IDF over that set, so a word every issue uses
//! counts little. Similarity is the cosine of the target's and a candidate's
//! weights, plus [`SAME_TYPE_BONUS`] and [`SAME_MODULE_BONUS`]; a candidate
//! sharing no word is not similar work, whatever its type. The nearest `k`
//! give the range: P50 and P80 of their actual hours, weighted by score
//! (see [`weighted_percentile`]).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::analytics::round;

/// Added to the cosine when the candidate has the target's issue type.
pub const SAME_TYPE_BONUS: f64 = 0.15;
/// Added to the cosine when the candidate is in the target's module.
pub const SAME_MODULE_BONUS: f64 = 0.10;

const STOPWORDS: &str = "the|and|for|with|from|that|this|these|those|are|was|were|has|have|had|\
    not|but|all|any|can|our|out|into|its|when|then|than|should|must|will|would|could|also|via|\
    per|each|use|using|which|what|who|how|why|where|there|their|they|them|you|your|been|being|\
    does|did|just|only|more|most|some|such|very|about|after|before";

/// The work to estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target<'a> {
    pub title: &'a str,
    pub text: &'a str,
    pub issue_type: &'a str,
    pub module: Option<&'a str>,
}

/// A completed issue to compare with.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub key: String,
    pub title: String,
    pub text: String,
    pub issue_type: String,
    pub module: Option<String>,
    pub actual_hours: f64,
    pub estimate_hours: Option<f64>,
}

/// How far the range can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    High,
    Medium,
    Low,
}

/// A similar completed issue the range was drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Neighbour {
    pub key: String,
    pub title: String,
    /// Cosine similarity plus the type and module bonuses, 3 decimals.
    pub score: f64,
    pub actual_hours: f64,
    pub estimate_hours: Option<f64>,
    /// Up to five shared words, the heaviest first (stemmed: "reports" → "report").
    pub shared_words: Vec<String>,
}

/// The suggested range, how far to trust it, and the work it came from.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Suggestion {
    pub p50_hours: Option<f64>,
    pub p80_hours: Option<f64>,
    pub confidence: Confidence,
    /// The most similar first.
    pub neighbours: Vec<Neighbour>,
    pub reasoning: String,
    /// Candidates compared: those with actual hours above zero.
    pub considered: usize,
}

/// The estimate for `target` from its `k` most similar `candidates`.
pub fn suggest(target: &Target, candidates: &[Candidate], k: usize) -> Suggestion {
    let usable: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| c.actual_hours.is_finite() && c.actual_hours > 0.0)
        .collect();
    let bags: Vec<BTreeMap<String, f64>> = std::iter::once(bag(target.title, target.text))
        .chain(usable.iter().map(|c| bag(&c.title, &c.text)))
        .collect();
    let vectors = tf_idf(&bags);
    let same = |a: &str, b: &str| !a.trim().is_empty() && a.trim().eq_ignore_ascii_case(b.trim());
    let mut scored: Vec<(f64, &Candidate, &BTreeMap<String, f64>)> = usable
        .iter()
        .zip(vectors.iter().skip(1))
        .filter_map(|(c, v)| {
            let cosine = cosine(&vectors[0], v);
            let same_type = same(target.issue_type, &c.issue_type);
            let same_module = target
                .module
                .zip(c.module.as_deref())
                .is_some_and(|(a, b)| same(a, b));
            let bonus = if same_type { SAME_TYPE_BONUS } else { 0.0 }
                + if same_module { SAME_MODULE_BONUS } else { 0.0 };
            (cosine > 0.0).then_some((cosine + bonus, *c, v))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.key.cmp(&b.1.key)));
    scored.truncate(k);
    let points: Vec<(f64, f64)> = scored
        .iter()
        .map(|(s, c, _)| (c.actual_hours, *s))
        .collect();
    let p50 = weighted_percentile(&points, 50.0);
    let p80 = weighted_percentile(&points, 80.0);
    let mean = points.iter().map(|(_, s)| s).sum::<f64>() / points.len().max(1) as f64;
    let spread = p50.zip(p80).map_or(f64::INFINITY, |(a, b)| b / a);
    let (confidence, why) = confidence(points.len(), mean, spread);
    let neighbours: Vec<Neighbour> = scored
        .iter()
        .map(|(score, c, v)| Neighbour {
            key: c.key.clone(),
            title: c.title.clone(),
            score: round(*score, 3),
            actual_hours: round(c.actual_hours, 2),
            estimate_hours: c.estimate_hours,
            shared_words: shared(&vectors[0], v),
        })
        .collect();
    let reasoning = match p50.zip(p80) {
        Some((p50, p80)) => explain(&neighbours, p50, p80, confidence, why),
        None => format!(
            "No similar completed work: none of the {} completed issues with time recorded shares a word with this one, so there is nothing to estimate from.",
            usable.len()
        ),
    };
    Suggestion {
        p50_hours: p50.map(|x| round(x, 2)),
        p80_hours: p80.map(|x| round(x, 2)),
        confidence,
        neighbours,
        reasoning,
        considered: usable.len(),
    }
}

/// One or two sentences naming the neighbours, the range and the confidence.
fn explain(
    neighbours: &[Neighbour],
    p50: f64,
    p80: f64,
    confidence: Confidence,
    why: &str,
) -> String {
    let named: Vec<String> = neighbours
        .iter()
        .take(5)
        .map(|n| format!("{} ({}, {} h)", n.key, n.score, n.actual_hours))
        .collect();
    let more = if neighbours.len() > 5 {
        " and more"
    } else {
        ""
    };
    let plural = if neighbours.len() == 1 { "" } else { "s" };
    format!(
        "From {} similar completed issue{plural}: {}{more}. Weighted by similarity, half took at most {} h and 80 % at most {} h (P80/P50 {:.1}); confidence {}: {why}.",
        neighbours.len(),
        named.join(", "),
        round(p50, 2),
        round(p80, 2),
        p80 / p50,
        confidence.as_str()
    )
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::High => "high",
            Confidence::Medium => "medium",
            Confidence::Low => "low",
        }
    }
}

/// High: five or more neighbours, mean score at least 0.35 and P80 at most
/// twice P50. Medium: three or more neighbours. Low otherwise.
fn confidence(neighbours: usize, mean_score: f64, spread: f64) -> (Confidence, &'static str) {
    if neighbours >= 5 && mean_score >= 0.35 && spread <= 2.0 {
        (Confidence::High, "five or more close neighbours agree")
    } else if neighbours >= 3 {
        (
            Confidence::Medium,
            "three or more neighbours, but not five close ones that agree",
        )
    } else {
        (Confidence::Low, "fewer than three neighbours")
    }
}

/// The `p`-th weighted percentile (0–100) of (value, weight) points: the
/// smallest value at which the weights of it and every smaller value reach
/// `p` % of the total. It is always one of the values (no interpolation), so
/// the range names hours some similar issue really took, and a closer
/// neighbour pulls harder. `None` when no point has a positive weight.
pub fn weighted_percentile(points: &[(f64, f64)], p: f64) -> Option<f64> {
    let mut v: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|(x, w)| x.is_finite() && w.is_finite() && *w > 0.0)
        .collect();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = v.iter().map(|(_, w)| w).sum();
    let wanted = p.clamp(0.0, 100.0) / 100.0 * total;
    let mut running = 0.0;
    for (x, w) in &v {
        running += w;
        if running >= wanted - 1e-9 * total {
            return Some(*x);
        }
    }
    v.last().map(|(x, _)| *x)
}

/// The distinct words the similarity compares (title first), at most
/// `max`: what a full-text index is asked for to find the candidates.
pub fn query_words(title: &str, text: &str, max: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in tokens(title).chain(tokens(text)) {
        if out.len() >= max {
            break;
        }
        if !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

/// The word counts of a title and text, title words counted twice.
fn bag(title: &str, text: &str) -> BTreeMap<String, f64> {
    let mut counts = BTreeMap::new();
    for (word, weight) in tokens(title)
        .map(|w| (w, 2.0))
        .chain(tokens(text).map(|w| (w, 1.0)))
    {
        *counts.entry(word).or_insert(0.0) += weight;
    }
    counts
}

/// Lower-cased words of three characters or more, stopwords dropped, a
/// plural "s" cut (not from "-ss", "-us", "-is" words: class, status, analysis).
fn tokens(text: &str) -> impl Iterator<Item = String> {
    let lower = text.to_lowercase();
    let words: Vec<String> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3 && !STOPWORDS.split('|').any(|s| s == *w))
        .map(|w| match w.strip_suffix('s') {
            Some(stem) if !stem.ends_with(['s', 'u', 'i']) && stem.chars().count() >= 3 => {
                stem.to_string()
            }
            _ => w.to_string(),
        })
        .collect();
    words.into_iter()
}

/// Each bag's weights: count × (ln((1 + n) / (1 + df)) + 1), the smoothed
/// inverse document frequency over the `n` bags.
fn tf_idf(bags: &[BTreeMap<String, f64>]) -> Vec<BTreeMap<String, f64>> {
    let mut df: BTreeMap<&str, f64> = BTreeMap::new();
    for bag in bags {
        for word in bag.keys() {
            *df.entry(word.as_str()).or_insert(0.0) += 1.0;
        }
    }
    let n = bags.len() as f64;
    let idf = |w: &str| ((1.0 + n) / (1.0 + df.get(w).copied().unwrap_or(0.0))).ln() + 1.0;
    bags.iter()
        .map(|bag| bag.iter().map(|(w, c)| (w.clone(), c * idf(w))).collect())
        .collect()
}

fn cosine(a: &BTreeMap<String, f64>, b: &BTreeMap<String, f64>) -> f64 {
    let dot: f64 = a.iter().filter_map(|(w, x)| Some(x * b.get(w)?)).sum();
    let norm = |v: &BTreeMap<String, f64>| v.values().map(|x| x * x).sum::<f64>().sqrt();
    let denominator = norm(a) * norm(b);
    if denominator > 0.0 {
        dot / denominator
    } else {
        0.0
    }
}

/// Up to five shared words, by the product of their weights, heaviest first.
fn shared(a: &BTreeMap<String, f64>, b: &BTreeMap<String, f64>) -> Vec<String> {
    let mut words: Vec<(f64, &String)> = a
        .iter()
        .filter_map(|(w, x)| Some((x * b.get(w)?, w)))
        .collect();
    words.sort_by(|x, y| y.0.total_cmp(&x.0).then_with(|| x.1.cmp(y.1)));
    words.into_iter().take(5).map(|(_, w)| w.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_words_are_distinct_title_first_and_bounded() {
        assert_eq!(
            query_words("Export the reports", "CSV export of reports, fast", 3),
            vec!["export", "report", "csv"]
        );
        assert!(query_words("a an the", "", 5).is_empty());
    }

    fn done(
        key: &str,
        title: &str,
        text: &str,
        ty: &str,
        module: Option<&str>,
        hours: f64,
    ) -> Candidate {
        Candidate {
            key: key.into(),
            title: title.into(),
            text: text.into(),
            issue_type: ty.into(),
            module: module.map(String::from),
            actual_hours: hours,
            estimate_hours: None,
        }
    }

    #[test]
    fn two_similar_issues_give_the_range() {
        let target = Target {
            title: "CSV export for reports",
            text: "Export the report table as CSV",
            issue_type: "feature",
            module: Some("reports"),
        };
        let candidates = [
            done(
                "A-1",
                "Export invoices as CSV",
                "",
                "feature",
                Some("Reports"),
                4.0,
            ),
            done("B-2", "PDF export", "report pdf", "bug", None, 10.0),
            done(
                "C-3",
                "Fix login bug",
                "session cookie",
                "feature",
                Some("reports"),
                2.0,
            ),
            done("D-4", "CSV export", "", "feature", None, 0.0),
        ];
        let s = suggest(&target, &candidates, 5);
        // Bags (title twice): target csv 3, export 3, report 3, table 1;
        // A-1 export 2, invoice 2, csv 2; B-2 pdf 3, export 2, report 1.
        // Over 4 bags, idf = ln(5 / (1 + df)) + 1: df 1 → 1.9163, 2 → 1.5108, 3 → 1.2231.
        // cos(T, A-1) = 22.672 / (7.6304 × 5.4592) = 0.5443, + 0.15 + 0.10 = 0.794.
        // cos(T, B-2) = 15.824 / (7.6304 × 6.4278) = 0.3226, no bonus.
        let got: Vec<_> = s
            .neighbours
            .iter()
            .map(|n| (n.key.as_str(), n.score, n.shared_words.clone()))
            .collect();
        assert_eq!(
            got,
            [
                ("A-1", 0.794, vec!["csv".to_string(), "export".into()]),
                ("B-2", 0.323, vec!["export".to_string(), "report".into()]),
            ]
        );
        // Weights 0.794 (4 h) and 0.323 (10 h): 4 h holds 71 % of the weight,
        // enough for P50 but not for P80.
        assert_eq!((s.p50_hours, s.p80_hours), (Some(4.0), Some(10.0)));
        assert_eq!(s.confidence, Confidence::Low);
        assert_eq!(s.considered, 3, "D-4 has no time recorded");
        assert!(
            s.reasoning.starts_with(
                "From 2 similar completed issues: A-1 (0.794, 4 h), B-2 (0.323, 10 h)."
            )
        );
        let one = suggest(&target, &candidates, 1);
        assert_eq!((one.neighbours.len(), one.p80_hours), (1, Some(4.0)));
    }

    #[test]
    fn weighted_percentiles_and_confidence() {
        let points = [(10.0, 2.0), (2.0, 1.0), (4.0, 1.0)];
        // Sorted 2, 4, 10 with weights 1, 1, 2: running shares 25 %, 50 %, 100 %.
        assert_eq!(weighted_percentile(&points, 50.0), Some(4.0));
        assert_eq!(weighted_percentile(&points, 80.0), Some(10.0));
        assert_eq!(weighted_percentile(&points, 0.0), Some(2.0));
        assert_eq!(weighted_percentile(&[(3.0, 0.0)], 50.0), None);
        assert_eq!(confidence(5, 0.35, 2.0).0, Confidence::High);
        assert_eq!(confidence(5, 0.35, 2.1).0, Confidence::Medium);
        assert_eq!(confidence(4, 0.9, 1.0).0, Confidence::Medium);
        assert_eq!(confidence(2, 0.9, 1.0).0, Confidence::Low);
    }

    #[test]
    fn nothing_similar_and_odd_input() {
        let target = Target {
            title: "",
            text: "",
            issue_type: "",
            module: None,
        };
        let s = suggest(&target, &[], 5);
        assert_eq!(
            (s.p50_hours, s.confidence, s.considered),
            (None, Confidence::Low, 0)
        );
        assert!(s.reasoning.starts_with("No similar completed work"));
        let odd = Target {
            title: "İİ ẞ 🚀 ß",
            text: "ё",
            issue_type: "x",
            module: Some(""),
        };
        let candidates = [
            done("X-1", "ẞ 🚀 İİ", "", "x", Some(""), f64::NAN),
            done("X-2", "İİ things", "", "", None, f64::INFINITY),
            done("X-3", "İİ things", "", "", None, 3.0),
        ];
        let s = suggest(&odd, &candidates, 0);
        assert!(s.neighbours.is_empty());
        assert_eq!(s.considered, 1);
        assert_eq!(
            tokens("Reports, status and bus-es ÉTÉS").collect::<Vec<_>>(),
            ["report", "status", "bus", "été"]
        );
    }
}
