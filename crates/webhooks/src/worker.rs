//! The delivery worker: claims due deliveries, posts them, records each
//! attempt.

use std::sync::Arc;
use std::time::Instant;

use futures::StreamExt;
use jiff::{SignedDuration, Timestamp};
use switchboard_core::webhooks::{retry_delay, MAX_ATTEMPTS};
use switchboard_store::webhooks::{AttemptOutcome, Claimed};

use crate::Webhooks;

/// Deliveries claimed per round, per delivery posted at once.
const CLAIM_PER_SENDER: usize = 4;

/// How much of an error text is kept.
const ERROR_MAX: usize = 500;

pub(crate) fn spawn(service: Arc<Webhooks>) {
    tokio::spawn(async move {
        loop {
            if service.db.pool().is_closed() {
                return;
            }
            let s = service.clone();
            // Each round in its own task: a panic (a bug) is logged and the
            // next round goes on.
            let worked = match tokio::spawn(async move { round(&s).await }).await {
                Ok(Ok(n)) => n > 0,
                Ok(Err(e)) => {
                    if !service.db.pool().is_closed() {
                        tracing::warn!(error = %e, "the webhook worker failed a round");
                    }
                    false
                }
                Err(e) => {
                    tracing::error!(error = %e, "the webhook worker panicked; going on");
                    false
                }
            };
            if !worked {
                let _ = tokio::time::timeout(service.config.poll, service.wake.notified()).await;
            }
        }
    });
}

/// One round: claim a batch, post them concurrently, record the outcomes.
/// Returns how many were handled.
async fn round(s: &Webhooks) -> anyhow::Result<usize> {
    let now = Timestamp::now();
    let lease = SignedDuration::try_from(s.config.lease)?;
    let senders = s.config.concurrency.max(1);
    let claimed =
        s.db.claim_webhook_deliveries(
            now,
            now.checked_add(lease)?,
            (senders * CLAIM_PER_SENDER) as u32,
        )
        .await?;
    let n = claimed.len();
    futures::stream::iter(claimed)
        .for_each_concurrent(senders, |c| async move {
            let outcome = attempt(s, &c).await;
            match s.db.finish_webhook_delivery(&c, &outcome).await {
                Ok(true) => {}
                Ok(false) => tracing::info!(delivery = %c.id, "a webhook delivery's lease lapsed before its answer was recorded"),
                Err(e) => tracing::warn!(delivery = %c.id, error = %e, "recording a webhook attempt failed"),
            }
        })
        .await;
    Ok(n)
}

/// Posts one delivery and says what follows.
async fn attempt(s: &Webhooks, c: &Claimed) -> AttemptOutcome {
    let started = Instant::now();
    let timestamp = Timestamp::now().as_second();
    let answer = match crate::sign(&c.secret, &c.id, timestamp, c.payload.as_bytes()) {
        None => Err("the registration's secret is malformed".to_owned()),
        Some(signature) => s
            .http
            .post(&c.url)
            .header("content-type", "application/json")
            .header("webhook-id", &c.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(c.payload.clone())
            .send()
            .await
            .map_err(|e| describe(&e)),
    };
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let (status, error) = match answer {
        Ok(r) if r.status().is_success() => (Some(r.status().as_u16()), None),
        Ok(r) => (
            Some(r.status().as_u16()),
            Some(format!("the receiver answered {}", r.status())),
        ),
        Err(e) => (None, Some(e)),
    };
    if error.is_none() {
        return AttemptOutcome {
            status,
            error,
            duration_ms,
            retry_at: None,
            give_up: false,
        };
    }
    let tried = u32::try_from(c.attempts).unwrap_or(u32::MAX);
    let give_up = tried >= MAX_ATTEMPTS;
    let delay = SignedDuration::try_from(retry_delay(s.config.retry_base, tried))
        .unwrap_or(SignedDuration::from_hours(1));
    AttemptOutcome {
        status,
        error,
        duration_ms,
        retry_at: Some(
            Timestamp::now()
                .checked_add(delay)
                .unwrap_or(Timestamp::MAX),
        ),
        give_up,
    }
}

/// An error as the admin reads it: the kind of failure, then reqwest's
/// words, cut short.
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "no answer in time"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "the request failed"
    };
    let mut text = format!("{kind}: {e}");
    if let Some(source) = std::error::Error::source(e) {
        text.push_str(&format!(" ({source})"));
    }
    if text.chars().count() > ERROR_MAX {
        text = text.chars().take(ERROR_MAX).collect::<String>() + "…";
    }
    text
}
