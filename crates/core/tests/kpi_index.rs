//! The analytics index on both stores: built on the first question, appended in the
//! background after each ingest, caught up before every answer, one per tenant.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use quanzi_core::kpi::{self, Analytics, KpiQuery};
use quanzi_core::{events, groups, members};
use quanzi_domain::TenantId;
use quanzi_domain::event::EventInput;
use quanzi_domain::group::GroupInput;
use quanzi_domain::member::MemberInput;
use quanzi_testkit::{TestDb, tenant};

/// 10:00 in Shanghai on 2026-11-02 plus `day` days, unix ms.
fn at(day: i64) -> i64 {
    ((20_759 + day) * 86_400 + 2 * 3600) * 1000
}

fn ev(key: &str, kind: &str, m: i64, g: i64, day: i64, amount: Option<i64>) -> EventInput {
    EventInput {
        idempotency_key: key.into(),
        kind: kind.into(),
        member_id: m,
        group_id: Some(g),
        occurred_at_ms: at(day),
        amount_fen: amount,
        product: amount.map(|_| "tea".into()),
        reference: None,
        properties: None,
    }
}

async fn community(db: &quanzi_store::Db, slug: &str) -> (TenantId, i64, i64) {
    let t = tenant(db, slug).await.id;
    let m = members::create(
        db,
        t,
        MemberInput {
            name: Some("甲".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .member_id;
    let g = groups::create(
        db,
        t,
        GroupInput {
            name: Some("宝妈群".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .group_id;
    (t, m.0, g.0)
}

fn params() -> kpi::Params {
    KpiQuery {
        from: Some("2026-11-02".into()),
        to: Some("2026-11-08".into()),
        ..KpiQuery::default()
    }
    .validate(20_780)
    .unwrap()
}

fn gmv(o: &kpi::Overview) -> f64 {
    o.cards.iter().find(|c| c.key == "gmv_fen").unwrap().value
}

#[tokio::test]
async fn the_index_follows_ingest_and_keeps_tenants_apart() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let a = Arc::new(Analytics::new());
        let (ta, m, g) = community(db, "ta").await;
        let (tb, mb, gb) = community(db, "tb").await;
        events::ingest(
            db,
            ta,
            vec![
                ev("1", "join", m, g, 0, None),
                ev("2", "order", m, g, 1, Some(500)),
            ],
        )
        .await
        .unwrap();
        events::ingest(db, tb, vec![ev("1", "order", mb, gb, 1, Some(99_900))])
            .await
            .unwrap();
        assert!(a.peek(ta).is_none(), "no index before the first question");
        let o = kpi::overview(&a, db, ta, &params()).await.unwrap();
        assert_eq!(gmv(&o), 500.0);
        assert_eq!(a.peek(ta).unwrap().events, 2);

        // After an ingest the index is appended without any question being asked.
        let report = events::ingest(db, ta, vec![ev("3", "order", m, g, 2, Some(700))])
            .await
            .unwrap();
        assert_eq!(report.stored, 1);
        a.appended(db, ta);
        let deadline = Instant::now() + Duration::from_secs(20);
        while a.peek(ta).unwrap().events < 3 {
            assert!(
                Instant::now() < deadline,
                "the index was not appended on {}",
                db.backend()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // An ingest the server did not see (another process) is caught up before the answer.
        events::ingest(db, ta, vec![ev("4", "order", m, g, 3, Some(1_000))])
            .await
            .unwrap();
        let o = kpi::overview(&a, db, ta, &params()).await.unwrap();
        assert_eq!(gmv(&o), 2_200.0, "{}", db.backend());
        // Tenant B's index holds only B's events.
        let ob = kpi::overview(&a, db, tb, &params()).await.unwrap();
        assert_eq!(gmv(&ob), 99_900.0);
        assert_eq!(a.peek(tb).unwrap().events, 1);
        // Rebuilding gives the same answer.
        a.rebuild(db, ta).await.unwrap();
        assert_eq!(
            gmv(&kpi::overview(&a, db, ta, &params()).await.unwrap()),
            2_200.0
        );
    }
}

/// Stores `n` orders of 100 fen by member `m` in group `g` for tenant `t` with event ids
/// from `first`, and the record of the load, as a PostgreSQL load that took its ids early
/// would commit them.
async fn late_load(db: &quanzi_store::Db, t: TenantId, m: i64, g: i64, first: i64, n: usize) {
    for i in 0..n as i64 {
        let sql =
            "insert into event (event_id, tenant_id, idempotency_key, kind, member_id, group_id,
            occurred_at_ms, amount_fen, product, properties, received_at_ms)
            values ($1, $2, $3, 'order', $4, $5, $6, 100, 'tea', '{}', 0)";
        let key = format!("import-{}-{:016x}", i + 2, i);
        quanzi_store::on_pool!(db, p => sqlx::query(sql).bind(first + i).bind(t.0).bind(key)
            .bind(m).bind(g).bind(at(1)).execute(p).await.map(|_| ()))
        .unwrap();
    }
    let sql =
        "insert into event_load (tenant_id, first_event_id, last_event_id, events, duplicates,
        members_created, groups_created, loaded_at_ms) values ($1, $2, $3, $4, 0, 0, 0, 0)";
    quanzi_store::on_pool!(db, p => sqlx::query(sql).bind(t.0).bind(first)
        .bind(first + n as i64 - 1).bind(n as i64).execute(p).await.map(|_| ()))
    .unwrap();
}

#[tokio::test]
async fn a_load_committed_below_the_watermark_is_taken_in() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let a = Arc::new(Analytics::new());
        let (t, m, g) = community(db, "late").await;
        // Ten rows; ids 2..=6 are then freed, as if a load had reserved them and not yet
        // committed while the rows after them were stored.
        let rows: Vec<EventInput> = (0..10)
            .map(|i| ev(&format!("r{i}"), "order", m, g, 1, Some(1_000)))
            .collect();
        events::ingest(db, t, rows).await.unwrap();
        let first: i64 = quanzi_store::on_pool!(db, p => sqlx::query_scalar::<_, i64>(
            "select min(event_id) from event where tenant_id = $1").bind(t.0).fetch_one(p).await)
        .unwrap();
        quanzi_store::on_pool!(db, p => sqlx::query(
            "delete from event where tenant_id = $1 and event_id between $2 and $3")
            .bind(t.0).bind(first + 1).bind(first + 5).execute(p).await.map(|_| ()))
        .unwrap();
        let o = kpi::overview(&a, db, t, &params()).await.unwrap();
        assert_eq!(gmv(&o), 5_000.0);
        late_load(db, t, m, g, first + 1, 5).await;
        let o = kpi::overview(&a, db, t, &params()).await.unwrap();
        assert_eq!(gmv(&o), 5_500.0, "{}", db.backend());
        assert_eq!(a.peek(t).unwrap().events, 10, "{}", db.backend());
    }
}
