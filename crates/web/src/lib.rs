//! Quanzi's HTTP edge: the JSON API under `/api/v1` (with OpenAPI), the operator UI under
//! `/ui`, embedded assets, and health checks.

pub mod api;
pub mod assets;
pub mod auth;
pub mod cache;
pub mod client;
pub mod error;
pub mod h5;
pub mod headers;
pub mod heavy;
pub mod hooks;
pub mod server;
pub mod ui;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use quanzi_core::read::Db;

/// Shared state of every request: one reference-counted pointer to [`Shared`], so the
/// clone each extractor and middleware makes is one atomic increment, not one per field (a
/// clone of every field's `Arc` per request was a fifth of a cached read's CPU).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// Changing a setting before serving (the state is not shared yet, so nothing is copied).
impl std::ops::DerefMut for AppState {
    fn deref_mut(&mut self) -> &mut Shared {
        Arc::make_mut(&mut self.0)
    }
}

/// What [`AppState`] holds.
#[derive(Clone)]
pub struct Shared {
    /// The store.
    pub db: Db,
    /// How failed logins slow the next ones (counters are in the store).
    pub throttle: quanzi_core::login_throttle::ThrottlePolicy,
    /// Proxies whose `X-Forwarded-For` / `X-Forwarded-Proto` are believed.
    pub trusted_proxies: Arc<client::TrustedProxies>,
    /// Always set `Secure` on cookies (they also get it on any request that came over HTTPS).
    pub secure_cookies: bool,
    /// Recently verified API keys.
    pub keys: Arc<auth::KeyCache>,
    /// Cached member details (invalidated by writes).
    pub cache: Arc<cache::ReadCache>,
    /// The per-tenant analytics indexes the KPIs are answered from.
    pub analytics: Arc<quanzi_core::kpi::Analytics>,
    /// The server's own settings: the key that seals secrets, egress, WeCom API and window.
    pub server: quanzi_core::server::ServerSettings,
    /// Heavy requests running per tenant, and their limits.
    pub heavy: Arc<heavy::HeavyLimiter>,
    /// Tenants' official accounts for WeChat OAuth as read a moment ago (forgotten when set).
    pub oauth: Arc<quanzi_core::recent::Recent<i64, Option<quanzi_core::visitors::OAuthConfig>>>,
    /// Tenants by slug as read a moment ago, for the member pages.
    pub tenants: Arc<quanzi_core::recent::Recent<String, quanzi_core::views::Tenant>>,
    /// Live-code scans, sharing commits.
    pub scanner: Arc<quanzi_core::live_codes::lane::Scanner>,
    /// Flash-sale buys, sharing commits.
    pub buyer: Arc<quanzi_core::flash_sales::buy::Buyer>,
}

impl AppState {
    /// State over `db` and the server's settings, with the default login throttling and no
    /// trusted proxy.
    pub fn new(db: Db, server: quanzi_core::server::ServerSettings) -> Self {
        AppState(Arc::new(Shared {
            scanner: Arc::new(quanzi_core::live_codes::lane::Scanner::new(db.clone())),
            buyer: Arc::new(quanzi_core::flash_sales::buy::Buyer::new(db.clone())),
            tenants: Arc::new(quanzi_core::recent::Recent::new(Duration::from_secs(2))),
            oauth: Arc::new(quanzi_core::recent::Recent::new(Duration::from_secs(2))),
            db,
            throttle: quanzi_core::login_throttle::ThrottlePolicy::default(),
            trusted_proxies: Arc::new(client::TrustedProxies::default()),
            secure_cookies: false,
            keys: Arc::new(auth::KeyCache::new(Duration::from_secs(10))),
            cache: Arc::new(cache::ReadCache::new(Duration::from_secs(2))),
            analytics: Arc::new(quanzi_core::kpi::Analytics::new()),
            server,
            heavy: Arc::new(heavy::HeavyLimiter::new(heavy::Limits::default())),
        }))
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
        .merge(
            api::router()
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    cache::invalidate_after_writes,
                ))
                .layer(axum::middleware::from_fn(error::lang::in_callers_language)),
        )
        .merge(hooks::router())
        .merge(h5::router())
        .merge(ui::router().layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ui::error_pages,
        )))
        .merge(assets::router())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            heavy::limit,
        ))
        // Outermost, so every answer (a 429 of the heavy limit included) carries the headers.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            headers::security_headers,
        ))
        .with_state(state)
}

/// Serves the app on `listener` with the default [`server::ServerLimits`] until `shutdown`
/// completes, then drains in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_within(listener, state, server::ServerLimits::default(), shutdown).await
}

/// Serves the app on `listener` within `limits` (timeouts, connection cap) until `shutdown`
/// completes, then drains in-flight requests.
pub async fn serve_within(
    listener: tokio::net::TcpListener,
    state: AppState,
    limits: server::ServerLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    server::serve(listener, app(state), limits, shutdown).await
}
