//! `/api/v1/config`: the site's configuration as one TOML file, exported
//! and applied (admins; `docs/config-as-code.md`). The command line's
//! `switchboard config export|apply` does the same through
//! `crate::site_config`.

use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Audited;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::site_config::ApplyReport;
use crate::state::AppState;
use switchboard_store::Db;

/// A configuration file is small; a few thousand records fit in far less.
const FILE_BYTES: usize = 8 * 1024 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export))
        .routes(routes!(apply))
        .layer(DefaultBodyLimit::max(FILE_BYTES))
}

/// The site's configuration as a TOML file (`site.toml`): skills,
/// capacity profiles, queues, routing rules, widgets with their proactive
/// rules, agent scripts and their rules, canned responses, communications
/// settings and the admin's own templates, branches and meeting topics,
/// queue prompts' texts. Records name each other by name (agents by email); widget
/// secrets are never included (`secret = "(kept)"`).
#[utoipa::path(get, path = "/api/v1/config", tag = "configuration",
    responses((status = 200, description = "The configuration file", content_type = "application/toml", body = String)))]
async fn export(
    axum::extract::State(db): axum::extract::State<Db>,
) -> ApiResult<impl IntoResponse> {
    let text = crate::site_config::export(&db).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/toml; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"site.toml\"",
            ),
        ],
        text,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ApplyQuery {
    /// `true`: list the changes and write nothing (default `false`).
    pub dry_run: Option<bool>,
}

/// Apply a configuration file (`application/toml` or `text/plain`,
/// UTF-8): the answer lists what is created, changed and deleted, per area
/// and record. Areas the file leaves out are not touched; an area it has
/// is made to match (records it does not list are deleted). All or
/// nothing, in one transaction, each changed record audited; a 422 names
/// each bad value by its place in the file (`queues[2].overflow…`).
#[utoipa::path(post, path = "/api/v1/config/apply", tag = "configuration", params(ApplyQuery),
    request_body(content = String, content_type = "application/toml"),
    responses((status = 200, body = ApplyReport), (status = 409, body = crate::error::Problem),
        (status = 415, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn apply(
    Audited(db): Audited,
    ApiQuery(q): ApiQuery<ApplyQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<ApplyReport>> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if !matches!(ct.as_deref(), Some("application/toml" | "text/plain")) {
        return Err(ApiError::UnsupportedMediaType(format!(
            "send the file as application/toml (got {ct:?})"
        )));
    }
    let text = std::str::from_utf8(&body).map_err(|_| {
        switchboard_core::Invalid::one("file", "malformed", "the file is not UTF-8 text")
    })?;
    let report = crate::site_config::apply(&db, text, q.dry_run.unwrap_or(false)).await?;
    Ok(Json(report))
}
