//! A member wallet's double-entry ledger in integer fen: what each request posts to which
//! account, refused when a member account would go negative.
//!
//! Amounts are signed with credits positive and debits negative, so every plan sums to zero.
//! The member accounts `principal` (money the member paid in) and `bonus` (the merchant's
//! gift) are what the merchant owes, so their balances are positive. The counter accounts are
//! the merchant's: `cash` received (a debit, negative), `bonus_grant` (the bonus as an
//! expense, negative), `sales` (spent in store, positive) and `expired` (bonus that lapsed,
//! positive).
//!
//! **A spend takes principal and bonus in proportion to their balances**, the bonus share
//! rounded down. Principal first would leave a member's bonus to expire unspent; bonus first
//! would let a member spend the gift and then ask for the untouched principal back (a refund of
//! unspent prepaid value). In proportion, each fen spent is part paid, part gift, at the
//! rate the member topped up at, which is also how the sale's revenue is recognised.
//!
//! Each refund must be made once per spend: the store keys it by the spend, since a pure plan
//! cannot tell a second refund of the same spend from the first.

use serde::{Deserialize, Serialize};

use super::{TopUpTier, bonus_for};
use crate::money::MAX_AMOUNT_FEN;
use crate::name_enum;

name_enum! {
    /// An account of the wallet ledger.
    Account {
        /// The member's own money paid in (本金).
        Principal = "principal",
        /// The member's bonus (赠送金), a gift that expires.
        Bonus = "bonus",
        /// The merchant's cash received for top-ups.
        Cash = "cash",
        /// The merchant's expense of bonuses granted.
        BonusGrant = "bonus_grant",
        /// What members spent from their wallets.
        Sales = "sales",
        /// Bonus that lapsed unspent.
        Expired = "expired",
    }
}

name_enum! {
    /// A kind of wallet request.
    WalletOp {
        /// Money paid in, with the bonus it earns.
        TopUp = "top_up",
        /// Money spent in store.
        Spend = "spend",
        /// A spend given back.
        Refund = "refund",
        /// Bonus past its validity taken away.
        Expire = "expire",
    }
}

/// One line of a plan: an account and the signed amount it moves by (credit positive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Posting {
    /// The account.
    pub account: Account,
    /// Fen, credit positive.
    pub amount_fen: i64,
}

/// What a member's wallet holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Balance {
    /// Principal, fen.
    pub principal_fen: i64,
    /// Bonus, fen.
    pub bonus_fen: i64,
}

impl Balance {
    /// The balance after `postings`; postings to the merchant's accounts leave it unchanged.
    pub fn apply(self, postings: &[Posting]) -> Balance {
        postings.iter().fold(self, |b, p| match p.account {
            Account::Principal => Balance {
                principal_fen: b.principal_fen.saturating_add(p.amount_fen),
                ..b
            },
            Account::Bonus => Balance {
                bonus_fen: b.bonus_fen.saturating_add(p.amount_fen),
                ..b
            },
            _ => b,
        })
    }

    /// Principal and bonus together, fen.
    pub fn total_fen(self) -> i64 {
        self.principal_fen.saturating_add(self.bonus_fen)
    }
}

/// A request on a member's wallet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalletRequest {
    /// The member pays `amount_fen` in.
    TopUp {
        /// Fen paid.
        amount_fen: i64,
    },
    /// The member spends `amount_fen`.
    Spend {
        /// Fen spent.
        amount_fen: i64,
    },
    /// A spend is given back in full.
    Refund {
        /// The postings of the spend being refunded.
        spend: Vec<Posting>,
    },
    /// Up to `amount_fen` of bonus lapses.
    Expire {
        /// Bonus past its validity, fen.
        amount_fen: i64,
    },
}

impl WalletRequest {
    /// The request's kind.
    pub fn op(&self) -> WalletOp {
        match self {
            WalletRequest::TopUp { .. } => WalletOp::TopUp,
            WalletRequest::Spend { .. } => WalletOp::Spend,
            WalletRequest::Refund { .. } => WalletOp::Refund,
            WalletRequest::Expire { .. } => WalletOp::Expire,
        }
    }
}

/// Why a wallet request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WalletRefusal {
    /// The amount is not between 1 fen and the money bound.
    #[error("the amount must be between 1 and {MAX_AMOUNT_FEN} fen")]
    BadAmount,
    /// The wallet holds less than the spend.
    #[error("the wallet holds less than the amount")]
    Insufficient,
    /// The postings given to refund are not those of a spend.
    #[error("the postings to refund are not a spend's")]
    NotASpend,
    /// The balance would pass what an `i64` of fen holds.
    #[error("the balance would be too large")]
    TooLarge,
}

/// The postings of `request` on a wallet holding `balance`, with the merchant's bonus `tiers`.
/// The postings sum to zero, leave no member account negative, and omit zero amounts.
pub fn plan(
    request: &WalletRequest,
    balance: Balance,
    tiers: &[TopUpTier],
) -> Result<Vec<Posting>, WalletRefusal> {
    let postings = match request {
        WalletRequest::TopUp { amount_fen } => {
            let paid = amount(*amount_fen)?;
            let bonus = bonus_for(tiers, paid);
            vec![
                post(Account::Principal, paid),
                post(Account::Cash, -paid),
                post(Account::Bonus, bonus),
                post(Account::BonusGrant, -bonus),
            ]
        }
        WalletRequest::Spend { amount_fen } => {
            let spent = amount(*amount_fen)?;
            let total = i128::from(balance.principal_fen) + i128::from(balance.bonus_fen);
            if i128::from(spent) > total {
                return Err(WalletRefusal::Insufficient);
            }
            // Rounded down, and at most the bonus since `spent ≤ total`.
            let from_bonus = i128::from(spent) * i128::from(balance.bonus_fen) / total;
            let from_bonus = i64::try_from(from_bonus).map_err(|_| WalletRefusal::TooLarge)?;
            vec![
                post(Account::Principal, -(spent - from_bonus)),
                post(Account::Bonus, -from_bonus),
                post(Account::Sales, spent),
            ]
        }
        WalletRequest::Refund { spend } => {
            let is_spend = spend.iter().all(|p| match p.account {
                Account::Principal | Account::Bonus => p.amount_fen <= 0,
                Account::Sales => p.amount_fen >= 0,
                _ => false,
            }) && spend.iter().map(|p| i128::from(p.amount_fen)).sum::<i128>() == 0
                && spend.iter().any(|p| p.amount_fen != 0);
            if !is_spend {
                return Err(WalletRefusal::NotASpend);
            }
            spend
                .iter()
                .map(|p| post(p.account, p.amount_fen.saturating_neg()))
                .collect()
        }
        WalletRequest::Expire { amount_fen } => {
            let lapsed = amount(*amount_fen)?.min(balance.bonus_fen.max(0));
            vec![
                post(Account::Bonus, -lapsed),
                post(Account::Expired, lapsed),
            ]
        }
    };
    let postings: Vec<Posting> = postings.into_iter().filter(|p| p.amount_fen != 0).collect();
    let after = |account| {
        postings
            .iter()
            .filter(|p| p.account == account)
            .try_fold(0i64, |sum, p| sum.checked_add(p.amount_fen))
    };
    let principal = after(Account::Principal).and_then(|d| balance.principal_fen.checked_add(d));
    let bonus = after(Account::Bonus).and_then(|d| balance.bonus_fen.checked_add(d));
    match (principal, bonus) {
        (Some(p), Some(b)) if p < 0 || b < 0 => Err(WalletRefusal::Insufficient),
        (Some(_), Some(_)) => Ok(postings),
        _ => Err(WalletRefusal::TooLarge),
    }
}

fn post(account: Account, amount_fen: i64) -> Posting {
    Posting {
        account,
        amount_fen,
    }
}

/// Checks a request's amount: 1 fen to the money bound.
fn amount(fen: i64) -> Result<i64, WalletRefusal> {
    if (1..=MAX_AMOUNT_FEN).contains(&fen) {
        Ok(fen)
    } else {
        Err(WalletRefusal::BadAmount)
    }
}
