//! A flash sale's member page: the product, its price, the countdown to the start or the
//! units left, the member's own orders, and the buy button (a hold the member pays for in
//! time, never past the stock or their limit).

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use quanzi_core::CoreError;
use quanzi_core::flash_sales::{self, buy::Bought, buy::BuyInput};
use quanzi_core::read::now_ms;
use quanzi_core::views::{FlashOrder, FlashSale};
use quanzi_domain::flash_sale::{OrderState, SaleStatus};
use quanzi_domain::{Fen, FlashSaleId, MemberId, OrderId};
use serde::Deserialize;

use super::landing::{Visitor, with_cookies};
use super::{Chrome, Visit, page_html, random_key, text};
use crate::AppState;

/// An order as the member reads it.
pub struct OrderLine {
    /// Order number.
    pub id: i64,
    /// Units.
    pub quantity: i64,
    /// Amount, yuan.
    pub amount: String,
    /// Where it stands, in words.
    pub state: String,
    /// Held: pay before this time.
    pub pay_by: Option<String>,
    /// Held: the cancel form's action.
    pub cancel_action: Option<String>,
    /// Held, and the wallet holds enough: the pay-from-wallet form's action.
    pub wallet_action: Option<String>,
}

#[derive(Template)]
#[template(path = "h5_sale.html")]
struct SalePage {
    p: Chrome,
    sale: FlashSale,
    price: String,
    original: Option<String>,
    status: &'static str,
    sold_pct: i64,
    starts: String,
    ends: String,
    /// Seconds to the start (upcoming) or the end (open), for the countdown.
    countdown_s: i64,
    invited: bool,
    choices: Vec<i64>,
    key: String,
    buy_action: String,
    orders: Vec<OrderLine>,
    /// What the last action came to, and whether it went well.
    notice: Option<(bool, String)>,
}

fn sale_path(v: &Visit, id: FlashSaleId) -> String {
    format!("/h/{}/s/{}", v.slug, id.0)
}

/// Reads the sale, or answers the not-found page.
async fn sale_of(s: &AppState, v: &Visit, id: i64) -> Result<FlashSale, Response> {
    match flash_sales::get(&s.db, v.tenant, FlashSaleId(id)).await {
        Ok(sale) => Ok(sale),
        Err(CoreError::NotFound(_)) => Err(super::not_found(v.lang, &v.shop)),
        Err(e) => Err(crate::ui::server_error(e)),
    }
}

/// The member on the page, if known (a new browser gets a visitor key, not a member).
pub(super) async fn member_of(
    s: &AppState,
    v: &Visit,
    visitor: &Visitor,
) -> Result<Option<MemberId>, Response> {
    match visitor {
        Visitor::Member(m) => Ok(Some(*m)),
        Visitor::Key(k) => quanzi_core::visitors::known_visitor(&s.db, v.tenant, k)
            .await
            .map_err(crate::ui::server_error),
    }
}

/// Query of the sale page.
#[derive(Debug, Default, Deserialize)]
pub struct SaleQuery {
    /// A signed member link's token.
    pub m: Option<String>,
    /// What the last buy came to, to say it.
    pub r: Option<String>,
}

/// GET /h/{tenant}/s/{id}: the sale's page.
pub async fn page(
    State(s): State<AppState>,
    Path((_, id)): Path<(String, i64)>,
    axum::extract::Query(q): axum::extract::Query<SaleQuery>,
    headers: HeaderMap,
    v: Visit,
) -> Response {
    let sale = match sale_of(&s, &v, id).await {
        Ok(sale) => sale,
        Err(r) => return r,
    };
    let (member, cookies) = match super::participant(&s, &v, &headers, q.m.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match render(&s, &v, sale, member, q.r.as_deref()).await {
        Ok(r) => with_cookies(r, cookies),
        Err(e) => crate::ui::server_error(e),
    }
}

async fn render(
    s: &AppState,
    v: &Visit,
    sale: FlashSale,
    member: Option<MemberId>,
    result: Option<&str>,
) -> quanzi_core::Result<Response> {
    let offset = quanzi_core::zone::offset_secs(&s.db, v.tenant).await?;
    let t = |k: &str| text::t(v.lang, k);
    let mine = match member {
        Some(m) => flash_sales::orders_of(&s.db, v.tenant, sale.flash_sale_id, m).await?,
        None => Vec::new(),
    };
    let invited = match member {
        _ if sale.group_ids.is_empty() => true,
        None => false,
        Some(m) => flash_sales::invited(&s.db, v.tenant, &sale, m).await?,
    };
    let counted: i64 = mine
        .iter()
        .filter(|o| o.state.takes_stock())
        .map(|o| o.quantity)
        .sum();
    let room = (sale.per_member_limit - counted).min(sale.left).max(0);
    let in_wallet = match member {
        Some(m) if mine.iter().any(|o| o.state == OrderState::Held) => {
            quanzi_core::wallets::balance(&s.db, v.tenant, m)
                .await?
                .total_fen()
        }
        _ => 0,
    };
    let orders = mine.iter().map(|o| line(v, o, offset, in_wallet)).collect();
    let now = now_ms();
    let countdown_s = match sale.status {
        SaleStatus::Upcoming => (sale.starts_at_ms - now) / 1000,
        SaleStatus::Open => (sale.ends_at_ms - now) / 1000,
        _ => 0,
    }
    .max(0);
    let notice = result.and_then(|r| {
        let said = t(&format!("sale.result.{r}"));
        (!said.is_empty()).then(|| (matches!(r, "held" | "cancelled" | "paid"), said.to_string()))
    });
    let page = SalePage {
        p: v.chrome(&sale.product),
        price: Fen(sale.price_fen).yuan_string(),
        original: sale.original_price_fen.map(|o| Fen(o).yuan_string()),
        status: sale.status.as_str(),
        sold_pct: (sale.taken * 100 / sale.stock.max(1)).min(100),
        starts: crate::ui::fmt_ms_in(sale.starts_at_ms, offset),
        ends: crate::ui::fmt_ms_in(sale.ends_at_ms, offset),
        countdown_s,
        invited,
        choices: (1..=room).collect(),
        key: random_key().unwrap_or_default(),
        buy_action: format!("{}/buy", sale_path(v, sale.flash_sale_id)),
        orders,
        notice,
        sale,
    };
    Ok(page_html(page))
}

fn line(v: &Visit, o: &FlashOrder, offset: i64, in_wallet: i64) -> OrderLine {
    let held = o.state == OrderState::Held;
    let orders = format!("{}/orders/{}", sale_path(v, o.flash_sale_id), o.order_id.0);
    OrderLine {
        id: o.order_id.0,
        quantity: o.quantity,
        amount: Fen(o.amount_fen).yuan_string(),
        state: text::t(v.lang, &format!("sale.order.{}", o.state.as_str())).to_string(),
        pay_by: held.then(|| crate::ui::fmt_ms_in(o.hold_until_ms, offset)),
        cancel_action: held.then(|| format!("{orders}/cancel")),
        wallet_action: (held && in_wallet >= o.amount_fen).then(|| format!("{orders}/wallet")),
    }
}

/// The buy form.
#[derive(Debug, Deserialize)]
pub struct BuyForm {
    /// Units.
    pub quantity: Option<String>,
    /// The form's key, so a double tap buys once.
    pub key: Option<String>,
}

/// POST /h/{tenant}/s/{id}/buy: holds units for the member, then back to the page saying
/// what came of it.
pub async fn buy(
    State(s): State<AppState>,
    Path((_, id)): Path<(String, i64)>,
    headers: HeaderMap,
    v: Visit,
    Form(f): Form<BuyForm>,
) -> Response {
    let sale = match sale_of(&s, &v, id).await {
        Ok(sale) => sale,
        Err(r) => return r,
    };
    let back = sale_path(&v, sale.flash_sale_id);
    let m = match super::landing::taker(&s, &v, &headers, "flash_sale", &back).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let quantity = match f.quantity.as_deref().map(str::trim) {
        None | Some("") => 1,
        Some(q) => match q.parse::<i64>() {
            Ok(q) => q,
            Err(_) => {
                let e = quanzi_domain::Invalid::one("quantity", "must be a whole number");
                return v.invalid(&sale.product, &e);
            }
        },
    };
    let input = BuyInput {
        quantity,
        key: f.key.unwrap_or_default(),
    };
    let r = match s.buyer.buy(v.tenant, &sale, m, input).await {
        Ok(Bought::Held(_) | Bought::Again(_)) => "held",
        Ok(Bought::Refused(why)) => why.as_str(),
        Err(CoreError::Invalid(e)) => return v.invalid(&sale.product, &e),
        Err(e) => return crate::ui::server_error(e),
    };
    Redirect::to(&format!("{back}?r={r}")).into_response()
}

/// POST /h/{tenant}/s/{id}/orders/{order}/cancel: the member lets their held units go.
pub async fn cancel(
    State(s): State<AppState>,
    Path((_, id, order)): Path<(String, i64, i64)>,
    headers: HeaderMap,
    v: Visit,
) -> Response {
    let back = format!("/h/{}/s/{id}", v.slug);
    let m = match super::landing::known(&s, &v, &headers).await {
        Ok(Some(m)) => m,
        Ok(None) => return Redirect::to(&back).into_response(),
        Err(r) => return r,
    };
    // Only the member's own order of this sale.
    match flash_sales::order(&s.db, v.tenant, OrderId(order)).await {
        Ok(o) if o.member_id == m && o.flash_sale_id.0 == id => {}
        Ok(_) | Err(CoreError::NotFound(_)) => return super::not_found(v.lang, &v.shop),
        Err(e) => return crate::ui::server_error(e),
    }
    match flash_sales::cancel(&s.db, v.tenant, OrderId(order)).await {
        Ok(_) => Redirect::to(&format!("{back}?r=cancelled")).into_response(),
        Err(CoreError::Conflict(_)) => {
            let (h, b) = (
                text::t(v.lang, "sale.title"),
                text::t(v.lang, "sale.cannot_cancel"),
            );
            v.message(StatusCode::CONFLICT, h, b)
        }
        Err(e) => crate::ui::server_error(e),
    }
}
