//! Flash sales under a rush, on both stores: 10,000 concurrent buyers on 100 units make
//! exactly 100 orders and every buyer is answered; one member's racing buys never pass the
//! limit and a retried key buys once; a hold not paid in time returns to stock and cannot be
//! paid; any sequence of buys, payments, cancellations and expiries keeps the stock and the
//! limits (property test).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use proptest::prelude::*;
use quanzi_core::access;
use quanzi_core::flash_sales::{self, buy::Bought, buy::BuyInput, buy::Buyer, release};
use quanzi_core::import::{ImportKind, ImportOptions, import_file};
use quanzi_core::views::FlashSale;
use quanzi_domain::flash_sale::{FlashSaleInput, OrderState, Refusal};
use quanzi_domain::{FlashSaleId, GroupId, MemberId, TenantId};
use quanzi_store::{Db, group, now_ms};
use quanzi_testkit::TestDb;

/// A tenant with `n` members, all in one group; answers the tenant, the group and the members.
async fn community(db: &Db, slug: &str, n: usize) -> (TenantId, GroupId, Vec<MemberId>) {
    let t = access::create_tenant(db, slug, slug)
        .await
        .unwrap()
        .tenant_id;
    let mut text = String::from("member_id,group_id,kind,ts\n");
    for i in 1..=n {
        text.push_str(&format!("{i},1,join,1735689600\n"));
    }
    let path = std::env::temp_dir().join(format!("quanzi-flash-{}-{slug}.csv", std::process::id()));
    std::fs::write(&path, text).unwrap();
    let opts = ImportOptions {
        create_missing: true,
        ..Default::default()
    };
    let r = import_file(db, t, ImportKind::Events, &path, &opts, &|_, _| {}).await;
    let _ = std::fs::remove_file(&path);
    assert!(r.unwrap().is_success());
    let g = group::list(db, t, None, None, 10).await.unwrap()[0].group_id;
    let members = group::member_ids(db, t, GroupId(g)).await.unwrap();
    assert_eq!(members.len(), n);
    (t, GroupId(g), members.into_iter().map(MemberId).collect())
}

async fn sale(db: &Db, t: TenantId, stock: i64, limit: i64, groups: Vec<GroupId>) -> FlashSale {
    let now = now_ms();
    let input = FlashSaleInput {
        product: Some("牛肉干 200g".into()),
        price_fen: Some(1990),
        stock: Some(stock),
        per_member_limit: Some(limit),
        starts_at_ms: Some(now - 1_000),
        ends_at_ms: Some(now + 3_600_000),
        hold_minutes: Some(5),
        group_ids: Some(groups),
        ..Default::default()
    };
    flash_sales::create(db, t, input).await.unwrap()
}

fn one(key: &str) -> BuyInput {
    BuyInput {
        quantity: 1,
        key: key.into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_buyers_on_a_hundred_units_make_exactly_a_hundred_orders() {
    for tdb in TestDb::all().await {
        let db = tdb.db.clone();
        let (t, g, members) = community(&db, "rush", 10_000).await;
        let s = Arc::new(sale(&db, t, 100, 1, vec![g]).await);
        let buyer = Arc::new(Buyer::new(db.clone()));
        // Bounded: at most 1,000 buys in flight, as a server's connection limit would.
        let gate = Arc::new(tokio::sync::Semaphore::new(1_000));
        let mut tasks = Vec::new();
        for m in members {
            let (buyer, s, gate) = (buyer.clone(), s.clone(), gate.clone());
            tasks.push(tokio::spawn(async move {
                let _p = gate.acquire().await.unwrap();
                buyer.buy(t, &s, m, one("tap")).await
            }));
        }
        let (mut held, mut sold_out) = (0, 0);
        for task in tasks {
            match task.await.unwrap().unwrap() {
                Bought::Held(_) => held += 1,
                Bought::Refused(Refusal::SoldOut) => sold_out += 1,
                other => panic!("{other:?} on {}", db.backend()),
            }
        }
        assert_eq!((held, sold_out), (100, 9_900), "{}", db.backend());
        let after = flash_sales::get(&db, t, s.flash_sale_id).await.unwrap();
        assert_eq!((after.taken, after.left), (100, 0), "{}", db.backend());
        let tally = flash_sales::tally(&db, t, s.flash_sale_id).await.unwrap();
        assert_eq!(tally.len(), 1);
        assert_eq!((tally[0].orders, tally[0].buyers), (100, 100));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_members_racing_buys_stop_at_the_limit_and_a_retried_key_buys_once() {
    for tdb in TestDb::all().await {
        let db = tdb.db.clone();
        let (t, g, members) = community(&db, "limit", 3).await;
        let s = Arc::new(sale(&db, t, 50, 2, vec![g]).await);
        let buyer = Arc::new(Buyer::new(db.clone()));
        let mut tasks = Vec::new();
        for i in 0..20 {
            let (buyer, s) = (buyer.clone(), s.clone());
            let m = members[0];
            // Ten keys, each sent twice at the same moment.
            let key = format!("k{}", i % 10);
            tasks.push(tokio::spawn(
                async move { buyer.buy(t, &s, m, one(&key)).await },
            ));
        }
        let mut ids = std::collections::HashSet::new();
        let mut over = 0;
        for task in tasks {
            match task.await.unwrap().unwrap() {
                Bought::Held(o) | Bought::Again(o) => {
                    ids.insert(o.order_id);
                }
                Bought::Refused(Refusal::OverLimit) => over += 1,
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(ids.len(), 2, "{}", db.backend());
        assert!(over >= 16, "{over} on {}", db.backend());
        let orders = flash_sales::orders_of(&db, t, s.flash_sale_id, members[0])
            .await
            .unwrap();
        assert_eq!(orders.len(), 2);
        // Someone outside the sale's groups is refused.
        let (_, _, others) = community(&db, "limit-other", 1).await;
        let outsider = flash_sales::buy::BuyInput {
            quantity: 1,
            key: "x".into(),
        };
        let r = buyer.buy_id(t, s.flash_sale_id, others[0], outsider).await;
        assert!(r.is_err(), "a member of another tenant is not found");
    }
}

#[tokio::test]
async fn an_unpaid_hold_returns_to_stock_and_cannot_be_paid_but_a_paid_one_is_an_order() {
    for tdb in TestDb::all().await {
        let db = tdb.db.clone();
        let (t, _, members) = community(&db, "hold", 2).await;
        let s = sale(&db, t, 1, 1, vec![]).await;
        let buyer = Buyer::new(db.clone());
        let Bought::Held(first) = buyer.buy(t, &s, members[0], one("a")).await.unwrap() else {
            panic!("the first buy holds the unit");
        };
        let s = flash_sales::get(&db, t, s.flash_sale_id).await.unwrap();
        let second = buyer.buy(t, &s, members[1], one("b")).await.unwrap();
        assert_eq!(second, Bought::Refused(Refusal::SoldOut));
        // Five minutes later the hold has run out and goes back.
        let later = first.hold_until_ms;
        assert_eq!(release::release(&db, t, later).await.unwrap(), 1);
        let paid = flash_sales::pay(&db, t, first.order_id, Some("wx-1")).await;
        assert!(paid.is_err(), "an expired hold cannot be paid");
        let s = flash_sales::get(&db, t, s.flash_sale_id).await.unwrap();
        assert_eq!(s.left, 1, "{}", db.backend());
        let fresh = Buyer::new(db.clone());
        let Bought::Held(o) = fresh.buy(t, &s, members[1], one("b")).await.unwrap() else {
            panic!("the returned unit can be bought");
        };
        let paid = flash_sales::pay(&db, t, o.order_id, Some("wx-2"))
            .await
            .unwrap();
        assert_eq!(paid.state, OrderState::Paid);
        assert_eq!(
            flash_sales::pay(&db, t, o.order_id, None).await.unwrap(),
            paid
        );
        let f = quanzi_domain::query::EventFilter {
            limit: 50,
            ..Default::default()
        };
        let ev = quanzi_core::events::list(&db, t, f, None).await.unwrap();
        let order = ev
            .items
            .iter()
            .find(|e| e.kind == "order")
            .unwrap_or_else(|| panic!("{:?}", ev.items));
        assert_eq!(order.amount_fen, Some(1990));
        assert_eq!(
            order.reference.as_deref(),
            Some(format!("fs:{}", s.flash_sale_id).as_str())
        );
    }
}

#[tokio::test]
async fn a_sale_closed_or_moved_to_other_groups_is_seen_by_the_next_buy_and_an_unknown_member_is_not_found()
 {
    for tdb in TestDb::all().await {
        let db = tdb.db.clone();
        let (t, g, members) = community(&db, "copy", 3).await;
        let s = sale(&db, t, 10, 1, vec![]).await;
        let buyer = Buyer::new(db.clone());
        let id = s.flash_sale_id;
        let first = buyer.buy_id(t, id, members[0], one("a")).await.unwrap();
        assert!(matches!(first, Bought::Held(_)), "{first:?}");
        let ghost = buyer.buy_id(t, id, MemberId(9_999_999), one("g")).await;
        assert!(
            matches!(ghost, Err(quanzi_core::CoreError::NotFound("member"))),
            "{ghost:?}"
        );
        // Moved to another group: a member outside it is refused at once.
        let other = quanzi_core::groups::create(
            &db,
            t,
            quanzi_domain::group::GroupInput {
                name: Some("另一个群".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_ne!(other.group_id, g);
        let moved = FlashSaleInput {
            product: Some(s.product.clone()),
            price_fen: Some(s.price_fen),
            stock: Some(s.stock),
            per_member_limit: Some(1),
            starts_at_ms: Some(s.starts_at_ms),
            ends_at_ms: Some(s.ends_at_ms),
            hold_minutes: Some(5),
            group_ids: Some(vec![other.group_id]),
            ..Default::default()
        };
        flash_sales::update(&db, t, id, moved).await.unwrap();
        let outside = buyer.buy_id(t, id, members[1], one("b")).await.unwrap();
        assert_eq!(
            outside,
            Bought::Refused(Refusal::NotInvited),
            "{}",
            db.backend()
        );
        // Closed: the next buy is refused as ended, not as sold out.
        flash_sales::close(&db, t, id).await.unwrap();
        let closed = buyer.buy_id(t, id, members[2], one("c")).await.unwrap();
        assert_eq!(closed, Bought::Refused(Refusal::Ended), "{}", db.backend());
    }
}

#[derive(Debug, Clone)]
enum Op {
    Buy {
        member: usize,
        quantity: i64,
        key: u8,
    },
    Pay(usize),
    Cancel(usize),
    Expire,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..4usize, 1..4i64, 0..6u8).prop_map(|(member, quantity, key)| Op::Buy { member, quantity, key }),
        1 => (0..40usize).prop_map(Op::Pay),
        1 => (0..40usize).prop_map(Op::Cancel),
        1 => Just(Op::Expire),
    ]
}

/// Runs `ops` on a fresh sale and checks the stock and the limits after each.
async fn check(db: &Db, t: TenantId, members: &[MemberId], ops: Vec<Op>, round: usize) {
    let s = sale(db, t, 7, 3, vec![]).await;
    let id: FlashSaleId = s.flash_sale_id;
    let buyer = Buyer::new(db.clone());
    let mut orders = Vec::new();
    for op in ops {
        match op {
            Op::Buy {
                member,
                quantity,
                key,
            } => {
                let s = flash_sales::get(db, t, id).await.unwrap();
                let input = BuyInput {
                    quantity,
                    key: format!("r{round}-{key}"),
                };
                if let Bought::Held(o) = buyer.buy(t, &s, members[member], input).await.unwrap() {
                    orders.push(o.order_id);
                }
            }
            Op::Pay(i) if !orders.is_empty() => {
                let _ = flash_sales::pay(db, t, orders[i % orders.len()], None).await;
            }
            Op::Cancel(i) if !orders.is_empty() => {
                let _ = flash_sales::cancel(db, t, orders[i % orders.len()]).await;
            }
            Op::Expire => {
                release::release(db, t, now_ms() + 3_600_000).await.unwrap();
            }
            _ => {}
        }
        let s = flash_sales::get(db, t, id).await.unwrap();
        let mut taken = 0;
        let mut per_member = std::collections::HashMap::<MemberId, i64>::new();
        let page = flash_sales::orders(db, t, id, Some(200), None)
            .await
            .unwrap();
        for o in page.items.iter().filter(|o| o.state.takes_stock()) {
            taken += o.quantity;
            *per_member.entry(o.member_id).or_default() += o.quantity;
        }
        assert!(s.taken >= 0 && s.taken <= s.stock, "{s:?}");
        assert_eq!(
            s.taken, taken,
            "the sale counts exactly its held and paid units"
        );
        assert!(per_member.values().all(|&n| n <= 3), "{per_member:?}");
    }
}

#[test]
fn any_sequence_of_buys_payments_cancellations_and_expiries_keeps_stock_and_limits() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dbs = rt.block_on(TestDb::all());
    let setup: Vec<_> = dbs
        .iter()
        .map(|tdb| {
            let slug = format!("prop-{}", tdb.db.backend());
            let (t, _, members) = rt.block_on(community(&tdb.db, &slug, 4));
            (tdb.db.clone(), t, members)
        })
        .collect();
    let round = std::sync::atomic::AtomicUsize::new(0);
    let config = ProptestConfig {
        cases: 24,
        ..ProptestConfig::default()
    };
    proptest!(config, |(ops in proptest::collection::vec(op(), 1..30))| {
        let r = round.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        for (db, t, members) in &setup {
            rt.block_on(check(db, *t, members, ops.clone(), r));
        }
    });
}
