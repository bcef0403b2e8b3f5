//! Bargains (砍一刀): the operator's offers, a member's bargain opened on one (a *run*, at
//! the offer's start price, open to cuts for the offer's hours), friends' cuts and the
//! owner's purchase at the price reached (see [`cut`]).

pub mod cut;

use quanzi_domain::bargain::BargainInput;
use quanzi_domain::{BargainId, MemberId, TenantId};
use quanzi_store::bargain as repo;
use quanzi_store::{Db, now_ms};
use serde::{Deserialize, Serialize};

use crate::views::{self, Bargain, BargainRun, BargainRunDetail};
use crate::{CoreError, Result};

/// A member's bargain of an offer (one per member and offer): what `/api/v1/bargain-runs`
/// names. The offer itself is a [`BargainId`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BargainRunId(pub i64);

impl From<i64> for BargainRunId {
    fn from(id: i64) -> Self {
        BargainRunId(id)
    }
}

impl std::fmt::Display for BargainRunId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Creates an offer.
pub async fn create(db: &Db, t: TenantId, input: BargainInput) -> Result<Bargain> {
    let b = input.into_new()?;
    let now = now_ms();
    let mut tx = db.begin().await?;
    let row = repo::create(&mut tx, t, &b, now).await?;
    tx.commit().await?;
    Ok(row.into())
}

/// An offer as stored, or not found.
pub(crate) async fn row(db: &Db, t: TenantId, id: BargainId) -> Result<repo::Bargain> {
    repo::get(db, t, id)
        .await?
        .ok_or(CoreError::NotFound("bargain"))
}

/// An offer.
pub async fn get(db: &Db, t: TenantId, id: BargainId) -> Result<Bargain> {
    Ok(row(db, t, id).await?.into())
}

/// Every offer, newest first.
pub async fn list(db: &Db, t: TenantId) -> Result<Vec<Bargain>> {
    Ok(views::all(repo::list(db, t).await?))
}

/// What opening a member's bargain came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Opened {
    /// A new bargain at the start price.
    New(BargainRun),
    /// The member's bargain of this offer, opened before.
    Again(BargainRun),
    /// The offer's stock is sold; nothing was written.
    SoldOut,
    /// The operator closed the offer: no new bargain; nothing was written.
    Closed,
}

/// Opens member `m`'s bargain of offer `id`, or answers the one they opened before (one per
/// member and offer, whatever became of it).
pub async fn open(db: &Db, t: TenantId, id: BargainId, m: MemberId) -> Result<Opened> {
    let b = row(db, t, id).await?;
    crate::members::get(db, t, m).await?;
    if let Some(r) = repo::run_of(db, t, id, m).await? {
        return Ok(Opened::Again(r.into()));
    }
    if b.closed_at_ms.is_some() {
        return Ok(Opened::Closed);
    }
    if b.stock.is_some_and(|s| b.taken >= s) {
        return Ok(Opened::SoldOut);
    }
    let now = now_ms();
    let mut tx = db.begin().await?;
    let opened = repo::open_run(&mut tx, t, &b, m, now).await?;
    tx.commit().await?;
    match opened {
        Some(r) => Ok(Opened::New(r.into())),
        // Opened by the same member meanwhile.
        None => repo::run_of(db, t, id, m)
            .await?
            .map(|r| Opened::Again(r.into()))
            .ok_or(CoreError::NotFound("bargain run")),
    }
}

/// Closes an offer: no new bargain (those open run to their expiry).
pub async fn close(db: &Db, t: TenantId, id: BargainId) -> Result<Bargain> {
    if !repo::close(db, t, id, now_ms()).await? {
        return Err(CoreError::NotFound("bargain"));
    }
    get(db, t, id).await
}

/// A member's bargain as stored, or not found.
pub(crate) async fn run_row(db: &Db, t: TenantId, id: BargainRunId) -> Result<repo::BargainRun> {
    repo::run(db, t, id.0)
        .await?
        .ok_or(CoreError::NotFound("bargain run"))
}

/// A member's bargain with its offer and its cuts in order.
pub async fn run(db: &Db, t: TenantId, id: BargainRunId) -> Result<BargainRunDetail> {
    let r = run_row(db, t, id).await?;
    let bargain = get(db, t, BargainId(r.bargain_id)).await?;
    Ok(BargainRunDetail {
        cuts: views::all(repo::cuts(db, t, id.0).await?),
        run: r.into(),
        bargain,
    })
}

/// Member `m`'s bargain of offer `id`, if they opened one.
pub async fn run_of(
    db: &Db,
    t: TenantId,
    id: BargainId,
    m: MemberId,
) -> Result<Option<BargainRun>> {
    Ok(repo::run_of(db, t, id, m).await?.map(Into::into))
}

/// An offer's members' bargains, newest first (up to 200).
pub async fn runs(db: &Db, t: TenantId, id: BargainId) -> Result<Vec<BargainRun>> {
    row(db, t, id).await?;
    Ok(views::all(repo::runs(db, t, id, 200).await?))
}
