//! Wallets on both stores: duplicate top-up keys racing make one top-up; spends racing on one
//! wallet never take it below zero; a spend is refunded once; a bonus lapses by what is left
//! of it; and after all of it the ledger balances and the balances are its sums.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use quanzi_core::wallets::{self, Moved, Request, expiry};
use quanzi_core::{access, members};
use quanzi_domain::member::MemberInput;
use quanzi_domain::wallet::{TopUpPlanInput, TopUpTierInput, WalletOp, WalletRefusal};
use quanzi_domain::{MemberId, TenantId};
use quanzi_store::{Db, wallet as repo};
use quanzi_testkit::TestDb;

fn req(op: WalletOp, amount: i64, key: &str) -> Request {
    Request {
        op,
        amount_fen: Some(amount),
        refund_of: None,
        key: key.into(),
        note: None,
    }
}

async fn setup(db: &Db, slug: &str) -> (TenantId, MemberId) {
    let t = access::create_tenant(db, slug, slug)
        .await
        .unwrap()
        .tenant_id;
    let plan = TopUpPlanInput {
        tiers: Some(vec![
            TopUpTierInput {
                min_top_up_fen: Some(10_000),
                bonus_fen: Some(2_000),
            },
            TopUpTierInput {
                min_top_up_fen: Some(50_000),
                bonus_fen: Some(15_000),
            },
        ]),
        bonus_valid_days: Some(30),
    };
    wallets::set_top_up_plan(db, t, plan).await.unwrap();
    let m = members::create(
        db,
        t,
        MemberInput {
            name: Some("储值会员".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .member_id;
    (t, m)
}

/// The ledger sums to zero and each member's balances are the sums of their postings.
async fn balanced(db: &Db, t: TenantId) {
    let sums = repo::sums(db, t).await.unwrap();
    assert_eq!(sums.iter().map(|s| s.2).sum::<i64>(), 0, "{sums:?}");
    let members: std::collections::BTreeSet<i64> = sums.iter().filter_map(|s| s.0).collect();
    for m in members {
        let of = |a: &str| {
            sums.iter()
                .filter(|s| s.0 == Some(m) && s.1 == a)
                .map(|s| s.2)
                .sum::<i64>()
        };
        assert_eq!(
            repo::balance(db, t, MemberId(m)).await.unwrap(),
            (of("principal"), of("bonus"))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_duplicate_top_ups_make_one_and_racing_spends_never_go_below_zero() {
    for tdb in TestDb::all().await {
        let db = tdb.db.clone();
        let (t, m) = setup(&db, "wallet").await;
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                wallets::apply(&db, t, m, req(WalletOp::TopUp, 10_000, "pos-0001")).await
            }));
        }
        let (mut done, mut again) = (0, 0);
        for task in tasks {
            match task.await.unwrap().unwrap() {
                Moved::Done(..) => done += 1,
                Moved::Again(e, _) => {
                    assert_eq!(e.bonus_fen, 2_000);
                    again += 1
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!((done, again), (1, 19), "{}", db.backend());
        assert_eq!(
            repo::balance(&db, t, m).await.unwrap(),
            (10_000, 2_000),
            "充100送20"
        );
        // 12,000 in the wallet; thirty spends of 1,000 at once: exactly twelve go through.
        let db2 = Arc::new(db.clone());
        let mut tasks = Vec::new();
        for i in 0..30 {
            let db = db2.clone();
            tasks.push(tokio::spawn(async move {
                wallets::apply(
                    &db,
                    t,
                    m,
                    req(WalletOp::Spend, 1_000, &format!("spend-{i}")),
                )
                .await
            }));
        }
        let (mut spent, mut refused) = (0, 0);
        for task in tasks {
            match task.await.unwrap().unwrap() {
                Moved::Done(..) => spent += 1,
                Moved::Refused(WalletRefusal::Insufficient) => refused += 1,
                other => panic!("{other:?}"),
            }
        }
        assert_eq!((spent, refused), (12, 18), "{}", db.backend());
        assert_eq!(repo::balance(&db, t, m).await.unwrap(), (0, 0));
        balanced(&db, t).await;
    }
}

#[tokio::test]
async fn a_spend_is_refunded_once_and_a_bonus_lapses_by_what_is_left_of_it() {
    for tdb in TestDb::all().await {
        let db = tdb.db.clone();
        let (t, m) = setup(&db, "refund").await;
        wallets::apply(&db, t, m, req(WalletOp::TopUp, 10_000, "t1"))
            .await
            .unwrap();
        let Moved::Done(spend, after) =
            wallets::apply(&db, t, m, req(WalletOp::Spend, 6_000, "s1"))
                .await
                .unwrap()
        else {
            panic!("the spend goes through");
        };
        // In proportion: 6,000 of 12,000, a sixth of it from the bonus.
        assert_eq!((spend.principal_fen, spend.bonus_fen), (-5_000, -1_000));
        assert_eq!((after.principal_fen, after.bonus_fen), (5_000, 1_000));
        let too_much = wallets::apply(&db, t, m, req(WalletOp::Spend, 6_001, "s2"))
            .await
            .unwrap();
        assert_eq!(too_much, Moved::Refused(WalletRefusal::Insufficient));
        let refund = Request {
            op: WalletOp::Refund,
            amount_fen: None,
            refund_of: Some(spend.entry_id),
            key: "r1".into(),
            note: None,
        };
        assert!(matches!(
            wallets::apply(&db, t, m, refund.clone()).await.unwrap(),
            Moved::Done(..)
        ));
        let mut twice = refund.clone();
        twice.key = "r2".into();
        assert!(
            wallets::apply(&db, t, m, twice).await.is_err(),
            "a spend is refunded once"
        );
        assert_eq!(repo::balance(&db, t, m).await.unwrap(), (10_000, 2_000));
        // Spend 3,000 (500 of it bonus), then the bonus lapses: 1,500 left of it goes.
        wallets::apply(&db, t, m, req(WalletOp::Spend, 3_000, "s3"))
            .await
            .unwrap();
        let later = quanzi_core::read::now_ms() + 31 * 86_400_000;
        assert_eq!(expiry::lapse(&db, t, later).await.unwrap(), 1);
        assert_eq!(
            repo::balance(&db, t, m).await.unwrap(),
            (7_500, 0),
            "{}",
            db.backend()
        );
        assert_eq!(expiry::lapse(&db, t, later).await.unwrap(), 0, "once");
        // The same key for another request is refused; bad input names its field.
        let reused = wallets::apply(&db, t, m, req(WalletOp::Spend, 1, "t1")).await;
        assert!(matches!(reused, Err(quanzi_core::CoreError::Conflict(_))));
        let bad = wallets::apply(&db, t, m, req(WalletOp::TopUp, 0, ""))
            .await
            .unwrap_err();
        let quanzi_core::CoreError::Invalid(inv) = bad else {
            panic!("{bad:?}")
        };
        let fields: Vec<_> = inv.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["key", "amount_fen"]);
        balanced(&db, t).await;
        let w = wallets::wallet(&db, t, m, 50).await.unwrap();
        assert_eq!((w.total_fen, w.entries.len()), (7_500, 5));
    }
}

#[tokio::test]
async fn a_merged_members_wallet_moves_to_the_kept_member_whole() {
    for tdb in TestDb::all().await {
        let db = tdb.db.clone();
        let (t, kept) = setup(&db, "merge").await;
        let other = members::create(
            &db,
            t,
            MemberInput {
                name: Some("重复的人".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .member_id;
        wallets::apply(&db, t, kept, req(WalletOp::TopUp, 10_000, "k1"))
            .await
            .unwrap();
        wallets::apply(&db, t, other, req(WalletOp::TopUp, 5_000, "o1"))
            .await
            .unwrap();
        members::merge(&db, t, kept, other).await.unwrap();
        assert_eq!(
            repo::balance(&db, t, kept).await.unwrap(),
            (15_000, 2_000),
            "{}",
            db.backend()
        );
        assert_eq!(repo::balance(&db, t, other).await.unwrap(), (0, 0));
        assert_eq!(
            wallets::wallet(&db, t, kept, 10)
                .await
                .unwrap()
                .entries
                .len(),
            2
        );
        balanced(&db, t).await;
    }
}
