//! `lazypm audit verify`: walks the audit chain in the events table and
//! checks every line of `events.jsonl` against it. Reports each event
//! edited, deleted or moved, in the table or in the file.

use std::collections::{HashMap, HashSet};
use std::io::BufRead as _;
use std::path::Path;

use lazypm_domain::Event;
use lazypm_store::Store;
use lazypm_store::chain::link;
use serde::Serialize;

use crate::Result;

/// Events read per page of the table.
const PAGE: i64 = 5_000;

/// What the check found.
#[derive(Debug, Default, Serialize)]
pub struct AuditReport {
    /// Events in the table.
    pub events: u64,
    /// Of those, how many were written before the chain began (no hash).
    pub before_chain: u64,
    /// Lines read from events.jsonl (`None`: no file to check).
    pub file_lines: Option<u64>,
    /// The newest event's hash: write it down to detect a later rewrite of the whole chain.
    pub head: Option<String>,
    pub problems: Vec<AuditProblem>,
}

#[derive(Debug, Serialize)]
pub struct AuditProblem {
    /// `table` or `events.jsonl`.
    pub place: &'static str,
    /// The event's sequence number in the table, when known.
    pub seq: Option<i64>,
    /// The line of events.jsonl, when the problem is there.
    pub line: Option<u64>,
    pub message: String,
}

/// One line of events.jsonl as read back.
#[derive(serde::Deserialize)]
struct FileLine {
    #[serde(flatten)]
    event: Event,
    hash: Option<String>,
}

/// What the table says of one event: its place, its predecessor's hash,
/// its own hash and its content.
struct Known {
    seq: i64,
    prev: Option<String>,
    hash: Option<String>,
    event: Event,
}

pub async fn verify_audit(store: &dyn Store, events_jsonl: Option<&Path>) -> Result<AuditReport> {
    let mut report = AuditReport::default();
    let mut known: HashMap<String, Known> = HashMap::new();
    let mut tx = store.begin_read().await?;
    let mut after = 0;
    let mut prev: Option<String> = None;
    let mut started = false;
    loop {
        let page = tx.chain_after(after, PAGE).await?;
        let n = page.len() as i64;
        for c in page {
            after = c.seq;
            report.events += 1;
            let what = describe(&c.event);
            match &c.hash {
                None if started => report.problems.push(AuditProblem {
                    place: "table",
                    seq: Some(c.seq),
                    line: None,
                    message: format!(
                        "event {} ({what}) has lost its hash: it was rewritten after the chain began",
                        c.seq
                    ),
                }),
                None => report.before_chain += 1,
                Some(h) => {
                    started = true;
                    if link(prev.as_deref(), &c.event) != *h {
                        report.problems.push(AuditProblem {
                            place: "table",
                            seq: Some(c.seq),
                            line: None,
                            message: format!(
                                "event {} ({what}) does not follow the chain: it was edited, or an event before it was deleted or moved",
                                c.seq
                            ),
                        });
                    }
                }
            }
            if known.contains_key(&c.event.id) {
                report.problems.push(AuditProblem {
                    place: "table",
                    seq: Some(c.seq),
                    line: None,
                    message: format!("event {} repeats the id {}", c.seq, c.event.id),
                });
            }
            // Each event is linked to the stored hash of the one right before it.
            let next_prev = c.hash.clone();
            known.insert(
                c.event.id.clone(),
                Known {
                    seq: c.seq,
                    prev: std::mem::replace(&mut prev, next_prev),
                    hash: c.hash,
                    event: c.event,
                },
            );
        }
        if n < PAGE {
            break;
        }
    }
    drop(tx);
    report.head = prev;
    if let Some(path) = events_jsonl {
        check_file(path, &known, &mut report)?;
    }
    Ok(report)
}

/// Checks every line of events.jsonl against the table.
fn check_file(path: &Path, known: &HashMap<String, Known>, report: &mut AuditReport) -> Result<()> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if !known.is_empty() {
                report.problems.push(AuditProblem {
                    place: "events.jsonl",
                    seq: None,
                    line: None,
                    message: format!("{} is missing", path.display()),
                });
            }
            report.file_lines = Some(0);
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    let mut seen: HashSet<String> = HashSet::new();
    let mut lines = 0;
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line?;
        let number = i as u64 + 1;
        lines = number;
        let problem = |seq: Option<i64>, message: String| AuditProblem {
            place: "events.jsonl",
            seq,
            line: Some(number),
            message,
        };
        let parsed: FileLine = match serde_json::from_str(&line) {
            Ok(p) => p,
            Err(e) => {
                report.problems.push(problem(
                    None,
                    format!("line {number} is not a whole event ({e})"),
                ));
                continue;
            }
        };
        let id = parsed.event.id.clone();
        if !seen.insert(id.clone()) {
            report
                .problems
                .push(problem(None, format!("line {number} repeats event {id}")));
            continue;
        }
        let Some(k) = known.get(&id) else {
            report.problems.push(problem(
                None,
                format!(
                    "line {number} holds event {id} ({}), which the table does not: it was deleted from the table",
                    describe(&parsed.event)
                ),
            ));
            continue;
        };
        let matches = match &k.hash {
            Some(h) => {
                link(k.prev.as_deref(), &parsed.event) == *h
                    && parsed.hash.as_ref().is_none_or(|fh| fh == h)
            }
            // Before the chain: the content must still be the table's.
            None => link(None, &parsed.event) == link(None, &k.event),
        };
        if !matches {
            report.problems.push(problem(
                Some(k.seq),
                format!(
                    "line {number} (event {}, {}) differs from the table: it was edited in the file",
                    k.seq,
                    describe(&k.event)
                ),
            ));
        }
    }
    report.file_lines = Some(lines);
    let mut missing: Vec<&Known> = known
        .iter()
        .filter(|(id, _)| !seen.contains(*id))
        .map(|(_, k)| k)
        .collect();
    missing.sort_by_key(|k| k.seq);
    for k in missing {
        report.problems.push(AuditProblem {
            place: "events.jsonl",
            seq: Some(k.seq),
            line: None,
            message: format!(
                "event {} ({}) is missing from the file: it was deleted there (opening the store appends it again)",
                k.seq,
                describe(&k.event)
            ),
        });
    }
    Ok(())
}

fn describe(e: &Event) -> String {
    format!(
        "{} on {} by {} at {}",
        e.event_type.as_str(),
        e.entity,
        e.actor,
        e.at.format("%Y-%m-%d %H:%M:%S")
    )
}
