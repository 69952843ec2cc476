//! The deterministic intelligence tools' computations: requirements from
//! free text, test plans from acceptance criteria, security checklists and
//! estimates from similar completed work. No model is called: each result
//! follows documented rules and says which rule produced it.
//!
//! This file holds what the tools share: the word matching, so that "the
//! spec mentions 'password'" means the same thing in every tool, and the
//! reading of markdown-ish text into items.

pub mod estimate;
pub mod requirements;
pub mod security;
pub mod test_plan;

/// Where `phrase` (lower case) first occurs in `lower` (already lower-cased)
/// as whole words: no letter glued before it, and nothing alphanumeric after
/// it except a plural "s" or "es". A phrase that starts or ends with a symbol
/// (`%`) needs no boundary on that side. A digit may precede a phrase, so
/// "200ms" mentions "ms".
pub(crate) fn find_phrase(lower: &str, phrase: &str) -> Option<usize> {
    let starts_word = phrase.chars().next()?.is_alphanumeric();
    let ends_word = phrase
        .chars()
        .next_back()
        .is_some_and(char::is_alphanumeric);
    lower.match_indices(phrase).map(|(at, _)| at).find(|&at| {
        let before = lower[..at].chars().next_back();
        if starts_word && before.is_some_and(char::is_alphabetic) {
            return false;
        }
        if !ends_word {
            return true;
        }
        let rest = &lower[at + phrase.len()..];
        let glued = |s: &str| s.chars().next().is_some_and(char::is_alphanumeric);
        !glued(rest)
            || rest.strip_prefix('s').is_some_and(|r| !glued(r))
            || rest.strip_prefix("es").is_some_and(|r| !glued(r))
    })
}

/// Whether `phrase` occurs in `lower` as whole words (see [`find_phrase`]).
pub(crate) fn has_phrase(lower: &str, phrase: &str) -> bool {
    find_phrase(lower, phrase).is_some()
}

/// The phrases of `list` that occur in `lower`, in the list's order.
pub(crate) fn phrases_in<'a>(lower: &str, list: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    list.into_iter().filter(|p| has_phrase(lower, p)).collect()
}

/// Words quoted and joined for a reason: `'password', 'login'`.
pub(crate) fn quoted(words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    quoted.join(", ")
}

/// `text` cut to at most `max` characters, with "…" when cut.
pub(crate) fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

/// How an item was written, which the rules read before its words.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Form {
    Sentence,
    Bullet,
    Checkbox,
    GivenWhenThen,
}

/// One bullet, checkbox, Given/When/Then block or sentence of free text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Item {
    pub text: String,
    /// 1-based line where it starts.
    pub line: usize,
    pub form: Form,
    /// The heading it falls under, lower-cased; empty before any heading.
    pub heading: String,
}

/// Markdown-ish text cut into items. Headings are `#` lines, `**bold**`
/// lines and lines of at most four words ending in `:`. A line starting with
/// "Given" and the When/Then/And/But lines after it make one item. A bullet
/// (`-`, `*`, `+`, `1.`, `1)`) is cut into its sentences; so is a paragraph
/// (lines up to a blank line, heading or bullet).
pub(crate) fn items(text: &str) -> Vec<Item> {
    let mut out = Vec::new();
    let mut heading = String::new();
    let mut para: Vec<(usize, String)> = Vec::new();
    let mut gwt: Option<(usize, String)> = None;
    let item = |text, line, form, heading: &str| Item {
        text,
        line,
        form,
        heading: heading.into(),
    };
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let (body, form) = strip_marker(line);
        let first = body
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let first = first.trim_end_matches(',');
        let continues = ["when", "then", "and", "but"].contains(&first);
        if let Some((_, g)) = gwt.as_mut().filter(|_| continues) {
            g.push(' ');
            g.push_str(body);
            continue;
        }
        if let Some((at, g)) = gwt.take() {
            out.push(item(g, at, Form::GivenWhenThen, &heading));
        }
        let title = heading_of(line);
        if line.is_empty() || form != Form::Sentence || first == "given" || title.is_some() {
            let done = sentences(&para).into_iter();
            out.extend(done.map(|(at, s)| item(s, at, Form::Sentence, &heading)));
            para.clear();
        }
        if let Some(title) = title {
            heading = title.to_lowercase();
        } else if first == "given" {
            gwt = Some((i + 1, body.to_string()));
        } else if form != Form::Sentence {
            for (_, s) in sentences(&[(i + 1, body.to_string())]) {
                out.push(item(s, i + 1, form, &heading));
            }
        } else if !line.is_empty() {
            para.push((i + 1, body.to_string()));
        }
    }
    if let Some((at, g)) = gwt {
        out.push(item(g, at, Form::GivenWhenThen, &heading));
    }
    let done = sentences(&para).into_iter();
    out.extend(done.map(|(at, s)| item(s, at, Form::Sentence, &heading)));
    out.retain(|item| item.text.chars().any(char::is_alphanumeric));
    out
}

/// A heading's text, when `line` is one (see [`items`]).
fn heading_of(line: &str) -> Option<&str> {
    if line.starts_with('#') {
        return Some(line.trim_start_matches('#').trim());
    }
    if line.len() > 4 && line.starts_with("**") && line.ends_with("**") {
        return Some(line.trim_matches('*').trim().trim_end_matches(':'));
    }
    let title = line.strip_suffix(':')?;
    let plain = strip_marker(line).1 == Form::Sentence;
    (plain && title.split_whitespace().count() <= 4).then_some(title)
}

/// The line without its list marker, and its form.
fn strip_marker(line: &str) -> (&str, Form) {
    let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let numbered = line.get(digits..).filter(|_| digits > 0);
    let rest = ["- ", "* ", "+ "]
        .iter()
        .find_map(|m| line.strip_prefix(m))
        .or_else(|| {
            let after = numbered?;
            after
                .strip_prefix(". ")
                .or_else(|| after.strip_prefix(") "))
        });
    let Some(rest) = rest.map(str::trim_start) else {
        return (line, Form::Sentence);
    };
    match ["[ ]", "[x]", "[X]"]
        .iter()
        .find_map(|m| rest.strip_prefix(m))
    {
        Some(item) => (item.trim(), Form::Checkbox),
        None => (rest, Form::Bullet),
    }
}

/// Sentences of lines joined with spaces, each with the line it starts on.
/// A stop followed by a space ends a sentence, except after a single
/// character or a dotted abbreviation ("e.g.").
fn sentences(parts: &[(usize, String)]) -> Vec<(usize, String)> {
    let mut joined = String::new();
    let mut starts = Vec::new();
    for (line, text) in parts {
        if !joined.is_empty() {
            joined.push(' ');
        }
        starts.push((joined.len(), *line));
        joined.push_str(text);
    }
    let mut bounds = Vec::new();
    let mut begin = 0;
    let mut chars = joined.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let ends = chars.peek().is_none_or(|(_, n)| n.is_whitespace());
        let word = joined[begin..at]
            .rsplit(char::is_whitespace)
            .next()
            .unwrap_or("");
        let abbreviation = c == '.' && (word.chars().count() == 1 || word.contains('.'));
        if matches!(c, '.' | '!' | '?') && ends && !abbreviation {
            bounds.push((begin, at + c.len_utf8()));
            begin = at + c.len_utf8();
        }
    }
    bounds.push((begin, joined.len()));
    let line_at = |at: usize| {
        starts
            .iter()
            .rev()
            .find(|(s, _)| *s <= at)
            .map_or(0, |(_, l)| *l)
    };
    bounds
        .into_iter()
        .filter_map(|(b, e)| {
            let raw = &joined[b..e];
            let text = raw.trim();
            let line = line_at(b + raw.len() - raw.trim_start().len());
            (!text.is_empty()).then(|| (line, text.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_match_whole_words_and_plurals() {
        assert!(has_phrase("reset the passwords", "password"));
        assert!(has_phrase("two accesses", "access"));
        assert!(!has_phrase("list the items", "ms"));
        assert!(has_phrase("within 200ms", "ms"));
        assert!(has_phrase("99.9% uptime", "%"));
        assert!(!has_phrase("fastest", "fast"));
        assert!(has_phrase("log in, then", "log in"));
        assert_eq!(find_phrase("", "x"), None);
        assert_eq!(find_phrase("abc", ""), None);
        assert_eq!(
            phrases_in("card and password", ["password", "pin", "card"]),
            ["password", "card"]
        );
    }

    #[test]
    fn short_cuts_on_characters() {
        assert_eq!(short("héllo wörld", 20), "héllo wörld");
        assert_eq!(short("héllo wörld", 6), "héllo…");
    }

    #[test]
    fn items_follow_markdown() {
        let text = "Intro line one\ncontinues. Second e.g. one!\n## Acceptance:\n1. [x] done\n\
            2) numbered\nGiven a\nAnd b\nThen c\n- * odd";
        let got: Vec<_> = items(text)
            .into_iter()
            .map(|i| (i.text, i.line, i.form, i.heading))
            .collect();
        let h = "acceptance:".to_string();
        assert_eq!(
            got,
            [
                (
                    "Intro line one continues.".into(),
                    1,
                    Form::Sentence,
                    String::new()
                ),
                ("Second e.g. one!".into(), 2, Form::Sentence, String::new()),
                ("done".into(), 4, Form::Checkbox, h.clone()),
                ("numbered".into(), 5, Form::Bullet, h.clone()),
                (
                    "Given a And b Then c".into(),
                    6,
                    Form::GivenWhenThen,
                    h.clone()
                ),
                ("* odd".into(), 9, Form::Bullet, h),
            ]
        );
    }
}
