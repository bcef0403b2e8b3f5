//! A member opening an envelope (抢红包): the next unclaimed share of the send is theirs, taken
//! by a conditional update in one transaction (see `quanzi_store::red_envelope::claim`), so a
//! rush never gives a send more claims than it has shares, nor a member two shares of it.
//! Only members of the send's group at the time of the claim may take one.

use quanzi_domain::{MemberId, TenantId};
use quanzi_store::red_envelope::{self as repo, Claim};
use quanzi_store::{Db, StoreError, now_ms};

use crate::views::RedEnvelopeShare;
use crate::{CoreError, Result};

/// Why a claim took nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimRefusal {
    /// The envelope opens later (还没开始).
    NotOpen,
    /// Every share was claimed (已抢完).
    AllClaimed,
    /// The member is not in the envelope's group (不在本群).
    NotInGroup,
    /// Its plan was closed before it opened (已取消).
    Cancelled,
}

impl ClaimRefusal {
    /// A stable name (the member page's result key).
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimRefusal::NotOpen => "not_open",
            ClaimRefusal::AllClaimed => "all_claimed",
            ClaimRefusal::NotInGroup => "not_in_group",
            ClaimRefusal::Cancelled => "cancelled",
        }
    }
}

/// What a claim came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Claimed {
    /// The member took this share.
    Got(RedEnvelopeShare),
    /// The member had claimed this share of the envelope before: unchanged.
    Again(RedEnvelopeShare),
    /// Nothing taken; nothing written.
    Refused(ClaimRefusal),
}

/// Member `m` claims a share of envelope `send`.
pub async fn claim(db: &Db, t: TenantId, send: i64, m: MemberId) -> Result<Claimed> {
    repo::send(db, t, send)
        .await?
        .ok_or(CoreError::NotFound("red envelope"))?;
    let now = now_ms();
    let mut tx = db.begin().await?;
    let took = match repo::claim(&mut tx, t, send, m, now).await {
        Ok(c) => c,
        // The member's unique key on the send is the only one a claim can break: their own
        // claim in another request won, and this transaction is void.
        Err(StoreError::Conflict { .. }) => {
            drop(tx);
            return again(db, t, send, m).await;
        }
        Err(e) => return Err(e.into()),
    };
    let named = |s| RedEnvelopeShare::of(s, None);
    Ok(match took {
        Claim::Got(s) => {
            tx.commit().await?;
            Claimed::Got(named(s))
        }
        Claim::Again(s) => Claimed::Again(named(s)),
        Claim::NotOpen => Claimed::Refused(ClaimRefusal::NotOpen),
        Claim::AllClaimed => Claimed::Refused(ClaimRefusal::AllClaimed),
        Claim::NotInGroup => Claimed::Refused(ClaimRefusal::NotInGroup),
        Claim::Cancelled => Claimed::Refused(ClaimRefusal::Cancelled),
    })
}

async fn again(db: &Db, t: TenantId, send: i64, m: MemberId) -> Result<Claimed> {
    let mine = repo::shares_of_send(db, t, send)
        .await?
        .into_iter()
        .find(|s| s.member_id == Some(m.0));
    match mine {
        Some(s) => Ok(Claimed::Again(RedEnvelopeShare::of(s, None))),
        None => Err(CoreError::Conflict(
            "the claim raced another; try again".into(),
        )),
    }
}
