//! HTTP routes, one module per resource, each exposing its `router()`.

pub mod accounts;
pub mod activities;
pub mod agents;
pub mod audit;
pub mod callbacks;
pub mod calls;
pub mod cases;
pub mod communications;
pub mod contacts;
pub mod conversations;
pub mod health;
pub mod imports;
pub mod meetings;
pub mod planner;
pub mod products;
pub mod prompts;
pub mod public_booking;
pub mod report_activity;
pub mod report_waiting;
pub mod reports;
pub mod routing_config;
pub mod scheduling;
pub mod scripts;
pub mod session;
pub mod site_config;
pub mod tokens;
pub mod visitor;
pub mod webhooks;
pub mod widget_ws;
pub mod widgets;
pub mod work_items;
pub mod workspace;
pub mod ws;

use serde::Deserialize;
use switchboard_core::cursor::{page_limit, Cursor};

use crate::error::ApiResult;

/// `limit` and `cursor` for lists ordered by one id.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    #[param(minimum = 1, maximum = 200)]
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
    #[param(value_type = Option<switchboard_core::api_schema::Cursor>)]
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageParams {
    /// The validated limit and the id after which the page starts.
    pub fn parse(&self) -> ApiResult<(u32, Option<String>)> {
        let limit = page_limit(self.limit)?;
        let after = match &self.cursor {
            None => None,
            Some(c) => Some(Cursor::decode(c, 1)?.0.remove(0)),
        };
        Ok((limit, after))
    }
}

/// The most characters a search text (`q`) may have.
pub const SEARCH_MAX_CHARS: usize = 200;

/// A search text as lists take it: trimmed, empty meaning none, at most
/// [`SEARCH_MAX_CHARS`] characters (422 naming `q` beyond).
pub fn search_q(q: Option<String>) -> ApiResult<Option<String>> {
    let invalid = |code: &str, message: String| -> crate::error::ApiError {
        switchboard_core::Invalid::one("q", code, message).into()
    };
    // The length as sent, blanks included (as the schema counts it).
    if q.as_deref()
        .is_some_and(|q| q.chars().count() > SEARCH_MAX_CHARS)
    {
        return Err(invalid(
            "too_long",
            format!("must be at most {SEARCH_MAX_CHARS} characters"),
        ));
    }
    let Some(q) = q.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty()) else {
        return Ok(None);
    };
    if q.chars().any(char::is_control) {
        return Err(invalid(
            "invalid",
            "must not contain control characters".into(),
        ));
    }
    Ok(Some(q))
}

/// Applies a JSON Merge Patch to `current` and reads the result back as `T`,
/// reporting type errors by field.
pub fn merge<T: serde::Serialize + serde::de::DeserializeOwned>(
    current: &T,
    patch: &serde_json::Value,
) -> Result<T, switchboard_core::Invalid> {
    use switchboard_core::Invalid;
    if !patch.is_object() {
        return Err(Invalid::one(
            "body",
            "type",
            "a merge patch must be a JSON object",
        ));
    }
    let mut doc = serde_json::to_value(current).expect("records serialize");
    switchboard_core::records::merge_patch(&mut doc, patch);
    let bytes = serde_json::to_vec(&doc).expect("values serialize");
    crate::extract::parse_json(&bytes).map_err(|e| match e {
        crate::error::ApiError::Invalid(i) => i,
        other => Invalid::one("body", "invalid", other.to_string()),
    })
}

/// 201 with a Location header.
pub fn created<T: serde::Serialize>(
    location: String,
    body: T,
) -> impl axum::response::IntoResponse {
    (
        axum::http::StatusCode::CREATED,
        [(axum::http::header::LOCATION, location)],
        axum::Json(body),
    )
}
