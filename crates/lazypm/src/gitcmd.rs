//! `lazypm git …`: the git toolset as readable commands, and `lazypm hooks`,
//! the optional commit-msg and post-commit hooks.

use clap::{Args, Subcommand};
use lazypm_domain::IssueKey;
use lazypm_service::Service;
use lazypm_service::ops::git::*;
use lazypm_service::ops::issues::OneOrMany;

use crate::commands::print;

#[derive(Subcommand)]
pub enum GitCommand {
    /// Branch, ahead/behind, changed files and the issue the branch belongs to.
    Status {
        /// Look at the repository of this issue's work (its submodule's, when it has one).
        key: Option<String>,
    },
    /// Create the issue's branch from the updated default branch (or --base) and switch to it.
    Branch {
        /// Issue key, like APP-12.
        key: String,
        /// The branch to start from (default: the project's default branch).
        #[arg(long, value_name = "BRANCH")]
        base: Option<String>,
        #[command(flatten)]
        changes: Changes,
    },
    /// Switch to an issue's branch (by key) or to a named branch.
    Switch {
        /// Issue key (like APP-12) or branch name.
        target: String,
        #[command(flatten)]
        changes: Changes,
    },
    /// Commit as `[pm KEY] message` with a `PM: KEY` trailer, logged on the issue.
    Commit {
        /// Issue key, like APP-12.
        key: String,
        /// The commit message (lazypm adds `[pm KEY]` and the `PM: KEY` trailer).
        #[arg(short, long)]
        message: String,
        /// Stage every change, new files included (also what happens when no file is named).
        #[arg(short, long)]
        all: bool,
        /// Time spent, logged with the commit (45m, 2h).
        #[arg(long, value_name = "DURATION")]
        time: Option<String>,
        /// Files to stage first.
        files: Vec<String>,
    },
    /// Push the issue's branch; --pr opens a pull request (gh) or prints the compare URL.
    Push {
        /// Issue key, like APP-12.
        key: String,
        /// Open a pull request (through gh, or GITHUB_TOKEN), or print the compare URL.
        #[arg(long)]
        pr: bool,
        /// With --pr: open it as a draft.
        #[arg(long)]
        draft: bool,
        /// With --pr: a reviewer, user or team (repeatable).
        #[arg(long = "reviewer", value_name = "NAME")]
        reviewers: Vec<String>,
        /// With --pr: the branch to merge into (default: the project's default branch).
        #[arg(long, value_name = "BRANCH")]
        base: Option<String>,
        /// With --pr: the pull request's title (default: `[KEY] issue title`).
        #[arg(long)]
        title: Option<String>,
        /// The remote to push to (default: origin).
        #[arg(long)]
        remote: Option<String>,
    },
    /// Stash uncommitted work (untracked files too), naming the issue.
    Stash {
        /// The issue the work belongs to: named in the stash and recorded on the issue.
        key: Option<String>,
        /// A note kept with the stash.
        #[arg(short, long)]
        message: Option<String>,
    },
    /// The issue's commits: linked ones and those on its branch.
    Log {
        /// Issue key, like APP-12.
        key: String,
        /// At most this many commits, 1–500 (default: 50).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=500))]
        limit: Option<u32>,
    },
    /// Whether the issue's work is merged into the base branch.
    Merged {
        /// Issue key, like APP-12.
        key: String,
        /// The branch it should be merged into (default: the project's default branch).
        #[arg(long, value_name = "BRANCH")]
        base: Option<String>,
    },
    /// Link commits made outside lazypm (`PM: KEY` trailer or `[pm KEY]`) to their issues.
    Sync {
        /// Look at this many recent commits at most, 1–50000 (default: 2000).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=50000))]
        limit: Option<u32>,
    },
}

/// What to do with uncommitted changes when changing branches.
#[derive(Args, Clone, Copy)]
pub struct Changes {
    /// Take uncommitted changes along to the branch.
    #[arg(long, conflicts_with = "stash")]
    carry: bool,
    /// Stash uncommitted changes first.
    #[arg(long)]
    stash: bool,
}

impl Changes {
    pub fn uncommitted(self) -> Option<Uncommitted> {
        if self.carry {
            Some(Uncommitted::Carry)
        } else if self.stash {
            Some(Uncommitted::Stash)
        } else {
            None
        }
    }
}

pub async fn run(svc: &Service, command: GitCommand, json: bool) -> anyhow::Result<()> {
    match command {
        GitCommand::Status { key } => {
            let out = svc
                .pm_git_status(GitStatusInput {
                    project_id: None,
                    issue_key: key,
                })
                .await?;
            print(json, &out, |o| {
                let branch = o.branch.as_deref().unwrap_or("(detached HEAD)");
                let tracking = match &o.upstream {
                    Some(u) => format!(" → {u} (ahead {}, behind {})", o.ahead, o.behind),
                    None => " (no upstream)".to_string(),
                };
                show!("On {branch}{tracking}");
                match &o.issue {
                    Some(i) => show!("Issue {}: {} [{}]", i.key, i.title, i.status),
                    None => show!("No issue owns this branch"),
                }
                if o.clean {
                    show!("Nothing to commit");
                }
                for f in &o.files {
                    show!("  {:<16} {}", f.state, f.path);
                }
            })
        }
        GitCommand::Branch { key, base, changes } => {
            let out = svc
                .pm_create_branch(CreateBranchInput {
                    issue_key: key,
                    base_branch: base,
                    remote: None,
                    uncommitted: changes.uncommitted(),
                })
                .await?;
            print(json, &out, print_branch)
        }
        GitCommand::Switch { target, changes } => {
            let is_key = IssueKey::parse("target", &target).is_ok();
            let out = svc
                .pm_switch_branch(SwitchBranchInput {
                    issue_key: is_key.then(|| target.clone()),
                    branch: (!is_key).then_some(target),
                    project_id: None,
                    uncommitted: changes.uncommitted(),
                })
                .await?;
            print(json, &out, |o| {
                show!("Switched to {}", o.branch);
                if let Some(i) = &o.issue {
                    show!("Issue {}: {}", i.key, i.title);
                }
            })
        }
        GitCommand::Commit {
            key,
            message,
            all,
            time,
            files,
        } => {
            let out = svc
                .pm_commit(CommitInput {
                    issue_key: key,
                    message,
                    files: (!files.is_empty()).then_some(OneOrMany::Many(files)),
                    all: all.then_some(true),
                    time_spent: time,
                })
                .await?;
            print(json, &out, |o| {
                show!(
                    "Committed {} on {}: {}",
                    short(&o.commit.sha),
                    o.branch,
                    o.commit.message
                );
                show!("{} file(s), linked to {}", o.files.len(), o.issue_key);
            })
        }
        GitCommand::Push {
            key,
            pr,
            draft,
            reviewers,
            base,
            title,
            remote,
        } => {
            let out = svc
                .pm_push_branch(PushBranchInput {
                    issue_key: key,
                    remote,
                    create_pr: Some(pr),
                    title,
                    body: None,
                    reviewers: (!reviewers.is_empty()).then_some(OneOrMany::Many(reviewers)),
                    draft: Some(draft),
                    base_branch: base,
                })
                .await?;
            print(json, &out, |o| {
                show!("Pushed {} to {}", o.branch, o.remote);
                if let Some(pr) = &o.pull_request {
                    let verb = if o.pull_request_created {
                        "Opened"
                    } else {
                        "Pull request"
                    };
                    show!("{verb} {}", pr.url);
                }
                if let Some(note) = &o.note {
                    show!("{note}");
                }
                if o.pull_request.is_none()
                    && let (Some(t), Some(b)) = (&o.pr_title, &o.pr_body)
                {
                    show!("\nTitle: {t}\n\n{b}");
                }
            })
        }
        GitCommand::Stash { key, message } => {
            let out = svc
                .pm_stash_work(StashWorkInput {
                    issue_key: key,
                    message,
                    project_id: None,
                })
                .await?;
            print(json, &out, |o| {
                if o.stashed {
                    show!("Stashed: {}", o.message);
                } else {
                    show!("Nothing to stash");
                }
            })
        }
        GitCommand::Log { key, limit } => {
            let out = svc
                .pm_git_log(GitLogInput {
                    issue_key: key,
                    limit,
                })
                .await?;
            print(json, &out, |o| {
                let rows: Vec<Vec<String>> = o
                    .commits
                    .iter()
                    .map(|c| {
                        vec![
                            short(&c.sha).to_string(),
                            c.at.map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                                .unwrap_or_default(),
                            c.author.clone().unwrap_or_default(),
                            if c.linked { "yes" } else { "no" }.to_string(),
                            c.subject.clone(),
                        ]
                    })
                    .collect();
                crate::render::table(&["SHA", "WHEN", "AUTHOR", "LINKED", "SUBJECT"], &rows);
                for w in &o.warnings {
                    show!("note: {w}");
                }
            })
        }
        GitCommand::Merged { key, base } => {
            let out = svc
                .pm_merge_status(MergeStatusInput {
                    issue_key: key,
                    base_branch: base,
                    remote: None,
                })
                .await?;
            print(json, &out, |o| {
                let verdict = if o.merged { "merged" } else { "not merged" };
                show!(
                    "{} is {verdict} into {}: {}",
                    o.issue_key,
                    o.base_branch,
                    o.reason
                );
            })
        }
        GitCommand::Sync { limit } => {
            let out = svc
                .pm_sync_commits(SyncCommitsInput {
                    project_id: None,
                    limit,
                })
                .await?;
            print(json, &out, |o| {
                show!(
                    "Scanned {} commit(s): {} newly linked, {} already linked",
                    o.scanned,
                    o.linked.len(),
                    o.already_linked
                );
                for l in &o.linked {
                    show!("  {} {} {}", short(&l.sha), l.issue_key, l.subject);
                }
                if !o.unknown_keys.is_empty() {
                    show!("Unknown issue keys: {}", o.unknown_keys.join(", "));
                }
            })
        }
    }
}

/// A commit id as people read it.
pub(crate) fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

pub fn print_branch(o: &BranchOutput) {
    match (&o.started_from, o.created) {
        (Some(from), true) => show!("Created {} from {from}", o.branch),
        _ => show!("Switched to existing {}", o.branch),
    }
    for w in &o.warnings {
        show!("note: {w}");
    }
}

// ---------------------------------------------------------------- hooks
