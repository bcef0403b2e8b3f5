//! The job queue and the webhook subscriptions and deliveries as the settings pages show them.

use quanzi_domain::{JobId, TenantId, WebhookDeliveryId, WebhookOutboxId, WebhookSubscriptionId};
use serde::Serialize;

/// A job as stored.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Job {
    /// Id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub job_id: JobId,
    /// Owner.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub tenant_id: TenantId,
    /// What runs it.
    pub kind: String,
    /// Input, JSON text.
    pub payload: String,
    /// `pending`, `running`, `done` or `dead`.
    pub state: String,
    /// Due time, unix ms.
    pub run_at_ms: i64,
    /// Tries so far (a claim counts as a try).
    pub attempts: i64,
    /// Tries before it is dead.
    pub max_attempts: i64,
    /// Backoff base, ms.
    pub backoff_ms: i64,
    /// The claim holding it, while running.
    pub locked_by: Option<String>,
    /// End of the claim's lease, unix ms.
    pub locked_until_ms: Option<i64>,
    /// Why the last try failed.
    pub last_error: Option<String>,
    /// Last change, unix ms.
    pub updated_at_ms: i64,
}

from_row!(quanzi_store::jobs::JobRow => Job {
    kind, payload, state, run_at_ms, attempts, max_attempts, backoff_ms, locked_by,
    locked_until_ms, last_error, updated_at_ms;
    job_id: JobId, tenant_id: TenantId;
});

/// A subscription as the settings page shows it: of its secrets, only how they start.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Subscription {
    /// Id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub webhook_subscription_id: WebhookSubscriptionId,
    /// Owner.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub tenant_id: TenantId,
    /// Where deliveries are POSTed.
    pub url: String,
    /// Event types, comma-separated (`*` for all).
    pub event_types: String,
    /// End of the rotation overlap, unix ms.
    pub previous_secret_until_ms: Option<i64>,
    /// The secret as it may be shown again: its prefix (`whsec_…`).
    pub masked_secret: String,
    /// Receives deliveries.
    pub active: bool,
    /// Creation time, unix ms.
    pub created_at_ms: i64,
}

impl From<quanzi_store::webhook::Subscription> for Subscription {
    fn from(row: quanzi_store::webhook::Subscription) -> Self {
        let quanzi_store::webhook::Subscription {
            webhook_subscription_id,
            tenant_id,
            url,
            event_types,
            secret: _,
            previous_secret: _,
            previous_secret_until_ms,
            active,
            created_at_ms,
        } = row;
        Subscription {
            webhook_subscription_id: WebhookSubscriptionId(webhook_subscription_id),
            tenant_id: TenantId(tenant_id),
            url,
            event_types,
            previous_secret_until_ms,
            masked_secret: format!("{}…", crate::webhooks::SECRET_PREFIX),
            active,
            created_at_ms,
        }
    }
}

/// A delivery with what it sends.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    /// Id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub webhook_delivery_id: WebhookDeliveryId,
    /// Owner.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub tenant_id: TenantId,
    /// The subscription it goes to.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub webhook_subscription_id: WebhookSubscriptionId,
    /// Its URL.
    pub url: String,
    /// The outbox row it sends.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub webhook_outbox_id: WebhookOutboxId,
    /// Event type.
    pub event_type: String,
    /// Body, JSON text.
    pub payload: String,
    /// `pending`, `delivered` or `dead`.
    pub state: String,
    /// Tries so far.
    pub attempts: i64,
    /// HTTP status of the last try.
    pub last_status: Option<i64>,
    /// Why the last try failed.
    pub last_error: Option<String>,
    /// Creation time, unix ms.
    pub created_at_ms: i64,
    /// Delivery time, unix ms.
    pub delivered_at_ms: Option<i64>,
}

from_row!(quanzi_store::webhook::Delivery => Delivery {
    url, event_type, payload, state, attempts, last_status, last_error, created_at_ms,
    delivered_at_ms;
    webhook_delivery_id: WebhookDeliveryId, tenant_id: TenantId,
    webhook_subscription_id: WebhookSubscriptionId, webhook_outbox_id: WebhookOutboxId;
});
