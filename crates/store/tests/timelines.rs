//! Member and group timelines read the same whether their events are on the derived tables
//! (SQLite's, caught up off the commit path) or still after the mark, on both stores:
//! listing page by page, counting, merging, erasing and deleting a tenant.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_domain::event::{BatchContext, EventInput, NewEvent, parse_batch};
use quanzi_domain::{GroupId, MemberId, TenantId};
use quanzi_store::event::{Event, EventFilter};
use quanzi_store::{Db, event, member, tenant, timeline};
use quanzi_testkit::TestDb;

mod common;
use common::{add_group, add_member, new_tenant};

/// `n` events keyed `{prefix}{i}` over `members` and `groups`, kinds and times scattered (a
/// few times repeat, so the id breaks ties), each with a reference.
fn scattered(prefix: &str, n: usize, members: &[MemberId], groups: &[GroupId]) -> Vec<NewEvent> {
    let kinds = ["message", "click", "share", "order"];
    let inputs = (0..n)
        .map(|i| {
            let kind = kinds[(i * 7) % kinds.len()];
            EventInput {
                idempotency_key: format!("{prefix}{i}"),
                kind: kind.into(),
                member_id: members[(i * 5 + 1) % members.len()].0,
                group_id: (i % 5 != 0).then(|| groups[(i * 3) % groups.len()].0),
                occurred_at_ms: 1_700_000_000_000 + ((i * 7919) % 23) as i64 * 60_000,
                amount_fen: (kind == "order").then_some(1990),
                product: None,
                reference: Some(format!("ref-{prefix}{i}")),
                properties: None,
            }
        })
        .collect();
    let ctx = BatchContext {
        custom_kinds: &[],
        now_ms: 1_800_000_000_000,
    };
    parse_batch(inputs, &ctx).unwrap()
}

/// Every event of the tenant, by id.
async fn everything(db: &Db, t: TenantId) -> Vec<Event> {
    let f = EventFilter {
        limit: 10_000,
        ..Default::default()
    };
    event::list(db, t, &f).await.unwrap()
}

/// The timeline `f` asks for, read page by page (pages of 7) through the cursor.
async fn paged(db: &Db, t: TenantId, f: &EventFilter) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut f = EventFilter {
        limit: 7,
        ..f.clone()
    };
    loop {
        let page = event::list(db, t, &f).await.unwrap();
        out.extend(page.iter().map(|e| (e.occurred_at_ms, e.event_id)));
        match page.last() {
            Some(last) if page.len() == 7 => {
                f.before = Some(last.event_id);
                f.before_at_ms = Some(last.occurred_at_ms);
            }
            _ => return out,
        }
    }
}

/// What `f` should list, worked out from every event: newest (time, id) first.
fn expected(all: &[Event], f: &EventFilter) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> = all
        .iter()
        .filter(|e| f.member_id.is_none_or(|m| e.member_id == m.0))
        .filter(|e| f.group_id.is_none_or(|g| e.group_id == Some(g.0)))
        .filter(|e| f.kind.as_ref().is_none_or(|k| &e.kind == k))
        .map(|e| (e.occurred_at_ms, e.event_id))
        .collect();
    out.sort_unstable_by(|a, b| b.cmp(a));
    out
}

fn filters(members: &[MemberId], groups: &[GroupId]) -> Vec<EventFilter> {
    let on = |member: Option<MemberId>, group: Option<GroupId>, kind: Option<&str>| EventFilter {
        member_id: member,
        group_id: group,
        kind: kind.map(Into::into),
        ..Default::default()
    };
    let mut out = Vec::new();
    for m in members {
        out.push(on(Some(*m), None, None));
        out.push(on(Some(*m), None, Some("click")));
        out.push(on(Some(*m), Some(groups[0]), None));
    }
    for g in groups {
        out.push(on(None, Some(*g), None));
        out.push(on(None, Some(*g), Some("message")));
    }
    out
}

/// Checks every timeline against the events, and each member's count.
async fn check_all(db: &Db, t: TenantId, members: &[MemberId], groups: &[GroupId], when: &str) {
    let all = everything(db, t).await;
    for f in filters(members, groups) {
        let want = expected(&all, &f);
        assert_eq!(
            paged(db, t, &f).await,
            want,
            "{} {when}: {f:?}",
            db.backend()
        );
    }
    for m in members {
        let n = all.iter().filter(|e| e.member_id == m.0).count() as i64;
        assert_eq!(member::event_count(db, t, *m).await.unwrap(), n, "{when}");
    }
}

/// Appends `n` scattered events keyed `prefix…`, then checks every timeline while they are
/// after the mark and again once they are caught up.
async fn append_then_check(
    db: &Db,
    t: TenantId,
    (prefix, n): (&str, usize),
    members: &[MemberId],
    groups: &[GroupId],
    when: &str,
) {
    event::append(db, t, scattered(prefix, n, members, groups), Vec::new())
        .await
        .unwrap();
    check_all(db, t, members, groups, &format!("{when}, after the mark")).await;
    timeline::catch_up_now(db).await.unwrap();
    assert_eq!(timeline::lag(db).await.unwrap(), 0);
    check_all(db, t, members, groups, &format!("{when}, caught up")).await;
}

#[tokio::test]
async fn a_timeline_reads_the_same_before_and_after_its_events_are_caught_up() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let t = new_tenant(db, "tl").await;
        let other = new_tenant(db, "tl-other").await;
        let mut members = Vec::new();
        for name in ["甲", "乙", "丙"] {
            members.push(add_member(db, t, name, None).await);
        }
        let groups = vec![
            add_group(db, t, "一群").await,
            add_group(db, t, "二群").await,
        ];
        let om = add_member(db, other, "外", None).await;
        let og = add_group(db, other, "外群").await;
        event::append(db, other, scattered("o", 20, &[om], &[og]), Vec::new())
            .await
            .unwrap();

        append_then_check(db, t, ("a", 40), &members, &groups, "the first").await;
        // Later events interleave in time with the caught-up ones.
        append_then_check(db, t, ("b", 30), &members, &groups, "later ones").await;
        // The other tenant's timeline never shows this one's events, nor the reverse.
        let f = EventFilter {
            member_id: Some(om),
            ..Default::default()
        };
        assert_eq!(paged(db, other, &f).await.len(), 20);
        let f = EventFilter {
            member_id: Some(om),
            ..Default::default()
        };
        assert!(paged(db, t, &f).await.is_empty());
    }
}

#[tokio::test]
async fn merging_erasing_and_deleting_reach_events_on_both_sides_of_the_mark() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let t = new_tenant(db, "tl-merge").await;
        let keep = add_member(db, t, "留", None).await;
        let gone = add_member(db, t, "并", None).await;
        let g = add_group(db, t, "群").await;
        event::append(db, t, scattered("a", 12, &[keep, gone], &[g]), Vec::new())
            .await
            .unwrap();
        timeline::catch_up_now(db).await.unwrap();
        event::append(db, t, scattered("b", 12, &[keep, gone], &[g]), Vec::new())
            .await
            .unwrap();
        let mut tx = db.begin().await.unwrap();
        member::merge(&mut tx, t, keep, gone)
            .await
            .unwrap()
            .unwrap();
        tx.commit().await.unwrap();
        for when in ["merged", "merged, caught up"] {
            assert_eq!(
                member::event_count(db, t, keep).await.unwrap(),
                24,
                "{when}"
            );
            assert_eq!(member::event_count(db, t, gone).await.unwrap(), 0, "{when}");
            check_all(db, t, &[keep, gone], &[g], when).await;
            timeline::catch_up_now(db).await.unwrap();
        }

        // Erasure blanks the references of every event of the member, on both sides.
        event::append(db, t, scattered("c", 6, &[keep], &[g]), Vec::new())
            .await
            .unwrap();
        let mut tx = db.begin().await.unwrap();
        quanzi_store::erasure::erase(&mut tx, t, keep, "test")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let all = everything(db, t).await;
        assert_eq!(all.len(), 30);
        assert!(
            all.iter().all(|e| e.reference.is_none()),
            "{}",
            db.backend()
        );

        // Deleting the tenant leaves nothing on its timelines.
        let mut tx = db.begin().await.unwrap();
        tenant::delete(&mut tx, t).await.unwrap();
        tx.commit().await.unwrap();
        timeline::catch_up_now(db).await.unwrap();
        assert_eq!(member::event_count(db, t, keep).await.unwrap(), 0);
        let f = EventFilter {
            group_id: Some(g),
            limit: 100,
            ..Default::default()
        };
        assert!(event::list(db, t, &f).await.unwrap().is_empty());
    }
}

/// Moves the event ids on so that the next event is `next` (or later: never back, the
/// PostgreSQL test database is shared).
async fn next_event_id(db: &Db, next: i64) {
    let mut tx = db.begin().await.unwrap();
    match &mut tx {
        quanzi_store::Tx::Sqlite(c, _) => {
            sqlx::query("update sqlite_sequence set seq = max(seq, $1) where name = 'event'")
                .bind(next - 1)
                .execute(&mut **c)
                .await
                .unwrap();
        }
        quanzi_store::Tx::Postgres(c) => {
            sqlx::query(
                "select setval(pg_get_serial_sequence('event', 'event_id'),
                    greatest($1, (select max(event_id) from event)))",
            )
            .bind(next - 1)
            .execute(&mut **c)
            .await
            .unwrap();
        }
    }
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_timeline_spread_over_several_buckets_reads_in_order() {
    let bucket = 1_i64 << 19;
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let t = new_tenant(db, "tl-buckets").await;
        let members = vec![
            add_member(db, t, "甲", None).await,
            add_member(db, t, "乙", None).await,
        ];
        let groups = vec![add_group(db, t, "一群").await];
        // Events whose ids cross from bucket 0 into 1, then from 2 into 3; their times
        // interleave across the buckets.
        event::append(db, t, scattered("a", 5, &members, &groups), Vec::new())
            .await
            .unwrap();
        next_event_id(db, bucket - 12).await;
        append_then_check(db, t, ("b", 25), &members, &groups, "buckets 0 and 1").await;
        next_event_id(db, 3 * bucket - 9).await;
        append_then_check(db, t, ("c", 20), &members, &groups, "buckets 0 to 3").await;
        // Past the buckets a listing reads an arm each: the oldest share one.
        next_event_id(db, 450 * bucket - 4).await;
        append_then_check(db, t, ("d", 10), &members, &groups, "buckets 0 to 450").await;
        let all = everything(db, t).await;
        assert_eq!(all.len(), 60);
        assert!(
            all.iter().any(|e| e.event_id >= 450 * bucket),
            "{}",
            db.backend()
        );
    }
}
