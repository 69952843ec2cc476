//! What a `postgres://` URL names: connection options for sqlx, lazypm's
//! own `schema` parameter, and the target of the server's own tools.

use std::str::FromStr;

use lazypm_store::{Result, ServerTarget, StoreError};
use sqlx::postgres::PgConnectOptions;

/// What a `postgres://` URL names: the connection options for sqlx and
/// lazypm's own `schema` parameter.
pub(crate) struct Target {
    pub(crate) options: PgConnectOptions,
    pub(crate) schema: Option<String>,
    /// `postgres://USER@HOST:PORT/DB`, for messages (never the password).
    pub(crate) server: String,
}

/// The `application_name` of every session of a store: `lazypm SCHEMA`
/// (`lazypm` alone without a `schema` parameter).
pub fn application_name(schema: Option<&str>) -> String {
    match schema {
        Some(s) => format!("lazypm {s}"),
        None => "lazypm".into(),
    }
}

/// Splits lazypm's `schema` parameter off the URL and hands the rest to sqlx.
pub(crate) fn parse_url(url: &str) -> Result<Target> {
    let bad = |why: &str| {
        StoreError::BadUrl(format!(
            "database URL '{}': {why}; accepted: postgres://USER@HOST:PORT/DB[?schema=NAME]",
            redact(url)
        ))
    };
    let url = url.trim();
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let mut schema = None;
    let mut rest = Vec::new();
    for pair in query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter(|p| !p.is_empty())
    {
        match pair.split_once('=') {
            Some(("schema", name)) => {
                let valid = !name.is_empty()
                    && name.len() <= 63
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !valid {
                    return Err(bad(
                        "the schema name must be 1 to 63 letters, digits or underscores",
                    ));
                }
                schema = Some(name.to_string());
            }
            _ => rest.push(pair),
        }
    }
    let sqlx_url = if rest.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    let options = PgConnectOptions::from_str(&sqlx_url).map_err(|e| bad(&e.to_string()))?;
    let server = format!(
        "postgres://{}@{}:{}/{}",
        options.get_username(),
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("")
    );
    Ok(Target {
        options,
        schema,
        server,
    })
}

/// Splits a `postgres://` URL for the server's tools (see [`ServerTarget`];
/// the schema is left empty).
pub fn tool_connection(url: &str) -> Result<ServerTarget> {
    parse_url(url)?;
    let url = url.trim();
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    // lazypm's `schema` and sqlx's own `statement-cache-capacity` mean
    // nothing to libpq; a password goes through the environment.
    let mut query_password = None;
    let rest: Vec<&str> = query
        .split('&')
        .filter(|p| match p.split_once('=') {
            Some(("password", v)) => {
                query_password = Some(v.to_string());
                false
            }
            Some(("schema" | "statement-cache-capacity", _)) => false,
            _ => !p.is_empty(),
        })
        .collect();
    let (scheme, after) = base.split_once("://").unwrap_or(("postgres", base));
    let end = after.find('/').unwrap_or(after.len());
    let (authority, path) = after.split_at(end);
    let (authority, password) = match authority.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((name, password)) => (format!("{name}@{host}"), Some(password.to_string())),
            None => (authority.to_string(), None),
        },
        None => (authority.to_string(), None),
    };
    let mut uri = format!("{scheme}://{authority}{path}");
    if !rest.is_empty() {
        uri.push('?');
        uri.push_str(&rest.join("&"));
    }
    let password = password.or(query_password).map(|p| percent_decode(&p));
    Ok(ServerTarget {
        uri,
        password,
        schema: String::new(),
    })
}

/// `%XX` escapes decoded (a password in a URL may carry them; libpq's
/// `PGPASSWORD` takes it as it is).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The URL with any password replaced, for messages.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    match authority.rsplit_once('@') {
        Some((user, host)) if user.contains(':') => {
            let name = user.split_once(':').map_or(user, |(u, _)| u);
            format!("{scheme}://{name}:***@{host}{tail}")
        }
        _ => url.to_string(),
    }
}

/// An SQL identifier in double quotes (the name is letters, digits and
/// underscores, checked by `parse_url`).
pub(crate) fn quoted(name: &str) -> String {
    format!("\"{name}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_schema_off_the_url() {
        let t = parse_url("postgres://me:secret@db.example:5433/pm?schema=t_1&sslmode=disable")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.schema.as_deref(), Some("t_1"));
        assert_eq!(t.server, "postgres://me@db.example:5433/pm");
        let t = parse_url("postgres://me@h/pm").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.schema, None);
        for bad in [
            "postgres://me@h/pm?schema=a;b",
            "postgres://me@h/pm?schema=",
        ] {
            match parse_url(bad) {
                Err(StoreError::BadUrl(m)) => assert!(m.contains("schema name"), "{m}"),
                _ => panic!("{bad} was accepted"),
            }
        }
        match parse_url("postgres://me:secret@h/pm?schema=x-y") {
            Err(e) => assert!(!e.to_string().contains("secret"), "{e}"),
            Ok(_) => panic!("accepted"),
        }
    }

    #[test]
    fn tools_get_the_url_without_schema_or_password() {
        let c = tool_connection("postgres://me:p%40ss@db:5433/pm?schema=t_1&sslmode=disable")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.uri, "postgres://me@db:5433/pm?sslmode=disable");
        assert_eq!(c.password.as_deref(), Some("p@ss"));
        let c = tool_connection("postgres://me@db/pm?schema=t_1").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.uri, "postgres://me@db/pm");
        assert_eq!(c.password, None);
        assert!(tool_connection("postgres://me@db/pm?schema=a;b").is_err());
        let c = tool_connection("postgres://me@db/pm?password=x%26y&statement-cache-capacity=9")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.uri, "postgres://me@db/pm");
        assert_eq!(c.password.as_deref(), Some("x&y"));
    }
}
