//! Outbound webhooks: subscriptions (secrets shown once, rotation with an overlap), outbox
//! rows written in the transaction of the change, and the job that sends one delivery signed
//! Stripe-style, retried with backoff by the queue and dead after its tries. Signing secrets
//! are sealed with the server key; receiver URLs pass the server's egress policy when saved
//! and again when sent to, and every failed try records one neutral reason.

use quanzi_channels::wecom::webhook::{SIGNATURE_HEADER, signature_header};
use quanzi_domain::event::{Builtin, NewEvent};
use quanzi_domain::{Invalid, TenantId, WebhookDeliveryId, WebhookSubscriptionId};
use quanzi_store::webhook::{self as repo, OutboxItem};
use quanzi_store::{Db, now_ms};

use crate::jobs::{Claimed, JobContext, JobError};
use crate::server::ServerSettings;
use crate::views::{self, Delivery, Subscription};
use crate::{CoreError, Result};

/// What a failed delivery records, whatever the reason (unreachable, refused, an error
/// status, a redirect): one message, so the deliveries table cannot be used to probe ports.
pub const UNREACHABLE: &str = "the receiver could not be reached or refused the request";

/// The event types a subscription can ask for (`*` for all).
pub const EVENT_TYPES: &[&str] = &[
    "member.joined",
    "member.left",
    "order.created",
    "referral.created",
    "churn",
    "contact.removed",
    "transfer.failed",
    "group.full",
    "live_code.scanned",
    "group.needs_new",
    "group_qr.expiring",
    "reward.granted",
    "reward.reversed",
    "lottery.won",
    "team.succeeded",
    "team.failed",
    "wallet.changed",
    "offer.granted",
    "coupon.used",
];

/// The outbound type of a Quanzi event kind, when it has one.
pub fn event_type_of(kind: &str) -> Option<&'static str> {
    Some(match Builtin::parse(kind) {
        Some(Builtin::Join) => "member.joined",
        Some(Builtin::Leave) => "member.left",
        Some(Builtin::Order) => "order.created",
        Some(Builtin::Referral) => "referral.created",
        Some(_) => return None,
        None => match kind {
            "churn" => "churn",
            crate::wecom::CONTACT_REMOVED_KIND => "contact.removed",
            crate::wecom::TRANSFER_FAILED_KIND => "transfer.failed",
            _ => return None,
        },
    })
}

/// The outbox item each event would write when new: its outbound type and payload, for the
/// kinds that have one ([`event_type_of`]). The store writes them in the events' transaction
/// for the subscriptions that want them (see `quanzi_store::webhook::emit_events`).
pub fn outbox_items(events: &[NewEvent]) -> Vec<Option<OutboxItem>> {
    let now = now_ms();
    events
        .iter()
        .map(|e| {
            let ty = event_type_of(e.kind.as_str())?;
            let properties: serde_json::Value =
                serde_json::from_str(&e.properties).unwrap_or(serde_json::Value::Null);
            let payload = serde_json::json!({
                "type": ty,
                "created_at_ms": now,
                "data": {
                    "idempotency_key": e.idempotency_key,
                    "kind": e.kind.as_str(),
                    "member_id": e.member_id.0,
                    "group_id": e.group_id.map(|g| g.0),
                    "occurred_at_ms": e.occurred_at_ms,
                    "amount_fen": e.amount_fen,
                    "product": e.product,
                    "reference": e.reference,
                    "properties": properties,
                }
            });
            Some(OutboxItem {
                event_type: ty,
                payload,
            })
        })
        .collect()
}

/// How every signing secret starts; the only part of one ever shown again.
pub(crate) const SECRET_PREFIX: &str = "whsec_";

/// A new signing secret: [`SECRET_PREFIX`] and 32 random bytes in hex.
fn new_secret() -> Result<String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b)
        .map_err(|e| CoreError::Invalid(Invalid::one("secret", e.to_string())))?;
    Ok(format!("{SECRET_PREFIX}{}", hex::encode(b)))
}

/// Checks a list of event types (comma or space separated); returns them comma-joined.
pub fn parse_event_types(types: &str) -> std::result::Result<String, Invalid> {
    let mut out: Vec<&str> = Vec::new();
    for t in types
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if t != "*" && !EVENT_TYPES.contains(&t) {
            return Err(Invalid::one(
                "event_types",
                format!(
                    "unknown type {t:?}; expected * or some of {}",
                    EVENT_TYPES.join(", ")
                ),
            ));
        }
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if out.is_empty() {
        return Err(Invalid::one("event_types", "name at least one type, or *"));
    }
    Ok(out.join(","))
}

/// Creates a subscription (its URL checked against the server's egress policy, its secret
/// sealed); returns its id and its signing secret, shown only now.
pub async fn subscribe(
    db: &Db,
    srv: &ServerSettings,
    t: TenantId,
    url: &str,
    event_types: &str,
) -> Result<(WebhookSubscriptionId, String)> {
    let checked = srv.egress.check_url(url, "url").await;
    let (url, types) = match (checked, parse_event_types(event_types)) {
        (Ok(u), Ok(ty)) => (u, ty),
        (a, b) => {
            let mut inv = Invalid(Vec::new());
            for e in [a.err(), b.err()].into_iter().flatten() {
                inv.0.extend(e.0);
            }
            return Err(inv.into());
        }
    };
    let secret = new_secret()?;
    let sealed = seal(srv, &secret)?;
    let mut tx = db.begin().await?;
    let id = repo::create_subscription(&mut tx, t, &url, &types, &sealed, now_ms()).await?;
    tx.commit().await?;
    Ok((WebhookSubscriptionId(id), secret))
}

/// Rotates a subscription's secret; the old one is still sent for `overlap_hours` (0–168).
/// Returns the new secret, shown only now.
pub async fn rotate(
    db: &Db,
    srv: &ServerSettings,
    t: TenantId,
    id: WebhookSubscriptionId,
    overlap_hours: i64,
) -> Result<String> {
    if !(0..=168).contains(&overlap_hours) {
        return Err(Invalid::one("overlap_hours", "must be between 0 and 168").into());
    }
    let secret = new_secret()?;
    let sealed = seal(srv, &secret)?;
    let mut tx = db.begin().await?;
    let until = now_ms() + overlap_hours * 3_600_000;
    if !repo::rotate_secret(&mut tx, t, id.0, &sealed, until).await? {
        return Err(CoreError::NotFound("subscription"));
    }
    tx.commit().await?;
    Ok(secret)
}

/// Turns a subscription on or off.
pub async fn set_active(
    db: &Db,
    t: TenantId,
    id: WebhookSubscriptionId,
    active: bool,
) -> Result<()> {
    let mut tx = db.begin().await?;
    if !repo::set_active(&mut tx, t, id.0, active).await? {
        return Err(CoreError::NotFound("subscription"));
    }
    tx.commit().await?;
    Ok(())
}

/// Sends a delivery again.
pub async fn replay(db: &Db, t: TenantId, delivery_id: WebhookDeliveryId) -> Result<()> {
    let mut tx = db.begin().await?;
    if !repo::replay(&mut tx, t, delivery_id.0, now_ms()).await? {
        return Err(CoreError::NotFound("delivery"));
    }
    tx.commit().await?;
    Ok(())
}

fn seal(srv: &ServerSettings, secret: &str) -> Result<String> {
    srv.sealer
        .seal(secret)
        .map_err(|e| CoreError::ServerKey(e.to_string()))
}

/// The tenant's subscriptions (their views show no secret), URLs redacted.
pub async fn subscriptions(db: &Db, t: TenantId) -> Result<Vec<Subscription>> {
    let mut subs = repo::subscriptions(db, t).await?;
    for s in &mut subs {
        s.url = crate::egress::redact_url(&s.url);
    }
    Ok(views::all(subs))
}

/// The tenant's latest deliveries, their URLs without query or credentials (a receiver's
/// token in the query is a secret too).
pub async fn deliveries(db: &Db, t: TenantId, limit: i64) -> Result<Vec<Delivery>> {
    deliveries_before(db, t, None, limit).await
}

/// The tenant's deliveries below the delivery id `before` (a page's cursor), newest first,
/// their URLs redacted of query and credentials.
pub async fn deliveries_before(
    db: &Db,
    t: TenantId,
    before: Option<WebhookDeliveryId>,
    limit: i64,
) -> Result<Vec<Delivery>> {
    let mut ds = repo::deliveries_before(db, t, before.map(|d| d.0), limit).await?;
    for d in &mut ds {
        d.url = crate::egress::redact_url(&d.url);
    }
    Ok(views::all(ds))
}

/// Registers the delivery job with the worker.
pub fn register(registry: &mut crate::jobs::JobRegistry) {
    registry.add(repo::DELIVERY_JOB, |ctx, c| Box::pin(run_delivery(ctx, c)));
}

/// The job: POSTs one delivery, signed with the subscription's current secrets.
pub async fn run_delivery(ctx: &JobContext, c: &Claimed) -> std::result::Result<(), JobError> {
    let t = c.tenant();
    let id = c.payload()?["delivery_id"]
        .as_i64()
        .ok_or_else(|| JobError::Fatal("payload has no delivery_id".into()))?;
    let Some(d) = repo::delivery(&ctx.db, t, id).await? else {
        c.finish(&ctx.db).await?;
        return Ok(());
    };
    let sub = repo::subscription(&ctx.db, t, d.webhook_subscription_id).await?;
    let Some(sub) = sub.filter(|s| s.active && d.state != "delivered") else {
        c.finish(&ctx.db).await?;
        return Ok(());
    };
    let now = now_ms();
    let secrets = sub
        .signing_secrets(now)
        .iter()
        .map(|s| ctx.server.sealer.open(s))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| JobError::Fatal(e.to_string()))?;
    let header = signature_header(&secrets, now / 1000, d.payload.as_bytes());
    // A URL saved before the policy (or under a laxer one) is checked again here; a host
    // name is checked by the client's resolver at connect time.
    if let Err(reason) = ctx.server.egress.check_static(&sub.url) {
        tracing::info!(
            tenant = t.0,
            delivery = id,
            reason,
            "webhook target refused"
        );
        return failed(ctx, c, id).await;
    }
    let sent = ctx
        .http
        .post(&sub.url)
        .header("content-type", "application/json")
        .header(SIGNATURE_HEADER, header)
        .header("Quanzi-Delivery", d.webhook_delivery_id.to_string())
        .header("Quanzi-Event", &d.event_type)
        .body(d.payload.clone())
        .send()
        .await;
    match sent {
        Ok(r) if r.status().is_success() => {
            let status = Some(i64::from(r.status().as_u16()));
            repo::record_attempt(&ctx.db, t, id, "delivered", status, None, now_ms()).await?;
            c.finish(&ctx.db).await?;
            Ok(())
        }
        // The operator's log keeps the reason (the URL without its query); the tenant sees
        // only the neutral message.
        Ok(r) => {
            tracing::info!(tenant = t.0, delivery = id, status = %r.status(), "webhook refused");
            failed(ctx, c, id).await
        }
        Err(e) => {
            let error = crate::egress::describe(e);
            tracing::info!(tenant = t.0, delivery = id, %error, "webhook unreachable");
            failed(ctx, c, id).await
        }
    }
}

/// Records a failed try with the neutral message, and asks the queue to retry.
async fn failed(ctx: &JobContext, c: &Claimed, id: i64) -> std::result::Result<(), JobError> {
    let last_try = c.job.attempts >= c.job.max_attempts;
    let state = if last_try { "dead" } else { "pending" };
    let t = c.tenant();
    repo::record_attempt(&ctx.db, t, id, state, None, Some(UNREACHABLE), now_ms()).await?;
    Err(JobError::Retry(UNREACHABLE.into()))
}
