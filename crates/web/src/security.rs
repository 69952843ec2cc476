//! Who may talk to the server and from where: the Host header against the
//! bind (DNS rebinding), the API token (Bearer or the session cookie), the
//! Origin of state-changing requests (CSRF), and the security headers every
//! response carries.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use crate::error::ApiError;

/// The session cookie a browser gets from `POST /api/login`.
pub const COOKIE: &str = "lazypm_session";

/// An API token, optionally named (`NAME=SECRET`): the name is the actor
/// recorded on changes made with it.
#[derive(Debug, Clone)]
pub struct Token {
    pub name: Option<String>,
    pub secret: String,
}

impl Token {
    /// Reads `SECRET` or `NAME=SECRET`.
    pub fn parse(text: &str) -> Option<Token> {
        let text = text.trim();
        let (name, secret) = match text.split_once('=') {
            Some((n, s)) if !n.trim().is_empty() => (Some(n.trim().to_string()), s.trim()),
            _ => (None, text),
        };
        (!secret.is_empty()).then(|| Token {
            name,
            secret: secret.to_string(),
        })
    }
}

/// What the guard checks.
#[derive(Debug, Clone)]
pub struct Guard {
    pub token: Option<Token>,
    /// Host header values accepted; empty accepts any (a token guards then).
    pub allowed_hosts: Vec<String>,
}

/// Who is acting on a request that passed the guard.
#[derive(Debug, Clone)]
pub struct Actor(pub String);

pub(crate) fn equal_time(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn presented(headers: &HeaderMap) -> Option<String> {
    if let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        && let Some(t) = auth.strip_prefix("Bearer ")
    {
        return Some(t.trim().to_string());
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

/// Whether a request's token (if any is configured) is right.
pub fn token_ok(guard: &Guard, headers: &HeaderMap) -> bool {
    match &guard.token {
        None => true,
        Some(t) => {
            presented(headers).is_some_and(|p| equal_time(p.as_bytes(), t.secret.as_bytes()))
        }
    }
}

/// The origin a browser would send for this server, from the Host header.
fn own_origin(headers: &HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    Some(format!("http://{host}"))
}

pub async fn guard(State(g): State<Arc<Guard>>, mut req: Request, next: Next) -> Response {
    let headers = req.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_string();
    if !g.allowed_hosts.is_empty()
        && !g
            .allowed_hosts
            .iter()
            .any(|h| h.eq_ignore_ascii_case(&host))
    {
        return secured(
            ApiError::forbidden(format!(
                "host '{host}' is not this server's: use http://{} (the Host header is checked against the bind address)",
                g.allowed_hosts.first().map(String::as_str).unwrap_or("127.0.0.1:1929")
            ))
            .into_response(),
        );
    }
    let changes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if changes {
        let cross_site = headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == "cross-site");
        let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
        let foreign = origin.is_some_and(|o| Some(o.to_string()) != own_origin(headers));
        if cross_site || foreign {
            return secured(
                ApiError::forbidden(format!(
                    "a change from origin '{}' is refused: only pages of this server may change data",
                    origin.unwrap_or("another site")
                ))
                .into_response(),
            );
        }
    }
    let path = req.uri().path();
    let open = path == "/api/health" || path == "/api/login" || crate::pages::is_public(path);
    if !open && !token_ok(&g, headers) {
        if crate::pages::wants_login_page(&req) {
            let next = crate::pages::encode(
                req.uri()
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or(path),
            );
            return secured(Redirect::to(&format!("/login?next={next}")).into_response());
        }
        return secured(
            ApiError::unauthorized(
                "a token is required: send Authorization: Bearer TOKEN (the one given to lazypm serve with --token or LAZYPM_TOKEN), or log in with POST /api/login",
            )
            .into_response(),
        );
    }
    let actor = g
        .token
        .as_ref()
        .and_then(|t| t.name.clone())
        .unwrap_or_else(|| "web".into());
    req.extensions_mut().insert(Actor(actor));
    secured(next.run(req).await)
}

/// Adds the headers every response carries.
fn secured(mut res: Response) -> Response {
    let h = res.headers_mut();
    let set = |h: &mut HeaderMap, k: &'static str, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(
        h,
        "content-security-policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    set(h, "referrer-policy", "no-referrer");
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_may_carry_a_name() {
        let t = Token::parse("ci-bot=s3cret").unwrap();
        assert_eq!(
            (t.name.as_deref(), t.secret.as_str()),
            (Some("ci-bot"), "s3cret")
        );
        let t = Token::parse(" s3cret ").unwrap();
        assert_eq!((t.name, t.secret.as_str()), (None, "s3cret"));
        assert!(Token::parse("  ").is_none());
        assert!(
            equal_time(b"abc", b"abc") && !equal_time(b"abc", b"abd") && !equal_time(b"a", b"ab")
        );
    }
}
