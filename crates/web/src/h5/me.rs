//! A member's own page (their gift codes, their referral progress and share links), opening
//! a signed member link, a friend arriving through a share link, and the way back from
//! WeChat's sign-in.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use quanzi_core::{gifts, referrals, visitors};
use serde::Deserialize;

use super::happening::{Happening, happening};
use super::landing::GiftCode;
use super::{Chrome, REFERRAL_COOKIE, Visit, page_html, text};
use crate::AppState;

/// A programme on the member's page.
pub struct ProgramCard {
    /// Name.
    pub name: String,
    /// Friends who joined and count.
    pub friends: i64,
    /// The next milestone.
    pub next: Option<i64>,
    /// Progress toward it, percent.
    pub pct: Option<i64>,
    /// The member's share link.
    pub share_url: String,
    /// Their rewards.
    pub rewards: Vec<RewardLine>,
}

/// A reward as the member reads it.
pub struct RewardLine {
    /// Why.
    pub cause: String,
    /// How much.
    pub amount: String,
    /// Where it stands.
    pub state: String,
}

#[derive(Template)]
#[template(path = "h5_me.html")]
struct MePage {
    p: Chrome,
    name: String,
    programs: Vec<ProgramCard>,
    gifts: Vec<GiftCode>,
    /// The sales for the member: (page, product, price in yuan, status label).
    sales: Vec<(String, String, String, &'static str)>,
    /// The wallet's page and what it holds, yuan.
    wallet: (String, String),
    /// The member's coupons: (offer page, name, what it gives, code, used).
    coupons: Vec<(String, String, String, String, bool)>,
    /// What is open now for the member, their own first.
    happening: Vec<Happening>,
}

/// GET /h/{tenant}/m/{token}: opens a signed member link; a refused link gets a page saying
/// why, and nothing is written.
pub async fn open_link(
    State(s): State<AppState>,
    Path((_, token)): Path<(String, String)>,
    v: Visit,
) -> Response {
    match visitors::open_link(&s.db, &s.server, v.tenant, &token).await {
        Ok(Ok(m)) => match v.session_cookie(&s, m).await {
            Ok(c) => {
                let mut r = Redirect::to(&format!("/h/{}/me", v.slug)).into_response();
                r.headers_mut().append(header::SET_COOKIE, c);
                r
            }
            Err(r) => r,
        },
        Ok(Err(r)) => v.refused(&r),
        Err(e) => crate::ui::server_error(e),
    }
}

/// GET /h/{tenant}/me: the member's own page.
pub async fn me(State(s): State<AppState>, headers: HeaderMap, v: Visit) -> Response {
    let m = match v.session(&s, &headers).await {
        Ok(Some(m)) => m,
        Ok(None) => {
            let known = match crate::auth::cookie(&headers, super::VISITOR_COOKIE) {
                Some(k) => visitors::known_visitor(&s.db, v.tenant, &k)
                    .await
                    .ok()
                    .flatten(),
                None => None,
            };
            match known {
                Some(m) => m,
                None => {
                    let (h, b) = (
                        text::t(v.lang, "not_found.title"),
                        text::t(v.lang, "refused.expired"),
                    );
                    return v.message(StatusCode::UNAUTHORIZED, h, b);
                }
            }
        }
        Err(r) => return r,
    };
    match render_me(&s, &v, &headers, m).await {
        Ok(r) => r,
        Err(e) => crate::ui::server_error(e),
    }
}

async fn render_me(
    s: &AppState,
    v: &Visit,
    headers: &HeaderMap,
    m: quanzi_domain::MemberId,
) -> quanzi_core::Result<Response> {
    let member = quanzi_core::members::get(&s.db, v.tenant, m).await?;
    let offset = quanzi_core::zone::offset_secs(&s.db, v.tenant).await?;
    let key = visitors::secret(&s.db, &s.server, v.tenant).await?;
    let mut programs = Vec::new();
    for p in referrals::list(&s.db, v.tenant).await? {
        if p.archived_at_ms.is_some() {
            continue;
        }
        let (friends, next, rewards) =
            referrals::progress(&s.db, v.tenant, p.program_id, m).await?;
        let token = visitors::referral_token(&key, v.tenant, p.program_id, m);
        programs.push(ProgramCard {
            name: p.name.clone(),
            friends,
            next,
            pct: next.map(|n| (friends * 100 / n.max(1)).min(100)),
            share_url: v.absolute(s, headers, &format!("/h/{}/r/{}/{token}", v.slug, p.slug)),
            rewards: rewards
                .iter()
                .map(|r| {
                    let cause = r.cause.split(':').next().unwrap_or("");
                    let amount = if r.kind == "cash" {
                        format!(
                            "{} {}",
                            quanzi_domain::Fen(r.amount).yuan_string(),
                            text::t(v.lang, "unit.cash")
                        )
                    } else {
                        format!(
                            "{} {}",
                            r.amount,
                            text::t(v.lang, &format!("unit.{}", r.kind))
                        )
                    };
                    RewardLine {
                        cause: text::t(v.lang, &format!("cause.{cause}")).to_string(),
                        amount,
                        state: text::t(v.lang, &format!("reward.{}", r.state)).to_string(),
                    }
                })
                .collect(),
        });
    }
    let mut gift_cards = Vec::new();
    for r in gifts::of_member(&s.db, v.tenant, m).await? {
        let g = gifts::get(&s.db, v.tenant, r.gift_id).await?;
        gift_cards.push(GiftCode {
            name: g.name,
            code: r.code,
            until: crate::ui::fmt_ms_in(r.expires_at_ms, offset),
            redeemed: r.redeemed_at_ms.is_some(),
        });
    }
    let sales = quanzi_core::flash_sales::for_member(&s.db, v.tenant, m)
        .await?
        .into_iter()
        .map(|sale| {
            (
                format!("/h/{}/s/{}", v.slug, sale.flash_sale_id.0),
                sale.product,
                quanzi_domain::Fen(sale.price_fen).yuan_string(),
                text::t(v.lang, &format!("sale.status.{}", sale.status.as_str())),
            )
        })
        .collect();
    let held = quanzi_core::wallets::balance(&s.db, v.tenant, m)
        .await?
        .total_fen();
    let wallet = (
        format!("/h/{}/w", v.slug),
        quanzi_domain::Fen(held).yuan_string(),
    );
    let held = quanzi_core::offers::of_member(&s.db, v.tenant, m).await?;
    let offers = quanzi_core::offers::list(&s.db, v.tenant).await?;
    let happening = happening(s, v, m, &held, &offers).await?;
    let mut coupons = Vec::new();
    for g in held {
        let Some(code) = g.code else { continue };
        let Some(o) = offers.iter().find(|o| o.offer_id == g.offer_id) else {
            continue;
        };
        let gives = format!(
            "{} · {}",
            super::offer::reward(v.lang, o),
            super::offer::threshold(v.lang, o)
        );
        let href = format!("/h/{}/o/{}", v.slug, g.offer_id.0);
        coupons.push((href, o.name.clone(), gives, code, g.used_at_ms.is_some()));
    }
    let page = MePage {
        happening,
        coupons,
        wallet,
        p: v.chrome(text::t(v.lang, "me.title")),
        name: member.name,
        programs,
        gifts: gift_cards,
        sales,
    };
    Ok(page_html(page))
}

/// GET /h/{tenant}/r/{program}/{token}: a friend arrives through a member's share link; the
/// share is remembered and the friend sent on to the programme's live code.
pub async fn shared(
    State(s): State<AppState>,
    Path((_, program, token)): Path<(String, String, String)>,
    v: Visit,
) -> Response {
    let key = match visitors::secret(&s.db, &s.server, v.tenant).await {
        Ok(k) => k,
        Err(e) => return crate::ui::server_error(e),
    };
    let p = match referrals::by_slug(&s.db, v.tenant, &program).await {
        Ok(p) => p,
        Err(_) => return super::not_found(v.lang, &v.shop),
    };
    let valid =
        visitors::open_referral(&key, v.tenant, &token).is_some_and(|(id, _)| id == p.program_id);
    if !valid {
        return v.refused(&visitors::Refusal::Forged);
    }
    let Some(code) = p.live_code_id else {
        return super::not_found(v.lang, &v.shop);
    };
    let code = match quanzi_core::live_codes::get(&s.db, v.tenant, code).await {
        Ok(c) => c,
        Err(_) => return super::not_found(v.lang, &v.shop),
    };
    let mut r = Redirect::to(&format!("/h/{}/c/{}", v.slug, code.slug)).into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        v.cookie(&s, REFERRAL_COOKIE, &token, 7 * 86_400),
    );
    r
}

/// The way back from WeChat's sign-in.
#[derive(Debug, Deserialize)]
pub struct OAuthBack {
    code: Option<String>,
    state: Option<String>,
}

/// GET /h/{tenant}/oauth?code&state: ends a WeChat sign-in; a forged, replayed or expired
/// `state` gets a page saying so, and nothing is written.
pub async fn oauth_back(
    State(s): State<AppState>,
    Query(q): Query<OAuthBack>,
    headers: HeaderMap,
    v: Visit,
) -> Response {
    let (Some(code), Some(state)) = (q.code, q.state) else {
        return v.refused(&visitors::Refusal::BadState);
    };
    let started = crate::auth::cookie(&headers, super::OAUTH_COOKIE);
    let finished = visitors::finish_oauth(
        &s.db,
        &s.server,
        v.tenant,
        &code,
        &state,
        started.as_deref(),
    )
    .await;
    match finished {
        Ok(Ok((m, back))) => {
            let prefix = format!("/h/{}/", v.slug);
            let back = if back.starts_with(&prefix) && !back.contains("//") && !back.contains('\\')
            {
                back
            } else {
                format!("/h/{}/me", v.slug)
            };
            match v.session_cookie(&s, m).await {
                Ok(c) => {
                    let mut r = Redirect::to(&back).into_response();
                    r.headers_mut().append(header::SET_COOKIE, c);
                    r
                }
                Err(r) => r,
            }
        }
        Ok(Err(r)) => v.refused(&r),
        Err(e) => crate::ui::server_error(e),
    }
}
