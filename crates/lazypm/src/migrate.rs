//! `lazypm migrate --from URL --to URL`: copies a whole store to another
//! (SQLite to PostgreSQL and back, or file to file) in one transaction on
//! the target, then proves the copy: per table, the row counts and a
//! SHA-256 of every row in its portable form must match.

use std::collections::BTreeMap;

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use lazypm_store::Store;
use lazypm_store::tables::{Row, TABLES, Table, parent_first};
use sha2::{Digest, Sha256};

#[derive(clap::Args)]
pub struct MigrateArgs {
    /// The store to copy from: `sqlite://path`, a path, or `postgres://…`.
    #[arg(long, value_name = "URL")]
    from: String,
    /// The store to copy into (made and migrated when it does not exist).
    #[arg(long, value_name = "URL")]
    to: String,
    /// Replace whatever the target holds (by default a target with any
    /// project, issue or event in it is refused). The old rows go in the
    /// same transaction as the copy, so a failed copy leaves them in place.
    #[arg(long)]
    replace: bool,
}

/// Rows per read from the source.
const PAGE: i64 = 2_000;

/// What was copied, per table.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Tally {
    pub rows: i64,
    pub sha256: String,
}

pub async fn run(args: MigrateArgs, settings: &crate::config::Settings) -> anyhow::Result<()> {
    let json = settings.json;
    anyhow::ensure!(
        args.from.trim() != args.to.trim(),
        "--from and --to name the same store: give two different ones"
    );
    let source = lazypm_service::open_store(&args.from)
        .await
        .with_context(|| format!("cannot open the source {}", redact(&args.from)))?;
    let target = lazypm_service::open_store(&args.to)
        .await
        .with_context(|| format!("cannot open the target {}", redact(&args.to)))?;
    // What --replace would replace is backed up first.
    let result = async {
        let dir = if args.replace {
            Some(settings.data_dir()?)
        } else {
            None
        };
        let backup_first = dir.as_deref().map(|d| (d, "before-migrate"));
        let (tables, backup) = copy(
            &*source,
            &*target,
            args.replace,
            &redact(&args.to),
            json,
            backup_first,
        )
        .await?;
        if let (Some(b), false) = (backup, json) {
            out!("the target as it was is backed up in {}", b.file.display());
        }
        anyhow::Ok(tables)
    }
    .await;
    source.close().await;
    target.close().await;
    let report = result?;
    if json {
        let tables: serde_json::Map<String, serde_json::Value> = in_order(&report)
            .map(|(t, c)| {
                (
                    t.to_string(),
                    serde_json::json!({"rows": c.rows, "sha256": c.sha256}),
                )
            })
            .collect();
        out!(
            "{}",
            serde_json::json!({"from": redact(&args.from), "to": redact(&args.to), "verified": true, "tables": tables})
        );
    } else {
        out!("{:<16} {:>10}  sha256", "table", "rows");
        for (t, c) in in_order(&report) {
            out!("{t:<16} {:>10}  {}", c.rows, &c.sha256[..16]);
        }
        out!(
            "\ncopied and verified: {} → {}",
            redact(&args.from),
            redact(&args.to)
        );
        out!(
            "to use it everywhere on this machine, write its URL into the data directory's `database-url` file"
        );
    }
    Ok(())
}

/// What to back up of the target before the copy replaces it: the data
/// directory and the backup's label.
pub(crate) type BackupFirst<'a> = Option<(&'a std::path::Path, &'a str)>;

/// Copies every table of `source` into `target` in one transaction and
/// reads the target back to prove it; `replace` lets a non-empty target be
/// emptied first (in the same transaction). `target_name` is how errors
/// name it. With `backup_first`, the target is backed up once its writers
/// are held off, so nothing written before the copy escapes both the
/// backup and the copy. Returns each table's row count and checksum, and
/// the backup.
pub(crate) async fn copy(
    source: &dyn Store,
    target: &dyn Store,
    replace: bool,
    target_name: &str,
    quiet: bool,
    backup_first: BackupFirst<'_>,
) -> anyhow::Result<(
    BTreeMap<&'static str, Tally>,
    Option<crate::backupcmd::Checked>,
)> {
    // A read transaction sees one snapshot on either backend, so the copy
    // is one consistent moment while the source's writers go on.
    let mut from = source.begin_read().await?;
    let mut to = target.begin_write().await?;
    let backup = match backup_first {
        // Boxed: a backup of a server store copies it with this function.
        Some((dir, label)) => Some(Box::pin(crate::backupcmd::take(target, dir, label)).await?),
        None => None,
    };
    let mut counts = BTreeMap::new();
    let mut total = 0;
    for t in TABLES {
        let n = from.count_rows(t).await?;
        counts.insert(t.name, n);
        total += n;
    }
    let occupied = occupied(&mut *to).await?;
    if !occupied.is_empty() {
        anyhow::ensure!(
            replace,
            "the target {target_name} is not empty ({}): pass --replace to replace what it holds, or name an empty store",
            occupied.join(", ")
        );
        for t in TABLES.iter().rev() {
            to.clear(t).await?;
        }
    }
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(total as u64)
    };
    bar.set_style(
        ProgressStyle::with_template("{msg:>14} [{bar:40}] {pos}/{len} rows ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let mut copied: BTreeMap<&'static str, Tally> = BTreeMap::new();
    for t in TABLES {
        bar.set_message(t.name);
        let mut hash = Sha256::new();
        let mut rows_copied = 0;
        if t.name == "issues" {
            // Parents before the issues that name them (ids need not say so).
            let mut all = Vec::new();
            let mut offset = 0;
            loop {
                let page = from.read_rows(t, offset, PAGE).await?;
                let n = page.len() as i64;
                digest(&mut hash, &page);
                all.extend(page);
                offset += n;
                if n < PAGE {
                    break;
                }
            }
            rows_copied = all.len() as i64;
            for chunk in parent_first(all).chunks(PAGE as usize) {
                to.write_rows(t, chunk).await?;
                bar.inc(chunk.len() as u64);
            }
        } else {
            let mut offset = 0;
            loop {
                let page = from.read_rows(t, offset, PAGE).await?;
                let n = page.len() as i64;
                digest(&mut hash, &page);
                to.write_rows(t, &page).await?;
                bar.inc(n as u64);
                rows_copied += n;
                offset += n;
                if n < PAGE {
                    break;
                }
            }
        }
        copied.insert(
            t.name,
            Tally {
                rows: rows_copied,
                sha256: hex(&hash.finalize()),
            },
        );
    }
    to.after_copy().await?;
    to.commit().await?;
    drop(from);
    target.refresh_statistics().await?;
    bar.finish_and_clear();

    // Read the target back and compare, table by table.
    let mut check = target.begin_read().await?;
    for t in TABLES {
        let mut hash = Sha256::new();
        let mut rows = 0;
        let mut offset = 0;
        loop {
            let page = check.read_rows(t, offset, PAGE).await?;
            let n = page.len() as i64;
            digest(&mut hash, &page);
            rows += n;
            offset += n;
            if n < PAGE {
                break;
            }
        }
        let there = Tally {
            rows,
            sha256: hex(&hash.finalize()),
        };
        let here = copied.get(t.name).context("a table was not copied")?;
        anyhow::ensure!(
            &there == here,
            "the copy of {} does not match its source: {} rows (sha256 {}) against {} (sha256 {})",
            t.name,
            there.rows,
            there.sha256,
            here.rows,
            here.sha256
        );
        anyhow::ensure!(
            counts.get(t.name) == Some(&rows),
            "{}: the source counted {:?} rows, {rows} were copied",
            t.name,
            counts.get(t.name)
        );
    }
    Ok((copied, backup))
}

/// What makes a store "not empty" (projects, issues or events), with the
/// counts, as `12 issues`; empty for an empty store.
pub(crate) async fn occupied(tx: &mut dyn lazypm_store::Tx) -> anyhow::Result<Vec<String>> {
    let mut rows = Vec::new();
    for name in ["projects", "issues", "events"] {
        if let Some(t) = Table::by_name(name) {
            let n = tx.count_rows(t).await?;
            if n > 0 {
                rows.push(format!("{n} {name}"));
            }
        }
    }
    Ok(rows)
}

/// The report's tables in copy order.
pub(crate) fn in_order<'a>(
    report: &'a BTreeMap<&'static str, Tally>,
) -> impl Iterator<Item = (&'static str, &'a Tally)> {
    TABLES
        .iter()
        .filter_map(|t| report.get(t.name).map(|c| (t.name, c)))
}

/// Adds rows to a table's digest: each row's portable JSON (keys sorted) and a newline.
fn digest(hash: &mut Sha256, rows: &[Row]) {
    for r in rows {
        hash.update(serde_json::Value::Object(r.clone()).to_string().as_bytes());
        hash.update(b"\n");
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A URL fit to print: any password replaced by `***`.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((user, host)) if user.contains(':') => {
            let name = user.split(':').next().unwrap_or_default();
            format!("{scheme}://{name}:***@{host}")
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_print() {
        assert_eq!(
            redact("postgres://pm:secret@db:5432/pm"),
            "postgres://pm:***@db:5432/pm"
        );
        assert_eq!(
            redact("postgres://pm@db/pm?schema=x"),
            "postgres://pm@db/pm?schema=x"
        );
        assert_eq!(redact("/tmp/a.db"), "/tmp/a.db");
    }
}
