//! Communications admin: settings, templates with preview, the outbox.

use axum::extract::{Path, State};
use axum::Json;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_core::communications::templates::{Rendered, Template};
use switchboard_core::communications::{Channel, Kind, Settings, LANGUAGES};
use switchboard_core::Invalid;
use switchboard_store::communications::{OutboxMessage, StoredTemplate};
use switchboard_store::Page;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::PageParams;
use crate::auth::Audited;
use crate::communications::compose::MeetingContext;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;
use switchboard_store::Db;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_settings, put_settings, patch_settings))
        .routes(routes!(list_templates))
        .routes(routes!(put_template, reset_template))
        .routes(routes!(preview))
        .routes(routes!(outbox))
        .routes(routes!(retry))
        .routes(routes!(transports))
        .routes(routes!(test_message))
}

/// The communications controls: master switch (off by default), a switch
/// per kind × channel, the reminder threshold in days, SMS quiet hours.
#[utoipa::path(get, path = "/api/v1/communications/settings", tag = "communications", responses((status = 200, body = Settings)))]
async fn get_settings(State(db): State<Db>) -> ApiResult<Json<Settings>> {
    Ok(Json(db.communication_settings().await?))
}

/// Replace the settings (the whole document: a missing field is a 422
/// naming it; PATCH changes some). Messages already queued are checked
/// again when sent.
#[utoipa::path(put, path = "/api/v1/communications/settings", tag = "communications", request_body = Settings,
    responses((status = 200, body = Settings), (status = 422, body = crate::error::Problem)))]
async fn put_settings(
    Audited(db): Audited,
    ApiJson(doc): ApiJson<serde_json::Value>,
) -> ApiResult<Json<Settings>> {
    save_settings(&db, &doc).await
}

/// Change some settings with a JSON Merge Patch (RFC 7396): fields sent
/// replace, absent fields stay, `null` clears `sms_quiet_hours`. Turning
/// messages on is `{"enabled": true}`.
#[utoipa::path(patch, path = "/api/v1/communications/settings", tag = "communications",
    request_body(content = Settings, content_type = "application/merge-patch+json"),
    responses((status = 200, body = Settings), (status = 422, body = crate::error::Problem)))]
async fn patch_settings(
    Audited(db): Audited,
    ApiJson(patch): ApiJson<serde_json::Value>,
) -> ApiResult<Json<Settings>> {
    let current = db.communication_settings().await?;
    let merged = super::merge(&current, &patch).map_err(missing_field)?;
    save_settings(&db, &serde_json::to_value(merged).expect("serializes")).await
}

async fn save_settings(db: &Db, doc: &serde_json::Value) -> ApiResult<Json<Settings>> {
    let bytes = serde_json::to_vec(doc).expect("serializes");
    let i: Settings = crate::extract::parse_json(&bytes).map_err(|e| match e {
        ApiError::Invalid(i) => ApiError::Invalid(missing_field(i)),
        other => other,
    })?;
    i.validate()?;
    let saved = db.put_communication_settings(&i).await?;
    Ok(Json(saved))
}

/// serde names a missing field only in its message ("missing field
/// `kinds`"): name it as the field, with its path, and say PATCH exists.
fn missing_field(mut i: Invalid) -> Invalid {
    for e in &mut i.0 {
        let Some(name) = e
            .message
            .strip_prefix("missing field `")
            .and_then(|r| r.split('`').next())
        else {
            continue;
        };
        let parent = e.field.trim_start_matches('.');
        e.field = if parent.is_empty() || parent == "body" {
            name.to_owned()
        } else {
            format!("{parent}.{name}")
        };
        e.code = "required".into();
        e.message = "is required: PUT replaces the whole settings document; \
                     send PATCH with only the fields to change"
            .into();
    }
    i
}

/// Every template in force, for each kind × channel × language.
#[utoipa::path(get, path = "/api/v1/communications/templates", tag = "communications",
    responses((status = 200, body = Vec<StoredTemplate>)))]
async fn list_templates(State(db): State<Db>) -> ApiResult<Json<Vec<StoredTemplate>>> {
    Ok(Json(db.templates().await?))
}

fn key(kind: &str, channel: &str, language: &str) -> ApiResult<(Kind, Channel, String)> {
    match (
        Kind::parse(kind),
        Channel::parse(channel),
        LANGUAGES.contains(&language),
    ) {
        (Some(k), Some(c), true) => Ok((k, c, language.to_owned())),
        _ => Err(ApiError::NotFound("template")),
    }
}

/// Replace a template. Variables: see `GET …/templates`; an unknown
/// `{name}` is refused, naming it.
#[utoipa::path(put, path = "/api/v1/communications/templates/{kind}/{channel}/{language}", tag = "communications",
    params(("kind" = String, Path), ("channel" = String, Path), ("language" = String, Path)),
    request_body = Template, responses((status = 200, body = StoredTemplate), (status = 422, body = crate::error::Problem)))]
async fn put_template(
    Audited(db): Audited,
    Path((kind, channel, language)): Path<(String, String, String)>,
    ApiJson(t): ApiJson<Template>,
) -> ApiResult<Json<StoredTemplate>> {
    let (kind, channel, language) = key(&kind, &channel, &language)?;
    t.validate(channel)?;
    Ok(Json(db.put_template(kind, channel, &language, &t).await?))
}

/// Back to the shipped template.
#[utoipa::path(delete, path = "/api/v1/communications/templates/{kind}/{channel}/{language}", tag = "communications",
    params(("kind" = String, Path), ("channel" = String, Path), ("language" = String, Path)),
    responses((status = 200, body = StoredTemplate)))]
async fn reset_template(
    Audited(db): Audited,
    Path((kind, channel, language)): Path<(String, String, String)>,
) -> ApiResult<Json<StoredTemplate>> {
    let (kind, channel, language) = key(&kind, &channel, &language)?;
    Ok(Json(db.reset_template(kind, channel, &language).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewInput {
    /// The meeting to fill the template from.
    #[schema(value_type = switchboard_core::api_schema::RecordId)]
    pub meeting_id: String,
    /// A draft to preview instead of the template in force.
    pub template: Option<Template>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Preview {
    #[serde(flatten)]
    pub rendered: Rendered,
    /// Email only: the calendar invite attached.
    pub invite: Option<String>,
}

/// Render a template (or a draft of it) for a real meeting, without
/// sending anything.
#[utoipa::path(post, path = "/api/v1/communications/templates/{kind}/{channel}/{language}/preview", tag = "communications",
    params(("kind" = String, Path), ("channel" = String, Path), ("language" = String, Path)),
    request_body = PreviewInput, responses((status = 200, body = Preview), (status = 422, body = crate::error::Problem)))]
async fn preview(
    Audited(db): Audited,
    State(comms): State<std::sync::Arc<crate::communications::Comms>>,
    Path((kind, channel, language)): Path<(String, String, String)>,
    ApiJson(i): ApiJson<PreviewInput>,
) -> ApiResult<Json<Preview>> {
    let (kind, channel, language) = key(&kind, &channel, &language)?;
    let template = match i.template {
        Some(t) => {
            t.validate(channel)?;
            t
        }
        None => db.template(kind, channel, &language).await?.template,
    };
    let mut ctx = match MeetingContext::load(&db, &i.meeting_id).await {
        Ok(c) => c,
        Err(switchboard_store::StoreError::NotFound(_)) => {
            return Err(Invalid::one("meeting_id", "unknown", "no meeting has this id").into())
        }
        Err(e) => return Err(e.into()),
    };
    ctx.meeting.language = language;
    let rendered = ctx.render(
        &template,
        &comms.cancel_url(&ctx.meeting.id, &ctx.contact.id),
    );
    let invite = (channel == Channel::Email).then(|| {
        let from = comms.email.from();
        ctx.invite(
            &comms.email.host(),
            (
                from.name.as_deref().unwrap_or("Switchboard"),
                from.email.as_ref(),
            ),
            ctx.meeting.sequence,
            kind == Kind::Cancellation,
            Timestamp::now(),
        )
    });
    Ok(Json(Preview { rendered, invite }))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxParams {
    #[param(value_type = Option<switchboard_core::api_schema::RecordIdOrEmpty>)]
    pub meeting_id: Option<String>,
    /// queued, sending, sent, kept (no transport configured: composed and
    /// kept here, not delivered), failed or skipped.
    #[param(pattern = "^(queued|sending|sent|kept|failed|skipped)$")]
    pub state: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    #[param(value_type = Option<switchboard_core::api_schema::Cursor>)]
    pub cursor: Option<String>,
}

/// Every message, newest first: what was sent, what was kept here
/// undelivered (`kept`: no transport configured), what is queued, failed or
/// skipped, and why.
#[utoipa::path(get, path = "/api/v1/communications/outbox", tag = "communications", params(OutboxParams),
    responses((status = 200, body = Object)))]
async fn outbox(
    State(db): State<Db>,
    crate::extract::ApiQuery(p): crate::extract::ApiQuery<OutboxParams>,
) -> ApiResult<Json<Page<OutboxMessage>>> {
    let (limit, after) = PageParams {
        limit: p.limit,
        cursor: p.cursor,
    }
    .parse()?;
    if let Some(state) = &p.state {
        if !["queued", "sending", "sent", "kept", "failed", "skipped"].contains(&state.as_str()) {
            return Err(Invalid::one(
                "state",
                "invalid",
                "must be queued, sending, sent, kept, failed or skipped",
            )
            .into());
        }
    }
    Ok(Json(
        db.outbox(p.meeting_id.as_deref(), p.state.as_deref(), limit, after)
            .await?,
    ))
}

/// Queue a failed message again, due at once (attempts counted from zero,
/// the same idempotency key). Only failed messages: 409 for any other
/// state. Recorded in the audit log as `outbox.retry`.
#[utoipa::path(post, path = "/api/v1/communications/outbox/{id}/retry", tag = "communications",
    params(("id" = String, Path)),
    responses((status = 200, body = OutboxMessage), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
async fn retry(
    Audited(db): Audited,
    State(comms): State<std::sync::Arc<crate::communications::Comms>>,
    Path(id): Path<String>,
) -> ApiResult<Json<OutboxMessage>> {
    let m = db.retry_outbox(&id, Timestamp::now()).await?;
    comms.wake.notify_one();
    Ok(Json(m))
}

/// Which transports deliver messages: email (SMTP or kept here) and SMS
/// (a provider or kept here), with the sender; no secrets.
#[utoipa::path(get, path = "/api/v1/communications/transports", tag = "communications",
    responses((status = 200, body = crate::communications::test_message::Transports)))]
async fn transports(
    State(comms): State<std::sync::Arc<crate::communications::Comms>>,
) -> Json<crate::communications::test_message::Transports> {
    Json(comms.transports())
}

/// Send a fixed test text by email or SMS to an address, now, once,
/// straight through the transport (not the outbox). 200 whatever the
/// transport answered: `sent` says whether it accepted it, `error` why not
/// (also when no transport is configured); 422 for a bad channel or address.
#[utoipa::path(post, path = "/api/v1/communications/test-message", tag = "communications",
    request_body = crate::communications::test_message::TestMessageInput,
    responses((status = 200, body = crate::communications::test_message::TestMessageOutcome),
        (status = 422, body = crate::error::Problem)))]
async fn test_message(
    State(comms): State<std::sync::Arc<crate::communications::Comms>>,
    ApiJson(i): ApiJson<crate::communications::test_message::TestMessageInput>,
) -> ApiResult<Json<crate::communications::test_message::TestMessageOutcome>> {
    Ok(Json(comms.send_test(i).await?))
}
