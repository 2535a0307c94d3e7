//! `/api/v1/contacts/import`: contacts from a CSV file (admins). The whole
//! file is checked first (each row by the rules of `POST /contacts`), then
//! written in one transaction: a file with one bad row imports nothing,
//! and the answer lists each bad row by its line in the file.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderMap};
use axum::Json;
use serde::{Deserialize, Serialize};
use switchboard_core::import::{self, Refused};
use switchboard_core::{FieldError, Invalid};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Audited;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// A CSV of a few hundred thousand contacts.
const CSV_BYTES: usize = 64 * 1024 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(contacts))
        .layer(DefaultBodyLimit::max(CSV_BYTES))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// Which header holds which field, as a JSON object, e.g.
    /// `{"email":"E-mail address"}`. Headers that name a field ("First
    /// name", "email") need no mapping.
    pub columns: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Imported {
    pub imported: usize,
}

/// Import contacts from a CSV file (`text/csv`, UTF-8, a header line
/// first). All or nothing: a 422 lists each bad row as `lines[N].field`
/// (N: the line in the file; the header is line 1).
#[utoipa::path(post, path = "/api/v1/contacts/import", tag = "contacts", params(ImportQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = Imported), (status = 415, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn contacts(
    Audited(db): Audited,
    ApiQuery(q): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Imported>> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if ct.as_deref() != Some("text/csv") {
        return Err(ApiError::UnsupportedMediaType(format!(
            "send the file as text/csv (got {ct:?})"
        )));
    }
    let columns: BTreeMap<String, String> = match q.columns.as_deref() {
        None => BTreeMap::new(),
        Some(text) => serde_json::from_str(text).map_err(|_| {
            Invalid::one(
                "columns",
                "invalid",
                "must be a JSON object of field names to column headers",
            )
        })?,
    };
    // Reading and checking a large file is CPU work: off the async workers.
    let drafts = tokio::task::spawn_blocking(move || import::contacts(&body, &columns, |_| {}))
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("reading the file: {e}")))?
        .map_err(refused)?;
    let imported = db.import_contacts(&drafts, |_| {}).await?;
    Ok(Json(Imported { imported }))
}

/// The refusal as per-field errors: mapping errors as they are, bad rows as
/// `lines[N].field`, and a last error counting them all when the list is
/// cut short.
fn refused(r: Refused) -> ApiError {
    match r {
        Refused::Mapping(i) => i.into(),
        Refused::Rows { bad, count } => {
            let listed = bad.len();
            let mut errors: Vec<FieldError> = bad
                .into_iter()
                .map(|b| {
                    FieldError::new(format!("lines[{}].{}", b.line, b.field), &b.code, b.message)
                })
                .collect();
            if count > listed {
                errors.push(FieldError::new(
                    "file",
                    "too_many_bad_rows",
                    format!("{count} bad rows in all; the first {listed} are listed"),
                ));
            }
            Invalid(errors).into()
        }
    }
}
