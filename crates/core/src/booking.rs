//! What admins and customers send to set up and book meetings, validated
//! into drafts the store writes (see `scheduling` for the slot arithmetic).

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::scheduling::{parse_hours, RangeSpec, WeeklyHours};
use crate::validation::Check;
use crate::Invalid;

pub mod rules;

/// Where a meeting takes place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MeetingType {
    InPerson,
    Online,
    Phone,
}

impl MeetingType {
    pub const ALL: [MeetingType; 3] = [
        MeetingType::InPerson,
        MeetingType::Online,
        MeetingType::Phone,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            MeetingType::InPerson => "in_person",
            MeetingType::Online => "online",
            MeetingType::Phone => "phone",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

pub const NAME_MAX: usize = 200;
pub const ADDRESS_MAX: usize = 500;
pub const DESCRIPTION_MAX: usize = 2_000;
pub const INSTRUCTIONS_MAX: usize = 4_000;
pub const NOTES_MAX: usize = 2_000;
/// Topics last 5 minutes to 8 hours.
pub const DURATION_MINUTES: std::ops::RangeInclusive<u32> = 5..=480;
/// How far ahead a slot search may look in one request.
pub const MAX_WINDOW_DAYS: i64 = 31;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BranchInput {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::ShortText, required = true))]
    pub name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::Address, required = true))]
    pub address: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::TimeZoneName, required = true))]
    pub time_zone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BranchDraft {
    pub name: String,
    pub address: String,
    pub time_zone: String,
}

impl BranchDraft {
    pub fn parse(i: BranchInput) -> Result<Self, Invalid> {
        let mut c = Check::new();
        let name = c.required_text("name", i.name, NAME_MAX);
        let address = c.optional_multiline("address", i.address, ADDRESS_MAX);
        if address.is_none() && c.is_ok() {
            c.fail("address", "required", "is required");
        }
        let time_zone = c.optional_time_zone("time_zone", i.time_zone.clone());
        if i.time_zone.is_none() {
            c.fail("time_zone", "required", "is required");
        }
        c.finish(|| BranchDraft {
            name: name.unwrap_or_default(),
            address: address.unwrap_or_default(),
            time_zone: time_zone.unwrap_or_default(),
        })
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TopicInput {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::ShortText, required = true))]
    pub name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::CustomerTextOrBlank>))]
    pub description: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = u32, required = true, minimum = 5, maximum = 480))]
    pub duration_minutes: Option<u32>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<MeetingType>, required = true, min_items = 1))]
    pub meeting_types: Option<Vec<MeetingType>>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<crate::api_schema::RecordId>>))]
    /// Skill ids an advisor needs.
    pub skills: Option<Vec<String>>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::InstructionsOrBlank>))]
    /// Shown to the customer when booking and in every message.
    pub instructions: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::TopicTranslations>))]
    /// The customer-facing texts in other languages, by language code
    /// (`en`, `fr`, `es`): `{"fr": {"name": "…", "instructions": "…"}}`.
    /// What a language leaves out falls back to the topic's own text.
    pub translations: Option<BTreeMap<String, TopicTranslation>>,
}

/// A topic's customer-facing texts in one language; each may be left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TopicTranslation {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::ShortTextOrBlank>))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::CustomerTextOrBlank>))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::InstructionsOrBlank>))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
}

/// The languages admin content may be translated into: the ones every
/// customer-facing text ships in.
pub const CONTENT_LANGUAGES: [&str; 3] = crate::language::LANGUAGES;

/// A topic's name, description and instructions as a customer speaking
/// `language` reads them: the translation's where it has one, else the
/// topic's own.
pub fn localized<'a>(
    own: (&'a str, &'a str, &'a str),
    translations: &'a BTreeMap<String, TopicTranslation>,
    language: &str,
) -> (&'a str, &'a str, &'a str) {
    let primary = language
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    match translations.get(&primary) {
        None => own,
        Some(t) => (
            t.name.as_deref().unwrap_or(own.0),
            t.description.as_deref().unwrap_or(own.1),
            t.instructions.as_deref().unwrap_or(own.2),
        ),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicDraft {
    pub name: String,
    pub description: String,
    pub duration_minutes: u32,
    pub meeting_types: Vec<MeetingType>,
    pub skills: Vec<String>,
    pub instructions: String,
    pub translations: BTreeMap<String, TopicTranslation>,
}

impl TopicDraft {
    pub fn parse(i: TopicInput) -> Result<Self, Invalid> {
        let mut c = Check::new();
        let name = c.required_text("name", i.name, NAME_MAX);
        let description = c.optional_multiline("description", i.description, DESCRIPTION_MAX);
        let instructions = c.optional_multiline("instructions", i.instructions, INSTRUCTIONS_MAX);
        let duration = match i.duration_minutes {
            None => {
                c.fail("duration_minutes", "required", "is required");
                0
            }
            Some(d) if !DURATION_MINUTES.contains(&d) => {
                c.fail("duration_minutes", "range", "must be 5 to 480 minutes");
                0
            }
            Some(d) => d,
        };
        let mut types = i.meeting_types.unwrap_or_default();
        types.dedup();
        if types.is_empty() {
            c.fail(
                "meeting_types",
                "required",
                "needs at least one of in_person, online, phone",
            );
        }
        let mut skills = Vec::new();
        for (n, s) in i.skills.unwrap_or_default().into_iter().enumerate() {
            if let Some(s) = c.optional_id(&format!("skills[{n}]"), Some(s)) {
                if !skills.contains(&s) {
                    skills.push(s);
                }
            }
        }
        let mut translations = BTreeMap::new();
        for (lang, t) in i.translations.unwrap_or_default() {
            let at = |f: &str| format!("translations.{lang}.{f}");
            if !CONTENT_LANGUAGES.contains(&lang.as_str()) {
                c.fail(
                    &format!("translations.{lang}"),
                    "unsupported_language",
                    format!("must be one of {}", CONTENT_LANGUAGES.join(", ")),
                );
                continue;
            }
            let t = TopicTranslation {
                name: c.optional_text(&at("name"), t.name, NAME_MAX),
                description: c.optional_multiline(
                    &at("description"),
                    t.description,
                    DESCRIPTION_MAX,
                ),
                instructions: c.optional_multiline(
                    &at("instructions"),
                    t.instructions,
                    INSTRUCTIONS_MAX,
                ),
            };
            if t != TopicTranslation::default() {
                translations.insert(lang, t);
            }
        }
        c.finish(|| TopicDraft {
            name: name.unwrap_or_default(),
            description: description.unwrap_or_default(),
            duration_minutes: duration,
            meeting_types: types,
            skills,
            instructions: instructions.unwrap_or_default(),
            translations,
        })
    }
}

/// An agent's booking profile.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AdvisorInput {
    pub bookable: Option<bool>,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::TimeZoneName, required = true))]
    /// The zone the weekly hours are read in.
    pub time_zone: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_items = 21))]
    pub hours: Option<Vec<RangeSpec>>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<crate::api_schema::RecordId>>))]
    pub branch_ids: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct AdvisorDraft {
    pub bookable: bool,
    pub hours: WeeklyHours,
    pub time_zone: String,
    pub branch_ids: Vec<String>,
}

impl AdvisorDraft {
    pub fn parse(i: AdvisorInput) -> Result<Self, Invalid> {
        let tz = i.time_zone.clone().unwrap_or_default();
        let hours = parse_hours(&tz, &i.hours.unwrap_or_default());
        let mut c = Check::new();
        let mut branch_ids = Vec::new();
        for (n, b) in i.branch_ids.unwrap_or_default().into_iter().enumerate() {
            if let Some(b) = c.optional_id(&format!("branch_ids[{n}]"), Some(b)) {
                if !branch_ids.contains(&b) {
                    branch_ids.push(b);
                }
            }
        }
        let mut errors = c.finish(|| ()).err().map(|e| e.0).unwrap_or_default();
        let hours = match hours {
            Ok(h) => Some(h),
            Err(e) => {
                errors.extend(e.0);
                None
            }
        };
        match hours {
            Some(hours) if errors.is_empty() => Ok(AdvisorDraft {
                bookable: i.bookable.unwrap_or(true),
                hours,
                time_zone: tz.trim().to_owned(),
                branch_ids,
            }),
            _ => Err(Invalid(errors)),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TimeOffInput {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::Instant, required = true))]
    pub starts_at: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::Instant, required = true))]
    pub ends_at: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::ShortTextOrBlank>))]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeOffDraft {
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub reason: String,
}

impl TimeOffDraft {
    pub fn parse(i: TimeOffInput) -> Result<Self, Invalid> {
        let mut c = Check::new();
        let start = instant(&mut c, "starts_at", i.starts_at);
        let end = instant(&mut c, "ends_at", i.ends_at);
        let reason = c.optional_text("reason", i.reason, NAME_MAX);
        if let (Some(s), Some(e)) = (start, end) {
            if e <= s {
                c.fail("ends_at", "order", "must be after starts_at");
            }
        }
        c.finish(|| TimeOffDraft {
            starts_at: start.unwrap_or_default(),
            ends_at: end.unwrap_or_default(),
            reason: reason.unwrap_or_default(),
        })
    }
}

/// In-person meetings need a branch; the others take place nowhere.
pub fn check_branch(c: &mut Check, meeting_type: Option<MeetingType>, branch_id: Option<&str>) {
    match (meeting_type, branch_id) {
        // Rules between two fields, so codes of their own.
        (Some(MeetingType::InPerson), None) => c.fail(
            "branch_id",
            "incomplete",
            "is required for in_person meetings",
        ),
        (Some(MeetingType::Online | MeetingType::Phone), Some(_)) => c.fail(
            "branch_id",
            "inconsistent",
            "only in_person meetings take place at a branch",
        ),
        _ => {}
    }
}

fn instant(c: &mut Check, field: &str, v: Option<String>) -> Option<Timestamp> {
    match v {
        None => {
            c.fail(field, "required", "is required");
            None
        }
        Some(s) => {
            let t = crate::time::parse(&s);
            if t.is_none() {
                c.fail(
                    field,
                    "invalid",
                    "must be an RFC 3339 time like 2026-11-23T09:00:00Z",
                );
            }
            t
        }
    }
}

/// A booking as the API receives it (`POST /api/v1/meetings`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BookingInput {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::RecordId, required = true))]
    pub contact_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::RecordId, required = true))]
    pub topic_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = MeetingType, required = true))]
    pub meeting_type: Option<MeetingType>,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::Instant, required = true))]
    pub start: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::RecordId>))]
    pub branch_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<crate::api_schema::RecordId>>, max_items = 5))]
    /// Advisors to book; empty or absent: the first free advisor who fits.
    pub advisor_ids: Option<Vec<String>>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::CustomerTextOrBlank>))]
    pub customer_notes: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::TimeZoneNameOrBlank>))]
    /// Defaults: the contact's, else the branch's (or UTC) and `en`.
    pub time_zone: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::LanguageTagOrBlank>))]
    pub language: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingDraft {
    pub contact_id: String,
    pub topic_id: String,
    pub meeting_type: MeetingType,
    pub start: Timestamp,
    pub branch_id: Option<String>,
    pub advisor_ids: Vec<String>,
    pub customer_notes: String,
    pub time_zone: Option<String>,
    pub language: Option<String>,
}

impl BookingDraft {
    pub fn parse(i: BookingInput) -> Result<Self, Invalid> {
        let mut c = Check::new();
        let contact_id = c.optional_id("contact_id", i.contact_id.clone());
        if i.contact_id.is_none() {
            c.fail("contact_id", "required", "is required");
        }
        let topic_id = c.optional_id("topic_id", i.topic_id.clone());
        if i.topic_id.is_none() {
            c.fail("topic_id", "required", "is required");
        }
        if i.meeting_type.is_none() {
            c.fail(
                "meeting_type",
                "required",
                "is required: in_person, online or phone",
            );
        }
        let start = instant(&mut c, "start", i.start);
        let branch_id = c.optional_id("branch_id", i.branch_id);
        check_branch(&mut c, i.meeting_type, branch_id.as_deref());
        let mut advisor_ids = Vec::new();
        for (n, a) in i.advisor_ids.unwrap_or_default().into_iter().enumerate() {
            if let Some(a) = c.optional_id(&format!("advisor_ids[{n}]"), Some(a)) {
                if !advisor_ids.contains(&a) {
                    advisor_ids.push(a);
                }
            }
        }
        if advisor_ids.len() > 5 {
            c.fail("advisor_ids", "too_long", "at most 5 advisors");
        }
        let notes = c.optional_multiline("customer_notes", i.customer_notes, NOTES_MAX);
        let time_zone = c.optional_time_zone("time_zone", i.time_zone);
        let language = c.optional_locale("language", i.language);
        c.finish(|| BookingDraft {
            contact_id: contact_id.unwrap_or_default(),
            topic_id: topic_id.unwrap_or_default(),
            meeting_type: i.meeting_type.unwrap_or(MeetingType::Online),
            start: start.unwrap_or_default(),
            branch_id,
            advisor_ids,
            customer_notes: notes.unwrap_or_default(),
            time_zone,
            language,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(e: Invalid) -> Vec<String> {
        e.0.into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn a_booking_names_every_problem() {
        let e = BookingDraft::parse(BookingInput {
            contact_id: Some("bad id!".into()),
            meeting_type: Some(MeetingType::InPerson),
            start: Some("tomorrow".into()),
            customer_notes: Some("x".repeat(NOTES_MAX + 1)),
            time_zone: Some("Mars/Olympus".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(
            fields(e),
            [
                "contact_id",
                "topic_id",
                "start",
                "branch_id",
                "customer_notes",
                "time_zone"
            ]
        );
        let e = BookingDraft::parse(BookingInput {
            contact_id: Some("c".into()),
            topic_id: Some("t".into()),
            meeting_type: Some(MeetingType::Online),
            start: Some("2026-11-23T09:00:00+01:00".into()),
            branch_id: Some("b".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(fields(e), ["branch_id"]);
    }

    #[test]
    fn topics_and_branches_are_checked() {
        let e = TopicDraft::parse(TopicInput {
            name: Some(" ".into()),
            duration_minutes: Some(1),
            meeting_types: Some(vec![]),
            skills: Some(vec!["ok".into(), "no way".into()]),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(
            fields(e),
            ["name", "duration_minutes", "meeting_types", "skills[1]"]
        );
        // Translations: known languages only, each text checked like the
        // topic's own, and a missing one falls back.
        let e = TopicDraft::parse(TopicInput {
            name: Some("Mortgage".into()),
            duration_minutes: Some(30),
            meeting_types: Some(vec![MeetingType::Online]),
            translations: Some(BTreeMap::from([
                ("de".into(), TopicTranslation::default()),
                (
                    "fr".into(),
                    TopicTranslation {
                        name: Some("x".repeat(NAME_MAX + 1)),
                        ..Default::default()
                    },
                ),
            ])),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(fields(e), ["translations.de", "translations.fr.name"]);
        let d = TopicDraft::parse(TopicInput {
            name: Some("Mortgage".into()),
            instructions: Some("Bring payslips.".into()),
            duration_minutes: Some(30),
            meeting_types: Some(vec![MeetingType::Online]),
            translations: Some(BTreeMap::from([(
                "fr".into(),
                TopicTranslation {
                    name: Some(" Prêt immobilier ".into()),
                    ..Default::default()
                },
            )])),
            ..Default::default()
        })
        .unwrap();
        let own = (d.name.as_str(), "", d.instructions.as_str());
        assert_eq!(
            localized(own, &d.translations, "fr-CA"),
            ("Prêt immobilier", "", "Bring payslips.")
        );
        assert_eq!(localized(own, &d.translations, "es"), own);
        let e = BranchDraft::parse(BranchInput {
            name: Some("Paris".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(fields(e), ["address", "time_zone"]);
    }

    #[test]
    fn advisors_and_time_off_are_checked() {
        let e = AdvisorDraft::parse(AdvisorInput {
            time_zone: Some("Europe/Paris".into()),
            hours: Some(vec![RangeSpec {
                day: "funday".into(),
                from: "09:00".into(),
                to: "17:00".into(),
            }]),
            branch_ids: Some(vec!["".into()]),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(fields(e), ["branch_ids[0]", "hours[0].day"]);
        let e = TimeOffDraft::parse(TimeOffInput {
            starts_at: Some("2026-11-23T10:00:00Z".into()),
            ends_at: Some("2026-11-23T09:00:00Z".into()),
            reason: None,
        })
        .unwrap_err();
        assert_eq!(fields(e), ["ends_at"]);
    }
}
