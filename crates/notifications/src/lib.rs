//! Meeting communications: composing messages from templates, delivering
//! them by email (SMTP) and SMS (a provider), and the worker that drains the
//! outbox.
//!
//! With nothing configured, messages are "delivered" to the outbox itself
//! (transport `local`), where admins read them: nothing is silently dropped.

pub mod compose;
pub mod email;
pub mod error;
pub mod idempotency;
pub mod links;
pub mod meetings;
pub mod sms;
pub mod test_message;
pub mod worker;

use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::sync::Notify;

/// Where messages go, from the command line / environment / config file.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// `smtp://host:port` (plain), `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS) or `smtps://…` (TLS). None: the local outbox.
    pub smtp_url: Option<String>,
    /// The From of every email, also the invite's organizer.
    pub mail_from: String,
    pub sms: sms::SmsConfig,
    /// How long a claimed message is reserved before another claim may
    /// retry it (a worker that died mid-send).
    pub lease: Duration,
    /// How often the worker looks for due reminders and retries.
    pub poll: Duration,
    /// Messages sent at once.
    pub concurrency: usize,
    /// The first retry's wait (doubling, with jitter); tests shorten it.
    pub retry_base: Duration,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            smtp_url: None,
            mail_from: "Switchboard <meetings@localhost>".into(),
            sms: sms::SmsConfig::Local,
            lease: Duration::from_secs(60),
            poll: Duration::from_secs(1),
            concurrency: 16,
            retry_base: Duration::from_secs(30),
        }
    }
}

/// What handlers and the worker share.
pub struct Comms {
    pub links: links::LinkKey,
    /// Woken when rows are queued, so messages leave at once.
    pub wake: Notify,
    pub email: email::Mailer,
    pub sms: sms::SmsSender,
    pub config: DeliveryConfig,
    /// Base of the links in messages, e.g. `https://book.example.com`;
    /// set once the listening address is known when not configured.
    public_url: RwLock<String>,
}

impl Comms {
    pub fn new(
        config: DeliveryConfig,
        public_url: String,
        link_secret: &str,
    ) -> anyhow::Result<Arc<Self>> {
        Ok(Arc::new(Self {
            links: links::LinkKey::new(link_secret),
            wake: Notify::new(),
            email: email::Mailer::new(config.smtp_url.as_deref(), &config.mail_from)?,
            sms: sms::SmsSender::new(config.sms.clone())?,
            config,
            public_url: RwLock::new(public_url.trim_end_matches('/').to_owned()),
        }))
    }

    pub fn public_url(&self) -> String {
        self.public_url.read().expect("not poisoned").clone()
    }

    pub fn set_public_url(&self, url: &str) {
        *self.public_url.write().expect("not poisoned") = url.trim_end_matches('/').to_owned();
    }

    /// The customer's cancel page for a meeting.
    pub fn cancel_url(&self, meeting_id: &str, contact_id: &str) -> String {
        format!(
            "{}/meetings/{meeting_id}/cancel?token={}",
            self.public_url(),
            self.links.sign(meeting_id, contact_id)
        )
    }

    /// The link that confirms a booking from the public page; it travels
    /// only in the email to the address typed, and works while the hold
    /// lasts.
    pub fn confirm_url(&self, meeting_id: &str, contact_id: &str) -> String {
        format!(
            "{}/meetings/{meeting_id}/confirm?token={}",
            self.public_url(),
            self.links
                .sign_for(links::Purpose::Confirm, meeting_id, contact_id)
        )
    }

    /// Whether an email can leave this server (SMTP configured). Without
    /// one, nothing reaches any address, and the booking page books at
    /// once (docs/scheduling.md).
    pub fn email_delivers(&self) -> bool {
        self.email.transport_name() != "local"
    }

    /// The meeting as an iCalendar file ("add to calendar"), opened by the
    /// same signed token as the cancel page.
    pub fn calendar_url(&self, meeting_id: &str, contact_id: &str) -> String {
        format!(
            "{}/public/v1/meetings/{meeting_id}/calendar.ics?token={}",
            self.public_url(),
            self.links.sign(meeting_id, contact_id)
        )
    }
}
