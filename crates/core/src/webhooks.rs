//! Outbound webhooks: which events an integrator may ask for, what a
//! registration must hold, and when a failed delivery is tried again.
//!
//! Deliveries follow the Standard Webhooks scheme (`webhook-id`,
//! `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of
//! "id.timestamp.body">`); see `docs/webhooks.md`.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::validation::{limits, Check, Invalid};

/// What happened, as an integrator subscribes to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EventType {
    #[serde(rename = "conversation.started")]
    ConversationStarted,
    #[serde(rename = "conversation.ended")]
    ConversationEnded,
    #[serde(rename = "work_item.assigned")]
    WorkItemAssigned,
    #[serde(rename = "work_item.closed")]
    WorkItemClosed,
    #[serde(rename = "case.created")]
    CaseCreated,
    #[serde(rename = "case.changed")]
    CaseChanged,
    #[serde(rename = "meeting.booked")]
    MeetingBooked,
    #[serde(rename = "meeting.cancelled")]
    MeetingCancelled,
    /// Staff marked the meeting as a no-show (the customer did not come).
    #[serde(rename = "meeting.no_show")]
    MeetingNoShow,
    /// Staff undid a no-show marked by mistake.
    #[serde(rename = "meeting.no_show_undone")]
    MeetingNoShowUndone,
    #[serde(rename = "callback.requested")]
    CallbackRequested,
    #[serde(rename = "callback.completed")]
    CallbackCompleted,
    /// Sent only by "send a test event"; nobody subscribes to it.
    #[serde(rename = "webhook.test")]
    Test,
}

impl EventType {
    /// Every type one can subscribe to.
    pub const ALL: [EventType; 12] = [
        EventType::ConversationStarted,
        EventType::ConversationEnded,
        EventType::WorkItemAssigned,
        EventType::WorkItemClosed,
        EventType::CaseCreated,
        EventType::CaseChanged,
        EventType::MeetingBooked,
        EventType::MeetingCancelled,
        EventType::MeetingNoShow,
        EventType::MeetingNoShowUndone,
        EventType::CallbackRequested,
        EventType::CallbackCompleted,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EventType::ConversationStarted => "conversation.started",
            EventType::ConversationEnded => "conversation.ended",
            EventType::WorkItemAssigned => "work_item.assigned",
            EventType::WorkItemClosed => "work_item.closed",
            EventType::CaseCreated => "case.created",
            EventType::CaseChanged => "case.changed",
            EventType::MeetingBooked => "meeting.booked",
            EventType::MeetingCancelled => "meeting.cancelled",
            EventType::MeetingNoShow => "meeting.no_show",
            EventType::MeetingNoShowUndone => "meeting.no_show_undone",
            EventType::CallbackRequested => "callback.requested",
            EventType::CallbackCompleted => "callback.completed",
            EventType::Test => "webhook.test",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .chain([EventType::Test])
            .find(|t| t.name() == s)
    }
}

/// The longest target address accepted.
pub const URL_MAX: usize = 2_000;

/// A registration as validated: where to, and for what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDraft {
    pub url: String,
    pub description: String,
    /// Sorted, without repeats, never empty.
    pub events: Vec<EventType>,
    pub active: bool,
}

impl WebhookDraft {
    /// Checks a registration: an absolute `http` or `https` address with a
    /// host and no credentials (the address is the one the admin typed, and
    /// deliveries go there and nowhere else; a `#fragment` stays in the
    /// address but HTTP never sends it), and at least one known event.
    pub fn parse(
        url: Option<String>,
        description: Option<String>,
        events: Option<Vec<String>>,
        active: Option<bool>,
    ) -> Result<Self, Invalid> {
        let mut c = Check::new();
        let url = c
            .required_text("url", url, URL_MAX)
            .and_then(|u| match check_url(&u) {
                Ok(()) => Some(u),
                Err((code, message)) => {
                    c.fail("url", code, message);
                    None
                }
            });
        let description = c.optional_text("description", description, limits::SHORT_TEXT);
        let mut kinds = Vec::new();
        match events {
            None => c.fail("events", "required", "is required"),
            Some(list) if list.is_empty() => {
                c.fail("events", "required", "name at least one event")
            }
            Some(list) if list.len() > 50 => c.fail("events", "too_many", "at most 50 events"),
            Some(list) => {
                for (i, e) in list.iter().enumerate() {
                    match EventType::parse(e) {
                        Some(EventType::Test) | None => c.fail(
                            &format!("events[{i}]"),
                            "unknown",
                            format!(
                                "is not an event; known: {}",
                                EventType::ALL.map(EventType::name).join(", ")
                            ),
                        ),
                        Some(t) => kinds.push(t),
                    }
                }
            }
        }
        kinds.sort();
        kinds.dedup();
        c.finish(|| WebhookDraft {
            url: url.unwrap_or_default(),
            description: description.unwrap_or_default(),
            events: kinds,
            active: active.unwrap_or(true),
        })
    }
}

/// Why an address cannot be a webhook target, as (code, message).
fn check_url(text: &str) -> Result<(), (&'static str, &'static str)> {
    let u = url::Url::parse(text).map_err(|_| ("invalid", "is not an absolute web address"))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(("scheme", "must be an http:// or https:// address"));
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err(("invalid", "has no host"));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err((
            "credentials",
            "must not carry a user name or password; deliveries are signed instead",
        ));
    }
    Ok(())
}

/// How many times a delivery is tried before it is marked failed.
pub const MAX_ATTEMPTS: u32 = 8;

/// How long to wait after the `attempt`-th failed try (1-based) before the
/// next: `base`, 6×, 36× `base`, then 100× `base` each time. With the
/// default 30 s base that is 30 s, 3 min, 18 min, then every 50 min: a
/// receiver may be down for about three and a half hours before a delivery
/// is given up. Tests run with a small base.
pub fn retry_delay(base: Duration, attempt: u32) -> Duration {
    let factor = 6u32.saturating_pow(attempt.saturating_sub(1)).min(100);
    base.saturating_mul(factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_url(u: &str) -> Result<WebhookDraft, Invalid> {
        WebhookDraft::parse(
            Some(u.into()),
            None,
            Some(vec!["case.created".into()]),
            None,
        )
    }

    #[test]
    fn only_http_and_https_addresses_with_a_host_are_targets() {
        assert!(parse_url("https://hooks.example.com/switchboard?x=1").is_ok());
        assert!(parse_url("http://127.0.0.1:8080/in").is_ok());
        for (bad, code) in [
            ("ftp://example.com/", "scheme"),
            ("file:///etc/passwd", "scheme"),
            ("gopher://example.com", "scheme"),
            ("javascript:alert(1)", "scheme"),
            ("/relative/path", "invalid"),
            ("https://user:pw@example.com/", "credentials"),
        ] {
            let e = parse_url(bad).unwrap_err();
            assert_eq!(e.0[0].field, "url", "{bad}");
            assert_eq!(e.0[0].code, code, "{bad}");
        }
    }

    #[test]
    fn events_are_known_sorted_and_unique() {
        let d = WebhookDraft::parse(
            Some("https://h.example/".into()),
            Some("  CRM  ".into()),
            Some(vec![
                "work_item.closed".into(),
                "case.created".into(),
                "work_item.closed".into(),
            ]),
            None,
        )
        .unwrap();
        // In declaration order, once each.
        assert_eq!(
            d.events,
            [EventType::WorkItemClosed, EventType::CaseCreated]
        );
        assert_eq!(d.description, "CRM");
        assert!(d.active);
        let e = WebhookDraft::parse(
            Some("https://h.example/".into()),
            None,
            Some(vec![
                "case.created".into(),
                "webhook.test".into(),
                "x".into(),
            ]),
            None,
        )
        .unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["events[1]", "events[2]"]);
        let e = WebhookDraft::parse(Some("https://h.example/".into()), None, Some(vec![]), None)
            .unwrap_err();
        assert_eq!(e.0[0].code, "required");
    }

    #[test]
    fn names_round_trip() {
        for t in EventType::ALL.into_iter().chain([EventType::Test]) {
            assert_eq!(EventType::parse(t.name()), Some(t));
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.name()));
        }
    }

    #[test]
    fn retries_back_off_then_level_out() {
        let base = Duration::from_secs(30);
        let delays: Vec<u64> = (1..=MAX_ATTEMPTS)
            .map(|a| retry_delay(base, a).as_secs())
            .collect();
        assert_eq!(delays, [30, 180, 1080, 3000, 3000, 3000, 3000, 3000]);
    }
}
