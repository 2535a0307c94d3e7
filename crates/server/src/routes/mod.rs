//! HTTP routes, one module per resource, each exposing its `router()`.

pub mod accounts;
pub mod activities;
pub mod agents;
pub mod cases;
pub mod contacts;
pub mod health;
pub mod products;
pub mod session;
pub mod tokens;

use serde::Deserialize;
use switchboard_core::cursor::{page_limit, Cursor};

use crate::error::ApiResult;

/// `limit` and `cursor` for lists ordered by one id.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
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

/// Applies a JSON Merge Patch to `current` and reads the result back as `T`,
/// reporting type errors by field.
pub fn merge<T: serde::Serialize + serde::de::DeserializeOwned>(
    current: &T,
    patch: serde_json::Value,
) -> ApiResult<T> {
    if !patch.is_object() {
        return Err(switchboard_core::Invalid::one(
            "body",
            "type",
            "a merge patch must be a JSON object",
        )
        .into());
    }
    let mut doc = serde_json::to_value(current).map_err(anyhow::Error::from)?;
    switchboard_core::records::merge_patch(&mut doc, &patch);
    crate::extract::parse_json(&serde_json::to_vec(&doc).map_err(anyhow::Error::from)?)
}
