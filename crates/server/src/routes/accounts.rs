//! `/api/v1/accounts`: the customers' companies.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use switchboard_core::records::{AccountDraft, AccountInput};
use switchboard_store::accounts::Account;
use switchboard_store::Db;
use switchboard_store::Page;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::created;
use super::{merge, PageParams};
use crate::error::{ApiResult, Problem};
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
    #[param(value_type = Option<switchboard_core::api_schema::ShortTextOrBlank>)]
    /// Matches the name, case- and accent-insensitively (at most 200 characters).
    q: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    #[param(value_type = Option<switchboard_core::api_schema::Cursor>)]
    cursor: Option<String>,
}

/// List accounts, oldest first.
#[utoipa::path(get, path = "/api/v1/accounts", tag = "accounts", params(ListParams),
    responses((status = 200, body = Page<Account>)))]
async fn list(
    State(db): State<Db>,
    ApiQuery(p): ApiQuery<ListParams>,
) -> ApiResult<Json<Page<Account>>> {
    let (limit, after) = PageParams {
        limit: p.limit,
        cursor: p.cursor,
    }
    .parse()?;
    let q = super::search_q(p.q)?;
    Ok(Json(
        db.accounts(q.as_deref(), after.as_deref(), limit).await?,
    ))
}

/// Create an account.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", request_body = AccountInput,
    responses((status = 201, body = Account)))]
async fn create(
    State(db): State<Db>,
    ApiJson(input): ApiJson<AccountInput>,
) -> ApiResult<impl IntoResponse> {
    let account = db.create_account(&AccountDraft::parse(input)?).await?;
    Ok(created(format!("/api/v1/accounts/{}", account.id), account))
}

/// Read one account.
#[utoipa::path(get, path = "/api/v1/accounts/{id}", tag = "accounts", params(("id" = String, Path)),
    responses((status = 200, body = Account)))]
async fn get(State(db): State<Db>, Path(id): Path<String>) -> ApiResult<Json<Account>> {
    Ok(Json(db.account(&id).await?))
}

/// Change an account with a JSON Merge Patch (RFC 7396).
#[utoipa::path(patch, path = "/api/v1/accounts/{id}", tag = "accounts", params(("id" = String, Path)),
    request_body(content = AccountInput, content_type = "application/merge-patch+json"),
    responses((status = 200, body = Account)))]
async fn update(
    State(db): State<Db>,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<serde_json::Value>,
) -> ApiResult<Json<Account>> {
    let account = db
        .update_account_with(&id, |current| {
            Ok(AccountDraft::parse(merge(&current.to_input(), &patch)?)?)
        })
        .await?;
    Ok(Json(account))
}

/// Delete an account; refused (409) while contacts or cases belong to it.
#[utoipa::path(delete, path = "/api/v1/accounts/{id}", tag = "accounts", params(("id" = String, Path)),
    responses((status = 204), (status = 409, body = Problem)))]
async fn delete(State(db): State<Db>, Path(id): Path<String>) -> ApiResult<StatusCode> {
    db.delete_account(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}
