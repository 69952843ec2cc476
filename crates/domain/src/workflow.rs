//! The status workflow, as one table. Every transition the product makes is
//! checked here, so the rules live in exactly one place.

use crate::{DomainError, Status};

/// The legal next states from each state.
const TRANSITIONS: &[(Status, &[Status])] = &[
    (Status::Proposed, &[Status::InProgress, Status::Canceled]),
    (
        Status::InProgress,
        &[
            Status::Review,
            Status::Blocked,
            Status::Canceled,
            Status::Proposed,
        ],
    ),
    (Status::Blocked, &[Status::InProgress, Status::Canceled]),
    (
        Status::Review,
        &[Status::InProgress, Status::Done, Status::Canceled],
    ),
    (Status::Done, &[Status::InProgress]),
    (Status::Canceled, &[Status::Proposed]),
];

/// The states reachable in one step from `from`.
pub fn allowed_next(from: Status) -> &'static [Status] {
    TRANSITIONS
        .iter()
        .find(|(s, _)| *s == from)
        .map(|(_, next)| *next)
        .unwrap_or(&[])
}

/// Accepts a legal transition; refuses an illegal one naming the allowed next states.
pub fn check_transition(from: Status, to: Status) -> Result<(), DomainError> {
    if allowed_next(from).contains(&to) {
        return Ok(());
    }
    let allowed = allowed_next(from)
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let message = if from == to {
        format!("the issue is already {from}; from {from} it can move to: {allowed}")
    } else {
        format!("cannot move from {from} to {to}; from {from} it can move to: {allowed}")
    };
    Err(DomainError::new("status", message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_has_a_row() {
        for s in Status::ALL {
            assert!(!allowed_next(*s).is_empty(), "{s} has no way out");
        }
    }

    #[test]
    fn the_table_is_exactly_the_spec() {
        use Status::*;
        let legal = [
            (Proposed, InProgress),
            (Proposed, Canceled),
            (InProgress, Review),
            (InProgress, Blocked),
            (InProgress, Canceled),
            (InProgress, Proposed),
            (Blocked, InProgress),
            (Blocked, Canceled),
            (Review, InProgress),
            (Review, Done),
            (Review, Canceled),
            (Done, InProgress),
            (Canceled, Proposed),
        ];
        for from in Status::ALL {
            for to in Status::ALL {
                let expected = legal.contains(&(*from, *to));
                assert_eq!(
                    check_transition(*from, *to).is_ok(),
                    expected,
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn refusal_names_next_states() {
        let err = check_transition(Status::Proposed, Status::Done).unwrap_err();
        assert_eq!(err.field, "status");
        assert!(
            err.message.contains("in_progress, canceled"),
            "{}",
            err.message
        );
    }
}
