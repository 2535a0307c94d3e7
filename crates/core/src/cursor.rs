//! Opaque pagination cursors.
//!
//! A cursor is the sort key of the last item of a page, base64url-encoded so
//! clients treat it as a token rather than something to build by hand.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};

use crate::validation::Invalid;

/// The position after which the next page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(pub Vec<String>);

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&self.0).expect("strings serialize"))
    }

    /// Decodes a cursor that must hold exactly `parts` keys.
    pub fn decode(s: &str, parts: usize) -> Result<Self, Invalid> {
        let bad = || {
            Invalid::one(
                "cursor",
                "unknown",
                "is not a cursor this server issued for this list",
            )
        };
        let bytes = URL_SAFE_NO_PAD.decode(s).map_err(|_| bad())?;
        let keys: Vec<String> = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        if keys.len() != parts || keys.iter().any(|k| k.len() > 64) {
            return Err(bad());
        }
        Ok(Self(keys))
    }
}

/// A validated page size.
pub fn page_limit(limit: Option<u32>) -> Result<u32, Invalid> {
    use crate::validation::limits::{PAGE_DEFAULT, PAGE_MAX};
    match limit {
        None => Ok(PAGE_DEFAULT),
        Some(n) if (1..=PAGE_MAX).contains(&n) => Ok(n),
        Some(_) => Err(Invalid::one(
            "limit",
            "out_of_range",
            format!("must be between 1 and {PAGE_MAX}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let c = Cursor(vec!["2026-01-01T00:00:00.000000Z".into(), "abc".into()]);
        assert_eq!(Cursor::decode(&c.encode(), 2).unwrap(), c);
    }

    #[test]
    fn refuses_forgeries_and_wrong_shapes() {
        assert!(Cursor::decode("not base64!", 1).is_err());
        assert!(Cursor::decode(&Cursor(vec!["a".into()]).encode(), 2).is_err());
    }

    #[test]
    fn limits() {
        assert_eq!(page_limit(None).unwrap(), 50);
        assert!(page_limit(Some(0)).is_err());
        assert!(page_limit(Some(201)).is_err());
    }
}
