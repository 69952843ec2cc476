//! Pure git conventions: an issue's branch name, commit messages that name
//! their issue, and finding issue keys in messages written elsewhere.

use crate::IssueType;
use crate::keys::IssueKey;
use crate::text::slugify;

/// Longest branch name produced.
pub const BRANCH_MAX: usize = 60;

/// The branch prefix of an issue type (an epic's work is a feature).
pub fn branch_prefix(t: IssueType) -> &'static str {
    match t {
        IssueType::Feature | IssueType::Epic => "feat",
        IssueType::Bug => "fix",
        IssueType::Refactor => "refactor",
        IssueType::Chore => "chore",
        IssueType::Spike => "spike",
    }
}

/// `feat/app-12-parse-the-config`: prefix, lower-case key, slug of the title;
/// ASCII, at most [`BRANCH_MAX`] characters, valid for `git check-ref-format`
/// (only `[a-z0-9/-]`, no `..`, no trailing `-` or `.lock`).
pub fn branch_name(t: IssueType, key: &IssueKey, title: &str) -> String {
    let head = format!("{}/{}", branch_prefix(t), key.as_str().to_ascii_lowercase());
    let room = BRANCH_MAX.saturating_sub(head.len() + 1);
    let slug = slugify(title, room);
    if slug.is_empty() {
        head
    } else {
        format!("{head}-{slug}")
    }
}

/// The conventional-commit prefix of a subject (`feat(api)!: `), if any.
fn conventional_prefix(subject: &str) -> Option<usize> {
    let colon = subject.find(": ")?;
    let head = &subject[..colon];
    let kind_end = head.find(['(', '!']).unwrap_or(head.len());
    let kind = &head[..kind_end];
    let ok_kind =
        !kind.is_empty() && kind.len() <= 12 && kind.chars().all(|c| c.is_ascii_lowercase());
    let rest = &head[kind_end..];
    let ok_rest = rest.is_empty()
        || rest == "!"
        || (rest.starts_with('(') && (rest.ends_with(')') || rest.ends_with(")!")));
    (ok_kind && ok_rest).then_some(colon + 2)
}

/// The conventional-commit type of an issue's commits (a spike's
/// exploratory work is a chore; an epic's is a feature).
pub fn commit_type(t: IssueType) -> &'static str {
    match t {
        IssueType::Feature | IssueType::Epic => "feat",
        IssueType::Bug => "fix",
        IssueType::Refactor => "refactor",
        IssueType::Chore | IssueType::Spike => "chore",
    }
}

/// A commit message for `key`: a subject `[pm KEY] type: text`, where the
/// conventional type is the message's own (`fix(cli): …`) or else the one
/// the issue's type implies, and a `PM: KEY` trailer; each added only when
/// missing.
pub fn commit_message(key: &IssueKey, issue_type: IssueType, message: &str) -> String {
    let message = message.trim();
    let (subject, body) = match message.split_once('\n') {
        Some((s, b)) => (s.trim_end(), b.trim_matches('\n')),
        None => (message, ""),
    };
    let tag = format!("[pm {key}]");
    let subject = if subject.contains(&tag) {
        subject.to_string()
    } else {
        match conventional_prefix(subject) {
            Some(_) => format!("{tag} {subject}"),
            None => format!("{tag} {}: {subject}", commit_type(issue_type)),
        }
    };
    let trailer = format!("PM: {key}");
    let has_trailer = body
        .lines()
        .any(|l| l.trim().eq_ignore_ascii_case(&trailer));
    let mut out = subject;
    if !body.is_empty() {
        out.push_str("\n\n");
        out.push_str(body);
    }
    if !has_trailer {
        // Join an existing trailer block at the end, else start one.
        let ends_in_trailers = body.lines().last().is_some_and(is_trailer_line);
        out.push_str(if ends_in_trailers { "\n" } else { "\n\n" });
        out.push_str(&trailer);
    }
    out
}

fn is_trailer_line(line: &str) -> bool {
    line.split_once(": ").is_some_and(|(k, v)| {
        !k.is_empty()
            && !v.trim().is_empty()
            && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    })
}

/// Issue keys a commit message names through `PM: KEY` trailers or a
/// `[pm KEY]` tag, in order of appearance, without repeats.
pub fn issue_keys_in(message: &str) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    let mut push = |raw: &str| {
        if let Ok(k) = IssueKey::parse("message", raw.trim()) {
            let k = k.into_string();
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    };
    let mut rest = message;
    while let Some(at) = rest.to_ascii_lowercase().find("[pm ") {
        let after = &rest[at + 4..];
        match after.find(']') {
            Some(end) => {
                push(&after[..end]);
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    for line in message.lines() {
        if let Some((k, v)) = line.split_once(':')
            && k.trim().eq_ignore_ascii_case("pm")
        {
            for part in v.split(',') {
                push(part);
            }
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> IssueKey {
        IssueKey::parse("k", s).unwrap()
    }

    #[test]
    fn branch_names_follow_the_type_and_stay_valid() {
        assert_eq!(
            branch_name(IssueType::Bug, &key("APP-12"), "Fix the *login* crash!"),
            "fix/app-12-fix-the-login-crash"
        );
        assert_eq!(
            branch_name(IssueType::Epic, &key("APP-1"), "Billing"),
            "feat/app-1-billing"
        );
        assert_eq!(
            branch_name(
                IssueType::Chore,
                &key("APP-2"),
                "$(rm -rf /); `x` .. ~^:?*[\\"
            ),
            "chore/app-2-rm-rf-x"
        );
        assert_eq!(
            branch_name(IssueType::Spike, &key("APP-3"), "!!!"),
            "spike/app-3"
        );
        let long = branch_name(
            IssueType::Refactor,
            &key("LAZY-202509-001"),
            &"very long words ".repeat(20),
        );
        assert!(
            long.len() <= BRANCH_MAX && long.starts_with("refactor/lazy-202509-001-"),
            "{long}"
        );
        for name in [long.as_str(), "fix/app-12-fix-the-login-crash"] {
            assert!(!name.ends_with('-') && !name.contains("..") && name.is_ascii());
        }
    }

    #[test]
    fn commit_messages_name_their_issue_once() {
        let feature = IssueType::Feature;
        assert_eq!(
            commit_message(&key("APP-1"), feature, "Add the parser"),
            "[pm APP-1] feat: Add the parser\n\nPM: APP-1"
        );
        assert_eq!(
            commit_message(&key("APP-1"), IssueType::Bug, "Stop the crash"),
            "[pm APP-1] fix: Stop the crash\n\nPM: APP-1"
        );
        assert_eq!(
            commit_message(&key("APP-1"), feature, "feat(cli): add init"),
            "[pm APP-1] feat(cli): add init\n\nPM: APP-1"
        );
        assert_eq!(
            commit_message(&key("APP-1"), feature, "fix!: drop v1"),
            "[pm APP-1] fix!: drop v1\n\nPM: APP-1"
        );
        assert_eq!(
            commit_message(
                &key("APP-1"),
                IssueType::Spike,
                "Try parser\n\nLonger body.\n\nCo-authored-by: Ann <a@x.io>"
            ),
            "[pm APP-1] chore: Try parser\n\nLonger body.\n\nCo-authored-by: Ann <a@x.io>\nPM: APP-1"
        );
        let once = commit_message(&key("APP-1"), feature, "x");
        assert_eq!(
            commit_message(&key("APP-1"), feature, &once),
            once,
            "idempotent"
        );
        assert_eq!(
            commit_message(&key("APP-1"), feature, "Note: this is prose"),
            "[pm APP-1] feat: Note: this is prose\n\nPM: APP-1"
        );
    }

    #[test]
    fn keys_are_found_in_trailers_and_tags() {
        assert_eq!(
            issue_keys_in("feat: [pm APP-1] x\n\nPM: APP-1"),
            vec!["APP-1"]
        );
        assert_eq!(
            issue_keys_in("hand-made\n\nPM: app-7, APP-8"),
            vec!["APP-7", "APP-8"]
        );
        assert_eq!(
            issue_keys_in("[PM API-2] and [pm nope] text"),
            vec!["API-2"]
        );
        assert!(issue_keys_in("no keys here: pm is a word").is_empty());
    }
}
