//! Timestamps as Switchboard stores and shows them.
//!
//! Every instant is UTC, written as RFC 3339 with exactly six fractional
//! digits (`2026-11-21T09:12:38.123456Z`). The fixed width makes the text
//! sort in time order on both SQLite and PostgreSQL, so ordering and cursor
//! comparisons need no backend-specific date types.

use jiff::{tz::TimeZone, Timestamp};

/// Formats an instant in the stored form.
pub fn format(ts: Timestamp) -> String {
    let dt = ts.to_zoned(TimeZone::UTC).datetime();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second(),
        dt.subsec_nanosecond() / 1_000
    )
}

/// Parses any RFC 3339 instant (any offset) and checks it is in the range
/// the stored form can represent.
pub fn parse(s: &str) -> Option<Timestamp> {
    let ts: Timestamp = s.parse().ok()?;
    let year = ts.to_zoned(TimeZone::UTC).year();
    (1..=9999).contains(&year).then_some(ts)
}

/// Whole seconds from a stored time to now (0 when unreadable).
pub fn seconds_since(stored: &str) -> i64 {
    parse(stored)
        .map(|t| Timestamp::now().as_second() - t.as_second())
        .unwrap_or(0)
}

/// The current instant, in stored form.
pub fn now() -> String {
    format(Timestamp::now())
}

/// Every IANA time zone name this build knows, sorted: the values a
/// `time_zone` field accepts.
pub fn zone_names() -> Vec<String> {
    let mut names: Vec<String> = jiff::tz::db()
        .available()
        .map(|n| n.as_str().to_owned())
        .filter(|n| TimeZone::get(n).is_ok())
        .collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn zones_come_from_the_bundled_database_only() {
        // Built without jiff's zoneinfo and system features: the host's
        // /usr/share/zoneinfo is never read, so answers match everywhere.
        let db = format!("{:?}", jiff::tz::db());
        assert!(db.contains("Bundled"), "{db}");
        assert!(!db.contains("ZoneInfo"), "{db}");
        assert!(zone_names().contains(&"Europe/Paris".to_owned()));
    }

    #[test]
    fn normalizes_offsets_to_utc() {
        let ts = parse("2026-03-29T03:30:00+02:00").unwrap();
        assert_eq!(format(ts), "2026-03-29T01:30:00.000000Z");
    }

    #[test]
    fn refuses_non_rfc3339() {
        assert!(parse("yesterday").is_none());
        assert!(parse("2026-13-01T00:00:00Z").is_none());
    }

    proptest! {
        // The text order of the stored form is the time order.
        #[test]
        fn text_order_is_time_order(a in 0i64..250_000_000_000_000, b in 0i64..250_000_000_000_000) {
            let ta = Timestamp::from_microsecond(a).unwrap();
            let tb = Timestamp::from_microsecond(b).unwrap();
            prop_assert_eq!(format(ta).cmp(&format(tb)), ta.cmp(&tb));
            prop_assert_eq!(parse(&format(ta)), Some(ta));
        }
    }
}
