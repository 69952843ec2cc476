//! Input checks shared by the operations: text limits, [`OneOrMany`], optional
//! texts and names, effort hours and story points.

use lazypm_domain::text::bounded;
use lazypm_domain::{Status, parse_duration};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::{Result, ServiceError};

pub(crate) const TITLE_MAX: usize = 200;
pub(crate) const TEXT_MAX: usize = 100_000;

/// One value or a list of values.
#[derive(Debug, Clone, JsonSchema)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for OneOrMany<T> {
    /// Tells a list from a single value first, so a bad element reports the
    /// element type's own error (with its allowed values), not "no variant matched".
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error;
        match Value::deserialize(d)? {
            Value::Array(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| {
                    serde_json::from_value(v).map_err(|e| D::Error::custom(format!("[{i}]: {e}")))
                })
                .collect::<std::result::Result<Vec<T>, _>>()
                .map(OneOrMany::Many),
            v => serde_json::from_value(v)
                .map(OneOrMany::One)
                .map_err(D::Error::custom),
        }
    }
}

impl<T> OneOrMany<T> {
    pub fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::One(v) => vec![v],
            OneOrMany::Many(v) => v,
        }
    }
}

pub(crate) fn opt_text(field: &str, v: &Option<String>, max: usize) -> Result<Option<String>> {
    Ok(v.as_deref()
        .map(|s| bounded(field, s, max))
        .transpose()?
        .filter(|s| !s.is_empty()))
}

pub(crate) fn opt_name(field: &str, v: &Option<String>) -> Result<Option<String>> {
    opt_text(field, v, 100)
}

/// Parses an effort text into hours when it is a duration or a range of them.
pub(crate) fn effort_hours(field: &str, effort: &str) -> Result<Option<f64>> {
    let looks_like_range = effort.contains('-') || effort.contains(" to ");
    if looks_like_range {
        // A range of durations counts as its midpoint; other text stays text.
        return Ok(crate::ops::planning::effort_to_hours(field, effort).ok());
    }
    let minutes = parse_duration(field, effort)?;
    Ok(Some((minutes as f64 / 60.0 * 100.0).round() / 100.0))
}

pub(super) fn check_hours(field: &str, h: Option<f64>) -> Result<Option<f64>> {
    match h {
        Some(h) if !(h.is_finite() && h > 0.0 && h <= 10_000.0) => Err(ServiceError::invalid(
            field,
            "must be a number of hours between 0 and 10000",
        )),
        other => Ok(other),
    }
}

pub(crate) fn check_points(field: &str, p: Option<i64>) -> Result<Option<i64>> {
    match p {
        Some(p) if !(0..=1000).contains(&p) => {
            Err(ServiceError::invalid(field, "must be between 0 and 1000"))
        }
        other => Ok(other),
    }
}

/// A status filter: one status, or `open` for every status not done or canceled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Open,
    Is(Status),
}

impl StatusFilter {
    /// The statuses a list of filters stands for, each once, in workflow order.
    pub fn expand(filters: Vec<StatusFilter>) -> Vec<Status> {
        Status::ALL
            .iter()
            .copied()
            .filter(|s| {
                filters.iter().any(|f| match f {
                    StatusFilter::Open => !s.is_closed(),
                    StatusFilter::Is(x) => x == s,
                })
            })
            .collect()
    }
}

impl<'de> Deserialize<'de> for StatusFilter {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text.trim().eq_ignore_ascii_case("open") {
            return Ok(StatusFilter::Open);
        }
        text.parse::<Status>().map(StatusFilter::Is).map_err(|e| {
            serde::de::Error::custom(format!(
                "{}, or open (every status not done or canceled)",
                e.message
            ))
        })
    }
}

impl JsonSchema for StatusFilter {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "StatusFilter".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut values: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
        values.push("open");
        schemars::json_schema!({ "type": "string", "enum": values })
    }
    fn inline_schema() -> bool {
        true
    }
}
