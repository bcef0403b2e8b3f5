//! Quanzi's HTTP edge: the JSON API under `/api/v1` (with OpenAPI), the operator UI under
//! `/ui`, embedded assets, and health checks.

pub mod api;
pub mod assets;
pub mod auth;
pub mod cache;
pub mod error;
pub mod heavy;
pub mod hooks;
pub mod ui;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use quanzi_store::Db;

/// Shared state of every request.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub db: Db,
    /// Failed-login counter.
    pub limiter: Arc<auth::LoginLimiter>,
    /// Set `Secure` on cookies (behind HTTPS).
    pub secure_cookies: bool,
    /// Recently verified API keys.
    pub keys: Arc<auth::KeyCache>,
    /// Cached member details (invalidated by writes).
    pub cache: Arc<cache::ReadCache>,
    /// The per-tenant analytics indexes the KPIs are answered from.
    pub analytics: Arc<quanzi_core::kpi::Analytics>,
    /// Heavy requests running per tenant, and their limits.
    pub heavy: Arc<heavy::HeavyLimiter>,
}

impl AppState {
    /// State over `db` with the default login limit (10 failures per 15 minutes per key).
    pub fn new(db: Db) -> Self {
        AppState {
            db,
            limiter: Arc::new(auth::LoginLimiter::new(10, Duration::from_secs(15 * 60))),
            secure_cookies: false,
            keys: Arc::new(auth::KeyCache::new(Duration::from_secs(10))),
            cache: Arc::new(cache::ReadCache::new(Duration::from_secs(2))),
            analytics: Arc::new(quanzi_core::kpi::Analytics::new()),
            heavy: Arc::new(heavy::HeavyLimiter::new(heavy::Limits::default())),
        }
    }
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(s): State<AppState>) -> impl IntoResponse {
    if s.db.ping().await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "store unavailable")
    }
}

/// The whole application router.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/ui") }))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(api::router().layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cache::invalidate_after_writes,
        )))
        .merge(hooks::router())
        .merge(ui::router())
        .merge(assets::router())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            heavy::limit,
        ))
        .with_state(state)
}

/// Serves the app on `listener` until `shutdown` completes, then drains in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
