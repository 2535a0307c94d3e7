//! The API's one error type, answered as RFC 9457 `application/problem+json`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use switchboard_core::{FieldError, Invalid};
use switchboard_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("authentication required")]
    Unauthorized,
    /// Credentials were presented and refused, for this reason.
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("this method is not allowed on this resource")]
    MethodNotAllowed,
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("too many attempts; try again later")]
    TooManyRequests,
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

/// RFC 9457 problem details, with per-field errors for 422.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URN naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// For 422: every field that broke a rule.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl ApiError {
    fn parts(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "malformed-request"),
            ApiError::Unauthorized | ApiError::Unauthenticated(_) => {
                (StatusCode::UNAUTHORIZED, "unauthorized")
            }
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not-found"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed"),
            ApiError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large"),
            ApiError::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type")
            }
            ApiError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation"),
            ApiError::TooManyRequests => (StatusCode::TOO_MANY_REQUESTS, "rate-limited"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ApiError::NotFound(what),
            StoreError::Invalid(i) => ApiError::Invalid(i),
            StoreError::Conflict(m) => ApiError::Conflict(m),
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<crate::routing::EngineError> for ApiError {
    fn from(e: crate::routing::EngineError) -> Self {
        use crate::routing::EngineError as E;
        match e {
            E::NotFound(what) => ApiError::NotFound(what),
            E::Conflict(m) => ApiError::Conflict(m),
            E::Forbidden(m) => ApiError::Forbidden(m),
            E::Invalid(i) => ApiError::Invalid(i),
            E::Store(s) => s.into(),
            E::Stopped => ApiError::Internal(anyhow::anyhow!("the routing engine has stopped")),
        }
    }
}

impl From<crate::chat::error::ChatError> for ApiError {
    fn from(e: crate::chat::error::ChatError) -> Self {
        use crate::chat::error::ChatError as E;
        match e {
            E::NotFound(what) => ApiError::NotFound(what),
            E::Conflict(m) => ApiError::Conflict(m),
            E::Invalid(i) => ApiError::Invalid(i),
            E::Store(s) => s.into(),
            E::Routing(r) => r.into(),
            E::Internal(m) => ApiError::Internal(anyhow::anyhow!(m)),
        }
    }
}

impl From<crate::communications::error::Error> for ApiError {
    fn from(e: crate::communications::error::Error) -> Self {
        use crate::communications::error::Error as E;
        match e {
            E::NotFound(what) => ApiError::NotFound(what),
            E::Invalid(i) => ApiError::Invalid(i),
            E::Store(s) => s.into(),
        }
    }
}

impl From<switchboard_workspace::WorkspaceError> for ApiError {
    fn from(e: switchboard_workspace::WorkspaceError) -> Self {
        use switchboard_workspace::WorkspaceError as E;
        match e {
            E::NotFound(what) => ApiError::NotFound(what),
            E::Conflict(m) => ApiError::Conflict(m),
            E::Forbidden(m) => ApiError::Forbidden(m),
            E::Invalid(i) => ApiError::Invalid(i),
            E::Store(s) => s.into(),
            E::Routing(r) => r.into(),
            E::Chat(c) => c.into(),
            E::Internal(m) => ApiError::Internal(anyhow::anyhow!(m)),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, kind) = self.parts();
        if let ApiError::Internal(e) = &self {
            // The client gets a generic message; the cause goes to the log.
            tracing::error!(error = %format!("{e:#}"), "request failed");
        }
        let (detail, errors) = match self {
            ApiError::Invalid(Invalid(errors)) => (
                "the request has invalid fields; see errors".to_owned(),
                errors,
            ),
            other => (other.to_string(), Vec::new()),
        };
        let problem = Problem {
            kind: format!("urn:switchboard:problem:{kind}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            errors,
        };
        let mut response = (status, axum::Json(problem)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
