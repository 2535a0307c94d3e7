//! `switchboard bench import`: contacts imported from a CSV file (read,
//! checked row by row, written in one transaction) beside a raw baseline in
//! the same run: the same rows written by plain multi-row INSERTs into a
//! table of the same shape, with no reading and no checks.

use std::time::Instant;

use switchboard_core::import;

pub async fn run(rows: u32, database_url: Option<String>) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = database_url
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("bench.db").display()));
    let db = switchboard_store::Db::connect(&url).await?;
    // As the server does: on SQLite, commits never checkpoint the
    // write-ahead log; this task does, every second. Without it a bulk
    // write grows the log without end (10 GB at 5 million items).
    db.start_checkpointer();
    db.migrate().await?;
    let mut csv = String::from("First name,Last name,Email,Phone,City\n");
    for i in 0..rows {
        csv.push_str(&format!(
            "Ann{i},Smith{i},ann{i}@example.com,+3361{:07},Paris\n",
            i % 10_000_000
        ));
    }
    println!(
        "{rows} contacts, {:.1} MiB of CSV",
        csv.len() as f64 / 1048576.0
    );

    // The baseline: the same values, straight into a copy of the table.
    let baseline = Instant::now();
    db.bench_raw_contact_inserts(rows).await?;
    let raw = baseline.elapsed();

    let started = Instant::now();
    let drafts = import::contacts(csv.as_bytes(), &Default::default(), |_| {})
        .map_err(|e| anyhow::anyhow!("the generated file was refused: {e:?}"))?;
    let checked = started.elapsed();
    let written = db.import_contacts(&drafts, |_| {}).await?;
    let total = started.elapsed();
    anyhow::ensure!(written == rows as usize, "imported {written} of {rows}");

    let per_sec = |d: std::time::Duration| f64::from(rows) / d.as_secs_f64();
    println!("{:<58} {:>10} {:>12}", "measurement", "seconds", "rows/s");
    println!(
        "{:<58} {:>10.2} {:>12.0}",
        "baseline: raw multi-row INSERT, no reading, no checks",
        raw.as_secs_f64(),
        per_sec(raw)
    );
    println!(
        "{:<58} {:>10.2} {:>12.0}",
        "import: read and check every row (no database)",
        checked.as_secs_f64(),
        per_sec(checked)
    );
    println!(
        "{:<58} {:>10.2} {:>12.0}",
        "import: read, check and write in one transaction",
        total.as_secs_f64(),
        per_sec(total)
    );
    println!(
        "import / baseline: {:.2}× the baseline's time",
        total.as_secs_f64() / raw.as_secs_f64()
    );
    Ok(())
}
