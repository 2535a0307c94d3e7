//! `/api/v1/contacts`: customer people, their cases and their timeline.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use switchboard_core::cursor::{page_limit, Cursor};
use switchboard_core::records::{CaseStatus, ContactDraft, ContactInput};
use switchboard_store::activities::{Activity, Scope, TimelineQuery};
use switchboard_store::cases::{Case, CaseFilter};
use switchboard_store::contacts::{Contact, ContactFilter};
use switchboard_store::Page;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{created, merge, PageParams};
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use switchboard_store::Db;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, update, delete))
        .routes(routes!(cases))
        .routes(routes!(timeline))
        .routes(routes!(summary))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    #[param(value_type = Option<switchboard_core::api_schema::ShortTextOrBlank>)]
    /// Matches first and last name, email or phone, case- and
    /// accent-insensitively (at most 200 characters).
    q: Option<String>,
    #[param(value_type = Option<switchboard_core::api_schema::RecordIdOrEmpty>)]
    account_id: Option<String>,
    #[param(value_type = Option<switchboard_core::api_schema::RecordIdOrEmpty>)]
    /// The host site's user id.
    external_id: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    #[param(value_type = Option<switchboard_core::api_schema::Cursor>)]
    cursor: Option<String>,
}

/// List and search contacts, oldest first.
#[utoipa::path(get, path = "/api/v1/contacts", tag = "contacts", params(ListParams),
    responses((status = 200, body = Page<Contact>)))]
async fn list(
    State(db): State<Db>,
    ApiQuery(p): ApiQuery<ListParams>,
) -> ApiResult<Json<Page<Contact>>> {
    let (limit, after) = PageParams {
        limit: p.limit,
        cursor: p.cursor,
    }
    .parse()?;
    let filter = ContactFilter {
        q: super::search_q(p.q)?,
        account_id: p.account_id,
        external_id: p.external_id,
    };
    Ok(Json(db.contacts(&filter, after.as_deref(), limit).await?))
}

/// Create a contact.
#[utoipa::path(post, path = "/api/v1/contacts", tag = "contacts", request_body = ContactInput,
    responses((status = 201, body = Contact), (status = 409, body = Problem, description = "external_id taken")))]
async fn create(
    State(db): State<Db>,
    ApiJson(input): ApiJson<ContactInput>,
) -> ApiResult<impl IntoResponse> {
    let contact = db.create_contact(&ContactDraft::parse(input)?).await?;
    Ok(created(format!("/api/v1/contacts/{}", contact.id), contact))
}

/// Read one contact.
#[utoipa::path(get, path = "/api/v1/contacts/{id}", tag = "contacts", params(("id" = String, Path)),
    responses((status = 200, body = Contact)))]
async fn get(State(db): State<Db>, Path(id): Path<String>) -> ApiResult<Json<Contact>> {
    Ok(Json(db.contact(&id).await?))
}

/// Change a contact with a JSON Merge Patch (RFC 7396): fields sent replace,
/// `null` clears, absent fields stay.
#[utoipa::path(patch, path = "/api/v1/contacts/{id}", tag = "contacts", params(("id" = String, Path)),
    request_body(content = ContactInput, content_type = "application/merge-patch+json"),
    responses((status = 200, body = Contact)))]
async fn update(
    State(db): State<Db>,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<serde_json::Value>,
) -> ApiResult<Json<Contact>> {
    let contact = db
        .update_contact_with(&id, |current| {
            Ok(ContactDraft::parse(merge(&current.to_input(), &patch)?)?)
        })
        .await?;
    Ok(Json(contact))
}

/// Delete a contact and its own timeline; refused (409) while it has cases.
#[utoipa::path(delete, path = "/api/v1/contacts/{id}", tag = "contacts", params(("id" = String, Path)),
    responses((status = 204), (status = 409, body = Problem)))]
async fn delete(State(db): State<Db>, Path(id): Path<String>) -> ApiResult<StatusCode> {
    db.delete_contact(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CasesParams {
    status: Option<CaseStatus>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    #[param(value_type = Option<switchboard_core::api_schema::Cursor>)]
    cursor: Option<String>,
}

/// The contact's cases, newest first.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/cases", tag = "contacts", params(("id" = String, Path), CasesParams),
    responses((status = 200, body = Page<Case>)))]
async fn cases(
    State(db): State<Db>,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<CasesParams>,
) -> ApiResult<Json<Page<Case>>> {
    db.contact(&id).await?;
    let (limit, after) = PageParams {
        limit: p.limit,
        cursor: p.cursor,
    }
    .parse()?;
    let filter = CaseFilter {
        contact_id: Some(id),
        status: p.status,
        ..Default::default()
    };
    Ok(Json(db.cases(&filter, after.as_deref(), limit).await?))
}

#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimelineScope {
    All,
    Customer,
    Case,
    Conversation,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimelineParams {
    /// `all` (default): the contact's own entries, their cases' and the
    /// conversation's; `customer`: the contact's own; `case`: their cases'
    /// (or `case_id`'s); `conversation`: `conversation_id`'s.
    scope: Option<TimelineScope>,
    #[param(value_type = Option<switchboard_core::api_schema::RecordIdOrEmpty>)]
    /// Narrows the case part to one of the contact's cases.
    case_id: Option<String>,
    #[param(value_type = Option<switchboard_core::api_schema::RecordIdOrEmpty>)]
    conversation_id: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    #[param(value_type = Option<switchboard_core::api_schema::Cursor>)]
    cursor: Option<String>,
}

/// The contact's timeline, newest first.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/timeline", tag = "contacts",
    params(("id" = String, Path), TimelineParams), responses((status = 200, body = Page<Activity>)))]
async fn timeline(
    State(db): State<Db>,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<TimelineParams>,
) -> ApiResult<Json<Page<Activity>>> {
    let query = TimelineQuery {
        contact_id: id,
        scope: match p.scope.unwrap_or(TimelineScope::All) {
            TimelineScope::All => Scope::All,
            TimelineScope::Customer => Scope::Customer,
            TimelineScope::Case => Scope::Case,
            TimelineScope::Conversation => Scope::Conversation,
        },
        case_id: p.case_id,
        conversation_id: p.conversation_id,
        cursor: p
            .cursor
            .as_deref()
            .map(|c| Cursor::decode(c, 2))
            .transpose()?,
        limit: page_limit(p.limit)?,
    };
    Ok(Json(db.timeline(&query).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryParams {
    #[param(value_type = Option<switchboard_core::api_schema::RecordIdOrEmpty>)]
    /// The case to show as current: one of the contact's cases (or a case of
    /// their account that names no contact).
    case_id: Option<String>,
}

/// The customer summary without a conversation, as the workspace shows it
/// in a customer tab: the contact and account, the current case (only when
/// `case_id` names one), the 5 most recent cases and the first timeline
/// page. It opens no work item and routes nothing.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/summary", tag = "contacts",
    params(("id" = String, Path), SummaryParams), responses((status = 200, body = Object)))]
async fn summary(
    State(db): State<Db>,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<SummaryParams>,
) -> ApiResult<Json<serde_json::Value>> {
    use serde_json::json;
    let contact = db.contact(&id).await?;
    let account = match &contact.account_id {
        Some(a) => db.account(a).await.ok(),
        None => None,
    };
    let case = match p
        .case_id
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        None => None,
        Some(case_id) => {
            let not_theirs = || {
                switchboard_core::Invalid::one(
                    "case_id",
                    "unknown",
                    "not one of this contact's cases",
                )
            };
            let case = match db.case(case_id).await {
                Ok(c) => c,
                Err(switchboard_store::StoreError::NotFound(_)) => return Err(not_theirs().into()),
                Err(e) => return Err(e.into()),
            };
            let theirs = case.contact_id.as_deref() == Some(contact.id.as_str())
                || (case.contact_id.is_none()
                    && case.account_id.is_some()
                    && case.account_id == contact.account_id);
            if !theirs {
                return Err(not_theirs().into());
            }
            let product = match &case.product_id {
                Some(p) => db.product(p).await.ok().map(|p| p.name),
                None => None,
            };
            let mut v = super::cases::with_names(&db, vec![case]).await?.remove(0);
            v["product_name"] = json!(product);
            Some(v)
        }
    };
    let recent = db
        .cases(
            &CaseFilter {
                contact_id: Some(contact.id.clone()),
                ..Default::default()
            },
            None,
            5,
        )
        .await?
        .items;
    let recent_cases = super::cases::with_names(&db, recent).await?;
    let timeline = db
        .timeline(&TimelineQuery {
            contact_id: contact.id.clone(),
            scope: Scope::All,
            case_id: None,
            conversation_id: None,
            cursor: None,
            limit: 20,
        })
        .await?;
    Ok(Json(json!({
        "work_item": null,
        "customer": {"contact": contact, "account": account},
        "conversation": null,
        "case": case,
        "recent_cases": recent_cases,
        "timeline": timeline,
        "script": null,
    })))
}
