//! `lazypm restore FILE`: a backup (lazypm's own, or a `pg_dump` archive)
//! checked, then put in the store's place as one moment for everyone using
//! it, with the store as it was backed up first.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use lazypm_store::Store;

use crate::backupcmd::{Checked, check, open_backup, take};
use crate::config::Settings;

#[derive(clap::Args)]
pub struct RestoreArgs {
    /// The backup to restore (`lazypm backup list` shows them).
    file: PathBuf,
}

pub async fn restore(args: RestoreArgs, settings: &Settings) -> anyhow::Result<()> {
    let dir = settings.data_dir()?;
    if crate::pgdump::is_dump(&args.file) {
        return restore_dump(args, settings, &dir).await;
    }
    let checked = check(&args.file).await?;
    sound(&checked)?;
    let url = settings.database_url(&dir)?;
    let store = lazypm_service::open_store(&url).await?;
    let sink = lazypm_service::EventSink::new(dir.join("events.jsonl"));
    let result = async {
        let (source, _scratch) = open_backup(&args.file).await?;
        let replaced =
            replace_content(&*source, &*store, true, &sink, &dir, "before-restore").await;
        source.close().await;
        replaced
    }
    .await;
    store.close().await;
    let (_, before, events) = result?;
    restored(settings, &args.file, &checked.tables, events, &before.file);
    Ok(())
}

/// Refuses a backup whose check found problems, naming them.
fn sound(checked: &Checked) -> anyhow::Result<()> {
    anyhow::ensure!(
        checked.problems.is_empty(),
        "{} is not a sound backup, so nothing was restored:\n  {}",
        checked.file.display(),
        checked.problems.join("\n  ")
    );
    Ok(())
}

/// Says what a restore did.
fn restored(
    settings: &Settings,
    file: &Path,
    tables: &[(String, i64)],
    events: usize,
    before: &Path,
) {
    let aside = before.with_extension("events.jsonl");
    if settings.json {
        out!(
            "{}",
            serde_json::json!({
                "restored": file,
                "tables": tables.iter().map(|(t, n)| (t.clone(), serde_json::json!(n))).collect::<serde_json::Map<_, _>>(),
                "events": events,
                "previous_store": before,
                "previous_events": aside,
            })
        );
    } else {
        out!("restored {}", file.display());
        for (t, n) in tables {
            out!("  {t:<16} {n:>8}");
        }
        out!("events.jsonl rewritten from the restored store ({events} events)");
        out!(
            "the store as it was is in {} (its events.jsonl beside it)",
            before.display()
        );
    }
}

/// `lazypm restore FILE.dump`: a `pg_dump` archive, back into the
/// PostgreSQL schema it was taken from. As with lazypm's own backups, the
/// archive is checked first, writers are held off, the store is backed up
/// as it is, and events.jsonl is rewritten from the restored trail; after
/// `pg_restore` the store is opened again (so an archive from an older
/// lazypm is brought up to this one's schema) and its audit chain checked.
async fn restore_dump(args: RestoreArgs, settings: &Settings, dir: &Path) -> anyhow::Result<()> {
    let url = settings.database_url(dir)?;
    let Ok(lazypm_store::Location::Postgres(_)) = lazypm_store::Location::parse(&url) else {
        anyhow::bail!(
            "{} is a PostgreSQL archive, and this store is not on PostgreSQL: restore the .db \
             backup taken beside it instead (it restores into any store)",
            args.file.display()
        );
    };
    let checked = crate::pgdump::check(&args.file).await?;
    sound(&checked)?;
    let store = lazypm_service::open_store(&url).await?;
    let Some(target) = store.server_target().cloned() else {
        store.close().await;
        anyhow::bail!("{} is not a PostgreSQL store", store.backend());
    };
    let schema = checked.schema.as_deref().unwrap_or("");
    if let Some(why) = target.unarchivable() {
        store.close().await;
        anyhow::bail!("{why}");
    }
    if schema != target.schema {
        store.close().await;
        anyhow::bail!(
            "{} is an archive of the schema {schema}, and this store is the schema {}: a \
             pg_dump archive restores into the schema it was taken from (the .db backup taken \
             beside it restores into any store)",
            args.file.display(),
            target.schema
        );
    }
    let sink = lazypm_service::EventSink::new(dir.join("events.jsonl"));
    let held = sink.hold().await;
    // The restore drops and makes again every table: another session's open
    // transaction would make it wait (and every reader queue behind it), so
    // none may be left, and this process keeps none open.
    let before = match quiet(&*store).await {
        Ok(()) => take(&*store, dir, "before-restore").await,
        Err(e) => Err(e),
    };
    store.close().await;
    let before = before?;
    if let Some(held) = &held {
        held.copy_to(&before.file.with_extension("events.jsonl"))?;
    }
    crate::pgdump::restore(&target, &args.file)
        .await
        .with_context(|| format!("the store as it was is in {}", before.file.display()))?;
    let after = async {
        let store = lazypm_service::open_store(&url).await?;
        let result = async {
            store.refresh_statistics().await?;
            let audit = lazypm_service::verify_audit(&*store, None).await?;
            let events = match &held {
                Some(held) => sink.rewrite(held, &*store).await?,
                None => 0,
            };
            anyhow::Ok((audit, events))
        }
        .await;
        store.close().await;
        result
    }
    .await;
    let (audit, events) = after.with_context(|| {
        format!(
            "the archive was restored, but the checks after it failed (`lazypm audit verify` \
             tells more; the store as it was is in {})",
            before.file.display()
        )
    })?;
    restored(settings, &args.file, &checked.tables, events, &before.file);
    anyhow::ensure!(
        audit.problems.is_empty(),
        "the restored store's audit chain has {} problem(s) (`lazypm audit verify` names them)",
        audit.problems.len()
    );
    Ok(())
}

/// Replaces `store`'s whole content with `source`'s (or, without
/// `replace`, fills an empty store), as one moment for everyone using it: writers are held off (at events.jsonl's lock, before
/// their transactions begin), the store as it was is backed up (its
/// events.jsonl beside the backup), the copy is made and verified, and
/// events.jsonl is rewritten from the new trail before writers go on.
/// Returns the rows copied per table, the backup and how many events the
/// trail now holds.
pub async fn replace_content(
    source: &dyn Store,
    store: &dyn Store,
    replace: bool,
    sink: &lazypm_service::EventSink,
    dir: &Path,
    label: &str,
) -> anyhow::Result<(Vec<(String, i64)>, Checked, usize)> {
    let held = sink.hold().await;
    let (tables, before) = crate::migrate::copy(
        source,
        store,
        replace,
        "this store",
        true,
        Some((dir, label)),
    )
    .await?;
    let before = before.context("the store was not backed up")?;
    let mut events = 0;
    if let Some(held) = &held {
        held.copy_to(&before.file.with_extension("events.jsonl"))?;
        events = sink.rewrite(held, store).await?;
    }
    let counts = crate::migrate::in_order(&tables)
        .map(|(t, c)| (t.to_string(), c.rows))
        .collect();
    Ok((counts, before, events))
}

/// Waits up to [`QUIET_WAIT`] for every other session to let go of the
/// store's tables, and refuses the restore, naming them, if one does not.
async fn quiet(store: &dyn Store) -> anyhow::Result<()> {
    let start = std::time::Instant::now();
    let holders = loop {
        let holders = store.other_sessions().await;
        match holders {
            Ok(h) if !h.is_empty() && start.elapsed() < QUIET_WAIT => {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            other => break other,
        }
    };
    let holders = holders?;
    anyhow::ensure!(
        holders.is_empty(),
        "nothing was restored: {} other session(s) hold the store's tables: {}; stop them (a \
         lazypm mcp or serve using this store), or end them on the server with SELECT \
         pg_terminate_backend(PID), and try again",
        holders.len(),
        holders.join(", ")
    );
    Ok(())
}

/// How long a restore waits for other sessions to let go of the store.
const QUIET_WAIT: std::time::Duration = std::time::Duration::from_secs(10);
