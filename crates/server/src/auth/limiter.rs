//! Sign-in throttling: at most `MAX_ATTEMPTS` unsuccessful attempts per email
//! in a sliding window, so passwords cannot be guessed at machine speed.
//!
//! An attempt is counted when it starts, not when its (slow) password check
//! fails, so a burst of parallel guesses cannot all slip past the limit.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const MAX_ATTEMPTS: usize = 10;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

#[derive(Default)]
pub struct LoginLimiter {
    attempts: Mutex<HashMap<String, Vec<Instant>>>,
}

impl LoginLimiter {
    /// Counts an attempt for `email`, or refuses it when the window is full.
    pub fn begin(&self, email: &str, now: Instant) -> bool {
        let mut map = self.attempts.lock().expect("limiter lock");
        // Bound memory under a spray of made-up emails.
        if map.len() > 100_000 {
            map.retain(|_, v| v.iter().any(|t| now.duration_since(*t) < WINDOW));
        }
        let entry = map.entry(email.to_owned()).or_default();
        entry.retain(|t| now.duration_since(*t) < WINDOW);
        if entry.len() >= MAX_ATTEMPTS {
            return false;
        }
        entry.push(now);
        true
    }

    /// A successful sign-in forgets the email's attempts.
    pub fn succeeded(&self, email: &str) {
        self.attempts.lock().expect("limiter lock").remove(email);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_limit_and_forgets_after_the_window() {
        let l = LoginLimiter::default();
        let t0 = Instant::now();
        for _ in 0..MAX_ATTEMPTS {
            assert!(l.begin("a", t0));
        }
        assert!(!l.begin("a", t0));
        assert!(l.begin("b", t0));
        assert!(l.begin("a", t0 + WINDOW));
        l.succeeded("a");
        for _ in 0..MAX_ATTEMPTS {
            assert!(l.begin("a", t0 + WINDOW));
        }
    }
}
