//! `/api/v1` of the growth loop: live codes and their QR images, groups' own QR images, lead
//! gifts and their redemption, referral programmes and the reward ledger, member links and
//! the WeChat OAuth setting of the member pages.

pub mod gifts;
pub mod live_codes;
pub mod members_link;
pub mod params;
pub mod qr;
pub mod referrals;
pub mod rewards;

use quanzi_core::read::Db;
use quanzi_domain::TenantId;
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
pub use crate::client::{origin, page_url};
use crate::error::ApiError;

/// The tenant's slug, the first segment of its member pages' paths.
pub async fn tenant_slug(db: &Db, t: TenantId) -> Result<String, ApiError> {
    Ok(quanzi_core::read::tenant::get(db, t)
        .await
        .map_err(quanzi_core::CoreError::from)?
        .ok_or_else(|| ApiError::not_found("tenant"))?
        .slug)
}

/// Routes of the growth loop, each with its OpenAPI path.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .merge(live_codes::router())
        .merge(qr::router())
        .merge(gifts::router())
        .merge(referrals::router())
        .merge(rewards::router())
        .merge(members_link::router())
}
