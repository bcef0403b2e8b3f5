//! The writer thread's units: racing units share commits, a unit that fails is undone alone
//! (its rows gone, the others' kept), an answered unit is on disk, and a unit written over
//! `On` runs there (one that waits for anything but the store is refused).

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
        Db::Postgres(..) => unreachable!("an embedded store"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failed_unit_is_undone_alone_and_the_others_are_on_disk() {
    let (dir, db) = store().await;
    let lane = lane(&db);
    lane.unit(|c| {
        Ok::<_, StoreError>(c.execute_batch("create table scratch (x integer primary key)")?)
    })
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_over_on_runs_on_the_writer_and_one_that_waits_is_refused_and_undone() {
    use crate::on::{On, on_writer, ready};
    let (_dir, db) = store().await;
    let made = on_writer(&db, |on| {
        ready(async {
            let On::Writer(c) = on else {
                return Err(StoreError::Commit("not the writer".into()));
            };
            c.execute_batch("create table scratch (x integer primary key)")?;
            on.savepoint().await?;
            let On::Writer(c) = on else { unreachable!() };
            c.execute("insert into scratch (x) values (1)", [])?;
            on.rollback_to().await?;
            let On::Writer(c) = on else { unreachable!() };
            c.execute("insert into scratch (x) values (2)", [])?;
            Ok(())
        })
    })
    .await;
    assert!(matches!(made, Some(Ok(()))), "{made:?}");
    // A unit whose future waits for something other than the store is refused, and its
    // statements are rolled back.
    let waited = on_writer(&db, |on| {
        ready(async {
            let On::Writer(c) = on else { unreachable!() };
            c.execute("insert into scratch (x) values (3)", [])?;
            std::future::pending::<()>().await;
            Ok::<_, StoreError>(())
        })
    })
    .await;
    assert!(
        matches!(&waited, Some(Err(StoreError::Commit(m))) if m.contains("waited")),
        "{waited:?}"
    );
    let rows: Vec<i64> = on_writer(&db, |on| {
        let On::Writer(c) = on else { unreachable!() };
        Ok::<_, StoreError>(
            c.prepare("select x from scratch order by x")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?,
        )
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        rows,
        vec![2],
        "the rolled-back savepoint and the refused unit left nothing"
    );
}
