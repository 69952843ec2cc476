//! `lazypm audit verify`: checks the audit chain in the events table and
//! every line of `events.jsonl` against it, without repairing anything first.

use crate::config::Settings;

#[derive(clap::Subcommand)]
pub enum AuditCommand {
    /// Report any event edited, deleted or reordered, in the events table or
    /// in events.jsonl (exit status 1 when there is one).
    Verify,
}

pub async fn run(cmd: AuditCommand, settings: &Settings) -> anyhow::Result<()> {
    let AuditCommand::Verify = cmd;
    let dir = settings.data_dir()?;
    let url = settings.database_url(&dir)?;
    let store = lazypm_service::open_store(&url).await?;
    let events = dir.join("events.jsonl");
    let report = lazypm_service::verify_audit(store.as_ref(), Some(&events)).await;
    store.close().await;
    let report = report?;
    if settings.json {
        out!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let chained = report.events - report.before_chain;
        out!(
            "events table: {} events, {chained} chained{}",
            report.events,
            if report.before_chain > 0 {
                format!(" ({} written before the chain began)", report.before_chain)
            } else {
                String::new()
            }
        );
        if let Some(lines) = report.file_lines {
            out!("{}: {lines} lines", events.display());
        }
        if let Some(head) = &report.head {
            out!("head of the chain: {head}");
        }
        if report.problems.is_empty() {
            out!("the audit trail is whole: nothing edited, deleted or reordered");
        } else {
            out!("\n{} problem(s):", report.problems.len());
            for p in &report.problems {
                out!("  {}: {}", p.place, p.message);
            }
        }
    }
    anyhow::ensure!(
        report.problems.is_empty(),
        "the audit trail has {} problem(s)",
        report.problems.len()
    );
    Ok(())
}
