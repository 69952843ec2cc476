//! `POST /api/login`: a browser trades the API token for a session cookie
//! (HttpOnly, SameSite=Strict), so pages never hold the token in script.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use super::{AppState, body_object};
use crate::error::{ApiError, ApiResult};
use crate::security::COOKIE;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/login", post(login))
}

/// `{"token": "SECRET"}` → 204 with the session cookie, or 401.
async fn login(State(s): State<AppState>, body: Bytes) -> ApiResult<Response> {
    let args = body_object(&body)?;
    let given = args
        .get("token")
        .and_then(|t| t.as_str())
        .unwrap_or_default();
    let Some(expected) = &s.token else {
        // Loopback without a token: nothing to log in to.
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    if given.is_empty()
        || !crate::security::equal_time(given.as_bytes(), expected.secret.as_bytes())
    {
        return Err(ApiError::unauthorized(
            "token: not this server's token (the one given to lazypm serve with --token or LAZYPM_TOKEN)",
        ));
    }
    let cookie = format!(
        "{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/",
        expected.secret
    );
    let mut res = StatusCode::NO_CONTENT.into_response();
    match HeaderValue::from_str(&cookie) {
        Ok(v) => {
            res.headers_mut().insert(header::SET_COOKIE, v);
            Ok(res)
        }
        Err(_) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the token cannot be set as a cookie: use Authorization: Bearer",
        )),
    }
}
