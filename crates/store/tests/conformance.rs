//! The store conformance suite: every test runs on SQLite and, when `TEST_DATABASE_URL` is
//! set, on PostgreSQL, and must behave the same on both.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_domain::event::{BatchContext, EventInput, NewEvent, parse_batch};
use quanzi_domain::member::MemberPatch;
use quanzi_domain::tag::TagName;
use quanzi_domain::{GroupId, MemberId};
use quanzi_store::group::JoinInfo;
use quanzi_store::member::MemberFilter;
use quanzi_store::{StoreError, event, group, member, tag, tenant, unique};
use quanzi_testkit::TestDb;

mod common;
use common::{add_group, add_member, new_tenant, person};

fn events(items: Vec<(&str, &str, MemberId, Option<GroupId>)>) -> Vec<NewEvent> {
    let inputs = items
        .into_iter()
        .enumerate()
        .map(|(i, (key, kind, m, g))| EventInput {
            idempotency_key: key.into(),
            kind: kind.into(),
            member_id: m.0,
            group_id: g.map(|g| g.0),
            occurred_at_ms: 1_700_000_000_000 + i as i64 * 1000,
            amount_fen: (kind == "order").then_some(1990),
            product: None,
            reference: None,
            properties: None,
        })
        .collect();
    parse_batch(
        inputs,
        &BatchContext {
            custom_kinds: &[],
            now_ms: 1_800_000_000_000,
        },
    )
    .unwrap()
}

#[test]
fn both_migration_trees_have_the_same_versions() {
    let versions = |m: &sqlx::migrate::Migrator| {
        m.iter()
            .map(|m| (m.version, m.description.to_string()))
            .collect::<Vec<_>>()
    };
    let s = versions(&quanzi_store::SQLITE_MIGRATOR);
    assert!(!s.is_empty());
    assert_eq!(s, versions(&quanzi_store::POSTGRES_MIGRATOR));
}

#[tokio::test]
async fn a_member_round_trips_and_patches() {
    for t in TestDb::all().await {
        let db = &t.db;
        let ten = new_tenant(db, "a").await;
        let id = add_member(db, ten, "王芳", Some("13800138000")).await;
        let m = member::get(db, ten, id).await.unwrap().unwrap();
        assert_eq!(
            (m.name.as_str(), m.phone.as_deref(), m.district.as_deref()),
            ("王芳", Some("13800138000"), Some("南山区")),
            "{}",
            db.backend()
        );
        let mut tx = db.begin().await.unwrap();
        let patch = MemberPatch {
            phone: Some(None),
            interests: Some(vec!["宝妈".into()]),
            ..Default::default()
        };
        let m = member::update(&mut tx, ten, id, &patch)
            .await
            .unwrap()
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(m.phone, None);
        assert_eq!(m.interests, vec!["宝妈".to_string()]);
        assert_eq!(m.name, "王芳", "untouched fields stay");
    }
}

#[tokio::test]
async fn external_ids_are_unique_per_tenant_only() {
    for t in TestDb::all().await {
        let db = &t.db;
        let (a, b) = (new_tenant(db, "a").await, new_tenant(db, "b").await);
        add_member(db, a, "甲", Some("13800138000")).await;
        let mut tx = db.begin().await.unwrap();
        let err = member::create(&mut tx, a, &person("乙", Some("13800138000")))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Conflict { constraint } if constraint == unique::MEMBER_PHONE),
            "{}: {err:?}",
            db.backend()
        );
        drop(tx);
        add_member(db, b, "丙", Some("13800138000")).await;
        add_member(db, a, "丁", None).await;
        add_member(db, a, "戊", None).await;
        assert_eq!(
            member::count(db, a).await.unwrap(),
            3,
            "several members without a phone are fine"
        );
    }
}

#[tokio::test]
async fn listing_filters_searches_and_pages_by_cursor() {
    for t in TestDb::all().await {
        let db = &t.db;
        let ten = new_tenant(db, "a").await;
        for i in 0..7 {
            add_member(
                db,
                ten,
                &format!("会员{i}"),
                Some(&format!("1390000000{i}")),
            )
            .await;
        }
        add_member(db, ten, "李雷", None).await;
        let page1 = member::list(
            db,
            ten,
            &MemberFilter {
                limit: 3,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let page2 = member::list(
            db,
            ten,
            &MemberFilter {
                limit: 3,
                after: Some(page1[2].member_id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(page1.len(), 3);
        assert!(page2[0].member_id > page1[2].member_id);
        let found = member::list(
            db,
            ten,
            &MemberFilter {
                q: Some("李".into()),
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(found.len(), 1, "{}", db.backend());
        let by_phone = member::list(
            db,
            ten,
            &MemberFilter {
                q: Some("13900000003".into()),
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(by_phone[0].name, "会员3");
        let pct = member::list(
            db,
            ten,
            &MemberFilter {
                q: Some("%".into()),
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(pct.is_empty(), "% is searched literally, not as a wildcard");
    }
}

#[tokio::test]
async fn an_event_batch_is_stored_once_however_often_it_is_sent() {
    for t in TestDb::all().await {
        let db = &t.db;
        let ten = new_tenant(db, "a").await;
        let m = add_member(db, ten, "甲", None).await;
        let batch = events(vec![("k1", "message", m, None), ("k2", "order", m, None)]);
        for round in 0..3 {
            let mut tx = db.begin().await.unwrap();
            let new = event::insert_batch(&mut tx, ten, &batch, &[])
                .await
                .unwrap();
            tx.commit().await.unwrap();
            assert_eq!(
                new.len(),
                if round == 0 { 2 } else { 0 },
                "{}",
                db.backend()
            );
        }
        assert_eq!(event::count(db, ten).await.unwrap(), 2);
        let other = new_tenant(db, "b").await;
        let m2 = add_member(db, other, "乙", None).await;
        let mut tx = db.begin().await.unwrap();
        let new = event::insert_batch(
            &mut tx,
            other,
            &events(vec![("k1", "message", m2, None)]),
            &[],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(new.len(), 1, "keys are unique per tenant, not globally");
        let totals = event::totals_since(db, ten, 0).await.unwrap();
        assert_eq!((totals.orders, totals.gmv_fen, totals.events), (1, 1990, 2));
    }
}

/// Batches appended at once share commits on SQLite (the writer's group commit) and are
/// separate transactions on PostgreSQL; either way every batch is all or nothing, a key
/// shared by several batches is stored once, and a failing batch takes no other with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_batches_are_each_all_or_nothing_and_stored_once() {
    for t in TestDb::all().await {
        let db = &t.db;
        let ten = new_tenant(db, "a").await;
        let m = add_member(db, ten, "甲", None).await;
        let g = add_group(db, ten, "南山1群").await;
        let gone = GroupId(g.0 + 1_000_000);
        let mut tasks = Vec::new();
        for i in 0..24 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                let keys: Vec<String> = (0..50)
                    .map(|j| format!("k{i}-{j}"))
                    .chain((0..10).map(|j| format!("shared-{j}")))
                    .collect();
                let mut items: Vec<(&str, &str, MemberId, Option<GroupId>)> = keys
                    .iter()
                    .map(|k| (k.as_str(), "message", m, Some(g)))
                    .collect();
                // Every fifth batch joins a group that does not exist: a failure inside the
                // write, after its events were inserted.
                let join_key = format!("join-{i}");
                let target = if i % 5 == 0 { gone } else { g };
                items.push((join_key.as_str(), "join", m, Some(target)));
                (i, event::append(&db, ten, events(items), Vec::new()).await)
            }));
        }
        let mut stored = 0;
        for task in tasks {
            let (i, r) = task.await.unwrap();
            if i % 5 == 0 {
                assert!(
                    matches!(r, Err(StoreError::MissingReference)),
                    "{} batch {i}: {r:?}",
                    db.backend()
                );
            } else {
                stored += r.unwrap().len();
            }
        }
        let good = (0..24).filter(|i| i % 5 != 0).count();
        // Each good batch: 50 own keys and its join; the shared keys once in all.
        assert_eq!(stored, good * 51 + 10, "{}", db.backend());
        assert_eq!(event::count(db, ten).await.unwrap(), stored as i64);
        let failed = event::list(
            db,
            ten,
            &event::EventFilter {
                limit: 10_000,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.idempotency_key.starts_with("k0-") || e.idempotency_key == "join-5")
        .count();
        assert_eq!(
            failed,
            0,
            "a failed batch left rows behind ({})",
            db.backend()
        );
        assert_eq!(group::get(db, ten, g).await.unwrap().unwrap().size, 1);
        let joins = group::history_of_member(db, ten, m, 100).await.unwrap();
        assert_eq!(joins.len(), good, "one history entry per stored join");
    }
}

#[tokio::test]
async fn joins_and_leaves_keep_membership_and_history() {
    for t in TestDb::all().await {
        let db = &t.db;
        let ten = new_tenant(db, "a").await;
        let (m, inviter) = (
            add_member(db, ten, "甲", None).await,
            add_member(db, ten, "乙", None).await,
        );
        let g = add_group(db, ten, "南山1群").await;
        let mut tx = db.begin().await.unwrap();
        group::join(
            &mut tx,
            ten,
            g,
            m,
            &JoinInfo {
                join_scene: Some("poster".into()),
                inviter: Some(inviter),
                ..Default::default()
            },
            1_000,
        )
        .await
        .unwrap();
        group::join(&mut tx, ten, g, inviter, &JoinInfo::default(), 1_000)
            .await
            .unwrap();
        group::leave(&mut tx, ten, g, m, 2_000).await.unwrap();
        group::join(&mut tx, ten, g, m, &JoinInfo::default(), 3_000)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            group::get(db, ten, g).await.unwrap().unwrap().size,
            2,
            "{}",
            db.backend()
        );
        let h = group::history_of_member(db, ten, m, 10).await.unwrap();
        assert_eq!(
            h.iter().map(|c| c.change.as_str()).collect::<Vec<_>>(),
            vec!["join", "leave", "join"]
        );
        assert_eq!(h[2].join_scene.as_deref(), Some("poster"));
        assert_eq!(group::groups_of_member(db, ten, m).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn merging_moves_events_groups_tags_and_ids_to_the_target() {
    for t in TestDb::all().await {
        let db = &t.db;
        let ten = new_tenant(db, "a").await;
        let target = add_member(db, ten, "王芳", None).await;
        let source = add_member(db, ten, "王芳(微信)", Some("13800138000")).await;
        let g = add_group(db, ten, "宝妈群").await;
        let mut tx = db.begin().await.unwrap();
        group::join(&mut tx, ten, g, source, &JoinInfo::default(), 1_000)
            .await
            .unwrap();
        event::insert_batch(
            &mut tx,
            ten,
            &events(vec![("e1", "message", source, Some(g))]),
            &[],
        )
        .await
        .unwrap();
        let tg = tag::ensure(
            &mut tx,
            ten,
            &TagName {
                group: "兴趣".into(),
                name: "宝妈".into(),
            },
        )
        .await
        .unwrap();
        tag::tag_members(&mut tx, ten, tg, &[source]).await.unwrap();
        let merged = member::merge(&mut tx, ten, target, source)
            .await
            .unwrap()
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            merged.phone.as_deref(),
            Some("13800138000"),
            "{}",
            db.backend()
        );
        assert_eq!(
            group::groups_of_member(db, ten, target)
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(tag::of_member(db, ten, target).await.unwrap().len(), 1);
        let evs = event::list(
            db,
            ten,
            &event::EventFilter {
                member_id: Some(target),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(evs.len(), 1);
        assert_eq!(
            member::get(db, ten, source)
                .await
                .unwrap()
                .unwrap()
                .merged_into,
            Some(target.0)
        );
        assert_eq!(
            member::list(
                db,
                ten,
                &MemberFilter {
                    limit: 10,
                    ..Default::default()
                }
            )
            .await
            .unwrap()
            .len(),
            1,
            "merged members are not listed"
        );
    }
}

#[tokio::test]
async fn no_read_crosses_tenants() {
    for t in TestDb::all().await {
        let db = &t.db;
        let (a, b) = (new_tenant(db, "a").await, new_tenant(db, "b").await);
        let m = add_member(db, a, "甲", None).await;
        let g = add_group(db, a, "群").await;
        assert!(
            member::get(db, b, m).await.unwrap().is_none(),
            "{}",
            db.backend()
        );
        assert!(group::get(db, b, g).await.unwrap().is_none());
        assert!(member::existing(db, b, &[m.0]).await.unwrap().is_empty());
        assert!(group::existing(db, b, &[g.0]).await.unwrap().is_empty());
        assert!(
            member::list(
                db,
                b,
                &MemberFilter {
                    limit: 10,
                    ..Default::default()
                }
            )
            .await
            .unwrap()
            .is_empty()
        );
        let mut tx = db.begin().await.unwrap();
        assert!(
            member::update(
                &mut tx,
                b,
                m,
                &MemberPatch {
                    name: Some("x".into()),
                    ..Default::default()
                }
            )
            .await
            .unwrap()
            .is_none()
        );
        tx.commit().await.unwrap();
        assert_eq!(member::get(db, a, m).await.unwrap().unwrap().name, "甲");
    }
}

#[tokio::test]
async fn deleting_a_tenant_removes_all_it_owns_and_nothing_else() {
    for t in TestDb::all().await {
        let db = &t.db;
        let (a, b) = (new_tenant(db, "a").await, new_tenant(db, "b").await);
        for ten in [a, b] {
            let m = add_member(db, ten, "甲", None).await;
            let g = add_group(db, ten, "群").await;
            let mut tx = db.begin().await.unwrap();
            group::join(&mut tx, ten, g, m, &JoinInfo::default(), 1)
                .await
                .unwrap();
            event::insert_batch(
                &mut tx,
                ten,
                &events(vec![("k", "message", m, Some(g))]),
                &[],
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }
        let mut tx = db.begin().await.unwrap();
        tenant::delete(&mut tx, a).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(event::count(db, a).await.unwrap(), 0, "{}", db.backend());
        assert_eq!(member::count(db, a).await.unwrap(), 0);
        assert_eq!(event::count(db, b).await.unwrap(), 1);
        assert_eq!(member::count(db, b).await.unwrap(), 1);
    }
}

#[tokio::test]
async fn tags_are_created_once_and_applied_once() {
    for t in TestDb::all().await {
        let db = &t.db;
        let ten = new_tenant(db, "a").await;
        let m = add_member(db, ten, "甲", None).await;
        let name = TagName {
            group: "价值".into(),
            name: "高复购".into(),
        };
        let mut tx = db.begin().await.unwrap();
        let t1 = tag::ensure(&mut tx, ten, &name).await.unwrap();
        let t2 = tag::ensure(&mut tx, ten, &name).await.unwrap();
        assert_eq!(t1, t2, "{}", db.backend());
        assert_eq!(
            tag::tag_members(&mut tx, ten, t1, &[m, m]).await.unwrap(),
            1
        );
        tx.commit().await.unwrap();
        assert_eq!(tag::list(db, ten).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn many_members_are_created_in_one_go_in_order() {
    for t in TestDb::all().await {
        let db = &t.db;
        let ten = new_tenant(db, "a").await;
        let batch: Vec<_> = (0..1200)
            .map(|i| (person(&format!("m{i}"), None), 1_000 + i))
            .collect();
        let mut tx = db.begin().await.unwrap();
        let ids = member::create_many(&mut tx, ten, &batch).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(ids.len(), 1200, "{}", db.backend());
        let last = member::get(db, ten, ids[1199]).await.unwrap().unwrap();
        assert_eq!((last.name.as_str(), last.created_at_ms), ("m1199", 2199));
    }
}
