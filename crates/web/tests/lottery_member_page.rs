//! The lottery's member page (/h/{tenant}/l/{id}) over HTTP: the paid upgrade is offered only
//! while the core would take it (the better tier in stock, the budget able to pay the extra
//! cost), and not again once refused; a tier with none left reads 已抽完 instead of its odds;
//! refusals and "no prize" get the amber notice, prizes and upgrades the green one; an
//! upgraded prize says what is paid when collecting.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_core::lotteries::draw::upgradable;
use quanzi_core::lotteries::{self, LotteryRequest};
use quanzi_core::{Db, members, visitors};
use quanzi_domain::lottery::{PrizeTierInput, Refusal};
use quanzi_domain::member::MemberInput;
use quanzi_domain::{MemberId, TenantId};
use quanzi_testkit::http::{browser, page};
use quanzi_testkit::{TestDb, spawn_app_with, tenant};
use reqwest::{Client, StatusCode};

fn prize(name: &str, cost: i64, stock: i64, odds: Option<i64>) -> PrizeTierInput {
    PrizeTierInput {
        name: Some(name.into()),
        cost_fen: Some(cost),
        stock: Some(stock),
        odds_ppm: odds,
        ..Default::default()
    }
}

/// 一等奖 (never drawn: odds 0) with `first` in stock, 二等奖 with none from the start, and a
/// 三等奖 for everyone that ¥19.90 turns into the 一等奖; one draw each.
fn request(name: &str, first: i64, budget_fen: i64) -> LotteryRequest {
    let now = quanzi_core::read::now_ms();
    let mut third = prize("三等奖", 100, 10, None);
    third.everyone_wins = Some(true);
    third.upgrade_to = Some(0);
    third.upgrade_price_fen = Some(1_990);
    LotteryRequest {
        name: Some(name.into()),
        tiers: Some(vec![
            prize("一等奖", 2_000, first, Some(0)),
            prize("二等奖", 500, 0, Some(0)),
            third,
        ]),
        draws_per_member: Some(1),
        wins_per_member: Some(1),
        budget_fen: Some(budget_fen),
        starts_at_ms: Some(now - 1_000),
        ends_at_ms: Some(now + 3_600_000),
    }
}

/// A browser holding the member link of a new member.
async fn member(db: &Db, t: TenantId, url: &str, name: &str) -> (Client, MemberId) {
    let server = quanzi_testkit::server();
    let input = MemberInput {
        name: Some(name.into()),
        ..Default::default()
    };
    let m = members::create(db, t, input).await.unwrap().member_id;
    let link = visitors::link(db, &server, t, m, 30).await.unwrap();
    let b = browser();
    page(&b, &format!("{url}?m={link}")).await;
    (b, m)
}

/// Posts `form` to `url` as `b`; answers where it redirects.
async fn post(b: &Client, url: &str, form: &[(&str, &str)]) -> String {
    let r = b.post(url).form(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{url}");
    r.headers()["location"].to_str().unwrap().to_string()
}

/// The notice's section as the page renders it, or "".
fn notice(html: &str) -> &str {
    html.find("<section class=\"card notice")
        .map(|i| &html[i..])
        .and_then(|s| s.find("</section>").map(|j| &s[..j]))
        .unwrap_or("")
}

/// The row of the prize list naming `name`.
fn prize_row<'a>(html: &'a str, name: &str) -> &'a str {
    let list = &html[html.find("class=\"rows prizes\"").unwrap()..];
    let list = &list[..list.find("</ul>").unwrap()];
    list.split("<li")
        .find(|li| li.contains(&format!("<b>{name}</b>")))
        .unwrap_or_else(|| panic!("no {name} in {list}"))
}

#[tokio::test]
async fn the_upgrade_is_offered_only_while_it_can_be_taken_and_refusals_read_as_refusals() {
    let tdb = TestDb::new().await;
    let db = &tdb.db;
    let t = tenant(db, "shop").await;
    let server = quanzi_testkit::server();
    let app = spawn_app_with(db.clone(), server.clone()).await;

    // One 一等奖 left for two members holding a 三等奖 each.
    let l = lotteries::create(db, &server, t.id, request("周末抽奖", 1, 100_000))
        .await
        .unwrap();
    let id = l.lottery_id.0;
    let url = format!("{}/h/shop/l/{id}", app.url);
    let back = format!("/h/shop/l/{id}");
    let (a, _) = member(db, t.id, &url, "甲").await;
    let (b, _) = member(db, t.id, &url, "乙").await;
    for c in [&a, &b] {
        let to = post(c, &format!("{url}/draw"), &[]).await;
        assert_eq!(to, format!("{back}?r=everyone"));
    }
    let offer = "加 ¥19.90 升级为一等奖";
    let won = page(&a, &format!("{url}?r=everyone")).await;
    assert!(
        notice(&won).starts_with("<section class=\"card notice\"")
            && notice(&won).contains("人人有份"),
        "a prize is green: {}",
        notice(&won)
    );
    assert!(won.contains(offer), "{won}");
    // 二等奖 had none from the start: 已抽完, not its odds and 剩 0.
    let second = prize_row(&won, "二等奖");
    assert!(
        second.contains("已抽完") && !second.contains("剩") && !second.contains('%'),
        "{second}"
    );
    assert!(prize_row(&won, "一等奖").contains("剩 1"), "{won}");
    let stale = page(&b, &url).await;
    assert!(stale.contains(offer), "{stale}");

    // 甲 takes it: green, the draw says what is paid when collecting, nothing more offered.
    let to = post(&a, &format!("{url}/upgrade"), &[("draw_no", "1")]).await;
    assert_eq!(to, format!("{back}?r=upgraded"));
    let up = page(&a, &format!("{url}?r=upgraded")).await;
    assert!(
        notice(&up).starts_with("<section class=\"card notice\"")
            && notice(&up).contains("升级成功"),
        "{}",
        notice(&up)
    );
    assert!(up.contains("已升级 · 领奖时补 ¥19.90"), "{up}");
    assert!(!up.contains(offer), "{up}");
    let first = prize_row(&up, "一等奖");
    assert!(first.contains("已抽完") && !first.contains("剩"), "{first}");

    // 乙: the 一等奖 is gone, so no offer; the stale tap is refused in amber, and not offered again.
    let l = lotteries::get(db, &server, t.id, l.lottery_id)
        .await
        .unwrap();
    assert_eq!(upgradable(&l, 2), Err(Refusal::NoStock));
    let now = page(&b, &url).await;
    assert!(!now.contains(offer) && !now.contains("/upgrade"), "{now}");
    let to = post(&b, &format!("{url}/upgrade"), &[("draw_no", "1")]).await;
    assert_eq!(to, format!("{back}?r=no_stock"));
    let refused = page(&b, &format!("{url}?r=no_stock")).await;
    assert!(
        notice(&refused).starts_with("<section class=\"card notice bad\"")
            && notice(&refused).contains("升级的奖品已经没有了"),
        "a refusal is amber: {}",
        notice(&refused)
    );
    assert!(!refused.contains(offer), "offered again: {refused}");
    assert!(!refused.contains("已升级"), "{refused}");
    // A draw past the limit is a refusal too.
    let to = post(&b, &format!("{url}/draw"), &[]).await;
    assert_eq!(to, format!("{back}?r=no_draws_left"));
    let used = page(&b, &format!("{url}?r=no_draws_left")).await;
    assert!(
        notice(&used).starts_with("<section class=\"card notice bad\"")
            && notice(&used).contains("次数已用完"),
        "{}",
        notice(&used)
    );
    // In English, too.
    let en = page(&b, &format!("{url}?lang=en")).await;
    assert!(prize_row(&en, "一等奖").contains("All gone"), "{en}");
    let en = page(&a, &format!("{url}?lang=en")).await;
    assert!(en.contains("Upgraded · pay ¥19.90 when collecting"), "{en}");
    assert!(won.len() < 50_000 && refused.len() < 50_000);
}

#[tokio::test]
async fn no_upgrade_is_offered_when_the_budget_cannot_take_the_better_prize() {
    let tdb = TestDb::new().await;
    let db = &tdb.db;
    let t = tenant(db, "shop").await;
    let server = quanzi_testkit::server();
    let app = spawn_app_with(db.clone(), server.clone()).await;

    // Five 一等奖 in stock, but the budget only pays for the 三等奖 (¥1.00 each, ¥10 in all).
    let l = lotteries::create(db, &server, t.id, request("小预算抽奖", 5, 1_000))
        .await
        .unwrap();
    let id = l.lottery_id.0;
    let url = format!("{}/h/shop/l/{id}", app.url);
    let (a, _) = member(db, t.id, &url, "丙").await;
    let to = post(&a, &format!("{url}/draw"), &[]).await;
    assert_eq!(to, format!("/h/shop/l/{id}?r=everyone"));
    let l = lotteries::get(db, &server, t.id, l.lottery_id)
        .await
        .unwrap();
    assert_eq!(upgradable(&l, 2), Err(Refusal::OverBudget));
    let html = page(&a, &url).await;
    assert!(prize_row(&html, "一等奖").contains("剩 5"), "{html}");
    assert!(!html.contains("升级为一等奖"), "{html}");
    // Taken anyway (a crafted form): refused, amber, as none left.
    let to = post(&a, &format!("{url}/upgrade"), &[("draw_no", "1")]).await;
    assert_eq!(to, format!("/h/shop/l/{id}?r=no_stock"));
    let refused = page(&a, &format!("{url}?r=no_stock")).await;
    assert!(
        notice(&refused).starts_with("<section class=\"card notice bad\""),
        "{}",
        notice(&refused)
    );
}
