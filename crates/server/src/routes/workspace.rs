//! What the agent workspace calls for a session: the one-call summary, the
//! agent script's progress and macros (the workspace service's use cases),
//! and the links a session makes (contract in `docs/workspace.md`). An
//! agent reaches the work items offered or assigned to them; supervisors
//! also those of the queues they supervise, admins any (`auth::watch`).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{json, Value};
use switchboard_store::chat::ConversationRow;
use switchboard_store::Db;
use switchboard_workspace::{StepRef, Workspace};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;
use switchboard_chat::Chat;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(summary))
        .routes(routes!(step_done))
        .routes(routes!(run_macro))
        .routes(routes!(link_case))
        .routes(routes!(link_contact))
}

/// Everything the session page shows, in one answer: work item, customer
/// (contact and account), conversation (survey, journey, visitor, context),
/// the linked case, recent cases, the first timeline page and the script
/// with its progress.
#[utoipa::path(get, path = "/api/v1/work-items/{id}/summary", tag = "workspace", params(("id" = String, Path)),
    responses((status = 200, body = Object)))]
async fn summary(
    State(w): State<Arc<Workspace>>,
    State(db): State<Db>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(w.summary(&who.actor(&db).await?, &id).await?))
}

/// Mark an instruction step done; the answer is the script's progress.
#[utoipa::path(post, path = "/api/v1/work-items/{id}/script-steps", tag = "workspace", params(("id" = String, Path)),
    request_body = StepRef, responses((status = 200, body = Object)))]
async fn step_done(
    State(w): State<Arc<Workspace>>,
    State(db): State<Db>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<StepRef>,
) -> ApiResult<Json<Value>> {
    Ok(Json(w.step_done(&who.actor(&db).await?, &id, &r).await?))
}

/// Run a macro step with your own rights: the action happens, an activity
/// records it, and the step counts as done.
#[utoipa::path(post, path = "/api/v1/work-items/{id}/macros", tag = "workspace", params(("id" = String, Path)),
    request_body = StepRef, responses((status = 200, body = Object)))]
async fn run_macro(
    State(w): State<Arc<Workspace>>,
    State(db): State<Db>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<StepRef>,
) -> ApiResult<Json<Value>> {
    Ok(Json(w.run_macro(&who.actor(&db).await?, &id, &r).await?))
}

/// The conversation if `who` holds it (or supervises its queue: `reach`).
async fn held(chat: &Chat, who: &Principal, id: &str) -> ApiResult<ConversationRow> {
    let conv = crate::routes::conversations::reach(chat, who, id).await?;
    if conv.status == "ended" {
        return Err(ApiError::Conflict("this conversation has ended".into()));
    }
    let holds = conv.status == "active" && who.agent_id.is_some() && who.agent_id == conv.agent_id;
    if holds || crate::routes::conversations::watched(chat, who, &conv).await? {
        Ok(conv)
    } else {
        Err(ApiError::Conflict("accept the conversation first".into()))
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseLink {
    /// `null` unlinks.
    case_id: Option<String>,
}

/// Link the case the conversation is about (one of its customer's cases).
#[utoipa::path(put, path = "/api/v1/conversations/{id}/case", tag = "workspace", params(("id" = String, Path)),
    request_body = CaseLink, responses((status = 200, body = Object)))]
async fn link_case(
    State(chat): State<Arc<Chat>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CaseLink>,
) -> ApiResult<Json<Value>> {
    let conv = held(&chat, &who, &id).await?;
    chat.db
        .set_conversation_case(&conv.id, b.case_id.as_deref())
        .await?;
    Ok(Json(json!({"id": conv.id, "case_id": b.case_id})))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactLink {
    contact_id: String,
}

/// Link the conversation (and its visitor) to another contact.
#[utoipa::path(put, path = "/api/v1/conversations/{id}/contact", tag = "workspace", params(("id" = String, Path)),
    request_body = ContactLink, responses((status = 200, body = Object)))]
async fn link_contact(
    State(chat): State<Arc<Chat>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ContactLink>,
) -> ApiResult<Json<Value>> {
    let conv = held(&chat, &who, &id).await?;
    chat.db
        .set_conversation_contact(&conv.id, &b.contact_id)
        .await?;
    Ok(Json(json!({"id": conv.id, "contact_id": b.contact_id})))
}
