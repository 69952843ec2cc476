//! `lazypm doctor`: checks a setup (data directory, store, audit trail,
//! project, git, hooks, MCP clients, instructions, backups) and says how to
//! fix each problem. Exit status 1 when anything fails.

use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::config::Settings;
use crate::setupcmd::{self, Client};

#[derive(Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Level {
    Ok,
    Warn,
    Fail,
}

#[derive(Serialize)]
struct Check {
    check: &'static str,
    level: Level,
    message: String,
    /// What to do about it (nothing when it is fine).
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<String>,
}

#[derive(Default)]
struct Checks(Vec<Check>);

impl Checks {
    fn ok(&mut self, check: &'static str, message: impl Into<String>) {
        self.push(check, Level::Ok, message, None);
    }
    fn warn(&mut self, check: &'static str, message: impl Into<String>, fix: impl Into<String>) {
        self.push(check, Level::Warn, message, Some(fix.into()));
    }
    fn fail(&mut self, check: &'static str, message: impl Into<String>, fix: impl Into<String>) {
        self.push(check, Level::Fail, message, Some(fix.into()));
    }
    fn push(
        &mut self,
        check: &'static str,
        level: Level,
        message: impl Into<String>,
        fix: Option<String>,
    ) {
        self.0.push(Check {
            check,
            level,
            message: message.into(),
            fix,
        });
    }
}

pub async fn run(settings: &Settings) -> anyhow::Result<()> {
    let mut c = Checks::default();
    let root = setupcmd::project_root(None)?;
    let dir = settings.data_dir()?;
    store_checks(&mut c, settings, &dir).await;
    git_checks(&mut c, &root);
    client_checks(&mut c, &root);
    let failed = c.0.iter().filter(|x| x.level == Level::Fail).count();
    if settings.json {
        out!("{}", serde_json::to_string_pretty(&c.0)?);
    } else {
        for x in &c.0 {
            let mark = match x.level {
                Level::Ok => "ok  ",
                Level::Warn => "warn",
                Level::Fail => "FAIL",
            };
            show!("{mark}  {:<13} {}", x.check, x.message);
            if let Some(fix) = &x.fix {
                show!("      {:<13} fix: {fix}", "");
            }
        }
    }
    anyhow::ensure!(failed == 0, "{failed} check(s) failed");
    Ok(())
}

async fn store_checks(c: &mut Checks, settings: &Settings, dir: &Path) {
    if !dir.exists() {
        c.warn(
            "data",
            format!("{} does not exist yet", dir.display()),
            "any command that opens the store makes it (lazypm init)",
        );
    } else if std::fs::metadata(dir).is_ok_and(|m| m.permissions().readonly()) {
        c.fail(
            "data",
            format!("{} cannot be written", dir.display()),
            "give your user write access to it, or point LAZYPM_DATA_DIR elsewhere",
        );
    } else {
        c.ok("data", dir.display().to_string());
    }
    let svc = match settings.service().await {
        Ok(svc) => svc,
        Err(e) => {
            c.fail(
                "store",
                format!("cannot open: {e:#}"),
                "check --database-url / LAZYPM_DATABASE_URL and the data directory's database-url file",
            );
            return;
        }
    };
    let store = svc.store().clone();
    if store.is_read_only() {
        c.warn(
            "store",
            format!(
                "{} store opened read-only: changes will be refused",
                store.backend()
            ),
            "give your user write access to the database file and its folder",
        );
    } else {
        c.ok(
            "store",
            format!("{} store opens and is writable", store.backend()),
        );
    }
    match store.integrity_check().await {
        Ok(p) if p.is_empty() => c.ok("integrity", "the database's own check finds nothing wrong"),
        Ok(p) => c.fail(
            "integrity",
            format!("{} problem(s): {}", p.len(), p.join("; ")),
            "restore the newest sound backup: lazypm backup list, lazypm restore FILE",
        ),
        Err(e) => c.fail(
            "integrity",
            format!("cannot check: {e}"),
            "see the error above",
        ),
    }
    match lazypm_service::verify_audit(store.as_ref(), Some(&dir.join("events.jsonl"))).await {
        Ok(r) if r.problems.is_empty() => {
            c.ok("audit", format!("{} events, chain whole", r.events))
        }
        Ok(r) => c.fail(
            "audit",
            format!("{} problem(s) in the audit trail", r.problems.len()),
            "lazypm audit verify lists them",
        ),
        Err(e) => c.fail("audit", format!("cannot check: {e}"), "lazypm audit verify"),
    }
    match svc.call("pm_status", serde_json::json!({})).await {
        Ok(v) => c.ok(
            "project",
            format!(
                "{} ({})",
                v["project"].as_str().unwrap_or("?"),
                v["name"].as_str().unwrap_or("?")
            ),
        ),
        Err(e) => c.fail(
            "project",
            format!("no current project: {e}"),
            "lazypm init in the repository (or pass --project KEY / set LAZYPM_PROJECT)",
        ),
    }
    let backups = dir.join("backup");
    let newest = std::fs::read_dir(&backups)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| e.metadata().ok()?.modified().ok())
        .max();
    match newest.and_then(|t| t.elapsed().ok()) {
        Some(age) if age.as_secs() < 7 * 86_400 => c.ok(
            "backups",
            format!("newest is {} h old", age.as_secs() / 3600),
        ),
        Some(age) => c.warn(
            "backups",
            format!("newest is {} days old", age.as_secs() / 86_400),
            "lazypm backup (a cron job or timer can run it)",
        ),
        None => c.warn("backups", "none yet", "lazypm backup"),
    }
    svc.close().await;
}

fn git_checks(c: &mut Checks, root: &Path) {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(root)
            .stderr(std::process::Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let Some(version) = git(&["--version"]) else {
        c.fail(
            "git",
            "git is not installed (or not on PATH)",
            "install git: branches, commits and pull requests go through it",
        );
        return;
    };
    if git(&["rev-parse", "--show-toplevel"]).is_none() {
        c.warn(
            "git",
            format!("{} is not in a git repository ({version})", root.display()),
            "git init (lazypm works without git, but branches and commits need it)",
        );
        return;
    }
    c.ok(
        "git",
        format!("{version}; repository at {}", root.display()),
    );
    let hooks = git(&["rev-parse", "--git-path", "hooks"]).map(|p| root.join(p));
    let installed = hooks.as_ref().is_some_and(|dir| {
        crate::hookcmd::HOOKS
            .iter()
            .all(|h| crate::hookcmd::is_ours(&dir.join(h)))
    });
    if installed {
        c.ok("hooks", "commit-msg and post-commit hooks installed");
    } else {
        c.warn(
            "hooks",
            "lazypm's git hooks are not installed (optional: PM trailer on commit, commits linked to issues)",
            "lazypm hooks install",
        );
    }
}

fn client_checks(c: &mut Checks, root: &Path) {
    let mut configured = 0;
    for client in [
        Client::Claude,
        Client::Cursor,
        Client::Vscode,
        Client::Codex,
    ] {
        let Ok(files) = setupcmd::files(client, root) else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(&files.config) else {
            continue;
        };
        let name = format!("{client:?}").to_lowercase();
        let setup = format!("lazypm setup {name}");
        let command = match files.servers_key {
            Some(key) => match serde_json::from_str::<Value>(&text) {
                Err(e) => {
                    c.fail(
                        "mcp",
                        format!(
                            "{} is not valid JSON ({e}): {name} loads no server from it",
                            files.config.display()
                        ),
                        format!("mend the file, then {setup}"),
                    );
                    continue;
                }
                Ok(doc) => match doc.get(key).and_then(|s| s.get(setupcmd::SERVER)) {
                    Some(entry) => entry["command"].as_str().map(str::to_string),
                    None => continue,
                },
            },
            None => {
                let table = format!("[mcp_servers.{}]", setupcmd::SERVER);
                if !text.contains(&table) {
                    continue;
                }
                text.lines()
                    .skip_while(|l| l.trim() != table)
                    .find_map(|l| l.trim().strip_prefix("command = "))
                    .and_then(|v| serde_json::from_str::<String>(v).ok())
            }
        };
        configured += 1;
        match command {
            Some(cmd) if setupcmd::which(&cmd).is_some() => {
                c.ok("mcp", format!("{name}: {} starts `{cmd} mcp`", files.config.display()))
            }
            Some(cmd) => c.fail(
                "mcp",
                format!("{name}: {} starts `{cmd}`, which is not an executable here", files.config.display()),
                format!("install lazypm on PATH (cargo install --locked --path crates/lazypm), then {setup}"),
            ),
            None => c.fail(
                "mcp",
                format!("{name}: the pm server in {} names no command", files.config.display()),
                setup,
            ),
        }
        let notes = std::fs::read_to_string(&files.instructions).unwrap_or_default();
        if notes.contains(setupcmd::BEGIN) && notes.contains(setupcmd::END) {
            c.ok(
                "instructions",
                format!(
                    "{name}: {} has the lazypm block",
                    files.instructions.display()
                ),
            );
        } else {
            c.warn(
                "instructions",
                format!(
                    "{name}: {} has no lazypm block: the agent is not told how to work here",
                    files.instructions.display()
                ),
                format!("lazypm setup {name}"),
            );
        }
    }
    if configured == 0 {
        c.warn(
            "mcp",
            "no agent client is configured for this project",
            "lazypm setup claude|cursor|vscode|codex",
        );
    }
}
