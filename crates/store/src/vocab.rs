//! The workflow's vocabulary as SQL fragments, made from the domain's enums
//! so no backend spells a status in its queries. The words are the
//! domain's own closed lists, never user input, so quoting them inline is
//! safe; it also lets a backend's planner see constants.

use std::fmt;
use std::sync::LazyLock;

use lazypm_domain::Status;

/// One status as an SQL literal, for format strings: `status = {DONE}`.
#[derive(Debug, Clone, Copy)]
pub struct Lit(pub Status);

impl fmt::Display for Lit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}'", self.0.as_str())
    }
}

pub const DONE: Lit = Lit(Status::Done);
pub const CANCELED: Lit = Lit(Status::Canceled);
pub const BLOCKED: Lit = Lit(Status::Blocked);
pub const IN_PROGRESS: Lit = Lit(Status::InProgress);

/// A list of statuses, for format strings: `status IN {OPEN}`.
#[derive(Debug, Clone, Copy)]
pub struct List(fn() -> &'static str);

impl fmt::Display for List {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str((self.0)())
    }
}

/// The open statuses: `('proposed', 'in_progress', 'review', 'blocked')`.
pub const OPEN: List = List(open_statuses);
/// The closed statuses: `('done', 'canceled')`.
pub const CLOSED: List = List(closed_statuses);

/// `('a', 'b', …)`: an SQL list of the given vocabulary words.
pub fn sql_list<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    let quoted: Vec<String> = words.into_iter().map(|w| format!("'{w}'")).collect();
    format!("({})", quoted.join(", "))
}

/// The statuses that still hold up the issues they block, as an SQL list.
pub fn open_statuses() -> &'static str {
    static LIST: LazyLock<String> = LazyLock::new(|| {
        sql_list(
            Status::ALL
                .iter()
                .filter(|s| !s.is_closed())
                .map(|s| s.as_str()),
        )
    });
    &LIST
}

/// The statuses that no longer hold anything up, as an SQL list.
pub fn closed_statuses() -> &'static str {
    static LIST: LazyLock<String> = LazyLock::new(|| {
        sql_list(
            Status::ALL
                .iter()
                .filter(|s| s.is_closed())
                .map(|s| s.as_str()),
        )
    });
    &LIST
}

/// `CASE column WHEN … END`: a status column's [`Status::board_rank`].
pub fn status_rank(column: &str) -> String {
    let arms: Vec<String> = Status::ALL
        .iter()
        .map(|s| format!("WHEN '{}' THEN {}", s.as_str(), s.board_rank()))
        .collect();
    format!("(CASE {column} {} END)", arms.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_follow_the_domain() {
        assert_eq!(
            open_statuses(),
            "('proposed', 'in_progress', 'review', 'blocked')"
        );
        assert_eq!(closed_statuses(), "('done', 'canceled')");
        assert!(status_rank("i.status").starts_with("(CASE i.status WHEN 'proposed' THEN 4 "));
        assert_eq!(
            format!("{DONE} {OPEN}"),
            format!("'done' {}", open_statuses())
        );
    }
}
