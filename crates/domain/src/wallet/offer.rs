//! Offers: spend-X-get-Y (买满送) and coupon batches, their reward, window and limits, and
//! whether one applies to an order.

use serde::{Deserialize, Serialize};

use crate::error::Invalid;
use crate::{name_enum, text};

name_enum! {
    /// What kind of offer.
    OfferKind {
        /// Spend at least the threshold in one order, get the reward (买满送, 满减).
        SpendGet = "spend_get",
        /// A coupon a member holds and shows, its code made by
        /// `crate::gift::redemption_code`; the threshold may be 0 (无门槛).
        Coupon = "coupon",
    }
}

/// An offer as a client sends it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OfferInput {
    /// Name shown to members (e.g. "满100送饮料").
    pub name: Option<String>,
    /// `spend_get` or `coupon`.
    pub kind: Option<OfferKind>,
    /// The order must be at least this, fen (default 0; at least 1 for `spend_get`).
    pub threshold_fen: Option<i64>,
    /// The reward as money off, fen; set this or `gift_name`.
    pub discount_fen: Option<i64>,
    /// The reward as a gift; set this or `discount_fen`.
    pub gift_name: Option<String>,
    /// How many may be given; none means no limit.
    pub stock: Option<i64>,
    /// Start of the window, ms since the epoch.
    pub valid_from_ms: Option<i64>,
    /// End of the window (excluded), ms since the epoch; after `valid_from_ms`.
    pub valid_until_ms: Option<i64>,
    /// How many one member may take (1–100, default 1).
    pub per_member: Option<i64>,
}

/// What an offer gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OfferReward {
    /// Money off the order, fen.
    Discount(i64),
    /// A gift handed over with the order.
    Gift(String),
}

/// A validated offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOffer {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: OfferKind,
    /// Threshold, fen.
    pub threshold_fen: i64,
    /// Reward.
    pub reward: OfferReward,
    /// Stock, none for no limit.
    pub stock: Option<i64>,
    /// Window start, ms.
    pub valid_from_ms: i64,
    /// Window end (excluded), ms.
    pub valid_until_ms: i64,
    /// Per member.
    pub per_member: u32,
}

impl OfferInput {
    /// Validates the input.
    pub fn into_new(self) -> Result<NewOffer, Invalid> {
        let mut e = Invalid::default();
        let name = text::present(&mut e, "name", self.name.as_deref(), 64);
        let kind = self.kind.unwrap_or_else(|| {
            e.push(
                "kind",
                format!("is required: one of {}", OfferKind::expected()),
            );
            OfferKind::SpendGet
        });
        let threshold_fen = self.threshold_fen.unwrap_or(0);
        let least = i64::from(kind == OfferKind::SpendGet);
        if !(least..=100_000_000).contains(&threshold_fen) {
            e.push(
                "threshold_fen",
                format!("must be between {least} and 100000000"),
            );
        }
        let gift = text::optional(&mut e, "gift_name", self.gift_name.as_deref(), 64);
        let reward = match (self.discount_fen, gift) {
            (Some(d), None) => {
                let cap = if threshold_fen > 0 {
                    threshold_fen
                } else {
                    10_000_000
                };
                if !(1..=cap).contains(&d) {
                    e.push("discount_fen", "must be between 1 and threshold_fen");
                }
                OfferReward::Discount(d)
            }
            (None, Some(g)) => OfferReward::Gift(g),
            (Some(_), Some(_)) => {
                e.push("discount_fen", "set discount_fen or gift_name, not both");
                OfferReward::Discount(0)
            }
            (None, None) => {
                e.push("discount_fen", "set discount_fen or gift_name");
                OfferReward::Discount(0)
            }
        };
        if self.stock.is_some_and(|s| !(0..=100_000_000).contains(&s)) {
            e.push("stock", "must be between 0 and 100000000");
        }
        let from = self.valid_from_ms.unwrap_or_else(|| {
            e.push("valid_from_ms", "is required");
            0
        });
        if from < 0 {
            e.push("valid_from_ms", "must not be negative");
        }
        let until = match self.valid_until_ms {
            None => {
                e.push("valid_until_ms", "is required");
                0
            }
            Some(u) if u <= from => {
                e.push("valid_until_ms", "must be after valid_from_ms");
                u
            }
            Some(u) => u,
        };
        let per_member = match self.per_member.map(u32::try_from) {
            None => 1,
            Some(Ok(p)) if (1..=100).contains(&p) => p,
            Some(_) => {
                e.push("per_member", "must be between 1 and 100");
                1
            }
        };
        e.or_ok(NewOffer {
            name: name.unwrap_or_default(),
            kind,
            threshold_fen,
            reward,
            stock: self.stock,
            valid_from_ms: from,
            valid_until_ms: until,
            per_member,
        })
    }
}

/// Whether `offer` applies to an order of `order_fen` at `now_ms`: inside its window
/// (`valid_from_ms` included, `valid_until_ms` not) and at or above its threshold. Stock and
/// the per-member limit are checked with [`may_take`].
pub fn applies(offer: &NewOffer, order_fen: i64, now_ms: i64) -> bool {
    (offer.valid_from_ms..offer.valid_until_ms).contains(&now_ms)
        && order_fen >= offer.threshold_fen
}

/// Whether one more may be given when `taken` have been given in all and `taken_by_member` to
/// this member.
pub fn may_take(offer: &NewOffer, taken: i64, taken_by_member: i64) -> bool {
    offer.stock.is_none_or(|s| taken < s) && taken_by_member < i64::from(offer.per_member)
}
