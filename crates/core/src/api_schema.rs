//! What the API's values look like, for the OpenAPI document.
//!
//! The rules in [`crate::validation`] are the truth; these types only tell
//! the document the same thing, so that a client (or a schema-driven tester
//! such as Schemathesis) can make a value the server accepts without trying.
//! Each type is used as `#[schema(value_type = …)]` on an input's field and
//! takes its limit from the same constant the check uses.
//!
//! What a schema cannot say (an id that must name an existing record, a
//! phone number the numbering plan has assigned, a time that must still be
//! in the future) is checked by the server and refused with its own error
//! code (`unknown`, `unassigned`, `past`, …): docs/security.md lists them.

use utoipa::openapi::schema::{
    AdditionalProperties, KnownFormat, ObjectBuilder, SchemaFormat, Type,
};
use utoipa::openapi::{RefOr, Schema};

use crate::validation::limits;

/// What `str::trim` removes: Unicode White_Space, spelled out because `\s`
/// differs between regex dialects (Python's also counts U+001C–U+001F).
const WS: &str =
    r"[\t\n\u000B\u000C\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]";
/// No C0 or C1 control character ([`char::is_control`]).
const ANY: &str = r"[^\u0000-\u001F\u007F-\u009F]";
/// Multi-line text also keeps tab, line feed and carriage return.
const ANY_MULTILINE: &str = r"[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]";
/// A character that is neither blank nor a control character.
const VISIBLE: &str = r"[^\t\n\u000B\u000C\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\u0000-\u001F\u007F-\u009F]";

/// Text of at most `max` characters as the server reads it: trimmed of
/// blanks, then without control characters (a multi-line text keeps tab
/// and line breaks inside). A `required` text has a visible character; an
/// optional one may be blank, which counts as absent.
fn text(max: usize, multiline: bool, required: bool) -> RefOr<Schema> {
    let any = if multiline { ANY_MULTILINE } else { ANY };
    let core = format!("{VISIBLE}(?:{any}*{VISIBLE})?");
    let pattern = if required {
        format!("^{WS}*{core}{WS}*$")
    } else {
        format!("^{WS}*(?:{core})?{WS}*$")
    };
    ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(max))
        .pattern(Some(pattern))
        .description(Some(describe(max, multiline, required)))
        .into()
}

/// What [`text`] allows, in words, for the document's readers.
fn describe(max: usize, multiline: bool, required: bool) -> String {
    let lines = if multiline {
        "Several lines (tab and line breaks kept)"
    } else {
        "One line"
    };
    let blank = if required {
        "not blank"
    } else {
        "blank counts as absent"
    };
    format!("{lines}, at most {max} characters counted as sent, {blank}, no control characters.")
}

/// A value of `strict`'s form, or blanks: an optional field whose blank
/// value counts as absent.
fn or_blank(strict: RefOr<Schema>, max: usize) -> RefOr<Schema> {
    utoipa::openapi::schema::OneOfBuilder::new()
        .item(strict)
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(max))
                .pattern(Some(format!("^{WS}*$"))),
        )
        .description(Some("Blank counts as absent."))
        .into()
}

macro_rules! documented {
    ($(#[doc = $doc:literal])* $name:ident => $schema:expr) => {
        $(#[doc = $doc])*
        pub struct $name;
        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                $schema
            }
        }
        impl utoipa::ToSchema for $name {}
    };
}

/// A text form and its optional twin (blank counts as absent), both from
/// [`text`] with the limit the server's check uses.
macro_rules! texts {
    ($required:ident, $optional:ident, $max:expr, $multiline:expr) => {
        documented!(
            /// A text that must not be blank (see [`text`]).
            $required => text($max, $multiline, true)
        );
        documented!(
            /// A text that may be blank, which counts as absent (see [`text`]).
            $optional => text($max, $multiline, false)
        );
    };
}

texts!(Name, NameOrBlank, limits::NAME, false);
texts!(ShortText, ShortTextOrBlank, limits::SHORT_TEXT, false);
texts!(Description, DescriptionOrBlank, limits::DESCRIPTION, true);
texts!(LongText, LongTextOrBlank, limits::BODY, true);
documented!(
    /// An identifier this server handed out.
    RecordId => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!("^[A-Za-z0-9_-]{{1,{}}}$", limits::ID)))
        .description(Some("An id this server handed out (letters, digits, - and _)."))
        .into()
);
documented!(
    /// An email address: one `@`, a dotted domain, no blanks.
    EmailAddress => {
        let c = r"[^\s<>@\u0000-\u001F\u007F-\u009F]";
        let d = r"[^\s<>@.\u0000-\u001F\u007F-\u009F]";
        ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(limits::EMAIL))
            .pattern(Some(format!(r"^{c}+@{d}{c}*\.{c}*{d}$")))
            .description(Some("An email address like name@example.com."))
            .into()
    }
);
documented!(
    /// A phone number in international form (`+` then digits).
    PhoneNumber => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(crate::validation::PHONE_SHAPE))
        .description(Some("International form starting with +, like +33 1 23 45 67 89; stored as E.164. \
            A number the numbering plan has not assigned is refused with code `unassigned`."))
        .into()
);
documented!(
    /// A BCP 47 language tag such as `fr` or `fr-CA`.
    LanguageTag => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8}){0,3}$"))
        .description(Some("A language tag like en, fr or es-MX."))
        .into()
);
documented!(
    /// An IANA time zone name from the database built into Switchboard.
    TimeZoneName => ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(crate::time::zone_names()))
        .description(Some("An IANA time zone like Europe/Paris."))
        .into()
);
documented!(
    /// An instant as RFC 3339 (`2026-11-23T09:00:00Z`).
    Instant => ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
        .description(Some("An RFC 3339 time like 2026-11-23T09:00:00Z."))
        .into()
);
texts!(Address, AddressOrBlank, crate::booking::ADDRESS_MAX, true);
texts!(
    CustomerText,
    CustomerTextOrBlank,
    crate::booking::DESCRIPTION_MAX,
    true
);
texts!(
    Instructions,
    InstructionsOrBlank,
    crate::booking::INSTRUCTIONS_MAX,
    true
);
documented!(
    /// A time of day, `HH:MM` (24-hour clock).
    TimeOfDay => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(r"^([01][0-9]|2[0-3]):[0-5][0-9]$"))
        .description(Some("A time of day like 09:30."))
        .into()
);

/// Texts by content language (`en`, `fr`, `es`; each may be left out).
pub fn by_language(each: RefOr<Schema>, description: &str) -> RefOr<Schema> {
    let mut object = ObjectBuilder::new()
        .schema_type(Type::Object)
        .additional_properties(Some(AdditionalProperties::FreeForm(false)))
        .description(Some(description));
    for language in crate::booking::CONTENT_LANGUAGES {
        object = object.property(language, each.clone());
    }
    object.into()
}

documented!(
    /// A topic's customer-facing texts by language.
    TopicTranslations => by_language(
        <crate::booking::TopicTranslation as utoipa::PartialSchema>::schema(),
        "The customer-facing texts by language (en, fr, es); what a language leaves out falls back to the topic's own text.",
    )
);
documented!(
    /// A page cursor: the `next_cursor` of the page before.
    Cursor => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(r"^[A-Za-z0-9_-]+$"))
        .description(Some("The next_cursor of the previous page. A cursor this server did not issue for \
            this list is refused with code `unknown`."))
        .into()
);
documented!(
    /// A calendar date, `YYYY-MM-DD`.
    Date => ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
        .description(Some("A date like 2026-12-24."))
        .into()
);
/// Routing attributes as a client may set them: bounded in number and
/// length, and never a name the system keeps for its own records.
fn attributes(count: usize, name: usize, value: usize) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .max_properties(Some(count))
        .property_names(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(name))
                .pattern(Some(format!(
                    "^(?!({})$)",
                    crate::routing::RESERVED_ATTRIBUTES.join("|")
                ))),
        ))
        .additional_properties(Some(
            ObjectBuilder::new().schema_type(Type::String).max_length(Some(value)),
        ))
        .description(Some(format!(
            "Routing attributes: up to {count}, names of at most {name} and values of at most {value} \
             characters. Names Switchboard sets itself ({}) are refused.",
            crate::routing::RESERVED_ATTRIBUTES.join(", ")
        )))
        .into()
}

documented!(
    /// A callback's routing attributes.
    CallbackAttributes => attributes(20, 200, 200)
);
documented!(
    /// A work item's routing attributes.
    WorkItemAttributes => attributes(100, 100, 1000)
);

/// Text of one line, not blank, at most `max` characters.
pub fn line(max: usize) -> RefOr<Schema> {
    text(max, false, true)
}

documented!(
    /// A survey question's label by language.
    SurveyLabel => by_language(line(crate::chat::survey::LABEL_MAX), "The question by language (en, fr, es); it must include the widget's default language.")
);
documented!(
    /// A survey choice: its text, or its text with translations.
    SurveyChoice => {
        let each = line(crate::chat::survey::CHOICE_MAX);
        utoipa::openapi::schema::OneOfBuilder::new()
            .item(each.clone())
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Object)
                    .property("value", each.clone())
                    .required("value")
                    .property("translations", by_language(each, "What visitors of other languages see."))
                    .additional_properties(Some(AdditionalProperties::FreeForm(false))),
            )
            .description(Some("A text, or {\"value\": text, \"translations\": {\"fr\": text}}; two choices may not read the same."))
            .into()
    }
);
documented!(
    /// A widget's name by language.
    WidgetNameTranslations => by_language(line(200), "The name in other languages (en, fr, es).")
);
documented!(
    /// A web origin: scheme, host and optional port, no path.
    Origin => ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(200))
        .pattern(Some(r"^https?://[A-Za-z0-9.:\[\]-]+$"))
        .description(Some("An origin like https://shop.example or http://localhost:8080 (no path)."))
        .into()
);
documented!(
    /// Attributes a widget adds to its chats for the routing rules.
    WidgetAttributes => attributes(50, 100, 1000)
);

/// A message template's text: `{name}` placeholders must name one of
/// [`crate::communications::templates::VARIABLES`]; any other brace is the
/// template's own text.
fn template_text(max: usize, multiline: bool, required: bool, description: &str) -> RefOr<Schema> {
    let known = crate::communications::templates::VARIABLES.join("|");
    let any = if multiline { ANY_MULTILINE } else { ANY };
    // A required text has a character that is not blank somewhere.
    let visible = if required { r"(?=[\s\S]*\S)" } else { "" };
    ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(max))
        .pattern(Some(format!(
            r"^{visible}(?:(?!\{{)(?:{any})|\{{(?![a-z_]+\}})|\{{(?:{known})\}})*$"
        )))
        .description(Some(description))
        .into()
}

documented!(
    /// An email template's subject: one line.
    TemplateSubject => template_text(
        crate::communications::templates::SUBJECT_MAX,
        false,
        false,
        "One line of at most 200 characters; required for email, empty for SMS (code `inconsistent`).",
    )
);
documented!(
    /// A template's HTML body: required for email, empty for SMS.
    TemplateHtml => template_text(
        crate::communications::templates::BODY_MAX,
        true,
        false,
        "At most 20,000 characters; required for email, empty for SMS (codes `incomplete`, `inconsistent`).",
    )
);
documented!(
    /// A template's text or HTML body.
    TemplateBody => template_text(
        crate::communications::templates::BODY_MAX,
        true,
        true,
        "At most 20,000 characters (an SMS body at most 320: code `inconsistent`); placeholders {name} name one of the variables.",
    )
);
documented!(
    /// A proactive invitation's message by language.
    InvitationMessages => by_language(line(crate::chat::proactive::MESSAGE_MAX), "The message by language (en, fr, es); it must include the widget's default language (code `incomplete`).")
);
documented!(
    /// A URL pattern as typed: at most 2,000 characters (blanks included),
    /// not blank, no control characters at all.
    UrlPattern => ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(crate::chat::proactive::URL_PATTERN_MAX))
        .pattern(Some(format!("^{ANY}*{VISIBLE}{ANY}*$")))
        .description(Some("At most 2,000 characters, not blank, no control characters."))
        .into()
);

documented!(
    /// An email address, or blanks (absent).
    EmailAddressOrBlank => or_blank(<EmailAddress as utoipa::PartialSchema>::schema(), limits::EMAIL)
);
documented!(
    /// An absolute web address (`uri`), up to 2,000 characters: a webhook's
    /// target (the server also wants `http` or `https`, a host and no
    /// credentials).
    WebAddress => ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::Custom("uri".into())))
        .min_length(Some(1))
        .max_length(Some(crate::webhooks::URL_MAX))
        .description(Some("An absolute http:// or https:// address, like https://hooks.example.com/switchboard."))
        .into()
);
documented!(
    /// An email address or an international phone number (which one a
    /// request needs, another field says: a mismatch is `inconsistent`).
    EmailOrPhone => {
        let c = r"[^\s<>@\u0000-\u001F\u007F-\u009F]";
        let d = r"[^\s<>@.\u0000-\u001F\u007F-\u009F]";
        let phone = crate::validation::PHONE_SHAPE
            .trim_start_matches('^')
            .trim_end_matches('$');
        ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(limits::SHORT_TEXT))
            .pattern(Some(format!(r"^(?:{c}+@{d}{c}*\.{c}*{d}|{phone})$")))
            .description(Some("An email address like name@example.com, or a phone number like +33 6 12 34 56 78."))
            .into()
    }
);
documented!(
    /// A phone number, or blanks (absent).
    PhoneNumberOrBlank => or_blank(<PhoneNumber as utoipa::PartialSchema>::schema(), crate::validation::PHONE_MAX)
);
documented!(
    /// A language tag, or blanks (absent).
    LanguageTagOrBlank => or_blank(<LanguageTag as utoipa::PartialSchema>::schema(), crate::validation::LOCALE_MAX)
);
documented!(
    /// A time zone, or blanks (absent).
    TimeZoneNameOrBlank => or_blank(<TimeZoneName as utoipa::PartialSchema>::schema(), crate::validation::TIME_ZONE_MAX)
);
documented!(
    /// An id in a query, or empty (no filter).
    RecordIdOrEmpty => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!("^[A-Za-z0-9_-]{{0,{}}}$", limits::ID)))
        .description(Some("An id this server handed out; empty means no filter."))
        .into()
);
documented!(
    /// The kinds of activity a person writes (the others are Switchboard's).
    AuthoredActivityKind => ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(
            crate::records::ActivityKind::ALL
                .iter()
                .filter(|k| k.authored())
            .map(|k| k.as_str()),
        ))
        .description(Some("note, email or sms: calls, meetings, conversations and case events are written by Switchboard."))
        .into()
);
documented!(
    /// A report threshold in seconds: one of those the sums are kept for.
    ReportThreshold => ObjectBuilder::new()
        .schema_type(Type::Integer)
        .enum_values(Some(crate::reports::THRESHOLDS.iter().copied()))
        .description(Some("Seconds: 5, 10, 15, 20, 30, 45, 60, 90, 120, 180 or 300 (the thresholds report sums are kept for)."))
        .into()
);
