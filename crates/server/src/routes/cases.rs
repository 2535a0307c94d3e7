//! `/api/v1/cases`: customer problems tracked over time. Every change writes
//! a `case_event` entry on the case's timeline.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{json, Value};
use switchboard_core::records::{CaseDraft, CaseInput, CaseStatus, Priority};
use switchboard_store::cases::{Case, CaseFilter, CaseSearch};
use switchboard_store::Page;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::created;
use super::{merge, PageParams};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use switchboard_store::Db;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, update, delete))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    #[param(value_type = Option<switchboard_core::api_schema::RecordIdOrEmpty>)]
    contact_id: Option<String>,
    #[param(value_type = Option<switchboard_core::api_schema::RecordIdOrEmpty>)]
    account_id: Option<String>,
    status: Option<CaseStatus>,
    priority: Option<Priority>,
    #[param(value_type = Option<switchboard_core::api_schema::RecordIdOrEmpty>)]
    /// An agent's id, or `me` for the caller's own cases.
    owner_id: Option<String>,
    #[param(value_type = Option<switchboard_core::api_schema::ShortTextOrBlank>)]
    /// Matches the title or the contact's name, email or phone, case- and
    /// accent-insensitively (at most 200 characters).
    q: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    #[param(value_type = Option<switchboard_core::api_schema::Cursor>)]
    cursor: Option<String>,
}

/// List cases, newest first. Each item also names its contact
/// (`contact_name`) and owner (`owner_name`).
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(ListParams),
    responses((status = 200, body = Page<Case>)))]
async fn list(
    State(db): State<Db>,
    Extension(who): Extension<Principal>,
    ApiQuery(p): ApiQuery<ListParams>,
) -> ApiResult<Json<Value>> {
    let (limit, after) = PageParams {
        limit: p.limit,
        cursor: p.cursor,
    }
    .parse()?;
    let owner_id = match p.owner_id.as_deref().map(str::trim) {
        Some("me") => Some(who.agent_id.clone().ok_or_else(|| {
            ApiError::Invalid(switchboard_core::Invalid::one(
                "owner_id",
                "invalid",
                "`me` needs an agent (or a token bound to one)",
            ))
        })?),
        Some("") | None => None,
        Some(id) => Some(id.to_owned()),
    };
    let filter = CaseFilter {
        contact_id: p.contact_id,
        account_id: p.account_id,
        status: p.status,
    };
    let search = CaseSearch {
        q: super::search_q(p.q)?,
        priority: p.priority,
        owner_id,
    };
    let page = db
        .cases_matching(&filter, &search, after.as_deref(), limit)
        .await?;
    let items = with_names(&db, page.items).await?;
    Ok(Json(
        json!({"items": items, "next_cursor": page.next_cursor}),
    ))
}

/// Cases as JSON with their contact's and owner's names.
pub(crate) async fn with_names(db: &Db, cases: Vec<Case>) -> ApiResult<Vec<Value>> {
    let contacts: Vec<String> = cases.iter().filter_map(|c| c.contact_id.clone()).collect();
    let owners: Vec<String> = cases.iter().filter_map(|c| c.owner_id.clone()).collect();
    let contact_names = db.contact_names(&contacts).await?;
    let owner_names = db.agent_names(&owners).await?;
    Ok(cases
        .into_iter()
        .map(|c| {
            let contact = c.contact_id.as_ref().and_then(|id| contact_names.get(id));
            let owner = c.owner_id.as_ref().and_then(|id| owner_names.get(id));
            let mut v = json!(c);
            v["contact_name"] = json!(contact);
            v["owner_name"] = json!(owner);
            v
        })
        .collect())
}

/// Open a case for a contact or an account.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = CaseInput,
    responses((status = 201, body = Case)))]
async fn create(
    State(db): State<Db>,
    Extension(who): Extension<Principal>,
    ApiJson(input): ApiJson<CaseInput>,
) -> ApiResult<impl IntoResponse> {
    let case = db
        .create_case(&CaseDraft::parse(input)?, &who.author())
        .await?;
    Ok(created(format!("/api/v1/cases/{}", case.id), case))
}

/// Read one case.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, body = Case)))]
async fn get(State(db): State<Db>, Path(id): Path<String>) -> ApiResult<Json<Case>> {
    Ok(Json(db.case(&id).await?))
}

/// Change a case with a JSON Merge Patch (RFC 7396); writes a `case_event`.
#[utoipa::path(patch, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = String, Path)),
    request_body(content = CaseInput, content_type = "application/merge-patch+json"),
    responses((status = 200, body = Case)))]
async fn update(
    State(db): State<Db>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<serde_json::Value>,
) -> ApiResult<Json<Case>> {
    let case = db
        .update_case_with(&id, &who.author(), |current| {
            Ok(CaseDraft::parse(merge(&current.to_input(), &patch)?)?)
        })
        .await?;
    Ok(Json(case))
}

/// Delete a case and the timeline entries that regard only it.
#[utoipa::path(delete, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = String, Path)),
    responses((status = 204)))]
async fn delete(State(db): State<Db>, Path(id): Path<String>) -> ApiResult<StatusCode> {
    db.delete_case(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}
