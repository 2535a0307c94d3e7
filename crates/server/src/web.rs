//! Web pages embedded in the binary.

use axum::extract::{Query, State};
use axum::http::header;
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
        .route("/demo/shop", get(demo_shop))
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
) -> Result<Html<String>, crate::error::ApiError> {
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
    Ok(Html(
        include_str!("../web/widget-demo.html").replace("__WIDGET_ID__", &id),
    ))
}
