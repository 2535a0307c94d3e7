//! `/api/v1/webhooks`: outbound webhooks (admins). A registration's secret
//! is shown once, at creation; deliveries are listed with their attempts.
//! The signing scheme and the payloads are in `docs/webhooks.md`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::{Deserialize, Serialize};
use switchboard_core::cursor::{page_limit, Cursor};
use switchboard_core::webhooks::{EventType, WebhookDraft};
use switchboard_store::webhooks::{Delivery, Webhook};
use switchboard_store::Db;
use switchboard_webhooks::Webhooks;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::created;
use crate::auth::Audited;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update, remove))
        .routes(routes!(deliveries))
        .routes(routes!(send_test))
        .routes(routes!(redeliver))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    /// Where deliveries are posted: an `http://` or `https://` address,
    /// without credentials (a `#fragment` is never sent). Redirects are not
    /// followed.
    #[schema(required = true, value_type = switchboard_core::api_schema::WebAddress)]
    url: Option<String>,
    /// What the registration is for.
    #[schema(max_length = 200)]
    description: Option<String>,
    /// The events to deliver (at least one).
    #[schema(value_type = Vec<EventType>, min_items = 1, max_items = 50, required = true)]
    events: Option<Vec<String>>,
    /// Off: nothing is queued for it, and queued deliveries wait
    /// [default: true].
    active: Option<bool>,
}

impl WebhookInput {
    fn draft(self) -> Result<WebhookDraft, switchboard_core::Invalid> {
        WebhookDraft::parse(self.url, self.description, self.events, self.active)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    webhook: Webhook,
    /// The signing secret (`whsec_…`). Shown this once; store it now.
    secret: String,
}

/// Registered webhooks (without their secrets).
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks",
    responses((status = 200, body = Vec<Webhook>)))]
async fn list(State(db): State<Db>) -> ApiResult<Json<Vec<Webhook>>> {
    Ok(Json(db.webhooks().await?))
}

/// Register a webhook; its signing secret is in the answer and nowhere else.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = WebhookInput,
    responses((status = 201, body = CreatedWebhook), (status = 422, body = crate::error::Problem)))]
async fn create(
    Audited(db): Audited,
    ApiJson(input): ApiJson<WebhookInput>,
) -> ApiResult<impl IntoResponse> {
    let draft = input.draft()?;
    let secret = switchboard_webhooks::new_secret();
    let webhook = db.create_webhook(&draft, &secret).await?;
    Ok(created(
        format!("/api/v1/webhooks/{}", webhook.id),
        CreatedWebhook { webhook, secret },
    ))
}

/// One registration.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = String, Path)),
    responses((status = 200, body = Webhook), (status = 404, body = crate::error::Problem)))]
async fn show(State(db): State<Db>, Path(id): Path<String>) -> ApiResult<Json<Webhook>> {
    Ok(Json(db.webhook(&id).await?))
}

/// Replace a registration's address, events and switch (the secret and
/// the deliveries stay).
#[utoipa::path(put, path = "/api/v1/webhooks/{id}", tag = "webhooks", request_body = WebhookInput,
    params(("id" = String, Path)),
    responses((status = 200, body = Webhook), (status = 404, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn update(
    Audited(db): Audited,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<WebhookInput>,
) -> ApiResult<Json<Webhook>> {
    let draft = input.draft()?;
    Ok(Json(db.update_webhook(&id, &draft).await?))
}

/// Remove a registration and its deliveries.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
async fn remove(Audited(db): Audited, Path(id): Path<String>) -> ApiResult<StatusCode> {
    db.delete_webhook(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeliveriesQuery {
    /// 1 to 200 [default: 50].
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    #[param(value_type = Option<switchboard_core::api_schema::Cursor>)]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeliveryPage {
    pub items: Vec<Delivery>,
    pub next_cursor: Option<String>,
}

/// A registration's deliveries, newest first, each with its attempts.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = String, Path), DeliveriesQuery),
    responses((status = 200, body = DeliveryPage), (status = 404, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn deliveries(
    State(db): State<Db>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DeliveriesQuery>,
) -> ApiResult<Json<DeliveryPage>> {
    let limit = page_limit(q.limit)?;
    let cursor = match &q.cursor {
        Some(c) => Cursor::decode(c, 1)?.0.pop(),
        None => None,
    };
    let page = db.webhook_deliveries(&id, cursor.as_deref(), limit).await?;
    Ok(Json(DeliveryPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// Queue a `webhook.test` delivery to this registration now (while it is
/// switched off, it waits like the others).
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/test", tag = "webhooks",
    params(("id" = String, Path)),
    responses((status = 202, body = Delivery), (status = 404, body = crate::error::Problem)))]
async fn send_test(
    State(db): State<Db>,
    State(service): State<Arc<Webhooks>>,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let d = db.queue_webhook_test(&id).await?;
    service.wake();
    Ok((StatusCode::ACCEPTED, Json(d)))
}

/// Send a failed delivery again now (after the receiver was fixed).
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/deliveries/{delivery_id}/retry", tag = "webhooks",
    params(("id" = String, Path), ("delivery_id" = String, Path)),
    responses((status = 202, body = Delivery), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
async fn redeliver(
    State(db): State<Db>,
    State(service): State<Arc<Webhooks>>,
    Path((id, delivery_id)): Path<(String, String)>,
) -> ApiResult<impl IntoResponse> {
    let d = db.redeliver_webhook(&id, &delivery_id).await?;
    service.wake();
    Ok((StatusCode::ACCEPTED, Json(d)))
}
