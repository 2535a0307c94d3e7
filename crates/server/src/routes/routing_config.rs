//! Routing configuration: skills, capacity profiles, queues, the ordered
//! routing rules, and each agent's skills and capacity. Every change is
//! picked up by the routing engine at once.

use std::collections::{BTreeMap, HashMap};
use switchboard_core::records::AgentRoutingInput;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use switchboard_core::routing::{ChannelKind, QueueIx};
use switchboard_core::validation::{limits, Check};
use switchboard_core::Invalid;
use switchboard_store::routing::{
    AgentRouting, CapacityProfile, ProfileDraft, Queue, RoutingRule, Skill,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::created;
use crate::auth::Audited;
use crate::error::{ApiResult, Problem};
use crate::extract::ApiJson;
use crate::routing::config::{enum_name, validate_queue, QueueInput, RuleInput};
use crate::routing::engine::{RouteAnswer, RouteQuestion};
use crate::routing::EngineHandle;
use crate::state::AppState;
use switchboard_store::Db;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_skills, create_skill))
        .routes(routes!(delete_skill))
        .routes(routes!(list_profiles, create_profile))
        .routes(routes!(put_profile, delete_profile))
        .routes(routes!(list_queues, create_queue))
        .routes(routes!(get_queue, put_queue, delete_queue))
        .routes(routes!(get_rules, put_rules))
        .routes(routes!(test_rules))
        .routes(routes!(get_agent_routing, put_agent_routing))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkillInput {
    #[schema(value_type = switchboard_core::api_schema::Name, required = true)]
    name: Option<String>,
}

/// All skills.
#[utoipa::path(get, path = "/api/v1/skills", tag = "routing", responses((status = 200, body = Vec<Skill>)))]
async fn list_skills(State(db): State<Db>) -> ApiResult<Json<Vec<Skill>>> {
    Ok(Json(db.skills().await?))
}

/// Create a skill (names are unique).
#[utoipa::path(post, path = "/api/v1/skills", tag = "routing", request_body = SkillInput,
    responses((status = 201, body = Skill), (status = 409, body = Problem)))]
async fn create_skill(
    Audited(db): Audited,
    ApiJson(i): ApiJson<SkillInput>,
) -> ApiResult<impl IntoResponse> {
    let mut c = Check::new();
    let name = c.required_text("name", i.name, limits::NAME);
    c.finish(|| ())?;
    let skill = db.create_skill(&name.unwrap_or_default()).await?;
    Ok(created(format!("/api/v1/skills/{}", skill.id), skill))
}

/// Delete a skill; refused while a routing rule needs it.
#[utoipa::path(delete, path = "/api/v1/skills/{id}", tag = "routing", params(("id" = String, Path)),
    responses((status = 204), (status = 409, body = Problem)))]
async fn delete_skill(Audited(db): Audited, Path(id): Path<String>) -> ApiResult<StatusCode> {
    db.delete_skill(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileInput {
    #[schema(value_type = switchboard_core::api_schema::Name, required = true)]
    name: Option<String>,
    /// Chats at once, 0–100 (default 3).
    #[schema(minimum = 0, maximum = 100)]
    chat_units: Option<i64>,
    /// Calls at once, 0–10 (default 1).
    #[schema(minimum = 0, maximum = 10)]
    voice_units: Option<i64>,
    /// No chats during a call and no call while chats are open (default true).
    voice_blocks_others: Option<bool>,
    /// Capacity held after an item closes, 0–3600 (default 0).
    #[schema(minimum = 0, maximum = 3600)]
    wrap_up_seconds: Option<i64>,
}

pub(crate) fn parse_profile(i: ProfileInput) -> Result<ProfileDraft, Invalid> {
    let mut c = Check::new();
    let name = c.required_text("name", i.name, limits::NAME);
    let mut range = |field: &str, v: Option<i64>, default: i64, max: i64| {
        let v = v.unwrap_or(default);
        if !(0..=max).contains(&v) {
            c.fail(
                field,
                "out_of_range",
                format!("must be between 0 and {max}"),
            );
        }
        v
    };
    let chat_units = range("chat_units", i.chat_units, 3, 100);
    let voice_units = range("voice_units", i.voice_units, 1, 10);
    let wrap_up_seconds = range("wrap_up_seconds", i.wrap_up_seconds, 0, 3600);
    c.finish(|| ProfileDraft {
        name: name.unwrap_or_default(),
        chat_units,
        voice_units,
        voice_blocks_others: i.voice_blocks_others.unwrap_or(true),
        wrap_up_seconds,
    })
}

/// All capacity profiles.
#[utoipa::path(get, path = "/api/v1/capacity-profiles", tag = "routing",
    responses((status = 200, body = Vec<CapacityProfile>)))]
async fn list_profiles(State(db): State<Db>) -> ApiResult<Json<Vec<CapacityProfile>>> {
    Ok(Json(db.capacity_profiles().await?))
}

/// Create a capacity profile.
#[utoipa::path(post, path = "/api/v1/capacity-profiles", tag = "routing", request_body = ProfileInput,
    responses((status = 201, body = CapacityProfile)))]
async fn create_profile(
    Audited(db): Audited,
    ApiJson(i): ApiJson<ProfileInput>,
) -> ApiResult<impl IntoResponse> {
    let p = db.put_capacity_profile(None, &parse_profile(i)?).await?;
    Ok(created(format!("/api/v1/capacity-profiles/{}", p.id), p))
}

/// Replace a capacity profile.
#[utoipa::path(put, path = "/api/v1/capacity-profiles/{id}", tag = "routing", params(("id" = String, Path)),
    request_body = ProfileInput, responses((status = 200, body = CapacityProfile)))]
async fn put_profile(
    Audited(db): Audited,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<ProfileInput>,
) -> ApiResult<Json<CapacityProfile>> {
    db.capacity_profile(&id).await?;
    let p = db
        .put_capacity_profile(Some(&id), &parse_profile(i)?)
        .await?;
    Ok(Json(p))
}

/// Delete a capacity profile; refused while agents use it.
#[utoipa::path(delete, path = "/api/v1/capacity-profiles/{id}", tag = "routing", params(("id" = String, Path)),
    responses((status = 204), (status = 409, body = Problem)))]
async fn delete_profile(Audited(db): Audited, Path(id): Path<String>) -> ApiResult<StatusCode> {
    db.delete_capacity_profile(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn queue_ids(db: &Db) -> ApiResult<HashMap<String, (QueueIx, ChannelKind)>> {
    Ok(db
        .queues()
        .await?
        .into_iter()
        .enumerate()
        .map(|(i, q)| {
            let channel =
                crate::routing::config::parse_enum(&q.channel).unwrap_or(ChannelKind::Messaging);
            (q.id, (QueueIx(i as u32), channel))
        })
        .collect())
}

/// All queues with their members.
#[utoipa::path(get, path = "/api/v1/queues", tag = "routing", responses((status = 200, body = Vec<Queue>)))]
async fn list_queues(State(db): State<Db>) -> ApiResult<Json<Vec<Queue>>> {
    Ok(Json(db.queues().await?))
}

/// Create a queue. Operating hours: `{"time_zone", "weekly": [{"day", "from", "to"}], "holidays"}`;
/// overflow: `{"out_of_operating_hours", "work_items_waiting_exceed": {"count", "action"},
/// "estimated_wait_exceeds": {"seconds", "action"}, "waiting_time_exceeds": {"seconds", "action"}}`
/// with actions `assign_anyway`, `transfer_to_queue` (+ `queue_id`), `end_conversation`
/// (messaging), `direct_callback` and `voicemail` (voice).
#[utoipa::path(post, path = "/api/v1/queues", tag = "routing", request_body = QueueInput,
    responses((status = 201, body = Queue), (status = 409, body = Problem)))]
async fn create_queue(
    Audited(db): Audited,
    ApiJson(i): ApiJson<QueueInput>,
) -> ApiResult<impl IntoResponse> {
    let draft = validate_queue(&i, &queue_ids(&db).await?)?;
    let q = db.put_queue(None, &draft).await?;
    Ok(created(format!("/api/v1/queues/{}", q.id), q))
}

/// Read one queue.
#[utoipa::path(get, path = "/api/v1/queues/{id}", tag = "routing", params(("id" = String, Path)),
    responses((status = 200, body = Queue)))]
async fn get_queue(State(db): State<Db>, Path(id): Path<String>) -> ApiResult<Json<Queue>> {
    Ok(Json(db.queue(&id).await?))
}

/// Replace a queue (all fields; members as a list of agent ids).
#[utoipa::path(put, path = "/api/v1/queues/{id}", tag = "routing", params(("id" = String, Path)),
    request_body = QueueInput, responses((status = 200, body = Queue)))]
async fn put_queue(
    Audited(db): Audited,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<QueueInput>,
) -> ApiResult<Json<Queue>> {
    db.queue(&id).await?;
    let draft = validate_queue(&i, &queue_ids(&db).await?)?;
    let q = db.put_queue(Some(&id), &draft).await?;
    Ok(Json(q))
}

/// Delete a queue that never handled work and that no rule uses.
#[utoipa::path(delete, path = "/api/v1/queues/{id}", tag = "routing", params(("id" = String, Path)),
    responses((status = 204), (status = 409, body = Problem)))]
async fn delete_queue(Audited(db): Audited, Path(id): Path<String>) -> ApiResult<StatusCode> {
    db.delete_queue(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The ordered routing rules (first match wins).
#[utoipa::path(get, path = "/api/v1/routing-rules", tag = "routing", responses((status = 200, body = Vec<RoutingRule>)))]
async fn get_rules(State(db): State<Db>) -> ApiResult<Json<Vec<RoutingRule>>> {
    Ok(Json(db.routing_rules().await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RulesInput {
    #[schema(max_items = 500)]
    rules: Vec<RuleInput>,
}

/// The rules as sent, checked (names, priorities, tests, skills) into the
/// stored form; errors are named `rules[n].field`. Queue ids are checked
/// by the store when saving, and by the tester against `queues`.
pub(crate) fn check_rules(
    c: &mut Check,
    input: Vec<RuleInput>,
    skills: &[String],
    queues: Option<&[String]>,
) -> Vec<RoutingRule> {
    if input.len() > 500 {
        c.fail("rules", "too_long", "at most 500 rules");
    }
    let mut rules = Vec::new();
    for (n, r) in input.into_iter().enumerate() {
        c.required_text(
            &format!("rules[{n}].name"),
            Some(r.name.clone()),
            limits::NAME,
        );
        if !(-1000..=1000).contains(&r.priority) {
            c.fail(
                &format!("rules[{n}].priority"),
                "out_of_range",
                "must be between -1000 and 1000",
            );
        }
        if r.tests.len() > 50 {
            c.fail(&format!("rules[{n}].tests"), "too_long", "at most 50 tests");
        }
        if queues.is_some_and(|q| !q.contains(&r.queue_id)) {
            c.fail(
                &format!("rules[{n}].queue_id"),
                "unknown",
                "no queue has this id",
            );
        }
        for (k, need) in r.skills.iter().enumerate() {
            if !skills.contains(&need.skill_id) {
                c.fail(
                    &format!("rules[{n}].skills[{k}].skill_id"),
                    "unknown",
                    "no skill has this id",
                );
            }
            if !(1..=10).contains(&need.min) {
                c.fail(
                    &format!("rules[{n}].skills[{k}].min"),
                    "out_of_range",
                    "must be between 1 and 10",
                );
            }
        }
        rules.push(RoutingRule {
            id: String::new(),
            name: r.name.trim().to_owned(),
            tests: serde_json::to_value(&r.tests).expect("serializes"),
            queue_id: r.queue_id,
            skills: serde_json::to_value(&r.skills).expect("serializes"),
            skill_match: enum_name(
                &r.skill_match
                    .unwrap_or(switchboard_core::routing::SkillMatch::Exact),
            ),
            priority: r.priority,
        });
    }
    rules
}

/// Replace the whole ordered list of routing rules.
#[utoipa::path(put, path = "/api/v1/routing-rules", tag = "routing", request_body = RulesInput,
    responses((status = 200, body = Vec<RoutingRule>)))]
async fn put_rules(
    Audited(db): Audited,
    ApiJson(i): ApiJson<RulesInput>,
) -> ApiResult<Json<Vec<RoutingRule>>> {
    let mut c = Check::new();
    let skills: Vec<String> = db.skills().await?.into_iter().map(|s| s.id).collect();
    let rules = check_rules(&mut c, i.rules, &skills, None);
    c.finish(|| ())?;
    let saved = db.put_routing_rules(&rules).await?;
    Ok(Json(saved))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleTestInput {
    /// `chat`, `voice` or `callback`.
    #[schema(value_type = String, required = true, pattern = "^(chat|voice|callback)$")]
    channel: Option<String>,
    /// The work item's attributes, as `POST /api/v1/work-items` takes them
    /// (here attributes Switchboard sets itself, such as `widget_id`, may
    /// be sent too: rules can test them).
    #[serde(default)]
    #[schema(value_type = switchboard_core::api_schema::WorkItemAttributes)]
    attributes: BTreeMap<String, String>,
    /// A contact whose category (`contact_category`) and language
    /// (`language`) the rules see when the attributes do not set them.
    #[schema(value_type = Option<switchboard_core::api_schema::RecordId>)]
    contact_id: Option<String>,
    /// A draft list in the form `PUT /api/v1/routing-rules` takes, tested
    /// instead of the saved rules (nothing is saved).
    #[schema(max_items = 500)]
    rules: Option<Vec<RuleInput>>,
}

/// Test the routing rules: where a work item with these attributes, from
/// this contact, would go (queue, skills, priority), which rule matched or
/// that the default queue applies, and for every rule the tests that do
/// not hold. Uses the routing engine's own classification, with the saved
/// rules or a draft list; nothing is created or saved.
#[utoipa::path(post, path = "/api/v1/routing-rules/test", tag = "routing", request_body = RuleTestInput,
    responses((status = 200, body = RouteAnswer), (status = 422, body = Problem)))]
async fn test_rules(
    State(db): State<Db>,
    State(engine): State<EngineHandle>,
    ApiJson(i): ApiJson<RuleTestInput>,
) -> ApiResult<Json<RouteAnswer>> {
    let mut c = Check::new();
    let channel = i.channel.unwrap_or_default();
    if channel.is_empty() {
        c.fail(
            "channel",
            "required",
            "is required: chat, voice or callback",
        );
    }
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
    let rules = match i.rules {
        Some(rules) => {
            let skills: Vec<String> = db.skills().await?.into_iter().map(|s| s.id).collect();
            let queues: Vec<String> = db.queues().await?.into_iter().map(|q| q.id).collect();
            Some(check_rules(&mut c, rules, &skills, Some(&queues)))
        }
        None => None,
    };
    c.finish(|| ())?;
    let answer = engine
        .trial(RouteQuestion {
            channel,
            contact_id: i.contact_id,
            attributes: i.attributes,
            rules,
        })
        .await?;
    Ok(Json(answer))
}

/// An agent's capacity profile, skills and presence.
#[utoipa::path(get, path = "/api/v1/agents/{id}/routing", tag = "routing", params(("id" = String, Path)),
    responses((status = 200, body = AgentRouting)))]
async fn get_agent_routing(
    State(db): State<Db>,
    Path(id): Path<String>,
) -> ApiResult<Json<AgentRouting>> {
    Ok(Json(db.agent_routing(&id).await?))
}

/// Set an agent's capacity profile, skills (proficiency 1–10) and, when
/// `queue_ids` is given, the queues the agent serves — in one transaction.
#[utoipa::path(put, path = "/api/v1/agents/{id}/routing", tag = "routing", params(("id" = String, Path)),
    request_body = AgentRoutingInput, responses((status = 200, body = AgentRouting)))]
async fn put_agent_routing(
    Audited(db): Audited,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<AgentRoutingInput>,
) -> ApiResult<Json<AgentRouting>> {
    let mut c = Check::new();
    i.check(&mut c, "");
    c.finish(|| ())?;
    Ok(Json(db.put_agent_routing(&id, &i).await?))
}
