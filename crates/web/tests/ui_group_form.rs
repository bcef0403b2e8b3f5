//! Creating and editing groups from the pages: a bad capacity is explained beside its field in
//! Chinese (or English) and stores nothing; a good form redirects (303) to the group.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_domain::access::OperatorRole;
use quanzi_testkit::{Served, http, tenant};
use reqwest::StatusCode;

#[tokio::test]
async fn an_operator_creates_and_edits_a_group_and_a_bad_capacity_is_explained_in_place() {
    let s = Served::new().await;
    let t = tenant(&s.app.db, "gform").await;
    let (c, csrf) = s.operator(&t, OperatorRole::Operator).await;
    let new = format!("{}/ui/groups/new", s.app.url);
    let form = http::page(&c, &new).await;
    assert!(
        form.contains("name=\"capacity_hard\" value=\"500\""),
        "{form}"
    );
    let groups = || async {
        s.get_ok(&t, "/api/v1/groups").await["items"]
            .as_array()
            .unwrap()
            .len()
    };

    for (hard, advised, says) in [
        ("600", "200", "人数上限：须在 1 到 500 之间"),
        ("abc", "200", "人数上限：须为整数"),
        ("100", "300", "建议人数：须在 1 到人数上限之间"),
    ] {
        let (st, _, html) = http::post_form(
            &c,
            &new,
            &[
                ("_csrf", &csrf),
                ("name", "宝妈群"),
                ("dimension", "interest"),
                ("capacity_hard", hard),
                ("capacity_advised", advised),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{hard}/{advised}");
        assert!(html.contains(says), "{says}: {html}");
        assert!(
            html.contains(&format!("value=\"{hard}\"")),
            "what was typed is kept"
        );
    }
    assert_eq!(groups().await, 0);

    let (st, location, _) = http::post_form(
        &c,
        &new,
        &[
            ("_csrf", &csrf),
            ("name", "宝妈群"),
            ("dimension", "interest"),
            ("theme", "育儿"),
            ("rules", "不发广告\n每周三团购"),
            ("capacity_hard", "300"),
            ("capacity_advised", "150"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    let g = s.get_ok(&t, &format!("/api/v1/groups/{id}")).await;
    assert_eq!(
        (g["capacity_hard"].as_i64(), g["rules"].as_str()),
        (Some(300), Some("不发广告\n每周三团购"))
    );

    // Edit: the form holds the stored values; a rename is saved.
    let edit = format!("{}/ui/groups/{id}/edit", s.app.url);
    let html = http::page(&c, &edit).await;
    assert!(html.contains("value=\"育儿\""), "{html}");
    let (st, location, _) = http::post_form(
        &c,
        &edit,
        &[
            ("_csrf", &csrf),
            ("name", "宝妈交流群"),
            ("dimension", "interest"),
            ("capacity_hard", "300"),
            ("capacity_advised", "150"),
        ],
    )
    .await;
    assert_eq!(
        (st, location),
        (StatusCode::SEE_OTHER, format!("/ui/groups/{id}"))
    );
    assert_eq!(
        s.get_ok(&t, &format!("/api/v1/groups/{id}")).await["name"],
        "宝妈交流群"
    );

    // In English, the same rule in English.
    c.get(format!("{}/ui/lang/en?next=/ui", s.app.url))
        .send()
        .await
        .unwrap();
    let r = c
        .post(&new)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("name", "x"),
            ("capacity_hard", "0"),
            ("capacity_advised", "1"),
        ])
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Hard capacity: must be between 1 and 500"),
        "{html}"
    );
}
