//! The store's table of unique keys is true of both schemas: every key it names exists under
//! that name on PostgreSQL and with those columns on both backends, and a write that breaks
//! one is a conflict naming it the same way on both.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_store::{Db, StoreError, tenant, unique};
use quanzi_testkit::TestDb;

/// The columns, in order, of the unique index `name` on `table` (SQLite: of any unique
/// index on `table` with exactly these columns, since SQLite names inline keys itself).
async fn unique_columns(db: &Db, name: &str, table: &str, want: &[&str]) -> Option<Vec<String>> {
    match db {
        Db::Postgres(p, _) => {
            let cols: Vec<String> = sqlx::query_scalar(
                "select a.attname::text from pg_class i
                 join pg_index x on x.indexrelid = i.oid and x.indisunique
                 join pg_class t on t.oid = x.indrelid
                 cross join lateral unnest(x.indkey) with ordinality k(attnum, n)
                 join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum
                 where i.relname = $1 and t.relname = $2 order by k.n",
            )
            .bind(name)
            .bind(table)
            .fetch_all(p)
            .await
            .unwrap();
            (!cols.is_empty()).then_some(cols)
        }
        Db::Sqlite(p, _) => {
            let indexes: Vec<String> =
                sqlx::query_scalar("select name from pragma_index_list($1) where \"unique\" = 1")
                    .bind(table)
                    .fetch_all(p)
                    .await
                    .unwrap();
            for index in indexes {
                let cols: Vec<String> =
                    sqlx::query_scalar("select name from pragma_index_info($1) order by seqno")
                        .bind(&index)
                        .fetch_all(p)
                        .await
                        .unwrap();
                if cols == want {
                    return Some(cols);
                }
            }
            None
        }
    }
}

#[tokio::test]
async fn every_named_unique_key_exists_with_its_columns_on_both_stores() {
    for t in TestDb::all().await {
        for (name, table, cols) in unique::KEYS {
            let found = unique_columns(&t.db, name, table, cols).await;
            assert_eq!(
                found.as_deref(),
                Some(&cols.iter().map(|c| c.to_string()).collect::<Vec<_>>()[..]),
                "{}: unique key {name} on {table}",
                t.db.backend()
            );
        }
    }
}

#[tokio::test]
async fn a_broken_single_column_key_is_named_the_same_on_both_stores() {
    for t in TestDb::all().await {
        let mut tx = t.db.begin().await.unwrap();
        tenant::create(&mut tx, "acme", "Acme").await.unwrap();
        let err = tenant::create(&mut tx, "acme", "Acme again")
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Conflict { constraint } if constraint == unique::TENANT_SLUG),
            "{}: {err:?}",
            t.db.backend()
        );
    }
}
