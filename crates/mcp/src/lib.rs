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
