//! Creating, reading, listing, searching, changing and deleting issues.
//! This file holds the output most issue operations share; the operations
//! and the shared input checks live in the submodules.

use lazypm_domain::Issue;
use schemars::JsonSchema;
use serde::Serialize;

mod create;
mod input;
mod read;
mod update;

pub use create::*;
pub use input::*;
pub use read::*;
pub use update::*;

#[derive(Debug, Serialize, JsonSchema)]
pub struct IssueOutput {
    pub issue: Issue,
    pub next_steps: Vec<String>,
}
