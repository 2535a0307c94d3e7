//! Email delivery over SMTP with lettre: multipart (text, HTML, and the
//! calendar invite as `text/calendar; method=…`), with a Message-ID made
//! from the outbox row's idempotency key so a resend after a crash is
//! recognisably the same message.

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use switchboard_core::communications::templates::Rendered;

use super::sms::SendError;

pub enum Mailer {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
    /// Nothing configured: messages stay in the outbox.
    Local { from: Mailbox },
}

/// One email to send.
pub struct Email<'a> {
    pub to_name: &'a str,
    pub to_email: &'a str,
    pub rendered: &'a Rendered,
    /// The calendar invite; none for the request to confirm a booking.
    pub invite: Option<&'a str>,
    pub cancel: bool,
    /// Without angle brackets: `key@host`.
    pub message_id: &'a str,
}

impl Mailer {
    pub fn new(smtp_url: Option<&str>, from: &str) -> anyhow::Result<Self> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| anyhow::anyhow!("the mail From address {from:?} is not valid: {e}"))?;
        Ok(match smtp_url {
            None => Mailer::Local { from },
            Some(url) => Mailer::Smtp {
                // Well inside the outbox lease (60 s by default), so a
                // slow server cannot keep a claim past it.
                transport: AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("the SMTP URL is not valid: {e}"))?
                    .timeout(Some(std::time::Duration::from_secs(20)))
                    .build(),
                from,
            },
        })
    }

    pub fn from(&self) -> &Mailbox {
        match self {
            Mailer::Smtp { from, .. } | Mailer::Local { from } => from,
        }
    }

    /// The domain of the From address: the right-hand side of Message-IDs
    /// and calendar UIDs.
    pub fn host(&self) -> String {
        self.from().email.domain().to_owned()
    }

    pub fn transport_name(&self) -> &'static str {
        match self {
            Mailer::Smtp { .. } => "smtp",
            Mailer::Local { .. } => "local",
        }
    }

    /// Builds the message (errors here are permanent) and sends it.
    pub async fn send(&self, e: &Email<'_>) -> Result<(), SendError> {
        let to_address = e.to_email.parse().map_err(|err| {
            SendError::permanent(format!("the address {:?} is not valid: {err}", e.to_email))
        })?;
        let to = Mailbox::new(
            Some(e.to_name.to_owned()).filter(|n| !n.is_empty()),
            to_address,
        );
        let Mailer::Smtp { transport, .. } = self else {
            // Kept in the outbox: the rendered text is what is recorded.
            return Ok(());
        };
        let method = if e.cancel { "CANCEL" } else { "REQUEST" };
        let calendar =
            ContentType::parse(&format!("text/calendar; charset=utf-8; method={method}"))
                .map_err(|err| SendError::permanent(err.to_string()))?;
        let message = Message::builder()
            .from(self.from().clone())
            .to(to)
            .subject(e.rendered.subject.clone())
            .message_id(Some(format!("<{}>", e.message_id)))
            .multipart({
                let parts = MultiPart::alternative()
                    .singlepart(SinglePart::plain(e.rendered.body.clone()))
                    .singlepart(SinglePart::html(e.rendered.html.clone()));
                match e.invite {
                    Some(invite) => parts.singlepart(
                        SinglePart::builder()
                            .header(calendar)
                            .body(invite.to_owned()),
                    ),
                    None => parts,
                }
            })
            .map_err(|err| {
                SendError::permanent(format!("the message could not be built: {err}"))
            })?;
        transport.send(message).await.map(|_| ()).map_err(|err| {
            // 5xx answers are permanent (bad mailbox, refused); 4xx,
            // timeouts and connection trouble are worth retrying.
            if err.is_permanent() {
                SendError::permanent(format!("the SMTP server refused the message: {err}"))
            } else {
                SendError::transient(format!("SMTP: {err}"))
            }
        })
    }
}
