//! Scheduling setup (branches, topics, advisors' hours and time off) and
//! the booking search: properties and free slots (the scheduling
//! service's `find_slots`).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use switchboard_core::booking::{
    AdvisorDraft, AdvisorInput, BranchDraft, BranchInput, TimeOffDraft, TimeOffInput, TopicDraft,
    TopicInput,
};
use switchboard_notifications::meetings::Meetings;

use switchboard_store::scheduling::{Advisor, Branch, TimeOff, Topic};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::created;
use crate::auth::Audited;
use crate::error::ApiResult;
use crate::extract::ApiJson;
use crate::state::AppState;
use switchboard_store::Db;

pub use switchboard_notifications::meetings::{Properties, SlotParams, SlotView, Slots};

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

/// Branches, topics and meeting types (Dynamics: GetSchedulingProperties).
#[utoipa::path(get, path = "/api/v1/scheduling/properties", tag = "scheduling", responses((status = 200, body = Properties)))]
async fn properties(State(meetings): State<Arc<Meetings>>) -> ApiResult<Json<Properties>> {
    Ok(Json(meetings.properties().await?))
}

/// Free slots with the advisors who can take each (Dynamics: GetSlots):
/// from advisors' working hours, time off, existing meetings and the
/// topic's duration.
#[utoipa::path(get, path = "/api/v1/scheduling/slots", tag = "scheduling", params(SlotParams),
    responses((status = 200, body = Slots), (status = 422, body = crate::error::Problem)))]
async fn slots(
    State(meetings): State<Arc<Meetings>>,
    crate::extract::ApiQuery(p): crate::extract::ApiQuery<SlotParams>,
) -> ApiResult<Json<Slots>> {
    Ok(Json(meetings.find_slots(p).await?))
}

// ------------------------------------------------------------------ branches

#[utoipa::path(get, path = "/api/v1/branches", tag = "scheduling", responses((status = 200, body = Vec<Branch>)))]
async fn list_branches(State(db): State<Db>) -> ApiResult<Json<Vec<Branch>>> {
    Ok(Json(db.branches().await?))
}

/// Create a branch: name, address, IANA time zone.
#[utoipa::path(post, path = "/api/v1/branches", tag = "scheduling", request_body = BranchInput,
    responses((status = 201, body = Branch), (status = 422, body = crate::error::Problem)))]
async fn create_branch(
    Audited(db): Audited,
    ApiJson(i): ApiJson<BranchInput>,
) -> ApiResult<impl IntoResponse> {
    let b = db.save_branch(None, &BranchDraft::parse(i)?).await?;
    Ok(created(format!("/api/v1/branches/{}", b.id), b))
}

#[utoipa::path(put, path = "/api/v1/branches/{id}", tag = "scheduling", params(("id" = String, Path)),
    request_body = BranchInput, responses((status = 200, body = Branch)))]
async fn put_branch(
    Audited(db): Audited,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<BranchInput>,
) -> ApiResult<Json<Branch>> {
    Ok(Json(
        db.save_branch(Some(&id), &BranchDraft::parse(i)?).await?,
    ))
}

/// Delete a branch no meeting or advisor uses.
#[utoipa::path(delete, path = "/api/v1/branches/{id}", tag = "scheduling", params(("id" = String, Path)),
    responses((status = 204), (status = 409, body = crate::error::Problem)))]
async fn delete_branch(Audited(db): Audited, Path(id): Path<String>) -> ApiResult<StatusCode> {
    db.delete_branch(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// -------------------------------------------------------------------- topics

#[utoipa::path(get, path = "/api/v1/topics", tag = "scheduling", responses((status = 200, body = Vec<Topic>)))]
async fn list_topics(State(db): State<Db>) -> ApiResult<Json<Vec<Topic>>> {
    Ok(Json(db.topics().await?))
}

/// Create a topic: name, description, duration, meeting types, required
/// skills, instructions to the customer.
#[utoipa::path(post, path = "/api/v1/topics", tag = "scheduling", request_body = TopicInput,
    responses((status = 201, body = Topic), (status = 422, body = crate::error::Problem)))]
async fn create_topic(
    Audited(db): Audited,
    ApiJson(i): ApiJson<TopicInput>,
) -> ApiResult<impl IntoResponse> {
    let t = db.save_topic(None, &TopicDraft::parse(i)?).await?;
    Ok(created(format!("/api/v1/topics/{}", t.id), t))
}

#[utoipa::path(put, path = "/api/v1/topics/{id}", tag = "scheduling", params(("id" = String, Path)),
    request_body = TopicInput, responses((status = 200, body = Topic)))]
async fn put_topic(
    Audited(db): Audited,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<TopicInput>,
) -> ApiResult<Json<Topic>> {
    Ok(Json(
        db.save_topic(Some(&id), &TopicDraft::parse(i)?).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/topics/{id}", tag = "scheduling", params(("id" = String, Path)),
    responses((status = 204), (status = 409, body = crate::error::Problem)))]
async fn delete_topic(Audited(db): Audited, Path(id): Path<String>) -> ApiResult<StatusCode> {
    db.delete_topic(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ------------------------------------------------------------------ advisors

#[utoipa::path(get, path = "/api/v1/advisors", tag = "scheduling", responses((status = 200, body = Vec<Advisor>)))]
async fn list_advisors(State(db): State<Db>) -> ApiResult<Json<Vec<Advisor>>> {
    Ok(Json(db.advisors().await?))
}

#[utoipa::path(get, path = "/api/v1/advisors/{id}", tag = "scheduling", params(("id" = String, Path, description = "the agent's id")),
    responses((status = 200, body = Advisor)))]
async fn get_advisor(State(db): State<Db>, Path(id): Path<String>) -> ApiResult<Json<Advisor>> {
    Ok(Json(db.advisor(&id).await?))
}

/// Make an agent bookable, or change their weekly hours (`[{day, from, to}]`
/// in `time_zone`) and branches. Skills are the agent's routing skills.
#[utoipa::path(put, path = "/api/v1/advisors/{id}", tag = "scheduling", params(("id" = String, Path)),
    request_body = AdvisorInput, responses((status = 200, body = Advisor), (status = 422, body = crate::error::Problem)))]
async fn put_advisor(
    Audited(db): Audited,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<AdvisorInput>,
) -> ApiResult<Json<Advisor>> {
    Ok(Json(db.put_advisor(&id, &AdvisorDraft::parse(i)?).await?))
}

#[utoipa::path(get, path = "/api/v1/advisors/{id}/time-off", tag = "scheduling", params(("id" = String, Path)),
    responses((status = 200, body = Vec<TimeOff>)))]
async fn list_time_off(
    State(db): State<Db>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<TimeOff>>> {
    Ok(Json(db.time_off(&id).await?))
}

/// Add time off (no slots are offered in it). Meetings already booked in
/// it are kept: cancel or move them separately.
#[utoipa::path(post, path = "/api/v1/advisors/{id}/time-off", tag = "scheduling", params(("id" = String, Path)),
    request_body = TimeOffInput, responses((status = 201, body = TimeOff), (status = 422, body = crate::error::Problem)))]
async fn add_time_off(
    Audited(db): Audited,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<TimeOffInput>,
) -> ApiResult<impl IntoResponse> {
    let t = db.add_time_off(&id, &TimeOffDraft::parse(i)?).await?;
    Ok(created(
        format!("/api/v1/advisors/{id}/time-off/{}", t.id),
        t,
    ))
}

#[utoipa::path(delete, path = "/api/v1/advisors/{id}/time-off/{time_off_id}", tag = "scheduling",
    params(("id" = String, Path), ("time_off_id" = String, Path)), responses((status = 204)))]
async fn delete_time_off(
    Audited(db): Audited,
    Path((id, time_off_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    db.delete_time_off(&id, &time_off_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
