//! Snapshots of every error body the API answers with (one per code, each produced by a
//! request on the app's router where a request can produce it) and of the whole OpenAPI
//! document, so a change to either is seen in review.
//!
//! Handler-level tests: `oneshot` on [`quanzi_web::app`], no server. `INSTA_UPDATE=always`
//! (or `cargo insta accept`) rewrites `tests/snapshots/` after an intended change.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, header};
use axum::response::IntoResponse;
use quanzi_core::CoreError;
use quanzi_testkit::{TestDb, TestTenant, routed, tenant};
use quanzi_web::AppState;
use quanzi_web::error::{ApiError, Code};
use quanzi_web::heavy::{HeavyLimiter, Limits};
use serde_json::{Value, json};

/// The app over a fresh database with one tenant; `limits` for the heavy-request limiter.
async fn app_with(limits: Option<Limits>) -> (Router, TestTenant, TestDb) {
    let db = TestDb::new().await;
    let t = tenant(&db.db, "acme").await;
    let mut state = AppState::new(db.db.clone(), quanzi_testkit::server());
    if let Some(l) = limits {
        state.heavy = Arc::new(HeavyLimiter::new(l));
    }
    (quanzi_web::app(state), t, db)
}

/// Sends one request; returns the status and the JSON body (and the response's cookies).
async fn send(app: &Router, req: Request<Body>) -> (Value, Vec<String>) {
    let a = routed::send(app, req).await;
    let cookies = a
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|c| c.split(';').next().unwrap_or("").to_string())
        .collect();
    let body: Value = serde_json::from_slice(&a.body).unwrap_or(Value::Null);
    (json!({"status": a.status.as_u16(), "body": body}), cookies)
}

fn req(method: Method, path: &str, key: Option<&str>, body: Option<&str>) -> Request<Body> {
    let body = body.map(|json| ("application/json", json.as_bytes().to_vec()));
    routed::request(method, path, key, body)
}

/// Logs the owner in through the login form; `accept` is the Accept header sent.
fn login(t: &TestTenant, password: &str, accept: &str) -> Request<Body> {
    let csrf = "0123456789abcdef0123456789abcdef";
    let form = format!("email={}&password={password}&_csrf={csrf}", t.owner_email);
    Request::builder()
        .method(Method::POST)
        .uri("/ui/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, accept)
        .header(header::COOKIE, format!("qz_login_csrf={csrf}"))
        .body(Body::from(form))
        .expect("request")
}

/// The code a snapshot shows, checked against the status the table gives it.
fn assert_code(snap: &Value, code: Code) {
    assert_eq!(snap["body"]["error"]["code"], code.name(), "{snap}");
    assert_eq!(snap["status"], code.status().as_u16(), "{snap}");
}

#[tokio::test]
async fn every_error_code_a_request_can_produce_has_a_stable_body() {
    let (app, t, _db) = app_with(None).await;
    let w = Some(t.write_key.as_str());
    let r = Some(t.read_key.as_str());
    let cases: Vec<(Code, Request<Body>)> = vec![
        (
            Code::BadRequest,
            req(Method::POST, "/api/v1/members", w, Some("{\"name\":")),
        ),
        (
            Code::Unauthorized,
            req(Method::GET, "/api/v1/members", None, None),
        ),
        (
            Code::Forbidden,
            req(
                Method::POST,
                "/api/v1/members",
                r,
                Some(r#"{"name":"王芳"}"#),
            ),
        ),
        (
            Code::NotFound,
            req(Method::GET, "/api/v1/members/999999", r, None),
        ),
        (
            Code::MethodNotAllowed,
            req(Method::PUT, "/api/v1/members", w, None),
        ),
        (
            Code::PayloadTooLarge,
            req(
                Method::POST,
                "/api/v1/members",
                w,
                Some(&format!("{{\"name\":\"{}\"}}", "x".repeat(3 << 20))),
            ),
        ),
        (
            Code::UnsupportedMediaType,
            Request::builder()
                .method(Method::POST)
                .uri("/api/v1/members")
                .header(header::AUTHORIZATION, format!("Bearer {}", t.write_key))
                .body(Body::from(r#"{"name":"王芳"}"#))
                .expect("request"),
        ),
        (
            Code::ValidationFailed,
            req(
                Method::POST,
                "/api/v1/members",
                w,
                Some(r#"{"name":"王芳","gender":"robot"}"#),
            ),
        ),
        (Code::BadCredentials, login(&t, "wrong", "application/json")),
    ];
    for (code, request) in cases {
        let (snap, _) = send(&app, request).await;
        assert_code(&snap, code);
        insta::assert_json_snapshot!(code.name(), snap);
    }
}

#[tokio::test]
async fn a_second_object_with_a_unique_field_is_a_conflict_naming_it() {
    let (app, t, _db) = app_with(None).await;
    let body = r#"{"name":"王芳","phone":"+86 138 0013 8000"}"#;
    let w = Some(t.write_key.as_str());
    send(&app, req(Method::POST, "/api/v1/members", w, Some(body))).await;
    let (snap, _) = send(&app, req(Method::POST, "/api/v1/members", w, Some(body))).await;
    assert_code(&snap, Code::Conflict);
    insta::assert_json_snapshot!(Code::Conflict.name(), snap);
}

#[tokio::test]
async fn a_cookie_write_without_the_csrf_token_is_refused() {
    let (app, t, _db) = app_with(None).await;
    let (_, cookies) = send(&app, login(&t, &t.password, "text/html")).await;
    let session = cookies
        .iter()
        .find(|c| c.starts_with("qz_session="))
        .expect("a session cookie");
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/members")
        .header(header::COOKIE, session)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"name":"王芳"}"#))
        .expect("request");
    let (snap, _) = send(&app, request).await;
    assert_code(&snap, Code::CsrfFailed);
    insta::assert_json_snapshot!(Code::CsrfFailed.name(), snap);
}

#[tokio::test]
async fn a_tenant_past_its_heavy_limits_is_told_to_wait_or_to_narrow() {
    let none = Limits {
        heavy_per_tenant: 0,
        ..Limits::default()
    };
    let (app, t, _db) = app_with(Some(none)).await;
    let list = || req(Method::GET, "/api/v1/members", Some(&t.read_key), None);
    let (snap, _) = send(&app, list()).await;
    assert_code(&snap, Code::RateLimited);
    insta::assert_json_snapshot!(Code::RateLimited.name(), snap);

    let instant = Limits {
        statement_timeout: Duration::ZERO,
        ..Limits::default()
    };
    let (app, t, _db) = app_with(Some(instant)).await;
    let list = req(Method::GET, "/api/v1/members", Some(&t.read_key), None);
    let (snap, _) = send(&app, list).await;
    assert_code(&snap, Code::Unavailable);
    insta::assert_json_snapshot!(Code::Unavailable.name(), snap);
}

#[tokio::test]
async fn a_store_failure_is_an_opaque_internal_error() {
    // No request makes the store fail on purpose; the mapping is what every handler uses.
    let e = CoreError::Store(quanzi_core::read::StoreError::MissingReference);
    let resp = ApiError::from(e).into_response();
    let status = resp.status().as_u16();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .expect("body");
    let body: Value = serde_json::from_slice(&bytes).expect("json");
    let snap = json!({"status": status, "body": body});
    assert_code(&snap, Code::Internal);
    insta::assert_json_snapshot!(Code::Internal.name(), snap);
}

#[tokio::test]
async fn every_code_of_the_table_has_a_snapshot() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    for c in Code::ALL {
        let snap = dir.join(format!("error_bodies__{}.snap", c.name()));
        assert!(snap.exists(), "no snapshot of `{c}`: {}", snap.display());
    }
}

#[tokio::test]
async fn the_openapi_document_is_stable() {
    let (app, _t, _db) = app_with(None).await;
    let (snap, _) = send(&app, req(Method::GET, "/api/openapi.json", None, None)).await;
    assert_eq!(snap["status"], 200);
    insta::assert_json_snapshot!("openapi", snap["body"]);
}
