//! Planned events: what happened, by index into the plan's members, groups and products.

use super::plan::Scene;

/// Event kinds the demo emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Joined a group.
    Join,
    /// Left a group.
    Leave,
    /// Sent a message.
    Message,
    /// Reacted (like, emoji).
    Reaction,
    /// Shared a link.
    Share,
    /// Clicked a link.
    Click,
    /// Visited a store.
    Visit,
    /// Ordered.
    Order,
    /// Got a refund.
    Refund,
    /// Brought a new member in.
    Referral,
}

impl Kind {
    /// The built-in kind name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Join => "join",
            Kind::Leave => "leave",
            Kind::Message => "message",
            Kind::Reaction => "reaction",
            Kind::Share => "share",
            Kind::Click => "click",
            Kind::Visit => "visit",
            Kind::Order => "order",
            Kind::Refund => "refund",
            Kind::Referral => "referral",
        }
    }
}

/// What an event refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ref {
    /// Nothing.
    None,
    /// A campaign (`flash-sale-1`, `double-11`…).
    Campaign(&'static str),
    /// A shared link's token (global share number).
    Share(u32),
    /// An invitation link of a member (member index).
    Invite(u32),
    /// The operator's daily post: window day and hour (10 or 20).
    Post(u16, u8),
}

/// Extra facts stored in `properties`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Props {
    /// `{}`.
    Empty,
    /// A join: scene and inviter (member index).
    Join(Scene, Option<u32>),
    /// A message: its number, and the (author, number) of the message it replies to.
    Message(u32, Option<(u32, u32)>),
    /// A reaction to the (author, number) of a message.
    Reaction(Option<(u32, u32)>),
    /// A share, where it went (0 friend, 1 group, 2 moments), and whose share it passes on.
    Share(u8, Option<u32>),
    /// A click on a member's shared link (sharer index).
    ShareClick(u32),
    /// A store visit (store index).
    Visit(u8),
    /// An order: quantity, placed in store.
    Order(u8, bool),
    /// A refund and its reason.
    Refund(u8),
    /// A referral: the invitee (member index).
    Referral(u32),
}

/// One planned event.
#[derive(Debug, Clone)]
pub struct PEvent {
    /// When.
    pub t: i64,
    /// Member index.
    pub member: u32,
    /// Group index.
    pub group: Option<u16>,
    /// Kind.
    pub kind: Kind,
    /// Money in fen (order, refund).
    pub amount: i64,
    /// Product index.
    pub product: Option<u16>,
    /// Reference.
    pub reference: Ref,
    /// Properties.
    pub props: Props,
}
