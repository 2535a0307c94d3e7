//! `switchboard bench webhooks`: outbound webhook deliveries per second,
//! from the durable outbox to a local receiver (claimed with a lease,
//! signed, posted, each attempt recorded), beside a baseline in the same
//! run: the same bodies posted to the same receiver by a bare HTTP client
//! with the same concurrency — no database, no signature.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use switchboard_core::webhooks::{EventType, WebhookDraft};
use switchboard_webhooks::{WebhookConfig, Webhooks};

/// Deliveries posted at once, by the service and by the baseline alike.
const CONCURRENCY: usize = 8;

pub async fn run(deliveries: u32, database_url: Option<String>) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = database_url
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("bench.db").display()));
    let db = switchboard_store::Db::connect(&url).await?;
    // As the server does: on SQLite, commits never checkpoint the
    // write-ahead log; this task does, every second. Without it a bulk
    // write grows the log without end (10 GB at 5 million items).
    db.start_checkpointer();
    db.migrate().await?;

    // The receiver: answers 204 and counts.
    let received = Arc::new(AtomicU64::new(0));
    let counter = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |_body: axum::body::Bytes| {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::Relaxed);
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let target = format!("http://{}/hook", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });

    let draft = WebhookDraft::parse(
        Some(target.clone()),
        Some("bench".into()),
        Some(vec![EventType::CaseCreated.name().to_owned()]),
        Some(true),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let hook = db
        .create_webhook(&draft, &switchboard_webhooks::new_secret())
        .await?;

    // Queued first (one transaction each, as changes queue them), so the
    // delivery figure measures delivering only.
    let queued_at = Instant::now();
    for _ in 0..deliveries {
        db.queue_webhook_test(&hook.id).await?;
    }
    let queueing = queued_at.elapsed();
    let body = db
        .webhook_deliveries(&hook.id, None, 1)
        .await?
        .items
        .first()
        .map(|d| d.payload.to_string())
        .unwrap_or_default();
    println!(
        "{deliveries} deliveries of {} bytes to a local receiver, {CONCURRENCY} at once",
        body.len()
    );

    // The baseline: the same bodies, posted bare.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()?;
    let started = Instant::now();
    futures::stream::iter(0..deliveries)
        .for_each_concurrent(CONCURRENCY, |_| {
            let (client, target, body) = (&client, &target, &body);
            async move {
                let _ = client
                    .post(target)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await;
            }
        })
        .await;
    let baseline = started.elapsed();
    received.store(0, Ordering::Relaxed);

    // The service: claims, signs, posts, records.
    let started = Instant::now();
    let _service = Webhooks::start(
        db.clone(),
        WebhookConfig {
            poll: Duration::from_millis(20),
            concurrency: CONCURRENCY,
            ..WebhookConfig::default()
        },
    )?;
    let deadline = started + Duration::from_secs(600);
    while received.load(Ordering::Relaxed) < u64::from(deliveries) {
        anyhow::ensure!(
            Instant::now() < deadline,
            "deliveries did not finish in 10 minutes"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let posted = started.elapsed();
    // Recorded too: the last attempts are written after the answers.
    loop {
        let page = db.webhook_deliveries(&hook.id, None, 200).await?;
        if page.items.iter().all(|d| d.state == "delivered") {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "attempts not recorded in 10 minutes"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let recorded = started.elapsed();

    let rate = |d: Duration| f64::from(deliveries) / d.as_secs_f64();
    println!(
        "{:<62} {:>10} {:>12}",
        "measurement", "seconds", "per second"
    );
    println!(
        "{:<62} {:>10.2} {:>12.0}",
        "baseline: bare POSTs of the same bodies, no database, unsigned",
        baseline.as_secs_f64(),
        rate(baseline)
    );
    println!(
        "{:<62} {:>10.2} {:>12.0}",
        "queueing: one delivery per transaction (as a change queues it)",
        queueing.as_secs_f64(),
        rate(queueing)
    );
    println!(
        "{:<62} {:>10.2} {:>12.0}",
        "webhooks: claimed, signed, posted (all received)",
        posted.as_secs_f64(),
        rate(posted)
    );
    println!(
        "{:<62} {:>10.2} {:>12.0}",
        "webhooks: … and every attempt recorded",
        recorded.as_secs_f64(),
        rate(recorded)
    );
    println!(
        "webhooks / baseline: {:.2}× the baseline's time",
        recorded.as_secs_f64() / baseline.as_secs_f64()
    );
    Ok(())
}
