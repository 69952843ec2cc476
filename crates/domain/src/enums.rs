//! Closed vocabularies of the data model. Each parses leniently (any case,
//! `-` or space for `_`) and rejects anything else with the allowed values.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::DomainError;

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $label:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in the order the product presents them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The allowed values as one comma-separated line, for error messages.
            pub fn allowed() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = DomainError;
            fn from_str(s: &str) -> Result<Self, DomainError> {
                let wanted = normalize(s);
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| normalize(v.as_str()) == wanted)
                    .ok_or_else(|| DomainError::new(
                        $label,
                        format!("invalid {} '{}': expected one of {}", $label, s, Self::allowed()),
                    ))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = Cow::<'de, str>::deserialize(d)?;
                s.parse().map_err(|e: DomainError| serde::de::Error::custom(e.message))
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({ "type": "string", "enum": [$($text),+] })
            }
            fn inline_schema() -> bool {
                true
            }
        }
    };
}

fn normalize(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c {
            '-' | ' ' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

vocabulary!(
    /// What kind of work an issue is.
    IssueType, "type", {
        Feature => "feature", Bug => "bug", Refactor => "refactor",
        Chore => "chore", Spike => "spike", Epic => "epic",
    }
);

vocabulary!(
    /// Where an issue stands in the workflow (see [`crate::workflow`]).
    Status, "status", {
        Proposed => "proposed", InProgress => "in_progress", Review => "review",
        Done => "done", Blocked => "blocked", Canceled => "canceled",
    }
);

vocabulary!(
    /// Priority, P1 most urgent.
    Priority, "priority", { P1 => "P1", P2 => "P2", P3 => "P3", P4 => "P4", P5 => "P5" }
);

vocabulary!(
    /// How hard an issue looks.
    Complexity, "complexity", {
        Low => "low", Medium => "medium", High => "high", VeryHigh => "very_high",
    }
);

vocabulary!(
    /// Where a task stands.
    TaskStatus, "status", {
        Todo => "todo", Doing => "doing", Blocked => "blocked", Review => "review", Done => "done",
    }
);

vocabulary!(
    /// What a work log records.
    Activity, "activity", {
        Code => "code", Review => "review", Research => "research", Planning => "planning",
        Testing => "testing", Documentation => "documentation", Deployment => "deployment",
        Meeting => "meeting", Commit => "commit",
    }
);

vocabulary!(
    /// How two issues relate. `A blocks B` means B cannot be ready until A is resolved.
    DependencyKind, "kind", {
        Blocks => "blocks", Relates => "relates", Duplicates => "duplicates",
        DiscoveredFrom => "discovered_from",
    }
);

vocabulary!(
    /// What an issue list is sorted by.
    SortField, "sort", {
        Priority => "priority", Updated => "updated", Created => "created", Key => "key",
        Status => "status", Title => "title",
    }
);

vocabulary!(
    /// Sort direction.
    SortOrder, "order", { Asc => "asc", Desc => "desc" }
);

vocabulary!(
    /// A project's health, worst last.
    Health, "health", { Healthy => "healthy", Attention => "attention", AtRisk => "at_risk" }
);

impl Status {
    /// Done and canceled issues are closed: they no longer hold anything up.
    pub fn is_closed(self) -> bool {
        matches!(self, Status::Done | Status::Canceled)
    }

    /// Where a status sorts when work is listed by status: what is moving
    /// first, then what waits, then what is finished (1 … 6).
    pub fn board_rank(self) -> i64 {
        match self {
            Status::InProgress => 1,
            Status::Review => 2,
            Status::Blocked => 3,
            Status::Proposed => 4,
            Status::Done => 5,
            Status::Canceled => 6,
        }
    }
}

impl Priority {
    /// 1 for P1 … 5 for P5.
    pub fn rank(self) -> u8 {
        self as u8 + 1
    }
}

impl Complexity {
    /// A rough multiplier used when nothing better is known.
    pub fn weight(self) -> f64 {
        match self {
            Complexity::Low => 1.0,
            Complexity::Medium => 2.0,
            Complexity::High => 3.0,
            Complexity::VeryHigh => 5.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_leniently_and_names_allowed_values() {
        assert_eq!("In-Progress".parse::<Status>(), Ok(Status::InProgress));
        assert_eq!("p2".parse::<Priority>(), Ok(Priority::P2));
        assert_eq!("very high".parse::<Complexity>(), Ok(Complexity::VeryHigh));
        let err = "finished".parse::<Status>().unwrap_err();
        assert_eq!(err.field, "status");
        assert_eq!(
            err.message,
            "invalid status 'finished': expected one of proposed, in_progress, review, done, blocked, canceled"
        );
    }

    #[test]
    fn serde_round_trip_uses_wire_names() {
        let json = serde_json::to_string(&Activity::Documentation).unwrap();
        assert_eq!(json, "\"documentation\"");
        let back: DependencyKind = serde_json::from_str("\"discovered_from\"").unwrap();
        assert_eq!(back, DependencyKind::DiscoveredFrom);
        let err = serde_json::from_str::<Priority>("\"P9\"").unwrap_err();
        assert!(
            err.to_string()
                .contains("expected one of P1, P2, P3, P4, P5"),
            "{err}"
        );
    }

    #[test]
    fn priority_ranks_in_order() {
        let ranks: Vec<u8> = Priority::ALL.iter().map(|p| p.rank()).collect();
        assert_eq!(ranks, vec![1, 2, 3, 4, 5]);
    }
}
