//! Web pages embedded in the binary.

use axum::response::Html;
use axum::routing::get;
use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/",
        get(|| async { Html(include_str!("../web/index.html")) }),
    )
}
