//! `/api/v1/cases`: customer problems tracked over time. Every change writes
//! a `case_event` entry on the case's timeline.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::{Extension, Json};
use serde::Deserialize;
use switchboard_core::records::{CaseDraft, CaseInput, CaseStatus};
use switchboard_store::cases::{Case, CaseFilter};
use switchboard_store::Page;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::created;
use super::{merge, PageParams};
use crate::auth::Principal;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, update, delete))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    contact_id: Option<String>,
    account_id: Option<String>,
    status: Option<CaseStatus>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// List cases, newest first.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(ListParams),
    responses((status = 200, body = Page<Case>)))]
async fn list(
    State(s): State<AppState>,
    ApiQuery(p): ApiQuery<ListParams>,
) -> ApiResult<Json<Page<Case>>> {
    let (limit, after) = PageParams {
        limit: p.limit,
        cursor: p.cursor,
    }
    .parse()?;
    let filter = CaseFilter {
        contact_id: p.contact_id,
        account_id: p.account_id,
        status: p.status,
    };
    Ok(Json(s.db.cases(&filter, after.as_deref(), limit).await?))
}

/// Open a case for a contact or an account.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = CaseInput,
    responses((status = 201, body = Case)))]
async fn create(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiJson(input): ApiJson<CaseInput>,
) -> ApiResult<impl IntoResponse> {
    let case =
        s.db.create_case(&CaseDraft::parse(input)?, &who.author())
            .await?;
    Ok(created(format!("/api/v1/cases/{}", case.id), case))
}

/// Read one case.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, body = Case)))]
async fn get(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Case>> {
    Ok(Json(s.db.case(&id).await?))
}

/// Change a case with a JSON Merge Patch (RFC 7396); writes a `case_event`.
#[utoipa::path(patch, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = String, Path)),
    request_body(content = CaseInput, content_type = "application/merge-patch+json"),
    responses((status = 200, body = Case)))]
async fn update(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<serde_json::Value>,
) -> ApiResult<Json<Case>> {
    let case =
        s.db.update_case_with(&id, &who.author(), |current| {
            Ok(CaseDraft::parse(merge(&current.to_input(), &patch)?)?)
        })
        .await?;
    Ok(Json(case))
}

/// Delete a case and the timeline entries that regard only it.
#[utoipa::path(delete, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = String, Path)),
    responses((status = 204)))]
async fn delete(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<StatusCode> {
    s.db.delete_case(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}
