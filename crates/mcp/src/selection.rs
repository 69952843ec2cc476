//! Which tools a server exposes: toolsets, single tools in or out, read-only.

use std::collections::BTreeSet;

use lazypm_service::{OPERATIONS, Operation, Toolset};

/// The toolsets, and single tools from other toolsets, exposed when no
/// toolsets are named (the service's guides describe the same default).
use lazypm_service::ops::guides::{DEFAULT_TOOLS, DEFAULT_TOOLSETS};

/// A choice of tools, as given on the command line or in `LAZYPM_TOOLSETS`.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Toolset names, or `all`; empty means the default toolsets plus the
    /// default single tools.
    pub toolsets: Vec<String>,
    /// Extra single tools to include.
    pub tools: Vec<String>,
    /// Single tools to leave out.
    pub exclude_tools: Vec<String>,
    /// Only tools annotated read-only.
    pub read_only: bool,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SelectionError {
    #[error("unknown toolset '{0}': expected all or any of {1}")]
    UnknownToolset(String, String),
    #[error("unknown tool '{0}' in {1}: `lazypm tools` lists them")]
    UnknownTool(String, &'static str),
}

impl Selection {
    /// The operations this selection exposes, in the table's order.
    pub fn resolve(&self) -> Result<Vec<&'static Operation>, SelectionError> {
        let mut sets: BTreeSet<&'static str> = BTreeSet::new();
        let names: Vec<&str> = self
            .toolsets
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect();
        let default = names.is_empty();
        if default {
            sets.extend(DEFAULT_TOOLSETS.iter().map(|t| t.as_str()));
        }
        for name in names {
            if name.eq_ignore_ascii_case("all") {
                sets.extend(Toolset::ALL.iter().map(|t| t.as_str()));
                continue;
            }
            let set = Toolset::ALL
                .iter()
                .find(|t| t.as_str().eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    SelectionError::UnknownToolset(
                        name.to_string(),
                        Toolset::ALL
                            .iter()
                            .map(|t| t.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    )
                })?;
            sets.insert(set.as_str());
        }
        let known = |name: &str, flag: &'static str| {
            lazypm_service::canonical_tool_name(name.trim())
                .ok_or_else(|| SelectionError::UnknownTool(name.trim().to_string(), flag))
        };
        let mut extra = self
            .tools
            .iter()
            .filter(|t| !t.trim().is_empty())
            .map(|t| known(t, "--tools"))
            .collect::<Result<BTreeSet<_>, _>>()?;
        if default {
            // A default naming a tool the table lacks is skipped, not an error the user could fix.
            extra.extend(
                DEFAULT_TOOLS
                    .iter()
                    .filter_map(|t| OPERATIONS.iter().find(|o| o.name == *t).map(|o| o.name)),
            );
        }
        let excluded = self
            .exclude_tools
            .iter()
            .filter(|t| !t.trim().is_empty())
            .map(|t| known(t, "--exclude-tools"))
            .collect::<Result<BTreeSet<_>, _>>()?;
        Ok(OPERATIONS
            .iter()
            .filter(|o| sets.contains(o.toolset.as_str()) || extra.contains(o.name))
            .filter(|o| !excluded.contains(o.name))
            .filter(|o| !self.read_only || o.read_only)
            .collect())
    }

    /// Parses a comma-separated list, as in `--toolsets core,planning`.
    pub fn split(list: &str) -> Vec<String> {
        list.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(s: &Selection) -> Vec<&'static str> {
        s.resolve().unwrap().iter().map(|o| o.name).collect()
    }

    #[test]
    fn default_is_core_and_all_is_everything() {
        let core = names(&Selection::default());
        assert!(core.contains(&"pm_create_issue"));
        assert!(
            !core.contains(&"pm_delete_issue"),
            "planning tools stay out by default"
        );
        let all = names(&Selection {
            toolsets: vec!["all".into()],
            ..Default::default()
        });
        assert_eq!(all.len(), OPERATIONS.len());
    }

    #[test]
    fn the_default_adds_the_daily_loops_single_tools_and_naming_core_does_not() {
        let default = names(&Selection::default());
        for t in DEFAULT_TOOLS {
            assert!(
                OPERATIONS.iter().any(|o| o.name == *t),
                "{t} is not an operation"
            );
            assert!(default.contains(t), "{t} is not on by default");
        }
        assert!(default.contains(&"pm_commit"), "git is on by default");
        let core = names(&Selection {
            toolsets: vec!["core".into()],
            ..Default::default()
        });
        assert!(
            core.iter().all(|n| OPERATIONS
                .iter()
                .any(|o| o.name == *n && o.toolset == Toolset::Core)),
            "--toolsets core is core alone: {core:?}"
        );
        let ro = names(&Selection {
            read_only: true,
            ..Default::default()
        });
        assert!(ro.contains(&"pm_project_dashboard") && !ro.contains(&"pm_estimate"));
    }

    #[test]
    fn single_tools_read_only_and_errors() {
        let s = Selection {
            toolsets: vec!["core".into()],
            tools: vec!["pm_delete_issue".into()],
            exclude_tools: vec!["pm_add_comment".into()],
            ..Default::default()
        };
        let n = names(&s);
        assert!(n.contains(&"pm_delete_issue") && !n.contains(&"pm_add_comment"));
        let ro = names(&Selection {
            toolsets: vec!["all".into()],
            read_only: true,
            ..Default::default()
        });
        assert!(
            ro.iter()
                .all(|n| OPERATIONS.iter().any(|o| o.name == *n && o.read_only))
        );
        assert!(ro.contains(&"pm_get_issue") && !ro.contains(&"pm_create_issue"));
        let Err(err) = Selection {
            toolsets: vec!["coree".into()],
            ..Default::default()
        }
        .resolve() else {
            panic!("accepted")
        };
        assert!(
            err.to_string()
                .contains("expected all or any of core, git, planning"),
            "{err}"
        );
        let Err(err) = Selection {
            tools: vec!["pm_nope".into()],
            ..Default::default()
        }
        .resolve() else {
            panic!("accepted")
        };
        assert_eq!(
            err,
            SelectionError::UnknownTool("pm_nope".into(), "--tools")
        );
    }
}
