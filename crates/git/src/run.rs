//! Running the git executable: argument vectors, a timeout, no shell, no prompts.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use crate::error::{GitError, meaningful};

/// The default time a git command may take before it is stopped.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Environment variables that would point git at another repository than the one
/// opened (they are set, for example, while a hook runs); they are removed so that
/// the repository is always found from the working directory.
const REPOSITORY_ENV: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_PREFIX",
];

/// Which git executable to run and how long a command may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitProgram {
    /// The executable: `git` (looked up on `PATH`) or a path.
    pub program: PathBuf,
    /// How long one command may run before it is stopped.
    pub timeout: Duration,
}

impl Default for GitProgram {
    fn default() -> Self {
        Self {
            program: PathBuf::from("git"),
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// What a finished git command produced.
#[derive(Debug)]
pub(crate) struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

pub(crate) fn display_args(args: &[&str]) -> String {
    let mut text = String::from("git");
    for arg in args {
        text.push(' ');
        text.push_str(arg);
    }
    text
}

/// Run git with `args` in `dir`, feeding `input` on stdin when given. Returns the
/// output whatever the exit code; errors only when git could not run or timed out.
pub(crate) async fn exec(
    git: &GitProgram,
    dir: &Path,
    args: &[&str],
    input: Option<&str>,
    extra_env: &[(&str, &str)],
) -> Result<Output, GitError> {
    let mut command = Command::new(&git.program);
    command
        .args(args)
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for name in REPOSITORY_ENV {
        command.env_remove(name);
    }
    for (name, value) in extra_env {
        command.env(name, value);
    }

    let started = Instant::now();
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            // A missing working directory also reports NotFound.
            return Err(if dir.is_dir() {
                GitError::NotInstalled
            } else {
                GitError::NotARepository {
                    path: dir.to_path_buf(),
                }
            });
        }
        Err(err) => {
            return Err(GitError::Failed {
                args: display_args(args),
                message: format!("could not run git: {err}"),
            });
        }
    };

    let stdin = child.stdin.take();
    let input = input.unwrap_or("").to_owned();
    let write = async move {
        if let Some(mut stdin) = stdin {
            // A command that exits without reading its input is not an error here;
            // its exit status says what happened.
            let _ = stdin.write_all(input.as_bytes()).await;
            let _ = stdin.shutdown().await;
        }
    };
    let run = async { tokio::join!(write, child.wait_with_output()).1 };
    let output = match tokio::time::timeout(git.timeout, run).await {
        Ok(Ok(output)) => output,
        Ok(Err(err)) => {
            return Err(GitError::Failed {
                args: display_args(args),
                message: format!("could not run git: {err}"),
            });
        }
        Err(_) => {
            tracing::warn!(args = %display_args(args), "git timed out");
            return Err(GitError::Timeout {
                args: display_args(args),
                seconds: git.timeout.as_secs_f64(),
            });
        }
    };
    let output = Output {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    tracing::debug!(
        args = %display_args(args),
        dir = %dir.display(),
        code = ?output.code,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "git"
    );
    Ok(output)
}

/// Turn a failed command's output into `GitError::Failed` (or `NotARepository`).
pub(crate) fn failure(dir: &Path, args: &[&str], output: &Output) -> GitError {
    if output.stderr.contains("not a git repository") {
        return GitError::NotARepository {
            path: dir.to_path_buf(),
        };
    }
    let mut message = meaningful(&output.stderr);
    if message.is_empty() {
        message = meaningful(&output.stdout);
    }
    if message.is_empty() {
        message = match output.code {
            Some(code) => format!("git exited with status {code}"),
            None => "git was stopped by a signal".to_string(),
        };
    }
    GitError::Failed {
        args: display_args(args),
        message,
    }
}
