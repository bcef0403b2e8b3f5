//! Red-envelope plans (红包): which groups, at what times, how much and how it is split; and
//! the split itself, equal or WeChat's double-mean random, reproducible from a seed.

use serde::{Deserialize, Serialize};

use crate::error::Invalid;
use crate::{GroupId, name_enum, text};

/// Groups one plan may send to.
pub const MAX_GROUPS: usize = 200;
/// Send times one plan may have.
pub const MAX_TIMES: usize = 100;
/// Shares one envelope may be split into.
pub const MAX_COUNT: u32 = 500;
/// The most one envelope may hold, fen (¥100,000).
pub const MAX_TOTAL_FEN: i64 = 10_000_000;

name_enum! {
    /// How an envelope's amount is split among those who open it.
    Split {
        /// Everyone gets the same, to the fen (普通红包).
        Equal = "equal",
        /// Luck decides, WeChat's way (拼手气红包).
        Random = "random",
    }
}

/// A plan as a client sends it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RedEnvelopePlanInput {
    /// Name shown to operators.
    pub name: Option<String>,
    /// The groups each envelope goes to (1–200, distinct).
    pub group_ids: Option<Vec<i64>>,
    /// When envelopes are sent, ms since the epoch (1–100, distinct, any order).
    pub at_ms: Option<Vec<i64>>,
    /// What one envelope holds, fen; at least one fen per share.
    pub total_fen: Option<i64>,
    /// Shares one envelope is split into (1–500).
    pub count: Option<i64>,
    /// `equal` or `random` (default).
    pub split: Option<Split>,
    /// What the whole plan may cost, fen; must cover every envelope it sends.
    pub budget_fen: Option<i64>,
}

/// A validated plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRedEnvelopePlan {
    /// Name.
    pub name: String,
    /// Groups.
    pub group_ids: Vec<GroupId>,
    /// Send times, ascending.
    pub at_ms: Vec<i64>,
    /// Per envelope, fen.
    pub total_fen: i64,
    /// Shares per envelope.
    pub count: u32,
    /// Split.
    pub split: Split,
    /// Budget, fen.
    pub budget_fen: i64,
}

impl NewRedEnvelopePlan {
    /// Every envelope the plan sends: one per group at each time, in time order.
    pub fn schedule(&self) -> Vec<(i64, GroupId)> {
        self.at_ms
            .iter()
            .flat_map(|&at| self.group_ids.iter().map(move |&g| (at, g)))
            .collect()
    }

    /// What every envelope of the plan costs together, fen.
    pub fn cost_fen(&self) -> i64 {
        sends_cost(self.total_fen, self.group_ids.len(), self.at_ms.len())
    }
}

/// `total` × groups × times, saturating (the bounds keep it far below `i64::MAX`).
fn sends_cost(total: i64, groups: usize, times: usize) -> i64 {
    let sends = i64::try_from(groups.saturating_mul(times)).unwrap_or(i64::MAX);
    total.saturating_mul(sends)
}

impl RedEnvelopePlanInput {
    /// Validates the input.
    pub fn into_new(self) -> Result<NewRedEnvelopePlan, Invalid> {
        let mut e = Invalid::default();
        let name = text::present(&mut e, "name", self.name.as_deref(), 64);
        let groups = self.group_ids.unwrap_or_default();
        if !(1..=MAX_GROUPS).contains(&groups.len()) {
            e.push("group_ids", format!("must have 1 to {MAX_GROUPS} groups"));
        }
        for (k, &g) in groups.iter().enumerate() {
            if g <= 0 {
                e.push(format!("group_ids[{k}]"), "must be positive");
            } else if groups[..k].contains(&g) {
                e.push(format!("group_ids[{k}]"), "must not repeat a group");
            }
        }
        let mut at_ms = self.at_ms.unwrap_or_default();
        if !(1..=MAX_TIMES).contains(&at_ms.len()) {
            e.push("at_ms", format!("must have 1 to {MAX_TIMES} times"));
        }
        if at_ms.iter().any(|&t| t < 0) {
            e.push("at_ms", "must not be negative");
        }
        at_ms.sort_unstable();
        if at_ms.windows(2).any(|w| w[0] == w[1]) {
            e.push("at_ms", "must not repeat a time");
        }
        let count = match self.count.map(u32::try_from) {
            Some(Ok(c)) if (1..=MAX_COUNT).contains(&c) => c,
            None => {
                e.push("count", "is required");
                1
            }
            Some(_) => {
                e.push("count", format!("must be between 1 and {MAX_COUNT}"));
                1
            }
        };
        let total_fen = match self.total_fen {
            None => {
                e.push("total_fen", "is required");
                0
            }
            Some(t) if !(1..=MAX_TOTAL_FEN).contains(&t) => {
                e.push(
                    "total_fen",
                    format!("must be between 1 and {MAX_TOTAL_FEN}"),
                );
                0
            }
            Some(t) if t < i64::from(count) => {
                e.push("total_fen", "must be at least count (1 fen a share)");
                0
            }
            Some(t) => t,
        };
        let cost = sends_cost(total_fen, groups.len(), at_ms.len());
        match self.budget_fen {
            None => e.push("budget_fen", "is required"),
            Some(b) if b < cost => e.push(
                "budget_fen",
                format!("must cover total_fen × groups × times ({cost} fen)"),
            ),
            Some(b) if b > crate::money::MAX_AMOUNT_FEN => e.push(
                "budget_fen",
                format!("must be at most {}", crate::money::MAX_AMOUNT_FEN),
            ),
            Some(_) => {}
        }
        e.or_ok(NewRedEnvelopePlan {
            name: name.unwrap_or_default(),
            group_ids: groups.into_iter().map(GroupId).collect(),
            at_ms,
            total_fen,
            count,
            split: self.split.unwrap_or(Split::Random),
            budget_fen: self.budget_fen.unwrap_or(0),
        })
    }
}

/// The next value of splitmix64 (Steele, Lea and Flood, 2014): a small, fast generator for
/// reproducible luck, not for secrets.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Splits `total_fen` into `count` shares that add up to it, each at least 1 fen.
///
/// `Equal`: shares differ by at most 1 fen, the first ones taking the remainder.
/// `Random`: WeChat's double mean. With `left` fen for `r` shares still to draw, the next
/// share is uniform in `[1, min(⌊2·left / r⌋, left − (r − 1))]`: never above twice the mean of
/// what is left, and leaving 1 fen for each share after it. The last share takes what is left,
/// which is the mean itself, so it respects the cap too. The same `seed` gives the same shares.
///
/// With fewer fen than shares (validation refuses it), the split is equal and the last shares
/// are 0; a negative total counts as 0.
pub fn split(total_fen: i64, count: u32, split: Split, seed: u64) -> Vec<i64> {
    let total = total_fen.max(0);
    let n = i64::from(count);
    if split == Split::Equal || total < n {
        let (base, extra) = if n == 0 {
            (0, 0)
        } else {
            (total / n, total % n)
        };
        return (0..n).map(|i| base + i64::from(i < extra)).collect();
    }
    let mut rng = seed;
    let mut left = total;
    let mut shares = Vec::with_capacity(count as usize);
    for r in (1..=n).rev() {
        if r == 1 {
            shares.push(left);
            break;
        }
        // In i128: 2·left must not overflow; the result is at most `left`.
        let twice_mean = i64::try_from(2 * i128::from(left) / i128::from(r)).unwrap_or(left);
        let cap = twice_mean.min(left - (r - 1)).max(1);
        let share = 1 + (splitmix64(&mut rng) % cap.unsigned_abs()) as i64;
        shares.push(share);
        left -= share;
    }
    shares
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn plan() -> RedEnvelopePlanInput {
        RedEnvelopePlanInput {
            name: Some("晚八点红包".into()),
            group_ids: Some(vec![3, 1]),
            at_ms: Some(vec![2000, 1000]),
            total_fen: Some(888),
            count: Some(10),
            split: None,
            budget_fen: Some(4 * 888),
        }
    }

    #[test]
    fn a_plan_sends_one_envelope_per_group_at_each_time_within_its_budget() {
        let p = plan().into_new().unwrap();
        assert_eq!(p.split, Split::Random);
        assert_eq!(p.at_ms, [1000, 2000]);
        assert_eq!(p.cost_fen(), 3552);
        assert_eq!(
            p.schedule(),
            [
                (1000, GroupId(3)),
                (1000, GroupId(1)),
                (2000, GroupId(3)),
                (2000, GroupId(1))
            ]
        );
    }

    #[test]
    fn bad_plans_name_their_fields() {
        let p = RedEnvelopePlanInput {
            name: None,
            group_ids: Some(vec![5, 0, 5]),
            at_ms: Some(vec![7, 7]),
            total_fen: Some(3),
            count: Some(4),
            split: Some(Split::Equal),
            budget_fen: Some(1),
        };
        let e = p.into_new().err().unwrap_or_default();
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            ["name", "group_ids[1]", "group_ids[2]", "at_ms", "total_fen"]
        );
        let short = RedEnvelopePlanInput {
            budget_fen: Some(4 * 888 - 1),
            ..plan()
        };
        let e = short.into_new().err().unwrap_or_default();
        assert_eq!(e.0[0].field, "budget_fen");
        assert_eq!(
            e.0[0].reason,
            "must cover total_fen × groups × times (3552 fen)"
        );
    }

    #[test]
    fn splitmix64_matches_the_reference_outputs() {
        let mut s = 1_234_567;
        let got: Vec<u64> = (0..3).map(|_| splitmix64(&mut s)).collect();
        assert_eq!(
            got,
            [
                6457827717110365317,
                3203168211198807973,
                9817491932198370423
            ]
        );
    }

    #[test]
    fn an_equal_split_gives_the_spare_fen_to_the_first_shares() {
        assert_eq!(split(1000, 3, Split::Equal, 0), [334, 333, 333]);
        assert_eq!(split(2, 4, Split::Random, 9), [1, 1, 0, 0]);
        assert_eq!(split(5, 0, Split::Random, 9), Vec::<i64>::new());
        assert_eq!(split(7, 1, Split::Random, 9), [7]);
    }

    #[test]
    fn the_same_seed_splits_the_same_way() {
        let a = split(20_000, 20, Split::Random, 42);
        assert_eq!(a, split(20_000, 20, Split::Random, 42));
        assert_ne!(a, split(20_000, 20, Split::Random, 43));
    }

    proptest! {
        /// Any total and count with at least 1 fen a share: the shares add up to the total,
        /// there are `count` of them, each is at least 1 fen, and none is above twice the mean
        /// of what was left when it was drawn.
        #[test]
        fn random_shares_add_up_and_stay_under_twice_the_mean_left(
            count in 1u32..=MAX_COUNT,
            extra in 0i64..MAX_TOTAL_FEN,
            seed in any::<u64>(),
        ) {
            let total = i64::from(count) + extra;
            let shares = split(total, count, Split::Random, seed);
            prop_assert_eq!(shares.len(), count as usize);
            prop_assert_eq!(shares.iter().sum::<i64>(), total);
            let mut left = total;
            for (i, &s) in shares.iter().enumerate() {
                let r = i64::from(count) - i as i64;
                prop_assert!(s >= 1);
                prop_assert!(i128::from(s) * i128::from(r) <= 2 * i128::from(left), "share {} of {}", i, left);
                left -= s;
            }
        }

        /// Equal shares add up to the total and differ by at most 1 fen.
        #[test]
        fn equal_shares_add_up_and_differ_by_at_most_a_fen(
            count in 1u32..=MAX_COUNT,
            total in 0i64..MAX_TOTAL_FEN,
        ) {
            let shares = split(total, count, Split::Equal, 0);
            prop_assert_eq!(shares.len(), count as usize);
            prop_assert_eq!(shares.iter().sum::<i64>(), total);
            let (lo, hi) = (shares.iter().min(), shares.iter().max());
            prop_assert!(hi.zip(lo).is_some_and(|(h, l)| h - l <= 1));
            prop_assert!(shares.windows(2).all(|w| w[0] >= w[1]));
        }
    }
}
