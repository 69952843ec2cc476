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

/// Refuses `value` when longer than `max` characters; returns it trimmed.
pub fn bounded(field: &str, value: &str, max: usize) -> Result<String, DomainError> {
    let v = value.trim();
    let len = v.chars().count();
    if len > max {
        return Err(DomainError::new(
            field,
            format!("is {len} characters long; at most {max} are allowed"),
        ));
    }
    Ok(v.to_string())
}

/// Trims each item and drops empty ones and duplicates, keeping order.
pub fn clean_list(
    field: &str,
    items: &[String],
    max_len: usize,
) -> Result<Vec<String>, DomainError> {
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let v = bounded(&format!("{field}[{i}]"), item, max_len)?;
        if !v.is_empty() && !out.contains(&v) {
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
        assert_eq!(clean_list("labels", &items, 10).unwrap(), vec!["a", "b"]);
    }
}
