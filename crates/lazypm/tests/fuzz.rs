//! A bounded, deterministic fuzz of every MCP tool's input schema, against
//! the built binary over stdio with rmcp's client.
//!
//! For each tool that `lazypm mcp --toolsets all` lists, [`CALLS_PER_TOOL`]
//! calls are generated from its input schema with a seeded PRNG: valid-looking
//! values (enum members, existing keys, durations), and boundary or invalid
//! ones (wrong types, empty, huge, control characters, unicode, extreme
//! numbers, nulls, deep nesting, long lists, unknown and missing fields).
//! Every call must be answered in time, as a success with structured content
//! or as a tool error whose code is a user's error (`invalid_input`,
//! `not_found`, `conflict`, `git`, `read_only`) — never `internal`, never a
//! JSON-RPC error. The seed is printed first; `LAZYPM_FUZZ_SEED` and
//! `LAZYPM_FUZZ_CALLS` replay or deepen a run, `LAZYPM_FUZZ_VERBOSE=1`
//! prints every call and its answer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use rmcp::model::{CallToolRequestParams, CallToolResult, Tool};
use rmcp::service::RunningService;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Map, Value, json};

type Client = RunningService<RoleClient, ()>;

/// The fixed seed; `LAZYPM_FUZZ_SEED` (decimal or 0x-hex) overrides it.
const SEED: u64 = 0x1A2F_E5ED_0F00_D5EE;
/// Calls per tool; `LAZYPM_FUZZ_CALLS` overrides it.
const CALLS_PER_TOOL: usize = 25;
/// How long one call may take before it counts as a hang.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// Tool error codes that say the caller was wrong, or the world was:
/// anything else (`internal`) is a bug.
const USER_ERRORS: &[&str] = &["invalid_input", "not_found", "conflict", "git", "read_only"];
/// The largest string the fuzzer sends, in bytes.
const HUGE: usize = 50 * 1024;

// ---------------------------------------------------------------------------
// A tiny seeded PRNG (splitmix64): deterministic on every platform.

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True `pct` times in a hundred.
    fn chance(&mut self, pct: u64) -> bool {
        self.next() % 100 < pct
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// FNV-1a: mixes a tool's name into the seed, so each tool's calls depend on
/// the seed and its name only, not on the other tools.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

// ---------------------------------------------------------------------------
// Values, from a property's name and schema.

/// Keys set up before the fuzz; each tool's calls also get fresh ones (see [`Fresh`]).
const KEYS: &[&str] = &["FZ-1", "FZ-2", "FZ-3", "FZ-001"];
const TASK_KEYS: &[&str] = &["FZ-1-T1", "FZ-1-T2", "FZ-001-T1"];
const DURATIONS: &[&str] = &["2h", "30m", "2h30m", "1.5d", "1-2d", "3d", "45m", "1w"];
const DATES: &[&str] = &["2025-01-06", "2025-01-20", "2026-03-01", "2024-02-29"];
const WORDS: &[&str] = &[
    "Parse the config",
    "fix it",
    "x",
    "Notes on the change",
    "## Plan\n\n- read\n- write",
    "config",
    "reload on change",
];

const BAD_KEYS: &[&str] = &[
    "fz-1",
    "FZ-0",
    "FZ-18446744073709551616",
    "FZ-99999",
    "FZ--1",
    "FZ-",
    "-",
    "FZ-1 ",
    " FZ-1",
    "FZ-1-T999",
    "FZ-1-T0",
    "FZ-1-T-1",
    "ZZ-1",
    "FZ-\u{663}",
    "ＦＺ-１",
    "FZ-1/../FZ-2",
    "FZ-1%00",
    "FZ-1' OR '1'='1",
    "FZ_1",
    "FZ1",
];
const BAD_DURATIONS: &[&str] = &[
    "0m",
    "-2h",
    "9999999999999d",
    "2x",
    "1.5.5h",
    "1-",
    "3-2d",
    "h",
    "2h2h",
    "1e9h",
    "0.0001m",
    "\u{221e}h",
    "1-2-3d",
    "NaNh",
    "18446744073709551616m",
];
const BAD_DATES: &[&str] = &[
    "2025-02-30",
    "0000-01-01",
    "9999-12-31",
    "2025-13-01",
    "2025-1-1",
    "20250101",
    "2025-01-01T00:00:00Z",
    "-2025-01-01",
    "+275760-09-13",
];
const CONTROL: &[&str] = &[
    "a\u{0}b",
    "\u{1b}[31mred\u{1b}[0m",
    "bell\u{7}",
    "del\u{7f}",
    "c1\u{85}next",
    "csi\u{9b}2J",
    "back\u{8}space",
    "line\r\nbreak",
    "tab\there",
];
const UNICODE: &[&str] = &[
    "\u{1f680}\u{1f525} emoji",
    "\u{202e}RTL override\u{202c}",
    "\u{645}\u{631}\u{62d}\u{628}\u{627}",
    "\u{5e9}\u{5dc}\u{5d5}\u{5dd}",
    "e\u{301}\u{301}\u{301}\u{301}",
    "\u{200b}\u{200d}",
    "\u{feff}BOM",
    "\u{1d571}\u{1d585}-1",
    "\u{fffd}",
    "\u{10ffff}",
    "\u{e000}private",
    "\u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467}",
];
const LISTISH: &[&str] = &[
    "FZ-1,FZ-2",
    "FZ-1, FZ-2 ,,FZ-3",
    ",,,",
    "a\nb\n\nc",
    " , ",
    "FZ-1,FZ-1,FZ-1",
    "one item",
];
const EXTRA_FIELDS: &[&str] = &[
    "zz_extra",
    "__proto__",
    "",
    " ",
    "issue-key",
    "ISSUE_KEY",
    "q",
    "submodule",
    "comment",
    "type",
    "issue_key",
    "\u{1f680}",
    "a.b",
    "constructor",
];

/// The JSON types a schema allows; empty when it says nothing.
fn types(s: &Value) -> Vec<String> {
    match s.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect(),
        _ => {
            let mut out: Vec<String> = Vec::new();
            if let Some(Value::Array(members)) = s.get("enum") {
                out.extend(members.iter().map(|m| json_type(m).to_string()));
            }
            if let Some(Value::Array(branches)) = s.get("anyOf") {
                out.extend(branches.iter().flat_map(types));
            }
            out.sort();
            out.dedup();
            out
        }
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn allows(types: &[String], v: &Value) -> bool {
    let t = json_type(v);
    types
        .iter()
        .any(|a| a == t || (a == "number" && t == "integer"))
}

/// Makes the arguments of calls, from a seeded PRNG.
struct Fuzzer {
    rng: Rng,
    /// Issue keys valid-looking values use: [`KEYS`] and the tool's fresh ones.
    keys: Vec<String>,
    /// Task keys valid-looking values use.
    task_keys: Vec<String>,
    /// Directories `path` fields may name: all inside the test's temp dir.
    paths: Vec<String>,
}

impl Fuzzer {
    fn pick_str(&mut self, items: &[&str]) -> Value {
        Value::String((*self.rng.pick(items)).to_string())
    }

    /// A valid-looking value for `field`.
    fn valid(&mut self, field: &str, s: &Value) -> Value {
        if let Some(Value::Array(members)) = s.get("enum") {
            let non_null: Vec<&Value> = members.iter().filter(|m| !m.is_null()).collect();
            if non_null.is_empty() || (non_null.len() < members.len() && self.rng.chance(10)) {
                return Value::Null;
            }
            return (*self.rng.pick(&non_null)).clone();
        }
        if let Some(Value::Array(branches)) = s.get("anyOf") {
            let b = self.rng.pick(branches).clone();
            return self.valid(field, &b);
        }
        let ts = types(s);
        let non_null: Vec<&String> = ts.iter().filter(|t| *t != "null").collect();
        if non_null.is_empty() {
            return if ts.is_empty() {
                self.pick_str(WORDS)
            } else {
                Value::Null
            };
        }
        if non_null.len() < ts.len() && self.rng.chance(10) {
            return Value::Null;
        }
        // A list that also takes a string: mostly a list, sometimes its items comma-separated.
        let t = if non_null.iter().any(|t| *t == "array") && self.rng.chance(75) {
            "array".to_string()
        } else {
            (*self.rng.pick(&non_null)).clone()
        };
        match t.as_str() {
            "string" => {
                if non_null.iter().any(|t| *t == "array") {
                    let item = s.get("items").cloned().unwrap_or(json!({"type": "string"}));
                    let n = self.rng.range(1, 3);
                    let parts: Vec<String> = (0..n)
                        .map(|_| match self.valid(field, &item) {
                            Value::String(x) => x,
                            other => other.to_string(),
                        })
                        .collect();
                    Value::String(parts.join(", "))
                } else {
                    self.valid_string(field, s)
                }
            }
            "integer" => json!(self.valid_int(field)),
            "number" => json!(*self.rng.pick(&[0.5, 1.0, 2.5, 8.0, 40.0])),
            "boolean" => json!(self.rng.chance(50)),
            "array" => {
                let item = s.get("items").cloned().unwrap_or(json!({"type": "string"}));
                let n = self.rng.range(0, 3);
                Value::Array((0..n).map(|_| self.valid(field, &item)).collect())
            }
            "object" => Value::Object(self.valid_object(s, 50)),
            _ => Value::Null,
        }
    }

    /// An object with every required property and each optional one `pct` times in a hundred.
    fn valid_object(&mut self, s: &Value, pct: u64) -> Map<String, Value> {
        let required: Vec<&str> = s
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut out = Map::new();
        if let Some(Value::Object(props)) = s.get("properties") {
            for (name, p) in props {
                if required.contains(&name.as_str()) || self.rng.chance(pct) {
                    let v = self.valid(name, p);
                    out.insert(name.clone(), v);
                }
            }
        }
        out
    }

    fn valid_string(&mut self, field: &str, s: &Value) -> Value {
        if s.get("format").and_then(Value::as_str) == Some("date") || field.ends_with("_date") {
            return self.pick_str(DATES);
        }
        match field {
            "task_key" => Value::String(self.rng.pick(&self.task_keys).clone()),
            "issue_key" | "issue_keys" | "target_key" | "parent" | "dependencies" => {
                Value::String(self.rng.pick(&self.keys).clone())
            }
            "project_id" => self.pick_str(&["FZ", "FZ", "fz", "QZ"]),
            "key" => self.pick_str(&["ZZ", "AB12", "QZ"]),
            "effort" | "estimated_effort" | "time_spent" | "actual_time" | "estimate" => {
                self.pick_str(DURATIONS)
            }
            "sprint" => self.pick_str(&["S1", "S1", "S2"]),
            "module" | "reassign_to" => self.pick_str(&["core", "ui"]),
            "name" => self.pick_str(&["core", "S1", "ui", "Fuzz project", "S2"]),
            "path" => {
                let p = self.rng.pick(&self.paths).clone();
                Value::String(p)
            }
            "branch" | "base_branch" => self.pick_str(&["main", "fz-1-parse-the-config"]),
            "remote" => self.pick_str(&["origin", "upstream"]),
            "owner" | "assignee" | "reviewers" | "stakeholders" => {
                self.pick_str(&["alice", "agent", "bob"])
            }
            "fields" => self.pick_str(&["key", "title", "status", "priority", "owner"]),
            "urls" => self.pick_str(&["https://example.com/pr/1", "http://x.test/a?b=c"]),
            "commits" => self.pick_str(&["abc1234", "0123456789abcdef0123456789abcdef01234567"]),
            "files" | "artifacts" => self.pick_str(&["src/main.rs", "README.md", "."]),
            "cursor" => self.pick_str(&["", "MjA=", "FZ-1", "50"]),
            "query" => self.pick_str(&["config", "Parse", "FZ-1", "reload"]),
            _ => self.pick_str(WORDS),
        }
    }

    fn valid_int(&mut self, field: &str) -> i64 {
        match field {
            "limit" => *self.rng.pick(&[1, 5, 20, 200]),
            "version" => self.rng.range(1, 3) as i64,
            "story_points" => *self.rng.pick(&[0, 1, 3, 8, 13]),
            "since_hours" => *self.rng.pick(&[1, 24, 72]),
            "item" => self.rng.range(1, 3) as i64,
            _ => self.rng.range(0, 10) as i64,
        }
    }

    /// A boundary or invalid value for `field`; the large ones (huge strings,
    /// deep nesting, long lists) only at the top level of the arguments.
    fn invalid(&mut self, field: &str, s: &Value, top: bool) -> Value {
        loop {
            let v = match self.rng.below(16) {
                0 | 1 => self.wrong_type(s),
                2 => self.pick_str(&["", " ", "\t", "\n", "   \n  "]),
                3 if top => self.huge_string(),
                4 => self.pick_str(CONTROL),
                5 => self.pick_str(UNICODE),
                6 => self.number(),
                7 => Value::Null,
                8 if top => self.nested(),
                9 if top => self.long_list(field, s),
                10 => self.pick_str(LISTISH),
                11 => self.pick_str(BAD_KEYS),
                12 => self.pick_str(BAD_DURATIONS),
                13 => self.pick_str(BAD_DATES),
                14 => {
                    // A single valid item where a list is expected, or a list around a valid scalar.
                    let item = s.get("items").cloned().unwrap_or_else(|| s.clone());
                    let one = self.valid(field, &item);
                    if self.rng.chance(50) {
                        one
                    } else {
                        json!([one])
                    }
                }
                15 => match self.rng.below(4) {
                    0 => json!({}),
                    1 => json!({"issue_key": "FZ-1"}),
                    2 => json!([]),
                    _ => json!([null, "FZ-1", 3, {"a": []}]),
                },
                _ => continue,
            };
            return v;
        }
    }

    /// A value whose JSON type the schema does not allow (any type when it allows them all).
    fn wrong_type(&mut self, s: &Value) -> Value {
        let ts = types(s);
        let candidates = [
            json!(7),
            json!(true),
            json!("seven"),
            json!(["FZ-1"]),
            json!({"x": 1}),
            json!(1.5),
            Value::Null,
        ];
        let wrong: Vec<&Value> = candidates.iter().filter(|c| !allows(&ts, c)).collect();
        if wrong.is_empty() {
            self.rng.pick(&candidates).clone()
        } else {
            (*self.rng.pick(&wrong)).clone()
        }
    }

    fn huge_string(&mut self) -> Value {
        let unit = *self.rng.pick(&[
            "a",
            "FZ-1,",
            "\u{1f680}",
            "word ",
            "line\n",
            "lorem ipsum dolor sit amet, ",
            "\u{202e}",
            "FZ-1\n",
        ]);
        let mut text = unit.repeat(HUGE / unit.len());
        if self.rng.chance(20) {
            text.push('\u{0}');
        }
        Value::String(text)
    }

    fn number(&mut self) -> Value {
        match self.rng.below(22) {
            // In range of the field's type, out of the operation's range.
            15 => json!(u32::MAX),
            16 => json!(i32::MAX),
            17 => json!(1000),
            18 => json!(1001),
            19 => json!(201),
            20 => json!(169),
            21 => json!(251),
            0 => json!(-1),
            1 => json!(0),
            2 => json!(i64::MIN),
            3 => json!(i64::MAX),
            4 => json!(u64::MAX),
            5 => json!(1e308),
            6 => json!(-1e308),
            7 => json!(1.5),
            8 => json!(9_007_199_254_740_993_u64),
            9 => json!(4_294_967_296_u64),
            10 => json!(65_536),
            11 => json!(-0.0),
            12 => json!(2_147_483_648_u64),
            13 => json!(-2_147_483_649_i64),
            _ => json!(1e-300),
        }
    }

    /// Arrays or objects nested 20–100 deep: within serde_json's recursion
    /// limit (128) with the JSON-RPC envelope around them.
    fn nested(&mut self) -> Value {
        let depth = self.rng.range(20, 100);
        let arrays = self.rng.chance(50);
        let mut v = json!("FZ-1");
        for _ in 0..depth {
            v = if arrays { json!([v]) } else { json!({"a": v}) };
        }
        v
    }

    /// 150–300 items: keys, duplicates, short strings, numbers or a mix.
    fn long_list(&mut self, field: &str, s: &Value) -> Value {
        let n = self.rng.range(150, 300);
        let kind = self.rng.below(5);
        let item_schema = s.get("items").cloned().unwrap_or(json!({"type": "string"}));
        Value::Array(
            (0..n)
                .map(|i| match kind {
                    0 => json!(format!("FZ-{}", i + 1)),
                    1 => json!("FZ-1"),
                    2 => json!(format!("item {i}")),
                    3 => json!(i),
                    _ => {
                        if i % 3 == 0 {
                            self.valid(field, &item_schema)
                        } else {
                            self.invalid(field, &item_schema, false)
                        }
                    }
                })
                .collect(),
        )
    }

    /// The arguments of call `i` of `tool`, or `None` to send none.
    fn args(&mut self, tool: &Tool, i: usize) -> Option<Map<String, Value>> {
        let schema = Value::Object(tool.input_schema.as_ref().clone());
        let props: Vec<(String, Value)> = schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        let required: Vec<String> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let mode = match i {
            0 => 0,   // required fields only, valid-looking
            1 => 100, // every field, valid-looking
            _ => self.rng.below(100),
        };
        let mut args = match mode {
            0 => self.valid_object(&schema, 0),
            100 => self.valid_object(&schema, 100),
            _ => self.valid_object(&schema, 50),
        };
        match mode {
            0 | 100 => {}
            1..=29 => {} // valid-looking, optional fields half the time
            30..=69 => {
                // One to three fields broken.
                if !props.is_empty() {
                    for _ in 0..self.rng.range(1, 3) {
                        let (name, p) = self.rng.pick(&props).clone();
                        let v = self.invalid(&name, &p, true);
                        args.insert(name, v);
                    }
                }
            }
            70..=77 => {
                // A required field missing (or, when none is, one set to null).
                if required.is_empty() {
                    if let Some((name, _)) = props.first() {
                        args.insert(name.clone(), Value::Null);
                    }
                } else {
                    let gone = self.rng.pick(&required).clone();
                    args.remove(&gone);
                }
            }
            78..=85 => {
                // Unknown extra fields.
                for _ in 0..self.rng.range(1, 2) {
                    let name = (*self.rng.pick(EXTRA_FIELDS)).to_string();
                    let v = if self.rng.chance(50) {
                        self.pick_str(WORDS)
                    } else {
                        self.invalid(&name, &json!({}), true)
                    };
                    args.insert(name, v);
                }
            }
            86..=93 => {
                // Every field garbage.
                args = props
                    .iter()
                    .map(|(name, p)| (name.clone(), self.invalid(name, p, true)))
                    .collect();
            }
            94..=96 => {
                // Every field null.
                args = props
                    .iter()
                    .map(|(name, _)| (name.clone(), Value::Null))
                    .collect();
            }
            97 => args = Map::new(),
            _ => return None,
        }
        Some(args)
    }
}

// ---------------------------------------------------------------------------
// The server under test.

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin!("lazypm").to_path_buf()
}

/// A directory holding only `git` (when there is one), for a PATH without `gh`.
fn git_only_path(dir: &Path) -> std::ffi::OsString {
    std::fs::create_dir_all(dir).unwrap();
    let path = std::env::var_os("PATH").unwrap_or_default();
    if let Some(git) = std::env::split_paths(&path)
        .map(|p| p.join("git"))
        .find(|p| p.is_file())
    {
        std::os::unix::fs::symlink(git, dir.join("git")).unwrap();
    }
    dir.as_os_str().to_owned()
}

struct Env {
    _store: lazypm_testkit::TestStore,
    dir: tempfile::TempDir,
    data: PathBuf,
    project: PathBuf,
    path: std::ffi::OsString,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let project = dir.path().join("fuzz project");
        std::fs::create_dir_all(project.join("sub")).unwrap();
        std::fs::create_dir_all(dir.path().join("elsewhere")).unwrap();
        let path = git_only_path(&dir.path().join("bin"));
        let e = Env {
            _store: lazypm_testkit::TestStore::for_data_dir(&data),
            data,
            project,
            path,
            dir,
        };
        let out = e
            .command()
            .args(["init", "--key", "FZ", "--name", "Fuzz"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        e
    }

    /// The binary in the project directory, with the test's store, a PATH
    /// without `gh`, and git kept inside the temp dir.
    fn command(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(bin());
        cmd.current_dir(&self.project)
            .env("LAZYPM_DATA_DIR", &self.data)
            .env("PATH", &self.path)
            .env("HOME", self.dir.path())
            .env("GIT_CEILING_DIRECTORIES", self.dir.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("LAZYPM_TOOLSETS")
            .env_remove("LAZYPM_PROJECT")
            .env_remove("LAZYPM_ACTOR")
            .env_remove("GH_TOKEN")
            .env_remove("GITHUB_TOKEN");
        cmd
    }

    /// Paths the fuzzer may name: all inside the temp dir.
    fn safe_paths(&self) -> Vec<String> {
        let d = self.dir.path();
        vec![
            self.project.display().to_string(),
            self.project.join("sub").display().to_string(),
            d.join("elsewhere").display().to_string(),
            d.join("missing").display().to_string(),
            "sub".into(),
        ]
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let head: String = s.chars().take(max).collect();
        format!("{head}… ({} bytes)", s.len())
    }
}

/// What is wrong with a call's answer, if anything.
fn judge(
    answer: &Result<Result<CallToolResult, rmcp::ServiceError>, tokio::time::error::Elapsed>,
) -> Result<String, String> {
    let r = match answer {
        Err(_) => return Err(format!("no answer within {CALL_TIMEOUT:?}")),
        Ok(Err(e)) => return Err(format!("JSON-RPC error: {e}")),
        Ok(Ok(r)) => r,
    };
    let sc = r.structured_content.as_ref();
    if r.is_error == Some(true) {
        let code = sc
            .and_then(|v| v.pointer("/error/code"))
            .and_then(Value::as_str);
        match code {
            Some(c) if USER_ERRORS.contains(&c) => Ok(c.to_string()),
            Some(c) => Err(format!("tool error with code {c}")),
            None => Err("tool error without structuredContent.error.code".into()),
        }
    } else if sc.is_some_and(Value::is_object) {
        Ok("ok".into())
    } else {
        Err("success without structured content".into())
    }
}

fn describe_answer(
    answer: &Result<Result<CallToolResult, rmcp::ServiceError>, tokio::time::error::Elapsed>,
) -> String {
    match answer {
        Ok(Ok(r)) => truncate(
            &r.structured_content
                .as_ref()
                .map(Value::to_string)
                .unwrap_or_else(|| format!("{:?}", r.content)),
            600,
        ),
        Ok(Err(e)) => truncate(&e.to_string(), 600),
        Err(_) => "(none)".into(),
    }
}

async fn call(
    c: &Client,
    name: &str,
    args: Option<Map<String, Value>>,
) -> Result<Result<CallToolResult, rmcp::ServiceError>, tokio::time::error::Elapsed> {
    let mut params = CallToolRequestParams::new(name.to_string());
    if let Some(a) = args {
        params = params.with_arguments(a);
    }
    tokio::time::timeout(CALL_TIMEOUT, c.call_tool(params)).await
}

/// A setup call that must succeed.
async fn setup(c: &Client, name: &str, args: Value) -> Value {
    let Value::Object(map) = args else {
        panic!("arguments must be an object")
    };
    let answer = call(c, name, Some(map)).await;
    match &answer {
        Ok(Ok(r)) if r.is_error != Some(true) => r.structured_content.clone().unwrap(),
        _ => panic!("setup: {name} failed: {}", describe_answer(&answer)),
    }
}

/// Issues set up afresh for each tool, so its calls meet every working
/// state whatever the tools before it did: one proposed, one in progress
/// (with a task), one in review, one done and archived.
struct Fresh {
    proposed: String,
    in_progress: String,
    review: String,
    archived: String,
}

impl Fresh {
    async fn set_up(c: &Client) -> Fresh {
        let mut keys = Vec::new();
        for title in [
            "Fresh proposed",
            "Fresh in progress",
            "Fresh in review",
            "Fresh archived",
        ] {
            let v = setup(
                c,
                "pm_create_issue",
                json!({"type": "feature", "title": title, "acceptance_criteria": ["works"]}),
            )
            .await;
            keys.push(v["issue"]["key"].as_str().unwrap().to_string());
        }
        for key in &keys[1..] {
            setup(c, "pm_start_work", json!({"issue_key": key})).await;
        }
        setup(
            c,
            "pm_create_task",
            json!({"issue_key": keys[1], "title": "Step", "checklist": ["one", "two"]}),
        )
        .await;
        setup(
            c,
            "pm_request_review",
            json!({"issue_key": keys[2], "summary": "look"}),
        )
        .await;
        setup(
            c,
            "pm_complete_issue",
            json!({"issue_key": keys[3], "archive": true}),
        )
        .await;
        let [proposed, in_progress, review, archived] = <[String; 4]>::try_from(keys).unwrap();
        Fresh {
            proposed,
            in_progress,
            review,
            archived,
        }
    }

    fn keys(&self) -> [String; 4] {
        [
            self.proposed.clone(),
            self.in_progress.clone(),
            self.review.clone(),
            self.archived.clone(),
        ]
    }
}

fn env_number(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim();
    match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(&hex.replace('_', ""), 16).ok(),
        None => v.parse().ok(),
    }
}

fn stderr_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tool_survives_fuzzed_arguments() {
    let seed = env_number("LAZYPM_FUZZ_SEED").unwrap_or(SEED);
    let verbose = std::env::var_os("LAZYPM_FUZZ_VERBOSE").is_some();
    let per_tool = env_number("LAZYPM_FUZZ_CALLS").map_or(CALLS_PER_TOOL, |n| n as usize);
    println!(
        "fuzz: seed {seed:#018x}, {per_tool} calls per tool (LAZYPM_FUZZ_SEED / LAZYPM_FUZZ_CALLS to change)"
    );
    let started = Instant::now();
    let e = Env::new();
    let stderr_path = e.dir.path().join("server.stderr");
    let mut cmd = tokio::process::Command::from(e.command());
    cmd.args(["mcp", "--toolsets", "all"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .kill_on_drop(true);
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let stdin = child.stdin.take().unwrap();
    let c: Client = ().serve((stdout, stdin)).await.unwrap();

    // Issues FZ-1..FZ-3 (FZ-2 in progress), a task FZ-1-T1, a sprint, a submodule.
    for (ty, title) in [
        ("feature", "Parse the config"),
        ("bug", "Reload on change"),
        ("chore", "Tidy the module"),
    ] {
        setup(
            &c,
            "pm_create_issue",
            json!({"type": ty, "title": title, "acceptance_criteria": ["works"]}),
        )
        .await;
    }
    setup(
        &c,
        "pm_create_task",
        json!({"issue_key": "FZ-1", "title": "Read TOML", "checklist": ["open", "parse"]}),
    )
    .await;
    setup(&c, "pm_start_work", json!({"issue_key": "FZ-2"})).await;
    setup(
        &c,
        "pm_create_sprint",
        json!({"name": "S1", "start_date": "2025-01-06", "end_date": "2025-01-20"}),
    )
    .await;
    setup(&c, "pm_add_submodule", json!({"name": "core"})).await;

    let mut tools = c.list_all_tools().await.unwrap();
    assert!(
        tools.len() >= 50,
        "--toolsets all lists {} tools",
        tools.len()
    );
    // Destructive tools last, so the others meet the issues set up above.
    tools.sort_by_key(|t| {
        t.annotations
            .as_ref()
            .and_then(|a| a.destructive_hint)
            .unwrap_or(false)
    });

    let mut failures: Vec<String> = Vec::new();
    let mut outcomes: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut calls = 0usize;
    let mut timeouts = 0usize;
    let mut slowest = (Duration::ZERO, String::new());
    'tools: for tool in &tools {
        let fresh = Fresh::set_up(&c).await;
        let mut fuzzer = Fuzzer {
            rng: Rng(seed ^ fnv(&tool.name)),
            keys: KEYS
                .iter()
                .map(|k| k.to_string())
                .chain(fresh.keys())
                .collect(),
            task_keys: TASK_KEYS
                .iter()
                .map(|k| k.to_string())
                .chain([format!("{}-T1", fresh.in_progress)])
                .collect(),
            paths: e.safe_paths(),
        };
        for i in 0..per_tool {
            let args = fuzzer.args(tool, i);
            let shown = truncate(
                &args.as_ref().map_or_else(
                    || "(no arguments)".into(),
                    |a| Value::Object(a.clone()).to_string(),
                ),
                300,
            );
            let t0 = Instant::now();
            let answer = call(&c, &tool.name, args).await;
            let took = t0.elapsed();
            calls += 1;
            if took > slowest.0 {
                slowest = (took, format!("{} #{i}", tool.name));
            }
            if verbose {
                println!(
                    "{} #{i} {took:.1?}\n    args: {shown}\n    answer: {}",
                    tool.name,
                    truncate(&describe_answer(&answer), 300)
                );
            }
            let outcome = match judge(&answer) {
                Ok(kind) => kind,
                Err(why) => {
                    failures.push(format!(
                        "{} call #{i}: {why} (after {took:?})\n    args: {shown}\n    response: {}",
                        tool.name,
                        describe_answer(&answer)
                    ));
                    if answer.is_err() {
                        timeouts += 1;
                    }
                    "FAILED".into()
                }
            };
            *outcomes
                .entry(tool.name.to_string())
                .or_default()
                .entry(outcome)
                .or_default() += 1;
            if let Ok(Some(status)) = child.try_wait() {
                failures.push(format!(
                    "the server exited ({status}) after {} call #{i}\n    args: {shown}",
                    tool.name
                ));
                break 'tools;
            }
            if timeouts >= 3 {
                failures.push("three calls went unanswered: stopped fuzzing".into());
                break 'tools;
            }
        }
    }

    println!(
        "fuzz: {calls} calls to {} tools in {:.1?} (slowest: {} in {:.1?})",
        tools.len(),
        started.elapsed(),
        slowest.1,
        slowest.0
    );
    for (tool, counts) in &outcomes {
        let counts: Vec<String> = counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
        println!("  {tool:<28} {}", counts.join(", "));
    }

    // Still serving, on the project set up above, and still running.
    if child.try_wait().unwrap().is_none() {
        for (name, args) in [
            ("pm_status", json!({})),
            ("pm_list_issues", json!({"limit": 5})),
        ] {
            let Value::Object(map) = args else {
                unreachable!()
            };
            let answer = call(&c, name, Some(map)).await;
            match &answer {
                Ok(Ok(r)) if r.is_error != Some(true) => {
                    let v = r.structured_content.clone().unwrap_or_default();
                    if name == "pm_status" && v["project"] != "FZ" {
                        failures.push(format!(
                            "after fuzzing, pm_status is on another project: {}",
                            truncate(&v.to_string(), 300)
                        ));
                    }
                }
                _ => failures.push(format!(
                    "after fuzzing, {name} fails: {}",
                    describe_answer(&answer)
                )),
            }
        }
    }
    match child.try_wait().unwrap() {
        None => {}
        Some(status) => failures.push(format!("the server exited during the fuzz: {status}")),
    }
    let log = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    if log.contains("panicked") {
        failures.push(format!(
            "the server panicked:\n{}",
            stderr_tail(&stderr_path)
        ));
    }
    let _ = c.cancel().await;
    let _ = child.wait().await;

    println!("fuzz: done in {:.1?}", started.elapsed());
    assert!(
        failures.is_empty(),
        "{} of {calls} fuzzed calls failed (seed {seed:#018x}):\n{}\nserver stderr (tail):\n{}",
        failures.len(),
        failures
            .iter()
            .take(30)
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join("\n"),
        stderr_tail(&stderr_path)
    );
}

/// Malformed lines that tests/mcp.rs does not send (it covers lines that are
/// not JSON, not UTF-8 or oversized, and tools/call without a name, with a
/// blank one or with arguments that are not an object), over raw stdio:
/// each gets one answer; a request whose id can be read gets its answer
/// under that id, so the client waiting on it is not left hanging; the
/// session keeps serving.
#[test]
fn raw_stdio_malformed_requests_are_answered_under_their_id() {
    use std::io::{BufRead, BufReader};

    let e = Env::new();
    let mut child = e
        .command()
        .args(["mcp", "--toolsets", "all"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut raw = Raw { stdin, rx };
    let init = raw.send(br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}"#);
    assert_eq!(init["id"], 1, "{init}");
    raw.notify(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);

    let mut wrong = Vec::new();
    // Requests whose id is there to read: the answer is an error under that id.
    for line in [
        r#"{"jsonrpc":"2.0","id":101,"method":"tools/call","params":{"name":5,"arguments":{}}}"#,
        r#"{"jsonrpc":"2.0","id":102,"method":"tools/call","params":[1]}"#,
        r#"{"jsonrpc":"2.0","id":103,"method":"tools/call"}"#,
        r#"{"jsonrpc":"2.0","id":104,"method":"tools/call","params":{"name":"pm_status","_meta":5}}"#,
        r#"{"jsonrpc":"2.0","id":105,"method":"tools/list","params":5}"#,
        r#"{"jsonrpc":"2.0","id":"s-106","method":"ping","params":"x"}"#,
        r#"{"jsonrpc":"1.0","id":107,"method":"ping"}"#,
        r#"{"jsonrpc":"2.0","id":108,"method":5}"#,
        r#"{"jsonrpc":"2.0","id":109,"method":"no/such/method"}"#,
        r#"{"jsonrpc":"2.0","id":110,"method":"prompts/get","params":{"name":5}}"#,
        r#"{"id":111,"method":"ping"}"#,
    ] {
        let id = serde_json::from_str::<Value>(line).unwrap()["id"].clone();
        let a = raw.send(line.as_bytes());
        let code = a["error"]["code"].as_i64();
        if a.get("id") != Some(&id) || !matches!(code, Some(-32602..=-32600)) {
            wrong.push(format!("{line}\n    answered: {a}"));
        }
    }
    // Lines with no id to read: an Invalid Request error, with no id or id null.
    for line in [
        "42",
        "[]",
        "\"x\"",
        "null",
        r#"[{"jsonrpc":"2.0","id":120,"method":"ping"}]"#,
        r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#,
        r#"{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}"#,
        r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#,
    ] {
        let a = raw.send(line.as_bytes());
        if !a.get("id").is_none_or(Value::is_null) || a["error"]["code"] != -32600 {
            wrong.push(format!("{line}\n    answered: {a}"));
        }
    }
    // JSON serde_json will not read (nested past its recursion limit, a lone
    // surrogate): a parse error with id null.
    let deep = format!(
        r#"{{"jsonrpc":"2.0","id":130,"method":"tools/call","params":{{"name":"pm_status","arguments":{{"a":{}{}}}}}}}"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    let surrogate = r#"{"jsonrpc":"2.0","id":131,"method":"tools/call","params":{"name":"pm_get_issue","arguments":{"issue_key":"\ud800"}}}"#;
    for line in [deep.as_str(), surrogate] {
        let a = raw.send(line.as_bytes());
        if a["id"] != Value::Null || a["error"]["code"] != -32700 {
            wrong.push(format!("{}\n    answered: {a}", truncate(line, 120)));
        }
    }

    // Still serving.
    let a = raw.send(br#"{"jsonrpc":"2.0","id":140,"method":"tools/call","params":{"name":"pm_status","arguments":{}}}"#);
    assert_eq!(a["id"], 140, "{a}");
    assert_eq!(a["result"]["structuredContent"]["project"], "FZ", "{a}");
    assert_eq!(
        raw.send(br#"{"jsonrpc":"2.0","id":141,"method":"ping"}"#)["id"],
        141
    );
    drop(raw);
    let status = child.wait().unwrap();
    reader.join().unwrap();
    assert!(
        wrong.is_empty(),
        "{} malformed lines got the wrong answer:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(status.success(), "the server ends cleanly: {status}");
}

/// A raw stdio session: lines out, one answer back per request.
struct Raw {
    stdin: std::process::ChildStdin,
    rx: std::sync::mpsc::Receiver<String>,
}

impl Raw {
    fn notify(&mut self, line: &[u8]) {
        use std::io::Write;
        self.stdin.write_all(line).unwrap();
        self.stdin.write_all(b"\n").unwrap();
        self.stdin.flush().unwrap();
    }

    /// Sends `line` and reads the one answer it gets.
    fn send(&mut self, line: &[u8]) -> Value {
        self.notify(line);
        let shown = truncate(&String::from_utf8_lossy(line), 120);
        let answer = self
            .rx
            .recv_timeout(CALL_TIMEOUT)
            .unwrap_or_else(|_| panic!("no answer to {shown}"));
        serde_json::from_str(&answer)
            .unwrap_or_else(|e| panic!("the answer to {shown} is not JSON ({e}): {answer}"))
    }
}
