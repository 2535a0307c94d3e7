//! Signatures as the Standard Webhooks scheme has them: the key is the
//! registration's secret without its `whsec_` prefix, base64-decoded; the
//! signed text is `<webhook-id>.<webhook-timestamp>.<body>`; the header
//! holds `v1,<base64 of the HMAC-SHA256>`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

const PREFIX: &str = "whsec_";

/// A new signing secret: 256 random bits, `whsec_` and base64.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{PREFIX}{}", STANDARD.encode(bytes))
}

fn key(secret: &str) -> Option<Vec<u8>> {
    STANDARD.decode(secret.strip_prefix(PREFIX)?).ok()
}

fn mac(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(&key(secret)?).ok()?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(mac)
}

/// The `webhook-signature` header for a delivery; None for a malformed
/// secret (never one this crate made).
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let tag = mac(secret, id, timestamp, body)?.finalize().into_bytes();
    Some(format!("v1,{}", STANDARD.encode(tag)))
}

/// Whether any `v1,` signature in `header` (space-separated) is the
/// delivery's, compared in constant time. What a receiver does; the tests
/// use it, and `docs/webhooks.md` shows the same steps.
pub fn verify(secret: &str, id: &str, timestamp: i64, body: &[u8], header: &str) -> bool {
    header.split(' ').any(|sig| {
        let Some(b64) = sig.strip_prefix("v1,") else {
            return false;
        };
        let (Ok(tag), Some(mac)) = (STANDARD.decode(b64), mac(secret, id, timestamp, body)) else {
            return false;
        };
        mac.verify_slice(&tag).is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_and_any_change_breaks_it() {
        let secret = new_secret();
        assert!(secret.starts_with("whsec_"));
        let body = br#"{"type":"case.created","timestamp":"2026-12-06T19:00:00Z","data":{}}"#;
        let sig = sign(&secret, "msg_1", 1_796_000_000, body).unwrap();
        assert!(sig.starts_with("v1,"));
        assert!(verify(&secret, "msg_1", 1_796_000_000, body, &sig));
        assert!(verify(
            &secret,
            "msg_1",
            1_796_000_000,
            body,
            &format!("v1,AAAA {sig}")
        ));
        assert!(!verify(&secret, "msg_2", 1_796_000_000, body, &sig));
        assert!(!verify(&secret, "msg_1", 1_796_000_001, body, &sig));
        assert!(!verify(&secret, "msg_1", 1_796_000_000, b"{}", &sig));
        assert!(!verify(&new_secret(), "msg_1", 1_796_000_000, body, &sig));
        assert!(!verify(&secret, "msg_1", 1_796_000_000, body, "v2,xyz"));
    }

    /// A fixed vector, so that a change of scheme shows up here: the key is
    /// 32 bytes of 0x01 and the signed text `msg_x.1700000000.{}`. The
    /// expected tag was computed once with Python's `hmac` module
    /// (`base64.b64encode(hmac.new(b"\x01"*32, b"msg_x.1700000000.{}",
    /// "sha256").digest())`).
    #[test]
    fn the_scheme_is_the_standard_one() {
        let secret = format!("{PREFIX}{}", STANDARD.encode([1u8; 32]));
        let sig = sign(&secret, "msg_x", 1_700_000_000, b"{}").unwrap();
        assert_eq!(sig, "v1,RWPQHmJOP2VSnBGWEg1RtvMz4hgR3q6hhgAHaN2jr5s=");
    }
}
