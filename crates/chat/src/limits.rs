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

/// Open sockets counted per key (a visitor, an address bucket), each
/// capped. A slot is a guard: dropping it (on a normal close, an abnormal
/// one, or a task that panics) gives the slot back, so nothing leaks.
pub struct SocketCaps {
    per_visitor: usize,
    per_address: usize,
    open: std::sync::Arc<Mutex<HashMap<String, usize>>>,
}

/// Which cap a socket would go over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketCap {
    Visitor,
    Address,
}

/// One open socket's places in the counts; released on drop.
pub struct SocketSlot {
    keys: [String; 2],
    open: std::sync::Arc<Mutex<HashMap<String, usize>>>,
}

impl SocketCaps {
    pub fn new(per_visitor: usize, per_address: usize) -> Self {
        Self {
            per_visitor: per_visitor.max(1),
            per_address: per_address.max(1),
            open: Default::default(),
        }
    }

    /// Takes a slot for a socket of `visitor` from address `bucket`, or
    /// names the cap it would go over (taking nothing).
    pub fn open(&self, visitor: &str, bucket: &str) -> Result<SocketSlot, SocketCap> {
        let keys = [format!("v:{visitor}"), format!("a:{bucket}")];
        let mut map = self.open.lock().expect("socket caps lock");
        if map.get(&keys[0]).copied().unwrap_or(0) >= self.per_visitor {
            return Err(SocketCap::Visitor);
        }
        if map.get(&keys[1]).copied().unwrap_or(0) >= self.per_address {
            return Err(SocketCap::Address);
        }
        for k in &keys {
            *map.entry(k.clone()).or_default() += 1;
        }
        drop(map);
        Ok(SocketSlot {
            keys,
            open: self.open.clone(),
        })
    }

    /// Sockets open now under a key (for tests and metrics).
    pub fn count(&self, visitor: &str) -> usize {
        let map = self.open.lock().expect("socket caps lock");
        map.get(&format!("v:{visitor}")).copied().unwrap_or(0)
    }
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        let mut map = self.open.lock().unwrap_or_else(|e| e.into_inner());
        for k in &self.keys {
            if let Some(n) = map.get_mut(k) {
                *n -= 1;
                if *n == 0 {
                    map.remove(k);
                }
            }
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

    #[test]
    fn socket_slots_are_capped_and_given_back_on_drop() {
        let caps = SocketCaps::new(2, 3);
        let a1 = caps.open("a", "10.0.0.1").unwrap();
        let _a2 = caps.open("a", "10.0.0.1").unwrap();
        assert_eq!(caps.open("a", "10.0.0.2").err(), Some(SocketCap::Visitor));
        let _b1 = caps.open("b", "10.0.0.1").unwrap();
        assert_eq!(caps.open("c", "10.0.0.1").err(), Some(SocketCap::Address));
        drop(a1);
        assert_eq!(caps.count("a"), 1);
        let _c1 = caps.open("c", "10.0.0.1").unwrap();
        assert!(caps.open.lock().unwrap().len() == 4);
    }
}
