//! SMS delivery through a provider: Twilio's REST API (or any service that
//! speaks it), a generic signed webhook, or the local outbox. Also the
//! checks of the providers' inbound webhooks (STOP/START).

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::Sha256;

/// A failed send, and whether trying again may help.
#[derive(Debug, Clone)]
pub struct SendError {
    pub transient: bool,
    pub message: String,
}

impl SendError {
    pub fn transient(message: impl Into<String>) -> Self {
        Self {
            transient: true,
            message: message.into(),
        }
    }
    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            transient: false,
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub enum SmsConfig {
    /// Kept in the outbox.
    #[default]
    Local,
    /// `POST {base_url}/2010-04-01/Accounts/{sid}/Messages.json`, HTTP Basic
    /// auth with the account SID and auth token, form fields To, From, Body.
    Twilio {
        base_url: String,
        account_sid: String,
        auth_token: String,
        from: String,
    },
    /// `POST url` with JSON `{to, from, body, idempotency_key}`,
    /// `X-Switchboard-Timestamp: UNIX-SECONDS` and
    /// `X-Switchboard-Signature: sha256=HEX(HMAC-SHA256(secret, "TIMESTAMP.BODY"))`.
    Webhook {
        url: String,
        secret: String,
        from: String,
    },
}

pub struct SmsSender {
    pub config: SmsConfig,
    http: reqwest::Client,
}

impl SmsSender {
    pub fn new(config: SmsConfig) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(15))
            .build()?;
        Ok(Self { config, http })
    }

    pub fn transport_name(&self) -> &'static str {
        match self.config {
            SmsConfig::Local => "local",
            SmsConfig::Twilio { .. } => "twilio",
            SmsConfig::Webhook { .. } => "webhook",
        }
    }

    /// Sends `body` to an E.164 number; the provider's message id on
    /// success.
    pub async fn send(&self, to: &str, body: &str, key: &str) -> Result<Option<String>, SendError> {
        match &self.config {
            SmsConfig::Local => Ok(None),
            SmsConfig::Twilio {
                base_url,
                account_sid,
                auth_token,
                from,
            } => {
                let url = format!(
                    "{}/2010-04-01/Accounts/{account_sid}/Messages.json",
                    base_url.trim_end_matches('/')
                );
                let response = self
                    .http
                    .post(url)
                    .basic_auth(account_sid, Some(auth_token))
                    .form(&[("To", to), ("From", from.as_str()), ("Body", body)])
                    .send()
                    .await
                    .map_err(|e| SendError::transient(format!("SMS provider unreachable: {e}")))?;
                let status = response.status();
                let json: serde_json::Value = response.json().await.unwrap_or_default();
                if status.is_success() {
                    return Ok(json["sid"].as_str().map(str::to_owned));
                }
                let detail = format!(
                    "SMS provider answered {status}: {} (code {})",
                    json["message"].as_str().unwrap_or("no message"),
                    json["code"]
                );
                Err(classify(status, detail))
            }
            SmsConfig::Webhook { url, secret, from } => {
                let payload = serde_json::json!({
                    "to": to, "from": from, "body": body, "idempotency_key": key,
                })
                .to_string();
                let stamp = jiff::Timestamp::now().as_second();
                let response = self
                    .http
                    .post(url)
                    .header("content-type", "application/json")
                    .header("idempotency-key", key)
                    .header("x-switchboard-timestamp", stamp.to_string())
                    .header(
                        "x-switchboard-signature",
                        webhook_signature(secret, stamp, payload.as_bytes()),
                    )
                    .body(payload)
                    .send()
                    .await
                    .map_err(|e| SendError::transient(format!("SMS webhook unreachable: {e}")))?;
                let status = response.status();
                let json: serde_json::Value = response.json().await.unwrap_or_default();
                if status.is_success() {
                    return Ok(json["id"].as_str().map(str::to_owned));
                }
                Err(classify(status, format!("SMS webhook answered {status}")))
            }
        }
    }
}

/// Rate limits and server errors pass; other refusals will not.
fn classify(status: reqwest::StatusCode, detail: String) -> SendError {
    if status.as_u16() == 429 || status.is_server_error() {
        SendError::transient(detail)
    } else {
        SendError::permanent(detail)
    }
}

/// How old a signed webhook call may be: a captured call cannot be
/// replayed later (a START undoing a STOP, say).
pub const WEBHOOK_MAX_AGE_SECONDS: i64 = 300;

/// `sha256=` and the hex HMAC-SHA256 of `TIMESTAMP.BODY`.
pub fn webhook_signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// Twilio's request signature: Base64 of HMAC-SHA1 under the auth token of
/// the full URL Twilio called followed by each POST parameter's name and
/// value, sorted by name.
pub fn twilio_signature(auth_token: &str, url: &str, params: &BTreeMap<String, String>) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()).expect("any key length");
    mac.update(url.as_bytes());
    for (k, v) in params {
        mac.update(k.as_bytes());
        mac.update(v.as_bytes());
    }
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Compares two signatures in constant time.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twilio_signature_matches_the_documented_example() {
        // The example from Twilio's webhook security documentation.
        let params: BTreeMap<String, String> = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675309"),
            ("Digits", "1234"),
            ("From", "+14158675309"),
            ("To", "+18005551212"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(
            twilio_signature(
                "12345",
                "https://mycompany.com/myapp.php?foo=1&bar=2",
                &params
            ),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        );
    }

    #[test]
    fn webhook_signature_is_hex_hmac() {
        let s = webhook_signature("secret", 1_700_000_000, b"{}");
        assert!(s.starts_with("sha256=") && s.len() == 7 + 64);
        assert!(same(&s, &webhook_signature("secret", 1_700_000_000, b"{}")));
        assert!(!same(&s, &webhook_signature("other", 1_700_000_000, b"{}")));
        assert!(!same(
            &s,
            &webhook_signature("secret", 1_700_000_001, b"{}")
        ));
    }
}
