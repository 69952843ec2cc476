//! Template filters (askama looks them up as `filters::NAME` where a
//! template is defined).

use std::fmt::Display;

use askama::Values;

/// `in_progress` → `in progress`.
#[askama::filter_fn]
pub fn words<T: Display>(s: T, _: &dyn Values) -> askama::Result<String> {
    Ok(s.to_string().replace('_', " "))
}

/// The first letter, for an avatar.
#[askama::filter_fn]
pub fn initial<T: Display>(s: T, _: &dyn Values) -> askama::Result<String> {
    Ok(s.to_string()
        .chars()
        .next()
        .map(String::from)
        .unwrap_or_default())
}
