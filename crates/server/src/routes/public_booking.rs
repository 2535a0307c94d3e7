//! The self-service booking and cancel pages' endpoints (no sign-in), and
//! the SMS providers' inbound webhooks (STOP/START).
//!
//! Booking pages are public like the chat widget: each IP address shares
//! the widget's rate limit. A booking names the customer by email: the
//! oldest contact with that address, else a new one. Since whoever books
//! chose that address, the page books offered slots only and its notes stay
//! out of messages (docs/scheduling.md). The cancel link's signed token
//! stands for the meeting's contact and goes through the same CancelMeeting
//! path as the API.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{header, Extensions, HeaderMap, Uri};
use axum::response::IntoResponse;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use switchboard_core::booking::{BookingDraft, BookingInput, MeetingType};
use switchboard_core::communications::{opt_keyword, OptKeyword};
use switchboard_core::records::{ContactDraft, ContactInput};
use switchboard_core::validation::parse_phone;
use switchboard_core::Invalid;
use switchboard_store::activities::Author;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::meetings::MeetingView;
use super::scheduling::{Properties, SlotParams, Slots};
use crate::client_addr::ClientAddr;
use crate::communications::links::Purpose;
use crate::communications::sms::{
    same, twilio_signature, webhook_signature, SmsConfig, WEBHOOK_MAX_AGE_SECONDS,
};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;
use switchboard_core::communications::templates::HOLD_MINUTES;
use switchboard_store::scheduling::{DailyLimits, Hold, DAILY_LIMIT};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(properties))
        .routes(routes!(slots))
        .routes(routes!(book))
        .routes(routes!(get_meeting))
        .routes(routes!(confirm_meeting))
        .routes(routes!(cancel_meeting))
        .routes(routes!(calendar_file))
        .routes(routes!(twilio_inbound))
        .routes(routes!(webhook_inbound))
}

fn limit(s: &AppState, ext: &Extensions) -> ApiResult<()> {
    let ip = ext
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_default();
    if s.chat.per_ip.allow(&ip, Instant::now()) {
        Ok(())
    } else {
        Err(ApiError::TooManyRequests)
    }
}

/// Branches, topics and meeting types, for the booking page.
#[utoipa::path(get, path = "/public/v1/scheduling/properties", tag = "self-service", responses((status = 200, body = Properties)))]
async fn properties(State(s): State<AppState>, ext: Extensions) -> ApiResult<Json<Properties>> {
    limit(&s, &ext)?;
    Ok(Json(s.meetings.properties().await?))
}

/// Free slots, for the booking page (same parameters as the API).
#[utoipa::path(get, path = "/public/v1/scheduling/slots", tag = "self-service", params(SlotParams),
    responses((status = 200, body = Slots)))]
async fn slots(
    State(s): State<AppState>,
    ext: Extensions,
    crate::extract::ApiQuery(p): crate::extract::ApiQuery<SlotParams>,
) -> ApiResult<Json<Slots>> {
    limit(&s, &ext)?;
    Ok(Json(s.meetings.find_slots(p).await?))
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    #[schema(value_type = switchboard_core::api_schema::Name, required = true)]
    pub first_name: Option<String>,
    #[schema(value_type = Option<switchboard_core::api_schema::NameOrBlank>)]
    pub last_name: Option<String>,
    #[schema(value_type = switchboard_core::api_schema::EmailAddress, required = true)]
    pub email: Option<String>,
    #[schema(value_type = Option<switchboard_core::api_schema::PhoneNumberOrBlank>)]
    pub phone: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicBooking {
    #[schema(value_type = switchboard_core::api_schema::RecordId, required = true)]
    pub topic_id: Option<String>,
    #[schema(value_type = MeetingType, required = true)]
    pub meeting_type: Option<MeetingType>,
    /// Required for in_person meetings, refused for the others (codes
    /// `incomplete`, `inconsistent`).
    #[schema(value_type = Option<switchboard_core::api_schema::RecordId>)]
    pub branch_id: Option<String>,
    #[schema(value_type = switchboard_core::api_schema::Instant, required = true)]
    pub start: Option<String>,
    pub customer: Customer,
    #[schema(value_type = Option<switchboard_core::api_schema::CustomerTextOrBlank>)]
    pub customer_notes: Option<String>,
    #[schema(value_type = Option<switchboard_core::api_schema::LanguageTagOrBlank>)]
    pub language: Option<String>,
    #[schema(value_type = Option<switchboard_core::api_schema::TimeZoneNameOrBlank>)]
    pub time_zone: Option<String>,
}

fn prefixed(e: Invalid, prefix: &str) -> Invalid {
    Invalid(
        e.0.into_iter()
            .map(|mut f| {
                f.field = format!("{prefix}{}", f.field);
                f
            })
            .collect(),
    )
}

/// Book from the booking page: the customer by name and email.
#[utoipa::path(post, path = "/public/v1/meetings", tag = "self-service", request_body = PublicBooking,
    responses((status = 201, body = MeetingView), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn book(
    State(s): State<AppState>,
    ext: Extensions,
    client: ClientAddr,
    headers: HeaderMap,
    ApiJson(i): ApiJson<PublicBooking>,
) -> ApiResult<axum::response::Response> {
    limit(&s, &ext)?;
    let key = super::meetings::idempotency_key(&headers)?;
    let hash = super::meetings::request_hash(&i);
    let mut errors: Vec<_> = [
        ("customer.email", &i.customer.email),
        ("customer.first_name", &i.customer.first_name),
    ]
    .into_iter()
    .filter(|(_, v)| v.as_deref().is_none_or(|v| v.trim().is_empty()))
    .map(|(field, _)| switchboard_core::FieldError::new(field, "required", "is required"))
    .collect();
    let contact = ContactDraft::parse(ContactInput {
        first_name: i.customer.first_name,
        last_name: i.customer.last_name,
        email: i.customer.email,
        phone: i.customer.phone,
        locale: i.language.clone(),
        time_zone: i.time_zone.clone(),
        ..Default::default()
    });
    // The booking is checked with a placeholder contact so every problem
    // is reported at once.
    let draft = BookingDraft::parse(BookingInput {
        contact_id: Some("pending".into()),
        topic_id: i.topic_id,
        meeting_type: i.meeting_type,
        start: i.start,
        branch_id: i.branch_id,
        advisor_ids: None,
        customer_notes: i.customer_notes,
        time_zone: i.time_zone,
        language: i.language,
    });
    if let Err(e) = &contact {
        errors.extend(prefixed(e.clone(), "customer.").0);
    }
    if let Err(e) = &draft {
        errors.extend(
            e.0.iter()
                .filter(|f| !matches!(f.field.as_str(), "time_zone" | "language"))
                .cloned(),
        );
    }
    if !errors.is_empty() {
        return Err(Invalid(errors).into());
    }
    let (contact, mut draft) = (contact.expect("checked"), draft.expect("checked"));
    // What the page sends is what the meeting uses; never the defaults of
    // an existing contact the typed address happens to match. A meeting at
    // a branch happens in the branch's time: its messages and pages say
    // the time there (the visitor's zone stays on the contact).
    let branch_zone = match &draft.branch_id {
        Some(b) => s.db.branch(b).await.ok().map(|b| b.time_zone),
        None => None,
    };
    draft.time_zone = match (draft.meeting_type, branch_zone) {
        (MeetingType::InPerson, Some(zone)) => Some(zone),
        (_, zone) => draft.time_zone.take().or(zone).or(Some("UTC".into())),
    };
    draft.language = draft.language.take().or(Some("en".into()));
    offered(&s, &draft).await?;
    let email = contact.email.clone().unwrap_or_default();
    let (contact_id, created_now) = match s.db.contact_by_email(&email).await? {
        Some(id) => (id, false),
        None => (s.db.create_contact(&contact).await?.id, true),
    };
    draft.contact_id = contact_id.clone();
    let author = Author {
        agent_id: None,
        name: "Booking page".into(),
    };
    let key = key.map(|k| format!("page:{k}"));
    // Whoever books chose the address: when an email can leave this
    // server, the booking only holds its time until the owner of the
    // address follows the link sent there; without one, nothing reaches
    // anyone and it is booked at once (its messages stay in the outbox).
    let bucket = client.bucket();
    let hold = s.comms.email_delivers().then(|| Hold {
        until: jiff::Timestamp::now()
            .checked_add(jiff::SignedDuration::from_mins(HOLD_MINUTES))
            .expect("in range"),
        email: &email,
        bucket: &bucket,
        limits: DAILY_LIMITS,
    });
    let booked = match s
        .meetings
        .book(&draft, &author, key.as_deref(), &hash, "page", hold)
        .await
    {
        Ok(b) => b,
        Err(e) => {
            // A contact made for a booking that did not happen is removed.
            if created_now {
                let _ = s.db.delete_contact(&contact_id).await;
            }
            return over_limit(e.into());
        }
    };
    let v = s.meetings.view(&booked.meeting.id).await?;
    Ok(super::created(format!("/public/v1/meetings/{}", v.id), public(v)).into_response())
}

/// Held bookings (so requests to confirm) a day: per address typed, per
/// mobile number on the contact, per client address bucket.
pub const DAILY_LIMITS: DailyLimits = DailyLimits {
    per_email: 3,
    per_phone: 3,
    per_bucket: 20,
};

/// A daily limit reached is a 429 naming the field, in problem+json.
fn over_limit(e: ApiError) -> ApiResult<axum::response::Response> {
    match e {
        ApiError::Invalid(Invalid(errors)) if errors.iter().any(|f| f.code == DAILY_LIMIT) => {
            let problem = crate::error::Problem {
                kind: "urn:switchboard:problem:rate-limited".into(),
                title: "Too Many Requests".into(),
                status: 429,
                detail: "too many booking requests today; see errors".into(),
                errors,
            };
            let mut r = (axum::http::StatusCode::TOO_MANY_REQUESTS, Json(problem)).into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                axum::http::HeaderValue::from_static("application/problem+json"),
            );
            Ok(r)
        }
        other => Err(other),
    }
}

/// The page books only the slots it offers: aligned starts of free
/// advisors (staff may book odd times through the API).
async fn offered(s: &AppState, d: &BookingDraft) -> ApiResult<()> {
    use switchboard_core::scheduling::{free_slots, SlotQuery};
    if d.start <= jiff::Timestamp::now() {
        return Err(Invalid::one("start", "past", "must be in the future").into());
    }
    let topic = match s.db.topic(&d.topic_id).await {
        Ok(t) => t,
        Err(switchboard_store::StoreError::NotFound(_)) => {
            return Err(Invalid::one("topic_id", "unknown", "no topic has this id").into())
        }
        Err(e) => return Err(e.into()),
    };
    let end = d.start.checked_add(topic.duration()).unwrap_or(d.start);
    let advisors =
        s.db.availability(&topic, d.branch_id.as_deref(), d.start, end)
            .await?;
    let slots = free_slots(
        &advisors,
        &SlotQuery {
            from: d.start,
            to: d
                .start
                .checked_add(jiff::SignedDuration::from_secs(1))
                .unwrap_or(d.start),
            duration: topic.duration(),
            step_minutes: 0,
            not_before: jiff::Timestamp::now(),
            limit: 1,
        },
    );
    if slots.first().is_some_and(|slot| slot.start == d.start) {
        Ok(())
    } else {
        Err(ApiError::Conflict(
            "this time is not offered (taken, or not a slot start); choose a slot".into(),
        ))
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenParams {
    /// The signed token from the cancel link.
    pub token: Option<String>,
}

/// A meeting as the customer's pages see it: without staff-side fields,
/// and — until the owner of the address has confirmed a page booking —
/// without its cancel and calendar links, which travel only to the address.
fn public(v: MeetingView) -> Value {
    let unconfirmed = matches!(v.state.as_str(), "pending" | "expired");
    let mut j = serde_json::to_value(v).expect("serializes");
    if let Some(o) = j.as_object_mut() {
        for k in [
            "contact_id",
            "booked_by",
            "cancelled_by",
            "sequence",
            "no_show_at",
            "no_show_by",
        ] {
            o.remove(k);
        }
        // A no-show is staff's note on the meeting, not news for the
        // customer: their page shows the meeting as its time makes it.
        if o.get("state").and_then(Value::as_str) == Some("no_show") {
            let ended = o
                .get("end")
                .and_then(Value::as_str)
                .and_then(switchboard_core::time::parse)
                .is_some_and(|e| e <= jiff::Timestamp::now());
            o.insert(
                "state".into(),
                Value::from(if ended { "completed" } else { "scheduled" }),
            );
        }
        if unconfirmed {
            o.remove("cancel_url");
            o.remove("calendar_url");
        }
    }
    j
}

/// The meeting a cancel link's token opens, else 404. A pending
/// booking opens with its confirmation token too (to be confirmed).
async fn by_token(s: &AppState, id: &str, token: Option<&str>) -> ApiResult<MeetingView> {
    let m = match s.db.meeting(id).await {
        Ok(m) => m,
        Err(switchboard_store::StoreError::NotFound(_)) => {
            return Err(ApiError::NotFound("meeting"))
        }
        Err(e) => return Err(e.into()),
    };
    let cancel = token.is_some_and(|t| s.comms.links.verify(t, id, &m.contact_id));
    let confirm = token.is_some_and(|t| {
        s.comms
            .links
            .verify_for(Purpose::Confirm, t, id, &m.contact_id)
    });
    if !(cancel || confirm) {
        return Err(ApiError::NotFound("meeting"));
    }
    // The cancel token of a booking still waiting for its owner opens
    // nothing: it was never sent to anyone.
    if cancel && m.state == "pending" {
        return Err(ApiError::NotFound("meeting"));
    }
    Ok(s.meetings.view(id).await?)
}

/// Confirm a booking from the booking page with the link sent to its
/// address: the meeting is booked and its confirmation sent per the
/// settings. Confirming again changes nothing; after the hold has expired
/// it is a 409 (the time was released).
#[utoipa::path(post, path = "/public/v1/meetings/{id}/confirm", tag = "self-service", params(("id" = String, Path), TokenParams),
    responses((status = 200, body = MeetingView), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
async fn confirm_meeting(
    State(s): State<AppState>,
    ext: Extensions,
    Path(id): Path<String>,
    crate::extract::ApiQuery(p): crate::extract::ApiQuery<TokenParams>,
) -> ApiResult<Json<Value>> {
    limit(&s, &ext)?;
    let m = match s.db.meeting(&id).await {
        Ok(m) => m,
        Err(switchboard_store::StoreError::NotFound(_)) => {
            return Err(ApiError::NotFound("meeting"))
        }
        Err(e) => return Err(e.into()),
    };
    if !p.token.as_deref().is_some_and(|t| {
        s.comms
            .links
            .verify_for(Purpose::Confirm, t, &id, &m.contact_id)
    }) {
        return Err(ApiError::NotFound("meeting"));
    }
    s.meetings.confirm(&id).await?;
    Ok(Json(public(s.meetings.view(&id).await?)))
}

/// A meeting, for its cancel page.
#[utoipa::path(get, path = "/public/v1/meetings/{id}", tag = "self-service", params(("id" = String, Path), TokenParams),
    responses((status = 200, body = MeetingView), (status = 404, body = crate::error::Problem)))]
async fn get_meeting(
    State(s): State<AppState>,
    ext: Extensions,
    Path(id): Path<String>,
    crate::extract::ApiQuery(p): crate::extract::ApiQuery<TokenParams>,
) -> ApiResult<Json<Value>> {
    limit(&s, &ext)?;
    Ok(Json(public(by_token(&s, &id, p.token.as_deref()).await?)))
}

/// Cancel from the cancel page: the same CancelMeeting as the API, for the
/// contact the token was signed for.
#[utoipa::path(post, path = "/public/v1/meetings/{id}/cancel", tag = "self-service", params(("id" = String, Path), TokenParams),
    responses((status = 200, body = MeetingView), (status = 404, body = crate::error::Problem)))]
async fn cancel_meeting(
    State(s): State<AppState>,
    ext: Extensions,
    Path(id): Path<String>,
    crate::extract::ApiQuery(p): crate::extract::ApiQuery<TokenParams>,
) -> ApiResult<Json<Value>> {
    limit(&s, &ext)?;
    let v = by_token(&s, &id, p.token.as_deref()).await?;
    s.meetings.customer_cancel(&id, &v.contact_id).await?;
    Ok(Json(public(s.meetings.view(&id).await?)))
}

/// The meeting as an iCalendar file ("add to calendar" on the confirmation
/// page), opened by the cancel link's token: the same event (UID, SEQUENCE)
/// as the emails' invites, without an iTIP method; a cancelled meeting's
/// file says so.
#[utoipa::path(get, path = "/public/v1/meetings/{id}/calendar.ics", tag = "self-service", params(("id" = String, Path), TokenParams),
    responses((status = 200, content_type = "text/calendar", body = String), (status = 404, body = crate::error::Problem)))]
async fn calendar_file(
    State(s): State<AppState>,
    ext: Extensions,
    Path(id): Path<String>,
    crate::extract::ApiQuery(p): crate::extract::ApiQuery<TokenParams>,
) -> ApiResult<impl IntoResponse> {
    limit(&s, &ext)?;
    by_token(&s, &id, p.token.as_deref()).await?;
    let ctx = crate::communications::compose::MeetingContext::load(&s.db, &id).await?;
    let from = s.comms.email.from();
    let body = ctx.calendar_file(
        &s.comms.email.host(),
        (
            from.name.as_deref().unwrap_or("Switchboard"),
            from.email.as_ref(),
        ),
        jiff::Timestamp::now(),
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"meeting.ics\"",
            ),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    ))
}

/// Records STOP/START from an inbound message; other texts are ignored.
async fn record_keyword(s: &AppState, from: &str, body: &str) -> ApiResult<()> {
    let Some(phone) = parse_phone(from) else {
        return Err(Invalid::one("from", "invalid", "is not an E.164 number").into());
    };
    match opt_keyword(body) {
        Some(OptKeyword::Stop) => s.db.set_sms_opt_out(&phone, true, body.trim()).await?,
        Some(OptKeyword::Start) => s.db.set_sms_opt_out(&phone, false, body.trim()).await?,
        None => {}
    }
    Ok(())
}

/// Twilio's inbound SMS webhook (form-encoded, signed with
/// `X-Twilio-Signature` over the public URL and the parameters).
#[utoipa::path(post, path = "/sms/v1/twilio/inbound", tag = "self-service",
    responses((status = 200, description = "TwiML"), (status = 403, body = crate::error::Problem),
        (status = 404, description = "No Twilio account is configured", body = crate::error::Problem)))]
async fn twilio_inbound(State(s): State<AppState>, req: Request) -> ApiResult<impl IntoResponse> {
    let (headers, uri, body) = parts(req).await?;
    let SmsConfig::Twilio { auth_token, .. } = &s.comms.sms.config else {
        return Err(ApiError::NotFound("SMS provider"));
    };
    let params: BTreeMap<String, String> = serde_urlencoded_pairs(&body);
    let url = format!(
        "{}{}",
        s.comms.public_url(),
        uri.path_and_query().map(|p| p.as_str()).unwrap_or("")
    );
    let expected = twilio_signature(auth_token, &url, &params);
    let given = headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !same(given, &expected) {
        return Err(ApiError::Forbidden(
            "the Twilio signature does not match".into(),
        ));
    }
    let from = params.get("From").map(String::as_str).unwrap_or("");
    let text = params.get("Body").map(String::as_str).unwrap_or("");
    record_keyword(&s, from, text).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/xml")],
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>",
    ))
}

/// Headers, address and body of a webhook call (signatures need the raw
/// body).
async fn parts(req: Request) -> ApiResult<(HeaderMap, Uri, axum::body::Bytes)> {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, switchboard_core::validation::limits::BODY_BYTES)
        .await
        .map_err(|_| ApiError::PayloadTooLarge)?;
    Ok((parts.headers, parts.uri, bytes))
}

fn serde_urlencoded_pairs(body: &[u8]) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// The generic provider's inbound webhook: JSON `{from, body}` with
/// `X-Switchboard-Timestamp` (within 5 minutes) and
/// `X-Switchboard-Signature: sha256=HEX(HMAC-SHA256(secret, "TIMESTAMP.BODY"))`.
#[utoipa::path(post, path = "/sms/v1/webhook/inbound", tag = "self-service",
    responses((status = 204), (status = 403, body = crate::error::Problem),
        (status = 404, description = "No webhook SMS provider is configured", body = crate::error::Problem)))]
async fn webhook_inbound(
    State(s): State<AppState>,
    req: Request,
) -> ApiResult<axum::http::StatusCode> {
    let (headers, _, body) = parts(req).await?;
    let SmsConfig::Webhook { secret, .. } = &s.comms.sms.config else {
        return Err(ApiError::NotFound("SMS provider"));
    };
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    let stamp: i64 = header("x-switchboard-timestamp").parse().unwrap_or(0);
    if (jiff::Timestamp::now().as_second() - stamp).abs() > WEBHOOK_MAX_AGE_SECONDS {
        return Err(ApiError::Forbidden(
            "X-Switchboard-Timestamp is missing or more than 5 minutes off".into(),
        ));
    }
    if !same(
        header("x-switchboard-signature"),
        &webhook_signature(secret, stamp, &body),
    ) {
        return Err(ApiError::Forbidden("the signature does not match".into()));
    }
    let v: Value = crate::extract::parse_json(&body)?;
    let from = v["from"].as_str().unwrap_or("");
    let text = v["body"].as_str().unwrap_or("");
    record_keyword(&s, from, text).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
