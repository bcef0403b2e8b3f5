//! The types the edges show: what the API serves and the pages render, each built from the
//! store's row by naming every column, so a column renamed or added in the store is a
//! compile error here, never a silent change of the public API. Ids are typed.

mod access;
mod event;
mod group;
mod member;
mod ops;

pub use access::{ApiKey, Operator, SessionView, Tag, Tenant};
pub use event::{DayCount, Event, EventLoad, EventVoid, Totals};
pub use group::{Group, GroupMember, MemberGroup, MembershipChange};
pub use member::{Member, MemberErasure};
pub use ops::{Delivery, Job, Subscription};
