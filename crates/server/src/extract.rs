//! Request extractors that fail with problem+json and name the bad field.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::{header, request::Parts, StatusCode};
use serde::de::DeserializeOwned;
use switchboard_core::Invalid;

use crate::error::ApiError;

/// A JSON body. Malformed JSON is 400, a body of the wrong shape is 422
/// naming the field, a non-JSON content type is 415, an oversized body 413.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|ct| {
                let essence = ct
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                essence == "application/json" || essence == "application/merge-patch+json"
            })
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError::UnsupportedMediaType(
                "send the body as application/json".into(),
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rej| {
            if rej.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::BadRequest(rej.body_text())
            }
        })?;
        // Every body this API takes is an object. Saying so beats serde's
        // reading of an array as a positional struct.
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
        if first != Some(&b'{') {
            return match serde_json::from_slice::<serde::de::IgnoredAny>(&bytes) {
                Ok(_) => Err(ApiError::Invalid(Invalid::one(
                    "body",
                    "type",
                    "must be a JSON object",
                ))),
                Err(e) => Err(ApiError::BadRequest(format!("malformed JSON: {e}"))),
            };
        }
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses JSON into `T`, classifying errors as the API answers them.
///
/// The text is read into a JSON value first: a number written with a zero
/// fraction (`6.0`) is the integer it equals, as JSON Schema has it, so
/// `6.0` fills an integer field. [`crate::strict_json::Strict`] then reads
/// it the way the document describes it.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut json: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))?;
    normalize(&mut json);
    let value =
        serde_path_to_error::deserialize(crate::strict_json::Strict(json)).map_err(|e| {
            let inner = e.inner();
            match inner.classify() {
                serde_json::error::Category::Data => {
                    let message = strip_position(&inner.to_string());
                    let path = e.path().to_string();
                    // For an unknown field the path already ends with its name,
                    // except at the top level where serde reports ".".
                    let field = match (path.as_str(), unknown_field_name(&message)) {
                        (".", Some(name)) => name,
                        (".", None) => "body".to_owned(),
                        _ => path,
                    };
                    ApiError::Invalid(Invalid::one(&field, "type", message))
                }
                _ => ApiError::BadRequest(format!("malformed JSON: {}", inner)),
            }
        })?;
    Ok(value)
}

/// Integral floats to integers (see [`parse_json`]).
fn normalize(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            // Within ±2^53 every integer is exact in an f64.
            if f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 {
                *v = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalize),
        Value::Object(members) => members.values_mut().for_each(normalize),
        _ => {}
    }
}

/// serde's "unknown field `x`, expected …" names the field only in text.
fn unknown_field_name(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    Some(rest.split('`').next()?.to_owned())
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// Query parameters; a bad one is 422.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| ApiQuery(q))
            .map_err(|rej| {
                let text = rej.body_text();
                let message = text
                    .strip_prefix("Failed to deserialize query string: ")
                    .unwrap_or(&text);
                // serde names the parameter first ("limit: invalid digit…").
                let named = message.split_once(": ").filter(|(f, _)| {
                    !f.is_empty()
                        && f.chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.'))
                });
                match named {
                    Some((field, rule)) => {
                        ApiError::Invalid(Invalid::one(field, "invalid", rule.to_owned()))
                    }
                    None => ApiError::Invalid(Invalid::one("query", "invalid", message.to_owned())),
                }
            })
    }
}
