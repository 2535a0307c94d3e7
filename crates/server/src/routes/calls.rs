//! Calls as the workspace sees them: the record of a voice or callback work
//! item (state, number, times, who hung up), linking an unknown caller's
//! call to a contact, and the list of past calls. Contract in
//! `docs/voice.md` ("Calls in the workspace").

use axum::extract::{Path, State};
use axum::{Extension, Json};
use serde::Deserialize;
use switchboard_core::access::Permission;
use switchboard_core::cursor::{page_limit, Cursor};
use switchboard_store::voice::{CallFilter, CallRecord};
use switchboard_store::StoreError;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_call))
        .routes(routes!(link_contact))
        .routes(routes!(list))
}

/// The call of a work item `who` may reach (the agent holding it, the
/// supervisors of its queue, admins); 404 for anyone else, and for items
/// that are not calls.
async fn reach_call(s: &AppState, who: &Principal, id: &str) -> ApiResult<CallRecord> {
    let item = s.workspace.reach_item(&who.actor(&s.db).await?, id).await?;
    match s.db.call(id).await {
        Err(StoreError::NotFound(_))
            if matches!(item.channel.as_str(), "voice" | "callback")
                && !matches!(item.status.as_str(), "closed" | "abandoned") =>
        {
            // The call task writes its record just after the work item is
            // created; the offer can reach the workspace first. Record it
            // now from the item (the task keeps a record of the same kind).
            let (kind, number) = match item.attributes.get("callback_number") {
                Some(n) => ("callback", n.clone()),
                None => (
                    "inbound",
                    item.attributes.get("caller").cloned().unwrap_or_default(),
                ),
            };
            s.db.start_call(id, kind, &number, item.contact_id.as_deref())
                .await?;
            Ok(s.db.call(id).await?)
        }
        r => Ok(r?),
    }
}

/// The call of a voice or callback work item: kind, number, state, times,
/// who hung up, talk time.
#[utoipa::path(get, path = "/api/v1/work-items/{id}/call", tag = "voice", params(("id" = String, Path)),
    responses((status = 200, body = CallRecord),
        (status = 404, body = crate::error::Problem, description = "no such work item, not a call, or not yours")))]
async fn get_call(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<CallRecord>> {
    Ok(Json(reach_call(&s, &who, &id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallContactInput {
    /// The contact the caller is (found or created by the agent).
    #[schema(value_type = switchboard_core::api_schema::RecordId)]
    pub contact_id: String,
}

/// Link a call to a contact (an unknown caller the agent identified): the
/// call's timeline entry is written on that contact, or moved there.
#[utoipa::path(put, path = "/api/v1/work-items/{id}/call/contact", tag = "voice",
    params(("id" = String, Path)), request_body = CallContactInput,
    responses((status = 200, body = CallRecord), (status = 404, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem, description = "unknown contact_id")))]
async fn link_contact(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<CallContactInput>,
) -> ApiResult<Json<CallRecord>> {
    reach_call(&s, &who, &id).await?;
    Ok(Json(s.db.link_call_contact(&id, &i.contact_id).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallsQuery {
    #[param(value_type = Option<switchboard_core::api_schema::RecordIdOrEmpty>)]
    /// Only this contact's calls.
    pub contact_id: Option<String>,
    #[param(value_type = Option<switchboard_core::api_schema::RecordIdOrEmpty>)]
    /// Only this agent's calls (agents: only their own anyway).
    pub agent_id: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    /// 1 to 200 (default 50).
    pub limit: Option<u32>,
    #[param(value_type = Option<switchboard_core::api_schema::Cursor>)]
    pub cursor: Option<String>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CallPage {
    pub items: Vec<CallRecord>,
    pub next_cursor: Option<String>,
}

/// Calls, newest first. Agents see their own calls; supervisors the calls
/// of the queues they supervise (and their own), admins everyone's.
#[utoipa::path(get, path = "/api/v1/calls", tag = "voice", params(CallsQuery),
    responses((status = 200, body = CallPage), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn list(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiQuery(q): ApiQuery<CallsQuery>,
) -> ApiResult<Json<CallPage>> {
    let limit = page_limit(q.limit)?;
    let cursor = match &q.cursor {
        Some(c) => Some(Cursor::decode(c, 2)?),
        None => None,
    };
    let (agent_id, within) = if who.may(Permission::SuperviseRecords) {
        (q.agent_id.clone(), who.within(&who.watch(&s.db).await?))
    } else {
        match (&q.agent_id, &who.agent_id) {
            (Some(asked), Some(me)) if asked != me => {
                return Err(ApiError::Forbidden(
                    "agents see their own calls only".into(),
                ))
            }
            (_, Some(me)) => (Some(me.clone()), None),
            (_, None) => {
                return Ok(Json(CallPage {
                    items: Vec::new(),
                    next_cursor: None,
                }))
            }
        }
    };
    let page =
        s.db.calls(&CallFilter {
            contact_id: q.contact_id.clone(),
            agent_id,
            cursor,
            limit,
            within,
        })
        .await?;
    Ok(Json(CallPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}
