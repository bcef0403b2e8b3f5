//! The growth loop's operator pages: the overview in Chinese and English, a live code created
//! through its form (a bad slug explained beside the field), a gift's cost typed in yuan and
//! stored in fen, a held reward approved from the review queue with its decision kept, a
//! code redeemed once at the counter, and a viewer who may look but not write.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_core::Db;
use quanzi_core::live_codes::scan::{ScanInput, confirm_join, scan};
use quanzi_core::{gifts, groups, live_codes, members, referrals};
use quanzi_domain::access::OperatorRole;
use quanzi_domain::gift::GiftInput;
use quanzi_domain::group::GroupInput;
use quanzi_domain::live_code::LiveCodeInput;
use quanzi_domain::member::MemberInput;
use quanzi_domain::referral::{InviteRule, ProgramInput, ReferralRules, RewardKind, RewardSpec};
use quanzi_domain::{GroupId, MemberId, TenantId};
use quanzi_testkit::{Served, http, tenant};
use reqwest::StatusCode;

async fn group(db: &Db, t: TenantId, name: &str) -> GroupId {
    let g = GroupInput {
        name: Some(name.into()),
        ..Default::default()
    };
    groups::create(db, t, g).await.unwrap().group_id
}

async fn member(db: &Db, t: TenantId, name: &str) -> MemberId {
    let m = MemberInput {
        name: Some(name.into()),
        ..Default::default()
    };
    members::create(db, t, m).await.unwrap().member_id
}

/// A live code over a new group, giving `gift` when there is one.
async fn code(db: &Db, t: TenantId, slug: &str, gift: Option<i64>) -> i64 {
    let g = group(db, t, &format!("{slug} 群")).await;
    let input = LiveCodeInput {
        name: Some(format!("{slug} 海报")),
        slug: Some(slug.into()),
        group_ids: Some(vec![g]),
        gift_id: gift,
        ..Default::default()
    };
    live_codes::create(db, t, input).await.unwrap().live_code_id
}

/// A `multipart/form-data` body as a browser sends it: text `fields`, then one file
/// `(field, file name, type, bytes)`.
fn multipart(fields: &[(&str, &str)], file: (&str, &str, &str, &[u8])) -> (String, Vec<u8>) {
    let b = "----quanzi-test-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    let (field, filename, content_type, bytes) = file;
    body.extend_from_slice(
        format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n\
             Content-Type: {content_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={b}"), body)
}

async fn upload(
    c: &reqwest::Client,
    url: &str,
    (content_type, body): (String, Vec<u8>),
) -> (StatusCode, String, String) {
    let r = c
        .post(url)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (r.status(), location, r.text().await.unwrap())
}

#[tokio::test]
async fn the_overview_shows_codes_gifts_and_programmes_in_chinese_and_in_english() {
    let s = Served::new().await;
    let t = tenant(&s.app.db, "gview").await;
    let db = &s.app.db;
    code(db, t.id, "door", None).await;
    let gift = GiftInput {
        name: Some("手工皂".into()),
        cost_fen: Some(450),
        ..Default::default()
    };
    gifts::create(db, t.id, gift).await.unwrap();
    let (c, _) = s.operator(&t, OperatorRole::Operator).await;
    let url = format!("{}/ui/growth", s.app.url);
    let html = http::page(&c, &url).await;
    for says in [
        "活码",
        "礼品",
        "裂变",
        "door 海报",
        "手工皂",
        "¥4.50",
        "/ui/redeem",
    ] {
        assert!(html.contains(says), "{says}: {html}");
    }
    assert!(
        html.contains("class=\"num over\">¥4.50"),
        "a gift above ¥3 is marked"
    );
    c.get(format!("{}/ui/lang/en?next=/ui", s.app.url))
        .send()
        .await
        .unwrap();
    let html = http::page(&c, &url).await;
    for says in ["Live codes", "Gifts", "Referral programmes", "Poster"] {
        assert!(html.contains(says), "{says}: {html}");
    }
}

#[tokio::test]
async fn a_live_code_with_a_bad_slug_is_explained_in_place_and_a_good_one_is_created() {
    let s = Served::new().await;
    let t = tenant(&s.app.db, "gcode").await;
    let g = group(&s.app.db, t.id, "南山店群").await.0.to_string();
    let (c, csrf) = s.operator(&t, OperatorRole::Operator).await;
    let new = format!("{}/ui/growth/codes/new", s.app.url);
    let form = http::page(&c, &new).await;
    assert!(
        form.contains("南山店群") && form.contains("rule2_district"),
        "{form}"
    );
    let send = |slug: &'static str| {
        let (c, new, csrf, g) = (c.clone(), new.clone(), csrf.clone(), g.clone());
        async move {
            let form = [
                ("_csrf", csrf.as_str()),
                ("name", "门口海报"),
                ("slug", slug),
                ("kind", "poster"),
                ("group_ids", g.as_str()),
                ("rule0_district", "南山"),
                ("rule0_groups", g.as_str()),
                ("rule1_district", ""),
                ("auto_tags", "南山, 海报"),
            ];
            http::post_form(&c, &new, &form).await
        }
    };
    let (st, _, html) = send("Door Poster!").await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("链接标识：须为 2 到 40 个小写字母、数字或 -"),
        "{html}"
    );
    assert!(
        html.contains("value=\"Door Poster!\""),
        "what was typed is kept"
    );
    assert!(live_codes::list(&s.app.db, t.id).await.unwrap().is_empty());

    let (st, location, _) = send("door").await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    let stored = live_codes::get(&s.app.db, t.id, id).await.unwrap();
    assert_eq!(stored.auto_tags, ["南山", "海报"]);
    assert_eq!(stored.rules.len(), 1, "the empty row is dropped");
    let page = http::page(&c, &format!("{}{location}", s.app.url)).await;
    assert!(page.contains("/h/gcode/c/door"), "{page}");
    let qr = c
        .get(format!("{}/ui/growth/codes/{id}/qr.png", s.app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(qr.headers()["content-type"], "image/png");
    let png = qr.bytes().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"));

    // The group's own QR image: a text file is refused beside its group, a PNG is kept.
    let to = format!("{}/ui/growth/groups/{g}/qr", s.app.url);
    let code = id.to_string();
    let fields = [("_csrf", csrf.as_str()), ("code", code.as_str())];
    let text = ("image", "qr.txt", "text/plain", b"not an image".as_slice());
    let (st, _, html) = upload(&c, &to, multipart(&fields, text)).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("群二维码图片：须为 PNG、JPEG 或 WebP 图片"),
        "{html}"
    );
    let image = ("image", "qr.png", "image/png", png.as_ref());
    let (st, location, _) = upload(&c, &to, multipart(&fields, image)).await;
    assert_eq!(
        (st, location),
        (
            StatusCode::SEE_OTHER,
            format!("/ui/growth/codes/{id}#groups")
        )
    );
    let page = http::page(&c, &format!("{}/ui/growth/codes/{id}", s.app.url)).await;
    assert!(
        page.contains("class=\"qr-ok\""),
        "the image is valid for 7 days"
    );

    // The same slug again is taken.
    let (st, _, html) = send("door").await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("链接标识：已被使用"), "{html}");
}

#[tokio::test]
async fn a_gift_cost_typed_in_yuan_is_stored_in_fen() {
    let s = Served::new().await;
    let t = tenant(&s.app.db, "ggift").await;
    let (c, csrf) = s.operator(&t, OperatorRole::Operator).await;
    let new = format!("{}/ui/growth/gifts/new", s.app.url);
    let gift = |cost: &'static str| {
        [
            ("_csrf", csrf.clone()),
            ("name", "试吃装".to_string()),
            ("cost", cost.to_string()),
            ("stock", "100".to_string()),
            ("valid_days", "30".to_string()),
        ]
    };
    let (st, _, html) = http::post_form(&c, &new, &pairs(&gift("2.555"))).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("单价（元）：须为以元为单位"), "{html}");
    let (st, location, _) = http::post_form(&c, &new, &pairs(&gift("2.5"))).await;
    assert_eq!(
        (st, location.as_str()),
        (StatusCode::SEE_OTHER, "/ui/growth#gifts")
    );
    let stored = gifts::list(&s.app.db, t.id).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!((stored[0].cost_fen, stored[0].stock), (250, Some(100)));
    let edit = format!("{}/ui/growth/gifts/{}/edit", s.app.url, stored[0].gift_id);
    assert!(http::page(&c, &edit).await.contains("value=\"2.50\""));
}

fn pairs<'a>(f: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    f.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[tokio::test]
async fn a_held_reward_approved_in_review_keeps_its_decision_and_is_paid_from_the_payment_file() {
    let s = Served::new().await;
    let t = tenant(&s.app.db, "greview").await;
    let db = &s.app.db;
    let id = code(db, t.id, "share", None).await;
    let spec = RewardSpec {
        kind: RewardKind::Cash,
        amount: 500,
        value_fen: 500,
    };
    let rules = ReferralRules {
        invite: Some(InviteRule {
            stay_days: 0,
            reward: spec,
            invitee_reward: None,
        }),
        ..Default::default()
    };
    let p = ProgramInput {
        name: Some("老带新".into()),
        slug: Some("invite".into()),
        live_code_id: Some(id),
        rules: Some(rules),
        budget_fen: Some(10_000),
        ..Default::default()
    };
    let p = referrals::create(db, t.id, p).await.unwrap().program_id;
    // A member who shares their own link and joins through it: held as a self-invite.
    let m = member(db, t.id, "王小花").await;
    let input = ScanInput {
        member: Some(m),
        referral: Some((p, m)),
        ..Default::default()
    };
    scan(db, t.id, id, input).await.unwrap();
    confirm_join(db, t.id, id, m).await.unwrap();
    let held = referrals::rewards(db, t.id, None, Some("held"), None, 10)
        .await
        .unwrap();
    assert_eq!(held.len(), 1, "{held:?}");
    let reward = held[0].reward_id;

    let (c, csrf) = s.operator(&t, OperatorRole::Operator).await;
    let growth = http::page(&c, &format!("{}/ui/growth", s.app.url)).await;
    assert!(growth.contains("id=\"held-count\""), "the badge counts it");
    let queue = format!("{}/ui/growth/review", s.app.url);
    let html = http::page(&c, &queue).await;
    assert!(
        html.contains("自己邀请自己") && html.contains("王小花"),
        "{html}"
    );
    assert!(
        html.contains(&format!("/ui/members/{m}")),
        "names link to members"
    );

    let decide = format!("{}/ui/growth/rewards/{reward}/decide", s.app.url);
    let form = [
        ("_csrf", csrf.as_str()),
        ("action", "approve"),
        ("note", "本人确认过"),
    ];
    let (st, location, _) = http::post_form(&c, &decide, &form).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (r, history) = referrals::reward(db, t.id, reward).await.unwrap();
    assert_eq!(r.state, "approved");
    let last = history.last().expect("a decision");
    assert_eq!(
        (last.to_state.as_str(), last.note.as_deref()),
        ("approved", Some("本人确认过"))
    );
    assert!(last.actor.starts_with("operator:"), "{}", last.actor);
    let html = http::page(&c, &format!("{}{location}", s.app.url)).await;
    assert!(
        html.contains("已通过") && html.contains("本人确认过"),
        "{html}"
    );
    assert!(html.contains("没有待审核的奖励"), "the queue is empty");

    // A second decision on it is not taken: the page shows where it stands.
    let (st, _, _) = http::post_form(&c, &decide, &form).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert_eq!(
        referrals::reward(db, t.id, reward).await.unwrap().1.len(),
        history.len()
    );

    // The approved cash is exported, paid outside, and the tool's file marks it paid.
    let program = format!("{}/ui/growth/programs/{p}", s.app.url);
    let csv = c.get(format!("{program}/cash.csv")).send().await.unwrap();
    let csv = csv.text().await.unwrap();
    assert!(csv.contains(&format!("{reward},{m},王小花,,500,")), "{csv}");
    let paid = format!("reward_id,status\n{reward},ok\n999999,ok\n");
    let file = ("file", "paid.csv", "text/csv", paid.as_bytes());
    let fields = [("_csrf", csrf.as_str())];
    let (st, location, _) = upload(&c, &format!("{program}/paid"), multipart(&fields, file)).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let html = http::page(&c, &format!("{}{location}", s.app.url)).await;
    assert!(html.contains("已标记 1 笔为已发放，跳过 1 行"), "{html}");
    assert_eq!(
        referrals::reward(db, t.id, reward).await.unwrap().0.state,
        "paid"
    );
}

#[tokio::test]
async fn the_redeem_page_redeems_a_code_once_and_then_says_who_redeemed_it() {
    let s = Served::new().await;
    let t = tenant(&s.app.db, "gredeem").await;
    let db = &s.app.db;
    let gift = GiftInput {
        name: Some("纸巾一包".into()),
        cost_fen: Some(100),
        ..Default::default()
    };
    let gift = gifts::create(db, t.id, gift).await.unwrap().gift_id;
    let id = code(db, t.id, "counter", Some(gift)).await;
    let m = member(db, t.id, "李阿姨").await;
    let input = ScanInput {
        member: Some(m),
        ..Default::default()
    };
    let landing = scan(db, t.id, id, input).await.unwrap();
    let typed = landing.redemption.unwrap().0.code.to_lowercase();

    let (c, csrf) = s.operator(&t, OperatorRole::Operator).await;
    let page = format!("{}/ui/redeem", s.app.url);
    let html = http::page(&c, &format!("{page}?code={typed}")).await;
    assert!(
        html.contains("纸巾一包") && html.contains("李阿姨"),
        "{html}"
    );
    assert!(html.contains("id=\"redeem-button\""), "{html}");

    let form = [("_csrf", csrf.as_str()), ("code", typed.as_str())];
    let (st, location, _) = http::post_form(&c, &page, &form).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let html = http::page(&c, &format!("{}{location}", s.app.url)).await;
    assert!(html.contains("核销成功"), "{html}");

    let (st, _, html) = http::post_form(&c, &page, &form).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("已核销（") && html.contains("Op）"), "{html}");
    assert!(!html.contains("id=\"redeem-button\""), "no second redeem");

    let html = http::page(&c, &format!("{page}?code=ZZZZ2222")).await;
    assert!(html.contains("没有这个核销码"), "{html}");
}

#[tokio::test]
async fn a_viewer_may_look_at_the_growth_pages_but_not_write_nor_redeem() {
    let s = Served::new().await;
    let t = tenant(&s.app.db, "gviewer").await;
    let id = code(&s.app.db, t.id, "look", None).await;
    let (c, csrf) = s.operator(&t, OperatorRole::Viewer).await;
    let html = http::page(&c, &format!("{}/ui/growth", s.app.url)).await;
    assert!(!html.contains("id=\"new-code\""), "no create button");
    http::page(&c, &format!("{}/ui/growth/codes/{id}", s.app.url)).await;
    for (path, form) in [
        ("/ui/growth/gifts/new", vec![("name", "x"), ("cost", "1")]),
        ("/ui/growth/codes/new", vec![("name", "x"), ("slug", "xx")]),
        ("/ui/redeem", vec![("code", "ABCD1234")]),
        ("/ui/growth/rewards/1/decide", vec![("action", "approve")]),
        ("/ui/growth/codes/1/archive", vec![("archived", "1")]),
    ] {
        let mut form = form;
        form.push(("_csrf", csrf.as_str()));
        let (st, _, _) = http::post_form(&c, &format!("{}{path}", s.app.url), &form).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{path}");
    }
    let r = c
        .get(format!("{}/ui/redeem", s.app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(
        live_codes::get(&s.app.db, t.id, id)
            .await
            .unwrap()
            .archived_at_ms
            .is_none()
    );
}
