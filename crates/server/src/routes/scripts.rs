//! Agent scripts, the rules choosing them, and canned responses: admins
//! write them, every agent reads them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use switchboard_core::scripts::{check_steps, Step};
use switchboard_core::validation::Check;
use switchboard_store::workspace::{CannedResponse, ScriptRow};
use switchboard_store::Db;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::created;
use crate::auth::Audited;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, put, delete))
        .routes(routes!(get_rules, put_rules))
        .routes(routes!(list_canned, create_canned))
        .routes(routes!(update_canned, delete_canned))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScriptInput {
    #[schema(value_type = switchboard_core::api_schema::ShortText)]
    name: String,
    #[schema(min_items = 1, max_items = 50)]
    steps: Vec<Step>,
}

fn view(row: ScriptRow) -> ApiResult<Value> {
    let steps: Vec<Step> =
        serde_json::from_str(&row.steps).map_err(|e| ApiError::Internal(e.into()))?;
    Ok(json!({"id": row.id, "name": row.name, "steps": steps,
        "created_at": row.created_at, "updated_at": row.updated_at}))
}

pub(crate) fn check(i: &ScriptInput) -> ApiResult<(String, String, Vec<String>)> {
    let mut c = Check::new();
    let name = c
        .required_text("name", Some(i.name.clone()), 200)
        .unwrap_or_default();
    if let Err(switchboard_core::Invalid(errors)) = check_steps(&i.steps) {
        for e in errors {
            c.fail(&e.field, &e.code, e.message);
        }
    }
    c.finish(|| ())?;
    let subscripts = i
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::Subscript { script_id, .. } => Some(script_id.clone()),
            _ => None,
        })
        .collect();
    Ok((
        name,
        serde_json::to_string(&i.steps).expect("steps serialize"),
        subscripts,
    ))
}

/// Every agent script.
#[utoipa::path(get, path = "/api/v1/agent-scripts", tag = "workspace", responses((status = 200, body = Vec<Object>)))]
async fn list(State(db): State<Db>) -> ApiResult<Json<Vec<Value>>> {
    Ok(Json(
        db.scripts()
            .await?
            .into_iter()
            .map(view)
            .collect::<ApiResult<_>>()?,
    ))
}

/// Create an agent script: ordered steps (instruction, macro, sub-script).
#[utoipa::path(post, path = "/api/v1/agent-scripts", tag = "workspace", request_body = ScriptInput,
    responses((status = 201, body = Object), (status = 422, body = crate::error::Problem)))]
async fn create(
    Audited(db): Audited,
    ApiJson(i): ApiJson<ScriptInput>,
) -> ApiResult<impl IntoResponse> {
    let (name, steps, subs) = check(&i)?;
    let row = db.put_script(None, &name, &steps, &subs).await?;
    let v = view(row)?;
    Ok(created(
        format!(
            "/api/v1/agent-scripts/{}",
            v["id"].as_str().unwrap_or_default()
        ),
        v,
    ))
}

/// An agent script (the workspace loads sub-scripts with it).
#[utoipa::path(get, path = "/api/v1/agent-scripts/{id}", tag = "workspace", params(("id" = String, Path)),
    responses((status = 200, body = Object)))]
async fn get(State(db): State<Db>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    Ok(Json(view(db.script(&id).await?)?))
}

/// Replace an agent script.
#[utoipa::path(put, path = "/api/v1/agent-scripts/{id}", tag = "workspace", params(("id" = String, Path)),
    request_body = ScriptInput, responses((status = 200, body = Object)))]
async fn put(
    Audited(db): Audited,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<ScriptInput>,
) -> ApiResult<Json<Value>> {
    let (name, steps, subs) = check(&i)?;
    Ok(Json(view(
        db.put_script(Some(&id), &name, &steps, &subs).await?,
    )?))
}

/// Delete a script no rule chooses and no script loads.
#[utoipa::path(delete, path = "/api/v1/agent-scripts/{id}", tag = "workspace", params(("id" = String, Path)),
    responses((status = 204), (status = 409, body = crate::error::Problem)))]
async fn delete(Audited(db): Audited, Path(id): Path<String>) -> ApiResult<StatusCode> {
    db.delete_script(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScriptRule {
    /// Work items of this queue…
    #[serde(default)]
    #[schema(value_type = Option<switchboard_core::api_schema::RecordId>)]
    queue_id: Option<String>,
    /// …or, without a queue, of this channel (`chat`, `voice`, `callback`);
    /// neither: every work item.
    #[serde(default)]
    #[schema(pattern = "^(chat|voice|callback)$")]
    channel: Option<String>,
    #[schema(value_type = switchboard_core::api_schema::RecordId)]
    script_id: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScriptRules {
    /// The first rule that fits chooses the script.
    #[schema(max_items = 100)]
    rules: Vec<ScriptRule>,
}

/// Which script each session gets.
#[utoipa::path(get, path = "/api/v1/agent-script-rules", tag = "workspace", responses((status = 200, body = ScriptRules)))]
async fn get_rules(State(db): State<Db>) -> ApiResult<Json<ScriptRules>> {
    Ok(Json(ScriptRules {
        rules: db
            .script_rules()
            .await?
            .into_iter()
            .map(|r| ScriptRule {
                queue_id: r.queue_id,
                channel: r.channel,
                script_id: r.script_id,
            })
            .collect(),
    }))
}

/// The rules as stored: (queue id, channel, script id); ids are checked
/// by the store.
pub(crate) type RuleRow = (Option<String>, Option<String>, String);

pub(crate) fn check_rules(b: ScriptRules) -> Result<Vec<RuleRow>, switchboard_core::Invalid> {
    let mut c = Check::new();
    if b.rules.len() > 100 {
        c.fail("rules", "too_long", "at most 100 rules");
    }
    for (i, r) in b.rules.iter().enumerate() {
        if let Some(ch) = &r.channel {
            if !matches!(ch.as_str(), "chat" | "voice" | "callback") {
                c.fail(
                    &format!("rules[{i}].channel"),
                    "invalid",
                    "chat, voice or callback",
                );
            }
        }
    }
    let rows: Vec<_> = b
        .rules
        .into_iter()
        .map(|r| (r.queue_id, r.channel, r.script_id))
        .collect();
    c.finish(|| rows)
}

/// Replace the ordered rules.
#[utoipa::path(put, path = "/api/v1/agent-script-rules", tag = "workspace", request_body = ScriptRules,
    responses((status = 200, body = ScriptRules)))]
async fn put_rules(
    Audited(db): Audited,
    ApiJson(b): ApiJson<ScriptRules>,
) -> ApiResult<Json<ScriptRules>> {
    let rows = check_rules(b)?;
    db.put_script_rules(&rows).await?;
    get_rules(State(db)).await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CannedQuery {
    #[param(value_type = Option<switchboard_core::api_schema::ShortTextOrBlank>)]
    /// Part of the code or title.
    q: Option<String>,
}

/// Canned responses, by code or title.
#[utoipa::path(get, path = "/api/v1/canned-responses", tag = "workspace", params(CannedQuery),
    responses((status = 200, body = Vec<CannedResponse>)))]
async fn list_canned(
    State(db): State<Db>,
    crate::extract::ApiQuery(q): crate::extract::ApiQuery<CannedQuery>,
) -> ApiResult<Json<Vec<CannedResponse>>> {
    let q = super::search_q(q.q)?;
    Ok(Json(db.canned_responses(q.as_deref()).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CannedInput {
    /// Short code agents type after `/`: 1 to 30 of a-z, 0-9, _ and -.
    #[schema(pattern = "^[a-z0-9_-]{1,30}$")]
    code: String,
    #[schema(value_type = switchboard_core::api_schema::ShortText)]
    title: String,
    #[schema(value_type = switchboard_core::api_schema::Instructions)]
    body: String,
}

impl CannedInput {
    /// The code, title and text as stored, or every broken rule.
    pub(crate) fn checked(self) -> Result<(String, String, String), switchboard_core::Invalid> {
        let mut c = Check::new();
        if self.code.is_empty()
            || self.code.len() > 30
            || !self
                .code
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_' || ch == '-')
        {
            c.fail("code", "invalid", "1 to 30 of a-z, 0-9, _ and -");
        }
        let title = c
            .required_text("title", Some(self.title), 200)
            .unwrap_or_default();
        let body = c.optional_multiline("body", Some(self.body), 4000);
        if body.is_none() {
            c.fail("body", "required", "is required");
        }
        let code = self.code;
        c.finish(|| (code, title, body.unwrap_or_default()))
    }
}

/// Create a canned response.
#[utoipa::path(post, path = "/api/v1/canned-responses", tag = "workspace", request_body = CannedInput,
    responses((status = 201, body = CannedResponse)))]
async fn create_canned(
    Audited(db): Audited,
    ApiJson(i): ApiJson<CannedInput>,
) -> ApiResult<impl IntoResponse> {
    let (code, title, body) = i.checked()?;
    let r = db.create_canned_response(&code, &title, &body).await?;
    Ok(created(format!("/api/v1/canned-responses/{}", r.id), r))
}

/// Replace a canned response's code, title and text.
#[utoipa::path(put, path = "/api/v1/canned-responses/{id}", tag = "workspace", request_body = CannedInput,
    params(("id" = String, Path)),
    responses((status = 200, body = CannedResponse), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn update_canned(
    Audited(db): Audited,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<CannedInput>,
) -> ApiResult<Json<CannedResponse>> {
    let (code, title, body) = i.checked()?;
    Ok(Json(
        db.update_canned_response(&id, &code, &title, &body).await?,
    ))
}

/// Delete a canned response.
#[utoipa::path(delete, path = "/api/v1/canned-responses/{id}", tag = "workspace", params(("id" = String, Path)),
    responses((status = 204)))]
async fn delete_canned(Audited(db): Audited, Path(id): Path<String>) -> ApiResult<StatusCode> {
    db.delete_canned_response(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}
