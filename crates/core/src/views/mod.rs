//! The types the edges show: what the API serves and the pages render, each built from the
//! store's row by naming every column, so a column renamed or added in the store is a
//! compile error here, never a silent change of the public API. Ids are typed.

/// `impl From<row> for view`, naming every column of the row: the columns shown as they are,
/// then the ids put in their newtype, then the optional ids (`;` between the three lists).
/// The row is destructured without `..`, so a column added to the store is a compile error
/// here until the view says what becomes of it.
macro_rules! from_row {
    ($row:path => $view:ident {
        $($same:ident),* ;
        $($id:ident : $id_type:ident),* ;
        $($opt:ident : $opt_type:ident),* $(,)?
    }) => {
        impl From<$row> for $view {
            fn from(row: $row) -> Self {
                let $row { $($same,)* $($id,)* $($opt,)* } = row;
                $view {
                    $($same,)*
                    $($id: $id_type($id),)*
                    $($opt: $opt.map($opt_type),)*
                }
            }
        }
    };
}

/// Every row of `rows` as its view.
pub(crate) fn all<R, V: From<R>>(rows: Vec<R>) -> Vec<V> {
    rows.into_iter().map(V::from).collect()
}

mod access;
mod event;
mod group;
mod growth;
mod member;
mod offer;
mod ops;
mod promotion;
mod red_envelope;
mod team;
mod wallet;

pub use access::{ApiKey, Operator, SessionView, Tag, Tenant};
pub use event::{DayCount, Event, EventLoad, EventVoid, Totals};
pub use group::{Group, GroupMember, MemberGroup, MembershipChange};
pub use growth::{Decision, Funnel, Gift, GiftCost, LiveCode, Program, Redemption, Reward};
pub use member::{Member, MemberErasure};
pub use offer::{Offer, OfferGrant};
pub use ops::{Delivery, Job, Subscription};
pub use promotion::{FlashOrder, FlashSale, Lottery, LotteryDraw, LotteryTier, OrderTally};
pub use red_envelope::{
    OpenedEnvelope, RedEnvelopePlan, RedEnvelopePlanDetail, RedEnvelopeSend, RedEnvelopeShare,
    SendStatus,
};
pub use team::{
    Bargain, BargainCut, BargainRun, BargainRunDetail, GroupBuy, Team, TeamDetail, TeamMember,
};
pub use wallet::{WalletEntry, WalletView};
