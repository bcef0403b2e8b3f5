//! Acting on a selection of the member list: tag and untag the ticked members or all that
//! match the filters, add them to a group up to its hard capacity, export just them; viewers
//! may export but not write; an empty selection is explained, never a 5xx.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_domain::access::OperatorRole;
use quanzi_testkit::{Served, TestTenant, http, tenant};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// Six members, three in 南山区; a group with room for two.
async fn shop(s: &Served, t: &TestTenant) -> (Vec<i64>, i64) {
    let mut ids = Vec::new();
    for i in 0..6 {
        let district = if i % 2 == 0 { "南山区" } else { "福田区" };
        let (st, m) = s
            .call(
                &t.write_key,
                Method::POST,
                "/api/v1/members",
                Some(json!({"name": format!("成员{i}"), "district": district})),
            )
            .await;
        assert!(st.is_success(), "{m}");
        ids.push(m["member_id"].as_i64().unwrap());
    }
    let (st, g) = s
        .call(
            &t.write_key,
            Method::POST,
            "/api/v1/groups",
            Some(json!({"name": "小群", "dimension": "district", "capacity_hard": 2, "capacity_advised": 2})),
        )
        .await;
    assert!(st.is_success(), "{g}");
    (ids, g["group_id"].as_i64().unwrap())
}

async fn tagged(s: &Served, t: &TestTenant, m: i64) -> Vec<String> {
    let v = s.get_ok(t, &format!("/api/v1/members/{m}")).await;
    v["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn an_operator_tags_untags_groups_and_exports_a_selection() {
    let s = Served::new().await;
    let t = tenant(&s.app.db, "sel").await;
    let (ids, g) = shop(&s, &t).await;
    let (c, csrf) = s.operator(&t, OperatorRole::Operator).await;
    let url = format!("{}/ui/members/selection", s.app.url);
    let (a, b) = (ids[0].to_string(), ids[1].to_string());

    // Two ticked members get the tag; the redirect says so and keeps the list's filters.
    let (st, location, _) = http::post_form(
        &c,
        &url,
        &[
            ("_csrf", &csrf),
            ("action", "tag"),
            ("tag_group", "活动"),
            ("tag_name", "双十一"),
            ("member_id", &a),
            ("member_id", &b),
            ("f.q", "成员"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert!(
        location.starts_with("/ui/members?q=%E6%88%90%E5%91%98&done=tagged&n=2&c=2"),
        "{location}"
    );
    let page = http::page(&c, &format!("{}{location}", s.app.url)).await;
    assert!(
        page.contains("已为 2 位成员添加标签 活动: 双十一（新增 2 位）"),
        "{page}"
    );
    assert_eq!(tagged(&s, &t, ids[0]).await, ["双十一"]);
    assert!(tagged(&s, &t, ids[2]).await.is_empty());

    // All matching 南山区 (members 0, 2, 4): the tag reaches them and no one else.
    let (st, location, _) = http::post_form(
        &c,
        &url,
        &[
            ("_csrf", &csrf),
            ("action", "tag"),
            ("tag_group", "区域"),
            ("tag_name", "南山"),
            ("all_matching", "1"),
            ("f.district", "南山区"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER, "{location}");
    assert!(location.contains("n=3"), "{location}");
    assert_eq!(tagged(&s, &t, ids[4]).await, ["南山"]);
    assert!(tagged(&s, &t, ids[1]).await.iter().all(|t| t != "南山"));

    // Untag one.
    let (st, _, _) = http::post_form(
        &c,
        &url,
        &[
            ("_csrf", &csrf),
            ("action", "untag"),
            ("tag_group", "活动"),
            ("tag_name", "双十一"),
            ("member_id", &a),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert!(tagged(&s, &t, ids[0]).await.iter().all(|t| t != "双十一"));

    // Four into a group of two: two join, two are counted as left out.
    let group = g.to_string();
    let four: Vec<String> = ids[..4].iter().map(i64::to_string).collect();
    let mut form = vec![
        ("_csrf", csrf.as_str()),
        ("action", "add_to_group"),
        ("target_group_id", group.as_str()),
    ];
    form.extend(four.iter().map(|m| ("member_id", m.as_str())));
    let (st, location, _) = http::post_form(&c, &url, &form).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert!(
        location.contains("done=added&n=2&already=0&full=2"),
        "{location}"
    );
    let v = s.get_ok(&t, &format!("/api/v1/groups/{g}")).await;
    assert_eq!(v["size"], 2);

    // Export just the ticked ones.
    let r = c
        .post(&url)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("action", "export_csv"),
            ("member_id", &b),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    assert!(csv.contains("成员1") && !csv.contains("成员0"), "{csv}");

    // Nothing ticked: told so, nothing changed.
    let (st, location, _) = http::post_form(
        &c,
        &url,
        &[
            ("_csrf", &csrf),
            ("action", "tag"),
            ("tag_group", "x"),
            ("tag_name", "y"),
        ],
    )
    .await;
    assert_eq!(
        (st, location.ends_with("err=sel.err.none")),
        (StatusCode::SEE_OTHER, true)
    );
    let page = http::page(&c, &format!("{}{location}", s.app.url)).await;
    assert!(page.contains("没有选中任何成员"), "{page}");
    // A blank tag name: told so.
    let (_, location, _) = http::post_form(
        &c,
        &url,
        &[("_csrf", &csrf), ("action", "tag"), ("member_id", &a)],
    )
    .await;
    assert!(location.ends_with("err=sel.err.tag"), "{location}");
}

#[tokio::test]
async fn viewers_export_a_selection_but_cannot_tag_it() {
    let s = Served::new().await;
    let t = tenant(&s.app.db, "selview").await;
    let (ids, _) = shop(&s, &t).await;
    let (c, csrf) = s.operator(&t, OperatorRole::Viewer).await;
    let url = format!("{}/ui/members/selection", s.app.url);
    let a = ids[0].to_string();
    let (st, _, _) = http::post_form(
        &c,
        &url,
        &[
            ("_csrf", &csrf),
            ("action", "tag"),
            ("tag_group", "a"),
            ("tag_name", "b"),
            ("member_id", &a),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert!(tagged(&s, &t, ids[0]).await.is_empty());
    let r = c
        .post(&url)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("action", "export_xlsx"),
            ("member_id", &a),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn one_member_is_tagged_from_their_own_page() {
    let s = Served::new().await;
    let t = tenant(&s.app.db, "selone").await;
    let (ids, _) = shop(&s, &t).await;
    let (c, csrf) = s.operator(&t, OperatorRole::Operator).await;
    let page = http::page(&c, &format!("{}/ui/members/{}", s.app.url, ids[2])).await;
    assert!(page.contains("id=\"member-tag\""));
    let a = ids[2].to_string();
    let back = format!("/ui/members/{a}");
    let (st, location, _) = http::post_form(
        &c,
        &format!("{}/ui/members/selection", s.app.url),
        &[
            ("_csrf", &csrf),
            ("action", "tag"),
            ("tag_group", "价值"),
            ("tag_name", "老客"),
            ("member_id", &a),
            ("back", &back),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert!(
        location.starts_with(&format!("{back}?done=tagged")),
        "{location}"
    );
    assert_eq!(tagged(&s, &t, ids[2]).await, ["老客"]);
}
