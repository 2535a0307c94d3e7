//! Waiting items over the last hours: the per-minute samples the server
//! keeps for each queue (`queue_samples`) turned into one line of steps
//! for the live dashboard's chart.
//!
//! A queue's sample says how many of its items waited at most during a
//! minute and how many after the minute's last change. A minute without a
//! sample changed nothing: its queue still holds what the last sample
//! left. A step's peak adds the queues' own peaks in that step (for one
//! queue exactly its most at once; over several, at least the most at once
//! and at most that sum), and its last value adds what each queue held at
//! the step's end.

use std::collections::HashMap;

/// One queue's minute (whole minutes since 1970-01-01T00:00:00Z).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    pub queue_id: String,
    pub minute: i64,
    pub waiting_max: i64,
    pub waiting_last: i64,
}

/// One step of the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    /// The step's first minute.
    pub minute: i64,
    /// The most items waiting during the step (queues' peaks added).
    pub peak: i64,
    /// Items waiting at the step's end (or now, for the current step).
    pub last: i64,
}

/// The longest span the chart shows, in hours.
pub const MOST_HOURS: i64 = 24;

/// The steps of a chart of the last `hours` (1 to [`MOST_HOURS`]) at
/// `now` (a minute): at most 96 of them, whole minutes each (the fewest
/// minutes that keep to 96), the last one holding `now`. Returns (first
/// minute, minutes per step, steps).
pub fn span(now: i64, hours: i64) -> (i64, i64, usize) {
    let step = ((hours * 60 + 95) / 96).max(1);
    let end = now.div_euclid(step) * step + step;
    let steps = (hours * 60 + step - 1) / step;
    (end - steps * step, step, steps as usize)
}

/// The line over `steps` steps of `step` minutes from minute `from`:
/// `before` holds each queue's last sample before `from`, `during` the
/// samples from `from` on in the order of their minutes.
pub fn series(
    before: &[Sample],
    during: &[Sample],
    from: i64,
    step: i64,
    steps: usize,
) -> Vec<Point> {
    let mut now: HashMap<&str, i64> = before
        .iter()
        .map(|s| (s.queue_id.as_str(), s.waiting_last))
        .collect();
    let mut next = during.iter().peekable();
    let mut out = Vec::with_capacity(steps);
    for i in 0..steps as i64 {
        let start = from + i * step;
        let end = start + step;
        // Every queue starts the step with what it held before it.
        let mut peaks: HashMap<&str, i64> = now.clone();
        while let Some(s) = next.next_if(|s| s.minute < end) {
            if s.minute < start {
                continue;
            }
            let q = s.queue_id.as_str();
            let p = peaks.entry(q).or_insert(0);
            *p = (*p).max(s.waiting_max);
            now.insert(q, s.waiting_last);
        }
        out.push(Point {
            minute: start,
            peak: peaks.values().sum(),
            last: now.values().sum(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(queue: &str, minute: i64, max: i64, last: i64) -> Sample {
        Sample {
            queue_id: queue.into(),
            minute,
            waiting_max: max,
            waiting_last: last,
        }
    }

    #[test]
    fn the_span_ends_with_the_step_holding_now_in_at_most_96_steps() {
        // 8 hours: 5-minute steps; now = 10:07 → the last step is 10:05–10:10.
        let now = 600 + 7;
        let (from, step, steps) = span(now, 8);
        assert_eq!((step, steps), (5, 96));
        assert_eq!(from + 95 * step, 605);
        assert_eq!(from, 610 - 480);
        // One hour: minutes; a day: quarter hours.
        assert_eq!(span(now, 1), (now + 1 - 60, 1, 60));
        assert_eq!(span(now, 24).1, 15);
        // 13 hours: 9-minute steps (8 would make 98), the span rounded up
        // to whole steps; 2 and 3 hours: 2-minute steps.
        let (from, step, steps) = span(now, 13);
        assert_eq!((step, steps), (9, 87));
        assert!(from + (steps as i64) * step > now && steps as i64 * step >= 13 * 60);
        assert_eq!((span(now, 2).1, span(now, 2).2), (2, 60));
        assert_eq!((span(now, 3).1, span(now, 3).2), (2, 90));
        for hours in 1..=MOST_HOURS {
            let (from, step, steps) = span(now, hours);
            assert!(steps <= 96, "{hours} h: {steps} steps");
            assert!(steps as i64 * step >= hours * 60, "{hours} h long");
            assert!(from + steps as i64 * step > now, "{hours} h: now is in it");
            assert!(
                from + (steps as i64 - 1) * step <= now,
                "{hours} h: ends with now"
            );
        }
    }

    #[test]
    fn quiet_minutes_keep_what_the_last_sample_left() {
        // 3 waiting before the span; no sample during it.
        let line = series(&[s("q", 90, 4, 3)], &[], 100, 5, 3);
        let peaks: Vec<i64> = line.iter().map(|p| p.peak).collect();
        let lasts: Vec<i64> = line.iter().map(|p| p.last).collect();
        assert_eq!((peaks, lasts), (vec![3, 3, 3], vec![3, 3, 3]));
        assert_eq!(
            line.iter().map(|p| p.minute).collect::<Vec<_>>(),
            vec![100, 105, 110]
        );
    }

    #[test]
    fn a_step_peaks_at_its_samples_or_what_it_began_with() {
        let before = [s("q", 50, 2, 2)];
        let during = [
            // Step 100–104: up to 6, ends at 1.
            s("q", 101, 6, 4),
            s("q", 103, 4, 1),
            // Step 105–109: nothing. Step 110–114: 1 → 0.
            s("q", 112, 1, 0),
        ];
        let line = series(&before, &during, 100, 5, 3);
        assert_eq!(
            line.iter().map(|p| (p.peak, p.last)).collect::<Vec<_>>(),
            vec![(6, 1), (1, 1), (1, 0)]
        );
    }

    #[test]
    fn queues_add_their_own_peaks_and_their_last_values() {
        let before = [s("a", 10, 1, 1)];
        let during = [s("b", 100, 3, 3), s("a", 101, 2, 0), s("b", 102, 3, 2)];
        let line = series(&before, &during, 100, 5, 2);
        // a: peak 2, ends 0; b: peak 3, ends 2.
        assert_eq!(
            line[0],
            Point {
                minute: 100,
                peak: 5,
                last: 2
            }
        );
        assert_eq!(
            line[1],
            Point {
                minute: 105,
                peak: 2,
                last: 2
            }
        );
    }

    #[test]
    fn samples_before_the_span_in_during_are_skipped_not_counted() {
        let line = series(&[], &[s("q", 95, 9, 9)], 100, 5, 1);
        assert_eq!(
            line[0],
            Point {
                minute: 100,
                peak: 0,
                last: 0
            }
        );
    }
}
