//! A lottery's page (`/ui/campaigns/lotteries/{id}`): its budget as spent, its tiers with
//! their odds, stock and paid upgrades (the merchant's margin in red when it loses money),
//! the commitment published before the first draw, the seed and the record's check once it
//! ended, the member page and its record, the latest draws, and ending it early.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use quanzi_core::lotteries::record::{self, Checked, LotteryRecord, RecordEvent};
use quanzi_core::views::{Lottery, LotteryTier};
use quanzi_core::{CoreError, lotteries};
use quanzi_domain::LotteryId;

use super::super::format::{thousands, yuan};
use super::super::{Layout, UiUser, render, server_error};
use super::{CsrfForm, closing, not_found};
use crate::AppState;
use crate::api::IdPath;
use crate::client::{origin, page_url};

/// Events shown on the page, newest first.
const EVENTS: usize = 50;

/// A lottery's row, on the overview and atop its page.
pub(super) struct LotteryRow {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) status: String,
    pub(super) status_label: String,
    /// Draws and upgrades recorded.
    pub(super) events: String,
    pub(super) spent: String,
    pub(super) budget: String,
    pub(super) pct: i64,
    pub(super) window: String,
}

impl LotteryRow {
    pub(super) fn of(l: &Layout, x: &Lottery) -> LotteryRow {
        LotteryRow {
            id: x.lottery_id.0,
            name: x.name.clone(),
            status: x.status.clone(),
            status_label: l.code("lottery_status", &x.status),
            events: thousands(x.events),
            spent: yuan(x.spent_fen),
            budget: yuan(x.budget_fen),
            pct: if x.budget_fen > 0 {
                (x.spent_fen.max(0) * 100 / x.budget_fen).min(100)
            } else {
                0
            },
            window: format!("{} – {}", l.fmt_ms(x.starts_at_ms), l.fmt_ms(x.ends_at_ms)),
        }
    }
}

/// Parts per million as a percentage with no trailing zeros (`5000` → `0.5`).
pub(super) fn percent(ppm: u32) -> String {
    let (whole, frac) = (ppm / 10_000, ppm % 10_000);
    if frac == 0 {
        return whole.to_string();
    }
    let digits = format!("{frac:04}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// A tier's paid upgrade as shown.
struct UpgradeView {
    to: String,
    price: String,
    margin: String,
    /// The upgrade loses the merchant money.
    loss: bool,
}

/// A tier's row.
struct TierView {
    no: usize,
    name: String,
    odds: String,
    everyone: bool,
    cost: String,
    left: String,
    stock: String,
    given: String,
    upgrade: Option<UpgradeView>,
}

impl TierView {
    fn of(t: &LotteryTier, all: &[LotteryTier]) -> TierView {
        let upgrade = t.upgrade_to.map(|to| UpgradeView {
            to: all
                .get(to)
                .map_or_else(|| format!("#{}", to + 1), |x| x.name.clone()),
            price: yuan(t.upgrade_price_fen.unwrap_or(0)),
            margin: yuan(t.margin_fen.unwrap_or(0)),
            loss: t.margin_fen.is_some_and(|m| m < 0),
        });
        TierView {
            no: t.tier + 1,
            name: t.name.clone(),
            odds: percent(t.odds_ppm),
            everyone: t.everyone_wins,
            cost: yuan(t.cost_fen),
            left: thousands(t.stock_left),
            stock: thousands(t.stock),
            given: thousands(t.given),
            upgrade,
        }
    }
}

/// An event of the record as shown.
struct EventView {
    seq: i64,
    member_id: i64,
    draw_no: i64,
    ticket: String,
    outcome: String,
    /// `win`, `nothing` or `upgrade`, for its colour.
    kind: &'static str,
}

impl EventView {
    fn of(l: &Layout, e: &RecordEvent, tiers: &[LotteryTier]) -> EventView {
        let tier = |v: Option<i64>| {
            v.and_then(|t| usize::try_from(t).ok())
                .and_then(|t| tiers.get(t))
        };
        let name = |v: Option<i64>| tier(v).map_or_else(|| "?".to_string(), |t| t.name.clone());
        let (outcome, kind) = if e.kind == "upgrade" {
            let price = tier(e.from_tier).and_then(|t| t.upgrade_price_fen);
            let text = format!(
                "{} {} → {} {}",
                l.t("promo_lottery.upgrade"),
                name(e.from_tier),
                name(e.tier),
                price.map(yuan).unwrap_or_default()
            );
            (text, "upgrade")
        } else if e.tier.is_some() {
            (name(e.tier), "win")
        } else {
            (l.t("promo_lottery.nothing").to_string(), "nothing")
        };
        EventView {
            seq: e.seq,
            member_id: e.member_id,
            draw_no: e.draw_no,
            ticket: e.ticket.map(|t| t.to_string()).unwrap_or_default(),
            outcome,
            kind,
        }
    }
}

#[derive(Template)]
#[template(path = "promo_lottery.html")]
struct LotteryPage {
    l: Layout,
    x: LotteryRow,
    limits: String,
    /// When it was ended before its time, as a sentence.
    closed_early: Option<String>,
    /// (label, value) of each figure.
    figs: Vec<(String, String)>,
    tiers: Vec<TierView>,
    commitment: String,
    seed: Option<String>,
    /// The record's check once the seed is out: (fair, what it found).
    check: Option<(bool, String)>,
    url: String,
    events: Vec<EventView>,
    events_hint: String,
    ended: bool,
    can_write: bool,
}

/// The member page of lottery `id`.
async fn member_url(
    s: &AppState,
    u: &UiUser,
    headers: &HeaderMap,
    id: i64,
) -> quanzi_core::Result<String> {
    let tenant = quanzi_core::read::tenant::get(&s.db, u.tenant()).await?;
    let slug = tenant.map(|t| t.slug).unwrap_or_default();
    let o = origin(headers, &u.client, s.secure_cookies);
    Ok(page_url(&o, &slug, "l", &id.to_string()))
}

/// What checking the record found, once there is a seed to check it with.
fn checked(l: &Layout, r: &LotteryRecord) -> Option<(bool, String)> {
    match record::check(r) {
        Checked::NotRevealed => None,
        Checked::Fair { draws, upgrades } => Some((
            true,
            l.t("promo_lottery.fair")
                .replace("{n}", &thousands(draws as i64))
                .replace("{u}", &thousands(upgrades as i64)),
        )),
        Checked::Unfair(why) => Some((false, l.t("promo_lottery.unfair").replace("{why}", &why))),
    }
}

/// GET /ui/campaigns/lotteries/{id}: the lottery as it runs, and its record's check.
pub async fn page(
    State(s): State<AppState>,
    u: UiUser,
    headers: HeaderMap,
    IdPath(id): IdPath<LotteryId>,
) -> Response {
    let t = u.tenant();
    let l = u.layout("campaigns");
    // The view first: it closes a lottery past its end, so the record has its seed.
    let x = match lotteries::get(&s.db, &s.server, t, id).await {
        Ok(x) => x,
        Err(CoreError::NotFound(_)) => return not_found(),
        Err(e) => return server_error(e),
    };
    let loaded = tokio::try_join!(
        record::record(&s.db, &s.server, t, id),
        member_url(&s, &u, &headers, id.0),
    );
    let (rec, url) = match loaded {
        Ok(v) => v,
        Err(CoreError::NotFound(_)) => return not_found(),
        Err(e) => return server_error(e),
    };
    let draws: Vec<&RecordEvent> = rec.events.iter().filter(|e| e.kind == "draw").collect();
    let mut members: Vec<i64> = draws.iter().map(|e| e.member_id).collect();
    members.sort_unstable();
    members.dedup();
    let upgrades = rec.events.len() - draws.len();
    let prizes: i64 = x.tiers.iter().map(|t| t.given).sum();
    // Each upgrade's price is its source tier's (the rules cannot change).
    let takings: i64 = rec
        .events
        .iter()
        .filter(|e| e.kind == "upgrade")
        .filter_map(|e| usize::try_from(e.from_tier?).ok())
        .filter_map(|t| x.tiers.get(t)?.upgrade_price_fen)
        .sum();
    let figs = vec![
        (
            l.t("promo_lottery.fig.draws").to_string(),
            thousands(draws.len() as i64),
        ),
        (
            l.t("promo_lottery.fig.members").to_string(),
            thousands(members.len() as i64),
        ),
        (
            l.t("promo_lottery.fig.prizes").to_string(),
            thousands(prizes),
        ),
        (
            l.t("promo_lottery.fig.upgrades").to_string(),
            thousands(upgrades as i64),
        ),
        (l.t("promo_lottery.fig.takings").to_string(), yuan(takings)),
        (
            l.t("promo_lottery.fig.left").to_string(),
            yuan(x.budget_fen - x.spent_fen),
        ),
    ];
    let events: Vec<EventView> = rec
        .events
        .iter()
        .rev()
        .take(EVENTS)
        .map(|e| EventView::of(&l, e, &x.tiers))
        .collect();
    let events_hint = l
        .t("promo_lottery.events_hint")
        .replace("{n}", &events.len().to_string())
        .replace("{total}", &thousands(rec.events.len() as i64));
    let limits = l
        .t("promo_lottery.limits")
        .replace("{d}", &x.draws_per_member.to_string())
        .replace("{w}", &x.wins_per_member.to_string());
    let closed_early = x.closed_at_ms.filter(|at| *at < x.ends_at_ms).map(|at| {
        l.t("promo_lottery.closed_early")
            .replace("{at}", &l.fmt_ms(at))
    });
    render(LotteryPage {
        x: LotteryRow::of(&l, &x),
        limits,
        closed_early,
        figs,
        tiers: x.tiers.iter().map(|t| TierView::of(t, &x.tiers)).collect(),
        commitment: x.commitment.clone(),
        seed: x.seed.clone(),
        check: checked(&l, &rec),
        url,
        events,
        events_hint,
        ended: x.status == "ended",
        can_write: u.perms().write,
        l,
    })
}

/// POST /ui/campaigns/lotteries/{id}/close: no more draws; the seed is published now.
pub async fn close(
    State(s): State<AppState>,
    u: UiUser,
    IdPath(id): IdPath<LotteryId>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let t = u.tenant();
    let to = format!("/ui/campaigns/lotteries/{}", id.0);
    closing(&u, &f, &to, async {
        lotteries::close(&s.db, &s.server, t, id).await.map(drop)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::percent;

    #[test]
    fn odds_read_as_percentages_without_trailing_zeros() {
        assert_eq!(percent(0), "0");
        assert_eq!(percent(10_000), "1");
        assert_eq!(percent(5_000), "0.5");
        assert_eq!(percent(1), "0.0001");
        assert_eq!(percent(123_450), "12.345");
        assert_eq!(percent(1_000_000), "100");
    }
}
