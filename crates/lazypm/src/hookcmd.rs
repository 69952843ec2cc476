//! `lazypm hooks install|uninstall` and the hooks themselves (`lazypm hook
//! commit-msg|post-commit`): the PM trailer on an issue's branch and the
//! commit linked to its issue. A hook never fails a commit.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Subcommand;
use lazypm_service::Service;

use crate::config::Settings;

#[derive(Subcommand)]
pub enum HooksCommand {
    /// Install the commit-msg hook (adds `PM: KEY` on an issue's branch) and the
    /// post-commit hook (links the commit to its issue). Existing hooks keep running.
    Install,
    /// Remove lazypm's hooks, putting back the hooks they chained to.
    Uninstall,
}

/// What git runs: `lazypm hook commit-msg FILE`, `lazypm hook post-commit`.
#[derive(Subcommand)]
pub enum HookRun {
    /// Adds `PM: KEY` to the message in FILE on an issue's branch.
    CommitMsg {
        /// The commit message file git passes to the hook.
        file: PathBuf,
    },
    /// Links the commit just made to its issue.
    PostCommit,
}

pub(crate) const HOOKS: &[&str] = &["commit-msg", "post-commit"];
const MARKER: &str = "# lazypm hook";
const CHAINED_SUFFIX: &str = ".pre-lazypm";

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn hook_script(hook: &str, exe: &Path, settings: &Settings) -> String {
    let mut env = String::new();
    if let Some(d) = &settings.data_dir {
        env.push_str(&format!(
            "LAZYPM_DATA_DIR={} ",
            quote(&d.display().to_string())
        ));
    }
    if let Some(u) = &settings.database_url {
        env.push_str(&format!("LAZYPM_DATABASE_URL={} ", quote(u)));
    }
    let exe = quote(&exe.display().to_string());
    let run = match hook {
        "commit-msg" => format!("{env}{exe} hook commit-msg \"$1\""),
        // lazypm links its own commits itself.
        _ => format!("[ -n \"$LAZYPM_COMMITTING\" ] || {env}{exe} hook post-commit"),
    };
    format!(
        "#!/bin/sh\n{MARKER} ({hook}), installed by `lazypm hooks install`; `lazypm hooks uninstall` removes it.\n\
         chained=\"$0{CHAINED_SUFFIX}\"\n\
         if [ -x \"$chained\" ]; then \"$chained\" \"$@\" || exit $?; fi\n\
         {run} || true\n"
    )
}

pub(crate) async fn hooks_dir(svc: &Service) -> anyhow::Result<PathBuf> {
    let cwd = std::env::current_dir()?;
    let repo = lazypm_git::Repo::open_with(&cwd, svc.context().git.clone()).await?;
    Ok(repo.hooks_dir().await?)
}

pub(crate) fn is_ours(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| t.contains(MARKER))
}

pub async fn hooks(
    svc: &Service,
    command: HooksCommand,
    settings: &Settings,
) -> anyhow::Result<()> {
    let dir = hooks_dir(svc).await?;
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the hooks directory {}", dir.display()))?;
    match command {
        HooksCommand::Install => {
            let exe = std::env::current_exe().context("cannot find the lazypm executable")?;
            for hook in HOOKS {
                let path = dir.join(hook);
                let chained = dir.join(format!("{hook}{CHAINED_SUFFIX}"));
                if path.exists() && !is_ours(&path) {
                    if chained.exists() {
                        anyhow::bail!(
                            "{} exists and so does {}; move one of them away first",
                            path.display(),
                            chained.display()
                        );
                    }
                    std::fs::rename(&path, &chained).with_context(|| {
                        format!("cannot move the existing {} aside", path.display())
                    })?;
                    show!("Kept the existing {hook} hook; it runs first");
                }
                write_executable(&path, &hook_script(hook, &exe, settings))?;
                show!("Installed {}", path.display());
            }
            Ok(())
        }
        HooksCommand::Uninstall => {
            for hook in HOOKS {
                let path = dir.join(hook);
                let chained = dir.join(format!("{hook}{CHAINED_SUFFIX}"));
                if path.exists() && is_ours(&path) {
                    std::fs::remove_file(&path)
                        .with_context(|| format!("cannot remove {}", path.display()))?;
                    if chained.exists() {
                        std::fs::rename(&chained, &path)
                            .with_context(|| format!("cannot restore {}", chained.display()))?;
                        show!("Restored the original {hook} hook");
                    } else {
                        show!("Removed {}", path.display());
                    }
                }
            }
            Ok(())
        }
    }
}

fn write_executable(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
            .with_context(|| format!("cannot make {} executable", path.display()))?;
    }
    Ok(())
}

/// Runs one hook. A hook never fails the commit: problems are reported on stderr.
pub async fn hook(svc: &Service, run: HookRun) -> anyhow::Result<()> {
    let cwd = std::env::current_dir()?;
    let result = match run {
        HookRun::CommitMsg { file } => svc.add_issue_trailer(&cwd, &file).await.map(|_| ()),
        HookRun::PostCommit => svc.link_head_commit(&cwd).await.map(|linked| {
            for l in linked {
                eprintln!(
                    "lazypm: linked {} to {}",
                    crate::gitcmd::short(&l.sha),
                    l.issue_key
                );
            }
        }),
    };
    if let Err(e) = result {
        eprintln!("lazypm: {e}");
    }
    Ok(())
}
