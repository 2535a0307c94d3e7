//! The authenticated caller of a request.

use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts, Method};
use switchboard_core::access::{Permission, Role};
use switchboard_store::activities::Author;
use switchboard_store::audit::Actor as AuditActor;
use switchboard_store::credentials::Holder;
use switchboard_store::Db;

use super::secret::{constant_time_eq, digest};
use crate::error::ApiError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "sb_session";
/// Over HTTPS the cookie carries the `__Host-` prefix: browsers then accept
/// it only with `Secure`, `Path=/` and no `Domain`, so a sibling subdomain
/// cannot plant or overwrite it.
pub const SECURE_SESSION_COOKIE: &str = "__Host-sb_session";

/// The session cookie's name for this server (`__Host-` when cookies are
/// marked Secure; browsers refuse the prefix on plain HTTP).
pub fn session_cookie(secure: bool) -> &'static str {
    if secure {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}
pub const CSRF_HEADER: &str = "x-csrf-token";

#[derive(Debug, Clone)]
pub struct Principal {
    /// The agent acting, when there is one (sessions always; tokens when bound).
    pub agent_id: Option<String>,
    /// Shown as the author of what the caller writes.
    pub name: String,
    pub roles: Vec<Role>,
    pub via: Via,
}

#[derive(Debug, Clone)]
pub enum Via {
    Token { token_id: String },
    Session { id_hash: String },
}

impl Principal {
    pub fn may(&self, p: Permission) -> bool {
        p.allows(&self.roles)
    }

    /// 403 unless the caller holds `p`.
    pub fn require(&self, p: Permission) -> Result<(), ApiError> {
        if self.may(p) {
            Ok(())
        } else {
            let roles: Vec<_> = p.roles().iter().map(|r| r.as_str()).collect();
            Err(ApiError::Forbidden(format!(
                "this needs one of the roles: {}",
                roles.join(", ")
            )))
        }
    }

    /// Who the audit log names for this caller's configuration changes.
    pub fn audit_actor(&self) -> AuditActor {
        AuditActor {
            agent_id: self.agent_id.clone(),
            name: self.name.clone(),
            via: match &self.via {
                Via::Token { token_id } => format!("token:{token_id}"),
                Via::Session { .. } => "session".into(),
            },
        }
    }

    pub fn author(&self) -> Author {
        Author {
            agent_id: self.agent_id.clone(),
            name: self.name.clone(),
        }
    }
}

/// Reads one cookie's value from the request.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                .and_then(|v| {
                    v.strip_prefix("Bearer ")
                        .or_else(|| v.strip_prefix("bearer "))
                })
                .ok_or(ApiError::Unauthorized)?;
            return match state.db.token_holder(&digest(token.trim())).await? {
                Some(Holder::Token { token, agent_name }) => Ok(Principal {
                    name: agent_name.unwrap_or_else(|| format!("API token {}", token.name)),
                    agent_id: token.agent_id,
                    roles: vec![token.role.0],
                    via: Via::Token { token_id: token.id },
                }),
                _ => Err(ApiError::Unauthorized),
            };
        }
        let Some(session) = cookie(parts, session_cookie(state.config.secure_cookies)) else {
            return Err(ApiError::Unauthorized);
        };
        let id_hash = digest(session);
        let Some(Holder::Session {
            agent_id,
            csrf_token,
        }) = state.db.session_holder(&id_hash).await?
        else {
            return Err(ApiError::Unauthorized);
        };
        // Cookies ride along on cross-site requests; a write must also carry
        // the CSRF token, which only our own pages can read.
        if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !constant_time_eq(sent, &csrf_token) {
                return Err(ApiError::Forbidden(format!(
                    "missing or wrong {CSRF_HEADER} header (cookie-authenticated writes need the CSRF token from sign-in)"
                )));
            }
        }
        let agent = state.db.agent(&agent_id).await?;
        Ok(Principal {
            agent_id: Some(agent.id),
            name: agent.name,
            roles: agent.roles,
            via: Via::Session { id_hash },
        })
    }
}

impl Principal {
    /// Whether the credentials behind this principal still hold, and with
    /// which roles now: for long-lived connections that outlast a logout, an
    /// expiry, a revocation, a deactivation or a change of roles.
    pub async fn recheck(&self, db: &switchboard_store::Db) -> Option<Vec<Role>> {
        match &self.via {
            Via::Token { token_id } => {
                let token = db.token(token_id).await.ok()?;
                if token.revoked_at.is_some() {
                    return None;
                }
                if let Some(agent_id) = &token.agent_id {
                    let agent = db.agent(agent_id).await.ok()?;
                    if !agent.active || !agent.roles.contains(&token.role.0) {
                        return None;
                    }
                }
                Some(vec![token.role.0])
            }
            Via::Session { id_hash } => match db.session_holder(id_hash).await.ok()? {
                Some(Holder::Session { agent_id, .. }) => {
                    Some(db.agent(&agent_id).await.ok()?.roles)
                }
                _ => None,
            },
        }
    }
}

/// The store, with the configuration changes written through it recorded
/// in the audit log as the caller's (in the change's own transaction).
/// Configuration handlers take this instead of `State<Db>`.
pub struct Audited(pub Db);

impl FromRequestParts<AppState> for Audited {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let who = match parts.extensions.get::<Principal>() {
            Some(p) => p.clone(),
            None => Principal::from_request_parts(parts, state).await?,
        };
        Ok(Audited(state.db.acting(who.audit_actor())))
    }
}
