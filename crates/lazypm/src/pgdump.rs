//! The PostgreSQL server's own archive of a store: when `pg_dump` is
//! installed, every backup of a PostgreSQL store also writes one beside
//! lazypm's SQLite copy (`lazypm-STAMP.dump`, custom format, the store's
//! schema only). It is checked by reading it back with `pg_restore`, and
//! `lazypm restore` takes it back with `pg_restore` in one transaction.

use std::path::Path;
use std::process::Stdio;

use anyhow::Context as _;
use lazypm_store::ServerTarget;
use lazypm_store::tables::TABLES;
use tokio::io::AsyncBufReadExt as _;
use tokio::process::Command;

use crate::backupcmd::Checked;

/// The file extension of a `pg_dump` archive.
pub const EXT: &str = "dump";

/// Whether `file` is named as a `pg_dump` archive.
pub fn is_dump(file: &Path) -> bool {
    file.extension().is_some_and(|e| e == EXT)
}

/// Where one of the server's tools is installed.
fn installed(name: &str) -> anyhow::Result<std::path::PathBuf> {
    crate::setupcmd::which(name).with_context(|| {
        format!("{name} is not installed (it comes with PostgreSQL's client tools)")
    })
}

/// A tool's command, run here, and stopped if this process gives up on it.
fn spawnable(cmd: std::process::Command) -> Command {
    let mut cmd = Command::from(cmd);
    cmd.kill_on_drop(true);
    cmd
}

/// `pg_restore`, reading an archive (it reaches no server).
fn pg_restore() -> anyhow::Result<Command> {
    let mut cmd = std::process::Command::new(installed("pg_restore")?);
    cmd.stdin(Stdio::null());
    Ok(spawnable(cmd))
}

/// Runs a tool to its end; its standard error becomes the error.
async fn run(mut cmd: Command, what: &str) -> anyhow::Result<Vec<u8>> {
    let out = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .await
        .with_context(|| format!("cannot run {what}"))?;
    if out.status.success() {
        return Ok(out.stdout);
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let err: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    anyhow::bail!(
        "{what} failed ({}): {}",
        out.status,
        err[err.len().saturating_sub(6)..].join("\n  ")
    )
}

/// Writes the server's archive of the store into `file`; `Ok(false)` when
/// `pg_dump` is not installed.
pub async fn dump(target: &ServerTarget, file: &Path) -> anyhow::Result<bool> {
    if let Some(why) = target.unarchivable() {
        anyhow::bail!("{why}");
    }
    let Ok(program) = installed("pg_dump") else {
        return Ok(false);
    };
    let done = run(spawnable(target.dump(&program, file)), "pg_dump").await;
    if let Err(e) = done {
        let _ = std::fs::remove_file(file);
        return Err(e);
    }
    Ok(true)
}

/// What an archive's table of contents says.
struct Contents {
    /// The schema of its tables' data (one, for a store's archive).
    schemas: Vec<String>,
    /// The tables whose data it holds.
    tables: Vec<String>,
}

async fn contents(file: &Path) -> anyhow::Result<Contents> {
    let mut cmd = pg_restore()?;
    cmd.arg("--list").arg(file);
    let list = String::from_utf8_lossy(&run(cmd, "pg_restore --list").await?).into_owned();
    let mut schemas = Vec::new();
    let mut tables = Vec::new();
    for line in list.lines().filter(|l| !l.starts_with(';')) {
        // "3344; 0 16389 TABLE DATA schema table owner"
        let words: Vec<&str> = line.split_whitespace().collect();
        if let [_, _, _, "TABLE", "DATA", schema, table, ..] = words.as_slice() {
            if !schemas.iter().any(|s| s == schema) {
                schemas.push((*schema).to_string());
            }
            tables.push((*table).to_string());
        }
    }
    Ok(Contents { schemas, tables })
}

/// Checks an archive: `pg_restore` reads its table of contents and every
/// row of its data, which must be one schema holding each of the store's
/// tables. The rows are counted per table; the audit chain is checked when
/// the archive is restored (it needs the server).
pub async fn check(file: &Path) -> anyhow::Result<Checked> {
    let bytes = std::fs::metadata(file)
        .with_context(|| format!("{}: no such backup file", file.display()))?
        .len();
    let found = contents(file)
        .await
        .with_context(|| format!("{} is not a readable pg_dump archive", file.display()))?;
    let mut problems = Vec::new();
    if found.schemas.len() != 1 {
        problems.push(format!(
            "the archive should hold one schema's tables, and holds {}: {}",
            found.schemas.len(),
            found.schemas.join(", ")
        ));
    }
    let counts = data_rows(file).await?;
    let mut tables = Vec::new();
    for t in TABLES {
        if !found.tables.iter().any(|n| n == t.name) {
            problems.push(format!("the table {} is not in the archive", t.name));
        }
        let rows = counts.iter().find(|(n, _)| n == t.name).map_or(0, |c| c.1);
        tables.push((t.name.to_string(), rows));
    }
    let events = tables
        .iter()
        .find(|(n, _)| n == "events")
        .map_or(0, |t| t.1.max(0) as u64);
    Ok(Checked {
        file: file.to_path_buf(),
        format: "pg_dump",
        schema: found.schemas.first().cloned(),
        bytes,
        tables,
        events,
        problems,
        pg_dump: None,
        notes: Vec::new(),
    })
}

/// Rows per table, read from the archive's data as `pg_restore` writes it
/// out: each table's `COPY … FROM stdin;` block holds a line per row
/// (newlines inside values are escaped), ended by `\.`.
async fn data_rows(file: &Path) -> anyhow::Result<Vec<(String, i64)>> {
    let mut cmd = pg_restore()?;
    cmd.arg("--data-only")
        .arg("--file=-")
        .arg(file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().context("cannot run pg_restore")?;
    let stdout = child.stdout.take().context("pg_restore has no output")?;
    let mut lines = tokio::io::BufReader::new(stdout).split(b'\n');
    let mut counts: Vec<(String, i64)> = Vec::new();
    let mut current: Option<usize> = None;
    while let Some(line) = lines.next_segment().await? {
        match current {
            Some(_) if line == b"\\." => current = None,
            Some(i) => counts[i].1 += 1,
            None => {
                let line = String::from_utf8_lossy(&line);
                if let Some(rest) = line.strip_prefix("COPY ")
                    && line.ends_with("FROM stdin;")
                {
                    let name = rest.split([' ', '(']).next().unwrap_or("");
                    let table = name.rsplit('.').next().unwrap_or(name).trim_matches('"');
                    counts.push((table.to_string(), 0));
                    current = Some(counts.len() - 1);
                }
            }
        }
    }
    let out = child.wait_with_output().await?;
    anyhow::ensure!(
        out.status.success(),
        "pg_restore could not read the archive's data: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    Ok(counts)
}

/// Restores an archive (checked first, of the store's schema, which is not
/// `public`: [`ServerTarget::unarchivable`]) into the store's schema with
/// `pg_restore`, in one transaction: the store's objects are dropped and
/// made again from the archive, or, if anything fails, nothing changes.
pub async fn restore(target: &ServerTarget, file: &Path) -> anyhow::Result<()> {
    let mut cmd = spawnable(target.tool(&installed("pg_restore")?));
    // The schema itself is dropped and made again, with its owners and
    // grants as archived. Anything in it that the archive lacks (made by a
    // newer lazypm, or by hand) makes that drop fail, and nothing changes.
    cmd.args([
        "--clean",
        "--if-exists",
        "--single-transaction",
        "--exit-on-error",
    ])
    .arg("--dbname")
    .arg(&target.uri);
    cmd.arg(file);
    match run(cmd, "pg_restore").await {
        Ok(_) => Ok(()),
        Err(e) if e.to_string().contains("cannot drop schema") => Err(e.context(
            "nothing was restored: the store's schema holds objects the archive lacks (made by a \
             newer lazypm, or by hand); restore the .db backup taken beside it instead",
        )),
        Err(e) => Err(e.context("nothing was restored (pg_restore works in one transaction)")),
    }
}
