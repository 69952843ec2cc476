//! lazypm's MCP server. Every operation of the service layer is a tool whose
//! name, description, hints and schemas come from the operation table; this
//! crate adds nothing but translation, tool selection and the guides as
//! resources and prompts.

mod render;
mod schema;
mod selection;
mod server;
mod stdio;
mod steps;

pub use selection::{Selection, SelectionError};
pub use server::LazypmServer;

/// A tool result as the text an agent reads (see `render`): for other doors
/// that show results to people, such as `lazypm report`.
pub fn result_text(value: &serde_json::Value) -> String {
    render::text(value)
}

/// A schema with its `$defs` inlined and compacted as tools/list shows it
/// (nothing the server accepts is refused): for other doors that publish the
/// operations' schemas, such as the REST API's OpenAPI document.
pub fn inline_schema(schema: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    schema::input(schema)
}

/// A schema with its `$defs` inlined, nullable fields kept nullable: for
/// describing outputs.
pub fn inline_output_schema(
    schema: serde_json::Value,
) -> serde_json::Map<String, serde_json::Value> {
    schema::inlined(schema)
}

/// The tools a selection exposes, exactly as tools/list sends them.
pub fn tools(selection: &Selection) -> Result<Vec<rmcp::model::Tool>, SelectionError> {
    Ok(selection.resolve()?.into_iter().map(server::tool).collect())
}

use lazypm_service::Service;
use rmcp::ServiceExt;

/// Serves MCP over stdin/stdout until the client disconnects.
/// Only JSON-RPC goes to stdout; logs go to stderr.
pub async fn serve_stdio(service: Service, selection: Selection) -> std::io::Result<()> {
    let server = LazypmServer::new(service, selection);
    let (ours, theirs) = tokio::io::duplex(1 << 16);
    let (from_server, to_server) = tokio::io::split(ours);
    let (answers, answered) = tokio::sync::mpsc::unbounded_channel();
    let input = tokio::spawn(stdio::frame_input(tokio::io::stdin(), to_server, answers));
    let output = tokio::spawn(stdio::merge_output(
        from_server,
        answered,
        tokio::io::stdout(),
    ));
    let running = server
        .serve(tokio::io::split(theirs))
        .await
        .map_err(|e| std::io::Error::other(e.to_string()));
    let result = match running {
        Ok(running) => running
            .waiting()
            .await
            .map(|_| ())
            .map_err(|e| std::io::Error::other(e.to_string())),
        Err(e) => Err(e),
    };
    input.abort();
    let _ = output.await;
    result
}

/// MCP's streamable HTTP transport as a tower service (mounted at `/mcp` by
/// `lazypm serve`): one server, with its own context, per session.
/// `allowed_hosts` are the Host header values accepted (DNS rebinding);
/// `allowed_origins` the browser origins accepted (a request from any other
/// origin is refused, as the MCP specification asks).
pub fn http_service(
    service: Service,
    selection: Selection,
    allowed_hosts: Vec<String>,
    allowed_origins: Vec<String>,
) -> rmcp::transport::streamable_http_server::StreamableHttpService<
    LazypmServer,
    rmcp::transport::streamable_http_server::session::local::LocalSessionManager,
> {
    use rmcp::transport::streamable_http_server::{
        StreamableHttpServerConfig, StreamableHttpService, session::local::LocalSessionManager,
    };
    let config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(allowed_hosts)
        .with_allowed_origins(allowed_origins)
        .enforce_origin_validation();
    StreamableHttpService::new(
        move || Ok(LazypmServer::new(service.clone(), selection.clone())),
        std::sync::Arc::new(LocalSessionManager::default()),
        config,
    )
}
