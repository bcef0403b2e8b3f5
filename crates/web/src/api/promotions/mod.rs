//! `/api/v1` of the promotions: flash sales and their orders, lotteries, wallets and offers,
//! group buys, bargains and red envelopes.

pub mod bargains;
pub mod flash_sales;
pub mod group_buys;
pub mod lotteries;
pub mod offers;
pub mod orders;
pub mod red_envelopes;
pub mod wallets;

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// Routes of the promotions, each with its OpenAPI path.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .merge(flash_sales::router())
        .merge(orders::router())
        .merge(lotteries::router())
        .merge(group_buys::router())
        .merge(bargains::router())
        .merge(wallets::router())
        .merge(red_envelopes::router())
        .merge(offers::router())
}
