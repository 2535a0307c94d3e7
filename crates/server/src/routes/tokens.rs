//! `/api/v1/tokens`: bearer tokens for integrations. The secret is shown once
//! at creation; only its SHA-256 digest is stored.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use switchboard_core::access::Role;
use switchboard_core::validation::{limits, Check};
use switchboard_store::credentials::{ApiToken, NewToken};
use switchboard_store::Db;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::created;
use crate::auth::Audited;
use crate::auth::{secret, Principal};
use crate::error::ApiResult;
use crate::extract::ApiJson;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(revoke))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenInput {
    /// A label saying what uses the token.
    #[schema(value_type = switchboard_core::api_schema::Name, required = true)]
    name: Option<String>,
    role: Role,
    /// The agent the token acts as (author of notes it writes).
    #[schema(value_type = Option<switchboard_core::api_schema::RecordId>)]
    agent_id: Option<String>,
    /// When the token stops working (RFC 3339, in the future, at most ten
    /// years ahead); none: until revoked.
    #[schema(format = DateTime)]
    expires_at: Option<String>,
}

/// Ten years: a bound that still catches a year typed wrong.
const MAX_LIFETIME: jiff::SignedDuration = jiff::SignedDuration::from_hours(24 * 3653);

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    token: ApiToken,
    /// The bearer secret. Shown this once; store it now.
    secret: String,
}

/// List tokens (without their secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", responses((status = 200, body = Vec<ApiToken>)))]
async fn list(State(db): State<Db>) -> ApiResult<Json<Vec<ApiToken>>> {
    Ok(Json(db.tokens().await?))
}

/// Create a token; its secret is in the answer and nowhere else.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = TokenInput,
    responses((status = 201, body = CreatedToken)))]
async fn create(
    Audited(db): Audited,
    Extension(who): Extension<Principal>,
    ApiJson(input): ApiJson<TokenInput>,
) -> ApiResult<impl IntoResponse> {
    let mut c = Check::new();
    let name = c.required_text("name", input.name, limits::NAME);
    let agent_id = c.optional_id("agent_id", input.agent_id);
    let expires_at = input.expires_at.and_then(|text| {
        let now = jiff::Timestamp::now();
        match switchboard_core::time::parse(&text) {
            None => {
                c.fail(
                    "expires_at",
                    "format",
                    "must be an RFC 3339 time, e.g. 2027-01-31T00:00:00Z",
                );
                None
            }
            Some(at) if at <= now => {
                c.fail("expires_at", "past", "must be in the future");
                None
            }
            Some(at) if at.duration_since(now) > MAX_LIFETIME => {
                c.fail("expires_at", "too_far", "must be at most ten years ahead");
                None
            }
            Some(at) => Some(switchboard_core::time::format(at)),
        }
    });
    c.finish(|| ())?;
    if let Some(a) = &agent_id {
        use switchboard_core::Invalid;
        let problem = match db.agent(a).await {
            Err(switchboard_store::StoreError::NotFound(_)) => {
                Some(("unknown", "no agent has this id"))
            }
            Err(e) => return Err(e.into()),
            Ok(agent) if !agent.active => Some(("inactive", "the agent is deactivated")),
            Ok(agent) if !agent.roles.contains(&input.role) => Some((
                "role",
                "the agent does not have this role; a token cannot do more than its agent",
            )),
            Ok(_) => None,
        };
        if let Some((code, message)) = problem {
            return Err(Invalid::one("agent_id", code, message).into());
        }
    }
    let plain = secret::new_api_token();
    let name = name.unwrap_or_default();
    let token = db
        .create_token_with(
            NewToken {
                name: &name,
                role: input.role,
                agent_id: agent_id.as_deref(),
                expires_at: expires_at.as_deref(),
                created_by: Some(&who.name),
            },
            &secret::digest(&plain),
        )
        .await?;
    Ok(created(
        format!("/api/v1/tokens/{}", token.id),
        CreatedToken {
            token,
            secret: plain,
        },
    ))
}

/// Revoke a token; it stops working at once. Revoking twice is harmless.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens", params(("id" = String, Path)),
    responses((status = 204)))]
async fn revoke(Audited(db): Audited, Path(id): Path<String>) -> ApiResult<StatusCode> {
    db.token(&id).await?;
    db.revoke_token(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}
