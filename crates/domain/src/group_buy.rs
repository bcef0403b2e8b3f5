//! Group buys (拼团): a team of N formed within T hours unlocks the team price; a team that
//! does not fill in time fails and nobody pays, unless the merchant lets virtual members
//! complete it (模拟成团).

use serde::{Deserialize, Serialize};

use crate::error::Invalid;
use crate::{name_enum, text};

name_enum! {
    /// Where a team stands.
    TeamState {
        /// Gathering members before its deadline.
        Open = "open",
        /// Full (or completed with virtual members): everyone pays the team price.
        Succeeded = "succeeded",
        /// Not full at its deadline: nobody pays.
        Failed = "failed",
    }
}

name_enum! {
    /// What a member's join did to a team.
    JoinOutcome {
        /// The member is in; the team still waits for others.
        Joined = "joined",
        /// The member filled the team's last place: it succeeded.
        Completed = "completed",
        /// The team was full already; the member is not in.
        Full = "full",
    }
}

/// A group buy as a client sends it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GroupBuyInput {
    /// The product's name shown to members.
    pub product_name: Option<String>,
    /// The price alone, fen.
    pub price_fen: Option<i64>,
    /// The price in a team that fills, fen; below `price_fen`.
    pub team_price_fen: Option<i64>,
    /// Members a team needs, its leader included (2–50).
    pub team_size: Option<i64>,
    /// Hours a team has to fill from its opening (1–72, default 24).
    pub hours: Option<i64>,
    /// How many products may be sold at the team price; none means no limit.
    pub stock: Option<i64>,
    /// Whether a team short at its deadline may be completed with virtual members on request.
    pub allow_virtual: Option<bool>,
}

/// A validated group buy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGroupBuy {
    /// Product name.
    pub product_name: String,
    /// Price alone, fen.
    pub price_fen: i64,
    /// Team price, fen.
    pub team_price_fen: i64,
    /// Team size.
    pub team_size: u32,
    /// Hours.
    pub hours: u32,
    /// Stock, none for no limit.
    pub stock: Option<i64>,
    /// Virtual members allowed.
    pub allow_virtual: bool,
}

impl GroupBuyInput {
    /// Validates the input.
    pub fn into_new(self) -> Result<NewGroupBuy, Invalid> {
        let mut e = Invalid::default();
        let product_name = text::present(&mut e, "product_name", self.product_name.as_deref(), 64);
        let price_fen = match self.price_fen {
            Some(p) if (2..=10_000_000).contains(&p) => p,
            Some(_) => {
                e.push("price_fen", "must be between 2 and 10000000");
                0
            }
            None => {
                e.push("price_fen", "is required");
                0
            }
        };
        let team_price_fen = match self.team_price_fen {
            Some(t) if t >= 1 && (price_fen == 0 || t < price_fen) => t,
            Some(_) => {
                e.push("team_price_fen", "must be at least 1 and below price_fen");
                0
            }
            None => {
                e.push("team_price_fen", "is required");
                0
            }
        };
        let team_size = match self.team_size.map(u32::try_from) {
            Some(Ok(n)) if (2..=50).contains(&n) => n,
            Some(_) => {
                e.push("team_size", "must be between 2 and 50");
                2
            }
            None => {
                e.push("team_size", "is required");
                2
            }
        };
        let hours = match self.hours.map(u32::try_from) {
            None => 24,
            Some(Ok(h)) if (1..=72).contains(&h) => h,
            Some(_) => {
                e.push("hours", "must be between 1 and 72");
                24
            }
        };
        if self.stock.is_some_and(|s| !(0..=100_000_000).contains(&s)) {
            e.push("stock", "must be between 0 and 100000000");
        }
        e.or_ok(NewGroupBuy {
            product_name: product_name.unwrap_or_default(),
            price_fen,
            team_price_fen,
            team_size,
            hours,
            stock: self.stock,
            allow_virtual: self.allow_virtual.unwrap_or(false),
        })
    }
}

/// What one more member joining a team of `members_before` does, for a team of `team_size`.
pub fn after_join(members_before: u32, team_size: u32) -> JoinOutcome {
    if members_before >= team_size {
        JoinOutcome::Full
    } else if members_before + 1 == team_size {
        JoinOutcome::Completed
    } else {
        JoinOutcome::Joined
    }
}

/// A team's state at its deadline: succeeded when full; when short, succeeded only if the
/// group buy allows virtual members, the leader asked for them and the team has at least its
/// leader; failed otherwise.
pub fn at_deadline(
    members: u32,
    team_size: u32,
    allow_virtual: bool,
    virtual_requested: bool,
) -> TeamState {
    if members >= team_size || (members >= 1 && allow_virtual && virtual_requested) {
        TeamState::Succeeded
    } else {
        TeamState::Failed
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_join_that_fills_the_team_completes_it_and_the_next_is_refused() {
        assert_eq!(after_join(1, 3), JoinOutcome::Joined);
        assert_eq!(after_join(2, 3), JoinOutcome::Completed);
        assert_eq!(after_join(3, 3), JoinOutcome::Full);
        assert_eq!(after_join(7, 3), JoinOutcome::Full);
    }

    #[test]
    fn a_short_team_fails_unless_virtual_members_are_allowed_and_asked_for() {
        assert_eq!(at_deadline(3, 3, false, false), TeamState::Succeeded);
        assert_eq!(at_deadline(2, 3, false, true), TeamState::Failed);
        assert_eq!(at_deadline(2, 3, true, false), TeamState::Failed);
        assert_eq!(at_deadline(2, 3, true, true), TeamState::Succeeded);
        assert_eq!(at_deadline(0, 3, true, true), TeamState::Failed);
    }

    #[test]
    fn bad_group_buys_name_their_fields() {
        let g = GroupBuyInput {
            product_name: None,
            price_fen: Some(1000),
            team_price_fen: Some(1000),
            team_size: Some(1),
            hours: Some(73),
            stock: Some(-1),
            allow_virtual: None,
        };
        let e = g.into_new().err().unwrap_or_default();
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "product_name",
                "team_price_fen",
                "team_size",
                "hours",
                "stock"
            ]
        );
    }

    proptest! {
        /// Joins one after another into a team: exactly one completes it, no join past the
        /// size gets in, and the team never holds more than its size.
        #[test]
        fn exactly_one_join_completes_a_team_and_none_overfills_it(
            size in 2u32..=50,
            tries in 0u32..120,
        ) {
            let mut members = 1;
            let mut completed = 0;
            for _ in 0..tries {
                match after_join(members, size) {
                    JoinOutcome::Joined => members += 1,
                    JoinOutcome::Completed => { members += 1; completed += 1 }
                    JoinOutcome::Full => {}
                }
                prop_assert!(members <= size);
            }
            prop_assert_eq!(completed, u32::from(members == size));
        }
    }
}
