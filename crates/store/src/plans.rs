//! The statements of every listing, as they run, and their query plans: what the test that
//! no listing sorts or scans a whole tenant checks, on both stores.

use quanzi_domain::{GroupId, MemberId, TenantId};
use sqlx::Row;

use crate::event::EventFilter;
use crate::group::history::Scope;
use crate::member::MemberFilter;
use crate::{Arg, Db, Result, Tx, bind_args, event, group, jobs, member, on_tx, webhook};

/// One listing statement with its arguments.
#[derive(Debug, Clone)]
pub struct Listing {
    /// What it lists, e.g. `events by kind after a cursor`.
    pub name: String,
    /// The statement.
    pub sql: String,
    /// Its arguments, in order.
    pub args: Vec<Arg>,
}

/// Every listing statement of `tenant`, first pages and pages after a cursor, on the backend
/// `sqlite` or not (placeholders differ).
pub fn listings(tenant: TenantId, sqlite: bool) -> Vec<Listing> {
    let mut out = Vec::new();
    let mut add = |name: &str, (sql, args): (String, Vec<Arg>)| {
        out.push(Listing {
            name: name.to_owned(),
            sql,
            args,
        })
    };
    let t = tenant;
    // Two buckets on the timelines: a merge of both, the later ones and the tail.
    let ev =
        |f: EventFilter| event::list::rows_query(t, &EventFilter { limit: 50, ..f }, sqlite, 1);
    let kind = || Some("order".to_owned());
    add("events", ev(EventFilter::default()));
    add(
        "events after a cursor",
        ev(EventFilter {
            before: Some(1000),
            ..Default::default()
        }),
    );
    add(
        "events of a kind after a cursor",
        ev(EventFilter {
            kind: kind(),
            before: Some(1000),
            ..Default::default()
        }),
    );
    for (who, member_id, group_id) in [
        ("a member's", Some(MemberId(3)), None),
        ("a group's", None, Some(GroupId(2))),
    ] {
        add(
            &format!("{who} timeline"),
            ev(EventFilter {
                member_id,
                group_id,
                ..Default::default()
            }),
        );
        add(
            &format!("{who} timeline after a cursor"),
            ev(EventFilter {
                member_id,
                group_id,
                before: Some(1000),
                before_at_ms: Some(1_735_689_600_000),
                ..Default::default()
            }),
        );
        add(
            &format!("{who} timeline of a kind after a cursor"),
            ev(EventFilter {
                member_id,
                group_id,
                kind: kind(),
                before: Some(1000),
                before_at_ms: Some(1_735_689_600_000),
                ..Default::default()
            }),
        );
    }
    let members = |after| MemberFilter {
        after,
        limit: 50,
        ..Default::default()
    };
    add("members", member::list_query(t, &members(None), sqlite));
    add(
        "members after a cursor",
        member::list_query(t, &members(Some(10)), sqlite),
    );
    add("groups", group::list_query(t, None, None, 50, sqlite));
    add(
        "groups of a dimension after a cursor",
        group::list_query(t, Some("district"), Some(10), 50, sqlite),
    );
    let ints = |v: &[i64]| v.iter().map(|i| Arg::I64(*i)).collect::<Vec<_>>();
    add(
        "a group's members after a cursor",
        (group::MEMBERS.to_owned(), ints(&[t.0, 2, 10, 50])),
    );
    for (name, scope) in [
        ("a group's history", Scope::Group(2)),
        ("a member's history", Scope::Member(3)),
    ] {
        add(
            name,
            (group::history::rows_query(scope, None), ints(&[t.0, 50])),
        );
        let key = [1_735_689_600_000, 1000];
        add(
            &format!("{name} after a cursor"),
            (
                group::history::rows_query(scope, Some(key)),
                ints(&[t.0, 50, key[0], key[1]]),
            ),
        );
    }
    add(
        "webhook deliveries after a cursor",
        (webhook::deliveries_query(), ints(&[t.0, 50, 1000])),
    );
    add("jobs", jobs::list_query(t, None, None, 50, sqlite));
    add(
        "jobs in a state after a cursor",
        jobs::list_query(t, Some("dead"), Some(1000), 50, sqlite),
    );
    out
}

/// The plan of `l` as the store would run it, one line per step: SQLite's `EXPLAIN QUERY
/// PLAN` details; PostgreSQL's `EXPLAIN` with sequential scans and sorts priced out
/// (`enable_seqscan`, `enable_sort` off for the transaction), so that on a small test table
/// a Seq Scan or Sort still shows only where no index can serve.
pub async fn plan(db: &Db, l: &Listing) -> Result<Vec<String>> {
    let mut tx = db.begin().await?;
    if !tx.is_sqlite() {
        for set in [
            "set local enable_seqscan = off",
            "set local enable_sort = off",
        ] {
            on_tx!(&mut tx, c => sqlx::query(set).execute(c).await.map(|_| ()))?;
        }
    }
    let lines = match &mut tx {
        Tx::Sqlite(t, _) => {
            let sql = format!("explain query plan {}", l.sql);
            let rows = bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql)), l.args.clone())
                .fetch_all(&mut **t)
                .await?;
            rows.iter()
                .map(|r| r.try_get::<String, _>(3))
                .collect::<std::result::Result<Vec<_>, _>>()?
        }
        Tx::Postgres(t) => {
            let sql = format!("explain {}", l.sql);
            let rows = bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql)), l.args.clone())
                .fetch_all(&mut **t)
                .await?;
            rows.iter()
                .map(|r| r.try_get::<String, _>(0))
                .collect::<std::result::Result<Vec<_>, _>>()?
        }
    };
    // A read: nothing to keep.
    drop(tx);
    Ok(lines)
}

/// The steps of a plan that read a whole table or sort: SQLite's `SCAN` (but of a constant
/// row) and `USE TEMP B-TREE`, PostgreSQL's `Seq Scan` and any `Sort`. Two sorts are not the
/// tenant's: on SQLite a timeline's events after the mark ([`crate::timeline`]), the right
/// part of a merge, are read by id from the mark on and sorted — the few events the
/// checkpoint thread has not yet put on the timelines — and so are its entries in buckets
/// after the one the listing read the mark in (the mark moved meanwhile).
pub fn whole_tenant_steps(plan: &[String]) -> Vec<String> {
    let mut tail = false;
    plan.iter()
        .filter(|l| {
            let l = l.trim_start().trim_start_matches("->").trim_start();
            if l == "RIGHT" || l == "LEFT" {
                tail = false;
            }
            if (l.starts_with("SEARCH event USING ") && l.ends_with(" AND event_id>?)"))
                || (l.starts_with("SEARCH x USING PRIMARY KEY ") && l.contains(" AND bucket>?"))
            {
                tail = true;
            }
            let tail_sort = tail && l == "USE TEMP B-TREE FOR ORDER BY";
            !tail_sort
                && ((l.starts_with("SCAN ") && !l.starts_with("SCAN CONSTANT ROW"))
                    || l.contains("TEMP B-TREE")
                    || l.contains("Seq Scan")
                    || l.contains("Sort"))
        })
        .cloned()
        .collect()
}
