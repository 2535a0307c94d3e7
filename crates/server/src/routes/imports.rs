//! `/api/v1/contacts/import`: contacts from a CSV file (admins). The whole
//! file is checked first (each row by the rules of `POST /contacts`), then
//! written in one transaction: a file with one bad row imports nothing,
//! and the answer lists each bad row by its line in the file.

use std::collections::{BTreeMap, HashMap};
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path};
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
        .routes(routes!(progress))
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

/// How far an import has gone (`GET /api/v1/contacts/import/progress/{id}`).
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct ImportProgress {
    /// `checking` (reading and checking every row), `writing`, `done` or
    /// `refused`.
    pub stage: &'static str,
    /// Rows read and checked so far.
    pub checked: usize,
    /// Rows to write (known once every row is checked).
    pub total: usize,
    /// Rows written so far, in the import's one transaction (nothing is
    /// visible to others before it commits).
    pub written: usize,
    #[serde(skip)]
    since: Instant,
}

/// Imports in progress on this node, by the id their client chose
/// (`X-Import-Id`), kept ten minutes after they end so that a last look
/// finds them done. A page polls it to draw its progress bar while its
/// import request runs; an import behind a load balancer may be polled on
/// another node, which answers 404 (the page then shows a busy bar).
static PROGRESS: LazyLock<Mutex<HashMap<String, ImportProgress>>> = LazyLock::new(Default::default);

const KEPT: Duration = Duration::from_secs(600);

fn note(id: &Option<String>, change: impl FnOnce(&mut ImportProgress)) {
    let Some(id) = id else { return };
    let mut all = PROGRESS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = all.get_mut(id) {
        change(p);
    }
}

/// The `X-Import-Id` header: 8 to 64 letters, digits, `-` or `_`.
fn import_id(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(v) = headers.get("x-import-id") else {
        return Ok(None);
    };
    match v.to_str() {
        Ok(id)
            if (8..=64).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Ok(Some(id.to_owned()))
        }
        _ => Err(Invalid::one(
            "x-import-id",
            "invalid",
            "must be 8 to 64 letters, digits, - or _",
        )
        .into()),
    }
}

/// How far the import sent with this `X-Import-Id` has gone (on this
/// node): rows checked, then rows written out of the total.
#[utoipa::path(get, path = "/api/v1/contacts/import/progress/{id}", tag = "contacts",
    params(("id" = String, Path, description = "The import's X-Import-Id")),
    responses((status = 200, body = ImportProgress), (status = 404, body = crate::error::Problem)))]
async fn progress(Path(id): Path<String>) -> ApiResult<Json<ImportProgress>> {
    let all = PROGRESS.lock().unwrap_or_else(|e| e.into_inner());
    all.get(&id)
        .copied()
        .map(Json)
        .ok_or(ApiError::NotFound("import"))
}

/// Import contacts from a CSV file (`text/csv`, UTF-8, a header line
/// first). All or nothing: a 422 lists each bad row as `lines[N].field`
/// (N: the line in the file; the header is line 1). With an `X-Import-Id`
/// header of the client's choosing, its progress can be read meanwhile at
/// `/api/v1/contacts/import/progress/{id}`.
#[utoipa::path(post, path = "/api/v1/contacts/import", tag = "contacts", params(ImportQuery,
        ("x-import-id" = Option<String>, Header, description = "An id of the client's choosing (8 to 64 letters, digits, - or _) to follow the import's progress by")),
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
    let id = import_id(&headers)?;
    if let Some(id) = &id {
        let mut all = PROGRESS.lock().unwrap_or_else(|e| e.into_inner());
        all.retain(|_, p| p.since.elapsed() < KEPT);
        all.insert(
            id.clone(),
            ImportProgress {
                stage: "checking",
                checked: 0,
                total: 0,
                written: 0,
                since: Instant::now(),
            },
        );
    }
    // Reading and checking a large file is CPU work: off the async workers.
    let checking = id.clone();
    let drafts = tokio::task::spawn_blocking(move || {
        import::contacts(&body, &columns, |n| note(&checking, |p| p.checked = n))
    })
    .await
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("reading the file: {e}")))?;
    let drafts = match drafts {
        Ok(d) => d,
        Err(r) => {
            note(&id, |p| p.stage = "refused");
            return Err(refused(r));
        }
    };
    note(&id, |p| {
        p.stage = "writing";
        p.total = drafts.len();
        p.checked = drafts.len();
    });
    let written = db
        .import_contacts(&drafts, |n| note(&id, |p| p.written = n))
        .await;
    note(&id, |p| {
        p.stage = if written.is_ok() { "done" } else { "refused" }
    });
    Ok(Json(Imported { imported: written? }))
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
