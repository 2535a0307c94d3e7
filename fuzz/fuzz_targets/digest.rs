//! The `Authorization` / `Proxy-Authorization` header of a REGISTER or an
//! INVITE (SIP digest).
//!
//! Properties: credentials written back as a header read the same again,
//! and the check passes with the right response only.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_core::voice::digest::{self, Credentials};

fn quoted(v: &str) -> String {
    format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
}

fn header(c: &Credentials) -> String {
    let mut h = format!(
        "Digest username={}, realm={}, nonce={}, uri={}, response={}",
        quoted(&c.username),
        quoted(&c.realm),
        quoted(&c.nonce),
        quoted(&c.uri),
        quoted(&c.response)
    );
    for (k, v) in [
        ("algorithm", &c.algorithm),
        ("qop", &c.qop),
        ("nc", &c.nc),
        ("cnonce", &c.cnonce),
    ] {
        if let Some(v) = v {
            h.push_str(&format!(", {k}={}", quoted(v)));
        }
    }
    h
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(c) = digest::parse(text) else {
        return;
    };
    assert_eq!(digest::parse(&header(&c)).as_ref(), Some(&c));

    let ha1 = digest::ha1(&c.username, &c.realm, "secret");
    for method in ["REGISTER", "INVITE"] {
        match digest::expected_response(&c, &ha1, method) {
            Some(right) => {
                let good = Credentials {
                    response: right.to_ascii_uppercase(),
                    ..c.clone()
                };
                assert!(digest::verify(&good, &ha1, method));
                let bad = Credentials {
                    response: format!("{right}0"),
                    ..c.clone()
                };
                assert!(!digest::verify(&bad, &ha1, method));
                if c.response.to_ascii_lowercase() != right {
                    assert!(!digest::verify(&c, &ha1, method));
                }
            }
            None => assert!(!digest::verify(&c, &ha1, method)),
        }
    }
});
