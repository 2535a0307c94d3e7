//! Failed sign-in throttling: at most `MAX_FAILURES` failures per email in a
//! sliding window, so passwords cannot be guessed at machine speed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const MAX_FAILURES: usize = 10;
const WINDOW: Duration = Duration::from_secs(15 * 60);

#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl LoginLimiter {
    pub fn is_blocked(&self, email: &str, now: Instant) -> bool {
        let mut map = self.failures.lock().expect("limiter lock");
        let entry = map.entry(email.to_owned()).or_default();
        entry.retain(|t| now.duration_since(*t) < WINDOW);
        entry.len() >= MAX_FAILURES
    }

    pub fn record_failure(&self, email: &str, now: Instant) {
        let mut map = self.failures.lock().expect("limiter lock");
        // Bound memory under a spray of made-up emails.
        if map.len() > 100_000 {
            map.retain(|_, v| v.iter().any(|t| now.duration_since(*t) < WINDOW));
        }
        map.entry(email.to_owned()).or_default().push(now);
    }

    pub fn clear(&self, email: &str) {
        self.failures.lock().expect("limiter lock").remove(email);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_and_forgets_after_the_window() {
        let l = LoginLimiter::default();
        let t0 = Instant::now();
        for _ in 0..MAX_FAILURES {
            assert!(!l.is_blocked("a", t0));
            l.record_failure("a", t0);
        }
        assert!(l.is_blocked("a", t0));
        assert!(!l.is_blocked("b", t0));
        assert!(!l.is_blocked("a", t0 + WINDOW));
    }
}
