//! Historical reports: what each routing event adds to the figures of its
//! interval, and how figures are computed from the sums.
//!
//! A figure is counted in the interval in which its event happened (as
//! Genesys Cloud does): an item that arrives at 9:58 and is answered at
//! 10:03 is offered in the 9:00 hour and answered in the 10:00 hour. That
//! makes every interval final once its events are in, so the store keeps
//! running sums per hour and per day ([`Counts`]) and a report over a year
//! adds a few hundred thousand rows instead of reading millions of items.
//!
//! Waits are measured from the item's arrival (a transfer keeps it), the
//! customer's view. Service level and short abandons need a threshold known
//! when the sums are kept, so answers and abandons are also counted per
//! threshold in [`THRESHOLDS`]; a report may ask for any of them.
//! Definitions of every figure: `docs/reports.md`.

use jiff::tz::TimeZone;
use jiff::Timestamp;

pub mod waiting;

/// The thresholds (seconds) a report may use for service level and short
/// abandons: an answer or abandon is counted under each one it meets.
pub const THRESHOLDS: [u32; 11] = [5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300];

/// Service level threshold when a report names none (the industry's 80/20).
pub const DEFAULT_SERVICE_LEVEL_SECONDS: u32 = 20;
/// Short abandon threshold when a report names none.
pub const DEFAULT_SHORT_ABANDON_SECONDS: u32 = 10;

const N: usize = THRESHOLDS.len();

/// Running sums of one interval (an hour or a day) for one queue, agent
/// (none for queue-only figures) and channel. Durations in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub offered: i64,
    pub transferred_in: i64,
    pub transferred_out: i64,
    pub answered: i64,
    pub answer_wait_ms: i64,
    /// Answers after a wait of at most `THRESHOLDS[i]` seconds.
    pub answered_within: [i64; N],
    pub abandoned: i64,
    pub abandon_wait_ms: i64,
    /// Abandons after a wait of at most `THRESHOLDS[i]` seconds.
    pub abandoned_within: [i64; N],
    pub handled: i64,
    pub handle_ms: i64,
    pub talk_ms: i64,
    pub wrap_up_ms: i64,
    pub declined: i64,
    pub timed_out: i64,
    pub callbacks_requested: i64,
    pub csat_responses: i64,
    pub csat_sum: i64,
    /// Ratings of 4 or 5.
    pub csat_satisfied: i64,
}

/// How many stored columns [`Counts`] has.
pub const COLUMNS: usize = 5 + N + 2 + N + 10;

/// The stored columns of [`Counts`], in [`Counts::values`] order.
pub fn column_names() -> Vec<String> {
    let mut names: Vec<String> = [
        "offered",
        "transferred_in",
        "transferred_out",
        "answered",
        "answer_wait_ms",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    names.extend(THRESHOLDS.iter().map(|t| format!("answered_within_{t}")));
    names.extend(["abandoned", "abandon_wait_ms"].map(String::from));
    names.extend(THRESHOLDS.iter().map(|t| format!("abandoned_within_{t}")));
    names.extend(
        [
            "handled",
            "handle_ms",
            "talk_ms",
            "wrap_up_ms",
            "declined",
            "timed_out",
            "callbacks_requested",
            "csat_responses",
            "csat_sum",
            "csat_satisfied",
        ]
        .map(String::from),
    );
    names
}

impl Counts {
    /// In [`column_names`] order.
    pub fn values(&self) -> Vec<i64> {
        let mut v = vec![
            self.offered,
            self.transferred_in,
            self.transferred_out,
            self.answered,
            self.answer_wait_ms,
        ];
        v.extend(self.answered_within);
        v.extend([self.abandoned, self.abandon_wait_ms]);
        v.extend(self.abandoned_within);
        v.extend([
            self.handled,
            self.handle_ms,
            self.talk_ms,
            self.wrap_up_ms,
            self.declined,
            self.timed_out,
            self.callbacks_requested,
            self.csat_responses,
            self.csat_sum,
            self.csat_satisfied,
        ]);
        v
    }

    /// The inverse of [`Counts::values`]; `None` when the length is wrong.
    pub fn from_values(v: &[i64]) -> Option<Counts> {
        if v.len() != COLUMNS {
            return None;
        }
        let mut it = v.iter().copied();
        let mut next = || it.next().unwrap_or_default();
        let mut c = Counts {
            offered: next(),
            transferred_in: next(),
            transferred_out: next(),
            answered: next(),
            answer_wait_ms: next(),
            ..Counts::default()
        };
        for slot in c.answered_within.iter_mut() {
            *slot = next();
        }
        c.abandoned = next();
        c.abandon_wait_ms = next();
        for slot in c.abandoned_within.iter_mut() {
            *slot = next();
        }
        c.handled = next();
        c.handle_ms = next();
        c.talk_ms = next();
        c.wrap_up_ms = next();
        c.declined = next();
        c.timed_out = next();
        c.callbacks_requested = next();
        c.csat_responses = next();
        c.csat_sum = next();
        c.csat_satisfied = next();
        Some(c)
    }

    /// Field by field: the roll-up adds a few per event, so no allocation.
    pub fn add(&mut self, o: &Counts) {
        self.offered += o.offered;
        self.transferred_in += o.transferred_in;
        self.transferred_out += o.transferred_out;
        self.answered += o.answered;
        self.answer_wait_ms += o.answer_wait_ms;
        for (a, b) in self.answered_within.iter_mut().zip(o.answered_within) {
            *a += b;
        }
        self.abandoned += o.abandoned;
        self.abandon_wait_ms += o.abandon_wait_ms;
        for (a, b) in self.abandoned_within.iter_mut().zip(o.abandoned_within) {
            *a += b;
        }
        self.handled += o.handled;
        self.handle_ms += o.handle_ms;
        self.talk_ms += o.talk_ms;
        self.wrap_up_ms += o.wrap_up_ms;
        self.declined += o.declined;
        self.timed_out += o.timed_out;
        self.callbacks_requested += o.callbacks_requested;
        self.csat_responses += o.csat_responses;
        self.csat_sum += o.csat_sum;
        self.csat_satisfied += o.csat_satisfied;
    }

    pub fn is_empty(&self) -> bool {
        *self == Counts::default()
    }
}

/// One routing event with what the report needs to know about its item.
#[derive(Debug, Clone)]
pub struct Happened<'a> {
    /// The routing event's name (`classified`, `assigned`, …).
    pub kind: &'a str,
    pub at: Timestamp,
    pub queue_id: &'a str,
    pub agent_id: Option<&'a str>,
    pub channel: &'a str,
    /// When the item arrived (waits are measured from here).
    pub arrived_at: Timestamp,
    /// For `closed`: the item's last assignment before it.
    pub assigned_at: Option<Timestamp>,
    /// For `closed`: when wrap-up began, if it did after that assignment.
    pub wrap_up_at: Option<Timestamp>,
    /// For `transferred`: the queues it left and joined.
    pub transfer: Option<(&'a str, &'a str)>,
}

/// What one event adds, and to which queue, agent ("" for none) and channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub queue_id: String,
    pub agent_id: String,
    pub channel: String,
    pub counts: Counts,
}

fn millis(from: Timestamp, to: Timestamp) -> i64 {
    (to.as_millisecond() - from.as_millisecond()).max(0)
}

fn within(wait_ms: i64) -> [i64; N] {
    THRESHOLDS.map(|t| i64::from(wait_ms <= i64::from(t) * 1000))
}

/// What a routing event adds to the report; nothing for the events that
/// count for nothing (offers, queue positions, presence…).
pub fn tally(h: &Happened) -> Vec<Tally> {
    let on = |queue: &str, agent: Option<&str>, counts: Counts| Tally {
        queue_id: queue.to_owned(),
        agent_id: agent.unwrap_or("").to_owned(),
        channel: h.channel.to_owned(),
        counts,
    };
    let mut c = Counts::default();
    match h.kind {
        "classified" => {
            c.offered = 1;
            vec![on(h.queue_id, None, c)]
        }
        "assigned" => {
            let wait = millis(h.arrived_at, h.at);
            c.answered = 1;
            c.answer_wait_ms = wait;
            c.answered_within = within(wait);
            vec![on(h.queue_id, h.agent_id, c)]
        }
        "abandoned" => {
            let wait = millis(h.arrived_at, h.at);
            c.abandoned = 1;
            c.abandon_wait_ms = wait;
            c.abandoned_within = within(wait);
            vec![on(h.queue_id, None, c)]
        }
        "closed" => {
            // Closed without ever being answered (a supervisor closed it in
            // line, a callback finished another way): no handling to count.
            let Some(assigned) = h.assigned_at else {
                return vec![];
            };
            let talk_end = h.wrap_up_at.unwrap_or(h.at);
            c.handled = 1;
            c.handle_ms = millis(assigned, h.at);
            c.talk_ms = millis(assigned, talk_end);
            c.wrap_up_ms = h.wrap_up_at.map_or(0, |w| millis(w, h.at));
            vec![on(h.queue_id, h.agent_id, c)]
        }
        "offer_declined" => {
            c.declined = 1;
            vec![on(h.queue_id, h.agent_id, c)]
        }
        "offer_expired" => {
            c.timed_out = 1;
            vec![on(h.queue_id, h.agent_id, c)]
        }
        "callback_requested" => {
            c.callbacks_requested = 1;
            vec![on(h.queue_id, None, c)]
        }
        "transferred" => {
            let Some((from, to)) = h.transfer else {
                return vec![];
            };
            let out = Counts {
                transferred_out: 1,
                ..Counts::default()
            };
            let into = Counts {
                transferred_in: 1,
                ..Counts::default()
            };
            vec![on(from, None, out), on(to, None, into)]
        }
        _ => vec![],
    }
}

/// A visitor's rating (1 to 5) of a conversation.
pub fn rating(score: i64) -> Counts {
    Counts {
        csat_responses: 1,
        csat_sum: score,
        csat_satisfied: i64::from(score >= 4),
        ..Counts::default()
    }
}

/// The UTC hour (`2026-12-06T09:00:00Z`) and the day in `zone`
/// (`2026-12-06`) an instant belongs to.
pub fn interval(at: Timestamp, zone: &TimeZone) -> (String, String) {
    let secs = at.as_second();
    let hour = Timestamp::from_second(secs - secs.rem_euclid(3600)).unwrap_or(at);
    let day = at.to_zoned(zone.clone()).date().to_string();
    (hour.strftime("%Y-%m-%dT%H:00:00Z").to_string(), day)
}

/// The index of a threshold in [`THRESHOLDS`]; `None` for any other number.
pub fn threshold_index(seconds: u32) -> Option<usize> {
    THRESHOLDS.iter().position(|t| *t == seconds)
}

/// What a report row shows, computed from its sums.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Figures {
    /// Items that entered the contact center in the interval.
    pub offered: i64,
    /// Assignments to an agent.
    pub answered: i64,
    /// Answers after a wait of at most the service level threshold.
    pub answered_in_threshold: i64,
    /// Customers who left before an answer (callbacks are not abandons).
    pub abandoned: i64,
    /// Of those, who left within the short abandon threshold.
    pub short_abandoned: i64,
    /// answered_in_threshold ÷ (answered + abandoned − short_abandoned).
    pub service_level: Option<f64>,
    /// abandoned ÷ offered.
    pub abandon_rate: Option<f64>,
    /// Average wait of the answered, seconds.
    pub average_speed_of_answer_seconds: Option<f64>,
    /// Average wait of who abandoned, seconds.
    pub average_abandon_seconds: Option<f64>,
    /// Answered items that were closed.
    pub handled: i64,
    /// Average of talk/chat + wrap-up over the handled, seconds.
    pub average_handle_seconds: Option<f64>,
    pub average_talk_seconds: Option<f64>,
    pub average_wrap_up_seconds: Option<f64>,
    pub transferred_in: i64,
    pub transferred_out: i64,
    /// Offers an agent declined.
    pub declined: i64,
    /// Offers an agent let run out.
    pub timed_out: i64,
    /// Waiting callers who chose a callback.
    pub callbacks_requested: i64,
    pub csat_responses: i64,
    /// Average rating, 1 to 5.
    pub csat_average: Option<f64>,
    /// Share of ratings of 4 or 5.
    pub csat_satisfied_rate: Option<f64>,
}

fn ratio(a: i64, b: i64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// The figures of some sums; `None` when a threshold is not in [`THRESHOLDS`].
pub fn figures(
    c: &Counts,
    service_level_seconds: u32,
    short_abandon_seconds: u32,
) -> Option<Figures> {
    let sl = threshold_index(service_level_seconds)?;
    let short = threshold_index(short_abandon_seconds)?;
    let short_abandoned = c.abandoned_within[short];
    let answered_in_threshold = c.answered_within[sl];
    let seconds = |ms: i64, n: i64| ratio(ms, n).map(|v| v / 1000.0);
    Some(Figures {
        offered: c.offered,
        answered: c.answered,
        answered_in_threshold,
        abandoned: c.abandoned,
        short_abandoned,
        service_level: ratio(
            answered_in_threshold,
            c.answered + c.abandoned - short_abandoned,
        ),
        abandon_rate: ratio(c.abandoned, c.offered),
        average_speed_of_answer_seconds: seconds(c.answer_wait_ms, c.answered),
        average_abandon_seconds: seconds(c.abandon_wait_ms, c.abandoned),
        handled: c.handled,
        average_handle_seconds: seconds(c.handle_ms, c.handled),
        average_talk_seconds: seconds(c.talk_ms, c.handled),
        average_wrap_up_seconds: seconds(c.wrap_up_ms, c.handled),
        transferred_in: c.transferred_in,
        transferred_out: c.transferred_out,
        declined: c.declined,
        timed_out: c.timed_out,
        callbacks_requested: c.callbacks_requested,
        csat_responses: c.csat_responses,
        csat_average: ratio(c.csat_sum, c.csat_responses),
        csat_satisfied_rate: ratio(c.csat_satisfied, c.csat_responses),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn happened<'a>(kind: &'a str, at: &str, arrived: &str) -> Happened<'a> {
        Happened {
            kind,
            at: t(at),
            queue_id: "q1",
            agent_id: Some("a1"),
            channel: "chat",
            arrived_at: t(arrived),
            assigned_at: None,
            wrap_up_at: None,
            transfer: None,
        }
    }

    #[test]
    fn values_and_columns_agree() {
        let mut c = Counts::default();
        for (i, v) in c.values().iter().enumerate() {
            assert_eq!(*v, 0, "{i}");
        }
        c.offered = 1;
        c.answered_within[3] = 7;
        c.csat_satisfied = 9;
        assert_eq!(Counts::from_values(&c.values()), Some(c));
        assert_eq!(c.values().len(), column_names().len());
        assert_eq!(COLUMNS, column_names().len());
        // add is every field's sum.
        let mut twice = c;
        twice.add(&c);
        let doubled: Vec<i64> = c.values().iter().map(|v| v * 2).collect();
        assert_eq!(twice.values(), doubled);
        assert_eq!(Counts::from_values(&[1, 2]), None);
    }

    #[test]
    fn an_answer_counts_its_wait_under_each_threshold_it_meets() {
        let h = happened("assigned", "2026-12-06T10:00:12Z", "2026-12-06T10:00:00Z");
        let out = tally(&h);
        assert_eq!(out.len(), 1);
        let c = out[0].counts;
        assert_eq!((c.answered, c.answer_wait_ms), (1, 12_000));
        // 12 s: not within 5 or 10, within 15 and every longer threshold.
        assert_eq!(c.answered_within, [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
        assert_eq!(out[0].agent_id, "a1");
    }

    #[test]
    fn offers_and_abandons_belong_to_the_queue_not_an_agent() {
        let mut h = happened("abandoned", "2026-12-06T10:00:05Z", "2026-12-06T10:00:00Z");
        let out = tally(&h);
        assert_eq!(out[0].agent_id, "");
        assert_eq!(out[0].counts.abandoned_within[0], 1, "5 s is within 5 s");
        h.kind = "classified";
        assert_eq!(tally(&h)[0].counts.offered, 1);
        assert_eq!(tally(&h)[0].agent_id, "");
        h.kind = "offered";
        assert!(tally(&h).is_empty());
    }

    #[test]
    fn a_close_counts_talk_and_wrap_up_from_the_last_assignment() {
        let mut h = happened("closed", "2026-12-06T10:10:00Z", "2026-12-06T10:00:00Z");
        assert!(tally(&h).is_empty(), "never answered: nothing handled");
        h.assigned_at = Some(t("2026-12-06T10:01:00Z"));
        h.wrap_up_at = Some(t("2026-12-06T10:08:00Z"));
        let c = tally(&h)[0].counts;
        assert_eq!(
            (c.handled, c.handle_ms, c.talk_ms, c.wrap_up_ms),
            (1, 540_000, 420_000, 120_000)
        );
        h.wrap_up_at = None;
        let c = tally(&h)[0].counts;
        assert_eq!((c.talk_ms, c.wrap_up_ms), (540_000, 0));
    }

    #[test]
    fn a_transfer_counts_out_of_one_queue_and_into_the_other() {
        let mut h = happened(
            "transferred",
            "2026-12-06T10:00:05Z",
            "2026-12-06T10:00:00Z",
        );
        h.transfer = Some(("q1", "q2"));
        let out = tally(&h);
        assert_eq!(out.len(), 2);
        assert_eq!(
            (out[0].queue_id.as_str(), out[0].counts.transferred_out),
            ("q1", 1)
        );
        assert_eq!(
            (out[1].queue_id.as_str(), out[1].counts.transferred_in),
            ("q2", 1)
        );
    }

    #[test]
    fn intervals_are_utc_hours_and_local_days() {
        let paris: TimeZone = TimeZone::get("Europe/Paris").unwrap();
        // 23:30 UTC on 6 December is 00:30 on 7 December in Paris.
        let (hour, day) = interval(t("2026-12-06T23:30:10Z"), &paris);
        assert_eq!(hour, "2026-12-06T23:00:00Z");
        assert_eq!(day, "2026-12-07");
        let (_, day) = interval(t("2026-12-06T23:30:10Z"), &TimeZone::UTC);
        assert_eq!(day, "2026-12-06");
    }

    #[test]
    fn service_level_leaves_short_abandons_out_of_its_denominator() {
        // 10 answered, 8 of them within 20 s; 4 abandoned, 2 within 10 s.
        let mut c = Counts {
            offered: 14,
            answered: 10,
            answer_wait_ms: 150_000,
            abandoned: 4,
            abandon_wait_ms: 100_000,
            ..Counts::default()
        };
        c.answered_within[threshold_index(20).unwrap()] = 8;
        c.abandoned_within[threshold_index(10).unwrap()] = 2;
        let f = figures(&c, 20, 10).unwrap();
        assert_eq!(f.short_abandoned, 2);
        assert_eq!(f.service_level, Some(8.0 / 12.0));
        assert_eq!(f.abandon_rate, Some(4.0 / 14.0));
        assert_eq!(f.average_speed_of_answer_seconds, Some(15.0));
        assert_eq!(f.average_abandon_seconds, Some(25.0));
        assert_eq!(f.csat_average, None);
        assert!(figures(&c, 21, 10).is_none());
        assert!(figures(&c, 20, 7).is_none());
    }

    #[test]
    fn a_rating_of_four_or_five_is_satisfied() {
        assert_eq!(rating(4).csat_satisfied, 1);
        assert_eq!(rating(3).csat_satisfied, 0);
        let mut c = rating(5);
        c.add(&rating(2));
        let f = figures(&c, 20, 10).unwrap();
        assert_eq!(f.csat_average, Some(3.5));
        assert_eq!(f.csat_satisfied_rate, Some(0.5));
    }
}
