//! A `lazypm mcp` child process for the bench: start-up to tools/list, and
//! the cost of a tools/call over stdio.

use std::path::Path;
use std::process::Command;

use anyhow::Context as _;

/// A `lazypm mcp` child speaking JSON-RPC lines on its stdin/stdout.
pub(super) struct McpProcess {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    stdout: std::io::BufReader<std::process::ChildStdout>,
}

impl McpProcess {
    pub(super) fn start(exe: &Path, dir: &Path) -> anyhow::Result<Self> {
        Self::start_with(exe, dir, "BENCH", None)
    }

    /// `lazypm --data-dir DIR --project PROJECT [--actor ACTOR] mcp`, initialised.
    pub(super) fn start_with(
        exe: &Path,
        dir: &Path,
        project: &str,
        actor: Option<&str>,
    ) -> anyhow::Result<Self> {
        let mut cmd = Command::new(exe);
        cmd.args([
            "--data-dir",
            &dir.display().to_string(),
            "--project",
            project,
        ]);
        if let Some(a) = actor {
            cmd.args(["--actor", a]);
        }
        let mut child = cmd
            .arg("mcp")
            .env_remove("LAZYPM_DATABASE_URL")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()?;
        let stdin = child.stdin.take().context("no stdin")?;
        let stdout = std::io::BufReader::new(child.stdout.take().context("no stdout")?);
        let mut p = Self {
            child,
            stdin,
            stdout,
        };
        p.request(r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}"#, 1)?;
        p.send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)?;
        Ok(p)
    }

    fn send(&mut self, line: &str) -> anyhow::Result<()> {
        use std::io::Write as _;
        writeln!(self.stdin, "{line}")?;
        self.stdin.flush()?;
        Ok(())
    }

    /// Sends a request and reads lines until the reply with `id` arrives.
    pub(super) fn request(&mut self, line: &str, id: u64) -> anyhow::Result<String> {
        use std::io::BufRead as _;
        self.send(line)?;
        let wanted = format!(r#""id":{id}"#);
        loop {
            let mut reply = String::new();
            anyhow::ensure!(
                self.stdout.read_line(&mut reply)? > 0,
                "the MCP server closed its output"
            );
            if reply.contains(&wanted) {
                return Ok(reply);
            }
        }
    }

    /// Calls a tool: `Ok` with its structured result, or `Err` with the
    /// error's code (`conflict`, `invalid_input`, …) and message when the
    /// tool refused.
    pub(super) fn call(
        &mut self,
        id: u64,
        tool: &str,
        args: serde_json::Value,
    ) -> anyhow::Result<Result<serde_json::Value, (String, String)>> {
        let request = serde_json::json!({
            "jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": {"name": tool, "arguments": args},
        });
        let reply: serde_json::Value =
            serde_json::from_str(&self.request(&request.to_string(), id)?)?;
        if let Some(e) = reply.get("error") {
            return Ok(Err(("protocol".into(), e.to_string())));
        }
        let result = reply
            .get("result")
            .context("a tools/call reply without a result")?;
        let content = result.get("structuredContent").cloned().unwrap_or_default();
        if result.get("isError").and_then(serde_json::Value::as_bool) == Some(true) {
            let code = content["error"]["code"].as_str().unwrap_or("unknown");
            let message = content["error"]["message"].as_str().unwrap_or_default();
            return Ok(Err((code.to_string(), message.to_string())));
        }
        Ok(Ok(content))
    }

    pub(super) fn stop(mut self) {
        drop(self.stdin);
        let _ = self.child.wait();
    }
}

/// Process start to the tools/list reply.
pub(super) fn mcp_handshake(exe: &Path, dir: &Path) -> anyhow::Result<String> {
    let mut p = McpProcess::start(exe, dir)?;
    let tools = p.request(r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#, 2)?;
    p.stop();
    Ok(tools)
}
