//! What an installed binary carries about itself: shell completions and
//! manual pages, both generated from the command-line definition, so they
//! never fall behind it.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::CommandFactory as _;

#[derive(clap::Args)]
#[command(after_help = "Install, for example:\n  \
    lazypm completions bash > ~/.local/share/bash-completion/completions/lazypm\n  \
    lazypm completions zsh > ~/.zfunc/_lazypm   (with fpath+=~/.zfunc before compinit)\n  \
    lazypm completions fish > ~/.config/fish/completions/lazypm.fish")]
pub struct CompletionsArgs {
    /// The shell to complete in.
    shell: clap_complete::Shell,
}

#[derive(clap::Args)]
#[command(after_help = "Read it at once: lazypm man | man -l -\n\
    Install the pages: lazypm man --dir ~/.local/share/man/man1")]
pub struct ManArgs {
    /// Write one page per command (lazypm.1, lazypm-issue.1, lazypm-issue-create.1, …)
    /// into DIR instead of printing the main page.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// Prints the completion script for a shell.
pub fn completions(args: &CompletionsArgs) -> anyhow::Result<()> {
    let mut cmd = crate::Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "lazypm", &mut buf);
    write_stdout(&buf)
}

/// Prints the main manual page, or writes every page into a directory.
pub fn man(args: &ManArgs) -> anyhow::Result<()> {
    let cmd = crate::Cli::command().name("lazypm");
    match &args.dir {
        None => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut buf)?;
            write_stdout(&buf)
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let written = pages(&cmd);
            clap_mangen::generate_to(cmd, dir)
                .with_context(|| format!("cannot write the pages into {}", dir.display()))?;
            out!("wrote {written} manual pages to {}", dir.display());
            Ok(())
        }
    }
}

/// How many pages `clap_mangen::generate_to` writes for `cmd`: its own and
/// one per visible subcommand, all the way down.
fn pages(cmd: &clap::Command) -> usize {
    1 + cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .map(pages)
        .sum::<usize>()
}

fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        // A closed pipe (`lazypm man | head`) is not an error.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
