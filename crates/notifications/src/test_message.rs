//! What an admin checks the transports with: which are configured, and a
//! test message sent straight through one (not through the outbox, so it
//! never reaches a customer's history and nothing retries it).

use serde::{Deserialize, Serialize};
use switchboard_core::communications::templates::Rendered;
use switchboard_core::validation::Check;
use switchboard_core::Invalid;

use super::email::Email;
use super::Comms;

/// The channel and address of a test message.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestMessageInput {
    /// `email` or `sms`.
    #[schema(pattern = "^(email|sms)$")]
    pub channel: String,
    /// An email address for `email`, an international phone number
    /// (`+33 6 12 34 56 78`) for `sms`.
    #[schema(value_type = switchboard_core::api_schema::EmailOrPhone)]
    pub to: String,
}

/// How a test message went.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TestMessageOutcome {
    pub channel: String,
    /// The address it went to, as normalised (lower-case email, E.164).
    pub to: String,
    /// smtp, twilio, webhook, or local (nothing configured: nothing sent).
    pub transport: String,
    /// Whether the SMTP server or SMS provider accepted it.
    pub sent: bool,
    /// Why it was not sent: the server's or provider's answer, or that no
    /// transport is configured.
    pub error: Option<String>,
    /// The SMS provider's message id, when it gives one.
    pub provider_id: Option<String>,
}

/// One transport: whether it is configured, and as what.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TransportStatus {
    /// smtp; twilio or webhook; local when nothing is configured (messages
    /// are composed and kept in the outbox, not delivered).
    pub transport: String,
    pub configured: bool,
    /// Who messages come from: the email From, the SMS sender number or
    /// name (absent when nothing is configured for SMS).
    pub from: Option<String>,
}

/// The email and SMS transports (no secrets: no passwords, tokens or
/// provider URLs).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Transports {
    pub email: TransportStatus,
    pub sms: TransportStatus,
}

const SUBJECT: &str = "Switchboard test message";
const BODY: &str = "This is a test message from Switchboard: the transport works.";

impl Comms {
    pub fn transports(&self) -> Transports {
        let email = self.email.transport_name();
        let sms = self.sms.transport_name();
        let sms_from = match &self.sms.config {
            super::sms::SmsConfig::Local => None,
            super::sms::SmsConfig::Twilio { from, .. }
            | super::sms::SmsConfig::Webhook { from, .. } => Some(from.clone()),
        };
        Transports {
            email: TransportStatus {
                transport: email.into(),
                configured: email != "local",
                from: Some(self.email.from().to_string()),
            },
            sms: TransportStatus {
                transport: sms.into(),
                configured: sms != "local",
                from: sms_from,
            },
        }
    }

    /// Sends a fixed test text to `to` by `channel`, now, once. The input's
    /// mistakes are a 422 naming the field; the transport's refusal is an
    /// outcome (`sent: false` with its answer), as is having none.
    pub async fn send_test(&self, i: TestMessageInput) -> Result<TestMessageOutcome, Invalid> {
        let mut c = Check::new();
        let channel = i.channel.clone();
        // An address of the other channel's kind: named for what it is.
        let to = match channel.as_str() {
            "email" if !i.to.contains('@') && i.to.trim_start().starts_with('+') => {
                c.fail(
                    "to",
                    "inconsistent",
                    "is a phone number; the email channel needs an email address",
                );
                None
            }
            "sms" if i.to.contains('@') => {
                c.fail(
                    "to",
                    "inconsistent",
                    "is an email address; the sms channel needs a phone number",
                );
                None
            }
            "email" => c.optional_email("to", Some(i.to.clone())),
            "sms" => c.optional_phone("to", Some(i.to.clone())),
            _ => {
                c.fail("channel", "invalid", "must be email or sms");
                None
            }
        };
        if i.to.trim().is_empty() {
            c.fail("to", "required", "is required");
        } else if i.to.chars().count() > switchboard_core::validation::limits::SHORT_TEXT {
            // The document's limit for `to` (an email may be longer elsewhere).
            c.fail("to", "too_long", "must be at most 200 characters");
        }
        let to = c.finish(|| to.unwrap_or_default())?;
        let key = format!("test-{}", switchboard_store::new_id());
        let (transport, result) = if channel == "email" {
            let rendered = Rendered {
                subject: SUBJECT.into(),
                body: BODY.into(),
                html: format!("<p>{BODY}</p>"),
            };
            let message_id = format!("{key}@{}", self.email.host());
            let r = self
                .email
                .send(&Email {
                    to_name: "",
                    to_email: &to,
                    rendered: &rendered,
                    invite: None,
                    cancel: false,
                    message_id: &message_id,
                })
                .await
                .map(|()| None);
            (self.email.transport_name(), r)
        } else {
            let r = self.sms.send(&to, BODY, &key).await;
            (self.sms.transport_name(), r)
        };
        let mut outcome = TestMessageOutcome {
            channel,
            to,
            transport: transport.into(),
            sent: false,
            error: None,
            provider_id: None,
        };
        if transport == "local" {
            outcome.error =
                Some("no transport is configured for this channel: nothing was sent".into());
            return Ok(outcome);
        }
        match result {
            Ok(id) => {
                outcome.sent = true;
                outcome.provider_id = id;
            }
            Err(e) => outcome.error = Some(e.message),
        }
        Ok(outcome)
    }
}
