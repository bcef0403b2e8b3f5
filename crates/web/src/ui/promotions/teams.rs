//! The campaigns overview's group buys, bargains and red-envelope plans: each with its
//! results so far (teams by state, bargains opened and bought, envelopes grabbed and paid)
//! and the member pages to post in the groups; and closing one (nothing new opens).

use axum::Form;
use axum::extract::State;
use axum::response::Response;
use quanzi_core::{Result, bargains, group_buys, red_envelopes};
use quanzi_domain::group_buy::TeamState;
use quanzi_domain::{BargainId, GroupBuyId, RedEnvelopePlanId, TenantId};

use super::super::format::{thousands, yuan};
use super::super::{Layout, UiUser};
use super::{CsrfForm, closing};
use crate::AppState;
use crate::api::IdPath;

/// A group buy's row.
pub(super) struct GroupBuyRow {
    pub(super) id: i64,
    /// Closed by the operator.
    pub(super) closed: bool,
    pub(super) product: String,
    pub(super) prices: String,
    pub(super) size: i64,
    /// Teams (succeeded, waiting, failed).
    pub(super) teams: (i64, i64, i64),
    pub(super) page: String,
}

/// A bargain's row.
pub(super) struct BargainRow {
    pub(super) id: i64,
    /// Closed by the operator.
    pub(super) closed: bool,
    pub(super) product: String,
    pub(super) prices: String,
    pub(super) opened: usize,
    pub(super) bought: usize,
    pub(super) cuts: i64,
    pub(super) page: String,
}

/// A red-envelope plan's row.
pub(super) struct EnvelopeRow {
    pub(super) id: i64,
    /// Closed by the operator.
    pub(super) closed: bool,
    pub(super) name: String,
    pub(super) sends: i64,
    pub(super) per_send: String,
    pub(super) claimed: String,
    pub(super) paid: String,
    pub(super) budget: String,
    pub(super) pct: i64,
    /// The member pages of its envelopes: (time, page).
    pub(super) pages: Vec<(String, String)>,
}

/// The three lists.
pub(super) struct Teams {
    pub(super) group_buys: Vec<GroupBuyRow>,
    pub(super) bargains: Vec<BargainRow>,
    pub(super) envelopes: Vec<EnvelopeRow>,
}

/// The tenant's group buys, bargains and red-envelope plans with their results.
pub(super) async fn load(s: &AppState, l: &Layout, t: TenantId, slug: &str) -> Result<Teams> {
    let mut group_buys_rows = Vec::new();
    for g in group_buys::list(&s.db, t).await? {
        let tally = group_buys::tally(&s.db, t, g.group_buy_id).await?;
        let of = |st| tally.iter().filter(|x| x.0 == st).map(|x| x.1).sum::<i64>();
        group_buys_rows.push(GroupBuyRow {
            id: g.group_buy_id.0,
            closed: g.closed_at_ms.is_some(),
            product: g.product_name.clone(),
            prices: format!("{} → {}", yuan(g.price_fen), yuan(g.team_price_fen)),
            size: g.team_size,
            teams: (
                of(TeamState::Succeeded),
                of(TeamState::Open),
                of(TeamState::Failed),
            ),
            page: format!("/h/{slug}/gb/{}", g.group_buy_id.0),
        });
    }
    let mut bargain_rows = Vec::new();
    for b in bargains::list(&s.db, t).await? {
        let runs = bargains::runs(&s.db, t, b.bargain_id).await?;
        bargain_rows.push(BargainRow {
            id: b.bargain_id.0,
            closed: b.closed_at_ms.is_some(),
            product: b.product_name.clone(),
            prices: format!("{} → {}", yuan(b.start_price_fen), yuan(b.floor_price_fen)),
            opened: runs.len(),
            bought: runs.iter().filter(|r| r.bought_at_ms.is_some()).count(),
            cuts: runs.iter().map(|r| r.cuts).sum(),
            page: format!("/h/{slug}/bg/{}", b.bargain_id.0),
        });
    }
    let mut envelopes = Vec::new();
    for p in red_envelopes::list(&s.db, t).await? {
        let detail = red_envelopes::get(&s.db, t, p.red_envelope_plan_id).await?;
        envelopes.push(EnvelopeRow {
            id: p.red_envelope_plan_id.0,
            closed: p.closed_at_ms.is_some(),
            name: p.name.clone(),
            sends: p.sends,
            per_send: format!("{} × {}", yuan(p.total_fen), p.count),
            claimed: format!("{} ({})", yuan(p.claimed_fen), thousands(p.claimed_shares)),
            paid: yuan(p.paid_fen),
            budget: yuan(p.budget_fen),
            pct: (p.claimed_fen * 100 / p.budget_fen.max(1)).min(100),
            pages: detail
                .sends
                .iter()
                .map(|x| {
                    (
                        l.fmt_ms(x.at_ms),
                        format!("/h/{slug}/re/{}", x.red_envelope_send_id),
                    )
                })
                .collect(),
        });
    }
    Ok(Teams {
        group_buys: group_buys_rows,
        bargains: bargain_rows,
        envelopes,
    })
}

/// POST /ui/campaigns/group-buys/{id}/close: no new team.
pub async fn close_group_buy(
    State(s): State<AppState>,
    u: UiUser,
    IdPath(id): IdPath<GroupBuyId>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let t = u.tenant();
    closing(&u, &f, "/ui/campaigns#group-buys", async {
        group_buys::close(&s.db, t, id).await.map(drop)
    })
    .await
}

/// POST /ui/campaigns/bargains/{id}/close: no new bargain.
pub async fn close_bargain(
    State(s): State<AppState>,
    u: UiUser,
    IdPath(id): IdPath<BargainId>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let t = u.tenant();
    closing(&u, &f, "/ui/campaigns#bargains", async {
        bargains::close(&s.db, t, id).await.map(drop)
    })
    .await
}

/// POST /ui/campaigns/red-envelopes/{id}/close: envelopes not open yet never open.
pub async fn close_plan(
    State(s): State<AppState>,
    u: UiUser,
    IdPath(id): IdPath<RedEnvelopePlanId>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let t = u.tenant();
    closing(&u, &f, "/ui/campaigns#envelopes", async {
        red_envelopes::close(&s.db, t, id).await.map(drop)
    })
    .await
}
