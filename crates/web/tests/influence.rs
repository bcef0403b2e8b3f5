//! Influence endpoints against a real server: a run asked for, followed to its result and
//! read back as the KOL list, member scores and neighbourhood; validation naming each field;
//! write scope; tenants kept apart; the endpoints in the OpenAPI document.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use quanzi_testkit::{Served, drain_jobs, tenant};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

type Ctx = Served;

async fn ctx() -> Ctx {
    Served::new().await
}

#[tokio::test]
async fn a_scores_run_is_followed_to_the_kol_list() {
    let x = ctx().await;
    let t = tenant(&x.app.db, "books").await;
    let (a, b) = common::book_club(&x.app.url, &t).await;
    let empty = x.get_ok(&t, "/api/v1/influence/kol").await;
    assert_eq!(empty["items"], json!([]));
    assert_eq!(empty["run"], Value::Null);

    let (s, run) = x
        .post(&t, "/api/v1/influence/runs", json!({"kind": "scores"}))
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{run}");
    assert_eq!(run["state"], "pending");
    let id = run["run_id"].as_i64().unwrap();
    drain_jobs(&x.app.db).await;
    let done = x.get_ok(&t, &format!("/api/v1/influence/runs/{id}")).await;
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(done["progress"], 1.0);
    assert_eq!(done["result"]["scored"], 2);

    let kol = x.get_ok(&t, "/api/v1/influence/kol?role=salesman").await;
    assert_eq!(kol["role"], "salesman");
    assert_eq!(kol["run"]["run_id"], id);
    assert_eq!(kol["items"][0]["member"]["member_id"], a);
    assert_eq!(kol["items"][0]["name"], "书友甲");
    assert_eq!(kol["items"][0]["member"]["brought_gmv_fen"], 5_000);
    assert_eq!(kol["items"][0]["rank"], 1);

    let m = x
        .get_ok(&t, &format!("/api/v1/influence/members/{a}"))
        .await;
    assert_eq!(m["messages_responded"], 1);
    assert!(
        m["roles"].as_array().unwrap().contains(&json!("maven")),
        "{m}"
    );
    assert_eq!(m["ties"][0]["member_id"], b);
    let graph = x
        .get_ok(&t, &format!("/api/v1/influence/members/{a}/graph"))
        .await;
    assert_eq!(graph["nodes"].as_array().unwrap().len(), 2);
    assert!(
        graph["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["from"] == a && e["to"] == b)
    );

    let runs = x.get_ok(&t, "/api/v1/influence/runs?kind=scores").await;
    assert_eq!(runs.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bad_requests_name_the_field_and_store_nothing() {
    let x = ctx().await;
    let t = tenant(&x.app.db, "strict").await;
    let (a, _) = common::book_club(&x.app.url, &t).await;
    for (body, field) in [
        (json!({"kind": "rank"}), "kind"),
        (json!({"kind": "seeds", "k": 500}), "k"),
        (json!({"kind": "seeds", "epsilon": 2}), "epsilon"),
        (json!({"kind": "seeds", "group_id": 987654}), "group_id"),
        (json!({"kind": "seeds", "tag_id": 987654}), "tag_id"),
        (
            json!({"kind": "simulate", "member_ids": [a, 987654]}),
            "member_ids",
        ),
        (
            json!({"kind": "simulate", "member_ids": "all"}),
            "member_ids",
        ),
        (json!({"kind": "seeds", "k": "ten"}), "k"),
        (
            json!({"kind": "seeds", "probability": "constant", "p": 0}),
            "p",
        ),
        (json!({"kind": "seeds", "exclude_tag": 3}), "exclude_tag"),
    ] {
        let (s, v) = x.post(&t, "/api/v1/influence/runs", body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
        assert_eq!(v["error"]["fields"][0]["field"], field, "{body}: {v}");
    }
    for (path, field) in [
        ("/api/v1/influence/kol?role=guru", "role"),
        ("/api/v1/influence/kol?limit=0", "limit"),
        ("/api/v1/influence/kol?group_id=abc", "group_id"),
        ("/api/v1/influence/kol?group_id=987654", "group_id"),
        ("/api/v1/influence/runs?kind=all", "kind"),
        ("/api/v1/influence/runs?limit=101", "limit"),
    ] {
        let (s, v) = x.call(&t.read_key, Method::GET, path, None).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {v}");
        assert_eq!(v["error"]["fields"][0]["field"], field, "{path}: {v}");
    }
    assert_eq!(x.get_ok(&t, "/api/v1/influence/runs").await, json!([]));
    // A read key may look but not start runs.
    let (s, _) = x
        .call(
            &t.read_key,
            Method::POST,
            "/api/v1/influence/runs",
            Some(json!({"kind": "scores"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(x.get_ok(&t, "/api/v1/influence/runs").await, json!([]));
}

#[tokio::test]
async fn tenants_see_only_their_own_runs_and_scores() {
    let x = ctx().await;
    let one = tenant(&x.app.db, "one").await;
    let two = tenant(&x.app.db, "two").await;
    let (a, _) = common::book_club(&x.app.url, &one).await;
    let (_, run) = x
        .post(&one, "/api/v1/influence/runs", json!({"kind": "scores"}))
        .await;
    drain_jobs(&x.app.db).await;
    let id = run["run_id"].as_i64().unwrap();
    for path in [
        format!("/api/v1/influence/runs/{id}"),
        format!("/api/v1/influence/members/{a}"),
        format!("/api/v1/influence/members/{a}/graph"),
        "/api/v1/influence/runs/abc".to_string(),
    ] {
        let (s, v) = x.call(&two.read_key, Method::GET, &path, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}: {v}");
    }
    assert_eq!(
        x.get_ok(&two, "/api/v1/influence/kol").await["items"],
        json!([])
    );
    assert_eq!(x.get_ok(&two, "/api/v1/influence/runs").await, json!([]));
    let (s, _) = x
        .post(
            &two,
            "/api/v1/influence/runs",
            json!({"kind": "simulate", "member_ids": [a]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_endpoints_are_documented() {
    let x = ctx().await;
    let doc = x.get_json("/api/openapi.json").await;
    for path in [
        "/api/v1/influence/runs",
        "/api/v1/influence/runs/{id}",
        "/api/v1/influence/kol",
        "/api/v1/influence/members/{id}",
        "/api/v1/influence/members/{id}/graph",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    assert!(doc["components"]["schemas"]["RunRequest"].is_object());
}
