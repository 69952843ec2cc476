//! `lazypm serve`: the REST API, the live event stream and MCP over HTTP,
//! on loopback by default.

use std::net::SocketAddr;

use anyhow::Context as _;
use clap::Args;
use lazypm_service::Service;
use lazypm_service::ops::projects::InitProjectInput;

/// Options of `lazypm serve`.
#[derive(Args)]
pub struct ServeArgs {
    /// Address and port to listen on. Anything but a loopback address needs --token.
    #[arg(long, default_value = "127.0.0.1:1929", value_name = "ADDR:PORT")]
    pub bind: SocketAddr,
    /// API token, as SECRET or NAME=SECRET (NAME is recorded as the actor).
    /// Clients send it as `Authorization: Bearer SECRET`.
    #[arg(
        long,
        env = "LAZYPM_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
    #[command(flatten)]
    pub mcp: crate::McpArgs,
}

/// Serves until Ctrl-C (or SIGTERM).
pub async fn run(svc: &Service, args: ServeArgs) -> anyhow::Result<()> {
    let token = match args.token.as_deref() {
        Some(t) => Some(
            lazypm_web::Token::parse(t)
                .context("--token: the token is empty; give a secret, or NAME=SECRET")?,
        ),
        None => None,
    };
    ensure_project(svc).await?;
    let config = lazypm_web::WebConfig {
        bind: args.bind,
        token,
        selection: crate::mcp_selection(&args.mcp),
    };
    let server = lazypm_web::Server::bind(svc.clone(), config).await?;
    // Listening on every address (a container): a browser on this machine
    // reaches it as localhost.
    let url = if server.addr.ip().is_unspecified() {
        format!("http://localhost:{}", server.addr.port())
    } else {
        format!("http://{}", server.addr)
    };
    out!("lazypm serving at {url}");
    out!(
        "  REST API:  {url}/api (OpenAPI at {url}/api/openapi.json, live events at {url}/api/events)"
    );
    let header = if args.token.is_some() {
        " --header \"Authorization: Bearer $LAZYPM_TOKEN\""
    } else {
        ""
    };
    out!("  connect an agent:  claude mcp add --transport http pm {url}/mcp{header}");
    server.run(shutdown()).await?;
    Ok(())
}

/// With no project registered, registers the current repository (or directory).
async fn ensure_project(svc: &Service) -> anyhow::Result<()> {
    let projects = svc.call("pm_list_projects", serde_json::json!({})).await?;
    let none = projects["projects"].as_array().is_none_or(Vec::is_empty);
    if none {
        let mut ctx = svc.context().clone();
        if ctx.actor.is_empty() {
            ctx.actor = "lazypm serve".into();
        }
        let out = svc
            .with_context(ctx)
            .pm_init_project(InitProjectInput {
                path: None,
                key: None,
                name: None,
                description: None,
                require_review: None,
                auto_branch: None,
            })
            .await?;
        out!(
            "No project was registered: registered {} ({}) at {}",
            out.project.key,
            out.project.name,
            out.project.path
        );
    }
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
