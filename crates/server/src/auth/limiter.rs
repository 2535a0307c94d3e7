//! Sign-in throttling, so passwords cannot be guessed at machine speed and
//! nobody can lock someone else out.
//!
//! Three counters, each over a sliding window:
//! - per client address and email together: `PER_PAIR` attempts in 15
//!   minutes. An attacker guessing a person's password from their own
//!   address stops there, while the person, signing in from elsewhere, is
//!   not affected (a limit per email alone let anyone lock out anyone, the
//!   admin included, by typing their email ten times);
//! - per client address: `PER_ADDRESS` attempts in 15 minutes, whatever the
//!   emails, so one address cannot spray many accounts;
//! - a global ceiling of `GLOBAL_PER_MINUTE` attempts a minute, which bounds
//!   the password checks (deliberately slow) a crowd of addresses can cost.
//!
//! Addresses are the client's as `client_addr` reads them (IPv6 per /64,
//! trusted proxies honoured). An attempt is counted when it starts, not
//! when its slow password check fails, so a burst of parallel guesses
//! cannot all slip past a limit. Refusals are decided before the password
//! check, the same whether the email exists or not: no enumeration.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const PER_PAIR: usize = 10;
pub const PER_ADDRESS: usize = 30;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
pub const GLOBAL_PER_MINUTE: usize = 600;
const MINUTE: Duration = Duration::from_secs(60);
/// Memory bound under a spray of made-up emails or addresses.
const MAX_KEYS: usize = 100_000;

#[derive(Default)]
pub struct LoginLimiter {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    pairs: HashMap<(String, String), Vec<Instant>>,
    addresses: HashMap<String, Vec<Instant>>,
    global: VecDeque<Instant>,
}

/// Keeps the attempts still inside the window; true when there is room for one more.
fn room(list: &mut Vec<Instant>, now: Instant, max: usize) -> bool {
    list.retain(|t| now.duration_since(*t) < WINDOW);
    list.len() < max
}

impl LoginLimiter {
    /// Counts an attempt for `email` from the client address bucket
    /// `address`, or refuses it when one of the limits is reached.
    pub fn begin(&self, address: &str, email: &str, now: Instant) -> bool {
        let mut guard = self.inner.lock().expect("limiter lock");
        let inner = &mut *guard;
        while inner
            .global
            .front()
            .is_some_and(|t| now.duration_since(*t) >= MINUTE)
        {
            inner.global.pop_front();
        }
        if inner.global.len() >= GLOBAL_PER_MINUTE {
            return false;
        }
        if inner.pairs.len() > MAX_KEYS {
            inner
                .pairs
                .retain(|_, v| v.iter().any(|t| now.duration_since(*t) < WINDOW));
        }
        if inner.addresses.len() > MAX_KEYS {
            inner
                .addresses
                .retain(|_, v| v.iter().any(|t| now.duration_since(*t) < WINDOW));
        }
        let by_address = inner.addresses.entry(address.to_owned()).or_default();
        if !room(by_address, now, PER_ADDRESS) {
            return false;
        }
        let pair = inner
            .pairs
            .entry((address.to_owned(), email.to_owned()))
            .or_default();
        if !room(pair, now, PER_PAIR) {
            return false;
        }
        pair.push(now);
        by_address.push(now);
        inner.global.push_back(now);
        true
    }

    /// A successful sign-in forgets this address's attempts for the email
    /// (and does not count against the address).
    pub fn succeeded(&self, address: &str, email: &str) {
        let mut inner = self.inner.lock().expect("limiter lock");
        if let Some(pair) = inner.pairs.remove(&(address.to_owned(), email.to_owned())) {
            if let Some(list) = inner.addresses.get_mut(address) {
                let n = list.len().saturating_sub(pair.len());
                list.truncate(n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_limit_and_forgets_after_the_window() {
        let l = LoginLimiter::default();
        let t0 = Instant::now();
        for _ in 0..PER_PAIR {
            assert!(l.begin("192.0.2.1", "a", t0));
        }
        assert!(!l.begin("192.0.2.1", "a", t0));
        assert!(l.begin("192.0.2.1", "b", t0));
        assert!(l.begin("192.0.2.1", "a", t0 + WINDOW));
        l.succeeded("192.0.2.1", "a");
        for _ in 0..PER_PAIR {
            assert!(l.begin("192.0.2.1", "a", t0 + WINDOW));
        }
    }

    #[test]
    fn an_attacker_cannot_lock_out_a_person_signing_in_from_elsewhere() {
        let l = LoginLimiter::default();
        let t0 = Instant::now();
        for _ in 0..PER_PAIR * 3 {
            l.begin("203.0.113.66", "admin@example.com", t0);
        }
        assert!(!l.begin("203.0.113.66", "admin@example.com", t0));
        assert!(l.begin("198.51.100.7", "admin@example.com", t0));
    }

    #[test]
    fn one_address_cannot_spray_many_accounts() {
        let l = LoginLimiter::default();
        let t0 = Instant::now();
        for i in 0..PER_ADDRESS {
            assert!(l.begin("203.0.113.66", &format!("user{i}@example.com"), t0));
        }
        assert!(!l.begin("203.0.113.66", "someone-else@example.com", t0));
        assert!(l.begin("198.51.100.7", "someone-else@example.com", t0));
    }

    #[test]
    fn a_crowd_of_addresses_meets_the_global_ceiling() {
        let l = LoginLimiter::default();
        let t0 = Instant::now();
        for i in 0..GLOBAL_PER_MINUTE {
            assert!(l.begin(&format!("addr{i}"), "admin@example.com", t0));
        }
        assert!(!l.begin("fresh", "other@example.com", t0));
        assert!(l.begin("fresh", "other@example.com", t0 + MINUTE));
    }
}
