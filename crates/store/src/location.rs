//! Which store a database URL names, refusing what lazypm cannot keep.

use std::path::PathBuf;

use crate::{Result, StoreError};

/// The accepted forms, quoted in every refusal.
const ACCEPTED: &str = "accepted: sqlite://PATH, sqlite:PATH or a plain file path, \
with ?mode=ro to open read-only, or postgres://USER@HOST:PORT/DB[?schema=NAME] for a \
PostgreSQL server";

/// Where a store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// An SQLite file; `read_only` when the URL asks for `mode=ro`.
    Sqlite { path: PathBuf, read_only: bool },
    /// A PostgreSQL server.
    Postgres(String),
}

impl Location {
    /// Parses `sqlite://PATH`, `sqlite:PATH`, a plain path or `postgres://…`.
    pub fn parse(url: &str) -> Result<Location> {
        let bad =
            |why: String| StoreError::BadUrl(format!("database URL '{url}': {why}; {ACCEPTED}"));
        let url_trimmed = url.trim();
        if url_trimmed.is_empty() {
            return Err(bad("it is empty".into()));
        }
        if url_trimmed.starts_with("postgres://") || url_trimmed.starts_with("postgresql://") {
            return Ok(Location::Postgres(url_trimmed.to_string()));
        }
        let rest = match url_trimmed
            .strip_prefix("sqlite://")
            .or_else(|| url_trimmed.strip_prefix("sqlite:"))
        {
            Some(rest) => rest,
            None => {
                if let Some(scheme) = scheme_of(url_trimmed) {
                    return Err(bad(format!("unknown scheme '{scheme}'")));
                }
                url_trimmed
            }
        };
        let (path, query) = match rest.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (rest, None),
        };
        if path == ":memory:" || path.is_empty() && query.is_some_and(|q| q.contains("memory")) {
            return Err(bad(
                "an in-memory store would vanish when the command ends, losing every change".into(),
            ));
        }
        if path.is_empty() {
            return Err(bad("it names no file".into()));
        }
        let mut read_only = false;
        for pair in query
            .into_iter()
            .flat_map(|q| q.split('&'))
            .filter(|p| !p.is_empty())
        {
            match pair {
                "mode=ro" => read_only = true,
                "mode=rw" | "mode=rwc" => {}
                "mode=memory" => {
                    return Err(bad(
                        "an in-memory store would vanish when the command ends, losing every change"
                            .into(),
                    ));
                }
                other => return Err(bad(format!("unknown option '{other}'"))),
            }
        }
        Ok(Location::Sqlite {
            path: PathBuf::from(path),
            read_only,
        })
    }
}

/// `mysql` of `mysql://host/db` or `redis:thing`; none for a path.
fn scheme_of(url: &str) -> Option<&str> {
    let (scheme, _) = url.split_once(':')?;
    let is_scheme = scheme.len() >= 2
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    is_scheme.then_some(scheme)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(url: &str) -> String {
        match Location::parse(url) {
            Err(e) => e.to_string(),
            Ok(l) => panic!("{url} was accepted as {l:?}"),
        }
    }

    #[test]
    fn accepts_sqlite_forms() {
        let at = |p: &str, ro: bool| Location::Sqlite {
            path: PathBuf::from(p),
            read_only: ro,
        };
        assert_eq!(
            Location::parse("sqlite:///tmp/a.db").unwrap(),
            at("/tmp/a.db", false)
        );
        assert_eq!(
            Location::parse("sqlite://rel/a.db").unwrap(),
            at("rel/a.db", false)
        );
        assert_eq!(Location::parse("sqlite:a.db").unwrap(), at("a.db", false));
        assert_eq!(
            Location::parse("/x/lazypm.db").unwrap(),
            at("/x/lazypm.db", false)
        );
        assert_eq!(Location::parse("./x:y.db").unwrap(), at("./x:y.db", false));
        assert_eq!(
            Location::parse("sqlite:///a.db?mode=ro").unwrap(),
            at("/a.db", true)
        );
        assert_eq!(
            Location::parse("postgres://u@h/db").unwrap(),
            Location::Postgres("postgres://u@h/db".into())
        );
        assert_eq!(
            Location::parse(" postgresql://u@h:5433/db?schema=team_1 ").unwrap(),
            Location::Postgres("postgresql://u@h:5433/db?schema=team_1".into())
        );
    }

    #[test]
    fn refuses_what_cannot_keep_data() {
        let m = refused("mysql://x/y");
        assert!(
            m.contains("unknown scheme 'mysql'")
                && m.contains("sqlite://PATH")
                && m.contains("postgres://USER@HOST:PORT/DB[?schema=NAME]"),
            "{m}"
        );
        assert!(refused("sqlite::memory:").contains("in-memory"));
        assert!(refused("sqlite://:memory:").contains("in-memory"));
        assert!(refused("sqlite://?mode=memory").contains("in-memory"));
        assert!(refused("sqlite://").contains("names no file"));
        assert!(refused("").contains("empty"));
        assert!(refused("sqlite:///a.db?cache=shared").contains("unknown option 'cache=shared'"));
    }
}
