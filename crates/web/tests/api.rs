//! The JSON API, handler-level (`oneshot` on the app's router, no server): auth and scopes,
//! validation, idempotent event batches, pagination, and tenant isolation on every endpoint.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use axum::http::{Method, StatusCode};
use quanzi_testkit::routed::request;
use quanzi_testkit::{Routed, TestTenant, tenant};
use serde_json::{Value, json};

type Ctx = Routed;

async fn ctx() -> Ctx {
    Routed::new().await
}

fn fields(v: &Value) -> Vec<(Option<u64>, String)> {
    v["error"]["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["index"].as_u64(),
                        f["field"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn member(cx: &Ctx, t: &TestTenant, name: &str) -> i64 {
    let (s, v) = cx
        .call(
            &t.write_key,
            Method::POST,
            "/api/v1/members",
            Some(json!({"name": name})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["member_id"].as_i64().unwrap()
}

async fn group(cx: &Ctx, t: &TestTenant, name: &str) -> i64 {
    let (s, v) = cx
        .call(
            &t.write_key,
            Method::POST,
            "/api/v1/groups",
            Some(json!({"name": name, "dimension": "interest"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["group_id"].as_i64().unwrap()
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let cx = ctx().await;
    for p in ["/healthz", "/readyz"] {
        assert_eq!(cx.get(p).await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn the_api_needs_a_valid_key_and_the_right_scope() {
    let cx = ctx().await;
    let t = tenant(&cx.db, "ta").await;
    let r = cx.get("/api/v1/members").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["error"]["code"], "unauthorized");
    assert_eq!(
        cx.call("qz_nonsense", Method::GET, "/api/v1/members", None)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        cx.call(&t.read_key, Method::GET, "/api/v1/members", None)
            .await
            .0,
        StatusCode::OK
    );
    let (s, v) = cx
        .call(
            &t.read_key,
            Method::POST,
            "/api/v1/members",
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    assert_eq!(
        cx.call(
            &t.write_key,
            Method::POST,
            "/api/v1/members",
            Some(json!({"name": "x"}))
        )
        .await
        .0,
        StatusCode::CREATED
    );
    assert_eq!(
        cx.call(&t.write_key, Method::GET, "/api/v1/api-keys", None)
            .await
            .0,
        StatusCode::FORBIDDEN,
        "keys cannot manage keys"
    );
}

#[tokio::test]
async fn bad_input_is_a_4xx_naming_the_field() {
    let cx = ctx().await;
    let t = tenant(&cx.db, "ta").await;
    let (s, v) = cx
        .call(
            &t.write_key,
            Method::POST,
            "/api/v1/members",
            Some(json!({"gender": "robot", "phone": "123"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["code"], "validation_failed");
    let f: Vec<String> = fields(&v).into_iter().map(|f| f.1).collect();
    assert_eq!(f, vec!["name", "gender", "phone"]);
    let (s, v) = cx
        .call(
            &t.write_key,
            Method::POST,
            "/api/v1/members",
            Some(json!({"name": "x", "nmae": "y"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        v["error"]["message"].as_str().unwrap().contains("nmae"),
        "{v}"
    );
    let (s, v) = cx
        .call(
            &t.write_key,
            Method::POST,
            "/api/v1/members",
            Some(json!({"name": 5})),
        )
        .await;
    assert_eq!(
        (s, fields(&v)[0].1.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "name")
    );
    let key = Some(t.write_key.as_str());
    let not_json = Some(("application/json", b"{not json".to_vec()));
    let r = cx
        .send(request(Method::POST, "/api/v1/members", key, not_json))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let mut untyped = request(Method::POST, "/api/v1/members", key, None);
    *untyped.body_mut() = "name=x".into();
    let r = cx.send(untyped).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (s, v) = cx
        .call(&t.read_key, Method::GET, "/api/v1/members?limit=abc", None)
        .await;
    assert_eq!(
        (s, fields(&v)[0].1.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "limit")
    );
    let (s, v) = cx
        .call(&t.read_key, Method::GET, "/api/v1/members?limit=1000", None)
        .await;
    assert_eq!(
        (s, fields(&v)[0].1.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "limit")
    );
    let (s, _) = cx
        .call(&t.read_key, Method::GET, "/api/v1/members?cursor=zz", None)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        cx.call(&t.read_key, Method::GET, "/api/v1/members/abc", None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        cx.call(&t.read_key, Method::GET, "/api/v1/nothing-here", None)
            .await
            .1["error"]["code"],
        "not_found"
    );
    assert_eq!(
        cx.call(&t.read_key, Method::PUT, "/api/v1/members", None)
            .await
            .0,
        StatusCode::METHOD_NOT_ALLOWED
    );
    let (s, v) = cx
        .call(
            &t.write_key,
            Method::POST,
            "/api/v1/groups",
            Some(json!({"name": "大群", "capacity_hard": 800})),
        )
        .await;
    assert_eq!(
        (s, fields(&v)[0].1.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "capacity_hard")
    );
}

#[tokio::test]
async fn a_duplicate_phone_is_a_conflict_naming_the_field() {
    let cx = ctx().await;
    let t = tenant(&cx.db, "ta").await;
    let body = json!({"name": "王芳", "phone": "+86 138 0013 8000"});
    assert_eq!(
        cx.call(
            &t.write_key,
            Method::POST,
            "/api/v1/members",
            Some(body.clone())
        )
        .await
        .0,
        StatusCode::CREATED
    );
    let (s, v) = cx
        .call(&t.write_key, Method::POST, "/api/v1/members", Some(body))
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str(), fields(&v)[0].1.as_str()),
        (StatusCode::CONFLICT, Some("conflict"), "phone")
    );
}

fn ev(key: &str, kind: &str, member: i64, group: Option<i64>) -> Value {
    json!({"idempotency_key": key, "kind": kind, "member_id": member, "group_id": group, "occurred_at_ms": 1_763_000_000_000i64, "amount_fen": if kind == "order" { Some(2990) } else { None }})
}

#[tokio::test]
async fn an_event_batch_is_all_or_nothing_and_stored_once() {
    let cx = ctx().await;
    let t = tenant(&cx.db, "ta").await;
    let m = member(&cx, &t, "甲").await;
    let g = group(&cx, &t, "宝妈群").await;
    let bad = json!({"events": [ev("a", "join", m, Some(g)), ev("b", "order", m, None), {"idempotency_key": "c", "kind": "dance", "member_id": m, "occurred_at_ms": 1}, ev("d", "message", 999_999, None)]});
    let (s, v) = cx
        .call(&t.write_key, Method::POST, "/api/v1/events", Some(bad))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(
        fields(&v),
        vec![
            (Some(2), "kind".into()),
            (Some(2), "occurred_at_ms".into()),
            (Some(3), "member_id".into())
        ]
    );
    let (_, v) = cx
        .call(&t.read_key, Method::GET, "/api/v1/events", None)
        .await;
    assert_eq!(
        v["items"].as_array().unwrap().len(),
        0,
        "nothing of a bad batch is written"
    );
    let good = json!({"events": [ev("a", "join", m, Some(g)), ev("b", "order", m, None), ev("c", "message", m, Some(g))]});
    let (s, v) = cx
        .call(
            &t.write_key,
            Method::POST,
            "/api/v1/events",
            Some(good.clone()),
        )
        .await;
    assert_eq!(
        (s, v["stored"].as_u64(), v["duplicates"].as_u64()),
        (StatusCode::OK, Some(3), Some(0))
    );
    let (s, v) = cx
        .call(&t.write_key, Method::POST, "/api/v1/events", Some(good))
        .await;
    assert_eq!(
        (s, v["stored"].as_u64(), v["duplicates"].as_u64()),
        (StatusCode::OK, Some(0), Some(3)),
        "a retry is stored once"
    );
    let (_, v) = cx
        .call(
            &t.read_key,
            Method::GET,
            &format!("/api/v1/groups/{g}"),
            None,
        )
        .await;
    assert_eq!(v["size"], 1, "the join event put the member in the group");
    let (_, v) = cx
        .call(
            &t.read_key,
            Method::GET,
            &format!("/api/v1/members/{m}/events"),
            None,
        )
        .await;
    assert_eq!(v["items"].as_array().unwrap().len(), 3);
    let too_many: Vec<Value> = (0..10_001)
        .map(|i| ev(&format!("k{i}"), "message", m, None))
        .collect();
    let (s, v) = cx
        .call(
            &t.write_key,
            Method::POST,
            "/api/v1/events",
            Some(json!({"events": too_many})),
        )
        .await;
    assert_eq!(
        (s, fields(&v)[0].1.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "events")
    );
}

#[tokio::test]
async fn cursor_pagination_visits_every_member_once() {
    let cx = ctx().await;
    let t = tenant(&cx.db, "ta").await;
    for i in 0..23 {
        member(&cx, &t, &format!("会员{i}")).await;
    }
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let (s, v) = cx
            .call(
                &t.read_key,
                Method::GET,
                &format!("/api/v1/members?limit=5&cursor={cursor}"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        seen.extend(
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["member_id"].as_i64().unwrap()),
        );
        match v["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.dedup();
    assert_eq!((seen.len(), sorted.len()), (23, 23));
}

#[tokio::test]
async fn one_tenant_never_sees_or_changes_anothers_objects() {
    let cx = ctx().await;
    let a = tenant(&cx.db, "ta").await;
    let b = tenant(&cx.db, "tb").await;
    let m = member(&cx, &a, "甲").await;
    let m2 = member(&cx, &a, "乙").await;
    let g = group(&cx, &a, "A群").await;
    let bm = member(&cx, &b, "B会员").await;
    cx.call(
        &a.write_key,
        Method::POST,
        "/api/v1/events",
        Some(json!({"events": [ev("x", "join", m, Some(g))]})),
    )
    .await;
    let not_found = [
        (Method::GET, format!("/api/v1/members/{m}"), None),
        (
            Method::PATCH,
            format!("/api/v1/members/{m}"),
            Some(json!({"name": "hacked"})),
        ),
        (
            Method::POST,
            format!("/api/v1/members/{m}/merge"),
            Some(json!({"source_member_id": m2})),
        ),
        (
            Method::POST,
            format!("/api/v1/members/{bm}/merge"),
            Some(json!({"source_member_id": m})),
        ),
        (Method::GET, format!("/api/v1/members/{m}/events"), None),
        (Method::GET, format!("/api/v1/members/{m}/history"), None),
        (Method::GET, format!("/api/v1/groups/{g}"), None),
        (
            Method::PATCH,
            format!("/api/v1/groups/{g}"),
            Some(json!({"name": "hacked"})),
        ),
        (Method::GET, format!("/api/v1/groups/{g}/members"), None),
        (
            Method::POST,
            format!("/api/v1/groups/{g}/members"),
            Some(json!({"member_id": bm})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/groups/{g}/members/{m}"),
            None,
        ),
        (Method::GET, format!("/api/v1/groups/{g}/history"), None),
        (Method::GET, format!("/api/v1/groups/{g}/activity"), None),
    ];
    for (method, path, body) in not_found {
        let (s, v) = cx.call(&b.write_key, method.clone(), &path, body).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{method} {path}: {v}");
    }
    let (s, v) = cx
        .call(
            &b.write_key,
            Method::POST,
            "/api/v1/events",
            Some(json!({"events": [ev("y", "message", m, Some(g))]})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(
        fields(&v),
        vec![(Some(0), "member_id".into()), (Some(0), "group_id".into())]
    );
    let (s, _) = cx
        .call(
            &b.write_key,
            Method::POST,
            "/api/v1/tags/bulk",
            Some(json!({"group": "g", "name": "t", "member_ids": [m]})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    for path in [
        "/api/v1/members",
        "/api/v1/groups",
        "/api/v1/events",
        "/api/v1/tags",
    ] {
        let (_, v) = cx.call(&b.read_key, Method::GET, path, None).await;
        let items = v.get("items").cloned().unwrap_or(v.clone());
        let text = items.to_string();
        assert!(
            !text.contains("甲") && !text.contains("A群"),
            "{path} leaks: {text}"
        );
    }
    let (_, v) = cx
        .call(
            &a.read_key,
            Method::GET,
            &format!("/api/v1/members/{m}"),
            None,
        )
        .await;
    assert_eq!(v["name"], "甲", "nothing of A was changed");
    assert_eq!(v["groups"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn members_are_tagged_in_bulk_and_merged() {
    let cx = ctx().await;
    let t = tenant(&cx.db, "ta").await;
    let (m1, m2) = (member(&cx, &t, "甲").await, member(&cx, &t, "乙").await);
    let (s, v) = cx
        .call(
            &t.write_key,
            Method::POST,
            "/api/v1/tags/bulk",
            Some(json!({"group": "兴趣", "name": "宝妈", "member_ids": [m1, m2]})),
        )
        .await;
    assert_eq!((s, v["changed"].as_u64()), (StatusCode::OK, Some(2)));
    let tag_id = v["tag"]["tag_id"].as_i64().unwrap();
    let (_, v) = cx
        .call(
            &t.read_key,
            Method::GET,
            &format!("/api/v1/members?tag_id={tag_id}"),
            None,
        )
        .await;
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    cx.call(
        &t.write_key,
        Method::PATCH,
        &format!("/api/v1/members/{m2}"),
        Some(json!({"unionid": "o6_bmasdasdsad6_2sgVt7hMZOPfL"})),
    )
    .await;
    let (s, v) = cx
        .call(
            &t.write_key,
            Method::POST,
            &format!("/api/v1/members/{m1}/merge"),
            Some(json!({"source_member_id": m2})),
        )
        .await;
    assert_eq!(
        (s, v["unionid"].as_str()),
        (StatusCode::OK, Some("o6_bmasdasdsad6_2sgVt7hMZOPfL"))
    );
    let (s, _) = cx
        .call(
            &t.write_key,
            Method::POST,
            &format!("/api/v1/members/{m1}/merge"),
            Some(json!({"source_member_id": m2})),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a merged member cannot be merged again"
    );
}

#[tokio::test]
async fn custom_fields_and_kinds_are_validated() {
    let cx = ctx().await;
    let t = tenant(&cx.db, "ta").await;
    assert_eq!(
        cx.call(
            &t.write_key,
            Method::POST,
            "/api/v1/custom-fields",
            Some(json!({"key": "birthday", "label": "生日", "kind": "date"}))
        )
        .await
        .0,
        StatusCode::OK
    );
    let (s, v) = cx
        .call(
            &t.write_key,
            Method::POST,
            "/api/v1/members",
            Some(json!({"name": "x", "custom": {"birthday": "1990-02-30x"}})),
        )
        .await;
    assert_eq!(
        (s, fields(&v)[0].1.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "custom.birthday")
    );
    let (s, v) = cx
        .call(
            &t.write_key,
            Method::POST,
            "/api/v1/members",
            Some(json!({"name": "x", "custom": {"birthday": "1990-02-03"}})),
        )
        .await;
    assert_eq!(
        (s, v["custom"]["birthday"].as_str()),
        (StatusCode::CREATED, Some("1990-02-03"))
    );
    let m = v["member_id"].as_i64().unwrap();
    assert_eq!(
        cx.call(
            &t.write_key,
            Method::POST,
            "/api/v1/event-kinds",
            Some(json!({"name": "order"}))
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        cx.call(
            &t.write_key,
            Method::POST,
            "/api/v1/event-kinds",
            Some(json!({"name": "live_watch"}))
        )
        .await
        .0,
        StatusCode::OK
    );
    let (s, _) = cx
        .call(
            &t.write_key,
            Method::POST,
            "/api/v1/events",
            Some(json!({"events": [ev("lw", "live_watch", m, None)]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn the_openapi_document_is_3_1_and_covers_the_api() {
    let cx = ctx().await;
    let v = cx.get("/api/openapi.json").await.json();
    assert!(v["openapi"].as_str().unwrap().starts_with("3.1"));
    for p in [
        "/api/v1/members",
        "/api/v1/members/{id}",
        "/api/v1/groups",
        "/api/v1/events",
        "/api/v1/tags/bulk",
        "/api/v1/api-keys",
        "/api/v1/kpi/overview",
        "/api/v1/kpi/retention",
        "/api/v1/kpi/products",
    ] {
        assert!(v["paths"].get(p).is_some(), "{p} missing");
    }
    // Every operation documents the answers the edges give, so a client (or schemathesis)
    // meets no undocumented status.
    for (path, item) in v["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let answers = op["responses"].as_object().unwrap();
            for status in ["401", "429", "503"] {
                assert!(
                    answers.contains_key(status),
                    "{method} {path} lacks {status}"
                );
            }
            if op.get("requestBody").is_some() {
                for status in ["400", "403", "409", "413", "415", "422"] {
                    assert!(
                        answers.contains_key(status),
                        "{method} {path} lacks {status}"
                    );
                }
            }
            if path.contains('{') {
                assert!(answers.contains_key("404"), "{method} {path} lacks 404");
            }
        }
    }
    // Optional fields are not required, and a create requires its name.
    let member = &v["components"]["schemas"]["MemberInput"];
    let required = member["required"].as_array().cloned().unwrap_or_default();
    assert!(!required.contains(&json!("custom")), "{member}");
    let create = &v["paths"]["/api/v1/members"]["post"]["requestBody"]["content"]["application/json"]
        ["schema"];
    assert_eq!(create["allOf"][1]["required"], json!(["name"]), "{create}");
    assert_eq!(
        v["paths"]["/api/v1/members"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "limit")
            .unwrap()["schema"]["anyOf"][0]["maximum"]
            .as_f64(),
        Some(200.0)
    );
    let docs = cx.get("/api/docs").await.text();
    assert!(
        docs.contains("/api/openapi.json") && !docs.contains("cdn"),
        "docs page is self-hosted"
    );
}

#[tokio::test]
async fn a_member_read_after_a_write_shows_the_write() {
    let cx = ctx().await;
    let t = tenant(&cx.db, "ta").await;
    let m = member(&cx, &t, "甲").await;
    let g = group(&cx, &t, "宝妈群").await;
    for round in 0..3 {
        let (_, v) = cx
            .call(
                &t.read_key,
                Method::GET,
                &format!("/api/v1/members/{m}"),
                None,
            )
            .await;
        assert_eq!(v["name"], if round == 0 { "甲" } else { "乙" });
        if round == 0 {
            cx.call(
                &t.write_key,
                Method::PATCH,
                &format!("/api/v1/members/{m}"),
                Some(json!({"name": "乙"})),
            )
            .await;
        }
    }
    cx.call(
        &t.write_key,
        Method::POST,
        "/api/v1/events",
        Some(json!({"events": [ev("j", "join", m, Some(g))]})),
    )
    .await;
    let (_, v) = cx
        .call(
            &t.read_key,
            Method::GET,
            &format!("/api/v1/members/{m}"),
            None,
        )
        .await;
    assert_eq!(
        v["groups"].as_array().unwrap().len(),
        1,
        "a join event shows at once"
    );
    cx.call(
        &t.write_key,
        Method::POST,
        "/api/v1/tags/bulk",
        Some(json!({"group": "兴趣", "name": "宝妈", "member_ids": [m]})),
    )
    .await;
    let (_, v) = cx
        .call(
            &t.read_key,
            Method::GET,
            &format!("/api/v1/members/{m}"),
            None,
        )
        .await;
    assert_eq!(
        v["tags"].as_array().unwrap().len(),
        1,
        "a tagging shows at once"
    );
}
