//! The member's own page (/h/{tenant}/me) lists what is running now ("正在进行"): an open
//! lottery with the draws the member has left and a coupon they may still take, each linking
//! to its page; a closed offer is not listed; an empty list says nothing is running; English
//! with ?lang=en.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_core::lotteries::{self, LotteryRequest};
use quanzi_core::{members, offers, visitors};
use quanzi_domain::lottery::PrizeTierInput;
use quanzi_domain::member::MemberInput;
use quanzi_domain::wallet::{OfferInput, OfferKind};
use quanzi_testkit::http::{browser, page};
use quanzi_testkit::{TestDb, spawn_app_with, tenant};

/// The "happening now" section as the page renders it.
fn happening(html: &str) -> &str {
    let i = html
        .find("id=\"happening\"")
        .expect("the page has the section");
    let s = &html[i..];
    &s[..s.find("</section>").unwrap()]
}

fn coupon(name: &str, discount_fen: i64, now: i64) -> OfferInput {
    OfferInput {
        name: Some(name.into()),
        kind: Some(OfferKind::Coupon),
        discount_fen: Some(discount_fen),
        valid_from_ms: Some(now - 1_000),
        valid_until_ms: Some(now + 3_600_000),
        ..Default::default()
    }
}

#[tokio::test]
async fn the_member_page_lists_open_lotteries_and_coupons_to_take_and_not_closed_ones() {
    let tdb = TestDb::new().await;
    let db = &tdb.db;
    let server = quanzi_testkit::server();
    let t = tenant(db, "shop").await;
    let app = spawn_app_with(db.clone(), server.clone()).await;
    let m = members::create(
        db,
        t.id,
        MemberInput {
            name: Some("小红".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .member_id;
    let link = visitors::link(db, &server, t.id, m, 30).await.unwrap();
    let phone = browser();
    let me = format!("{}/h/shop/me", app.url);

    // Nothing running yet: the section says so.
    let r = phone
        .get(format!("{}/h/shop/m/{link}", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let html = page(&phone, &me).await;
    assert!(
        happening(&html).contains("正在进行") && happening(&html).contains("眼下没有进行中的活动"),
        "{html}"
    );

    let now = quanzi_core::read::now_ms();
    let tier = PrizeTierInput {
        name: Some("谢谢参与".into()),
        cost_fen: Some(0),
        stock: Some(100),
        everyone_wins: Some(true),
        ..Default::default()
    };
    let l = lotteries::create(
        db,
        &server,
        t.id,
        LotteryRequest {
            name: Some("周末福利".into()),
            tiers: Some(vec![tier]),
            draws_per_member: Some(2),
            wins_per_member: Some(1),
            budget_fen: Some(0),
            starts_at_ms: Some(now - 1_000),
            ends_at_ms: Some(now + 3_600_000),
        },
    )
    .await
    .unwrap();
    let open = offers::create(db, t.id, coupon("新人无门槛5元券", 500, now))
        .await
        .unwrap();
    let closed = offers::create(db, t.id, coupon("已关闭的券", 800, now))
        .await
        .unwrap();
    offers::close(db, t.id, closed.offer_id).await.unwrap();

    let html = page(&phone, &me).await;
    let now_running = happening(&html);
    assert!(
        now_running.contains(&format!("href=\"/h/shop/l/{}\"", l.lottery_id.0))
            && now_running.contains("周末福利 · 抽奖")
            && now_running.contains("剩余 2 次"),
        "the open lottery is listed with its link: {now_running}"
    );
    assert!(
        now_running.contains(&format!("href=\"/h/shop/o/{}\"", open.offer_id.0))
            && now_running.contains("新人无门槛5元券")
            && now_running.contains("立减 ¥5.00 · 领取"),
        "the coupon to take is listed with its link: {now_running}"
    );
    assert!(
        !now_running.contains("已关闭的券")
            && !now_running.contains(&format!("/h/shop/o/{}\"", closed.offer_id.0)),
        "a closed offer is not listed: {now_running}"
    );
    assert!(!now_running.contains("眼下没有进行中的活动"));

    // Taken once (one per member): no longer listed to take.
    let r = phone
        .post(format!("{}/h/shop/o/{}/claim", app.url, open.offer_id.0))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let html = page(&phone, &me).await;
    assert!(
        !happening(&html).contains(&format!("href=\"/h/shop/o/{}\"", open.offer_id.0)),
        "{html}"
    );

    // English.
    let html = page(&phone, &format!("{me}?lang=en")).await;
    let now_running = happening(&html);
    assert!(
        now_running.contains("Happening now")
            && now_running.contains("周末福利 · Lottery")
            && now_running.contains("2 draws left"),
        "{now_running}"
    );
    assert!(html.len() < 50_000, "the page stays small: {}", html.len());
}
