//! A flash sale's page (`/ui/campaigns/sales/{id}`): its figures as they happen (units
//! left, held, paid, buyers), the member page's link and QR to post in the groups, the
//! latest orders with "mark paid" and "cancel" for held ones, and closing the sale.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use quanzi_core::views::FlashOrder;
use quanzi_core::{CoreError, flash_sales};
use quanzi_domain::flash_sale::OrderState;
use quanzi_domain::{FlashSaleId, OrderId};

use super::super::form::{refusal, refused, see_other};
use super::super::format::{thousands, yuan};
use super::super::{Layout, UiUser, render, server_error};
use super::overview::SaleRow;
use super::{CsrfForm, closing, not_found};
use crate::AppState;
use crate::api::IdPath;
use crate::client::{origin, page_url};

/// Orders shown on the page.
const ORDERS: i64 = 50;
/// Pixels per QR module of the member page's image.
const QR_SCALE: u32 = 8;

/// An order's row.
struct OrderRow {
    id: i64,
    member_id: i64,
    quantity: i64,
    amount: String,
    state: &'static str,
    state_label: String,
    when: String,
    held: bool,
}

impl OrderRow {
    fn of(l: &Layout, o: &FlashOrder) -> OrderRow {
        OrderRow {
            id: o.order_id.0,
            member_id: o.member_id.0,
            quantity: o.quantity,
            amount: yuan(o.amount_fen),
            state: o.state.as_str(),
            state_label: l.code("order_state", o.state.as_str()),
            when: l.fmt_ms(o.settled_at_ms.unwrap_or(o.held_at_ms)),
            held: o.state == OrderState::Held,
        }
    }
}

#[derive(Template)]
#[template(path = "promo_sale.html")]
struct SalePage {
    l: Layout,
    s: SaleRow,
    limit: i64,
    hold_minutes: i64,
    /// (label, value) of each figure.
    figs: Vec<(String, String)>,
    url: String,
    orders: Vec<OrderRow>,
    closed: bool,
    can_write: bool,
}

async fn member_url(
    s: &AppState,
    u: &UiUser,
    headers: &HeaderMap,
    id: i64,
) -> quanzi_core::Result<String> {
    let tenant = quanzi_core::read::tenant::get(&s.db, u.tenant()).await?;
    let slug = tenant.map(|t| t.slug).unwrap_or_default();
    let o = origin(headers, &u.client, s.secure_cookies);
    Ok(page_url(&o, &slug, "s", &id.to_string()))
}

/// GET /ui/campaigns/sales/{id}: the sale as it happens.
pub async fn page(
    State(s): State<AppState>,
    u: UiUser,
    headers: HeaderMap,
    IdPath(id): IdPath<FlashSaleId>,
) -> Response {
    let t = u.tenant();
    let l = u.layout("campaigns");
    let loaded = tokio::try_join!(
        flash_sales::get(&s.db, t, id),
        flash_sales::tally(&s.db, t, id),
        flash_sales::orders(&s.db, t, id, Some(ORDERS), None),
        member_url(&s, &u, &headers, id.0),
    );
    let (sale, tally, orders, url) = match loaded {
        Ok(v) => v,
        Err(CoreError::NotFound(_)) => return not_found(),
        Err(e) => return server_error(e),
    };
    let of = |st: OrderState| tally.iter().find(|x| x.state == st);
    let units = |st| of(st).map_or(0, |x| x.units);
    let paid = of(OrderState::Paid);
    let figs = vec![
        (l.t("promo.fig.left").to_string(), thousands(sale.left)),
        (
            l.t("promo.fig.held").to_string(),
            thousands(units(OrderState::Held)),
        ),
        (
            l.t("promo.fig.paid").to_string(),
            thousands(units(OrderState::Paid)),
        ),
        (
            l.t("promo.fig.paid_amount").to_string(),
            yuan(paid.map_or(0, |x| x.amount_fen)),
        ),
        (
            l.t("promo.fig.buyers").to_string(),
            thousands(paid.map_or(0, |x| x.buyers)),
        ),
        (
            l.t("promo.fig.returned").to_string(),
            thousands(units(OrderState::Expired) + units(OrderState::Cancelled)),
        ),
    ];
    let paid_fen = paid.map_or(0, |x| x.amount_fen);
    render(SalePage {
        s: SaleRow::of(&l, &sale, paid_fen),
        limit: sale.per_member_limit,
        hold_minutes: sale.hold_minutes,
        figs,
        url,
        orders: orders.items.iter().map(|o| OrderRow::of(&l, o)).collect(),
        closed: sale.closed_at_ms.is_some(),
        can_write: u.perms().write,
        l,
    })
}

/// GET /ui/campaigns/sales/{id}/qr.png: the member page's QR image, to post in the groups.
pub async fn qr_png(
    State(s): State<AppState>,
    u: UiUser,
    headers: HeaderMap,
    IdPath(id): IdPath<FlashSaleId>,
) -> Response {
    if let Err(e) = flash_sales::get(&s.db, u.tenant(), id).await {
        return match e {
            CoreError::NotFound(_) => not_found(),
            e => server_error(e),
        };
    }
    let url = match member_url(&s, &u, &headers, id.0).await {
        Ok(url) => url,
        Err(e) => return server_error(e),
    };
    match quanzi_core::live_codes::qr_image::png(&url, QR_SCALE) {
        Ok(png) => (
            [
                (header::CONTENT_TYPE, "image/png".to_string()),
                (header::CACHE_CONTROL, "private, max-age=300".to_string()),
            ],
            png,
        )
            .into_response(),
        Err(e) => server_error(e),
    }
}

/// POST /ui/campaigns/sales/{id}/close: no more buys; held units may still be paid.
pub async fn close(
    State(s): State<AppState>,
    u: UiUser,
    IdPath(id): IdPath<FlashSaleId>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let t = u.tenant();
    let to = format!("/ui/campaigns/sales/{}", id.0);
    closing(&u, &f, &to, async {
        flash_sales::close(&s.db, t, id).await.map(drop)
    })
    .await
}

/// POST /ui/campaigns/orders/{id}/{pay|cancel}: marks a held order paid (in store, in cash)
/// or cancels it, then back to its sale. An order settled meanwhile is shown as it stands.
pub async fn settle(
    State(s): State<AppState>,
    u: UiUser,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(why) = refusal(&u, &f.csrf, u.perms().write, "correct.forbidden") {
        return refused(why);
    }
    let Some(id) = id.parse::<i64>().ok().filter(|v| *v > 0).map(OrderId) else {
        return not_found();
    };
    let t = u.tenant();
    let order = match flash_sales::order(&s.db, t, id).await {
        Ok(o) => o,
        Err(CoreError::NotFound(_)) => return not_found(),
        Err(e) => return server_error(e),
    };
    let done = match action.as_str() {
        "pay" => flash_sales::pay(&s.db, t, id, Some("console")).await,
        "cancel" => flash_sales::cancel(&s.db, t, id).await,
        _ => return not_found(),
    };
    match done {
        Ok(_) | Err(CoreError::Conflict(_)) => see_other(&format!(
            "/ui/campaigns/sales/{}#orders",
            order.flash_sale_id.0
        )),
        Err(e) => server_error(e),
    }
}
