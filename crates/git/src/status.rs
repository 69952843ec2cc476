//! `git status --porcelain=v2 --branch -z`, parsed.

/// The state of the work tree and its branch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    /// The current branch; `None` when HEAD is detached.
    pub branch: Option<String>,
    /// The commit HEAD points at; `None` before the first commit.
    pub head: Option<String>,
    /// The upstream branch (for example `origin/feat/app-1-login`), when one is set.
    pub upstream: Option<String>,
    /// Commits on the branch that its upstream does not have.
    pub ahead: u32,
    /// Commits on the upstream that the branch does not have.
    pub behind: u32,
    /// Changed, staged, conflicted and untracked files.
    pub files: Vec<ChangedFile>,
}

impl Status {
    /// No changes at all, untracked files included.
    pub fn is_clean(&self) -> bool {
        self.files.is_empty()
    }

    /// Whether anything is staged for the next commit.
    pub fn has_staged(&self) -> bool {
        self.files.iter().any(ChangedFile::is_staged)
    }

    /// The changed paths.
    pub fn paths(&self) -> Vec<String> {
        self.files.iter().map(|f| f.path.clone()).collect()
    }
}

/// One changed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedFile {
    /// Path relative to the work tree root.
    pub path: String,
    /// The two-letter code of `git status`: index then work tree, `.` for unchanged
    /// (for example `.M`, `A.`, `RM`, `UU`); `??` for untracked files.
    pub xy: String,
    /// For renames and copies, the path it came from.
    pub orig_path: Option<String>,
}

impl ChangedFile {
    /// Not tracked by git.
    pub fn is_untracked(&self) -> bool {
        self.xy == "??"
    }

    /// Has changes in the index.
    pub fn is_staged(&self) -> bool {
        !self.is_conflicted() && !matches!(self.xy.chars().next(), Some('.' | '?') | None)
    }

    /// Unmerged (a conflict to resolve).
    pub fn is_conflicted(&self) -> bool {
        matches!(
            self.xy.as_str(),
            "DD" | "AU" | "UD" | "UA" | "DU" | "AA" | "UU"
        )
    }
}

/// Parse the output of `git status --porcelain=v2 --branch -z`.
pub(crate) fn parse(out: &str) -> Status {
    let mut status = Status::default();
    let mut entries = out.split('\0').filter(|e| !e.is_empty());
    while let Some(entry) = entries.next() {
        if let Some(header) = entry.strip_prefix("# ") {
            let (key, value) = header.split_once(' ').unwrap_or((header, ""));
            match key {
                "branch.oid" if value != "(initial)" => status.head = Some(value.to_string()),
                "branch.head" if value != "(detached)" => status.branch = Some(value.to_string()),
                "branch.upstream" => status.upstream = Some(value.to_string()),
                "branch.ab" => {
                    for part in value.split(' ') {
                        if let Some(n) = part.strip_prefix('+') {
                            status.ahead = n.parse().unwrap_or(0);
                        } else if let Some(n) = part.strip_prefix('-') {
                            status.behind = n.parse().unwrap_or(0);
                        }
                    }
                }
                _ => {}
            }
            continue;
        }
        let mut kind_and_rest = entry.splitn(2, ' ');
        let kind = kind_and_rest.next().unwrap_or("");
        let rest = kind_and_rest.next().unwrap_or("");
        // Number of space-separated fields before the path, after the kind.
        let (fields_before_path, renamed) = match kind {
            "1" => (7, false),
            "2" => (8, true),
            "u" => (9, false),
            "?" => {
                status.files.push(ChangedFile {
                    path: rest.to_string(),
                    xy: "??".to_string(),
                    orig_path: None,
                });
                continue;
            }
            _ => continue,
        };
        let parts: Vec<&str> = rest.splitn(fields_before_path + 1, ' ').collect();
        let (Some(xy), Some(path)) = (parts.first(), parts.get(fields_before_path)) else {
            continue;
        };
        let orig_path = if renamed {
            entries.next().map(str::to_string)
        } else {
            None
        };
        status.files.push(ChangedFile {
            path: (*path).to_string(),
            xy: (*xy).to_string(),
            orig_path,
        });
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_headers_and_entries() {
        let out = "# branch.oid 1234\0# branch.head main\0# branch.upstream origin/main\0# branch.ab +2 -1\0\
1 .M N... 100644 100644 100644 aaa aaa src/a b.rs\0\
2 R. N... 100644 100644 100644 aaa aaa R100 new.rs\0old.rs\0\
u UU N... 100644 100644 100644 100644 a b c both.rs\0\
? untracked.txt\0";
        let s = parse(out);
        assert_eq!(s.branch.as_deref(), Some("main"));
        assert_eq!(s.head.as_deref(), Some("1234"));
        assert_eq!(s.upstream.as_deref(), Some("origin/main"));
        assert_eq!((s.ahead, s.behind), (2, 1));
        assert_eq!(s.files.len(), 4);
        assert_eq!(s.files[0].path, "src/a b.rs");
        assert_eq!(s.files[0].xy, ".M");
        assert!(!s.files[0].is_staged());
        assert_eq!(s.files[1].path, "new.rs");
        assert_eq!(s.files[1].orig_path.as_deref(), Some("old.rs"));
        assert!(s.files[1].is_staged());
        assert!(s.files[2].is_conflicted());
        assert_eq!(s.files[2].path, "both.rs");
        assert!(s.files[3].is_untracked());
        assert!(s.has_staged());
        assert!(!s.is_clean());
    }

    #[test]
    fn detached_and_initial() {
        let s = parse("# branch.oid (initial)\0# branch.head (detached)\0");
        assert_eq!(s.branch, None);
        assert_eq!(s.head, None);
        assert!(s.is_clean());
    }
}
