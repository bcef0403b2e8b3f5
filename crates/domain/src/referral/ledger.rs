//! The reward ledger's rules: a reward's states and the moves between them, and whether a
//! new reward may be granted against the programme's budget and the member's cap.

use crate::name_enum;

name_enum! {
    /// Where a reward stands.
    RewardState {
        /// Granted, waiting for its cause to mature (the friend to stay D days).
        Pending = "pending",
        /// Held by a fraud guard for the operator's review.
        Held = "held",
        /// Due to the member.
        Approved = "approved",
        /// Paid out (cash marked paid from the payment tool's file, points credited).
        Paid = "paid",
        /// Taken back: the friend left within D days.
        Reversed = "reversed",
        /// Refused by the operator on review.
        Rejected = "rejected",
    }
}

name_enum! {
    /// A move of a reward.
    RewardAction {
        /// The cause matured, or the operator cleared a hold.
        Approve = "approve",
        /// A guard flagged it.
        Hold = "hold",
        /// The operator refused it.
        Reject = "reject",
        /// It was paid.
        Pay = "pay",
        /// Its cause was undone.
        Reverse = "reverse",
    }
}

impl RewardState {
    /// Whether the reward still counts against the budget and the member's cap.
    pub fn counts(self) -> bool {
        !matches!(self, RewardState::Reversed | RewardState::Rejected)
    }

    /// The state after `action`, or `None` when the move is not allowed from here.
    pub fn after(self, action: RewardAction) -> Option<RewardState> {
        use RewardAction as A;
        use RewardState as S;
        match (self, action) {
            (S::Pending | S::Held, A::Approve) => Some(S::Approved),
            (S::Pending, A::Hold) => Some(S::Held),
            (S::Pending | S::Held, A::Reject) => Some(S::Rejected),
            (S::Approved, A::Pay) => Some(S::Paid),
            (S::Pending | S::Held | S::Approved, A::Reverse) => Some(S::Reversed),
            _ => None,
        }
    }
}

/// Why a reward was not granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoGrant {
    /// This cause was rewarded already.
    Duplicate,
    /// The programme's budget cannot pay it.
    OverBudget,
    /// The member reached the programme's cap.
    OverCap,
}

/// What the ledger holds when a reward is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// Whether the (programme, member, cause) has a reward already.
    pub cause_taken: bool,
    /// The budget, fen.
    pub budget_fen: i64,
    /// What the rewards that count have spent, fen.
    pub spent_fen: i64,
    /// The member's cap, fen, if any.
    pub member_cap_fen: Option<i64>,
    /// What the member's rewards that count are worth, fen.
    pub member_fen: i64,
}

/// Whether a reward worth `value_fen` may be granted: once per cause, within the budget and
/// the member's cap.
pub fn may_grant(s: &Standing, value_fen: i64) -> Result<(), NoGrant> {
    if s.cause_taken {
        return Err(NoGrant::Duplicate);
    }
    if s.spent_fen.saturating_add(value_fen) > s.budget_fen {
        return Err(NoGrant::OverBudget);
    }
    if s.member_cap_fen
        .is_some_and(|cap| s.member_fen.saturating_add(value_fen) > cap)
    {
        return Err(NoGrant::OverCap);
    }
    Ok(())
}

/// The cause key of a friend's join, rewarded to the inviter.
pub fn join_cause(invitee: i64) -> String {
    format!("join:{invitee}")
}

/// The cause key of a friend's own reward for joining (double-sided).
pub fn welcome_cause(invitee: i64) -> String {
    format!("welcome:{invitee}")
}

/// The cause key of a milestone reached.
pub fn milestone_cause(friends: i64) -> String {
    format!("milestone:{friends}")
}

/// The cause key of a new visitor a share brought.
pub fn visit_cause(visitor: i64) -> String {
    format!("visit:{visitor}")
}

/// The cause key of a friend's first order, rewarded to the inviter.
pub fn order_cause(invitee: i64) -> String {
    format!("order:{invitee}")
}

/// The cause key of a friend's own reward for their first order.
pub fn first_order_cause(invitee: i64) -> String {
    format!("first_order:{invitee}")
}
