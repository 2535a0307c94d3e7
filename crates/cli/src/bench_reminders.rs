//! `switchboard bench reminders`: 100,000 meetings whose reminders are due
//! now, dispatched by the outbox worker (reminder scan → outbox → template →
//! iCalendar → SMTP → recorded as sent) into a local SMTP sink, beside the
//! sink's own acceptance rate for the same messages sent directly with the
//! same SMTP client and concurrency, in the same run; and once more with no
//! transport configured (messages kept in the outbox), which is the
//! pipeline's own ceiling without SMTP.
//!
//! The sink is Debian's aiosmtpd (`python3-aiosmtpd`), discarding messages.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;
use futures::StreamExt;
use jiff::{SignedDuration, Timestamp};
use switchboard_core::communications::templates::default_template;
use switchboard_core::communications::{Channel, Kind, Settings};
use switchboard_core::time;
use switchboard_server::communications::compose::MeetingContext;
use switchboard_server::communications::email::{Email, Mailer};

pub async fn run(count: u32, database_url: Option<String>) -> anyhow::Result<()> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut sink = Command::new("/usr/bin/python3")
        .args(["-m", "aiosmtpd", "-n", "-l"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-c", "aiosmtpd.handlers.Sink"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting the SMTP sink: apt-get install python3-aiosmtpd")?;
    let result = bench(count, database_url, port).await;
    let _ = sink.kill();
    let _ = sink.wait();
    result
}

/// What one dispatch run achieved.
struct Dispatched {
    sent: i64,
    other: i64,
    flagged: i64,
    took: Duration,
}

async fn bench(count: u32, database_url: Option<String>, port: u16) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        anyhow::ensure!(Instant::now() < deadline, "the SMTP sink did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let smtp_url = format!("smtp://127.0.0.1:{port}");
    let dir = tempfile::tempdir()?;

    // Baseline: the same message, composed once, sent straight to the sink
    // by the same SMTP client with the worker's concurrency.
    let (direct, concurrency) = {
        let url = format!("sqlite://{}", dir.path().join("baseline.db").display());
        let running = start(url, None).await?;
        seed(&running.state.db, 1).await?;
        let ctx = MeetingContext::load(&running.state.db, "bench-0000000").await?;
        let concurrency = running.state.comms.config.concurrency;
        running.shutdown().await?;
        (
            direct_rate(&ctx, &smtp_url, count, concurrency).await?,
            concurrency,
        )
    };
    // Switchboard into the sink, then with no transport (kept in the
    // outbox): the pipeline's own ceiling, without SMTP.
    let url = database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("bench.db").display()));
    let smtp = dispatch(url, Some(smtp_url), count).await?;
    let local = match database_url {
        // A PostgreSQL URL names one empty database: measure once there.
        Some(_) => None,
        None => {
            let url = format!("sqlite://{}", dir.path().join("local.db").display());
            Some(dispatch(url, None, count).await?)
        }
    };

    println!("\nReminder dispatch into a local SMTP sink (aiosmtpd), {count} messages, {concurrency} at a time");
    println!(
        "{:<66} {:>9} {:>9} {:>10} {:>8}",
        "measurement", "messages", "seconds", "msg/s", "× sink"
    );
    let rate = |n: f64, d: Duration| n / d.as_secs_f64();
    let base = rate(f64::from(count), direct);
    let mut rows = vec![
        (
            "SMTP sink: the same message sent directly (baseline)",
            i64::from(count),
            direct,
        ),
        (
            "Switchboard: due scan → outbox → template + invite → SMTP → sent",
            smtp.sent,
            smtp.took,
        ),
    ];
    if let Some(l) = &local {
        rows.push((
            "Switchboard, no transport (kept in the outbox): the pipeline alone",
            l.sent,
            l.took,
        ));
    }
    for (name, n, d) in rows {
        println!(
            "{:<66} {:>9} {:>9.1} {:>10.0} {:>8.2}",
            name,
            n,
            d.as_secs_f64(),
            rate(n as f64, d),
            rate(n as f64, d) / base
        );
    }
    for (what, d) in [("SMTP", Some(&smtp)), ("no transport", local.as_ref())] {
        if let Some(d) = d {
            println!(
                "{what}: not sent {}; meetings flagged email_reminder_sent_at: {}",
                d.other, d.flagged
            );
            // Kept messages (no transport) are not delivered: no flag.
            let flagged = if what == "SMTP" { i64::from(count) } else { 0 };
            anyhow::ensure!(
                d.sent == i64::from(count) && d.flagged == flagged,
                "not every reminder was sent ({what})"
            );
        }
    }
    Ok(())
}

async fn start(
    url: String,
    smtp_url: Option<String>,
) -> anyhow::Result<switchboard_server::Running> {
    let mut config = switchboard_server::Config::new("127.0.0.1:0".parse()?, url);
    config.delivery.smtp_url = smtp_url;
    switchboard_server::start(config).await
}

/// `count` meetings starting in 2 hours for one contact and topic.
async fn seed(db: &switchboard_store::Db, count: u32) -> anyhow::Result<()> {
    let pool = db.pool();
    let now = time::now();
    let contact = "bench-contact";
    sqlx::query(
        "INSERT INTO contacts (id, first_name, last_name, email, custom, search_text, created_at, updated_at) \
         VALUES ($1, 'Zoé', 'Durand', 'zoe@example.com', '{}', 'zoe durand', $2, $2)",
    )
    .bind(contact)
    .bind(now.clone())
    .execute(pool)
    .await?;
    sqlx::query(
        "INSERT INTO topics (id, name, description, duration_minutes, meeting_types, skills, instructions, created_at, updated_at) \
         VALUES ('bench-topic', 'Mortgage advice', 'Rates', 30, '[\"online\"]', '[]', 'Bring your payslips.', $1, $1)",
    )
    .bind(now.clone())
    .execute(pool)
    .await?;
    let start = Timestamp::now() + SignedDuration::from_hours(2);
    let (starts, ends) = (
        time::format(start),
        time::format(start + SignedDuration::from_mins(30)),
    );
    let mut tx = pool.begin().await?;
    for chunk in (0..count).collect::<Vec<_>>().chunks(50) {
        let mut sql = String::from(
            "INSERT INTO meetings (id, contact_id, topic_id, meeting_type, join_url, starts_at, ends_at, time_zone, \
             language, state, customer_notes, sequence, booked_by, booked_via, created_at, updated_at) VALUES ",
        );
        for (n, i) in chunk.iter().enumerate() {
            if n > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "('bench-{i:07}', '{contact}', 'bench-topic', 'online', 'https://meet.example/bench-{i}', '{starts}', \
                 '{ends}', 'Europe/Paris', 'en', 'scheduled', '', 0, 'bench', 'api', '{now}', '{now}')"
            ));
        }
        sqlx::query(&sql).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn direct_rate(
    ctx: &MeetingContext,
    smtp_url: &str,
    count: u32,
    concurrency: usize,
) -> anyhow::Result<Duration> {
    let mailer = Mailer::new(Some(smtp_url), "Switchboard <meetings@localhost>")?;
    let template = default_template(Kind::Reminder, Channel::Email, "en");
    let rendered = ctx.render(&template, "http://127.0.0.1/meetings/x/cancel?token=t");
    let invite = ctx.invite(
        "localhost",
        ("Switchboard", "meetings@localhost"),
        0,
        false,
        Timestamp::now(),
    );
    let started = Instant::now();
    let failures = std::sync::atomic::AtomicU32::new(0);
    futures::stream::iter(0..count)
        .for_each_concurrent(concurrency, |i| {
            let (mailer, rendered, invite, failures) = (&mailer, &rendered, &invite, &failures);
            async move {
                let id = format!("direct-{i}@localhost");
                let sent = mailer
                    .send(&Email {
                        to_name: "Zoé Durand",
                        to_email: "zoe@example.com",
                        rendered,
                        invite: Some(invite),
                        cancel: false,
                        message_id: &id,
                    })
                    .await;
                if sent.is_err() {
                    failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
        })
        .await;
    let took = started.elapsed();
    let failures = failures.into_inner();
    anyhow::ensure!(failures == 0, "{failures} direct sends failed");
    Ok(took)
}

/// Seeds `count` meetings, switches email reminders on, and times until
/// every reminder is recorded as sent.
async fn dispatch(url: String, smtp_url: Option<String>, count: u32) -> anyhow::Result<Dispatched> {
    let running = start(url, smtp_url.clone()).await?;
    let db = running.state.db.clone();
    println!(
        "Scheduling {count} meetings starting in 2 hours (reminders due now), transport: {}…",
        if smtp_url.is_some() {
            "SMTP sink"
        } else {
            "none"
        }
    );
    seed(&db, count).await?;
    let pool = db.pool();
    let mut settings = Settings {
        enabled: true,
        ..Settings::default()
    };
    settings.kinds.confirmation.sms = false;
    settings.kinds.reminder.sms = false;
    settings.kinds.cancellation.sms = false;
    db.put_communication_settings(&settings).await?;
    let started = Instant::now();
    running.state.comms.wake.notify_one();
    let limit = Duration::from_secs(900);
    let sent = loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let sent: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE state IN ('sent', 'kept')")
                .fetch_one(pool)
                .await?;
        if sent >= i64::from(count) || started.elapsed() > limit {
            break sent;
        }
    };
    let took = started.elapsed();
    let other: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE state NOT IN ('sent', 'kept')")
            .fetch_one(pool)
            .await?;
    let flagged: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM meetings WHERE email_reminder_sent_at IS NOT NULL",
    )
    .fetch_one(pool)
    .await?;
    running.shutdown().await?;
    Ok(Dispatched {
        sent,
        other,
        flagged,
        took,
    })
}
