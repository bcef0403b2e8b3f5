//! Stored value (储值) and offers (买满送): a merchant's top-up plan with its bonus tiers
//! (充100送20), the member wallet's double-entry ledger in `ledger`, and threshold offers and
//! coupons in `offer`.

use serde::{Deserialize, Serialize};

use crate::error::Invalid;

pub mod ledger;
pub mod offer;
#[cfg(test)]
mod tests;

pub use ledger::{Account, Balance, Posting, WalletOp, WalletRefusal, WalletRequest, plan};
pub use offer::{NewOffer, OfferInput, OfferKind, OfferReward, applies, may_take};

/// The most bonus tiers a top-up plan may have.
pub const MAX_TIERS: usize = 20;
/// The largest top-up threshold, fen (¥1,000,000).
pub const MAX_TOP_UP_FEN: i64 = 100_000_000;

/// A bonus tier as a client sends it: a top-up of at least `min_top_up_fen` earns
/// `bonus_fen` (充100送20 is 10000 and 2000).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TopUpTierInput {
    /// The smallest top-up the tier applies to, fen.
    pub min_top_up_fen: Option<i64>,
    /// The bonus it earns, fen; at most the threshold.
    pub bonus_fen: Option<i64>,
}

/// A validated bonus tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TopUpTier {
    /// Threshold, fen.
    pub min_top_up_fen: i64,
    /// Bonus, fen.
    pub bonus_fen: i64,
}

/// A merchant's top-up plan as a client sends it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TopUpPlanInput {
    /// Bonus tiers (up to 20, distinct thresholds, any order); none means no bonus.
    pub tiers: Option<Vec<TopUpTierInput>>,
    /// Days a bonus can be spent before it expires (1–3650, default 365).
    pub bonus_valid_days: Option<i64>,
}

/// A validated top-up plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTopUpPlan {
    /// Tiers, by rising threshold.
    pub tiers: Vec<TopUpTier>,
    /// Bonus validity, days.
    pub bonus_valid_days: u32,
}

impl TopUpPlanInput {
    /// Validates the input.
    pub fn into_new(self) -> Result<NewTopUpPlan, Invalid> {
        let mut e = Invalid::default();
        let inputs = self.tiers.unwrap_or_default();
        if inputs.len() > MAX_TIERS {
            e.push("tiers", format!("must have at most {MAX_TIERS} tiers"));
        }
        let mut tiers = Vec::with_capacity(inputs.len());
        for (k, t) in inputs.iter().enumerate() {
            let min = t.min_top_up_fen.unwrap_or(0);
            if !(1..=MAX_TOP_UP_FEN).contains(&min) {
                e.push(
                    format!("tiers[{k}].min_top_up_fen"),
                    format!("must be between 1 and {MAX_TOP_UP_FEN}"),
                );
            } else if inputs[..k].iter().any(|o| o.min_top_up_fen == Some(min)) {
                e.push(
                    format!("tiers[{k}].min_top_up_fen"),
                    "must differ from the other tiers' thresholds",
                );
            }
            let bonus = t.bonus_fen.unwrap_or(0);
            if !(1..=min.max(1)).contains(&bonus) {
                e.push(
                    format!("tiers[{k}].bonus_fen"),
                    "must be between 1 and min_top_up_fen",
                );
            }
            tiers.push(TopUpTier {
                min_top_up_fen: min,
                bonus_fen: bonus,
            });
        }
        tiers.sort_by_key(|t| t.min_top_up_fen);
        let bonus_valid_days = match self.bonus_valid_days.map(u32::try_from) {
            None => 365,
            Some(Ok(d)) if (1..=3650).contains(&d) => d,
            Some(_) => {
                e.push("bonus_valid_days", "must be between 1 and 3650");
                365
            }
        };
        e.or_ok(NewTopUpPlan {
            tiers,
            bonus_valid_days,
        })
    }
}

/// The bonus a top-up of `top_up_fen` earns: the largest bonus among the tiers whose threshold
/// it reaches, 0 when it reaches none.
pub fn bonus_for(tiers: &[TopUpTier], top_up_fen: i64) -> i64 {
    tiers
        .iter()
        .filter(|t| t.min_top_up_fen <= top_up_fen)
        .map(|t| t.bonus_fen)
        .max()
        .unwrap_or(0)
}
