//! Requirements, acceptance criteria and open questions from free text.
//!
//! The text (markdown welcome) is cut into items by the shared reader: each
//! bullet, numbered or checkbox line, each Given/When/Then block and each
//! sentence of a paragraph, with the heading it falls under. Then, first
//! rule wins:
//!
//! 1. a Given/When/Then block, a checkbox item, or an item under a heading
//!    naming acceptance or criteria is an acceptance criterion;
//! 2. an item with a modal word is a requirement, its priority from the
//!    strongest family present (must, then should, then could);
//! 3. a bullet under a heading naming requirements is a requirement; it
//!    states no strength, so it is ranked should.
//!
//! A requirement's kind: non-functional when it names a quality (the
//! `NON_FUNCTIONAL` words), else a constraint when it bounds behaviour (the
//! `CONSTRAINT` words), else functional. A must requirement is covered when
//! an explicit criterion shares two of its words of four letters or more
//! (all of them when it has fewer); an uncovered one gets a criterion
//! restated from it, its subject and verb phrase without the modal. Every
//! item is also scanned for wording nobody can test, which becomes a
//! question; placeholders and vague words always, size and speed words only
//! when the item holds no number. [`RULES`] lists each rule with the id the
//! outputs cite.

use serde::Serialize;

use super::{Form, Item, find_phrase, has_phrase, items, phrases_in};

/// Every rule, as (rule id, what it does), for front doors to print.
#[rustfmt::skip] // a table reads best one rule a line
pub const RULES: &[(&str, &str)] = &[
    ("modal-must", "must, shall, required, has to, needs to: a requirement, priority must"),
    ("modal-should", "should, will: a requirement, priority should"),
    ("modal-could", "may, could, might, optional, nice to have: a requirement, priority could"),
    ("requirements-section", "a bullet under a Requirements heading: priority should"),
    ("kind-non-functional", "performance, time units, security, uptime, accessibility, scale or %"),
    ("kind-constraint", "only, never, must not, cannot, at most, at least, no more than, within"),
    ("criterion-gwt", "a Given line with its When/Then/And lines is one criterion"),
    ("criterion-checkbox", "a checkbox item (- [ ] or - [x]) is a criterion"),
    ("criterion-section", "an item under an Acceptance or Criteria heading is a criterion"),
    ("criterion-derived", "a must requirement no criterion covers is restated as one"),
    ("question-placeholder", "TBD, TBC, TODO or ??? marks an open decision"),
    ("question-vague", "untestable: easy, user-friendly, intuitive, robust, appropriate, and/or"),
    ("question-unquantified", "fast, quick, responsive, scalable, efficient, large with no number"),
    ("dedup", "an item repeated (case, spacing, final stop ignored) is kept once"),
];

// Word lists, `|`-separated; each phrase matches as whole words (see `find_phrase`).
const MUST: &str = "must|shall|required|has to|have to|needs to|need to";
const SHOULD: &str = "should|will";
const COULD: &str = "may|could|might|optional|nice to have";
const NON_FUNCTIONAL: &str = "performance|latency|ms|millisecond|second|throughput|security|secure|\
    encrypt|encrypted|availability|uptime|accessibility|accessible|wcag|scalability|scalable|\
    concurrent|response time|%|percent";
const CONSTRAINT: &str =
    "must not|shall not|cannot|only|never|at most|at least|no more than|limited to|within";
const PLACEHOLDER: &str = "tbd|tbc|todo|???";
const VAGUE: &str = "easy|easily|user-friendly|intuitive|robust|seamless|seamlessly|flexible|\
    simple|appropriate|reasonable|as needed|if possible|and/or|etc";
const UNQUANTIFIED: &str =
    "fast|quick|quickly|responsive|scalable|efficient|large|high performance";

/// How binding a requirement is (MoSCoW without the won't).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequirementPriority {
    Must,
    Should,
    Could,
}

/// What a requirement constrains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequirementKind {
    Functional,
    NonFunctional,
    Constraint,
}

/// One requirement found in the text.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Requirement {
    /// R1, R2, … in the order they appear.
    pub id: String,
    pub text: String,
    pub kind: RequirementKind,
    pub priority: RequirementPriority,
    /// 1-based line where the item starts.
    pub line: usize,
    /// The [`RULES`] id that made it a requirement.
    pub rule: &'static str,
    /// The words that decided its priority and kind, e.g. `["must", "ms"]`.
    pub matched: Vec<String>,
}

/// One acceptance criterion, stated or derived.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Criterion {
    pub text: String,
    /// "given/when/then", "checkbox", "section" or "derived from R3".
    pub source: String,
    pub line: usize,
}

/// Wording that needs an answer before the work can be tested.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Question {
    /// The phrase that raised it, as written in the rules.
    pub phrase: String,
    /// The item it came from.
    pub text: String,
    pub line: usize,
    /// The requirement id when the item is a requirement.
    pub requirement: Option<String>,
    pub question: String,
    pub rule: &'static str,
}

/// Everything [`extract`] found, in the order it appears in the text
/// (derived criteria after the stated ones).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Extraction {
    pub requirements: Vec<Requirement>,
    pub acceptance_criteria: Vec<Criterion>,
    pub questions: Vec<Question>,
}

/// Requirements, criteria and questions in `text`, by the [`RULES`].
pub fn extract(text: &str) -> Extraction {
    let (mut requirements, mut criteria, mut questions) = (Vec::new(), Vec::new(), Vec::new());
    let mut seen = std::collections::HashSet::new();
    for Item {
        text,
        line,
        form,
        heading,
    } in items(text)
    {
        let lower = text.to_lowercase();
        let acceptance = heading.contains("acceptance") || heading.contains("criteria");
        let key = lower.split_whitespace().collect::<Vec<_>>().join(" ");
        if !seen.insert(key.trim_end_matches(['.', '!', '?', ';', ':']).to_string()) {
            continue;
        }
        let source = match form {
            Form::GivenWhenThen => Some("given/when/then"),
            Form::Checkbox => Some("checkbox"),
            _ => acceptance.then_some("section"),
        };
        let bulleted = form == Form::Bullet && heading.contains("requirement");
        let mut id = None;
        if let Some(source) = source {
            let source = source.into();
            criteria.push(Criterion {
                text: text.clone(),
                source,
                line,
            });
        } else if let Some((priority, rule, word)) = modal(&lower).or_else(|| {
            bulleted.then_some((RequirementPriority::Should, "requirements-section", ""))
        }) {
            let (kind, kind_word) = kind(&lower);
            let matched = [word, kind_word].into_iter().filter(|w| !w.is_empty());
            let r = format!("R{}", requirements.len() + 1);
            id = Some(r.clone());
            requirements.push(Requirement {
                id: r,
                text: text.clone(),
                kind,
                priority,
                line,
                rule,
                matched: matched.map(String::from).collect(),
            });
        }
        questions.extend(asked(&text, &lower, line, id));
    }
    let derived: Vec<Criterion> = requirements
        .iter()
        .filter(|r| r.priority == RequirementPriority::Must)
        .filter(|r| {
            !criteria
                .iter()
                .any(|c: &Criterion| covers(&c.text, &r.text))
        })
        .map(|r| Criterion {
            text: format!("{} (from {})", restate(&r.text), r.id),
            source: format!("derived from {}", r.id),
            line: r.line,
        })
        .collect();
    criteria.extend(derived);
    Extraction {
        requirements,
        acceptance_criteria: criteria,
        questions,
    }
}

/// The priority, rule and word of the first modal family `lower` uses.
fn modal(lower: &str) -> Option<(RequirementPriority, &'static str, &'static str)> {
    [
        (MUST, RequirementPriority::Must, "modal-must"),
        (SHOULD, RequirementPriority::Should, "modal-should"),
        (COULD, RequirementPriority::Could, "modal-could"),
    ]
    .into_iter()
    .find_map(|(words, priority, rule)| {
        let word = words.split('|').find(|w| has_phrase(lower, w))?;
        Some((priority, rule, word))
    })
}

fn kind(lower: &str) -> (RequirementKind, &'static str) {
    let first = |list: &'static str| list.split('|').find(|w| has_phrase(lower, w));
    match (first(NON_FUNCTIONAL), first(CONSTRAINT)) {
        (Some(w), _) => (RequirementKind::NonFunctional, w),
        (None, Some(w)) => (RequirementKind::Constraint, w),
        (None, None) => (RequirementKind::Functional, ""),
    }
}

/// The questions an item's wording raises.
fn asked(text: &str, lower: &str, line: usize, requirement: Option<String>) -> Vec<Question> {
    let numbered = lower.chars().any(|c| c.is_ascii_digit());
    let families = [
        (PLACEHOLDER, "question-placeholder"),
        (VAGUE, "question-vague"),
        (UNQUANTIFIED, "question-unquantified"),
    ];
    families
        .into_iter()
        .filter(|(_, rule)| !(numbered && *rule == "question-unquantified"))
        .flat_map(|(list, rule)| {
            phrases_in(lower, list.split('|'))
                .into_iter()
                .map(move |p| (p, rule))
        })
        .map(|(phrase, rule)| Question {
            phrase: phrase.into(),
            text: text.into(),
            line,
            requirement: requirement.clone(),
            question: match rule {
                _ if phrase == "and/or" => "'and/or': both, or either one?".into(),
                "question-placeholder" => {
                    format!("'{phrase}' marks an open decision: what was decided?")
                }
                "question-vague" => format!(
                    "'{phrase}' cannot be tested as written: what behaviour or measure is meant?"
                ),
                _ => format!(
                    "'{phrase}' has no number: what limit is required (a time, a size, a rate)?"
                ),
            },
            rule,
        })
        .collect()
}

/// The words of four letters or more, plural "s" dropped, that decide coverage.
fn content_words(text: &str) -> Vec<String> {
    const SKIP: &str =
        "must|shall|have|need|required|with|that|this|from|able|their|they|them|when|then|into";
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4)
        .map(|w| w.strip_suffix('s').unwrap_or(w).to_string())
        .filter(|w| !SKIP.split('|').any(|s| s == w))
        .collect()
}

/// Whether `criterion` shares two of the requirement's content words (all when it has fewer).
fn covers(criterion: &str, requirement: &str) -> bool {
    let (have, want) = (content_words(criterion), content_words(requirement));
    let shared = want.iter().filter(|w| have.contains(w)).count();
    !want.is_empty() && shared >= want.len().min(2)
}

/// A must requirement restated as a checkable fact: "Users must be able to
/// export" becomes "Users can export", "The API must return" "The API
/// returns". Wording the rule cannot restate is kept, prefixed "Verified:".
fn restate(text: &str) -> String {
    let body = text.trim().trim_end_matches(['.', '!', ';']);
    let lower = body.to_ascii_lowercase();
    let found = "must not|shall not|must|shall|has to|have to|needs to|need to"
        .split('|')
        .filter_map(|m| Some((find_phrase(&lower, m)?, m)))
        .min_by_key(|(at, m)| (*at, usize::MAX - m.len()));
    let parts = found.and_then(|(at, m)| {
        let (subject, rest) = (body.get(..at)?.trim(), body.get(at + m.len()..)?.trim());
        Some((
            subject,
            rest.split_whitespace().collect::<Vec<_>>(),
            m.ends_with("not"),
        ))
    });
    let Some((subject, words, negative)) = parts else {
        return format!("Verified: {body}");
    };
    let subject = Some(subject)
        .filter(|s| !s.is_empty())
        .unwrap_or("The system");
    let last = subject
        .rsplit(' ')
        .next()
        .unwrap_or(subject)
        .to_ascii_lowercase();
    let plural = ["they", "we", "you", "people"].contains(&last.as_str())
        || (last.ends_with('s') && !["ss", "us", "is"].iter().any(|e| last.ends_with(e)));
    let adverb = |w: &&&str| w.ends_with("ly") || ["always", "also", "only", "still"].contains(*w);
    let skip = words.iter().take_while(adverb).count();
    let (adverbs, words) = words.split_at(skip);
    let tail = |from: usize| words.get(from..).unwrap_or_default().join(" ");
    let verb = match words.first().map(|w| w.to_ascii_lowercase()).as_deref() {
        None => return format!("Verified: {body}"),
        Some("be") if words.get(1..3) == Some(&["able", "to"][..]) => {
            format!("{} {}", if negative { "cannot" } else { "can" }, tail(3))
        }
        Some("be") => {
            let is = if plural { "are" } else { "is" };
            format!("{is}{} {}", if negative { " not" } else { "" }, tail(1))
        }
        Some(_) if negative => {
            format!("{} {}", if plural { "do not" } else { "does not" }, tail(0))
        }
        Some(w) if plural => format!("{w} {}", tail(1)),
        Some(w) => format!("{} {}", third_person(w), tail(1)),
    };
    let adverbs = adverbs.iter().map(|w| format!("{w} ")).collect::<String>();
    format!("{subject} {adverbs}{}", verb.trim())
}

/// The third person singular of a verb: have → has, fix → fixes, copy → copies.
fn third_person(verb: &str) -> String {
    let vowel = |s: &str| s.ends_with(['a', 'e', 'i', 'o', 'u']);
    match verb {
        "have" => "has".into(),
        _ if verb.len() > 2 && verb.ends_with('y') && !vowel(&verb[..verb.len() - 1]) => {
            format!("{}ies", &verb[..verb.len() - 1])
        }
        _ if ["s", "x", "z", "ch", "sh", "o"]
            .iter()
            .any(|e| verb.ends_with(e)) =>
        {
            format!("{verb}es")
        }
        _ => format!("{verb}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RequirementKind::*;
    use RequirementPriority::*;

    #[test]
    fn six_line_spec() {
        let spec = "# Requirements\n\
            - Users must be able to reset their password by email.\n\
            - The search page should respond within 200 ms.\n\
            - Admins may export reports as CSV.\n\
            - Show only the last 50 entries.\n\
            The login form must be easy to use and/or fast.";
        let x = extract(spec);
        let got: Vec<_> = x
            .requirements
            .iter()
            .map(|r| (r.id.as_str(), r.priority, r.kind, r.line, r.rule))
            .collect();
        assert_eq!(
            got,
            [
                ("R1", Must, Functional, 2, "modal-must"),
                ("R2", Should, NonFunctional, 3, "modal-should"),
                ("R3", Could, Functional, 4, "modal-could"),
                ("R4", Should, Constraint, 5, "requirements-section"),
                ("R5", Must, Functional, 6, "modal-must"),
            ]
        );
        assert_eq!(
            (
                x.requirements[1].matched.as_slice(),
                x.requirements[3].matched.as_slice()
            ),
            (
                &["should".to_string(), "ms".into()][..],
                &["only".to_string()][..]
            )
        );
        // No stated criteria: each must requirement gets one derived.
        let derived: Vec<_> = x
            .acceptance_criteria
            .iter()
            .map(|c| c.text.as_str())
            .collect();
        assert_eq!(
            derived,
            [
                "Users can reset their password by email (from R1)",
                "The login form is easy to use and/or fast (from R5)"
            ]
        );
        assert_eq!(x.acceptance_criteria[1].source, "derived from R5");
        let asked: Vec<_> = x
            .questions
            .iter()
            .map(|q| (q.phrase.as_str(), q.requirement.as_deref(), q.line))
            .collect();
        let r5 = Some("R5");
        assert_eq!(asked, [("easy", r5, 6), ("and/or", r5, 6), ("fast", r5, 6)]);
    }

    #[test]
    fn criteria_from_sections_checkboxes_and_given_when_then() {
        let spec = "Overview. The export must include every column.\n\
            \n\
            ## Acceptance criteria\n\
            - Exports open in Excel.\n\
            - [ ] The file is named after the project\n\
            Given a signed-in admin\n\
            When they click Export\n\
            Then a CSV downloads\n\
            The export MUST include every   column";
        let x = extract(spec);
        assert_eq!(x.requirements.len(), 1, "the repeat on line 9 is dropped");
        assert_eq!(x.requirements[0].line, 1);
        let got: Vec<_> = x
            .acceptance_criteria
            .iter()
            .map(|c| (c.source.as_str(), c.line))
            .collect();
        // R1 shares only "export" with the stated criteria: not covered.
        assert_eq!(
            got,
            [
                ("section", 4),
                ("checkbox", 5),
                ("given/when/then", 6),
                ("derived from R1", 1)
            ]
        );
        let gwt = "Given a signed-in admin When they click Export Then a CSV downloads";
        assert_eq!(x.acceptance_criteria[2].text, gwt);
        assert_eq!(
            x.acceptance_criteria[3].text,
            "The export includes every column (from R1)"
        );
        // A criterion sharing two words covers the requirement.
        let covered =
            extract("The export must include every column.\n- [ ] every column is in the export");
        assert_eq!(covered.acceptance_criteria.len(), 1);
    }

    #[test]
    fn restating_and_questions() {
        for (from, to) in [
            (
                "The API must not expose ids.",
                "The API does not expose ids",
            ),
            (
                "Reports must always copy totals",
                "Reports always copy totals",
            ),
            ("The job has to retry twice", "The job retries twice"),
            ("Must be logged", "The system is logged"),
            ("A key is required", "Verified: A key is required"),
        ] {
            assert_eq!(restate(from), to);
        }
        let x =
            extract("Login TBD, numbers e.g. 3 are fine.\n* It should be fast, within 2 seconds.");
        let asked: Vec<_> = x
            .questions
            .iter()
            .map(|q| (q.phrase.as_str(), q.rule))
            .collect();
        // "fast" has a number beside it, so it is not asked about.
        assert_eq!(asked, [("tbd", "question-placeholder")]);
        assert_eq!(x.requirements[0].kind, NonFunctional);
        assert_eq!(RULES.len(), 14);
    }

    #[test]
    fn empty_and_odd_text_do_not_panic() {
        let odd = [
            "",
            "\n\n",
            "- [ ]",
            "#",
            "İİ must ß. ё?!",
            "1.",
            "**",
            "Given",
            "must",
            "¿qué? — 🚀 must 🚀.",
        ];
        for text in odd {
            let x = extract(text);
            assert!(x.requirements.iter().all(|r| !r.text.is_empty()));
        }
        assert_eq!(extract("").requirements.len(), 0);
    }
}
