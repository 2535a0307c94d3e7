//! Customer records: what a client may send, and the validated drafts the
//! store writes.
//!
//! Inputs are deliberately loose (`Option<String>` everywhere) so that every
//! broken rule can be reported at once; `parse` turns an input into a draft
//! that is valid by construction. Updates are JSON Merge Patches (RFC 7396)
//! applied to the current input form and parsed again, so creation and
//! update share one set of rules.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::validation::{limits, Check, Invalid};

/// Declares a closed set of names stored and sent as snake_case strings.
macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

string_enum!(
    /// How the customer prefers to be reached.
    PreferredChannel { Email = "email", Sms = "sms", Phone = "phone", Chat = "chat" }
);
string_enum!(Priority { Low = "low", Normal = "normal", High = "high", Urgent = "urgent" });
string_enum!(CaseStatus { Active = "active", Resolved = "resolved", Cancelled = "cancelled" });
string_enum!(
    /// What one timeline entry records.
    ActivityKind {
        Note = "note",
        Conversation = "conversation",
        Call = "call",
        Callback = "callback",
        Email = "email",
        Sms = "sms",
        Meeting = "meeting",
        CaseEvent = "case_event",
    }
);

impl ActivityKind {
    /// Kinds a person writes (through the API or the workspace): a note, or
    /// an email or SMS they sent outside Switchboard. Every other kind is a
    /// record Switchboard writes itself (a chat transcript, a call, a
    /// callback, a meeting, a case event): clients cannot create one, and
    /// nobody edits or deletes one, so the timeline stays evidence.
    pub fn authored(self) -> bool {
        matches!(
            self,
            ActivityKind::Note | ActivityKind::Email | ActivityKind::Sms
        )
    }
}

/// Applies a JSON Merge Patch (RFC 7396) to `target`.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            let t = target.as_object_mut().expect("just made an object");
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        other => *target = other.clone(),
    }
}

// ---------------------------------------------------------------- contacts

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::NameOrBlank>))]
    pub first_name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::NameOrBlank>))]
    pub last_name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::EmailAddressOrBlank>))]
    pub email: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::PhoneNumberOrBlank>))]
    /// International form, e.g. `+33 1 23 45 67 89`; stored as E.164.
    pub phone: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::RecordId>))]
    pub account_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::ShortTextOrBlank>))]
    pub job_title: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::NameOrBlank>))]
    pub title: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::NameOrBlank>))]
    pub relationship_type: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::NameOrBlank>))]
    pub city: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::NameOrBlank>))]
    pub category: Option<String>,
    pub preferred_channel: Option<PreferredChannel>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::LanguageTagOrBlank>))]
    /// BCP 47 language tag, e.g. `fr-CA`.
    pub locale: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::TimeZoneNameOrBlank>))]
    /// IANA time zone, e.g. `Europe/Paris`.
    pub time_zone: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::ShortTextOrBlank>))]
    /// The host site's own user id; unique.
    pub external_id: Option<String>,
    /// Free-form attributes (a JSON object, at most 16 KiB serialized).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub custom: Option<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContactDraft {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub account_id: Option<String>,
    pub job_title: Option<String>,
    pub title: Option<String>,
    pub relationship_type: Option<String>,
    pub city: Option<String>,
    pub category: Option<String>,
    pub preferred_channel: Option<PreferredChannel>,
    pub locale: Option<String>,
    pub time_zone: Option<String>,
    pub external_id: Option<String>,
    pub custom: Map<String, Value>,
}

impl ContactDraft {
    pub fn parse(i: ContactInput) -> Result<Self, Invalid> {
        let mut c = Check::new();
        let first_name = c.optional_text("first_name", i.first_name, limits::NAME);
        let last_name = c.optional_text("last_name", i.last_name, limits::NAME);
        let email = c.optional_email("email", i.email);
        let phone = c.optional_phone("phone", i.phone);
        if c.is_ok()
            && first_name.is_none()
            && last_name.is_none()
            && email.is_none()
            && phone.is_none()
        {
            // A rule across fields, so its own code: `incomplete`.
            c.fail(
                "last_name",
                "incomplete",
                "a contact needs at least a name, an email or a phone number",
            );
        }
        let draft = Self {
            first_name,
            last_name,
            email,
            phone,
            account_id: c.optional_id("account_id", i.account_id),
            job_title: c.optional_text("job_title", i.job_title, limits::SHORT_TEXT),
            title: c.optional_text("title", i.title, limits::NAME),
            relationship_type: c.optional_text(
                "relationship_type",
                i.relationship_type,
                limits::NAME,
            ),
            city: c.optional_text("city", i.city, limits::NAME),
            category: c.optional_text("category", i.category, limits::NAME),
            preferred_channel: i.preferred_channel,
            locale: c.optional_locale("locale", i.locale),
            time_zone: c.optional_time_zone("time_zone", i.time_zone),
            external_id: c.optional_text("external_id", i.external_id, limits::EXTERNAL_ID),
            custom: c.custom_attributes("custom", i.custom),
        };
        c.finish(|| draft)
    }

    /// Folded text the contact search matches against (see
    /// [`crate::validation::search_fold`]).
    pub fn search_text(&self) -> String {
        let text = [&self.first_name, &self.last_name, &self.email, &self.phone]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" ");
        crate::validation::search_fold(&text)
    }
}

// ---------------------------------------------------------------- accounts

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AccountInput {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::ShortText, required = true))]
    pub name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::NameOrBlank>))]
    pub city: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::NameOrBlank>))]
    pub category: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub custom: Option<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AccountDraft {
    pub name: String,
    pub city: Option<String>,
    pub category: Option<String>,
    pub custom: Map<String, Value>,
}

impl AccountDraft {
    pub fn parse(i: AccountInput) -> Result<Self, Invalid> {
        let mut c = Check::new();
        let name = c.required_text("name", i.name, limits::SHORT_TEXT);
        let city = c.optional_text("city", i.city, limits::NAME);
        let category = c.optional_text("category", i.category, limits::NAME);
        let custom = c.custom_attributes("custom", i.custom);
        c.finish(|| Self {
            name: name.unwrap_or_default(),
            city,
            category,
            custom,
        })
    }
}

// ---------------------------------------------------------------- products

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::ShortText, required = true))]
    pub name: Option<String>,
}

pub fn parse_product(i: ProductInput) -> Result<String, Invalid> {
    let mut c = Check::new();
    let name = c.required_text("name", i.name, limits::SHORT_TEXT);
    c.finish(|| name.unwrap_or_default())
}

// ---------------------------------------------------------------- cases

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CaseInput {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::ShortText, required = true))]
    pub title: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::DescriptionOrBlank>))]
    pub description: Option<String>,
    /// Defaults to `normal`.
    pub priority: Option<Priority>,
    /// Defaults to `active`.
    pub status: Option<CaseStatus>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::RecordId>))]
    pub product_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::RecordId>))]
    /// The agent who owns the case.
    pub owner_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::RecordId>))]
    pub contact_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::RecordId>))]
    pub account_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CaseDraft {
    pub title: String,
    pub description: Option<String>,
    pub priority: Priority,
    pub status: CaseStatus,
    pub product_id: Option<String>,
    pub owner_id: Option<String>,
    pub contact_id: Option<String>,
    pub account_id: Option<String>,
}

impl CaseDraft {
    pub fn parse(i: CaseInput) -> Result<Self, Invalid> {
        let mut c = Check::new();
        let title = c.required_text("title", i.title, limits::SHORT_TEXT);
        let description = c.optional_multiline("description", i.description, limits::DESCRIPTION);
        let product_id = c.optional_id("product_id", i.product_id);
        let owner_id = c.optional_id("owner_id", i.owner_id);
        let contact_id = c.optional_id("contact_id", i.contact_id);
        let account_id = c.optional_id("account_id", i.account_id);
        if c.is_ok() && contact_id.is_none() && account_id.is_none() {
            c.fail(
                "contact_id",
                "incomplete",
                "a case belongs to a contact or an account: give contact_id or account_id",
            );
        }
        c.finish(|| Self {
            title: title.unwrap_or_default(),
            description,
            priority: i.priority.unwrap_or(Priority::Normal),
            status: i.status.unwrap_or(CaseStatus::Active),
            product_id,
            owner_id,
            contact_id,
            account_id,
        })
    }
}

// ---------------------------------------------------------------- activities

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ActivityInput {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::AuthoredActivityKind, required = true))]
    pub kind: Option<ActivityKind>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::RecordId>))]
    pub contact_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::RecordId>))]
    pub case_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::RecordId>))]
    pub conversation_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::ShortTextOrBlank>))]
    pub subject: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::LongTextOrBlank>))]
    pub body: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::Instant>))]
    /// RFC 3339; defaults to now.
    pub occurred_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ActivityDraft {
    pub kind: ActivityKind,
    pub contact_id: Option<String>,
    pub case_id: Option<String>,
    pub conversation_id: Option<String>,
    pub subject: Option<String>,
    pub body: Option<String>,
    /// Stored form (see [`crate::time`]).
    pub occurred_at: String,
}

impl ActivityDraft {
    /// Parses an activity written by a client: only kinds a person authors
    /// ([`ActivityKind::authored`]); the others are refused on `kind`.
    pub fn parse(i: ActivityInput, now: &str) -> Result<Self, Invalid> {
        let mut c = Check::new();
        let kind = match i.kind {
            None => {
                c.fail("kind", "required", "is required");
                ActivityKind::Note
            }
            Some(k) if !k.authored() => {
                c.fail(
                    "kind",
                    "invalid",
                    format!(
                        "{} activities are written by Switchboard itself; a person writes a note, email or sms",
                        k.as_str()
                    ),
                );
                k
            }
            Some(k) => k,
        };
        let contact_id = c.optional_id("contact_id", i.contact_id);
        let case_id = c.optional_id("case_id", i.case_id);
        let conversation_id = c.optional_id("conversation_id", i.conversation_id);
        if c.is_ok() && contact_id.is_none() && case_id.is_none() && conversation_id.is_none() {
            c.fail(
                "contact_id",
                "incomplete",
                "an activity regards a contact, a case or a conversation: give at least one",
            );
        }
        let subject = c.optional_text("subject", i.subject, limits::SHORT_TEXT);
        let body = c.optional_multiline("body", i.body, limits::BODY);
        if kind == ActivityKind::Note && body.is_none() && subject.is_none() && c.is_ok() {
            c.fail("body", "incomplete", "a note needs a body");
        }
        let occurred_at = match i.occurred_at {
            None => now.to_owned(),
            Some(s) => match crate::time::parse(&s) {
                Some(ts) => crate::time::format(ts),
                None => {
                    c.fail(
                        "occurred_at",
                        "invalid",
                        "must be an RFC 3339 timestamp like 2026-11-21T09:00:00Z",
                    );
                    now.to_owned()
                }
            },
        };
        c.finish(|| Self {
            kind,
            contact_id,
            case_id,
            conversation_id,
            subject,
            body,
            occurred_at,
        })
    }
}

/// What may change on an existing activity: its text only. Where and when it
/// happened is history.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ActivityPatch {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::ShortTextOrBlank>))]
    pub subject: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::LongTextOrBlank>))]
    pub body: Option<String>,
}

// ---------------------------------------------------------------- agents

/// The rule for a password an admin sets: 12 to 1024 characters.
pub fn check_password(p: &str) -> Result<(), crate::FieldError> {
    let n = p.chars().count();
    if (limits::PASSWORD_MIN..=limits::PASSWORD_MAX).contains(&n) {
        Ok(())
    } else {
        Err(crate::FieldError::new(
            "password",
            "length",
            format!(
                "must be {} to {} characters",
                limits::PASSWORD_MIN,
                limits::PASSWORD_MAX
            ),
        ))
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AgentInput {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::Name, required = true))]
    pub name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::EmailAddress, required = true))]
    pub email: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<crate::access::Role>, required = true, min_items = 1))]
    pub roles: Option<Vec<crate::access::Role>>,
    /// Defaults to true. Inactive agents cannot sign in and their tokens stop working.
    pub active: Option<bool>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, write_only, min_length = 12, max_length = 1024))]
    /// Initial or new password (12 to 1024 characters). Never returned.
    pub password: Option<String>,
    /// The agent's routing settings, written in the same transaction as the
    /// agent (so an agent is never saved without them); absent: unchanged
    /// (a new agent gets the defaults: no skills, no queues).
    pub routing: Option<AgentRoutingInput>,
}

/// Who routing may offer an agent what: capacity, skills, queues.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AgentRoutingInput {
    /// None: the default (3 chats, 1 call that blocks chats, no wrap-up).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::RecordId>))]
    pub capacity_profile_id: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 200))]
    pub skills: Vec<SkillLevel>,
    /// The queues the agent serves, replacing the current ones; absent:
    /// unchanged.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<crate::api_schema::RecordId>>, max_items = 200))]
    pub queue_ids: Option<Vec<String>>,
}

/// A skill and how good the agent is at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SkillLevel {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::RecordId))]
    pub skill_id: String,
    /// 1–10.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10))]
    pub proficiency: i64,
}

impl AgentRoutingInput {
    /// Checks what needs no store (the store checks that the ids exist),
    /// naming fields under `prefix` (`routing.` inside an agent).
    pub fn check(&self, c: &mut Check, prefix: &str) {
        if self.skills.len() > 200 {
            c.fail(&format!("{prefix}skills"), "too_many", "at most 200 skills");
        }
        for (k, sk) in self.skills.iter().enumerate() {
            if !(1..=10).contains(&sk.proficiency) {
                c.fail(
                    &format!("{prefix}skills[{k}].proficiency"),
                    "out_of_range",
                    "must be between 1 and 10",
                );
            }
            if self.skills[..k].iter().any(|o| o.skill_id == sk.skill_id) {
                c.fail(
                    &format!("{prefix}skills[{k}].skill_id"),
                    "duplicate",
                    "this skill is listed twice",
                );
            }
        }
        if let Some(q) = &self.queue_ids {
            if q.len() > 200 {
                c.fail(
                    &format!("{prefix}queue_ids"),
                    "too_many",
                    "at most 200 queues",
                );
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AgentDraft {
    pub name: String,
    pub email: String,
    pub roles: Vec<crate::access::Role>,
    pub active: bool,
    /// Present when a (new) password was given; still in clear, to be hashed.
    pub password: Option<String>,
    /// Checked but for the ids (the store checks those).
    pub routing: Option<AgentRoutingInput>,
}

impl AgentDraft {
    pub fn parse(i: AgentInput, password_required: bool) -> Result<Self, Invalid> {
        let mut c = Check::new();
        let name = c.required_text("name", i.name, limits::NAME);
        let email = c.optional_email("email", i.email);
        if email.is_none() && c.is_ok() {
            c.fail("email", "required", "is required");
        }
        let mut roles = i.roles.unwrap_or_default();
        roles.sort();
        roles.dedup();
        if roles.is_empty() {
            c.fail(
                "roles",
                "required",
                "give at least one of admin, supervisor, agent",
            );
        }
        let password = match i.password {
            None if password_required => {
                c.fail("password", "required", "is required");
                None
            }
            None => None,
            Some(p) => match check_password(&p) {
                Ok(()) => Some(p),
                Err(e) => {
                    c.fail(&e.field, &e.code, e.message);
                    None
                }
            },
        };
        if let Some(r) = &i.routing {
            r.check(&mut c, "routing.");
        }
        c.finish(|| Self {
            name: name.unwrap_or_default(),
            email: email.unwrap_or_default(),
            roles,
            active: i.active.unwrap_or(true),
            password,
            routing: i.routing,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_rfc7396() {
        // The example from RFC 7396 section 3.
        let mut target = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        merge_patch(&mut target, &json!({"a": "z", "c": {"f": null}}));
        assert_eq!(target, json!({"a": "z", "c": {"d": "e"}}));
        let mut t = json!({"a": [1]});
        merge_patch(&mut t, &json!({"a": {"b": 1}}));
        assert_eq!(t, json!({"a": {"b": 1}}));
    }

    #[test]
    fn contact_needs_some_identity_and_normalizes() {
        assert!(ContactDraft::parse(ContactInput::default()).is_err());
        let d = ContactDraft::parse(ContactInput {
            first_name: Some(" Ann ".into()),
            email: Some("Ann@Example.COM".into()),
            phone: Some("+33 6 12 34 56 78".into()),
            locale: Some("fr-fr".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(d.first_name.as_deref(), Some("Ann"));
        assert_eq!(d.email.as_deref(), Some("ann@example.com"));
        assert_eq!(d.phone.as_deref(), Some("+33612345678"));
        assert_eq!(d.locale.as_deref(), Some("fr-FR"));
        assert_eq!(d.search_text(), "ann ann@example.com +33612345678");
    }

    #[test]
    fn contact_reports_every_bad_field() {
        let e = ContactDraft::parse(ContactInput {
            first_name: Some("x".repeat(101)),
            email: Some("nope".into()),
            phone: Some("12".into()),
            time_zone: Some("Nowhere".into()),
            custom: Some(json!("text")),
            ..Default::default()
        })
        .unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            ["first_name", "email", "phone", "time_zone", "custom"]
        );
    }

    #[test]
    fn case_defaults_and_owner_rules() {
        let d = CaseDraft::parse(CaseInput {
            title: Some("Card blocked".into()),
            contact_id: Some("c1".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            (d.priority, d.status),
            (Priority::Normal, CaseStatus::Active)
        );
        assert!(CaseDraft::parse(CaseInput {
            title: Some("x".into()),
            ..Default::default()
        })
        .is_err());
    }

    #[test]
    fn clients_cannot_forge_case_events() {
        let i = ActivityInput {
            kind: Some(ActivityKind::CaseEvent),
            contact_id: Some("c".into()),
            body: Some("x".into()),
            ..Default::default()
        };
        assert_eq!(
            ActivityDraft::parse(i, "now").unwrap_err().0[0].field,
            "kind"
        );
    }

    #[test]
    fn clients_cannot_forge_system_records() {
        for k in ["conversation", "call", "callback", "meeting", "case_event"] {
            let i = ActivityInput {
                kind: ActivityKind::parse(k),
                contact_id: Some("c".into()),
                body: Some("x".into()),
                ..Default::default()
            };
            assert_eq!(
                ActivityDraft::parse(i, "now").unwrap_err().0[0].field,
                "kind",
                "{k}"
            );
        }
        for k in ["note", "email", "sms"] {
            let i = ActivityInput {
                kind: ActivityKind::parse(k),
                contact_id: Some("c".into()),
                body: Some("x".into()),
                ..Default::default()
            };
            assert!(ActivityDraft::parse(i, "now").is_ok(), "{k}");
        }
    }

    #[test]
    fn activity_time_is_normalized() {
        let i = ActivityInput {
            kind: Some(ActivityKind::Email),
            contact_id: Some("c".into()),
            occurred_at: Some("2026-01-01T10:00:00+01:00".into()),
            ..Default::default()
        };
        assert_eq!(
            ActivityDraft::parse(i, "now").unwrap().occurred_at,
            "2026-01-01T09:00:00.000000Z"
        );
    }

    #[test]
    fn agent_password_rules() {
        let base = AgentInput {
            name: Some("A".into()),
            email: Some("a@x.io".into()),
            roles: Some(vec![crate::access::Role::Agent]),
            ..Default::default()
        };
        assert!(AgentDraft::parse(base.clone(), true).is_err());
        assert!(AgentDraft::parse(base.clone(), false).is_ok());
        let short = AgentInput {
            password: Some("short".into()),
            ..base
        };
        assert_eq!(
            AgentDraft::parse(short, false).unwrap_err().0[0].field,
            "password"
        );
    }
}
