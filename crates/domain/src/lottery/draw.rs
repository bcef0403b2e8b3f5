//! The draw and the paid upgrade, played on a lottery's running state: stock left, budget
//! spent, and each member's draws and wins.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::{NewLottery, ODDS_SCALE, check_seed};
use crate::{LotteryId, MemberId};

/// Why a draw or an upgrade was refused; a refused event changes nothing and is not published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The seed is not 64 lowercase hex characters.
    #[error("the seed must be 64 lowercase hex characters")]
    BadSeed,
    /// The member has used every draw.
    #[error("the member has no draws left")]
    NoDrawsLeft,
    /// The draw number is not the member's next one.
    #[error("the draw number must be the member's next one")]
    OutOfOrder,
    /// No tier has that number.
    #[error("the lottery has no such tier")]
    UnknownTier,
    /// The tier cannot be upgraded.
    #[error("the tier has no upgrade")]
    NoUpgrade,
    /// No member holds a prize of the tier.
    #[error("no prize of the tier is held")]
    NothingToUpgrade,
    /// The target tier is out of stock.
    #[error("the target tier has no stock left")]
    NoStock,
    /// The extra cost would take spending past the budget.
    #[error("the budget cannot take the upgrade")]
    OverBudget,
}

/// What one draw got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A prize of this tier (the everyone-wins tier included), from this ticket.
    Prize {
        /// The tier's position.
        tier: usize,
        /// The draw's ticket.
        ticket: u32,
    },
    /// Nothing: no tier could give a prize.
    Nothing {
        /// The draw's ticket.
        ticket: u32,
    },
    /// The draw was refused and changed nothing.
    Refused(Refusal),
}

impl Outcome {
    /// The tier won, if any.
    pub fn tier(&self) -> Option<usize> {
        match self {
            Outcome::Prize { tier, .. } => Some(*tier),
            _ => None,
        }
    }
}

/// A lottery's rules and where it stands after the draws and upgrades so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LotteryState {
    /// The rules.
    pub rules: NewLottery,
    /// Prizes left, per tier.
    pub stock: Vec<i64>,
    /// Prizes held by members, per tier (an upgrade needs one to give back).
    pub given: Vec<i64>,
    /// What the prizes held cost together, fen.
    pub spent_fen: i64,
    /// Draws made, per member.
    pub draws: BTreeMap<MemberId, u32>,
    /// Wins (the everyone-wins tier not counted), per member.
    pub wins: BTreeMap<MemberId, u32>,
}

impl LotteryState {
    /// A lottery before its first draw.
    pub fn new(rules: NewLottery) -> Self {
        Self {
            stock: rules.tiers.iter().map(|t| t.stock).collect(),
            given: vec![0; rules.tiers.len()],
            spent_fen: 0,
            draws: BTreeMap::new(),
            wins: BTreeMap::new(),
            rules,
        }
    }

    /// Draws `member` has made.
    pub fn draws_of(&self, member: MemberId) -> u32 {
        self.draws.get(&member).copied().unwrap_or(0)
    }

    /// Wins of `member`, the everyone-wins tier not counted.
    pub fn wins_of(&self, member: MemberId) -> u32 {
        self.wins.get(&member).copied().unwrap_or(0)
    }

    /// Whether a prize of `tier` can be given: one is in stock and its cost fits the budget.
    pub fn can_give(&self, tier: usize) -> bool {
        let cost = self.rules.tiers.get(tier).map_or(i64::MAX, |t| t.cost_fen);
        self.stock.get(tier).is_some_and(|&s| s > 0)
            && self.spent_fen.saturating_add(cost) <= self.rules.budget_fen
    }

    /// Moves one prize of `tier` from stock to a member and books its cost.
    fn give(&mut self, tier: usize) {
        if let (Some(s), Some(g), Some(t)) = (
            self.stock.get_mut(tier),
            self.given.get_mut(tier),
            self.rules.tiers.get(tier),
        ) {
            *s -= 1;
            *g += 1;
            self.spent_fen = self.spent_fen.saturating_add(t.cost_fen);
        }
    }

    /// Moves one prize of `tier` from a member back to stock and unbooks its cost.
    fn take_back(&mut self, tier: usize) {
        if let (Some(s), Some(g), Some(t)) = (
            self.stock.get_mut(tier),
            self.given.get_mut(tier),
            self.rules.tiers.get(tier),
        ) {
            *s += 1;
            *g -= 1;
            self.spent_fen = self.spent_fen.saturating_sub(t.cost_fen);
        }
    }
}

/// The ticket of draw `draw_no` of `member` in `lottery`: SHA-256 of
/// `"{seed}:{lottery}:{member}:{draw_no}"`, first 8 bytes big-endian, modulo 1,000,000.
pub fn ticket(seed: &str, lottery: LotteryId, member: MemberId, draw_no: u32) -> u32 {
    let digest = Sha256::digest(format!("{seed}:{lottery}:{member}:{draw_no}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    // The remainder is below ODDS_SCALE, so it fits.
    (u64::from_be_bytes(first) % u64::from(ODDS_SCALE)) as u32
}

/// The tier whose ticket range holds `ticket`, if any (the everyone-wins tier has none).
fn range_tier(rules: &NewLottery, ticket: u32) -> Option<usize> {
    let mut end = 0u32;
    for (i, t) in rules.tiers.iter().enumerate() {
        if t.everyone_wins {
            continue;
        }
        end = end.saturating_add(t.odds_ppm);
        if ticket < end {
            return Some(i);
        }
    }
    None
}

/// Makes draw `draw_no` of `member` and records it in `state` (see the module's rules).
pub fn draw(
    state: &mut LotteryState,
    lottery: LotteryId,
    seed: &str,
    member: MemberId,
    draw_no: u32,
) -> Outcome {
    if !check_seed(seed) {
        return Outcome::Refused(Refusal::BadSeed);
    }
    let done = state.draws_of(member);
    if done >= state.rules.draws_per_member {
        return Outcome::Refused(Refusal::NoDrawsLeft);
    }
    if draw_no != done + 1 {
        return Outcome::Refused(Refusal::OutOfOrder);
    }
    let ticket = ticket(seed, lottery, member, draw_no);
    state.draws.insert(member, draw_no);
    let under_cap = state.wins_of(member) < state.rules.wins_per_member;
    let won = range_tier(&state.rules, ticket).filter(|&i| under_cap && state.can_give(i));
    if let Some(tier) = won {
        state.give(tier);
        state.wins.insert(member, state.wins_of(member) + 1);
        return Outcome::Prize { tier, ticket };
    }
    match state.rules.everyone_wins().filter(|&i| state.can_give(i)) {
        Some(tier) => {
            state.give(tier);
            Outcome::Prize { tier, ticket }
        }
        None => Outcome::Nothing { ticket },
    }
}

/// Upgrades a prize of tier `from` to its better tier, for the price the member pays: the
/// prize goes back to stock, one of the better tier is taken, and the budget is charged the
/// difference of their costs. An upgrade is a purchase, not a win: win counts do not change.
/// Returns the tier upgraded to.
pub fn upgrade(state: &mut LotteryState, from: usize) -> Result<usize, Refusal> {
    let source = state.rules.tiers.get(from).ok_or(Refusal::UnknownTier)?;
    let up = source.upgrade.ok_or(Refusal::NoUpgrade)?;
    let target = state.rules.tiers.get(up.to).ok_or(Refusal::UnknownTier)?;
    let extra = target.cost_fen - source.cost_fen;
    if state.given.get(from).is_none_or(|&g| g <= 0) {
        return Err(Refusal::NothingToUpgrade);
    }
    if state.stock.get(up.to).is_none_or(|&s| s <= 0) {
        return Err(Refusal::NoStock);
    }
    if state.spent_fen.saturating_add(extra) > state.rules.budget_fen {
        return Err(Refusal::OverBudget);
    }
    state.take_back(from);
    state.give(up.to);
    Ok(up.to)
}
