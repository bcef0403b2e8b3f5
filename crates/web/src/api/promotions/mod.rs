//! `/api/v1` of the promotions: flash sales and their orders, lotteries.

pub mod flash_sales;
pub mod lotteries;
pub mod orders;
pub mod wallets;

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// Routes of the promotions, each with its OpenAPI path.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .merge(flash_sales::router())
        .merge(orders::router())
        .merge(lotteries::router())
        .merge(wallets::router())
}
