//! `switchboard config export` and `switchboard config apply FILE
//! [--dry-run]`: the admin center's configuration export and apply
//! (`GET /api/v1/config`, `POST /api/v1/config/apply`) from the command
//! line, on the database `serve` uses, audited as the command line's.

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::DbArgs;

#[derive(Subcommand)]
pub enum ConfigCommand {
    /// Print the site's configuration as TOML (widget secrets left out).
    Export(ExportArgs),
    /// Apply a configuration file: print what changes, then write it all
    /// in one transaction (nothing when anything is invalid).
    Apply(ApplyArgs),
}

#[derive(Args)]
pub struct ExportArgs {
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Args)]
pub struct ApplyArgs {
    /// The TOML file (`-` reads standard input).
    file: std::path::PathBuf,
    /// Print the changes and write nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    db: DbArgs,
}

pub async fn run(command: ConfigCommand) -> anyhow::Result<()> {
    match command {
        ConfigCommand::Export(args) => {
            let db = args.db.resolve()?.connect().await?;
            db.migrate().await?;
            let text = switchboard_server::site_config::export(&db)
                .await
                .map_err(|e| anyhow::anyhow!("exporting the configuration: {e}"))?;
            print!("{text}");
            Ok(())
        }
        ConfigCommand::Apply(args) => {
            let text = if args.file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin()).context("reading standard input")?
            } else {
                std::fs::read_to_string(&args.file)
                    .with_context(|| format!("reading {}", args.file.display()))?
            };
            let db = args.db.resolve()?.connect().await?;
            db.migrate().await?;
            // The audit log names whoever ran the command on this machine.
            let db = db.acting(switchboard_store::audit::Actor {
                agent_id: None,
                name: "command line".into(),
                via: "cli".into(),
            });
            let report = switchboard_server::site_config::apply(&db, &text, args.dry_run)
                .await
                .map_err(explain)?;
            for line in report.lines() {
                println!("{line}");
            }
            let n = report.changes.len();
            if n == 0 {
                println!("no change: the site already has this configuration");
            } else if report.dry_run {
                println!("dry run: {n} change(s) listed, nothing written");
            } else {
                println!("applied {n} change(s)");
            }
            Ok(())
        }
    }
}

/// The API's error as lines for a terminal: each bad value with its
/// place in the file.
fn explain(e: switchboard_server::error::ApiError) -> anyhow::Error {
    use switchboard_server::error::ApiError;
    match e {
        ApiError::Invalid(invalid) => {
            for f in &invalid.0 {
                eprintln!("{}: {}", f.field, f.message);
            }
            anyhow::anyhow!(
                "nothing was applied: the file has {} error(s)",
                invalid.0.len()
            )
        }
        other => anyhow::anyhow!("nothing was applied: {other}"),
    }
}
