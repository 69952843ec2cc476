//! Every operation of the registry, driven through `Service::call` with JSON
//! arguments against a real SQLite file, the way the CLI and MCP server use it.
//!
//! One test binary; each module covers one area, `common` holds the fixtures.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod analytics;
mod archive;
mod compat;
mod concurrency;
mod daily_loop;
mod flow_tools;
mod fuzz;
mod graph_tools;
mod intelligence;
mod issues;
mod links;
mod projects;
mod queue;
mod refusals;
mod registry;
mod reports;
mod sprints;
mod tasks;
mod workflow;
