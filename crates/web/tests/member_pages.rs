//! The member pages over HTTP: a scan lands a visitor in a group and the join is attributed;
//! signed links open the member's page, and an expired, forged, revoked or other tenant's
//! link is refused with a clear page and nothing written; WeChat OAuth against the local
//! stub: code exchange, a replayed or forged `state` refused.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_core::{gifts, groups, live_codes, members, visitors};
use quanzi_domain::gift::GiftInput;
use quanzi_domain::group::GroupInput;
use quanzi_domain::live_code::LiveCodeInput;
use quanzi_domain::member::MemberInput;
use quanzi_testkit::wechat_stub::{WechatStub, WechatUser};
use quanzi_testkit::{TestDb, spawn_app_with, tenant};

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn member_count(db: &quanzi_core::Db, t: quanzi_domain::TenantId) -> i64 {
    quanzi_core::read::member::count(db, t).await.unwrap()
}

#[tokio::test]
async fn a_scan_lands_in_a_group_with_a_gift_and_the_join_is_attributed() {
    let tdb = TestDb::new().await;
    let db = &tdb.db;
    let t = tenant(db, "shop").await;
    let app = spawn_app_with(db.clone(), quanzi_testkit::server()).await;
    let g = groups::create(
        db,
        t.id,
        GroupInput {
            name: Some("南山宝妈群".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let gift = gifts::create(
        db,
        t.id,
        GiftInput {
            name: Some("试吃装".into()),
            cost_fen: Some(200),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let png = b"\x89PNG\r\n\x1a\nfake";
    live_codes::upload_group_qr(db, t.id, g.group_id, png, "image/png", None)
        .await
        .unwrap();
    live_codes::create(
        db,
        t.id,
        LiveCodeInput {
            name: Some("门口海报".into()),
            slug: Some("door".into()),
            group_ids: Some(vec![g.group_id]),
            gift_id: Some(gift.gift_id),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let b = browser();
    let page = b
        .get(format!("{}/h/shop/c/door", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers().get("set-cookie").is_some());
    let html = page.text().await.unwrap();
    assert!(html.contains("南山宝妈群"), "{html}");
    assert!(html.contains("/h/shop/g/"), "the group's QR is shown");
    assert!(html.len() < 50_000, "a member page stays under 50 KB");
    let qr = b
        .get(format!("{}/h/shop/g/{}/qr", app.url, g.group_id))
        .send()
        .await
        .unwrap();
    assert_eq!(qr.status(), 200);
    assert_eq!(qr.bytes().await.unwrap().as_ref(), png);
    // Another group's QR is not the visitor's to see: routing decides where they go.
    let other = groups::create(
        db,
        t.id,
        GroupInput {
            name: Some("别的群".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    live_codes::upload_group_qr(db, t.id, other.group_id, png, "image/png", None)
        .await
        .unwrap();
    let theirs = b
        .get(format!("{}/h/shop/g/{}/qr", app.url, other.group_id))
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.status(), 404);
    // Without the visitor's cookie the group's QR is not shown.
    let anon = browser()
        .get(format!("{}/h/shop/g/{}/qr", app.url, g.group_id))
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), 403);
    let joined = b
        .post(format!("{}/h/shop/c/door/joined", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(joined.status(), 303);
    let again = b
        .get(format!("{}/h/shop/c/door", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(again.contains("你已加入"), "{again}");
    let f = live_codes::funnel_of(
        db,
        t.id,
        live_codes::by_slug(db, t.id, "door")
            .await
            .unwrap()
            .live_code_id,
    )
    .await
    .unwrap();
    assert_eq!((f.scans, f.visitors, f.joined), (2, 1, 1));
    assert_eq!(groups::get(db, t.id, g.group_id).await.unwrap().size, 1);
    // The member's page shows the gift code.
    let me = b
        .get(format!("{}/h/shop/me?lang=en", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(me.contains("My gifts") && me.contains("试吃装"), "{me}");
    // An unknown code and an unknown shop are plain 404 pages.
    assert_eq!(
        b.get(format!("{}/h/shop/c/nope", app.url))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        b.get(format!("{}/h/nope/c/door", app.url))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn refused_links_get_a_clear_page_and_write_nothing() {
    let tdb = TestDb::new().await;
    let db = &tdb.db;
    let a = tenant(db, "alpha").await;
    let other = tenant(db, "beta").await;
    let server = quanzi_testkit::server();
    let app = spawn_app_with(db.clone(), server.clone()).await;
    let m = members::create(
        db,
        a.id,
        MemberInput {
            name: Some("王芳".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let good = visitors::link(db, &server, a.id, m.member_id, 30)
        .await
        .unwrap();
    let b = browser();
    let ok = b
        .get(format!("{}/h/alpha/m/{good}", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 303);
    let me = b
        .get(format!("{}/h/alpha/me", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(me.contains("王芳"));
    let before = member_count(db, a.id).await;
    let cases = [
        (format!("{good}x"), 400, "链接无效"),
        (
            visitors::link(db, &server, a.id, m.member_id, 0)
                .await
                .unwrap(),
            410,
            "已过期",
        ),
    ];
    for (token, status, words) in cases {
        let r = browser()
            .get(format!("{}/h/alpha/m/{token}", app.url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status);
        assert!(r.text().await.unwrap().contains(words));
    }
    // Another tenant's link.
    let theirs = members::create(
        db,
        other.id,
        MemberInput {
            name: Some("李雷".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let foreign = visitors::link(db, &server, other.id, theirs.member_id, 30)
        .await
        .unwrap();
    let r = browser()
        .get(format!("{}/h/alpha/m/{foreign}", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("另一家商户"));
    // Revoked.
    visitors::revoke(db, a.id, m.member_id).await.unwrap();
    let r = browser()
        .get(format!("{}/h/alpha/m/{good}", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 410);
    assert_eq!(member_count(db, a.id).await, before, "nothing written");
    // The session made before the revocation no longer opens the page.
    let me = b
        .get(format!("{}/h/alpha/me", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401);
}

#[tokio::test]
async fn wechat_sign_in_exchanges_the_code_once_and_refuses_replayed_or_forged_states() {
    let tdb = TestDb::new().await;
    let db = &tdb.db;
    let t = tenant(db, "wx").await;
    let stub = WechatStub::start("wxapp", "wxsecret").await;
    stub.set_user(WechatUser {
        openid: "o-1".into(),
        unionid: Some("u-1".into()),
        nickname: "小美".into(),
    });
    let mut server = quanzi_testkit::server();
    server.wechat_open_base = stub.base();
    server.wechat_api_base = stub.base();
    let app = spawn_app_with(db.clone(), server.clone()).await;
    let known = members::create(
        db,
        t.id,
        MemberInput {
            name: Some("老顾客".into()),
            unionid: Some("u-1".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let g = groups::create(
        db,
        t.id,
        GroupInput {
            name: Some("群".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    live_codes::create(
        db,
        t.id,
        LiveCodeInput {
            name: Some("码".into()),
            slug: Some("wx-code".into()),
            group_ids: Some(vec![g.group_id]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    visitors::set_oauth(
        db,
        &server,
        t.id,
        Some(("wxapp", "wxsecret", "snsapi_userinfo")),
    )
    .await
    .unwrap();
    let b = browser();
    // Landing → WeChat's authorize page → back with a code and the state.
    let r = b
        .get(format!("{}/h/wx/c/wx-code", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let authorize = r.headers()["location"].to_str().unwrap().to_string();
    assert!(authorize.starts_with(&stub.base()) && authorize.ends_with("#wechat_redirect"));
    let r = b
        .get(authorize.trim_end_matches("#wechat_redirect"))
        .send()
        .await
        .unwrap();
    let back = r.headers()["location"].to_str().unwrap().to_string();
    let before = member_count(db, t.id).await;
    // Another browser given the way back (a login CSRF) is refused, and the state kept.
    let stolen = browser().get(&back).send().await.unwrap();
    assert_eq!(stolen.status(), 400);
    let r = b.get(&back).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/h/wx/c/wx-code");
    // Matched by unionid: no new member, and the page knows them.
    assert_eq!(member_count(db, t.id).await, before);
    let me = b
        .get(format!("{}/h/wx/me", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(me.contains(&known.name));
    // The same state again (a replay) is refused, and so is a forged one: nothing written.
    let exchanges = stub.exchanges();
    let replay = browser().get(&back).send().await.unwrap();
    assert_eq!(replay.status(), 400);
    assert!(replay.text().await.unwrap().contains("登录请求无效"));
    let forged = browser()
        .get(format!("{}/h/wx/oauth?code=c&state=abc.def", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 400);
    assert_eq!(
        stub.exchanges(),
        exchanges,
        "a refused state never reaches WeChat"
    );
    assert_eq!(member_count(db, t.id).await, before);
}
