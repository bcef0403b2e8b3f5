//! The campaigns overview's offers (买满送, coupons): each with what it gives, how many were
//! given of its stock, how many used and on orders of what total, its window and its member
//! page; and closing one (nothing more given; coupons held stay usable in their window).

use axum::Form;
use axum::extract::State;
use axum::response::Response;
use quanzi_core::views::Offer;
use quanzi_core::{Result, offers};
use quanzi_domain::wallet::{OfferKind, OfferReward};
use quanzi_domain::{OfferId, TenantId};

use super::super::format::{thousands, yuan};
use super::super::{Layout, UiUser};
use super::{CsrfForm, closing};
use crate::AppState;
use crate::api::IdPath;

/// An offer's row.
pub(super) struct OfferRow {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) kind: String,
    /// "满 ¥100.00 · 减 ¥20.00" or "无门槛 · 送 保温杯".
    pub(super) rule: String,
    /// "12 / 30", or "12" without a stock.
    pub(super) given: String,
    pub(super) pct: i64,
    pub(super) used: String,
    pub(super) orders: String,
    pub(super) window: String,
    /// Closed, or its window is over.
    pub(super) over: bool,
    pub(super) page: String,
}

impl OfferRow {
    fn of(l: &Layout, o: &Offer, slug: &str, now: i64) -> OfferRow {
        let threshold = if o.threshold_fen == 0 {
            l.t("offers.no_threshold").to_string()
        } else {
            l.t("offers.threshold")
                .replace("{yuan}", &yuan(o.threshold_fen))
        };
        let gives = match &o.reward {
            OfferReward::Discount(fen) => l.t("offers.off").replace("{yuan}", &yuan(*fen)),
            OfferReward::Gift(g) => l.t("offers.gift").replace("{gift}", g),
        };
        let given = match o.stock {
            Some(s) => format!("{} / {}", thousands(o.taken), thousands(s)),
            None => thousands(o.taken),
        };
        OfferRow {
            id: o.offer_id.0,
            name: o.name.clone(),
            kind: l.code("offer_kind", o.kind.as_str()),
            rule: format!("{threshold} · {gives}"),
            given,
            pct: o.stock.map_or(0, |s| (o.taken * 100 / s.max(1)).min(100)),
            used: if o.kind == OfferKind::Coupon {
                thousands(o.used)
            } else {
                "—".into()
            },
            orders: yuan(o.order_fen),
            window: format!(
                "{} – {}",
                l.fmt_ms(o.valid_from_ms),
                l.fmt_ms(o.valid_until_ms)
            ),
            over: o.closed_at_ms.is_some() || o.valid_until_ms <= now,
            page: format!("/h/{slug}/o/{}", o.offer_id.0),
        }
    }
}

/// The tenant's offers with their figures, newest first.
pub(super) async fn load(
    s: &AppState,
    l: &Layout,
    t: TenantId,
    slug: &str,
) -> Result<Vec<OfferRow>> {
    let now = quanzi_core::read::now_ms();
    Ok(offers::list(&s.db, t)
        .await?
        .iter()
        .map(|o| OfferRow::of(l, o, slug, now))
        .collect())
}

/// POST /ui/campaigns/offers/{id}/close: nothing more is given.
pub async fn close(
    State(s): State<AppState>,
    u: UiUser,
    IdPath(id): IdPath<OfferId>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let t = u.tenant();
    closing(&u, &f, "/ui/campaigns#offers", async {
        offers::close(&s.db, t, id).await.map(drop)
    })
    .await
}
