//! Routing configuration as the API speaks it (JSON with string ids and
//! seconds), its validation, and its translation into the core's types.

use std::collections::HashMap;

use jiff::civil::{Date, Time, Weekday};
use serde::{Deserialize, Serialize};
use switchboard_core::routing::classify::Test;
use switchboard_core::routing::hours::OperatingHours;
use switchboard_core::routing::overflow::{Action, OverflowRules};
use switchboard_core::routing::*;
use switchboard_core::validation::{limits, Check};
use switchboard_core::{FieldError, Invalid};

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoursSpec {
    /// IANA time zone, e.g. `Europe/Paris`.
    pub time_zone: String,
    pub weekly: Vec<RangeSpec>,
    /// `YYYY-MM-DD` dates closed all day.
    #[serde(default)]
    pub holidays: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RangeSpec {
    /// `monday` … `sunday`
    pub day: String,
    /// `HH:MM`, local time.
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionName {
    AssignAnyway,
    TransferToQueue,
    EndConversation,
    DirectCallback,
    Voicemail,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionSpec {
    pub action: ActionName,
    /// For `transfer_to_queue`.
    pub queue_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountRule {
    pub count: u32,
    #[serde(flatten)]
    pub then: ActionSpec,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecondsRule {
    pub seconds: u32,
    #[serde(flatten)]
    pub then: ActionSpec,
}

/// Overflow rules; the conditions before queueing are checked in this order.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OverflowSpec {
    pub out_of_operating_hours: Option<ActionSpec>,
    pub work_items_waiting_exceed: Option<CountRule>,
    pub estimated_wait_exceeds: Option<SecondsRule>,
    /// Checked while an item waits.
    pub waiting_time_exceeds: Option<SecondsRule>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueInput {
    pub name: Option<String>,
    pub channel: Option<ChannelKind>,
    /// Higher is served first across queues (default 0).
    pub priority: Option<i64>,
    /// Default: `least_active` for voice, `highest_capacity` for messaging.
    pub method: Option<AssignmentMethod>,
    /// Default 60.
    pub offer_timeout_seconds: Option<i64>,
    /// 1–5, default 3.
    pub declines_allowed: Option<i64>,
    pub is_default: Option<bool>,
    pub operating_hours: Option<HoursSpec>,
    pub overflow: Option<OverflowSpec>,
    /// Agent ids.
    pub members: Option<Vec<String>>,
}

fn enum_text<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn parse_weekday(s: &str) -> Option<Weekday> {
    Some(match s.to_ascii_lowercase().as_str() {
        "monday" => Weekday::Monday,
        "tuesday" => Weekday::Tuesday,
        "wednesday" => Weekday::Wednesday,
        "thursday" => Weekday::Thursday,
        "friday" => Weekday::Friday,
        "saturday" => Weekday::Saturday,
        "sunday" => Weekday::Sunday,
        _ => return None,
    })
}

/// Parses operating hours; errors are named under `field`.
pub fn parse_hours(h: &HoursSpec, field: &str) -> Result<OperatingHours, Vec<FieldError>> {
    let mut errors = Vec::new();
    let tz = jiff::tz::TimeZone::get(&h.time_zone)
        .map_err(|_| {
            errors.push(FieldError::new(
                format!("{field}.time_zone"),
                "invalid",
                "must be an IANA time zone",
            ))
        })
        .ok();
    let mut weekly = Vec::new();
    for (i, r) in h.weekly.iter().enumerate() {
        let day = parse_weekday(&r.day);
        let from: Option<Time> = r.from.parse().ok();
        let to: Option<Time> = r.to.parse().ok();
        match (day, from, to) {
            (Some(d), Some(f), Some(t)) if f < t => weekly.push((d, f, t)),
            (None, ..) => errors.push(FieldError::new(
                format!("{field}.weekly[{i}].day"),
                "invalid",
                "must be monday … sunday",
            )),
            _ => errors.push(FieldError::new(
                format!("{field}.weekly[{i}]"),
                "invalid",
                "from and to must be HH:MM with from before to",
            )),
        }
    }
    let mut holidays = Vec::new();
    for (i, d) in h.holidays.iter().enumerate() {
        match d.parse::<Date>() {
            Ok(d) => holidays.push(d),
            Err(_) => errors.push(FieldError::new(
                format!("{field}.holidays[{i}]"),
                "invalid",
                "must be a date YYYY-MM-DD",
            )),
        }
    }
    match (errors.is_empty(), tz) {
        (true, Some(time_zone)) => Ok(OperatingHours {
            time_zone,
            weekly,
            holidays,
        }),
        _ => Err(errors),
    }
}

/// Translates overflow rules, mapping queue ids with `queues`.
pub fn parse_overflow(
    o: &OverflowSpec,
    hours: Option<OperatingHours>,
    channel: ChannelKind,
    queues: &HashMap<String, (QueueIx, ChannelKind)>,
) -> Result<OverflowRules, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut action = |spec: &ActionSpec, field: &str| -> Option<Action> {
        let a = match spec.action {
            ActionName::AssignAnyway => Action::AssignAnyway,
            ActionName::EndConversation if channel == ChannelKind::Messaging => {
                Action::EndConversation
            }
            ActionName::DirectCallback if channel == ChannelKind::Voice => Action::DirectCallback,
            ActionName::Voicemail if channel == ChannelKind::Voice => Action::Voicemail,
            ActionName::TransferToQueue => match spec.queue_id.as_ref().and_then(|q| queues.get(q))
            {
                Some((_, target)) if *target != channel => {
                    errors.push(FieldError::new(
                        format!("{field}.queue_id"),
                        "mismatch",
                        "the target queue serves another channel",
                    ));
                    return None;
                }
                Some((q, _)) => Action::TransferToQueue(*q),
                None => {
                    errors.push(FieldError::new(
                        format!("{field}.queue_id"),
                        "unknown",
                        "transfer_to_queue needs an existing queue_id",
                    ));
                    return None;
                }
            },
            other => {
                errors.push(FieldError::new(
                    format!("{field}.action"),
                    "invalid",
                    format!(
                        "{} does not apply to a {} queue",
                        enum_text(&other),
                        enum_text(&channel)
                    ),
                ));
                return None;
            }
        };
        Some(a)
    };
    let out_of_hours = o
        .out_of_operating_hours
        .as_ref()
        .and_then(|a| action(a, "overflow.out_of_operating_hours"));
    let waiting_exceed = o
        .work_items_waiting_exceed
        .as_ref()
        .and_then(|r| action(&r.then, "overflow.work_items_waiting_exceed").map(|a| (r.count, a)));
    let estimated = o.estimated_wait_exceeds.as_ref().and_then(|r| {
        action(&r.then, "overflow.estimated_wait_exceeds").map(|a| (u64::from(r.seconds) * 1000, a))
    });
    let waiting = o.waiting_time_exceeds.as_ref().and_then(|r| {
        action(&r.then, "overflow.waiting_time_exceeds").map(|a| (u64::from(r.seconds) * 1000, a))
    });
    if out_of_hours.is_some() && hours.is_none() {
        errors.push(FieldError::new(
            "overflow.out_of_operating_hours",
            "invalid",
            "needs operating_hours on the queue",
        ));
    }
    if errors.is_empty() {
        Ok(OverflowRules {
            hours,
            out_of_hours,
            waiting_exceed,
            estimated_wait_exceeds: estimated,
            while_waiting: waiting,
        })
    } else {
        Err(errors)
    }
}

/// Validates a queue as sent; `known_queues` resolves transfer targets.
pub fn validate_queue(
    input: &QueueInput,
    known_queues: &HashMap<String, (QueueIx, ChannelKind)>,
) -> Result<switchboard_store::routing::QueueDraft, Invalid> {
    let mut c = Check::new();
    let name = c.required_text("name", input.name.clone(), limits::NAME);
    let channel = input.channel;
    if channel.is_none() {
        c.fail("channel", "required", "is required: messaging or voice");
    }
    let timeout = input.offer_timeout_seconds.unwrap_or(60);
    if !(1..=3600).contains(&timeout) {
        c.fail(
            "offer_timeout_seconds",
            "out_of_range",
            "must be between 1 and 3600",
        );
    }
    let declines = input.declines_allowed.unwrap_or(3);
    if !(1..=5).contains(&declines) {
        c.fail(
            "declines_allowed",
            "out_of_range",
            "must be between 1 and 5",
        );
    }
    let priority = input.priority.unwrap_or(0);
    if !(-1000..=1000).contains(&priority) {
        c.fail("priority", "out_of_range", "must be between -1000 and 1000");
    }
    let mut errors = Vec::new();
    let hours = match &input.operating_hours {
        Some(h) => parse_hours(h, "operating_hours")
            .map_err(|e| errors.extend(e))
            .ok(),
        None => None,
    };
    if let Some(ch) = channel {
        if let Err(e) = parse_overflow(
            &input.overflow.clone().unwrap_or_default(),
            hours,
            ch,
            known_queues,
        ) {
            errors.extend(e);
        }
    }
    for e in errors {
        c.fail(&e.field, &e.code, e.message);
    }
    let members = input.members.clone().unwrap_or_default();
    if members.len() > 10_000 {
        c.fail("members", "too_long", "at most 10,000 members");
    }
    let channel = channel.unwrap_or(ChannelKind::Messaging);
    c.finish(|| switchboard_store::routing::QueueDraft {
        name: name.unwrap_or_default(),
        channel: enum_text(&channel),
        priority,
        method: enum_text(&input.method.unwrap_or(match channel {
            ChannelKind::Voice => AssignmentMethod::LeastActive,
            ChannelKind::Messaging => AssignmentMethod::HighestCapacity,
        })),
        offer_timeout_seconds: timeout,
        declines_allowed: declines,
        is_default: input.is_default.unwrap_or(false),
        operating_hours: input
            .operating_hours
            .as_ref()
            .map(|h| serde_json::to_value(h).expect("serializes")),
        overflow: serde_json::to_value(input.overflow.clone().unwrap_or_default())
            .expect("serializes"),
        members,
    })
}

/// One required skill as the API speaks it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkillNeedSpec {
    pub skill_id: String,
    /// 1–10
    pub min: u8,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    pub name: String,
    /// All must hold: `{"op": "equals"|"in"|"contains"|"exists", "attribute": …, "value"/"values": …}`.
    #[schema(value_type = Vec<Object>)]
    pub tests: Vec<Test>,
    pub queue_id: String,
    #[serde(default)]
    pub skills: Vec<SkillNeedSpec>,
    pub skill_match: Option<SkillMatch>,
    #[serde(default)]
    pub priority: i64,
}

pub fn enum_name<T: Serialize>(v: &T) -> String {
    enum_text(v)
}

pub fn parse_enum<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
}
