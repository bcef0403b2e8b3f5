//! Typed ids: a `MemberId` can never be passed where a `GroupId` is expected.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type! {
    /// A merchant using Quanzi; every row belongs to exactly one.
    TenantId,
    /// An operator account (owner, admin, operator or viewer) of a tenant.
    OperatorId,
    /// A community member (a customer) of a tenant.
    MemberId,
    /// A chat group (WeChat / WeCom customer group) of a tenant.
    GroupId,
    /// A stored behavioural event.
    EventId,
    /// A tag a member can carry.
    TagId,
    /// A group of tags (e.g. "interests", "value").
    TagGroupId,
    /// An API key of a tenant.
    ApiKeyId,
}
