//! A datagram on an RTP port: RTP (RFC 3550) or RTCP sharing the port, and
//! the RFC 4733 telephone-events it may carry.
//!
//! Properties: the payload is a slice of the packet after the fixed header,
//! RTCP is never taken for RTP, and one key press (one timestamp and event)
//! is reported at most once however often it is repeated.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_core::voice::dtmf::{self, DtmfReceiver};
use switchboard_voice::media;

fuzz_target!(|data: &[u8]| {
    if let Some(p) = media::parse_rtp(data) {
        assert!(data.len() >= 12 && data[0] >> 6 == 2);
        assert!(!(72..=76).contains(&p.payload_type), "RTCP taken for RTP");
        assert!(p.payload.len() <= data.len() - 12);
        let start = p.payload.as_ptr() as usize - data.as_ptr() as usize;
        assert!(start >= 12 && start + p.payload.len() <= data.len());

        let mut rx = DtmfReceiver::new();
        let first = rx.packet(p.timestamp, p.payload);
        for _ in 0..3 {
            assert_eq!(
                rx.packet(p.timestamp, p.payload),
                None,
                "a key pressed twice"
            );
        }
        if let Some(e) = dtmf::parse_event(p.payload) {
            assert_eq!(first, dtmf::digit(e.event));
            assert!(e.volume <= 0x3F);
        }
    }
    // Any bytes as a telephone-event payload, and a stream of them.
    let mut rx = DtmfReceiver::new();
    for (i, chunk) in data.chunks(4).enumerate() {
        let _ = rx.packet(i as u32 / 3, chunk);
    }
});
