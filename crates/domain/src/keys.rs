//! Project keys (`PROJ`), issue keys (`PROJ-12`) and task keys (`PROJ-12-T3`).
//! Keys imported from the original system (`LAZY-202509-001`) are kept as text
//! and accepted everywhere an issue key is; only new keys are allocated as `KEY-N`.

use std::fmt;

use crate::DomainError;

/// A validated project key: 2–10 upper-case ASCII letters or digits, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProjectKey(String);

impl ProjectKey {
    pub fn parse(field: &str, text: &str) -> Result<Self, DomainError> {
        let key = text.trim().to_ascii_uppercase();
        let ok = (2..=10).contains(&key.len())
            && key.starts_with(|c: char| c.is_ascii_uppercase())
            && key
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if ok {
            Ok(Self(key))
        } else {
            Err(DomainError::new(
                field,
                format!(
                    "invalid project key '{text}': expected 2–10 letters or digits starting with a letter, like PROJ or API2"
                ),
            ))
        }
    }

    /// Derives a key from a project name: its initials when it has several
    /// words, else its first letters (`"lazy pm"` → `LP`, `"backend"` → `BACKEND`).
    pub fn derive(name: &str) -> Option<Self> {
        let words: Vec<String> = name
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| w.to_ascii_uppercase())
            .collect();
        let candidate: String = if words.len() >= 2 {
            words.iter().filter_map(|w| w.chars().next()).collect()
        } else {
            words.first()?.chars().take(6).collect()
        };
        let candidate: String = candidate
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .chars()
            .take(10)
            .collect();
        let candidate = if candidate.len() == 1 {
            format!("{candidate}X")
        } else {
            candidate
        };
        Self::parse("key", &candidate).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An issue key as written by a user: normalised to upper case, checked for shape.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IssueKey(String);

impl IssueKey {
    /// Accepts `PROJ-12` and imported keys such as `LAZY-202509-001`.
    pub fn parse(field: &str, text: &str) -> Result<Self, DomainError> {
        let key = text.trim().to_ascii_uppercase();
        let mut parts = key.split('-');
        let ok = parts
            .next()
            .is_some_and(|p| ProjectKey::parse(field, p).is_ok())
            && key.contains('-')
            && key.len() <= 40
            && parts.all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()));
        if ok {
            Ok(Self(key))
        } else {
            Err(DomainError::new(
                field,
                format!("invalid issue key '{text}': expected a key like PROJ-12"),
            ))
        }
    }

    /// The same key without leading zeros in its number (`PROJ-003` →
    /// `PROJ-3`), when it has them; the original system wrote keys that way.
    /// Imported keys with more parts (`LAZY-202509-001`) have no other form.
    pub fn unpadded(&self) -> Option<IssueKey> {
        let (project, number) = self.0.split_once('-')?;
        let trimmed = number.trim_start_matches('0');
        let padded = number.len() > 1 && trimmed.len() < number.len();
        (padded && !trimmed.is_empty() && trimmed.chars().all(|c| c.is_ascii_digit()))
            .then(|| IssueKey(format!("{project}-{trimmed}")))
    }

    /// The project key and the number of a `KEY-N` key.
    pub fn parts(&self) -> Option<(&str, i64)> {
        let (project, number) = self.0.split_once('-')?;
        Some((project, number.parse().ok()?))
    }

    /// The key allocated for the `number`th issue of a project.
    pub fn new(project: &ProjectKey, number: i64) -> Self {
        Self(format!("{project}-{number}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for IssueKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A task key: its issue's key, `-T`, and the task's number within the issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskKey {
    pub issue: IssueKey,
    pub number: i64,
}

impl TaskKey {
    pub fn parse(field: &str, text: &str) -> Result<Self, DomainError> {
        let upper = text.trim().to_ascii_uppercase();
        let invalid = || {
            DomainError::new(
                field,
                format!("invalid task key '{text}': expected a key like PROJ-12-T1"),
            )
        };
        let (issue, number) = upper.rsplit_once("-T").ok_or_else(invalid)?;
        let number: i64 = number.parse().map_err(|_| invalid())?;
        if number < 1 {
            return Err(invalid());
        }
        Ok(Self {
            issue: IssueKey::parse(field, issue).map_err(|_| invalid())?,
            number,
        })
    }
}

impl fmt::Display for TaskKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-T{}", self.issue, self.number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_keys() {
        assert_eq!(ProjectKey::parse("key", "proj").unwrap().as_str(), "PROJ");
        for bad in ["P", "1ABC", "TOOLONGKEY1", "PR-J", "", "ÄBC"] {
            assert!(ProjectKey::parse("key", bad).is_err(), "{bad}");
        }
        assert_eq!(ProjectKey::derive("lazy pm").unwrap().as_str(), "LP");
        assert_eq!(ProjectKey::derive("backend-api").unwrap().as_str(), "BA");
        assert_eq!(ProjectKey::derive("webshop").unwrap().as_str(), "WEBSHO");
        assert_eq!(ProjectKey::derive("x").unwrap().as_str(), "XX");
        assert!(ProjectKey::derive("!!!").is_none());
    }

    impl IssueKey {
        fn with_number(self, n: i64) -> Self {
            let (p, _) = self.0.split_once('-').unwrap();
            IssueKey(format!("{p}-{n}"))
        }
    }

    #[test]
    fn issue_keys_new_and_imported() {
        let key = IssueKey::new(&ProjectKey::parse("key", "PROJ").unwrap(), 7);
        assert_eq!(key.as_str(), "PROJ-7");
        assert_eq!(IssueKey::parse("issue_key", "proj-7").unwrap(), key);
        assert!(IssueKey::parse("issue_key", "LAZY-202509-001").is_ok());
        let padded = IssueKey::parse("issue_key", " proj-003 ").unwrap();
        assert_eq!(padded.as_str(), "PROJ-003");
        assert_eq!(padded.unpadded().unwrap(), key.clone().with_number(3));
        assert!(key.unpadded().is_none());
        assert!(IssueKey::parse("k", "PROJ-0").unwrap().unpadded().is_none());
        assert!(
            IssueKey::parse("k", "LAZY-202509-001")
                .unwrap()
                .unpadded()
                .is_none()
        );
        assert_eq!(padded.parts(), Some(("PROJ", 3)));
        for bad in ["PROJ", "PROJ-", "-7", "PROJ 7", "PR;J-1", "PROJ-1;rm"] {
            let err = IssueKey::parse("issue_key", bad).unwrap_err();
            assert_eq!(err.field, "issue_key");
        }
    }

    #[test]
    fn task_keys() {
        let t = TaskKey::parse("task_key", "proj-7-t2").unwrap();
        assert_eq!(t.issue.as_str(), "PROJ-7");
        assert_eq!(t.number, 2);
        assert_eq!(t.to_string(), "PROJ-7-T2");
        for bad in ["PROJ-7", "PROJ-7-T0", "PROJ-7-Tx", "T1"] {
            assert!(TaskKey::parse("task_key", bad).is_err(), "{bad}");
        }
    }
}
