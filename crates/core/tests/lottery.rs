//! Lotteries on both stores: members drawing at the same moment never take a tier below
//! zero, the budget past its limit or a member past the draws allowed; a prize is upgraded
//! once; after the end the seed is revealed and the record recomputes — by an implementation
//! written here from the published spec alone (SHA-256, the ranges, the order) — while a
//! tampered seed or outcome is caught.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashMap;

use quanzi_core::lotteries::draw::{Drawn, draw, upgrade};
use quanzi_core::lotteries::record::{Checked, LotteryRecord, check, record};
use quanzi_core::lotteries::{self, LotteryRequest};
use quanzi_core::{access, members};
use quanzi_domain::lottery::{PrizeTierInput, Refusal};
use quanzi_domain::member::MemberInput;
use quanzi_domain::{LotteryId, MemberId, TenantId};
use quanzi_store::Db;
use quanzi_testkit::TestDb;
use sha2::{Digest, Sha256};

fn tier(name: &str, cost: i64, stock: i64, odds: Option<i64>) -> PrizeTierInput {
    PrizeTierInput {
        name: Some(name.into()),
        cost_fen: Some(cost),
        stock: Some(stock),
        odds_ppm: odds,
        ..Default::default()
    }
}

/// 一等奖 2 at 10%, 二等奖 5 at 30%, 三等奖 for everyone else (upgradable to 一等奖 for
/// ¥20), two draws and one win each, within a budget.
fn request() -> LotteryRequest {
    let now = quanzi_core::read::now_ms();
    let mut third = tier("三等奖", 100, 60, None);
    third.everyone_wins = Some(true);
    third.upgrade_to = Some(0);
    third.upgrade_price_fen = Some(2_000);
    LotteryRequest {
        name: Some("周年庆抽奖".into()),
        tiers: Some(vec![
            tier("一等奖", 3_000, 2, Some(100_000)),
            tier("二等奖", 1_000, 5, Some(300_000)),
            third,
        ]),
        draws_per_member: Some(2),
        wins_per_member: Some(1),
        budget_fen: Some(20_000),
        starts_at_ms: Some(now - 1_000),
        ends_at_ms: Some(now + 3_600_000),
    }
}

async fn people(db: &Db, t: TenantId, n: usize) -> Vec<MemberId> {
    let mut out = Vec::new();
    for i in 0..n {
        let input = MemberInput {
            name: Some(format!("抽奖{i}")),
            ..Default::default()
        };
        out.push(members::create(db, t, input).await.unwrap().member_id);
    }
    out
}

/// The published spec, written again here: the ticket of a draw.
fn spec_ticket(seed: &str, l: i64, m: i64, n: i64) -> i64 {
    let d = Sha256::digest(format!("{seed}:{l}:{m}:{n}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&d[..8]);
    (u64::from_be_bytes(first) % 1_000_000) as i64
}

/// The published spec, written again here: every outcome replayed in order.
fn spec_replay(r: &LotteryRecord) -> Vec<Option<i64>> {
    let seed = r.seed.clone().unwrap();
    assert_eq!(hex::encode(Sha256::digest(seed.as_bytes())), r.commitment);
    let tiers = r.rules.tiers.clone().unwrap();
    let mut stock: Vec<i64> = tiers.iter().map(|t| t.stock.unwrap()).collect();
    let cost: Vec<i64> = tiers.iter().map(|t| t.cost_fen.unwrap()).collect();
    let everyone = tiers.iter().position(|t| t.everyone_wins == Some(true));
    let budget = r.rules.budget_fen.unwrap();
    let cap = r.rules.wins_per_member.unwrap_or(1);
    let (mut spent, mut wins) = (0i64, HashMap::<i64, i64>::new());
    let mut out = Vec::new();
    for e in &r.events {
        if e.kind == "upgrade" {
            let (from, to) = (e.from_tier.unwrap() as usize, e.tier.unwrap() as usize);
            stock[from] += 1;
            stock[to] -= 1;
            spent += cost[to] - cost[from];
            out.push(e.tier);
            continue;
        }
        let ticket = spec_ticket(&seed, r.lottery_id, e.member_id, e.draw_no);
        assert_eq!(Some(ticket), e.ticket, "the published ticket");
        let mut end = 0;
        let ranged = tiers.iter().enumerate().find_map(|(i, t)| {
            if t.everyone_wins == Some(true) {
                return None;
            }
            end += t.odds_ppm.unwrap_or(0);
            (ticket < end).then_some(i)
        });
        let fits = |i: usize, spent: i64| stock[i] > 0 && spent + cost[i] <= budget;
        let under = *wins.get(&e.member_id).unwrap_or(&0) < cap;
        let got = match ranged.filter(|&i| under && fits(i, spent)) {
            Some(i) => {
                *wins.entry(e.member_id).or_default() += 1;
                Some(i)
            }
            None => everyone.filter(|&i| fits(i, spent)),
        };
        if let Some(i) = got {
            stock[i] -= 1;
            spent += cost[i];
        }
        out.push(got.map(|i| i as i64));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_draws_keep_stock_budget_and_limits_and_the_record_recomputes_from_the_spec() {
    let server = quanzi_testkit::server();
    for tdb in TestDb::all().await {
        let db = tdb.db.clone();
        let t = access::create_tenant(&db, "lucky", "Lucky")
            .await
            .unwrap()
            .tenant_id;
        let l = lotteries::create(&db, &server, t, request()).await.unwrap();
        assert_eq!(l.commitment.len(), 64);
        assert!(l.seed.is_none(), "the seed stays secret while it runs");
        let id: LotteryId = l.lottery_id;
        let who = people(&db, t, 40).await;
        let mut tasks = Vec::new();
        for m in who.iter().copied() {
            for _ in 0..3 {
                let (db, server) = (db.clone(), server.clone());
                tasks.push(tokio::spawn(
                    async move { draw(&db, &server, t, id, m).await },
                ));
            }
        }
        let mut refused = 0;
        let mut prizes = Vec::new();
        for task in tasks {
            match task.await.unwrap().unwrap() {
                Drawn::Done(d) => prizes.push(d),
                Drawn::Refused(Refusal::NoDrawsLeft) => refused += 1,
                other => panic!("{other:?} on {}", db.backend()),
            }
        }
        assert_eq!((prizes.len(), refused), (80, 40), "{}", db.backend());
        let now = lotteries::get(&db, &server, t, id).await.unwrap();
        assert!(now.spent_fen <= now.budget_fen, "{now:?}");
        assert!(
            now.tiers
                .iter()
                .all(|x| x.stock_left >= 0 && x.stock_left + x.given == x.stock)
        );
        // A third-prize winner upgrades once; the second try is refused.
        let third = prizes.iter().find(|d| d.tier == Some(2));
        if let (Some(d), true) = (third, now.tiers[0].stock_left > 0) {
            let Drawn::Done(up) = upgrade(&db, &server, t, id, d.member_id, d.draw_no)
                .await
                .unwrap()
            else {
                panic!("the upgrade is refused");
            };
            assert_eq!(
                (up.tier, up.from_tier, up.price_fen),
                (Some(0), Some(2), Some(2_000))
            );
            let again = upgrade(&db, &server, t, id, d.member_id, d.draw_no)
                .await
                .unwrap();
            assert_eq!(again, Drawn::Refused(Refusal::NothingToUpgrade));
        }
        // Before the end nothing can be checked; after it, everything.
        let early = record(&db, &server, t, id).await.unwrap();
        assert_eq!(check(&early), Checked::NotRevealed);
        let closed = lotteries::close(&db, &server, t, id).await.unwrap();
        assert_eq!(closed.status, "ended");
        let r = record(&db, &server, t, id).await.unwrap();
        assert!(
            matches!(check(&r), Checked::Fair { draws: 80, .. }),
            "{:?}",
            check(&r)
        );
        let published: Vec<Option<i64>> = r.events.iter().map(|e| e.tier).collect();
        assert_eq!(spec_replay(&r), published, "{}", db.backend());
        // Tampering is caught.
        let mut seed = r.clone();
        seed.seed = Some("0".repeat(64));
        assert_eq!(
            check(&seed),
            Checked::Unfair("the seed does not hash to the published commitment".into()),
            "a tampered seed is named as such"
        );
        let mut outcome = r.clone();
        let first = outcome
            .events
            .iter_mut()
            .find(|e| e.kind == "draw")
            .unwrap();
        first.tier = Some(if first.tier == Some(0) { 1 } else { 0 });
        assert!(matches!(check(&outcome), Checked::Unfair(_)));
        // No more draws after the end.
        let late = draw(&db, &server, t, id, who[0]).await.unwrap();
        assert_eq!(late, Drawn::NotOpen);
    }
}

#[tokio::test]
async fn a_bad_lottery_names_every_field_and_nothing_is_stored() {
    let tdb = TestDb::new().await;
    let server = quanzi_testkit::server();
    let t = access::create_tenant(&tdb.db, "bad", "Bad")
        .await
        .unwrap()
        .tenant_id;
    let mut r = request();
    r.name = Some(" ".into());
    r.ends_at_ms = r.starts_at_ms;
    let e = lotteries::create(&tdb.db, &server, t, r).await.unwrap_err();
    let quanzi_core::CoreError::Invalid(inv) = e else {
        panic!("{e:?}")
    };
    let fields: Vec<_> = inv.0.iter().map(|f| f.field.as_str()).collect();
    assert!(
        fields.contains(&"name") && fields.contains(&"ends_at_ms"),
        "{fields:?}"
    );
    assert!(
        lotteries::list(&tdb.db, &server, t)
            .await
            .unwrap()
            .is_empty()
    );
}
