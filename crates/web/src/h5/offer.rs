//! An offer's member page (`/h/{tenant}/o/{id}`): what it gives and when (满100减20, a ¥5
//! coupon with no minimum), how many are left; for a coupon the button that takes one and,
//! once held, its code to show at the till (or that it was used); or why there is none.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use quanzi_core::CoreError;
use quanzi_core::offers::{self, Given, OfferRefusal};
use quanzi_core::views::Offer;
use quanzi_domain::wallet::{OfferKind, OfferReward};
use quanzi_domain::{Fen, MemberId, OfferId};

use super::landing::with_cookies;
use super::sale::SaleQuery;
use super::{Chrome, Visit, page_html, text};
use crate::AppState;
use crate::ui::i18n::Lang;

#[derive(Template)]
#[template(path = "h5_offer.html")]
struct OfferPage {
    p: Chrome,
    name: String,
    kind: &'static str,
    reward: String,
    threshold: String,
    valid: String,
    /// "还剩 420 份 · 每人限 1 份".
    limits: String,
    /// A spend offer: how to use it.
    spend: bool,
    /// The visitor's coupons of this offer: code, used.
    mine: Vec<(String, bool)>,
    /// The claim button shows.
    can_claim: bool,
    claim_action: String,
    /// What the last claim came to, or why none can be taken now.
    notice: Option<(String, bool)>,
}

/// What an offer gives, in words: "立减 ¥20.00" or "送 保温杯".
pub(super) fn reward(lang: Lang, o: &Offer) -> String {
    match &o.reward {
        OfferReward::Discount(fen) => {
            text::t(lang, "of.off").replace("{yuan}", &Fen(*fen).yuan_string())
        }
        OfferReward::Gift(g) => text::t(lang, "of.gift").replace("{gift}", g),
    }
}

/// Its threshold in words: "满 ¥100.00 可用" or "无门槛".
pub(super) fn threshold(lang: Lang, o: &Offer) -> String {
    if o.threshold_fen == 0 {
        text::t(lang, "of.no_threshold").to_string()
    } else {
        text::t(lang, "of.threshold").replace("{yuan}", &Fen(o.threshold_fen).yuan_string())
    }
}

fn refusal_key(r: OfferRefusal) -> &'static str {
    match r {
        OfferRefusal::NotStarted => "not_started",
        OfferRefusal::Ended => "ended",
        OfferRefusal::Closed => "closed",
        OfferRefusal::BelowThreshold => "below_threshold",
        OfferRefusal::SoldOut => "sold_out",
        OfferRefusal::Limit => "limit",
    }
}

/// GET /h/{tenant}/o/{id}: the offer as the visitor opens it.
pub async fn page(
    State(s): State<AppState>,
    Path((_, id)): Path<(String, i64)>,
    axum::extract::Query(q): axum::extract::Query<SaleQuery>,
    headers: HeaderMap,
    v: Visit,
) -> Response {
    let (member, cookies) = match super::participant(&s, &v, &headers, q.m.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match render(&s, &v, OfferId(id), member, q.r.as_deref()).await {
        Ok(r) => with_cookies(r, cookies),
        Err(CoreError::NotFound(_)) => super::not_found(v.lang, &v.shop),
        Err(e) => crate::ui::server_error(e),
    }
}

async fn render(
    s: &AppState,
    v: &Visit,
    id: OfferId,
    member: Option<MemberId>,
    result: Option<&str>,
) -> quanzi_core::Result<Response> {
    let t = |k: &str| text::t(v.lang, k);
    let o = offers::get(&s.db, v.tenant, id).await?;
    let offset = quanzi_core::zone::offset_secs(&s.db, v.tenant).await?;
    let mine = match member {
        Some(m) => offers::held(&s.db, v.tenant, id, m).await?,
        None => Vec::new(),
    };
    let coupon = o.kind == OfferKind::Coupon;
    let standing = offers::standing(&o, mine.len());
    let notice = match result {
        Some("got") => Some((t("of.got").to_string(), true)),
        Some(r) => {
            let key = format!("of.r.{r}");
            Some((t(&key).to_string(), false)).filter(|(s, _)| !s.is_empty())
        }
        None if coupon && mine.is_empty() => {
            standing.map(|r| (t(&format!("of.r.{}", refusal_key(r))).to_string(), false))
        }
        None => None,
    };
    let mut limits = Vec::new();
    if let Some(stock) = o.stock {
        let left = (stock - o.taken).max(0);
        limits.push(t("of.left").replace("{n}", &left.to_string()));
    }
    if coupon {
        limits.push(t("of.per_member").replace("{n}", &o.per_member.to_string()));
    }
    let day = |ms| crate::ui::fmt_ms_in(ms, offset);
    let page = OfferPage {
        p: v.chrome(&o.name),
        kind: t(&format!("of.kind.{}", o.kind.as_str())),
        reward: reward(v.lang, &o),
        threshold: threshold(v.lang, &o),
        valid: t("of.valid")
            .replace("{from}", &day(o.valid_from_ms))
            .replace("{until}", &day(o.valid_until_ms)),
        limits: limits.join(" · "),
        spend: !coupon,
        mine: mine
            .into_iter()
            .filter_map(|g| Some((g.code?, g.used_at_ms.is_some())))
            .collect(),
        can_claim: coupon && standing.is_none(),
        claim_action: format!("/h/{}/o/{}/claim", v.slug, id.0),
        notice,
        name: o.name,
    };
    Ok(page_html(page))
}

/// POST /h/{tenant}/o/{id}/claim: the visitor takes a coupon (a new visitor becomes a
/// prospect first), then back to the offer saying what came of it.
pub async fn claim_now(
    State(s): State<AppState>,
    Path((_, id)): Path<(String, i64)>,
    headers: HeaderMap,
    v: Visit,
) -> Response {
    let back = format!("/h/{}/o/{id}", v.slug);
    let m = match super::landing::taker(&s, &v, &headers, "offer", &back).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let r = match offers::claim(&s.db, v.tenant, OfferId(id), m, None).await {
        Ok(Given::Done(_) | Given::Again(_)) => "got",
        Ok(Given::Refused(why)) => refusal_key(why),
        // A spend offer is not taken; the member's own tap in another tab won the race.
        Err(CoreError::Conflict(_)) => return Redirect::to(&back).into_response(),
        Err(CoreError::NotFound(_)) => return super::not_found(v.lang, &v.shop),
        Err(e) => return crate::ui::server_error(e),
    };
    Redirect::to(&format!("{back}?r={r}")).into_response()
}
