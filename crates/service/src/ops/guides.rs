//! The guides an agent reads: the system guide (with every toolset, generated
//! from the operation table), the methodology and the short working agreement.
//! Texts live in `crates/service/docs/`.

use std::fmt::Write as _;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::registry::{OPERATIONS, Toolset};
use crate::{Result, Service};

const OVERVIEW: &str = include_str!("../../docs/overview.md");
const WORKFLOW: &str = include_str!("../../docs/workflow.md");
const FIELDS: &str = include_str!("../../docs/fields.md");
const TIME: &str = include_str!("../../docs/time.md");
const METHODOLOGY: &str = include_str!("../../docs/methodology.md");
/// The short working agreement (`pm_reminder`).
pub const REMINDER: &str = include_str!("../../docs/reminder.md");

/// Toolsets an MCP server exposes when none are named.
pub const DEFAULT_TOOLSETS: &[Toolset] = &[Toolset::Core, Toolset::Git];

/// Single tools from other toolsets an MCP server adds to [`DEFAULT_TOOLSETS`]
/// when no toolsets are named: the rest of the daily loop (the original
/// system's everyday examples use them).
pub const DEFAULT_TOOLS: &[&str] = &[
    "pm_project_dashboard",
    "pm_refine_issue",
    "pm_estimate",
    "pm_request_review",
    "pm_blocked_issues",
    "pm_daily_standup",
    "pm_weekly_report",
];

/// A part of the system guide.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocsTopic {
    #[default]
    Overview,
    Workflow,
    Toolsets,
    Fields,
    Time,
    All,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocsInput {
    /// Default overview.
    pub topic: Option<DocsTopic>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ToolsetInfo {
    pub name: String,
    /// Its tools, in presentation order.
    pub tools: Vec<String>,
    /// The MCP server flag that turns it on.
    pub enabled_by: String,
    /// True when the server exposes it without flags.
    pub default: bool,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct DocsOutput {
    pub topic: DocsTopic,
    /// Markdown.
    pub text: String,
    /// Every toolset with its tools.
    pub toolsets: Vec<ToolsetInfo>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowGuideInput {}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReminderInput {}

/// A guide's markdown text.
#[derive(Debug, Serialize, JsonSchema)]
pub struct GuideOutput {
    pub text: String,
}

/// Every toolset with its tools, from the operation table.
pub fn toolsets() -> Vec<ToolsetInfo> {
    Toolset::ALL
        .iter()
        .map(|t| ToolsetInfo {
            name: t.as_str().into(),
            tools: OPERATIONS
                .iter()
                .filter(|o| o.toolset == *t)
                .map(|o| o.name.to_string())
                .collect(),
            enabled_by: format!("--toolsets {}", t.as_str()),
            default: DEFAULT_TOOLSETS.contains(t),
        })
        .collect()
}

/// The toolsets section: each toolset, its tools with their descriptions,
/// and how to switch them on.
fn toolsets_text() -> String {
    let mut out = String::from("## Toolsets\n\n");
    let defaults: Vec<&str> = DEFAULT_TOOLSETS.iter().map(|t| t.as_str()).collect();
    let _ = writeln!(
        out,
        "Tools come in toolsets. With no flags the MCP server exposes `{}` and, from other toolsets, {}. Naming toolsets replaces that default (`--toolsets core` is core alone). Enable more with:\n",
        defaults.join(","),
        DEFAULT_TOOLS
            .iter()
            .map(|t| format!("`{t}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    out.push_str(
        "- `lazypm mcp --toolsets core,planning` picks toolsets; `--toolsets all` exposes every tool\n\
         - `--tools pm_x,pm_y` adds single tools; `--exclude-tools pm_z` removes some\n\
         - `--read-only` keeps only the read-only tools\n\
         - the environment variable `LAZYPM_TOOLSETS` (like `core,planning`) sets the toolsets\n\
         - from a shell, `lazypm call TOOL '{…}'` runs any tool, enabled or not\n",
    );
    for t in Toolset::ALL {
        let _ = writeln!(
            out,
            "\n### {} (`--toolsets {}`){}\n",
            t.as_str(),
            t.as_str(),
            if DEFAULT_TOOLSETS.contains(t) {
                ", on by default"
            } else {
                ""
            }
        );
        for o in OPERATIONS.iter().filter(|o| o.toolset == *t) {
            let default = if !DEFAULT_TOOLSETS.contains(t) && DEFAULT_TOOLS.contains(&o.name) {
                " (on by default)"
            } else {
                ""
            };
            let _ = writeln!(out, "- `{}`{default}: {}", o.name, o.description);
        }
    }
    out
}

impl Service {
    pub async fn pm_docs(&self, input: DocsInput) -> Result<DocsOutput> {
        let topic = input.topic.unwrap_or_default();
        let text = match topic {
            DocsTopic::Overview => format!(
                "{OVERVIEW}\nMore: pm_docs with topic workflow, toolsets, fields or time; pm_workflow for worked examples.\n"
            ),
            DocsTopic::Workflow => WORKFLOW.to_string(),
            DocsTopic::Toolsets => toolsets_text(),
            DocsTopic::Fields => FIELDS.to_string(),
            DocsTopic::Time => TIME.to_string(),
            DocsTopic::All => [OVERVIEW, WORKFLOW, FIELDS, TIME, &toolsets_text()].join("\n"),
        };
        Ok(DocsOutput {
            topic,
            text,
            toolsets: toolsets(),
        })
    }

    pub async fn pm_workflow(&self, _input: WorkflowGuideInput) -> Result<GuideOutput> {
        Ok(GuideOutput {
            text: METHODOLOGY.to_string(),
        })
    }

    pub async fn pm_reminder(&self, _input: ReminderInput) -> Result<GuideOutput> {
        Ok(GuideOutput {
            text: REMINDER.to_string(),
        })
    }
}
