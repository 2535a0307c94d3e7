//! Booking meetings with advisors: free slots, and the re-check a booking
//! makes before it is written.
//!
//! An advisor works weekly ranges of local time in one time zone. A slot is
//! offered when an advisor can take the whole meeting inside one of those
//! ranges, outside their time off and their existing meetings. Everything here
//! works on instants ([`Timestamp`]) and reads the advisor's local clock only
//! to place ranges and slot starts, so daylight saving time is handled in one
//! place:
//!
//! - a local start time that does not exist (the hour skipped in spring) is
//!   never offered;
//! - a local start time that happens twice (the hour repeated in autumn) is
//!   offered twice, as two distinct instants;
//! - a meeting's duration is real elapsed time, whatever the clock does.
//!
//! [`free_slots`] keeps exactly the aligned starts for which [`is_free`] holds,
//! so what the slot list offers is what a booking re-check accepts.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::validation::Check;
use crate::Invalid;

/// Slot starts fall on multiples of this many minutes unless the query says
/// otherwise.
pub const DEFAULT_STEP_MINUTES: u32 = 15;
/// At most this many weekly ranges per advisor (three a day).
pub const MAX_RANGES: usize = 21;

/// Local weekly hours of an advisor, in their time zone (the branch's, or
/// their own for online/phone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeeklyHours {
    pub time_zone: TimeZone,
    /// Working ranges `(day, from, to)` of local time, `from < to`. A `to` of
    /// [`Time::MAX`] means the end of the day (`24:00` on the wire). Ranges do
    /// not join across midnight, nor with each other.
    pub ranges: Vec<(Weekday, Time, Time)>,
}

/// A half-open span of time, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub start: Timestamp,
    pub end: Timestamp,
}

impl Interval {
    fn overlaps(&self, start: Timestamp, end: Timestamp) -> bool {
        self.start < end && start < self.end
    }
}

/// What the store knows about one advisor for the window being searched.
#[derive(Debug, Clone)]
pub struct AdvisorAvailability {
    pub advisor_id: String,
    pub hours: WeeklyHours,
    pub time_off: Vec<Interval>,
    /// Existing meetings.
    pub busy: Vec<Interval>,
}

/// A search for free slots.
///
/// Slots are selected by their start: a slot starting in `[from, to)` is
/// returned even if it ends after `to`, so consecutive windows (one per day,
/// say) each show every slot exactly once. The caller bounds the window's
/// length; the work is proportional to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotQuery {
    pub from: Timestamp,
    pub to: Timestamp,
    /// The topic's duration; no slot when not positive.
    pub duration: SignedDuration,
    /// Slots start on multiples of this many minutes past the local hour
    /// (counted from local midnight, which is the same thing when the step
    /// divides 60). 0 means [`DEFAULT_STEP_MINUTES`].
    pub step_minutes: u32,
    /// No slot starting before now + lead time.
    pub not_before: Timestamp,
    /// At most this many slots returned.
    pub limit: usize,
}

/// A free slot and every advisor who can take it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Slot {
    pub start: Timestamp,
    pub end: Timestamp,
    /// Sorted.
    pub advisor_ids: Vec<String>,
}

/// Free slots, in start order, each with every advisor free for the whole
/// slot (sorted ids).
///
/// A slot must lie fully inside one working range of the advisor's local day
/// (ranges do not join across midnight), outside time off and busy
/// intervals. Starts are aligned to `step_minutes` in the advisor's local
/// time. Local times that do not exist (spring forward) produce no slot
/// start; in the repeated hour (fall back) both instants are distinct slots;
/// durations are real elapsed time.
pub fn free_slots(advisors: &[AdvisorAvailability], q: &SlotQuery) -> Vec<Slot> {
    let mut by_start: BTreeMap<Timestamp, BTreeSet<&str>> = BTreeMap::new();
    for advisor in advisors {
        for start in candidate_starts(&advisor.hours, q) {
            if is_free(advisor, start, q.duration) {
                by_start
                    .entry(start)
                    .or_default()
                    .insert(&advisor.advisor_id);
            }
        }
    }
    by_start
        .into_iter()
        .filter_map(|(start, ids)| {
            Some(Slot {
                start,
                end: start.checked_add(q.duration).ok()?,
                advisor_ids: ids.into_iter().map(str::to_owned).collect(),
            })
        })
        .take(q.limit)
        .collect()
}

/// Whether `advisor` can take `[start, start + duration)`: inside one working
/// range of their local day, not in time off or busy. Used to re-check a
/// booking inside the booking transaction.
///
/// The start need not be aligned to any step: staff may book at odd times.
pub fn is_free(advisor: &AdvisorAvailability, start: Timestamp, duration: SignedDuration) -> bool {
    if duration <= SignedDuration::ZERO {
        return false;
    }
    let Ok(end) = start.checked_add(duration) else {
        return false;
    };
    let tz = &advisor.hours.time_zone;
    let local = start.to_zoned(tz.clone());
    let (day, time) = (local.date(), local.time());
    let in_hours = advisor.hours.ranges.iter().any(|&(weekday, from, to)| {
        weekday == day.weekday()
            && from <= time
            && time < to
            && range_end(tz, day, to).is_some_and(|bound| end <= bound)
    });
    in_hours
        && !advisor
            .time_off
            .iter()
            .chain(&advisor.busy)
            .any(|i| i.overlaps(start, end))
}

/// One weekly range in the API's wire form:
/// `{"day": "monday", "from": "09:00", "to": "17:00"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RangeSpec {
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^(monday|tuesday|wednesday|thursday|friday|saturday|sunday)$")
    )]
    pub day: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::TimeOfDay))]
    pub from: String,
    /// `24:00` ends the range at midnight.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$")
    )]
    pub to: String,
}

/// Parses weekly hours from the API's wire form.
///
/// The time zone is an IANA name (errors on `time_zone`); each range has a day
/// of the week, `HH:MM` times with `from < to` (`to` may be `24:00`), and
/// ranges on the same day may touch but not overlap (errors on `hours[i]`,
/// `hours[i].from`…). At most [`MAX_RANGES`] ranges. The result is sorted by
/// day (Monday first), then start.
pub fn parse_hours(time_zone: &str, ranges: &[RangeSpec]) -> Result<WeeklyHours, Invalid> {
    if ranges.len() > MAX_RANGES {
        return Err(Invalid::one(
            "hours",
            "too_long",
            format!(
                "must have at most {MAX_RANGES} ranges (got {})",
                ranges.len()
            ),
        ));
    }
    let mut c = Check::new();
    let tz = match time_zone.trim() {
        "" => {
            c.fail("time_zone", "required", "is required");
            None
        }
        name => {
            let tz = TimeZone::get(name).ok();
            if tz.is_none() {
                c.fail("time_zone", "invalid", TIME_ZONE_MESSAGE);
            }
            tz
        }
    };

    let mut parsed: Vec<(usize, Weekday, Time, Time)> = Vec::with_capacity(ranges.len());
    for (i, spec) in ranges.iter().enumerate() {
        let at = |field: &str| format!("hours[{i}].{field}");
        let day = parse_weekday(&spec.day);
        if day.is_none() {
            c.fail(
                &at("day"),
                "invalid",
                "must be a day of the week like monday",
            );
        }
        let from = parse_hh_mm(&spec.from, false);
        if from.is_none() {
            c.fail(&at("from"), "invalid", "must be a time like 09:00");
        }
        let to = parse_hh_mm(&spec.to, true);
        if to.is_none() {
            c.fail(
                &at("to"),
                "invalid",
                "must be a time like 17:00, or 24:00 for the end of the day",
            );
        }
        let (Some(day), Some(from), Some(to)) = (day, from, to) else {
            continue;
        };
        if from >= to {
            // A rule between two fields: its own code.
            c.fail(&at("to"), "order", "must be after from");
            continue;
        }
        if let Some(&(k, ..)) = parsed
            .iter()
            .find(|&&(_, d, f, t)| d == day && from < t && f < to)
        {
            c.fail(
                &format!("hours[{i}]"),
                "overlap",
                format!("overlaps hours[{k}] on {}", weekday_name(day)),
            );
            continue;
        }
        parsed.push((i, day, from, to));
    }

    let ranges = c.finish(|| {
        let mut ranges: Vec<_> = parsed.into_iter().map(|(_, d, f, t)| (d, f, t)).collect();
        ranges.sort_by_key(|&(d, f, _)| (d.to_monday_zero_offset(), f));
        ranges
    })?;
    // `finish` succeeded, so the time zone was found.
    let time_zone = tz.ok_or_else(|| Invalid::one("time_zone", "invalid", TIME_ZONE_MESSAGE))?;
    Ok(WeeklyHours { time_zone, ranges })
}

impl WeeklyHours {
    /// The ranges in wire form, as [`parse_hours`] reads them.
    pub fn to_specs(&self) -> Vec<RangeSpec> {
        self.ranges
            .iter()
            .map(|&(day, from, to)| RangeSpec {
                day: weekday_name(day).to_owned(),
                from: format_hh_mm(from),
                to: format_hh_mm(to),
            })
            .collect()
    }
}

const TIME_ZONE_MESSAGE: &str = "must be an IANA time zone like Europe/Paris";

const DAYS: [(&str, Weekday); 7] = [
    ("monday", Weekday::Monday),
    ("tuesday", Weekday::Tuesday),
    ("wednesday", Weekday::Wednesday),
    ("thursday", Weekday::Thursday),
    ("friday", Weekday::Friday),
    ("saturday", Weekday::Saturday),
    ("sunday", Weekday::Sunday),
];

fn parse_weekday(s: &str) -> Option<Weekday> {
    let s = s.trim();
    DAYS.iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(s))
        .map(|&(_, day)| day)
}

fn weekday_name(day: Weekday) -> &'static str {
    DAYS[day.to_monday_zero_offset() as usize].0
}

/// Strict `HH:MM`; `24:00` (as [`Time::MAX`]) only when it ends a range.
fn parse_hh_mm(s: &str, end: bool) -> Option<Time> {
    let s = s.trim();
    if end && s == "24:00" {
        return Some(Time::MAX);
    }
    let (h, m) = s.split_once(':')?;
    let digits = |p: &str| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || !digits(m) {
        return None;
    }
    Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()
}

fn format_hh_mm(t: Time) -> String {
    if t == Time::MAX {
        "24:00".to_owned()
    } else {
        format!("{:02}:{:02}", t.hour(), t.minute())
    }
}

/// Every instant whose local time is an aligned time inside one of the
/// advisor's ranges, starting in the query's window. Not yet checked against
/// hours' ends, time off or meetings: [`is_free`] does that.
fn candidate_starts(hours: &WeeklyHours, q: &SlotQuery) -> Vec<Timestamp> {
    let lo = q.from.max(q.not_before);
    if q.duration <= SignedDuration::ZERO || lo >= q.to {
        return Vec::new();
    }
    let step = match q.step_minutes {
        0 => DEFAULT_STEP_MINUTES,
        n => n,
    };
    let tz = &hours.time_zone;
    // A day of margin on each side: where the clock turns back across
    // midnight, an instant in the window can read the neighbouring date. The
    // window check on instants below decides.
    let first = lo.to_zoned(tz.clone()).date();
    let last = q.to.to_zoned(tz.clone()).date();
    let mut day = first.yesterday().unwrap_or(first);
    let last = last.tomorrow().unwrap_or(last);

    let mut starts = Vec::new();
    while day <= last {
        for &(weekday, from, to) in &hours.ranges {
            if weekday != day.weekday() {
                continue;
            }
            for time in aligned_times(from, to, step) {
                let instants = clock_reads(tz, day.to_datetime(time))
                    .map(ClockReading::starts)
                    .unwrap_or_default();
                starts.extend(instants.into_iter().filter(|s| lo <= *s && *s < q.to));
            }
        }
        let Ok(next) = day.tomorrow() else { break };
        day = next;
    }
    starts
}

/// Local times in `[from, to)` that are a multiple of `step` minutes past
/// midnight.
fn aligned_times(from: Time, to: Time, step: u32) -> impl Iterator<Item = Time> {
    const DAY: u32 = 24 * 60;
    let partial = from.second() != 0 || from.subsec_nanosecond() != 0;
    let from_minute = from.hour() as u32 * 60 + from.minute() as u32 + u32::from(partial);
    let first = from_minute.div_ceil(step).saturating_mul(step);
    (first..DAY)
        .step_by(step as usize)
        .filter_map(|m| Time::new((m / 60) as i8, (m % 60) as i8, 0, 0).ok())
        .take_while(move |t| *t < to)
}

/// When the local clock reads a given civil datetime.
enum ClockReading {
    /// At one instant.
    Once(Timestamp),
    /// Twice, the hour being repeated: earlier, later.
    Twice(Timestamp, Timestamp),
    /// Never, the clock jumping over it at this instant.
    Skipped(Timestamp),
}

impl ClockReading {
    fn starts(self) -> Vec<Timestamp> {
        match self {
            Self::Once(t) => vec![t],
            Self::Twice(a, b) => vec![a, b],
            Self::Skipped(_) => Vec::new(),
        }
    }
}

/// `None` only at the edges of the representable range.
fn clock_reads(tz: &TimeZone, dt: DateTime) -> Option<ClockReading> {
    Some(match tz.to_ambiguous_timestamp(dt).offset() {
        AmbiguousOffset::Unambiguous { offset } => {
            ClockReading::Once(offset.to_timestamp(dt).ok()?)
        }
        AmbiguousOffset::Fold { before, after } => {
            ClockReading::Twice(before.to_timestamp(dt).ok()?, after.to_timestamp(dt).ok()?)
        }
        AmbiguousOffset::Gap { after, .. } => {
            // Read with the offset after the jump, `dt` is an instant shortly
            // before the jump; the jump is the next transition.
            let probe = after.to_timestamp(dt).ok()?;
            ClockReading::Skipped(tz.following(probe).next()?.timestamp())
        }
    })
}

/// The instant a range ending at local `to` on `day` ends: the last moment the
/// clock reads `to` (the later one when the hour repeats), or the jump over
/// it. `24:00` is the first moment the clock reads the next day.
fn range_end(tz: &TimeZone, day: Date, to: Time) -> Option<Timestamp> {
    if to == Time::MAX {
        let midnight = day.tomorrow().ok()?.to_datetime(Time::midnight());
        return match clock_reads(tz, midnight)? {
            ClockReading::Once(t) | ClockReading::Twice(t, _) | ClockReading::Skipped(t) => Some(t),
        };
    }
    match clock_reads(tz, day.to_datetime(to))? {
        ClockReading::Once(t) | ClockReading::Twice(_, t) | ClockReading::Skipped(t) => Some(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::time;
    use jiff::Zoned;

    const PARIS: &str = "Europe/Paris";
    const NEW_YORK: &str = "America/New_York";

    fn tz(name: &str) -> TimeZone {
        TimeZone::get(name).unwrap()
    }

    /// An instant from local time in a zone, e.g. `at("2026-03-02T09:00", PARIS)`.
    fn at(local: &str, zone: &str) -> Timestamp {
        format!("{local}[{zone}]")
            .parse::<Zoned>()
            .unwrap()
            .timestamp()
    }

    fn hhmm(s: &str) -> Time {
        parse_hh_mm(s, true).unwrap()
    }

    fn advisor(id: &str, zone: &str, ranges: &[(Weekday, &str, &str)]) -> AdvisorAvailability {
        AdvisorAvailability {
            advisor_id: id.into(),
            hours: WeeklyHours {
                time_zone: tz(zone),
                ranges: ranges
                    .iter()
                    .map(|&(d, f, t)| (d, hhmm(f), hhmm(t)))
                    .collect(),
            },
            time_off: vec![],
            busy: vec![],
        }
    }

    fn query(from: Timestamp, to: Timestamp, minutes: i64) -> SlotQuery {
        SlotQuery {
            from,
            to,
            duration: SignedDuration::from_mins(minutes),
            step_minutes: DEFAULT_STEP_MINUTES,
            not_before: from,
            limit: 1000,
        }
    }

    /// A whole local day as a window.
    fn day_query(date: &str, zone: &str, minutes: i64) -> SlotQuery {
        let from = at(&format!("{date}T00:00"), zone);
        query(from, from + SignedDuration::from_hours(24), minutes)
    }

    /// Slot starts as local `HH:MM`.
    fn local_starts(slots: &[Slot], zone: &str) -> Vec<String> {
        slots
            .iter()
            .map(|s| s.start.to_zoned(tz(zone)).strftime("%H:%M").to_string())
            .collect()
    }

    fn interval(from: &str, to: &str, zone: &str) -> Interval {
        Interval {
            start: at(from, zone),
            end: at(to, zone),
        }
    }

    // 2 March 2026 is a Monday; Paris is UTC+1 then.
    const MONDAY: &str = "2026-03-02";

    #[test]
    fn one_advisor_gets_every_aligned_start_that_fits_the_range() {
        let ann = advisor("ann", PARIS, &[(Weekday::Monday, "09:00", "12:00")]);
        let slots = free_slots(&[ann], &day_query(MONDAY, PARIS, 30));
        assert_eq!(
            local_starts(&slots, PARIS),
            [
                "09:00", "09:15", "09:30", "09:45", "10:00", "10:15", "10:30", "10:45", "11:00",
                "11:15", "11:30"
            ]
        );
        assert_eq!(
            slots[0],
            Slot {
                start: at("2026-03-02T09:00", PARIS),
                end: at("2026-03-02T09:30", PARIS),
                advisor_ids: vec!["ann".into()],
            }
        );
    }

    #[test]
    fn advisors_free_at_the_same_time_share_a_slot_with_sorted_ids() {
        let bob = advisor("bob", PARIS, &[(Weekday::Monday, "10:00", "13:00")]);
        let ann = advisor("ann", PARIS, &[(Weekday::Monday, "09:00", "12:00")]);
        let mut q = day_query(MONDAY, PARIS, 60);
        q.step_minutes = 60;
        let slots = free_slots(&[bob, ann], &q);
        let got: Vec<_> = slots
            .iter()
            .map(|s| s.advisor_ids.join(","))
            .zip(local_starts(&slots, PARIS))
            .collect();
        assert_eq!(
            got,
            [
                ("ann".to_owned(), "09:00".to_owned()),
                ("ann,bob".into(), "10:00".into()),
                ("ann,bob".into(), "11:00".into()),
                ("bob".into(), "12:00".into()),
            ]
        );
    }

    #[test]
    fn busy_and_time_off_remove_only_overlapping_slots() {
        let mut ann = advisor("ann", PARIS, &[(Weekday::Monday, "09:00", "12:00")]);
        // A meeting ending at 10:00 frees 10:00.
        ann.busy = vec![interval("2026-03-02T09:00", "2026-03-02T10:00", PARIS)];
        // Time off 11:00–11:15 blocks 10:45 (ends 11:15) but not 10:30 (ends 11:00).
        ann.time_off = vec![interval("2026-03-02T11:00", "2026-03-02T11:15", PARIS)];
        let slots = free_slots(&[ann], &day_query(MONDAY, PARIS, 30));
        assert_eq!(
            local_starts(&slots, PARIS),
            ["10:00", "10:15", "10:30", "11:15", "11:30"]
        );
    }

    #[test]
    fn no_slot_starts_before_not_before() {
        let ann = advisor("ann", PARIS, &[(Weekday::Monday, "09:00", "12:00")]);
        let mut q = day_query(MONDAY, PARIS, 30);
        q.not_before = at("2026-03-02T10:07", PARIS);
        let slots = free_slots(std::slice::from_ref(&ann), &q);
        assert_eq!(local_starts(&slots, PARIS)[0], "10:15");
        // A lead time past the window leaves nothing.
        q.not_before = q.to;
        assert!(free_slots(&[ann], &q).is_empty());
    }

    #[test]
    fn the_window_selects_slots_by_their_start() {
        let ann = advisor("ann", PARIS, &[(Weekday::Monday, "09:00", "12:00")]);
        let q = query(
            at("2026-03-02T10:00", PARIS),
            at("2026-03-02T11:00", PARIS),
            30,
        );
        // 10:45 ends after `to` but starts inside the window.
        assert_eq!(
            local_starts(&free_slots(&[ann], &q), PARIS),
            ["10:00", "10:15", "10:30", "10:45"]
        );
    }

    #[test]
    fn limit_keeps_the_earliest_merged_slots() {
        let ann = advisor("ann", PARIS, &[(Weekday::Monday, "10:00", "12:00")]);
        let bob = advisor("bob", PARIS, &[(Weekday::Monday, "09:30", "12:00")]);
        let mut q = day_query(MONDAY, PARIS, 30);
        q.limit = 3;
        let slots = free_slots(&[ann.clone(), bob.clone()], &q);
        assert_eq!(local_starts(&slots, PARIS), ["09:30", "09:45", "10:00"]);
        assert_eq!(slots[2].advisor_ids, ["ann", "bob"]);
        q.limit = 0;
        assert!(free_slots(&[ann, bob], &q).is_empty());
    }

    #[test]
    fn a_slot_never_crosses_the_end_of_a_range_or_midnight() {
        let ann = advisor(
            "ann",
            PARIS,
            &[
                // Touching ranges stay separate.
                (Weekday::Monday, "09:00", "10:00"),
                (Weekday::Monday, "10:00", "11:00"),
            ],
        );
        let slots = free_slots(&[ann], &day_query(MONDAY, PARIS, 45));
        assert_eq!(
            local_starts(&slots, PARIS),
            ["09:00", "09:15", "10:00", "10:15"]
        );

        let night = advisor(
            "night",
            PARIS,
            &[
                (Weekday::Monday, "22:00", "24:00"),
                (Weekday::Tuesday, "00:00", "02:00"),
            ],
        );
        let from = at("2026-03-02T12:00", PARIS);
        let mut q = query(from, from + SignedDuration::from_hours(24), 60);
        q.step_minutes = 30;
        let slots = free_slots(&[night], &q);
        // 23:00–24:00 fits; 23:30 would cross midnight into Tuesday's range.
        assert_eq!(
            local_starts(&slots, PARIS),
            ["22:00", "22:30", "23:00", "00:00", "00:30", "01:00"]
        );
    }

    #[test]
    fn spring_forward_offers_no_start_in_the_skipped_hour_and_counts_real_time() {
        // Sunday 29 March 2026, Paris: 02:00 CET jumps to 03:00 CEST.
        let ann = advisor("ann", PARIS, &[(Weekday::Sunday, "00:00", "06:00")]);
        let mut q = day_query("2026-03-29", PARIS, 60);
        q.step_minutes = 30;
        let slots = free_slots(&[ann], &q);
        assert_eq!(
            local_starts(&slots, PARIS),
            ["00:00", "00:30", "01:00", "01:30", "03:00", "03:30", "04:00", "04:30", "05:00"]
        );
        let s = slots
            .iter()
            .find(|s| s.start == at("2026-03-29T01:30", PARIS))
            .unwrap();
        assert_eq!(
            s.end.to_zoned(tz(PARIS)).strftime("%H:%M").to_string(),
            "03:30"
        );
        assert_eq!(s.end.duration_since(s.start), SignedDuration::from_hours(1));
    }

    #[test]
    fn a_range_boundary_in_the_skipped_hour_is_the_jump() {
        // Works until 02:30 on the spring-forward night: the clock never reads
        // 02:30, so the range ends at the jump (03:00 CEST) and an hour from
        // 01:30 (to 03:30 CEST) does not fit.
        let ann = advisor("ann", PARIS, &[(Weekday::Sunday, "00:00", "02:30")]);
        let mut q = day_query("2026-03-29", PARIS, 60);
        q.step_minutes = 30;
        let slots = free_slots(std::slice::from_ref(&ann), &q);
        assert_eq!(local_starts(&slots, PARIS), ["00:00", "00:30", "01:00"]);
        // Starting 02:30, the first start is at the jump.
        let bob = advisor("bob", PARIS, &[(Weekday::Sunday, "02:30", "04:30")]);
        let slots = free_slots(&[bob], &q);
        assert_eq!(local_starts(&slots, PARIS), ["03:00", "03:30"]);
    }

    #[test]
    fn fall_back_offers_the_repeated_hour_twice() {
        // Sunday 25 October 2026, Paris: 03:00 CEST falls back to 02:00 CET.
        let ann = advisor("ann", PARIS, &[(Weekday::Sunday, "00:00", "06:00")]);
        let mut q = day_query("2026-10-25", PARIS, 30);
        q.step_minutes = 30;
        let slots = free_slots(&[ann], &q);
        let starts: Vec<_> = slots
            .iter()
            .map(|s| s.start.to_zoned(tz(PARIS)).strftime("%H:%M%:z").to_string())
            .collect();
        assert_eq!(
            starts,
            [
                "00:00+02:00",
                "00:30+02:00",
                "01:00+02:00",
                "01:30+02:00",
                "02:00+02:00",
                "02:30+02:00",
                "02:00+01:00",
                "02:30+01:00",
                "03:00+01:00",
                "03:30+01:00",
                "04:00+01:00",
                "04:30+01:00",
                "05:00+01:00",
                "05:30+01:00",
            ]
        );
        // Distinct, increasing instants, each a real half hour long.
        assert!(slots.windows(2).all(|w| w[0].start < w[1].start));
        assert!(slots
            .iter()
            .all(|s| s.end.duration_since(s.start) == SignedDuration::from_mins(30)));
    }

    #[test]
    fn advisors_in_different_time_zones_share_one_query() {
        // Monday 16 March 2026: New York is already on summer time (UTC-4),
        // Paris not yet (UTC+1).
        let ann = advisor("ann", PARIS, &[(Weekday::Monday, "14:00", "18:00")]);
        let bob = advisor("bob", NEW_YORK, &[(Weekday::Monday, "09:00", "12:00")]);
        let from: Timestamp = "2026-03-16T00:00:00Z".parse().unwrap();
        let mut q = query(from, from + SignedDuration::from_hours(24), 60);
        q.step_minutes = 60;
        let slots = free_slots(&[ann, bob], &q);
        let got: Vec<_> = slots
            .iter()
            .map(|s| (s.start.to_string(), s.advisor_ids.join(",")))
            .collect();
        assert_eq!(
            got,
            [
                ("2026-03-16T13:00:00Z".to_owned(), "ann,bob".to_owned()),
                ("2026-03-16T14:00:00Z".into(), "ann,bob".into()),
                ("2026-03-16T15:00:00Z".into(), "ann,bob".into()),
                ("2026-03-16T16:00:00Z".into(), "ann".into()),
            ]
        );
    }

    #[test]
    fn is_free_agrees_with_free_slots_on_every_aligned_start() {
        let mut paris = advisor(
            "paris",
            PARIS,
            &[
                (Weekday::Monday, "09:00", "12:00"),
                (Weekday::Monday, "12:00", "17:30"),
                (Weekday::Saturday, "22:00", "24:00"),
                (Weekday::Sunday, "00:00", "02:30"),
                (Weekday::Sunday, "02:15", "06:00"),
                (Weekday::Wednesday, "08:10", "11:50"),
            ],
        );
        paris.busy = vec![
            interval("2026-03-30T10:10", "2026-03-30T10:50", PARIS),
            interval("2026-10-26T09:00", "2026-10-26T09:30", PARIS),
        ];
        paris.time_off = vec![interval("2026-03-21T23:00", "2026-03-22T01:00", PARIS)];
        let mut new_york = advisor(
            "new_york",
            NEW_YORK,
            &[
                (Weekday::Sunday, "00:00", "04:00"),
                (Weekday::Friday, "13:00", "24:00"),
                (Weekday::Tuesday, "09:00", "17:00"),
            ],
        );
        new_york.busy = vec![interval("2026-03-10T11:00", "2026-03-10T13:45", NEW_YORK)];
        let advisors = [paris, new_york];

        // Windows around both daylight saving changes, on both sides of the sea.
        for (from, to) in [
            ("2026-03-05T00:00:00Z", "2026-04-02T00:00:00Z"),
            ("2026-10-22T00:00:00Z", "2026-11-05T00:00:00Z"),
        ] {
            let (from, to) = (from.parse().unwrap(), to.parse().unwrap());
            for minutes in [15, 30, 60, 90] {
                let q = query(from, to, minutes);
                let slots = free_slots(&advisors, &q);
                let mut checked = 0;
                let mut t: Timestamp = from;
                while t < to {
                    let slot = slots.iter().find(|s| s.start == t);
                    for a in &advisors {
                        let offered = slot.is_some_and(|s| s.advisor_ids.contains(&a.advisor_id));
                        assert_eq!(
                            is_free(a, t, q.duration),
                            offered,
                            "{} at {t} for {minutes} min",
                            a.advisor_id
                        );
                        checked += usize::from(offered);
                    }
                    t += SignedDuration::from_mins(15);
                }
                assert!(checked > 100, "the grid must hit free slots");
            }
        }
    }

    #[test]
    fn is_free_checks_hours_time_off_meetings_and_duration() {
        let mut ann = advisor("ann", PARIS, &[(Weekday::Monday, "09:00", "12:00")]);
        ann.busy = vec![interval("2026-03-02T10:00", "2026-03-02T10:30", PARIS)];
        ann.time_off = vec![interval("2026-03-02T11:30", "2026-03-02T12:00", PARIS)];
        let half_hour = SignedDuration::from_mins(30);
        assert!(is_free(&ann, at("2026-03-02T09:00", PARIS), half_hour));
        // Not aligned to any step: still free.
        assert!(is_free(&ann, at("2026-03-02T09:07", PARIS), half_hour));
        assert!(!is_free(&ann, at("2026-03-02T08:45", PARIS), half_hour));
        assert!(!is_free(&ann, at("2026-03-02T09:45", PARIS), half_hour));
        assert!(is_free(&ann, at("2026-03-02T10:30", PARIS), half_hour));
        assert!(!is_free(&ann, at("2026-03-02T11:15", PARIS), half_hour));
        assert!(!is_free(
            &ann,
            at("2026-03-09T11:30", PARIS),
            half_hour.saturating_mul(2)
        ));
        assert!(!is_free(&ann, at("2026-03-03T09:00", PARIS), half_hour));
        assert!(!is_free(
            &ann,
            at("2026-03-02T09:00", PARIS),
            SignedDuration::ZERO
        ));
        assert!(!is_free(&ann, at("2026-03-02T09:00", PARIS), -half_hour));
    }

    #[test]
    fn degenerate_queries_give_no_slots() {
        let ann = advisor("ann", PARIS, &[(Weekday::Monday, "09:00", "12:00")]);
        let q = day_query(MONDAY, PARIS, 30);
        let none = |q: SlotQuery| free_slots(std::slice::from_ref(&ann), &q).is_empty();
        assert!(none(SlotQuery {
            duration: SignedDuration::ZERO,
            ..q
        }));
        assert!(none(SlotQuery { to: q.from, ..q }));
        assert!(none(SlotQuery {
            from: q.to,
            to: q.from,
            ..q
        }));
        // A step of 0 means the default.
        assert_eq!(
            free_slots(
                std::slice::from_ref(&ann),
                &SlotQuery {
                    step_minutes: 0,
                    ..q
                }
            ),
            free_slots(&[ann], &q)
        );
    }

    #[test]
    fn slots_serialize_with_rfc3339_instants() {
        let slot = Slot {
            start: "2026-03-02T08:00:00Z".parse().unwrap(),
            end: "2026-03-02T08:30:00Z".parse().unwrap(),
            advisor_ids: vec!["ann".into()],
        };
        assert_eq!(
            serde_json::to_value(&slot).unwrap(),
            serde_json::json!({
                "start": "2026-03-02T08:00:00Z",
                "end": "2026-03-02T08:30:00Z",
                "advisor_ids": ["ann"],
            })
        );
    }

    fn spec(day: &str, from: &str, to: &str) -> RangeSpec {
        RangeSpec {
            day: day.into(),
            from: from.into(),
            to: to.into(),
        }
    }

    fn errors(time_zone: &str, ranges: &[RangeSpec]) -> Vec<(String, String)> {
        parse_hours(time_zone, ranges)
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    fn err(field: &str, code: &str) -> (String, String) {
        (field.into(), code.into())
    }

    #[test]
    fn parse_hours_reads_the_wire_form_sorted_and_round_trips() {
        let specs = [
            spec("tuesday", "13:00", "24:00"),
            spec("Monday", "12:00", "17:00"),
            spec("monday", "09:00", "12:00"),
        ];
        let hours = parse_hours("Europe/Paris", &specs).unwrap();
        assert_eq!(hours.time_zone, tz(PARIS));
        assert_eq!(
            hours.ranges,
            [
                (Weekday::Monday, time(9, 0, 0, 0), time(12, 0, 0, 0)),
                (Weekday::Monday, time(12, 0, 0, 0), time(17, 0, 0, 0)),
                (Weekday::Tuesday, time(13, 0, 0, 0), Time::MAX),
            ]
        );
        assert_eq!(
            hours.to_specs(),
            [
                spec("monday", "09:00", "12:00"),
                spec("monday", "12:00", "17:00"),
                spec("tuesday", "13:00", "24:00"),
            ]
        );
        let wire: Vec<RangeSpec> =
            serde_json::from_str(r#"[{"day": "monday", "from": "09:00", "to": "17:00"}]"#).unwrap();
        assert!(parse_hours("America/New_York", &wire).is_ok());
        assert!(serde_json::from_str::<RangeSpec>(
            r#"{"day": "monday", "from": "09:00", "to": "17:00", "x": 1}"#
        )
        .is_err());
    }

    #[test]
    fn parse_hours_names_every_bad_field() {
        let specs = [
            spec("lundi", "09:00", "12:00"),
            spec("monday", "9:00", "12:00"),
            spec("monday", "09:00", "25:00"),
            spec("monday", "24:00", "12:00"),
            spec("tuesday", "12:00", "09:00"),
            spec("tuesday", "10:00", "10:00"),
            spec("wednesday", "09:00", "12:00"),
            spec("wednesday", "12:00", "14:00"),
            spec("wednesday", "11:59", "12:30"),
            spec("thursday", "09:00", "12:00"),
            spec("thursday", "09:00", "12:00"),
            spec("friday", "09:00:00", "12:0a"),
        ];
        assert_eq!(
            errors("Mars/Olympus", &specs),
            [
                err("time_zone", "invalid"),
                err("hours[0].day", "invalid"),
                err("hours[1].from", "invalid"),
                err("hours[2].to", "invalid"),
                err("hours[3].from", "invalid"),
                err("hours[4].to", "order"),
                err("hours[5].to", "order"),
                err("hours[8]", "overlap"),
                err("hours[10]", "overlap"),
                err("hours[11].from", "invalid"),
                err("hours[11].to", "invalid"),
            ]
        );
        let message = parse_hours("UTC", &specs[9..11]).unwrap_err().0[0]
            .message
            .clone();
        assert_eq!(message, "overlaps hours[0] on thursday");
        assert_eq!(errors(" ", &[]), [err("time_zone", "required")]);
    }

    #[test]
    fn parse_hours_refuses_more_than_21_ranges() {
        let specs: Vec<_> = (0..22)
            .map(|h| spec("monday", &format!("{h:02}:00"), &format!("{h:02}:30")))
            .collect();
        assert_eq!(errors(PARIS, &specs), [err("hours", "too_long")]);
        assert!(parse_hours(PARIS, &specs[..21]).is_ok());
    }
}
