//! Lead gifts (引流礼品): the operator's gifts, members' redemption codes, staff redeeming
//! them in store (each once, whoever is first), and what a gift cost per member it brought.

use quanzi_domain::gift::{GiftInput, TARGET_COST_FEN, normalize_code};
use quanzi_domain::{Invalid, MemberId, TenantId};
use quanzi_store::{Db, gift as repo, now_ms};

use crate::views::{self, Gift, GiftCost, Redemption};
use crate::{CoreError, Result};

/// Creates a gift.
pub async fn create(db: &Db, t: TenantId, input: GiftInput) -> Result<Gift> {
    let g = input.into_new()?;
    let mut tx = db.begin().await?;
    let row = repo::create(&mut tx, t, &g, now_ms()).await?;
    tx.commit().await?;
    Ok(row.into())
}

/// Replaces a gift's settings; its stock cannot fall below the codes issued.
pub async fn update(db: &Db, t: TenantId, id: i64, input: GiftInput) -> Result<Gift> {
    let g = input.into_new()?;
    get(db, t, id).await?;
    let mut tx = db.begin().await?;
    let row = repo::update(&mut tx, t, id, &g, now_ms())
        .await?
        .ok_or_else(|| Invalid::one("stock", "is below the codes already issued"))?;
    tx.commit().await?;
    Ok(row.into())
}

/// A gift.
pub async fn get(db: &Db, t: TenantId, id: i64) -> Result<Gift> {
    Ok(repo::get(db, t, id)
        .await?
        .ok_or(CoreError::NotFound("gift"))?
        .into())
}

/// Every gift, newest first.
pub async fn list(db: &Db, t: TenantId) -> Result<Vec<Gift>> {
    Ok(views::all(repo::list(db, t).await?))
}

/// A member's codes, newest first.
pub async fn of_member(db: &Db, t: TenantId, m: MemberId) -> Result<Vec<Redemption>> {
    Ok(views::all(repo::of_member(db, t, m).await?))
}

/// Why a code was not redeemed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotRedeemed {
    /// It is not a code of this merchant.
    Unknown,
    /// It was redeemed already, at this time by this person.
    Already(i64, Option<String>),
    /// Its time passed.
    Expired(i64),
}

/// Redeems a code as `by` (staff name or operator): once, even when two staff try at the
/// same moment — the store's update only takes a code not redeemed yet.
pub async fn redeem(
    db: &Db,
    t: TenantId,
    typed: &str,
    by: &str,
) -> Result<std::result::Result<(Redemption, Gift), NotRedeemed>> {
    let Some(code) = normalize_code(typed) else {
        return Err(Invalid::one(
            "code",
            "must be the 8 characters shown on the member's page",
        )
        .into());
    };
    let by = by.trim();
    if by.is_empty() || by.chars().count() > 64 {
        return Err(Invalid::one("by", "must be 1 to 64 characters").into());
    }
    let now = now_ms();
    if let Some(r) = repo::redeem(db, t, &code, by, now).await? {
        let g = get(db, t, r.gift_id).await?;
        return Ok(Ok((r.into(), g)));
    }
    Ok(Err(match repo::by_code(db, t, &code).await? {
        None => NotRedeemed::Unknown,
        Some(r) => match r.redeemed_at_ms {
            Some(at) => NotRedeemed::Already(at, r.redeemed_by),
            None => NotRedeemed::Expired(r.expires_at_ms),
        },
    }))
}

/// A code and its gift, for the staff page before redeeming.
pub async fn look_up(db: &Db, t: TenantId, typed: &str) -> Result<Option<(Redemption, Gift)>> {
    let Some(code) = normalize_code(typed) else {
        return Ok(None);
    };
    match repo::by_code(db, t, &code).await? {
        Some(r) => {
            let g = get(db, t, r.gift_id).await?;
            Ok(Some((r.into(), g)))
        }
        None => Ok(None),
    }
}

/// What each gift cost per member acquired and per member retained (still active after 30
/// days), per live code, against the seed's ¥3.
pub async fn costs(db: &Db, t: TenantId) -> Result<Vec<GiftCost>> {
    let gifts = repo::list(db, t).await?;
    let per = |spent: i64, n: i64| (n > 0).then(|| (spent + n / 2) / n);
    Ok(repo::figures(db, t, now_ms())
        .await?
        .into_iter()
        .map(|f| {
            let cost = gifts
                .iter()
                .find(|g| g.gift_id == f.gift_id)
                .map_or(0, |g| g.cost_fen);
            let spent = f.redeemed * cost;
            let per_acquired = per(spent, f.issued);
            GiftCost {
                gift_id: f.gift_id,
                live_code_id: f.live_code_id,
                issued: f.issued,
                redeemed: f.redeemed,
                matured: f.matured,
                retained: f.retained,
                spent_fen: spent,
                per_acquired_fen: per_acquired,
                per_retained_fen: per(
                    // Spent on the members who had 30 days to stay, over those who stayed.
                    (spent * f.matured).checked_div(f.issued).unwrap_or(0),
                    f.retained,
                ),
                within_target: per_acquired.is_some_and(|c| c <= TARGET_COST_FEN),
            }
        })
        .collect())
}
