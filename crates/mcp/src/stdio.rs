//! MCP over stdin/stdout, with the framing the SDK leaves out: every line
//! that is not a JSON-RPC message gets an answer. A line that is not JSON,
//! not UTF-8 or over [`MAX_LINE`] is answered with a parse error (-32700,
//! id null), and a `tools/call` without a tool name or with arguments that
//! are not an object with invalid params (-32602), so a client never waits
//! for a reply that will not come. Every other line goes to the SDK as is.

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

/// The longest message accepted on stdin.
pub const MAX_LINE: usize = 4 * 1024 * 1024;

/// Reads the client's lines from `input`: well-formed ones go to `to_server`,
/// answers to the others to `answers`.
pub(crate) async fn frame_input<R, W>(
    input: R,
    mut to_server: W,
    answers: mpsc::UnboundedSender<Vec<u8>>,
) where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut reader = BufReader::new(input);
    let mut line = Vec::new();
    loop {
        line.clear();
        let oversized = match read_bounded_line(&mut reader, &mut line).await {
            Ok(Some(oversized)) => oversized,
            Ok(None) => break,
            Err(e) => {
                tracing::error!(error = %e, "cannot read stdin");
                break;
            }
        };
        let answer = if oversized {
            Some(error_reply(
                Value::Null,
                -32700,
                format!("Parse error: message over {} MiB", MAX_LINE / (1024 * 1024)),
            ))
        } else {
            let text = trim_line_end(&line);
            if text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            check(text)
        };
        match answer {
            Some(reply) => {
                if answers.send(reply).is_err() {
                    break;
                }
            }
            None => {
                let text = trim_line_end(&line);
                let sent = async {
                    to_server.write_all(text).await?;
                    to_server.write_all(b"\n").await?;
                    to_server.flush().await
                };
                if sent.await.is_err() {
                    break;
                }
            }
        }
    }
    let _ = to_server.shutdown().await;
}

/// Writes the server's lines and the framing answers to `output`, whole
/// lines at a time, until both are done.
pub(crate) async fn merge_output<R, W>(
    from_server: R,
    mut answers: mpsc::UnboundedReceiver<Vec<u8>>,
    mut output: W,
) where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut lines = BufReader::new(from_server);
    let mut line = Vec::new();
    let mut server_open = true;
    let mut answers_open = true;
    while server_open || answers_open {
        let chunk = tokio::select! {
            read = lines.read_until(b'\n', &mut line), if server_open => match read {
                Ok(0) | Err(_) => {
                    server_open = false;
                    if line.is_empty() { continue; }
                    std::mem::take(&mut line)
                }
                Ok(_) => std::mem::take(&mut line),
            },
            answer = answers.recv(), if answers_open => match answer {
                Some(a) => a,
                None => {
                    answers_open = false;
                    continue;
                }
            },
        };
        let written = async {
            output.write_all(&chunk).await?;
            if chunk.last() != Some(&b'\n') {
                output.write_all(b"\n").await?;
            }
            output.flush().await
        };
        if written.await.is_err() {
            break;
        }
    }
}

/// One line into `buf` (newline included); `Some(true)` when it was longer
/// than [`MAX_LINE`] and was skipped; `None` at the end of input.
async fn read_bounded_line<R: AsyncRead + Unpin>(
    reader: &mut BufReader<R>,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<bool>> {
    let mut oversized = false;
    let mut any = false;
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            // End of input: a last line without a newline still counts.
            return Ok(any.then_some(oversized));
        }
        any = true;
        let (take, done) = match available.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        if !oversized {
            if buf.len() + take > MAX_LINE + 1 {
                oversized = true;
                buf.clear();
            } else {
                buf.extend_from_slice(&available[..take]);
            }
        }
        reader.consume(take);
        if done {
            return Ok(Some(oversized));
        }
    }
}

fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The answer a line gets here, or `None` when it is for the server.
fn check(line: &[u8]) -> Option<Vec<u8>> {
    let Ok(text) = std::str::from_utf8(line) else {
        return Some(error_reply(
            Value::Null,
            -32700,
            "Parse error: the message is not valid UTF-8".into(),
        ));
    };
    let message: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return Some(error_reply(
                Value::Null,
                -32700,
                format!("Parse error: not JSON ({e})"),
            ));
        }
    };
    let is_tool_call = message.get("method").and_then(Value::as_str) == Some("tools/call");
    let id = message.get("id")?.clone();
    // A request the SDK cannot read would be answered without its id, and
    // the client would wait forever: answer it here, id included.
    if message.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Some(error_reply(
            id,
            -32600,
            "Invalid Request: jsonrpc must be \"2.0\"".into(),
        ));
    }
    let Some(method) = message.get("method") else {
        // A response from the client: the SDK's business.
        return None;
    };
    if !method.is_string() {
        return Some(error_reply(
            id,
            -32600,
            "Invalid Request: method must be a string".into(),
        ));
    }
    match message.get("params") {
        None | Some(Value::Null) | Some(Value::Object(_)) => {}
        Some(_) => {
            return Some(error_reply(
                id,
                -32602,
                "Invalid params: params must be an object".into(),
            ));
        }
    }
    if message
        .get("params")
        .and_then(|p| p.get("_meta"))
        .is_some_and(|m| !m.is_object() && !m.is_null())
    {
        return Some(error_reply(
            id,
            -32602,
            "Invalid params: params._meta must be an object".into(),
        ));
    }
    // Methods whose required params the SDK would answer with "method not
    // found" when they are missing or of the wrong type.
    let required: &[RequiredParam] = match method.as_str() {
        Some("prompts/get") => &[("name", Value::is_string)],
        Some("resources/read") => &[("uri", Value::is_string)],
        Some("initialize") => &[
            ("protocolVersion", Value::is_string),
            ("capabilities", Value::is_object),
            ("clientInfo", Value::is_object),
        ],
        _ => &[],
    };
    let params = message.get("params");
    if let Some((name, _)) = required
        .iter()
        .find(|(name, ok)| !params.and_then(|p| p.get(*name)).is_some_and(ok))
    {
        return Some(error_reply(
            id,
            -32602,
            format!("Invalid params: params.{name} is missing or of the wrong type"),
        ));
    }
    if !is_tool_call {
        return None;
    }
    let problem = match params {
        Some(Value::Object(p)) => match (p.get("name"), p.get("arguments")) {
            (Some(Value::String(n)), _) if n.trim().is_empty() => {
                Some("params.name is empty: name the tool to call (tools/list shows them)")
            }
            (Some(Value::String(_)), None | Some(Value::Null | Value::Object(_))) => None,
            (Some(Value::String(_)), Some(_)) => Some(
                "params.arguments must be an object of named arguments, like {\"issue_key\": \"PROJ-1\"}",
            ),
            (Some(_), _) => Some("params.name must be a string: the name of the tool to call"),
            (None, _) => {
                Some("params.name is missing: name the tool to call (tools/list shows them)")
            }
        },
        _ => Some("tools/call needs params: an object with name and arguments"),
    };
    problem.map(|p| error_reply(id, -32602, format!("Invalid params: {p}")))
}

/// A parameter a method needs, and the check its value must pass.
type RequiredParam = (&'static str, fn(&Value) -> bool);

fn error_reply(id: Value, code: i64, message: String) -> Vec<u8> {
    let mut out = serde_json::to_vec(&json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": { "code": code, "message": message },
    }))
    .unwrap_or_default();
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(line: &[u8]) -> Option<Value> {
        check(line).map(|b| serde_json::from_slice(&b).unwrap())
    }

    #[test]
    fn answers_what_the_sdk_would_drop() {
        let a = answer(b"{not json").unwrap();
        assert_eq!(a["error"]["code"], -32700);
        assert_eq!(a["id"], Value::Null);
        let a = answer(b"{\"a\":\"\xff\"}").unwrap();
        assert_eq!(a["error"]["code"], -32700);
        let a = answer(br#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{}}"#).unwrap();
        assert_eq!(
            (a["id"].clone(), a["error"]["code"].clone()),
            (json!(7), json!(-32602))
        );
        let a = answer(
            br#"{"jsonrpc":"2.0","id":"x","method":"tools/call","params":{"name":"pm_status","arguments":[1]}}"#,
        )
        .unwrap();
        assert_eq!(a["error"]["code"], -32602);
        assert!(
            a["error"]["message"]
                .as_str()
                .unwrap()
                .contains("arguments")
        );
    }

    #[test]
    fn requests_the_sdk_cannot_read_are_answered_with_their_id() {
        for (line, code) in [
            (&br#"{"jsonrpc":"2.0","id":104,"method":"tools/call","params":{"name":"pm_status","_meta":5}}"#[..], -32602),
            (br#"{"jsonrpc":"2.0","id":105,"method":"tools/list","params":5}"#, -32602),
            (br#"{"jsonrpc":"2.0","id":"s-106","method":"ping","params":"x"}"#, -32602),
            (br#"{"jsonrpc":"1.0","id":107,"method":"ping"}"#, -32600),
            (br#"{"jsonrpc":"2.0","id":108,"method":5}"#, -32600),
            (br#"{"id":111,"method":"ping"}"#, -32600),
            (br#"{"jsonrpc":"2.0","id":112,"method":"prompts/get","params":{"name":5}}"#, -32602),
            (br#"{"jsonrpc":"2.0","id":113,"method":"resources/read","params":{"uri":5}}"#, -32602),
            (br#"{"jsonrpc":"2.0","id":114,"method":"initialize","params":{}}"#, -32602),
        ] {
            let sent: Value = serde_json::from_slice(line).unwrap();
            let a = answer(line).unwrap_or_else(|| panic!("no answer to {sent}"));
            assert_eq!(a["id"], sent["id"], "{sent}");
            assert_eq!(a["error"]["code"], code, "{sent}");
        }
    }

    #[test]
    fn passes_messages_on() {
        assert!(
            answer(
                br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"pm_status"}}"#
            )
            .is_none()
        );
        assert!(answer(br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#).is_none());
        // Notifications have no id and get no answer, well-formed or not.
        assert!(answer(br#"{"jsonrpc":"2.0","method":"tools/call"}"#).is_none());
    }

    #[tokio::test]
    async fn an_oversized_line_is_skipped_and_answered() {
        let mut input = vec![b'x'; MAX_LINE + 10];
        input.push(b'\n');
        input.extend_from_slice(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n");
        let (to_server, mut server_side) = tokio::io::duplex(1 << 16);
        let (tx, mut rx) = mpsc::unbounded_channel();
        frame_input(&input[..], to_server, tx).await;
        let reply: Value = serde_json::from_slice(&rx.recv().await.unwrap()).unwrap();
        assert_eq!(reply["error"]["code"], -32700);
        let mut forwarded = String::new();
        tokio::io::AsyncReadExt::read_to_string(&mut server_side, &mut forwarded)
            .await
            .unwrap();
        assert_eq!(
            forwarded,
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n"
        );
    }
}
