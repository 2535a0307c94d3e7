//! The outbound dialling policy (issue 13): which numbers Switchboard may
//! call. A number must be a valid E.164 number, start with an allowed
//! prefix (safe default: the organization's own country calling code), not
//! be of a costly or untraceable type (premium rate, shared cost, UAN,
//! personal, VoIP, pager, voicemail), not belong to the international
//! networks (+800, +808, +870, +878, +881, +882, +883, +888, +979), and
//! not have been dialled more than the daily cap. Pure: the caller counts
//! the day's dials.

use phonenumber::metadata::DATABASE;
use phonenumber::Type;

/// Country calling codes of international networks and services, never
/// dialled whatever the allow-list says.
pub const INTERNATIONAL_NETWORKS: &[&str] = &[
    "+800", "+808", "+870", "+878", "+881", "+882", "+883", "+888", "+979",
];

/// Default cap of dials per number per day.
pub const DEFAULT_MAX_PER_DAY: u32 = 5;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialPolicy {
    /// Allowed prefixes, each `+` and digits (`+33`, `+1212`).
    pub allow: Vec<String>,
    /// Dials to one number per UTC day.
    pub max_per_number_per_day: u32,
}

impl Default for DialPolicy {
    /// France: the seed organization's country.
    fn default() -> Self {
        Self::for_country("FR").expect("FR is known")
    }
}

/// Why a number is refused: a short code and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub rule: &'static str,
    pub message: String,
}

impl Refusal {
    fn new(rule: &'static str, message: impl Into<String>) -> Self {
        Self {
            rule,
            message: message.into(),
        }
    }
}

/// The calling code of a country (ISO 3166 alpha-2), as `+NN`.
pub fn calling_code(country: &str) -> Option<String> {
    DATABASE
        .by_id(country.to_ascii_uppercase().as_str())
        .map(|m| format!("+{}", m.country_code()))
}

/// Parses `+33,+1212` into prefixes; each is `+` then 1 to 15 digits.
pub fn parse_prefixes(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for p in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let digits = p.strip_prefix('+').unwrap_or("");
        if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("{p:?} is not a prefix such as +33 or +1212"));
        }
        out.push(p.to_owned());
    }
    if out.is_empty() {
        return Err("at least one prefix such as +33".into());
    }
    Ok(out)
}

impl DialPolicy {
    pub fn for_country(country: &str) -> Option<Self> {
        Some(Self {
            allow: vec![calling_code(country)?],
            max_per_number_per_day: DEFAULT_MAX_PER_DAY,
        })
    }

    /// Checks a number's shape and kind; returns it in E.164.
    pub fn check_number(&self, number: &str) -> Result<String, Refusal> {
        let n = number.trim();
        let digits = n.strip_prefix('+').unwrap_or("");
        // E.164: a country code and at most 15 digits in all.
        if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Refusal::new(
                "invalid",
                "must be an E.164 number such as +33612345678",
            ));
        }
        if let Some(net) = INTERNATIONAL_NETWORKS.iter().find(|p| n.starts_with(**p)) {
            return Err(Refusal::new(
                "international_network",
                format!("numbers of the international network {net} are never dialled"),
            ));
        }
        let parsed = phonenumber::parse(None, n)
            .ok()
            .filter(phonenumber::is_valid)
            .ok_or_else(|| {
                // The right shape, but no number the plan has assigned.
                Refusal::new(
                    "unassigned",
                    "is not a valid E.164 number (such as +33612345678)",
                )
            })?;
        let e164 = parsed.format().mode(phonenumber::Mode::E164).to_string();
        let denied = match parsed.number_type(&DATABASE) {
            Type::PremiumRate => Some("premium rate"),
            Type::SharedCost => Some("shared cost"),
            Type::Uan => Some("universal access"),
            Type::PersonalNumber => Some("personal"),
            Type::Voip => Some("VoIP"),
            Type::Pager => Some("pager"),
            Type::Voicemail => Some("voicemail"),
            Type::Unknown => Some("unknown"),
            _ => None,
        };
        if let Some(kind) = denied {
            return Err(Refusal::new(
                "number_type",
                format!("{kind} numbers are never dialled"),
            ));
        }
        if !self.allow.iter().any(|p| e164.starts_with(p.as_str())) {
            return Err(Refusal::new(
                "not_allowed",
                format!(
                    "only numbers starting with {} are dialled (--dial-allow)",
                    self.allow.join(", ")
                ),
            ));
        }
        Ok(e164)
    }

    /// The whole decision before a dial: `dialled_today` is how many dials
    /// to this number already happened today (UTC).
    pub fn check_dial(&self, number: &str, dialled_today: u32) -> Result<String, Refusal> {
        let e164 = self.check_number(number)?;
        if dialled_today >= self.max_per_number_per_day {
            return Err(Refusal::new(
                "daily_cap",
                format!(
                    "this number was already dialled {dialled_today} time(s) today (at most {} a day)",
                    self.max_per_number_per_day
                ),
            ));
        }
        Ok(e164)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fr() -> DialPolicy {
        DialPolicy::default()
    }

    #[test]
    fn the_organizations_country_is_dialled() {
        assert_eq!(fr().check_number("+33612345678").unwrap(), "+33612345678");
        for n in [
            "+33622222222",
            "+33611111111",
            "+33666666666",
            "+33600000004",
        ] {
            assert!(
                fr().check_number(n).is_ok(),
                "{n}: {:?}",
                fr().check_number(n)
            );
        }
        assert_eq!(fr().check_number("+33142685300").unwrap(), "+33142685300");
    }

    #[test]
    fn premium_and_international_numbers_are_refused() {
        let world = DialPolicy {
            allow: vec!["+".into()],
            max_per_number_per_day: 5,
        };
        assert_eq!(
            world.check_number("+19005550123").unwrap_err().rule,
            "number_type"
        );
        assert_eq!(
            world.check_number("+882345678901").unwrap_err().rule,
            "international_network"
        );
        assert_eq!(
            world.check_number("+979123456789").unwrap_err().rule,
            "international_network"
        );
        assert_eq!(
            world.check_number("+80012345678").unwrap_err().rule,
            "international_network"
        );
        // French premium rate (089x) and shared cost (081x).
        assert_eq!(
            world.check_number("+33899123456").unwrap_err().rule,
            "number_type"
        );
        assert_eq!(
            fr().check_number("+33899123456").unwrap_err().rule,
            "number_type"
        );
        assert_eq!(
            fr().check_number("+19005550123").unwrap_err().rule,
            "number_type"
        );
    }

    #[test]
    fn other_countries_need_the_allow_list() {
        assert_eq!(
            fr().check_number("+447911123456").unwrap_err().rule,
            "not_allowed"
        );
        let p = DialPolicy {
            allow: parse_prefixes("+33, +44").unwrap(),
            max_per_number_per_day: 5,
        };
        assert!(p.check_number("+447911123456").is_ok());
    }

    #[test]
    fn bad_shapes_are_invalid() {
        for n in ["", "33612345678", "+33 6", "+abc", "+3361234567899999"] {
            assert_eq!(fr().check_number(n).unwrap_err().rule, "invalid", "{n}");
        }
        // E.164-shaped (15 digits) but too long for France's plan: refused
        // as a number the plan has not assigned.
        assert_eq!(
            fr().check_number("+336123456789999").unwrap_err().rule,
            "unassigned"
        );
        assert!(parse_prefixes("33").is_err());
        assert!(parse_prefixes("").is_err());
        assert_eq!(calling_code("fr").as_deref(), Some("+33"));
        assert_eq!(calling_code("ZZ"), None);
    }

    #[test]
    fn the_daily_cap_stops_the_next_dial() {
        let p = DialPolicy {
            allow: vec!["+33".into()],
            max_per_number_per_day: 2,
        };
        assert!(p.check_dial("+33612345678", 1).is_ok());
        assert_eq!(
            p.check_dial("+33612345678", 2).unwrap_err().rule,
            "daily_cap"
        );
    }
}
