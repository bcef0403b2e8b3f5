//! Creating and editing members from the pages: a valid form redirects (303) to the member,
//! an invalid one answers 422 with the error beside its field in the operator's language and
//! stores nothing; viewers and forged forms are refused.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_domain::access::OperatorRole;
use quanzi_testkit::{Served, http, tenant};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn members(s: &Served, t: &quanzi_testkit::TestTenant) -> usize {
    let v = s.get_ok(t, "/api/v1/members?limit=200").await;
    v["items"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn an_operator_creates_and_edits_a_member_and_a_bad_field_is_explained_in_place() {
    let s = Served::new().await;
    let t = tenant(&s.app.db, "mform").await;
    let (status, _) = s
        .call(
            &t.write_key,
            Method::POST,
            "/api/v1/custom-fields",
            Some(json!({"key": "birthday", "label": "生日", "kind": "date"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (c, csrf) = s.operator(&t, OperatorRole::Operator).await;
    let base = &s.app.url;
    let form = http::page(&c, &format!("{base}/ui/members/new")).await;
    assert!(form.contains("name=\"custom.birthday\""), "{form}");

    // Bad phone and bad birthday: 422, both explained in Chinese, nothing stored.
    let (st, _, html) = http::post_form(
        &c,
        &format!("{base}/ui/members/new"),
        &[
            ("_csrf", &csrf),
            ("name", "李雷"),
            ("phone", "12345"),
            ("custom.birthday", "1990-13-01"),
            ("gender", "male"),
            ("spending_tier", "mid"),
            ("lifecycle_stage", "new"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("手机号：须为 11 位中国大陆手机号"), "{html}");
    assert!(html.contains("生日：须为日期"), "{html}");
    assert!(html.contains("value=\"李雷\""), "what was typed is kept");
    assert_eq!(members(&s, &t).await, 0);

    // A good form: 303 to the new member's page, which shows what was typed.
    let (st, location, _) = http::post_form(
        &c,
        &format!("{base}/ui/members/new"),
        &[
            ("_csrf", &csrf),
            ("name", "李雷"),
            ("phone", "138 0013 8000"),
            ("interests", "宝妈、养生, 烘焙"),
            ("custom.birthday", "1990-02-01"),
            ("gender", "male"),
            ("district", "南山区"),
            ("spending_tier", "mid"),
            ("lifecycle_stage", "new"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    let m = s.get_ok(&t, &format!("/api/v1/members/{id}")).await;
    assert_eq!(m["interests"], json!(["宝妈", "养生", "烘焙"]));
    assert_eq!(m["custom"]["birthday"], "1990-02-01");

    // A second member with the same phone: the conflict is shown beside the phone.
    let (st, _, html) = http::post_form(
        &c,
        &format!("{base}/ui/members/new"),
        &[
            ("_csrf", &csrf),
            ("name", "韩梅梅"),
            ("phone", "13800138000"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("手机号：已被其他成员使用"), "{html}");
    assert_eq!(members(&s, &t).await, 1);

    // Editing: the form holds the stored values; a change is saved and the page shows it.
    let edit = format!("{base}/ui/members/{id}/edit");
    let html = http::page(&c, &edit).await;
    assert!(html.contains("value=\"宝妈、养生、烘焙\""), "{html}");
    let (st, location, _) = http::post_form(
        &c,
        &edit,
        &[
            ("_csrf", &csrf),
            ("name", "李雷"),
            ("district", "福田区"),
            ("phone", ""),
            ("gender", "male"),
            ("spending_tier", "high"),
            ("lifecycle_stage", "active"),
        ],
    )
    .await;
    assert_eq!(
        (st, location.as_str()),
        (StatusCode::SEE_OTHER, format!("/ui/members/{id}").as_str())
    );
    let m = s.get_ok(&t, &format!("/api/v1/members/{id}")).await;
    assert_eq!(
        (m["district"].as_str(), m["phone"].as_str()),
        (Some("福田区"), None)
    );
    assert_eq!(m["spending_tier"], "high");
    assert_eq!(
        m["custom"].get("birthday"),
        None,
        "a cleared custom value is removed"
    );
}

#[tokio::test]
async fn viewers_and_forged_forms_cannot_create_members() {
    let s = Served::new().await;
    let t = tenant(&s.app.db, "mforbid").await;
    let base = &s.app.url;
    let (viewer, vcsrf) = s.operator(&t, OperatorRole::Viewer).await;
    let r = viewer
        .get(format!("{base}/ui/members/new"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (st, _, _) = http::post_form(
        &viewer,
        &format!("{base}/ui/members/new"),
        &[("_csrf", &vcsrf), ("name", "x")],
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (op, _) = s.operator(&t, OperatorRole::Operator).await;
    let (st, _, html) = http::post_form(
        &op,
        &format!("{base}/ui/members/new"),
        &[("_csrf", "forged"), ("name", "x")],
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{html}");
    assert_eq!(members(&s, &t).await, 0);
    let r = op
        .get(format!("{base}/ui/members/999999/edit"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_admin_defines_a_custom_field_in_settings_and_the_member_form_shows_it() {
    let s = Served::new().await;
    let t = tenant(&s.app.db, "cfields").await;
    let (c, csrf) = s.operator(&t, OperatorRole::Admin).await;
    let url = format!("{}/ui/settings/custom-fields", s.app.url);
    let (st, _, html) = http::post_form(
        &c,
        &url,
        &[
            ("_csrf", &csrf),
            ("key", "bad key!"),
            ("label", "生日"),
            ("kind", "date"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let card = html.split("id=\"fields\"").nth(1).unwrap();
    assert!(
        card.contains("字段键：只能包含字母、数字和 _ - . :"),
        "{card}"
    );
    let (st, location, _) = http::post_form(
        &c,
        &url,
        &[
            ("_csrf", &csrf),
            ("key", "birthday"),
            ("label", "生日"),
            ("kind", "date"),
        ],
    )
    .await;
    assert_eq!(
        (st, location.as_str()),
        (StatusCode::SEE_OTHER, "/ui/settings#fields")
    );
    let form = http::page(&c, &format!("{}/ui/members/new", s.app.url)).await;
    assert!(
        form.contains("<span>生日</span><input type=\"date\" name=\"custom.birthday\""),
        "{form}"
    );
    // Operators may not define fields.
    let (op, ocsrf) = s.operator(&t, OperatorRole::Operator).await;
    let (st, _, _) = http::post_form(
        &op,
        &url,
        &[
            ("_csrf", &ocsrf),
            ("key", "vip_no"),
            ("label", "会员号"),
            ("kind", "text"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
}
