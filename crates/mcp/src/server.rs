//! The MCP server: tools from the operation table, guides as resources,
//! session prompts. Tool errors come back as results with `isError`, so the
//! model reads them and can fix its call; the server never stops on bad input.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use lazypm_service::{Context, Operation, Service, ServiceError};
use rmcp::ErrorData as McpError;
use rmcp::handler::server::ServerHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, GetPromptRequestParams,
    GetPromptResponse, GetPromptResult, Implementation, ListPromptsResult,
    ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams,
    Prompt, PromptArgument, PromptMessage, ReadResourceRequestParams, ReadResourceResponse,
    ReadResourceResult, Resource, ResourceContents, ResourceTemplate, Role, ServerCapabilities,
    ServerConfig, Tool, ToolAnnotations,
};
use rmcp::service::{NotificationContext, RequestContext, RoleServer};
use serde_json::{Value, json};

use crate::{Selection, schema};

/// lazypm as an MCP server.
#[derive(Clone)]
pub struct LazypmServer {
    svc: Service,
    /// Actor and working directory; the client's roots and name refine them after `initialize`.
    ctx: Arc<RwLock<Context>>,
    tools: Arc<Vec<Tool>>,
    enabled: Arc<HashSet<&'static str>>,
    /// Why a tool is not exposed, for tools outside the selection.
    selection_error: Option<String>,
}

const INSTRUCTIONS: &str = "lazypm tracks this project's issues. Start with pm_status, then \
pm_suggest_next_work (claim: true to take one) or pm_my_queue; read with pm_get_issue, \
pm_start_work before coding, pm_log_work as you go (time like 2h30m), pm_complete_issue when \
the acceptance criteria hold. pm_docs explains everything and lists the other toolsets.";

pub(crate) fn tool(op: &Operation) -> Tool {
    let annotations = ToolAnnotations::new()
        .read_only(op.read_only)
        .destructive(op.destructive)
        .idempotent(op.idempotent);
    Tool::new(
        op.name,
        op.description,
        Arc::new(schema::input((op.input_schema)().to_value())),
    )
    .with_raw_output_schema(Arc::new(schema::output((op.output_schema)().to_value())))
    .with_annotations(annotations)
}

impl LazypmServer {
    pub fn new(svc: Service, selection: Selection) -> Self {
        let (ops, selection_error) = match selection.resolve() {
            Ok(ops) => (ops, None),
            Err(e) => (Vec::new(), Some(e.to_string())),
        };
        let ctx = svc.context().clone();
        let enabled = ops.iter().map(|o| o.name).collect();
        Self {
            enabled: Arc::new(enabled),
            tools: Arc::new(ops.into_iter().map(tool).collect()),

            ctx: Arc::new(RwLock::new(ctx)),
            svc,
            selection_error,
        }
    }

    /// The tools this server lists.
    pub fn tools(&self) -> &[Tool] {
        &self.tools
    }

    fn service(&self) -> Service {
        let ctx = self.ctx.read().map(|c| c.clone()).unwrap_or_default();
        self.svc.with_context(ctx)
    }

    /// Runs a tool: its output as structured content plus a compact text
    /// copy, or a tool error naming the field and the allowed values.
    pub async fn run_tool(
        &self,
        name: &str,
        args: Option<serde_json::Map<String, Value>>,
    ) -> CallToolResult {
        let Some(tool) = self.enabled_name(name) else {
            return tool_error(
                &not_enabled(name, self.selection_error.as_deref()),
                "tool_not_enabled",
                Some("name"),
            );
        };
        let args = args.map(Value::Object).unwrap_or(Value::Null);
        match self.service().call(tool, args).await {
            Ok(mut value) => {
                crate::steps::only_enabled(&mut value, &self.enabled);
                let mut result =
                    CallToolResult::success(vec![ContentBlock::text(crate::render::text(&value))]);
                result.structured_content = Some(value);
                result
            }
            Err(e) => {
                if matches!(e, ServiceError::Store(_)) {
                    tracing::error!(tool, error = %e, "store failure");
                }
                tool_error(&e.to_string(), e.code(), e.field())
            }
        }
    }

    /// The enabled tool a call names, by its name or by an alias the
    /// service knows (`pm_estimate_issue` runs `pm_estimate`).
    fn enabled_name(&self, name: &str) -> Option<&'static str> {
        self.enabled.get(name).copied().or_else(|| {
            lazypm_service::canonical_tool_name(name).filter(|c| self.enabled.contains(c))
        })
    }

    async fn text_of(&self, tool: &str, args: Value) -> Result<String, McpError> {
        let out = self
            .service()
            .call(tool, args)
            .await
            .map_err(|e| McpError::internal_error(e.to_string(), None))?;
        Ok(out
            .get("text")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| out.to_string()))
    }
}

fn not_enabled(name: &str, selection_error: Option<&str>) -> String {
    let op = lazypm_service::canonical_tool_name(name)
        .and_then(|c| lazypm_service::OPERATIONS.iter().find(|o| o.name == c));
    match op {
        Some(op) => {
            let called = if op.name == name {
                name.to_string()
            } else {
                format!("{name} ({})", op.name)
            };
            format!(
                "{called} is not enabled on this server: it is in the {} toolset; restart lazypm mcp with --toolsets {} (or --tools {}); pm_docs lists the toolsets",
                op.toolset.as_str(),
                op.toolset.as_str(),
                op.name
            )
        }
        None => match selection_error {
            Some(e) => {
                format!("this server's tool selection is invalid ({e}); fix the lazypm mcp flags")
            }
            None => format!("unknown tool '{name}': tools/list shows the tools of this server"),
        },
    }
}

fn tool_error(message: &str, code: &str, field: Option<&str>) -> CallToolResult {
    let mut result = CallToolResult::error(vec![ContentBlock::text(message)]);
    result.structured_content =
        Some(json!({ "error": { "code": code, "message": message, "field": field } }));
    result
}

/// The directory of the first `file://` root a client offers.
fn root_dir(uri: &str) -> Option<PathBuf> {
    let path = uri.strip_prefix("file://")?;
    let decoded = percent_decode(path);
    let p = PathBuf::from(decoded);
    p.is_absolute().then_some(p)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl ServerHandler for LazypmServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .enable_prompts()
                .build(),
        )
        .with_server_info(Implementation::new("lazypm", env!("CARGO_PKG_VERSION")))
        .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(self.tools.as_ref().clone()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools.iter().find(|t| t.name == name).cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        Ok(self.run_tool(&request.name, request.arguments).await.into())
    }

    async fn on_initialized(&self, context: NotificationContext<RoleServer>) {
        let info = context.peer.peer_info();
        let client = info.as_ref().map(|i| i.client_info.name.clone());
        let wants_roots = info
            .as_ref()
            .is_some_and(|i| i.capabilities.roots.is_some());
        // Roots are deprecated by a newer protocol revision (SEP-2577) but are
        // how 2025-11-25 clients say which directory they work in.
        #[allow(deprecated)]
        let root = if wants_roots {
            match context.peer.list_roots().await {
                Ok(r) => r.roots.iter().find_map(|root| root_dir(&root.uri)),
                Err(e) => {
                    tracing::warn!(error = %e, "client announced roots but did not list them");
                    None
                }
            }
        } else {
            None
        };
        if let Ok(mut ctx) = self.ctx.write() {
            if let Some(dir) = root {
                tracing::info!(root = %dir.display(), "using the client's root as the project directory");
                ctx.cwd = Some(dir);
            }
            // An actor named by flag or environment wins; otherwise the client's name.
            if ctx.actor.is_empty()
                && let Some(name) = client.filter(|n| !n.trim().is_empty())
            {
                ctx.actor = name;
            }
            if ctx.actor.is_empty() {
                ctx.actor = "agent".into();
            }
        }
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        Ok(ListResourcesResult::with_all_items(vec![
            Resource::new("lazypm://docs", "docs")
                .with_description("The lazypm guide: concepts, workflow, toolsets, field rules")
                .with_mime_type("text/markdown"),
            Resource::new("lazypm://workflow", "workflow")
                .with_description("Methodology and worked examples of the daily loop")
                .with_mime_type("text/markdown"),
        ]))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        Ok(ListResourceTemplatesResult::with_all_items(vec![
            ResourceTemplate::new("lazypm://issue/{key}", "issue")
                .with_description("One issue in full (as pm_get_issue returns it)")
                .with_mime_type("application/json"),
        ]))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let uri = request.uri.as_str();
        let (text, mime) = match uri {
            "lazypm://docs" => (
                self.text_of("pm_docs", json!({ "topic": "all" })).await?,
                "text/markdown",
            ),
            "lazypm://workflow" => (
                self.text_of("pm_workflow", json!({})).await?,
                "text/markdown",
            ),
            _ => match uri.strip_prefix("lazypm://issue/") {
                Some(key) => {
                    let issue = self
                        .service()
                        .call("pm_get_issue", json!({ "issue_key": key }))
                        .await
                        .map_err(|e| {
                            McpError::resource_not_found(e.to_string(), Some(json!({ "uri": uri })))
                        })?;
                    (
                        serde_json::to_string_pretty(&issue).unwrap_or_default(),
                        "application/json",
                    )
                }
                None => {
                    return Err(McpError::resource_not_found(
                        format!(
                            "no resource '{uri}': lazypm://docs, lazypm://workflow and lazypm://issue/KEY exist"
                        ),
                        None,
                    ));
                }
            },
        };
        Ok(
            ReadResourceResult::new(vec![ResourceContents::text(text, uri).with_mime_type(mime)])
                .into(),
        )
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        Ok(ListPromptsResult::with_all_items(vec![
            Prompt::new(
                "start_session",
                Some("Begin a working session: orient, pick work, follow the loop"),
                None,
            ),
            Prompt::new(
                "standup",
                Some("Write a stand-up from what lazypm recorded"),
                Some(vec![
                    PromptArgument::new("since_hours")
                        .with_description("Hours to look back (default 24)"),
                ]),
            ),
        ]))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        let messages = match request.name.as_str() {
            "start_session" => {
                let reminder = self.text_of("pm_reminder", json!({})).await?;
                vec![PromptMessage::new_text(
                    Role::User,
                    format!(
                        "Start a lazypm working session.\n\n1. Call pm_status to see the project.\n2. Call pm_suggest_next_work with claim: true (or pm_my_queue if you already own work).\n3. Read the issue with pm_get_issue before changing code.\n4. Log progress with pm_log_work; finish with pm_complete_issue.\n\nWorking agreement:\n{reminder}"
                    ),
                )]
            }
            "standup" => {
                let hours = request
                    .arguments
                    .as_ref()
                    .and_then(|a| a.get("since_hours"))
                    .and_then(|v| {
                        v.as_str()
                            .and_then(|s| s.parse::<u32>().ok())
                            .or_else(|| v.as_u64().map(|n| n as u32))
                    })
                    .unwrap_or(24);
                let out = self
                    .service()
                    .call(
                        "pm_daily_standup",
                        json!({ "format": "markdown", "since_hours": hours }),
                    )
                    .await
                    .map_err(|e| McpError::invalid_params(e.to_string(), None))?;
                let report = out
                    .get("report")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                vec![PromptMessage::new_text(
                    Role::User,
                    format!(
                        "Write a short stand-up for the team from this record (done, doing, blockers; name issue keys):\n\n{report}"
                    ),
                )]
            }
            other => {
                return Err(McpError::invalid_params(
                    format!("unknown prompt '{other}': start_session and standup exist"),
                    None,
                ));
            }
        };
        Ok(GetPromptResult::new(messages).into())
    }
}
