//! `lazypm import FORMAT PATH`: brings another tracker's data in (see
//! `lazypm_service::import` for each format's mapping), after a backup of
//! the store; `json` reads back what `lazypm export json` wrote.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use lazypm_service::import::{Batch, ImportReport, backlog, beads, github, seed, taskmaster};
use lazypm_store::tables::{Table, parent_first};

use crate::config::Settings;

#[derive(Clone, Copy, PartialEq, clap::ValueEnum)]
pub enum ImportFormat {
    /// lazypm's own export (`lazypm export json`), into an empty store.
    Json,
    /// The original system's JSON files (projects.json, issues.json, tasks.json, worklogs.json).
    SeedJson,
    /// The original system's SQLite database (jira_lite.db).
    SeedSqlite,
    /// A beads JSONL export (.beads/issues.jsonl).
    Beads,
    /// Taskmaster's .taskmaster/tasks/tasks.json (every tag, or --tag).
    Taskmaster,
    /// A Backlog.md folder (backlog/).
    Backlog,
    /// The JSON of `gh issue list --state all --json number,title,body,state,stateReason,labels,assignees,milestone,author,createdAt,updatedAt,closedAt,comments,url`.
    Github,
}

#[derive(clap::Args)]
#[command(
    after_help = "PATH may be the file, or the folder it lives in (a repository's root \
    finds .beads/issues.jsonl, .taskmaster/tasks/tasks.json, backlog/, data/); `-` reads a \
    file format from standard input.\n\
    Issues go into --project (else the current project); the original system's data brings \
    its own projects. Running the same import again adds only what is new."
)]
pub struct ImportArgs {
    /// The source's format.
    #[arg(value_enum)]
    format: ImportFormat,
    /// The file or folder to read.
    path: PathBuf,
    /// Show what would be imported, and change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Taskmaster: import only this tag.
    #[arg(long, value_name = "TAG")]
    tag: Option<String>,
}

pub async fn run(
    svc: &lazypm_service::Service,
    args: ImportArgs,
    settings: &Settings,
) -> anyhow::Result<()> {
    if args.format == ImportFormat::Json {
        return json(svc, &args, settings).await;
    }
    anyhow::ensure!(
        args.tag.is_none() || args.format == ImportFormat::Taskmaster,
        "--tag is for taskmaster imports only"
    );
    let batch = read(&args)?;
    let before = if args.dry_run {
        None
    } else {
        let dir = settings.data_dir()?;
        Some(crate::backupcmd::take(svc.store().as_ref(), &dir, "before-import").await?)
    };
    let bar = if settings.json {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(batch.issues.len() as u64)
    };
    bar.set_style(
        ProgressStyle::with_template("importing [{bar:40}] {pos}/{len} issues")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let progress = |done: usize, _total: usize| bar.set_position(done as u64);
    let report = svc
        .import(batch, settings.project.as_deref(), args.dry_run, &progress)
        .await;
    bar.finish_and_clear();
    let report = report?;
    // Nothing new (a re-run): the store is as it was, and so is the backup
    // taken first, which would only pile up (those are never pruned).
    let before = match before {
        Some(b) if report.created_nothing() => {
            for f in std::iter::once(&b.file).chain(b.pg_dump.as_ref().map(|d| &d.file)) {
                if let Err(e) = std::fs::remove_file(f) {
                    eprintln!("lazypm: the unneeded backup {} stays: {e}", f.display());
                }
            }
            None
        }
        other => other,
    };
    if settings.json {
        let mut value = serde_json::to_value(&report)?;
        if let (Some(b), serde_json::Value::Object(map)) = (&before, &mut value) {
            map.insert("backup".into(), serde_json::json!(b.file));
        }
        out!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        print_report(&report, before.as_ref().map(|b| b.file.as_path()));
    }
    Ok(())
}

/// Reads the source into a batch.
fn read(args: &ImportArgs) -> anyhow::Result<Batch> {
    let path = &args.path;
    Ok(match args.format {
        ImportFormat::Json => anyhow::bail!("a json export is read as a whole store"),
        ImportFormat::SeedJson => {
            let dir = if path.join("data").join("issues.json").is_file() {
                path.join("data")
            } else {
                path.clone()
            };
            anyhow::ensure!(
                dir.join("issues.json").is_file() || dir.join("projects.json").is_file(),
                "{}: no projects.json or issues.json here (the original system keeps them in data/)",
                path.display()
            );
            let list = |name: &str| -> anyhow::Result<Vec<serde_json::Value>> {
                let file = dir.join(name);
                if !file.is_file() {
                    return Ok(Vec::new());
                }
                let text = std::fs::read_to_string(&file)
                    .with_context(|| format!("cannot read {}", file.display()))?;
                serde_json::from_str(&text)
                    .with_context(|| format!("{}: not a JSON list", file.display()))
            };
            let data = seed::SeedData {
                projects: list("projects.json")?,
                issues: list("issues.json")?,
                tasks: list("tasks.json")?,
                worklogs: list("worklogs.json")?,
            };
            seed::read("seed-json", data)
        }
        ImportFormat::SeedSqlite => {
            let file = find(path, &["data/jira_lite.db", "jira_lite.db"])?;
            anyhow::ensure!(
                lazypm_service::is_sqlite_file(&file),
                "{}: not an SQLite database (the original system keeps data/jira_lite.db)",
                file.display()
            );
            seed::read("seed-sqlite", seed::read_database(&file)?)
        }
        ImportFormat::Beads => {
            let file = find(path, &[".beads/issues.jsonl", "issues.jsonl"])?;
            beads::read(&text(&file)?)?
        }
        ImportFormat::Taskmaster => {
            let inside = [
                ".taskmaster/tasks/tasks.json",
                "tasks/tasks.json",
                "tasks.json",
            ];
            taskmaster::read(&text(&find(path, &inside)?)?, args.tag.as_deref())?
        }
        ImportFormat::Github => github::read(&text(path)?)?,
        ImportFormat::Backlog => backlog::read(backlog_files(path)?)?,
    })
}

/// The path itself when it is a file (or `-`), else the first of `inside`
/// that exists in the folder it names.
fn find(path: &Path, inside: &[&str]) -> anyhow::Result<PathBuf> {
    if !path.is_dir() {
        return Ok(path.to_path_buf());
    }
    inside
        .iter()
        .map(|i| path.join(i))
        .find(|candidate| candidate.is_file())
        .with_context(|| {
            format!(
                "{}: a folder without {} in it; name the file, or the folder that holds it",
                path.display(),
                inside.join(" or ")
            )
        })
}

/// A file's text; `-` is standard input.
fn text(path: &Path) -> anyhow::Result<String> {
    if path == Path::new("-") {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
        return Ok(s);
    }
    anyhow::ensure!(
        !path.is_dir(),
        "{}: a folder, not the file to import",
        path.display()
    );
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// The task files of a Backlog.md folder, each with where it lies.
fn backlog_files(path: &Path) -> anyhow::Result<Vec<backlog::TaskFile>> {
    let root = if path.join("backlog").is_dir() {
        path.join("backlog")
    } else {
        path.to_path_buf()
    };
    let places = [
        ("tasks", backlog::Place::Tasks),
        ("completed", backlog::Place::Completed),
        ("archive/tasks", backlog::Place::Archived),
        ("drafts", backlog::Place::Drafts),
    ];
    anyhow::ensure!(
        places.iter().any(|(d, _)| root.join(d).is_dir()),
        "{}: not a Backlog.md folder (no tasks/, completed/ or drafts/ in it)",
        path.display()
    );
    let mut files = Vec::new();
    for (dir, place) in places {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
            .collect();
        paths.sort();
        for p in paths {
            let text = std::fs::read_to_string(&p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            files.push(backlog::TaskFile {
                place,
                path: format!(
                    "{dir}/{}",
                    p.file_name().unwrap_or_default().to_string_lossy()
                ),
                text,
            });
        }
    }
    Ok(files)
}

fn print_report(r: &ImportReport, backup: Option<&Path>) {
    let verb = if r.dry_run { "would create" } else { "created" };
    if r.dry_run {
        show!("dry run: nothing was written");
    }
    if !r.projects_created.is_empty() {
        show!("projects {verb}: {}", r.projects_created.join(", "));
    }
    show!(
        "issues {verb}: {}, tasks {}, work logs {}, comments {}, links {}{}",
        r.issues_created.len(),
        r.tasks_created,
        r.work_logs_created,
        r.comments_created,
        r.links_created,
        if r.sprints_created.is_empty() {
            String::new()
        } else {
            format!(", sprints {}", r.sprints_created.join(", "))
        }
    );
    const SHOWN: usize = 25;
    for (source, key) in r.issues_created.iter().take(SHOWN) {
        if source == key {
            show!("  {key}");
        } else {
            show!("  {source} → {key}");
        }
    }
    if r.issues_created.len() > SHOWN {
        show!(
            "  … and {} more (--json lists them all)",
            r.issues_created.len() - SHOWN
        );
    }
    for (wanted, used) in &r.keys_changed {
        show!("key {wanted} could not be kept (taken, or not a key): imported as {used}");
    }
    if !r.skipped.is_empty() {
        show!("skipped {}:", r.skipped.len());
        for s in &r.skipped {
            show!("  {}: {}", s.what, s.why);
        }
    }
    for n in &r.notes {
        show!("mapping: {n}");
    }
    match backup {
        Some(b) => show!("the store as it was is backed up in {}", b.display()),
        None if !r.dry_run => show!("nothing new: the store is unchanged, and needs no backup"),
        None => {}
    }
}

/// `import json`: a whole store written by `lazypm export json`, into an
/// empty store, proven by the same per-table checksums `lazypm migrate`
/// uses. A store that already holds exactly the document is left alone.
async fn json(
    svc: &lazypm_service::Service,
    args: &ImportArgs,
    settings: &Settings,
) -> anyhow::Result<()> {
    let text = text(&args.path)?;
    let doc: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{}: not JSON", args.path.display()))?;
    let format = doc.get("format").and_then(|f| f.as_str());
    anyhow::ensure!(
        format == Some(crate::exportcmd::FORMAT),
        "{}: not a lazypm export (its \"format\" is {:?}, expected \"{}\")",
        args.path.display(),
        format,
        crate::exportcmd::FORMAT
    );
    let version = doc.get("version").and_then(|v| v.as_i64());
    anyhow::ensure!(
        version == Some(crate::exportcmd::VERSION),
        "{}: export version {:?}, and this lazypm reads version {}",
        args.path.display(),
        version,
        crate::exportcmd::VERSION
    );
    let tables = doc
        .get("tables")
        .and_then(|t| t.as_object())
        .context("the document has no \"tables\" object")?;
    // The document goes first into a scratch store, checked by the schema's
    // own constraints, and is copied from there as `lazypm migrate` copies.
    let (staged, _scratch) = crate::backupcmd::scratch_store(None).await?;
    let result = async {
        let mut tx = staged.begin_write().await?;
        for t in crate::exportcmd::exported_tables() {
            let rows: Vec<lazypm_store::tables::Row> = match tables.get(t.name) {
                Some(serde_json::Value::Array(items)) => items
                    .iter()
                    .map(|r| {
                        r.as_object()
                            .cloned()
                            .with_context(|| format!("a row of {} is not an object", t.name))
                    })
                    .collect::<anyhow::Result<_>>()?,
                Some(_) => anyhow::bail!("\"{}\" is not a list of rows", t.name),
                None => Vec::new(),
            };
            let rows = if t.name == "issues" {
                parent_first(rows)
            } else {
                rows
            };
            for chunk in rows.chunks(1000) {
                tx.write_rows(t, chunk)
                    .await
                    .with_context(|| format!("the document's {} do not fit the store", t.name))?;
            }
        }
        tx.after_copy().await?;
        tx.commit().await?;
        validate(&*staged).await?;
        let target = svc.store();
        if same_content(&*staged, target.as_ref()).await? {
            return Ok(None);
        }
        let mut check = target.begin_read().await?;
        let occupied = crate::migrate::occupied(&mut *check).await?;
        drop(check);
        anyhow::ensure!(
            occupied.is_empty(),
            "this store is not empty ({}): `import json` fills an empty store; \
             `lazypm restore` replaces a store's content",
            occupied.join(", ")
        );
        if args.dry_run {
            return Ok(Some((Vec::new(), None)));
        }
        let sink = lazypm_service::EventSink::new(settings.data_dir()?.join("events.jsonl"));
        let (counts, backup, _) = crate::restorecmd::replace_content(
            &*staged,
            target.as_ref(),
            false,
            &sink,
            &settings.data_dir()?,
            "before-import",
        )
        .await?;
        let counts: Vec<(String, i64)> = counts.into_iter().filter(|(t, _)| t != "meta").collect();
        let backup = Some(backup);
        Ok(Some((counts, backup)))
    }
    .await;
    staged.close().await;
    match result? {
        None => {
            out!("nothing to do: this store already holds exactly this export");
        }
        Some((counts, backup)) => {
            if args.dry_run {
                out!("dry run: the export fits this empty store; nothing was written");
                return Ok(());
            }
            if settings.json {
                let map: serde_json::Map<String, serde_json::Value> = counts
                    .iter()
                    .map(|(t, n)| (t.clone(), serde_json::json!(n)))
                    .collect();
                let backup = backup.as_ref().map(|b| b.file.display().to_string());
                out!(
                    "{}",
                    serde_json::json!({"imported": map, "verified": true, "backup": backup})
                );
            } else {
                for (t, n) in &counts {
                    out!("  {t:<16} {n:>8}");
                }
                out!("imported and verified (row counts and checksums match the export)");
                if let Some(b) = &backup {
                    out!("the store as it was is backed up in {}", b.file.display());
                }
            }
        }
    }
    Ok(())
}

/// Reads every issue of a staged document back through the domain (keys,
/// vocabularies, rich content, tasks, logs and comments must all parse) and
/// checks its audit chain, so nothing the store could not read gets in.
async fn validate(staged: &dyn lazypm_store::Store) -> anyhow::Result<()> {
    let mut tx = staged.begin_read().await?;
    let issues = Table::by_name("issues").context("no issues table")?;
    for row in crate::exportcmd::all_rows(&mut *tx, issues).await? {
        let key = row.get("key").and_then(|k| k.as_str()).unwrap_or_default();
        lazypm_domain::IssueKey::parse("key", key)
            .map_err(|e| anyhow::anyhow!("the document's issue {key:?}: {e}"))?;
        tx.issue_detail(key)
            .await
            .with_context(|| format!("the document's issue {key} cannot be read"))?
            .with_context(|| format!("the document's issue {key} is missing"))?;
    }
    drop(tx);
    let audit = lazypm_service::verify_audit(staged, None).await?;
    anyhow::ensure!(
        audit.problems.is_empty(),
        "the document's audit trail does not check out: {}",
        audit
            .problems
            .iter()
            .map(|p| format!("{}: {}", p.place, p.message))
            .collect::<Vec<_>>()
            .join("; ")
    );
    Ok(())
}

/// Whether two stores hold the same rows in every exported table.
async fn same_content(
    a: &dyn lazypm_store::Store,
    b: &dyn lazypm_store::Store,
) -> anyhow::Result<bool> {
    let mut ta = a.begin_read().await?;
    let mut tb = b.begin_read().await?;
    for t in crate::exportcmd::exported_tables() {
        if crate::exportcmd::exported_rows(&mut *ta, t).await?
            != crate::exportcmd::exported_rows(&mut *tb, t).await?
        {
            return Ok(false);
        }
    }
    Ok(true)
}
