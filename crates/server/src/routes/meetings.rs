//! Meetings: book (idempotent, race-safe), read, move, and cancel — by the
//! customer (CancelMeeting: notice sent) or by staff (no notice).

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::{Extension, Json};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use switchboard_core::booking::{BookingDraft, BookingInput};
use switchboard_core::time;
use switchboard_store::activities::Author;
use switchboard_store::scheduling::{
    Booked, BookingContext, Branch, CancelPath, Meeting, MeetingAdvisor, Topic,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::created;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(book))
        .routes(routes!(get))
        .routes(routes!(cancel))
        .routes(routes!(staff_cancel))
        .routes(routes!(move_meeting))
        .routes(routes!(contact_meetings))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TopicRef {
    pub id: String,
    pub name: String,
    pub instructions: String,
    /// Name, description and instructions in other languages (the
    /// customer's pages pick theirs, falling back to `name`).
    #[schema(value_type = Object)]
    pub translations:
        std::collections::BTreeMap<String, switchboard_core::booking::TopicTranslation>,
}

/// A meeting as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MeetingView {
    pub id: String,
    /// scheduled, cancelled, or completed (scheduled and ended); a booking
    /// from the public page is `pending` until the owner of the address
    /// confirms it, `expired` if they did not in time.
    pub state: String,
    /// Until when a `pending` booking holds its advisors.
    pub hold_until: Option<String>,
    pub contact_id: String,
    pub topic: TopicRef,
    pub meeting_type: String,
    pub branch: Option<Branch>,
    pub join_url: Option<String>,
    pub start: String,
    pub end: String,
    /// The customer's zone: messages show times in it.
    pub time_zone: String,
    pub language: String,
    pub advisors: Vec<MeetingAdvisor>,
    pub customer_notes: String,
    pub sequence: i64,
    pub booked_by: String,
    pub cancelled_at: Option<String>,
    pub cancelled_by: Option<String>,
    /// customer or staff.
    pub cancel_path: Option<String>,
    pub email_reminder_sent_at: Option<String>,
    pub sms_reminder_sent_at: Option<String>,
    pub created_at: String,
    /// The customer's cancel page (signed link).
    pub cancel_url: String,
    /// The meeting as an iCalendar file to add to a calendar (same token).
    pub calendar_url: String,
}

pub async fn view(s: &AppState, id: &str) -> ApiResult<MeetingView> {
    let m = s.db.meeting(id).await?;
    let topic = s.db.topic(&m.topic_id).await?;
    let branch = match &m.branch_id {
        Some(b) => Some(s.db.branch(b).await?),
        None => None,
    };
    view_of(s, m, topic, branch).await
}

/// The view of a meeting whose topic and branch are at hand.
async fn view_of(
    s: &AppState,
    m: Meeting,
    topic: Topic,
    branch: Option<Branch>,
) -> ApiResult<MeetingView> {
    let ended = time::parse(&m.ends_at).is_some_and(|e| e <= Timestamp::now());
    Ok(MeetingView {
        state: if m.state == "scheduled" && ended {
            "completed".into()
        } else {
            m.state.clone()
        },
        cancel_url: s.comms.cancel_url(&m.id, &m.contact_id),
        calendar_url: s.comms.calendar_url(&m.id, &m.contact_id),
        advisors: s.db.meeting_advisors(&m.id).await?,
        hold_until: m.hold_until,
        topic: TopicRef {
            id: topic.id,
            name: topic.name,
            instructions: topic.instructions,
            translations: topic.translations,
        },
        branch,
        id: m.id,
        contact_id: m.contact_id,
        meeting_type: m.meeting_type,
        join_url: m.join_url,
        start: m.starts_at,
        end: m.ends_at,
        time_zone: m.time_zone,
        language: m.language,
        customer_notes: m.customer_notes,
        sequence: m.sequence,
        booked_by: m.booked_by,
        cancelled_at: m.cancelled_at,
        cancelled_by: m.cancelled_by,
        cancel_path: m.cancel_path,
        email_reminder_sent_at: m.email_reminder_sent_at,
        sms_reminder_sent_at: m.sms_reminder_sent_at,
        created_at: m.created_at,
    })
}

/// Books through the store and wakes the outbox worker.
pub async fn book_draft(
    s: &AppState,
    d: &BookingDraft,
    author: &Author,
    key: Option<&str>,
    request_hash: &str,
    via: &str,
    hold: Option<switchboard_store::scheduling::Hold<'_>>,
) -> ApiResult<Booked> {
    let booked =
        s.db.book_meeting(
            d,
            &BookingContext {
                booked_by: author,
                idempotency_key: key,
                request_hash,
                join_url_template: &s.config.join_url_template,
                via,
                now: Timestamp::now(),
                hold,
            },
        )
        .await?;
    s.comms.wake.notify_one();
    Ok(booked)
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
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    headers: HeaderMap,
    ApiJson(i): ApiJson<BookingInput>,
) -> ApiResult<axum::response::Response> {
    let key = idempotency_key(&headers)?;
    let hash = request_hash(&i);
    let d = BookingDraft::parse(i)?;
    let booked = book_draft(&s, &d, &who.author(), key, &hash, "api", None).await?;
    let v = view(&s, &booked.meeting.id).await?;
    Ok(if booked.replayed {
        Json(v).into_response()
    } else {
        created(format!("/api/v1/meetings/{}", v.id), v).into_response()
    })
}

/// The `Idempotency-Key` header, if any: 1 to 200 visible ASCII characters.
pub fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<&str>> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .ok()
            .filter(|k| !k.is_empty() && k.len() <= 200 && k.bytes().all(|b| b.is_ascii_graphic()))
            .map(Some)
            .ok_or_else(|| {
                ApiError::BadRequest(
                    "Idempotency-Key must be 1 to 200 visible ASCII characters".into(),
                )
            }),
    }
}

/// What a repeated key must match: the request as parsed.
pub fn request_hash<T: serde::Serialize>(request: &T) -> String {
    hex(&Sha256::digest(
        serde_json::to_vec(request).expect("serializes"),
    ))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[utoipa::path(get, path = "/api/v1/meetings/{id}", tag = "scheduling", params(("id" = String, Path)),
    responses((status = 200, body = MeetingView)))]
async fn get(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<MeetingView>> {
    Ok(Json(view(&s, &id).await?))
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
    State(s): State<AppState>,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<CancelInput>,
) -> ApiResult<Json<MeetingView>> {
    customer_cancel(&s, &id, &i.contact_id).await?;
    Ok(Json(view(&s, &id).await?))
}

/// The one CancelMeeting path, for the API and the cancel page.
pub async fn customer_cancel(s: &AppState, id: &str, contact_id: &str) -> ApiResult<()> {
    let contact = s.db.contact(contact_id).await.ok();
    let author = Author {
        agent_id: None,
        name: contact
            .map(|c| c.display_name())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "Customer".into()),
    };
    s.db.cancel_meeting(
        id,
        CancelPath::Customer,
        Some(contact_id),
        &author,
        Timestamp::now(),
    )
    .await?;
    s.comms.wake.notify_one();
    Ok(())
}

/// Cancellation by a representative: no notice goes to the customer.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/staff-cancel", tag = "scheduling", params(("id" = String, Path)),
    responses((status = 200, body = MeetingView)))]
async fn staff_cancel(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<MeetingView>> {
    s.db.cancel_meeting(
        &id,
        CancelPath::Staff,
        None,
        &who.author(),
        Timestamp::now(),
    )
    .await?;
    Ok(Json(view(&s, &id).await?))
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
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<MoveInput>,
) -> ApiResult<Json<MeetingView>> {
    let start = time::parse(&i.start).ok_or_else(|| {
        switchboard_core::Invalid::one("start", "invalid", "must be an RFC 3339 time")
    })?;
    s.db.move_meeting(&id, start, &who.author(), Timestamp::now())
        .await?;
    s.comms.wake.notify_one();
    Ok(Json(view(&s, &id).await?))
}

/// A contact's meetings, soonest first.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/meetings", tag = "scheduling", params(("id" = String, Path)),
    responses((status = 200, body = Vec<MeetingView>)))]
async fn contact_meetings(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<MeetingView>>> {
    s.db.contact(&id).await?;
    // Topics and branches are few: read them once, not per meeting.
    let topics: HashMap<String, Topic> =
        s.db.topics()
            .await?
            .into_iter()
            .map(|t| (t.id.clone(), t))
            .collect();
    let branches: HashMap<String, Branch> =
        s.db.branches()
            .await?
            .into_iter()
            .map(|b| (b.id.clone(), b))
            .collect();
    let mut out = Vec::new();
    for m in s.db.contact_meetings(&id).await? {
        let topic = topics
            .get(&m.topic_id)
            .cloned()
            .ok_or(ApiError::NotFound("topic"))?;
        let branch = m.branch_id.as_ref().and_then(|b| branches.get(b)).cloned();
        out.push(view_of(&s, m, topic, branch).await?);
    }
    Ok(Json(out))
}
