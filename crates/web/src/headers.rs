//! Security headers on every response (pages, API, assets, errors): no sniffing, no framing, a
//! CSP that allows only this server's own scripts, a same-origin referrer, and HSTS on HTTPS.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;
use crate::client::Client;

/// The Content-Security-Policy: scripts only from this server (htmx, ECharts and our own are
/// served from `/assets`), inline style attributes allowed (the pages size charts and bars with
/// them), never framed.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; \
     form-action 'self'; frame-ancestors 'none'";

/// HSTS for a year, sent only on responses to HTTPS requests.
pub const HSTS: &str = "max-age=31536000";

/// Middleware: adds the security headers to the response (keeping any a handler set itself).
pub async fn security_headers(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let https = Client::of(&parts, &s.trusted_proxies).https;
    let mut resp = next.run(Request::from_parts(parts, body)).await;
    let h = resp.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::CONTENT_SECURITY_POLICY, CSP);
    set(header::REFERRER_POLICY, "same-origin");
    if https {
        set(header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    resp
}
