//! Digits a caller presses: RFC 4733 telephone-events in the RTP stream,
//! and SIP INFO bodies (`application/dtmf-relay`, `application/dtmf`).
//!
//! One key press is one event, identified by its RTP timestamp: senders
//! repeat the event while the key is held and send its end three times.
//! The receiver reports each press once, when its first packet arrives,
//! and remembers recent events by (timestamp, event) — not by SSRC, so a
//! stream whose SSRC changes mid-call (a gateway re-INVITE, a failover)
//! and resends the end packets does not press the key twice.

use std::collections::VecDeque;

/// The payload of one telephone-event packet (RFC 4733 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelephoneEvent {
    pub event: u8,
    pub end: bool,
    pub volume: u8,
    /// In RTP timestamp units (8 kHz: 160 per 20 ms).
    pub duration: u16,
}

/// Parses the 4-byte payload; `None` when too short.
pub fn parse_event(payload: &[u8]) -> Option<TelephoneEvent> {
    let [event, flags, d1, d2, ..] = *payload else {
        return None;
    };
    Some(TelephoneEvent {
        event,
        end: flags & 0x80 != 0,
        volume: flags & 0x3F,
        duration: u16::from_be_bytes([d1, d2]),
    })
}

/// The digit of an event code: 0–9, `*` (10), `#` (11), A–D (12–15).
pub fn digit(event: u8) -> Option<char> {
    match event {
        0..=9 => Some(char::from(b'0' + event)),
        10 => Some('*'),
        11 => Some('#'),
        12..=15 => Some(char::from(b'A' + event - 12)),
        _ => None,
    }
}

/// Events remembered to drop repeats.
const REMEMBERED: usize = 16;

#[derive(Debug, Default)]
pub struct DtmfReceiver {
    recent: VecDeque<(u32, u8)>,
}

impl DtmfReceiver {
    pub fn new() -> Self {
        Self::default()
    }

    /// One telephone-event RTP packet (its RTP timestamp and payload): the
    /// digit when this packet starts a new key press.
    pub fn packet(&mut self, rtp_timestamp: u32, payload: &[u8]) -> Option<char> {
        let e = parse_event(payload)?;
        let d = digit(e.event)?;
        let key = (rtp_timestamp, e.event);
        if self.recent.contains(&key) {
            return None;
        }
        if self.recent.len() == REMEMBERED {
            self.recent.pop_front();
        }
        self.recent.push_back(key);
        Some(d)
    }
}

/// The digit in a SIP INFO body: `application/dtmf-relay`
/// (`Signal=5\r\nDuration=160`) or `application/dtmf` (`5`).
pub fn sip_info_digit(content_type: &str, body: &str) -> Option<char> {
    let ct = content_type.split(';').next()?.trim().to_ascii_lowercase();
    let signal = match ct.as_str() {
        "application/dtmf-relay" => body.lines().find_map(|line| {
            let (k, v) = line.split_once('=')?;
            k.trim().eq_ignore_ascii_case("signal").then(|| v.trim())
        })?,
        "application/dtmf" => body.trim(),
        _ => return None,
    };
    let mut chars = signal.chars();
    let c = chars.next()?.to_ascii_uppercase();
    if chars.next().is_some() {
        // Some phones send the event number ("10" for *).
        return signal.parse::<u8>().ok().and_then(digit);
    }
    matches!(c, '0'..='9' | '*' | '#' | 'A'..='D').then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(event: u8, end: bool, duration: u16) -> [u8; 4] {
        let d = duration.to_be_bytes();
        [event, if end { 0x80 | 10 } else { 10 }, d[0], d[1]]
    }

    #[test]
    fn a_held_key_with_three_end_packets_is_one_press() {
        let mut r = DtmfReceiver::new();
        let ts = 48_000;
        let mut got = Vec::new();
        for (end, dur) in [
            (false, 160),
            (false, 320),
            (false, 480),
            (true, 640),
            (true, 640),
            (true, 640),
        ] {
            got.extend(r.packet(ts, &payload(1, end, dur)));
        }
        assert_eq!(got, ['1']);
        // The next press has a new timestamp.
        assert_eq!(r.packet(ts + 1600, &payload(1, false, 160)), Some('1'));
        assert_eq!(r.packet(ts + 3200, &payload(11, true, 800)), Some('#'));
    }

    #[test]
    fn an_ssrc_change_resending_the_end_does_not_press_again() {
        // The receiver is keyed by timestamp and event, whatever the SSRC:
        // the same packets arriving under a new SSRC are still one press.
        let mut r = DtmfReceiver::new();
        assert_eq!(r.packet(1000, &payload(5, false, 160)), Some('5'));
        assert_eq!(r.packet(1000, &payload(5, true, 800)), None);
        assert_eq!(r.packet(1000, &payload(5, true, 800)), None);
        // A lost start: the first packet seen is an end packet.
        assert_eq!(r.packet(9000, &payload(10, true, 800)), Some('*'));
    }

    #[test]
    fn bad_payloads_and_unknown_events_are_ignored() {
        let mut r = DtmfReceiver::new();
        assert_eq!(r.packet(1, &[1, 2]), None);
        assert_eq!(
            r.packet(2, &payload(16, false, 160)),
            None,
            "flash is not a digit"
        );
        assert_eq!(
            parse_event(&payload(3, true, 400)),
            Some(TelephoneEvent {
                event: 3,
                end: true,
                volume: 10,
                duration: 400
            })
        );
        assert_eq!(digit(12), Some('A'));
        assert_eq!(digit(15), Some('D'));
    }

    #[test]
    fn many_presses_each_count_once() {
        let mut r = DtmfReceiver::new();
        for n in 0..40u32 {
            assert_eq!(r.packet(n * 1000, &payload(2, false, 160)), Some('2'));
            assert_eq!(r.packet(n * 1000, &payload(2, true, 160)), None);
        }
    }

    #[test]
    fn sip_info_bodies() {
        assert_eq!(
            sip_info_digit("application/dtmf-relay", "Signal=1\r\nDuration=160\r\n"),
            Some('1')
        );
        assert_eq!(
            sip_info_digit(
                "Application/DTMF-Relay; charset=x",
                "signal= #\nDuration=100"
            ),
            Some('#')
        );
        assert_eq!(sip_info_digit("application/dtmf", "*"), Some('*'));
        assert_eq!(
            sip_info_digit("application/dtmf-relay", "Signal=10\r\n"),
            Some('*')
        );
        assert_eq!(
            sip_info_digit("application/dtmf-relay", "Duration=160"),
            None
        );
        assert_eq!(sip_info_digit("text/plain", "1"), None);
        assert_eq!(sip_info_digit("application/dtmf", "x"), None);
    }
}
