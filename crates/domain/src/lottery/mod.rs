//! Lotteries (抽奖): prize tiers with stock and odds, an everyone-wins tier, the paid upgrade
//! of a prize (三等奖 → 一等奖), a prize budget never exceeded, and a draw anyone can verify.
//!
//! # The verifiable draw
//!
//! Anyone holding the published data can recompute every outcome with nothing but SHA-256
//! (`docs/verifiable-draw.md` has a worked example):
//!
//! 1. **Seed and commitment.** The server seed is 64 lowercase hex characters (32 random
//!    bytes). Before the lottery opens Quanzi publishes the commitment: the lowercase hex of
//!    SHA-256 over the seed's 64 ASCII characters (not over the 32 bytes). The seed itself is
//!    published when the lottery closes.
//! 2. **Ticket.** Draw number `n` (1, 2, … per member) of member `m` in lottery `l` hashes the
//!    ASCII string `"{seed}:{l}:{m}:{n}"` (ids and `n` in decimal) with SHA-256, reads the
//!    first 8 bytes of the digest as a big-endian unsigned 64-bit integer and takes it modulo
//!    1,000,000: `ticket ∈ [0, 1_000_000)`.
//! 3. **Ranges.** The tiers other than the everyone-wins tier take consecutive ranges of
//!    tickets in their listed order: `[0, odds₀)`, `[odds₀, odds₀ + odds₁)`, … (odds in parts
//!    per million, summing to at most 1,000,000).
//! 4. **Outcome.** The draw wins the tier whose range holds the ticket when that tier has stock
//!    left, its cost fits what is left of the budget, and the member has fewer wins than
//!    `wins_per_member`. Otherwise — or when the ticket lies past every range — it gets the
//!    everyone-wins tier when that tier has stock left and its cost fits the budget
//!    (everyone-wins prizes are not counted as wins). Otherwise it gets nothing.
//! 5. **Order.** Stock, budget and win counts depend on earlier draws, so outcomes are
//!    replayed in the published order of events: draws `(member, n)` and paid upgrades
//!    `(from tier → to tier)`, in the order they happened. A member's draws are numbered
//!    1, 2, … without gaps, at most `draws_per_member`. An upgrade returns one unit of the
//!    source tier to its stock, takes one unit of the target tier, and adds the difference of
//!    their costs to what the budget has spent.
//!
//! Tier numbers are 0-based positions in the lottery's list of tiers, the everyone-wins tier
//! included. The modulo's bias (2⁶⁴ is not a multiple of 10⁶) is below one part in 10¹³.

mod draw;
mod input;
#[cfg(test)]
mod tests;
mod verify;

pub use draw::{LotteryState, Outcome, Refusal, draw, ticket, upgrade};
pub use input::{LotteryInput, NewLottery, PrizeTier, PrizeTierInput, Upgrade, odds_from_percent};
pub use verify::{Step, VerifyError, check_seed, sha256_hex, verify};

/// Tickets run from 0 to `ODDS_SCALE - 1`; odds are parts of it (parts per million).
pub const ODDS_SCALE: u32 = 1_000_000;
/// The most tiers a lottery may have.
pub const MAX_TIERS: usize = 10;
/// Characters of a server seed: 32 bytes in lowercase hex.
pub const SEED_LEN: usize = 64;
