//! Group buys and bargains on both stores: fifty friends racing for the last places of a team
//! of five make exactly five members, one completion and five orders; a team short at its
//! deadline releases every hold and writes no order; the merchant completes a short team
//! with virtual members; a double tap opens one team; a friend cuts a bargain once, prices
//! never go below the floor and reach it exactly on the last planned cut, and the owner buys
//! once; any sequence of opens, joins, completions and deadlines keeps the stock counting
//! exactly the places held or sold and every team within its size (property test).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use proptest::prelude::*;
use quanzi_core::bargains::cut::{self, Bought, Cut, Refusal as CutRefusal};
use quanzi_core::bargains::{self, Opened};
use quanzi_core::group_buys::team::{self, Outcome, Refusal};
use quanzi_core::group_buys::{self, deadline};
use quanzi_core::{access, members};
use quanzi_domain::bargain::BargainInput;
use quanzi_domain::group_buy::{GroupBuyInput, TeamState};
use quanzi_domain::member::MemberInput;
use quanzi_domain::query::EventFilter;
use quanzi_domain::{MemberId, TenantId};
use quanzi_store::{Db, on_pool};
use quanzi_testkit::TestDb;

/// A tenant with `n` members and a webhook subscriber to the teams and orders.
async fn shop(db: &Db, slug: &str, n: usize) -> (TenantId, Vec<MemberId>) {
    let t = access::create_tenant(db, slug, slug)
        .await
        .unwrap()
        .tenant_id;
    let mut ids = Vec::new();
    for i in 0..n {
        let input = MemberInput {
            name: Some(format!("团友{i}")),
            ..Default::default()
        };
        ids.push(members::create(db, t, input).await.unwrap().member_id);
    }
    on_pool!(db, p => sqlx::query(
        "insert into webhook_subscription (tenant_id, url, event_types, secret, created_at_ms)
         values ($1, 'https://hooks.example.com/q', 'team.succeeded,team.failed,order.created', 'whsec_test', 0)")
        .bind(t.0).execute(p).await.map(|_| ()))
    .unwrap();
    (t, ids)
}

fn group_buy(size: i64, stock: Option<i64>, allow_virtual: bool) -> GroupBuyInput {
    GroupBuyInput {
        product_name: Some("阳山水蜜桃 5斤".into()),
        price_fen: Some(9_900),
        team_price_fen: Some(5_900),
        team_size: Some(size),
        hours: Some(24),
        stock,
        allow_virtual: Some(allow_virtual),
    }
}

/// The tenant's `order` events referencing `reference`: (member, amount).
async fn orders(db: &Db, t: TenantId, reference: &str) -> Vec<(MemberId, Option<i64>)> {
    let f = EventFilter {
        kind: Some("order".into()),
        limit: 200,
        ..Default::default()
    };
    let page = quanzi_core::events::list(db, t, f, None).await.unwrap();
    page.items
        .into_iter()
        .filter(|e| e.reference.as_deref() == Some(reference))
        .map(|e| (e.member_id, e.amount_fen))
        .collect()
}

/// Outbox rows of `event_type`.
async fn outbox(db: &Db, t: TenantId, event_type: &str) -> i64 {
    on_pool!(db, p => sqlx::query_scalar(
        "select count(*) from webhook_outbox where tenant_id = $1 and event_type = $2")
        .bind(t.0).bind(event_type).fetch_one(p).await)
    .unwrap()
}

fn done(j: Outcome) -> quanzi_core::views::TeamDetail {
    match j {
        Outcome::Joined(d) | Outcome::Completed(d) | Outcome::Again(d) => d,
        Outcome::Refused(r) => panic!("refused: {r:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_friends_racing_for_the_last_places_of_a_team_of_five_make_exactly_five_members() {
    for tdb in TestDb::all().await {
        let db = tdb.db.clone();
        let (t, ids) = shop(&db, "race", 51).await;
        let gb = group_buys::create(&db, t, group_buy(5, Some(100), false))
            .await
            .unwrap();
        let opened = done(team::open(&db, t, gb.group_buy_id, ids[0]).await.unwrap());
        let id = opened.team.team_id;
        let mut tasks = Vec::new();
        for m in ids[1..].iter().copied() {
            let db = db.clone();
            tasks.push(tokio::spawn(async move { team::join(&db, t, id, m).await }));
        }
        let (mut joined, mut completed, mut full) = (0, 0, 0);
        for task in tasks {
            match task.await.unwrap().unwrap() {
                Outcome::Completed(d) => {
                    assert_eq!(d.team.state, TeamState::Succeeded);
                    completed += 1;
                }
                Outcome::Joined(_) => joined += 1,
                Outcome::Refused(Refusal::Full) => full += 1,
                other => panic!("{other:?} on {}", db.backend()),
            }
        }
        assert_eq!((joined, completed, full), (3, 1, 46), "{}", db.backend());
        let after = group_buys::team(&db, t, id).await.unwrap();
        assert_eq!(after.team.state, TeamState::Succeeded);
        assert_eq!(after.members.len(), 5, "{}", db.backend());
        assert_eq!(after.team.member_count, 5);
        assert!(after.members.iter().all(|m| m.state == "ordered"));
        let seqs: Vec<i64> = after.members.iter().map(|m| m.seq).collect();
        assert_eq!(seqs, [1, 2, 3, 4, 5]);
        let reference = format!("gb:{}", gb.group_buy_id);
        let paid = orders(&db, t, &reference).await;
        assert_eq!(paid.len(), 5, "{}", db.backend());
        assert!(paid.iter().all(|(_, a)| *a == Some(5_900)));
        assert_eq!(outbox(&db, t, "team.succeeded").await, 1);
        assert_eq!(outbox(&db, t, "order.created").await, 5);
        let g = group_buys::get(&db, t, gb.group_buy_id).await.unwrap();
        assert_eq!((g.taken, g.left), (5, Some(95)));
        // A full team refuses more, and a member is in a team once.
        let late = team::join(&db, t, id, ids[50]).await.unwrap();
        assert!(
            matches!(late, Outcome::Refused(Refusal::Full | Refusal::AlreadyIn)),
            "{late:?}"
        );
        let again = team::join(&db, t, id, ids[0]).await.unwrap();
        assert_eq!(again, Outcome::Refused(Refusal::AlreadyIn));
    }
}

#[tokio::test]
async fn a_team_short_at_its_deadline_releases_every_hold_and_nobody_pays() {
    for tdb in TestDb::all().await {
        let db = tdb.db.clone();
        let (t, ids) = shop(&db, "short", 3).await;
        let gb = group_buys::create(&db, t, group_buy(3, Some(2), false))
            .await
            .unwrap();
        let first = team::open(&db, t, gb.group_buy_id, ids[0]).await.unwrap();
        // A double tap opens one team.
        let second = team::open(&db, t, gb.group_buy_id, ids[0]).await.unwrap();
        let (Outcome::Joined(a), Outcome::Again(b)) = (first, second) else {
            panic!("the second tap answers the first team");
        };
        assert_eq!(a.team.team_id, b.team.team_id);
        let id = a.team.team_id;
        done(team::join(&db, t, id, ids[1]).await.unwrap());
        // Two units held: the stock of two is all taken, a third hold is refused.
        let other = team::open(&db, t, gb.group_buy_id, ids[2]).await.unwrap();
        assert_eq!(other, Outcome::Refused(Refusal::SoldOut));
        let g = group_buys::get(&db, t, gb.group_buy_id).await.unwrap();
        assert_eq!((g.taken, g.left), (2, Some(0)));
        // The deadline passes: the job fails the team and gives the units back.
        let at = a.team.deadline_at_ms;
        assert_eq!(deadline::settle(&db, t, at - 1).await.unwrap(), 0);
        assert_eq!(deadline::settle(&db, t, at).await.unwrap(), 1);
        assert_eq!(deadline::settle(&db, t, at).await.unwrap(), 0);
        let after = group_buys::team(&db, t, id).await.unwrap();
        assert_eq!(after.team.state, TeamState::Failed, "{}", db.backend());
        assert!(after.members.iter().all(|m| m.state == "released"));
        let g = group_buys::get(&db, t, gb.group_buy_id).await.unwrap();
        assert_eq!((g.taken, g.left), (0, Some(2)));
        let reference = format!("gb:{}", gb.group_buy_id);
        assert!(orders(&db, t, &reference).await.is_empty());
        assert_eq!(outbox(&db, t, "team.failed").await, 1);
        assert_eq!(outbox(&db, t, "order.created").await, 0);
        let late = team::join(&db, t, id, ids[2]).await.unwrap();
        assert_eq!(late, Outcome::Refused(Refusal::Closed));
        // A failed team cannot be completed; the leader may open a new one.
        let c = team::complete(&db, t, id).await.unwrap();
        assert_eq!(c, Outcome::Refused(Refusal::Closed));
        let new = done(team::open(&db, t, gb.group_buy_id, ids[0]).await.unwrap());
        assert_ne!(new.team.team_id, id);
    }
}

#[tokio::test]
async fn a_merchant_completes_a_short_team_with_virtual_members_only_when_allowed() {
    for tdb in TestDb::all().await {
        let db = tdb.db.clone();
        let (t, ids) = shop(&db, "virtual", 3).await;
        let strict = group_buys::create(&db, t, group_buy(4, None, false))
            .await
            .unwrap();
        let s = done(
            team::open(&db, t, strict.group_buy_id, ids[0])
                .await
                .unwrap(),
        );
        let refused = team::complete(&db, t, s.team.team_id).await.unwrap();
        assert_eq!(refused, Outcome::Refused(Refusal::NoVirtual));
        let gb = group_buys::create(&db, t, group_buy(4, None, true))
            .await
            .unwrap();
        let opened = done(team::open(&db, t, gb.group_buy_id, ids[0]).await.unwrap());
        let id = opened.team.team_id;
        done(team::join(&db, t, id, ids[1]).await.unwrap());
        let Outcome::Completed(c) = team::complete(&db, t, id).await.unwrap() else {
            panic!("completed");
        };
        assert_eq!(c.team.state, TeamState::Succeeded);
        assert_eq!((c.team.member_count, c.team.virtual_members), (2, 2));
        let again = team::complete(&db, t, id).await.unwrap();
        assert!(matches!(again, Outcome::Again(_)), "{again:?}");
        let reference = format!("gb:{}", gb.group_buy_id);
        let mut paid: Vec<MemberId> = orders(&db, t, &reference)
            .await
            .into_iter()
            .map(|(m, _)| m)
            .collect();
        paid.sort();
        assert_eq!(paid, [ids[0], ids[1]], "{}", db.backend());
        assert_eq!(outbox(&db, t, "team.succeeded").await, 1);
        // Completed: no more joins; another tenant's member is not found.
        let full = team::join(&db, t, id, ids[2]).await.unwrap();
        assert_eq!(full, Outcome::Refused(Refusal::Full));
        let (_, other) = shop(&db, "virtual-other", 1).await;
        assert!(team::join(&db, t, id, other[0]).await.is_err());
    }
}

fn offer(stock: Option<i64>) -> BargainInput {
    BargainInput {
        product_name: Some("手冲咖啡壶".into()),
        start_price_fen: Some(10_000),
        floor_price_fen: Some(1_000),
        cuts_to_floor: Some(5),
        hours: Some(24),
        stock,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn friends_cut_a_bargain_once_each_to_its_floor_and_the_owner_buys_once() {
    for tdb in TestDb::all().await {
        let db = tdb.db.clone();
        let (t, ids) = shop(&db, "bargain", 8).await;
        let b = bargains::create(&db, t, offer(Some(1))).await.unwrap();
        let Opened::New(run) = bargains::open(&db, t, b.bargain_id, ids[0]).await.unwrap() else {
            panic!("a new bargain");
        };
        let Opened::Again(same) = bargains::open(&db, t, b.bargain_id, ids[0]).await.unwrap()
        else {
            panic!("the member's bargain again");
        };
        assert_eq!(same.bargain_run_id, run.bargain_run_id);
        assert_eq!(run.price_fen, 10_000);
        let id = run.bargain_run_id;
        let own = cut::cut(&db, t, id, ids[0]).await.unwrap();
        assert_eq!(own, Cut::Refused(CutRefusal::OwnBargain));
        // Seven friends race to cut, each twice: five cuts land, each friend once.
        let db2 = Arc::new(db.clone());
        let mut tasks = Vec::new();
        for m in ids[1..].iter().copied().chain(ids[1..].iter().copied()) {
            let db = db2.clone();
            tasks.push(tokio::spawn(async move { cut::cut(&db, t, id, m).await }));
        }
        let mut refused = Vec::new();
        for task in tasks {
            if let Cut::Refused(r) = task.await.unwrap().unwrap() {
                refused.push(r);
            }
        }
        assert_eq!(refused.len(), 14 - 5, "{refused:?} on {}", db.backend());
        assert!(
            refused
                .iter()
                .all(|r| matches!(r, CutRefusal::AlreadyCut | CutRefusal::AtFloor))
        );
        let detail = bargains::run(&db, t, id).await.unwrap();
        assert_eq!(detail.cuts.len(), 5, "{}", db.backend());
        let mut price = 10_000;
        let mut friends = std::collections::HashSet::new();
        for (k, c) in detail.cuts.iter().enumerate() {
            assert_eq!(c.cut_no, k as i64 + 1);
            assert!(c.amount_fen >= 1);
            // Each amount is the domain's, from the documented seed.
            let want = quanzi_domain::bargain::cut(
                10_000,
                1_000,
                5,
                k as u32,
                price,
                cut::seed(id, c.cut_no),
            );
            assert_eq!(c.amount_fen, want);
            price -= c.amount_fen;
            assert_eq!(c.price_after_fen, price);
            assert!(price >= 1_000);
            assert!(friends.insert(c.member_id), "a friend cut twice");
        }
        assert_eq!(price, 1_000, "the floor exactly at the fifth cut");
        assert_eq!((detail.run.price_fen, detail.run.cuts), (1_000, 5));
        // A friend who cut is told so even at the floor.
        let twice = cut::cut(&db, t, id, detail.cuts[0].member_id)
            .await
            .unwrap();
        assert_eq!(twice, Cut::Refused(CutRefusal::AlreadyCut));
        // The owner buys once at the floor: one order event.
        let Bought::Done(bought) = cut::buy(&db, t, id).await.unwrap() else {
            panic!("bought");
        };
        assert_eq!(bought.paid_fen, Some(1_000));
        assert_eq!(
            cut::buy(&db, t, id).await.unwrap(),
            Bought::Refused(CutRefusal::Bought)
        );
        let reference = format!("bg:{}", b.bargain_id);
        assert_eq!(orders(&db, t, &reference).await, [(ids[0], Some(1_000))]);
        // The stock of one is sold: a second member's bargain cannot be bought, nor opened.
        assert_eq!(
            bargains::open(&db, t, b.bargain_id, ids[1]).await.unwrap(),
            Opened::SoldOut
        );
    }
}

#[tokio::test]
async fn an_expired_bargain_takes_no_more_cuts_but_its_owner_may_still_buy() {
    for tdb in TestDb::all().await {
        let db = tdb.db.clone();
        let (t, ids) = shop(&db, "expired", 3).await;
        let b = bargains::create(&db, t, offer(None)).await.unwrap();
        let Opened::New(run) = bargains::open(&db, t, b.bargain_id, ids[0]).await.unwrap() else {
            panic!("a new bargain");
        };
        let Cut::Done(c) = cut::cut(&db, t, run.bargain_run_id, ids[1]).await.unwrap() else {
            panic!("cut");
        };
        on_pool!(&db, p => sqlx::query("update bargain_run set expires_at_ms = 0 where tenant_id = $1")
            .bind(t.0).execute(p).await.map(|_| ()))
        .unwrap();
        let late = cut::cut(&db, t, run.bargain_run_id, ids[2]).await.unwrap();
        assert_eq!(late, Cut::Refused(CutRefusal::Expired), "{}", db.backend());
        let Bought::Done(bought) = cut::buy(&db, t, run.bargain_run_id).await.unwrap() else {
            panic!("bought");
        };
        assert_eq!(bought.paid_fen, Some(c.price_after_fen));
        assert!(c.price_after_fen < 10_000 && c.price_after_fen > 1_000);
    }
}

#[derive(Debug, Clone)]
enum Op {
    Open(usize),
    Join(usize, usize),
    Complete(usize),
    Deadline,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (0..5usize).prop_map(Op::Open),
        4 => (0..8usize, 0..5usize).prop_map(|(k, m)| Op::Join(k, m)),
        1 => (0..8usize).prop_map(Op::Complete),
        1 => Just(Op::Deadline),
    ]
}

/// Runs `ops` on a fresh group buy (teams of 3, stock 5, virtual members allowed) and checks
/// after each that the stock counts exactly the held and ordered places, never past 5, that
/// no team holds more than its size, and that the orders are exactly the ordered places.
async fn check(db: &Db, t: TenantId, ids: &[MemberId], ops: Vec<Op>) {
    let gb = group_buys::create(db, t, group_buy(3, Some(5), true))
        .await
        .unwrap();
    let mut teams = Vec::new();
    for op in ops {
        match op {
            Op::Open(m) => {
                if let Outcome::Joined(d) | Outcome::Again(d) =
                    team::open(db, t, gb.group_buy_id, ids[m]).await.unwrap()
                    && !teams.contains(&d.team.team_id)
                {
                    teams.push(d.team.team_id);
                }
            }
            Op::Join(k, m) if !teams.is_empty() => {
                team::join(db, t, teams[k % teams.len()], ids[m])
                    .await
                    .unwrap();
            }
            Op::Complete(k) if !teams.is_empty() => {
                team::complete(db, t, teams[k % teams.len()]).await.unwrap();
            }
            Op::Deadline => {
                deadline::settle(db, t, quanzi_store::now_ms() + 25 * 3_600_000)
                    .await
                    .unwrap();
            }
            _ => {}
        }
        let g = group_buys::get(db, t, gb.group_buy_id).await.unwrap();
        let (mut holding, mut ordered) = (0, 0);
        for id in &teams {
            let d = group_buys::team(db, t, *id).await.unwrap();
            assert_eq!(d.members.len() as i64, d.team.member_count);
            assert!(d.team.member_count + d.team.virtual_members <= d.team.team_size);
            holding += d.members.iter().filter(|m| m.state != "released").count() as i64;
            ordered += d.members.iter().filter(|m| m.state == "ordered").count();
        }
        assert!(g.taken <= 5, "{g:?}");
        assert_eq!(
            g.taken, holding,
            "the stock counts exactly the held and sold places"
        );
        let reference = format!("gb:{}", gb.group_buy_id);
        assert_eq!(orders(db, t, &reference).await.len(), ordered);
    }
}

#[test]
fn any_sequence_of_opens_joins_completions_and_deadlines_keeps_the_stock_and_the_teams() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dbs = rt.block_on(TestDb::all());
    let setup: Vec<_> = dbs
        .iter()
        .map(|tdb| {
            let slug = format!("prop-{}", tdb.db.backend());
            let (t, ids) = rt.block_on(shop(&tdb.db, &slug, 5));
            (tdb.db.clone(), t, ids)
        })
        .collect();
    let config = ProptestConfig {
        cases: 16,
        ..ProptestConfig::default()
    };
    proptest!(config, |(ops in proptest::collection::vec(op(), 1..25))| {
        for (db, t, ids) in &setup {
            rt.block_on(check(db, *t, ids, ops.clone()));
        }
    });
}
