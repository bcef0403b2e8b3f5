//! Offers (买满送 and coupons): the operator's offers with their figures; a spend-get offer
//! applied to an order once per order key; a coupon handed to a member once per claim key,
//! with its code — used at the till once, see [`till`]. Each grant takes one from the offer's
//! stock in the transaction that writes it, so no rush gives more than the stock, nor more to a
//! member than the offer allows.

pub mod till;

use quanzi_domain::wallet::{OfferInput, OfferKind, OfferReward};
use quanzi_domain::{Invalid, MemberId, OfferId, TenantId};
use quanzi_store::offer::{self as repo, NewGrant, NotGranted};
use quanzi_store::unique::OFFER_GRANT_CODE;
use quanzi_store::{Db, StoreError, Tx, now_ms, webhook};
use serde_json::json;

use crate::views::{Offer, OfferGrant};
use crate::{CoreError, Result};

/// Why an offer gave nothing; nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferRefusal {
    /// Its window has not opened.
    NotStarted,
    /// Its window has ended.
    Ended,
    /// The operator closed it.
    Closed,
    /// The order does not reach its threshold.
    BelowThreshold,
    /// Its stock is given out.
    SoldOut,
    /// The member has as many as it allows.
    Limit,
}

impl std::fmt::Display for OfferRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            OfferRefusal::NotStarted => "the offer has not started",
            OfferRefusal::Ended => "the offer has ended",
            OfferRefusal::Closed => "the offer is closed",
            OfferRefusal::BelowThreshold => "the order does not reach the offer's threshold",
            OfferRefusal::SoldOut => "the offer is given out",
            OfferRefusal::Limit => "the member has as many as the offer allows",
        })
    }
}

/// What asking for a grant came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Given {
    /// Written.
    Done(OfferGrant),
    /// The cause had its grant already: that one.
    Again(OfferGrant),
    /// Refused; nothing was written.
    Refused(OfferRefusal),
}

/// Creates an offer.
pub async fn create(db: &Db, t: TenantId, input: OfferInput) -> Result<Offer> {
    let o = input.into_new()?;
    Ok(view(repo::create(db, t, &o, now_ms()).await?, None))
}

/// Every offer of the tenant with its figures, newest first.
pub async fn list(db: &Db, t: TenantId) -> Result<Vec<Offer>> {
    let figures = repo::figures(db, t, None).await?;
    Ok(repo::list(db, t)
        .await?
        .into_iter()
        .map(|o| {
            let f = figures.iter().find(|f| f.0 == o.offer_id).copied();
            view(o, f)
        })
        .collect())
}

/// An offer with its figures.
pub async fn get(db: &Db, t: TenantId, id: OfferId) -> Result<Offer> {
    let o = repo::get(db, t, id)
        .await?
        .ok_or(CoreError::NotFound("offer"))?;
    with_figures(db, t, o).await
}

/// The view of stored offer `o` with its figures.
async fn with_figures(db: &Db, t: TenantId, o: repo::Offer) -> Result<Offer> {
    let f = repo::figures(db, t, Some(OfferId(o.offer_id))).await?;
    Ok(view(o, f.first().copied()))
}

/// Closes an offer: no more grants (coupons held stay usable in their window).
pub async fn close(db: &Db, t: TenantId, id: OfferId) -> Result<Offer> {
    let o = repo::close(db, t, id, now_ms())
        .await?
        .ok_or(CoreError::NotFound("offer"))?;
    with_figures(db, t, o).await
}

/// An offer's latest grants (up to `limit`, 1–500), newest first.
pub async fn grants(db: &Db, t: TenantId, id: OfferId, limit: i64) -> Result<Vec<OfferGrant>> {
    repo::get(db, t, id)
        .await?
        .ok_or(CoreError::NotFound("offer"))?;
    Ok(crate::views::all(
        repo::grants(db, t, id, limit.clamp(1, 500)).await?,
    ))
}

/// A member's grants (coupons held, offers applied to their orders), newest first.
pub async fn of_member(db: &Db, t: TenantId, m: MemberId) -> Result<Vec<OfferGrant>> {
    crate::members::get(db, t, m).await?;
    Ok(crate::views::all(repo::of_member(db, t, m, None).await?))
}

/// What member `m` holds of offer `id`, newest first.
pub async fn held(db: &Db, t: TenantId, id: OfferId, m: MemberId) -> Result<Vec<OfferGrant>> {
    Ok(crate::views::all(
        repo::of_member(db, t, m, Some(id)).await?,
    ))
}

/// Applies spend-get offer `id` to member `m`'s order of `order_fen` with key `key`: once per
/// key (a retry answers the first), inside the window, at or above the threshold, within the
/// stock and the member's limit.
pub async fn apply(
    db: &Db,
    t: TenantId,
    id: OfferId,
    m: MemberId,
    order_fen: i64,
    key: &str,
) -> Result<Given> {
    let mut e = Invalid::default();
    check_key(&mut e, "key", key);
    if !(1..=100_000_000).contains(&order_fen) {
        e.push("order_fen", "must be between 1 and 100000000");
    }
    e.or_ok(())?;
    let offer = offered(db, t, id, m, OfferKind::SpendGet).await?;
    let now = now_ms();
    let grant = NewGrant {
        member: m,
        cause_key: key.trim(),
        code: None,
        order: Some((key.trim(), order_fen)),
    };
    if let Some(why) = window(
        offer.closed_at_ms,
        offer.valid_from_ms,
        offer.valid_until_ms,
        now,
    )
    .or((order_fen < offer.threshold_fen).then_some(OfferRefusal::BelowThreshold))
    {
        return again_or(db, t, id, &grant, why).await;
    }
    give(db, t, id, &grant, now).await
}

/// Hands member `m` a coupon of offer `id` for claim `key` (none: the member's next one, so a
/// double tap asks for the same coupon twice and gets one).
pub async fn claim(
    db: &Db,
    t: TenantId,
    id: OfferId,
    m: MemberId,
    key: Option<&str>,
) -> Result<Given> {
    if let Some(k) = key {
        let mut e = Invalid::default();
        check_key(&mut e, "key", k);
        e.or_ok(())?;
    }
    let offer = offered(db, t, id, m, OfferKind::Coupon).await?;
    let held = held(db, t, id, m).await?.len();
    let key = key.map_or_else(
        || format!("member-{}-{}", m.0, held + 1),
        |k| k.trim().into(),
    );
    let now = now_ms();
    let grant = NewGrant {
        member: m,
        cause_key: &key,
        code: None,
        order: None,
    };
    if let Some(why) = window(
        offer.closed_at_ms,
        offer.valid_from_ms,
        offer.valid_until_ms,
        now,
    ) {
        return again_or(db, t, id, &grant, why).await;
    }
    let mut tries = 0;
    loop {
        tries += 1;
        let code = new_code()?;
        let coupon = NewGrant {
            code: Some(&code),
            ..grant.clone()
        };
        match give(db, t, id, &coupon, now).await {
            // Another coupon has this code (one chance in a trillion): draw again.
            Err(CoreError::Store(StoreError::Conflict { constraint }))
                if constraint == OFFER_GRANT_CODE && tries < 4 => {}
            other => return other,
        }
    }
}

/// Why member holding `held` of offer `o` could not take one now, before anyone asks (a
/// race may still refuse what this allows; never the other way round).
pub fn standing(o: &Offer, held: usize) -> Option<OfferRefusal> {
    let closed = window(o.closed_at_ms, o.valid_from_ms, o.valid_until_ms, now_ms());
    if closed.is_some() {
        closed
    } else if o.stock.is_some_and(|s| o.taken >= s) {
        Some(OfferRefusal::SoldOut)
    } else if i64::try_from(held).unwrap_or(i64::MAX) >= o.per_member {
        Some(OfferRefusal::Limit)
    } else {
        None
    }
}

/// The offer of a grant request, of the right kind, for a member of the tenant.
async fn offered(
    db: &Db,
    t: TenantId,
    id: OfferId,
    m: MemberId,
    kind: OfferKind,
) -> Result<repo::Offer> {
    let offer = repo::get(db, t, id)
        .await?
        .ok_or(CoreError::NotFound("offer"))?;
    if offer.kind != kind.as_str() {
        let to = if kind == OfferKind::Coupon {
            "claimed: it is a spend-get offer, applied to orders"
        } else {
            "applied to an order: it is a coupon, claimed by members"
        };
        return Err(CoreError::Conflict(format!("offer: cannot be {to}")));
    }
    crate::members::get(db, t, m).await?;
    Ok(offer)
}

/// Why an offer closed at `closed_at_ms` (if it was) with the window `from..until` gives
/// nothing at `now`, if it does not.
fn window(closed_at_ms: Option<i64>, from: i64, until: i64, now: i64) -> Option<OfferRefusal> {
    if closed_at_ms.is_some() {
        Some(OfferRefusal::Closed)
    } else if now < from {
        Some(OfferRefusal::NotStarted)
    } else if now >= until {
        Some(OfferRefusal::Ended)
    } else {
        None
    }
}

/// The cause's grant when it has one (a retry after the offer ended still finds it), else
/// the refusal.
async fn again_or(
    db: &Db,
    t: TenantId,
    id: OfferId,
    g: &NewGrant<'_>,
    why: OfferRefusal,
) -> Result<Given> {
    let mut tx = db.begin().await?;
    match repo::by_cause(&mut tx, t, id, g.cause_key).await? {
        Some(row) => same(row, g).map(Given::Again),
        None => Ok(Given::Refused(why)),
    }
}

/// Writes the grant in one transaction, with its webhook; a refusal rolls it back.
async fn give(db: &Db, t: TenantId, id: OfferId, g: &NewGrant<'_>, now: i64) -> Result<Given> {
    let mut tx = db.begin().await?;
    let why = match repo::grant(&mut tx, t, id, g, now).await? {
        Ok(row) => {
            emit(&mut tx, t, &row, now).await?;
            tx.commit().await?;
            return Ok(Given::Done(row.into()));
        }
        Err(NotGranted::Again) => {
            let row = repo::by_cause(&mut tx, t, id, g.cause_key).await?;
            let row = row.ok_or(CoreError::NotFound("offer grant"))?;
            return same(row, g).map(Given::Again);
        }
        Err(NotGranted::Closed) => OfferRefusal::Closed,
        Err(NotGranted::SoldOut) => OfferRefusal::SoldOut,
        Err(NotGranted::Limit) => OfferRefusal::Limit,
    };
    drop(tx);
    Ok(Given::Refused(why))
}

/// The stored grant of a cause asked for again: the same request, or a conflict.
fn same(row: repo::Grant, g: &NewGrant<'_>) -> Result<OfferGrant> {
    let order = g.order.map(|(_, fen)| fen);
    if row.member_id != g.member.0 || (order.is_some() && row.order_fen != order) {
        return Err(CoreError::Conflict(
            "key: was used for another member or order".into(),
        ));
    }
    Ok(row.into())
}

async fn emit(tx: &mut Tx, t: TenantId, g: &repo::Grant, now: i64) -> Result<()> {
    let payload = json!({
        "offer_id": g.offer_id, "grant_id": g.grant_id, "member_id": g.member_id,
        "cause_key": g.cause_key, "code": g.code, "order_fen": g.order_fen, "at_ms": now,
    });
    webhook::emit(tx, t, "offer.granted", &payload, now).await?;
    Ok(())
}

fn check_key(e: &mut Invalid, field: &str, key: &str) {
    let key = key.trim();
    if key.is_empty() || key.len() > 64 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        e.push(field, "must be 1 to 64 printable ASCII characters");
    }
}

/// A fresh coupon code (8 characters of the gift codes' alphabet).
fn new_code() -> Result<String> {
    let mut raw = [0u8; 8];
    getrandom::fill(&mut raw).map_err(|e| CoreError::ServerKey(e.to_string()))?;
    Ok(quanzi_domain::gift::redemption_code(u64::from_le_bytes(
        raw,
    )))
}

/// The view of a stored offer with its figures (offer, used, orders' fen, members).
fn view(o: repo::Offer, figures: Option<(i64, i64, i64, i64)>) -> Offer {
    let (_, used, order_fen, members) = figures.unwrap_or_default();
    let reward = match (o.discount_fen, o.gift_name) {
        (Some(d), _) => OfferReward::Discount(d),
        (None, g) => OfferReward::Gift(g.unwrap_or_default()),
    };
    Offer {
        offer_id: OfferId(o.offer_id),
        name: o.name,
        kind: OfferKind::parse(&o.kind).unwrap_or(OfferKind::SpendGet),
        threshold_fen: o.threshold_fen,
        reward,
        stock: o.stock,
        taken: o.taken,
        used,
        order_fen,
        members,
        valid_from_ms: o.valid_from_ms,
        valid_until_ms: o.valid_until_ms,
        per_member: o.per_member,
        closed_at_ms: o.closed_at_ms,
        created_at_ms: o.created_at_ms,
    }
}
