//! One tenant cannot starve another: beyond its limit of concurrent heavy requests a tenant
//! gets 429 `rate_limited` with `Retry-After`, while another tenant's reads — and its own
//! single-object reads — still answer.

#![allow(missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use quanzi_testkit::{TestDb, TestTenant, tenant};
use quanzi_web::heavy::{HeavyLimiter, Limits};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

struct App {
    url: String,
    heavy: Arc<HeavyLimiter>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// The app over `db` with at most `per_tenant` heavy requests per tenant.
async fn app(db: &quanzi_core::Db, per_tenant: usize) -> App {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let url = format!(
        "http://{}",
        listener.local_addr().unwrap_or_else(|e| panic!("{e}"))
    );
    let mut state = quanzi_web::AppState::new(db.clone(), quanzi_testkit::server());
    let heavy = Arc::new(HeavyLimiter::new(Limits {
        heavy_per_tenant: per_tenant,
        statement_timeout: Duration::from_secs(60),
    }));
    state.heavy = heavy.clone();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = quanzi_web::serve(listener, state, async move {
            let _ = rx.await;
        })
        .await;
    });
    App {
        url,
        heavy,
        _stop: tx,
    }
}

/// GET `path` with `key`: status, `Retry-After` and the JSON body.
async fn get(c: &Client, base: &str, key: &str, path: &str) -> (StatusCode, Option<String>, Value) {
    let r = c
        .get(format!("{base}{path}"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = r.status();
    let retry = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = r.json().await.unwrap_or(Value::Null);
    (status, retry, body)
}

/// A tenant with a group, three members and a few events; answers a member id.
async fn populated(c: &Client, base: &str, t: &TestTenant) -> i64 {
    let post = |path: &'static str, body: Value| {
        let rq = c
            .post(format!("{base}{path}"))
            .bearer_auth(&t.write_key)
            .json(&body);
        async move {
            let r = rq.send().await.unwrap_or_else(|e| panic!("{e}"));
            assert!(r.status().is_success(), "{path}: {}", r.status());
            r.json::<Value>().await.unwrap_or_else(|e| panic!("{e}"))
        }
    };
    let mut ids = Vec::new();
    for name in ["甲", "乙", "丙"] {
        ids.push(post("/api/v1/members", json!({ "name": name })).await["member_id"].clone());
    }
    let now = quanzi_core::read::now_ms();
    let events: Vec<Value> = (0..6)
        .map(|i| {
            json!({"idempotency_key": format!("e{i}"), "kind": "message",
            "member_id": ids[i % 3], "occurred_at_ms": now - 60_000})
        })
        .collect();
    post("/api/v1/events", json!({ "events": events })).await;
    ids[0].as_i64().unwrap_or_default()
}

#[tokio::test]
async fn one_tenants_listing_cannot_starve_another() {
    let tdb = TestDb::new().await;
    let db = &tdb.db;
    let (a, b) = (tenant(db, "noisy").await, tenant(db, "quiet").await);
    let app = app(db, 2).await;
    let c = Client::new();
    let a_member = populated(&c, &app.url, &a).await;
    let b_member = populated(&c, &app.url, &b).await;
    let heavy = [
        "/api/v1/events",
        "/api/v1/members",
        "/api/v1/groups",
        "/api/v1/kpi/overview",
    ];

    // Tenant A runs its limit of heavy requests: every further one is refused at once.
    let held = [app.heavy.try_acquire(a.id), app.heavy.try_acquire(a.id)];
    assert!(held.iter().all(Option::is_some));
    let mut tasks = Vec::new();
    for i in 0..16 {
        let (c, url, key) = (c.clone(), app.url.clone(), a.read_key.clone());
        let path = heavy[i % heavy.len()];
        tasks.push(tokio::spawn(async move {
            let (s, retry, body) = get(&c, &url, &key, path).await;
            (path, s, retry, body)
        }));
    }
    // Meanwhile the quiet tenant reads, one request after another.
    for path in heavy.iter().chain(heavy.iter()) {
        let (s, _, body) = get(&c, &app.url, &b.read_key, path).await;
        assert_eq!(s, StatusCode::OK, "the quiet tenant's {path}: {body}");
    }
    for t in tasks {
        let (path, s, retry, body) = t.await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{path}: {body}");
        assert_eq!(body["error"]["code"], "rate_limited", "{path}");
        let secs = retry.and_then(|r| r.parse::<u64>().ok());
        assert!(secs.is_some_and(|s| s >= 1), "{path}: Retry-After {secs:?}");
    }
    // Its single-object reads are not heavy, and still answer.
    let (s, _, body) = get(
        &c,
        &app.url,
        &a.read_key,
        &format!("/api/v1/members/{a_member}"),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, _, body) = get(
        &c,
        &app.url,
        &b.read_key,
        &format!("/api/v1/members/{b_member}/events"),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");

    // Once its requests end, the tenant lists again.
    drop(held);
    let (s, _, body) = get(&c, &app.url, &a.read_key, "/api/v1/events").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["items"].as_array().map(Vec::len), Some(6));

    // A real burst: every answer to A is a page or a 429 with Retry-After; B's all pages.
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let (c, url, key) = (c.clone(), app.url.clone(), a.read_key.clone());
        tasks.push(tokio::spawn(async move {
            let (s, retry, _) = get(&c, &url, &key, "/api/v1/events?limit=200").await;
            (s, retry)
        }));
    }
    for _ in 0..8 {
        let (s, _, body) = get(&c, &app.url, &b.read_key, "/api/v1/events?limit=200").await;
        assert_eq!(s, StatusCode::OK, "{body}");
    }
    for t in tasks {
        let (s, retry) = t.await.unwrap_or_else(|e| panic!("{e}"));
        let refused = s == StatusCode::TOO_MANY_REQUESTS && retry.is_some();
        assert!(s == StatusCode::OK || refused, "{s}");
    }
}
