//! The widget's endpoints, called from visitors' browsers on the host site:
//! `/widget/v1/{widget_id}/…` (contract in `docs/chat.md`).
//!
//! `guard` runs before routing for every such path: the request must come
//! from an origin the widget allows (others get 403 and no CORS headers, so
//! the browser refuses the answer too), preflights are answered, and each IP
//! address is rate limited. Then a visitor token names the visitor; it
//! reaches only that visitor's conversations.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::{header, request::Parts, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use switchboard_core::chat::client::parse_user_agent;
use switchboard_core::chat::proactive::{
    matching, InviteHistory, VisitorFacts, INVITATION_SECONDS,
};
use switchboard_core::language;
use switchboard_core::validation::Check;
use switchboard_core::{time, Invalid};
use switchboard_store::chat::{ConversationRow, VisitorDetails};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::chat::conversation::{self, StartRequest, VisitorConversation};
use crate::chat::settings::Widget;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;

pub const PREFIX: &str = "/widget/v1/";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(config))
        .routes(routes!(register))
        .routes(routes!(track))
        .routes(routes!(invite))
        .routes(routes!(decide))
        .routes(routes!(start))
        .routes(routes!(get_conversation))
        .routes(routes!(messages))
        .routes(routes!(transcript))
        .routes(routes!(rate))
}

/// The widget a request is for, put in its extensions by `guard`.
#[derive(Clone)]
pub struct ForWidget(pub Arc<Widget>);

fn cors(response: &mut Response, origin: &str) {
    let h = response.headers_mut();
    if let Ok(o) = HeaderValue::from_str(origin) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
    }
    h.insert(header::VARY, HeaderValue::from_static("Origin"));
}

/// The server's own origin as the browser addressed it: `http(s)://` and
/// the `Host` header (https when a proxy says so with `X-Forwarded-Proto`,
/// or when the configured public URL is https on this host).
fn own_origin(headers: &HeaderMap, s: &AppState) -> Option<String> {
    let host = headers
        .get(header::HOST)?
        .to_str()
        .ok()?
        .to_ascii_lowercase();
    let valid = !host.is_empty()
        && host.len() <= 200
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !valid {
        return None;
    }
    let forwarded_https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    let public_https = s.config.public_url.as_deref().is_some_and(|u| {
        u.to_ascii_lowercase()
            .trim_end_matches('/')
            .eq(&format!("https://{host}"))
    });
    let scheme = if forwarded_https || public_https {
        "https"
    } else {
        "http"
    };
    Some(format!("{scheme}://{host}"))
}

/// The origin of a request that carries no `Origin` header, when the
/// browser says it comes from a page of the server itself: `Sec-Fetch-Site:
/// same-origin` (a header pages cannot set), or, from browsers that send no
/// `Sec-Fetch-Site`, a `Referer` on the server's own origin. Anything else
/// (a request with no such evidence) has no origin and is refused.
pub fn same_origin(headers: &HeaderMap, s: &AppState) -> Option<String> {
    let own = own_origin(headers, s)?;
    match headers
        .get("sec-fetch-site")
        .map(|v| v.to_str().unwrap_or(""))
    {
        Some(site) => site.eq_ignore_ascii_case("same-origin").then_some(own),
        None => {
            let referer = headers.get(header::REFERER)?.to_str().ok()?;
            let referer = url::Url::parse(referer).ok()?;
            (referer.origin().ascii_serialization() == own).then_some(own)
        }
    }
}

/// Origin allow-list, preflights and the per-IP rate limit, before routing.
/// The widget's CORS preflights, outside routing (no route answers
/// `OPTIONS`). Every other request meets [`guard`] after routing, so that a
/// method the endpoint does not serve is a plain 405.
pub async fn preflight(state: State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::OPTIONS {
        return next.run(req).await;
    }
    guard(state, req, next).await
}

pub async fn guard(State(s): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return next.run(req).await;
    };
    let widget_id = rest.split('/').next().unwrap_or("").to_owned();
    // The client's address after the operator's trusted proxies; IPv6
    // counted per /64, so rotating addresses buys no new bucket.
    let ip = crate::client_addr::bucket(crate::client_addr::of_request(
        &req,
        &s.config.trusted_proxies,
    ));
    if !s.chat.per_ip.allow(&ip, Instant::now()) {
        return ApiError::TooManyRequests.into_response();
    }
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // Browsers send no Origin on a same-origin GET: the page is then the
    // server's own origin, judged against the allow-list like any other.
    let Some(origin) = origin.or_else(|| same_origin(req.headers(), &s)) else {
        return ApiError::Forbidden(
            "the widget's endpoints answer pages of allowed origins only (no Origin header, and no sign of a same-origin request)".into(),
        )
        .into_response();
    };
    let widget = match s.chat.widget(&widget_id).await {
        Ok(w) => w,
        Err(e) => return ApiError::from(e).into_response(),
    };
    if !widget.allows(&origin) {
        return ApiError::Forbidden(format!("origin {origin} is not allowed for this widget"))
            .into_response();
    }
    if req.method() == Method::OPTIONS {
        let mut r = StatusCode::NO_CONTENT.into_response();
        cors(&mut r, &origin);
        let h = r.headers_mut();
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type"),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        return r;
    }
    req.extensions_mut().insert(ForWidget(widget));
    let mut r = next.run(req).await;
    cors(&mut r, &origin);
    r
}

/// A request signed with a visitor token of this widget.
pub struct VisitorAuth {
    pub widget: Arc<Widget>,
    pub visitor_id: String,
}

impl FromRequestParts<AppState> for VisitorAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let widget = widget_of(&parts.extensions)?;
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(ApiError::Unauthorized)?;
        VisitorAuth::from_token(state, widget, token)
    }
}

impl VisitorAuth {
    /// The visitor a token of this widget names, if it is valid now.
    pub fn from_token(state: &AppState, widget: Arc<Widget>, token: &str) -> ApiResult<Self> {
        let claims = state
            .chat
            .key
            .verify(token, &widget.id, jiff::Timestamp::now().as_second())
            .ok_or_else(|| {
                ApiError::Unauthenticated(
                    "the visitor token is not valid or has expired; register again".into(),
                )
            })?;
        Ok(VisitorAuth {
            widget,
            visitor_id: claims.visitor_id,
        })
    }
}

fn widget_of(parts: &axum::http::Extensions) -> ApiResult<Arc<Widget>> {
    Ok(parts
        .get::<ForWidget>()
        .ok_or(ApiError::NotFound("widget"))?
        .0
        .clone())
}

// ---------------------------------------------------------------- config

#[derive(Serialize, utoipa::ToSchema)]
pub struct WidgetConfig {
    widget_id: String,
    name: String,
    /// `name` in other languages (`{"fr": "…"}`); the widget shows the
    /// visitor's, else `name`.
    name_translations: BTreeMap<String, String>,
    color: String,
    /// `#000000` or `#ffffff`: whichever has the higher WCAG 2 contrast
    /// ratio on `color`.
    text_color: String,
    position: crate::chat::settings::Position,
    default_language: String,
    #[schema(value_type = Vec<Object>)]
    survey: Vec<switchboard_core::chat::survey::SurveyQuestion>,
    proactive_enabled: bool,
    /// Ask for a rating when a chat ends.
    csat_enabled: bool,
}

/// What the widget needs to draw itself.
#[utoipa::path(get, path = "/widget/v1/{widget_id}/config", tag = "widget (visitors)",
    params(("widget_id" = String, Path)), responses((status = 200, body = WidgetConfig)))]
async fn config(req: Request) -> ApiResult<Json<WidgetConfig>> {
    let w = widget_of(req.extensions())?;
    let color = w
        .settings
        .color
        .clone()
        .unwrap_or_else(|| crate::chat::settings::DEFAULT_COLOR.into());
    Ok(Json(WidgetConfig {
        widget_id: w.id.clone(),
        name: w.settings.name.clone(),
        name_translations: w.settings.name_translations.clone(),
        color: color.clone(),
        text_color: switchboard_core::chat::contrast::text_colour(&color)
            .unwrap_or("#ffffff")
            .into(),
        position: w.settings.position,
        default_language: w.language().to_owned(),
        survey: w.settings.survey.clone(),
        proactive_enabled: w.settings.proactive_enabled,
        csat_enabled: w.settings.csat_enabled,
    }))
}

// ---------------------------------------------------------------- visitors

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterInput {
    visitor_id: Option<String>,
    session_id: Option<String>,
    /// The host site's JWT for a signed-in user.
    auth_token: Option<String>,
    language: Option<String>,
    time_zone: Option<String>,
    referrer: Option<String>,
    screen: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Registration {
    visitor_id: String,
    session_id: String,
    token: String,
    returning: bool,
    authenticated: bool,
    contact_id: Option<String>,
    /// The visitor's open conversation, to resume.
    conversation: Option<VisitorConversation>,
}

/// Registers (or recognises) the visitor and gives it a token. An invalid
/// `auth_token` is refused with 401.
#[utoipa::path(post, path = "/widget/v1/{widget_id}/visitors", tag = "widget (visitors)",
    params(("widget_id" = String, Path)), request_body = RegisterInput,
    responses((status = 200, body = Registration), (status = 401, body = crate::error::Problem)))]
async fn register(
    State(s): State<AppState>,
    Path(_widget_id): Path<String>,
    axum::Extension(ForWidget(widget)): axum::Extension<ForWidget>,
    headers: axum::http::HeaderMap,
    ApiJson(i): ApiJson<RegisterInput>,
) -> ApiResult<Json<Registration>> {
    let mut c = Check::new();
    let visitor_id = c.optional_id("visitor_id", i.visitor_id);
    let session_id = c.optional_id("session_id", i.session_id);
    let language = c
        .optional_text("language", i.language, 35)
        .and_then(|l| switchboard_core::validation::normalize_locale(&l));
    let time_zone = i
        .time_zone
        .filter(|z| z.len() <= 64 && jiff::tz::TimeZone::get(z).is_ok());
    let referrer = c.optional_text("referrer", i.referrer, 2000);
    let _ = c.optional_text("screen", i.screen, 20);
    c.finish(|| ())?;
    let mut details = VisitorDetails::default();
    if let Some(token) = i.auth_token.as_deref().filter(|t| !t.is_empty()) {
        let verifier = widget.verifier.as_ref().ok_or_else(|| {
            ApiError::Unauthenticated("this widget does not accept authenticated visitors".into())
        })?;
        let claims = verifier.verify(token).map_err(ApiError::Unauthenticated)?;
        details.authenticated = true;
        // The host site vouches for the email in its token: that (and only
        // that) may link the visitor to an existing customer by address.
        let by_email = match claims.email.as_deref() {
            Some(e) => s.db.contact_id_by_email(e).await?,
            None => None,
        };
        let by_sub = s.db.contact_id_by_external_id(&claims.sub).await?;
        details.contact_id = Some(match (by_sub, by_email) {
            (Some(id), _) | (None, Some(id)) => id,
            (None, None) => {
                let (first, last) = match claims.name.as_deref() {
                    Some(n) => conversation::split_name(n),
                    None => (Some("Signed-in visitor".to_owned()), None),
                };
                let draft = switchboard_core::records::ContactDraft::parse(
                    switchboard_core::records::ContactInput {
                        first_name: first,
                        last_name: last,
                        email: claims.email.clone(),
                        phone: claims.phone.clone(),
                        external_id: Some(claims.sub.clone()),
                        ..Default::default()
                    },
                )?;
                match s.db.create_contact(&draft).await {
                    Ok(c) => c.id,
                    // Two first visits racing: the other one made it.
                    Err(_) => {
                        s.db.contact_id_by_external_id(&claims.sub)
                            .await?
                            .ok_or(ApiError::Conflict("could not record the contact".into()))?
                    }
                }
            }
        });
    }
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let client = parse_user_agent(&ua.chars().take(1000).collect::<String>());
    details.browser = client.browser;
    details.browser_version = client.browser_version;
    details.os = client.os;
    details.device = serde_json::to_value(client.device)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into());
    // Without a GeoIP database, the country is what the browser's language says (fr-CA → CA).
    details.country = language
        .as_deref()
        .and_then(|l| l.split('-').nth(1))
        .filter(|r| r.len() == 2)
        .map(str::to_ascii_uppercase);
    details.language = language;
    details.time_zone = time_zone;
    details.referrer = referrer;
    let reg =
        s.db.register_visitor(
            &widget.id,
            visitor_id.as_deref(),
            session_id.as_deref(),
            &details,
        )
        .await?;
    let token = s.chat.key.issue(
        &widget.id,
        &reg.visitor.id,
        jiff::Timestamp::now().as_second(),
    );
    let conversation = match s.db.open_conversation(&reg.visitor.id).await? {
        Some(c) => Some(conversation::visitor_view(&s.chat, &c).await),
        None => None,
    };
    Ok(Json(Registration {
        visitor_id: reg.visitor.id,
        session_id: reg.session_id,
        token,
        returning: reg.returning,
        authenticated: reg.visitor.authenticated != 0,
        contact_id: reg.visitor.contact_id,
        conversation,
    }))
}

// ---------------------------------------------------------------- journey

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    session_id: String,
    /// `page`, `search`, `article` or `action`.
    #[serde(rename = "type")]
    kind: String,
    url: Option<String>,
    title: Option<String>,
    query: Option<String>,
    article_id: Option<String>,
    name: Option<String>,
    #[schema(value_type = Option<Object>)]
    data: Option<Value>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Candidate {
    rule_id: String,
    /// Seconds after the page load at which to ask for the invitation.
    after_seconds: u32,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventAnswer {
    invitation: Option<Candidate>,
}

fn visitor_limit(s: &AppState, visitor: &str) -> ApiResult<()> {
    if s.chat.per_visitor.allow(visitor, Instant::now()) {
        Ok(())
    } else {
        Err(ApiError::TooManyRequests)
    }
}

/// Records a journey action; a page visit answers with the proactive rule
/// that may invite on this page, if any.
#[utoipa::path(post, path = "/widget/v1/{widget_id}/events", tag = "widget (visitors)",
    params(("widget_id" = String, Path)), request_body = EventInput,
    responses((status = 200, body = EventAnswer)))]
async fn track(
    State(s): State<AppState>,
    Path(_widget_id): Path<String>,
    v: VisitorAuth,
    ApiJson(i): ApiJson<EventInput>,
) -> ApiResult<Json<EventAnswer>> {
    visitor_limit(&s, &v.visitor_id)?;
    let mut c = Check::new();
    let url_given = i.url.as_deref().is_some_and(|u| !u.trim().is_empty());
    let url = c.optional_text("url", i.url, 2000);
    let title = c.optional_text("title", i.title, 500);
    let session_id = c
        .required_text("session_id", Some(i.session_id), 64)
        .unwrap_or_default();
    let detail = match i.kind.as_str() {
        "page" => {
            if !url_given {
                c.fail("url", "required", "a page visit needs its url");
            }
            None
        }
        "search" => {
            let q = c.required_text("query", i.query, 500);
            q.map(|q| json!({"query": q}))
        }
        "article" => {
            let id = c.required_text("article_id", i.article_id, 200);
            id.map(|id| json!({"article_id": id}))
        }
        "action" => {
            let name = c.required_text("name", i.name, 200);
            let data = i.data.unwrap_or(Value::Null);
            if data.to_string().len() > 4096 {
                c.fail("data", "too_long", "at most 4 KiB of JSON");
            }
            name.map(|n| json!({"name": n, "data": data}))
        }
        _ => {
            c.fail("type", "invalid", "must be page, search, article or action");
            None
        }
    };
    c.finish(|| ())?;
    let detail = detail.map(|d| d.to_string());
    s.db.add_journey(
        &v.visitor_id,
        &session_id,
        &i.kind,
        url.as_deref(),
        title.as_deref(),
        detail.as_deref(),
    )
    .await?;
    if i.kind != "page" {
        return Ok(Json(EventAnswer { invitation: None }));
    }
    let url = url.unwrap_or_default();
    let rule = proactive_candidates(&s, &v, &session_id, &url, None)
        .await?
        .into_iter()
        .next();
    Ok(Json(EventAnswer {
        invitation: rule.map(|(id, after)| Candidate {
            rule_id: id,
            after_seconds: after,
        }),
    }))
}

/// The rules that may invite this visitor on this page now (all criteria,
/// agent availability included), best first.
async fn proactive_candidates(
    s: &AppState,
    v: &VisitorAuth,
    session_id: &str,
    url: &str,
    seconds_on_page: Option<u32>,
) -> ApiResult<Vec<(String, u32)>> {
    let w = &v.widget;
    if !w.settings.proactive_enabled || w.rules.is_empty() {
        return Ok(Vec::new());
    }
    if s.db.open_conversation(&v.visitor_id).await?.is_some() {
        return Ok(Vec::new());
    }
    let visitor = s.db.visitor(&v.visitor_id).await?;
    let contact = match &visitor.contact_id {
        Some(id) => s.db.contact(id).await.ok(),
        None => None,
    };
    let pages = s.db.pages_in_session(&v.visitor_id, session_id).await?;
    let history = s.db.invitation_history(&v.visitor_id, session_id).await?;
    let facts = VisitorFacts {
        now: jiff::Timestamp::now(),
        returning: visitor.sessions > 1,
        authenticated: visitor.authenticated != 0,
        contact_category: contact.as_ref().and_then(|c| c.category.as_deref()),
        contact_attributes: contact.as_ref().map(|c| &c.custom),
        url,
        country: visitor.country.as_deref(),
        pages_in_session: pages as u32,
        seconds_on_page,
    };
    let rules = matching(&w.rules, &facts, |rule| {
        history
            .iter()
            .find(|(r, _, _)| r == rule)
            .map(|(_, in_session, at)| InviteHistory {
                in_this_session: *in_session,
                last_invited_at: time::parse(at),
            })
            .unwrap_or_default()
    });
    let mut out = Vec::new();
    for r in rules {
        if r.spec.only_when_agent_available {
            let queue = r
                .spec
                .queue_id
                .clone()
                .or_else(|| w.settings.routing.queue_id.clone());
            let available = match queue {
                Some(q) => s
                    .engine
                    .stats(&q)
                    .await
                    .map(|st| st.agents_available > 0)
                    .unwrap_or(false),
                // Without a queue named, routing decides later: ask every queue.
                None => {
                    let mut any = false;
                    for q in s.db.queues().await? {
                        if q.channel == "messaging" {
                            if let Ok(st) = s.engine.stats(&q.id).await {
                                any |= st.agents_available > 0;
                            }
                        }
                    }
                    any
                }
            };
            if !available {
                continue;
            }
        }
        out.push((r.id.clone(), r.spec.time_on_page_seconds));
    }
    Ok(out)
}

// ---------------------------------------------------------------- invitations

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteInput {
    session_id: String,
    rule_id: String,
    url: String,
    seconds_on_page: u32,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Invitation {
    id: String,
    rule_id: String,
    message: String,
    expires_in_seconds: u32,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InviteAnswer {
    invitation: Option<Invitation>,
}

/// The widget's timer fired: re-checks the rule now and, if it still
/// holds, records the invitation as shown.
#[utoipa::path(post, path = "/widget/v1/{widget_id}/invitations", tag = "widget (visitors)",
    params(("widget_id" = String, Path)), request_body = InviteInput,
    responses((status = 200, body = InviteAnswer)))]
async fn invite(
    State(s): State<AppState>,
    Path(_widget_id): Path<String>,
    v: VisitorAuth,
    ApiJson(i): ApiJson<InviteInput>,
) -> ApiResult<Json<InviteAnswer>> {
    visitor_limit(&s, &v.visitor_id)?;
    let mut c = Check::new();
    let url = c
        .required_text("url", Some(i.url), 2000)
        .unwrap_or_default();
    let session_id = c
        .required_text("session_id", Some(i.session_id), 64)
        .unwrap_or_default();
    if i.seconds_on_page > 86_400 {
        c.fail("seconds_on_page", "out_of_range", "at most 86400");
    }
    c.finish(|| ())?;
    // At most one invitation at a time.
    if s.db
        .undecided_invitation(&v.visitor_id, INVITATION_SECONDS)
        .await?
        .is_some()
    {
        return Ok(Json(InviteAnswer { invitation: None }));
    }
    let candidates =
        proactive_candidates(&s, &v, &session_id, &url, Some(i.seconds_on_page)).await?;
    // The asked rule must be the best one that holds now.
    if candidates.first().map(|(id, _)| id) != Some(&i.rule_id) {
        return Ok(Json(InviteAnswer { invitation: None }));
    }
    let rule = v
        .widget
        .rules
        .iter()
        .find(|r| r.id == i.rule_id)
        .ok_or(ApiError::NotFound("rule"))?;
    let visitor = s.db.visitor(&v.visitor_id).await?;
    let language = language::language(visitor.language.as_deref(), v.widget.language());
    let inv =
        s.db.create_invitation(
            &v.visitor_id,
            &session_id,
            &rule.id,
            &url,
            i.seconds_on_page,
        )
        .await?;
    Ok(Json(InviteAnswer {
        invitation: Some(Invitation {
            id: inv.id,
            rule_id: rule.id.clone(),
            message: rule.message(language, v.widget.language()).to_owned(),
            expires_in_seconds: INVITATION_SECONDS,
        }),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideInput {
    /// `closed` (the visitor closed it) or `expired` (a minute passed).
    outcome: String,
}

/// How an invitation ended without a chat.
#[utoipa::path(post, path = "/widget/v1/{widget_id}/invitations/{id}", tag = "widget (visitors)",
    params(("widget_id" = String, Path), ("id" = String, Path)), request_body = DecideInput,
    responses((status = 200, body = Object)))]
async fn decide(
    State(s): State<AppState>,
    Path((_widget_id, id)): Path<(String, String)>,
    v: VisitorAuth,
    ApiJson(i): ApiJson<DecideInput>,
) -> ApiResult<Json<Value>> {
    visitor_limit(&s, &v.visitor_id)?;
    if !matches!(i.outcome.as_str(), "closed" | "expired") {
        return Err(Invalid::one("outcome", "invalid", "must be closed or expired").into());
    }
    let inv =
        s.db.decide_invitation(&id, &v.visitor_id, &i.outcome)
            .await?;
    Ok(Json(json!({"id": inv.id, "outcome": inv.outcome})))
}

// ---------------------------------------------------------------- conversations

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartInput {
    session_id: String,
    #[serde(default)]
    survey: BTreeMap<String, String>,
    /// Key/values from the host page's context provider.
    #[serde(default)]
    #[schema(value_type = Object)]
    context: BTreeMap<String, Value>,
    invitation_id: Option<String>,
    url: Option<String>,
}

/// Starts a chat: the survey is checked, the conversation recorded and
/// routed. Proactive when it accepts an invitation.
#[utoipa::path(post, path = "/widget/v1/{widget_id}/conversations", tag = "widget (visitors)",
    params(("widget_id" = String, Path)), request_body = StartInput,
    responses((status = 201, body = VisitorConversation), (status = 422, body = crate::error::Problem)))]
async fn start(
    State(s): State<AppState>,
    Path(_widget_id): Path<String>,
    v: VisitorAuth,
    ApiJson(i): ApiJson<StartInput>,
) -> ApiResult<Response> {
    visitor_limit(&s, &v.visitor_id)?;
    let visitor = s.db.visitor(&v.visitor_id).await?;
    let context = i
        .context
        .into_iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (k, text)
        })
        .collect();
    let language = language::language(visitor.language.as_deref(), v.widget.language()).to_owned();
    let conv = conversation::start(
        &s.chat,
        &v.widget,
        &visitor,
        StartRequest {
            session_id: i.session_id,
            survey: i.survey,
            context,
            invitation_id: i.invitation_id,
            url: i.url,
            language,
        },
    )
    .await?;
    let view = conversation::visitor_view(&s.chat, &conv).await;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// The visitor's own conversation; another's is not found.
pub async fn own(s: &AppState, v: &VisitorAuth, id: &str) -> ApiResult<ConversationRow> {
    let conv = s.db.conversation(id).await?;
    if conv.visitor_id != v.visitor_id || conv.widget_id != v.widget.id {
        return Err(ApiError::NotFound("conversation"));
    }
    Ok(conv)
}

/// One of the visitor's conversations, with its live place in line.
#[utoipa::path(get, path = "/widget/v1/{widget_id}/conversations/{id}", tag = "widget (visitors)",
    params(("widget_id" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = VisitorConversation)))]
async fn get_conversation(
    State(s): State<AppState>,
    Path((_widget_id, id)): Path<(String, String)>,
    v: VisitorAuth,
) -> ApiResult<Json<VisitorConversation>> {
    let conv = own(&s, &v, &id).await?;
    Ok(Json(conversation::visitor_view(&s.chat, &conv).await))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AfterParams {
    /// The highest `seq` already seen (default 0).
    after: Option<i64>,
}

/// Messages after `after`, oldest first, at most 500.
#[utoipa::path(get, path = "/widget/v1/{widget_id}/conversations/{id}/messages", tag = "widget (visitors)",
    params(("widget_id" = String, Path), ("id" = String, Path), AfterParams),
    responses((status = 200, body = Object)))]
async fn messages(
    State(s): State<AppState>,
    Path((_widget_id, id)): Path<(String, String)>,
    crate::extract::ApiQuery(p): crate::extract::ApiQuery<AfterParams>,
    v: VisitorAuth,
) -> ApiResult<Json<Value>> {
    let conv = own(&s, &v, &id).await?;
    let rows =
        s.db.messages_after(&conv.id, p.after.unwrap_or(0).max(0), 500)
            .await?;
    Ok(Json(json!({"messages": rows})))
}

/// At most this many messages go into a downloaded transcript.
const TRANSCRIPT_MAX_MESSAGES: usize = 20_000;

/// The visitor's own conversation as a plain-text file, in the visitor's
/// language and time zone, with who wrote each message and when. Another
/// visitor's conversation is not found.
#[utoipa::path(get, path = "/widget/v1/{widget_id}/conversations/{id}/transcript", tag = "widget (visitors)",
    params(("widget_id" = String, Path), ("id" = String, Path)),
    responses((status = 200, content_type = "text/plain", body = String),
        (status = 404, body = crate::error::Problem)))]
async fn transcript(
    State(s): State<AppState>,
    Path((_widget_id, id)): Path<(String, String)>,
    v: VisitorAuth,
) -> ApiResult<Response> {
    visitor_limit(&s, &v.visitor_id)?;
    let conv = own(&s, &v, &id).await?;
    let visitor = s.db.visitor(&v.visitor_id).await?;
    let mut rows = Vec::new();
    let mut after = 0;
    loop {
        let batch = s.db.messages_after(&conv.id, after, 500).await?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        rows.extend(batch);
        if rows.len() >= TRANSCRIPT_MAX_MESSAGES {
            rows.truncate(TRANSCRIPT_MAX_MESSAGES);
            break;
        }
    }
    let lines: Vec<switchboard_core::chat::VisitorLine<'_>> = rows
        .iter()
        .map(|m| switchboard_core::chat::VisitorLine {
            at: &m.at,
            sender: &m.sender,
            name: m.name.as_deref(),
            body: &m.body,
        })
        .collect();
    let language = language::language(visitor.language.as_deref(), v.widget.language());
    let name = v
        .widget
        .settings
        .name_translations
        .get(language)
        .unwrap_or(&v.widget.settings.name);
    let text = switchboard_core::chat::visitor_transcript(
        name,
        language,
        visitor.time_zone.as_deref(),
        &conv.started_at,
        &lines,
    );
    let date: String = conv.started_at.chars().take(10).collect();
    let date: String = date
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"chat-transcript-{date}.txt\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        text,
    )
        .into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingInput {
    /// 1 (very poor) to 5 (very good).
    #[schema(minimum = 1, maximum = 5)]
    score: Option<i64>,
    /// At most 1,000 characters.
    #[schema(max_length = 1000)]
    comment: Option<String>,
}

/// The visitor rates their own chat once it has ended (when the widget asks
/// for ratings): once; another visitor's chat is not found. The rating goes
/// on the conversation, the contact's timeline and the reports.
#[utoipa::path(post, path = "/widget/v1/{widget_id}/conversations/{id}/rating", tag = "widget (visitors)",
    params(("widget_id" = String, Path), ("id" = String, Path)), request_body = RatingInput,
    responses((status = 200, body = VisitorConversation), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn rate(
    State(s): State<AppState>,
    Path((_widget_id, id)): Path<(String, String)>,
    v: VisitorAuth,
    ApiJson(i): ApiJson<RatingInput>,
) -> ApiResult<Json<VisitorConversation>> {
    visitor_limit(&s, &v.visitor_id)?;
    let conv = own(&s, &v, &id).await?;
    if !v.widget.settings.csat_enabled {
        return Err(ApiError::Conflict(
            "this widget does not ask for ratings".into(),
        ));
    }
    let r = switchboard_core::chat::rating::Rating::parse(i.score, i.comment)?;
    let conv =
        s.db.rate_conversation(&conv.id, r.score, r.comment.as_deref(), &time::now())
            .await?;
    Ok(Json(conversation::visitor_view(&s.chat, &conv).await))
}
