//! lazypm's web door: the dashboard's pages, the REST API under `/api`, the
//! audit trail as live server-sent events, and MCP over streamable HTTP at `/mcp`. Like the MCP
//! crate, it calls only the service layer and adds translation: one error
//! mapping, a per-request actor, and the security checks of a local server.

pub mod charts;
mod error;
mod pages;
pub mod routes;
mod security;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use lazypm_service::Service;

pub use error::ApiError;
pub use security::Token;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The address to listen on (`127.0.0.1:1929` by default).
    pub bind: SocketAddr,
    /// Required when `bind` is not a loopback address.
    pub token: Option<Token>,
    /// The MCP tools `/mcp` exposes (as `lazypm mcp --toolsets …`).
    pub selection: lazypm_mcp::Selection,
}

/// Why the server cannot start.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(
        "binding to {0} (not a loopback address) needs a token: pass --token SECRET or set LAZYPM_TOKEN, and send it as Authorization: Bearer SECRET"
    )]
    TokenRequired(SocketAddr),
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Refuses a non-loopback address without a token. Front doors call it
/// before they open anything, so a refused start leaves nothing behind.
pub fn check_bind(bind: SocketAddr, has_token: bool) -> Result<(), WebError> {
    if bind.ip().is_loopback() || has_token {
        Ok(())
    } else {
        Err(WebError::TokenRequired(bind))
    }
}

/// The Host header values a loopback server answers to.
fn loopback_hosts(port: u16) -> Vec<String> {
    ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .map(|h| format!("{h}:{port}"))
        .collect()
}

/// The whole application for `config`, bound to `port` (the real one, when
/// the configured port is 0).
pub fn app(svc: Service, config: &WebConfig, port: u16) -> Result<Router, WebError> {
    check_bind(config.bind, config.token.is_some())?;
    let loopback = config.bind.ip().is_loopback();
    let hosts = if loopback {
        loopback_hosts(port)
    } else {
        Vec::new()
    };
    let origins: Vec<String> = loopback_hosts(port)
        .into_iter()
        .map(|h| format!("http://{h}"))
        .collect();
    let guard = Arc::new(security::Guard {
        token: config.token.clone(),
        allowed_hosts: hosts.clone(),
    });
    // rmcp checks Host itself: give it the same list (any host off loopback,
    // where the token guards).
    let mcp_hosts = if loopback { hosts } else { Vec::new() };
    let mcp = lazypm_mcp::http_service(svc.clone(), config.selection.clone(), mcp_hosts, origins);
    let state = routes::AppState {
        svc,
        token: config.token.clone(),
    };
    Ok(Router::new()
        .merge(routes::router())
        .merge(pages::router())
        .route_service("/mcp", mcp)
        .fallback(not_found)
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(guard, security::guard)))
}

/// An unknown path: a page for a browser, JSON for an API client.
async fn not_found(req: axum::extract::Request) -> axum::response::Response {
    use axum::response::IntoResponse;
    if pages::wants_login_page(&req) {
        return pages::PageError::not_found(format!("no page at {}", req.uri().path()))
            .into_response();
    }
    ApiError::not_found("no such path: /api/openapi.json describes the API").into_response()
}

/// A running server.
pub struct Server {
    pub addr: SocketAddr,
    listener: tokio::net::TcpListener,
    app: Router,
}

impl Server {
    /// Binds the address and builds the application.
    pub async fn bind(svc: Service, config: WebConfig) -> Result<Server, WebError> {
        check_bind(config.bind, config.token.is_some())?;
        let listener = tokio::net::TcpListener::bind(config.bind)
            .await
            .map_err(|e| WebError::Bind(config.bind, e))?;
        let addr = listener.local_addr()?;
        let app = app(svc, &config, addr.port())?;
        Ok(Server {
            addr,
            listener,
            app,
        })
    }

    /// Serves until `shutdown` completes.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), WebError> {
        axum::serve(self.listener, self.app)
            .with_graceful_shutdown(shutdown)
            .await?;
        Ok(())
    }
}
