//! Signed links to a meeting's cancel page, and to the confirmation of a
//! booking made on the public page.
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

/// What a token opens: the cancel page (sent in messages to the address),
/// or the confirmation of a page booking (sent only in the request to
/// confirm; it expires with the hold, which the database bounds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Cancel,
    Confirm,
}

impl LinkKey {
    pub fn new(secret: &str) -> Self {
        Self(secret.as_bytes().to_vec())
    }

    fn mac(&self, purpose: Purpose, meeting_id: &str, contact_id: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(match purpose {
            Purpose::Cancel => b"meeting-cancel\0".as_slice(),
            Purpose::Confirm => b"meeting-confirm\0".as_slice(),
        });
        mac.update(meeting_id.as_bytes());
        mac.update(b"\0");
        mac.update(contact_id.as_bytes());
        mac
    }

    pub fn sign(&self, meeting_id: &str, contact_id: &str) -> String {
        self.sign_for(Purpose::Cancel, meeting_id, contact_id)
    }

    pub fn sign_for(&self, purpose: Purpose, meeting_id: &str, contact_id: &str) -> String {
        URL_SAFE_NO_PAD.encode(
            self.mac(purpose, meeting_id, contact_id)
                .finalize()
                .into_bytes(),
        )
    }

    /// Constant-time check of a cancel token against the meeting's contact.
    pub fn verify(&self, token: &str, meeting_id: &str, contact_id: &str) -> bool {
        self.verify_for(Purpose::Cancel, token, meeting_id, contact_id)
    }

    pub fn verify_for(
        &self,
        purpose: Purpose,
        token: &str,
        meeting_id: &str,
        contact_id: &str,
    ) -> bool {
        let Ok(bytes) = URL_SAFE_NO_PAD.decode(token) else {
            return false;
        };
        self.mac(purpose, meeting_id, contact_id)
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
        // A confirmation token is not a cancel token, nor the reverse.
        let c = key.sign_for(Purpose::Confirm, "m1", "c1");
        assert!(key.verify_for(Purpose::Confirm, &c, "m1", "c1"));
        assert!(!key.verify(&c, "m1", "c1"));
        assert!(!key.verify_for(Purpose::Confirm, &t, "m1", "c1"));
        // No ambiguity between the parts.
        assert!(!key.verify(&key.sign("m1\0c", "1"), "m1", "c1"));
    }
}
