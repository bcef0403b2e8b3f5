//! The writer thread's units: racing units share commits, a unit that fails is undone alone
//! (its rows gone, the others' kept), and an answered unit is on disk.

use std::sync::Arc;

use rusqlite::params;

use crate::{Db, StoreError};

async fn store() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("q.db").display());
    let db = Db::connect(&url).await.unwrap();
    (dir, db)
}

fn lane(db: &Db) -> Arc<super::Lane> {
    match db {
        Db::Sqlite(_, lane) => lane.clone(),
        Db::Postgres(_) => unreachable!("an embedded store"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failed_unit_is_undone_alone_and_the_others_are_on_disk() {
    let (dir, db) = store().await;
    let lane = lane(&db);
    lane.unit(|c| Ok(c.execute_batch("create table scratch (x integer primary key)")?))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..200_i64 {
        let lane = lane.clone();
        tasks.push(tokio::spawn(async move {
            lane.unit(move |c| {
                c.execute("insert into scratch (x) values (?1)", params![i])?;
                c.execute("insert into scratch (x) values (?1)", params![1000 + i])?;
                if i % 7 == 0 {
                    return Err(StoreError::Commit(format!("unit {i} gives up")));
                }
                Ok(i)
            })
            .await
        }));
    }
    let mut kept = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok(i) => kept.push(i),
            Err(StoreError::Commit(m)) => assert!(m.ends_with("gives up"), "{m}"),
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(kept.len(), 200 - 29);
    db.close().await;
    // Read back from the file, through a connection of its own.
    let c = rusqlite::Connection::open(dir.path().join("q.db")).unwrap();
    let rows: Vec<i64> = c
        .prepare("select x from scratch where x < 1000 order by x")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    kept.sort_unstable();
    assert_eq!(rows, kept);
    let pairs: i64 = c
        .query_row("select count(*) from scratch where x >= 1000", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(pairs, 200 - 29, "each kept unit's second row, and no other");
}
