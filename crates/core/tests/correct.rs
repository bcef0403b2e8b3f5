//! Correcting data on both stores: a voided event (through the API or imported) leaves every count
//! and KPI, an erased member keeps no personal data while the totals hold, and a join made
//! through the groups API writes its `member.joined` outbox row like an ingested one.

#![allow(missing_docs)]

mod common;

use std::sync::Arc;

use common::{card, community, ev, event_id, imported_orders, params};
use quanzi_core::kpi::{self, Analytics};
use quanzi_core::{CoreError, correct, events, groups, members};
use quanzi_domain::access::Actor;
use quanzi_domain::event::EventInput;
use quanzi_domain::{ApiKeyId, EventId, GroupId, MemberId, OperatorId};
use quanzi_store::event::{self, EventFilter};
use quanzi_store::on_pool;
use quanzi_testkit::TestDb;

#[tokio::test]
async fn a_voided_event_is_left_out_of_every_kpi() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let a = Arc::new(Analytics::new());
        let (t, m, g) = community(db, "void").await;
        events::ingest(
            db,
            t,
            vec![
                ev("j", "join", m, g, 0, None),
                ev("o1", "order", m, g, 1, Some(1_000)),
                ev("o2", "order", m, g, 1, Some(500)),
                ev("msg", "message", m, g, 1, None),
            ],
        )
        .await
        .unwrap();
        imported_orders(db, t, m, g, 1_000_000, 3, 100).await;
        let o = kpi::overview(&a, db, t, &params()).await.unwrap();
        assert_eq!(
            (card(&o, "gmv_fen"), card(&o, "orders")),
            (1_800.0, 5.0),
            "{}",
            db.backend()
        );
        let before = event::totals_since(db, t, 0).await.unwrap();
        assert_eq!((before.orders, before.gmv_fen), (5, 1_800));
        assert_eq!(event::count(db, t).await.unwrap(), 7);

        // One API event and one imported event voided.
        let o2 = event_id(db, t, "o2").await;
        let by = Actor::Operator(OperatorId(1));
        let v = correct::void_event(db, t, EventId(o2), "entered twice", by)
            .await
            .unwrap();
        assert_eq!((v.event_id.0, v.voided_by.as_str()), (o2, "operator:1"));
        correct::void_event(
            db,
            t,
            EventId(1_000_001),
            "test order",
            Actor::ApiKey(ApiKeyId(9)),
        )
        .await
        .unwrap();
        // A repeat answers the first void; unknown events and empty reasons are refused.
        let again = correct::void_event(db, t, EventId(o2), "other", Actor::ApiKey(ApiKeyId(2)))
            .await
            .unwrap();
        assert_eq!(again, v);
        assert!(matches!(
            correct::void_event(db, t, EventId(999_999_999), "x", by).await,
            Err(CoreError::NotFound("event"))
        ));
        assert!(matches!(
            correct::void_event(db, t, EventId(o2), " ", by).await,
            Err(CoreError::Invalid(_))
        ));

        let o = kpi::overview(&a, db, t, &params()).await.unwrap();
        assert_eq!(
            (card(&o, "gmv_fen"), card(&o, "orders")),
            (1_200.0, 3.0),
            "the index is rebuilt without the voided events on {}",
            db.backend()
        );
        let after = event::totals_since(db, t, 0).await.unwrap();
        assert_eq!(
            (after.orders, after.gmv_fen),
            (3, 1_200),
            "{}",
            db.backend()
        );
        assert_eq!(event::count(db, t).await.unwrap(), 5);
        let orders: i64 = event::daily(db, t, None, 0, 8 * 3600)
            .await
            .unwrap()
            .iter()
            .filter(|d| d.kind == "order")
            .map(|d| d.events)
            .sum();
        assert_eq!(orders, 3);
        let p = kpi::products(&a, db, t, &params(), 10).await.unwrap();
        assert_eq!(p.revenue_fen, 1_200);

        // Still listed, marked void.
        let page = events::list(
            db,
            t,
            EventFilter {
                member_id: Some(MemberId(m)),
                limit: 50,
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
        assert_eq!(page.items.len(), 7);
        let voided: Vec<i64> = page
            .items
            .iter()
            .filter(|e| e.void.is_some())
            .map(|e| e.event_id.0)
            .collect();
        assert_eq!(voided.len(), 2);
        assert!(voided.contains(&o2) && voided.contains(&1_000_001));

        // Another tenant cannot void this tenant's event.
        let (other, ..) = community(db, "void-other").await;
        assert!(matches!(
            correct::void_event(db, other, EventId(o2), "x", by).await,
            Err(CoreError::NotFound("event"))
        ));
    }
}

#[tokio::test]
async fn an_erased_member_keeps_no_personal_data_but_the_totals_hold() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let a = Arc::new(Analytics::new());
        let (t, m, g) = community(db, "erase").await;
        // A subscriber, so the member's join and order are in the webhook outbox.
        on_pool!(db, p => sqlx::query(
            "insert into webhook_subscription (tenant_id, url, event_types, secret, created_at_ms)
             values ($1, 'https://hooks.example.com/q', 'member.joined,order.created', 'whsec_test', 0)")
            .bind(t.0).execute(p).await.map(|_| ()))
        .unwrap();
        members::bulk_tag(
            db,
            t,
            quanzi_domain::tag::TagInput {
                group: "兴趣".into(),
                name: "烘焙".into(),
            },
            &[MemberId(m)],
            false,
        )
        .await
        .unwrap();
        events::ingest(
            db,
            t,
            vec![
                ev("j", "join", m, g, 0, None),
                EventInput {
                    reference: Some("王芳推荐".into()),
                    properties: serde_json::json!({"note": "13800138000 送到南山区"})
                        .as_object()
                        .cloned(),
                    ..ev("o1", "order", m, g, 1, Some(2_500))
                },
                ev("msg", "message", m, g, 1, None),
            ],
        )
        .await
        .unwrap();
        let before = kpi::overview(&a, db, t, &params()).await.unwrap();
        let totals = event::totals_since(db, t, 0).await.unwrap();
        // A processed WeCom callback that named the member.
        on_pool!(db, p => sqlx::query(
            "insert into inbound_event (tenant_id, source, dedupe_key, body, received_at_ms, processed_at_ms)
             values ($1, 'wecom', 'd1', '<xml><ExternalUserID>wmEXT001</ExternalUserID></xml>', 0, 1)")
            .bind(t.0).execute(p).await.map(|_| ()))
        .unwrap();

        let log = correct::erase_member(db, t, MemberId(m), Actor::Operator(OperatorId(7)))
            .await
            .unwrap();
        assert_eq!((log.member_id.0, log.erased_by.as_str()), (m, "operator:7"));
        let again = correct::erase_member(db, t, MemberId(m), Actor::Operator(OperatorId(8)))
            .await
            .unwrap();
        assert_eq!(again, log, "erasing twice is logged once");

        let e = members::get(db, t, MemberId(m)).await.unwrap();
        assert_eq!(e.name, format!("erased-{m}"));
        assert_eq!(
            (&e.phone, &e.external_userid, &e.unionid, &e.district),
            (&None, &None, &None, &None)
        );
        assert_eq!(e.custom, serde_json::json!({}));
        assert!(
            quanzi_store::tag::of_member(db, t, MemberId(m))
                .await
                .unwrap()
                .is_empty()
        );
        let page = events::list(
            db,
            t,
            EventFilter {
                member_id: Some(MemberId(m)),
                limit: 50,
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
        assert_eq!(page.items.len(), 3, "the events stay");
        for ev in &page.items {
            assert_eq!((ev.properties.as_str(), &ev.reference), ("{}", &None));
        }
        // No personal data anywhere in the member's rows, nor in the callbacks kept.
        let bodies: Vec<String> = on_pool!(db, p => sqlx::query_scalar(
            "select body from inbound_event where tenant_id = $1")
            .bind(t.0).fetch_all(p).await)
        .unwrap();
        let outbox: Vec<String> = on_pool!(db, p => sqlx::query_scalar(
            "select payload from webhook_outbox where tenant_id = $1")
            .bind(t.0).fetch_all(p).await)
        .unwrap();
        assert_eq!(outbox.len(), 2, "the join and the order were sent out");
        let dump = format!("{e:?} {:?} {bodies:?} {outbox:?}", page.items);
        for secret in ["王芳", "13800138000", "wmEXT001", "oUNION001", "南山区"] {
            assert!(!dump.contains(secret), "{secret} left on {}", db.backend());
        }
        // The same totals and KPIs.
        assert_eq!(event::totals_since(db, t, 0).await.unwrap(), totals);
        let after = kpi::overview(&a, db, t, &params()).await.unwrap();
        for key in ["gmv_fen", "orders", "buyers"] {
            assert_eq!(card(&after, key), card(&before, key), "{key}");
        }
        // Logged by id only, visible in the log.
        let logged = correct::erasures(db, t, None, 50).await.unwrap();
        assert_eq!(logged.items, vec![log]);
        assert!(matches!(
            correct::erase_member(db, t, MemberId(m + 1000), Actor::Operator(OperatorId(7))).await,
            Err(CoreError::NotFound("member"))
        ));
    }
}

#[tokio::test]
async fn a_join_through_the_groups_api_writes_the_member_joined_outbox_row() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let (t, m, g) = community(db, "hooks").await;
        // A subscriber, stored directly (what it is sent to does not matter here).
        on_pool!(db, p => sqlx::query(
            "insert into webhook_subscription (tenant_id, url, event_types, secret, created_at_ms)
             values ($1, 'https://hooks.example.com/q', 'member.joined,member.left', 'whsec_test', 0)")
            .bind(t.0).execute(p).await.map(|_| ()))
        .unwrap();
        groups::add_member(
            db,
            t,
            GroupId(g),
            MemberId(m),
            None,
            Some("poster".into()),
            None,
        )
        .await
        .unwrap();
        groups::remove_member(db, t, GroupId(g), MemberId(m))
            .await
            .unwrap();
        let rows: Vec<(String, String)> = on_pool!(db, p => sqlx::query_as(
            "select event_type, payload from webhook_outbox where tenant_id = $1 order by webhook_outbox_id")
            .bind(t.0).fetch_all(p).await)
        .unwrap();
        let types: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(
            types,
            vec!["member.joined", "member.left"],
            "{}",
            db.backend()
        );
        let joined: serde_json::Value = serde_json::from_str(&rows[0].1).unwrap();
        assert_eq!(joined["data"]["member_id"], m);
        assert_eq!(joined["data"]["group_id"], g);
        assert_eq!(joined["data"]["properties"]["join_scene"], "poster");
        // The same join as an ingested event writes the same kind of row.
        events::ingest(db, t, vec![ev("j2", "join", m, g, 0, None)])
            .await
            .unwrap();
        let n: i64 = on_pool!(db, p => sqlx::query_scalar(
            "select count(*) from webhook_outbox where tenant_id = $1 and event_type = 'member.joined'")
            .bind(t.0).fetch_one(p).await)
        .unwrap();
        assert_eq!(n, 2);
    }
}
