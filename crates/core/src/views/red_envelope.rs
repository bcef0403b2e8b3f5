//! Red-envelope plans as the API and the pages show them: a plan with its figures, its sends
//! with their status, and each share with who claimed it and whether it was paid.

use quanzi_domain::red_envelope::Split;
use quanzi_domain::{GroupId, MemberId, RedEnvelopePlanId};
use serde::Serialize;

/// Where a send stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SendStatus {
    /// Before its time: nobody can open it yet.
    Scheduled,
    /// Members of its group may claim a share.
    Open,
    /// Every share was claimed (已抢完).
    AllClaimed,
    /// Its plan was closed before it opened: it never opens (已取消).
    Cancelled,
}

impl SendStatus {
    /// The status of a send with `claimed` of `count` shares, opening at `at_ms`, at `now`,
    /// of a plan closed at `closed_at_ms` if it was.
    pub fn at(
        at_ms: i64,
        claimed: i64,
        count: i64,
        now: i64,
        closed_at_ms: Option<i64>,
    ) -> SendStatus {
        if closed_at_ms.is_some_and(|c| at_ms > c) {
            SendStatus::Cancelled
        } else if now < at_ms {
            SendStatus::Scheduled
        } else if claimed >= count {
            SendStatus::AllClaimed
        } else {
            SendStatus::Open
        }
    }
}

/// A red-envelope plan (红包) with what it gave so far.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RedEnvelopePlan {
    /// Id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub red_envelope_plan_id: RedEnvelopePlanId,
    /// Name.
    pub name: String,
    /// The groups each envelope goes to.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<i64>))]
    pub group_ids: Vec<GroupId>,
    /// Send times, unix ms, ascending.
    pub at_ms: Vec<i64>,
    /// What one envelope holds, fen.
    pub total_fen: i64,
    /// Shares one envelope is split into.
    pub count: i64,
    /// `equal` or `random`.
    pub split: Split,
    /// What the plan may cost, fen.
    pub budget_fen: i64,
    /// What its envelopes hold together, fen (never above the budget).
    pub cost_fen: i64,
    /// Envelopes (one per group and time).
    pub sends: i64,
    /// Shares claimed.
    pub claimed_shares: i64,
    /// Fen claimed.
    pub claimed_fen: i64,
    /// Shares paid out.
    pub paid_shares: i64,
    /// Fen paid out.
    pub paid_fen: i64,
    /// Created.
    pub created_at_ms: i64,
    /// When the operator closed it: envelopes not open by then never open.
    pub closed_at_ms: Option<i64>,
}

impl RedEnvelopePlan {
    /// The view of a stored plan with its figures (claimed shares and fen, paid shares and fen).
    pub fn of(row: quanzi_store::red_envelope::Plan, figures: (i64, i64, i64, i64)) -> Self {
        let quanzi_store::red_envelope::Plan {
            red_envelope_plan_id,
            name,
            group_ids,
            at_ms,
            total_fen,
            share_count,
            split,
            budget_fen,
            committed_fen,
            created_at_ms,
            closed_at_ms,
        } = row;
        let group_ids: Vec<GroupId> = serde_json::from_str(&group_ids).unwrap_or_default();
        let at_ms: Vec<i64> = serde_json::from_str(&at_ms).unwrap_or_default();
        let (claimed_shares, claimed_fen, paid_shares, paid_fen) = figures;
        RedEnvelopePlan {
            red_envelope_plan_id: RedEnvelopePlanId(red_envelope_plan_id),
            name,
            sends: (group_ids.len() * at_ms.len()) as i64,
            group_ids,
            at_ms,
            total_fen,
            count: share_count,
            // The store's check admits only these two names.
            split: Split::parse(&split).unwrap_or(Split::Random),
            budget_fen,
            cost_fen: committed_fen,
            claimed_shares,
            claimed_fen,
            paid_shares,
            paid_fen,
            created_at_ms,
            closed_at_ms,
        }
    }
}

/// One share of an envelope: its amount, who claimed it and when, and its payment.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RedEnvelopeShare {
    /// Id (the payment file's `share_id`).
    pub red_envelope_share_id: i64,
    /// Its place in the split (1-based): shares are claimed in this order.
    pub seq: i64,
    /// Fen.
    pub amount_fen: i64,
    /// Who claimed it.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub member_id: Option<MemberId>,
    /// Their name.
    pub member_name: Option<String>,
    /// Claimed at, unix ms.
    pub claimed_at_ms: Option<i64>,
    /// Paid out at, unix ms (marked from the payment tool's file).
    pub paid_at_ms: Option<i64>,
    /// The payment tool's reference.
    pub payment_ref: Option<String>,
    /// The biggest share of a random envelope all claimed (手气最佳; the first of equals).
    pub best_luck: bool,
}

impl RedEnvelopeShare {
    /// The view of a stored share, with the claimer's name.
    pub fn of(row: quanzi_store::red_envelope::Share, member_name: Option<String>) -> Self {
        let quanzi_store::red_envelope::Share {
            red_envelope_share_id,
            red_envelope_send_id: _,
            seq,
            amount_fen,
            member_id,
            claimed_at_ms,
            paid_at_ms,
            payment_ref,
        } = row;
        RedEnvelopeShare {
            red_envelope_share_id,
            seq,
            amount_fen,
            member_id: member_id.map(MemberId),
            member_name,
            claimed_at_ms,
            paid_at_ms,
            payment_ref,
            best_luck: false,
        }
    }
}

/// One envelope of a plan: a group, a time, and its shares.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RedEnvelopeSend {
    /// Id (the member page is `/h/{tenant}/re/{id}`).
    pub red_envelope_send_id: i64,
    /// Its plan.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub red_envelope_plan_id: RedEnvelopePlanId,
    /// The group it is sent to.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub group_id: GroupId,
    /// Opens, unix ms.
    pub at_ms: i64,
    /// Total, fen.
    pub total_fen: i64,
    /// Shares.
    pub count: i64,
    /// `equal` or `random`.
    pub split: Split,
    /// The seed the split was computed from (16 hex digits): `split(total_fen, count, split,
    /// seed)` gives the shares again.
    pub seed: String,
    /// Scheduled, open or all claimed.
    pub status: SendStatus,
    /// Shares claimed.
    pub claimed: i64,
    /// Fen claimed.
    pub claimed_fen: i64,
    /// The shares, in claim order.
    pub shares: Vec<RedEnvelopeShare>,
}

impl RedEnvelopeSend {
    /// The view of a stored send at `now` with its shares, of a plan closed at
    /// `closed_at_ms` if it was; the best luck is marked once every share of a random
    /// envelope is claimed.
    pub fn of(
        row: quanzi_store::red_envelope::Send,
        mut shares: Vec<RedEnvelopeShare>,
        now: i64,
        closed_at_ms: Option<i64>,
    ) -> Self {
        let quanzi_store::red_envelope::Send {
            red_envelope_send_id,
            red_envelope_plan_id,
            group_id,
            at_ms,
            total_fen,
            share_count,
            split,
            seed,
            claimed,
            claimed_fen,
        } = row;
        let split = Split::parse(&split).unwrap_or(Split::Random);
        let status = SendStatus::at(at_ms, claimed, share_count, now, closed_at_ms);
        if split == Split::Random && status == SendStatus::AllClaimed {
            mark_best_luck(&mut shares);
        }
        RedEnvelopeSend {
            red_envelope_send_id,
            red_envelope_plan_id: RedEnvelopePlanId(red_envelope_plan_id),
            group_id: GroupId(group_id),
            at_ms,
            total_fen,
            count: share_count,
            split,
            seed,
            status,
            claimed,
            claimed_fen,
            shares,
        }
    }
}

/// Marks the biggest claimed share (the earliest claimed of equals) as the best luck.
pub(crate) fn mark_best_luck(shares: &mut [RedEnvelopeShare]) {
    let best = shares
        .iter()
        .enumerate()
        .filter(|(_, s)| s.member_id.is_some())
        .max_by_key(|(_, s)| {
            (
                s.amount_fen,
                std::cmp::Reverse(s.claimed_at_ms),
                std::cmp::Reverse(s.seq),
            )
        })
        .map(|(i, _)| i);
    if let Some(i) = best {
        shares[i].best_luck = true;
    }
}

/// A plan with every envelope and share: the record of who received what.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RedEnvelopePlanDetail {
    /// The plan.
    pub plan: RedEnvelopePlan,
    /// Its envelopes, by time then group.
    pub sends: Vec<RedEnvelopeSend>,
}

/// An envelope as a member opens it: the send, the plan's name, the member's share and the
/// claims so far (shown to members of its group and to those who claimed).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenedEnvelope {
    /// The plan's name.
    pub name: String,
    /// The send, with its claimed shares only when the visitor may see them.
    pub send: RedEnvelopeSend,
    /// The visitor's share, if they claimed one.
    pub mine: Option<RedEnvelopeShare>,
    /// Whether the visitor is in the send's group now (`None` for an unknown visitor).
    pub in_group: Option<bool>,
}
