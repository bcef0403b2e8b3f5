//! Bargains (砍一刀): a member opens one on a product and friends each cut its price, one cut
//! per friend, the first friends cutting most, until the last friend needed brings it to its
//! floor.

use serde::{Deserialize, Serialize};

use crate::error::Invalid;
use crate::red_envelope::splitmix64;
use crate::text;

/// How far a cut may stray from the planned one, percent either way.
pub const JITTER_PCT: i64 = 20;

/// A bargain as a client sends it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BargainInput {
    /// The product's name shown to members.
    pub product_name: Option<String>,
    /// The price a bargain starts from, fen.
    pub start_price_fen: Option<i64>,
    /// The price friends can bring it down to, fen; below the start price.
    pub floor_price_fen: Option<i64>,
    /// Friends needed to reach the floor (2–100).
    pub cuts_to_floor: Option<i64>,
    /// Hours a member has to gather them (1–168, default 24).
    pub hours: Option<i64>,
    /// How many products may be sold at the floor; none means no limit.
    pub stock: Option<i64>,
}

/// A validated bargain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBargain {
    /// Product name.
    pub product_name: String,
    /// Start price, fen.
    pub start_price_fen: i64,
    /// Floor price, fen.
    pub floor_price_fen: i64,
    /// Cuts to the floor.
    pub cuts_to_floor: u32,
    /// Hours.
    pub hours: u32,
    /// Stock, none for no limit.
    pub stock: Option<i64>,
}

impl BargainInput {
    /// Validates the input.
    pub fn into_new(self) -> Result<NewBargain, Invalid> {
        let mut e = Invalid::default();
        let product_name = text::present(&mut e, "product_name", self.product_name.as_deref(), 64);
        let start = match self.start_price_fen {
            Some(s) if (1..=10_000_000).contains(&s) => s,
            Some(_) => {
                e.push("start_price_fen", "must be between 1 and 10000000");
                0
            }
            None => {
                e.push("start_price_fen", "is required");
                0
            }
        };
        let floor = match self.floor_price_fen {
            Some(f) if f >= 0 && (start == 0 || f < start) => f,
            Some(_) => {
                e.push(
                    "floor_price_fen",
                    "must be at least 0 and below start_price_fen",
                );
                0
            }
            None => {
                e.push("floor_price_fen", "is required");
                0
            }
        };
        let cuts = match self.cuts_to_floor.map(u32::try_from) {
            Some(Ok(c)) if (2..=100).contains(&c) => c,
            Some(_) => {
                e.push("cuts_to_floor", "must be between 2 and 100");
                2
            }
            None => {
                e.push("cuts_to_floor", "is required");
                2
            }
        };
        if start > 0 && start - floor < i64::from(cuts) {
            e.push(
                "cuts_to_floor",
                "must be at most start_price_fen − floor_price_fen (1 fen a cut)",
            );
        }
        let hours = match self.hours.map(u32::try_from) {
            None => 24,
            Some(Ok(h)) if (1..=168).contains(&h) => h,
            Some(_) => {
                e.push("hours", "must be between 1 and 168");
                24
            }
        };
        if self.stock.is_some_and(|s| !(0..=100_000_000).contains(&s)) {
            e.push("stock", "must be between 0 and 100000000");
        }
        e.or_ok(NewBargain {
            product_name: product_name.unwrap_or_default(),
            start_price_fen: start,
            floor_price_fen: floor,
            cuts_to_floor: cuts,
            hours,
            stock: self.stock,
        })
    }
}

/// What is left to cut and by how many cuts, or `None` at (or below) the floor.
fn remaining(
    floor_fen: i64,
    cuts_to_floor: u32,
    cuts_done: u32,
    current_fen: i64,
) -> Option<(i64, i64)> {
    let left = current_fen.saturating_sub(floor_fen);
    (left > 0).then(|| (left, i64::from(cuts_to_floor.saturating_sub(cuts_done))))
}

/// Keeps a cut within `[1, left − (cuts − 1)]`, so every later cut has a fen to take.
fn bounded(want: i64, left: i64, cuts: i64) -> i64 {
    want.min(left - (cuts - 1)).max(1)
}

/// The cut without luck: with `left` fen above the floor and `r` cuts to go, `⌊2·left / (r + 1)⌋`
/// (kept within 1 fen and what the later cuts need), or all of `left` on the last cut. In real
/// numbers the k-th cut of `n` would be `2·(start − floor)·(n − k + 1) / (n·(n + 1))`: falling
/// by the same amount each time.
pub fn planned_cut(floor_fen: i64, cuts_to_floor: u32, cuts_done: u32, current_fen: i64) -> i64 {
    match remaining(floor_fen, cuts_to_floor, cuts_done, current_fen) {
        None => 0,
        Some((left, r)) if r <= 1 => left,
        Some((left, r)) => {
            let want = i64::try_from(2 * i128::from(left) / i128::from(r + 1)).unwrap_or(left);
            bounded(want, left, r)
        }
    }
}

/// The next cut, fen: the planned cut moved by up to ±[`JITTER_PCT`] percent, drawn from
/// `seed` and `cuts_done`, then kept within 1 fen and what the later cuts need. The cut number
/// `cuts_to_floor` takes the price exactly to the floor; at the floor a cut is 0. A current
/// price above `start_fen` counts as `start_fen`.
pub fn cut(
    start_fen: i64,
    floor_fen: i64,
    cuts_to_floor: u32,
    cuts_done: u32,
    current_fen: i64,
    seed: u64,
) -> i64 {
    let current = current_fen.min(start_fen);
    let planned = planned_cut(floor_fen, cuts_to_floor, cuts_done, current);
    match remaining(floor_fen, cuts_to_floor, cuts_done, current) {
        Some((left, r)) if r > 1 => {
            let mut rng = seed ^ u64::from(cuts_done).wrapping_mul(0xA076_1D64_78BD_642F);
            // A percentage in [100 − JITTER_PCT, 100 + JITTER_PCT].
            let spread = (splitmix64(&mut rng) % (2 * JITTER_PCT as u64 + 1)) as i64;
            let pct = 100 - JITTER_PCT + spread;
            let want =
                i64::try_from(i128::from(planned) * i128::from(pct) / 100).unwrap_or(planned);
            bounded(want, left, r)
        }
        _ => planned,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Cuts a bargain `n` times (and twice more), returning every cut.
    fn run(start: i64, floor: i64, n: u32, seed: Option<u64>) -> Vec<i64> {
        let mut price = start;
        (0..n + 2)
            .map(|done| {
                let c = match seed {
                    Some(s) => cut(
                        start,
                        floor,
                        n,
                        done,
                        price,
                        s.wrapping_add(u64::from(done)),
                    ),
                    None => planned_cut(floor, n, done, price),
                };
                price -= c;
                c
            })
            .collect()
    }

    #[test]
    fn ten_friends_bring_a_hundred_yuan_to_its_floor_the_first_cutting_most() {
        let cuts = run(10_000, 1_000, 10, None);
        assert_eq!(
            cuts,
            [1636, 1472, 1309, 1145, 982, 818, 655, 491, 328, 164, 0, 0]
        );
        assert_eq!(cuts.iter().sum::<i64>(), 9_000);
    }

    #[test]
    fn bad_bargains_name_their_fields() {
        let b = BargainInput {
            product_name: Some("".into()),
            start_price_fen: Some(500),
            floor_price_fen: Some(500),
            cuts_to_floor: Some(101),
            hours: Some(0),
            stock: Some(-1),
        };
        let e = b.into_new().err().unwrap_or_default();
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "product_name",
                "floor_price_fen",
                "cuts_to_floor",
                "hours",
                "stock"
            ]
        );
        let tight = BargainInput {
            product_name: Some("x".into()),
            start_price_fen: Some(103),
            floor_price_fen: Some(100),
            cuts_to_floor: Some(4),
            ..Default::default()
        };
        let e = tight.into_new().err().unwrap_or_default();
        assert_eq!(e.0[0].field, "cuts_to_floor");
    }

    proptest! {
        /// With or without luck, for any valid bargain: the price never goes below the floor,
        /// every cut before the floor is at least 1 fen, the cut number `cuts_to_floor` lands
        /// exactly on the floor, and cuts after it are 0.
        #[test]
        fn the_floor_is_reached_exactly_on_the_last_friend_and_never_passed(
            floor in 0i64..100_000,
            n in 2u32..=100,
            extra in 0i64..10_000_000,
            seed in proptest::option::of(any::<u64>()),
        ) {
            let start = floor + i64::from(n) + extra;
            let cuts = run(start, floor, n, seed);
            let mut price = start;
            for (k, &c) in cuts.iter().enumerate() {
                price -= c;
                prop_assert!(price >= floor);
                if k < n as usize {
                    prop_assert!(c >= 1, "cut {} was {}", k, c);
                } else {
                    prop_assert_eq!(c, 0);
                }
                if k + 1 == n as usize {
                    prop_assert_eq!(price, floor);
                }
            }
        }

        /// Without luck the schedule never rises: each friend cuts at most what the one
        /// before cut. With luck each cut lies within ±JITTER_PCT% of the planned cut for the
        /// same price (or at the bound that keeps a fen for every later cut).
        #[test]
        fn planned_cuts_never_rise_and_luck_stays_near_the_plan(
            floor in 0i64..100_000,
            n in 2u32..=100,
            extra in 0i64..10_000_000,
            seed in any::<u64>(),
        ) {
            let start = floor + i64::from(n) + extra;
            let planned = run(start, floor, n, None);
            prop_assert!(planned.windows(2).all(|w| w[1] <= w[0]), "{:?}", planned);
            let mut price = start;
            for done in 0..n - 1 {
                let p = planned_cut(floor, n, done, price);
                let c = cut(start, floor, n, done, price, seed);
                let cap = price - floor - i64::from(n - done - 1);
                let near = c * 100 >= p * (100 - JITTER_PCT) - 100
                    && c * 100 <= p * (100 + JITTER_PCT);
                prop_assert!(near || c == cap || c == 1, "cut {} vs planned {}", c, p);
                price -= c;
            }
        }
    }
}
