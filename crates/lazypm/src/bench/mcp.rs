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
        let mut child = Command::new(exe)
            .args([
                "--data-dir",
                &dir.display().to_string(),
                "--project",
                "BENCH",
                "mcp",
            ])
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
