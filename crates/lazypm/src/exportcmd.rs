//! `lazypm export json|csv|markdown|events`: the store in forms other tools
//! read. The JSON document is versioned and documented (EXPORT.md) and is
//! what `lazypm import json` reads back.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use lazypm_domain::{Issue, LinkDirection};
use lazypm_store::tables::{TABLES, Table};
use lazypm_store::{IssueDetail, Tx};
use serde_json::Value;

/// The document's `format` value.
pub const FORMAT: &str = "lazypm-export";
/// The document's `version`: raised only when a reader of the old one
/// would misread the new.
pub const VERSION: i64 = 1;
/// Tables the JSON document carries: every table, but of `meta` only what
/// imports remembered (`import:FORMAT:PROJECT:ID` → issue key); the rest of it is
/// the store's own bookkeeping (where events.jsonl is known complete).
pub fn exported_tables() -> impl Iterator<Item = &'static Table> {
    TABLES.iter()
}

/// A table's rows as the document carries them.
pub async fn exported_rows(
    tx: &mut dyn Tx,
    t: &Table,
) -> anyhow::Result<Vec<lazypm_store::tables::Row>> {
    let mut rows = all_rows(tx, t).await?;
    if t.name == "meta" {
        rows.retain(|r| {
            r.get("key")
                .and_then(Value::as_str)
                .is_some_and(|k| k.starts_with("import:"))
        });
    }
    Ok(rows)
}

const PAGE: i64 = 2_000;

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ExportFormat {
    /// Everything, re-importable with `lazypm import json` (see EXPORT.md).
    Json,
    /// One row per issue (RFC 4180), for a spreadsheet.
    Csv,
    /// A file per issue, into the --output directory (for review in a pull request).
    Markdown,
    /// The audit trail, one JSON event per line, with its chain hash.
    Events,
}

#[derive(clap::Args)]
pub struct ExportArgs {
    /// What to write.
    #[arg(value_enum)]
    format: ExportFormat,
    /// Write to FILE instead of standard output; for markdown, the
    /// directory that receives one file per issue (made when missing).
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub async fn run(svc: &lazypm_service::Service, args: ExportArgs) -> anyhow::Result<()> {
    // One read transaction: the export is one moment of the store.
    let mut tx = svc.store().begin_read().await?;
    if let ExportFormat::Markdown = args.format {
        let dir = args.output.as_deref().context(
            "export markdown writes a file per issue: name the directory with --output DIR",
        )?;
        let n = markdown(&mut *tx, dir).await?;
        eprintln!("wrote {n} issue file(s) into {}", dir.display());
        return Ok(());
    }
    let mut sink: Box<dyn std::io::Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let written = match args.format {
        ExportFormat::Json => json(&mut *tx, &mut sink).await,
        ExportFormat::Csv => csv(&mut *tx, &mut sink).await,
        ExportFormat::Events => events(&mut *tx, &mut sink).await,
        ExportFormat::Markdown => Ok(()),
    };
    match written.and_then(|()| sink.flush().map_err(Into::into)) {
        // A closed pipe (`lazypm export json | head`) is the reader's choice.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(())
        }
        other => other,
    }
}

/// Every row of every exported table in one page after another.
pub async fn all_rows(
    tx: &mut dyn Tx,
    t: &Table,
) -> anyhow::Result<Vec<lazypm_store::tables::Row>> {
    let mut rows = Vec::new();
    loop {
        let page = tx.read_rows(t, rows.len() as i64, PAGE).await?;
        let n = page.len() as i64;
        rows.extend(page);
        if n < PAGE {
            return Ok(rows);
        }
    }
}

/// The JSON document: one row per line, so two exports diff line by line.
async fn json(tx: &mut dyn Tx, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    writeln!(
        out,
        "{{\"format\": \"{FORMAT}\", \"version\": {VERSION}, \"tables\": {{"
    )?;
    let mut first_table = true;
    for t in exported_tables() {
        if !first_table {
            writeln!(out, ",")?;
        }
        first_table = false;
        write!(out, "\"{}\": [", t.name)?;
        let rows = exported_rows(tx, t).await?;
        for (i, row) in rows.iter().enumerate() {
            let sep = if i == 0 { "\n" } else { ",\n" };
            write!(out, "{sep}{}", Value::Object(row.clone()))?;
        }
        write!(out, "{}]", if rows.is_empty() { "" } else { "\n" })?;
    }
    writeln!(out, "\n}}}}")?;
    Ok(())
}

const CSV_COLUMNS: &[&str] = &[
    "key",
    "project",
    "title",
    "type",
    "status",
    "priority",
    "module",
    "owner",
    "parent",
    "labels",
    "effort",
    "estimate_hours",
    "story_points",
    "time_spent_minutes",
    "archived",
    "created_at",
    "updated_at",
    "started_at",
    "completed_at",
    "description",
];

async fn csv(tx: &mut dyn Tx, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    write_record(out, CSV_COLUMNS.iter().map(|c| c.to_string()))?;
    for issue in issues(tx).await? {
        let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
            t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default()
        };
        let cells = [
            issue.key.clone(),
            issue.project.clone(),
            issue.title.clone(),
            issue.issue_type.to_string(),
            issue.status.to_string(),
            issue.priority.to_string(),
            issue.module.clone().unwrap_or_default(),
            issue.owner.clone().unwrap_or_default(),
            issue.parent.clone().unwrap_or_default(),
            issue.labels.join(";"),
            issue.estimate.effort.clone().unwrap_or_default(),
            issue
                .estimate
                .hours
                .map(|h| h.to_string())
                .unwrap_or_default(),
            issue
                .estimate
                .story_points
                .map(|p| p.to_string())
                .unwrap_or_default(),
            issue.time_spent_minutes.to_string(),
            issue.archived.to_string(),
            time(Some(issue.created_at)),
            time(Some(issue.updated_at)),
            time(issue.started_at),
            time(issue.completed_at),
            issue.specification.description.clone(),
        ];
        write_record(out, cells.into_iter())?;
    }
    Ok(())
}

/// One CSV record: every cell quoted when it must be (RFC 4180), and a cell
/// a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage
/// return first) shown as text by a leading apostrophe.
fn write_record(
    out: &mut dyn std::io::Write,
    cells: impl Iterator<Item = String>,
) -> std::io::Result<()> {
    let mut line = String::new();
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            line.push(',');
        }
        line.push_str(&csv_cell(&cell));
    }
    line.push_str("\r\n");
    out.write_all(line.as_bytes())
}

pub fn csv_cell(cell: &str) -> String {
    let text = if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// Every issue, archived ones included, in id order.
async fn issues(tx: &mut dyn Tx) -> anyhow::Result<Vec<Issue>> {
    let mut out = Vec::new();
    for key in issue_keys(tx).await? {
        if let Some(issue) = tx.issue_by_key(&key).await? {
            out.push(issue);
        }
    }
    Ok(out)
}

/// Every issue's key, archived ones included, in id order.
async fn issue_keys(tx: &mut dyn Tx) -> anyhow::Result<Vec<String>> {
    let table = Table::by_name("issues").context("no issues table")?;
    Ok(all_rows(tx, table)
        .await?
        .iter()
        .filter_map(|row| row.get("key").and_then(Value::as_str).map(str::to_string))
        .collect())
}

async fn events(tx: &mut dyn Tx, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    let mut after = 0;
    loop {
        let page = tx.chain_after(after, PAGE).await?;
        let n = page.len() as i64;
        for c in &page {
            let mut line = serde_json::to_value(&c.event)?;
            if let (Some(hash), Value::Object(map)) = (&c.hash, &mut line) {
                map.insert("hash".into(), Value::String(hash.clone()));
            }
            writeln!(out, "{line}")?;
            after = c.seq;
        }
        if n < PAGE {
            return Ok(());
        }
    }
}

async fn markdown(tx: &mut dyn Tx, dir: &Path) -> anyhow::Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut n = 0;
    // The detail holds the issue itself: each issue is read once.
    for key in issue_keys(tx).await? {
        // A key names the file: only a well-formed one (letters, digits, `-`) may.
        if lazypm_domain::IssueKey::parse("key", &key).is_err() {
            eprintln!("skipped {key:?}: not an issue key, so not a file name");
            continue;
        }
        let Some(detail) = tx.issue_detail(&key).await? else {
            continue;
        };
        let file = dir.join(format!("{key}.md"));
        std::fs::write(&file, issue_markdown(&detail))
            .with_context(|| format!("cannot write {}", file.display()))?;
        n += 1;
    }
    Ok(n)
}

/// One issue as a markdown page: its fields, then each part it has.
pub fn issue_markdown(d: &IssueDetail) -> String {
    use std::fmt::Write as _;
    let i = &d.issue;
    let mut s = String::new();
    let _ = writeln!(s, "# {}: {}\n", i.key, i.title);
    let mut fields = vec![
        ("Status", i.status.to_string()),
        ("Priority", i.priority.to_string()),
        ("Type", i.issue_type.to_string()),
    ];
    let mut opt = |name: &'static str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            fields.push((name, v));
        }
    };
    opt("Owner", i.owner.clone());
    opt("Module", i.module.clone());
    opt("Parent", i.parent.clone());
    opt("Labels", Some(i.labels.join(", ")));
    opt("Estimate", i.estimate.effort.clone());
    opt("Branch", i.branch.clone());
    opt("Blocked because", i.blocker_reason.clone());
    opt("Sprints", Some(d.sprints.join(", ")));
    fields.push((
        "Created",
        i.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
    ));
    if let Some(done) = i.completed_at {
        fields.push(("Completed", done.format("%Y-%m-%d %H:%M UTC").to_string()));
    }
    s.push_str("| | |\n| --- | --- |\n");
    for (k, v) in fields {
        let _ = writeln!(s, "| {k} | {} |", v.replace('|', "\\|"));
    }
    let spec = &i.specification;
    if !spec.description.trim().is_empty() {
        let _ = writeln!(s, "\n## Description\n\n{}", spec.description.trim_end());
    }
    if !spec.acceptance_criteria.is_empty() {
        s.push_str("\n## Acceptance criteria\n\n");
        for c in &spec.acceptance_criteria {
            let _ = writeln!(s, "- {c}");
        }
    }
    if let Some(t) = spec
        .technical_approach
        .as_deref()
        .filter(|t| !t.trim().is_empty())
    {
        let _ = writeln!(s, "\n## Technical approach\n\n{}", t.trim_end());
    }
    if !i.planning.risks.is_empty() {
        s.push_str("\n## Risks\n\n");
        for r in &i.planning.risks {
            let _ = writeln!(s, "- {r}");
        }
    }
    if !d.links.is_empty() {
        s.push_str("\n## Links\n\n");
        for l in &d.links {
            let way = match l.direction {
                LinkDirection::Outgoing => "→",
                LinkDirection::Incoming => "←",
            };
            let _ = writeln!(s, "- {} {way} {} {} ({})", l.kind, l.key, l.title, l.status);
        }
    }
    if !d.tasks.is_empty() {
        s.push_str("\n## Tasks\n\n");
        for t in &d.tasks {
            let mark = if t.status.to_string() == "done" {
                "x"
            } else {
                " "
            };
            let _ = writeln!(s, "- [{mark}] {} {} ({})", t.key, t.title, t.status);
        }
    }
    if !d.work_logs.is_empty() {
        s.push_str("\n## Work log\n\n");
        for w in &d.work_logs {
            let _ = writeln!(
                s,
                "- {} {} {} ({} min): {}",
                w.logged_at.format("%Y-%m-%d %H:%M"),
                w.author,
                w.activity,
                w.minutes,
                w.summary
            );
        }
    }
    if !d.comments.is_empty() {
        s.push_str("\n## Comments\n");
        for c in &d.comments {
            let _ = writeln!(
                s,
                "\n**{}**, {}:\n\n{}",
                c.author,
                c.created_at.format("%Y-%m-%d %H:%M UTC"),
                c.body.trim_end()
            );
        }
    }
    if !i.analytics.lessons_learned.is_empty() {
        s.push_str("\n## Lessons learned\n\n");
        for l in &i.analytics.lessons_learned {
            let _ = writeln!(s, "- {l}");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn cells_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-2+3"), "'-2+3");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("\tx"), "'\tx");
    }
}
