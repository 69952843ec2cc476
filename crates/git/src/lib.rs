//! lazypm's git layer.
//!
//! Drives the `git` executable with argument vectors (never a shell), a timeout and
//! the repository's own configuration, hooks and credentials. It never changes user
//! or repository configuration and never runs `git init`. Commit messages go through
//! stdin (`git commit -F -`), so shell metacharacters in titles are harmless.
//! `GIT_TERMINAL_PROMPT=0` is set so a credential prompt cannot hang.

mod error;
pub mod forge;
mod run;
mod status;

use std::path::{Path, PathBuf};

pub use error::GitError;
pub use run::{DEFAULT_TIMEOUT, GitProgram};
pub use status::{ChangedFile, Status};

use run::{Output, exec, failure};

/// Result of the git layer.
pub type Result<T, E = GitError> = std::result::Result<T, E>;

/// What to do with uncommitted changes when switching or creating a branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dirty {
    /// Refuse with [`GitError::DirtyTree`].
    Refuse,
    /// Take the changes along to the other branch (what `git switch` does).
    Carry,
    /// `git stash push -u` them first.
    Stash,
}

/// A commit just made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    /// Full commit id.
    pub sha: String,
    /// The first line of the message.
    pub subject: String,
    /// Author name.
    pub author: String,
    /// Author email.
    pub author_email: String,
    /// Commit time, unix seconds.
    pub at: i64,
}

/// A `Key: value` trailer at the end of a commit message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trailer {
    /// Trailer key as written (for example `PM`).
    pub key: String,
    /// Trailer value (for example `APP-1`).
    pub value: String,
}

/// A commit read from history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedCommit {
    /// Full commit id.
    pub sha: String,
    /// The first line (paragraph) of the message.
    pub subject: String,
    /// The rest of the message, trailers included.
    pub body: String,
    /// Author name.
    pub author_name: String,
    /// Author email.
    pub author_email: String,
    /// Committer date, strict ISO 8601 / RFC 3339.
    pub committed_at: String,
    /// Committer date, unix seconds.
    pub committed_at_unix: i64,
    /// All trailers of the message, unfolded, in order.
    pub trailers: Vec<Trailer>,
}

impl LoggedCommit {
    /// Values of the `PM:` trailers (issue keys), key compared case-insensitively.
    pub fn pm_keys(&self) -> Vec<&str> {
        self.trailers
            .iter()
            .filter(|t| t.key.eq_ignore_ascii_case("PM"))
            .map(|t| t.value.as_str())
            .collect()
    }
}

/// An opened (non-bare) git repository: the root of its work tree, the git
/// program, and the paths inside it that git must never stage, commit or
/// stash (see [`Repo::protect`]).
#[derive(Debug, Clone)]
pub struct Repo {
    root: PathBuf,
    git: GitProgram,
    /// Protected paths, relative to the root, `/`-separated.
    protected: Vec<String>,
}

impl Repo {
    /// Open the repository containing `path` with the default git program.
    pub async fn open(path: impl AsRef<Path>) -> Result<Repo> {
        Self::open_with(path, GitProgram::default()).await
    }

    /// Open the repository containing `path` with the given git program and timeout.
    ///
    /// Finds the work tree root (a linked worktree's own root, a submodule's own root),
    /// refuses bare repositories and paths outside a repository.
    pub async fn open_with(path: impl AsRef<Path>, git: GitProgram) -> Result<Repo> {
        let path = path.as_ref();
        if !path.is_dir() {
            return Err(GitError::NotARepository {
                path: path.to_path_buf(),
            });
        }
        let args = ["rev-parse", "--is-bare-repository"];
        let out = exec(&git, path, &args, None, &[]).await?;
        if !out.success() {
            return Err(failure(path, &args, &out));
        }
        if out.stdout.trim() == "true" {
            return Err(GitError::BareRepository);
        }
        let args = ["rev-parse", "--show-toplevel"];
        let out = exec(&git, path, &args, None, &[]).await?;
        let root = out.stdout.trim();
        if !out.success() || root.is_empty() {
            // Inside `.git` of a non-bare repository, for example.
            if out.success() || out.stderr.contains("work tree") {
                return Err(GitError::NotARepository {
                    path: path.to_path_buf(),
                });
            }
            return Err(failure(path, &args, &out));
        }
        Ok(Repo {
            root: PathBuf::from(root),
            git,
            protected: Vec::new(),
        })
    }

    /// The root of the work tree.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Protects `paths` (absolute; a file, or a directory and everything in
    /// it): this repository's status, staging, commits and stashes leave them
    /// out, whether they are untracked, ignored or tracked already. Paths
    /// outside the work tree (and the root itself) are skipped. Give them in
    /// the form the root has (symbolic links resolved).
    pub fn protect(mut self, paths: &[PathBuf]) -> Repo {
        for path in paths {
            let Ok(rel) = path.strip_prefix(&self.root) else {
                continue;
            };
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if rel.is_empty() || rel.iter().any(|c| c == ".." || c == ".") {
                continue;
            }
            let rel = rel.join("/");
            if !self.protected.contains(&rel) {
                self.protected.push(rel);
            }
        }
        self
    }

    /// The protected paths, relative to the root.
    pub fn protected(&self) -> &[String] {
        &self.protected
    }

    /// Whether `rel` (relative to the root, `/`-separated; a trailing `/` for a
    /// directory is fine) is a protected path or lies inside one.
    pub fn is_protected(&self, rel: &str) -> bool {
        let rel = rel.trim_end_matches('/');
        self.protected.iter().any(|p| {
            rel == p
                || rel
                    .strip_prefix(p.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
        })
    }

    /// `-- . :(exclude,literal)<path>…`: the whole work tree but the protected
    /// paths; nothing when there are none (so the command applies to everything).
    fn all_but_protected(&self) -> Vec<String> {
        if self.protected.is_empty() {
            return Vec::new();
        }
        let mut args = vec!["--".to_string(), ".".to_string()];
        args.extend(
            self.protected
                .iter()
                .map(|p| format!(":(exclude,literal){p}")),
        );
        args
    }

    /// The git program and timeout in use.
    pub fn program(&self) -> &GitProgram {
        &self.git
    }

    async fn output(&self, args: &[&str]) -> Result<Output> {
        exec(&self.git, &self.root, args, None, &[]).await
    }

    /// Run git and require success; returns stdout.
    async fn git(&self, args: &[&str]) -> Result<String> {
        let out = self.output(args).await?;
        if out.success() {
            Ok(out.stdout)
        } else {
            Err(failure(&self.root, args, &out))
        }
    }

    /// Whether `rev` names an existing object (`rev-parse --verify --quiet`).
    async fn ref_exists(&self, rev: &str) -> Result<bool> {
        let args = ["rev-parse", "--verify", "--quiet", rev];
        let out = self.output(&args).await?;
        match out.code {
            Some(0) => Ok(true),
            Some(1) => Ok(false),
            _ => Err(failure(&self.root, &args, &out)),
        }
    }

    /// The current branch; `None` when HEAD is detached.
    pub async fn current_branch(&self) -> Result<Option<String>> {
        let args = ["symbolic-ref", "--quiet", "--short", "HEAD"];
        let out = self.output(&args).await?;
        match out.code {
            Some(0) => Ok(Some(out.stdout.trim().to_string())),
            Some(1) => Ok(None),
            _ => Err(failure(&self.root, &args, &out)),
        }
    }

    /// The current branch, or [`GitError::DetachedHead`].
    pub async fn require_branch(&self) -> Result<String> {
        self.current_branch().await?.ok_or(GitError::DetachedHead)
    }

    /// The full id of the commit HEAD points at.
    pub async fn head_sha(&self) -> Result<String> {
        Ok(self
            .git(&["rev-parse", "--verify", "HEAD^{commit}"])
            .await?
            .trim()
            .to_string())
    }

    /// Whether HEAD points at a commit (false before the first commit).
    pub async fn has_commits(&self) -> Result<bool> {
        self.ref_exists("HEAD^{commit}").await
    }

    /// Branch, upstream, ahead/behind and changed files (the protected paths
    /// left out).
    pub async fn status(&self) -> Result<Status> {
        let spec = self.all_but_protected();
        let mut args = vec!["status", "--porcelain=v2", "--branch", "-z"];
        args.extend(spec.iter().map(String::as_str));
        // No optional locks: a status must not contend with the user's own git.
        let out = exec(
            &self.git,
            &self.root,
            &args,
            None,
            &[("GIT_OPTIONAL_LOCKS", "0")],
        )
        .await?;
        if !out.success() {
            return Err(failure(&self.root, &args, &out));
        }
        let mut status = status::parse(&out.stdout);
        status.files.retain(|f| !self.is_protected(&f.path));
        Ok(status)
    }

    /// The default branch: `refs/remotes/<remote>/HEAD` when set, else the first of
    /// `main`, `master`, `trunk` that exists locally or on the remote, else the
    /// current branch ([`GitError::DetachedHead`] when there is none).
    pub async fn default_branch(&self, remote: &str) -> Result<String> {
        check_remote_name(remote)?;
        let remote_head = format!("refs/remotes/{remote}/HEAD");
        let args = ["symbolic-ref", "--quiet", "--short", &remote_head];
        let out = self.output(&args).await?;
        if out.success() {
            let target = out.stdout.trim();
            if let Some(branch) = target.strip_prefix(&format!("{remote}/"))
                && !branch.is_empty()
            {
                return Ok(branch.to_string());
            }
        }
        for candidate in ["main", "master", "trunk"] {
            if self.ref_exists(&format!("refs/heads/{candidate}")).await?
                || self
                    .ref_exists(&format!("refs/remotes/{remote}/{candidate}"))
                    .await?
            {
                return Ok(candidate.to_string());
            }
        }
        self.require_branch().await
    }

    /// Whether a remote of that name is configured.
    pub async fn has_remote(&self, name: &str) -> bool {
        self.remote_url(name).await.is_some()
    }

    /// The URL of the remote, when it exists.
    pub async fn remote_url(&self, name: &str) -> Option<String> {
        if check_remote_name(name).is_err() {
            return None;
        }
        match self.git(&["remote", "get-url", name]).await {
            Ok(url) => Some(url.trim().to_string()).filter(|u| !u.is_empty()),
            Err(_) => None,
        }
    }

    async fn require_remote(&self, remote: &str) -> Result<()> {
        check_remote_name(remote)?;
        if self.has_remote(remote).await {
            Ok(())
        } else {
            Err(GitError::NoRemote {
                remote: remote.to_string(),
            })
        }
    }

    /// `git fetch <remote> <branch>`, which also updates `<remote>/<branch>`.
    pub async fn fetch(&self, remote: &str, branch: &str) -> Result<()> {
        self.require_remote(remote).await?;
        self.require_branch_name(branch).await?;
        self.git(&["fetch", "--quiet", remote, branch]).await?;
        Ok(())
    }

    /// Create branch `name` from `base` (or from `<remote>/<base>` when `remote` is
    /// given; fetch it first) and switch to it. The new branch does not track `base`.
    ///
    /// Refuses when `name` exists already and, with [`Dirty::Refuse`], when the
    /// work tree has uncommitted changes.
    pub async fn create_branch(
        &self,
        name: &str,
        base: &str,
        remote: Option<&str>,
        dirty: Dirty,
    ) -> Result<()> {
        self.require_branch_name(name).await?;
        check_rev(base)?;
        if self.ref_exists(&format!("refs/heads/{name}")).await? {
            return Err(GitError::BranchExists {
                branch: name.to_string(),
            });
        }
        let start = match remote {
            Some(remote) => {
                self.require_remote(remote).await?;
                let start = format!("{remote}/{base}");
                if !self.ref_exists(&format!("refs/remotes/{start}")).await? {
                    return Err(GitError::Failed {
                        args: format!("git switch -c {name} {start}"),
                        message: format!(
                            "the remote branch {start} does not exist here; fetch it first"
                        ),
                    });
                }
                start
            }
            None => base.to_string(),
        };
        self.refuse_tracked_protected().await?;
        let stashed = self.prepare_switch(name, dirty).await?;
        let result = self
            .git(&["switch", "--quiet", "--no-track", "-c", name, &start])
            .await;
        self.restore_on_failure(stashed, result).await
    }

    /// Switch to an existing branch.
    pub async fn switch(&self, name: &str, dirty: Dirty) -> Result<()> {
        self.require_branch_name(name).await?;
        if self.current_branch().await?.as_deref() == Some(name) {
            return Ok(());
        }
        self.refuse_tracked_protected().await?;
        let stashed = self.prepare_switch(name, dirty).await?;
        let result = self.git(&["switch", "--quiet", name]).await;
        self.restore_on_failure(stashed, result).await
    }

    /// The protected paths git tracks (committed or staged by hand).
    pub async fn tracked_protected(&self) -> Result<Vec<String>> {
        if self.protected.is_empty() {
            return Ok(Vec::new());
        }
        let specs: Vec<String> = self
            .protected
            .iter()
            .map(|p| format!(":(literal){p}"))
            .collect();
        let mut args = vec!["ls-files", "-z", "--"];
        args.extend(specs.iter().map(String::as_str));
        let out = self.git(&args).await?;
        Ok(out
            .split('\0')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect())
    }

    /// A branch change would rewrite tracked protected files (or delete them
    /// where the other branch lacks them): refused while there are any.
    async fn refuse_tracked_protected(&self) -> Result<()> {
        let files = self.tracked_protected().await?;
        if files.is_empty() {
            Ok(())
        } else {
            Err(GitError::ProtectedTracked { files })
        }
    }

    /// Apply the dirty-tree policy before a switch; returns whether a stash was made.
    async fn prepare_switch(&self, target: &str, dirty: Dirty) -> Result<bool> {
        match dirty {
            Dirty::Carry => Ok(false),
            Dirty::Refuse => {
                let status = self.status().await?;
                if status.is_clean() {
                    Ok(false)
                } else {
                    Err(GitError::DirtyTree {
                        files: status.paths(),
                    })
                }
            }
            Dirty::Stash => Ok(self
                .stash(&format!("lazypm: before switching to {target}"))
                .await?
                .is_some()),
        }
    }

    async fn restore_on_failure(&self, stashed: bool, result: Result<String>) -> Result<()> {
        match result {
            Ok(_) => Ok(()),
            Err(err) => {
                if stashed && let Err(pop) = self.git(&["stash", "pop", "--quiet"]).await {
                    tracing::warn!(error = %pop, "could not restore the stash after a failed switch");
                }
                Err(err)
            }
        }
    }

    /// Stash all changes, untracked files included, but the protected paths.
    /// Returns the stash commit's id, or `None` when there was nothing to stash.
    pub async fn stash(&self, message: &str) -> Result<Option<String>> {
        let before = self.stash_top().await?;
        let spec = self.all_but_protected();
        let mut args = vec![
            "stash",
            "push",
            "--quiet",
            "--include-untracked",
            "-m",
            message,
        ];
        args.extend(spec.iter().map(String::as_str));
        self.git(&args).await?;
        let after = self.stash_top().await?;
        Ok(after.filter(|sha| before.as_ref() != Some(sha)))
    }

    async fn stash_top(&self) -> Result<Option<String>> {
        let args = ["rev-parse", "--verify", "--quiet", "refs/stash"];
        let out = self.output(&args).await?;
        match out.code {
            Some(0) => Ok(Some(out.stdout.trim().to_string())),
            Some(1) => Ok(None),
            _ => Err(failure(&self.root, &args, &out)),
        }
    }

    /// Stage the given paths (pathspecs relative to the work tree root); what
    /// they match inside the protected paths is left out.
    pub async fn add(&self, paths: &[String]) -> Result<()> {
        if paths.is_empty() {
            return Ok(());
        }
        let mut args = vec!["add", "--"];
        args.extend(paths.iter().map(String::as_str));
        let excludes: Vec<String> = self
            .protected
            .iter()
            .map(|p| format!(":(exclude,literal){p}"))
            .collect();
        args.extend(excludes.iter().map(String::as_str));
        self.git(&args).await?;
        Ok(())
    }

    /// Stage every change in the work tree, new and deleted files included
    /// (`git add --all`, which honours `.gitignore`), but the protected paths.
    pub async fn add_all(&self) -> Result<()> {
        let spec = self.all_but_protected();
        let mut args = vec!["add", "--all"];
        args.extend(spec.iter().map(String::as_str));
        self.git(&args).await?;
        Ok(())
    }

    /// The staged paths (what the next commit changes), protected ones included.
    async fn staged_paths(&self) -> Result<Vec<String>> {
        let out = self
            .git(&["diff", "--cached", "--name-only", "--no-renames", "-z"])
            .await?;
        Ok(out
            .split('\0')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect())
    }

    /// Takes whatever is staged inside the protected paths out of the index
    /// again (staged by hand, say), leaving the files themselves alone.
    async fn unstage_protected(&self) -> Result<()> {
        if self.protected.is_empty() {
            return Ok(());
        }
        let staged: Vec<String> = self
            .staged_paths()
            .await?
            .into_iter()
            .filter(|p| self.is_protected(p))
            .map(|p| format!(":(literal){p}"))
            .collect();
        if staged.is_empty() {
            return Ok(());
        }
        // Back to HEAD's version in the index; before the first commit, out of it.
        let mut args = if self.has_commits().await? {
            vec!["reset", "--quiet", "--"]
        } else {
            vec!["rm", "--cached", "--force", "--quiet", "--"]
        };
        args.extend(staged.iter().map(String::as_str));
        self.git(&args).await?;
        Ok(())
    }

    /// Commit what is staged with `message` (passed on stdin, verbatim apart from
    /// git's whitespace cleanup), never the protected paths. The repository's
    /// hooks run.
    pub async fn commit(&self, message: &str) -> Result<Commit> {
        self.commit_with_env(message, &[]).await
    }

    /// [`Repo::commit`] with extra environment variables for git and its hooks.
    pub async fn commit_with_env(&self, message: &str, env: &[(&str, &str)]) -> Result<Commit> {
        self.unstage_protected().await?;
        let args = ["diff", "--cached", "--quiet"];
        let out = self.output(&args).await?;
        match out.code {
            Some(0) => return Err(GitError::NothingToCommit),
            Some(1) => {}
            _ => return Err(failure(&self.root, &args, &out)),
        }
        let args = ["commit", "--quiet", "-F", "-"];
        let out = exec(&self.git, &self.root, &args, Some(message), env).await?;
        if !out.success() {
            return Err(failure(&self.root, &args, &out));
        }
        let shown = self
            .git(&[
                "log",
                "-1",
                "--format=%H%x1f%an%x1f%ae%x1f%ct%x1f%s",
                "HEAD",
            ])
            .await?;
        let fields: Vec<&str> = shown.trim_end_matches('\n').splitn(5, '\x1f').collect();
        match fields.as_slice() {
            [sha, name, email, at, subject] => Ok(Commit {
                sha: (*sha).to_string(),
                subject: (*subject).to_string(),
                author: (*name).to_string(),
                author_email: (*email).to_string(),
                at: at.parse().unwrap_or(0),
            }),
            _ => Err(GitError::Failed {
                args: "git log -1 HEAD".to_string(),
                message: "could not read the commit just made".to_string(),
            }),
        }
    }

    /// `git push [--set-upstream] <remote> <branch>`.
    pub async fn push(&self, remote: &str, branch: &str, set_upstream: bool) -> Result<()> {
        self.require_remote(remote).await?;
        self.require_branch_name(branch).await?;
        let refspec = format!("refs/heads/{branch}:refs/heads/{branch}");
        let mut args = vec!["push", "--quiet"];
        if set_upstream {
            args.push("--set-upstream");
        }
        args.extend([remote, refspec.as_str()]);
        self.git(&args).await?;
        Ok(())
    }

    /// Push the current branch ([`GitError::DetachedHead`] when there is none);
    /// returns its name.
    pub async fn push_current(&self, remote: &str, set_upstream: bool) -> Result<String> {
        let branch = self.require_branch().await?;
        self.push(remote, &branch, set_upstream).await?;
        Ok(branch)
    }

    /// Up to `limit` commits of `range_or_branch` (`main`, `main..feat`, a sha),
    /// newest first, with their trailers parsed.
    pub async fn log(&self, range_or_branch: &str, limit: usize) -> Result<Vec<LoggedCommit>> {
        check_rev(range_or_branch)?;
        let limit = format!("--max-count={limit}");
        let out = self
            .git(&["log", &limit, LOG_FORMAT, range_or_branch, "--"])
            .await?;
        Ok(parse_log(&out))
    }

    /// Up to `limit` commits reachable from `tip` but from none of `exclude`
    /// (`git log tip ^a ^b`), newest first. Excluded revisions that do not exist
    /// are skipped.
    pub async fn log_excluding(
        &self,
        tip: &str,
        exclude: &[&str],
        limit: usize,
    ) -> Result<Vec<LoggedCommit>> {
        check_rev(tip)?;
        let limit = format!("--max-count={limit}");
        let mut negated = Vec::new();
        for rev in exclude {
            check_rev(rev)?;
            if self.ref_exists(&format!("{rev}^{{commit}}")).await? {
                negated.push(format!("^{rev}"));
            }
        }
        let mut args = vec!["log", limit.as_str(), LOG_FORMAT, tip];
        args.extend(negated.iter().map(String::as_str));
        args.push("--");
        let out = self.git(&args).await?;
        Ok(parse_log(&out))
    }

    /// Up to `limit` commits reachable from any branch, tag or remote-tracking
    /// branch (`git log --all`), newest first.
    pub async fn log_all(&self, limit: usize) -> Result<Vec<LoggedCommit>> {
        let limit = format!("--max-count={limit}");
        let out = self
            .git(&["log", "--all", &limit, LOG_FORMAT, "--"])
            .await?;
        Ok(parse_log(&out))
    }

    /// The repository's common git directory (shared by all its linked worktrees), absolute.
    pub async fn common_dir(&self) -> Result<PathBuf> {
        let out = self
            .git(&["rev-parse", "--path-format=absolute", "--git-common-dir"])
            .await?;
        Ok(PathBuf::from(out.trim()))
    }

    /// Whether a local branch of that name exists.
    pub async fn branch_exists(&self, name: &str) -> Result<bool> {
        self.require_branch_name(name).await?;
        self.ref_exists(&format!("refs/heads/{name}")).await
    }

    /// Whether `rev` (a branch, remote-tracking branch or commit) resolves here.
    pub async fn rev_exists(&self, rev: &str) -> Result<bool> {
        check_rev(rev)?;
        self.ref_exists(&format!("{rev}^{{commit}}")).await
    }

    /// Commits `(ahead, behind)`: how many commits `branch` has that `base` lacks,
    /// and the reverse.
    pub async fn ahead_behind(&self, base: &str, branch: &str) -> Result<(u32, u32)> {
        check_rev(base)?;
        check_rev(branch)?;
        let range = format!("{base}...{branch}");
        let out = self
            .git(&["rev-list", "--left-right", "--count", &range, "--"])
            .await?;
        let mut parts = out
            .split_whitespace()
            .map(|n| n.parse::<u32>().unwrap_or(0));
        let behind = parts.next().unwrap_or(0);
        let ahead = parts.next().unwrap_or(0);
        Ok((ahead, behind))
    }

    /// The directory git runs this repository's hooks from (`core.hooksPath`
    /// when set, else `.git/hooks` of the common directory), absolute.
    pub async fn hooks_dir(&self) -> Result<PathBuf> {
        let out = self
            .git(&["rev-parse", "--path-format=absolute", "--git-path", "hooks"])
            .await?;
        Ok(PathBuf::from(out.trim()))
    }

    /// Adds the trailer `key: value` to the message in `file` unless the message
    /// already carries it, using git's own trailer rules (`git interpret-trailers`),
    /// which keep comment lines and an existing trailer block intact.
    pub async fn add_trailer_to_file(&self, file: &Path, key: &str, value: &str) -> Result<()> {
        let trailer = format!("{key}: {value}");
        let file = file.to_string_lossy();
        self.git(&[
            "interpret-trailers",
            "--in-place",
            "--where",
            "end",
            "--if-exists",
            "addIfDifferent",
            "--trailer",
            &trailer,
            &file,
        ])
        .await?;
        Ok(())
    }

    /// The last commit on HEAD, with its trailers.
    pub async fn head_commit(&self) -> Result<LoggedCommit> {
        self.log("HEAD", 1)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| GitError::Failed {
                args: "git log -1 HEAD".to_string(),
                message: "the repository has no commits yet".to_string(),
            })
    }

    /// Of `shas`, the ones that exist here and are ancestors of (merged into)
    /// `target`, found with two git commands whatever their number.
    pub async fn merged_into(&self, shas: &[String], target: &str) -> Result<Vec<String>> {
        check_rev(target)?;
        let wanted: Vec<&str> = shas
            .iter()
            .map(String::as_str)
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit()))
            .collect();
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        // Which of them are commits in this clone.
        let input = wanted.join("\n") + "\n";
        let args = ["cat-file", "--batch-check=%(objectname) %(objecttype)"];
        let out = exec(&self.git, &self.root, &args, Some(&input), &[]).await?;
        if !out.success() {
            return Err(failure(&self.root, &args, &out));
        }
        let present: Vec<&str> = out
            .stdout
            .lines()
            .filter_map(|l| l.strip_suffix(" commit"))
            .collect();
        if present.is_empty() {
            return Ok(Vec::new());
        }
        // Commits reachable from them but not from the target: the unmerged ones.
        let mut args = vec!["rev-list"];
        args.extend(present.iter().copied());
        args.extend(["--not", target, "--"]);
        let unmerged = self.git(&args).await?;
        let unmerged: std::collections::HashSet<&str> = unmerged.lines().collect();
        Ok(present
            .into_iter()
            .filter(|s| !unmerged.contains(s))
            .map(str::to_string)
            .collect())
    }

    /// Whether `commit_or_branch` is an ancestor of (merged into) `base`.
    pub async fn is_ancestor(&self, commit_or_branch: &str, base: &str) -> Result<bool> {
        check_rev(commit_or_branch)?;
        check_rev(base)?;
        let args = ["merge-base", "--is-ancestor", commit_or_branch, base];
        let out = self.output(&args).await?;
        match out.code {
            Some(0) => Ok(true),
            Some(1) => Ok(false),
            _ => Err(failure(&self.root, &args, &out)),
        }
    }

    /// Whether `name` is a valid branch name (`git check-ref-format --branch`).
    pub async fn check_ref_format(&self, name: &str) -> bool {
        !name.starts_with('-')
            && self
                .output(&["check-ref-format", "--branch", name])
                .await
                .is_ok_and(|out| out.success())
    }

    async fn require_branch_name(&self, name: &str) -> Result<()> {
        if self.check_ref_format(name).await {
            Ok(())
        } else {
            Err(GitError::InvalidName {
                name: name.to_string(),
                what: "branch",
            })
        }
    }
}

/// One record per commit: fields split by 0x1f, records by 0x1e, trailers by 0x1d.
const LOG_FORMAT: &str =
    "--format=%H%x1f%an%x1f%ae%x1f%cI%x1f%ct%x1f%(trailers:unfold,separator=%x1d)%x1f%s%x1f%b%x1e";

/// A remote name is passed as an argument: it must not look like an option.
fn check_remote_name(name: &str) -> Result<()> {
    if name.is_empty() || name.starts_with('-') || name.contains(char::is_whitespace) {
        Err(GitError::InvalidName {
            name: name.to_string(),
            what: "remote",
        })
    } else {
        Ok(())
    }
}

/// A revision is passed as an argument: it must not look like an option.
fn check_rev(rev: &str) -> Result<()> {
    if rev.is_empty() || rev.starts_with('-') {
        Err(GitError::InvalidName {
            name: rev.to_string(),
            what: "revision",
        })
    } else {
        Ok(())
    }
}

fn parse_log(out: &str) -> Vec<LoggedCommit> {
    out.split('\x1e')
        .map(|record| record.trim_start_matches('\n'))
        .filter(|record| !record.is_empty())
        .filter_map(|record| {
            let fields: Vec<&str> = record.splitn(8, '\x1f').collect();
            let [sha, name, email, date, unix, trailers, subject, body] = fields.as_slice() else {
                return None;
            };
            Some(LoggedCommit {
                sha: (*sha).to_string(),
                subject: (*subject).to_string(),
                body: body.trim_end().to_string(),
                author_name: (*name).to_string(),
                author_email: (*email).to_string(),
                committed_at: (*date).to_string(),
                committed_at_unix: unix.parse().unwrap_or(0),
                trailers: parse_trailers(trailers),
            })
        })
        .collect()
}

fn parse_trailers(text: &str) -> Vec<Trailer> {
    text.split('\x1d')
        .filter_map(|line| {
            let (key, value) = line.split_once(':')?;
            let key = key.trim();
            (!key.is_empty()).then(|| Trailer {
                key: key.to_string(),
                value: value.trim().to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_log_records() {
        let out = "abc\x1fAda\x1fada@example.com\x1f2024-01-01T00:00:00+00:00\x1f1704067200\x1fPM: APP-1\x1dSigned-off-by: Ada <a@b>\x1f[pm APP-1] feat: x\x1fbody\n\nPM: APP-1\n\x1e\n";
        let log = parse_log(out);
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].sha, "abc");
        assert_eq!(log[0].subject, "[pm APP-1] feat: x");
        assert_eq!(log[0].body, "body\n\nPM: APP-1");
        assert_eq!(log[0].committed_at_unix, 1_704_067_200);
        assert_eq!(log[0].pm_keys(), vec!["APP-1"]);
        assert_eq!(log[0].trailers[1].key, "Signed-off-by");
    }

    #[test]
    fn option_like_names_are_refused() {
        assert!(check_rev("--output=/tmp/x").is_err());
        assert!(check_remote_name("-u").is_err());
        assert!(check_remote_name("origin").is_ok());
    }
}
