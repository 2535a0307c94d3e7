//! Estimated wait, from the queue's recent throughput.
//!
//! Method: an exponentially weighted moving average (α = 0.3) of the time
//! between consecutive assignments out of the queue. An item at position p
//! is expected to wait p such intervals. Until two assignments have
//! happened there is no estimate (`None`), rather than a made-up number.
//! The average of recent waits is kept too, for the queue figures.

use super::model::Millis;

const ALPHA: f64 = 0.3;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct WaitEstimator {
    last_assignment: Option<Millis>,
    interval: Option<f64>,
    /// EWMA of the waits of recently assigned items.
    pub recent_wait: Option<f64>,
}

impl WaitEstimator {
    pub fn record_assignment(&mut self, now: Millis, waited: Millis) {
        if let Some(last) = self.last_assignment {
            let gap = now.saturating_sub(last) as f64;
            self.interval = Some(match self.interval {
                None => gap,
                Some(avg) => ALPHA * gap + (1.0 - ALPHA) * avg,
            });
        }
        self.last_assignment = Some(now);
        self.recent_wait = Some(match self.recent_wait {
            None => waited as f64,
            Some(avg) => ALPHA * waited as f64 + (1.0 - ALPHA) * avg,
        });
    }

    /// Expected wait for the item at `position` (1-based).
    pub fn estimate(&self, position: usize) -> Option<Millis> {
        self.interval
            .map(|i| (i * position as f64).round() as Millis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_throughput() {
        let mut e = WaitEstimator::default();
        assert_eq!(e.estimate(1), None);
        e.record_assignment(1_000, 0);
        assert_eq!(e.estimate(1), None);
        e.record_assignment(11_000, 0);
        assert_eq!(e.estimate(3), Some(30_000));
        e.record_assignment(12_000, 0); // faster: 0.3 × 1000 + 0.7 × 10000
        assert_eq!(e.estimate(1), Some(7_300));
    }
}
