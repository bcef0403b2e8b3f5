//! A database written by the last version that kept bulk-loaded events in blocks (schema v9)
//! opens with every event, key and membership it had: the blocks become event rows with the
//! same ids and keys, their joins and leaves become history rows, and the table is gone. The
//! fixtures were written by that version: `quanzi import events --create-missing` of
//! `v9-blocks-a.csv` then `-b.csv` into tenant `fx`, of `-b.csv` into tenant `other`, and one
//! event row as the API writes it; `v9-blocks.pg.sql` is the same on PostgreSQL
//! (`pg_dump --inserts`).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use quanzi_core::import::{ImportKind, ImportOptions, import_file};
use quanzi_domain::{GroupId, TenantId};
use quanzi_store::event::{self, EventFilter};
use quanzi_store::{Db, group, on_pool};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Rows of a file: (member, group, kind, ts seconds, amount text, product id).
fn csv_rows(name: &str) -> Vec<(i64, Option<i64>, String, i64, String, i64)> {
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (
                c[1].parse().unwrap(),
                c[2].parse().ok(),
                c[3].to_string(),
                c[4].parse().unwrap(),
                c[5].to_string(),
                c[6].parse().unwrap(),
            )
        })
        .collect()
}

/// (tenant, first event id, rows) of each block, in block order.
async fn blocks(db: &Db) -> Vec<(i64, i64, i64)> {
    on_pool!(db, p => sqlx::query_as::<_, (i64, i64, i64)>(
        "select tenant_id, first_event_id, rows from event_block order by block_id")
        .fetch_all(p).await)
    .unwrap()
}

type MembershipRow = (i64, i64, i64, String, i64, Option<i64>);

async fn memberships(db: &Db) -> BTreeSet<MembershipRow> {
    on_pool!(db, p => sqlx::query_as::<_, MembershipRow>(
        "select tenant_id, group_id, member_id, role, joined_at_ms, left_at_ms from group_membership")
        .fetch_all(p).await).unwrap().into_iter().collect()
}

async fn count(db: &Db, sql: &str) -> i64 {
    on_pool!(db, p => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(p).await)
        .unwrap()
}

/// The tenant's id for an external id.
async fn external(db: &Db, table: &str, t: i64, ext: &str) -> i64 {
    let (id, col) = match table {
        "member" => ("member_id", "external_userid"),
        _ => ("group_id", "external_chat_id"),
    };
    let sql = format!("select {id} from {table} where tenant_id = $1 and {col} = $2");
    on_pool!(db, p => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).bind(t).bind(ext).fetch_one(p).await)
        .unwrap()
}

async fn check(db: &Db) {
    let before = blocks(db).await;
    let files = ["v9-blocks-a.csv", "v9-blocks-b.csv", "v9-blocks-b.csv"];
    assert_eq!(before.len(), 3, "{}", db.backend());
    let members_before = memberships(db).await;
    let history_before = count(db, "select count(*) from membership_change").await;
    db.migrate().await.unwrap();

    let gone = match db {
        Db::Sqlite(..) => {
            count(
                db,
                "select count(*) from sqlite_master where name = 'event_block'",
            )
            .await
                == 0
        }
        Db::Postgres(..) => {
            count(
                db,
                "select count(*) from pg_tables where tablename = 'event_block'",
            )
            .await
                == 0
        }
    };
    assert!(gone, "{}", db.backend());
    assert_eq!(memberships(db).await, members_before, "{}", db.backend());
    let mut changes = 0;
    for ((t, first, rows), file) in before.iter().zip(files) {
        let csv = csv_rows(file);
        assert_eq!(csv.len() as i64, *rows);
        let all = event::list(
            db,
            TenantId(*t),
            &EventFilter {
                limit: 100_000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        for (i, (m, g, kind, ts, amount, product)) in csv.iter().enumerate() {
            let id = first + i as i64;
            let e = all.iter().find(|e| e.event_id == id).unwrap();
            assert!(
                e.idempotency_key.starts_with(&format!("import-{}-", i + 2)),
                "{} {e:?}",
                db.backend()
            );
            assert_eq!(&e.kind, kind);
            assert_eq!(e.occurred_at_ms, ts * 1000);
            let m = external(db, "member", *t, &format!("import:{m}")).await;
            assert_eq!(e.member_id, m);
            match g {
                Some(g) => {
                    let g = external(db, "chat_group", *t, &format!("import:{g}")).await;
                    assert_eq!(e.group_id, Some(g));
                    changes += i64::from(kind == "join" || kind == "leave");
                }
                None => assert_eq!(e.group_id, None),
            }
            if kind == "order" {
                let fen = (amount.parse::<f64>().unwrap() * 100.0).round() as i64;
                assert_eq!(e.amount_fen, Some(fen));
                assert_eq!(e.product, Some(product.to_string()));
            }
        }
    }
    assert_eq!(
        count(db, "select count(*) from membership_change").await,
        history_before + changes,
        "{}",
        db.backend()
    );
    assert_eq!(event::count(db, TenantId(1)).await.unwrap(), 3000 + 399 + 1);
    assert_eq!(event::count(db, TenantId(2)).await.unwrap(), 399);
    // The API's event row is as it was.
    let api = event::list(
        db,
        TenantId(1),
        &EventFilter {
            kind: Some("order".into()),
            limit: 100_000,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let api = api.iter().find(|e| e.idempotency_key == "api-1").unwrap();
    assert_eq!(
        (api.reference.as_deref(), api.properties.as_str()),
        (Some("ref-1"), r#"{"coupon":"X"}"#)
    );
    // The converted keys are the file's: importing it again stores nothing new.
    let opts = ImportOptions {
        create_missing: true,
        ignore_tenant_column: true,
        ..Default::default()
    };
    let r = import_file(
        db,
        TenantId(1),
        ImportKind::Events,
        &fixture("v9-blocks-a.csv"),
        &opts,
        &|_, _| {},
    )
    .await
    .unwrap();
    assert!(r.is_success(), "{:?}", r.errors);
    assert_eq!((r.imported, r.duplicates), (0, 3000), "{}", db.backend());
    // A group's history reads the converted changes.
    let g = external(db, "chat_group", 1, "import:1").await;
    let h = group::history_of_group(db, TenantId(1), GroupId(g), 10_000)
        .await
        .unwrap();
    assert!(!h.is_empty());
    // New events get ids above every converted one.
    let top = count(db, "select max(event_id) from event").await;
    let new = quanzi_store::event::append(db, TenantId(2), vec![api.clone_new()], Vec::new())
        .await
        .unwrap();
    assert_eq!(new, vec![0]);
    assert!(count(db, "select max(event_id) from event").await > top);
}

/// The stored event as a new one of another tenant (same member id is fine: no key checks).
trait CloneNew {
    fn clone_new(&self) -> quanzi_domain::event::NewEvent;
}

impl CloneNew for event::Event {
    fn clone_new(&self) -> quanzi_domain::event::NewEvent {
        quanzi_domain::event::NewEvent {
            idempotency_key: "after-conversion".into(),
            kind: quanzi_domain::event::EventKind::builtin("message").unwrap(),
            member_id: quanzi_domain::MemberId(self.member_id),
            group_id: None,
            occurred_at_ms: self.occurred_at_ms,
            amount_fen: None,
            product: None,
            reference: None,
            properties: "{}".into(),
        }
    }
}

#[tokio::test]
async fn a_sqlite_database_with_event_blocks_keeps_every_event_key_and_membership() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v9.db");
    std::fs::copy(fixture("v9-blocks.db"), &path).unwrap();
    let db = Db::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    check(&db).await;
    db.close().await;
}

#[tokio::test]
async fn a_postgres_database_with_event_blocks_keeps_every_event_key_and_membership() {
    let Some(admin) = quanzi_testkit::postgres_url() else {
        return;
    };
    let name = format!("quanzi_v9_{}", std::process::id());
    let admin_db = Db::connect(&admin).await.unwrap();
    on_pool!(&admin_db, p => sqlx::query(sqlx::AssertSqlSafe(format!("drop database if exists {name}")))
        .execute(p).await.map(|_| ())).unwrap();
    on_pool!(&admin_db, p => sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
        .execute(p).await.map(|_| ()))
    .unwrap();
    let url = quanzi_testkit::with_database(&admin, &name);
    {
        use sqlx::Connection;
        let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
        let dump = std::fs::read_to_string(fixture("v9-blocks.pg.sql")).unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(dump))
            .execute(&mut c)
            .await
            .unwrap();
        c.close().await.unwrap();
    }
    let db = Db::connect(&url).await.unwrap();
    check(&db).await;
    db.close().await;
    on_pool!(&admin_db, p => sqlx::query(sqlx::AssertSqlSafe(format!("drop database {name} with (force)")))
        .execute(p).await.map(|_| ())).unwrap();
    admin_db.close().await;
}
