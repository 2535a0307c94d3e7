//! Enforces the endpoint table (`auth::endpoints`) on every routed request.
//!
//! Access is decided in this one place rather than in each handler, and it
//! fails closed: a route missing from the table answers 403 to everyone.

use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::endpoints::{who, Who};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;

pub async fn enforce(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let method = match req.method().as_str() {
        "HEAD" => "GET",
        m => m,
    }
    .to_owned();
    // Route layers only run for matched routes; a request without a
    // template is unexpected, and closed like any unknown route.
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let rule = who(&method, &path);
    let needed = match rule {
        Some(Who::Public) => return next.run(req).await,
        Some(Who::SignedIn) => None,
        Some(Who::Needs(p)) => Some(p),
        None => {
            // A method the route does not have (TRACE, or PUT where only
            // GET exists) is 405 naming the ones it has, before any access
            // rule: it says nothing about who may call what.
            let allowed = crate::auth::endpoints::methods(&path);
            if !allowed.is_empty() {
                let mut allow: Vec<&str> = allowed;
                if allow.contains(&"GET") {
                    allow.push("HEAD");
                }
                let mut response = ApiError::MethodNotAllowed.into_response();
                if let Ok(v) = axum::http::HeaderValue::from_str(&allow.join(", ")) {
                    response.headers_mut().insert(axum::http::header::ALLOW, v);
                }
                return response;
            }
            tracing::error!(%method, %path, "route missing from the access table");
            return ApiError::Forbidden("this endpoint is not open to anyone".into())
                .into_response();
        }
    };
    let (mut parts, body) = req.into_parts();
    let principal = match Principal::from_request_parts(&mut parts, &state).await {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    if let Some(p) = needed {
        if let Err(e) = principal.require(p) {
            return e.into_response();
        }
    }
    parts.extensions.insert(principal);
    next.run(Request::from_parts(parts, body)).await
}
