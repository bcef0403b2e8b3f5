//! Static assets embedded in the binary: vendored htmx and ECharts, our CSS and JS.

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use crate::AppState;

const FILES: &[(&str, &str, &str)] = &[
    (
        "htmx.min.js",
        "text/javascript",
        include_str!("../assets/vendor/htmx.min.js"),
    ),
    (
        "echarts.min.js",
        "text/javascript",
        include_str!("../assets/vendor/echarts.min.js"),
    ),
    ("app.css", "text/css", include_str!("../assets/app.css")),
    (
        "api-docs.js",
        "text/javascript",
        include_str!("../assets/api-docs.js"),
    ),
    (
        "app.js",
        "text/javascript",
        include_str!("../assets/app.js"),
    ),
    (
        "countdown.js",
        "text/javascript",
        include_str!("../assets/countdown.js"),
    ),
];

async fn asset(Path(name): Path<String>) -> impl IntoResponse {
    match FILES.iter().find(|(n, _, _)| *n == name) {
        Some((_, ct, body)) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, *ct),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            *body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Routes under `/assets`.
pub fn router() -> Router<AppState> {
    Router::new().route("/assets/{name}", get(asset))
}
