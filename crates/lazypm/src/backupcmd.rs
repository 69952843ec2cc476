//! `lazypm backup` (and `backup verify`, `backup list`); `lazypm restore`
//! is in [`crate::restorecmd`].
//!
//! A backup is one SQLite file in the data directory's `backup/` folder,
//! named by the moment it was taken (`lazypm-20261127-101500-123.db`). On
//! SQLite it is the store's own consistent copy (`VACUUM INTO`, from one read
//! snapshot, so agents go on writing while it runs); on PostgreSQL every
//! table is copied into it the way `lazypm migrate` copies, and verified the
//! same way. Either kind restores into either backend. On PostgreSQL, when
//! `pg_dump` is installed, the server's own archive of the store's schema is
//! written beside it, with the same name and `.dump` (see [`crate::pgdump`]).

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use lazypm_store::Store;
use lazypm_store::tables::TABLES;
use serde::Serialize;

use crate::config::Settings;

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BackupArgs {
    #[command(subcommand)]
    command: Option<BackupCommand>,
    /// How many timestamped backups the backup folder keeps; older ones are
    /// removed after a new one is verified (0 keeps them all).
    #[arg(long, default_value_t = 10, value_name = "N")]
    keep: usize,
}

#[derive(clap::Subcommand)]
pub enum BackupCommand {
    /// Check a backup (the newest when FILE is omitted): SQLite's integrity
    /// check, the audit chain, and its rows per table. Exit status 1 when
    /// anything is wrong.
    Verify {
        /// The backup file.
        file: Option<PathBuf>,
    },
    /// List the backups in the backup folder, newest first.
    List,
}

/// What a check of a backup found.
#[derive(Debug, Serialize)]
pub struct Checked {
    pub file: PathBuf,
    /// `sqlite` (lazypm's own backup) or `pg_dump` (the server's archive).
    pub format: &'static str,
    /// The schema a `pg_dump` archive holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub bytes: u64,
    /// Rows per table, in copy order.
    pub tables: Vec<(String, i64)>,
    /// Audit events in the backup, and how many of them are hash-chained.
    pub events: u64,
    pub problems: Vec<String>,
    /// The server's archive taken beside this backup, checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pg_dump: Option<Box<Checked>>,
    /// What was not taken, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

pub async fn backup(args: BackupArgs, settings: &Settings) -> anyhow::Result<()> {
    let dir = settings.data_dir()?;
    match args.command {
        Some(BackupCommand::List) => list(&dir, settings.json),
        Some(BackupCommand::Verify { file }) => {
            let files = match file {
                Some(f) => vec![f],
                None => {
                    let all = backups(&dir)?;
                    let newest = all.first().map(|f| stem(f)).with_context(|| {
                        format!(
                            "there is no backup in {} yet: `lazypm backup` takes one",
                            dir.join("backup").display()
                        )
                    })?;
                    all.iter().filter(|f| stem(f) == newest).cloned().collect()
                }
            };
            let mut problems = 0;
            for file in &files {
                let checked = check(file).await?;
                report(&checked, settings.json)?;
                problems += checked.problems.len();
            }
            anyhow::ensure!(
                problems == 0,
                "the backup {} has {problems} problem(s)",
                files
                    .iter()
                    .map(|f| f.display().to_string())
                    .collect::<Vec<_>>()
                    .join(" and ")
            );
            Ok(())
        }
        None => {
            let (_, _, store) = settings.open_store().await?;
            let taken = take(&*store, &dir, "").await;
            store.close().await;
            let checked = taken?;
            let removed = prune(&dir, args.keep, &checked.file)?;
            report(&checked, settings.json)?;
            if !settings.json && !removed.is_empty() {
                out!(
                    "removed {} older backup(s), keeping the newest {}",
                    removed.len(),
                    args.keep
                );
            }
            Ok(())
        }
    }
}

/// Takes a backup of `store` into `dir/backup/` and checks it. `label` is
/// added to the file's name (`before-import`), empty for none.
pub async fn take(store: &dyn Store, dir: &Path, label: &str) -> anyhow::Result<Checked> {
    let folder = dir.join("backup");
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S-%3f");
    let name = if label.is_empty() {
        format!("lazypm-{stamp}.db")
    } else {
        format!("lazypm-{stamp}-{label}.db")
    };
    let file = folder.join(name);
    anyhow::ensure!(!file.exists(), "{} already exists", file.display());
    let copied = async {
        if !store.backup_into(&file).await? {
            // A server database: copied table by table into a scratch SQLite
            // store, which then writes itself out as one compact file.
            let (staged, _scratch) = scratch_store(None).await?;
            let result = async {
                crate::migrate::copy(store, &*staged, false, "the backup", true, None).await?;
                anyhow::ensure!(
                    staged.backup_into(&file).await?,
                    "the scratch store cannot write a backup"
                );
                anyhow::Ok(())
            }
            .await;
            staged.close().await;
            result?;
        }
        anyhow::Ok(())
    }
    .await;
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&file);
        return Err(e.context(format!("the backup into {} failed", file.display())));
    }
    let mut checked = check(&file).await?;
    anyhow::ensure!(
        checked.problems.is_empty(),
        "the backup {} does not check out: {}",
        file.display(),
        checked.problems.join("; ")
    );
    if let Some(target) = store.server_target() {
        let archive = file.with_extension(crate::pgdump::EXT);
        match crate::pgdump::dump(target, &archive).await {
            Ok(true) => match crate::pgdump::check(&archive).await {
                Ok(dumped) if dumped.problems.is_empty() => {
                    checked.pg_dump = Some(Box::new(dumped));
                }
                found => {
                    let why = match found {
                        Ok(d) => d.problems.join("; "),
                        Err(e) => format!("{e:#}"),
                    };
                    let _ = std::fs::remove_file(&archive);
                    checked.notes.push(format!(
                        "the server's own archive did not check out, so it was removed: {why} \
                         (lazypm's copy above restores into either store)"
                    ));
                }
            },
            Ok(false) => checked.notes.push(
                "pg_dump is not installed, so the server's own archive was not taken \
                 (lazypm's copy above restores into either store)"
                    .into(),
            ),
            Err(e) => checked.notes.push(format!(
                "the server's own archive was not taken: {e:#} (lazypm's copy above restores \
                 into either store)"
            )),
        }
    }
    Ok(checked)
}

/// Opens a backup without changing it: a copy of it, in a scratch folder
/// that lives as long as the returned guard. The copy is opened as any store
/// is, so a backup made by an older lazypm is brought up to this one's schema
/// (the file itself stays as it was).
pub(crate) async fn open_backup(
    file: &Path,
) -> anyhow::Result<(std::sync::Arc<dyn Store>, tempfile::TempDir)> {
    anyhow::ensure!(file.is_file(), "{}: no such backup file", file.display());
    anyhow::ensure!(
        lazypm_service::is_sqlite_file(file),
        "{} is not a lazypm backup (not an SQLite database)",
        file.display()
    );
    scratch_store(Some(file))
        .await
        .with_context(|| format!("{} is not a lazypm backup", file.display()))
}

/// An SQLite store in a scratch folder that lives as long as the returned
/// guard: a copy of `from` when given, else a new, empty one.
pub(crate) async fn scratch_store(
    from: Option<&Path>,
) -> anyhow::Result<(std::sync::Arc<dyn Store>, tempfile::TempDir)> {
    let scratch = tempfile::tempdir()?;
    let file = scratch.path().join("scratch.db");
    if let Some(from) = from {
        std::fs::copy(from, &file).with_context(|| format!("cannot read {}", from.display()))?;
    }
    let store = lazypm_service::open_store(&format!("sqlite://{}", file.display())).await?;
    Ok((store, scratch))
}

/// Checks a backup file: integrity, the audit chain, rows per table (a
/// `pg_dump` archive as [`crate::pgdump::check`] does).
pub async fn check(file: &Path) -> anyhow::Result<Checked> {
    if crate::pgdump::is_dump(file) {
        return crate::pgdump::check(file).await;
    }
    let bytes = std::fs::metadata(file)
        .with_context(|| format!("{}: no such backup file", file.display()))?
        .len();
    let (store, _scratch) = open_backup(file).await?;
    let result = async {
        let mut problems = store.integrity_check().await?;
        let audit = lazypm_service::verify_audit(&*store, None).await?;
        problems.extend(
            audit
                .problems
                .iter()
                .map(|p| format!("audit {}: {}", p.place, p.message)),
        );
        let mut tx = store.begin_read().await?;
        let mut tables = Vec::new();
        for t in TABLES {
            tables.push((t.name.to_string(), tx.count_rows(t).await?));
        }
        anyhow::Ok(Checked {
            file: file.to_path_buf(),
            format: "sqlite",
            schema: None,
            bytes,
            tables,
            events: audit.events,
            problems,
            pg_dump: None,
            notes: Vec::new(),
        })
    }
    .await;
    store.close().await;
    result
}

/// The timestamped backups in the folder, newest first (a `pg_dump`
/// archive next to the copy taken with it), those taken before a schema
/// upgrade included.
fn backups(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let folder = dir.join("backup");
    let entries = match std::fs::read_dir(&folder) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(anyhow::anyhow!("cannot read {}: {e}", folder.display())),
    };
    let mut files: Vec<(String, PathBuf)> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?;
            if !(name.ends_with(".db") || name.ends_with(&format!(".{}", crate::pgdump::EXT))) {
                return None;
            }
            // `lazypm-STAMP…`, or `lazypm-vN-STAMP…` (taken before a schema
            // upgrade): the timestamp then leads, so they sort by age.
            let rest = name.strip_prefix("lazypm-")?;
            let rest = match rest.strip_prefix('v') {
                Some(v) => v.split_once('-')?.1,
                None => rest,
            };
            rest.starts_with('2').then(|| (rest.to_string(), p.clone()))
        })
        .collect();
    files.sort();
    files.reverse();
    Ok(files.into_iter().map(|(_, p)| p).collect())
}

/// Removes all but the newest `keep` plain backups (0 keeps all, and the
/// one just taken is never removed); returns
/// those removed. Backups taken before an import, a restore or a migration
/// (`…-before-import.db`) are the way back from those, and stay until
/// removed by hand.
fn prune(dir: &Path, keep: usize, newest: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if keep == 0 {
        return Ok(Vec::new());
    }
    let plain: Vec<(String, PathBuf)> = backups(dir)?
        .into_iter()
        .map(|p| (stem(&p), p))
        .filter(|(s, _)| s.starts_with("lazypm-2") && s.split('-').count() == 4)
        .collect();
    let mut stems: Vec<&str> = plain.iter().map(|(s, _)| s.as_str()).collect();
    stems.dedup();
    let gone = &stems[keep.min(stems.len())..];
    let newest = stem(newest);
    let old: Vec<PathBuf> = plain
        .iter()
        .filter(|(s, _)| gone.contains(&s.as_str()) && *s != newest)
        .map(|(_, p)| p.clone())
        .collect();
    for f in &old {
        std::fs::remove_file(f).with_context(|| format!("cannot remove {}", f.display()))?;
    }
    Ok(old)
}

/// A backup's name without its extension: a copy and the archive taken
/// with it share it.
fn stem(file: &Path) -> String {
    file.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn list(dir: &Path, json: bool) -> anyhow::Result<()> {
    let files = backups(dir)?;
    if json {
        let rows: Vec<serde_json::Value> = files
            .iter()
            .map(|f| {
                let bytes = std::fs::metadata(f).map(|m| m.len()).unwrap_or(0);
                serde_json::json!({"file": f, "bytes": bytes})
            })
            .collect();
        out!("{}", serde_json::Value::Array(rows));
        return Ok(());
    }
    if files.is_empty() {
        out!(
            "no backups in {} yet: `lazypm backup` takes one",
            dir.join("backup").display()
        );
    }
    for f in files {
        let bytes = std::fs::metadata(&f).map(|m| m.len()).unwrap_or(0);
        out!("{:>10}  {}", human(bytes), f.display());
    }
    Ok(())
}

fn report(c: &Checked, json: bool) -> anyhow::Result<()> {
    if json {
        out!("{}", serde_json::to_string_pretty(c)?);
        return Ok(());
    }
    show(c);
    Ok(())
}

fn show(c: &Checked) {
    out!("{} ({})", c.file.display(), human(c.bytes));
    for (t, n) in &c.tables {
        out!("  {t:<16} {n:>8}");
    }
    if !c.problems.is_empty() {
        out!("{} problem(s):", c.problems.len());
        for p in &c.problems {
            out!("  {p}");
        }
    } else if c.format == "pg_dump" {
        out!(
            "pg_dump archive of the schema {}, read back whole by pg_restore ({} events; the \
             audit chain is checked when it is restored)",
            c.schema.as_deref().unwrap_or("?"),
            c.events
        );
    } else {
        out!("integrity ok, audit chain whole ({} events)", c.events);
    }
    if let Some(d) = &c.pg_dump {
        show(d);
    }
    for n in &c.notes {
        out!("note: {n}");
    }
}

fn human(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}
