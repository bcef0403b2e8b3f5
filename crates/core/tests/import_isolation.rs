//! A big import into one tenant never blocks another: while a 1M-row events import with
//! created members and groups runs on PostgreSQL, another tenant's API reads and writes
//! succeed at once (the import changes no DDL and takes no table lock).

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use quanzi_core::import::{ImportKind, ImportOptions, import_file};
use quanzi_core::{events, members};
use quanzi_domain::event::EventInput;
use quanzi_domain::member::MemberInput;
use quanzi_testkit::TestDb;

const ROWS: u64 = 1_000_000;

/// The benchmark's format: `ROWS` events over 50,000 members and 200 groups.
fn big_file(path: &std::path::Path) -> std::io::Result<()> {
    use std::io::Write;
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(w, "tenant_id,member_id,group_id,kind,ts,amount,product_id")?;
    for i in 0..ROWS {
        let m = i * 7_919 % 50_000 + 1;
        let g = m % 200 + 1;
        let (kind, amount, product) = match i % 10 {
            0 => ("join", "0", 0),
            1 => ("order", "19.9", 7),
            _ => ("message", "0", 0),
        };
        writeln!(
            w,
            "1,{m},{g},{kind},{},{amount},{product}",
            1_735_689_600 + i as i64
        )?;
    }
    w.flush()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_tenant_reads_and_writes_while_a_million_row_import_runs() {
    let Some(tdb) = TestDb::postgres().await else {
        return;
    };
    let db = tdb.db.clone();
    let a = quanzi_testkit::tenant(&db, "importing").await.id;
    let b = quanzi_testkit::tenant(&db, "busy").await.id;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    big_file(&path).unwrap();

    let done = Arc::new(AtomicU64::new(0));
    let import = tokio::spawn({
        let (db, path, done) = (db.clone(), path.clone(), done.clone());
        async move {
            let opts = ImportOptions {
                create_missing: true,
                ignore_tenant_column: true,
                ..Default::default()
            };
            let progress = move |rows: u64, _: Option<u64>| done.store(rows, Ordering::Relaxed);
            import_file(&db, a, ImportKind::Events, &path, &opts, &progress).await
        }
    });
    // Once the import has written a good part of its rows (members, groups, events, all in
    // its open transaction) …
    while done.load(Ordering::Relaxed) < 200_000 {
        assert!(!import.is_finished(), "the import ended early");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // … the other tenant creates a member, ingests events and lists, each within a second.
    let quick = Duration::from_secs(1);
    let input = MemberInput {
        name: Some("别家的顾客".into()),
        phone: Some("13800000001".into()),
        ..Default::default()
    };
    let m = tokio::time::timeout(quick, members::create(&db, b, input))
        .await
        .expect("creating a member waited for the import")
        .unwrap();
    let items: Vec<EventInput> = (0..100)
        .map(|i| EventInput {
            idempotency_key: format!("busy-{i}"),
            kind: "message".into(),
            member_id: m.member_id.0,
            group_id: None,
            occurred_at_ms: 1_735_689_600_000 + i,
            amount_fen: None,
            product: None,
            reference: None,
            properties: None,
        })
        .collect();
    let r = tokio::time::timeout(quick, events::ingest(&db, b, items))
        .await
        .expect("ingesting waited for the import")
        .unwrap();
    assert_eq!(r.stored, 100);
    let listed = tokio::time::timeout(
        quick,
        events::list(
            &db,
            b,
            quanzi_store::event::EventFilter {
                limit: 50,
                ..Default::default()
            },
            None,
        ),
    )
    .await
    .expect("listing waited for the import")
    .unwrap();
    assert_eq!(listed.items.len(), 50);
    assert!(listed.items.iter().all(|e| e.member_id == m.member_id));
    assert!(
        !import.is_finished(),
        "the import finished before the other tenant's work: the test proves nothing"
    );
    let report = import.await.unwrap().unwrap();
    assert!(report.is_success(), "{:?}", report.errors);
    assert_eq!(report.imported, ROWS);
    assert_eq!(quanzi_store::event::count(&db, b).await.unwrap(), 100);
}
