//! Coupons at the till: a code looked up (the coupon, its offer and its member), then used on
//! one order once — even when two tills try the same code at the same moment, the store's
//! update only takes a coupon not used yet, inside its offer's window and at its threshold.

use quanzi_domain::gift::normalize_code;
use quanzi_domain::{Invalid, OfferId, TenantId};
use quanzi_store::offer as repo;
use quanzi_store::{Db, now_ms, webhook};
use serde_json::json;

use super::{check_key, get};
use crate::Result;
use crate::views::{Offer, OfferGrant};

/// Why a coupon was not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotUsed {
    /// It is not a coupon of this merchant.
    Unknown,
    /// It was used already, at this time by this person.
    Already(i64, Option<String>),
    /// Its offer's window has not opened.
    NotStarted(i64),
    /// Its offer's window has ended.
    Expired(i64),
    /// The order does not reach the threshold (fen).
    BelowThreshold(i64),
}

/// A coupon's code as typed, made canonical.
fn canonical(typed: &str) -> Result<String> {
    normalize_code(typed).ok_or_else(|| {
        Invalid::one(
            "code",
            "must be the 8 characters shown on the member's page",
        )
        .into()
    })
}

/// Uses coupon `typed` on the order `order_key` of `order_fen` as `by` (staff name or API
/// key): once.
pub async fn redeem(
    db: &Db,
    t: TenantId,
    typed: &str,
    order_fen: i64,
    order_key: &str,
    by: &str,
) -> Result<std::result::Result<(OfferGrant, Offer), NotUsed>> {
    let code = canonical(typed)?;
    let mut e = Invalid::default();
    check_key(&mut e, "order_key", order_key);
    if !(0..=100_000_000).contains(&order_fen) {
        e.push("order_fen", "must be between 0 and 100000000");
    }
    let by = by.trim();
    if by.is_empty() || by.chars().count() > 64 {
        e.push("by", "must be 1 to 64 characters");
    }
    e.or_ok(())?;
    let now = now_ms();
    let mut tx = db.begin().await?;
    if let Some(g) =
        repo::use_code(&mut tx, t, &code, (order_key.trim(), order_fen), by, now).await?
    {
        let payload = json!({
            "offer_id": g.offer_id, "grant_id": g.grant_id, "member_id": g.member_id,
            "code": g.code, "order_key": g.order_key, "order_fen": g.order_fen, "at_ms": now,
        });
        webhook::emit(&mut tx, t, "coupon.used", &payload, now).await?;
        tx.commit().await?;
        let offer = get(db, t, OfferId(g.offer_id)).await?;
        return Ok(Ok((g.into(), offer)));
    }
    drop(tx);
    let Some((g, offer)) = look_up(db, t, &code).await? else {
        return Ok(Err(NotUsed::Unknown));
    };
    Ok(Err(match g.used_at_ms {
        Some(at) => NotUsed::Already(at, g.used_by),
        None if now < offer.valid_from_ms => NotUsed::NotStarted(offer.valid_from_ms),
        None if now >= offer.valid_until_ms => NotUsed::Expired(offer.valid_until_ms),
        None => NotUsed::BelowThreshold(offer.threshold_fen),
    }))
}

/// A coupon and its offer, for the till before using it; `None` for a code that is not one of
/// the tenant's coupons (or cannot be a code).
pub async fn look_up(db: &Db, t: TenantId, typed: &str) -> Result<Option<(OfferGrant, Offer)>> {
    let Ok(code) = canonical(typed) else {
        return Ok(None);
    };
    match repo::by_code(db, t, &code).await? {
        Some(g) => {
            let offer = get(db, t, OfferId(g.offer_id)).await?;
            Ok(Some((g.into(), offer)))
        }
        None => Ok(None),
    }
}
