//! Callbacks: when a waiting caller is offered one (direct callback), the
//! windows a scheduled callback may be dialled in, and retries.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::validation::Check;
use crate::Invalid;

/// The offer to a caller in an overflowing queue: first after 30 seconds
/// of waiting, then every 120 seconds until they press 1, hang up or are
/// connected (as in the reference product).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfferTiming {
    pub first_after: SignedDuration,
    pub repeat_every: SignedDuration,
}

impl Default for OfferTiming {
    fn default() -> Self {
        Self {
            first_after: SignedDuration::from_secs(30),
            repeat_every: SignedDuration::from_secs(120),
        }
    }
}

impl OfferTiming {
    /// When the offer is next due, if the queue overflows until then.
    pub fn next_at(&self, waiting_since: Timestamp, last_offer: Option<Timestamp>) -> Timestamp {
        let first = waiting_since + self.first_after;
        match last_offer {
            None => first,
            Some(last) => (last + self.repeat_every).max(first),
        }
    }

    /// Whether to play the offer now.
    pub fn due(
        &self,
        waiting_since: Timestamp,
        last_offer: Option<Timestamp>,
        overflowing: bool,
        now: Timestamp,
    ) -> bool {
        overflowing && now >= self.next_at(waiting_since, last_offer)
    }
}

/// Callback requests not served by then are closed.
pub const EXPIRY: SignedDuration = SignedDuration::from_hours(24 * 7);
pub const MAX_WINDOWS: usize = 10;

/// A window as the API receives it: RFC 3339 instants.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WindowInput {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::Instant, required = true))]
    pub start: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api_schema::Instant, required = true))]
    pub end: Option<String>,
}

/// A span in which a callback may be dialled, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: Timestamp,
    pub end: Timestamp,
}

/// Checks the windows of a scheduled callback: absent means the next 24
/// hours; each ends after it starts and after now, starts within the 7
/// days a request lives; at most 10, not overlapping. Sorted by start.
pub fn parse_windows(
    input: Option<Vec<WindowInput>>,
    now: Timestamp,
) -> Result<Vec<Window>, Invalid> {
    let input = input.unwrap_or_default();
    if input.is_empty() {
        return Ok(vec![Window {
            start: now,
            end: now + SignedDuration::from_hours(24),
        }]);
    }
    let mut c = Check::new();
    if input.len() > MAX_WINDOWS {
        c.fail(
            "windows",
            "too_long",
            format!("at most {MAX_WINDOWS} windows"),
        );
    }
    let mut out = Vec::new();
    for (i, w) in input.into_iter().enumerate() {
        let at = |f: &str| format!("windows[{i}].{f}");
        let read = |c: &mut Check, field: String, v: Option<String>| -> Option<Timestamp> {
            match v.as_deref().map(crate::time::parse) {
                None => {
                    c.fail(&field, "required", "is required");
                    None
                }
                Some(None) => {
                    c.fail(
                        &field,
                        "invalid",
                        "must be an RFC 3339 time like 2026-11-23T09:00:00Z",
                    );
                    None
                }
                Some(t) => t,
            }
        };
        let (start, end) = (
            read(&mut c, at("start"), w.start),
            read(&mut c, at("end"), w.end),
        );
        let (Some(start), Some(end)) = (start, end) else {
            continue;
        };
        if end <= start {
            c.fail(&at("end"), "order", "must be after start");
        } else if end <= now {
            c.fail(&at("end"), "past", "must be in the future");
        } else if start >= now + EXPIRY {
            c.fail(&at("start"), "too_far", "must be within 7 days");
        } else {
            out.push((
                i,
                Window {
                    start: start.max(now),
                    end,
                },
            ));
        }
    }
    out.sort_by_key(|(_, w)| w.start);
    for pair in out.windows(2) {
        if pair[1].1.start < pair[0].1.end {
            c.fail(
                &format!("windows[{}]", pair[1].0),
                "overlap",
                format!("overlaps windows[{}]", pair[0].0),
            );
        }
    }
    c.finish(|| out.into_iter().map(|(_, w)| w).collect())
}

/// Where now stands against the windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowState {
    /// Not yet: the next window opens then.
    Before(Timestamp),
    /// Dialling is allowed until the window's end.
    Open(Window),
    /// Every window has passed unused.
    Passed,
}

pub fn window_state(windows: &[Window], now: Timestamp) -> WindowState {
    if let Some(w) = windows.iter().find(|w| w.start <= now && now < w.end) {
        return WindowState::Open(*w);
    }
    match windows
        .iter()
        .filter(|w| w.start > now)
        .map(|w| w.start)
        .min()
    {
        Some(next) => WindowState::Before(next),
        None => WindowState::Passed,
    }
}

/// A queue's policy for callbacks the customer does not answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RetryPolicy {
    /// Dial attempts in all, 1 to 10.
    pub attempts: u32,
    /// Minutes between attempts.
    pub delay_minutes: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            delay_minutes: 10,
        }
    }
}

/// When to dial again after `made` failed attempts, the last at `last`:
/// after the delay, inside a window (the next one's start if the delay
/// falls between windows); `None` when the attempts are used up or no
/// window is left.
pub fn next_attempt(
    policy: &RetryPolicy,
    made: u32,
    last: Timestamp,
    windows: &[Window],
) -> Option<Timestamp> {
    if made >= policy.attempts {
        return None;
    }
    let at = last + SignedDuration::from_mins(i64::from(policy.delay_minutes));
    match window_state(windows, at) {
        WindowState::Open(_) => Some(at),
        WindowState::Before(start) => Some(start),
        WindowState::Passed => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn the_offer_comes_at_30_seconds_then_every_two_minutes_while_overflowing() {
        let t = OfferTiming::default();
        let since = ts("2026-11-21T10:00:00Z");
        assert!(!t.due(since, None, true, ts("2026-11-21T10:00:29Z")));
        assert!(t.due(since, None, true, ts("2026-11-21T10:00:30Z")));
        assert!(
            !t.due(since, None, false, ts("2026-11-21T10:05:00Z")),
            "no overflow, no offer"
        );
        let last = Some(ts("2026-11-21T10:00:30Z"));
        assert!(!t.due(since, last, true, ts("2026-11-21T10:02:29Z")));
        assert!(t.due(since, last, true, ts("2026-11-21T10:02:30Z")));
        assert_eq!(t.next_at(since, last), ts("2026-11-21T10:02:30Z"));
    }

    #[test]
    fn windows_default_to_a_day_and_are_checked() {
        let now = ts("2026-11-21T10:00:00Z");
        assert_eq!(
            parse_windows(None, now).unwrap(),
            [Window {
                start: now,
                end: ts("2026-11-22T10:00:00Z")
            }]
        );
        let w = |s: &str, e: &str| WindowInput {
            start: Some(s.into()),
            end: Some(e.into()),
        };
        let ok = parse_windows(
            Some(vec![
                w("2026-11-22T14:00:00Z", "2026-11-22T16:00:00Z"),
                w("2026-11-21T09:00:00Z", "2026-11-21T12:00:00Z"),
            ]),
            now,
        )
        .unwrap();
        assert_eq!(
            ok[0],
            Window {
                start: now,
                end: ts("2026-11-21T12:00:00Z")
            },
            "clipped to now, sorted"
        );
        let e = parse_windows(
            Some(vec![
                w("2026-11-22T10:00:00Z", "2026-11-22T09:00:00Z"),
                w("2026-11-20T10:00:00Z", "2026-11-20T11:00:00Z"),
                w("2026-12-01T10:00:00Z", "2026-12-01T11:00:00Z"),
                WindowInput {
                    start: Some("soon".into()),
                    end: None,
                },
                w("2026-11-23T10:00:00Z", "2026-11-23T12:00:00Z"),
                w("2026-11-23T11:00:00Z", "2026-11-23T13:00:00Z"),
            ]),
            now,
        )
        .unwrap_err();
        let fields: Vec<_> = e.0.into_iter().map(|f| (f.field, f.code)).collect();
        assert_eq!(
            fields,
            [
                ("windows[0].end".into(), "order".into()),
                ("windows[1].end".into(), "past".into()),
                ("windows[2].start".into(), "too_far".into()),
                ("windows[3].start".into(), "invalid".into()),
                ("windows[3].end".into(), "required".into()),
                ("windows[5]".into(), "overlap".into()),
            ]
        );
    }

    #[test]
    fn dialling_happens_inside_windows_and_retries_respect_them() {
        let windows = [
            Window {
                start: ts("2026-11-21T09:00:00Z"),
                end: ts("2026-11-21T09:30:00Z"),
            },
            Window {
                start: ts("2026-11-21T14:00:00Z"),
                end: ts("2026-11-21T15:00:00Z"),
            },
        ];
        assert_eq!(
            window_state(&windows, ts("2026-11-21T08:00:00Z")),
            WindowState::Before(ts("2026-11-21T09:00:00Z"))
        );
        assert_eq!(
            window_state(&windows, ts("2026-11-21T09:10:00Z")),
            WindowState::Open(windows[0])
        );
        assert_eq!(
            window_state(&windows, ts("2026-11-21T12:00:00Z")),
            WindowState::Before(ts("2026-11-21T14:00:00Z"))
        );
        assert_eq!(
            window_state(&windows, ts("2026-11-21T15:00:00Z")),
            WindowState::Passed
        );
        let p = RetryPolicy::default();
        assert_eq!(
            next_attempt(&p, 1, ts("2026-11-21T09:05:00Z"), &windows),
            Some(ts("2026-11-21T09:15:00Z"))
        );
        assert_eq!(
            next_attempt(&p, 2, ts("2026-11-21T09:25:00Z"), &windows),
            Some(ts("2026-11-21T14:00:00Z"))
        );
        assert_eq!(
            next_attempt(&p, 3, ts("2026-11-21T14:05:00Z"), &windows),
            None,
            "attempts used up"
        );
        assert_eq!(
            next_attempt(&p, 1, ts("2026-11-21T14:55:00Z"), &windows),
            None,
            "no window left"
        );
    }
}
