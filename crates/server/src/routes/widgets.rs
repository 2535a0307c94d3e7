//! Admin API of chat widgets and their proactive rules.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;
use switchboard_core::chat::proactive::{parse_rules, ProactiveRuleSpec};
use switchboard_store::chat::WidgetRow;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::created;
use crate::auth::Audited;
use crate::chat::settings::{WidgetInput, DEFAULT_COLOR};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;
use switchboard_chat::Chat;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, put, delete))
        .routes(routes!(get_rules, put_rules))
        .routes(routes!(rule_stats))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WidgetView {
    pub id: String,
    #[serde(flatten)]
    pub settings: WidgetInput,
    /// Whether an HS256 secret is stored (it is never shown).
    pub auth_secret_set: bool,
    /// The tag to paste into the site's pages.
    pub embed_snippet: String,
    /// Settings that are accepted but worth changing, each naming its field
    /// (e.g. a `color` its buttons fade into the white panel with).
    pub warnings: Vec<Warning>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Warning {
    pub field: String,
    pub code: String,
    pub message: String,
}

fn warnings(settings: &WidgetInput) -> Vec<Warning> {
    let color = settings.color.as_deref().unwrap_or(DEFAULT_COLOR);
    switchboard_core::chat::contrast::colour_warnings(color)
        .into_iter()
        .map(|(code, message)| Warning {
            field: "color".into(),
            code: code.into(),
            message,
        })
        .collect()
}

/// The server's public base URL as the admin's browser reached it.
fn base(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .filter(|p| *p == "https")
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

fn view(row: WidgetRow, headers: &HeaderMap) -> ApiResult<WidgetView> {
    let settings: WidgetInput =
        serde_json::from_str(&row.settings).map_err(|e| ApiError::Internal(e.into()))?;
    let auth_secret_set = settings.auth.as_ref().is_some_and(|a| a.secret.is_some());
    Ok(WidgetView {
        embed_snippet: format!(
            r#"<script src="{}/widget.js" data-widget="{}" async></script>"#,
            base(headers),
            row.id
        ),
        warnings: warnings(&settings),
        id: row.id,
        settings: settings.redacted(),
        auth_secret_set,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Every widget.
#[utoipa::path(get, path = "/api/v1/widgets", tag = "chat", responses((status = 200, body = Vec<WidgetView>)))]
async fn list(
    State(chat): State<Arc<Chat>>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<WidgetView>>> {
    let rows = chat.db.widgets().await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| view(r, &headers))
            .collect::<ApiResult<_>>()?,
    ))
}

/// Create a widget; the answer carries the snippet to embed.
#[utoipa::path(post, path = "/api/v1/widgets", tag = "chat", request_body = WidgetInput,
    responses((status = 201, body = WidgetView), (status = 422, body = crate::error::Problem)))]
async fn create(
    State(chat): State<Arc<Chat>>,
    Audited(db): Audited,
    headers: HeaderMap,
    ApiJson(i): ApiJson<WidgetInput>,
) -> ApiResult<impl IntoResponse> {
    let settings = i.check(None)?;
    check_queue(&chat, &settings).await?;
    let row = db
        .put_widget(
            None,
            &settings.name,
            &serde_json::to_string(&settings).expect("serializes"),
        )
        .await?;
    let v = view(row, &headers)?;
    Ok(created(format!("/api/v1/widgets/{}", v.id), v))
}

async fn check_queue(chat: &Chat, settings: &WidgetInput) -> ApiResult<()> {
    if let Some(q) = &settings.routing.queue_id {
        if chat.db.queue(q).await.is_err() {
            return Err(switchboard_core::Invalid::one(
                "routing.queue_id",
                "unknown",
                "no queue has this id",
            )
            .into());
        }
    }
    Ok(())
}

#[utoipa::path(get, path = "/api/v1/widgets/{id}", tag = "chat", params(("id" = String, Path)),
    responses((status = 200, body = WidgetView)))]
async fn get(
    State(chat): State<Arc<Chat>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Json<WidgetView>> {
    Ok(Json(view(chat.db.widget(&id).await?, &headers)?))
}

/// Replace a widget's settings (an omitted HS256 secret keeps the stored one).
#[utoipa::path(put, path = "/api/v1/widgets/{id}", tag = "chat", params(("id" = String, Path)),
    request_body = WidgetInput, responses((status = 200, body = WidgetView)))]
async fn put(
    State(chat): State<Arc<Chat>>,
    Audited(db): Audited,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<WidgetInput>,
) -> ApiResult<Json<WidgetView>> {
    let current = chat.db.widget(&id).await?;
    let previous: WidgetInput =
        serde_json::from_str(&current.settings).map_err(|e| ApiError::Internal(e.into()))?;
    let settings = i.check(Some(&previous))?;
    check_queue(&chat, &settings).await?;
    // The rules' messages must still cover the default language.
    let language = settings
        .default_language
        .clone()
        .unwrap_or_else(|| "en".into());
    let rules = rule_specs(&chat, &id).await?;
    if let Err(e) = parse_rules(rules, &language, switchboard_store::new_id) {
        return Err(ApiError::Conflict(format!(
            "the proactive rules do not fit this default language: {e}"
        )));
    }
    let row = db
        .put_widget(
            Some(&id),
            &settings.name,
            &serde_json::to_string(&settings).expect("serializes"),
        )
        .await?;
    Ok(Json(view(row, &headers)?))
}

/// Delete a widget no visitor has used yet.
#[utoipa::path(delete, path = "/api/v1/widgets/{id}", tag = "chat", params(("id" = String, Path)),
    responses((status = 204), (status = 409, body = crate::error::Problem)))]
async fn delete(Audited(db): Audited, Path(id): Path<String>) -> ApiResult<StatusCode> {
    db.delete_widget(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn rule_specs(chat: &Chat, widget: &str) -> ApiResult<Vec<ProactiveRuleSpec>> {
    chat.db
        .proactive_rules(widget)
        .await?
        .into_iter()
        .map(|r| {
            let mut spec: ProactiveRuleSpec =
                serde_json::from_str(&r.spec).map_err(|e| ApiError::Internal(e.into()))?;
            spec.id = Some(r.id);
            Ok(spec)
        })
        .collect()
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RulesBody {
    /// In priority order (a lower `priority` number goes first; ties keep this order).
    #[schema(max_items = 50)]
    pub rules: Vec<ProactiveRuleSpec>,
}

/// The widget's proactive rules.
#[utoipa::path(get, path = "/api/v1/widgets/{id}/proactive-rules", tag = "chat", params(("id" = String, Path)),
    responses((status = 200, body = RulesBody)))]
async fn get_rules(
    State(chat): State<Arc<Chat>>,
    Path(id): Path<String>,
) -> ApiResult<Json<RulesBody>> {
    chat.db.widget(&id).await?;
    Ok(Json(RulesBody {
        rules: rule_specs(&chat, &id).await?,
    }))
}

/// Replace the widget's proactive rules (validated as a whole: URL
/// patterns, regexes, windows, time zones, messages). Counters of rules
/// whose id is kept are kept.
#[utoipa::path(put, path = "/api/v1/widgets/{id}/proactive-rules", tag = "chat", params(("id" = String, Path)),
    request_body = RulesBody, responses((status = 200, body = RulesBody), (status = 422, body = crate::error::Problem)))]
async fn put_rules(
    State(chat): State<Arc<Chat>>,
    Audited(db): Audited,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<RulesBody>,
) -> ApiResult<Json<RulesBody>> {
    let widget = chat.widget(&id).await?;
    let rules = parse_rules(b.rules, widget.language(), switchboard_store::new_id)?;
    let mut c = switchboard_core::validation::Check::new();
    for (i, r) in rules.iter().enumerate() {
        if let Some(q) = &r.spec.queue_id {
            if chat.db.queue(q).await.is_err() {
                c.fail(
                    &format!("rules[{i}].queue_id"),
                    "unknown",
                    "no queue has this id",
                );
            }
        }
    }
    c.finish(|| ())?;
    let rows: Vec<(String, String)> = rules
        .iter()
        .map(|r| {
            let mut spec = r.spec.clone();
            spec.id = None;
            (
                r.id.clone(),
                serde_json::to_string(&spec).expect("serializes"),
            )
        })
        .collect();
    db.put_proactive_rules(&id, &rows).await?;
    Ok(Json(RulesBody {
        rules: rule_specs(&chat, &id).await?,
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RuleStats {
    pub rule_id: String,
    pub name: String,
    pub shown: i64,
    pub accepted: i64,
    pub closed: i64,
    pub expired: i64,
}

/// How each rule's invitations ended: shown, accepted, closed, expired.
#[utoipa::path(get, path = "/api/v1/widgets/{id}/proactive-rules/stats", tag = "chat", params(("id" = String, Path)),
    responses((status = 200, body = Vec<RuleStats>)))]
async fn rule_stats(
    State(chat): State<Arc<Chat>>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<RuleStats>>> {
    chat.db.widget(&id).await?;
    let rows = chat.db.proactive_rules(&id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| RuleStats {
                name: serde_json::from_str::<Value>(&r.spec)
                    .ok()
                    .and_then(|v| v.get("name").and_then(|n| n.as_str()).map(str::to_owned))
                    .unwrap_or_default(),
                rule_id: r.id,
                shown: r.shown,
                accepted: r.accepted,
                closed: r.closed,
                expired: r.expired,
            })
            .collect(),
    ))
}
