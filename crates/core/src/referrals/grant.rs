//! Granting and moving rewards in the ledger: every grant and reversal of a programme locks
//! its row first, so each cause is rewarded once and the budget and member caps hold under
//! any race; each move is recorded with who made it.

use quanzi_domain::referral::guard::{Signals, VELOCITY_WINDOW_MS, hold_reason};
use quanzi_domain::referral::ledger::{
    self, NoGrant, RewardAction, RewardState, Standing, may_grant,
};
use quanzi_domain::referral::{ReferralRules, RewardSpec};
use quanzi_domain::{MemberId, TenantId};
use quanzi_store::referral::{self as repo, NewReward, Program, Reward};
use quanzi_store::{Tx, member, webhook};
use serde_json::json;

use crate::{CoreError, Result};

/// What a cause asks of the ledger.
pub(crate) struct Ask<'a> {
    pub beneficiary: MemberId,
    pub cause: &'a str,
    pub invitee: Option<MemberId>,
    pub spec: RewardSpec,
    pub signals: Signals,
    pub network: Option<&'a str>,
    pub mature_at_ms: i64,
}

/// Grants a reward if its cause has none and the budget and cap allow; held when a guard
/// says so. Answers the new reward, or why there is none.
pub(crate) async fn grant(
    tx: &mut Tx,
    t: TenantId,
    p: &Program,
    a: &Ask<'_>,
    now: i64,
) -> Result<std::result::Result<Reward, NoGrant>> {
    let standing = Standing {
        cause_taken: repo::cause_taken(tx, t, p.program_id, a.beneficiary, a.cause).await?,
        budget_fen: p.budget_fen,
        spent_fen: p.spent_fen,
        member_cap_fen: p.member_cap_fen,
        member_fen: repo::member_fen(tx, t, p.program_id, a.beneficiary).await?,
    };
    if let Err(no) = may_grant(&standing, a.spec.value_fen) {
        return Ok(Err(no));
    }
    let hold = hold_reason(&a.signals);
    let state = if hold.is_some() {
        RewardState::Held
    } else {
        RewardState::Pending
    };
    let new = NewReward {
        program_id: p.program_id,
        member: a.beneficiary,
        cause: a.cause,
        invitee: a.invitee,
        kind: a.spec.kind.as_str(),
        amount: a.spec.amount,
        value_fen: a.spec.value_fen,
        state: state.as_str(),
        hold_reason: hold.map(|h| h.as_str()),
        network: a.network,
        mature_at_ms: a.mature_at_ms,
    };
    let Some(r) = repo::insert(tx, t, &new, now).await? else {
        return Ok(Err(NoGrant::Duplicate));
    };
    repo::add_spent(tx, t, p.program_id, a.spec.value_fen).await?;
    webhook::emit(tx, t, "reward.granted", &payload(&r), now).await?;
    Ok(Ok(r))
}

fn payload(r: &Reward) -> serde_json::Value {
    json!({
        "reward_id": r.reward_id,
        "program_id": r.program_id,
        "member_id": r.member_id,
        "cause": r.cause,
        "invitee_member_id": r.invitee_member_id,
        "kind": r.kind,
        "amount": r.amount,
        "value_fen": r.value_fen,
        "state": r.state,
        "hold_reason": r.hold_reason,
    })
}

/// Moves reward `id` by `action`, locking its programme; the budget gets back what a
/// reversal or a rejection frees. Refused (a conflict naming `state`) when the move is not
/// allowed from where the reward stands.
pub(crate) async fn act(
    tx: &mut Tx,
    t: TenantId,
    id: i64,
    action: RewardAction,
    actor: &str,
    note: Option<&str>,
    now: i64,
) -> Result<Reward> {
    let r = repo::get_tx(tx, t, id)
        .await?
        .ok_or(CoreError::NotFound("reward"))?;
    repo::lock(tx, t, r.program_id).await?;
    let r = repo::get_tx(tx, t, id)
        .await?
        .ok_or(CoreError::NotFound("reward"))?;
    let from = RewardState::parse(&r.state).ok_or(CoreError::NotFound("reward"))?;
    let to = from.after(action).ok_or_else(|| {
        CoreError::Conflict(format!(
            "state: a {} reward cannot {}",
            from.as_str(),
            action.as_str()
        ))
    })?;
    repo::set_state(tx, t, id, from.as_str(), to.as_str(), actor, note, now).await?;
    if from.counts() && !to.counts() {
        repo::add_spent(tx, t, r.program_id, -r.value_fen).await?;
    }
    let r = repo::get_tx(tx, t, id)
        .await?
        .ok_or(CoreError::NotFound("reward"))?;
    if to == RewardState::Reversed {
        webhook::emit(tx, t, "reward.reversed", &payload(&r), now).await?;
    }
    Ok(r)
}

/// Rewards a friend's join through `inviter`'s share (the inviter's reward, the friend's own,
/// and any milestone reached), with the guards' signals.
pub(crate) async fn on_join(
    tx: &mut Tx,
    t: TenantId,
    program: i64,
    inviter: MemberId,
    invitee: MemberId,
    network: Option<&str>,
    now: i64,
) -> Result<()> {
    let Some(p) = repo::lock(tx, t, program).await? else {
        return Ok(());
    };
    if p.archived_at_ms.is_some() {
        return Ok(());
    }
    let rules: ReferralRules = serde_json::from_str(&p.rules).unwrap_or_default();
    let Some(invite) = rules.invite else {
        return Ok(());
    };
    // A friend is one inviter's: the first to bring them; an inviter who is gone gets nothing.
    let cause = ledger::join_cause(invitee.0);
    if repo::cause_taken_any(tx, t, program, &cause).await?
        || member::get_tx(tx, t, inviter).await?.is_none()
    {
        return Ok(());
    }
    let signals = signals(tx, t, &p, inviter, invitee, network, now).await?;
    let mature = now + invite.stay_days * 86_400_000;
    let ask = Ask {
        beneficiary: inviter,
        cause: &cause,
        invitee: Some(invitee),
        spec: invite.reward,
        signals,
        network,
        mature_at_ms: mature,
    };
    let mut p = p;
    if grant(tx, t, &p, &ask, now).await?.is_ok() {
        p.spent_fen += invite.reward.value_fen;
    }
    if let Some(spec) = invite.invitee_reward {
        let ask = Ask {
            beneficiary: invitee,
            cause: &ledger::welcome_cause(invitee.0),
            spec,
            ..ask
        };
        if grant(tx, t, &p, &ask, now).await?.is_ok() {
            p.spent_fen += spec.value_fen;
        }
    }
    let friends = repo::friends(tx, t, program, inviter).await?;
    for m in rules.milestones.iter().filter(|m| m.friends <= friends) {
        let ask = Ask {
            beneficiary: inviter,
            cause: &ledger::milestone_cause(m.friends),
            invitee: None,
            spec: m.reward,
            signals,
            network: None,
            mature_at_ms: mature,
        };
        if grant(tx, t, &p, &ask, now).await?.is_ok() {
            p.spent_fen += m.reward.value_fen;
        }
    }
    Ok(())
}

/// What the guards look at for a friend's join.
async fn signals(
    tx: &mut Tx,
    t: TenantId,
    p: &Program,
    inviter: MemberId,
    invitee: MemberId,
    network: Option<&str>,
    now: i64,
) -> Result<Signals> {
    let a = member::get_tx(tx, t, inviter).await?;
    let b = member::get_tx(tx, t, invitee).await?;
    let same = |x: &Option<String>, y: &Option<String>| x.is_some() && x == y;
    let same_person = match (&a, &b) {
        (Some(a), Some(b)) => same(&a.phone, &b.phone) || same(&a.unionid, &b.unionid),
        _ => false,
    };
    let (recent, _) =
        repo::recent_joins(tx, t, p.program_id, inviter, now - VELOCITY_WINDOW_MS, None).await?;
    let (_, same_network) =
        repo::recent_joins(tx, t, p.program_id, inviter, now - 86_400_000, network).await?;
    Ok(Signals {
        self_invite: inviter == invitee,
        same_person,
        recent_joins: recent + 1,
        same_network: same_network + i64::from(network.is_some()),
        left_soon: repo::left_soon(tx, t, p.program_id, inviter).await?,
    })
}

/// Rewards a share that brought a new visitor (`visitor` seen for the first time on the
/// programme's code through `sharer`'s link), when the programme rewards share visits.
pub(crate) async fn on_visit(
    tx: &mut Tx,
    t: TenantId,
    program: i64,
    sharer: MemberId,
    visitor: MemberId,
    network: Option<&str>,
    now: i64,
) -> Result<()> {
    let Some(p) = repo::lock(tx, t, program).await? else {
        return Ok(());
    };
    let rules: ReferralRules = serde_json::from_str(&p.rules).unwrap_or_default();
    let Some(spec) = rules.share_visit.filter(|_| p.archived_at_ms.is_none()) else {
        return Ok(());
    };
    let cause = ledger::visit_cause(visitor.0);
    if repo::cause_taken_any(tx, t, program, &cause).await?
        || member::get_tx(tx, t, sharer).await?.is_none()
    {
        return Ok(());
    }
    let ask = Ask {
        beneficiary: sharer,
        cause: &cause,
        invitee: Some(visitor),
        spec,
        signals: Signals {
            self_invite: sharer == visitor,
            ..Default::default()
        },
        network,
        mature_at_ms: now,
    };
    // A duplicate or an empty budget simply rewards nothing.
    let _ = grant(tx, t, &p, &ask, now).await?;
    Ok(())
}
