//! A team's life: opened by its leader, joined by friends (each a hold on one unit at the
//! team price), settled once. The team's places are taken by a conditional update of its row
//! in the joiner's transaction (see `quanzi_store::group_buy::take_place`), so a race for
//! the last place fills the team exactly: one join completes it, the rest are refused
//! `full`. The join that fills it turns every hold into an `order` event in the same
//! transaction and tells the webhooks `team.succeeded`; a team short at its deadline fails,
//! its holds released and nobody paying (`team.failed`), unless the merchant completed it
//! with virtual members first.

use quanzi_domain::event::{Builtin, EventKind, NewEvent};
use quanzi_domain::group_buy::{JoinOutcome, TeamState, after_join, at_deadline};
use quanzi_domain::{GroupBuyId, MemberId, TeamId, TenantId};
use quanzi_store::group_buy::{self as repo, Team};
use quanzi_store::{Db, Tx, now_ms, webhook};
use serde_json::json;

use crate::views::TeamDetail;
use crate::{CoreError, Result};

/// Why a team refused a member (or the merchant); nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Every place is taken (the team succeeded).
    Full,
    /// The member is in the team already.
    AlreadyIn,
    /// The team failed, or its deadline passed.
    Closed,
    /// The operator closed the group buy: no new team.
    Ended,
    /// The group buy's stock is all held or sold.
    SoldOut,
    /// The group buy does not allow virtual members.
    NoVirtual,
}

impl Refusal {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::Full => "full",
            Refusal::AlreadyIn => "already_in",
            Refusal::Closed => "closed",
            Refusal::Ended => "ended",
            Refusal::SoldOut => "sold_out",
            Refusal::NoVirtual => "no_virtual",
        }
    }
}

/// What opening, joining or completing a team came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The member is in (a team opened, or joined) and the team waits for others.
    Joined(TeamDetail),
    /// This call completed the team: the last place taken, or the merchant's virtual
    /// members; every hold became an order.
    Completed(TeamDetail),
    /// The same thing was done before: the team, unchanged (the leader's open team, a team
    /// completed already).
    Again(TeamDetail),
    /// Refused.
    Refused(Refusal),
}

/// Opens a team of `g` led by `m`, who holds its first place; a leader with an open team of
/// the group buy gets that team back (`Again`), so a double tap opens one.
pub async fn open(db: &Db, t: TenantId, g: GroupBuyId, m: MemberId) -> Result<Outcome> {
    let gb = super::row(db, t, g).await?;
    crate::members::get(db, t, m).await?;
    let now = now_ms();
    let leading = repo::open_team_of(db, t, g, m).await?;
    if gb.closed_at_ms.is_some() && leading.is_none() {
        return Ok(Outcome::Refused(Refusal::Ended));
    }
    if let Some(team) = leading {
        let team = super::settle_if_due(db, t, team, now).await?;
        if team.state == TeamState::Open.as_str() {
            return Ok(Outcome::Again(super::detail(db, t, team).await?));
        }
    }
    let mut tx = db.begin().await?;
    if !repo::take_unit(&mut tx, t, g, now).await? {
        return Ok(Outcome::Refused(Refusal::SoldOut));
    }
    let Some(team) = repo::open_team(&mut tx, t, &gb, m, now).await? else {
        // Opened by the same leader meanwhile: that one.
        drop(tx);
        return match repo::open_team_of(db, t, g, m).await? {
            Some(team) => Ok(Outcome::Again(super::detail(db, t, team).await?)),
            None => Err(CoreError::Conflict("team".into())),
        };
    };
    tx.commit().await?;
    Ok(Outcome::Joined(super::detail(db, t, team).await?))
}

/// Why a team took no one: full when it succeeded, closed otherwise.
fn refusal_of(team: &Team) -> Refusal {
    if team.state == TeamState::Succeeded.as_str() {
        Refusal::Full
    } else {
        Refusal::Closed
    }
}

/// Puts member `m` in the team: a hold on one unit at the team price. The join that fills
/// the team completes it (every hold becomes an order). A team past its deadline is failed
/// on the way.
pub async fn join(db: &Db, t: TenantId, id: TeamId, m: MemberId) -> Result<Outcome> {
    crate::members::get(db, t, m).await?;
    let now = now_ms();
    let team = super::settle_if_due(db, t, super::team_row(db, t, id).await?, now).await?;
    let mut tx = db.begin().await?;
    if repo::is_member_tx(&mut tx, t, id, m).await? {
        return Ok(Outcome::Refused(Refusal::AlreadyIn));
    }
    if team.state != TeamState::Open.as_str() {
        return Ok(Outcome::Refused(refusal_of(&team)));
    }
    let Some(after) = repo::take_place(&mut tx, t, id, now).await? else {
        drop(tx);
        let team = super::team_row(db, t, id).await?;
        return Ok(Outcome::Refused(refusal_of(&team)));
    };
    let before = u32::try_from(after.member_count - 1).unwrap_or(u32::MAX);
    let size = u32::try_from(after.team_size).unwrap_or(0);
    let outcome = after_join(before, size);
    if outcome == JoinOutcome::Full {
        return Ok(Outcome::Refused(Refusal::Full));
    }
    let g = GroupBuyId(after.group_buy_id);
    if !repo::take_unit(&mut tx, t, g, now).await? {
        return Ok(Outcome::Refused(Refusal::SoldOut));
    }
    if !repo::add_member(&mut tx, t, id, m, after.member_count, now).await? {
        // The same member's other join came first.
        return Ok(Outcome::Refused(Refusal::AlreadyIn));
    }
    let completed = outcome == JoinOutcome::Completed;
    if completed {
        succeed(&mut tx, t, id, false, now).await?;
    }
    tx.commit().await?;
    let team = super::detail(db, t, super::team_row(db, t, id).await?).await?;
    Ok(if completed {
        Outcome::Completed(team)
    } else {
        Outcome::Joined(team)
    })
}

/// Completes an open team now with virtual members in its empty places (模拟成团), when the
/// group buy allows it: its real members' holds become orders. A team completed already is
/// answered unchanged; a failed one (or one past its deadline) is refused.
pub async fn complete(db: &Db, t: TenantId, id: TeamId) -> Result<Outcome> {
    let now = now_ms();
    let team = super::settle_if_due(db, t, super::team_row(db, t, id).await?, now).await?;
    let gb = super::get(db, t, GroupBuyId(team.group_buy_id)).await?;
    if team.state == TeamState::Succeeded.as_str() {
        return Ok(Outcome::Again(super::detail(db, t, team).await?));
    }
    if team.state != TeamState::Open.as_str() {
        return Ok(Outcome::Refused(Refusal::Closed));
    }
    let members = u32::try_from(team.member_count).unwrap_or(0);
    let size = u32::try_from(team.team_size).unwrap_or(0);
    if at_deadline(members, size, gb.allow_virtual, true) != TeamState::Succeeded {
        return Ok(Outcome::Refused(Refusal::NoVirtual));
    }
    let mut tx = db.begin().await?;
    if !succeed(&mut tx, t, id, true, now).await? {
        drop(tx);
        return complete_again(db, t, id).await;
    }
    tx.commit().await?;
    let team = super::team_row(db, t, id).await?;
    Ok(Outcome::Completed(super::detail(db, t, team).await?))
}

/// The answer to a completion that found the team settled meanwhile.
async fn complete_again(db: &Db, t: TenantId, id: TeamId) -> Result<Outcome> {
    let team = super::team_row(db, t, id).await?;
    if team.state == TeamState::Succeeded.as_str() {
        Ok(Outcome::Again(super::detail(db, t, team).await?))
    } else {
        Ok(Outcome::Refused(Refusal::Closed))
    }
}

/// Settles an open team as succeeded in an open transaction (its empty places taken by
/// virtual members when `fill_virtual`): every hold becomes an `order` event at the team
/// price referencing the group buy (`gb:{id}`), and the webhooks hear `team.succeeded`.
/// `false` when the team was settled already (nothing written).
pub(crate) async fn succeed(
    tx: &mut Tx,
    t: TenantId,
    id: TeamId,
    fill_virtual: bool,
    now: i64,
) -> Result<bool> {
    let state = TeamState::Succeeded.as_str();
    let Some(done) = repo::settle(tx, t, id, state, fill_virtual, now).await? else {
        return Ok(false);
    };
    let virtual_members = done.virtual_members;
    let gb = repo::get_tx(tx, t, GroupBuyId(done.group_buy_id))
        .await?
        .ok_or(CoreError::NotFound("group buy"))?;
    let members = repo::settle_holds(tx, t, id, "ordered").await?;
    let events: Vec<NewEvent> = members
        .iter()
        .map(|m| NewEvent {
            idempotency_key: format!("team-{}-{m}", done.team_id),
            kind: EventKind::of(Builtin::Order),
            member_id: MemberId(*m),
            group_id: None,
            occurred_at_ms: now,
            amount_fen: Some(gb.team_price_fen),
            product: Some(gb.product_name.clone()),
            reference: Some(format!("gb:{}", gb.group_buy_id)),
            properties: json!({
                "group_buy_id": gb.group_buy_id,
                "team_id": done.team_id,
                "virtual_members": virtual_members,
            })
            .to_string(),
        })
        .collect();
    crate::events::store(tx, t, &events).await?;
    let payload = json!({
        "group_buy_id": gb.group_buy_id, "team_id": done.team_id, "product": gb.product_name,
        "team_price_fen": gb.team_price_fen, "team_size": done.team_size, "member_ids": members,
        "virtual_members": virtual_members, "at_ms": now,
    });
    webhook::emit(tx, t, "team.succeeded", &payload, now).await?;
    Ok(true)
}

/// Settles an open team as failed in an open transaction: every hold is released and goes
/// back to the group buy's stock, nobody pays, and the webhooks hear `team.failed`. `false`
/// when the team was settled already.
pub(crate) async fn fail(tx: &mut Tx, t: TenantId, id: TeamId, now: i64) -> Result<bool> {
    let state = TeamState::Failed.as_str();
    let Some(done) = repo::settle(tx, t, id, state, false, now).await? else {
        return Ok(false);
    };
    let members = repo::settle_holds(tx, t, id, "released").await?;
    let g = GroupBuyId(done.group_buy_id);
    repo::give_back(tx, t, g, members.len() as i64, now).await?;
    let payload = json!({
        "group_buy_id": done.group_buy_id, "team_id": done.team_id, "team_size": done.team_size,
        "member_ids": members, "at_ms": now,
    });
    webhook::emit(tx, t, "team.failed", &payload, now).await?;
    Ok(true)
}
