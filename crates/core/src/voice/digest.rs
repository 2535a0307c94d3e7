//! SIP digest authentication (RFC 3261 §22, RFC 2617, MD5 with and without
//! `qop=auth`), the server's side: read an `Authorization` header and check
//! its response against the stored HA1 = MD5(username:realm:password).
//! Nonces are issued and checked by the caller (they need a key); this
//! module only does the arithmetic and the parsing.

use std::collections::HashMap;

use md5::{Digest, Md5};

/// The parameters of a `Digest` credentials header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub realm: String,
    pub nonce: String,
    pub uri: String,
    pub response: String,
    pub algorithm: Option<String>,
    pub qop: Option<String>,
    pub nc: Option<String>,
    pub cnonce: Option<String>,
}

fn hex_md5(text: &str) -> String {
    let sum = Md5::digest(text.as_bytes());
    sum.iter().map(|b| format!("{b:02x}")).collect()
}

/// HA1 for storage: the password itself is never kept.
pub fn ha1(username: &str, realm: &str, password: &str) -> String {
    hex_md5(&format!("{username}:{realm}:{password}"))
}

/// Parses `Digest k=v, k="v", …`; `None` when it is not a digest header or
/// a required parameter is missing.
pub fn parse(header: &str) -> Option<Credentials> {
    let rest = header.trim();
    let (scheme, params) = rest.split_once(char::is_whitespace)?;
    if !scheme.eq_ignore_ascii_case("digest") {
        return None;
    }
    let mut map: HashMap<String, String> = HashMap::new();
    let mut chars = params.chars().peekable();
    loop {
        while matches!(chars.peek(), Some(c) if c.is_whitespace() || *c == ',') {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key.push(c);
            chars.next();
        }
        while matches!(chars.peek(), Some(c) if c.is_whitespace()) {
            chars.next();
        }
        if chars.next() != Some('=') {
            return None;
        }
        while matches!(chars.peek(), Some(c) if c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '\\' => value.push(chars.next()?),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' || c.is_whitespace() {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        map.insert(key.to_ascii_lowercase(), value);
    }
    let mut take = |k: &str| map.remove(k);
    Some(Credentials {
        username: take("username")?,
        realm: take("realm")?,
        nonce: take("nonce")?,
        uri: take("uri")?,
        response: take("response")?,
        algorithm: take("algorithm"),
        qop: take("qop"),
        nc: take("nc"),
        cnonce: take("cnonce"),
    })
}

/// The response a client holding `ha1` would send.
pub fn expected_response(c: &Credentials, ha1: &str, method: &str) -> Option<String> {
    if let Some(alg) = &c.algorithm {
        if !alg.eq_ignore_ascii_case("md5") {
            return None;
        }
    }
    let ha2 = hex_md5(&format!("{method}:{}", c.uri));
    match c.qop.as_deref() {
        None => Some(hex_md5(&format!("{ha1}:{}:{ha2}", c.nonce))),
        Some(q) if q.eq_ignore_ascii_case("auth") => {
            let nc = c.nc.as_deref()?;
            let cnonce = c.cnonce.as_deref()?;
            Some(hex_md5(&format!(
                "{ha1}:{}:{nc}:{cnonce}:auth:{ha2}",
                c.nonce
            )))
        }
        // auth-int would need the body; Switchboard offers qop=auth only.
        Some(_) => None,
    }
}

/// Whether the credentials prove knowledge of the password behind `ha1`.
/// Compared in constant time.
pub fn verify(c: &Credentials, ha1: &str, method: &str) -> bool {
    let Some(expected) = expected_response(c, ha1, method) else {
        return false;
    };
    let got = c.response.to_ascii_lowercase();
    if got.len() != expected.len() {
        return false;
    }
    got.bytes()
        .zip(expected.bytes())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 2617 §3.5's worked example (qop=auth).
    #[test]
    fn the_rfc_2617_example_verifies() {
        let header = r#"Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41""#;
        let c = parse(header).unwrap();
        assert_eq!(c.username, "Mufasa");
        assert_eq!(c.nc.as_deref(), Some("00000001"));
        let h = ha1("Mufasa", "testrealm@host.com", "Circle Of Life");
        assert!(verify(&c, &h, "GET"));
        assert!(!verify(&c, &h, "POST"), "the method is part of the digest");
        assert!(!verify(
            &c,
            &ha1("Mufasa", "testrealm@host.com", "wrong"),
            "GET"
        ));
    }

    #[test]
    fn without_qop_the_rfc_2069_form_verifies() {
        let h = ha1("ana", "switchboard", "s3cret");
        let mut c = Credentials {
            username: "ana".into(),
            realm: "switchboard".into(),
            nonce: "abc".into(),
            uri: "sip:127.0.0.1".into(),
            response: String::new(),
            algorithm: Some("MD5".into()),
            qop: None,
            nc: None,
            cnonce: None,
        };
        c.response = expected_response(&c, &h, "REGISTER").unwrap();
        assert!(verify(&c, &h, "REGISTER"));
        c.response = c.response.to_uppercase();
        assert!(verify(&c, &h, "REGISTER"), "hex case does not matter");
        c.algorithm = Some("SHA-256".into());
        assert!(!verify(&c, &h, "REGISTER"), "unsupported algorithms fail");
    }

    #[test]
    fn malformed_headers_are_refused() {
        assert!(parse("Basic YWxhZGRpbjpvcGVuc2VzYW1l").is_none());
        assert!(parse(r#"Digest username="a", realm="r""#).is_none());
        assert!(parse(r#"Digest username="a"#).is_none());
        assert!(parse("Digest").is_none());
        assert!(parse(r#"Digest username="a", realm="r", nonce="n", uri="u", response"#).is_none());
    }

    #[test]
    fn quoted_values_may_hold_commas_and_escapes() {
        let c = parse(r#"Digest username="a\"b", realm="x, y", nonce=n, uri="sip:a@b;transport=udp", response="00""#).unwrap();
        assert_eq!(c.username, "a\"b");
        assert_eq!(c.realm, "x, y");
        assert_eq!(c.uri, "sip:a@b;transport=udp");
    }
}
