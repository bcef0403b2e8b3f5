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

#[tokio::test]
async fn members_are_added_removed_and_given_roles_from_the_group_page_which_pages_them() {
    let s = Served::new().await;
    let t = tenant(&s.app.db, "gmembers").await;
    let (c, csrf) = s.operator(&t, OperatorRole::Operator).await;
    let (_, g) = s
        .post(
            &t,
            "/api/v1/groups",
            serde_json::json!({"name": "满员群", "capacity_hard": 60, "capacity_advised": 60}),
        )
        .await;
    let g = g["group_id"].as_i64().unwrap();
    let mut ids = Vec::new();
    for i in 0..61 {
        let (_, m) = s
            .post(
                &t,
                "/api/v1/members",
                serde_json::json!({"name": format!("成员{i:02}")}),
            )
            .await;
        ids.push(m["member_id"].as_i64().unwrap().to_string());
    }
    let url = format!("{}/ui/groups/{g}/members", s.app.url);
    for id in &ids[..60] {
        let (st, location, _) = http::post_form(
            &c,
            &url,
            &[
                ("_csrf", &csrf),
                ("action", "add"),
                ("member_id", id),
                ("role", "member"),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::SEE_OTHER);
        assert!(location.contains("gm=done.add"), "{location}");
    }
    // The 61st: the group is full, said on the page.
    let (_, location, _) = http::post_form(
        &c,
        &url,
        &[("_csrf", &csrf), ("action", "add"), ("member_id", &ids[60])],
    )
    .await;
    assert!(location.contains("gm=err.full"), "{location}");
    let page = http::page(&c, &format!("{}{location}", s.app.url)).await;
    assert!(page.contains("社群已满"), "{page}");
    // Fifty members on the first page, ten on the next.
    assert_eq!(page.matches("class=\"inline role-form\"").count(), 50);
    let next = page
        .split("id=\"members-next\"")
        .next()
        .unwrap()
        .rsplit("href=\"")
        .next()
        .unwrap()
        .to_string();
    let second = http::page(
        &c,
        &format!(
            "{}{}",
            s.app.url,
            next.split('"').next().unwrap().replace("&amp;", "&")
        ),
    )
    .await;
    assert_eq!(
        second.matches("class=\"inline role-form\"").count(),
        10,
        "{next}"
    );
    // A role, then a removal.
    let (_, location, _) = http::post_form(
        &c,
        &url,
        &[
            ("_csrf", &csrf),
            ("action", "role"),
            ("member_id", &ids[0]),
            ("role", "kol"),
        ],
    )
    .await;
    assert!(location.contains("gm=done.role"), "{location}");
    let v = s.get_ok(&t, &format!("/api/v1/members/{}", ids[0])).await;
    assert_eq!(v["groups"][0]["role"], "kol", "{v}");
    let (_, location, _) = http::post_form(
        &c,
        &url,
        &[
            ("_csrf", &csrf),
            ("action", "remove"),
            ("member_id", &ids[1]),
        ],
    )
    .await;
    assert!(location.contains("gm=done.remove"), "{location}");
    assert_eq!(
        s.get_ok(&t, &format!("/api/v1/groups/{g}")).await["size"],
        59
    );
    // Removing someone not in it, or a member of no one: said so.
    let (_, location, _) = http::post_form(
        &c,
        &url,
        &[
            ("_csrf", &csrf),
            ("action", "remove"),
            ("member_id", &ids[1]),
        ],
    )
    .await;
    assert!(location.contains("gm=err.not_in"), "{location}");
    let (_, location, _) = http::post_form(
        &c,
        &url,
        &[("_csrf", &csrf), ("action", "add"), ("member_id", "abc")],
    )
    .await;
    assert!(location.contains("gm=err.member"), "{location}");
}

#[tokio::test]
async fn an_archived_group_leaves_the_list_closes_to_joins_and_comes_back() {
    let s = Served::new().await;
    let t = tenant(&s.app.db, "garchive").await;
    let (c, csrf) = s.operator(&t, OperatorRole::Operator).await;
    let (_, g) = s
        .post(
            &t,
            "/api/v1/groups",
            serde_json::json!({"name": "旧活动群"}),
        )
        .await;
    let g = g["group_id"].as_i64().unwrap();
    let (_, m) = s
        .post(&t, "/api/v1/members", serde_json::json!({"name": "m"}))
        .await;
    let m = m["member_id"].as_i64().unwrap().to_string();
    let archive = format!("{}/ui/groups/{g}/archive", s.app.url);
    let (st, location, _) =
        http::post_form(&c, &archive, &[("_csrf", &csrf), ("archived", "1")]).await;
    assert_eq!(
        (st, location),
        (StatusCode::SEE_OTHER, format!("/ui/groups/{g}"))
    );
    let list = http::page(&c, &format!("{}/ui/groups", s.app.url)).await;
    assert!(
        !list.contains("旧活动群") && list.contains("1 个已归档社群"),
        "{list}"
    );
    let archived = http::page(&c, &format!("{}/ui/groups?archived=1", s.app.url)).await;
    assert!(archived.contains("旧活动群"));
    // Closed to joins, from the page and the API alike; the reason is said.
    let (_, location, _) = http::post_form(
        &c,
        &format!("{}/ui/groups/{g}/members", s.app.url),
        &[("_csrf", &csrf), ("action", "add"), ("member_id", &m)],
    )
    .await;
    assert!(location.contains("gm=err.archived"), "{location}");
    let (st, v) = s
        .post(
            &t,
            &format!("/api/v1/groups/{g}/members"),
            serde_json::json!({"member_id": m.parse::<i64>().unwrap()}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(s.get_ok(&t, &format!("/api/v1/groups/{g}")).await["archived_at_ms"].is_i64());
    // Brought back through the API: listed and open again.
    let (st, v) = s
        .post(
            &t,
            &format!("/api/v1/groups/{g}/archive"),
            serde_json::json!({"archived": false}),
        )
        .await;
    assert_eq!(
        (st, v["archived_at_ms"].is_null()),
        (StatusCode::OK, true),
        "{v}"
    );
    assert!(
        http::page(&c, &format!("{}/ui/groups", s.app.url))
            .await
            .contains("旧活动群")
    );
    let (st, _) = s
        .post(
            &t,
            &format!("/api/v1/groups/{g}/members"),
            serde_json::json!({"member_id": m.parse::<i64>().unwrap()}),
        )
        .await;
    assert!(st.is_success());
}

#[tokio::test]
async fn a_new_group_starts_from_another_as_its_template() {
    let s = Served::new().await;
    let t = tenant(&s.app.db, "gtemplate").await;
    let (c, _) = s.operator(&t, OperatorRole::Operator).await;
    let (_, g) = s
        .post(&t, "/api/v1/groups", serde_json::json!({"name": "南山店1群", "dimension": "district", "theme": "南山", "rules": "不发广告", "capacity_hard": 400, "capacity_advised": 180}))
        .await;
    let html = http::page(
        &c,
        &format!("{}/ui/groups/new?from={}", s.app.url, g["group_id"]),
    )
    .await;
    for v in [
        "value=\"南山店1群 2\"",
        "value=\"南山\"",
        "value=\"400\"",
        "value=\"180\"",
        ">不发广告</textarea>",
        "value=\"district\" selected",
    ] {
        assert!(html.contains(v), "{v}: {html}");
    }
    let r = c
        .get(format!("{}/ui/groups/new?from=999999", s.app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
