//! Signed links to a meeting's cancel page.
//!
//! The token is an HMAC-SHA256 of the meeting and its contact under a key
//! made once per installation: it proves the bearer received a message
//! about this meeting, exactly as the customer's CancelMeeting call proves
//! the contact. It does not expire (the meeting's start bounds its use) and
//! is never valid for another meeting.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub struct LinkKey(Vec<u8>);

impl LinkKey {
    pub fn new(secret: &str) -> Self {
        Self(secret.as_bytes().to_vec())
    }

    fn mac(&self, meeting_id: &str, contact_id: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(b"meeting-cancel\0");
        mac.update(meeting_id.as_bytes());
        mac.update(b"\0");
        mac.update(contact_id.as_bytes());
        mac
    }

    pub fn sign(&self, meeting_id: &str, contact_id: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(meeting_id, contact_id).finalize().into_bytes())
    }

    /// Constant-time check of a token against the meeting's contact.
    pub fn verify(&self, token: &str, meeting_id: &str, contact_id: &str) -> bool {
        let Ok(bytes) = URL_SAFE_NO_PAD.decode(token) else {
            return false;
        };
        self.mac(meeting_id, contact_id)
            .verify_slice(&bytes)
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_opens_only_its_meeting_for_its_contact() {
        let key = LinkKey::new("k");
        let t = key.sign("m1", "c1");
        assert!(key.verify(&t, "m1", "c1"));
        assert!(!key.verify(&t, "m2", "c1"));
        assert!(!key.verify(&t, "m1", "c2"));
        assert!(!LinkKey::new("other").verify(&t, "m1", "c1"));
        assert!(!key.verify("", "m1", "c1"));
        assert!(!key.verify("not base64!", "m1", "c1"));
        // No ambiguity between the parts.
        assert!(!key.verify(&key.sign("m1\0c", "1"), "m1", "c1"));
    }
}
