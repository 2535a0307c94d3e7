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
    #[schema(value_type = switchboard_core::api_schema::TimeZoneName)]
    pub time_zone: String,
    pub weekly: Vec<RangeSpec>,
    /// `YYYY-MM-DD` dates closed all day.
    #[serde(default)]
    #[schema(value_type = Vec<switchboard_core::api_schema::Date>)]
    pub holidays: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RangeSpec {
    /// `monday` … `sunday`
    #[schema(pattern = "^(monday|tuesday|wednesday|thursday|friday|saturday|sunday)$")]
    pub day: String,
    /// `HH:MM`, local time.
    #[schema(value_type = switchboard_core::api_schema::TimeOfDay)]
    pub from: String,
    #[schema(value_type = switchboard_core::api_schema::TimeOfDay)]
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
    /// For `transfer_to_queue` (an existing queue of the same channel);
    /// the other actions ignore it.
    pub queue_id: Option<String>,
}

/// `{"count": 20, "action": …, "queue_id": …}`: more than `count` items
/// waiting (0 to 10,000; 0: as soon as any item waits).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountRule {
    pub count: u32,
    #[serde(flatten)]
    pub then: ActionSpec,
}

/// `{"seconds": 300, "action": …, "queue_id": …}`: a wait over `seconds`
/// (0 to 86,400).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecondsRule {
    pub seconds: u32,
    #[serde(flatten)]
    pub then: ActionSpec,
}

pub const COUNT_MAX: u32 = 10_000;
pub const SECONDS_MAX: u32 = 86_400;

/// The wire form is one flat object (the action's members beside the
/// threshold), which `allOf` of a closed `ActionSpec` could not state.
fn threshold_rule(
    member: &str,
    max: u32,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Type};
    use utoipa::PartialSchema;
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property(
            member,
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0))
                .maximum(Some(max)),
        )
        .required(member)
        .property("action", ActionName::schema())
        .required("action")
        .property(
            "queue_id",
            ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
                    Type::String,
                    Type::Null,
                ]))
                .description(Some("For transfer_to_queue; the other actions ignore it.")),
        )
        .additional_properties(Some(AdditionalProperties::FreeForm(false)))
        .into()
}

impl utoipa::PartialSchema for CountRule {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        threshold_rule("count", COUNT_MAX)
    }
}
impl utoipa::ToSchema for CountRule {}

impl utoipa::PartialSchema for SecondsRule {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        threshold_rule("seconds", SECONDS_MAX)
    }
}
impl utoipa::ToSchema for SecondsRule {}

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
    #[schema(value_type = switchboard_core::api_schema::Name, required = true)]
    pub name: Option<String>,
    #[schema(value_type = ChannelKind, required = true)]
    pub channel: Option<ChannelKind>,
    /// Higher is served first across queues (default 0).
    #[schema(minimum = -1000, maximum = 1000)]
    pub priority: Option<i64>,
    /// Default: `least_active` for voice, `highest_capacity` for messaging.
    pub method: Option<AssignmentMethod>,
    /// Default 60.
    #[schema(minimum = 1, maximum = 3600)]
    pub offer_timeout_seconds: Option<i64>,
    /// 1–5, default 3.
    #[schema(minimum = 1, maximum = 5)]
    pub declines_allowed: Option<i64>,
    pub is_default: Option<bool>,
    pub operating_hours: Option<HoursSpec>,
    pub overflow: Option<OverflowSpec>,
    /// Voice queues only (default false): after the agent hangs up, the
    /// caller hears the `csat` prompt and rates the call by pressing 1 to
    /// 5. `true` on a messaging queue is refused (422, `mismatch`).
    pub csat_survey: Option<bool>,
    /// Agent ids.
    #[schema(value_type = Option<Vec<switchboard_core::api_schema::RecordId>>, max_items = 10000)]
    pub members: Option<Vec<String>>,
    /// Agent ids of the supervisors who watch this queue (each must hold the
    /// supervisor role: else 422 `not_supervisor`; unknown ids: `unknown`).
    /// A supervisor sees and acts on the work of their queues only; admins
    /// see every queue. Omitted: none (a PUT replaces the whole queue).
    #[schema(value_type = Option<Vec<switchboard_core::api_schema::RecordId>>, max_items = 1000)]
    pub supervisor_ids: Option<Vec<String>>,
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
            // A rule between two fields: its own code.
            (Some(_), Some(_), Some(_)) => errors.push(FieldError::new(
                format!("{field}.weekly[{i}].to"),
                "order",
                "must be after from",
            )),
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
                    "mismatch",
                    format!(
                        "{} does not apply to a {} queue",
                        other.wire_name(),
                        channel.wire_name()
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
    let mut within = |field: &str, value: u32, max: u32| {
        if value > max {
            errors.push(FieldError::new(
                format!("overflow.{field}"),
                "out_of_range",
                format!("must be between 0 and {max}"),
            ));
        }
    };
    if let Some(r) = &o.work_items_waiting_exceed {
        within("work_items_waiting_exceed.count", r.count, COUNT_MAX);
    }
    if let Some(r) = &o.estimated_wait_exceeds {
        within("estimated_wait_exceeds.seconds", r.seconds, SECONDS_MAX);
    }
    if let Some(r) = &o.waiting_time_exceeds {
        within("waiting_time_exceeds.seconds", r.seconds, SECONDS_MAX);
    }
    if out_of_hours.is_some() && hours.is_none() {
        errors.push(FieldError::new(
            "overflow.out_of_operating_hours",
            "incomplete",
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
    let csat_survey = input.csat_survey.unwrap_or(false);
    if csat_survey && channel == Some(ChannelKind::Messaging) {
        c.fail(
            "csat_survey",
            "mismatch",
            "only voice queues ask callers for a rating (chats: the widget's csat_enabled)",
        );
    }
    let members = input.members.clone().unwrap_or_default();
    if members.len() > 10_000 {
        c.fail("members", "too_long", "at most 10,000 members");
    }
    let supervisor_ids = input.supervisor_ids.clone().unwrap_or_default();
    if supervisor_ids.len() > 1000 {
        c.fail("supervisor_ids", "too_long", "at most 1,000 supervisors");
    }
    let channel = channel.unwrap_or(ChannelKind::Messaging);
    c.finish(|| switchboard_store::routing::QueueDraft {
        name: name.unwrap_or_default(),
        channel: enum_name(&channel),
        priority,
        method: enum_name(&input.method.unwrap_or(match channel {
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
        csat_survey,
        members,
        supervisor_ids,
    })
}

/// One required skill as the API speaks it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkillNeedSpec {
    #[schema(value_type = switchboard_core::api_schema::RecordId)]
    pub skill_id: String,
    /// 1–10
    #[schema(minimum = 1, maximum = 10)]
    pub min: u8,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    #[schema(value_type = switchboard_core::api_schema::Name)]
    pub name: String,
    /// All must hold.
    #[schema(max_items = 50)]
    pub tests: Vec<Test>,
    #[schema(value_type = switchboard_core::api_schema::RecordId)]
    pub queue_id: String,
    #[serde(default)]
    pub skills: Vec<SkillNeedSpec>,
    pub skill_match: Option<SkillMatch>,
    /// -1000 to 1000 (default 0).
    #[serde(default)]
    #[schema(minimum = -1000, maximum = 1000)]
    pub priority: i64,
}

/// A routing enum as the API and the store spell it: the snake_case name
/// serde gives it on the wire, written out here so that reading a stored
/// column or naming a value in a message does not go through JSON. The
/// tests hold each name to serde's.
pub trait WireName: Sized + Copy + PartialEq + 'static {
    /// Every variant, for parsing (the tests check none is missing).
    const ALL: &'static [Self];

    fn wire_name(self) -> &'static str;

    /// The variant with this exact name (case matters, as for serde).
    fn from_wire(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.wire_name() == s)
    }
}

impl WireName for ChannelKind {
    const ALL: &'static [Self] = &[ChannelKind::Messaging, ChannelKind::Voice];

    fn wire_name(self) -> &'static str {
        match self {
            ChannelKind::Messaging => "messaging",
            ChannelKind::Voice => "voice",
        }
    }
}

impl WireName for Presence {
    const ALL: &'static [Self] = &[
        Presence::Available,
        Presence::Busy,
        Presence::DoNotDisturb,
        Presence::Away,
        Presence::Offline,
    ];

    fn wire_name(self) -> &'static str {
        match self {
            Presence::Available => "available",
            Presence::Busy => "busy",
            Presence::DoNotDisturb => "do_not_disturb",
            Presence::Away => "away",
            Presence::Offline => "offline",
        }
    }
}

impl WireName for AssignmentMethod {
    const ALL: &'static [Self] = &[
        AssignmentMethod::HighestCapacity,
        AssignmentMethod::RoundRobin,
        AssignmentMethod::LeastActive,
        AssignmentMethod::LongestIdle,
    ];

    fn wire_name(self) -> &'static str {
        match self {
            AssignmentMethod::HighestCapacity => "highest_capacity",
            AssignmentMethod::RoundRobin => "round_robin",
            AssignmentMethod::LeastActive => "least_active",
            AssignmentMethod::LongestIdle => "longest_idle",
        }
    }
}

impl WireName for SkillMatch {
    const ALL: &'static [Self] = &[SkillMatch::Exact, SkillMatch::Closest];

    fn wire_name(self) -> &'static str {
        match self {
            SkillMatch::Exact => "exact",
            SkillMatch::Closest => "closest",
        }
    }
}

impl WireName for ActionName {
    const ALL: &'static [Self] = &[
        ActionName::AssignAnyway,
        ActionName::TransferToQueue,
        ActionName::EndConversation,
        ActionName::DirectCallback,
        ActionName::Voicemail,
    ];

    fn wire_name(self) -> &'static str {
        match self {
            ActionName::AssignAnyway => "assign_anyway",
            ActionName::TransferToQueue => "transfer_to_queue",
            ActionName::EndConversation => "end_conversation",
            ActionName::DirectCallback => "direct_callback",
            ActionName::Voicemail => "voicemail",
        }
    }
}

/// The name a stored column or a message uses for `v`.
pub fn enum_name<T: WireName>(v: &T) -> String {
    v.wire_name().to_owned()
}

/// The value a stored column names; `None` for a name this version does
/// not know.
pub fn parse_enum<T: WireName>(s: &str) -> Option<T> {
    T::from_wire(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each name is serde's, parses back to its variant, and `ALL` lists
    /// every variant serde knows (a name serde reads must parse too).
    fn same_as_serde<T>(serde_names: &[&str])
    where
        T: WireName + Serialize + serde::de::DeserializeOwned + std::fmt::Debug,
    {
        for v in T::ALL {
            let serde = serde_json::to_value(v).unwrap();
            assert_eq!(serde.as_str(), Some(v.wire_name()), "{v:?}");
            assert_eq!(parse_enum::<T>(v.wire_name()), Some(*v));
            assert_eq!(enum_name(v), v.wire_name());
        }
        for name in serde_names {
            let by_serde: T =
                serde_json::from_value(serde_json::Value::String((*name).to_owned())).unwrap();
            assert_eq!(parse_enum::<T>(name), Some(by_serde), "{name}");
        }
        assert_eq!(T::ALL.len(), serde_names.len());
    }

    #[test]
    fn wire_names_are_serdes() {
        same_as_serde::<ChannelKind>(&["messaging", "voice"]);
        same_as_serde::<Presence>(&["available", "busy", "do_not_disturb", "away", "offline"]);
        same_as_serde::<AssignmentMethod>(&[
            "highest_capacity",
            "round_robin",
            "least_active",
            "longest_idle",
        ]);
        same_as_serde::<SkillMatch>(&["exact", "closest"]);
        same_as_serde::<ActionName>(&[
            "assign_anyway",
            "transfer_to_queue",
            "end_conversation",
            "direct_callback",
            "voicemail",
        ]);
    }

    #[test]
    fn unknown_names_do_not_parse() {
        // As serde: exact names only, no case folding, no other spelling.
        for s in [
            "",
            "Voice",
            "VOICE",
            " voice",
            "do-not-disturb",
            "DoNotDisturb",
            "\"voice\"",
        ] {
            assert_eq!(parse_enum::<ChannelKind>(s), None, "{s}");
            assert_eq!(parse_enum::<Presence>(s), None, "{s}");
        }
        assert_eq!(parse_enum::<SkillMatch>("voice"), None);
    }

    #[test]
    fn stored_columns_read_back() {
        // What validate_queue writes is what the engine reads.
        let draft = validate_queue(
            &QueueInput {
                name: Some("Calls".into()),
                channel: Some(ChannelKind::Voice),
                priority: None,
                method: None,
                offer_timeout_seconds: None,
                declines_allowed: None,
                is_default: None,
                operating_hours: None,
                overflow: None,
                csat_survey: None,
                members: None,
                supervisor_ids: None,
            },
            &HashMap::new(),
        )
        .unwrap();
        assert_eq!(draft.channel, "voice");
        assert!(!draft.csat_survey, "off unless asked");
        assert_eq!(draft.method, "least_active");
        assert_eq!(parse_enum(&draft.channel), Some(ChannelKind::Voice));
        assert_eq!(
            parse_enum(&draft.method),
            Some(AssignmentMethod::LeastActive)
        );
    }

    #[test]
    fn a_misplaced_action_is_named_in_the_message() {
        let spec = OverflowSpec {
            out_of_operating_hours: None,
            work_items_waiting_exceed: Some(CountRule {
                count: 5,
                then: ActionSpec {
                    action: ActionName::Voicemail,
                    queue_id: None,
                },
            }),
            estimated_wait_exceeds: None,
            waiting_time_exceeds: None,
        };
        let errors =
            parse_overflow(&spec, None, ChannelKind::Messaging, &HashMap::new()).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "overflow.work_items_waiting_exceed.action");
        assert_eq!(
            errors[0].message,
            "voicemail does not apply to a messaging queue"
        );
    }
}
