//! Proactive chat: rules that invite a website visitor to chat.
//!
//! An admin keeps an ordered list of rules per widget ([`ProactiveRuleSpec`],
//! the wire form). [`parse_rules`] validates the list into [`ProactiveRule`]s
//! with their URL pattern, time zone and dates compiled. For a visitor's
//! page, [`pick`] names the rule to invite with, or [`matching`] every rule
//! that would do, best first, so that the caller can skip a rule whose queue
//! has no agent available (that needs IO, so it is the caller's check).
//!
//! A rule applies when it is enabled and all of these hold:
//!
//! - **target**: the kind of customer (`all`, `new`, `returning`,
//!   `authenticated`), and optionally the contact's category (compared
//!   without regard to case) and one custom attribute of the contact
//!   (`key` equal to `value`; numbers and booleans compare by their JSON
//!   text, so `{"key":"vip","value":"true"}` matches `"vip": true`). A
//!   category or attribute condition never matches a visitor who is not a
//!   known contact.
//! - **window**: the local date and time in the window's time zone is on one
//!   of its weekdays (any day if none), in one of its ranges (any time if
//!   none; `from` included, `to` excluded, `24:00` allowed as `to` for the end
//!   of the day) and between its dates (both included). Ranges are local
//!   clock times, so a 09:00–17:00 window opens at 09:00 local time on both
//!   sides of a daylight saving change; a range over a skipped hour is
//!   simply shorter that day, a range over a repeated hour longer.
//! - **location**: the page URL matches the pattern (see [`UrlMatch`]), and
//!   the visitor's country is the rule's, if it names one.
//! - **pages**: at least `pages_in_session` pages were visited in the
//!   session, if set.
//! - **time on page**: at least `time_on_page_seconds` spent on the page,
//!   checked only once known (when the invitation fires, not at page load).
//! - **frequency**: once per `session`, at most once per `days` days, or
//!   `always`.
//!
//! Among the rules that apply the one with the lowest `priority` number
//! wins; rules of equal priority keep their order in the list. An invitation
//! stays up for [`INVITATION_SECONDS`].

use std::collections::{BTreeMap, HashSet};

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::client::LANGUAGES;
use crate::validation::{limits, Check, Invalid};

/// How long an invitation stays up before it closes itself; not
/// configurable, per the product.
pub const INVITATION_SECONDS: u32 = 60;
/// At most this many rules per widget.
pub const MAX_RULES: usize = 50;
/// A rule's name, in characters.
pub const NAME_MAX: usize = 200;
/// A trigger message, in characters.
pub const MESSAGE_MAX: usize = 500;
/// A URL pattern, in characters.
pub const URL_PATTERN_MAX: usize = 2000;
/// The longest `time_on_page_seconds`.
pub const TIME_ON_PAGE_MAX: u32 = 3600;
/// The largest `pages_in_session`.
pub const PAGES_MAX: u32 = 1000;
/// The longest `days` of a frequency cap.
pub const DAYS_MAX: u32 = 365;
/// At most this many time ranges in a window.
pub const RANGES_MAX: usize = 20;
/// The compiled size a regular expression may take, in bytes.
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;

fn yes() -> bool {
    true
}

// ---------------------------------------------------------------- wire form

/// One proactive rule as an admin sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProactiveRuleSpec {
    /// Kept if given (letters, digits, `-`, `_`); assigned by the server
    /// otherwise.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::RecordId>))]
    pub id: Option<String>,
    /// 1 to 200 characters.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::ShortText))]
    pub name: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Lower numbers are tried first; equal priorities keep the list order.
    #[serde(default)]
    pub priority: i32,
    #[serde(default)]
    pub target: TargetSpec,
    /// When the rule may invite; absent means at any time.
    #[serde(default)]
    pub window: Option<WindowSpec>,
    pub location: LocationSpec,
    /// Seconds on the page before the invitation shows, 0 to 3600.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(maximum = 3600))]
    pub time_on_page_seconds: u32,
    /// At least this many pages visited in the session (1 to 1000).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1000))]
    pub pages_in_session: Option<u32>,
    /// Trigger message per language (`en`, `fr`, `es`), 1 to 500
    /// characters; must include the widget's default language.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::InvitationMessages))]
    pub messages: BTreeMap<String, String>,
    /// Invite only when an agent of the queue is available.
    #[serde(default)]
    pub only_when_agent_available: bool,
    /// How often one visitor may be invited by this rule.
    #[serde(default)]
    pub frequency: FrequencySpec,
    /// The queue whose agents count for availability and that receives the
    /// chat; absent means the widget's own routing.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::RecordId>))]
    pub queue_id: Option<String>,
}

/// Which visitors a rule is for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    #[serde(default)]
    pub customers: CustomerTarget,
    /// The contact's category, compared without regard to case.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::NameOrBlank>))]
    pub contact_category: Option<String>,
    /// One custom attribute of the contact.
    #[serde(default)]
    pub contact_attribute: Option<AttributeMatch>,
}

/// The kind of visitor a rule is for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CustomerTarget {
    #[default]
    All,
    /// Not seen in an earlier session.
    New,
    /// Seen in an earlier session.
    Returning,
    /// Proven by the host site's signed token.
    Authenticated,
}

/// A contact's custom attribute `key` whose value is `value` (numbers and
/// booleans compare by their JSON text: `42`, `true`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AttributeMatch {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::Name))]
    pub key: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::ShortText))]
    pub value: String,
}

/// When a rule may invite, in local time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WindowSpec {
    /// IANA time zone, e.g. `Europe/Paris`.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::TimeZoneName))]
    pub time_zone: String,
    /// `mon` … `sun`; empty means every day.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>, pattern = "^(mon|tue|wed|thu|fri|sat|sun)$"))]
    pub weekdays: Vec<String>,
    /// Local time ranges; empty means all day.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 20))]
    pub ranges: Vec<TimeRangeSpec>,
    /// First day, `YYYY-MM-DD`, included.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::Date>))]
    pub start_date: Option<String>,
    /// Last day, `YYYY-MM-DD`, included (not before `start_date`: code
    /// `order`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api_schema::Date>))]
    pub end_date: Option<String>,
}

/// `HH:MM` to `HH:MM`, local time, `from` before `to`; `to` is excluded and
/// may be `24:00`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TimeRangeSpec {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::TimeOfDay))]
    pub from: String,
    /// After `from` (code `order`), or `24:00`.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$")
    )]
    pub to: String,
}

/// Where the visitor must be.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LocationSpec {
    pub url: UrlPatternSpec,
    /// ISO 3166-1 alpha-2 code, any case, e.g. `FR`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z]{2}$"))]
    pub country: Option<String>,
}

/// A pattern the page URL must match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UrlPatternSpec {
    #[serde(rename = "match")]
    pub kind: UrlMatch,
    /// 1 to 2000 characters. For `regex`, a pattern the `regex` crate
    /// cannot compile is refused with code `unusable`.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::UrlPattern))]
    pub value: String,
}

/// How a URL pattern is compared with the page URL. Every kind is case
/// sensitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UrlMatch {
    /// The whole URL is the value.
    Equals,
    /// The URL begins with the value.
    StartsWith,
    /// The value appears anywhere in the URL.
    Contains,
    /// The whole URL matches the value, where `*` stands for any run of
    /// characters (none included) and `?` for exactly one.
    Wildcard,
    /// The regular expression (Rust `regex` syntax) matches somewhere in the
    /// URL: it is not anchored, so use `^…$` to match the whole URL.
    Regex,
}

/// How often one visitor may be invited by one rule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "per", rename_all = "snake_case", deny_unknown_fields)]
pub enum FrequencySpec {
    /// At most once per browsing session.
    #[default]
    Session,
    /// Not again within `days` days (1 to 365) of the last invitation.
    Days {
        #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 365))]
        days: u32,
    },
    /// Whenever the rule applies.
    Always,
}

// ----------------------------------------------------------- validated form

/// A validated rule, with what it needs compiled.
#[derive(Debug, Clone)]
pub struct ProactiveRule {
    pub id: String,
    /// The rule as sent, normalised: `id` filled in, texts trimmed, country
    /// in upper case. Serialize this to store or show the rule.
    pub spec: ProactiveRuleSpec,
    url: UrlMatcher,
    window: Option<Window>,
}

#[derive(Debug, Clone)]
enum UrlMatcher {
    Equals(String),
    StartsWith(String),
    Contains(String),
    Wildcard(Vec<char>),
    Regex(regex::Regex),
}

#[derive(Debug, Clone)]
struct Window {
    time_zone: TimeZone,
    /// Empty means every day.
    weekdays: Vec<Weekday>,
    /// Seconds since local midnight, `[from, to)`; empty means all day.
    ranges: Vec<(u32, u32)>,
    start: Option<Date>,
    end: Option<Date>,
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

impl ProactiveRule {
    /// Validates one rule; field names in errors are prefixed, e.g. prefix
    /// `rules[2]` gives `rules[2].location.url.value`. `None` when anything
    /// is wrong, every problem then being in `check`.
    pub fn parse(
        spec: ProactiveRuleSpec,
        id: String,
        default_language: &str,
        prefix: &str,
        check: &mut Check,
    ) -> Option<ProactiveRule> {
        let mut c = Check::new();
        let f = |name: &str| join(prefix, name);
        let mut spec = spec;

        let id = c.optional_id(&f("id"), Some(id));
        let name = c.required_text(&f("name"), Some(spec.name.clone()), NAME_MAX);

        // Target.
        let target = &mut spec.target;
        target.contact_category = c.optional_text(
            &f("target.contact_category"),
            target.contact_category.take(),
            limits::NAME,
        );
        if let Some(a) = &mut target.contact_attribute {
            let key = c.required_text(
                &f("target.contact_attribute.key"),
                Some(a.key.clone()),
                limits::NAME,
            );
            let value = c.required_text(
                &f("target.contact_attribute.value"),
                Some(a.value.clone()),
                limits::SHORT_TEXT,
            );
            if let (Some(key), Some(value)) = (key, value) {
                (a.key, a.value) = (key, value);
            }
        }

        // Window.
        let window = spec
            .window
            .as_mut()
            .and_then(|w| parse_window(w, &f("window"), &mut c));

        // Location.
        let url = parse_url(&spec.location.url, &f("location.url"), &mut c);
        if let Some(country) = &spec.location.country {
            let t = country.trim();
            if t.len() == 2 && t.chars().all(|ch| ch.is_ascii_alphabetic()) {
                spec.location.country = Some(t.to_ascii_uppercase());
            } else {
                c.fail(
                    &f("location.country"),
                    "invalid",
                    "must be a two-letter country code like FR",
                );
            }
        }

        // Behaviour.
        if spec.time_on_page_seconds > TIME_ON_PAGE_MAX {
            c.fail(
                &f("time_on_page_seconds"),
                "out_of_range",
                format!("must be between 0 and {TIME_ON_PAGE_MAX}"),
            );
        }
        if let Some(p) = spec.pages_in_session {
            if !(1..=PAGES_MAX).contains(&p) {
                c.fail(
                    &f("pages_in_session"),
                    "out_of_range",
                    format!("must be between 1 and {PAGES_MAX}"),
                );
            }
        }
        if let FrequencySpec::Days { days } = spec.frequency {
            if !(1..=DAYS_MAX).contains(&days) {
                c.fail(
                    &f("frequency.days"),
                    "out_of_range",
                    format!("must be between 1 and {DAYS_MAX}"),
                );
            }
        }
        spec.queue_id = c.optional_id(&f("queue_id"), spec.queue_id.take());

        // Messages.
        if !spec.messages.contains_key(default_language) {
            c.fail(
                &f("messages"),
                "incomplete",
                format!("must include a message in the default language ({default_language})"),
            );
        }
        let mut messages = BTreeMap::new();
        for (lang, text) in std::mem::take(&mut spec.messages) {
            let field = f(&format!("messages.{lang}"));
            if !LANGUAGES.contains(&lang.as_str()) {
                c.fail(&field, "invalid", "language must be en, fr or es");
            } else if let Some(t) = c.required_text(&field, Some(text), MESSAGE_MAX) {
                messages.insert(lang, t);
            }
        }
        spec.messages = messages;

        let outcome = c.finish(|| ());
        match (outcome, id, name, url) {
            (Ok(()), Some(id), Some(name), Some(url)) => {
                spec.id = Some(id.clone());
                spec.name = name;
                Some(ProactiveRule {
                    id,
                    spec,
                    url,
                    window,
                })
            }
            (Err(Invalid(errors)), ..) => {
                for e in errors {
                    check.fail(&e.field, &e.code, e.message);
                }
                None
            }
            // Every None above came with an error; kept for safety.
            _ => None,
        }
    }

    /// The trigger message in `language` (its primary subtag: `fr-CA` gives
    /// `fr`), else in `default_language`, else in any language.
    pub fn message(&self, language: &str, default_language: &str) -> &str {
        let primary = language
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let m = &self.spec.messages;
        m.get(&primary)
            .or_else(|| m.get(default_language))
            .or_else(|| m.values().next())
            .map(String::as_str)
            .unwrap_or("")
    }

    /// Whether the page URL matches the rule's pattern.
    pub fn url_matches(&self, url: &str) -> bool {
        match &self.url {
            UrlMatcher::Equals(v) => url == v,
            UrlMatcher::StartsWith(v) => url.starts_with(v.as_str()),
            UrlMatcher::Contains(v) => url.contains(v.as_str()),
            UrlMatcher::Wildcard(p) => wildcard_matches(p, url),
            UrlMatcher::Regex(r) => r.is_match(url),
        }
    }

    /// Whether `now` is inside the rule's window (always, without one).
    pub fn window_open(&self, now: Timestamp) -> bool {
        let Some(w) = &self.window else {
            return true;
        };
        let local = now.to_zoned(w.time_zone.clone());
        let date = local.date();
        if w.start.is_some_and(|s| date < s) || w.end.is_some_and(|e| date > e) {
            return false;
        }
        if !w.weekdays.is_empty() && !w.weekdays.contains(&local.weekday()) {
            return false;
        }
        let t = local.time();
        let secs = t.hour() as u32 * 3600 + t.minute() as u32 * 60 + t.second() as u32;
        w.ranges.is_empty() || w.ranges.iter().any(|&(from, to)| from <= secs && secs < to)
    }

    /// Whether the rule applies to this visitor now, agent availability
    /// aside: enabled, and target, window, location, pages, time on page
    /// (when known) and frequency all allow it.
    pub fn matches(&self, facts: &VisitorFacts, history: InviteHistory) -> bool {
        Condition::ALL
            .iter()
            .all(|&c| self.condition_holds(c, facts, history))
    }

    /// The conditions that keep the rule from applying, in
    /// [`Condition::ALL`]'s order (empty: it [`matches`](Self::matches)).
    pub fn failed_conditions(
        &self,
        facts: &VisitorFacts,
        history: InviteHistory,
    ) -> Vec<Condition> {
        Condition::ALL
            .iter()
            .copied()
            .filter(|&c| !self.condition_holds(c, facts, history))
            .collect()
    }

    /// One condition of [`matches`](Self::matches).
    pub fn condition_holds(
        &self,
        condition: Condition,
        facts: &VisitorFacts,
        history: InviteHistory,
    ) -> bool {
        let s = &self.spec;
        let t = &s.target;
        match condition {
            Condition::Enabled => s.enabled,
            Condition::Customers => match t.customers {
                CustomerTarget::All => true,
                CustomerTarget::New => !facts.returning,
                CustomerTarget::Returning => facts.returning,
                CustomerTarget::Authenticated => facts.authenticated,
            },
            Condition::ContactCategory => t.contact_category.as_deref().is_none_or(|want| {
                facts
                    .contact_category
                    .is_some_and(|got| got.trim().to_lowercase() == want.to_lowercase())
            }),
            Condition::ContactAttribute => t.contact_attribute.as_ref().is_none_or(|a| match facts
                .contact_attributes
                .and_then(|m| m.get(&a.key))
            {
                Some(serde_json::Value::String(s)) => *s == a.value,
                Some(serde_json::Value::Number(n)) => n.to_string() == a.value,
                Some(serde_json::Value::Bool(b)) => b.to_string() == a.value,
                _ => false,
            }),
            Condition::Url => self.url_matches(facts.url),
            Condition::Country => s.location.country.as_deref().is_none_or(|want| {
                facts
                    .country
                    .is_some_and(|got| got.trim().eq_ignore_ascii_case(want))
            }),
            Condition::PagesInSession => s
                .pages_in_session
                .is_none_or(|n| facts.pages_in_session >= n),
            Condition::TimeOnPage => facts
                .seconds_on_page
                .is_none_or(|secs| secs >= s.time_on_page_seconds),
            Condition::Frequency => frequency_allows(s.frequency, history, facts.now),
            Condition::Window => self.window_open(facts.now),
        }
    }
}

/// One of the conditions a rule needs to invite (see the module's list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// The rule is switched on.
    Enabled,
    /// `target.customers`: new, returning, authenticated or all.
    Customers,
    /// `target.contact_category`.
    ContactCategory,
    /// `target.contact_attribute`.
    ContactAttribute,
    /// `location.url`.
    Url,
    /// `location.country`.
    Country,
    /// `pages_in_session`.
    PagesInSession,
    /// `time_on_page_seconds`.
    TimeOnPage,
    /// `frequency`, against earlier invitations.
    Frequency,
    /// `window`: weekdays, ranges and dates in its time zone.
    Window,
}

impl Condition {
    /// Every condition, in the order they are checked.
    pub const ALL: &'static [Condition] = &[
        Condition::Enabled,
        Condition::Customers,
        Condition::ContactCategory,
        Condition::ContactAttribute,
        Condition::Url,
        Condition::Country,
        Condition::PagesInSession,
        Condition::TimeOnPage,
        Condition::Frequency,
        Condition::Window,
    ];
}

fn frequency_allows(f: FrequencySpec, h: InviteHistory, now: Timestamp) -> bool {
    match f {
        FrequencySpec::Session => !h.in_this_session,
        FrequencySpec::Days { days } => h.last_invited_at.is_none_or(|last| {
            now.as_second().saturating_sub(last.as_second()) >= i64::from(days) * 86_400
        }),
        FrequencySpec::Always => true,
    }
}

fn parse_url(p: &UrlPatternSpec, field: &str, c: &mut Check) -> Option<UrlMatcher> {
    let vfield = format!("{field}.value");
    let v = &p.value;
    let len = v.chars().count();
    if v.trim().is_empty() {
        c.fail(&vfield, "required", "is required");
        return None;
    }
    if len > URL_PATTERN_MAX {
        c.fail(
            &vfield,
            "too_long",
            format!("must be at most {URL_PATTERN_MAX} characters (got {len})"),
        );
        return None;
    }
    if v.chars().any(char::is_control) {
        c.fail(&vfield, "invalid", "must not contain control characters");
        return None;
    }
    Some(match p.kind {
        UrlMatch::Equals => UrlMatcher::Equals(v.clone()),
        UrlMatch::StartsWith => UrlMatcher::StartsWith(v.clone()),
        UrlMatch::Contains => UrlMatcher::Contains(v.clone()),
        UrlMatch::Wildcard => UrlMatcher::Wildcard(v.chars().collect()),
        UrlMatch::Regex => match regex::RegexBuilder::new(v)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
        {
            Ok(r) => UrlMatcher::Regex(r),
            Err(e) => {
                let why = match &e {
                    regex::Error::CompiledTooBig(_) => "it is too large".to_owned(),
                    // The syntax error's last line says what is wrong.
                    _ => e
                        .to_string()
                        .lines()
                        .map(str::trim)
                        .rfind(|l| !l.is_empty())
                        .unwrap_or("syntax error")
                        .trim_start_matches("error: ")
                        .to_owned(),
                };
                c.fail(
                    &vfield,
                    "unusable",
                    format!("is not a valid regular expression: {why}"),
                );
                return None;
            }
        },
    })
}

/// `*` is any run of characters (none included), `?` exactly one; the whole
/// text must match. Linear backtracking on the last `*`: O(pattern × text)
/// at worst.
fn wildcard_matches(pattern: &[char], text: &str) -> bool {
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&ch| ch == '*')
}

fn parse_window(w: &mut WindowSpec, field: &str, c: &mut Check) -> Option<Window> {
    let f = |name: &str| join(field, name);
    let mut ok = true;
    w.time_zone = w.time_zone.trim().to_owned();
    let time_zone = match TimeZone::get(&w.time_zone) {
        Ok(tz) => Some(tz),
        Err(_) => {
            c.fail(
                &f("time_zone"),
                "invalid",
                "must be an IANA time zone like Europe/Paris",
            );
            None
        }
    };

    let mut weekdays = Vec::new();
    for (i, d) in w.weekdays.iter_mut().enumerate() {
        *d = d.trim().to_ascii_lowercase();
        match parse_weekday(d) {
            Some(day) if !weekdays.contains(&day) => weekdays.push(day),
            Some(_) => {}
            None => {
                ok = false;
                c.fail(
                    &f(&format!("weekdays[{i}]")),
                    "invalid",
                    "must be one of mon, tue, wed, thu, fri, sat, sun",
                );
            }
        }
    }

    let mut ranges = Vec::new();
    if w.ranges.len() > RANGES_MAX {
        ok = false;
        c.fail(
            &f("ranges"),
            "too_long",
            format!("must have at most {RANGES_MAX} ranges"),
        );
    }
    for (i, r) in w.ranges.iter_mut().enumerate() {
        r.from = r.from.trim().to_owned();
        r.to = r.to.trim().to_owned();
        let from = parse_hh_mm(&r.from, false);
        let to = parse_hh_mm(&r.to, true);
        if from.is_none() {
            c.fail(
                &f(&format!("ranges[{i}].from")),
                "invalid",
                "must be a time HH:MM, like 09:00",
            );
        }
        if to.is_none() {
            c.fail(
                &f(&format!("ranges[{i}].to")),
                "invalid",
                "must be a time HH:MM, like 17:30 (24:00 for midnight)",
            );
        }
        match (from, to) {
            (Some(a), Some(b)) if a < b => ranges.push((a, b)),
            (Some(_), Some(_)) => {
                ok = false;
                c.fail(
                    &f(&format!("ranges[{i}]")),
                    "order",
                    "from must be before to",
                );
            }
            _ => ok = false,
        }
    }

    let mut date = |value: &mut Option<String>, name: &str| -> Option<Option<Date>> {
        let Some(text) = value else {
            return Some(None);
        };
        *text = text.trim().to_owned();
        let parsed = (text.len() == 10)
            .then(|| text.parse::<Date>().ok())
            .flatten();
        if parsed.is_none() {
            c.fail(&f(name), "invalid", "must be a date YYYY-MM-DD");
        }
        parsed.map(Some)
    };
    let start = date(&mut w.start_date, "start_date");
    let end = date(&mut w.end_date, "end_date");
    if let (Some(Some(s)), Some(Some(e))) = (start, end) {
        if s > e {
            ok = false;
            c.fail(&f("end_date"), "order", "must not be before start_date");
        }
    }

    match (ok, time_zone, start, end) {
        (true, Some(time_zone), Some(start), Some(end)) => Some(Window {
            time_zone,
            weekdays,
            ranges,
            start,
            end,
        }),
        _ => None,
    }
}

fn parse_weekday(s: &str) -> Option<Weekday> {
    Some(match s {
        "mon" => Weekday::Monday,
        "tue" => Weekday::Tuesday,
        "wed" => Weekday::Wednesday,
        "thu" => Weekday::Thursday,
        "fri" => Weekday::Friday,
        "sat" => Weekday::Saturday,
        "sun" => Weekday::Sunday,
        _ => return None,
    })
}

/// `HH:MM` → seconds since midnight; `24:00` only when `end`.
fn parse_hh_mm(s: &str, end: bool) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 || !(h.chars().chain(m.chars())).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) if end => Some(24 * 3600),
        (0..=23, 0..=59) => Some(h * 3600 + m * 60),
        _ => None,
    }
}

/// Validates an admin's ordered list of rules: at most 50, ids unique.
/// Rules without an id get `new_id()`. Errors are named `rules[i].field`.
pub fn parse_rules(
    specs: Vec<ProactiveRuleSpec>,
    default_language: &str,
    mut new_id: impl FnMut() -> String,
) -> Result<Vec<ProactiveRule>, Invalid> {
    if specs.len() > MAX_RULES {
        return Err(Invalid::one(
            "rules",
            "too_long",
            format!("must have at most {MAX_RULES} rules (got {})", specs.len()),
        ));
    }
    let mut c = Check::new();
    let mut seen = HashSet::new();
    let mut rules = Vec::with_capacity(specs.len());
    for (i, spec) in specs.into_iter().enumerate() {
        let prefix = format!("rules[{i}]");
        let id = spec.id.clone().unwrap_or_else(&mut new_id);
        if !seen.insert(id.clone()) {
            c.fail(
                &format!("{prefix}.id"),
                "duplicate",
                "another rule has this id",
            );
        }
        if let Some(rule) = ProactiveRule::parse(spec, id, default_language, &prefix, &mut c) {
            rules.push(rule);
        }
    }
    c.finish(|| rules)
}

// ----------------------------------------------------------------- choosing

/// What is known of a visitor when choosing a rule.
#[derive(Debug, Clone, Copy)]
pub struct VisitorFacts<'a> {
    pub now: Timestamp,
    /// Seen in an earlier session.
    pub returning: bool,
    pub authenticated: bool,
    /// The known contact's category; `None` without a contact.
    pub contact_category: Option<&'a str>,
    /// The known contact's custom attributes; `None` without a contact.
    pub contact_attributes: Option<&'a serde_json::Map<String, serde_json::Value>>,
    pub url: &'a str,
    /// ISO 3166-1 alpha-2, any case.
    pub country: Option<&'a str>,
    pub pages_in_session: u32,
    /// None when asking for a candidate at page load (time on page not yet
    /// known); Some(s) at fire time.
    pub seconds_on_page: Option<u32>,
}

/// This visitor's earlier invitations by one rule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InviteHistory {
    pub in_this_session: bool,
    pub last_invited_at: Option<Timestamp>,
}

/// The rule to invite with: of the enabled rules whose target, window,
/// location, pages, frequency (and time on page when given) all match, the
/// one with the lowest priority number, the first in the list among equals.
/// Agent availability is checked by the caller (IO). `history` is asked
/// with a rule's id.
pub fn pick<'r>(
    rules: &'r [ProactiveRule],
    facts: &VisitorFacts,
    history: impl Fn(&str) -> InviteHistory,
) -> Option<&'r ProactiveRule> {
    by_priority(rules)
        .into_iter()
        .find(|r| r.matches(facts, history(&r.id)))
}

/// Every rule that matches (same criteria as [`pick`]), in priority order,
/// so that the caller can skip a rule whose queue has no available agent
/// and try the next.
pub fn matching<'r>(
    rules: &'r [ProactiveRule],
    facts: &VisitorFacts,
    history: impl Fn(&str) -> InviteHistory,
) -> Vec<&'r ProactiveRule> {
    by_priority(rules)
        .into_iter()
        .filter(|r| r.matches(facts, history(&r.id)))
        .collect()
}

fn by_priority(rules: &[ProactiveRule]) -> Vec<&ProactiveRule> {
    let mut v: Vec<&ProactiveRule> = rules.iter().collect();
    // Stable: equal priorities keep the list order.
    v.sort_by_key(|r| r.spec.priority);
    v
}

#[cfg(test)]
mod tests;
