//! `switchboard bench reports`: historical reports over a year of history
//! (`--items` work items, 5 million by default, over 50 queues and 200
//! agents), beside a baseline in the same run on the same database: a bare
//! `SELECT COUNT(*)` over the same work items.
//!
//! The history is written by SQL in bulk (items and their routing events:
//! classified, assigned, wrap-up, closed; one in twelve abandoned), then
//! counted by the server's own roll-up (timed, as events per second), then
//! each report is asked `--iterations` times through the store, as the API
//! asks it (the roll-up's catch-up included).

use std::time::Instant;

use switchboard_store::reports::{ReportBy, ReportQuery};
use switchboard_store::{Backend, Db};

use crate::bench::{measure, print_table};

const QUEUES: u32 = 50;
const AGENTS: u32 = 200;

pub async fn run(items: u32, iterations: u32, database_url: Option<String>) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = database_url
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("bench.db").display()));
    let db = Db::connect(&url).await?;
    // As the server does: on SQLite, commits never checkpoint the
    // write-ahead log; this task does, every second. Without it a bulk
    // write grows the log without end (10 GB at 5 million items).
    db.start_checkpointer();
    db.migrate().await?;
    let pool = db.pool();
    for q in 0..QUEUES {
        sqlx::query(
            "INSERT INTO queues (id, name, channel, priority, method, offer_timeout_seconds, \
             declines_allowed, is_default, operating_hours, overflow, created_at, updated_at) \
             VALUES ($1, $2, 'messaging', 0, 'longest_idle', 30, 3, 0, NULL, '{}', '', '')",
        )
        .bind(format!("q{q:02}"))
        .bind(format!("Queue {q:02}"))
        .execute(pool)
        .await?;
    }
    for a in 0..AGENTS {
        sqlx::query(
            "INSERT INTO agents (id, name, email, roles, active, password_hash, created_at, updated_at) \
             VALUES ($1, $2, $3, 'agent', 1, '', '', '')",
        )
        .bind(format!("a{a:03}"))
        .bind(format!("Agent {a:03}"))
        .bind(format!("a{a:03}@bench.test"))
        .execute(pool)
        .await?;
    }

    // A year ending now: items evenly spread, waits of 0–59 s, handling of
    // 2–12 minutes, one in twelve abandoned; each agent serves two queues.
    let end = jiff::Timestamp::now().as_second();
    let start = end - 365 * 86_400;
    let step = (365.0 * 86_400.0) / f64::from(items.max(1));
    println!(
        "Writing {items} work items over a year ({QUEUES} queues, {AGENTS} agents) and their routing events…"
    );
    let t = Instant::now();
    // The two dialects: a run of numbers, an epoch second as our stored
    // timestamp, a number padded with zeros.
    type Sql = fn(&str) -> String;
    let (numbers, stamp, pad2, pad3): (&str, Sql, Sql, Sql) = match db.backend() {
        Backend::Sqlite => (
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $1 - 1) SELECT i FROM n",
            |secs| format!("strftime('%Y-%m-%dT%H:%M:%S.000000Z', {secs}, 'unixepoch')"),
            |n| format!("printf('%02d', {n})"),
            |n| format!("printf('%03d', {n})"),
        ),
        Backend::Postgres => (
            "SELECT i FROM generate_series(0, $1 - 1) AS g(i)",
            |secs| {
                format!("to_char(to_timestamp({secs}) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
            },
            |n| format!("lpad(CAST({n} AS TEXT), 2, '0')"),
            |n| format!("lpad(CAST({n} AS TEXT), 3, '0')"),
        ),
    };
    let arrived = format!("({start} + CAST(i * {step} AS BIGINT))");
    let wait = "(i % 60)";
    let handle = "(120 + (i * 7) % 600)";
    let abandoned = "(i % 12 = 0)";
    let agent = format!(
        "'a' || {}",
        pad3(&format!(
            "((i % {QUEUES}) * 4 + (i / {QUEUES}) % 8) % {AGENTS}"
        ))
    );
    let queue = format!("'q' || {}", pad2(&format!("i % {QUEUES}")));
    let ended = format!(
        "CASE WHEN {abandoned} THEN {arrived} + {wait} ELSE {arrived} + {wait} + {handle} END"
    );
    sqlx::query(&format!(
        "INSERT INTO work_items (id, channel, kind, contact_id, customer_name, attributes, queue_id, priority, \
         needs, skill_match, status, agent_id, offer_deadline, declines, reason, arrived_at, updated_at, closed_at) \
         SELECT 'w' || CAST(i AS TEXT), CASE WHEN i % 3 = 0 THEN 'voice' ELSE 'chat' END, 'normal', NULL, NULL, '{{}}', {queue}, 0, \
         '[]', '{{}}', CASE WHEN {abandoned} THEN 'abandoned' ELSE 'closed' END, \
         CASE WHEN {abandoned} THEN NULL ELSE {agent} END, NULL, '[]', NULL, {a}, {e}, {e} FROM ({numbers}) AS n",
        a = stamp(&arrived),
        e = stamp(&ended),
    ))
    .bind(i64::from(items))
    .execute(pool)
    .await?;
    // Events numbered four per item in the item's order of events.
    let events = [
        (0, "classified", "NULL".to_owned(), arrived.clone(), "TRUE"),
        (
            1,
            "abandoned",
            "NULL".to_owned(),
            format!("{arrived} + {wait}"),
            abandoned,
        ),
        (
            1,
            "assigned",
            agent.clone(),
            format!("{arrived} + {wait}"),
            "NOT (i % 12 = 0)",
        ),
        (
            2,
            "wrap_up",
            agent.clone(),
            format!("{arrived} + {wait} + {handle} - 30"),
            "NOT (i % 12 = 0)",
        ),
        (
            3,
            "closed",
            agent.clone(),
            format!("{arrived} + {wait} + {handle}"),
            "NOT (i % 12 = 0)",
        ),
    ];
    for (k, kind, who, at, when) in events {
        sqlx::query(&format!(
            "INSERT INTO routing_events (seq, work_item_id, agent_id, queue_id, kind, data, at) \
             SELECT i * 4 + {k} + 1, 'w' || CAST(i AS TEXT), {who}, {queue}, '{kind}', '{{}}', {at} FROM ({numbers}) AS n WHERE {when}",
            at = stamp(&at),
        ))
        .bind(i64::from(items))
        .execute(pool)
        .await?;
    }
    let written = t.elapsed();
    let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM routing_events")
        .fetch_one(pool)
        .await?;
    println!(
        "  written in {:.1} s ({events} events)",
        written.as_secs_f64()
    );

    println!("Counting them into the report sums (the server's roll-up)…");
    let t = Instant::now();
    db.catch_up_reports().await?;
    let rolled = t.elapsed();
    println!(
        "  {events} events in {:.1} s: {:.0} events/s",
        rolled.as_secs_f64(),
        events as f64 / rolled.as_secs_f64()
    );
    let sums: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM report_days")
        .fetch_one(pool)
        .await?;
    println!("  {sums} day rows of sums");

    let day = |secs: i64| -> anyhow::Result<String> {
        Ok(jiff::Timestamp::from_second(secs)?
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()
            .to_string())
    };
    let (from_day, to_day) = (day(start + 86_400)?, day(end)?);
    let year = |by: ReportBy| ReportQuery {
        by,
        from_day: from_day.clone(),
        to_day: to_day.clone(),
        hours: None,
        queue_id: None,
        agent_id: None,
        channel: None,
        within: None,
    };
    let mut month = year(ReportBy::Hour);
    month.from_day = day(end - 30 * 86_400)?;
    month.hours = Some((
        format!("{}T00:00:00Z", month.from_day),
        format!("{}T00:00:00Z", day(end + 86_400)?),
    ));
    let mut one_queue = year(ReportBy::Day);
    one_queue.queue_id = Some("q07".into());
    let mut one_agent = year(ReportBy::Day);
    one_agent.agent_id = Some("a042".into());

    let mut rows = vec![
        measure(
            "baseline: SELECT COUNT(*) FROM work_items",
            iterations,
            || async {
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM work_items")
                    .fetch_one(pool)
                    .await?;
                Ok(usize::try_from(n).unwrap_or(0).min(1))
            },
        )
        .await?,
    ];
    for (name, q) in [
        ("a year by queue", year(ReportBy::Queue)),
        ("a year by agent", year(ReportBy::Agent)),
        ("a year by channel", year(ReportBy::Channel)),
        ("a year by day", year(ReportBy::Day)),
        ("a year by day, one queue", one_queue),
        ("a year by day, one agent", one_agent),
        ("a month by hour", month),
    ] {
        let db = &db;
        let q = &q;
        rows.push(
            measure(name, iterations, || async move {
                let rows = db.report(q).await?;
                for r in &rows {
                    switchboard_core::reports::figures(&r.counts, 20, 10);
                }
                Ok(rows.len())
            })
            .await?,
        );
    }
    print_table(
        &format!(
            "Reports over {items} work items ({} backend), {iterations} asks each",
            match db.backend() {
                Backend::Sqlite => "SQLite",
                Backend::Postgres => "PostgreSQL",
            }
        ),
        &rows,
        0,
    );
    Ok(())
}
