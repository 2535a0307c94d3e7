//! Communications about meetings: settings, templates, the outbox the
//! worker delivers from, reminders and SMS opt-outs.
//!
//! The outbox is the durable queue. A row is written in the transaction that
//! causes it (booking, cancelling, moving, or the reminder scan); the worker
//! claims due rows with a lease (`sending` until `lease_until`), sends, and
//! records the outcome. A worker that dies mid-send leaves the row `sending`;
//! when the lease runs out it is claimed again and sent again with the same
//! idempotency key (the email's Message-ID), so receivers can drop the copy.

use jiff::Timestamp;
use serde::Serialize;
use switchboard_core::changes::Change;
use switchboard_core::communications::{self, templates::Template, Channel, Kind, Settings};
use switchboard_core::time;

use crate::audit::{self, Area};
use crate::scheduling::{enqueue, read_settings};
use crate::{page, Db, Page, Result};
use serde_json::Value;

/// One outbox row.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxMessage {
    pub id: String,
    pub idempotency_key: String,
    pub meeting_id: String,
    pub kind: String,
    pub channel: String,
    pub sequence: i64,
    /// queued, sending, sent (handed to the SMTP server or SMS provider),
    /// kept (composed and kept here, not delivered: no transport is
    /// configured), failed or skipped (with the reason in `last_error`).
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: String,
    /// While `sending`: the claim's reservation; finishing needs it intact.
    pub lease_until: Option<String>,
    pub recipient: Option<String>,
    pub subject: Option<String>,
    pub body: Option<String>,
    /// smtp, twilio, webhook, or local (kept here, nothing configured).
    pub transport: Option<String>,
    pub provider_id: Option<String>,
    /// Why it failed, was skipped, or is being retried.
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

const OUTBOX_COLUMNS: &str = "id, idempotency_key, meeting_id, kind, channel, sequence, state, attempts, \
    next_attempt_at, lease_until, recipient, subject, body, transport, provider_id, last_error, created_at, sent_at";

/// A template and whether the admin changed it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredTemplate {
    pub kind: Kind,
    pub channel: Channel,
    pub language: String,
    #[serde(flatten)]
    pub template: Template,
    /// False: the shipped default.
    pub customized: bool,
}

/// How a send ended, as the worker records it.
#[derive(Debug, Clone)]
pub enum Outcome {
    Sent {
        transport: String,
        provider_id: Option<String>,
    },
    /// Composed and kept in the outbox, not delivered: no transport is
    /// configured for the channel.
    Kept,
    /// Not sent and never will be (no address, opted out, meeting gone).
    Skipped(String),
    /// Try again at this time (transient failure, or SMS quiet hours when
    /// `count` is false).
    Retry {
        at: Timestamp,
        error: String,
        count: bool,
    },
    Failed(String),
}

/// What the message says, recorded with the outcome for the outbox view.
#[derive(Debug, Clone, Default)]
pub struct Written {
    pub recipient: Option<String>,
    pub subject: Option<String>,
    pub body: Option<String>,
}

impl Db {
    pub async fn communication_settings(&self) -> Result<Settings> {
        let mut conn = self.pool.acquire().await?;
        read_settings(&mut conn).await
    }

    pub async fn put_communication_settings(&self, s: &Settings) -> Result<Settings> {
        let mut tx = self.write_tx().await?;
        self.put_communication_settings_in(&mut tx, s).await?;
        tx.commit().await?;
        self.announce(Change::Communications);
        self.communication_settings().await
    }

    /// [`Db::put_communication_settings`]'s writes in `tx`.
    pub(crate) async fn put_communication_settings_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        s: &Settings,
    ) -> Result<()> {
        let before = settings_json(tx).await?;
        sqlx::query(
            "INSERT INTO communication_settings (id, settings, updated_at) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO UPDATE SET settings = $1, updated_at = $2",
        )
        .bind(serde_json::to_string(s).expect("serializes"))
        .bind(time::now())
        .execute(&mut *tx)
        .await?;
        let after = settings_json(tx).await?;
        let change = audit::Change {
            area: Area::Communications,
            action: "settings.update",
            target_id: None,
            before,
            after,
        };
        self.audit(tx, change).await
    }

    /// The template in force: the admin's, else the shipped default.
    pub async fn template(
        &self,
        kind: Kind,
        channel: Channel,
        language: &str,
    ) -> Result<StoredTemplate> {
        let row: Option<(String, String, String)> = sqlx::query_as(
            "SELECT subject, body, html FROM message_templates WHERE kind = $1 AND channel = $2 AND language = $3",
        )
        .bind(kind.as_str())
        .bind(channel.as_str())
        .bind(language.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some((subject, body, html)) => StoredTemplate {
                kind,
                channel,
                language: language.to_owned(),
                template: Template {
                    subject,
                    body,
                    html,
                },
                customized: true,
            },
            None => StoredTemplate {
                kind,
                channel,
                language: language.to_owned(),
                template: communications::templates::default_template(kind, channel, language),
                customized: false,
            },
        })
    }

    pub async fn templates(&self) -> Result<Vec<StoredTemplate>> {
        let mut out = Vec::new();
        for kind in Kind::ALL {
            for channel in Channel::ALL {
                for lang in communications::LANGUAGES {
                    out.push(self.template(kind, channel, lang).await?);
                }
            }
        }
        Ok(out)
    }

    pub async fn put_template(
        &self,
        kind: Kind,
        channel: Channel,
        language: &str,
        t: &Template,
    ) -> Result<StoredTemplate> {
        let mut tx = self.write_tx().await?;
        self.put_template_in(&mut tx, kind, channel, language, t)
            .await?;
        tx.commit().await?;
        self.template(kind, channel, language).await
    }

    /// [`Db::put_template`]'s writes in `tx`.
    pub(crate) async fn put_template_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        kind: Kind,
        channel: Channel,
        language: &str,
        t: &Template,
    ) -> Result<()> {
        let before = template_json(tx, kind, channel, language).await?;
        sqlx::query(
            "INSERT INTO message_templates (kind, channel, language, subject, body, html, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (kind, channel, language) \
             DO UPDATE SET subject = $4, body = $5, html = $6, updated_at = $7",
        )
        .bind(kind.as_str())
        .bind(channel.as_str())
        .bind(language.to_owned())
        .bind(t.subject.clone())
        .bind(t.body.clone())
        .bind(t.html.clone())
        .bind(time::now())
        .execute(&mut *tx)
        .await?;
        self.audit_template(tx, "template.update", (kind, channel, language), before)
            .await
    }

    /// Back to the shipped default.
    pub async fn reset_template(
        &self,
        kind: Kind,
        channel: Channel,
        language: &str,
    ) -> Result<StoredTemplate> {
        let mut tx = self.write_tx().await?;
        self.reset_template_in(&mut tx, kind, channel, language)
            .await?;
        tx.commit().await?;
        self.template(kind, channel, language).await
    }

    /// [`Db::reset_template`]'s writes in `tx`.
    pub(crate) async fn reset_template_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        kind: Kind,
        channel: Channel,
        language: &str,
    ) -> Result<()> {
        let before = template_json(tx, kind, channel, language).await?;
        sqlx::query(
            "DELETE FROM message_templates WHERE kind = $1 AND channel = $2 AND language = $3",
        )
        .bind(kind.as_str())
        .bind(channel.as_str())
        .bind(language.to_owned())
        .execute(&mut *tx)
        .await?;
        self.audit_template(tx, "template.reset", (kind, channel, language), before)
            .await
    }

    /// Records a template's change: its key names it, `null` stands for the
    /// shipped default.
    async fn audit_template(
        &self,
        tx: &mut sqlx::AnyConnection,
        action: &str,
        (kind, channel, language): (Kind, Channel, &str),
        before: Value,
    ) -> Result<()> {
        let after = template_json(tx, kind, channel, language).await?;
        let target = format!("{}/{}/{language}", kind.as_str(), channel.as_str());
        let change = audit::Change {
            area: Area::Communications,
            action,
            target_id: Some(&target),
            before,
            after,
        };
        self.audit(tx, change).await
    }

    // ------------------------------------------------------------------ outbox

    /// Newest first, optionally one meeting's or one state's.
    pub async fn outbox(
        &self,
        meeting_id: Option<&str>,
        state: Option<&str>,
        limit: u32,
        after: Option<String>,
    ) -> Result<Page<OutboxMessage>> {
        let mut q =
            crate::sql::Sql::new(&format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE 1 = 1"));
        if let Some(m) = meeting_id {
            q.push(" AND meeting_id = ").bind(m.to_owned());
        }
        if let Some(s) = state {
            q.push(" AND state = ").bind(s.to_owned());
        }
        if let Some(a) = after {
            q.push(" AND id < ").bind(a);
        }
        q.push(" ORDER BY id DESC LIMIT ")
            .bind(i64::from(limit) + 1);
        let rows: Vec<OutboxMessage> = sqlx::query_as_with(&q.text, q.args)
            .fetch_all(&self.pool)
            .await?;
        Ok(page(rows, limit, |m| vec![m.id.clone()]))
    }

    /// Queues a failed message again, due at once, with its attempts
    /// counted from zero (so it gets the whole retry schedule again) and
    /// the same idempotency key. Only `failed` rows: any other state is a
    /// conflict (a queued or sending one is already on its way; a sent,
    /// kept or skipped one is done). Audited as `outbox.retry`.
    pub async fn retry_outbox(&self, id: &str, now: Timestamp) -> Result<OutboxMessage> {
        let mut tx = self.write_tx().await?;
        let current: Option<(String, i64, Option<String>)> =
            sqlx::query_as("SELECT state, attempts, last_error FROM outbox WHERE id = $1")
                .bind(id.to_owned())
                .fetch_optional(&mut *tx)
                .await?;
        let Some((state, attempts, last_error)) = current else {
            return Err(crate::StoreError::NotFound("message"));
        };
        if state != "failed" {
            return Err(crate::StoreError::Conflict(format!(
                "only a failed message can be retried; this one is {state}"
            )));
        }
        sqlx::query(
            "UPDATE outbox SET state = 'queued', attempts = 0, next_attempt_at = $1, lease_until = NULL \
             WHERE id = $2 AND state = 'failed'",
        )
        .bind(time::format(now))
        .bind(id.to_owned())
        .execute(&mut *tx)
        .await?;
        // The message's text stays out of the log: it is a customer's.
        let change = audit::Change {
            area: Area::Communications,
            action: "outbox.retry",
            target_id: Some(id),
            before: serde_json::json!({"state": state, "attempts": attempts, "last_error": last_error}),
            after: serde_json::json!({"state": "queued", "attempts": 0, "last_error": last_error}),
        };
        self.audit(&mut tx, change).await?;
        tx.commit().await?;
        let row: OutboxMessage = sqlx::query_as(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id = $1"
        ))
        .bind(id.to_owned())
        .fetch_one(&self.pool)
        .await?;
        Ok(row)
    }

    /// Claims up to `limit` due rows (queued and due, or `sending` with a
    /// lapsed lease) until `lease_until`, counting an attempt.
    pub async fn claim_outbox(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<OutboxMessage>> {
        let now = time::format(now);
        let skip_locked = if self.for_update().is_empty() {
            ""
        } else {
            " FOR UPDATE SKIP LOCKED"
        };
        let rows: Vec<OutboxMessage> = sqlx::query_as(&format!(
            "UPDATE outbox SET state = 'sending', lease_until = $1, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM outbox WHERE (state = 'queued' AND next_attempt_at <= $2) \
             OR (state = 'sending' AND lease_until <= $2) ORDER BY next_attempt_at, id LIMIT $3{skip_locked}) \
             RETURNING {OUTBOX_COLUMNS}"
        ))
        .bind(time::format(lease_until))
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// Records how claimed rows ended, in one transaction (the worker
    /// commits its senders' outcomes together). A sent reminder also sets
    /// the meeting's `…_reminder_sent_at`. Only a claim that still holds
    /// its row's lease records anything: false for a row whose lease lapsed
    /// and that someone else claimed.
    pub async fn finish_outbox(
        &self,
        items: &[(&OutboxMessage, &Outcome, &Written)],
        now: Timestamp,
    ) -> Result<Vec<bool>> {
        let mut tx = self.write_tx().await?;
        let mut done = Vec::with_capacity(items.len());
        for (m, outcome, w) in items {
            done.push(Self::record(&mut tx, m, outcome, w, now).await?);
        }
        tx.commit().await?;
        Ok(done)
    }

    async fn record(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        m: &OutboxMessage,
        outcome: &Outcome,
        w: &Written,
        now: Timestamp,
    ) -> Result<bool> {
        let stamp = time::format(now);
        let (state, next, error, transport, provider, sent_at, attempts) = match outcome {
            Outcome::Sent {
                transport,
                provider_id,
            } => (
                "sent",
                m.next_attempt_at.clone(),
                None,
                Some(transport.clone()),
                provider_id.clone(),
                Some(stamp.clone()),
                m.attempts,
            ),
            Outcome::Kept => (
                "kept",
                m.next_attempt_at.clone(),
                None,
                Some("local".to_owned()),
                None,
                None,
                m.attempts,
            ),
            Outcome::Skipped(why) => (
                "skipped",
                m.next_attempt_at.clone(),
                Some(why.clone()),
                None,
                None,
                None,
                m.attempts,
            ),
            Outcome::Retry { at, error, count } => (
                "queued",
                time::format(*at),
                Some(error.clone()),
                None,
                None,
                None,
                if *count { m.attempts } else { m.attempts - 1 },
            ),
            Outcome::Failed(why) => (
                "failed",
                m.next_attempt_at.clone(),
                Some(why.clone()),
                None,
                None,
                None,
                m.attempts,
            ),
        };
        let done = sqlx::query(
            "UPDATE outbox SET state = $1, next_attempt_at = $2, last_error = $3, transport = $4, provider_id = $5, \
             sent_at = $6, attempts = $7, lease_until = NULL, recipient = $8, subject = $9, body = $10 \
             WHERE id = $11 AND state = 'sending' AND lease_until = $12",
        )
        .bind(state)
        .bind(next)
        .bind(error)
        .bind(transport)
        .bind(provider)
        .bind(sent_at)
        .bind(attempts)
        .bind(w.recipient.clone())
        .bind(w.subject.clone())
        .bind(w.body.clone())
        .bind(m.id.clone())
        .bind(m.lease_until.clone())
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        if matches!(outcome, Outcome::Sent { .. }) && m.kind == Kind::Reminder.as_str() {
            let column = if m.channel == Channel::Email.as_str() {
                "email_reminder_sent_at"
            } else {
                "sms_reminder_sent_at"
            };
            sqlx::query(&format!(
                "UPDATE meetings SET {column} = $1 WHERE id = $2 AND sequence = $3"
            ))
            .bind(stamp)
            .bind(m.meeting_id.clone())
            .bind(m.sequence)
            .execute(&mut **tx)
            .await?;
        }
        Ok(true)
    }

    /// Queues the reminders that are due: scheduled meetings, not yet
    /// reminded for their current start, starting after `now` and whose due
    /// time ([`communications::reminder_due`], in the customer's zone) has
    /// come. At most `limit` meetings per call; returns how many.
    pub async fn queue_due_reminders(&self, now: Timestamp, limit: u32) -> Result<usize> {
        let settings = self.communication_settings().await?;
        if !Channel::ALL
            .iter()
            .any(|c| settings.allows(Kind::Reminder, *c))
        {
            return Ok(0);
        }
        let horizon = now
            .checked_add(communications::reminder_horizon(settings.reminder_days))
            .unwrap_or(now);
        let candidates: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT id, starts_at, time_zone, sequence FROM meetings WHERE state = 'scheduled' \
             AND reminder_queued_at IS NULL AND starts_at > $1 AND starts_at <= $2 ORDER BY starts_at LIMIT $3",
        )
        .bind(time::format(now))
        .bind(time::format(horizon))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let due: Vec<_> = candidates
            .into_iter()
            .filter(|(_, start, tz, _)| {
                let (Some(start), Ok(tz)) = (time::parse(start), jiff::tz::TimeZone::get(tz))
                else {
                    return true;
                };
                communications::reminder_due(start, &tz, settings.reminder_days) <= now
            })
            .collect();
        if due.is_empty() {
            return Ok(0);
        }
        let stamp = time::format(now);
        let mut tx = self.write_tx().await?;
        let mut n = 0;
        for (id, starts_at, _, sequence) in &due {
            // Only if nothing changed since the read (moved, cancelled).
            let done = sqlx::query(
                "UPDATE meetings SET reminder_queued_at = $1 WHERE id = $2 AND sequence = $3 \
                 AND starts_at = $4 AND state = 'scheduled' AND reminder_queued_at IS NULL",
            )
            .bind(stamp.clone())
            .bind(id.clone())
            .bind(*sequence)
            .bind(starts_at.clone())
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 1 {
                enqueue(&mut tx, &settings, id, Kind::Reminder, *sequence, &stamp).await?;
                n += 1;
            }
        }
        tx.commit().await?;
        Ok(n)
    }

    // ---------------------------------------------------------------- opt-outs

    /// Records STOP (true) or START (false) from a number.
    pub async fn set_sms_opt_out(&self, phone: &str, opted_out: bool, keyword: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO sms_opt_outs (phone, opted_out, keyword, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (phone) DO UPDATE SET opted_out = $2, keyword = $3, updated_at = $4",
        )
        .bind(phone.to_owned())
        .bind(i64::from(opted_out))
        .bind(keyword.to_owned())
        .bind(time::now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn sms_opted_out(&self, phone: &str) -> Result<bool> {
        let v: Option<i64> =
            sqlx::query_scalar("SELECT opted_out FROM sms_opt_outs WHERE phone = $1")
                .bind(phone.to_owned())
                .fetch_optional(&self.pool)
                .await?;
        Ok(v == Some(1))
    }
}

/// The stored settings as JSON (`null` before the first change).
async fn settings_json(tx: &mut sqlx::AnyConnection) -> Result<Value> {
    let text: Option<String> =
        sqlx::query_scalar("SELECT settings FROM communication_settings WHERE id = 1")
            .fetch_optional(&mut *tx)
            .await?;
    Ok(text
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null))
}

/// An admin's template as JSON; `null` while the shipped default is in force.
async fn template_json(
    tx: &mut sqlx::AnyConnection,
    kind: Kind,
    channel: Channel,
    language: &str,
) -> Result<Value> {
    let row: Option<(String, String, String)> = sqlx::query_as(
        "SELECT subject, body, html FROM message_templates WHERE kind = $1 AND channel = $2 AND language = $3",
    )
    .bind(kind.as_str())
    .bind(channel.as_str())
    .bind(language.to_owned())
    .fetch_optional(&mut *tx)
    .await?;
    Ok(row.map_or(
        Value::Null,
        |(subject, body, html)| serde_json::json!({"subject": subject, "body": body, "html": html}),
    ))
}
