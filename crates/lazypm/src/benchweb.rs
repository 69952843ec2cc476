//! The dashboard's server time, for `lazypm bench`: the pages and the issue
//! endpoint answered by the real application (security layer included)
//! in-process, without a socket, so the number is the server's own work.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use lazypm_service::Service;
use lazypm_service::ops::work::AddCommentInput;
use tower::ServiceExt;

/// Events the page numbers are measured at (the spec's 100k).
const EVENTS: i64 = 100_000;

/// One measured request: name, p50, p95, target in ms, and the body size.
pub struct PageTime {
    pub op: &'static str,
    pub p50: Duration,
    pub p95: Duration,
    pub target: Option<f64>,
    pub bytes: usize,
}

/// Tops the store up to [`EVENTS`] audit events with comments (spread
/// over random issues), then times each page.
pub async fn measure(svc: &Service, size: usize, samples: usize) -> anyhow::Result<Vec<PageTime>> {
    let mut seed = 0x2545_F491_4F6C_DD1D_u64 ^ size as u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let have = svc.last_event_seq().await?;
    if have < EVENTS {
        let bar = indicatif::ProgressBar::new((EVENTS - have) as u64)
            .with_message(format!("adding events up to {EVENTS}"));
        for _ in have..EVENTS {
            svc.pm_add_comment(AddCommentInput {
                issue_key: format!("BENCH-{}", 1 + next() % size as u64),
                body: "checked the numbers again".into(),
            })
            .await?;
            bar.inc(1);
        }
        bar.finish_and_clear();
    }
    let config = lazypm_web::WebConfig {
        bind: "127.0.0.1:1929".parse()?,
        token: None,
        selection: lazypm_mcp::Selection::default(),
    };
    let app = lazypm_web::app(svc.clone(), &config, 1929)?;
    let pages: [(&'static str, &'static str, f64); 6] = [
        ("page: dashboard", "/p/BENCH", 20.0),
        ("page: issue list", "/p/BENCH/issues", 20.0),
        ("page: kanban", "/p/BENCH/board", 20.0),
        ("page: issue detail", "/issues/{n}", 20.0),
        ("page: dependency graph", "/p/BENCH/graph", f64::NAN),
        ("GET /api/issues/{key}", "/api/issues/{n}", 2.0),
    ];
    let mut out = Vec::new();
    for (op, path, target) in pages {
        let mut times = Vec::with_capacity(samples);
        let mut bytes = 0;
        for _ in 0..samples {
            let uri = path.replace("{n}", &format!("BENCH-{}", 1 + next() % size as u64));
            let req = Request::get(uri.as_str())
                .header("host", "127.0.0.1:1929")
                .header("accept", "text/html")
                .body(Body::empty())?;
            let start = Instant::now();
            let res = app.clone().oneshot(req).await?;
            let status = res.status();
            let body = axum::body::to_bytes(res.into_body(), usize::MAX).await?;
            times.push(start.elapsed());
            if !status.is_success() {
                anyhow::bail!("{uri} answered {status}");
            }
            bytes = bytes.max(body.len());
        }
        times.sort();
        let pick = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
        out.push(PageTime {
            op,
            p50: pick(0.5),
            p95: pick(0.95),
            target: (size <= 10_000 && target.is_finite()).then_some(target),
            bytes,
        });
    }
    Ok(out)
}
