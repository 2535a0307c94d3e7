//! Field-level validation that collects every problem at once.
//!
//! A client that sends five bad fields should hear about all five in one
//! answer, so checks push onto a [`Check`] instead of returning early.

use serde::Serialize;

/// One rule broken by one field of the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// Path of the field in the request body, e.g. `email` or `custom.plan`.
    pub field: String,
    /// Machine-readable rule name: `required`, `too_long`, `invalid`, `unknown`…
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

/// The input broke one or more rules; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: {}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn one(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self(vec![FieldError::new(field, code, message)])
    }
}

/// Documented size limits, in characters (not bytes) unless named otherwise.
pub mod limits {
    pub const NAME: usize = 100;
    pub const SHORT_TEXT: usize = 200;
    pub const EMAIL: usize = 254;
    pub const DESCRIPTION: usize = 10_000;
    pub const BODY: usize = 20_000;
    pub const EXTERNAL_ID: usize = 200;
    pub const ID: usize = 64;
    /// Serialized size of a `custom` attributes object, in bytes.
    pub const CUSTOM_BYTES: usize = 16 * 1024;
    pub const PASSWORD_MIN: usize = 12;
    pub const PASSWORD_MAX: usize = 1024;
    pub const PAGE_DEFAULT: u32 = 50;
    pub const PAGE_MAX: u32 = 200;
    /// Request bodies larger than this are refused with 413, in bytes.
    pub const BODY_BYTES: usize = 256 * 1024;
}

/// Collects field errors while a draft is parsed.
#[derive(Debug, Default)]
pub struct Check {
    errors: Vec<FieldError>,
}

impl Check {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn fail(&mut self, field: &str, code: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, code, message));
    }

    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// Trimmed text that may be absent; blank counts as absent.
    pub fn optional_text(
        &mut self,
        field: &str,
        value: Option<String>,
        max: usize,
    ) -> Option<String> {
        self.text(field, value, max, false)
    }

    /// Trimmed, non-blank text.
    pub fn required_text(
        &mut self,
        field: &str,
        value: Option<String>,
        max: usize,
    ) -> Option<String> {
        let v = self.text(field, value, max, false);
        if v.is_none() && !self.errors.iter().any(|e| e.field == field) {
            self.fail(field, "required", "is required");
        }
        v
    }

    /// Like [`Check::optional_text`] but keeps line breaks and tabs.
    pub fn optional_multiline(
        &mut self,
        field: &str,
        value: Option<String>,
        max: usize,
    ) -> Option<String> {
        self.text(field, value, max, true)
    }

    fn text(
        &mut self,
        field: &str,
        value: Option<String>,
        max: usize,
        multiline: bool,
    ) -> Option<String> {
        let value = value?;
        // The length as sent: blanks count too (even a text of blanks only),
        // so that a limit means the same to the client and its schema.
        let len = value.chars().count();
        if len > max {
            self.fail(
                field,
                "too_long",
                format!("must be at most {max} characters (got {len})"),
            );
            return None;
        }
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return None;
        }
        // Control characters have no business in customer records and break
        // logs and terminals; line breaks are fine in long texts.
        if trimmed
            .chars()
            .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t' || c == '\r')))
        {
            self.fail(field, "invalid", "must not contain control characters");
            return None;
        }
        Some(trimmed.to_owned())
    }

    pub fn optional_email(&mut self, field: &str, value: Option<String>) -> Option<String> {
        let v = self.optional_text(field, value, limits::EMAIL)?;
        if is_plausible_email(&v) {
            Some(v.to_lowercase())
        } else {
            self.fail(
                field,
                "invalid",
                "must be an email address like name@example.com",
            );
            None
        }
    }

    /// A phone number in international form, returned as E.164.
    ///
    /// Two refusals: text that is not shaped like an international number
    /// (`invalid`), and a number of that shape the numbering plan has not
    /// assigned (`unassigned`), which no pattern in a schema can tell.
    pub fn optional_phone(&mut self, field: &str, value: Option<String>) -> Option<String> {
        const MESSAGE: &str =
            "must be a valid international phone number starting with +, like +33 1 23 45 67 89";
        let v = self.optional_text(field, value, PHONE_MAX)?;
        if !phone_shape().is_match(&v) {
            self.fail(field, "invalid", MESSAGE);
            return None;
        }
        match parse_phone(&v) {
            Some(e164) => Some(e164),
            None => {
                self.fail(field, "unassigned", MESSAGE);
                None
            }
        }
    }

    pub fn optional_time_zone(&mut self, field: &str, value: Option<String>) -> Option<String> {
        let v = self.optional_text(field, value, TIME_ZONE_MAX)?;
        if jiff::tz::TimeZone::get(&v).is_ok() {
            Some(v)
        } else {
            self.fail(
                field,
                "invalid",
                "must be an IANA time zone like Europe/Paris",
            );
            None
        }
    }

    /// A BCP 47 language tag such as `fr` or `fr-CA`, normalized in case.
    pub fn optional_locale(&mut self, field: &str, value: Option<String>) -> Option<String> {
        let v = self.optional_text(field, value, LOCALE_MAX)?;
        match normalize_locale(&v) {
            Some(l) => Some(l),
            None => {
                self.fail(
                    field,
                    "invalid",
                    "must be a language tag like en, fr or es-MX",
                );
                None
            }
        }
    }

    /// A JSON object of custom attributes, bounded in size.
    pub fn custom_attributes(
        &mut self,
        field: &str,
        value: Option<serde_json::Value>,
    ) -> serde_json::Map<String, serde_json::Value> {
        match value {
            None | Some(serde_json::Value::Null) => serde_json::Map::new(),
            Some(serde_json::Value::Object(map)) => {
                let size = serde_json::to_string(&map)
                    .map(|s| s.len())
                    .unwrap_or(usize::MAX);
                if size > limits::CUSTOM_BYTES {
                    self.fail(
                        field,
                        "too_long",
                        format!(
                            "must serialize to at most {} bytes (got {size})",
                            limits::CUSTOM_BYTES
                        ),
                    );
                    serde_json::Map::new()
                } else {
                    map
                }
            }
            Some(_) => {
                self.fail(field, "invalid", "must be a JSON object");
                serde_json::Map::new()
            }
        }
    }

    /// An opaque identifier handed out by this server.
    pub fn optional_id(&mut self, field: &str, value: Option<String>) -> Option<String> {
        let v = value?;
        if v.is_empty()
            || v.len() > limits::ID
            || !v
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            self.fail(field, "invalid", "is not a valid identifier");
            return None;
        }
        Some(v)
    }

    /// A range of whole days asked as `from` and `to` (both included, dates
    /// like `2026-12-06`): each must parse, `to` must not come before
    /// `from`, and the range must hold fewer than `most_days` days after
    /// `from` (`what` names the thing in the message: "a report"). `None`
    /// when either is wrong; the reasons are noted here.
    pub fn day_range(
        &mut self,
        from: &str,
        to: &str,
        most_days: i64,
        what: &str,
    ) -> Option<(jiff::civil::Date, jiff::civil::Date)> {
        let mut day = |field: &str, v: &str| match v.parse::<jiff::civil::Date>() {
            Ok(d) => Some(d),
            Err(_) => {
                self.fail(field, "invalid", "must be a date like 2026-12-06");
                None
            }
        };
        // Both checked, so that two bad dates are both named.
        let (f, t) = (day("from", from), day("to", to));
        let (f, t) = (f?, t?);
        let span = i64::from((t - f).get_days());
        if span < 0 {
            self.fail("to", "order", "must not be before from");
            return None;
        }
        if span >= most_days {
            // A rule between two fields: "inconsistent".
            self.fail(
                "to",
                "inconsistent",
                format!("{what} spans at most {most_days} days"),
            );
            return None;
        }
        Some((f, t))
    }

    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, Invalid> {
        if self.errors.is_empty() {
            Ok(value())
        } else {
            Err(Invalid(self.errors))
        }
    }
}

/// Folds text for searching: lower case, accents removed, so that "garcia"
/// finds "García" and "EMILIE" finds "Émilie". Letters that are not a base
/// letter plus marks (ß, ø, æ…) are kept as they are.
pub fn search_fold(s: &str) -> String {
    use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .collect::<String>()
        .to_lowercase()
}

/// Deliberately simple: one `@`, something before it, a dotted domain after,
/// no spaces. Deliverability is proven by sending, not by a regex.
pub fn is_plausible_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
}

/// Longest phone number, time zone name and language tag taken as typed.
pub const PHONE_MAX: usize = 40;
pub const TIME_ZONE_MAX: usize = 64;
pub const LOCALE_MAX: usize = 35;

/// What an international phone number looks like before the numbering plan
/// is asked: `+`, a digit, then digits, blanks and the usual separators.
pub const PHONE_SHAPE: &str = r"^\+[1-9][0-9 ().-]{3,38}$";

fn phone_shape() -> &'static regex::Regex {
    static SHAPE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    SHAPE.get_or_init(|| regex::Regex::new(PHONE_SHAPE).expect("valid pattern"))
}

/// Parses an international phone number and formats it as E.164.
pub fn parse_phone(s: &str) -> Option<String> {
    let n = phonenumber::parse(None, s).ok()?;
    if !phonenumber::is_valid(&n) {
        return None;
    }
    Some(n.format().mode(phonenumber::Mode::E164).to_string())
}

/// `fr-ca` → `fr-CA`; `None` when it does not look like a language tag.
pub fn normalize_locale(s: &str) -> Option<String> {
    let mut parts = s.split(['-', '_']);
    let lang = parts.next()?;
    if !(2..=3).contains(&lang.len()) || !lang.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let mut out = lang.to_ascii_lowercase();
    for p in parts {
        if !(2..=8).contains(&p.len()) || !p.chars().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        out.push('-');
        if p.len() == 2 && p.chars().all(|c| c.is_ascii_alphabetic()) {
            out.push_str(&p.to_ascii_uppercase());
        } else if p.len() == 4 {
            let mut c = p.chars();
            out.extend(c.next().map(|c| c.to_ascii_uppercase()));
            out.push_str(&c.as_str().to_ascii_lowercase());
        } else {
            out.push_str(p);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_range_is_two_dates_in_order_and_not_too_long() {
        let mut c = Check::new();
        let d = |s: &str| s.parse::<jiff::civil::Date>().unwrap();
        assert_eq!(
            c.day_range("2026-12-01", "2026-12-01", 2, "a report"),
            Some((d("2026-12-01"), d("2026-12-01")))
        );
        assert_eq!(
            c.day_range("2026-12-01", "2026-12-02", 2, "a report"),
            Some((d("2026-12-01"), d("2026-12-02")))
        );
        assert!(c.is_ok());
        let fields = |from: &str, to: &str| {
            let mut c = Check::new();
            assert_eq!(c.day_range(from, to, 2, "a report"), None);
            let err = c.finish(|| ()).unwrap_err();
            err.0
                .iter()
                .map(|e| format!("{}:{}:{}", e.field, e.code, e.message))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            fields("2026-12-01", "2026-12-03"),
            ["to:inconsistent:a report spans at most 2 days"]
        );
        assert_eq!(
            fields("2026-12-02", "2026-12-01"),
            ["to:order:must not be before from"]
        );
        assert_eq!(
            fields("yesterday", "2026-13-01"),
            [
                "from:invalid:must be a date like 2026-12-06",
                "to:invalid:must be a date like 2026-12-06"
            ]
        );
    }

    #[test]
    fn collects_every_error() {
        let mut c = Check::new();
        c.required_text("a", None, 5);
        c.optional_text("b", Some("toolong".into()), 3);
        c.optional_email("c", Some("nope".into()));
        let err = c.finish(|| ()).unwrap_err();
        let fields: Vec<_> = err
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            fields,
            vec![("a", "required"), ("b", "too_long"), ("c", "invalid")]
        );
    }

    #[test]
    fn blank_is_absent_and_text_is_trimmed() {
        let mut c = Check::new();
        assert_eq!(c.optional_text("a", Some("   ".into()), 5), None);
        assert_eq!(
            c.optional_text("a", Some(" ab ".into()), 5),
            Some("ab".into())
        );
        assert!(c.is_ok());
    }

    #[test]
    fn control_characters_are_refused_but_newlines_allowed_in_multiline() {
        let mut c = Check::new();
        assert_eq!(
            c.optional_multiline("body", Some("a\nb".into()), 10),
            Some("a\nb".into())
        );
        assert!(c.is_ok());
        assert_eq!(c.optional_text("name", Some("a\u{0}b".into()), 10), None);
        assert!(!c.is_ok());
    }

    #[test]
    fn phones_become_e164() {
        assert_eq!(
            parse_phone("+33 1 23 45 67 89").as_deref(),
            Some("+33123456789")
        );
        assert_eq!(
            parse_phone("+1 (415) 555-2671").as_deref(),
            Some("+14155552671")
        );
        assert_eq!(parse_phone("0123456789"), None);
        assert_eq!(parse_phone("+999 1"), None);
    }

    #[test]
    fn search_folds_case_and_accents() {
        assert_eq!(
            search_fold("García ÉMILIE Lefèvre"),
            "garcia emilie lefevre"
        );
        assert_eq!(search_fold("東京"), "東京");
    }

    #[test]
    fn emails() {
        assert!(is_plausible_email("ann@example.com"));
        assert!(!is_plausible_email("ann@example"));
        assert!(!is_plausible_email("a b@example.com"));
        assert!(!is_plausible_email("<script>@x.com"));
    }

    #[test]
    fn locales_and_zones() {
        assert_eq!(normalize_locale("fr-ca").as_deref(), Some("fr-CA"));
        assert_eq!(normalize_locale("es").as_deref(), Some("es"));
        assert_eq!(
            normalize_locale("zh_hant_tw").as_deref(),
            Some("zh-Hant-TW")
        );
        assert_eq!(normalize_locale("english"), None);
        let mut c = Check::new();
        assert!(c
            .optional_time_zone("tz", Some("Europe/Paris".into()))
            .is_some());
        assert!(c
            .optional_time_zone("tz", Some("Mars/Olympus".into()))
            .is_none());
    }

    #[test]
    fn custom_attributes_must_be_a_small_object() {
        let mut c = Check::new();
        assert!(c
            .custom_attributes("custom", Some(serde_json::json!({"plan": "gold"})))
            .contains_key("plan"));
        assert!(c.is_ok());
        c.custom_attributes("custom", Some(serde_json::json!([1, 2])));
        let big = "x".repeat(limits::CUSTOM_BYTES);
        c.custom_attributes("custom", Some(serde_json::json!({ "k": big })));
        assert_eq!(c.finish(|| ()).unwrap_err().0.len(), 2);
    }
}
