//! Walking every page of each listing sees each row exactly once, in the listing's order,
//! even where many rows share a timestamp and the rows come from both imports and the API —
//! on SQLite and PostgreSQL.

#![allow(missing_docs)]

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};

use quanzi_core::import::{ImportKind, ImportOptions, import_file};
use quanzi_core::{events, groups};
use quanzi_domain::event::EventInput;
use quanzi_domain::{GroupId, MemberId, TenantId};
use quanzi_store::event::{self, Event, EventFilter};
use quanzi_store::{Db, group, member};
use quanzi_testkit::TestDb;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// 2025-01-01 00:00 UTC, unix seconds: every event falls on one of three seconds after it.
const BASE_S: i64 = 1_735_689_600;

/// Loads `text` (an events CSV) as one import.
async fn load(db: &Db, t: TenantId, text: &str) -> TestResult {
    static N: AtomicU64 = AtomicU64::new(0);
    let path = std::env::temp_dir().join(format!(
        "quanzi-pages-{}-{}.csv",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, text)?;
    let opts = ImportOptions {
        create_missing: true,
        ignore_tenant_column: true,
        ..Default::default()
    };
    let r = import_file(db, t, ImportKind::Events, &path, &opts, &|_, _| {}).await;
    let _ = std::fs::remove_file(&path);
    let r = r?;
    assert!(r.is_success(), "{:?}", r.errors);
    Ok(())
}

/// A file of `n` events over members 1-3 and groups 1-2, on three seconds from `offset_s`
/// after the base only; the first line of each member a join.
fn file_at(round: u64, n: u64, offset_s: i64) -> String {
    let mut text = String::from("tenant_id,member_id,group_id,kind,ts,amount,product_id\n");
    for i in 0..n {
        let m = i % 3 + 1;
        let g = i % 2 + 1;
        let (kind, amount) = match (i < 3, i % 4) {
            (true, _) => ("join", "0"),
            (_, 0) => ("order", "12.5"),
            _ => ("message", "0"),
        };
        let ts = BASE_S + offset_s + ((i + round) % 3) as i64;
        // The product tells the rounds apart (a line seen before is a duplicate).
        text.push_str(&format!("1,{m},{g},{kind},{ts},{amount},{}\n", round + 7));
    }
    text
}

/// Events through the API, at the same three seconds as the imported events.
async fn api_rows_at(
    db: &Db,
    t: TenantId,
    round: u64,
    ms: &[i64],
    gs: &[i64],
    offset_s: i64,
) -> TestResult {
    let items: Vec<EventInput> = (0..9u64)
        .map(|i| EventInput {
            idempotency_key: format!("api-{round}-{i}"),
            kind: if i % 3 == 0 { "order" } else { "message" }.into(),
            member_id: ms[i as usize % ms.len()],
            group_id: Some(gs[i as usize % gs.len()]),
            occurred_at_ms: (BASE_S + offset_s + (i % 3) as i64) * 1000,
            amount_fen: (i % 3 == 0).then_some(990),
            product: None,
            reference: None,
            properties: None,
        })
        .collect();
    let r = events::ingest(db, t, items).await?;
    assert_eq!(r.stored, 9);
    Ok(())
}

/// Every page of the event listing `f` through the API's use-case, `limit` at a time.
async fn walk(
    db: &Db,
    t: TenantId,
    f: &EventFilter,
    limit: i64,
) -> Result<Vec<quanzi_core::views::Event>, Box<dyn std::error::Error>> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10_000 {
        let page =
            events::list(db, t, EventFilter { limit, ..f.clone() }, cursor.as_deref()).await?;
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
    Err("the walk never ended".into())
}

/// `all` in the listing's order, computed here: by id, or by (time, id) for a timeline.
fn expected(mut all: Vec<Event>, f: &EventFilter) -> Vec<i64> {
    all.retain(|e| {
        f.member_id.is_none_or(|m| e.member_id == m.0)
            && f.group_id.is_none_or(|g| e.group_id == Some(g.0))
            && f.kind.as_deref().is_none_or(|k| e.kind == k)
    });
    if f.by_time() {
        all.sort_by_key(|e| std::cmp::Reverse((e.occurred_at_ms, e.event_id)));
    } else {
        all.sort_by_key(|e| std::cmp::Reverse(e.event_id));
    }
    all.iter().map(|e| e.event_id).collect()
}

/// A tenant of four imports with API events between them, all on three
/// seconds; answers it with its members and groups.
async fn tenant_of_imports_and_rows(
    db: &Db,
) -> Result<(TenantId, Vec<i64>, Vec<i64>), Box<dyn std::error::Error>> {
    tenant_of(db, "pages", 0).await
}

/// [`tenant_of_imports_and_rows`] with each load `spread_s` seconds after the one before.
async fn tenant_of(
    db: &Db,
    slug: &str,
    spread_s: i64,
) -> Result<(TenantId, Vec<i64>, Vec<i64>), Box<dyn std::error::Error>> {
    let t = quanzi_testkit::tenant(db, slug).await.id;
    let mut ms = Vec::new();
    let mut gs = Vec::new();
    for round in 0..4 {
        let offset = spread_s * round as i64;
        load(db, t, &file_at(round, 40, offset)).await?;
        if round == 0 {
            let f = quanzi_store::member::MemberFilter {
                limit: 10,
                ..Default::default()
            };
            ms = member::list(db, t, &f)
                .await?
                .iter()
                .map(|m| m.member_id)
                .collect();
            gs = group::list(db, t, None, None, 10)
                .await?
                .iter()
                .map(|g| g.group_id)
                .collect();
        }
        api_rows_at(db, t, round, &ms, &gs, offset).await?;
    }
    assert_eq!(event::loads::loads(db, t, 10).await?.len(), 4);
    Ok((t, ms, gs))
}

#[tokio::test]
async fn every_event_listing_walks_each_event_once_in_order_across_imports_and_equal_times()
-> TestResult {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let (t, ms, gs) = tenant_of_imports_and_rows(db).await?;
        let all = event::list(
            db,
            t,
            &EventFilter {
                limit: 100_000,
                ..Default::default()
            },
        )
        .await?;
        assert_eq!(all.len(), 4 * 40 + 4 * 9, "{}", db.backend());
        let order = Some("order".to_owned());
        let filters = [
            EventFilter::default(),
            EventFilter {
                kind: order.clone(),
                ..Default::default()
            },
            EventFilter {
                member_id: Some(MemberId(ms[1])),
                ..Default::default()
            },
            EventFilter {
                group_id: Some(GroupId(gs[0])),
                ..Default::default()
            },
            EventFilter {
                member_id: Some(MemberId(ms[2])),
                kind: order,
                ..Default::default()
            },
        ];
        for f in &filters {
            let want = expected(all.clone(), f);
            assert!(want.len() > 10, "{f:?}");
            for limit in [1, 7, 50] {
                let got: Vec<i64> = walk(db, t, f, limit)
                    .await?
                    .iter()
                    .map(|e| e.event_id.0)
                    .collect();
                assert_eq!(got, want, "{} {f:?} limit {limit}", db.backend());
            }
        }
    }
    Ok(())
}

#[tokio::test]
async fn history_pages_walk_each_change_once_with_imported_and_api_changes_at_equal_times()
-> TestResult {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let (t, ms, gs) = tenant_of_imports_and_rows(db).await?;
        // Joins through the API at the imports' own seconds.
        let joins: Vec<EventInput> = ms
            .iter()
            .enumerate()
            .map(|(i, m)| EventInput {
                idempotency_key: format!("join-{i}"),
                kind: "join".into(),
                member_id: *m,
                group_id: Some(gs[0]),
                occurred_at_ms: (BASE_S + (i % 3) as i64) * 1000,
                amount_fen: None,
                product: None,
                reference: None,
                properties: None,
            })
            .collect();
        events::ingest(db, t, joins).await?;
        let whole = group::history_of_group(db, t, GroupId(gs[0]), 10_000).await?;
        assert!(whole.len() > 3, "{} {}", db.backend(), whole.len());
        let mut keys: Vec<_> = whole.iter().map(|c| c.key()).collect();
        keys.sort_by(|a, b| b.cmp(a));
        assert_eq!(whole.iter().map(|c| c.key()).collect::<Vec<_>>(), keys);
        for limit in [1, 2, 5] {
            let mut got = Vec::new();
            let mut cursor: Option<String> = None;
            loop {
                let p = groups::history(db, t, GroupId(gs[0]), cursor.as_deref(), limit).await?;
                got.extend(p.items.iter().map(|c| c.key()));
                match p.next_cursor {
                    Some(c) => cursor = Some(c),
                    None => break,
                }
            }
            assert_eq!(got, keys, "{} limit {limit}", db.backend());
        }
        let mine = group::history_of_member(db, t, MemberId(ms[0]), 10_000).await?;
        let mut got = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let p = groups::member_history(db, t, MemberId(ms[0]), cursor.as_deref(), 1).await?;
            got.extend(p.items.iter().map(|c| c.key()));
            match p.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(
            got,
            mine.iter().map(|c| c.key()).collect::<Vec<_>>(),
            "{}",
            db.backend()
        );
    }
    Ok(())
}

#[tokio::test]
async fn group_member_and_job_pages_walk_each_row_once() -> TestResult {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let (t, _, gs) = tenant_of_imports_and_rows(db).await?;
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let p = groups::members(db, t, GroupId(gs[0]), cursor, 1).await?;
            seen.extend(p.items.iter().map(|m| m.member_id.0));
            match p.next_cursor {
                Some(c) => cursor = Some(c.parse()?),
                None => break,
            }
        }
        let whole = groups::members(db, t, GroupId(gs[0]), None, 200).await?;
        let whole: Vec<i64> = whole.items.iter().map(|m| m.member_id.0).collect();
        assert!(whole.len() >= 2, "{} {whole:?}", db.backend());
        assert_eq!(seen, whole, "{}", db.backend());
        let unique: HashSet<i64> = seen.iter().copied().collect();
        assert!(unique.len() == seen.len() && seen.windows(2).all(|w| w[0] < w[1]));
        // Jobs, newest first, in any state and in one.
        let mut tx = db.begin().await?;
        for i in 0..7 {
            let job = quanzi_store::jobs::NewJob {
                kind: "noop".into(),
                payload: serde_json::json!({ "i": i }),
                run_at_ms: 0,
                max_attempts: 1,
                backoff_ms: 0,
                singleton_key: None,
            };
            quanzi_store::jobs::enqueue(&mut tx, t, &job, 0).await?;
        }
        tx.commit().await?;
        for state in [None, Some("pending")] {
            let whole = quanzi_store::jobs::list(db, t, state, 1000).await?;
            let mut got = Vec::new();
            let mut before = None;
            loop {
                let p = quanzi_store::jobs::list_before(db, t, state, before, 3).await?;
                got.extend(p.iter().map(|j| j.job_id));
                match p.last() {
                    Some(j) if p.len() == 3 => before = Some(j.job_id),
                    _ => break,
                }
            }
            assert!(whole.len() >= 7);
            assert_eq!(got, whole.iter().map(|j| j.job_id).collect::<Vec<_>>());
        }
    }
    Ok(())
}
