//! Rate limits for the public visitor endpoints: a token bucket per key
//! (a visitor, an IP address), so a burst is allowed and a flood is not.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

pub struct RateLimiter {
    /// Tokens added per second.
    rate: f64,
    /// Bucket size: the burst allowed.
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn per_minute(per_minute: u32, burst: u32) -> Self {
        Self {
            rate: per_minute as f64 / 60.0,
            burst: burst.max(1) as f64,
            buckets: Mutex::default(),
        }
    }

    /// Takes one token for `key`; false when there is none left.
    pub fn allow(&self, key: &str, now: Instant) -> bool {
        let mut map = self.buckets.lock().expect("limiter lock");
        // Bound memory: forget full buckets when the map grows large.
        if map.len() > 200_000 {
            let (rate, burst) = (self.rate, self.burst);
            map.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate < burst
            });
        }
        let (tokens, at) = map.entry(key.to_owned()).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.rate).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn allows_a_burst_then_the_rate() {
        let l = RateLimiter::per_minute(60, 3);
        let t0 = Instant::now();
        assert!((0..3).all(|_| l.allow("a", t0)));
        assert!(!l.allow("a", t0));
        assert!(l.allow("b", t0), "keys are independent");
        assert!(!l.allow("a", t0 + Duration::from_millis(500)));
        assert!(l.allow("a", t0 + Duration::from_millis(1600)));
    }
}
