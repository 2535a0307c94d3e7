//! Operating hours in the queue's own time zone, DST included.

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::Timestamp;

use super::model::Millis;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatingHours {
    pub time_zone: TimeZone,
    /// Open ranges per weekday, local time, `start < end`.
    pub weekly: Vec<(Weekday, Time, Time)>,
    /// Dates the queue is closed all day.
    pub holidays: Vec<Date>,
}

impl OperatingHours {
    pub fn is_open(&self, now: Millis) -> bool {
        let Ok(ts) = Timestamp::from_millisecond(now as i64) else {
            return false;
        };
        let local = ts.to_zoned(self.time_zone.clone());
        if self.holidays.contains(&local.date()) {
            return false;
        }
        let (day, time) = (local.weekday(), local.time());
        self.weekly
            .iter()
            .any(|(d, start, end)| *d == day && *start <= time && time < *end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};

    fn paris_office() -> OperatingHours {
        OperatingHours {
            time_zone: TimeZone::get("Europe/Paris").unwrap(),
            weekly: vec![(Weekday::Monday, time(9, 0, 0, 0), time(17, 0, 0, 0))],
            holidays: vec![date(2026, 11, 2)],
        }
    }

    fn at(s: &str) -> Millis {
        s.parse::<Timestamp>().unwrap().as_millisecond() as Millis
    }

    #[test]
    fn local_hours_follow_daylight_saving() {
        let h = paris_office();
        // Monday 30 March 2026 (summer time, UTC+2): 09:30 local is 07:30 UTC.
        assert!(h.is_open(at("2026-03-30T07:30:00Z")));
        assert!(!h.is_open(at("2026-03-30T06:30:00Z")));
        // Monday 23 March 2026 (winter time, UTC+1): 08:30 UTC is 09:30 local.
        assert!(h.is_open(at("2026-03-23T08:30:00Z")));
        assert!(!h.is_open(at("2026-03-23T07:30:00Z")));
        // Closing time is exclusive; Tuesday is closed; holidays are closed.
        assert!(!h.is_open(at("2026-03-23T16:00:00Z")));
        assert!(!h.is_open(at("2026-03-24T09:30:00Z")));
        assert!(!h.is_open(at("2026-11-02T10:00:00Z")));
    }
}
