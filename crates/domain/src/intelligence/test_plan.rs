//! Test plans from acceptance criteria. Each criterion gets one happy-path
//! case, edge cases for what its words suggest (numbers, collections, time)
//! and at least one negative case, each naming the rule that produced it
//! (see [`RULES`]). A criterion in Given/When/Then form keeps its Given as
//! the precondition, its When as the step and its Then as the expectation;
//! any other criterion is exercised as written.

use serde::Serialize;

use super::{find_phrase, phrases_in, quoted, short};

/// Every rule, as (rule id, what it produces), for front doors to print.
#[rustfmt::skip] // a table reads best one rule a line
pub const RULES: &[(&str, &str)] = &[
    ("happy-path", "every criterion: typical valid input, the criterion's outcome expected"),
    ("edge-limit", "a number after at most/within/at least/less than…: n−1, n, n+1 against the limit"),
    ("edge-number", "any other number n: n−1, n and n+1, the neighbours handled deliberately"),
    ("edge-collection", "empty/none/zero/list/all/many/each/item: empty, single and large inputs"),
    ("edge-time", "timeout/expire/deadline/time units/dates: the limit and clock boundaries"),
    ("negative-violation", "must/only/never/required/valid/unique/at most…: breaking input is refused"),
    ("negative-unauthorised", "permission/auth/login/admin/role/owner/access: an outsider is refused"),
    ("negative-default", "no negative rule matched: a failed criterion must show as failed"),
];

const UPPER_INCLUSIVE: &str = "at most|no more than|up to|maximum|max|within|limited to|not exceed";
const UPPER_STRICT: &str = "less than|fewer than|under|below";
const LOWER_INCLUSIVE: &str = "at least|no less than|no fewer than|minimum|min";
const LOWER_STRICT: &str = "more than|greater than|over|above";
const COLLECTION: &str =
    "empty|none|zero|list|all|many|multiple|every|each|item|bulk|batch|several";
const TIME: &str = "timeout|time out|times out|expire|expired|expiry|deadline|ms|millisecond|\
    second|minute|hour|day|week|month|daily|hourly|midnight|date|timezone|schedule|scheduled";
const VIOLATION: &str = "must|must not|only|never|required|valid|invalid|shall|cannot|unique|\
    at most|at least|no more than|limited to";
const AUTH: &str = "permission|authorised|authorized|unauthorised|unauthorized|auth|authenticated|\
    login|log in|logged in|signed in|signed-in|sign in|admin|role|owner|access|private";

/// What a test case probes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    HappyPath,
    Edge,
    Negative,
}

/// One test to write or run.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct TestCase {
    /// TC-1, TC-2, … across the plan.
    pub id: String,
    /// 0-based index of the criterion it tests.
    pub criterion: usize,
    pub kind: CaseKind,
    pub title: String,
    pub preconditions: Vec<String>,
    pub steps: Vec<String>,
    pub expected: String,
    /// The [`RULES`] id that produced it.
    pub rule: String,
}

/// How many cases of each kind one criterion got.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CriterionCoverage {
    pub criterion_index: usize,
    pub happy: usize,
    pub edge: usize,
    pub negative: usize,
}

/// The cases for every criterion, criteria in order, and how each is covered.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct TestPlan {
    pub title: String,
    pub cases: Vec<TestCase>,
    /// One entry per criterion, in order; a blank criterion gets no cases.
    pub coverage: Vec<CriterionCoverage>,
}

/// The test plan for `criteria` of the work called `title`.
pub fn generate(title: &str, criteria: &[String]) -> TestPlan {
    let mut cases = Vec::new();
    let mut coverage = Vec::new();
    for (index, criterion) in criteria.iter().enumerate() {
        let criterion = Some(criterion.trim()).filter(|c| !c.is_empty());
        let drafts = criterion.map_or_else(Vec::new, |c| cases_for(title, c));
        let count = |kind| drafts.iter().filter(|c: &&TestCase| c.kind == kind).count();
        coverage.push(CriterionCoverage {
            criterion_index: index,
            happy: count(CaseKind::HappyPath),
            edge: count(CaseKind::Edge),
            negative: count(CaseKind::Negative),
        });
        for mut case in drafts {
            case.id = format!("TC-{}", cases.len() + 1);
            case.criterion = index;
            cases.push(case);
        }
    }
    TestPlan {
        title: title.to_string(),
        cases,
        coverage,
    }
}

/// The scenario a criterion describes: preconditions, the action, the outcome.
struct Scenario {
    given: Vec<String>,
    when: String,
    then: String,
}

impl Scenario {
    fn of(title: &str, criterion: &str) -> Self {
        if let Some(s) = given_when_then(criterion) {
            return s;
        }
        let feature = match title.trim() {
            "" => "The feature".to_string(),
            t => format!("\"{t}\""),
        };
        Scenario {
            given: vec![format!(
                "{feature} is deployed in a test environment with typical data"
            )],
            when: format!("Exercise the behaviour: {criterion}"),
            then: criterion.to_string(),
        }
    }

    /// A case of this scenario, with `step` (when not empty) after its action.
    fn case(
        &self,
        kind: CaseKind,
        rule: &str,
        title: String,
        step: &str,
        expected: &str,
    ) -> TestCase {
        let step = Some(step.to_string()).filter(|s| !s.is_empty());
        TestCase {
            id: String::new(),
            criterion: 0,
            kind,
            title,
            preconditions: self.given.clone(),
            steps: std::iter::once(self.when.clone()).chain(step).collect(),
            expected: expected.into(),
            rule: rule.into(),
        }
    }
}

/// "Given A, when B, then C" (Given optional, text starting with Given or When).
fn given_when_then(text: &str) -> Option<Scenario> {
    let lower = text.to_ascii_lowercase();
    if !(lower.starts_with("given") || lower.starts_with("when")) {
        return None;
    }
    let when = find_phrase(&lower, "when")?;
    let then = when + find_phrase(lower.get(when..)?, "then")?;
    let clean = |s: &str| {
        s.trim()
            .trim_matches(|c: char| c == ',' || c.is_whitespace())
            .to_string()
    };
    let given = lower
        .starts_with("given")
        .then(|| Some(clean(text.get(5..when)?)))
        .flatten();
    Some(Scenario {
        given: given.into_iter().filter(|g| !g.is_empty()).collect(),
        when: clean(text.get(when + 4..then)?),
        then: clean(text.get(then + 4..)?.trim_end_matches('.')),
    })
}

/// Whether a value passes a limit of `n`: `passes(value, n)`.
type Passes = fn(f64, f64) -> bool;

/// A number as written in a criterion, with the unit after it and the limit before it.
struct Number {
    value: f64,
    decimals: usize,
    unit: String,
    /// The limit phrase before it and whether a value is allowed against it.
    limit: Option<(&'static str, Passes)>,
}

impl Number {
    fn show(&self, v: f64) -> String {
        let n = format!("{:.*}", self.decimals, v);
        if self.unit.is_empty() {
            format!("the value {n}")
        } else {
            format!("{n} {}", self.unit)
        }
    }
}

/// Up to two numbers in `lower` that are not part of a word ("A07", "v2").
fn numbers(lower: &str) -> Vec<Number> {
    let limits: [(&'static str, Passes); 4] = [
        (UPPER_INCLUSIVE, |v, n| v <= n),
        (UPPER_STRICT, |v, n| v < n),
        (LOWER_INCLUSIVE, |v, n| v >= n),
        (LOWER_STRICT, |v, n| v > n),
    ];
    let mut out = Vec::new();
    let mut rest = lower;
    while let Some(at) = rest.find(|c: char| c.is_ascii_digit()) {
        let glued = rest[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphabetic() || c == '.');
        let len = rest[at..]
            .char_indices()
            .take_while(|(i, c)| {
                c.is_ascii_digit()
                    || (matches!(c, '.' | ',')
                        && *i > 0
                        && rest[at + i + 1..].starts_with(|d: char| d.is_ascii_digit()))
            })
            .count();
        let written = &rest[at..at + len];
        let after = rest[at + len..].trim_start();
        let unit: String = after
            .chars()
            .take_while(|c| c.is_alphabetic() || *c == '%')
            .collect();
        let before = rest[..at].trim_end();
        let limit = limits.iter().find_map(|(list, allowed)| {
            let phrase = list.split('|').find(|p| {
                let head = before.strip_suffix(p);
                head.is_some_and(|h| !h.ends_with(char::is_alphabetic))
            })?;
            Some((phrase, *allowed))
        });
        if let (false, Ok(value)) = (glued, written.replace(',', "").parse::<f64>()) {
            let decimals = written.split_once('.').map_or(0, |(_, d)| d.len());
            out.push(Number {
                value,
                decimals,
                unit,
                limit,
            });
        }
        rest = &rest[at + len..];
    }
    out.truncate(2);
    out
}

/// The fixed cases of word-triggered rules, as (rule, kind, title, step, expected).
#[rustfmt::skip] // a table reads best one case a line
const FIXED: &[(&str, CaseKind, &str, &str, &str)] = &[
    ("edge-collection", CaseKind::Edge, "Collection: an empty input (no items)", "Use an empty input", "No error: an empty result or a clear message"),
    ("edge-collection", CaseKind::Edge, "Collection: a single item", "Use exactly one item", "Behaves as with typical input"),
    ("edge-collection", CaseKind::Edge, "Collection: a large input (10 000 items)", "Use 10 000 items", "Completes within normal limits; nothing is dropped silently"),
    ("edge-time", CaseKind::Edge, "Time: just before and just after the time limit", "Let the clock reach the limit, then pass it", "Before the limit it behaves as stated; after it, it times out or expires with a clear message"),
    ("edge-time", CaseKind::Edge, "Clock: midnight UTC, a daylight-saving change, another timezone", "Run it across each clock boundary", "Dates and durations stay correct across the boundary"),
    ("negative-violation", CaseKind::Negative, "Refuses input that breaks the rule", "Attempt it with input that breaks the rule", "Refused with a clear error saying what was wrong and what is allowed; nothing changes"),
    ("negative-unauthorised", CaseKind::Negative, "Refuses an actor without permission", "Attempt it as an actor who lacks that permission", "Refused as unauthorised (or not found); nothing is revealed or changed"),
    ("negative-default", CaseKind::Negative, "Fails visibly when the criterion is not met", "Repeat it with the precondition missing or with invalid input", "A failure is reported clearly; the criterion is never reported as met when it is not"),
];

/// Every case one criterion gets, ids and index left for [`generate`].
fn cases_for(title: &str, criterion: &str) -> Vec<TestCase> {
    let lower = criterion.to_ascii_lowercase();
    let s = Scenario::of(title, criterion);
    let happy = format!("Happy path: {}", short(criterion, 60));
    let mut out = vec![s.case(CaseKind::HappyPath, "happy-path", happy, "", &s.then)];
    for n in numbers(&lower) {
        let (step, stated) = (10f64.powi(-(n.decimals as i32)), n.show(n.value));
        let probes = [
            (n.value - step, "just under"),
            (n.value, "exactly"),
            (n.value + step, "just over"),
        ];
        for (v, place) in probes.into_iter().filter(|(v, _)| *v >= 0.0) {
            let shown = n.show(v);
            let (rule, expected) = match n.limit {
                Some((limit, passes)) => {
                    let verdict = match passes(v, n.value) {
                        true => format!("Accepted: {shown} satisfies"),
                        false => format!("Refused or capped, with a clear message: {shown} breaks"),
                    };
                    ("edge-limit", format!("{verdict} '{limit} {stated}'"))
                }
                None if v == n.value => ("edge-number", format!("{} (exactly as stated)", s.then)),
                None => (
                    "edge-number",
                    format!("Handled on purpose, as for {stated} or refused"),
                ),
            };
            let title = format!("Boundary: {shown} ({place} {stated})");
            out.push(s.case(
                CaseKind::Edge,
                rule,
                title,
                &format!("Use {shown}"),
                &expected,
            ));
        }
    }
    let words = [
        ("edge-collection", COLLECTION),
        ("edge-time", TIME),
        ("negative-violation", VIOLATION),
        ("negative-unauthorised", AUTH),
    ];
    let fired: Vec<(&str, String)> = words
        .into_iter()
        .map(|(rule, list)| (rule, quoted(&phrases_in(&lower, list.split('|')))))
        .filter(|(_, words)| !words.is_empty())
        .collect();
    let negative = fired.iter().any(|(rule, _)| rule.starts_with("negative"));
    let default = (!negative).then(|| ("negative-default", String::new()));
    for (rule, words) in fired.into_iter().chain(default) {
        for (_, kind, title, step, expected) in FIXED.iter().filter(|f| f.0 == rule) {
            let named = *kind == CaseKind::Negative && !words.is_empty();
            let title = if named {
                format!("{title} ({words})")
            } else {
                title.to_string()
            };
            let mut case = s.case(*kind, rule, title, step, expected);
            if rule == "negative-unauthorised" {
                let outsider =
                    "The actor lacks the permission it needs (overriding any actor above)";
                case.preconditions.push(outsider.into());
            }
            out.push(case);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (rule, second step) of one criterion's cases.
    fn of(plan: &TestPlan, criterion: usize) -> Vec<(&str, &str)> {
        let cases = plan.cases.iter().filter(|c| c.criterion == criterion);
        cases
            .map(|c| (c.rule.as_str(), c.steps.get(1).map_or("", String::as_str)))
            .collect()
    }

    /// The expectations of one criterion's limit cases, up to their colon.
    fn verdicts(plan: &TestPlan, criterion: usize) -> Vec<&str> {
        let cases = plan
            .cases
            .iter()
            .filter(|c| c.criterion == criterion && c.rule == "edge-limit");
        cases
            .map(|c| c.expected.split(':').next().unwrap_or(""))
            .collect()
    }

    #[test]
    fn at_most_fifty_items_probes_the_limit() {
        let plan = generate("Paging", &["At most 50 items per page.".into()]);
        let breaks = "Attempt it with input that breaks the rule";
        assert_eq!(
            of(&plan, 0),
            [
                ("happy-path", ""),
                ("edge-limit", "Use 49 items"),
                ("edge-limit", "Use 50 items"),
                ("edge-limit", "Use 51 items"),
                ("edge-collection", "Use an empty input"),
                ("edge-collection", "Use exactly one item"),
                ("edge-collection", "Use 10 000 items"),
                ("negative-violation", breaks),
            ]
        );
        assert_eq!(
            verdicts(&plan, 0),
            [
                "Accepted",
                "Accepted",
                "Refused or capped, with a clear message"
            ]
        );
        let over = "Refused or capped, with a clear message: 51 items breaks 'at most 50 items'";
        assert_eq!(plan.cases[3].expected, over);
        assert_eq!(
            (plan.cases[0].id.as_str(), plan.cases[7].id.as_str()),
            ("TC-1", "TC-8")
        );
        assert_eq!(
            plan.cases[7].title,
            "Refuses input that breaks the rule ('at most')"
        );
        let deployed = "\"Paging\" is deployed in a test environment with typical data";
        assert_eq!(plan.cases[0].preconditions, [deployed]);
        let c = &plan.coverage[0];
        assert_eq!(
            (c.criterion_index, c.happy, c.edge, c.negative),
            (0, 1, 6, 1)
        );
    }

    #[test]
    fn given_when_then_keeps_its_parts() {
        let gwt = "Given a signed-in admin, when they delete a project, then it is archived.";
        let plan = generate("", &[gwt.into()]);
        let happy = &plan.cases[0];
        assert_eq!(happy.preconditions, ["a signed-in admin"]);
        assert_eq!(happy.steps, ["they delete a project"]);
        assert_eq!(happy.expected, "it is archived");
        assert_eq!(plan.cases.len(), 2);
        assert_eq!(plan.cases[1].rule, "negative-unauthorised");
        let refused = "Refuses an actor without permission ('signed-in', 'admin')";
        assert_eq!(plan.cases[1].title, refused);
    }

    #[test]
    fn lower_limits_decimals_and_the_default_negative() {
        let criteria = [
            "At least 8 characters",
            "Responds within 2.5 seconds",
            "Shows totals",
        ];
        let plan = generate("x", &criteria.map(String::from));
        let refused = "Refused or capped, with a clear message";
        // 7 breaks "at least 8"; 8 and 9 satisfy it.
        assert_eq!(verdicts(&plan, 0), [refused, "Accepted", "Accepted"]);
        assert_eq!(verdicts(&plan, 1), ["Accepted", "Accepted", refused]);
        let steps: Vec<&str> = of(&plan, 1).iter().map(|c| c.1).collect();
        assert_eq!(
            steps[1..4],
            ["Use 2.4 seconds", "Use 2.5 seconds", "Use 2.6 seconds"]
        );
        assert_eq!(
            of(&plan, 1).iter().filter(|c| c.0 == "edge-time").count(),
            2
        );
        let rules: Vec<&str> = of(&plan, 2).iter().map(|c| c.0).collect();
        assert_eq!(rules, ["happy-path", "negative-default"]);
    }

    #[test]
    fn empty_and_odd_input_do_not_panic() {
        assert_eq!(generate("", &[]).cases.len(), 0);
        let blank = generate("", &["".into(), "  ".into()]);
        assert_eq!((blank.cases.len(), blank.coverage.len()), (0, 2));
        let odd = [
            "Ünïcödé 0 ☃ when then",
            "given",
            "0",
            "İ9.9.9 🚀1,000,",
            "When",
            "when x then",
        ];
        let plan = generate("🚀", &odd.map(String::from));
        assert!(
            plan.coverage
                .iter()
                .all(|c| c.happy == 1 && c.negative >= 1)
        );
        // "0": no probe below zero.
        assert!(of(&plan, 2).iter().all(|c| !c.1.contains("-1")));
    }
}
