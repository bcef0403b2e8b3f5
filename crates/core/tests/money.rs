//! Money on both stores: amounts at the bound sum exactly through every total, rows beyond
//! it (stored before the bound) never overflow a sum, and every way in — the JSON API and
//! both file import paths — refuses money beyond the bound or on a kind that carries none.

#![allow(missing_docs)]

mod common;

use std::sync::Arc;

use common::{at, card, community, ev, imported_orders, params};
use quanzi_core::kpi::{self, Analytics};
use quanzi_core::{CoreError, events};
use quanzi_domain::event::EventInput;
use quanzi_domain::money::MAX_AMOUNT_FEN;
use quanzi_store::event;
use quanzi_store::on_pool;
use quanzi_testkit::TestDb;

#[tokio::test]
async fn many_events_at_the_amount_bound_keep_every_total_exact() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let a = Arc::new(Analytics::new());
        let (t, m, g) = community(db, "bound").await;
        let n = 2_000i64;
        let batch: Vec<EventInput> = (0..n)
            .map(|i| ev(&format!("o{i}"), "order", m, g, 1, Some(MAX_AMOUNT_FEN)))
            .collect();
        events::ingest(db, t, batch).await.unwrap();
        imported_orders(db, t, m, g, 2_000_000, 1_000, MAX_AMOUNT_FEN).await;
        let want = (n + 1_000) * MAX_AMOUNT_FEN;
        let o = kpi::overview(&a, db, t, &params()).await.unwrap();
        assert_eq!(card(&o, "gmv_fen"), want as f64, "{}", db.backend());
        assert_eq!(event::totals_since(db, t, 0).await.unwrap().gmv_fen, want);
        assert_eq!(
            kpi::products(&a, db, t, &params(), 10)
                .await
                .unwrap()
                .revenue_fen,
            want
        );
        // One fen past the bound, or money on a message, is refused naming amount_fen.
        for bad in [
            ev("x", "order", m, g, 1, Some(MAX_AMOUNT_FEN + 1)),
            ev("y", "message", m, g, 1, Some(100)),
        ] {
            match events::ingest(db, t, vec![bad]).await {
                Err(CoreError::Invalid(i)) => assert_eq!(i.0[0].field, "amount_fen"),
                other => panic!("expected 422, got {other:?}"),
            }
        }
    }
}

#[tokio::test]
async fn sums_never_overflow_even_on_rows_stored_before_the_bound() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let a = Arc::new(Analytics::new());
        let (t, m, g) = community(db, "legacy").await;
        // Rows no valid event can carry any more, written as an older version would have.
        for i in 0..4 {
            on_pool!(db, p => sqlx::query(
                "insert into event (tenant_id, idempotency_key, kind, member_id, group_id,
                 occurred_at_ms, amount_fen, properties, received_at_ms)
                 values ($1, $2, 'order', $3, $4, $5, $6, '{}', 0)")
                .bind(t.0).bind(format!("legacy{i}")).bind(m).bind(g).bind(at(1)).bind(i64::MAX)
                .execute(p).await.map(|_| ()))
            .unwrap();
        }
        let totals = event::totals_since(db, t, 0).await.unwrap();
        assert_eq!(
            (totals.orders, totals.gmv_fen),
            (4, i64::MAX),
            "{}",
            db.backend()
        );
        let o = kpi::overview(&a, db, t, &params()).await.unwrap();
        assert!(card(&o, "gmv_fen") > 0.0, "never wrapped negative");
        kpi::groups(&a, db, t, &params()).await.unwrap();
        kpi::products(&a, db, t, &params(), 10).await.unwrap();
    }
}

#[tokio::test]
async fn file_imports_apply_the_domains_money_rules_on_both_paths() {
    use quanzi_core::import::{ImportKind, ImportOptions, import_file};
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let (t, m, g) = community(db, "files").await;
        let path = std::env::temp_dir().join(format!(
            "quanzi-money-{}-{}.csv",
            db.backend(),
            std::process::id()
        ));
        let text = format!(
            "tenant_id,member_id,group_id,kind,ts,amount_fen\n\
             1,{m},{g},message,1762048800,100\n\
             1,{m},{g},order,1762048801,{}\n\
             1,{m},{g},order,1762048802,{MAX_AMOUNT_FEN}\n",
            MAX_AMOUNT_FEN + 1
        );
        std::fs::write(&path, text).unwrap();
        // The bulk checker (create_missing) and the row-by-row mapping path.
        for create_missing in [true, false] {
            let opts = ImportOptions {
                create_missing,
                ignore_tenant_column: true,
                ..Default::default()
            };
            let r = import_file(db, t, ImportKind::Events, &path, &opts, &|_, _| {})
                .await
                .unwrap();
            let at: Vec<(usize, &str)> = r
                .errors
                .iter()
                .map(|e| (e.line, e.field.as_str()))
                .collect();
            assert_eq!(
                at,
                vec![(2, "amount_fen"), (3, "amount_fen")],
                "create_missing {create_missing} on {}",
                db.backend()
            );
            assert_eq!(r.imported, 0);
        }
        std::fs::remove_file(&path).unwrap();
    }
}
