//! lazypm's MCP server. Every operation of the service layer is a tool whose
//! name, description, hints and schemas come from the operation table; this
//! crate adds nothing but translation, tool selection and the guides as
//! resources and prompts.

mod render;
mod schema;
mod selection;
mod server;

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
    let running = server
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    running
        .waiting()
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(())
}
