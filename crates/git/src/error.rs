//! The errors of the git layer: each one a clear sentence for the caller.

use std::path::PathBuf;

/// Everything that can go wrong when lazypm drives git.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The git executable could not be found.
    #[error(
        "the git executable was not found; install git or check the configured git program path"
    )]
    NotInstalled,

    /// The path is not inside a git work tree.
    #[error("{} is not inside a git repository", path.display())]
    NotARepository {
        /// The path that was opened.
        path: PathBuf,
    },

    /// The repository is bare: it has no work tree to put branches and commits in.
    #[error("the repository is bare (it has no working tree), so lazypm cannot work in it")]
    BareRepository,

    /// HEAD is detached where a branch is needed.
    #[error("HEAD is detached (not on a branch); switch to a branch first")]
    DetachedHead,

    /// The repository has no remote of that name.
    #[error("the repository has no remote named `{remote}`")]
    NoRemote {
        /// The remote that was asked for.
        remote: String,
    },

    /// The working tree has uncommitted changes and the caller did not ask to carry or stash them.
    #[error(
        "refusing to switch branches over uncommitted changes ({}); commit them, or ask to carry or stash them",
        summarize(files)
    )]
    DirtyTree {
        /// The changed paths, as `git status` reports them.
        files: Vec<String>,
    },

    /// Protected paths (lazypm's own data) are tracked by git, so changing
    /// branches could overwrite or delete them.
    #[error(
        "lazypm's own data is tracked by git here ({}), so changing branches could overwrite or delete it; stop tracking it first (git rm -r --cached <path>, then commit)",
        summarize(files)
    )]
    ProtectedTracked {
        /// The tracked protected paths.
        files: Vec<String>,
    },

    /// A branch of that name exists already.
    #[error("a branch named `{branch}` already exists")]
    BranchExists {
        /// The branch name.
        branch: String,
    },

    /// The name is not acceptable as a branch, remote or revision name.
    #[error("`{name}` is not a valid {what} name")]
    InvalidName {
        /// The rejected name.
        name: String,
        /// What kind of name it was meant to be ("branch", "remote", "revision").
        what: &'static str,
    },

    /// `commit` was asked for with nothing staged.
    #[error("nothing is staged to commit; add the changed files first")]
    NothingToCommit,

    /// git did not finish in time and was stopped.
    #[error("`{args}` did not finish within {seconds} seconds and was stopped")]
    Timeout {
        /// The command line (program shown as `git`).
        args: String,
        /// The timeout, in seconds.
        seconds: f64,
    },

    /// git ran and failed; `message` is git's own error, trimmed to its meaningful lines.
    #[error("`{args}` failed: {message}")]
    Failed {
        /// The command line (program shown as `git`).
        args: String,
        /// git's error message.
        message: String,
    },
}

fn summarize(files: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut text = files
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if files.len() > SHOWN {
        text.push_str(&format!(" and {} more", files.len() - SHOWN));
    }
    text
}

/// Trim git's stderr to the lines that say what went wrong: drops `hint:` lines and
/// blank lines, strips the `fatal: ` / `error: ` prefixes and joins the rest with `; `.
pub(crate) fn meaningful(stderr: &str) -> String {
    const MAX_LINES: usize = 8;
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("hint:"))
        .map(|line| {
            line.strip_prefix("fatal: ")
                .or_else(|| line.strip_prefix("error: "))
                .unwrap_or(line)
        })
        .take(MAX_LINES)
        .collect();
    lines.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meaningful_drops_hints_and_prefixes() {
        let stderr = "fatal: invalid reference: nope\nhint: do this\nhint: or that\n\n";
        assert_eq!(meaningful(stderr), "invalid reference: nope");
    }

    #[test]
    fn dirty_tree_lists_a_few_files() {
        let files: Vec<String> = (0..7).map(|i| format!("f{i}")).collect();
        let text = GitError::DirtyTree { files }.to_string();
        assert!(text.contains("f0, f1, f2, f3, f4 and 2 more"), "{text}");
    }
}
