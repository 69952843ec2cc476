//! Small text rules shared by every front door: required strings, lengths, slugs.

use crate::DomainError;

/// Trims `value` and refuses it when empty or longer than `max` characters.
pub fn required(field: &str, value: &str, max: usize) -> Result<String, DomainError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(DomainError::new(field, "must not be empty"));
    }
    bounded(field, v, max)
}

/// Whether a character may appear in stored text: anything printable, plus
/// tab and line breaks. NUL, escape and the other control characters are
/// refused, so no user text can upset a terminal, a search index or a file.
pub fn allowed_char(c: char) -> bool {
    !c.is_control() || matches!(c, '\t' | '\n' | '\r')
}

/// Refuses text holding a control character other than tab and line breaks,
/// naming the character and where it is.
pub fn printable(field: &str, value: &str) -> Result<(), DomainError> {
    match value.chars().enumerate().find(|(_, c)| !allowed_char(*c)) {
        None => Ok(()),
        Some((at, c)) => Err(DomainError::new(
            field,
            format!(
                "holds the control character U+{:04X} at character {at}; text may hold printable characters, tabs and line breaks only",
                c as u32
            ),
        )),
    }
}

/// Refuses `value` when longer than `max` characters or holding control
/// characters; returns it trimmed.
pub fn bounded(field: &str, value: &str, max: usize) -> Result<String, DomainError> {
    let v = value.trim();
    printable(field, v)?;
    let len = v.chars().count();
    if len > max {
        return Err(DomainError::new(
            field,
            format!("is {len} characters long; at most {max} are allowed"),
        ));
    }
    Ok(v.to_string())
}

/// How many items a list field holds at most, unless its operation says otherwise.
pub const MAX_LIST_ITEMS: usize = 100;

/// Trims each item and drops empty ones and duplicates, keeping order; at
/// most [`MAX_LIST_ITEMS`] may remain.
pub fn clean_list(
    field: &str,
    items: &[String],
    max_len: usize,
) -> Result<Vec<String>, DomainError> {
    clean_list_of(field, items, max_len, MAX_LIST_ITEMS)
}

/// [`clean_list`] with its own maximum number of items. Linear in the number of items.
pub fn clean_list_of(
    field: &str,
    items: &[String],
    max_len: usize,
    max_items: usize,
) -> Result<Vec<String>, DomainError> {
    let mut seen = std::collections::HashSet::with_capacity(items.len().min(max_items));
    let mut out: Vec<String> = Vec::with_capacity(items.len().min(max_items));
    for (i, item) in items.iter().enumerate() {
        let v = bounded(&format!("{field}[{i}]"), item, max_len)?;
        if !v.is_empty() && seen.insert(v.clone()) {
            if out.len() == max_items {
                return Err(DomainError::new(
                    field,
                    format!(
                        "holds more than {max_items} distinct items; at most {max_items} are allowed"
                    ),
                ));
            }
            out.push(v);
        }
    }
    Ok(out)
}

/// A lower-case ASCII slug of `text`, words joined by `-`, at most `max` bytes,
/// never ending in `-`.
pub fn slugify(text: &str, max: usize) -> String {
    let mut slug = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    if slug.len() > max {
        slug.truncate(max);
        // Cut at a word boundary when one is near enough to keep words whole.
        if let Some(pos) = slug.rfind('-').filter(|p| *p > max / 2) {
            slug.truncate(pos);
        }
    }
    slug.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_safe_and_bounded() {
        assert_eq!(slugify("Fix the *login* bug!", 60), "fix-the-login-bug");
        assert_eq!(slugify("$(rm -rf /); `echo`", 60), "rm-rf-echo");
        assert_eq!(slugify("Ünïcode — only", 60), "n-code-only");
        let long = slugify(&"word ".repeat(40), 30);
        assert!(long.len() <= 30 && !long.ends_with('-'), "{long}");
    }

    #[test]
    fn required_trims_and_bounds() {
        assert_eq!(required("title", "  hi ", 10).unwrap(), "hi");
        assert_eq!(required("title", "   ", 10).unwrap_err().field, "title");
        assert!(
            required("title", "abcdef", 5)
                .unwrap_err()
                .message
                .contains("at most 5")
        );
    }

    #[test]
    fn lists_are_cleaned() {
        let items = vec![" a ".into(), "".into(), "b".into(), "a".into()];
        assert_eq!(
            clean_list_of("labels", &items, 10, 5).unwrap(),
            vec!["a", "b"]
        );
        let many: Vec<String> = (0..6).map(|i| i.to_string()).collect();
        let err = clean_list_of("labels", &many, 10, 5).unwrap_err();
        assert!(err.message.contains("at most 5"), "{}", err.message);
        let repeated = vec!["x".to_string(); 100_000];
        assert_eq!(
            clean_list_of("labels", &repeated, 10, 5).unwrap(),
            vec!["x"]
        );
    }

    #[test]
    fn control_characters_are_refused() {
        let err = required("title", "a\u{0}b", 10).unwrap_err();
        assert_eq!(err.field, "title");
        assert!(err.message.contains("U+0000"), "{}", err.message);
        assert!(bounded("notes", "x\u{1b}[31m", 20).is_err());
        assert!(bounded("notes", "tab\there\r\nline", 20).is_ok());
    }
}
