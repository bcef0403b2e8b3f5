//! The schema is ready to be distributed by tenant, on both stores: read from the catalog
//! (PostgreSQL's `pg_constraint` and `pg_index`, SQLite's pragmas), every primary and unique
//! key of a tenant's table begins with `tenant_id`, every foreign key between tenant tables
//! carries it, and no table is left unclassified.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::BTreeMap;

use quanzi_store::Db;
use quanzi_testkit::TestDb;

/// The global tables, with why each is not keyed by tenant: a request passes through them
/// before its tenant is known. On a cluster they are reference tables.
const DIRECTORY: &[(&str, &str)] = &[
    ("tenant", "the tenants themselves"),
    ("operator", "a login names an email, not a tenant"),
    ("session", "a cookie names a session, not a tenant"),
    ("api_key", "a request's key names itself, not a tenant"),
    (
        "login_throttle",
        "failed logins, counted before any tenant is known",
    ),
    (
        "event_index_mark",
        "SQLite only, one row: up to which event the derived timelines hold every tenant's events",
    ),
];

/// One table as the catalog describes it.
#[derive(Debug, Default)]
struct Table {
    columns: Vec<String>,
    /// The primary key's columns; on SQLite a lone `integer primary key` is the row id.
    primary: Vec<String>,
    rowid_key: bool,
    uniques: Vec<(String, Vec<String>)>,
    /// (columns, referenced table, referenced columns)
    foreign: Vec<(Vec<String>, String, Vec<String>)>,
}

async fn postgres_schema(p: &sqlx::PgPool) -> BTreeMap<String, Table> {
    let mut out: BTreeMap<String, Table> = BTreeMap::new();
    let cols: Vec<(String, String)> = sqlx::query_as(
        "select table_name::text, column_name::text from information_schema.columns
         where table_schema = 'public' and table_name <> '_sqlx_migrations'
         order by table_name, ordinal_position",
    )
    .fetch_all(p)
    .await
    .unwrap();
    for (t, c) in cols {
        out.entry(t).or_default().columns.push(c);
    }
    // Every unique index, constraint or not (a primary key is one too).
    let keys: Vec<(String, String, bool, Vec<String>)> = sqlx::query_as(
        "select t.relname::text, i.relname::text, x.indisprimary,
                array(select a.attname::text from unnest(x.indkey) with ordinality k(n, o)
                      join pg_attribute a on a.attrelid = t.oid and a.attnum = k.n order by k.o)
         from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
         join pg_namespace s on s.oid = t.relnamespace
         where s.nspname = 'public' and x.indisunique and t.relname <> '_sqlx_migrations'",
    )
    .fetch_all(p)
    .await
    .unwrap();
    for (t, name, primary, columns) in keys {
        let table = out.entry(t).or_default();
        if primary {
            table.primary = columns;
        } else {
            table.uniques.push((name, columns));
        }
    }
    let fks: Vec<(String, String, Vec<String>, Vec<String>)> = sqlx::query_as(
        "select c.conrelid::regclass::text, c.confrelid::regclass::text,
                array(select a.attname::text from unnest(c.conkey) with ordinality k(n, o)
                      join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n order by k.o),
                array(select a.attname::text from unnest(c.confkey) with ordinality k(n, o)
                      join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.n order by k.o)
         from pg_constraint c where c.contype = 'f' and c.connamespace = 'public'::regnamespace",
    )
    .fetch_all(p)
    .await
    .unwrap();
    for (t, parent, columns, parent_columns) in fks {
        out.entry(t)
            .or_default()
            .foreign
            .push((columns, parent, parent_columns));
    }
    out
}

async fn sqlite_schema(p: &sqlx::SqlitePool) -> BTreeMap<String, Table> {
    let mut out = BTreeMap::new();
    let tables: Vec<String> = sqlx::query_scalar(
        "select name from sqlite_schema where type = 'table'
         and name not like 'sqlite_%' and name <> '_sqlx_migrations'",
    )
    .fetch_all(p)
    .await
    .unwrap();
    for t in tables {
        let mut table = Table::default();
        let cols: Vec<(String, String, i64)> =
            sqlx::query_as("select name, upper(type), pk from pragma_table_info($1) order by cid")
                .bind(&t)
                .fetch_all(p)
                .await
                .unwrap();
        let mut primary: Vec<(i64, String, String)> = Vec::new();
        for (name, ty, pk) in cols {
            if pk > 0 {
                primary.push((pk, name.clone(), ty));
            }
            table.columns.push(name);
        }
        primary.sort();
        table.rowid_key = primary.len() == 1 && primary[0].2 == "INTEGER";
        table.primary = primary.into_iter().map(|(_, n, _)| n).collect();
        let indexes: Vec<(String, String)> =
            sqlx::query_as("select name, origin from pragma_index_list($1) where \"unique\" = 1")
                .bind(&t)
                .fetch_all(p)
                .await
                .unwrap();
        for (name, origin) in indexes {
            let cols: Vec<String> =
                sqlx::query_scalar("select name from pragma_index_info($1) order by seqno")
                    .bind(&name)
                    .fetch_all(p)
                    .await
                    .unwrap();
            if origin != "pk" {
                table.uniques.push((name, cols));
            }
        }
        let fks: Vec<(i64, String, String, String)> = sqlx::query_as(
            "select id, \"table\", \"from\", \"to\" from pragma_foreign_key_list($1) order by id, seq",
        )
        .bind(&t)
        .fetch_all(p)
        .await
        .unwrap();
        let mut by_id: BTreeMap<i64, (Vec<String>, String, Vec<String>)> = BTreeMap::new();
        for (id, parent, from, to) in fks {
            let fk = by_id.entry(id).or_insert((Vec::new(), parent, Vec::new()));
            fk.0.push(from);
            fk.2.push(to);
        }
        table.foreign = by_id.into_values().collect();
        out.insert(t, table);
    }
    out
}

/// Every way the schema breaks the rule, one line each.
fn violations(schema: &BTreeMap<String, Table>, sqlite: bool) -> Vec<String> {
    let directory = |t: &str| DIRECTORY.iter().any(|(d, _)| *d == t);
    let mut bad = Vec::new();
    for (name, t) in schema {
        if name == "event_block" {
            continue; // v4–v9 only: converted and dropped by `Db::migrate` right after.
        }
        let tenant_table = !directory(name);
        if tenant_table && !t.columns.iter().any(|c| c == "tenant_id") {
            bad.push(format!(
                "{name}: neither a tenant table nor a directory table"
            ));
            continue;
        }
        for (fk_cols, parent, parent_cols) in &t.foreign {
            if parent == "tenant" {
                continue;
            }
            let carried = fk_cols
                .iter()
                .zip(parent_cols)
                .any(|(c, p)| c == "tenant_id" && p == "tenant_id");
            if !carried {
                bad.push(format!(
                    "{name}: foreign key {fk_cols:?} → {parent} does not carry tenant_id"
                ));
            }
            if directory(name) && !directory(parent) {
                bad.push(format!(
                    "{name}: a directory table references tenant table {parent}"
                ));
            }
        }
        if !tenant_table {
            continue;
        }
        let leads = |cols: &[String]| cols.first().is_some_and(|c| c == "tenant_id");
        if leads(&t.primary) {
        } else if t.rowid_key && sqlite {
            // SQLite's row id: accepted only beside a unique (tenant_id, id) key.
            let id = &t.primary[0];
            let keyed = t
                .uniques
                .iter()
                .any(|(_, c)| c.len() == 2 && leads(c) && &c[1] == id);
            if !keyed {
                bad.push(format!(
                    "{name}: row id {id} has no unique (tenant_id, {id}) key"
                ));
            }
        } else if !leads(&t.primary) {
            bad.push(format!(
                "{name}: primary key {:?} does not begin with tenant_id",
                t.primary
            ));
        }
        for (index, cols) in &t.uniques {
            if !leads(cols) {
                bad.push(format!(
                    "{name}: unique key {index} {cols:?} does not begin with tenant_id"
                ));
            }
        }
    }
    bad
}

async fn schema(db: &Db) -> (BTreeMap<String, Table>, bool) {
    match db {
        Db::Postgres(p, _) => (postgres_schema(p).await, false),
        Db::Sqlite(p, _) => (sqlite_schema(p).await, true),
    }
}

#[tokio::test]
async fn every_key_of_a_tenant_table_begins_with_tenant_id_and_every_foreign_key_carries_it() {
    for tdb in TestDb::all().await {
        let (schema, sqlite) = schema(&tdb.db).await;
        assert!(
            schema.len() > 20,
            "the catalog was read: {:?}",
            schema.keys()
        );
        assert!(
            schema["member_tag"].foreign.len() == 2,
            "foreign keys were read"
        );
        let bad = violations(&schema, sqlite);
        assert!(
            bad.is_empty(),
            "keys that break the tenant rule:\n{}",
            bad.join("\n")
        );
    }
}

#[tokio::test]
async fn the_rule_catches_a_key_without_the_tenant() {
    for tdb in TestDb::all().await {
        let (mut schema, sqlite) = schema(&tdb.db).await;
        let member = schema.get_mut("member_tag").unwrap();
        member.foreign[0].0.retain(|c| c != "tenant_id");
        member.foreign[0].2.retain(|c| c != "tenant_id");
        member.uniques.push(("x".into(), vec!["tag_id".into()]));
        schema.insert("orphan".into(), Table::default());
        let bad = violations(&schema, sqlite);
        assert_eq!(bad.len(), 3, "{bad:?}");
    }
}
