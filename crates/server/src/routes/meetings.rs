//! Meetings over HTTP: book (idempotent, race-safe), read, move,
//! cancel — by the customer (CancelMeeting: notice sent) or by staff (no
//! notice) — and mark (or unmark) a no-show. The use cases are the scheduling service's
//! (`switchboard_notifications::meetings`).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::{Extension, Json};
use serde::Deserialize;
use switchboard_core::booking::{BookingDraft, BookingInput};
pub use switchboard_notifications::idempotency::request_hash;
pub use switchboard_notifications::meetings::MeetingView;
use switchboard_notifications::meetings::Meetings;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::created;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;
use switchboard_core::access::Permission;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(book))
        .routes(routes!(get))
        .routes(routes!(cancel))
        .routes(routes!(staff_cancel))
        .routes(routes!(move_meeting))
        .routes(routes!(mark_no_show, undo_no_show))
        .routes(routes!(contact_meetings))
}

/// Book a meeting (Dynamics: BookMeeting). With `Idempotency-Key`, a repeat
/// of the same request answers the first booking (200) instead of booking
/// twice; the same key with another body is a 409. Two requests racing for
/// the same advisor time: one 201, one 409.
#[utoipa::path(post, path = "/api/v1/meetings", tag = "scheduling", request_body = BookingInput,
    params(("Idempotency-Key" = Option<String>, Header, pattern = r"^[\x21-\x7E]{1,200}$", description = "1 to 200 visible ASCII characters")),
    responses((status = 201, body = MeetingView), (status = 200, body = MeetingView, description = "replayed"),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn book(
    State(meetings): State<Arc<Meetings>>,
    Extension(who): Extension<Principal>,
    headers: HeaderMap,
    ApiJson(i): ApiJson<BookingInput>,
) -> ApiResult<axum::response::Response> {
    let key = idempotency_key(&headers)?;
    let hash = request_hash(&i);
    let d = BookingDraft::parse(i)?;
    let booked = meetings
        .book(&d, &who.author(), key, &hash, "api", None)
        .await?;
    let v = meetings.view(&booked.meeting.id).await?;
    Ok(if booked.replayed {
        Json(v).into_response()
    } else {
        created(format!("/api/v1/meetings/{}", v.id), v).into_response()
    })
}

#[utoipa::path(get, path = "/api/v1/meetings/{id}", tag = "scheduling", params(("id" = String, Path)),
    responses((status = 200, body = MeetingView)))]
async fn get(
    State(meetings): State<Arc<Meetings>>,
    Path(id): Path<String>,
) -> ApiResult<Json<MeetingView>> {
    Ok(Json(meetings.view(&id).await?))
}

/// The `Idempotency-Key` header, if any: 1 to 200 visible ASCII characters.
pub fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<&str>> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .ok()
            .filter(|k| switchboard_notifications::idempotency::valid_key(k))
            .map(Some)
            .ok_or_else(|| {
                ApiError::BadRequest(
                    "Idempotency-Key must be 1 to 200 visible ASCII characters".into(),
                )
            }),
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelInput {
    /// The customer cancelling: must be the meeting's contact.
    #[schema(value_type = switchboard_core::api_schema::RecordId)]
    pub contact_id: String,
}

/// Customer cancellation (Dynamics: CancelMeeting), called by a portal on
/// the customer's behalf: the contact must be the meeting's (otherwise 404,
/// revealing nothing). Sends the cancellation notice; a second call changes
/// nothing.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/cancel", tag = "scheduling", params(("id" = String, Path)),
    request_body = CancelInput, responses((status = 200, body = MeetingView), (status = 404, body = crate::error::Problem)))]
async fn cancel(
    State(meetings): State<Arc<Meetings>>,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<CancelInput>,
) -> ApiResult<Json<MeetingView>> {
    meetings.customer_cancel(&id, &i.contact_id).await?;
    Ok(Json(meetings.view(&id).await?))
}

/// Cancellation by a representative: no notice goes to the customer.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/staff-cancel", tag = "scheduling", params(("id" = String, Path)),
    responses((status = 200, body = MeetingView)))]
async fn staff_cancel(
    State(meetings): State<Arc<Meetings>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<MeetingView>> {
    meetings.staff_cancel(&id, &who.author()).await?;
    Ok(Json(meetings.view(&id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveInput {
    /// The new start (RFC 3339); the duration and advisors stay.
    #[schema(value_type = switchboard_core::api_schema::Instant)]
    pub start: String,
}

/// Move a meeting: the advisors must be free at the new time; the customer
/// gets an updated confirmation and a new reminder.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/move", tag = "scheduling", params(("id" = String, Path)),
    request_body = MoveInput, responses((status = 200, body = MeetingView), (status = 409, body = crate::error::Problem)))]
async fn move_meeting(
    State(meetings): State<Arc<Meetings>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<MoveInput>,
) -> ApiResult<Json<MeetingView>> {
    meetings.move_to(&id, &i.start, &who.author()).await?;
    Ok(Json(meetings.view(&id).await?))
}

/// Whose meetings the caller may mark as no-shows: supervisors and admins
/// anyone's (`None`); an agent only those they advise. A caller with no
/// agent (a token bound to none) then advises none: `Some("")` matches no
/// advisor.
fn marker(who: &Principal) -> Option<&str> {
    if who.may(Permission::SuperviseRecords) {
        None
    } else {
        Some(who.agent_id.as_deref().unwrap_or(""))
    }
}

/// Mark a meeting as a no-show: the customer did not come. Once the
/// meeting has started, by one of its advisors, a supervisor or an admin;
/// another agent gets 404, as for a meeting that does not exist. The
/// customer is sent nothing; the contact's timeline says who marked it.
/// Reports count it as a no-show at the meeting's start instead of held.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/no-show", tag = "scheduling", params(("id" = String, Path)),
    responses((status = 200, body = MeetingView),
        (status = 404, body = crate::error::Problem, description = "no such meeting, or (for an agent) not one they advise"),
        (status = 409, body = crate::error::Problem, description = "cancelled, not scheduled, or already marked"),
        (status = 422, body = crate::error::Problem, description = "the meeting has not started yet (field `start`)")))]
async fn mark_no_show(
    State(meetings): State<Arc<Meetings>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<MeetingView>> {
    meetings
        .no_show(&id, false, marker(&who), &who.author())
        .await?;
    Ok(Json(meetings.view(&id).await?))
}

/// Undo a no-show marked by mistake (same callers as marking it); the
/// meeting counts as held again once over.
#[utoipa::path(delete, path = "/api/v1/meetings/{id}/no-show", tag = "scheduling", params(("id" = String, Path)),
    responses((status = 200, body = MeetingView),
        (status = 404, body = crate::error::Problem, description = "no such meeting, or (for an agent) not one they advise"),
        (status = 409, body = crate::error::Problem, description = "not marked as a no-show")))]
async fn undo_no_show(
    State(meetings): State<Arc<Meetings>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<MeetingView>> {
    meetings
        .no_show(&id, true, marker(&who), &who.author())
        .await?;
    Ok(Json(meetings.view(&id).await?))
}

/// A contact's meetings, soonest first.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/meetings", tag = "scheduling", params(("id" = String, Path)),
    responses((status = 200, body = Vec<MeetingView>)))]
async fn contact_meetings(
    State(meetings): State<Arc<Meetings>>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<MeetingView>>> {
    Ok(Json(meetings.contact_meetings(&id).await?))
}
