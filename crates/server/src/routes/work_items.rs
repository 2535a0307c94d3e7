//! Work items, presence and live queue figures.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use switchboard_core::access::Permission;
use switchboard_core::routing::{is_reserved_attribute, Presence, SkillMatch};
use switchboard_core::validation::Check;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::created;
use crate::auth::{watch::require_queue, Principal};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::routing::config::SkillNeedSpec;
use crate::routing::engine::{NewWorkItem, Overview, QueueStats, WorkItemView};
use crate::routing::EngineHandle;
use crate::state::AppState;
use serde_json::{json, Value};
use switchboard_store::audit::Area;
use switchboard_store::Db;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(get))
        .routes(routes!(accept))
        .routes(routes!(reject))
        .routes(routes!(close))
        .routes(routes!(transfer))
        .routes(routes!(assign))
        .routes(routes!(overview))
        .routes(routes!(abandon))
        .routes(routes!(get_presence, put_presence))
        .routes(routes!(stats))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkItemInput {
    /// `chat`, `voice` or `callback`.
    #[schema(pattern = "^(chat|voice|callback)$")]
    channel: String,
    /// `normal` (default), `proactive` or `callback` (default for a callback channel).
    #[schema(pattern = "^(normal|proactive|callback)$")]
    kind: Option<String>,
    #[schema(value_type = Option<switchboard_core::api_schema::RecordId>)]
    contact_id: Option<String>,
    /// Key/values the routing rules test (language, page, context
    /// variables…). Keys naming internal records (`conversation_id`,
    /// `widget_id`, `proactive_rule`, `call_id`, `caller`, `called`,
    /// `callback_id`, `callback_number`) are Switchboard's: 422.
    #[serde(default)]
    #[schema(value_type = switchboard_core::api_schema::WorkItemAttributes)]
    attributes: BTreeMap<String, String>,
    /// Skip the rules and wait in this queue.
    #[schema(value_type = Option<switchboard_core::api_schema::RecordId>)]
    queue_id: Option<String>,
    /// With `queue_id`: required skills.
    skills: Option<Vec<SkillNeedSpec>>,
    skill_match: Option<SkillMatch>,
    /// -1000 to 1000.
    #[schema(minimum = -1000, maximum = 1000)]
    priority: Option<i32>,
}

/// Submit a work item; it is classified, queued and offered at once. The
/// answer shows its status, position and estimated wait.
#[utoipa::path(post, path = "/api/v1/work-items", tag = "work items", request_body = WorkItemInput,
    responses((status = 201, body = WorkItemView)))]
async fn create(
    State(engine): State<EngineHandle>,
    ApiJson(i): ApiJson<WorkItemInput>,
) -> ApiResult<impl IntoResponse> {
    let mut c = Check::new();
    if i.attributes.len() > 100
        || i.attributes
            .iter()
            .any(|(k, v)| k.is_empty() || k.chars().count() > 100 || v.chars().count() > 1000)
    {
        c.fail(
            "attributes",
            "too_long",
            "at most 100 attributes, keys of 1 to 100 and values up to 1000 characters",
        );
    }
    // Attributes naming internal records are the system's (see
    // RESERVED_ATTRIBUTES): refused, not stripped, so a client learns at
    // once that they cannot steer Switchboard to a record of its own.
    for k in i.attributes.keys().filter(|k| is_reserved_attribute(k)) {
        c.fail(
            &format!("attributes.{k}"),
            "reserved",
            "this attribute names a record Switchboard keeps itself and is set only by Switchboard",
        );
    }
    if i.priority.is_some_and(|p| !(-1000..=1000).contains(&p)) {
        c.fail("priority", "out_of_range", "must be between -1000 and 1000");
    }
    if i.skills.is_some() && i.queue_id.is_none() {
        c.fail(
            "skills",
            "inconsistent",
            "skills go with queue_id; otherwise the routing rules set them",
        );
    }
    c.finish(|| ())?;
    let kind = i.kind.unwrap_or_else(|| {
        if i.channel == "callback" {
            "callback".into()
        } else {
            "normal".into()
        }
    });
    let view = engine
        .create(NewWorkItem {
            channel: i.channel,
            kind,
            contact_id: i.contact_id,
            attributes: i.attributes,
            queue_id: i.queue_id,
            skills: i.skills,
            skill_match: i.skill_match,
            priority: i.priority,
        })
        .await?;
    Ok(created(format!("/api/v1/work-items/{}", view.id), view))
}

/// A work item with its live position, estimated wait and routing reason:
/// to the agent it is offered or assigned to (or who holds its
/// conversation), to admins, and to the supervisors of its queue; 404 for
/// anyone else.
#[utoipa::path(get, path = "/api/v1/work-items/{id}", tag = "work items", params(("id" = String, Path)),
    responses((status = 200, body = WorkItemView),
        (status = 404, body = crate::error::Problem, description = "no such work item, or not yours (nor of a queue you supervise)")))]
async fn get(
    State(w): State<std::sync::Arc<switchboard_workspace::Workspace>>,
    State(db): State<Db>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<WorkItemView>> {
    // Outside their queues a supervisor has an agent's rights only.
    Ok(Json(w.reach_item(&who.actor(&db).await?, &id).await?))
}

fn me(who: &Principal) -> ApiResult<&str> {
    who.agent_id.as_deref().ok_or_else(|| {
        ApiError::Forbidden("only an agent (or a token bound to one) can do this".into())
    })
}

/// Accept an offer made to you.
#[utoipa::path(post, path = "/api/v1/work-items/{id}/accept", tag = "work items", params(("id" = String, Path)),
    responses((status = 200, body = WorkItemView), (status = 409, body = crate::error::Problem)))]
async fn accept(
    State(engine): State<EngineHandle>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<WorkItemView>> {
    Ok(Json(engine.answer(&id, me(&who)?, true).await?))
}

/// Decline an offer made to you; it goes to the next agent.
#[utoipa::path(post, path = "/api/v1/work-items/{id}/reject", tag = "work items", params(("id" = String, Path)),
    responses((status = 200, body = WorkItemView), (status = 409, body = crate::error::Problem)))]
async fn reject(
    State(engine): State<EngineHandle>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<WorkItemView>> {
    Ok(Json(engine.answer(&id, me(&who)?, false).await?))
}

/// Close a work item assigned to you (supervisors: any open item of the
/// queues they supervise, others 404; admins: any open item).
#[utoipa::path(post, path = "/api/v1/work-items/{id}/close", tag = "work items", params(("id" = String, Path)),
    responses((status = 200, body = WorkItemView),
        (status = 404, body = crate::error::Problem, description = "no such work item, or not of a queue you supervise"),
        (status = 409, body = crate::error::Problem)))]
async fn close(
    State(engine): State<EngineHandle>,
    State(db): State<Db>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<WorkItemView>> {
    if who.may(Permission::SuperviseRecords) {
        let before = engine.view(&id).await?;
        if !watched(&db, &who, &before).await? {
            // Not a queue of theirs: only as the agent holding it.
            return Ok(Json(engine.close(&id, Some(me(&who)?)).await?));
        }
        let after = engine.close(&id, None).await?;
        // An agent closing their own work is everyday work, not an
        // intervention: only a close with a supervisor's rights is audited.
        supervised(&db, &who, "work_item.close", &before, &after).await?;
        return Ok(Json(after));
    }
    Ok(Json(engine.close(&id, Some(me(&who)?)).await?))
}

/// Whether a supervisor may act on this item as a supervisor: it is in a
/// queue they watch (`auth::watch`). An item outside their queues is
/// unknown to them (404), unless they hold it themselves as an agent: then
/// `false`, and they act with an agent's rights.
async fn watched(db: &Db, who: &Principal, item: &WorkItemView) -> ApiResult<bool> {
    if who.watch(db).await?.queue(&item.queue_id) {
        return Ok(true);
    }
    if who.agent_id.is_some() && item.agent_id == who.agent_id {
        return Ok(false);
    }
    Err(ApiError::NotFound("work item"))
}

/// The part of a work item an intervention changes, for the audit log.
fn audit_view(v: &WorkItemView) -> Value {
    json!({
        "status": v.status,
        "queue_id": v.queue_id,
        "queue_name": v.queue_name,
        "agent_id": v.agent_id,
    })
}

/// Records a supervisor's action on a work item in the audit log (area
/// `work_items`), right after the routing engine committed it: the engine
/// writes the item, so the row cannot share its transaction. A failure to
/// record is logged, not reported: the action itself is done.
async fn supervised(
    db: &Db,
    who: &Principal,
    action: &str,
    before: &WorkItemView,
    after: &WorkItemView,
) -> ApiResult<()> {
    if let Err(e) = db
        .acting(who.audit_actor())
        .record_action(
            Area::WorkItems,
            action,
            Some(&after.id),
            audit_view(before),
            audit_view(after),
        )
        .await
    {
        tracing::error!(error = %e, work_item = after.id, action, "recording a supervisor's action failed");
    }
    Ok(())
}

/// The customer left before an agent accepted (closed the chat, hung up):
/// the item ends as abandoned and any pending offer is withdrawn.
/// Supervisors: items of the queues they supervise (others 404).
#[utoipa::path(post, path = "/api/v1/work-items/{id}/abandon", tag = "work items", params(("id" = String, Path)),
    responses((status = 200, body = WorkItemView),
        (status = 404, body = crate::error::Problem, description = "no such work item, or not of a queue you supervise"),
        (status = 409, body = crate::error::Problem)))]
async fn abandon(
    State(engine): State<EngineHandle>,
    State(db): State<Db>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<WorkItemView>> {
    let before = engine.view(&id).await?;
    if !who.watch(&db).await?.queue(&before.queue_id) {
        return Err(ApiError::NotFound("work item"));
    }
    let after = engine.abandon(&id).await?;
    // Only supervisors and admins get here: an intervention, audited.
    supervised(&db, &who, "work_item.abandon", &before, &after).await?;
    Ok(Json(after))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferInput {
    #[schema(value_type = switchboard_core::api_schema::RecordId)]
    queue_id: String,
}

/// Move a work item to another queue; it keeps its arrival time. The
/// assigned agent moves their own item to any queue; a supervisor moves
/// the items of the queues they supervise (others: 404) to one of those
/// queues (others: 422 `queue_id` `not_supervised`); admins any.
#[utoipa::path(post, path = "/api/v1/work-items/{id}/transfer", tag = "work items", params(("id" = String, Path)),
    request_body = TransferInput, responses((status = 200, body = WorkItemView),
        (status = 404, body = crate::error::Problem, description = "no such work item, or not of a queue you supervise"),
        (status = 422, body = crate::error::Problem, description = "unknown queue, or a queue you do not supervise")))]
async fn transfer(
    State(engine): State<EngineHandle>,
    State(db): State<Db>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<TransferInput>,
) -> ApiResult<Json<WorkItemView>> {
    if who.may(Permission::SuperviseRecords) {
        let before = engine.view(&id).await?;
        if watched(&db, &who, &before).await? {
            if !who.watch(&db).await?.queue(&i.queue_id) {
                // Their own item (as its agent) goes anywhere, as any agent's.
                if who.agent_id.is_some() && before.agent_id == who.agent_id {
                    return Ok(Json(
                        engine.transfer(&id, &i.queue_id, Some(me(&who)?)).await?,
                    ));
                }
                return Err(switchboard_core::Invalid::one(
                    "queue_id",
                    "not_supervised",
                    "you do not supervise this queue: transfer to one of yours",
                )
                .into());
            }
        } else {
            return Ok(Json(
                engine.transfer(&id, &i.queue_id, Some(me(&who)?)).await?,
            ));
        }
        let after = engine.transfer(&id, &i.queue_id, None).await?;
        supervised(&db, &who, "work_item.transfer", &before, &after).await?;
        return Ok(Json(after));
    }
    Ok(Json(
        engine.transfer(&id, &i.queue_id, Some(me(&who)?)).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignInput {
    #[schema(value_type = switchboard_core::api_schema::RecordId)]
    agent_id: String,
}

/// Give a waiting or offered work item to an agent directly (supervisors
/// and admins): any pending offer is withdrawn and the item is assigned at
/// once, whatever the agent's free capacity, queues or skills (the agent
/// is set busy while over capacity). 409 when the agent is offline, or
/// the item is already with an agent (transfer it to a queue first) or
/// closed. A supervisor assigns the items of the queues they supervise
/// (others: 404, as if unknown). Recorded in the audit log as
/// `work_item.assign`.
#[utoipa::path(post, path = "/api/v1/work-items/{id}/assign", tag = "work items", params(("id" = String, Path)),
    request_body = AssignInput,
    responses((status = 200, body = WorkItemView),
        (status = 404, body = crate::error::Problem, description = "no such work item or agent, or an item of a queue you do not supervise"),
        (status = 409, body = crate::error::Problem, description = "the agent is offline, or the item is with an agent or closed"),
        (status = 422, body = crate::error::Problem)))]
async fn assign(
    State(engine): State<EngineHandle>,
    State(db): State<Db>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<AssignInput>,
) -> ApiResult<Json<WorkItemView>> {
    let mut c = Check::new();
    let agent = c.optional_id("agent_id", Some(i.agent_id));
    let agent = c.finish(|| agent.unwrap_or_default())?;
    let before = engine.view(&id).await?;
    if !who.watch(&db).await?.queue(&before.queue_id) {
        return Err(ApiError::NotFound("work item"));
    }
    let after = engine.assign(&id, &agent).await?;
    supervised(&db, &who, "work_item.assign", &before, &after).await?;
    Ok(Json(after))
}

/// Everything live at once, for the supervisors' page: every queue's
/// figures (as `queue_stats` on the socket), every agent the engine routes
/// to with their presence, and every open work item (waiting, offered,
/// assigned, wrapping up) with when it entered its status. Follow
/// `/api/v1/ws` from `last_id` for the changes. Admins see everything; a
/// supervisor the queues they supervise and their items (none if they
/// supervise none), with `all_queues` false; every agent either way.
#[utoipa::path(get, path = "/api/v1/supervisor/overview", tag = "routing",
    responses((status = 200, body = Overview), (status = 403, body = crate::error::Problem)))]
async fn overview(
    State(engine): State<EngineHandle>,
    State(db): State<Db>,
    Extension(who): Extension<Principal>,
) -> ApiResult<Json<Overview>> {
    let watch = who.watch(&db).await?;
    let mut o = engine.overview().await?;
    if !watch.is_all() {
        o.all_queues = false;
        o.queues.retain(|q| watch.queue(&q.stats.queue_id));
        o.work_items.retain(|i| watch.queue(&i.item.queue_id));
    }
    let mut names = std::collections::HashMap::new();
    let mut after: Option<String> = None;
    loop {
        let page = db.agents(after.as_deref(), 200).await?;
        let full = page.items.len() == 200;
        after = page.items.last().map(|a| a.id.clone());
        for a in page.items {
            names.insert(a.id, a.name);
        }
        if !full || after.is_none() {
            break;
        }
    }
    for a in &mut o.agents {
        a.name = names.get(&a.agent_id).cloned();
    }
    o.agents
        .sort_by(|a, b| (&a.name, &a.agent_id).cmp(&(&b.name, &b.agent_id)));
    Ok(Json(o))
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PresenceBody {
    /// available, busy, do_not_disturb, away or offline
    status: Presence,
}

/// Your presence.
#[utoipa::path(get, path = "/api/v1/me/presence", tag = "work items", responses((status = 200, body = PresenceBody)))]
async fn get_presence(
    State(engine): State<EngineHandle>,
    Extension(who): Extension<Principal>,
) -> ApiResult<Json<PresenceBody>> {
    Ok(Json(PresenceBody {
        status: engine.presence(me(&who)?).await?,
    }))
}

/// Set your presence; `available` starts offers (you are set `busy` while at
/// full capacity, and back).
#[utoipa::path(put, path = "/api/v1/me/presence", tag = "work items", request_body = PresenceBody,
    responses((status = 200, body = PresenceBody)))]
async fn put_presence(
    State(engine): State<EngineHandle>,
    Extension(who): Extension<Principal>,
    ApiJson(b): ApiJson<PresenceBody>,
) -> ApiResult<Json<PresenceBody>> {
    let status = engine.set_presence(me(&who)?, b.status).await?;
    Ok(Json(PresenceBody { status }))
}

/// Live figures of a queue: waiting, longest wait, estimated wait, agents.
/// Admins: any queue; supervisors: the queues they supervise (others 403).
#[utoipa::path(get, path = "/api/v1/queues/{id}/stats", tag = "routing", params(("id" = String, Path)),
    responses((status = 200, body = QueueStats),
        (status = 403, body = crate::error::Problem, description = "a queue you do not supervise")))]
async fn stats(
    State(engine): State<EngineHandle>,
    State(db): State<Db>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<QueueStats>> {
    let stats = engine.stats(&id).await?;
    require_queue(&who.watch(&db).await?, &id)?;
    Ok(Json(stats))
}
