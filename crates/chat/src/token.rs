//! Visitor tokens: what the widget shows to prove which visitor it is.
//!
//! `<payload>.<signature>`, both base64url: the payload names the widget,
//! the visitor and an expiry; the signature is HMAC-SHA256 under a key the
//! server generates once and keeps in the database, so tokens survive a
//! restart. A token reaches only its own visitor's conversations.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// How long a visitor token lasts; the widget registers again after.
pub const LIFETIME_SECONDS: i64 = 24 * 3600;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorClaims {
    #[serde(rename = "w")]
    pub widget_id: String,
    #[serde(rename = "v")]
    pub visitor_id: String,
    #[serde(rename = "e")]
    pub expires: i64,
}

#[derive(Clone)]
pub struct TokenKey(Vec<u8>);

impl TokenKey {
    pub fn new(secret: &str) -> Self {
        Self(secret.as_bytes().to_vec())
    }

    fn mac(&self, payload: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(payload.as_bytes());
        mac
    }

    pub fn issue(&self, widget_id: &str, visitor_id: &str, now: i64) -> String {
        let claims = VisitorClaims {
            widget_id: widget_id.to_owned(),
            visitor_id: visitor_id.to_owned(),
            expires: now + LIFETIME_SECONDS,
        };
        let payload =
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).expect("claims serialize"));
        let sig = URL_SAFE_NO_PAD.encode(self.mac(&payload).finalize().into_bytes());
        format!("{payload}.{sig}")
    }

    /// The claims of a token this server signed for `widget_id`, not expired.
    pub fn verify(&self, token: &str, widget_id: &str, now: i64) -> Option<VisitorClaims> {
        let (payload, sig) = token.split_once('.')?;
        let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
        // verify_slice compares in constant time.
        self.mac(payload).verify_slice(&sig).ok()?;
        let claims: VisitorClaims =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        (claims.widget_id == widget_id && claims.expires > now).then_some(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_for_their_widget_until_they_expire() {
        let key = TokenKey::new("k");
        let t = key.issue("w1", "v1", 1000);
        let c = key.verify(&t, "w1", 1001).unwrap();
        assert_eq!(c.visitor_id, "v1");
        assert!(key.verify(&t, "w2", 1001).is_none());
        assert!(key.verify(&t, "w1", 1000 + LIFETIME_SECONDS).is_none());
        assert!(TokenKey::new("other").verify(&t, "w1", 1001).is_none());
        // A payload edited to name another visitor no longer matches its signature.
        let (_, sig) = t.split_once('.').unwrap();
        let forged = URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(&VisitorClaims {
                widget_id: "w1".into(),
                visitor_id: "v2".into(),
                expires: 5000,
            })
            .unwrap(),
        );
        assert!(key.verify(&format!("{forged}.{sig}"), "w1", 1001).is_none());
        assert!(key.verify("garbage", "w1", 1001).is_none());
    }
}
