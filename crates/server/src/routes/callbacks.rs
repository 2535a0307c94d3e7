//! The proactive voice API: schedule a callback within time windows, read
//! it, cancel it. Plus the voice channel's administration: agents' SIP
//! accounts and live figures.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::{Extension, Json};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_core::access::Permission;
use switchboard_core::validation::Check;
use switchboard_core::voice::callback::{parse_windows, WindowInput, EXPIRY};
use switchboard_core::voice::digest;
use switchboard_core::{time, FieldError, Invalid};
use switchboard_store::voice::{Callback, CallbackUpdate, NewCallback, Recorded};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::created;
use super::meetings::{idempotency_key, request_hash};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::voice::{callbacks::windows_of, registrar::REALM, Voice, VoiceStatus};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(schedule, list))
        .routes(routes!(get, cancel))
        .routes(routes!(set_sip_account))
        .routes(routes!(status))
        .routes(routes!(dials))
}

fn voice(s: &AppState) -> ApiResult<&Arc<Voice>> {
    s.voice.as_ref().ok_or_else(|| {
        ApiError::Conflict("the voice channel is not enabled (serve --sip-listen ADDR:PORT)".into())
    })
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallbackInput {
    /// The number to call, E.164 (`+33612345678`). The dialling policy
    /// refuses some with the rule as the code (`number_type`,
    /// `international_network`, `not_allowed`, `daily_cap`).
    #[schema(value_type = String, required = true, pattern = r"^\+[1-9][0-9]{0,14}$")]
    pub phone: Option<String>,
    #[schema(value_type = Option<switchboard_core::api_schema::RecordId>)]
    pub contact_id: Option<String>,
    /// The queue to wait in; without it, the routing rules place the
    /// callback by its attributes.
    #[schema(value_type = Option<switchboard_core::api_schema::RecordId>)]
    pub queue_id: Option<String>,
    /// Up to 10 windows `[start, end)` in UTC; default: the next 24 hours.
    #[schema(max_items = 10)]
    pub windows: Option<Vec<WindowInput>>,
    /// Routing attributes (up to 20, names and values up to 200 characters).
    #[schema(value_type = Option<switchboard_core::api_schema::CallbackAttributes>)]
    pub attributes: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WindowView {
    pub start: String,
    pub end: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CallbackView {
    #[serde(flatten)]
    pub callback: Callback,
    pub windows: Vec<WindowView>,
    pub attributes: BTreeMap<String, String>,
}

fn view(c: Callback) -> CallbackView {
    CallbackView {
        windows: windows_of(&c)
            .into_iter()
            .map(|w| WindowView {
                start: time::format(w.start),
                end: time::format(w.end),
            })
            .collect(),
        attributes: serde_json::from_str(&c.attributes).unwrap_or_default(),
        callback: c,
    }
}

pub fn valid_e164(phone: &str) -> bool {
    let digits = phone.strip_prefix('+').unwrap_or("");
    (7..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

/// Schedule a callback. It enters the queue when its first window opens
/// and is dialled agent-first (the agent previews and accepts) only inside
/// a window. `Idempotency-Key` replays the first callback (200).
#[utoipa::path(post, path = "/api/v1/callbacks", tag = "voice", request_body = CallbackInput,
    params(("Idempotency-Key" = Option<String>, Header, pattern = r"^[\x21-\x7E]{1,200}$", description = "1 to 200 visible ASCII characters")),
    responses((status = 201, body = CallbackView), (status = 200, body = CallbackView, description = "replayed"),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn schedule(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    headers: HeaderMap,
    ApiJson(i): ApiJson<CallbackInput>,
) -> ApiResult<axum::response::Response> {
    let v = voice(&s)?;
    let key = idempotency_key(&headers)?;
    let hash = request_hash(&i);
    let now = Timestamp::now();
    let mut c = Check::new();
    let phone = match i.phone.as_deref().map(str::trim) {
        None | Some("") => {
            c.fail("phone", "required", "is required");
            String::new()
        }
        // The dialling policy (issue 13): a number Switchboard would never
        // dial is refused now, naming the rule.
        Some(p) => match v.config.dial.check_number(p) {
            Ok(e164) => e164,
            Err(r) => {
                c.fail("phone", r.rule, r.message);
                String::new()
            }
        },
    };
    let attributes = i.attributes.clone().unwrap_or_default();
    if attributes.len() > 20 {
        c.fail("attributes", "too_long", "at most 20 attributes");
    }
    for (k, val) in &attributes {
        if k.is_empty() || k.chars().count() > 200 || val.chars().count() > 200 {
            c.fail(
                &format!("attributes.{k}"),
                "too_long",
                "names and values are 1 to 200 characters",
            );
        } else if switchboard_core::routing::is_reserved_attribute(k) {
            // Names an internal record: Switchboard's to write (issue 13).
            c.fail(
                &format!("attributes.{k}"),
                "reserved",
                "this attribute names a record Switchboard keeps itself and is set only by Switchboard",
            );
        }
    }
    if let Some(q) = &i.queue_id {
        match s.db.queue(q).await {
            Ok(queue) if queue.channel == "voice" => {}
            Ok(_) => c.fail("queue_id", "not_voice", "callbacks wait in a voice queue"),
            Err(_) => c.fail("queue_id", "unknown", "no queue has this id"),
        }
    }
    let windows = match parse_windows(i.windows.clone(), now) {
        Ok(w) => w,
        Err(Invalid(errors)) => {
            for e in errors {
                c.fail(&e.field, &e.code, e.message);
            }
            Vec::new()
        }
    };
    let expires = now + EXPIRY;
    if windows.iter().all(|w| w.start >= expires) && !windows.is_empty() {
        c.fail(
            "windows",
            "too_late",
            "at least one window must open within 7 days",
        );
    }
    c.finish(|| ())?;
    let first = windows.iter().map(|w| w.start).min().unwrap_or(now);
    let n = NewCallback {
        origin: "api".into(),
        phone,
        contact_id: i.contact_id.clone(),
        queue_id: i.queue_id.clone().or_else(|| v.inbound_queue()),
        attributes: serde_json::to_string(&attributes).unwrap_or_else(|_| "{}".into()),
        windows: serde_json::to_string(
            &windows
                .iter()
                .map(|w| serde_json::json!({"start": time::format(w.start), "end": time::format(w.end)}))
                .collect::<Vec<_>>(),
        )
        .unwrap_or_else(|_| "[]".into()),
        status: "scheduled".into(),
        work_item_id: None,
        max_attempts: i64::from(v.config.retry.attempts),
        retry_minutes: i64::from(v.config.retry.delay_minutes),
        next_attempt_at: Some(time::format(first)),
        expires_at: time::format(expires),
        idempotency_key: key.map(str::to_owned),
        request_hash: Some(hash),
        created_by: who.author().name,
    };
    Ok(match s.db.create_callback(&n, &who.author()).await? {
        Recorded::Created(cb) => {
            let id = cb.id.clone();
            created(format!("/api/v1/callbacks/{id}"), view(cb)).into_response()
        }
        Recorded::Replayed(cb) => Json(view(cb)).into_response(),
    })
}

/// The callback if `who` may see it, else 404 as if unknown (nothing tells
/// another's callback from none; it holds a customer's number):
/// - admins: any;
/// - a supervisor: those of the queues they supervise (`auth::watch`: its
///   work item's queue, else the queue it was scheduled for; one the
///   routing rules have not placed yet is in none);
/// - an agent (and a supervisor outside their queues, as an agent): those
///   of the queues they answer, and one whose work item they hold;
/// - a token bound to no agent: an integration's with the agent role reads
///   any (it reads back what it scheduled); a supervisor's supervises
///   nothing.
async fn reach(s: &AppState, who: &Principal, id: &str) -> ApiResult<Callback> {
    let c = s.db.callback(id).await?;
    let watch = who.watch(&s.db).await?;
    if watch.is_all() {
        return Ok(c);
    }
    let Some(agent) = who.agent_id.as_deref() else {
        if who.may(Permission::SuperviseRecords) {
            return Err(ApiError::NotFound("callback"));
        }
        return Ok(c);
    };
    if s.db
        .callback_queue(&c)
        .await?
        .is_some_and(|q| watch.queue(&q))
        || s.db.callback_worked_by(&c, agent).await?
    {
        return Ok(c);
    }
    Err(ApiError::NotFound("callback"))
}

/// A callback: its status, windows, attempts and work item. Agents: the
/// callbacks of the queues they answer or whose item they hold;
/// supervisors also those of the queues they supervise (others 404).
#[utoipa::path(get, path = "/api/v1/callbacks/{id}", tag = "voice", params(("id" = String, Path)),
    responses((status = 200, body = CallbackView),
        (status = 404, body = crate::error::Problem, description = "no such callback, or not of a queue you answer or supervise")))]
async fn get(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<CallbackView>> {
    Ok(Json(view(reach(&s, &who, &id).await?)))
}

const CALLBACK_STATUSES: [&str; 8] = [
    "scheduled",
    "queued",
    "dialling",
    "completed",
    "failed",
    "expired",
    "missed",
    "cancelled",
];

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CallbacksQuery {
    /// Only callbacks in this status.
    #[param(pattern = "^(scheduled|queued|dialling|completed|failed|expired|missed|cancelled)$")]
    pub status: Option<String>,
    /// 1 to 200 [default: 50].
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    #[param(value_type = Option<switchboard_core::api_schema::Cursor>)]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CallbackPage {
    pub items: Vec<CallbackView>,
    pub next_cursor: Option<String>,
}

/// Callbacks, newest first, optionally of one status (supervisors and
/// admins: the list holds customers' numbers). A supervisor's list holds
/// the callbacks of the queues they supervise only.
#[utoipa::path(get, path = "/api/v1/callbacks", tag = "voice", params(CallbacksQuery),
    responses((status = 200, body = CallbackPage), (status = 422, body = crate::error::Problem)))]
async fn list(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    crate::extract::ApiQuery(q): crate::extract::ApiQuery<CallbacksQuery>,
) -> ApiResult<Json<CallbackPage>> {
    if let Some(st) = &q.status {
        if !CALLBACK_STATUSES.contains(&st.as_str()) {
            return Err(Invalid::one(
                "status",
                "invalid",
                format!("must be one of {}", CALLBACK_STATUSES.join(", ")),
            )
            .into());
        }
    }
    let limit = switchboard_core::cursor::page_limit(q.limit)?;
    let cursor = match &q.cursor {
        Some(c) => Some(switchboard_core::cursor::Cursor::decode(c, 2)?),
        None => None,
    };
    let within = who.within(&who.watch(&s.db).await?);
    let page =
        s.db.callbacks(q.status.as_deref(), within.as_ref(), cursor.as_ref(), limit)
            .await?;
    Ok(Json(CallbackPage {
        items: page.items.into_iter().map(view).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Cancel a callback that has not been connected; one waiting in line
/// leaves it. Cancelling a closed callback changes nothing. Who may: as
/// for reading it (others 404).
#[utoipa::path(delete, path = "/api/v1/callbacks/{id}", tag = "voice", params(("id" = String, Path)),
    responses((status = 200, body = CallbackView),
        (status = 404, body = crate::error::Problem, description = "no such callback, or not of a queue you answer or supervise"),
        (status = 409, body = crate::error::Problem, description = "being dialled")))]
async fn cancel(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Json<CallbackView>> {
    let c = reach(&s, &who, &id).await?;
    if c.status == "dialling" {
        return Err(ApiError::Conflict("the callback is being dialled".into()));
    }
    let moved =
        s.db.update_callback(
            &id,
            &["scheduled", "queued"],
            &CallbackUpdate {
                status: "cancelled".into(),
                closed_reason: Some(format!("cancelled by {}", who.author().name)),
                ..Default::default()
            },
            Some(&format!("Callback to {} cancelled", c.phone)),
        )
        .await?;
    let after = s.db.callback(&id).await?;
    if moved {
        // Read after the change: the scheduler may have queued it between
        // the first read and the update. Taking out an item that is not
        // waiting (an earlier attempt's) changes nothing.
        if let Some(item) = &after.work_item_id {
            let _ = s.engine.abandon(item).await;
            let _ = s.db.end_call(item, "system").await;
        }
    }
    Ok(Json(view(after)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SipAccountInput {
    /// The SIP user name the phone registers with (default: the agent's
    /// email's local part). Letters, digits, `.`, `_`, `-`; 1 to 64.
    #[schema(pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub username: Option<String>,
    /// 12 to 128 characters.
    #[schema(value_type = String, required = true, min_length = 12, max_length = 128)]
    pub password: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SipAccountView {
    pub agent_id: String,
    pub username: String,
    pub realm: String,
    /// Where phones register: `sip:USERNAME@HOST:PORT`.
    pub registrar: Option<String>,
}

/// Set an agent's SIP account, so their softphone can register and be rung.
#[utoipa::path(put, path = "/api/v1/agents/{id}/sip-account", tag = "voice", params(("id" = String, Path)),
    request_body = SipAccountInput,
    responses((status = 200, body = SipAccountView), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn set_sip_account(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<SipAccountInput>,
) -> ApiResult<Json<SipAccountView>> {
    let agent = s.db.agent(&id).await?;
    let mut errors = Vec::new();
    let username = i
        .username
        .unwrap_or_else(|| agent.email.split('@').next().unwrap_or_default().to_owned());
    if username.is_empty()
        || username.len() > 64
        || !username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        errors.push(FieldError::new(
            "username",
            "invalid",
            "1 to 64 letters, digits, '.', '_' or '-'",
        ));
    }
    match i.password.as_deref() {
        None => errors.push(FieldError::new("password", "required", "is required")),
        Some(p) if !(12..=128).contains(&p.chars().count()) => errors.push(FieldError::new(
            "password",
            "length",
            "must be 12 to 128 characters",
        )),
        _ => {}
    }
    if !errors.is_empty() {
        return Err(Invalid(errors).into());
    }
    let ha1 = digest::ha1(&username, REALM, i.password.as_deref().unwrap_or_default());
    s.db.acting(who.audit_actor())
        .set_sip_account(&id, &username, &ha1)
        .await?;
    Ok(Json(SipAccountView {
        agent_id: id,
        registrar: s
            .voice
            .as_ref()
            .map(|v| format!("sip:{username}@{}", v.sip.addr)),
        username,
        realm: REALM.into(),
    }))
}

/// Live figures of the voice channel: calls, media legs, registered phones,
/// RTP send jitter, DTMF digits detected, packets relayed.
#[utoipa::path(get, path = "/api/v1/voice/status", tag = "voice",
    responses((status = 200, body = VoiceStatus), (status = 409, body = crate::error::Problem)))]
async fn status(State(s): State<AppState>) -> ApiResult<Json<VoiceStatus>> {
    Ok(Json(voice(&s)?.status()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DialsQuery {
    /// 1 to 200 [default: 50].
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    #[param(value_type = Option<switchboard_core::api_schema::Cursor>)]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DialPage {
    pub items: Vec<switchboard_store::voice::DialRecord>,
    pub next_cursor: Option<String>,
}

/// The outbound dial audit: every dial to a customer and every dial the
/// dialling policy refused, newest first (admins).
#[utoipa::path(get, path = "/api/v1/voice/dials", tag = "voice", params(DialsQuery),
    responses((status = 200, body = DialPage), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn dials(
    State(s): State<AppState>,
    crate::extract::ApiQuery(q): crate::extract::ApiQuery<DialsQuery>,
) -> ApiResult<Json<DialPage>> {
    let limit = switchboard_core::cursor::page_limit(q.limit)?;
    let cursor = match &q.cursor {
        Some(c) => Some(switchboard_core::cursor::Cursor::decode(c, 2)?),
        None => None,
    };
    let page = s.db.dials(cursor.as_ref(), limit).await?;
    Ok(Json(DialPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}
