//! Lotteries (抽奖): the operator's lotteries with their commitment published before the
//! first draw, members' draws and paid upgrades (see [`draw`]), the seed revealed when the
//! lottery ends, and the published record anyone can recompute (see [`record`]).

pub mod draw;
pub mod record;

use quanzi_domain::lottery::{LotteryInput, NewLottery, sha256_hex};
use quanzi_domain::{Invalid, LotteryId, TenantId};
use quanzi_store::lottery::{self as repo, NewLotteryRow};
use quanzi_store::{Db, now_ms};

use crate::server::ServerSettings;
use crate::views::{Lottery, LotteryTier};
use crate::{CoreError, Result};

/// The longest a lottery may run: 31 days.
const MAX_WINDOW_MS: i64 = 31 * 86_400_000;

/// A lottery's window as the client sends it with its rules.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LotteryRequest {
    /// Name shown to members.
    pub name: Option<String>,
    /// The prize tiers, 1 to 10, best first by convention.
    pub tiers: Option<Vec<quanzi_domain::lottery::PrizeTierInput>>,
    /// Draws one member may make (1–100, default 1).
    pub draws_per_member: Option<i64>,
    /// Prizes one member may win, the everyone-wins tier not counted (1–100, default 1).
    pub wins_per_member: Option<i64>,
    /// What all prizes given may cost together, fen.
    pub budget_fen: Option<i64>,
    /// When the first draw may be made, unix ms.
    pub starts_at_ms: Option<i64>,
    /// When the lottery ends and its seed is revealed, unix ms.
    pub ends_at_ms: Option<i64>,
}

impl LotteryRequest {
    /// The rules part.
    fn rules(&self) -> LotteryInput {
        LotteryInput {
            name: self.name.clone(),
            tiers: self.tiers.clone(),
            draws_per_member: self.draws_per_member,
            wins_per_member: self.wins_per_member,
            budget_fen: self.budget_fen,
        }
    }
}

fn window(r: &LotteryRequest, e: &mut Invalid) -> (i64, i64) {
    match (r.starts_at_ms, r.ends_at_ms) {
        (None, _) => e.push("starts_at_ms", "is required"),
        (_, None) => e.push("ends_at_ms", "is required"),
        (Some(s), Some(t)) if t <= s => e.push("ends_at_ms", "must be after starts_at_ms"),
        (Some(s), Some(t)) if t.saturating_sub(s) > MAX_WINDOW_MS => {
            e.push("ends_at_ms", "must be at most 31 days after starts_at_ms")
        }
        _ => {}
    }
    if r.starts_at_ms.is_some_and(|s| s < 0) {
        e.push("starts_at_ms", "must be a unix time in ms");
    }
    (r.starts_at_ms.unwrap_or(0), r.ends_at_ms.unwrap_or(0))
}

/// Validates a request: the rules, then the window.
fn validated(r: &LotteryRequest) -> Result<(NewLottery, i64, i64)> {
    let mut e = match r.rules().into_new() {
        Ok(rules) => {
            let mut e = Invalid::default();
            let (s, t) = window(r, &mut e);
            return e.or_ok((rules, s, t)).map_err(Into::into);
        }
        Err(e) => e,
    };
    window(r, &mut e);
    Err(e.into())
}

/// Creates a lottery with a fresh server seed, sealed; its commitment is public from now on.
pub async fn create(
    db: &Db,
    server: &ServerSettings,
    t: TenantId,
    r: LotteryRequest,
) -> Result<Lottery> {
    let (rules, starts, ends) = validated(&r)?;
    let mut raw = [0u8; 32];
    getrandom::fill(&mut raw).map_err(|e| CoreError::ServerKey(e.to_string()))?;
    let seed = hex::encode(raw);
    let sealed = server
        .sealer
        .seal(&seed)
        .map_err(|e| CoreError::ServerKey(e.to_string()))?;
    let rules_json =
        serde_json::to_string(&r.rules()).map_err(|e| CoreError::Conflict(e.to_string()))?;
    let stock: Vec<i64> = rules.tiers.iter().map(|t| t.stock).collect();
    let row = NewLotteryRow {
        name: &rules.name,
        rules: &rules_json,
        seed_sealed: &sealed,
        commitment: &sha256_hex(&seed),
        starts_at_ms: starts,
        ends_at_ms: ends,
        budget_fen: rules.budget_fen,
        stock: &stock,
    };
    let now = now_ms();
    let mut tx = db.begin().await?;
    let l = repo::create(&mut tx, t, &row, now).await?;
    tx.commit().await?;
    view(l, tiers(&stock), now)
}

fn tiers(stock: &[i64]) -> Vec<(i64, i64)> {
    stock.iter().map(|s| (*s, 0)).collect()
}

/// The rules a stored lottery was created with.
pub(crate) fn rules_of(l: &repo::Lottery) -> Result<(LotteryInput, NewLottery)> {
    let input: LotteryInput = serde_json::from_str(&l.rules)
        .map_err(|e| CoreError::Conflict(format!("stored lottery rules: {e}")))?;
    let rules = input.clone().into_new()?;
    Ok((input, rules))
}

/// The view of a stored lottery with its tiers' counters.
fn view(l: repo::Lottery, counters: Vec<(i64, i64)>, now: i64) -> Result<Lottery> {
    let (_, rules) = rules_of(&l)?;
    let tiers = rules
        .tiers
        .iter()
        .enumerate()
        .map(|(i, tier)| {
            let (left, given) = counters.get(i).copied().unwrap_or((tier.stock, 0));
            LotteryTier {
                tier: i,
                name: tier.name.clone(),
                cost_fen: tier.cost_fen,
                stock: tier.stock,
                stock_left: left,
                given,
                odds_ppm: tier.odds_ppm,
                everyone_wins: tier.everyone_wins,
                upgrade_to: tier.upgrade.map(|u| u.to),
                upgrade_price_fen: tier.upgrade.map(|u| u.price_fen),
                margin_fen: rules.margin_fen(i),
            }
        })
        .collect();
    Ok(Lottery::of(
        l,
        rules.draws_per_member,
        rules.wins_per_member,
        tiers,
        now,
    ))
}

/// A lottery; one past its end is closed and its seed revealed on the way.
pub async fn get(db: &Db, server: &ServerSettings, t: TenantId, id: LotteryId) -> Result<Lottery> {
    let now = now_ms();
    let l = current(db, server, t, id, now).await?;
    let counters = repo::tiers(db, t, id).await?;
    view(l, counters, now)
}

/// The stored lottery as of `now`: one past its end is closed and its seed revealed first.
pub(crate) async fn current(
    db: &Db,
    server: &ServerSettings,
    t: TenantId,
    id: LotteryId,
    now: i64,
) -> Result<repo::Lottery> {
    let l = repo::get(db, t, id)
        .await?
        .ok_or(CoreError::NotFound("lottery"))?;
    reveal_if_over(db, server, t, l, now).await
}

/// Every lottery, newest first.
pub async fn list(db: &Db, server: &ServerSettings, t: TenantId) -> Result<Vec<Lottery>> {
    let now = now_ms();
    let mut out = Vec::new();
    for l in repo::list(db, t).await? {
        let id = LotteryId(l.lottery_id);
        let l = reveal_if_over(db, server, t, l, now).await?;
        out.push(view(l, repo::tiers(db, t, id).await?, now)?);
    }
    Ok(out)
}

/// Ends a lottery now and reveals its seed (the operator closes it early).
pub async fn close(
    db: &Db,
    server: &ServerSettings,
    t: TenantId,
    id: LotteryId,
) -> Result<Lottery> {
    let l = repo::get(db, t, id)
        .await?
        .ok_or(CoreError::NotFound("lottery"))?;
    let now = now_ms();
    let l = reveal(db, server, t, l, now).await?;
    view(l, repo::tiers(db, t, id).await?, now)
}

async fn reveal_if_over(
    db: &Db,
    server: &ServerSettings,
    t: TenantId,
    l: repo::Lottery,
    now: i64,
) -> Result<repo::Lottery> {
    if l.closed_at_ms.is_none() && now >= l.ends_at_ms {
        reveal(db, server, t, l, now).await
    } else {
        Ok(l)
    }
}

async fn reveal(
    db: &Db,
    server: &ServerSettings,
    t: TenantId,
    l: repo::Lottery,
    now: i64,
) -> Result<repo::Lottery> {
    if l.closed_at_ms.is_some() {
        return Ok(l);
    }
    let seed = server
        .sealer
        .open(&l.seed_sealed)
        .map_err(|e| CoreError::ServerKey(e.to_string()))?;
    let id = LotteryId(l.lottery_id);
    match repo::close(db, t, id, &seed, now).await? {
        Some(closed) => Ok(closed),
        // Closed by someone else meanwhile.
        None => repo::get(db, t, id)
            .await?
            .ok_or(CoreError::NotFound("lottery")),
    }
}

/// A member's draws and upgrades in a lottery, in order.
pub async fn events_of(
    db: &Db,
    t: TenantId,
    id: LotteryId,
    m: quanzi_domain::MemberId,
) -> Result<Vec<crate::views::LotteryDraw>> {
    let stored = repo::get(db, t, id)
        .await?
        .ok_or(CoreError::NotFound("lottery"))?;
    let (_, rules) = rules_of(&stored)?;
    Ok(repo::events_of(db, t, id, m)
        .await?
        .into_iter()
        .map(|e| crate::views::LotteryDraw::of(e, &rules))
        .collect())
}
