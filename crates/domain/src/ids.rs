//! Typed ids: a `MemberId` can never be passed where a `GroupId` is expected.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl From<i64> for $name {
            fn from(id: i64) -> Self {
                $name(id)
            }
        }

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
    /// A job of the durable queue.
    JobId,
    /// A tenant's webhook subscription (a receiver URL and the event types it wants).
    WebhookSubscriptionId,
    /// A webhook payload waiting in the outbox.
    WebhookOutboxId,
    /// One delivery of an outbox payload to one subscription.
    WebhookDeliveryId,
    /// The record of one bulk import of events.
    EventLoadId,
    /// An influence run (scores, seed selection or a spread simulation).
    RunId,
    /// A flash sale (限时抢购).
    FlashSaleId,
    /// An order: a flash-sale hold, paid or not.
    OrderId,
    /// A lottery (抽奖).
    LotteryId,
    /// A group buy (拼团).
    GroupBuyId,
    /// A team of a group buy.
    TeamId,
    /// A bargain (砍一刀) a member opened.
    BargainId,
    /// An offer (买满送) or coupon batch.
    OfferId,
    /// A red-envelope plan (红包).
    RedEnvelopePlanId,
}
