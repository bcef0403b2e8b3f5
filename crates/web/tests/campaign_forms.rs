//! The operator's group-buy, bargain and red-envelope forms over HTTP: a good form creates
//! it through the use-case (303 to its section of the campaigns overview, listed there, money
//! typed in yuan stored in fen); a bad one comes back 422 as typed, each error beside its
//! field in the operator's language (amounts said in yuan), nothing stored; a viewer may not
//! open them, a form without the session's token creates nothing, and another tenant sees
//! none of it and cannot send to this tenant's groups.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_core::{bargains, group_buys, groups, red_envelopes};
use quanzi_domain::GroupId;
use quanzi_domain::access::OperatorRole;
use quanzi_domain::group::GroupInput;
use quanzi_testkit::http::{hidden, logged_in, page, post_form};
use quanzi_testkit::{Served, TestDb, spawn_app, tenant};
use reqwest::StatusCode;

async fn group(db: &quanzi_core::Db, t: quanzi_domain::TenantId, name: &str) -> GroupId {
    let input = GroupInput {
        name: Some(name.into()),
        ..Default::default()
    };
    groups::create(db, t, input).await.unwrap().group_id
}

/// The error shown beside field `name` (the `field-error` after its input), "" when none.
fn error_of(body: &str, name: &str) -> String {
    let at = body.find(&format!("name=\"{name}")).unwrap_or(0);
    let rest = &body[at..];
    let start = rest
        .find("class=\"field-error\"")
        .map_or(rest.len(), |i| i + 19);
    rest[start..]
        .trim_start_matches('>')
        .split('<')
        .next()
        .unwrap_or("")
        .to_string()
}

#[tokio::test]
async fn an_operator_creates_a_group_buy_and_a_bargain_by_their_forms_and_a_bad_one_stores_nothing()
{
    let tdb = TestDb::new().await;
    let db = &tdb.db;
    let t = tenant(db, "shop").await;
    let app = spawn_app(db.clone()).await;
    let (op, _) = logged_in(&app.url, &t.owner_email, &t.password).await;
    let overview = page(&op, &format!("{}/ui/campaigns", app.url)).await;
    for link in ["group-buys/new", "bargains/new", "red-envelopes/new"] {
        assert!(
            overview.contains(&format!("/ui/campaigns/{link}")),
            "{link}"
        );
    }
    let new = format!("{}/ui/campaigns/group-buys/new", app.url);
    let form = page(&op, &new).await;
    assert!(form.contains("拼团价（元）"), "{form}");
    let csrf = hidden(&form, "_csrf");

    // A team price above the price alone, a size that is no number: 422, said in Chinese
    // beside each field, the team price in yuan; the form as typed; nothing stored.
    let (status, _, body) = post_form(
        &op,
        &new,
        &[
            ("_csrf", csrf.as_str()),
            ("product_name", "坚果礼盒"),
            ("price", "99"),
            ("team_price", "120"),
            ("team_size", "三"),
            ("hours", "24"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error_of(&body, "team_price"),
        "拼团价（元）：须至少 0.01 元，且低于单买价"
    );
    assert_eq!(error_of(&body, "team_size"), "成团人数：须为整数");
    assert!(body.contains("value=\"坚果礼盒\"") && body.contains("value=\"三\""));
    assert!(group_buys::list(db, t.id).await.unwrap().is_empty());

    // Good: 303 to the overview's section; stored in fen; listed with its member page.
    let (status, location, _) = post_form(
        &op,
        &new,
        &[
            ("_csrf", csrf.as_str()),
            ("product_name", "坚果礼盒"),
            ("price", "99"),
            ("team_price", "69.9"),
            ("team_size", "3"),
            ("hours", "24"),
            ("stock", ""),
            ("allow_virtual", "1"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, "/ui/campaigns#group-buys");
    let g = &group_buys::list(db, t.id).await.unwrap()[0];
    assert_eq!((g.price_fen, g.team_price_fen), (9900, 6990));
    assert_eq!((g.team_size, g.stock, g.allow_virtual), (3, None, true));

    // A bargain: cuts more than the fen between the prices, said in its own words.
    let new = format!("{}/ui/campaigns/bargains/new", app.url);
    let bad = [
        ("_csrf", csrf.as_str()),
        ("product_name", "电饭煲"),
        ("start_price", "0.05"),
        ("floor_price", "0"),
        ("cuts_to_floor", "10"),
    ];
    let (status, _, body) = post_form(&op, &new, &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error_of(&body, "cuts_to_floor").contains("相差不够每人砍 0.01 元"),
        "{body}"
    );
    assert!(bargains::list(db, t.id).await.unwrap().is_empty());
    let good = [
        ("_csrf", csrf.as_str()),
        ("product_name", "电饭煲"),
        ("start_price", "¥199"),
        ("floor_price", "99.00"),
        ("cuts_to_floor", "10"),
        ("hours", "48"),
        ("stock", "20"),
    ];
    let (status, location, _) = post_form(&op, &new, &good).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/ui/campaigns#bargains")
    );
    let b = &bargains::list(db, t.id).await.unwrap()[0];
    assert_eq!((b.start_price_fen, b.floor_price_fen), (19_900, 9_900));
    assert_eq!((b.cuts_to_floor, b.hours, b.stock), (10, 48, Some(20)));

    let overview = page(&op, &format!("{}/ui/campaigns", app.url)).await;
    assert!(
        overview.contains("坚果礼盒")
            && overview.contains("¥99.00 → ¥69.90")
            && overview.contains("电饭煲")
            && overview.contains("¥199.00 → ¥99.00")
            && overview.contains(&format!("/h/shop/gb/{}", g.group_buy_id.0)),
        "{overview}"
    );

    // Without the session's token nothing is created.
    let mut forged = good;
    forged[0] = ("_csrf", "nope");
    let (status, _, _) = post_form(&op, &new, &forged).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(bargains::list(db, t.id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_red_envelope_plan_by_the_form_sends_at_each_time_and_day_to_each_ticked_group() {
    let tdb = TestDb::new().await;
    let db = &tdb.db;
    let t = tenant(db, "shop").await;
    let (g1, g2) = (
        group(db, t.id, "南山一群").await,
        group(db, t.id, "南山二群").await,
    );
    let app = spawn_app(db.clone()).await;
    let (op, _) = logged_in(&app.url, &t.owner_email, &t.password).await;
    // In English on request.
    op.get(format!("{}/ui/lang/en?next=/ui", app.url))
        .send()
        .await
        .unwrap();
    let new = format!("{}/ui/campaigns/red-envelopes/new", app.url);
    let form = page(&op, &new).await;
    assert!(
        form.contains("南山一群") && form.contains("name=\"at2\""),
        "{form}"
    );
    let csrf = hidden(&form, "_csrf");
    let (a, b) = (g1.0.to_string(), g2.0.to_string());
    let mut fields = vec![
        ("_csrf", csrf.as_str()),
        ("name", "Weekend envelopes"),
        ("total", "20"),
        ("count", "10"),
        ("split", "equal"),
        ("budget", "100"),
        ("days", "2"),
        ("at0", "2026-12-05T20:00"),
        ("at1", ""),
        ("at2", "2026-12-05T12:00"),
        ("group_ids", a.as_str()),
        ("group_ids", b.as_str()),
    ];

    // ¥20 × 2 groups × 4 sends is ¥160: the budget falls short, said in yuan; nothing stored.
    let (status, _, body) = post_form(&op, &new, &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error_of(&body, "budget"),
        "Budget (¥): must cover each envelope × groups × sends, that is ¥160.00"
    );
    assert!(body.contains("value=\"2026-12-05T12:00\"") && body.contains("checked> 南山二群"));
    assert!(red_envelopes::list(db, t.id).await.unwrap().is_empty());

    // A time that is not one is said beside its row.
    fields[8].1 = "soon";
    let (status, _, body) = post_form(&op, &new, &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error_of(&body, "at1").contains("must be a date and time"),
        "{body}"
    );
    fields[8].1 = "";

    fields[5].1 = "160";
    let (status, location, _) = post_form(&op, &new, &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, "/ui/campaigns#envelopes");
    let p = &red_envelopes::list(db, t.id).await.unwrap()[0];
    assert_eq!((p.total_fen, p.count, p.budget_fen), (2000, 10, 16_000));
    assert_eq!(p.sends, 8, "2 groups × 2 times × 2 days");
    let detail = red_envelopes::get(db, t.id, p.red_envelope_plan_id)
        .await
        .unwrap();
    // Shanghai's 12:00 on 5 December 2026 is 04:00 UTC; its repeat is a day later.
    let noon = 1_796_443_200_000;
    assert!(detail.sends.iter().any(|s| s.at_ms == noon));
    assert!(detail.sends.iter().any(|s| s.at_ms == noon + 86_400_000));
    let overview = page(&op, &format!("{}/ui/campaigns", app.url)).await;
    assert!(
        overview.contains("Weekend envelopes") && overview.contains("¥20.00 × 10"),
        "{overview}"
    );
}

#[tokio::test]
async fn another_tenant_sees_none_of_them_and_a_viewer_may_not_open_the_forms() {
    let s = Served::new().await;
    let db = &s.app.db;
    let (t, other) = (tenant(db, "shop").await, tenant(db, "other").await);
    let mine = group(db, t.id, "南山一群").await;
    let (op, csrf) = s.operator(&t, OperatorRole::Operator).await;
    let new = format!("{}/ui/campaigns/group-buys/new", s.app.url);
    let fields = [
        ("_csrf", csrf.as_str()),
        ("product_name", "只属于本店的拼团"),
        ("price", "10"),
        ("team_price", "8"),
        ("team_size", "2"),
    ];
    let (status, _, _) = post_form(&op, &new, &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    let (theirs, their_csrf) = s.operator(&other, OperatorRole::Admin).await;
    let overview = page(&theirs, &format!("{}/ui/campaigns", s.app.url)).await;
    assert!(!overview.contains("只属于本店的拼团"), "{overview}");
    // This tenant's group is not theirs to send envelopes to.
    let id = mine.0.to_string();
    let (status, _, body) = post_form(
        &theirs,
        &format!("{}/ui/campaigns/red-envelopes/new", s.app.url),
        &[
            ("_csrf", their_csrf.as_str()),
            ("name", "借别人的群"),
            ("total", "1"),
            ("count", "1"),
            ("budget", "1"),
            ("at0", "2026-12-05T20:00"),
            ("group_ids", id.as_str()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains(&format!("发到哪些社群：社群 {id} 不存在")),
        "{body}"
    );
    assert!(red_envelopes::list(db, other.id).await.unwrap().is_empty());

    let (viewer, viewer_csrf) = s.operator(&t, OperatorRole::Viewer).await;
    for path in ["group-buys/new", "bargains/new", "red-envelopes/new"] {
        let url = format!("{}/ui/campaigns/{path}", s.app.url);
        let r = viewer.get(&url).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let mut as_viewer = fields;
    as_viewer[0].1 = viewer_csrf.as_str();
    let (status, _, _) = post_form(&viewer, &new, &as_viewer).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let overview = page(&viewer, &format!("{}/ui/campaigns", s.app.url)).await;
    assert!(
        !overview.contains("id=\"new-group-buy\""),
        "no button for a viewer"
    );
    assert_eq!(group_buys::list(db, t.id).await.unwrap().len(), 1);
}
