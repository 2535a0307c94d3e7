//! `/api/v1/agents`: the people who sign in. Admins manage them; agents are
//! deactivated rather than deleted, since the timeline names them.

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::Json;
use switchboard_core::records::{AgentDraft, AgentInput};
use switchboard_store::agents::{Agent, AgentChange, AgentRecord};
use switchboard_store::Page;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::created;
use super::{merge, PageParams};
use crate::auth::password;
use crate::auth::Audited;
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use switchboard_store::Db;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, update))
}

/// List agents.
#[utoipa::path(get, path = "/api/v1/agents", tag = "agents", params(PageParams),
    responses((status = 200, body = Page<Agent>)))]
async fn list(
    State(db): State<Db>,
    ApiQuery(p): ApiQuery<PageParams>,
) -> ApiResult<Json<Page<Agent>>> {
    let (limit, after) = p.parse()?;
    Ok(Json(db.agents(after.as_deref(), limit).await?))
}

/// Create an agent with an initial password (never returned) and, with
/// `routing`, its capacity profile, skills and queues in the same
/// transaction.
#[utoipa::path(post, path = "/api/v1/agents", tag = "agents", request_body = AgentInput,
    responses((status = 201, body = Agent), (status = 409, body = Problem, description = "email taken")))]
async fn create(
    Audited(db): Audited,
    ApiJson(input): ApiJson<AgentInput>,
) -> ApiResult<impl IntoResponse> {
    let d = AgentDraft::parse(input, true)?;
    let hash = password::hash(d.password.clone().unwrap_or_default()).await?;
    let agent = db
        .create_agent_with(
            &AgentRecord {
                name: &d.name,
                email: &d.email,
                roles: &d.roles,
                active: d.active,
                password_hash: Some(&hash),
            },
            d.routing.as_ref(),
        )
        .await?;
    Ok(created(format!("/api/v1/agents/{}", agent.id), agent))
}

/// Read one agent.
#[utoipa::path(get, path = "/api/v1/agents/{id}", tag = "agents", params(("id" = String, Path)),
    responses((status = 200, body = Agent)))]
async fn get(State(db): State<Db>, Path(id): Path<String>) -> ApiResult<Json<Agent>> {
    Ok(Json(db.agent(&id).await?))
}

/// Change an agent (merge patch). A new `password` or `active: false` signs
/// them out everywhere. The last active admin cannot be demoted or deactivated.
/// `routing`, when present, replaces the agent's routing settings (as
/// `PUT /agents/{id}/routing` does) in the same transaction.
#[utoipa::path(patch, path = "/api/v1/agents/{id}", tag = "agents", params(("id" = String, Path)),
    request_body(content = AgentInput, content_type = "application/merge-patch+json"),
    responses((status = 200, body = Agent), (status = 409, body = Problem)))]
async fn update(
    Audited(db): Audited,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<serde_json::Value>,
) -> ApiResult<Json<Agent>> {
    // Hash a new password before taking any lock: it is slow on purpose.
    // Its rules are checked here and again (harmlessly) with the whole patch.
    let password_hash = match patch.get("password") {
        None | Some(serde_json::Value::Null) => None,
        Some(p) => {
            let password = p.as_str().ok_or_else(|| {
                switchboard_core::Invalid::one("password", "type", "must be a string")
            })?;
            switchboard_core::records::check_password(password)
                .map_err(|e| switchboard_core::Invalid(vec![e]))?;
            Some(password::hash(password.to_owned()).await?)
        }
    };
    let agent = db
        .update_agent_with(&id, |current| {
            let base = AgentInput {
                name: Some(current.name.clone()),
                email: Some(current.email.clone()),
                roles: Some(current.roles.clone()),
                active: Some(current.active),
                password: None,
                routing: None,
            };
            let d = AgentDraft::parse(merge(&base, &patch)?, false)?;
            Ok(AgentChange {
                name: d.name,
                email: d.email,
                roles: d.roles,
                active: d.active,
                password_hash: password_hash.clone(),
                routing: d.routing,
            })
        })
        .await?;
    // Deactivation, or new roles, change who the engine may route to.
    Ok(Json(agent))
}
