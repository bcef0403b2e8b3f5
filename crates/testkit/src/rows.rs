//! What a test seeds or inspects below the use-cases: the queue's rows, the inbound log, the
//! sealed columns as stored, an outbox row and a subscription written without the checks a
//! use-case makes. The edges' tests (the web's) reach the store only through these, so the
//! edges themselves depend on core alone.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use quanzi_domain::TenantId;
use quanzi_store::jobs::JobRow;
use quanzi_store::wecom::WecomConnection;
use quanzi_store::{Db, inbound, jobs, now_ms, webhook, wecom};

/// The tenant's jobs in `state` (any when none), newest first, at most `limit`.
pub async fn jobs(db: &Db, t: TenantId, state: Option<&str>, limit: i64) -> Vec<JobRow> {
    jobs::list(db, t, state, limit).await.expect("list jobs")
}

/// One of the tenant's jobs.
pub async fn job(db: &Db, t: TenantId, id: i64) -> Option<JobRow> {
    jobs::get(db, t, id).await.expect("get job")
}

/// Claims up to `limit` due jobs for worker `claim` (as a worker that then dies would).
pub async fn claim(db: &Db, claim: &str, now: i64, lease_ms: i64, limit: i64) -> Vec<JobRow> {
    jobs::claim(db, claim, now, lease_ms, limit)
        .await
        .expect("claim jobs")
}

/// Callbacks of `source` the tenant's inbound log holds.
pub async fn inbound_count(db: &Db, t: TenantId, source: &str) -> i64 {
    inbound::count(db, t, source).await.expect("count inbound")
}

/// The tenant's WeCom connection as stored (secrets sealed).
pub async fn wecom_connection(db: &Db, t: TenantId) -> Option<WecomConnection> {
    wecom::connection(db, t).await.expect("read the connection")
}

/// One outbox row of `event_type` with `payload`, and a delivery to every subscription that
/// wants it, committed.
pub async fn emit(db: &Db, t: TenantId, event_type: &str, payload: &serde_json::Value) {
    let mut tx = db.begin().await.expect("begin");
    webhook::emit(&mut tx, t, event_type, payload, now_ms())
        .await
        .expect("emit");
    tx.commit().await.expect("commit");
}

/// Subscriptions to every type stored as given, without the egress check a use-case makes
/// (as an older version may have stored them); committed.
pub async fn unchecked_subscriptions(db: &Db, t: TenantId, urls: &[String], secret: &str) {
    let mut tx = db.begin().await.expect("begin");
    for url in urls {
        webhook::create_subscription(&mut tx, t, url, "*", secret, now_ms())
            .await
            .expect("subscribe");
    }
    tx.commit().await.expect("commit");
}
