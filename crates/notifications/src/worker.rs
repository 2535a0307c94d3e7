//! The outbox worker: queues due reminders, claims due messages, composes
//! and sends them, and records each outcome.
//!
//! Delivery is at least once: a message is marked sent after the provider
//! accepted it, so a crash in between sends it again when its lease lapses —
//! with the same Message-ID (email), which receivers use to drop the copy.

use std::collections::HashMap;
use std::sync::Arc;

use futures::StreamExt;
use jiff::{SignedDuration, Timestamp};
use rand::Rng;
use switchboard_core::communications::{self, templates::Template, Channel, Kind, Settings};
use switchboard_core::validation::{is_plausible_email, parse_phone};
use switchboard_store::communications::{OutboxMessage, Outcome, Written};
use switchboard_store::scheduling::ADDRESS_CHECK;
use switchboard_store::Db;
use tokio::sync::Mutex;

use super::compose::MeetingContext;
use super::sms::SendError;
use super::Comms;

/// Messages claimed per round, per message sent at once: enough to keep
/// every sender busy, few enough that none waits long in its claim.
const CLAIM_PER_SENDER: usize = 4;

/// Runs until the database closes. Each round runs in its own task, so a
/// panic (a bug) is logged and the next round goes on.
pub fn spawn(db: Db, comms: Arc<Comms>) {
    // New switches may release (or hold back) messages: look again now.
    let woken = comms.clone();
    db.changes().listen(move |c| {
        if matches!(c, switchboard_core::changes::Change::Communications) {
            woken.wake.notify_one();
        }
    });
    tokio::spawn(async move {
        loop {
            if db.pool().is_closed() {
                return;
            }
            let (d, c) = (db.clone(), comms.clone());
            let worked = match tokio::spawn(async move { round(&d, &c).await }).await {
                Ok(Ok(n)) => n > 0,
                Ok(Err(e)) => {
                    if !db.pool().is_closed() {
                        tracing::warn!(error = %e, "the outbox worker failed a round");
                    }
                    false
                }
                Err(e) => {
                    tracing::error!(error = %e, "the outbox worker panicked; going on");
                    false
                }
            };
            if !worked {
                // Sleep until woken by new rows or the next poll.
                let _ = tokio::time::timeout(comms.config.poll, comms.wake.notified()).await;
            }
        }
    });
}

/// One round: due reminders into the outbox, then one batch sent. Returns
/// how many messages were handled.
pub async fn round(db: &Db, comms: &Comms) -> anyhow::Result<usize> {
    let now = Timestamp::now();
    db.expire_due_holds(now).await?;
    db.queue_due_reminders(now, 1000).await?;
    let lease = SignedDuration::try_from(comms.config.lease)?;
    let claim = (comms.config.concurrency.max(1) * CLAIM_PER_SENDER) as u32;
    let claimed = db.claim_outbox(now, now.checked_add(lease)?, claim).await?;
    let n = claimed.len();
    if n == 0 {
        return Ok(0);
    }
    let settings = db.communication_settings().await?;
    let templates = Mutex::new(HashMap::new());
    let work = Batch {
        db,
        comms,
        settings: &settings,
        templates: &templates,
    };
    // Senders hand their outcomes to one writer, which records whatever
    // has arrived in one transaction (no contention for SQLite's write
    // lock, one commit for many messages). A sender waits for its record
    // before it takes the next message, so at most `concurrency` messages
    // are ever sent and not yet recorded (the ones a crash would resend).
    let concurrency = comms.config.concurrency.max(1);
    let (to_writer, mut outcomes) = tokio::sync::mpsc::channel::<Finished>(concurrency);
    let senders = async move {
        futures::stream::iter(claimed)
            .for_each_concurrent(concurrency, |m| {
                let (work, to_writer) = (&work, to_writer.clone());
                async move {
                    // A claim whose lease lapsed while it waited belongs to
                    // whoever claims it next.
                    if !lease_held(&m) {
                        return;
                    }
                    let (outcome, written) = work.process(&m).await;
                    if let Outcome::Failed(e) = &outcome {
                        tracing::warn!(message = %m.idempotency_key, error = %e, "a message failed for good");
                    }
                    let (ack, recorded) = tokio::sync::oneshot::channel();
                    if to_writer.send((m, outcome, written, ack)).await.is_ok() {
                        let _ = recorded.await;
                    }
                }
            })
            .await;
    };
    let writer = async {
        while let Some(first) = outcomes.recv().await {
            let mut group = vec![first];
            while let Ok(more) = outcomes.try_recv() {
                group.push(more);
            }
            let items: Vec<_> = group.iter().map(|(m, o, w, _)| (m, o, w)).collect();
            match db.finish_outbox(&items, Timestamp::now()).await {
                Ok(recorded) => {
                    for ((m, ..), ok) in group.iter().zip(recorded) {
                        if !ok {
                            tracing::warn!(message = %m.idempotency_key, "the lease lapsed during the send; another claim records it");
                        }
                    }
                }
                // The leases lapse and the messages are tried again.
                Err(e) => {
                    tracing::warn!(error = %e, messages = group.len(), "recording sends failed")
                }
            }
            for (.., ack) in group {
                let _ = ack.send(());
            }
        }
    };
    futures::join!(senders, writer);
    Ok(n)
}

/// A sent (or skipped, or failed) message on its way to the writer.
type Finished = (
    OutboxMessage,
    Outcome,
    Written,
    tokio::sync::oneshot::Sender<()>,
);

struct Batch<'a> {
    db: &'a Db,
    comms: &'a Comms,
    settings: &'a Settings,
    templates: &'a Mutex<HashMap<(Kind, Channel, String), Template>>,
}

impl Batch<'_> {
    fn retry_base(&self) -> SignedDuration {
        SignedDuration::try_from(self.comms.config.retry_base).unwrap_or(communications::RETRY_BASE)
    }

    async fn template(&self, kind: Kind, channel: Channel, lang: &str) -> Result<Template, String> {
        let key = (kind, channel, lang.to_owned());
        if let Some(t) = self.templates.lock().await.get(&key) {
            return Ok(t.clone());
        }
        let t = self
            .db
            .template(kind, channel, lang)
            .await
            .map_err(|e| e.to_string())?
            .template;
        self.templates.lock().await.insert(key, t.clone());
        Ok(t)
    }

    async fn process(&self, m: &OutboxMessage) -> (Outcome, Written) {
        if m.kind == ADDRESS_CHECK {
            return self.address_check(m).await;
        }
        let mut written = Written::default();
        let (Some(kind), Some(channel)) = (Kind::parse(&m.kind), Channel::parse(&m.channel)) else {
            return (
                Outcome::Failed(format!("unknown kind or channel {}/{}", m.kind, m.channel)),
                written,
            );
        };
        let ctx = match MeetingContext::load(self.db, &m.meeting_id).await {
            Ok(c) => c,
            Err(switchboard_store::StoreError::NotFound(what)) => {
                return (
                    Outcome::Skipped(format!("the {what} no longer exists")),
                    written,
                )
            }
            Err(e) => {
                return (
                    retry(m, format!("reading the meeting: {e}"), self.retry_base()),
                    written,
                )
            }
        };
        let now = Timestamp::now();
        if let Some(why) = stale(kind, m, &ctx, now) {
            return (Outcome::Skipped(why.into()), written);
        }
        // A booking from the public page whose address was never proven
        // (no email transport when it was made, so it was booked at once):
        // nothing about it leaves this server, whatever is configured now.
        if ctx.meeting.unconfirmed_page_booking() {
            let delivers = match channel {
                Channel::Email => self.comms.email_delivers(),
                Channel::Sms => self.comms.sms.transport_name() != "local",
            };
            if delivers {
                return (
                    Outcome::Skipped(
                        "booked on the public page and never confirmed by the owner of the address"
                            .into(),
                    ),
                    written,
                );
            }
        }
        if !self.settings.allows(kind, channel) {
            return (
                Outcome::Skipped(
                    "turned off in the communications settings since it was queued".into(),
                ),
                written,
            );
        }
        let template = match self.template(kind, channel, &ctx.meeting.language).await {
            Ok(t) => t,
            Err(e) => {
                return (
                    retry(m, format!("reading the template: {e}"), self.retry_base()),
                    written,
                )
            }
        };
        let cancel_url = self.comms.cancel_url(&ctx.meeting.id, &ctx.contact.id);
        let rendered = ctx.render(&template, &cancel_url);
        written.subject = (channel == Channel::Email).then(|| rendered.subject.clone());
        written.body = Some(rendered.body.clone());
        match channel {
            Channel::Email => {
                let Some(to) = ctx.contact.email.clone().filter(|e| is_plausible_email(e)) else {
                    return (
                        Outcome::Skipped("the contact has no valid email address".into()),
                        written,
                    );
                };
                written.recipient = Some(to.clone());
                let mailer = &self.comms.email;
                let host = mailer.host();
                let from = mailer.from();
                let organizer_name = from.name.clone().unwrap_or_else(|| "Switchboard".into());
                let invite = ctx.invite(
                    &host,
                    (&organizer_name, from.email.as_ref()),
                    m.sequence,
                    kind == Kind::Cancellation,
                    now,
                );
                let message_id = format!("{}@{host}", m.idempotency_key);
                let result = mailer
                    .send(&super::email::Email {
                        to_name: &ctx.customer_name(),
                        to_email: &to,
                        rendered: &rendered,
                        invite: Some(&invite),
                        cancel: kind == Kind::Cancellation,
                        message_id: &message_id,
                    })
                    .await;
                (
                    outcome(
                        m,
                        result.map(|()| Some(format!("<{message_id}>"))),
                        mailer.transport_name(),
                        self.retry_base(),
                    ),
                    written,
                )
            }
            Channel::Sms => {
                let Some(to) = ctx.contact.phone.as_deref().and_then(parse_phone) else {
                    return (
                        Outcome::Skipped("the contact has no valid mobile number (E.164)".into()),
                        written,
                    );
                };
                written.recipient = Some(to.clone());
                match self.db.sms_opted_out(&to).await {
                    Ok(true) => {
                        return (
                            Outcome::Skipped("the recipient opted out (STOP)".into()),
                            written,
                        )
                    }
                    Ok(false) => {}
                    Err(e) => {
                        return (
                            retry(m, format!("reading opt-outs: {e}"), self.retry_base()),
                            written,
                        )
                    }
                }
                if let Some(quiet) = &self.settings.sms_quiet_hours {
                    let zone = ctx
                        .contact
                        .time_zone
                        .as_deref()
                        .unwrap_or(&ctx.meeting.time_zone);
                    let tz = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
                    if let Some(until) = communications::quiet_until(now, &tz, quiet) {
                        // A reminder that would arrive after the start is
                        // pointless; anything else waits for the morning.
                        if kind != Kind::Cancellation && until >= ctx.start() {
                            return (
                                Outcome::Skipped(
                                    "quiet hours last until the meeting starts".into(),
                                ),
                                written,
                            );
                        }
                        return (
                            Outcome::Retry {
                                at: until,
                                error: "waiting for the end of the recipient's quiet hours".into(),
                                count: false,
                            },
                            written,
                        );
                    }
                }
                let sms = &self.comms.sms;
                let result = sms.send(&to, &rendered.body, &m.idempotency_key).await;
                (
                    outcome(m, result, sms.transport_name(), self.retry_base()),
                    written,
                )
            }
        }
    }
}

impl Batch<'_> {
    /// The request to confirm a booking from the public page: to the
    /// address typed, while the hold lasts, with nothing the visitor typed.
    async fn address_check(&self, m: &OutboxMessage) -> (Outcome, Written) {
        let mut written = Written::default();
        let ctx = match MeetingContext::load(self.db, &m.meeting_id).await {
            Ok(c) => c,
            Err(switchboard_store::StoreError::NotFound(what)) => {
                return (
                    Outcome::Skipped(format!("the {what} no longer exists")),
                    written,
                )
            }
            Err(e) => {
                return (
                    retry(m, format!("reading the meeting: {e}"), self.retry_base()),
                    written,
                )
            }
        };
        if ctx.meeting.state != "pending" {
            return (
                Outcome::Skipped(
                    "the request was confirmed, cancelled or expired before this was sent".into(),
                ),
                written,
            );
        }
        let lang = ctx.meeting.language.as_str();
        let vars = ctx.variables("");
        let pick = |k: &str| vars.get(k).cloned().unwrap_or_default();
        let values = std::collections::BTreeMap::from([
            ("topic", pick("topic")),
            ("date", pick("date")),
            ("time", pick("time")),
            ("time_zone", pick("time_zone")),
            ("meeting_type", pick("meeting_type")),
            (
                "confirm_url",
                self.comms.confirm_url(&ctx.meeting.id, &ctx.contact.id),
            ),
            (
                "minutes",
                communications::templates::HOLD_MINUTES.to_string(),
            ),
        ]);
        let rendered = communications::templates::address_check_template(lang).render(&values);
        written.subject = Some(rendered.subject.clone());
        written.body = Some(rendered.body.clone());
        let Some(to) = ctx.contact.email.clone().filter(|e| is_plausible_email(e)) else {
            return (
                Outcome::Skipped("the contact has no valid email address".into()),
                written,
            );
        };
        written.recipient = Some(to.clone());
        let mailer = &self.comms.email;
        let message_id = format!("{}@{}", m.idempotency_key, mailer.host());
        let result = mailer
            .send(&super::email::Email {
                to_name: "",
                to_email: &to,
                rendered: &rendered,
                invite: None,
                cancel: false,
                message_id: &message_id,
            })
            .await;
        (
            outcome(
                m,
                result.map(|()| Some(format!("<{message_id}>"))),
                mailer.transport_name(),
                self.retry_base(),
            ),
            written,
        )
    }
}

fn lease_held(m: &OutboxMessage) -> bool {
    m.lease_until
        .as_deref()
        .and_then(switchboard_core::time::parse)
        .is_some_and(|until| Timestamp::now() < until)
}

/// Why a message no longer applies, if it does not.
fn stale(
    kind: Kind,
    m: &OutboxMessage,
    ctx: &MeetingContext,
    now: Timestamp,
) -> Option<&'static str> {
    let state = ctx.meeting.state.as_str();
    match kind {
        Kind::Confirmation | Kind::Reminder if state != "scheduled" => {
            Some("the meeting was cancelled before this was sent")
        }
        Kind::Confirmation | Kind::Reminder if m.sequence != ctx.meeting.sequence => {
            Some("the meeting moved before this was sent; a newer message replaces it")
        }
        // Only a cancellation is still news once the meeting has begun.
        Kind::Confirmation | Kind::Reminder if now >= ctx.start() => {
            Some("the meeting has started")
        }
        Kind::Cancellation if state != "cancelled" => Some("the meeting is not cancelled"),
        _ => None,
    }
}

fn outcome(
    m: &OutboxMessage,
    result: Result<Option<String>, SendError>,
    transport: &str,
    base: SignedDuration,
) -> Outcome {
    match result {
        // Nothing configured: composed and kept, not delivered.
        Ok(_) if transport == "local" => Outcome::Kept,
        Ok(provider_id) => Outcome::Sent {
            transport: transport.to_owned(),
            provider_id,
        },
        Err(e) if e.transient => retry(m, e.message, base),
        Err(e) => Outcome::Failed(e.message),
    }
}

/// Retry later with backoff and jitter, or give up after the last attempt.
fn retry(m: &OutboxMessage, error: String, base: SignedDuration) -> Outcome {
    let attempts = u32::try_from(m.attempts).unwrap_or(u32::MAX);
    if attempts >= communications::MAX_ATTEMPTS {
        return Outcome::Failed(format!("gave up after {attempts} attempts: {error}"));
    }
    let delay = communications::retry_delay(attempts, rand::thread_rng().gen::<f64>(), base);
    Outcome::Retry {
        at: Timestamp::now()
            .checked_add(delay)
            .unwrap_or_else(|_| Timestamp::now()),
        error,
        count: true,
    }
}
