//! The operator's lottery pages over HTTP: a good form creates the lottery (303 to its page,
//! listed on the overview); a bad one comes back 422 with each error beside its field in the
//! operator's language and nothing stored; the page shows the commitment, and ending the
//! lottery publishes the seed, which checks against the record.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_testkit::http::{hidden, logged_in, page, post_form};
use quanzi_testkit::{TestDb, spawn_app_with, tenant};
use reqwest::StatusCode;

/// Unix ms as a `datetime-local` value in Shanghai (the tenant's default zone).
fn local(ms: i64) -> String {
    let s = ms / 1000 + 8 * 3600;
    let days = s.div_euclid(86_400);
    let rem = s.rem_euclid(86_400);
    let (y, m, d) = quanzi_domain::date::civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60
    )
}

#[tokio::test]
async fn an_operator_creates_a_lottery_by_the_form_sees_its_commitment_and_ends_it_to_publish_the_seed()
 {
    let tdb = TestDb::new().await;
    let db = &tdb.db;
    let t = tenant(db, "shop").await;
    let server = quanzi_testkit::server();
    let app = spawn_app_with(db.clone(), server.clone()).await;
    let (op, _) = logged_in(&app.url, &t.owner_email, &t.password).await;
    let new = format!("{}/ui/campaigns/lotteries/new", app.url);
    let form = page(&op, &new).await;
    assert!(
        form.contains("一等奖") && form.contains("tier2_upgrade_to"),
        "{form}"
    );
    let csrf = hidden(&form, "_csrf");
    let now = quanzi_core::read::now_ms();
    let (starts, ends) = (local(now - 120_000), local(now + 86_400_000));

    // Odds that are not a number and no name: 422, both errors in Chinese, nothing stored.
    let (status, _, body) = post_form(
        &op,
        &new,
        &[
            ("_csrf", csrf.as_str()),
            ("name", ""),
            ("starts_at", starts.as_str()),
            ("ends_at", ends.as_str()),
            ("budget", "100"),
            ("tier0_name", "一等奖"),
            ("tier0_cost", "20"),
            ("tier0_stock", "2"),
            ("tier0_odds", "abc"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("中奖率（%）：须为 0 到 100 之间的百分数") && body.contains("名称：不能为空"),
        "{body}"
    );
    assert!(
        body.contains("value=\"abc\""),
        "the form comes back as typed"
    );
    let listed = quanzi_core::lotteries::list(db, &server, t.id)
        .await
        .unwrap();
    assert!(listed.is_empty(), "nothing stored");

    // A good one, with a blank row in the middle: 303 to its page, listed.
    let (status, location, _) = post_form(
        &op,
        &new,
        &[
            ("_csrf", csrf.as_str()),
            ("name", "周年庆抽奖"),
            ("starts_at", starts.as_str()),
            ("ends_at", ends.as_str()),
            ("draws_per_member", "2"),
            ("wins_per_member", "1"),
            ("budget", "500"),
            ("tier0_name", "一等奖"),
            ("tier0_cost", "20"),
            ("tier0_stock", "2"),
            ("tier0_odds", "0.5"),
            ("tier2_name", "三等奖"),
            ("tier2_cost", "1"),
            ("tier2_stock", "100"),
            ("tier2_everyone", "1"),
            ("tier2_upgrade_to", "1"),
            ("tier2_upgrade_price", "29.90"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let listed = quanzi_core::lotteries::list(db, &server, t.id)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    let x = &listed[0];
    let id = x.lottery_id.0;
    assert_eq!(location, format!("/ui/campaigns/lotteries/{id}"));
    assert_eq!(x.tiers.len(), 2, "the blank row is dropped");
    assert_eq!(x.tiers[0].odds_ppm, 5_000);
    assert_eq!(x.tiers[1].upgrade_to, Some(0), "row 1 is the first tier");
    assert_eq!(x.tiers[1].upgrade_price_fen, Some(2990));
    assert_eq!(x.budget_fen, 50_000);
    let overview = page(&op, &format!("{}/ui/campaigns", app.url)).await;
    assert!(
        overview.contains("周年庆抽奖") && overview.contains(&location),
        "{overview}"
    );

    // Its page: the commitment, the upgrade's margin (¥29.90 − ¥19.00), the member page.
    let url = format!("{}{location}", app.url);
    let open = page(&op, &url).await;
    assert!(
        open.contains(&x.commitment)
            && open.contains("¥10.90")
            && open.contains(&format!("/h/shop/l/{id}/record.json"))
            && open.contains("id=\"close-lottery\""),
        "{open}"
    );
    assert!(!open.contains("id=\"seed\""), "no seed before the end");

    // Ended now: the seed is out and the (empty) record checks out.
    let (status, location, _) =
        post_form(&op, &format!("{url}/close"), &[("_csrf", csrf.as_str())]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("/ui/campaigns/lotteries/{id}"));
    let ended = page(&op, &url).await;
    let x = quanzi_core::lotteries::get(db, &server, t.id, x.lottery_id)
        .await
        .unwrap();
    let seed = x.seed.expect("revealed");
    assert!(
        ended.contains(&seed)
            && ended.contains("全部 0 次抽奖复核一致")
            && !ended.contains("id=\"close-lottery\""),
        "{ended}"
    );
    // Without the session's token, nothing is closed or created.
    let (status, _, _) = post_form(&op, &format!("{url}/close"), &[("_csrf", "nope")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
