//! Inbound hooks under `/hooks/…`: endpoints that other platforms call, authenticated by
//! their own signatures rather than by API keys or sessions.

pub mod wecom;

use axum::Router;

use crate::AppState;

/// Every inbound hook.
pub fn router() -> Router<AppState> {
    Router::new().merge(wecom::router())
}
