//! The growth overview (`/ui/growth`): live codes with their funnels, gifts with what they
//! cost per member against the ¥3 target, programmes with their budgets and rewards, and
//! how many rewards wait for review.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use quanzi_core::views::{Funnel, GiftCost, LiveCode};
use quanzi_core::{gifts, live_codes, referrals};
use quanzi_domain::gift::TARGET_COST_FEN;
use quanzi_domain::referral::ledger::RewardState;

use super::super::format::{thousands, yuan};
use super::super::{Layout, UiUser, render, server_error};
use super::pct;
use crate::AppState;

/// A live code's row.
struct CodeRow {
    id: i64,
    name: String,
    kind: String,
    slug: String,
    groups: usize,
    /// Scans, visitors, seated, joined, each as (count, width % of the scans).
    stages: Vec<(String, i64)>,
    /// Joined per scan.
    conversion: i64,
    archived: bool,
}

impl CodeRow {
    fn of(l: &Layout, c: &LiveCode, f: &Funnel) -> CodeRow {
        let stages = [f.scans, f.visitors, f.seated, f.joined]
            .iter()
            .map(|n| (thousands(*n), pct(*n, f.scans)))
            .collect();
        CodeRow {
            id: c.live_code_id,
            name: c.name.clone(),
            kind: l.code("lc_kind", &c.kind),
            slug: c.slug.clone(),
            groups: c.group_ids.len(),
            stages,
            conversion: pct(f.joined, f.scans),
            archived: c.archived_at_ms.is_some(),
        }
    }
}

/// A gift's row.
struct GiftRow {
    id: i64,
    name: String,
    cost: String,
    over: bool,
    issued: String,
    stock: String,
    valid_days: i64,
}

/// What a gift cost per member, through one code.
struct CostRow {
    gift: String,
    code: String,
    issued: String,
    redeemed: String,
    retained: String,
    spent: String,
    per_acquired: String,
    acquired_over: bool,
    per_retained: String,
    retained_over: bool,
}

/// A programme's row.
struct ProgramRow {
    id: i64,
    name: String,
    spent: String,
    budget: String,
    pct: i64,
    /// (state label, state, rewards).
    states: Vec<(String, &'static str, usize)>,
    archived: bool,
}

#[derive(Template)]
#[template(path = "growth_overview.html")]
struct OverviewPage {
    l: Layout,
    codes: Vec<CodeRow>,
    gifts: Vec<GiftRow>,
    costs: Vec<CostRow>,
    programs: Vec<ProgramRow>,
    /// Rewards held for review (blank when none).
    held: String,
    target: String,
    can_write: bool,
}

/// GET /ui/growth.
pub async fn page(State(s): State<AppState>, u: UiUser) -> Response {
    let t = u.tenant();
    let l = u.layout("growth");
    let (codes, gift_list, costs, programs, rewards) = match tokio::try_join!(
        live_codes::list(&s.db, t),
        gifts::list(&s.db, t),
        gifts::costs(&s.db, t),
        referrals::list(&s.db, t),
        referrals::state_counts(&s.db, t),
    ) {
        Ok(v) => v,
        Err(e) => return server_error(e),
    };
    let held: i64 = rewards
        .iter()
        .filter(|(_, s, _)| s == "held")
        .map(|(_, _, n)| n)
        .sum();
    let held = match held {
        0 => String::new(),
        n => n.to_string(),
    };
    let code_name = |id: Option<i64>| {
        id.and_then(|id| codes.iter().find(|(c, _)| c.live_code_id == id))
            .map_or_else(
                || l.t("growth.cost.no_code").to_string(),
                |(c, _)| c.name.clone(),
            )
    };
    let gift_name = |id: i64| {
        gift_list
            .iter()
            .find(|g| g.gift_id == id)
            .map_or_else(String::new, |g| g.name.clone())
    };
    let costs = costs
        .iter()
        .map(|c| cost_row(c, gift_name(c.gift_id), code_name(c.live_code_id)))
        .collect();
    let gifts = gift_list
        .iter()
        .map(|g| GiftRow {
            id: g.gift_id,
            name: g.name.clone(),
            cost: yuan(g.cost_fen),
            over: g.cost_fen > TARGET_COST_FEN,
            issued: thousands(g.issued),
            stock: g.stock.map_or_else(|| "∞".to_string(), thousands),
            valid_days: g.valid_days,
        })
        .collect();
    let programs = programs
        .iter()
        .map(|p| ProgramRow {
            id: p.program_id,
            name: p.name.clone(),
            spent: yuan(p.spent_fen),
            budget: yuan(p.budget_fen),
            pct: pct(p.spent_fen, p.budget_fen),
            states: by_state(&l, &rewards, p.program_id),
            archived: p.archived_at_ms.is_some(),
        })
        .collect();
    render(OverviewPage {
        codes: codes.iter().map(|(c, f)| CodeRow::of(&l, c, f)).collect(),
        gifts,
        costs,
        programs,
        held,
        target: yuan(TARGET_COST_FEN),
        can_write: u.perms().write,
        l,
    })
}

fn cost_row(c: &GiftCost, gift: String, code: String) -> CostRow {
    let money = |v: Option<i64>| v.map_or_else(|| "—".to_string(), yuan);
    CostRow {
        gift,
        code,
        issued: thousands(c.issued),
        redeemed: thousands(c.redeemed),
        retained: format!("{} / {}", thousands(c.retained), thousands(c.matured)),
        spent: yuan(c.spent_fen),
        per_acquired: money(c.per_acquired_fen),
        acquired_over: c.per_acquired_fen.is_some_and(|v| v > TARGET_COST_FEN),
        per_retained: money(c.per_retained_fen),
        retained_over: c.per_retained_fen.is_some_and(|v| v > TARGET_COST_FEN),
    }
}

/// A programme's rewards counted by state, in the ledger's order, states with none left out.
fn by_state(
    l: &Layout,
    counts: &[(i64, String, i64)],
    program: i64,
) -> Vec<(String, &'static str, usize)> {
    let n: BTreeMap<&str, usize> = counts
        .iter()
        .filter(|(p, _, _)| *p == program)
        .map(|(_, s, c)| (s.as_str(), *c as usize))
        .collect();
    RewardState::ALL
        .iter()
        .filter_map(|s| {
            let count = n.get(s.as_str()).copied()?;
            Some((l.code("reward_state", s.as_str()), s.as_str(), count))
        })
        .collect()
}
