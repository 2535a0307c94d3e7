//! Idempotent requests: a repeated key answers the first result, and the
//! same key with another request is refused. Shared by booking and
//! callbacks.

use sha2::{Digest, Sha256};

/// Whether `key` is a usable idempotency key: 1 to 200 visible ASCII
/// characters.
pub fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= 200 && key.bytes().all(|b| b.is_ascii_graphic())
}

/// What a repeated key must match: the request as parsed.
pub fn request_hash<T: serde::Serialize>(request: &T) -> String {
    Sha256::digest(serde_json::to_vec(request).expect("serializes"))
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_visible_ascii_of_bounded_length() {
        assert!(valid_key("order-42"));
        assert!(!valid_key(""));
        assert!(!valid_key("two words"));
        assert!(!valid_key("é"));
        assert!(valid_key(&"k".repeat(200)));
        assert!(!valid_key(&"k".repeat(201)));
    }

    #[test]
    fn the_same_request_hashes_the_same() {
        let a = request_hash(&serde_json::json!({"a": 1}));
        assert_eq!(a, request_hash(&serde_json::json!({"a": 1})));
        assert_ne!(a, request_hash(&serde_json::json!({"a": 2})));
        assert_eq!(a.len(), 64);
    }
}
