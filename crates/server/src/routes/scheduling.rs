//! Scheduling setup (branches, topics, advisors' hours and time off) and
//! the booking search: properties and free slots.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use switchboard_core::booking::{
    AdvisorDraft, AdvisorInput, BranchDraft, BranchInput, MeetingType, TimeOffDraft, TimeOffInput,
    TopicDraft, TopicInput, MAX_WINDOW_DAYS,
};
use switchboard_core::cursor::Cursor;
use switchboard_core::scheduling::{free_slots, SlotQuery};
use switchboard_core::validation::Check;
use switchboard_core::{time, Invalid};
use switchboard_store::scheduling::{Advisor, Branch, TimeOff, Topic};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::created;
use crate::error::ApiResult;
use crate::extract::ApiJson;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(properties))
        .routes(routes!(slots))
        .routes(routes!(list_branches, create_branch))
        .routes(routes!(put_branch, delete_branch))
        .routes(routes!(list_topics, create_topic))
        .routes(routes!(put_topic, delete_topic))
        .routes(routes!(list_advisors))
        .routes(routes!(get_advisor, put_advisor))
        .routes(routes!(list_time_off, add_time_off))
        .routes(routes!(delete_time_off))
}

/// What can be booked.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Properties {
    pub branches: Vec<Branch>,
    pub topics: Vec<Topic>,
    pub meeting_types: Vec<MeetingType>,
}

pub async fn load_properties(s: &AppState) -> ApiResult<Properties> {
    Ok(Properties {
        branches: s.db.branches().await?,
        topics: s.db.topics().await?,
        meeting_types: MeetingType::ALL.to_vec(),
    })
}

/// Branches, topics and meeting types (Dynamics: GetSchedulingProperties).
#[utoipa::path(get, path = "/api/v1/scheduling/properties", tag = "scheduling", responses((status = 200, body = Properties)))]
async fn properties(State(s): State<AppState>) -> ApiResult<Json<Properties>> {
    Ok(Json(load_properties(&s).await?))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlotParams {
    #[param(value_type = switchboard_core::api_schema::RecordId)]
    pub topic_id: Option<String>,
    /// in_person, online or phone.
    #[param(value_type = switchboard_core::booking::MeetingType)]
    pub meeting_type: Option<String>,
    #[param(value_type = Option<switchboard_core::api_schema::Instant>)]
    /// RFC 3339; default now.
    pub from: Option<String>,
    #[param(value_type = Option<switchboard_core::api_schema::Instant>)]
    /// RFC 3339; default `from` + 7 days; at most 31 days after `from`.
    pub to: Option<String>,
    #[param(value_type = Option<switchboard_core::api_schema::RecordIdOrEmpty>)]
    /// Required for in_person.
    pub branch_id: Option<String>,
    /// Extra skill ids, comma separated, on top of the topic's.
    #[param(pattern = "^[A-Za-z0-9_-]{1,64}(,[A-Za-z0-9_-]{1,64})*$")]
    pub skills: Option<String>,
    #[param(value_type = Option<switchboard_core::api_schema::TimeZoneName>)]
    /// IANA zone for `local_start`; default UTC.
    pub time_zone: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    /// Page size, 1 to 500 (default 100).
    pub limit: Option<u32>,
    #[param(value_type = Option<switchboard_core::api_schema::Cursor>)]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SlotView {
    pub start: String,
    pub end: String,
    /// The start in the requested zone, e.g. `2026-11-23T09:00:00+01:00[Europe/Paris]`.
    pub local_start: String,
    pub advisor_ids: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Slots {
    pub time_zone: String,
    pub slots: Vec<SlotView>,
    pub next_cursor: Option<String>,
}

/// The free slots for a search, shared by the API and the booking page.
pub async fn find_slots(s: &AppState, p: SlotParams) -> ApiResult<Slots> {
    let mut c = Check::new();
    let topic_id = c.optional_id("topic_id", p.topic_id.clone());
    if p.topic_id.is_none() {
        c.fail("topic_id", "required", "is required");
    }
    let meeting_type = p.meeting_type.as_deref().and_then(MeetingType::parse);
    if meeting_type.is_none() {
        c.fail(
            "meeting_type",
            "invalid",
            "must be in_person, online or phone",
        );
    }
    let now = Timestamp::now();
    let from = match &p.from {
        None => Some(now),
        Some(f) => time::parse(f).or_else(|| {
            c.fail("from", "invalid", "must be an RFC 3339 time");
            None
        }),
    };
    let to = match (&p.to, from) {
        (None, Some(f)) => f.checked_add(SignedDuration::from_hours(24 * 7)).ok(),
        (None, None) => None,
        (Some(t), _) => time::parse(t).or_else(|| {
            c.fail("to", "invalid", "must be an RFC 3339 time");
            None
        }),
    };
    if let (Some(f), Some(t)) = (from, to) {
        if t <= f {
            // A rule between two parameters: its own code.
            c.fail("to", "order", "must be after from");
        } else if f.duration_until(t) > SignedDuration::from_hours(24 * MAX_WINDOW_DAYS) {
            c.fail(
                "to",
                "too_far",
                format!("at most {MAX_WINDOW_DAYS} days after from"),
            );
        }
    }
    let branch_id = c.optional_id("branch_id", p.branch_id.clone());
    switchboard_core::booking::check_branch(&mut c, meeting_type, branch_id.as_deref());
    let zone = p.time_zone.clone().unwrap_or_else(|| "UTC".into());
    let tz = TimeZone::get(&zone).ok();
    if tz.is_none() {
        c.fail(
            "time_zone",
            "invalid",
            "must be an IANA time zone like Europe/Paris",
        );
    }
    let limit = p.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        c.fail("limit", "range", "must be 1 to 500");
    }
    let after = match &p.cursor {
        None => None,
        Some(cur) => match Cursor::decode(cur, 1)
            .ok()
            .and_then(|c| time::parse(&c.0[0]))
        {
            Some(t) => Some(t),
            None => {
                c.fail("cursor", "invalid", "is not a cursor from this search");
                None
            }
        },
    };
    let extra_skills: Vec<String> = p
        .skills
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    for (n, skill) in extra_skills.iter().enumerate() {
        c.optional_id(&format!("skills[{n}]"), Some(skill.clone()));
    }
    c.finish(|| ())?;
    let (from, to, tz, meeting_type) = (
        from.expect("checked"),
        to.expect("checked"),
        tz.expect("checked"),
        meeting_type.expect("checked"),
    );
    let mut topic = match s.db.topic(&topic_id.unwrap_or_default()).await {
        Ok(t) => t,
        Err(switchboard_store::StoreError::NotFound(_)) => {
            return Err(Invalid::one("topic_id", "unknown", "no topic has this id").into())
        }
        Err(e) => return Err(e.into()),
    };
    if !topic.meeting_types.contains(&meeting_type) {
        return Err(Invalid::one(
            "meeting_type",
            "not_offered",
            format!("the topic is not offered as {}", meeting_type.as_str()),
        )
        .into());
    }
    if let Some(b) = &branch_id {
        if matches!(
            s.db.branch(b).await,
            Err(switchboard_store::StoreError::NotFound(_))
        ) {
            return Err(Invalid::one("branch_id", "unknown", "no branch has this id").into());
        }
    }
    for skill in extra_skills {
        if !topic.skills.contains(&skill) {
            topic.skills.push(skill);
        }
    }
    let duration = topic.duration();
    let search_from = match after {
        Some(a) if a >= from => a.checked_add(SignedDuration::from_secs(1)).unwrap_or(a),
        _ => from,
    };
    let advisors =
        s.db.availability(
            &topic,
            branch_id.as_deref(),
            search_from,
            to.checked_add(duration).unwrap_or(to),
        )
        .await?;
    let mut found = free_slots(
        &advisors,
        &SlotQuery {
            from: search_from,
            to,
            duration,
            step_minutes: 0,
            not_before: now,
            limit: limit as usize + 1,
        },
    );
    let next_cursor = if found.len() > limit as usize {
        found.truncate(limit as usize);
        found
            .last()
            .map(|l| Cursor(vec![time::format(l.start)]).encode())
    } else {
        None
    };
    Ok(Slots {
        time_zone: zone,
        slots: found
            .into_iter()
            .map(|slot| SlotView {
                start: time::format(slot.start),
                end: time::format(slot.end),
                local_start: slot.start.to_zoned(tz.clone()).to_string(),
                advisor_ids: slot.advisor_ids,
            })
            .collect(),
        next_cursor,
    })
}

/// Free slots with the advisors who can take each (Dynamics: GetSlots):
/// from advisors' working hours, time off, existing meetings and the
/// topic's duration.
#[utoipa::path(get, path = "/api/v1/scheduling/slots", tag = "scheduling", params(SlotParams),
    responses((status = 200, body = Slots), (status = 422, body = crate::error::Problem)))]
async fn slots(
    State(s): State<AppState>,
    crate::extract::ApiQuery(p): crate::extract::ApiQuery<SlotParams>,
) -> ApiResult<Json<Slots>> {
    Ok(Json(find_slots(&s, p).await?))
}

// ------------------------------------------------------------------ branches

#[utoipa::path(get, path = "/api/v1/branches", tag = "scheduling", responses((status = 200, body = Vec<Branch>)))]
async fn list_branches(State(s): State<AppState>) -> ApiResult<Json<Vec<Branch>>> {
    Ok(Json(s.db.branches().await?))
}

/// Create a branch: name, address, IANA time zone.
#[utoipa::path(post, path = "/api/v1/branches", tag = "scheduling", request_body = BranchInput,
    responses((status = 201, body = Branch), (status = 422, body = crate::error::Problem)))]
async fn create_branch(
    State(s): State<AppState>,
    ApiJson(i): ApiJson<BranchInput>,
) -> ApiResult<impl IntoResponse> {
    let b = s.db.save_branch(None, &BranchDraft::parse(i)?).await?;
    Ok(created(format!("/api/v1/branches/{}", b.id), b))
}

#[utoipa::path(put, path = "/api/v1/branches/{id}", tag = "scheduling", params(("id" = String, Path)),
    request_body = BranchInput, responses((status = 200, body = Branch)))]
async fn put_branch(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<BranchInput>,
) -> ApiResult<Json<Branch>> {
    Ok(Json(
        s.db.save_branch(Some(&id), &BranchDraft::parse(i)?).await?,
    ))
}

/// Delete a branch no meeting or advisor uses.
#[utoipa::path(delete, path = "/api/v1/branches/{id}", tag = "scheduling", params(("id" = String, Path)),
    responses((status = 204), (status = 409, body = crate::error::Problem)))]
async fn delete_branch(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<StatusCode> {
    s.db.delete_branch(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// -------------------------------------------------------------------- topics

#[utoipa::path(get, path = "/api/v1/topics", tag = "scheduling", responses((status = 200, body = Vec<Topic>)))]
async fn list_topics(State(s): State<AppState>) -> ApiResult<Json<Vec<Topic>>> {
    Ok(Json(s.db.topics().await?))
}

/// Create a topic: name, description, duration, meeting types, required
/// skills, instructions to the customer.
#[utoipa::path(post, path = "/api/v1/topics", tag = "scheduling", request_body = TopicInput,
    responses((status = 201, body = Topic), (status = 422, body = crate::error::Problem)))]
async fn create_topic(
    State(s): State<AppState>,
    ApiJson(i): ApiJson<TopicInput>,
) -> ApiResult<impl IntoResponse> {
    let t = s.db.save_topic(None, &TopicDraft::parse(i)?).await?;
    Ok(created(format!("/api/v1/topics/{}", t.id), t))
}

#[utoipa::path(put, path = "/api/v1/topics/{id}", tag = "scheduling", params(("id" = String, Path)),
    request_body = TopicInput, responses((status = 200, body = Topic)))]
async fn put_topic(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<TopicInput>,
) -> ApiResult<Json<Topic>> {
    Ok(Json(
        s.db.save_topic(Some(&id), &TopicDraft::parse(i)?).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/topics/{id}", tag = "scheduling", params(("id" = String, Path)),
    responses((status = 204), (status = 409, body = crate::error::Problem)))]
async fn delete_topic(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<StatusCode> {
    s.db.delete_topic(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ------------------------------------------------------------------ advisors

#[utoipa::path(get, path = "/api/v1/advisors", tag = "scheduling", responses((status = 200, body = Vec<Advisor>)))]
async fn list_advisors(State(s): State<AppState>) -> ApiResult<Json<Vec<Advisor>>> {
    Ok(Json(s.db.advisors().await?))
}

#[utoipa::path(get, path = "/api/v1/advisors/{id}", tag = "scheduling", params(("id" = String, Path, description = "the agent's id")),
    responses((status = 200, body = Advisor)))]
async fn get_advisor(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Advisor>> {
    Ok(Json(s.db.advisor(&id).await?))
}

/// Make an agent bookable, or change their weekly hours (`[{day, from, to}]`
/// in `time_zone`) and branches. Skills are the agent's routing skills.
#[utoipa::path(put, path = "/api/v1/advisors/{id}", tag = "scheduling", params(("id" = String, Path)),
    request_body = AdvisorInput, responses((status = 200, body = Advisor), (status = 422, body = crate::error::Problem)))]
async fn put_advisor(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<AdvisorInput>,
) -> ApiResult<Json<Advisor>> {
    Ok(Json(s.db.put_advisor(&id, &AdvisorDraft::parse(i)?).await?))
}

#[utoipa::path(get, path = "/api/v1/advisors/{id}/time-off", tag = "scheduling", params(("id" = String, Path)),
    responses((status = 200, body = Vec<TimeOff>)))]
async fn list_time_off(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<TimeOff>>> {
    Ok(Json(s.db.time_off(&id).await?))
}

/// Add time off (no slots are offered in it). Meetings already booked in
/// it are kept: cancel or move them separately.
#[utoipa::path(post, path = "/api/v1/advisors/{id}/time-off", tag = "scheduling", params(("id" = String, Path)),
    request_body = TimeOffInput, responses((status = 201, body = TimeOff), (status = 422, body = crate::error::Problem)))]
async fn add_time_off(
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<TimeOffInput>,
) -> ApiResult<impl IntoResponse> {
    let t = s.db.add_time_off(&id, &TimeOffDraft::parse(i)?).await?;
    Ok(created(
        format!("/api/v1/advisors/{id}/time-off/{}", t.id),
        t,
    ))
}

#[utoipa::path(delete, path = "/api/v1/advisors/{id}/time-off/{time_off_id}", tag = "scheduling",
    params(("id" = String, Path), ("time_off_id" = String, Path)), responses((status = 204)))]
async fn delete_time_off(
    State(s): State<AppState>,
    Path((id, time_off_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    s.db.delete_time_off(&id, &time_off_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
