//! Arbitrary JSON thrown at every tool that needs neither git nor the file
//! system, and arbitrary text at the search query parser: each call ends in
//! a result or a named error, never a panic and never an internal error,
//! and a refused write leaves the store as it was.

use std::sync::OnceLock;

use lazypm_service::{OPERATIONS, Service, Toolset};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestRunner};
use serde_json::{Map, Value, json};

use crate::common::*;

/// Tools the property calls: all but git's (they run git) and the ones that
/// register projects at a path (they touch the file system).
fn tools() -> &'static [&'static str] {
    static TOOLS: OnceLock<Vec<&'static str>> = OnceLock::new();
    TOOLS.get_or_init(|| {
        OPERATIONS
            .iter()
            .filter(|o| o.toolset != Toolset::Git)
            .filter(|o| !matches!(o.name, "pm_init_project" | "pm_register_project"))
            .map(|o| o.name)
            .collect()
    })
}

/// The property names a tool's input schema declares, so generated objects
/// hit real fields with wrong or odd values as well as unknown ones.
fn fields(tool: &str) -> Vec<String> {
    OPERATIONS
        .iter()
        .find(|o| o.name == tool)
        .and_then(|o| {
            let schema = serde_json::to_value((o.input_schema)()).ok()?;
            let props = schema.get("properties")?.as_object()?;
            Some(props.keys().cloned().collect())
        })
        .unwrap_or_default()
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("PM-1".to_string()),
        Just("PM-999999999999999999999".to_string()),
        Just("2w".to_string()),
        Just("done".to_string()),
        "[a-z_]{1,12}",
        "\\PC{0,40}",
        ".{0,20}",
        "[\"*()^:\\-+ a-zA-Z0-9]{0,30}",
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1.0e12f64..1.0e12).prop_map(|f| json!(f)),
        Just(json!(0)),
        Just(json!(-1)),
        text().prop_map(Value::String),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,10}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A tool and arguments for it: its real field names mostly, odd values.
fn call() -> impl Strategy<Value = (&'static str, Value)> {
    (0..tools().len()).prop_flat_map(|i| {
        let tool = tools()[i];
        let names = fields(tool);
        let keys = if names.is_empty() {
            "[a-z_]{1,10}".boxed()
        } else {
            prop_oneof![4 => prop::sample::select(names), 1 => "[a-z_]{1,10}"].boxed()
        };
        prop::collection::btree_map(keys, value(), 0..5).prop_map(move |m| {
            (
                tool,
                Value::Object(m.into_iter().collect::<Map<String, Value>>()),
            )
        })
    })
}

/// A project with a little of everything to act on.
async fn world() -> (TestDir, Service) {
    let (dir, svc) = setup_project().await;
    let a = create(
        &svc,
        "First",
        json!({"estimate_hours": 2.0, "story_points": 3}),
    )
    .await;
    let b = create(&svc, "Second", json!({"dependencies": [a.clone()]})).await;
    start(&svc, &a).await;
    ok(
        &svc,
        "pm_log_work",
        json!({"issue_key": a, "activity": "code", "summary": "x", "time_spent": "1h"}),
    )
    .await;
    ok(
        &svc,
        "pm_create_sprint",
        json!({"name": "S1", "start_date": "2026-01-01", "end_date": "2026-01-14"}),
    )
    .await;
    ok(
        &svc,
        "pm_add_to_sprint",
        json!({"sprint": "S1", "issue_keys": [a, b]}),
    )
    .await;
    (dir, svc)
}

/// `default` cases, or `LAZYPM_FUZZ_CASES` times that over 1500 for a longer run.
fn cases(default: u32) -> u32 {
    std::env::var("LAZYPM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(default, |n| (n * u64::from(default) / 1500).max(1) as u32)
}

fn runner(cases: u32) -> TestRunner {
    // A fixed seed: the same cases every run.
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(1929),
        ..Config::default()
    })
}

#[test]
fn every_tool_answers_arbitrary_json_with_a_result_or_a_named_error() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (_dir, svc) = rt.block_on(world());
    let oks = std::cell::Cell::new(0);
    runner(cases(1500))
        .run(&call(), |(tool, args)| {
            let out = rt.block_on(svc.call(tool, args.clone()));
            if out.is_ok() {
                oks.set(oks.get() + 1);
            }
            if let Err(e) = &out {
                prop_assert_ne!(e.code(), "internal", "{}({}): {}", tool, args, e);
                prop_assert!(!e.to_string().trim().is_empty());
            }
            Ok(())
        })
        .unwrap();
    let n = cases(1500);
    println!(
        "fuzz: {} of {n} calls succeeded, the rest refused by name",
        oks.get()
    );
    // The generator gets past input checks often enough to exercise the tools.
    assert!(
        oks.get() * 15 >= n,
        "only {} of {n} calls succeeded",
        oks.get()
    );
}

#[test]
fn a_refused_write_changes_nothing() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (dir, svc) = rt.block_on(world());
    runner(cases(300))
        .run(&call(), |(tool, args)| {
            let before = rt.block_on(snapshot(&svc, &dir));
            if rt.block_on(svc.call(tool, args.clone())).is_err() {
                let after = rt.block_on(snapshot(&svc, &dir));
                prop_assert!(
                    before == after,
                    "{}({}) failed but changed the store",
                    tool,
                    args
                );
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn the_search_parser_takes_any_text() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (_dir, svc) = rt.block_on(world());
    runner(cases(800))
        .run(&prop_oneof![text(), "\\PC{0,80}"], |q| {
            let out = rt.block_on(svc.call("pm_search_issues", json!({"query": q})));
            if let Err(e) = &out {
                prop_assert_eq!(e.code(), "invalid_input", "query {:?}: {}", q, e);
            }
            Ok(())
        })
        .unwrap();
}
