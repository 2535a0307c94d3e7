//! Headers that tell browsers to hold our pages to what they are.
//!
//! Every response: `X-Content-Type-Options: nosniff` (a JSON answer or an
//! uploaded text is never run as a script or styled as CSS) and a referrer
//! policy that keeps paths and their secrets (cancel links) on our origin.
//! Every HTML page: a Content-Security-Policy that runs only our own
//! scripts and styles, connects only to our origin (API and sockets), and
//! may not be framed (`frame-ancestors 'none'`, with `X-Frame-Options` for
//! older browsers), so a hostile page can neither inject into nor overlay
//! the workspace. A handler that set its own value (the demo shop, a sample
//! host page with inline setup code; the cancel page's `no-referrer`) keeps it.

use axum::extract::Request;
use axum::http::header::{self, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// Our own pages: no inline code, nothing from elsewhere.
pub const PAGE_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The demo shop stands for a customer's site, whose pages carry inline
/// setup code (`window.Switchboard` queue) and the widget's own styles.
pub const DEMO_HOST_POLICY: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

pub async fn add(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let h = res.headers_mut();
    h.entry(header::X_CONTENT_TYPE_OPTIONS)
        .or_insert(HeaderValue::from_static("nosniff"));
    h.entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("strict-origin-when-cross-origin"));
    if is_html {
        h.entry(header::CONTENT_SECURITY_POLICY)
            .or_insert(HeaderValue::from_static(PAGE_POLICY));
        h.entry(header::X_FRAME_OPTIONS)
            .or_insert(HeaderValue::from_static("DENY"));
    }
    res
}
