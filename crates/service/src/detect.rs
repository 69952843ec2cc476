//! What `pm_init_project` learns from a directory by reading files only:
//! the git root, the remote, the default branch and the submodules.

use std::fs;
use std::path::{Path, PathBuf};

use lazypm_domain::{Submodule, Vcs};

/// The nearest directory at or above `start` that holds `.git` (a directory,
/// or a file as in linked worktrees and submodules).
pub fn git_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .map(Path::to_path_buf)
}

/// The git directory behind `root/.git`, and the common directory holding
/// config and refs (they differ for linked worktrees).
fn git_dirs(root: &Path) -> Option<(PathBuf, PathBuf)> {
    let dot_git = root.join(".git");
    let git_dir = if dot_git.is_dir() {
        dot_git
    } else {
        let text = fs::read_to_string(&dot_git).ok()?;
        let target = text.strip_prefix("gitdir:")?.trim();
        let p = PathBuf::from(target);
        if p.is_absolute() { p } else { root.join(p) }
    };
    let common = match fs::read_to_string(git_dir.join("commondir")) {
        Ok(c) => {
            let p = PathBuf::from(c.trim());
            if p.is_absolute() { p } else { git_dir.join(p) }
        }
        Err(_) => git_dir.clone(),
    };
    Some((git_dir, common))
}

/// Version-control facts for a git repository at `root`.
pub fn vcs(root: &Path) -> Option<Vcs> {
    let (git_dir, common) = git_dirs(root)?;
    let config = fs::read_to_string(common.join("config")).unwrap_or_default();
    let remote = section_value(&config, "remote \"origin\"", "url");
    let default_branch = read_symref(
        &common.join("refs/remotes/origin/HEAD"),
        "refs/remotes/origin/",
    )
    .or_else(|| {
        ["main", "master", "trunk", "develop"]
            .into_iter()
            .find(|b| has_branch(&common, b))
            .map(str::to_string)
    })
    .or_else(|| read_symref(&git_dir.join("HEAD"), "refs/heads/"));
    Some(Vcs {
        kind: "git".into(),
        remote,
        default_branch,
    })
}

fn read_symref(file: &Path, prefix: &str) -> Option<String> {
    let text = fs::read_to_string(file).ok()?;
    let target = text.trim().strip_prefix("ref:")?.trim();
    target.strip_prefix(prefix).map(str::to_string)
}

fn has_branch(common: &Path, branch: &str) -> bool {
    common.join("refs/heads").join(branch).exists()
        || fs::read_to_string(common.join("packed-refs"))
            .map(|t| {
                t.lines()
                    .any(|l| l.ends_with(&format!(" refs/heads/{branch}")))
            })
            .unwrap_or(false)
}

/// The submodules listed in `root/.gitmodules`.
pub fn submodules(root: &Path) -> Vec<Submodule> {
    let Ok(text) = fs::read_to_string(root.join(".gitmodules")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut name: Option<String> = None;
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("[submodule") {
            name = rest
                .trim_end_matches(']')
                .trim()
                .trim_matches('"')
                .to_string()
                .into();
        } else if let (Some(n), Some((k, v))) = (&name, line.split_once('='))
            && k.trim() == "path"
        {
            let path = v.trim().to_string();
            out.push(Submodule {
                name: n.clone(),
                has_own_repo: root.join(&path).join(".git").exists(),
                path,
                description: None,
            });
        }
    }
    out
}

/// The value of `key` in `[section]` of a git config file.
fn section_value(config: &str, section: &str, key: &str) -> Option<String> {
    let mut inside = false;
    for line in config.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line.trim_start_matches('[').trim_end_matches(']').trim() == section;
        } else if inside
            && let Some((k, v)) = line.split_once('=')
            && k.trim() == key
        {
            return Some(v.trim().to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_hand_made_repository_layout() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join(".git/refs/heads")).unwrap();
        fs::create_dir_all(root.join(".git/refs/remotes/origin")).unwrap();
        fs::write(root.join(".git/HEAD"), "ref: refs/heads/feature\n").unwrap();
        fs::write(
            root.join(".git/refs/remotes/origin/HEAD"),
            "ref: refs/remotes/origin/trunk\n",
        )
        .unwrap();
        fs::write(
            root.join(".git/config"),
            "[core]\n\tbare = false\n[remote \"origin\"]\n\turl = git@example.com:team/app.git\n",
        )
        .unwrap();
        fs::write(
            root.join(".gitmodules"),
            "[submodule \"ui\"]\n\tpath = web/ui\n\turl = ../ui.git\n",
        )
        .unwrap();
        fs::create_dir_all(root.join("src/deep")).unwrap();
        assert_eq!(git_root(&root.join("src/deep")).as_deref(), Some(root));
        let v = vcs(root).unwrap();
        assert_eq!(v.remote.as_deref(), Some("git@example.com:team/app.git"));
        assert_eq!(v.default_branch.as_deref(), Some("trunk"));
        let subs = submodules(root);
        assert_eq!(subs.len(), 1);
        assert_eq!(
            (subs[0].name.as_str(), subs[0].path.as_str()),
            ("ui", "web/ui")
        );
        assert!(!subs[0].has_own_repo);
    }
}
