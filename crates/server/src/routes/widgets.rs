//! Admin API of chat widgets and their proactive rules.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;
use switchboard_core::chat::proactive::{
    parse_rules, pick, Condition, InviteHistory, ProactiveRule, ProactiveRuleSpec, VisitorFacts,
};
use switchboard_core::validation::Check;
use switchboard_store::chat::WidgetRow;
use switchboard_store::StoreError;
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
        .routes(routes!(test_rules))
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
    check_rule_queues(&chat, &rules).await?;
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

/// Each rule's queue, when it names one, exists.
async fn check_rule_queues(chat: &Chat, rules: &[ProactiveRule]) -> ApiResult<()> {
    let mut c = Check::new();
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
    Ok(c.finish(|| ())?)
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

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProactiveTestInput {
    /// The page's address, as the widget reports it (up to 2,000
    /// characters, not blank).
    #[schema(value_type = switchboard_core::api_schema::UrlPattern, required = true)]
    url: Option<String>,
    /// When (RFC 3339); default now.
    #[schema(value_type = Option<String>, format = DateTime)]
    at: Option<String>,
    /// Time spent on the page (0–86,400). Without it the rules are judged
    /// as at page load: time on page is not checked and an invitation
    /// would show after the rule's `time_on_page_seconds`.
    #[schema(minimum = 0, maximum = 86400)]
    seconds_on_page: Option<u32>,
    /// The visitor's country, ISO 3166-1 alpha-2.
    #[schema(pattern = "^[A-Za-z]{2}$")]
    country: Option<String>,
    /// Seen in an earlier session (default false: a new visitor).
    #[serde(default)]
    returning: bool,
    /// Signed in on the host site (default false).
    #[serde(default)]
    authenticated: bool,
    /// Pages visited in this session, this one included (1–100,000; default 1).
    #[schema(minimum = 1, maximum = 100000)]
    pages_in_session: Option<u32>,
    /// A known contact whose category and custom attributes the rules' targets test.
    #[schema(value_type = Option<switchboard_core::api_schema::RecordId>)]
    contact_id: Option<String>,
    /// A draft list in the form `PUT …/proactive-rules` takes, tested
    /// instead of the saved rules (nothing is saved).
    #[schema(max_items = 50)]
    rules: Option<Vec<ProactiveRuleSpec>>,
}

/// One rule's verdict for the visitor.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProactiveVerdict {
    /// Its place in the list (from 0).
    pub index: usize,
    /// Null for a draft rule not saved yet.
    pub rule_id: Option<String>,
    pub name: String,
    pub priority: i32,
    /// Every condition holds: the rule would invite (agent availability aside).
    pub invites: bool,
    /// The conditions that do not hold, in the order they are checked.
    pub failed: Vec<Condition>,
    /// The rule also waits for an available agent (not checked here).
    pub only_when_agent_available: bool,
}

/// The rule that would invite first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FirstInvitation {
    pub index: usize,
    pub rule_id: Option<String>,
    pub name: String,
    /// After how long on the page the invitation would show.
    pub after_seconds: u32,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProactiveTestAnswer {
    /// The widget's proactive chat switch; when off nobody is invited,
    /// whatever the rules say.
    pub proactive_enabled: bool,
    /// The instant the rules were judged at.
    pub at: String,
    /// Of the rules that invite, the one with the lowest priority number
    /// (the first in the list among equals); null when none does.
    pub first: Option<FirstInvitation>,
    pub rules: Vec<ProactiveVerdict>,
    /// Whether the draft rules sent were tested (else the saved ones).
    pub draft: bool,
}

/// Test the proactive rules: would they invite a visitor on this URL, at
/// this time, after this long on the page, from this country (new or
/// returning, pages visited, a known contact)? For each rule, whether it
/// invites and which conditions fail, with the core's own matcher; and the
/// rule that would invite first. The visitor is taken as never invited
/// before (frequency caps allow), and agent availability is not checked.
/// Saved rules, or a draft list; nothing is saved.
#[utoipa::path(post, path = "/api/v1/widgets/{id}/proactive-rules/test", tag = "chat", params(("id" = String, Path)),
    request_body = ProactiveTestInput, responses((status = 200, body = ProactiveTestAnswer),
    (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn test_rules(
    State(chat): State<Arc<Chat>>,
    Path(id): Path<String>,
    ApiJson(i): ApiJson<ProactiveTestInput>,
) -> ApiResult<Json<ProactiveTestAnswer>> {
    let widget = chat.widget(&id).await?;
    let mut c = Check::new();
    let url = c.required_text("url", i.url, 2000).unwrap_or_default();
    let now = match &i.at {
        None => Some(jiff::Timestamp::now()),
        Some(at) => {
            let t = switchboard_core::time::parse(at);
            if t.is_none() {
                c.fail("at", "invalid", "must be an RFC 3339 instant");
            }
            t
        }
    };
    let country = i.country.map(|s| s.trim().to_owned());
    if country
        .as_deref()
        .is_some_and(|s| s.len() != 2 || !s.chars().all(|ch| ch.is_ascii_alphabetic()))
    {
        c.fail(
            "country",
            "invalid",
            "must be two letters (ISO 3166-1 alpha-2)",
        );
    }
    if i.seconds_on_page.is_some_and(|s| s > 86_400) {
        c.fail(
            "seconds_on_page",
            "out_of_range",
            "must be between 0 and 86400",
        );
    }
    let pages = i.pages_in_session.unwrap_or(1);
    if !(1..=100_000).contains(&pages) {
        c.fail(
            "pages_in_session",
            "out_of_range",
            "must be between 1 and 100000",
        );
    }
    let contact = match &i.contact_id {
        Some(cid) => match chat.db.contact(cid).await {
            Ok(contact) => Some(contact),
            Err(StoreError::NotFound(_)) => {
                c.fail("contact_id", "unknown", "no contact has this id");
                None
            }
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let draft = i.rules.is_some();
    let (rules, ids) = match i.rules {
        Some(specs) => {
            let ids: Vec<Option<String>> = specs.iter().map(|s| s.id.clone()).collect();
            // Every problem at once: the visitor's and the rules'.
            let rules = match parse_rules(specs, widget.language(), switchboard_store::new_id) {
                Ok(rules) => rules,
                Err(e) => {
                    for f in e.0 {
                        c.fail(&f.field, &f.code, f.message);
                    }
                    Vec::new()
                }
            };
            (rules, ids)
        }
        None => {
            let ids = widget.rules.iter().map(|r| Some(r.id.clone())).collect();
            (widget.rules.clone(), ids)
        }
    };
    c.finish(|| ())?;
    if draft {
        check_rule_queues(&chat, &rules).await?;
    }
    let now = now.unwrap_or_else(jiff::Timestamp::now);
    let facts = VisitorFacts {
        now,
        returning: i.returning,
        authenticated: i.authenticated,
        contact_category: contact.as_ref().and_then(|c| c.category.as_deref()),
        contact_attributes: contact.as_ref().map(|c| &c.custom),
        url: &url,
        country: country.as_deref(),
        pages_in_session: pages,
        seconds_on_page: i.seconds_on_page,
    };
    let never = InviteHistory::default();
    let verdicts = rules
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let failed = r.failed_conditions(&facts, never);
            ProactiveVerdict {
                index: k,
                rule_id: ids[k].clone(),
                name: r.spec.name.clone(),
                priority: r.spec.priority,
                invites: failed.is_empty(),
                failed,
                only_when_agent_available: r.spec.only_when_agent_available,
            }
        })
        .collect();
    let first = pick(&rules, &facts, |_| never).and_then(|r| {
        let index = rules.iter().position(|x| std::ptr::eq(x, r))?;
        Some(FirstInvitation {
            index,
            rule_id: ids[index].clone(),
            name: r.spec.name.clone(),
            after_seconds: r.spec.time_on_page_seconds,
        })
    });
    Ok(Json(ProactiveTestAnswer {
        proactive_enabled: widget.settings.proactive_enabled,
        at: switchboard_core::time::format(now),
        first,
        rules: verdicts,
        draft,
    }))
}
