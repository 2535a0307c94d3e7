//! The SDP body of an INVITE (or of a 200 OK to our own INVITE).
//!
//! Property: an offer we accept negotiates to an answer that we ourselves
//! read back as the same codec, payload types and packet time.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_core::voice::sdp;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(offer) = sdp::parse_offer(text) else {
        return;
    };
    let Ok(n) = sdp::negotiate(&offer) else {
        return;
    };
    assert!((10..=60).contains(&n.ptime));
    let local = "127.0.0.1:40000".parse().unwrap();
    let answer = sdp::answer(&n, local, 1, 1);
    let back = sdp::parse_offer(&answer).expect("our answer parses");
    assert_eq!(back.remote, local);
    let again = sdp::negotiate(&back).expect("our answer negotiates");
    assert_eq!(again.codec, n.codec);
    assert_eq!(again.payload_type, n.payload_type);
    assert_eq!(again.dtmf_payload_type, n.dtmf_payload_type);
    assert_eq!(again.ptime, n.ptime);
});
