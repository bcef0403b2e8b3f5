//! The reads the edges show as they are stored — a row, a page, a count, a name table — each
//! the store's tenant-scoped query, its rows turned into the [`crate::views`] the edges show,
//! so the web and the CLI depend on core alone and never see a store row.
//!
//! There is no rule to apply between the store and the page. A read that needs one (a keyset
//! cursor, void marks, masking, a validated filter) is a use-case of its feature module
//! instead, e.g. [`crate::events::list`] or [`crate::members::list`].

pub use quanzi_store::{Db, StoreError, now_ms};

use crate::views::all;
use quanzi_store::Result;

/// Operators, sessions and API keys.
pub mod access {
    use quanzi_domain::{ApiKeyId, TenantId};

    use super::{Db, Result, all};
    pub use crate::views::{ApiKey, Operator, SessionView};

    /// The tenant's API keys, revoked ones included.
    pub async fn api_keys(db: &Db, t: TenantId) -> Result<Vec<ApiKey>> {
        Ok(all(quanzi_store::access::api_keys(db, t).await?))
    }

    /// The tenant's operators.
    pub async fn operators(db: &Db, t: TenantId) -> Result<Vec<Operator>> {
        Ok(all(quanzi_store::access::operators(db, t).await?))
    }

    /// Revokes one of the tenant's API keys; false when it has no such key.
    pub async fn revoke_api_key(db: &Db, t: TenantId, id: ApiKeyId) -> Result<bool> {
        quanzi_store::access::revoke_api_key(db, t, id.0).await
    }
}

/// Tenants and their custom fields.
pub mod tenant {
    use quanzi_domain::TenantId;

    use super::{Db, Result};
    pub use crate::views::Tenant;
    pub use quanzi_store::tenant::custom_fields;

    /// The tenant with this slug.
    pub async fn by_slug(db: &Db, slug: &str) -> Result<Option<Tenant>> {
        Ok(quanzi_store::tenant::by_slug(db, slug)
            .await?
            .map(Into::into))
    }

    /// The tenant.
    pub async fn get(db: &Db, t: TenantId) -> Result<Option<Tenant>> {
        Ok(quanzi_store::tenant::get(db, t).await?.map(Into::into))
    }
}

/// Members: a row, a page, counts, names, districts.
pub mod member {
    use quanzi_domain::{MemberId, TenantId};

    use super::{Db, Result, all};
    pub use crate::views::Member;
    pub use quanzi_domain::query::MemberFilter;
    pub use quanzi_store::member::{count, count_matching, districts, ids, names};

    /// The member (merged ones included).
    pub async fn get(db: &Db, t: TenantId, id: MemberId) -> Result<Option<Member>> {
        Ok(quanzi_store::member::get(db, t, id).await?.map(Into::into))
    }

    /// A page of the tenant's members as `f` filters them.
    pub async fn list(db: &Db, t: TenantId, f: &MemberFilter) -> Result<Vec<Member>> {
        Ok(all(quanzi_store::member::list(db, t, f).await?))
    }
}

/// Groups: rows, pages, names, their members and a member's groups.
pub mod group {
    use quanzi_domain::{GroupId, MemberId, TenantId};

    use super::{Db, Result, all};
    pub use crate::views::{Group, GroupMember, MemberGroup, MembershipChange};
    pub use quanzi_store::group::{names, role_counts};

    /// The group with its size.
    pub async fn get(db: &Db, t: TenantId, id: GroupId) -> Result<Option<Group>> {
        Ok(quanzi_store::group::get(db, t, id).await?.map(Into::into))
    }

    /// A page of the tenant's groups (of one dimension when given), after the id `after`.
    pub async fn list(
        db: &Db,
        t: TenantId,
        dimension: Option<&str>,
        after: Option<GroupId>,
        limit: i64,
    ) -> Result<Vec<Group>> {
        let rows = quanzi_store::group::list(db, t, dimension, after.map(|g| g.0), limit).await?;
        Ok(all(rows))
    }

    /// A page of the group's current members, after the member id `after`.
    pub async fn members(
        db: &Db,
        t: TenantId,
        group: GroupId,
        after: Option<MemberId>,
        limit: i64,
    ) -> Result<Vec<GroupMember>> {
        let rows = quanzi_store::group::members(db, t, group, after.map(|m| m.0), limit).await?;
        Ok(all(rows))
    }

    /// The groups the member is in now.
    pub async fn groups_of_member(db: &Db, t: TenantId, m: MemberId) -> Result<Vec<MemberGroup>> {
        Ok(all(quanzi_store::group::groups_of_member(db, t, m).await?))
    }
}

/// Tags and a member's tags.
pub mod tag {
    use quanzi_domain::{MemberId, TenantId};

    use super::{Db, Result, all};
    pub use crate::views::Tag;

    /// The tenant's tags.
    pub async fn list(db: &Db, t: TenantId) -> Result<Vec<Tag>> {
        Ok(all(quanzi_store::tag::list(db, t).await?))
    }

    /// The member's tags.
    pub async fn of_member(db: &Db, t: TenantId, m: MemberId) -> Result<Vec<Tag>> {
        Ok(all(quanzi_store::tag::of_member(db, t, m).await?))
    }
}

/// Events as listed, and the daily counts and totals of the activity charts.
pub mod event {
    use quanzi_domain::TenantId;

    use super::{Db, Result};
    pub use crate::views::{DayCount, Event, EventLoad, Totals};
    pub use quanzi_domain::query::EventFilter;

    /// The tenant's totals (events, active members, orders, GMV) since `since_ms`.
    pub async fn totals_since(db: &Db, t: TenantId, since_ms: i64) -> Result<Totals> {
        Ok(quanzi_store::event::totals_since(db, t, since_ms)
            .await?
            .into())
    }
}

/// Voids and erasures as recorded.
pub mod correct {
    pub use crate::views::{EventVoid, MemberErasure};
    pub use quanzi_store::erasure::is_erased;
}

/// The job queue as the settings page shows it.
pub mod jobs {
    use quanzi_domain::{JobId, TenantId};

    use super::{Db, Result, all};
    pub use crate::views::Job;
    pub use quanzi_store::jobs::counts;

    /// A page of the tenant's jobs (in `state`, any when `None`), newest first, below `before`.
    pub async fn list_before(
        db: &Db,
        t: TenantId,
        state: Option<&str>,
        before: Option<JobId>,
        limit: i64,
    ) -> Result<Vec<Job>> {
        let rows =
            quanzi_store::jobs::list_before(db, t, state, before.map(|j| j.0), limit).await?;
        Ok(all(rows))
    }
}

/// Webhook subscriptions and deliveries as the settings page shows them.
pub mod webhook {
    use quanzi_domain::{TenantId, WebhookSubscriptionId};

    use super::{Db, Result};
    pub use crate::views::{Delivery, Subscription};

    /// One of the tenant's subscriptions.
    pub async fn subscription(
        db: &Db,
        t: TenantId,
        id: WebhookSubscriptionId,
    ) -> Result<Option<Subscription>> {
        Ok(quanzi_store::webhook::subscription(db, t, id.0)
            .await?
            .map(Into::into))
    }
}
