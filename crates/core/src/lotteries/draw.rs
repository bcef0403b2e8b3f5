//! A member's draw and paid upgrade. Each takes the lottery's row (numbering the event), reads
//! the tiers' counters and the member's draws and wins, lets the domain's rules decide
//! (`quanzi_domain::lottery`), and writes the event with what it changed, in one transaction:
//! the record, the stock and the budget can never disagree, and the budget and each tier's
//! stock are also checked by the rows themselves.

use quanzi_domain::lottery::{self, LotteryState, NewLottery, Outcome, PrizeTier, Refusal};
use quanzi_domain::{LotteryId, MemberId, TenantId};
use quanzi_store::lottery::{self as repo, LotteryEvent, Recorded};
use quanzi_store::{Db, Tx, now_ms, webhook};
use serde_json::json;

use super::rules_of;
use crate::server::ServerSettings;
use crate::views::{Lottery, LotteryDraw};
use crate::{CoreError, Result};

/// What a draw or an upgrade came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Drawn {
    /// Recorded: the draw (with its prize, or nothing) or the upgrade.
    Done(LotteryDraw),
    /// The lottery is not open now.
    NotOpen,
    /// Refused by the rules (no draws left, nothing to upgrade, no stock, over budget…);
    /// nothing was written.
    Refused(Refusal),
}

/// The running state of a lottery for one member, from the rows.
async fn state(
    tx: &mut Tx,
    t: TenantId,
    l: &repo::Lottery,
    m: MemberId,
) -> Result<(LotteryState, u32)> {
    let id = LotteryId(l.lottery_id);
    let (_, rules) = rules_of(l)?;
    let mut s = LotteryState::new(rules);
    for (i, (left, given)) in repo::tiers_tx(tx, t, id).await?.into_iter().enumerate() {
        if let (Some(a), Some(b)) = (s.stock.get_mut(i), s.given.get_mut(i)) {
            (*a, *b) = (left, given);
        }
    }
    s.spent_fen = l.spent_fen;
    let (draws, wins) = repo::player_tx(tx, t, id, m).await?;
    let draws = u32::try_from(draws).unwrap_or(u32::MAX);
    if draws > 0 {
        s.draws.insert(m, draws);
    }
    if wins > 0 {
        s.wins.insert(m, u32::try_from(wins).unwrap_or(u32::MAX));
    }
    Ok((s, draws))
}

fn counters(s: &LotteryState, m: MemberId) -> (Vec<(i64, i64)>, (i64, i64)) {
    let tiers = s
        .stock
        .iter()
        .zip(&s.given)
        .map(|(a, b)| (*a, *b))
        .collect();
    (tiers, (i64::from(s.draws_of(m)), i64::from(s.wins_of(m))))
}

/// Opens the lottery for one event: the transaction, the lottery (numbered), its seed.
async fn open(
    db: &Db,
    server: &ServerSettings,
    t: TenantId,
    id: LotteryId,
    now: i64,
) -> Result<Option<(Tx, repo::Lottery, String)>> {
    repo::get(db, t, id)
        .await?
        .ok_or(CoreError::NotFound("lottery"))?;
    let mut tx = db.begin().await?;
    let Some(l) = repo::take(&mut tx, t, id, now).await? else {
        return Ok(None);
    };
    let seed = server
        .sealer
        .open(&l.seed_sealed)
        .map_err(|e| CoreError::ServerKey(e.to_string()))?;
    Ok(Some((tx, l, seed)))
}

/// Makes the member's next draw.
pub async fn draw(
    db: &Db,
    server: &ServerSettings,
    t: TenantId,
    id: LotteryId,
    m: MemberId,
) -> Result<Drawn> {
    crate::members::get(db, t, m).await?;
    let now = now_ms();
    let Some((mut tx, l, seed)) = open(db, server, t, id, now).await? else {
        return Ok(Drawn::NotOpen);
    };
    let (mut s, done) = state(&mut tx, t, &l, m).await?;
    let (tier, ticket) = match lottery::draw(&mut s, id, &seed, m, done + 1) {
        Outcome::Refused(r) => return Ok(Drawn::Refused(r)),
        Outcome::Prize { tier, ticket } => (Some(tier), ticket),
        Outcome::Nothing { ticket } => (None, ticket),
    };
    let (tiers, player) = counters(&s, m);
    let event = LotteryEvent {
        seq: l.events,
        kind: "draw".into(),
        member_id: m.0,
        draw_no: i64::from(done + 1),
        ticket: Some(i64::from(ticket)),
        tier: tier.map(|i| i as i64),
        from_tier: None,
        price_fen: None,
        at_ms: now,
    };
    let r = Recorded {
        event,
        tiers,
        spent_fen: s.spent_fen,
        player,
    };
    repo::record(&mut tx, t, id, &r).await?;
    if let Some(i) = tier {
        let prize = &s.rules.tiers[i];
        let payload = json!({
            "lottery_id": id.0, "member_id": m.0, "draw_no": done + 1, "tier": i,
            "prize": prize.name, "everyone_wins": prize.everyone_wins, "at_ms": now,
        });
        webhook::emit(&mut tx, t, "lottery.won", &payload, now).await?;
    }
    tx.commit().await?;
    Ok(Drawn::Done(LotteryDraw::of(r.event, &s.rules)))
}

/// The running state of lottery `l` as its view reads: its rules, each tier's stock left and
/// prizes held, and what the budget has spent (no member's draws or wins: an upgrade needs none).
fn state_of(l: &Lottery) -> LotteryState {
    let tiers = l
        .tiers
        .iter()
        .map(|t| PrizeTier {
            name: t.name.clone(),
            cost_fen: t.cost_fen,
            stock: t.stock,
            odds_ppm: t.odds_ppm,
            everyone_wins: t.everyone_wins,
            upgrade: t
                .upgrade_to
                .zip(t.upgrade_price_fen)
                .map(|(to, price_fen)| lottery::Upgrade { to, price_fen }),
        })
        .collect();
    let mut s = LotteryState::new(NewLottery {
        name: l.name.clone(),
        tiers,
        draws_per_member: l.draws_per_member,
        wins_per_member: l.wins_per_member,
        budget_fen: l.budget_fen,
    });
    s.stock = l.tiers.iter().map(|t| t.stock_left).collect();
    s.given = l.tiers.iter().map(|t| t.given).collect();
    s.spent_fen = l.spent_fen;
    s
}

/// Whether a prize of tier `from` can be upgraded as `l` stands: the tier it would become, or
/// the refusal [`upgrade`] would meet (no upgrade, the better tier out of stock, over budget…).
/// The very rule [`upgrade`] applies (`quanzi_domain::lottery::upgrade`), played on a copy of
/// `l`'s counters: nothing is written. Whether the lottery is open, and whether this member's
/// prize was already upgraded, are the caller's to know.
pub fn upgradable(l: &Lottery, from: usize) -> std::result::Result<usize, Refusal> {
    lottery::upgrade(&mut state_of(l), from)
}

/// Upgrades the prize of the member's draw `draw_no` to its better tier, for the price the
/// tier names (paid when the prize is collected); once per draw.
pub async fn upgrade(
    db: &Db,
    server: &ServerSettings,
    t: TenantId,
    id: LotteryId,
    m: MemberId,
    draw_no: i64,
) -> Result<Drawn> {
    crate::members::get(db, t, m).await?;
    let now = now_ms();
    let Some((mut tx, l, _)) = open(db, server, t, id, now).await? else {
        return Ok(Drawn::NotOpen);
    };
    let (first, upgraded) = repo::draw_of_tx(&mut tx, t, id, m, draw_no).await?;
    let Some(from) = first.and_then(|d| d.tier).filter(|_| !upgraded) else {
        return Ok(Drawn::Refused(Refusal::NothingToUpgrade));
    };
    let from = usize::try_from(from).unwrap_or(usize::MAX);
    let (mut s, _) = state(&mut tx, t, &l, m).await?;
    let to = match lottery::upgrade(&mut s, from) {
        Ok(to) => to,
        Err(r) => return Ok(Drawn::Refused(r)),
    };
    let price = s.rules.tiers[from].upgrade.map(|u| u.price_fen);
    let (tiers, player) = counters(&s, m);
    let event = LotteryEvent {
        seq: l.events,
        kind: "upgrade".into(),
        member_id: m.0,
        draw_no,
        ticket: None,
        tier: Some(to as i64),
        from_tier: Some(from as i64),
        price_fen: price,
        at_ms: now,
    };
    let r = Recorded {
        event,
        tiers,
        spent_fen: s.spent_fen,
        player,
    };
    repo::record(&mut tx, t, id, &r).await?;
    tx.commit().await?;
    Ok(Drawn::Done(LotteryDraw::of(r.event, &s.rules)))
}
