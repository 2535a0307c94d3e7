//! A widget's settings as admins write them, their validation, and the
//! checked form the visitor endpoints use.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use switchboard_core::chat::client::LANGUAGES;
use switchboard_core::chat::proactive::{parse_rules, ProactiveRule, ProactiveRuleSpec};
use switchboard_core::chat::survey::{validate_questions, SurveyQuestion};
use switchboard_core::validation::Check;
use switchboard_core::Invalid;

/// Host-site authentication's settings live with its verifier.
pub use crate::host_auth::{Algorithm, AuthSpec};

/// The widget's colour when its settings name none.
pub const DEFAULT_COLOR: &str = "#0b5fff";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    #[default]
    BottomRight,
    BottomLeft,
}

/// Where the widget's chats go: a queue, or the routing rules with these
/// attributes added (the rules test them).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WidgetRouting {
    #[serde(default)]
    #[schema(value_type = Option<switchboard_core::api_schema::RecordId>)]
    pub queue_id: Option<String>,
    #[serde(default)]
    #[schema(value_type = switchboard_core::api_schema::WidgetAttributes)]
    pub attributes: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WidgetInput {
    #[schema(value_type = switchboard_core::api_schema::ShortText)]
    pub name: String,
    /// The name (the chat panel's title) in other languages: `{"fr": "…",
    /// "es": "…"}`, 1 to 200 characters each; visitors of a language not
    /// listed read `name`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schema(value_type = switchboard_core::api_schema::WidgetNameTranslations)]
    pub name_translations: BTreeMap<String, String>,
    /// Origins (`https://shop.example`, `http://localhost:8080`) whose pages
    /// may embed the widget; every other origin is refused.
    #[schema(value_type = Vec<switchboard_core::api_schema::Origin>, min_items = 1, max_items = 50)]
    pub allowed_origins: Vec<String>,
    /// `#rrggbb`; default `#0b5fff`.
    #[serde(default)]
    #[schema(pattern = "^#[0-9A-Fa-f]{6}$")]
    pub color: Option<String>,
    #[serde(default)]
    pub position: Position,
    /// `en`, `fr` or `es`; default `en`.
    #[serde(default)]
    #[schema(pattern = "^(en|fr|es)$")]
    pub default_language: Option<String>,
    #[serde(default)]
    pub routing: WidgetRouting,
    #[serde(default)]
    #[schema(max_items = 20)]
    pub survey: Vec<SurveyQuestion>,
    /// Off by default.
    #[serde(default)]
    pub proactive_enabled: bool,
    /// Ask the visitor to rate the chat (1 to 5, and a comment) when it
    /// ends. Off by default.
    #[serde(default)]
    pub csat_enabled: bool,
    #[serde(default)]
    pub auth: Option<AuthSpec>,
}

/// A widget as the visitor endpoints use it: checked settings and parsed
/// rules, cached in memory.
#[derive(Clone)]
pub struct Widget {
    pub id: String,
    pub settings: WidgetInput,
    pub rules: Vec<ProactiveRule>,
    pub verifier: Option<crate::host_auth::Verifier>,
}

impl Widget {
    pub fn language(&self) -> &str {
        self.settings.default_language.as_deref().unwrap_or("en")
    }

    pub fn allows(&self, origin: &str) -> bool {
        self.settings
            .allowed_origins
            .iter()
            .any(|o| o.eq_ignore_ascii_case(origin))
    }
}

/// `scheme://host[:port]`, lower-cased, without a trailing slash.
fn normalize_origin(o: &str) -> Option<String> {
    let o = o.trim().trim_end_matches('/').to_ascii_lowercase();
    let rest = o
        .strip_prefix("https://")
        .or_else(|| o.strip_prefix("http://"))?;
    let ok = !rest.is_empty()
        && o.len() <= 200
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    ok.then_some(o)
}

impl WidgetInput {
    /// Checks and normalizes; `previous` supplies a secret left out.
    pub fn check(mut self, previous: Option<&WidgetInput>) -> Result<WidgetInput, Invalid> {
        let mut c = Check::new();
        self.name = c
            .required_text("name", Some(self.name), 200)
            .unwrap_or_default();
        for (lang, text) in &mut self.name_translations {
            let field = format!("name_translations.{lang}");
            if !LANGUAGES.contains(&lang.as_str()) {
                c.fail(&field, "invalid", "language must be en, fr or es");
            } else if let Some(t) = c.required_text(&field, Some(text.clone()), 200) {
                *text = t;
            }
        }
        if self.allowed_origins.is_empty() || self.allowed_origins.len() > 50 {
            c.fail("allowed_origins", "invalid", "list 1 to 50 origins");
        }
        let mut origins = Vec::new();
        for (i, o) in self.allowed_origins.iter().enumerate() {
            match normalize_origin(o) {
                // The same origin listed twice is kept once.
                Some(n) if origins.contains(&n) => {}
                Some(n) => origins.push(n),
                None => c.fail(
                    &format!("allowed_origins[{i}]"),
                    "invalid",
                    "must be an origin like https://shop.example (scheme, host, optional port; no path)",
                ),
            }
        }
        self.allowed_origins = origins;
        if let Some(color) = &self.color {
            let hex = color.strip_prefix('#').unwrap_or("");
            if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                c.fail("color", "invalid", "must be #rrggbb");
            }
        }
        let language = self.default_language.clone().unwrap_or_else(|| "en".into());
        if !LANGUAGES.contains(&language.as_str()) {
            c.fail("default_language", "invalid", "must be en, fr or es");
        }
        if self.routing.attributes.len() > 50
            || self
                .routing
                .attributes
                .iter()
                .any(|(k, v)| k.is_empty() || k.chars().count() > 100 || v.chars().count() > 1000)
        {
            c.fail(
                "routing.attributes",
                "too_long",
                "at most 50 attributes, keys 1 to 100 and values up to 1000 characters",
            );
        }
        if let Err(Invalid(errors)) = validate_questions(&self.survey, &language) {
            for e in errors {
                c.fail(&e.field, &e.code, e.message);
            }
        }
        if let Some(auth) = &mut self.auth {
            match auth.algorithm {
                Algorithm::HS256 => {
                    if auth.secret.is_none() {
                        auth.secret = previous
                            .and_then(|p| p.auth.as_ref())
                            .and_then(|a| a.secret.clone());
                    }
                    match &auth.secret {
                        Some(s) if (32..=512).contains(&s.chars().count()) => {}
                        Some(_) => c.fail(
                            "auth.secret",
                            "invalid",
                            "HS256 needs a secret of 32 to 512 characters",
                        ),
                        // Needed because of the algorithm: its own code.
                        None => c.fail(
                            "auth.secret",
                            "incomplete",
                            "HS256 needs a secret of 32 to 512 characters",
                        ),
                    }
                    auth.public_key_pem = None;
                }
                Algorithm::RS256 | Algorithm::ES256 => {
                    auth.secret = None;
                    let key = auth.public_key_pem.as_deref().unwrap_or("");
                    if crate::host_auth::Verifier::new(auth).is_err() || key.len() > 8192 {
                        // Whether text is a usable key is the crypto
                        // library's answer, not a pattern's: its own code.
                        c.fail(
                            "auth.public_key_pem",
                            "unusable",
                            "must be a PEM public key for the algorithm",
                        );
                    }
                }
            }
            if auth
                .issuer
                .as_ref()
                .is_some_and(|i| i.chars().count() > 500)
            {
                c.fail("auth.issuer", "too_long", "at most 500 characters");
            }
        }
        c.finish(|| self)
    }

    /// The settings as admins read them back: the secret is never shown.
    pub fn redacted(&self) -> WidgetInput {
        let mut s = self.clone();
        if let Some(a) = &mut s.auth {
            a.secret = None;
        }
        s
    }
}

/// Parses a widget's stored settings and rules into the cached form.
pub fn load(id: &str, settings: &str, rules: &[(String, String)]) -> Result<Widget, anyhow::Error> {
    let settings: WidgetInput = serde_json::from_str(settings)?;
    let language = settings
        .default_language
        .clone()
        .unwrap_or_else(|| "en".into());
    let specs = rules
        .iter()
        .map(|(id, spec)| {
            let mut s: ProactiveRuleSpec = serde_json::from_str(spec)?;
            s.id = Some(id.clone());
            Ok(s)
        })
        .collect::<Result<Vec<_>, serde_json::Error>>()?;
    let rules = parse_rules(specs, &language, switchboard_store::new_id)
        .map_err(|e| anyhow::anyhow!("stored rules no longer validate: {e}"))?;
    let verifier = match &settings.auth {
        Some(a) => Some(crate::host_auth::Verifier::new(a)?),
        None => None,
    };
    Ok(Widget {
        id: id.to_owned(),
        settings,
        rules,
        verifier,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalized_and_paths_refused() {
        assert_eq!(
            normalize_origin("HTTPS://Shop.Example/").as_deref(),
            Some("https://shop.example")
        );
        assert_eq!(
            normalize_origin("http://127.0.0.1:8080").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(normalize_origin("https://shop.example/path"), None);
        assert_eq!(normalize_origin("*"), None);
        assert_eq!(normalize_origin("ftp://x"), None);
        assert_eq!(normalize_origin("https://"), None);
    }
}
