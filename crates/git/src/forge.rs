//! Pull requests on the forge the remote points at: through the `gh` CLI when it
//! is installed and authenticated, else a compare URL the user can open.

use std::path::{Path, PathBuf};

use crate::run::{GitProgram, exec};
use crate::{GitError, Result};

/// Where a remote lives, parsed from its URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteLocation {
    /// Host name, lower-case (`github.com`).
    pub host: String,
    /// `owner/repo` (or a deeper group path on GitLab), without `.git`.
    pub path: String,
}

/// The kinds of forge lazypm knows how to link to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForgeKind {
    GitHub,
    GitLab,
    Bitbucket,
}

impl RemoteLocation {
    /// Parses `https://host/owner/repo.git`, `ssh://git@host[:port]/owner/repo.git`
    /// and scp-like `git@host:owner/repo.git`. Local paths and `file://` URLs give `None`.
    pub fn parse(url: &str) -> Option<RemoteLocation> {
        let url = url.trim();
        let (host, path) = if let Some((scheme, rest)) = url.split_once("://") {
            if !matches!(scheme, "https" | "http" | "ssh" | "git") {
                return None;
            }
            let (authority, path) = rest.split_once('/')?;
            let host = authority.rsplit('@').next()?;
            let host = host.split(':').next()?;
            (host, path)
        } else {
            // scp-like syntax: [user@]host:path, where the host has no slash.
            let (head, path) = url.split_once(':')?;
            if head.contains('/') || path.starts_with("//") {
                return None;
            }
            (head.rsplit('@').next()?, path)
        };
        let path = path.trim_matches('/');
        let path = path.strip_suffix(".git").unwrap_or(path);
        let ok = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        if !ok(host) || path.split('/').count() < 2 || !path.split('/').all(ok) {
            return None;
        }
        Some(RemoteLocation {
            host: host.to_ascii_lowercase(),
            path: path.to_string(),
        })
    }

    /// The forge, judged by the host name.
    pub fn kind(&self) -> Option<ForgeKind> {
        if self.host.contains("github") {
            Some(ForgeKind::GitHub)
        } else if self.host.contains("gitlab") {
            Some(ForgeKind::GitLab)
        } else if self.host.contains("bitbucket") {
            Some(ForgeKind::Bitbucket)
        } else {
            None
        }
    }

    /// The page that opens a pull (merge) request of `head` into `base`.
    pub fn compare_url(&self, base: &str, head: &str) -> Option<String> {
        let (host, path) = (&self.host, &self.path);
        let base = encode(base);
        let head = encode(head);
        Some(match self.kind()? {
            ForgeKind::GitHub => format!("https://{host}/{path}/compare/{base}...{head}?expand=1"),
            ForgeKind::GitLab => format!(
                "https://{host}/{path}/-/merge_requests/new?merge_request%5Bsource_branch%5D={head}&merge_request%5Btarget_branch%5D={base}"
            ),
            ForgeKind::Bitbucket => {
                format!("https://{host}/{path}/pull-requests/new?source={head}&dest={base}")
            }
        })
    }
}

/// Percent-encodes what a branch name may hold that a URL may not.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A pull request to open. Reviewers are requested afterwards, in a step of
/// their own (`request_reviewers`), so that a failure there cannot hide the
/// pull request that was opened.
#[derive(Debug, Clone)]
pub struct PullRequestSpec {
    pub base: String,
    pub head: String,
    pub title: String,
    pub body: String,
    pub draft: bool,
}

/// A pull request that exists on the forge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedPullRequest {
    pub url: String,
    pub number: Option<i64>,
    /// False when the forge already had a pull request for the branch.
    pub created: bool,
}

/// What the forge says about a pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequestState {
    /// `open`, `closed` or `merged`.
    pub state: String,
    pub url: Option<String>,
}

/// The `gh` CLI: `gh` on `PATH` unless another program is given.
#[derive(Debug, Clone)]
pub struct GhCli {
    program: GitProgram,
}

impl Default for GhCli {
    fn default() -> Self {
        Self::new(PathBuf::from("gh"))
    }
}

impl GhCli {
    pub fn new(program: PathBuf) -> Self {
        GhCli {
            program: GitProgram {
                program,
                timeout: crate::DEFAULT_TIMEOUT,
            },
        }
    }

    /// Whether `gh` is installed and logged in (`gh auth status`); the reason when not.
    pub async fn ready(&self, dir: &Path) -> std::result::Result<(), String> {
        match exec(&self.program, dir, &["auth", "status"], None, GH_ENV).await {
            Err(GitError::NotInstalled) => Err("the gh CLI is not installed".to_string()),
            Err(e) => Err(format!("gh could not run: {e}")),
            Ok(out) if out.success() => Ok(()),
            Ok(_) => Err("the gh CLI is not logged in (run `gh auth login`)".to_string()),
        }
    }

    /// `gh pr create`, in the repository at `dir`. A pull request that already
    /// exists for the branch is returned as it is.
    pub async fn create_pull_request(
        &self,
        dir: &Path,
        spec: &PullRequestSpec,
    ) -> Result<OpenedPullRequest> {
        let mut args: Vec<&str> = vec![
            "pr",
            "create",
            "--base",
            &spec.base,
            "--head",
            &spec.head,
            "--title",
            &spec.title,
            "--body-file",
            "-",
        ];
        if spec.draft {
            args.push("--draft");
        }
        let out = exec(&self.program, dir, &args, Some(&spec.body), GH_ENV).await?;
        if out.success() {
            let url = last_url(&out.stdout).ok_or_else(|| GitError::Failed {
                args: gh_args(&args),
                message: "gh did not print the pull request's URL".to_string(),
            })?;
            return Ok(OpenedPullRequest {
                number: number_of(&url),
                url,
                created: true,
            });
        }
        if out.stderr.contains("already exists")
            && let Some(url) = last_url(&out.stderr)
        {
            return Ok(OpenedPullRequest {
                number: number_of(&url),
                url,
                created: false,
            });
        }
        Err(GitError::Failed {
            args: gh_args(&args),
            message: crate::error::meaningful(&out.stderr),
        })
    }

    /// `gh pr edit <url> --add-reviewer R…` (`org/team` names a team).
    pub async fn request_reviewers(
        &self,
        dir: &Path,
        url: &str,
        reviewers: &[String],
    ) -> Result<()> {
        if reviewers.is_empty() {
            return Ok(());
        }
        let mut args: Vec<&str> = vec!["pr", "edit", url];
        for reviewer in reviewers {
            args.extend(["--add-reviewer", reviewer.as_str()]);
        }
        let out = exec(&self.program, dir, &args, None, GH_ENV).await?;
        if out.success() {
            return Ok(());
        }
        let mut message = crate::error::meaningful(&out.stderr);
        if message.is_empty() {
            message = format!("gh exited with status {}", out.code.unwrap_or(-1));
        }
        Err(GitError::Failed {
            args: gh_args(&args),
            message,
        })
    }

    /// `gh pr view <branch or url> --json state,url`.
    pub async fn pull_request_state(&self, dir: &Path, which: &str) -> Result<PullRequestState> {
        let args = ["pr", "view", which, "--json", "state,url"];
        let out = exec(&self.program, dir, &args, None, GH_ENV).await?;
        if !out.success() {
            return Err(GitError::Failed {
                args: gh_args(&args),
                message: crate::error::meaningful(&out.stderr),
            });
        }
        let value: serde_json::Value =
            serde_json::from_str(&out.stdout).map_err(|e| GitError::Failed {
                args: gh_args(&args),
                message: format!("gh printed something other than JSON: {e}"),
            })?;
        Ok(PullRequestState {
            state: value["state"]
                .as_str()
                .map(str::to_ascii_lowercase)
                .unwrap_or_else(|| "unknown".to_string()),
            url: value["url"].as_str().map(str::to_string),
        })
    }
}

/// The GitHub REST API, reached through the `curl` executable (the token goes
/// to curl on stdin, never on its command line). Used when `gh` is not ready
/// and `GITHUB_TOKEN` is set.
#[derive(Debug, Clone)]
pub struct GitHubApi {
    /// `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise.
    pub base_url: String,
    pub token: String,
    curl: GitProgram,
}

impl GitHubApi {
    pub fn new(base_url: Option<String>, token: String) -> Self {
        GitHubApi {
            base_url: base_url
                .unwrap_or_else(|| "https://api.github.com".to_string())
                .trim_end_matches('/')
                .to_string(),
            token,
            curl: GitProgram {
                program: PathBuf::from("curl"),
                timeout: crate::DEFAULT_TIMEOUT,
            },
        }
    }

    /// One request; returns the HTTP status and the parsed JSON body.
    async fn request(
        &self,
        dir: &Path,
        method: &str,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<(u16, serde_json::Value)> {
        let url = format!("{}{path}", self.base_url);
        let data = body.map(|b| b.to_string());
        let mut args: Vec<&str> = vec![
            "--silent",
            "--show-error",
            "--max-time",
            "30",
            "--request",
            method,
            "--header",
            "@-",
            "--write-out",
            "\n%{http_code}",
        ];
        if let Some(d) = &data {
            args.extend(["--data-raw", d.as_str()]);
        }
        args.extend(["--url", url.as_str()]);
        let headers = format!(
            "Authorization: Bearer {}\nAccept: application/vnd.github+json\nX-GitHub-Api-Version: 2022-11-28\nContent-Type: application/json\nUser-Agent: lazypm\n",
            self.token
        );
        let shown = format!("curl {method} {url}");
        let out = match exec(&self.curl, dir, &args, Some(&headers), &[]).await {
            Err(GitError::NotInstalled) => {
                return Err(GitError::Failed {
                    args: shown,
                    message: "the curl executable was not found; install curl or gh".to_string(),
                });
            }
            other => other?,
        };
        if !out.success() {
            return Err(GitError::Failed {
                args: shown,
                message: crate::error::meaningful(&out.stderr),
            });
        }
        let (text, code) = out.stdout.rsplit_once('\n').unwrap_or(("", &out.stdout));
        let status: u16 = code.trim().parse().unwrap_or(0);
        let value = serde_json::from_str(text).unwrap_or(serde_json::Value::Null);
        Ok((status, value))
    }

    /// Opens the pull request (or finds the one open for the branch already).
    pub async fn create_pull_request(
        &self,
        dir: &Path,
        repo: &RemoteLocation,
        spec: &PullRequestSpec,
    ) -> Result<OpenedPullRequest> {
        let pulls = format!("/repos/{}/pulls", repo.path);
        let body = serde_json::json!({
            "title": spec.title, "head": spec.head, "base": spec.base,
            "body": spec.body, "draft": spec.draft,
        });
        let (status, value) = self.request(dir, "POST", &pulls, Some(&body)).await?;
        let opened = match status {
            201 => OpenedPullRequest {
                url: value["html_url"].as_str().unwrap_or_default().to_string(),
                number: value["number"].as_i64(),
                created: true,
            },
            422 if value.to_string().contains("already exists") => {
                let owner = repo.path.split('/').next().unwrap_or_default();
                let query = format!("{pulls}?state=open&head={owner}:{}", encode(&spec.head));
                let (_, list) = self.request(dir, "GET", &query, None).await?;
                let first = &list[0];
                OpenedPullRequest {
                    url: first["html_url"].as_str().unwrap_or_default().to_string(),
                    number: first["number"].as_i64(),
                    created: false,
                }
            }
            _ => {
                return Err(GitError::Failed {
                    args: format!("POST {}{pulls}", self.base_url),
                    message: format!(
                        "GitHub answered {status}: {}",
                        value["message"].as_str().unwrap_or("no message")
                    ),
                });
            }
        };
        if opened.url.is_empty() {
            return Err(GitError::Failed {
                args: format!("POST {}{pulls}", self.base_url),
                message: "GitHub did not return the pull request's URL".to_string(),
            });
        }
        Ok(opened)
    }

    /// Requests reviews of pull request `number` (`org/team` names a team).
    pub async fn request_reviewers(
        &self,
        dir: &Path,
        repo: &RemoteLocation,
        number: i64,
        reviewers: &[String],
    ) -> Result<()> {
        if reviewers.is_empty() {
            return Ok(());
        }
        let (teams, users): (Vec<&String>, Vec<&String>) =
            reviewers.iter().partition(|r| r.contains('/'));
        let teams: Vec<&str> = teams.iter().filter_map(|t| t.rsplit('/').next()).collect();
        let review = serde_json::json!({ "reviewers": users, "team_reviewers": teams });
        let path = format!("/repos/{}/pulls/{number}/requested_reviewers", repo.path);
        let (status, value) = self.request(dir, "POST", &path, Some(&review)).await?;
        if status == 201 {
            return Ok(());
        }
        Err(GitError::Failed {
            args: format!("POST {}{path}", self.base_url),
            message: format!(
                "GitHub answered {status}: {}",
                value["message"].as_str().unwrap_or("no message")
            ),
        })
    }
}

/// `gh` must never wait for a person.
const GH_ENV: &[(&str, &str)] = &[("GH_PROMPT_DISABLED", "1"), ("NO_COLOR", "1")];

fn gh_args(args: &[&str]) -> String {
    let mut text = String::from("gh");
    for a in args {
        text.push(' ');
        text.push_str(a);
    }
    text
}

fn last_url(text: &str) -> Option<String> {
    text.split_whitespace()
        .rev()
        .find(|w| w.starts_with("https://") || w.starts_with("http://"))
        .map(|w| w.trim_end_matches(['.', ',']).to_string())
}

/// The number at the end of a pull request URL (`…/pull/42`, `…/merge_requests/7`).
pub fn number_of(url: &str) -> Option<i64> {
    url.trim_end_matches('/').rsplit('/').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_remote_urls() {
        let want = RemoteLocation {
            host: "github.com".into(),
            path: "team/app".into(),
        };
        for url in [
            "https://github.com/team/app.git",
            "https://user@github.com/team/app",
            "git@github.com:team/app.git",
            "ssh://git@github.com:22/team/app.git",
        ] {
            assert_eq!(RemoteLocation::parse(url).as_ref(), Some(&want), "{url}");
        }
        assert_eq!(RemoteLocation::parse("/srv/git/app.git"), None);
        assert_eq!(RemoteLocation::parse("file:///srv/git/app.git"), None);
        assert_eq!(RemoteLocation::parse("../origin.git"), None);
    }

    #[test]
    fn compare_urls_per_forge() {
        let gh = RemoteLocation::parse("git@github.com:team/app.git").unwrap();
        assert_eq!(
            gh.compare_url("main", "feat/app-1-x").as_deref(),
            Some("https://github.com/team/app/compare/main...feat/app-1-x?expand=1")
        );
        let gl = RemoteLocation::parse("https://gitlab.com/group/sub/app.git").unwrap();
        assert_eq!(gl.path, "group/sub/app");
        assert!(
            gl.compare_url("main", "fix/a")
                .unwrap()
                .contains("source_branch%5D=fix/a")
        );
        let other = RemoteLocation::parse("git@example.com:team/app.git").unwrap();
        assert_eq!(other.compare_url("main", "x"), None);
    }

    #[test]
    fn urls_and_numbers_from_output() {
        let err = "a pull request for branch \"feat/x\" into branch \"main\" already exists:\nhttps://github.com/team/app/pull/12\n";
        let url = last_url(err).unwrap();
        assert_eq!(url, "https://github.com/team/app/pull/12");
        assert_eq!(number_of(&url), Some(12));
    }
}
