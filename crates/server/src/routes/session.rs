//! `/api/v1/session`: password sign-in for browsers.
//!
//! The session id travels in an HttpOnly, SameSite=Lax cookie; writes made
//! with the cookie must also send the CSRF token returned here in the
//! `X-CSRF-Token` header.

use std::time::Instant;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use switchboard_store::agents::Agent;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::principal::{session_cookie, Via};
use crate::auth::{password, secret, Principal};
use crate::client_addr::ClientAddr;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(sign_in, current, sign_out))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    email: String,
    password: String,
}

// Deliberately no Debug: it holds a password.

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionInfo {
    /// The signed-in agent; absent when the caller is an API token not bound to an agent.
    agent: Option<Agent>,
    /// Send as `X-CSRF-Token` with every cookie-authenticated write.
    csrf_token: Option<String>,
    roles: Vec<switchboard_core::access::Role>,
}

/// Sign in with email and password. Ten attempts for one email from one
/// client address (IPv6: one /64) within 15 minutes block further tries for
/// that email from that address (429); thirty attempts from one address
/// block it for any email; other addresses are not affected.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = Credentials,
    responses((status = 200, body = SessionInfo, headers(("set-cookie" = String, description = "the session cookie")))))]
async fn sign_in(
    State(s): State<AppState>,
    client: ClientAddr,
    ApiJson(c): ApiJson<Credentials>,
) -> ApiResult<impl IntoResponse> {
    let email = c.email.trim().to_lowercase();
    let now = Instant::now();
    let address = client.bucket();
    if !s.login_limiter.begin(&address, &email, now) {
        return Err(ApiError::TooManyRequests);
    }
    let found = s.db.agent_credentials(&email).await?;
    let (agent, hash) = match found {
        Some((a, h)) => (Some(a), Some(h)),
        None => (None, None),
    };
    let ok = password::verify(c.password, hash).await;
    let agent = match agent {
        Some(a) if ok && a.active => a,
        _ => return Err(ApiError::Unauthorized),
    };
    s.login_limiter.succeeded(&address, &email);
    // Sign-ins are rare enough to carry the housekeeping of old sessions.
    s.db.delete_expired_sessions().await?;
    let session_id = secret::random_secret();
    let csrf = secret::random_secret();
    let ttl = jiff::SignedDuration::from_hours(i64::from(s.config.session_hours));
    let expires = jiff::Timestamp::now()
        .checked_add(ttl)
        .map_err(anyhow::Error::from)?;
    s.db.create_session(
        &secret::digest(&session_id),
        &agent.id,
        &csrf,
        &switchboard_core::time::format(expires),
    )
    .await?;
    let cookie = format!(
        "{}={session_id}; HttpOnly; SameSite=Lax; Path=/; Max-Age={}{}",
        session_cookie(s.config.secure_cookies),
        ttl.as_secs(),
        if s.config.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    );
    let roles = agent.roles.clone();
    Ok((
        [(header::SET_COOKIE, cookie)],
        Json(SessionInfo {
            agent: Some(agent),
            csrf_token: Some(csrf),
            roles,
        }),
    ))
}

/// Who the caller is (works for sessions and API tokens).
#[utoipa::path(get, path = "/api/v1/session", tag = "session", responses((status = 200, body = SessionInfo)))]
async fn current(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
) -> ApiResult<Json<SessionInfo>> {
    let agent = match &who.agent_id {
        Some(id) => Some(s.db.agent(id).await?),
        None => None,
    };
    let csrf_token = match &who.via {
        Via::Session { id_hash } => match s.db.session_holder(id_hash).await? {
            Some(switchboard_store::credentials::Holder::Session { csrf_token, .. }) => {
                Some(csrf_token)
            }
            _ => None,
        },
        Via::Token { .. } => None,
    };
    Ok(Json(SessionInfo {
        agent,
        csrf_token,
        roles: who.roles,
    }))
}

/// Sign out: the session ends on the server and the cookie is cleared.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session", responses((status = 204)))]
async fn sign_out(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
) -> ApiResult<impl IntoResponse> {
    if let Via::Session { id_hash } = &who.via {
        s.db.delete_session(id_hash).await?;
    }
    let clear = format!(
        "{}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0{}",
        session_cookie(s.config.secure_cookies),
        if s.config.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    );
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear)]))
}
