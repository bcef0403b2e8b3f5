//! Every listing reads an index in its order from the cursor on: no statement of a listing
//! sorts or scans a whole tenant, on SQLite (`EXPLAIN QUERY PLAN`) and on PostgreSQL
//! (`EXPLAIN` with sequential scans and sorts priced out).

#![allow(missing_docs)]

use quanzi_domain::TenantId;
use quanzi_store::{plans, tenant};
use quanzi_testkit::TestDb;

#[tokio::test]
async fn no_listing_sorts_or_scans_the_whole_tenant_on_either_store() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let mut tx = db.begin().await.unwrap_or_else(|e| panic!("{e}"));
        let t = tenant::create(&mut tx, "plans", "plans")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
        let all = plans::listings(TenantId(t.tenant_id), db.is_sqlite());
        assert!(all.len() >= 20, "{}", all.len());
        let mut bad = Vec::new();
        for l in &all {
            let plan = plans::plan(db, l)
                .await
                .unwrap_or_else(|e| panic!("{} {}: {e}", db.backend(), l.name));
            assert!(!plan.is_empty(), "{}: no plan", l.name);
            let steps = plans::whole_tenant_steps(&plan);
            if !steps.is_empty() {
                bad.push(format!("{} {}: {steps:?}\n{plan:#?}", db.backend(), l.name));
            }
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }
}

#[test]
fn a_sort_or_a_full_scan_is_recognised_in_either_stores_plan() {
    let lines = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    for whole in [
        lines(&[
            "SEARCH event USING INDEX event_idempotency (tenant_id=?)",
            "USE TEMP B-TREE FOR ORDER BY",
        ]),
        lines(&["SCAN event"]),
        lines(&[
            "Limit  (cost=1.0..2.0 rows=1 width=8)",
            "  ->  Sort  (cost=1.0..2.0 rows=1 width=8)",
        ]),
        lines(&["  ->  Seq Scan on event  (cost=10000000000.00..10000000001.00 rows=1 width=8)"]),
    ] {
        assert!(!plans::whole_tenant_steps(&whole).is_empty(), "{whole:?}");
    }
    let keyset = lines(&[
        "Limit  (cost=0.15..8.17 rows=1 width=8)",
        "  ->  Index Scan Backward using event_pkey on event  (cost=0.15..8.17 rows=1 width=8)",
        "SEARCH event USING INDEX event_pkey (tenant_id=? AND rowid<?)",
    ]);
    assert!(plans::whole_tenant_steps(&keyset).is_empty());
}
