//! The member's wallet page (储值): what they hold (本金 and 赠送金), the shop's top-up
//! offers (充100送20), their latest entries; and paying a held flash-sale order from it.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use quanzi_core::CoreError;
use quanzi_core::views::WalletView;
use quanzi_domain::{Fen, OrderId};

use super::{Chrome, Visit, page_html, text};
use crate::AppState;

/// An entry as the member reads it.
pub struct EntryLine {
    /// What it was.
    pub what: String,
    /// When.
    pub when: String,
    /// The change, signed yuan.
    pub change: String,
    /// Money in (true) or out.
    pub plus: bool,
}

#[derive(Template)]
#[template(path = "h5_wallet.html")]
struct WalletPage {
    p: Chrome,
    total: String,
    principal: String,
    bonus: String,
    offers: Vec<String>,
    entries: Vec<EntryLine>,
}

/// GET /h/{tenant}/w: the member's wallet (opened by their signed link, the page session or
/// their visitor key).
pub async fn page(
    State(s): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<super::sale::SaleQuery>,
    headers: HeaderMap,
    v: Visit,
) -> Response {
    let (visitor, cookies) = match super::landing::identify(&s, &v, &headers, q.m.as_deref()).await
    {
        Ok(x) => x,
        Err(r) => return r,
    };
    let m = match super::sale::member_of(&s, &v, &visitor).await {
        Ok(Some(m)) => m,
        Ok(None) => {
            let (h, b) = (
                text::t(v.lang, "wallet.title"),
                text::t(v.lang, "wallet.unknown"),
            );
            return super::landing::with_cookies(
                v.message(StatusCode::UNAUTHORIZED, h, b),
                cookies,
            );
        }
        Err(r) => return r,
    };
    match render(&s, &v, m).await {
        Ok(r) => super::landing::with_cookies(r, cookies),
        Err(e) => crate::ui::server_error(e),
    }
}

async fn render(
    s: &AppState,
    v: &Visit,
    m: quanzi_domain::MemberId,
) -> quanzi_core::Result<Response> {
    let t = |k: &str| text::t(v.lang, k);
    let offset = quanzi_core::zone::offset_secs(&s.db, v.tenant).await?;
    let w: WalletView = quanzi_core::wallets::wallet(&s.db, v.tenant, m, 30).await?;
    let plan = quanzi_core::wallets::top_up_plan(&s.db, v.tenant).await?;
    let offers = plan
        .tiers
        .iter()
        .map(|x| {
            t("wallet.offer")
                .replace("{pay}", &Fen(x.min_top_up_fen).yuan_string())
                .replace("{bonus}", &Fen(x.bonus_fen).yuan_string())
        })
        .collect();
    let entries = w
        .entries
        .iter()
        .map(|e| {
            let change = e.principal_fen + e.bonus_fen;
            EntryLine {
                what: e
                    .note
                    .clone()
                    .unwrap_or_else(|| t(&format!("wallet.op.{}", e.op)).to_string()),
                when: crate::ui::fmt_ms_in(e.at_ms, offset),
                change: format!(
                    "{}{}",
                    if change >= 0 { "+" } else { "" },
                    Fen(change).yuan_string()
                ),
                plus: change >= 0,
            }
        })
        .collect();
    Ok(page_html(WalletPage {
        p: v.chrome(t("wallet.title")),
        total: Fen(w.total_fen).yuan_string(),
        principal: Fen(w.principal_fen).yuan_string(),
        bonus: Fen(w.bonus_fen).yuan_string(),
        offers,
        entries,
    }))
}

/// POST /h/{tenant}/s/{id}/orders/{order}/wallet: pays the member's held order from their
/// wallet, then back to the sale saying how it went.
pub async fn pay_order(
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
    let r =
        match quanzi_core::flash_sales::pay_with_wallet(&s.db, v.tenant, OrderId(order), m).await {
            Ok(Ok(_)) => "paid",
            Ok(Err(_)) => "wallet_short",
            Err(CoreError::Conflict(_)) => "too_late",
            Err(CoreError::NotFound(_)) => return super::not_found(v.lang, &v.shop),
            Err(e) => return crate::ui::server_error(e),
        };
    Redirect::to(&format!("{back}?r={r}")).into_response()
}
