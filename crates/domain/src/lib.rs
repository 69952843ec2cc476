//! lazypm's domain: the types every layer speaks, their validation, the
//! status workflow and pure computations. Nothing here does I/O.

pub mod analytics;
pub mod changes;
pub mod duration;
pub mod enums;
pub mod error;
pub mod event_type;
pub mod flow;
pub mod graph;
pub mod graph_render;
pub mod intelligence;
pub mod keys;
pub mod model;
pub mod ranking;
pub mod text;
pub mod vcs;
pub mod workflow;

pub use duration::{format_minutes, parse_duration};
pub use enums::{
    Activity, Complexity, DependencyKind, Health, IssueType, Priority, SortField, SortOrder,
    Status, TaskStatus,
};
pub use error::DomainError;
pub use event_type::EventType;
pub use keys::{IssueKey, ProjectKey, TaskKey};
pub use model::*;
pub use workflow::{allowed_next, check_transition};
