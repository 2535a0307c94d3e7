//! The host site's JWT a widget hands over (`Switchboard.setAuthToken`), as
//! the visitor endpoints verify it (HS256 with the widget's secret).
//!
//! Input: a token, or (first byte 0) claims as JSON that the fuzzer signs
//! with the right secret. Properties: a token not signed with the secret
//! never verifies; a verified one has a usable `sub`.
#![no_main]

use jsonwebtoken::{encode, EncodingKey, Header};
use libfuzzer_sys::fuzz_target;
use switchboard_chat::host_auth::Verifier;
use switchboard_chat::settings::{Algorithm, AuthSpec};

const SECRET: &str = "a shared secret of at least 32 characters";

fuzz_target!(|data: &[u8]| {
    let verifier = Verifier::new(&AuthSpec {
        algorithm: Algorithm::HS256,
        secret: Some(SECRET.into()),
        public_key_pem: None,
        issuer: Some("https://shop.example".into()),
    })
    .expect("a verifier");
    match data.split_first() {
        Some((0, claims)) => {
            let Ok(claims) = serde_json::from_slice::<serde_json::Value>(claims) else {
                return;
            };
            let token = encode(
                &Header::default(),
                &claims,
                &EncodingKey::from_secret(SECRET.as_bytes()),
            )
            .expect("signing");
            if let Ok(c) = verifier.verify(&token) {
                assert!(!c.sub.trim().is_empty() && c.sub.len() <= 200);
                assert_eq!(claims["iss"], "https://shop.example");
            }
        }
        _ => {
            let token = String::from_utf8_lossy(data);
            // The fuzzer does not know the secret: nothing it forges passes.
            assert!(
                verifier.verify(&token).is_err(),
                "a forged token verified: {token:?}"
            );
        }
    }
});
