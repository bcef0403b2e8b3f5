//! The campaigns overview (`/ui/campaigns`): every flash sale with its status, the stock
//! sold as a bar, what was paid, and the link to its member page; every lottery with its
//! status, draws and its budget spent as a bar; group buys, bargains, red envelopes and
//! offers with their results.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use quanzi_core::views::FlashSale;
use quanzi_core::{flash_sales, lotteries};
use quanzi_domain::flash_sale::OrderState;

use super::super::format::{thousands, yuan};
use super::super::{Layout, UiUser, render, server_error};
use super::lottery::LotteryRow;
use super::teams::{self, Teams};
use crate::AppState;

/// A sale's row.
pub(super) struct SaleRow {
    pub(super) id: i64,
    pub(super) product: String,
    pub(super) status: &'static str,
    pub(super) status_label: String,
    pub(super) price: String,
    pub(super) taken: String,
    pub(super) stock: String,
    pub(super) pct: i64,
    pub(super) paid: String,
    pub(super) window: String,
}

impl SaleRow {
    pub(super) fn of(l: &Layout, s: &FlashSale, paid_fen: i64) -> SaleRow {
        SaleRow {
            id: s.flash_sale_id.0,
            product: s.product.clone(),
            status: s.status.as_str(),
            status_label: l.code("sale_status", s.status.as_str()),
            price: yuan(s.price_fen),
            taken: thousands(s.taken),
            stock: thousands(s.stock),
            pct: (s.taken * 100 / s.stock.max(1)).min(100),
            paid: yuan(paid_fen),
            window: format!("{} – {}", l.fmt_ms(s.starts_at_ms), l.fmt_ms(s.ends_at_ms)),
        }
    }
}

#[derive(Template)]
#[template(path = "promo_overview.html")]
struct OverviewPage {
    l: Layout,
    sales: Vec<SaleRow>,
    lotteries: Vec<LotteryRow>,
    more: Teams,
    offers: Vec<super::offers::OfferRow>,
    can_write: bool,
}

/// GET /ui/campaigns: the tenant's promotions.
pub async fn page(State(s): State<AppState>, u: UiUser) -> Response {
    let t = u.tenant();
    let l = u.layout("campaigns");
    let sales = match flash_sales::list(&s.db, t).await {
        Ok(v) => v,
        Err(e) => return server_error(e),
    };
    let mut rows = Vec::with_capacity(sales.len());
    for sale in &sales {
        let paid = match flash_sales::tally(&s.db, t, sale.flash_sale_id).await {
            Ok(tally) => tally
                .iter()
                .filter(|x| x.state == OrderState::Paid)
                .map(|x| x.amount_fen)
                .sum(),
            Err(e) => return server_error(e),
        };
        rows.push(SaleRow::of(&l, sale, paid));
    }
    let lotteries = match lotteries::list(&s.db, &s.server, t).await {
        Ok(v) => v.iter().map(|x| LotteryRow::of(&l, x)).collect(),
        Err(e) => return server_error(e),
    };
    let slug = match quanzi_core::read::tenant::get(&s.db, t).await {
        Ok(t) => t.map(|t| t.slug).unwrap_or_default(),
        Err(e) => return server_error(e),
    };
    let more = match teams::load(&s, &l, t, &slug).await {
        Ok(m) => m,
        Err(e) => return server_error(e),
    };
    let offers = match super::offers::load(&s, &l, t, &slug).await {
        Ok(o) => o,
        Err(e) => return server_error(e),
    };
    render(OverviewPage {
        offers,
        sales: rows,
        lotteries,
        more,
        can_write: u.perms().write,
        l,
    })
}
