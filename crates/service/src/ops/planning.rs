//! Planning an issue: refining its specification, estimating it, assigning
//! and prioritizing it, splitting it into child issues, and finding what it
//! is related to. One submodule per group of operations.

mod assign;
mod estimate;
mod gaps;
mod refine;
mod related;
mod split;

pub use assign::*;
pub use estimate::*;
pub use gaps::*;
pub use refine::*;
pub use related::*;
pub use split::*;
