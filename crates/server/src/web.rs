//! Web pages embedded in the binary.

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, Uri};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/",
            get(|| async { Html(include_str!("../web/index.html")) }),
        )
        .route(
            "/agent",
            get(|| async { Html(include_str!("../web/agent.html")) }),
        )
        .route(
            "/agent.js",
            get(|| async {
                asset(
                    "text/javascript; charset=utf-8",
                    include_str!("../web/agent.js"),
                )
            }),
        )
        .route(
            "/agent.css",
            get(|| async { asset("text/css; charset=utf-8", include_str!("../web/agent.css")) }),
        )
        .route("/widget.js", get(widget_js))
        .route(
            "/book",
            get(|| async { Html(include_str!("../web/book.html")) }),
        )
        .route(
            "/book.js",
            get(|| async {
                asset(
                    "text/javascript; charset=utf-8",
                    include_str!("../web/book.js"),
                )
            }),
        )
        .route(
            "/cancel.js",
            get(|| async {
                asset(
                    "text/javascript; charset=utf-8",
                    include_str!("../web/cancel.js"),
                )
            }),
        )
        .route(
            "/booking.css",
            get(|| async {
                asset(
                    "text/css; charset=utf-8",
                    include_str!("../web/booking.css"),
                )
            }),
        )
        .route(
            "/meetings/{id}/cancel",
            get(|| async {
                // The token is in the address: keep it out of Referer headers.
                (
                    [(header::REFERRER_POLICY, "no-referrer")],
                    Html(include_str!("../web/cancel.html")),
                )
            }),
        )
        .route(
            // The link that confirms a booking from the booking page (sent
            // by email only); the same page as the cancel link.
            "/meetings/{id}/confirm",
            get(|| async {
                (
                    [(header::REFERRER_POLICY, "no-referrer")],
                    Html(include_str!("../web/cancel.html")),
                )
            }),
        )
        .route("/demo/shop", get(demo_shop))
        .route(
            "/home.js",
            get(|| async {
                asset(
                    "text/javascript; charset=utf-8",
                    include_str!("../web/home.js"),
                )
            }),
        )
        .route(
            "/home.css",
            get(|| async { asset("text/css; charset=utf-8", include_str!("../web/home.css")) }),
        )
        .route("/favicon.svg", get(favicon))
        // Browsers ask for /favicon.ico whatever the page says.
        .route("/favicon.ico", get(favicon))
}

async fn favicon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../web/favicon.svg"),
    )
}

/// Unknown addresses: a page for a person's browser (it asked for HTML and
/// the address is not under the API), problem+json for everything else.
pub async fn not_found(headers: HeaderMap, uri: Uri) -> axum::response::Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if !wants_html || uri.path().starts_with("/api/") {
        return crate::error::ApiError::NotFound("page").into_response();
    }
    let lang = switchboard_core::chat::client::supported_language(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
        "en",
    );
    let (title, body, home) = match lang {
        "fr" => (
            "Page introuvable",
            "Aucune page ne se trouve à cette adresse.",
            "Retour à l’accueil",
        ),
        "es" => (
            "Página no encontrada",
            "No hay ninguna página en esta dirección.",
            "Volver al inicio",
        ),
        _ => (
            "Page not found",
            "There is no page at this address.",
            "Back to the home page",
        ),
    };
    let page = include_str!("../web/not-found.html")
        .replace("{lang}", lang)
        .replace("{title}", title)
        .replace("{body}", body)
        .replace("{home}", home);
    (
        axum::http::StatusCode::NOT_FOUND,
        [(header::CACHE_CONTROL, "no-cache")],
        Html(page),
    )
        .into_response()
}

/// One of the workspace's own files (same-origin only).
fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}

/// The chat widget. Any site may load the script; its endpoints check the
/// page's origin against the widget's allow-list.
async fn widget_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        include_str!("../web/widget.js"),
    )
}

#[derive(serde::Deserialize)]
struct DemoParams {
    widget: Option<String>,
}

/// A sample host page with the widget, for trying it out: `?widget=ID`
/// (default: the first widget).
async fn demo_shop(
    State(s): State<AppState>,
    Query(p): Query<DemoParams>,
) -> Result<impl IntoResponse, crate::error::ApiError> {
    let id = match p.widget {
        Some(w) => s.db.widget(&w).await?.id,
        None => {
            s.db.widgets()
                .await?
                .into_iter()
                .next()
                .ok_or(crate::error::ApiError::NotFound("widget"))?
                .id
        }
    };
    // Ids are UUIDs; nothing else reaches the page.
    Ok((
        [(
            header::CONTENT_SECURITY_POLICY,
            crate::security_headers::DEMO_HOST_POLICY,
        )],
        Html(include_str!("../web/widget-demo.html").replace("__WIDGET_ID__", &id)),
    ))
}
