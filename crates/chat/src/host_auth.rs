//! Authenticated visitors: the host site signs a JWT for its signed-in user
//! and hands it to the widget (`Switchboard.setAuthToken`). A token that does
//! not verify is refused, never ignored.

use jsonwebtoken::{decode, Algorithm as JwtAlgorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Algorithm {
    HS256,
    RS256,
    ES256,
}

/// How the host site proves who its signed-in visitors are: a JWT signed
/// with this secret (HS256) or the private key matching this public key.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthSpec {
    pub algorithm: Algorithm,
    /// HS256: the shared secret (32 to 512 characters). Never shown back;
    /// omit it on a later PUT to keep the stored one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 32, max_length = 512)]
    pub secret: Option<String>,
    /// RS256/ES256: the PEM public key (a key that does not parse for the
    /// algorithm is refused with code `unusable`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 8192)]
    pub public_key_pem: Option<String>,
    /// When set, the token's `iss` must equal it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 500)]
    pub issuer: Option<String>,
}

/// What a verified token says about the visitor.
#[derive(Debug, Clone, Deserialize)]
pub struct HostClaims {
    /// The host site's user id: matched to a contact's `external_id`.
    pub sub: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

#[derive(Clone)]
pub struct Verifier {
    key: DecodingKey,
    validation: Validation,
}

impl Verifier {
    pub fn new(spec: &AuthSpec) -> Result<Self, jsonwebtoken::errors::Error> {
        let (key, algorithm) = match spec.algorithm {
            Algorithm::HS256 => (
                DecodingKey::from_secret(spec.secret.as_deref().unwrap_or("").as_bytes()),
                JwtAlgorithm::HS256,
            ),
            Algorithm::RS256 => (
                DecodingKey::from_rsa_pem(spec.public_key_pem.as_deref().unwrap_or("").as_bytes())?,
                JwtAlgorithm::RS256,
            ),
            Algorithm::ES256 => (
                DecodingKey::from_ec_pem(spec.public_key_pem.as_deref().unwrap_or("").as_bytes())?,
                JwtAlgorithm::ES256,
            ),
        };
        // One algorithm only: a token cannot choose a weaker one.
        let mut validation = Validation::new(algorithm);
        validation.validate_aud = false;
        validation.leeway = 30;
        if let Some(iss) = &spec.issuer {
            validation.set_issuer(&[iss]);
            // A token without `iss` would skip the issuer check (found by
            // the `jwt` fuzz target): it must carry it.
            validation.set_required_spec_claims(&["exp", "sub", "iss"]);
        } else {
            validation.set_required_spec_claims(&["exp", "sub"]);
        }
        Ok(Self { key, validation })
    }

    /// The claims of a valid token; why it is not, otherwise.
    pub fn verify(&self, token: &str) -> Result<HostClaims, String> {
        if token.len() > 8192 {
            return Err("the token is too long".into());
        }
        let claims = decode::<HostClaims>(token, &self.key, &self.validation)
            .map_err(|e| format!("the authentication token is not valid: {e}"))?
            .claims;
        if claims.sub.trim().is_empty() || claims.sub.len() > 200 {
            return Err("the token's sub must be the user's id (1 to 200 characters)".into());
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{encode, EncodingKey, Header};
    use serde_json::json;

    fn spec(secret: &str) -> AuthSpec {
        AuthSpec {
            algorithm: Algorithm::HS256,
            secret: Some(secret.into()),
            public_key_pem: None,
            issuer: Some("shop".into()),
        }
    }

    fn sign(secret: &str, claims: serde_json::Value, alg: JwtAlgorithm) -> String {
        encode(
            &Header::new(alg),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    }

    #[test]
    fn verifies_signature_expiry_issuer_and_algorithm() {
        let secret = "0123456789abcdef0123456789abcdef";
        let v = Verifier::new(&spec(secret)).unwrap();
        let exp = jsonwebtoken::get_current_timestamp() + 600;
        let good = sign(
            secret,
            json!({"sub": "u-1", "iss": "shop", "exp": exp, "name": "Ana"}),
            JwtAlgorithm::HS256,
        );
        let c = v.verify(&good).unwrap();
        assert_eq!((c.sub.as_str(), c.name.as_deref()), ("u-1", Some("Ana")));

        let forged = sign(
            "another-secret-another-secret-xx",
            json!({"sub": "u-1", "iss": "shop", "exp": exp}),
            JwtAlgorithm::HS256,
        );
        assert!(v.verify(&forged).is_err());
        let expired = sign(
            secret,
            json!({"sub": "u-1", "iss": "shop", "exp": exp - 3600}),
            JwtAlgorithm::HS256,
        );
        assert!(v.verify(&expired).is_err());
        let wrong_issuer = sign(
            secret,
            json!({"sub": "u-1", "iss": "evil", "exp": exp}),
            JwtAlgorithm::HS256,
        );
        assert!(v.verify(&wrong_issuer).is_err());
        let other_alg = sign(
            secret,
            json!({"sub": "u-1", "iss": "shop", "exp": exp}),
            JwtAlgorithm::HS512,
        );
        assert!(v.verify(&other_alg).is_err());
        let no_exp = sign(
            secret,
            json!({"sub": "u-1", "iss": "shop"}),
            JwtAlgorithm::HS256,
        );
        assert!(v.verify(&no_exp).is_err());
        assert!(v.verify("not.a.jwt").is_err());
    }

    #[test]
    fn a_token_without_the_issuer_is_refused_when_one_is_set() {
        // The fuzz target's reproducer (fuzz/corpus/jwt/no_iss_claim): a
        // token signed with the right secret but no `iss` at all.
        let secret = "0123456789abcdef0123456789abcdef";
        let exp = jsonwebtoken::get_current_timestamp() + 600;
        let no_iss = sign(
            secret,
            json!({"sub": "u-1", "exp": exp}),
            JwtAlgorithm::HS256,
        );
        let v = Verifier::new(&spec(secret)).unwrap();
        assert!(v.verify(&no_iss).is_err());
        let any_issuer = Verifier::new(&AuthSpec {
            issuer: None,
            ..spec(secret)
        })
        .unwrap();
        assert!(any_issuer.verify(&no_iss).is_ok());
    }
}
