//! Conversations as agents work them over REST (the same actions exist on
//! `/api/v1/ws`). Agents reach the conversations they hold or held;
//! supervisors those of the queues they supervise (their work item's queue,
//! `auth::watch`) and their own; admins all of them.

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use switchboard_core::access::Permission;
use switchboard_core::cursor::{page_limit, Cursor};
use switchboard_store::browse::ConversationFilter;
use switchboard_store::chat::{ConversationRow, MessageRow};
use switchboard_store::StoreError;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{Principal, Watch};
use crate::chat::conversation;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use switchboard_chat::Chat;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get))
        .routes(routes!(messages, send))
        .routes(routes!(end))
        .routes(routes!(visitor))
}

/// Whether `who` watches the queue of the conversation's work item (where
/// a transfer moved it): admins always, supervisors for their queues
/// (`auth::watch`), agents never (they reach their own by other rules).
pub async fn watched(chat: &Chat, who: &Principal, conv: &ConversationRow) -> ApiResult<bool> {
    let watch = who.watch(&chat.db).await?;
    if watch.is_all() {
        return Ok(true);
    }
    if watch == Watch::nothing() {
        return Ok(false);
    }
    match chat.db.work_item(&conv.work_item_id).await {
        Ok(item) => Ok(watch.queue(&item.queue_id)),
        // Not routed yet: in no queue of theirs.
        Err(StoreError::NotFound(_)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// What the routing engine says of a waiting conversation and this agent.
#[derive(Debug, PartialEq, Eq)]
enum EngineSays {
    /// Offered to them: they may read it.
    Offered,
    /// Assigned to them (they accepted), not yet recorded as active.
    Assigned,
}

/// The engine's word on a conversation the row still calls waiting. The
/// chat service records an offer's acceptance from the same routing event
/// that reaches the agent's socket, so for a moment the engine knows that
/// an agent holds the chat before the row does; the agent may act at once.
async fn engine_says(chat: &Chat, who: &Principal, conv: &ConversationRow) -> Option<EngineSays> {
    let agent = who.agent_id.as_deref()?;
    if conv.status != "waiting" {
        return None;
    }
    let v = chat.routing.view(&conv.work_item_id).await.ok()?;
    if v.agent_id.as_deref() != Some(agent) {
        return None;
    }
    match v.status.as_str() {
        "offered" => Some(EngineSays::Offered),
        "assigned" => Some(EngineSays::Assigned),
        _ => None,
    }
}

/// The conversation if `who` may work it; 404 otherwise (revealing nothing).
pub async fn reach(chat: &Chat, who: &Principal, id: &str) -> ApiResult<ConversationRow> {
    let conv = chat.db.conversation(id).await?;
    if watched(chat, who, &conv).await? {
        return Ok(conv);
    }
    let mine = who.agent_id.is_some() && who.agent_id == conv.agent_id;
    // An agent offered the chat may read it before accepting; one who has
    // just accepted it holds it before the row says so.
    if mine || engine_says(chat, who, &conv).await.is_some() {
        Ok(conv)
    } else {
        Err(ApiError::NotFound("conversation"))
    }
}

/// [`reach`], and when `who` has just accepted the chat (the engine says
/// it is theirs, the row still says waiting), the row once the chat service
/// has recorded that: it does so from the same routing event that reaches
/// the agent's socket, so an agent may act before it is written. Waits at
/// most a second; past that the row is returned as it is.
async fn reach_recorded(chat: &Chat, who: &Principal, id: &str) -> ApiResult<ConversationRow> {
    let mut conv = reach(chat, who, id).await?;
    if engine_says(chat, who, &conv).await == Some(EngineSays::Assigned) {
        for _ in 0..40 {
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
            conv = chat.db.conversation(id).await?;
            if conv.status != "waiting" {
                break;
            }
        }
    }
    Ok(conv)
}

/// Ends the conversation as `who`: the agent holding it, or a supervisor
/// of its queue (or an admin). An agent only offered it may read it but not
/// end it.
pub async fn end_as(chat: &Chat, who: &Principal, id: &str) -> ApiResult<bool> {
    let conv = reach_recorded(chat, who, id).await?;
    let holds = who.agent_id.is_some() && who.agent_id == conv.agent_id;
    if holds {
        return Ok(conversation::end(chat, &conv.id, "agent").await?);
    }
    if !watched(chat, who, &conv).await? {
        return Err(ApiError::Conflict(
            "accept the conversation before ending it (or decline the offer)".into(),
        ));
    }
    // A supervisor (or admin) ending another's chat: an intervention, as a
    // force-close from the dashboard, and audited like one. To the visitor
    // and in `ended_by` it is staff ending it, "agent", as a force-close.
    let ended = conversation::end(chat, &conv.id, "agent").await?;
    if ended {
        let view = |status: &str| json!({"status": status, "work_item_id": conv.work_item_id, "agent_id": conv.agent_id});
        if let Err(e) = chat
            .db
            .acting(who.audit_actor())
            .record_action(
                switchboard_store::audit::Area::WorkItems,
                "conversation.end",
                Some(&conv.id),
                view(&conv.status),
                view("ended"),
            )
            .await
        {
            // The chat has ended either way; the record is logged, as for
            // the work items' interventions.
            tracing::error!(error = %e, conversation = conv.id, "recording a supervisor's action failed");
        }
    }
    Ok(ended)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `waiting`, `active` or `ended`.
    #[param(pattern = "^(waiting|active|ended)$")]
    status: Option<String>,
    #[param(value_type = Option<switchboard_core::api_schema::RecordIdOrEmpty>)]
    /// The agent who held them: agents may name only themselves;
    /// supervisors and admins anyone (supervisors still see only their
    /// queues' conversations and their own).
    agent_id: Option<String>,
    #[param(value_type = Option<switchboard_core::api_schema::RecordIdOrEmpty>)]
    /// The customer's conversations.
    contact_id: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    #[param(value_type = Option<switchboard_core::api_schema::Cursor>)]
    cursor: Option<String>,
}

/// Conversations, newest first: yours; for supervisors those of the queues
/// they supervise (and their own); for admins everyone's. Each names its
/// contact (`contact_name`) and, once ended, its
/// `duration_seconds` (from the agent's answer, or the start, to the end).
#[utoipa::path(get, path = "/api/v1/conversations", tag = "chat", params(ListParams),
    responses((status = 200, body = Object)))]
async fn list(
    State(chat): State<Arc<Chat>>,
    Extension(who): Extension<Principal>,
    ApiQuery(p): ApiQuery<ListParams>,
) -> ApiResult<Json<Value>> {
    if let Some(st) = &p.status {
        if !matches!(st.as_str(), "waiting" | "active" | "ended") {
            return Err(switchboard_core::Invalid::one(
                "status",
                "invalid",
                "must be waiting, active or ended",
            )
            .into());
        }
    }
    let limit = page_limit(p.limit)?;
    let before = match &p.cursor {
        Some(c) => {
            let k = Cursor::decode(c, 2)?.0;
            Some((k[0].clone(), k[1].clone()))
        }
        None => None,
    };
    let wanted = p.agent_id.filter(|a| !a.trim().is_empty());
    let mut within = None;
    let agent = if who.may(Permission::SuperviseRecords) {
        within = who.within(&who.watch(&chat.db).await?);
        wanted
    } else {
        let mine = who.agent_id.clone().ok_or_else(|| {
            ApiError::Forbidden("only an agent (or a token bound to one) has conversations".into())
        })?;
        if wanted.as_ref().is_some_and(|a| *a != mine) {
            return Err(ApiError::Forbidden(
                "agents read their own conversations; supervisors and admins read everyone's"
                    .into(),
            ));
        }
        Some(mine)
    };
    let filter = ConversationFilter {
        status: p.status,
        agent_id: agent,
        contact_id: p.contact_id.filter(|c| !c.trim().is_empty()),
        before,
        within,
    };
    let mut rows = chat.db.past_conversations(&filter, limit).await?;
    let next_cursor = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last()
            .map(|r| Cursor(vec![r.started_at.clone(), r.id.clone()]).encode())
    } else {
        None
    };
    Ok(Json(json!({"items": rows, "next_cursor": next_cursor})))
}

/// A conversation with the survey answers, context variables, visitor
/// details, journey (newest first) and proactive rule.
#[utoipa::path(get, path = "/api/v1/conversations/{id}", tag = "chat", params(("id" = String, Path)),
    responses((status = 200, body = Object)))]
async fn get(
    State(chat): State<Arc<Chat>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let conv = reach(&chat, &who, &id).await?;
    Ok(Json(conversation::agent_view(&chat, &conv).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AfterParams {
    /// The highest `seq` already seen (default 0).
    after: Option<i64>,
}

/// Messages after `after`, oldest first, at most 500.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/messages", tag = "chat",
    params(("id" = String, Path), AfterParams), responses((status = 200, body = Object)))]
async fn messages(
    State(chat): State<Arc<Chat>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<AfterParams>,
) -> ApiResult<Json<Value>> {
    let conv = reach(&chat, &who, &id).await?;
    let rows = chat
        .db
        .messages_after(&conv.id, p.after.unwrap_or(0).max(0), 500)
        .await?;
    Ok(Json(json!({"messages": rows})))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendInput {
    /// 1 to 4,000 characters.
    #[schema(value_type = switchboard_core::api_schema::Instructions)]
    body: String,
    /// Your id for the message: resending it never duplicates.
    #[schema(pattern = "^[A-Za-z0-9_-]{1,64}$")]
    client_id: Option<String>,
}

/// Write to the visitor; persisted before it is answered.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/messages", tag = "chat",
    params(("id" = String, Path)), request_body = SendInput,
    responses((status = 201, body = MessageRow), (status = 409, body = crate::error::Problem)))]
async fn send(
    State(chat): State<Arc<Chat>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<SendInput>,
) -> ApiResult<impl IntoResponse> {
    let row = agent_send(&chat, &who, &id, &i.body, i.client_id).await?;
    Ok((axum::http::StatusCode::CREATED, Json(row)))
}

/// Sends as the agent holding the conversation.
pub async fn agent_send(
    chat: &Chat,
    who: &Principal,
    id: &str,
    body: &str,
    client_id: Option<String>,
) -> ApiResult<MessageRow> {
    let conv = reach_recorded(chat, who, id).await?;
    let agent = who
        .agent_id
        .clone()
        .ok_or_else(|| ApiError::Forbidden("only an agent can write to a visitor".into()))?;
    if conv.agent_id.as_deref() != Some(agent.as_str()) {
        return Err(ApiError::Conflict(
            "only the agent holding the conversation writes in it".into(),
        ));
    }
    let name = conv.agent_name.clone().unwrap_or_else(|| "Agent".into());
    Ok(conversation::send(chat, &conv, "agent", Some((&agent, &name)), body, client_id).await?)
}

/// End the conversation; its transcript lands on the contact's timeline.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/end", tag = "chat",
    params(("id" = String, Path)), responses((status = 200, body = Object)))]
async fn end(
    State(chat): State<Arc<Chat>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let ended = end_as(&chat, &who, &id).await?;
    Ok(Json(json!({"id": id, "ended": ended})))
}

/// The visitor if `who` may see them: an agent who holds or held one of
/// their conversations, or is offered their waiting one; a supervisor also
/// when one of their conversations is of a queue they supervise; admins
/// any. 404 otherwise, so an id is never confirmed.
async fn reach_visitor(chat: &Chat, who: &Principal, id: &str) -> ApiResult<()> {
    let watch = who.watch(&chat.db).await?;
    let Some(within) = who.within(&watch) else {
        return Ok(());
    };
    if within.agent_id.is_none() && within.queues.is_empty() {
        return Err(ApiError::NotFound("visitor"));
    }
    if chat.db.visitor_served_within(id, &within).await? {
        return Ok(());
    }
    if let Some(conv) = chat.db.open_conversation(id).await? {
        if reach(chat, who, &conv.id).await.is_ok() {
            return Ok(());
        }
    }
    Err(ApiError::NotFound("visitor"))
}

/// A visitor's details and journey (newest first): for the agent who holds,
/// held or is offered one of their conversations, the supervisors of one of
/// their conversations' queues, and admins; 404 for anyone else.
#[utoipa::path(get, path = "/api/v1/visitors/{id}", tag = "chat",
    params(("id" = String, Path)), responses((status = 200, body = Object),
        (status = 404, body = crate::error::Problem, description = "no such visitor, or not yours")))]
async fn visitor(
    State(chat): State<Arc<Chat>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    reach_visitor(&chat, &who, &id).await?;
    let v = chat.db.visitor(&id).await?;
    let journey = chat.db.journey(&id, 200).await?;
    let mut out = conversation::visitor_json(v);
    out["journey"] = json!(conversation::journey_json(journey));
    Ok(Json(out))
}
