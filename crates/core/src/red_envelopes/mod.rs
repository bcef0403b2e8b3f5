//! Red-envelope plans (红包激活): which groups get an envelope, at what times, how much and how
//! it is split. Creating a plan writes every envelope (send) and its shares at once, each
//! split from a seed drawn for it and kept; members of a send's group claim its shares on
//! their phone (see [`claim`]); the shares are paid outside Quanzi, from an instruction file
//! and marked paid from the payment tool's file back (see [`payout`]).

pub mod claim;
pub mod payout;

use std::collections::HashMap;

use quanzi_domain::red_envelope::{NewRedEnvelopePlan, RedEnvelopePlanInput, split};
use quanzi_domain::{Invalid, MemberId, RedEnvelopePlanId, TenantId};
use quanzi_store::red_envelope::{self as repo, NewSend};
use quanzi_store::{Db, group, now_ms};

use crate::views::{
    OpenedEnvelope, RedEnvelopePlan, RedEnvelopePlanDetail, RedEnvelopeSend, RedEnvelopeShare,
};
use crate::{CoreError, Result};

/// Shares one plan may hold (count × groups × times): every one is written when the plan is
/// created.
pub const MAX_SHARES: i64 = 50_000;

async fn validated(
    db: &Db,
    t: TenantId,
    input: RedEnvelopePlanInput,
) -> Result<NewRedEnvelopePlan> {
    let p = input.into_new()?;
    let ids: Vec<i64> = p.group_ids.iter().map(|g| g.0).collect();
    let known = group::existing(db, t, &ids).await?;
    if let Some(g) = ids.iter().find(|g| !known.contains(g)) {
        return Err(Invalid::one("group_ids", format!("group {g} does not exist")).into());
    }
    let shares = (p.group_ids.len() * p.at_ms.len()) as i64 * i64::from(p.count);
    if shares > MAX_SHARES {
        return Err(Invalid::one(
            "count",
            format!("count × groups × times makes {shares} shares; at most {MAX_SHARES}"),
        )
        .into());
    }
    Ok(p)
}

/// A fresh seed for one envelope's split.
fn seed() -> Result<u64> {
    getrandom::u64().map_err(|e| CoreError::ServerKey(format!("no randomness: {e}")))
}

/// Creates a plan: every envelope it sends and each one's shares, split from a seed drawn for
/// it (and kept, so the split can be recomputed). What the envelopes hold together is within
/// the budget by the domain's rule, and the plan's row refuses anything else.
pub async fn create(
    db: &Db,
    t: TenantId,
    input: RedEnvelopePlanInput,
) -> Result<RedEnvelopePlanDetail> {
    let p = validated(db, t, input).await?;
    let mut sends = Vec::new();
    for (at_ms, g) in p.schedule() {
        let s = seed()?;
        sends.push(NewSend {
            group: g,
            at_ms,
            seed: format!("{s:016x}"),
            shares: split(p.total_fen, p.count, p.split, s),
        });
    }
    let mut tx = db.begin().await?;
    let row = repo::create(&mut tx, t, &p, &sends, now_ms()).await?;
    tx.commit().await?;
    get(db, t, RedEnvelopePlanId(row.red_envelope_plan_id)).await
}

fn figures_of(rows: Vec<(i64, i64, i64, i64, i64)>) -> HashMap<i64, (i64, i64, i64, i64)> {
    rows.into_iter()
        .map(|(p, a, b, c, d)| (p, (a, b, c, d)))
        .collect()
}

/// The tenant's plans with their figures, newest first.
pub async fn list(db: &Db, t: TenantId) -> Result<Vec<RedEnvelopePlan>> {
    let figures = figures_of(repo::figures(db, t, None).await?);
    Ok(repo::list(db, t)
        .await?
        .into_iter()
        .map(|r| {
            let f = figures
                .get(&r.red_envelope_plan_id)
                .copied()
                .unwrap_or_default();
            RedEnvelopePlan::of(r, f)
        })
        .collect())
}

/// A plan without its sends.
pub async fn plan(db: &Db, t: TenantId, id: RedEnvelopePlanId) -> Result<RedEnvelopePlan> {
    let row = repo::get(db, t, id)
        .await?
        .ok_or(CoreError::NotFound("red-envelope plan"))?;
    let f = figures_of(repo::figures(db, t, Some(id)).await?)
        .remove(&id.0)
        .unwrap_or_default();
    Ok(RedEnvelopePlan::of(row, f))
}

/// Closes a plan: its envelopes not open yet never open (those open stay to be grabbed).
pub async fn close(db: &Db, t: TenantId, id: RedEnvelopePlanId) -> Result<RedEnvelopePlanDetail> {
    if !repo::close(db, t, id, now_ms()).await? {
        return Err(CoreError::NotFound("red-envelope plan"));
    }
    get(db, t, id).await
}

/// A plan with every send and share: the record of who received what.
pub async fn get(db: &Db, t: TenantId, id: RedEnvelopePlanId) -> Result<RedEnvelopePlanDetail> {
    let plan = plan(db, t, id).await?;
    let shares = repo::shares_of_plan(db, t, id).await?;
    let names = names_of(db, t, &shares).await?;
    let mut by_send: HashMap<i64, Vec<RedEnvelopeShare>> = HashMap::new();
    for s in shares {
        let name = s.member_id.and_then(|m| names.get(&m).cloned());
        by_send
            .entry(s.red_envelope_send_id)
            .or_default()
            .push(RedEnvelopeShare::of(s, name));
    }
    let now = now_ms();
    let sends = repo::sends(db, t, id)
        .await?
        .into_iter()
        .map(|s| {
            let shares = by_send.remove(&s.red_envelope_send_id).unwrap_or_default();
            RedEnvelopeSend::of(s, shares, now, plan.closed_at_ms)
        })
        .collect();
    Ok(RedEnvelopePlanDetail { plan, sends })
}

async fn names_of(db: &Db, t: TenantId, shares: &[repo::Share]) -> Result<HashMap<i64, String>> {
    let mut ids: Vec<i64> = shares.iter().filter_map(|s| s.member_id).collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(quanzi_store::member::names(db, t, &ids).await?)
}

/// An envelope as visitor `m` opens it (`None`: a visitor not known yet). The claims are
/// shown to members of its group and to whoever claimed a share; others see the envelope
/// only.
pub async fn opened(
    db: &Db,
    t: TenantId,
    send: i64,
    m: Option<MemberId>,
) -> Result<OpenedEnvelope> {
    let row = repo::send(db, t, send)
        .await?
        .ok_or(CoreError::NotFound("red envelope"))?;
    let plan = repo::get(db, t, RedEnvelopePlanId(row.red_envelope_plan_id))
        .await?
        .ok_or(CoreError::NotFound("red envelope"))?;
    let claimed: Vec<repo::Share> = repo::shares_of_send(db, t, send)
        .await?
        .into_iter()
        .filter(|s| s.member_id.is_some())
        .collect();
    let in_group = match m {
        Some(m) => Some(repo::in_group(db, t, row.group_id, m).await?),
        None => None,
    };
    let mine_id = m.and_then(|m| claimed.iter().find(|s| s.member_id == Some(m.0)));
    let mine_id = mine_id.map(|s| s.red_envelope_share_id);
    let shown = if in_group == Some(true) || mine_id.is_some() {
        claimed
    } else {
        Vec::new()
    };
    let names = names_of(db, t, &shown).await?;
    let shares = shown
        .into_iter()
        .map(|s| {
            let name = s.member_id.and_then(|m| names.get(&m).cloned());
            RedEnvelopeShare::of(s, name)
        })
        .collect();
    let send = RedEnvelopeSend::of(row, shares, now_ms(), plan.closed_at_ms);
    let mine = send
        .shares
        .iter()
        .find(|s| Some(s.red_envelope_share_id) == mine_id)
        .cloned();
    Ok(OpenedEnvelope {
        name: plan.name,
        send,
        mine,
        in_group,
    })
}

/// An envelope member `m` may still open now, as their page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenFor {
    /// The send (its page is `/h/{tenant}/re/{send}`).
    pub send: i64,
    /// The plan's name.
    pub name: String,
    /// What the envelope holds, fen.
    pub total_fen: i64,
    /// Shares not claimed yet.
    pub left: i64,
    /// Opened at, unix ms.
    pub at_ms: i64,
}

/// The envelopes open now in groups member `m` is in, with shares left and none of them the
/// member's, newest first, at most `limit` (read only; a rush may take the last share
/// meanwhile). A few queries: the member's groups, the plans, then each plan with an envelope
/// that may be open.
pub async fn open_for(db: &Db, t: TenantId, m: MemberId, limit: usize) -> Result<Vec<OpenFor>> {
    let groups: Vec<i64> = group::groups_of_member(db, t, m)
        .await?
        .into_iter()
        .map(|g| g.group_id)
        .collect();
    if groups.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let now = now_ms();
    let mut out = Vec::new();
    for p in list(db, t).await? {
        let reaches = p.group_ids.iter().any(|g| groups.contains(&g.0));
        let started = p.at_ms.first().is_some_and(|a| *a <= now);
        if !reaches || !started || p.claimed_shares >= p.sends * p.count {
            continue;
        }
        for s in repo::sends(db, t, p.red_envelope_plan_id).await? {
            let cancelled = p.closed_at_ms.is_some_and(|c| s.at_ms > c);
            if s.at_ms <= now
                && !cancelled
                && s.claimed < s.share_count
                && groups.contains(&s.group_id)
            {
                out.push((p.name.clone(), s));
            }
        }
    }
    out.sort_by_key(|(_, s)| std::cmp::Reverse((s.at_ms, s.red_envelope_send_id)));
    let mut open = Vec::new();
    for (name, s) in out {
        if open.len() >= limit {
            break;
        }
        let mine = repo::shares_of_send(db, t, s.red_envelope_send_id)
            .await?
            .iter()
            .any(|x| x.member_id == Some(m.0));
        if !mine {
            open.push(OpenFor {
                send: s.red_envelope_send_id,
                name,
                total_fen: s.total_fen,
                left: s.share_count - s.claimed,
                at_ms: s.at_ms,
            });
        }
    }
    Ok(open)
}
