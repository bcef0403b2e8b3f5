//! Days are the tenant's: the same event falls on the day its tenant's zone says, on the
//! activity charts (`events::daily`) as in the KPIs, on both stores.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{community, ev};
use quanzi_core::events;
use quanzi_domain::TenantId;
use quanzi_store::on_pool;
use quanzi_testkit::TestDb;

/// 2026-11-02 20:00 UTC: already 2026-11-03 in Shanghai.
const LATE_EVENING_UTC: i64 = (20_759 * 86_400 + 20 * 3600) * 1000;

async fn day_of_the_event(db: &quanzi_store::Db, t: TenantId) -> Vec<i64> {
    events::daily(db, t, None, 20_750)
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.kind == "message")
        .map(|d| d.day)
        .collect()
}

#[tokio::test]
async fn the_activity_chart_buckets_days_in_the_tenants_zone() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let (t, m, g) = community(db, "zone").await;
        let mut e = ev("late", "message", m, g, 0, None);
        e.occurred_at_ms = LATE_EVENING_UTC;
        events::ingest(db, t, vec![e]).await.unwrap();
        assert_eq!(
            day_of_the_event(db, t).await,
            vec![20_760],
            "{}",
            db.backend()
        );
        on_pool!(db, p => sqlx::query("update tenant set time_zone = 'UTC' where tenant_id = $1")
            .bind(t.0).execute(p).await.map(|_| ()))
        .unwrap();
        assert_eq!(
            day_of_the_event(db, t).await,
            vec![20_759],
            "{}",
            db.backend()
        );
    }
}
