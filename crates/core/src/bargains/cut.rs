//! A friend's cut of a member's bargain and the owner's purchase. A cut takes the bargain's
//! row first (the update that numbers it, see `quanzi_store::bargain::take_cut`), so cuts of
//! one bargain never interleave; its amount is the domain's (`quanzi_domain::bargain::cut`),
//! which brings the price to the floor exactly on cut number `cuts_to_floor` and never below
//! it; a friend cuts once (the cut's key). The owner buys once, at the price reached, as an
//! `order` event.
//!
//! The seed of cut number `n` (from 1) of bargain run `r` is the first 8 bytes, read
//! big-endian, of SHA-256 of the text `quanzi-bargain:{r}:{n}` — anyone can recompute every
//! cut of a bargain from its offer, its run id and its cuts in order.

use quanzi_domain::bargain;
use quanzi_domain::event::{Builtin, EventKind, NewEvent};
use quanzi_domain::{BargainId, MemberId, TenantId};
use quanzi_store::bargain::{self as repo, BargainCut as CutRow};
use quanzi_store::{Db, now_ms};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::BargainRunId;
use crate::Result;
use crate::views::{BargainCut, BargainRun};

/// Why a cut or a purchase was refused; nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The friend cut this bargain already.
    AlreadyCut,
    /// The bargain's owner cannot cut their own.
    OwnBargain,
    /// The bargain's hours are over: no more cuts.
    Expired,
    /// The price is at its floor: nothing left to cut.
    AtFloor,
    /// The owner bought it already.
    Bought,
    /// The offer's stock is sold.
    SoldOut,
}

impl Refusal {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::AlreadyCut => "already_cut",
            Refusal::OwnBargain => "own_bargain",
            Refusal::Expired => "expired",
            Refusal::AtFloor => "at_floor",
            Refusal::Bought => "bought",
            Refusal::SoldOut => "sold_out",
        }
    }
}

/// What a cut came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Cut {
    /// The friend's cut.
    Done(BargainCut),
    /// Refused.
    Refused(Refusal),
}

/// What a purchase came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Bought {
    /// Bought at `paid_fen`: an `order` event.
    Done(BargainRun),
    /// Refused.
    Refused(Refusal),
}

/// The seed of cut number `cut_no` (from 1) of bargain run `run`: the first 8 bytes,
/// big-endian, of SHA-256 of `quanzi-bargain:{run}:{cut_no}`.
pub fn seed(run: BargainRunId, cut_no: i64) -> u64 {
    let digest = Sha256::digest(format!("quanzi-bargain:{run}:{cut_no}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

/// Why a run took no cut, read after the refused update.
fn closed(r: &repo::BargainRun) -> Refusal {
    if r.bought_at_ms.is_some() {
        Refusal::Bought
    } else if r.price_fen <= r.floor_price_fen {
        Refusal::AtFloor
    } else {
        Refusal::Expired
    }
}

/// Friend `m` cuts bargain `id` once: by the domain's amount for this cut, never below the
/// floor, only before the bargain expires and while it is not bought.
pub async fn cut(db: &Db, t: TenantId, id: BargainRunId, m: MemberId) -> Result<Cut> {
    crate::members::get(db, t, m).await?;
    let run = super::run_row(db, t, id).await?;
    if run.member_id == m.0 {
        return Ok(Cut::Refused(Refusal::OwnBargain));
    }
    let offer = super::row(db, t, BargainId(run.bargain_id)).await?;
    let now = now_ms();
    let mut tx = db.begin().await?;
    if repo::cut_of_tx(&mut tx, t, id.0, m).await?.is_some() {
        return Ok(Cut::Refused(Refusal::AlreadyCut));
    }
    let Some(taken) = repo::take_cut(&mut tx, t, id.0, now).await? else {
        drop(tx);
        let run = super::run_row(db, t, id).await?;
        return Ok(Cut::Refused(closed(&run)));
    };
    // `taken.cuts` counts this cut; `taken.price_fen` is the price before it.
    let done = u32::try_from(taken.cuts - 1).unwrap_or(u32::MAX);
    let amount = bargain::cut(
        offer.start_price_fen,
        offer.floor_price_fen,
        u32::try_from(offer.cuts_to_floor).unwrap_or(u32::MAX),
        done,
        taken.price_fen,
        seed(id, taken.cuts),
    );
    let row = CutRow {
        bargain_run_id: id.0,
        member_id: m.0,
        cut_no: taken.cuts,
        amount_fen: amount,
        price_after_fen: (taken.price_fen - amount).max(taken.floor_price_fen),
        at_ms: now,
    };
    if !repo::record_cut(&mut tx, t, &row).await? {
        // The same friend's other cut came first.
        return Ok(Cut::Refused(Refusal::AlreadyCut));
    }
    tx.commit().await?;
    Ok(Cut::Done(row.into()))
}

/// The owner buys bargain `id` at its price now, once: an `order` event referencing the
/// offer (`bg:{id}`, `order.created` to the webhooks), one unit of the offer's stock.
pub async fn buy(db: &Db, t: TenantId, id: BargainRunId) -> Result<Bought> {
    let run = super::run_row(db, t, id).await?;
    if run.bought_at_ms.is_some() {
        return Ok(Bought::Refused(Refusal::Bought));
    }
    let offer = super::row(db, t, BargainId(run.bargain_id)).await?;
    let now = now_ms();
    let mut tx = db.begin().await?;
    let Some(bought) = repo::buy(&mut tx, t, id.0, now).await? else {
        return Ok(Bought::Refused(Refusal::Bought));
    };
    if !repo::take_unit(&mut tx, t, BargainId(bought.bargain_id), now).await? {
        return Ok(Bought::Refused(Refusal::SoldOut));
    }
    let ev = NewEvent {
        idempotency_key: format!("bargain-run-{}", bought.bargain_run_id),
        kind: EventKind::of(Builtin::Order),
        member_id: MemberId(bought.member_id),
        group_id: None,
        occurred_at_ms: now,
        amount_fen: bought.paid_fen,
        product: Some(offer.product_name.clone()),
        reference: Some(format!("bg:{}", offer.bargain_id)),
        properties: json!({
            "bargain_id": offer.bargain_id,
            "bargain_run_id": bought.bargain_run_id,
            "cuts": bought.cuts,
            "start_price_fen": offer.start_price_fen,
        })
        .to_string(),
    };
    crate::events::store(&mut tx, t, &[ev]).await?;
    tx.commit().await?;
    Ok(Bought::Done(bought.into()))
}
