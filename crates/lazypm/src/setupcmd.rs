//! `lazypm setup CLIENT`: connects an agent client in one step (its MCP
//! configuration, and an instructions block in CLAUDE.md or AGENTS.md), and
//! `lazypm prime`: the compact context a session starts from.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde_json::{Value, json};

/// The instructions block's markers: what lies outside them is never touched.
pub const BEGIN: &str = "<!-- lazypm:begin -->";
pub const END: &str = "<!-- lazypm:end -->";
/// Codex's TOML has its own comment syntax.
const TOML_BEGIN: &str = "# lazypm:begin";
const TOML_END: &str = "# lazypm:end";
/// The server's name in a client's configuration: `pm`, as the README's
/// `claude mcp add pm -- lazypm mcp` names it, so tool names agents were
/// told about (`mcp__pm__pm_get_issue`) stay the same.
pub const SERVER: &str = "pm";

#[derive(Clone, Copy, PartialEq, Debug, clap::ValueEnum)]
pub enum Client {
    /// Claude Code: .mcp.json and CLAUDE.md in the project.
    Claude,
    /// Cursor: .cursor/mcp.json and AGENTS.md in the project.
    Cursor,
    /// VS Code (Copilot agent mode): .vscode/mcp.json and AGENTS.md in the project.
    Vscode,
    /// Codex CLI: ~/.codex/config.toml ($CODEX_HOME) and AGENTS.md in the project.
    Codex,
}

#[derive(clap::Args)]
pub struct SetupArgs {
    /// The agent client to connect.
    #[arg(value_enum)]
    client: Client,
    /// Print what would be written, and write nothing.
    #[arg(long)]
    print: bool,
    /// Take lazypm out of the client's configuration and the instructions file.
    #[arg(long, conflicts_with = "print")]
    remove: bool,
    /// The project folder [default: the git repository containing the working directory, else it].
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// Where a client reads its MCP servers, and how.
pub struct ClientFiles {
    pub config: PathBuf,
    /// The key of the servers map in a JSON config (`mcpServers`, `servers`); `None` for TOML.
    pub servers_key: Option<&'static str>,
    pub instructions: PathBuf,
    /// Where the client's session-start hook goes (Claude Code's
    /// `.claude/settings.json`), for clients that have one.
    pub hooks: Option<PathBuf>,
}

/// The session-start hook's command: `lazypm prime`, started the way the
/// MCP server is, and never failing a session (a hook that fails can stop
/// one from starting).
pub fn prime_hook() -> String {
    let cmd = command();
    let cmd = if cmd.contains(|c: char| c.is_whitespace() || c == '\'') {
        format!("'{}'", cmd.replace('\'', "'\\''"))
    } else {
        cmd
    };
    format!("{cmd} prime 2>/dev/null || true")
}

pub fn files(client: Client, root: &Path) -> anyhow::Result<ClientFiles> {
    let agents = root.join("AGENTS.md");
    Ok(match client {
        Client::Claude => ClientFiles {
            config: root.join(".mcp.json"),
            servers_key: Some("mcpServers"),
            instructions: root.join("CLAUDE.md"),
            hooks: Some(root.join(".claude").join("settings.json")),
        },
        Client::Cursor => ClientFiles {
            config: root.join(".cursor").join("mcp.json"),
            servers_key: Some("mcpServers"),
            instructions: agents,
            hooks: None,
        },
        Client::Vscode => ClientFiles {
            config: root.join(".vscode").join("mcp.json"),
            servers_key: Some("servers"),
            instructions: agents,
            hooks: None,
        },
        Client::Codex => {
            let home = std::env::var_os("CODEX_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".codex")))
                .context("neither CODEX_HOME nor HOME is set: cannot find Codex's config.toml")?;
            ClientFiles {
                config: home.join("config.toml"),
                servers_key: None,
                instructions: agents,
                hooks: None,
            }
        }
    })
}

/// The project folder: `--dir`, else the git repository around the working
/// directory, else the working directory.
pub fn project_root(dir: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(d) = dir {
        anyhow::ensure!(d.is_dir(), "--dir {}: no such folder", d.display());
        return Ok(d.to_path_buf());
    }
    let cwd = std::env::current_dir()?;
    let top = std::process::Command::new("git")
        .args(["rev-parse", "--show-toplevel"])
        .current_dir(&cwd)
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    Ok(top.unwrap_or(cwd))
}

/// How the client should start lazypm: by name when `lazypm` on PATH is
/// this binary, else by this binary's full path.
pub fn command() -> String {
    let me = std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok());
    let on_path = which("lazypm").and_then(|p| p.canonicalize().ok());
    match (me, on_path) {
        (Some(me), Some(found)) if me == found => "lazypm".into(),
        (Some(me), _) => me.display().to_string(),
        (None, _) => "lazypm".into(),
    }
}

/// The executable a client would start for `cmd`: the file itself when it
/// is a path, else the first executable of that name on PATH, as a shell
/// finds it.
pub fn which(cmd: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt as _;
    let exec = |p: &Path| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if cmd.contains('/') {
        return exec(Path::new(cmd)).then(|| PathBuf::from(cmd));
    }
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|d| d.join(cmd))
        .find(|p| exec(p))
}

/// The instructions block, markers included.
pub fn block() -> String {
    let agreement = lazypm_service::ops::guides::REMINDER.trim();
    let agreement = agreement
        .strip_prefix("# Working agreement")
        .unwrap_or(agreement)
        .trim();
    format!(
        "{BEGIN}\n\
         ## Project management: lazypm\n\n\
         This project's issues, plans and work logs live in lazypm. Use its MCP tools \
         (`pm_*`, MCP server `pm`) to find, plan, do and close work; in a shell, \
         `lazypm` does the same (`lazypm call TOOL JSON` runs any tool).\n\n\
         At the start of a session, read `lazypm prime` (or call `pm_my_queue`): project \
         health, your queue, what is ready.\n\n\
         {agreement}\n\
         {END}\n"
    )
}

/// `text` with the block put in (replacing the one there) or taken out;
/// everything outside the markers stays as it was.
pub fn with_block(text: &str, block: Option<&str>, begin: &str, end: &str) -> String {
    if let Some(start) = text.find(begin)
        && let Some(stop) = text[start..].find(end).map(|i| start + i + end.len())
    {
        let after = text[stop..].strip_prefix('\n').unwrap_or(&text[stop..]);
        return match block {
            Some(b) => format!("{}{b}{after}", &text[..start]),
            None => {
                let before = text[..start].trim_end_matches('\n');
                match (before.is_empty(), after.is_empty()) {
                    (true, _) => after.to_string(),
                    (false, true) => format!("{before}\n"),
                    (false, false) => format!("{before}\n\n{}", after.trim_start_matches('\n')),
                }
            }
        };
    }
    match block {
        None => text.to_string(),
        Some(b) if text.trim().is_empty() => b.to_string(),
        Some(b) => format!("{}\n\n{b}", text.trim_end_matches('\n')),
    }
}

/// The client's config with lazypm's server put in (`Some`) or taken out.
fn with_server(
    files: &ClientFiles,
    current: &str,
    entry: Option<&Value>,
) -> anyhow::Result<String> {
    match files.servers_key {
        Some(key) => {
            let mut doc = json_settings(&files.config, current)?;
            let obj = doc.as_object_mut().with_context(|| {
                format!("{} does not hold a JSON object", files.config.display())
            })?;
            let servers = obj.entry(key).or_insert_with(|| json!({}));
            let servers = servers.as_object_mut().with_context(|| {
                format!("\"{key}\" in {} is not an object", files.config.display())
            })?;
            if let Some(theirs) = servers.get(SERVER)
                && !is_lazypm(theirs)
            {
                anyhow::bail!(
                    "{} already has a server named \"{SERVER}\" that is not lazypm ({}): rename it, then run setup again",
                    files.config.display(),
                    theirs
                );
            }
            match entry {
                Some(e) => {
                    servers.insert(SERVER.into(), e.clone());
                }
                None => {
                    servers.remove(SERVER);
                }
            }
            Ok(format!("{}\n", serde_json::to_string_pretty(&doc)?))
        }
        None => {
            let block = entry.map(|e| {
                let command = e["command"].as_str().unwrap_or("lazypm");
                format!(
                    "{TOML_BEGIN}\n[mcp_servers.{SERVER}]\ncommand = {}\nargs = [\"mcp\"]\n{TOML_END}\n",
                    serde_json::to_string(command).unwrap_or_else(|_| "\"lazypm\"".into())
                )
            });
            let outside = with_block(current, None, TOML_BEGIN, TOML_END);
            let table = format!("[mcp_servers.{SERVER}]");
            // The table, a dotted key, or an inline table under [mcp_servers].
            let defined = outside.lines().any(|l| {
                let l = l.trim();
                l == table
                    || l.starts_with(&format!("mcp_servers.{SERVER}."))
                    || l.starts_with(&format!("{SERVER} = {{"))
                    || l.starts_with(&format!("{SERVER}={{"))
            });
            anyhow::ensure!(
                !defined,
                "{} already defines the {SERVER} server ({table}) outside lazypm's markers: remove it, then run setup again",
                files.config.display()
            );
            Ok(with_block(current, block.as_deref(), TOML_BEGIN, TOML_END))
        }
    }
}

/// A client's JSON settings file as it stands (`{}` when it is missing or
/// empty); one that does not parse is refused, and left as it is.
fn json_settings(path: &Path, current: &str) -> anyhow::Result<Value> {
    if current.trim().is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_str(current).with_context(|| {
        format!(
            "{} is not valid JSON, so it was left as it is: mend it, or move it aside and run setup again",
            path.display()
        )
    })
}

/// Claude Code's settings with lazypm's SessionStart hook (`lazypm prime`,
/// whose output the session starts with) put in or taken out; every other
/// setting and hook stays as it was.
fn with_session_hook(path: &Path, current: &str, add: bool) -> anyhow::Result<String> {
    let mut doc = json_settings(path, current)?;
    let not_object = || {
        format!(
            "{} does not hold the settings object Claude Code reads",
            path.display()
        )
    };
    let hooks = doc
        .as_object_mut()
        .with_context(not_object)?
        .entry("hooks")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .with_context(not_object)?;
    let starts = hooks
        .entry("SessionStart")
        .or_insert_with(|| json!([]))
        .as_array_mut()
        .with_context(not_object)?;
    let ours = |group: &Value| {
        group["hooks"].as_array().is_some_and(|hs| {
            hs.iter().any(|h| {
                h["command"]
                    .as_str()
                    .is_some_and(|c| c.contains("lazypm prime"))
            })
        })
    };
    starts.retain(|g| !ours(g));
    if add {
        starts
            .push(json!({"hooks": [{"type": "command", "command": prime_hook(), "timeout": 10}]}));
    }
    if starts.is_empty() {
        hooks.remove("SessionStart");
    }
    if hooks.is_empty()
        && let Some(obj) = doc.as_object_mut()
    {
        obj.remove("hooks");
    }
    if doc.as_object().is_some_and(|o| o.is_empty()) {
        return Ok(String::new());
    }
    Ok(format!("{}\n", serde_json::to_string_pretty(&doc)?))
}

/// The server entry the client's config gets.
pub fn entry(client: Client) -> Value {
    let command = command();
    match client {
        Client::Vscode => json!({"type": "stdio", "command": command, "args": ["mcp"]}),
        _ => json!({"command": command, "args": ["mcp"]}),
    }
}

/// Refuses a file whose markers are not one begin followed by one end:
/// replacing between them could take the user's own text with it.
fn check_markers(path: &Path, text: &str, begin: &str, end: &str) -> anyhow::Result<()> {
    let begins = text.matches(begin).count();
    let ends = text.matches(end).count();
    let ordered = match (text.find(begin), text.find(end)) {
        (Some(b), Some(e)) => b < e,
        _ => true,
    };
    anyhow::ensure!(
        begins == ends && begins <= 1 && ordered,
        "{} has {begins} `{begin}` and {ends} `{end}` markers: leave one pair around lazypm's block (or none), then run setup again",
        path.display()
    );
    Ok(())
}

/// Whether a configured server entry is lazypm's (its command names lazypm,
/// and it runs `mcp`), so setup may replace or remove it.
fn is_lazypm(entry: &Value) -> bool {
    let command = entry["command"].as_str().unwrap_or_default();
    let named = Path::new(command)
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("lazypm"));
    let args_mcp = entry["args"]
        .as_array()
        .and_then(|a| a.first())
        .is_some_and(|a| a == "mcp");
    named && args_mcp
}

pub fn setup(args: &SetupArgs, json_out: bool) -> anyhow::Result<()> {
    let root = project_root(args.dir.as_deref())?;
    let files = files(args.client, &root)?;
    let read = |p: &Path| match std::fs::read_to_string(p) {
        Ok(t) => Ok(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", p.display())),
    };
    let entry = entry(args.client);
    let (config_now, notes_now) = (read(&files.config)?, read(&files.instructions)?);
    check_markers(&files.instructions, &notes_now, BEGIN, END)?;
    if files.servers_key.is_none() {
        check_markers(&files.config, &config_now, TOML_BEGIN, TOML_END)?;
    }
    let (config, notes) = if args.remove {
        (
            with_server(&files, &config_now, None)?,
            with_block(&notes_now, None, BEGIN, END),
        )
    } else {
        (
            with_server(&files, &config_now, Some(&entry))?,
            with_block(&notes_now, Some(&block()), BEGIN, END),
        )
    };
    let hooks_now = match &files.hooks {
        Some(p) => read(p)?,
        None => String::new(),
    };
    let hooks = match &files.hooks {
        Some(p) => with_session_hook(p, &hooks_now, !args.remove)?,
        None => String::new(),
    };
    if args.print {
        if json_out {
            out!(
                "{}",
                json!({"config": {"file": files.config, "text": config}, "instructions": {"file": files.instructions, "block": block()}})
            );
        } else {
            out!("# {}\n{config}", files.config.display());
            out!(
                "# {} (between the markers)\n{}",
                files.instructions.display(),
                block()
            );
            if let Some(p) = &files.hooks {
                out!("# {} (the session-start hook)\n{hooks}", p.display());
            }
        }
        return Ok(());
    }
    let mut changed = Vec::new();
    let mut writes = vec![
        (&files.config, &config_now, &config),
        (&files.instructions, &notes_now, &notes),
    ];
    if let Some(p) = &files.hooks {
        writes.push((p, &hooks_now, &hooks));
    }
    for (path, old, new) in writes {
        if old == new {
            continue;
        }
        if new.trim().is_empty() && args.remove {
            std::fs::remove_file(path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
        } else {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            std::fs::write(path, new)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        changed.push(path.display().to_string());
    }
    if json_out {
        out!(
            "{}",
            json!({"client": format!("{:?}", args.client).to_lowercase(), "removed": args.remove, "changed": changed})
        );
    } else if changed.is_empty() {
        out!(
            "nothing to change: already {}",
            if args.remove { "removed" } else { "set up" }
        );
    } else {
        for c in &changed {
            out!("{} {c}", if args.remove { "updated" } else { "wrote" });
        }
        if !args.remove {
            out!("`lazypm doctor` checks the setup; restart the client to load the server");
        }
    }
    Ok(())
}

/// `lazypm prime`: project health, the caller's queue, what is ready, and
/// the working agreement, in a few lines (for a session-start hook).
pub async fn prime(svc: &lazypm_service::Service, json_out: bool) -> anyhow::Result<()> {
    let status = svc.call("pm_status", json!({})).await?;
    let queue = svc.call("pm_my_queue", json!({})).await?;
    let ready = svc
        .call("pm_suggest_next_work", json!({"limit": 3}))
        .await?;
    let agreement = lazypm_service::ops::guides::REMINDER.trim();
    if json_out {
        out!(
            "{}",
            json!({"status": status, "my_queue": queue, "ready": ready, "working_agreement": agreement})
        );
        return Ok(());
    }
    let s = &status;
    let text = |v: &Value| v.as_str().unwrap_or("").to_string();
    show!(
        "lazypm · {} ({}): {} open of {}, health {}",
        text(&s["project"]),
        text(&s["name"]),
        s["open"],
        s["total"],
        text(&s["health"])
    );
    for note in s["health_notes"].as_array().into_iter().flatten() {
        show!("  {}", text(note));
    }
    let line = |i: &Value| {
        format!(
            "  {} [{}] {} {} → {}",
            text(&i["key"]),
            text(&i["status"]),
            text(&i["priority"]),
            text(&i["title"]),
            text(&i["next_action"])
        )
    };
    let mine = queue["items"].as_array().cloned().unwrap_or_default();
    show!("\nYour queue ({}):", svc.context().actor);
    if mine.is_empty() {
        show!("  nothing assigned to you");
    }
    for i in mine.iter().take(5) {
        show!("{}", line(i));
    }
    show!("\nReady next:");
    let next = ready["suggestions"].as_array().cloned().unwrap_or_default();
    if next.is_empty() {
        show!("  nothing is ready");
    }
    for i in &next {
        show!("{}", line(i));
    }
    show!("\n{agreement}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_block_goes_in_once_and_comes_out_clean() {
        let mine = "# My notes\n\nKeep this.\n";
        let once = with_block(
            mine,
            Some("<!-- lazypm:begin -->\nA\n<!-- lazypm:end -->\n"),
            BEGIN,
            END,
        );
        assert_eq!(
            once,
            "# My notes\n\nKeep this.\n\n<!-- lazypm:begin -->\nA\n<!-- lazypm:end -->\n"
        );
        let twice = with_block(
            &once,
            Some("<!-- lazypm:begin -->\nB\n<!-- lazypm:end -->\n"),
            BEGIN,
            END,
        );
        assert_eq!(twice.matches(BEGIN).count(), 1);
        assert!(twice.contains("\nB\n") && !twice.contains("\nA\n"));
        assert_eq!(with_block(&twice, None, BEGIN, END), mine);
        let between = format!(
            "top\n\n{}after\n",
            "<!-- lazypm:begin -->\nA\n<!-- lazypm:end -->\n"
        );
        assert_eq!(with_block(&between, None, BEGIN, END), "top\n\nafter\n");
        assert_eq!(with_block("", Some("X\n"), BEGIN, END), "X\n");
    }
}
