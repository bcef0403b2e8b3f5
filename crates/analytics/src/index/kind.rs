//! The kinds the kernels tell apart, by a one-byte code, and sets of them as bit masks.

use quanzi_domain::event::Builtin;

/// The kinds the kernels tell apart; tenant-defined kinds are [`Kind::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Kind {
    /// Joined a group.
    Join = 0,
    /// Left a group.
    Leave = 1,
    /// Sent a message.
    Message = 2,
    /// Reacted to a message.
    Reaction = 3,
    /// Shared something.
    Share = 4,
    /// Clicked a link.
    Click = 5,
    /// Visited the store (店+社群).
    Visit = 6,
    /// Placed an order.
    Order = 7,
    /// Was refunded.
    Refund = 8,
    /// Was referred by someone.
    Referral = 9,
    /// A tenant-defined kind.
    Other = 10,
}

impl Kind {
    /// Every kind, in code order.
    pub const ALL: [Kind; 11] = [
        Kind::Join,
        Kind::Leave,
        Kind::Message,
        Kind::Reaction,
        Kind::Share,
        Kind::Click,
        Kind::Visit,
        Kind::Order,
        Kind::Refund,
        Kind::Referral,
        Kind::Other,
    ];

    /// The kind of an event kind name (custom names are [`Kind::Other`]).
    pub fn from_name(name: &str) -> Kind {
        match Builtin::parse(name) {
            Some(Builtin::Join) => Kind::Join,
            Some(Builtin::Leave) => Kind::Leave,
            Some(Builtin::Message) => Kind::Message,
            Some(Builtin::Reaction) => Kind::Reaction,
            Some(Builtin::Share) => Kind::Share,
            Some(Builtin::Click) => Kind::Click,
            Some(Builtin::Visit) => Kind::Visit,
            Some(Builtin::Order) => Kind::Order,
            Some(Builtin::Refund) => Kind::Refund,
            Some(Builtin::Referral) => Kind::Referral,
            None => Kind::Other,
        }
    }

    pub(super) fn from_code(c: u8) -> Kind {
        Kind::ALL.get(c as usize).copied().unwrap_or(Kind::Other)
    }
}

/// A set of kinds, as a bit mask over [`Kind`] codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindMask(pub u16);

impl KindMask {
    /// Every kind (the benchmark's definition of "active": any event).
    pub const ALL: KindMask = KindMask(0x7ff);
    /// Everything a member does in a group: the domain's activity
    /// ([`quanzi_domain::event::is_activity`]), all kinds but join and leave.
    pub const INTERACTIONS: KindMask = KindMask(0x7ff & !0b11);
    /// Messages and reactions: the kinds that make a member not a lurker.
    pub const SPEAKING: KindMask =
        KindMask((1 << Kind::Message as u8) | (1 << Kind::Reaction as u8));

    /// True when the kind with this code is in the set.
    #[inline]
    pub fn has(self, code: u8) -> bool {
        self.0 & (1 << code) != 0
    }

    /// The set of the given kinds.
    pub fn of(kinds: &[Kind]) -> KindMask {
        KindMask(kinds.iter().fold(0, |m, k| m | (1 << *k as u8)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interactions_are_the_domains_activity_and_every_builtin_kind_has_its_code() {
        for k in Builtin::ALL {
            let code = Kind::from_name(k.as_str());
            assert_ne!(code, Kind::Other, "{}", k.as_str());
            assert_eq!(
                KindMask::INTERACTIONS.has(code as u8),
                k.is_activity(),
                "{}",
                k.as_str()
            );
        }
        assert!(KindMask::INTERACTIONS.has(Kind::Other as u8));
    }
}
