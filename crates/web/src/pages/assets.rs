//! The dashboard's static files (style sheet, script, icon), embedded in the
//! binary: the pages work offline and load nothing from elsewhere.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::Embed;

use crate::routes::AppState;

#[derive(Embed)]
#[folder = "assets/"]
struct Assets;

pub fn router() -> Router<AppState> {
    Router::new().route("/assets/{file}", get(asset))
}

/// A short hash of every asset: pages link `?v=…`, so a new build's files
/// are fetched fresh while unchanged ones stay cached.
pub fn version() -> &'static str {
    static VERSION: LazyLock<String> = LazyLock::new(|| {
        let mut files: Vec<_> = Assets::iter().collect();
        files.sort();
        // FNV-1a over names and contents: stable across builds of the same files.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for name in files {
            let bytes = Assets::get(&name)
                .map(|f| f.data.into_owned())
                .unwrap_or_default();
            for b in name.as_bytes().iter().chain(bytes.iter()) {
                h ^= u64::from(*b);
                h = h.wrapping_mul(0x100_0000_01b3);
            }
        }
        format!("{:08x}", h as u32)
    });
    &VERSION
}

async fn asset(Path(file): Path<String>) -> Response {
    let Some(content) = Assets::get(&file) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let mime = match file.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };
    let mut res = content.data.into_owned().into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    res
}
