//! Messages about meetings: what may be sent (settings), when (reminder due
//! times, SMS quiet hours, retry backoff), what it says (templates) and the
//! calendar invite it carries.
//!
//! Everything here is pure; the server's worker does the sending.

pub mod ics;
pub mod templates;

use jiff::civil::Time;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Span, Timestamp};
use serde::{Deserialize, Serialize};

use crate::validation::Check;
use crate::Invalid;

/// Why a message is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// On booking.
    Confirmation,
    /// The admin's threshold of days before the start.
    Reminder,
    /// When the customer cancels through CancelMeeting (staff cancellations
    /// send none).
    Cancellation,
}

/// How a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Sms,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Confirmation, Kind::Reminder, Kind::Cancellation];
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Confirmation => "confirmation",
            Kind::Reminder => "reminder",
            Kind::Cancellation => "cancellation",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl Channel {
    pub const ALL: [Channel; 2] = [Channel::Email, Channel::Sms];
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Languages templates ship in; a customer speaking another gets English
/// (see [`crate::language`]).
pub use crate::language::LANGUAGES;

/// Per channel switches of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChannelSwitches {
    pub email: bool,
    pub sms: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct KindSwitches {
    pub confirmation: ChannelSwitches,
    pub reminder: ChannelSwitches,
    pub cancellation: ChannelSwitches,
}

/// Local hours during which no SMS leaves, in the recipient's time zone:
/// `{"from": "21:00", "to": "08:00"}` (may span midnight).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::TimeOfDay))]
    pub from: String,
    /// Must differ from `from` (code `order` otherwise).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::TimeOfDay))]
    pub to: String,
}

/// The admin's controls. Off by default: nothing is sent until an admin
/// turns the master switch on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The master switch for every kind and channel.
    pub enabled: bool,
    pub kinds: KindSwitches,
    /// A reminder goes out this many days (same local time) before the
    /// start, 1 to 30.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 30))]
    pub reminder_days: u32,
    pub sms_quiet_hours: Option<QuietHours>,
}

impl Default for Settings {
    fn default() -> Self {
        let on = ChannelSwitches {
            email: true,
            sms: true,
        };
        Self {
            enabled: false,
            kinds: KindSwitches {
                confirmation: on,
                reminder: on,
                cancellation: on,
            },
            reminder_days: 1,
            sms_quiet_hours: None,
        }
    }
}

impl Settings {
    /// Whether messages of `kind` go out on `channel` at all.
    pub fn allows(&self, kind: Kind, channel: Channel) -> bool {
        let k = match kind {
            Kind::Confirmation => self.kinds.confirmation,
            Kind::Reminder => self.kinds.reminder,
            Kind::Cancellation => self.kinds.cancellation,
        };
        self.enabled
            && match channel {
                Channel::Email => k.email,
                Channel::Sms => k.sms,
            }
    }

    /// Why messages of `kind` do not go out on `channel`, naming the
    /// switch; None when they do. Recorded on the outbox row as `skipped`.
    pub fn refusal(&self, kind: Kind, channel: Channel) -> Option<String> {
        let k = match kind {
            Kind::Confirmation => self.kinds.confirmation,
            Kind::Reminder => self.kinds.reminder,
            Kind::Cancellation => self.kinds.cancellation,
        };
        let (kind, channel_name) = (kind.as_str(), channel.as_str());
        if !self.enabled {
            Some("communications are off (settings: enabled is false)".into())
        } else if !k.email && !k.sms {
            Some(format!("{kind} messages are off (settings: kinds.{kind})"))
        } else if !self.allows_switch(k, channel) {
            Some(format!(
                "{kind} by {channel_name} is off (settings: kinds.{kind}.{channel_name})"
            ))
        } else {
            None
        }
    }

    fn allows_switch(&self, k: ChannelSwitches, channel: Channel) -> bool {
        match channel {
            Channel::Email => k.email,
            Channel::Sms => k.sms,
        }
    }

    /// Checks the rules serde cannot express.
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut c = Check::new();
        if !(1..=30).contains(&self.reminder_days) {
            c.fail("reminder_days", "range", "must be 1 to 30");
        }
        if let Some(q) = &self.sms_quiet_hours {
            let from = parse_clock(&q.from);
            let to = parse_clock(&q.to);
            if from.is_none() {
                c.fail(
                    "sms_quiet_hours.from",
                    "invalid",
                    "must be a time like 21:00",
                );
            }
            if to.is_none() {
                c.fail("sms_quiet_hours.to", "invalid", "must be a time like 08:00");
            }
            if from.is_some() && from == to {
                // A rule between two fields: its own code.
                c.fail("sms_quiet_hours.to", "order", "must differ from `from`");
            }
        }
        c.finish(|| ())
    }
}

/// `HH:MM`, 00:00 to 23:59.
fn parse_clock(s: &str) -> Option<Time> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()
}

/// When the reminder of a meeting starting at `start` is due: the same local
/// time `days` days earlier in the customer's time zone — 23 or 25 hours a
/// day when a DST change falls in between, as a person would expect.
pub fn reminder_due(start: Timestamp, tz: &TimeZone, days: u32) -> Timestamp {
    let local = start.to_zoned(tz.clone());
    local
        .checked_sub(Span::new().days(i64::from(days)))
        .map(|z| z.timestamp())
        .unwrap_or(start)
}

/// The longest a reminder can be due before `start` on any calendar: the
/// threshold plus a DST shift, for the database to narrow its scan before
/// [`reminder_due`] decides exactly.
pub fn reminder_horizon(days: u32) -> SignedDuration {
    SignedDuration::from_hours(24 * i64::from(days) + 3)
}

/// If `now` falls in the quiet hours of `tz`, the instant they end.
pub fn quiet_until(now: Timestamp, tz: &TimeZone, quiet: &QuietHours) -> Option<Timestamp> {
    let (from, to) = (parse_clock(&quiet.from)?, parse_clock(&quiet.to)?);
    let local = now.to_zoned(tz.clone());
    let (today, t) = (local.date(), local.time());
    let end_day = if from < to {
        (from <= t && t < to).then_some(today)?
    } else if t >= from {
        today.tomorrow().ok()?
    } else if t < to {
        today
    } else {
        return None;
    };
    end_day
        .to_datetime(to)
        .to_zoned(tz.clone())
        .ok()
        .map(|z| z.timestamp())
}

/// Attempts before a message is parked as failed.
pub const MAX_ATTEMPTS: u32 = 8;

/// The first retry's base wait in production.
pub const RETRY_BASE: SignedDuration = SignedDuration::from_secs(30);

/// The wait before retry number `attempt` (1 = the first retry):
/// exponential from `base` (30 s in production), capped at 120 × base (an
/// hour), with "equal jitter" — half fixed, half drawn from `unit` in
/// `[0, 1)` — so a burst of failures does not retry in lockstep.
pub fn retry_delay(attempt: u32, unit: f64, base: SignedDuration) -> SignedDuration {
    let base_ms = base.as_millis().max(1) as f64;
    let exp = base_ms * f64::from(1_u32 << attempt.saturating_sub(1).min(20));
    let full = exp.min(base_ms * 120.0);
    let ms = full / 2.0 + full / 2.0 * unit.clamp(0.0, 1.0);
    SignedDuration::from_millis(ms as i64)
}

/// What an inbound SMS asks for, by the carriers' standard keywords (the
/// same Twilio honours): the whole message, any case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptKeyword {
    Stop,
    Start,
}

pub fn opt_keyword(body: &str) -> Option<OptKeyword> {
    let word = body.trim().to_ascii_uppercase();
    match word.as_str() {
        "STOP" | "STOPALL" | "UNSUBSCRIBE" | "CANCEL" | "END" | "QUIT" => Some(OptKeyword::Stop),
        "START" | "YES" | "UNSTOP" => Some(OptKeyword::Start),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn reminder_keeps_the_local_time_across_dst() {
        let paris = TimeZone::get("Europe/Paris").unwrap();
        // Monday 30 March 2026 09:00 CEST = 07:00Z; DST began on 29 March.
        let start = ts("2026-03-30T07:00:00Z");
        // One day before: Sunday 29 March 09:00 CEST = 07:00Z (24 h).
        assert_eq!(reminder_due(start, &paris, 1), ts("2026-03-29T07:00:00Z"));
        // Two days before: Saturday 28 March 09:00 CET = 08:00Z (47 h).
        assert_eq!(reminder_due(start, &paris, 2), ts("2026-03-28T08:00:00Z"));
        // Autumn: Monday 26 October 2026 09:00 CET = 08:00Z; two days
        // before is Saturday 09:00 CEST = 07:00Z (49 h).
        assert_eq!(
            reminder_due(ts("2026-10-26T08:00:00Z"), &paris, 2),
            ts("2026-10-24T07:00:00Z")
        );
        // The horizon covers both.
        for (start, days) in [(start, 2), (ts("2026-10-26T08:00:00Z"), 2)] {
            let due = reminder_due(start, &paris, days);
            assert!(start.duration_since(due) <= reminder_horizon(days));
        }
    }

    #[test]
    fn quiet_hours_across_midnight_and_within_a_day() {
        let paris = TimeZone::get("Europe/Paris").unwrap();
        let night = QuietHours {
            from: "21:00".into(),
            to: "08:00".into(),
        };
        // 22:30 local (21:30Z in winter) → 08:00 local next day (07:00Z).
        assert_eq!(
            quiet_until(ts("2026-11-23T21:30:00Z"), &paris, &night),
            Some(ts("2026-11-24T07:00:00Z"))
        );
        // 06:00 local → 08:00 local the same day.
        assert_eq!(
            quiet_until(ts("2026-11-24T05:00:00Z"), &paris, &night),
            Some(ts("2026-11-24T07:00:00Z"))
        );
        // Noon local: not quiet; exactly 08:00: not quiet; 21:00: quiet.
        assert_eq!(
            quiet_until(ts("2026-11-24T11:00:00Z"), &paris, &night),
            None
        );
        assert_eq!(
            quiet_until(ts("2026-11-24T07:00:00Z"), &paris, &night),
            None
        );
        assert!(quiet_until(ts("2026-11-24T20:00:00Z"), &paris, &night).is_some());
        let lunch = QuietHours {
            from: "12:00".into(),
            to: "14:00".into(),
        };
        assert_eq!(
            quiet_until(ts("2026-11-24T11:30:00Z"), &paris, &lunch),
            Some(ts("2026-11-24T13:00:00Z"))
        );
        assert_eq!(
            quiet_until(ts("2026-11-24T13:30:00Z"), &paris, &lunch),
            None
        );
    }

    #[test]
    fn retries_back_off_exponentially_with_bounded_jitter() {
        let b = RETRY_BASE;
        assert_eq!(retry_delay(1, 0.0, b), SignedDuration::from_secs(15));
        assert_eq!(retry_delay(1, 1.0, b), SignedDuration::from_secs(30));
        assert_eq!(retry_delay(3, 0.0, b), SignedDuration::from_secs(60));
        assert_eq!(retry_delay(30, 1.0, b), SignedDuration::from_secs(3600));
        for a in 1..=MAX_ATTEMPTS {
            assert!(retry_delay(a, 0.5, b) <= retry_delay(a + 1, 0.5, b));
        }
        assert_eq!(
            retry_delay(2, 1.0, SignedDuration::from_millis(10)),
            SignedDuration::from_millis(20)
        );
    }

    #[test]
    fn settings_are_off_by_default_and_switch_per_kind_and_channel() {
        let mut s = Settings::default();
        assert!(!s.allows(Kind::Confirmation, Channel::Email));
        s.enabled = true;
        assert!(s.allows(Kind::Confirmation, Channel::Email));
        s.kinds.reminder.sms = false;
        assert!(!s.allows(Kind::Reminder, Channel::Sms));
        assert!(s.allows(Kind::Reminder, Channel::Email));
        assert_eq!(
            s.refusal(Kind::Reminder, Channel::Sms).as_deref(),
            Some("reminder by sms is off (settings: kinds.reminder.sms)")
        );
        assert_eq!(s.refusal(Kind::Reminder, Channel::Email), None);
        s.kinds.cancellation = ChannelSwitches {
            email: false,
            sms: false,
        };
        assert_eq!(
            s.refusal(Kind::Cancellation, Channel::Email).as_deref(),
            Some("cancellation messages are off (settings: kinds.cancellation)")
        );
        assert_eq!(
            Settings::default()
                .refusal(Kind::Confirmation, Channel::Email)
                .as_deref(),
            Some("communications are off (settings: enabled is false)")
        );
        s.reminder_days = 0;
        s.sms_quiet_hours = Some(QuietHours {
            from: "25:00".into(),
            to: "8".into(),
        });
        let fields: Vec<_> = s
            .validate()
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "reminder_days",
                "sms_quiet_hours.from",
                "sms_quiet_hours.to"
            ]
        );
    }

    #[test]
    fn keywords_and_languages() {
        assert_eq!(opt_keyword(" stop "), Some(OptKeyword::Stop));
        assert_eq!(opt_keyword("Unstop"), Some(OptKeyword::Start));
        assert_eq!(opt_keyword("please stop"), None);
        // Messages are written in the meeting's language, reduced as
        // everywhere else.
        let language = |tag| crate::language::language(tag, crate::language::DEFAULT);
        assert_eq!(language(Some("fr-CA")), "fr");
        assert_eq!(language(Some("de")), "en");
        assert_eq!(language(None), "en");
    }
}
