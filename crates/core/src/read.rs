//! The reads the edges show as they are stored — a row, a page, a count, a name table — and
//! the row types they show, exposed by core so the web and the CLI depend on core alone.
//!
//! Each is the store's tenant-scoped query unchanged: there is no rule to apply between the
//! store and the page. A read that needs one (a keyset cursor, void marks, masking, a
//! validated filter) is a use-case of its feature module instead, e.g.
//! [`crate::events::list`] or [`crate::members::list`].

pub use quanzi_store::{Db, StoreError, now_ms};

/// Operators, sessions and API keys.
pub mod access {
    pub use quanzi_store::access::{ApiKey, SessionView, api_keys, operators, revoke_api_key};
}

/// Tenants and their custom fields.
pub mod tenant {
    pub use quanzi_store::tenant::{Tenant, by_slug, custom_fields, get};
}

/// Members: a row, a page, counts, names, districts.
pub mod member {
    pub use quanzi_store::member::{Member, MemberFilter, count, districts, get, list, names};
}

/// Groups: rows, pages, names, their members and a member's groups.
pub mod group {
    pub use quanzi_store::group::{
        Group, GroupMember, MemberGroup, MembershipChange, get, groups_of_member, list, members,
        names, role_counts,
    };
}

/// Tags and a member's tags.
pub mod tag {
    pub use quanzi_store::tag::{Tag, list, of_member};
}

/// Events as listed, and the daily counts and totals of the activity charts.
pub mod event {
    pub use quanzi_store::event::{DayCount, Event, EventFilter, totals_since};
}

/// Voids and erasures as recorded.
pub mod correct {
    pub use quanzi_store::erasure::{MemberErasure, is_erased};
    pub use quanzi_store::void::EventVoid;
}

/// The job queue as the settings page shows it.
pub mod jobs {
    pub use quanzi_store::jobs::{JobRow, counts, list_before};
}

/// Webhook subscriptions and deliveries as the settings page shows them.
pub mod webhook {
    pub use quanzi_store::webhook::{Delivery, Subscription, subscription};
}
