//! The built-in event kinds, defined once: their names, which carry money, which count as
//! activity (an "active" member did one of them) and which make GMV. Every crate asks here
//! instead of spelling kind names.

crate::name_enum! {
    /// A built-in event kind.
    Builtin {
        /// Joined a group.
        Join = "join",
        /// Left a group.
        Leave = "leave",
        /// Sent a message.
        Message = "message",
        /// Reacted to a message.
        Reaction = "reaction",
        /// Shared something.
        Share = "share",
        /// Clicked a link.
        Click = "click",
        /// Visited a page or shop.
        Visit = "visit",
        /// Placed an order.
        Order = "order",
        /// Was refunded.
        Refund = "refund",
        /// Referred someone.
        Referral = "referral",
    }
}

/// The names of the built-in kinds; tenants may add custom ones.
pub const BUILTIN_KINDS: &[&str] = Builtin::NAMES;

/// The kinds that carry money (`amount_fen`).
pub const MONEY_KINDS: &[&str] = &[Builtin::Order.as_str(), Builtin::Refund.as_str()];

impl Builtin {
    /// Joins and leaves change membership; they are not activity.
    pub fn changes_membership(self) -> bool {
        matches!(self, Builtin::Join | Builtin::Leave)
    }

    /// The one definition of activity: a member is active on a day they did anything in the
    /// community but join or leave a group. Dashboard totals and KPIs both count this.
    pub fn is_activity(self) -> bool {
        !self.changes_membership()
    }

    /// The one definition of GMV: the sum of the orders' amounts (refunds are their own
    /// figure, not subtracted).
    pub fn counts_toward_gmv(self) -> bool {
        self == Builtin::Order
    }

    /// True for the kinds that carry money.
    pub fn carries_money(self) -> bool {
        MONEY_KINDS.contains(&self.as_str())
    }
}

/// Whether an event of kind `name` is activity: every kind but join and leave, custom kinds
/// included.
pub fn is_activity(name: &str) -> bool {
    Builtin::parse(name).is_none_or(Builtin::is_activity)
}

/// The SQL condition, on a table with a `kind` column, that keeps activity ([`is_activity`]).
pub fn activity_sql() -> String {
    let not: Vec<String> = Builtin::ALL
        .iter()
        .filter(|k| !k.is_activity())
        .map(|k| format!("'{}'", k.as_str()))
        .collect();
    format!("kind not in ({})", not.join(", "))
}

/// The SQL condition that keeps the events whose amounts make GMV.
pub fn gmv_sql() -> String {
    let kinds: Vec<String> = Builtin::ALL
        .iter()
        .filter(|k| k.counts_toward_gmv())
        .map(|k| format!("'{}'", k.as_str()))
        .collect();
    format!("kind in ({})", kinds.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_back_to_its_kind() {
        for k in Builtin::ALL {
            assert_eq!(Builtin::parse(k.as_str()), Some(*k));
        }
        assert_eq!(BUILTIN_KINDS.len(), Builtin::ALL.len());
        assert_eq!(Builtin::parse("wave"), None);
    }

    #[test]
    fn activity_and_gmv_are_defined_once() {
        assert!(!is_activity("join") && !is_activity("leave"));
        assert!(is_activity("message") && is_activity("order") && is_activity("my_custom"));
        assert_eq!(activity_sql(), "kind not in ('join', 'leave')");
        assert_eq!(gmv_sql(), "kind in ('order')");
        assert!(Builtin::Order.carries_money() && Builtin::Refund.carries_money());
    }
}
