//! `switchboard import contacts FILE.csv`: the same import as the admin
//! center's (`POST /api/v1/contacts/import`), from the command line, with
//! a progress bar for reading and checking the rows, then for writing
//! them. All or nothing: a file with a bad row imports nothing and every
//! bad row is printed with its line.

use std::collections::BTreeMap;

use anyhow::Context;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use switchboard_core::import::{self, Refused};

use crate::DbArgs;

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Contacts from a CSV file (UTF-8, a header line first).
    Contacts(ContactsArgs),
}

#[derive(Args)]
pub struct ContactsArgs {
    /// The CSV file.
    file: std::path::PathBuf,
    /// Which column holds a field, as FIELD=HEADER (e.g. email="E-mail
    /// address"); repeat for each. Headers that name a field ("First
    /// name", "email") need none.
    #[arg(long = "column", value_parser = parse_column)]
    columns: Vec<(String, String)>,
    #[command(flatten)]
    db: DbArgs,
}

fn parse_column(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(f, h)| (f.trim().to_owned(), h.to_owned()))
        .ok_or_else(|| "must be FIELD=HEADER".to_owned())
}

pub async fn run(command: ImportCommand) -> anyhow::Result<()> {
    let ImportCommand::Contacts(args) = command;
    let s = args.db.resolve()?;
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let columns: BTreeMap<String, String> = args.columns.into_iter().collect();
    // Lines are a fair guess at rows for the bar (quoted line breaks aside).
    let lines = bytes
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        .saturating_sub(1);
    let bar = |len: usize, what: &str| {
        let b = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
        b.set_style(
            ProgressStyle::with_template(&format!(
                "{{bar:40}} {{pos}}/{{len}} rows {what}, {{per_sec}}, {{elapsed}}"
            ))
            .expect("valid template"),
        );
        b
    };
    let checking = bar(lines, "checked");
    let drafts = match import::contacts(&bytes, &columns, |n| checking.set_position(n as u64)) {
        Ok(d) => d,
        Err(Refused::Mapping(invalid)) => {
            checking.abandon();
            for e in &invalid.0 {
                eprintln!("{}: {}", e.field, e.message);
            }
            anyhow::bail!("nothing was imported: the file or the columns are wrong");
        }
        Err(Refused::Rows { bad, count }) => {
            checking.abandon();
            for b in &bad {
                eprintln!("line {}: {}: {}", b.line, b.field, b.message);
            }
            if count > bad.len() {
                eprintln!("… and {} more", count - bad.len());
            }
            anyhow::bail!("nothing was imported: {count} bad row(s); fix them and run again");
        }
    };
    checking.finish();
    let db = s.connect().await?;
    db.migrate().await?;
    let operator = switchboard_store::audit::Actor {
        agent_id: None,
        name: "command line".into(),
        via: "cli".into(),
    };
    let writing = bar(drafts.len(), "written");
    let written = db
        .acting(operator)
        .import_contacts(&drafts, |n| writing.set_position(n as u64))
        .await
        .map_err(|e| match e {
            switchboard_store::StoreError::Invalid(i) => anyhow::anyhow!(
                "nothing was imported: {}",
                i.0.iter()
                    .map(|e| e.message.clone())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            other => other.into(),
        })?;
    writing.finish();
    println!("imported {written} contacts ({})", s.describe_database());
    Ok(())
}
