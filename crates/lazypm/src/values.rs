//! Parsers for flags whose values come from a closed vocabulary of the
//! domain: they list the allowed values in `--help` and in errors, and
//! accept the lenient spellings the domain does.

use std::ffi::OsStr;
use std::marker::PhantomData;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use lazypm_domain::{Activity, Complexity, DomainError, IssueType, Priority, Status};

/// A closed vocabulary of the domain (its `ALL` values and wire names).
pub(crate) trait Vocabulary:
    std::str::FromStr<Err = DomainError> + Copy + Send + Sync + 'static
{
    fn all() -> &'static [Self];
    fn name(self) -> &'static str;
}

macro_rules! vocabulary {
    ($($t:ident),+) => {$(
        impl Vocabulary for $t {
            fn all() -> &'static [Self] {
                $t::ALL
            }
            fn name(self) -> &'static str {
                self.as_str()
            }
        }
    )+};
}

vocabulary!(IssueType, Priority, Status, Activity, Complexity);

/// Parses a value of a closed vocabulary as leniently as the domain does
/// (`In-Progress`, `p2`) and lists the allowed values in `--help` and in the
/// error for anything else.
#[derive(Clone)]
pub(crate) struct OneOf<T>(PhantomData<T>);

impl<T> OneOf<T> {
    pub(crate) fn new() -> Self {
        Self(PhantomData)
    }
}

/// Lets clap refuse `value` the way it refuses any value outside a list:
/// naming the allowed values and the closest one.
fn refuse(
    names: Vec<&'static str>,
    cmd: &clap::Command,
    arg: Option<&clap::Arg>,
    value: &OsStr,
) -> clap::Error {
    match PossibleValuesParser::new(names.clone()).parse_ref(cmd, arg, value) {
        Err(e) => e,
        Ok(v) => clap::Error::raw(
            clap::error::ErrorKind::InvalidValue,
            format!(
                "invalid value '{v}': expected one of {}\n",
                names.join(", ")
            ),
        ),
    }
}

impl<T: Vocabulary> TypedValueParser for OneOf<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        match value.to_str().map(str::parse::<T>) {
            Some(Ok(v)) => Ok(v),
            _ => Err(refuse(
                T::all().iter().map(|v| v.name()).collect(),
                cmd,
                arg,
                value,
            )),
        }
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            T::all().iter().map(|v| PossibleValue::new(v.name())),
        ))
    }
}

/// The value of a status filter that means every open status.
const OPEN: &str = "open";

/// A status filter: a status or `open`, passed to the service as its name.
#[derive(Clone)]
pub(crate) struct StatusFilter;

impl StatusFilter {
    fn names() -> Vec<&'static str> {
        Status::ALL
            .iter()
            .map(|s| s.as_str())
            .chain([OPEN])
            .collect()
    }
}

impl TypedValueParser for StatusFilter {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        match value.to_str() {
            Some(s) if s.trim().eq_ignore_ascii_case(OPEN) => Ok(OPEN.to_string()),
            Some(s) => match s.parse::<Status>() {
                Ok(status) => Ok(status.as_str().to_string()),
                Err(_) => Err(refuse(Self::names(), cmd, arg, value)),
            },
            None => Err(refuse(Self::names(), cmd, arg, value)),
        }
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(Self::names().into_iter().map(PossibleValue::new)))
    }
}
