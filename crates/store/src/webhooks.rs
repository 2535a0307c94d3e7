//! Outbound webhooks: registrations, and the durable outbox of their
//! deliveries.
//!
//! A change that integrators may want (a conversation started, a case
//! changed…) calls [`Db::emit`] inside its own transaction: one delivery
//! row per active registration that asked for that event. The webhooks
//! service claims due rows with a lease, posts them, and records each
//! attempt here ([`Db::finish_webhook_delivery`]). Which registrations want
//! what is cached in memory, so a change nobody subscribed to costs no
//! query; every write to a registration announces [`Change::Webhooks`],
//! which empties the cache.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use jiff::Timestamp;
use serde::Serialize;
use serde_json::{json, Value};
use switchboard_core::changes::Change;
use switchboard_core::time;
use switchboard_core::webhooks::{EventType, WebhookDraft};

use crate::audit::{before_put, snapshot, Area, Of};
use crate::{new_id, page, Db, Page, Result, StoreError};

/// A registration as shown: never its secret.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhook {
    pub id: String,
    pub url: String,
    pub description: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<EventType>))]
    pub events: Vec<String>,
    pub active: bool,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(sqlx::FromRow)]
struct WebhookRow {
    id: String,
    url: String,
    description: String,
    events: String,
    active: i64,
    created_at: String,
    updated_at: String,
}

impl From<WebhookRow> for Webhook {
    fn from(r: WebhookRow) -> Self {
        Webhook {
            events: serde_json::from_str(&r.events).unwrap_or_default(),
            id: r.id,
            url: r.url,
            description: r.description,
            active: r.active != 0,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const WEBHOOK_COLUMNS: &str = "id, url, description, events, active, created_at, updated_at";

/// One event for one registration, with the attempts made so far.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    /// Sent as `webhook-id`, the same on every attempt.
    pub id: String,
    pub webhook_id: String,
    pub event_type: String,
    /// `queued`, `sending`, `delivered` or `failed` (given up).
    pub state: String,
    pub attempts: i64,
    /// When the next attempt is due (queued ones).
    pub next_attempt_at: String,
    /// The receiver's last HTTP status.
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: String,
    pub delivered_at: Option<String>,
    /// The body sent, as JSON.
    #[sqlx(skip)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: Value,
    #[sqlx(skip)]
    pub attempt_log: Vec<Attempt>,
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    #[sqlx(flatten)]
    delivery: Delivery,
    payload: String,
}

const DELIVERY_COLUMNS: &str = "id, webhook_id, event_type, state, attempts, next_attempt_at, \
    last_status, last_error, created_at, delivered_at, payload";

/// One try of a delivery.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attempt {
    pub attempt: i64,
    pub at: String,
    /// The receiver's HTTP status; none when no answer came.
    pub status: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// A claimed delivery with what sending it needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: String,
    pub webhook_id: String,
    pub url: String,
    pub secret: String,
    pub payload: String,
    /// Including this one.
    pub attempts: i64,
    pub lease_until: String,
    pub created_at: String,
}

/// How an attempt ended.
#[derive(Debug, Clone)]
pub struct AttemptOutcome {
    pub status: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: i64,
    /// None: delivered. Some(at): try again at. Failed for good when
    /// `give_up`.
    pub retry_at: Option<Timestamp>,
    pub give_up: bool,
}

/// Which active registrations want which event (the cache).
type Wanted = BTreeMap<EventType, Vec<String>>;

#[derive(Default)]
pub(crate) struct Subscribers {
    wanted: RwLock<Option<Arc<Wanted>>>,
}

impl Subscribers {
    pub(crate) fn forget(&self) {
        *self.wanted.write().expect("webhook subscribers") = None;
    }
}

impl Db {
    /// Every registration, oldest first.
    pub async fn webhooks(&self) -> Result<Vec<Webhook>> {
        let rows: Vec<WebhookRow> = sqlx::query_as(&format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Webhook::from).collect())
    }

    pub async fn webhook(&self, id: &str) -> Result<Webhook> {
        let row: Option<WebhookRow> = sqlx::query_as(&format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1"
        ))
        .bind(id.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        row.map(Webhook::from)
            .ok_or(StoreError::NotFound("webhook"))
    }

    /// Registers a target; `secret` signs its deliveries (the caller shows
    /// it once).
    pub async fn create_webhook(&self, d: &WebhookDraft, secret: &str) -> Result<Webhook> {
        let mut tx = self.write_tx().await?;
        let id = new_id();
        let now = time::now();
        sqlx::query(
            "INSERT INTO webhooks (id, url, description, events, secret, active, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(id.clone())
        .bind(d.url.clone())
        .bind(d.description.clone())
        .bind(events_json(&d.events))
        .bind(secret.to_owned())
        .bind(i64::from(d.active))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        self.audit_of(
            &mut tx,
            Area::Integrations,
            "webhook.create",
            Of::Row("webhooks", &id),
            Value::Null,
        )
        .await?;
        tx.commit().await?;
        self.announce(Change::Webhooks);
        self.webhook(&id).await
    }

    /// Replaces a registration's address, events and switch; its secret
    /// and its deliveries stay.
    pub async fn update_webhook(&self, id: &str, d: &WebhookDraft) -> Result<Webhook> {
        let mut tx = self.write_tx().await?;
        let (before, action) =
            before_put(&mut tx, "webhook", Some(Of::Row("webhooks", id))).await?;
        let done = sqlx::query(
            "UPDATE webhooks SET url = $1, description = $2, events = $3, active = $4, updated_at = $5 WHERE id = $6",
        )
        .bind(d.url.clone())
        .bind(d.description.clone())
        .bind(events_json(&d.events))
        .bind(i64::from(d.active))
        .bind(time::now())
        .bind(id.to_owned())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("webhook"));
        }
        self.audit_of(
            &mut tx,
            Area::Integrations,
            &action,
            Of::Row("webhooks", id),
            before,
        )
        .await?;
        tx.commit().await?;
        self.announce(Change::Webhooks);
        self.webhook(id).await
    }

    /// Removes a registration with its deliveries (nothing more is sent).
    pub async fn delete_webhook(&self, id: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let before = snapshot(&mut tx, Of::Row("webhooks", id)).await?;
        if before.is_null() {
            return Err(StoreError::NotFound("webhook"));
        }
        sqlx::query("DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE webhook_id = $1)")
            .bind(id.to_owned())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM webhook_deliveries WHERE webhook_id = $1")
            .bind(id.to_owned())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM webhooks WHERE id = $1")
            .bind(id.to_owned())
            .execute(&mut *tx)
            .await?;
        self.audit(
            &mut tx,
            crate::audit::Change {
                area: Area::Integrations,
                action: "webhook.delete",
                target_id: Some(id),
                before,
                after: Value::Null,
            },
        )
        .await?;
        tx.commit().await?;
        self.announce(Change::Webhooks);
        Ok(())
    }

    /// Queues `event` with `data` for every active registration that wants
    /// it, in `tx`: the transaction of the change it reports.
    pub(crate) async fn emit(
        &self,
        tx: &mut sqlx::AnyConnection,
        event: EventType,
        data: Value,
    ) -> Result<()> {
        let wanted = self.wanted(tx).await?;
        let Some(targets) = wanted.get(&event) else {
            return Ok(());
        };
        let now = time::now();
        let body = json!({"type": event.name(), "timestamp": now, "data": data}).to_string();
        for webhook_id in targets {
            insert_delivery(tx, webhook_id, event, &body, &now).await?;
        }
        Ok(())
    }

    /// The registrations that want each event: from the cache, or read in
    /// `tx` and kept.
    async fn wanted(&self, tx: &mut sqlx::AnyConnection) -> Result<Arc<Wanted>> {
        if let Some(w) = self
            .hooks
            .wanted
            .read()
            .expect("webhook subscribers")
            .clone()
        {
            return Ok(w);
        }
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT id, events FROM webhooks WHERE active = 1 ORDER BY id")
                .fetch_all(&mut *tx)
                .await?;
        let mut wanted = Wanted::new();
        for (id, events) in rows {
            let names: Vec<String> = serde_json::from_str(&events).unwrap_or_default();
            for t in names.iter().filter_map(|n| EventType::parse(n)) {
                wanted.entry(t).or_default().push(id.clone());
            }
        }
        let wanted = Arc::new(wanted);
        *self.hooks.wanted.write().expect("webhook subscribers") = Some(wanted.clone());
        Ok(wanted)
    }

    /// Queues a `webhook.test` delivery for one registration (active or
    /// not): what "send a test event" does.
    pub async fn queue_webhook_test(&self, webhook_id: &str) -> Result<Delivery> {
        let hook = self.webhook(webhook_id).await?;
        let now = time::now();
        let body = json!({"type": EventType::Test.name(), "timestamp": now,
            "data": {"webhook_id": hook.id, "url": hook.url}})
        .to_string();
        let mut tx = self.write_tx().await?;
        let id = insert_delivery(&mut tx, webhook_id, EventType::Test, &body, &now).await?;
        tx.commit().await?;
        self.webhook_delivery(webhook_id, &id).await
    }

    /// Sends a delivery again at once (a failed one, after the receiver is
    /// fixed). A delivery being sent or already delivered is left alone.
    pub async fn redeliver_webhook(&self, webhook_id: &str, id: &str) -> Result<Delivery> {
        let done = sqlx::query(
            "UPDATE webhook_deliveries SET state = 'queued', next_attempt_at = $1 \
             WHERE id = $2 AND webhook_id = $3 AND state = 'failed'",
        )
        .bind(time::now())
        .bind(id.to_owned())
        .bind(webhook_id.to_owned())
        .execute(&self.pool)
        .await?;
        let d = self.webhook_delivery(webhook_id, id).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!(
                "only a failed delivery is sent again; this one is {}",
                d.state
            )));
        }
        Ok(d)
    }

    /// A registration's deliveries, newest first, with their attempts.
    pub async fn webhook_deliveries(
        &self,
        webhook_id: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Page<Delivery>> {
        self.webhook(webhook_id).await?;
        // Delivery ids sort by creation (UUIDv7); the cursor is the last id.
        let rows: Vec<DeliveryRow> = sqlx::query_as(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = $1 AND id < $2 \
             ORDER BY id DESC LIMIT $3"
        ))
        .bind(webhook_id.to_owned())
        .bind(cursor.unwrap_or("msg_g").to_owned())
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let mut items = Vec::with_capacity(rows.len());
        for r in rows {
            items.push(self.with_attempts(r).await?);
        }
        Ok(page(items, limit, |d| vec![d.id.clone()]))
    }

    pub async fn webhook_delivery(&self, webhook_id: &str, id: &str) -> Result<Delivery> {
        let row: Option<DeliveryRow> = sqlx::query_as(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1 AND webhook_id = $2"
        ))
        .bind(id.to_owned())
        .bind(webhook_id.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        let row = row.ok_or(StoreError::NotFound("delivery"))?;
        self.with_attempts(row).await
    }

    async fn with_attempts(&self, r: DeliveryRow) -> Result<Delivery> {
        let mut d = r.delivery;
        d.payload = serde_json::from_str(&r.payload).unwrap_or(Value::Null);
        d.attempt_log = sqlx::query_as(
            "SELECT attempt, at, status, error, duration_ms FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt",
        )
        .bind(d.id.clone())
        .fetch_all(&self.pool)
        .await?;
        Ok(d)
    }

    /// Claims up to `limit` due deliveries (queued and due, or `sending`
    /// with a lapsed lease) until `lease_until`, counting an attempt. Rows
    /// of deactivated registrations wait.
    pub async fn claim_webhook_deliveries(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<Claimed>> {
        let now = time::format(now);
        let lease = time::format(lease_until);
        let skip_locked = if self.for_update().is_empty() {
            ""
        } else {
            " FOR UPDATE OF d SKIP LOCKED"
        };
        let ids: Vec<String> = sqlx::query_scalar(&format!(
            "UPDATE webhook_deliveries SET state = 'sending', lease_until = $1, attempts = attempts + 1 \
             WHERE id IN (SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
             WHERE w.active = 1 AND ((d.state = 'queued' AND d.next_attempt_at <= $2) \
             OR (d.state = 'sending' AND d.lease_until <= $2)) ORDER BY d.next_attempt_at, d.id LIMIT $3{skip_locked}) \
             RETURNING id"
        ))
        .bind(lease.clone())
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let mut claimed = Vec::with_capacity(ids.len());
        for id in ids {
            let c: Option<Claimed> = sqlx::query_as(
                "SELECT d.id, d.webhook_id, w.url, w.secret, d.payload, d.attempts, d.lease_until, d.created_at \
                 FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = $1 AND d.lease_until = $2",
            )
            .bind(id)
            .bind(lease.clone())
            .fetch_optional(&self.pool)
            .await?;
            claimed.extend(c);
        }
        Ok(claimed)
    }

    /// Records an attempt and what follows it; only while the claim still
    /// holds the row's lease (false otherwise: someone else has it now).
    pub async fn finish_webhook_delivery(
        &self,
        c: &Claimed,
        outcome: &AttemptOutcome,
    ) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let now = time::now();
        let (state, next, delivered_at) = match (outcome.retry_at, outcome.give_up) {
            (_, true) => ("failed", None, None),
            (Some(at), false) => ("queued", Some(time::format(at)), None),
            (None, false) => ("delivered", None, Some(now.clone())),
        };
        let done = sqlx::query(
            "UPDATE webhook_deliveries SET state = $1, next_attempt_at = COALESCE($2, next_attempt_at), \
             lease_until = NULL, last_status = $3, last_error = $4, delivered_at = $5 \
             WHERE id = $6 AND state = 'sending' AND lease_until = $7",
        )
        .bind(state)
        .bind(next)
        .bind(outcome.status.map(i64::from))
        .bind(outcome.error.clone())
        .bind(delivered_at)
        .bind(c.id.clone())
        .bind(c.lease_until.clone())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO webhook_attempts (delivery_id, attempt, at, status, error, duration_ms) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (delivery_id, attempt) DO NOTHING",
        )
        .bind(c.id.clone())
        .bind(c.attempts)
        .bind(now)
        .bind(outcome.status.map(i64::from))
        .bind(outcome.error.clone())
        .bind(outcome.duration_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}

fn events_json(events: &[EventType]) -> String {
    Value::from(events.iter().map(|e| e.name()).collect::<Vec<_>>()).to_string()
}

async fn insert_delivery(
    tx: &mut sqlx::AnyConnection,
    webhook_id: &str,
    event: EventType,
    body: &str,
    now: &str,
) -> Result<String> {
    let id = format!("msg_{}", new_id().replace('-', ""));
    sqlx::query(
        "INSERT INTO webhook_deliveries (id, webhook_id, event_type, payload, state, attempts, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, 'queued', 0, $5, $5)",
    )
    .bind(id.clone())
    .bind(webhook_id.to_owned())
    .bind(event.name())
    .bind(body.to_owned())
    .bind(now.to_owned())
    .execute(&mut *tx)
    .await?;
    Ok(id)
}
