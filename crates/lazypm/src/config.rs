//! Where the data lives and who is acting, from flags and environment.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use lazypm_service::{Context, EventSink, Service};

/// The file in the data directory that may name the store's URL.
pub const DATABASE_URL_FILE: &str = "database-url";

/// Options every command takes, listed under "Global options" in `--help`.
#[derive(Args, Clone, Debug)]
pub struct Settings {
    /// Data directory: the database and events.jsonl [default: $XDG_DATA_HOME/lazypm, else ~/.local/share/lazypm]
    #[arg(
        long,
        global = true,
        env = "LAZYPM_DATA_DIR",
        value_name = "DIR",
        help_heading = "Global options"
    )]
    pub data_dir: Option<PathBuf>,
    /// Store URL: `sqlite://path` (a plain path works too) or `postgres://user@host/db` [default: the data directory's `database-url` file, else lazypm.db there]
    #[arg(
        long,
        global = true,
        env = "LAZYPM_DATABASE_URL",
        value_name = "URL",
        help_heading = "Global options"
    )]
    pub database_url: Option<String>,
    /// Who is acting: recorded on every change, and the owner `start` sets [default: $USER, else cli]
    #[arg(
        long,
        global = true,
        env = "LAZYPM_ACTOR",
        value_name = "NAME",
        help_heading = "Global options"
    )]
    pub actor: Option<String>,
    /// Project key to use when a command names none [default: the registered project containing the working directory]
    #[arg(
        long,
        global = true,
        env = "LAZYPM_PROJECT",
        value_name = "KEY",
        help_heading = "Global options"
    )]
    pub project: Option<String>,
    /// Print JSON instead of tables.
    #[arg(long, global = true, help_heading = "Global options")]
    pub json: bool,
}

impl Settings {
    /// The data directory: `--data-dir`, else `$XDG_DATA_HOME/lazypm`, else
    /// `$HOME/.local/share/lazypm`. Never a directory relative to wherever
    /// the command happens to run.
    pub fn data_dir(&self) -> anyhow::Result<PathBuf> {
        if let Some(d) = &self.data_dir {
            return Ok(d.clone());
        }
        let absolute = |name: &str| {
            std::env::var_os(name)
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
        };
        absolute("XDG_DATA_HOME")
            .or_else(|| absolute("HOME").map(|h| h.join(".local/share")))
            .map(|base| base.join("lazypm"))
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "no data directory: HOME is unset or not an absolute path, and so is XDG_DATA_HOME; \
                     set LAZYPM_DATA_DIR (or pass --data-dir DIR) to say where lazypm keeps its data"
                )
            })
    }

    /// The store's URL: `--database-url` or `LAZYPM_DATABASE_URL`, else the
    /// first line of the data directory's `database-url` file (so every
    /// command, agent session and server started on this machine finds a
    /// team's PostgreSQL without each being told), else `lazypm.db` in the
    /// data directory.
    pub fn database_url(&self, dir: &std::path::Path) -> anyhow::Result<String> {
        if let Some(u) = self.database_url.as_ref().filter(|u| !u.trim().is_empty()) {
            return Ok(u.clone());
        }
        let file = dir.join(DATABASE_URL_FILE);
        match std::fs::read_to_string(&file) {
            Ok(text) => {
                let line = text
                    .lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty() && !l.starts_with('#'));
                line.map(str::to_string).ok_or_else(|| {
                    anyhow::anyhow!(
                        "{} names no database URL: write one on its first line, or remove the file to use lazypm.db in the data directory",
                        file.display()
                    )
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Ok(format!("sqlite://{}", dir.join("lazypm.db").display()))
            }
            Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", file.display())),
        }
    }

    pub fn actor(&self) -> String {
        self.actor
            .clone()
            .filter(|a| !a.trim().is_empty())
            .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
            .unwrap_or_else(|| "cli".into())
    }

    /// The service for an MCP session: the actor is the flag or environment
    /// value when given, else left for the server to take from the client's name.
    pub async fn service_for_agent(&self) -> anyhow::Result<Service> {
        let svc = self.service().await?;
        let mut ctx = svc.context().clone();
        ctx.actor = self
            .actor
            .clone()
            .filter(|a| !a.trim().is_empty())
            .unwrap_or_default();
        Ok(svc.with_context(ctx))
    }

    /// Opens the store this invocation names, making the data directory
    /// (kept out of git) when it is missing. Returns the directory, the
    /// store's URL and the store.
    pub async fn open_store(
        &self,
    ) -> anyhow::Result<(PathBuf, String, std::sync::Arc<dyn lazypm_store::Store>)> {
        let dir = self.data_dir()?;
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
        keep_out_of_git(&dir);
        let url = self.database_url(&dir)?;
        let store = lazypm_service::open_store(&url).await?;
        Ok((dir, url, store))
    }

    /// Opens the store and builds the service for this invocation.
    pub async fn service(&self) -> anyhow::Result<Service> {
        let (dir, url, store) = self.open_store().await?;
        // git must never stage, commit or stash the store itself.
        let cwd = std::env::current_dir().ok();
        let absolute = |p: std::path::PathBuf| match &cwd {
            Some(c) if p.is_relative() => c.join(p),
            _ => p,
        };
        let mut store_paths = vec![absolute(dir.clone())];
        if let Ok(lazypm_store::Location::Sqlite { path, .. }) = lazypm_store::Location::parse(&url)
        {
            store_paths.push(absolute(path));
        }
        let ctx = Context {
            store_paths,
            actor: self.actor(),
            project: self.project.clone(),
            cwd: std::env::current_dir().ok(),
            github_token: env_text("GITHUB_TOKEN"),
            github_api: env_text("LAZYPM_GITHUB_API"),
            ..Context::default()
        };
        let sink = EventSink::new(dir.join("events.jsonl"));
        match Service::open(store.clone(), sink, ctx).await {
            Ok(svc) => Ok(svc),
            Err(e) => {
                store.close().await;
                Err(e.into())
            }
        }
    }
}

/// A data directory inside a repository must never be committed or
/// stashed: it carries a `.gitignore` that ignores everything in it.
fn keep_out_of_git(dir: &std::path::Path) {
    let ignore = dir.join(".gitignore");
    if !ignore.exists()
        && let Err(e) = std::fs::write(
            &ignore,
            "# lazypm's data directory: the database and audit trail, never committed.\n*\n",
        )
    {
        tracing::debug!(error = %e, "cannot write the data directory's .gitignore");
    }
}

fn env_text(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}
