//! Offers on both stores: a spend-get offer raced by many orders gives exactly its stock, a
//! member never more than the limit, a raced order key once; a coupon's code raced at two
//! tills is used once, and one below the threshold or out of its window is refused with why.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_core::offers::till::{self, NotUsed};
use quanzi_core::offers::{self, Given, OfferRefusal};
use quanzi_core::{CoreError, access, members};
use quanzi_domain::member::MemberInput;
use quanzi_domain::wallet::{OfferInput, OfferKind};
use quanzi_domain::{MemberId, OfferId, TenantId};
use quanzi_store::{Db, now_ms};
use quanzi_testkit::TestDb;

async fn member(db: &Db, t: TenantId, name: &str) -> MemberId {
    let input = MemberInput {
        name: Some(name.into()),
        ..Default::default()
    };
    members::create(db, t, input).await.unwrap().member_id
}

fn input(kind: OfferKind, threshold: i64, stock: Option<i64>, per_member: i64) -> OfferInput {
    let now = now_ms();
    OfferInput {
        name: Some("满100减20".into()),
        kind: Some(kind),
        threshold_fen: Some(threshold),
        discount_fen: Some(2_000),
        stock,
        valid_from_ms: Some(now - 60_000),
        valid_until_ms: Some(now + 3_600_000),
        per_member: Some(per_member),
        ..Default::default()
    }
}

async fn race(
    db: &Db,
    t: TenantId,
    id: OfferId,
    asks: Vec<(MemberId, String)>,
) -> (usize, usize, Vec<OfferRefusal>) {
    let tasks: Vec<_> = asks
        .into_iter()
        .map(|(m, key)| {
            let db = db.clone();
            tokio::spawn(async move { offers::apply(&db, t, id, m, 12_000, &key).await })
        })
        .collect();
    let (mut done, mut again, mut refused) = (0, 0, Vec::new());
    for task in tasks {
        match task.await.unwrap().unwrap() {
            Given::Done(_) => done += 1,
            Given::Again(_) => again += 1,
            Given::Refused(why) => refused.push(why),
        }
    }
    (done, again, refused)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_raced_spend_get_offer_gives_its_stock_and_a_member_never_more_than_the_limit() {
    for tdb in TestDb::all().await {
        let db = tdb.db.clone();
        let t = access::create_tenant(&db, "offers", "offers")
            .await
            .unwrap()
            .tenant_id;
        let offer = offers::create(&db, t, input(OfferKind::SpendGet, 10_000, Some(5), 1))
            .await
            .unwrap();
        let mut asks = Vec::new();
        for i in 0..20 {
            asks.push((
                member(&db, t, &format!("会员{i}")).await,
                format!("order-{i}"),
            ));
        }
        let (done, again, refused) = race(&db, t, offer.offer_id, asks).await;
        assert_eq!((done, again), (5, 0), "{}", db.backend());
        assert!(
            refused.iter().all(|r| *r == OfferRefusal::SoldOut),
            "{refused:?}"
        );
        let o = offers::get(&db, t, offer.offer_id).await.unwrap();
        assert_eq!((o.taken, o.used, o.order_fen), (5, 5, 60_000));

        // One member, ten orders at once on an offer of two per member; one key raced ten times.
        let limited = offers::create(&db, t, input(OfferKind::SpendGet, 10_000, None, 2))
            .await
            .unwrap();
        let m = member(&db, t, "常客").await;
        let asks = (0..10).map(|i| (m, format!("mine-{i}"))).collect();
        let (done, _, refused) = race(&db, t, limited.offer_id, asks).await;
        assert_eq!(done, 2, "{}", db.backend());
        assert!(
            refused.iter().all(|r| *r == OfferRefusal::Limit),
            "{refused:?}"
        );
        let other = offers::create(&db, t, input(OfferKind::SpendGet, 10_000, None, 5))
            .await
            .unwrap();
        let asks = (0..10).map(|_| (m, "same-order".to_string())).collect();
        assert_eq!(
            race(&db, t, other.offer_id, asks).await,
            (1, 9, vec![]),
            "{}",
            db.backend()
        );
        // The key names one order: another member or amount under it is a conflict.
        let n = member(&db, t, "新客").await;
        let err = offers::apply(&db, t, other.offer_id, n, 12_000, "same-order").await;
        assert!(matches!(err, Err(CoreError::Conflict(_))), "{err:?}");
        let low = offers::apply(&db, t, other.offer_id, n, 9_999, "low").await;
        assert_eq!(low.unwrap(), Given::Refused(OfferRefusal::BelowThreshold));
        assert_eq!(
            offers::grants(&db, t, other.offer_id, 50)
                .await
                .unwrap()
                .len(),
            1
        );
        // A coupon is not applied to orders.
        let coupon = offers::create(&db, t, input(OfferKind::Coupon, 0, None, 1))
            .await
            .unwrap();
        let wrong = offers::apply(&db, t, coupon.offer_id, n, 12_000, "c").await;
        assert!(matches!(wrong, Err(CoreError::Conflict(_))), "{wrong:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_coupon_is_claimed_once_per_tap_and_used_once_at_two_tills() {
    for tdb in TestDb::all().await {
        let db = tdb.db.clone();
        let t = access::create_tenant(&db, "coupons", "coupons")
            .await
            .unwrap()
            .tenant_id;
        let offer = offers::create(&db, t, input(OfferKind::Coupon, 5_000, Some(100), 1))
            .await
            .unwrap();
        let m = member(&db, t, "领券人").await;
        let first = offers::claim(&db, t, offer.offer_id, m, None)
            .await
            .unwrap();
        let Given::Done(coupon) = first else {
            panic!("{first:?}")
        };
        let code = coupon.code.clone().unwrap();
        // A second tap asks for the member's second coupon: over the limit of one.
        let second = offers::claim(&db, t, offer.offer_id, m, None)
            .await
            .unwrap();
        assert_eq!(
            second,
            Given::Refused(OfferRefusal::Limit),
            "{}",
            db.backend()
        );
        let retried = offers::claim(&db, t, offer.offer_id, m, Some(&coupon.cause_key))
            .await
            .unwrap();
        assert_eq!(retried, Given::Again(coupon.clone()));

        let below = till::redeem(&db, t, &code, 4_999, "pos-1", "店员")
            .await
            .unwrap();
        assert_eq!(below.unwrap_err(), NotUsed::BelowThreshold(5_000));
        let tasks: Vec<_> = (0..10)
            .map(|i| {
                let (db, code) = (db.clone(), code.to_lowercase());
                tokio::spawn(async move {
                    till::redeem(&db, t, &code, 8_800, &format!("pos-{i}"), "店员").await
                })
            })
            .collect();
        let mut used = 0;
        for task in tasks {
            match task.await.unwrap().unwrap() {
                Ok((g, o)) => {
                    used += 1;
                    assert_eq!((g.order_fen, o.used), (Some(8_800), 1));
                }
                Err(NotUsed::Already(_, by)) => assert_eq!(by.as_deref(), Some("店员")),
                Err(other) => panic!("{other:?}"),
            }
        }
        assert_eq!(used, 1, "{}", db.backend());
        let unknown = till::redeem(&db, t, "ZZZZZZZZ", 8_800, "pos-x", "店员").await;
        assert_eq!(unknown.unwrap().unwrap_err(), NotUsed::Unknown);
        let bad = till::redeem(&db, t, "?", 8_800, "pos-x", "店员").await;
        assert!(matches!(bad, Err(CoreError::Invalid(_))), "{bad:?}");

        // Closed, a member gets nothing more; another tenant does not see the coupon.
        offers::close(&db, t, offer.offer_id).await.unwrap();
        let n = member(&db, t, "迟到").await;
        let late = offers::claim(&db, t, offer.offer_id, n, None)
            .await
            .unwrap();
        assert_eq!(late, Given::Refused(OfferRefusal::Closed));
        let other = access::create_tenant(&db, "coupons-2", "coupons-2")
            .await
            .unwrap()
            .tenant_id;
        assert_eq!(till::look_up(&db, other, &code).await.unwrap(), None);
        assert!(matches!(
            offers::get(&db, other, offer.offer_id).await,
            Err(CoreError::NotFound(_))
        ));
    }
}
