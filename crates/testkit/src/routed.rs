//! Handler-level tests: the app's router called with `oneshot` (axum's `examples/testing`),
//! no server and no socket. A real server ([`crate::Served`]) only where cookies, CSRF, the
//! accept loop or a browser matter.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use serde_json::Value;
use tower::ServiceExt;

use crate::{TestDb, TestTenant, server};

/// One answer of the router: status, headers and the whole body.
pub struct Answer {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl Answer {
    /// The body as JSON, or as a JSON string when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&self.body).into_owned()))
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends `req` to `app` with `oneshot`; answers the status, headers and body.
pub async fn send(app: &Router, req: Request<Body>) -> Answer {
    let resp = app
        .clone()
        .oneshot(req)
        .await
        .expect("the router is infallible");
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .expect("the whole body");
    Answer {
        status,
        headers,
        body,
    }
}

/// A request to `path` with an optional bearer `key` and an optional body of `content_type`.
pub fn request(
    method: Method,
    path: &str,
    key: Option<&str>,
    body: Option<(&str, Vec<u8>)>,
) -> Request<Body> {
    let mut b = Request::builder().method(method).uri(path);
    if let Some(k) = key {
        b = b.header(header::AUTHORIZATION, format!("Bearer {k}"));
    }
    match body {
        Some((content_type, bytes)) => b
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(bytes)),
        None => b.body(Body::empty()),
    }
    .expect("a valid request")
}

/// The app's router over a fresh database (SQLite, or PostgreSQL with `QUANZI_TEST_BACKEND`),
/// with the same calls as [`crate::Served`]: what the API's JSON tests talk to.
pub struct Routed {
    /// The router of the whole app.
    pub app: Router,
    /// Its database.
    pub db: quanzi_store::Db,
    _db: TestDb,
}

impl Routed {
    /// The app over a new database, with the tests' [`server`] settings.
    pub async fn new() -> Routed {
        let db = TestDb::new().await;
        let state = quanzi_web::AppState::new(db.db.clone(), server());
        Routed {
            app: quanzi_web::app(state),
            db: db.db.clone(),
            _db: db,
        }
    }

    /// Sends `req` to the app.
    pub async fn send(&self, req: Request<Body>) -> Answer {
        send(&self.app, req).await
    }

    /// Calls the API with `key` and an optional JSON body; answers the status and the JSON.
    pub async fn call(
        &self,
        key: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let body = body.map(|b| ("application/json", b.to_string().into_bytes()));
        let a = self.send(request(method, path, Some(key), body)).await;
        (a.status, a.json())
    }

    /// GETs `path` with `t`'s read key and asserts it answered 200; returns the JSON.
    pub async fn get_ok(&self, t: &TestTenant, path: &str) -> Value {
        let (s, v) = self.call(&t.read_key, Method::GET, path, None).await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
        v
    }

    /// POSTs `body` to `path` with `t`'s write key; returns the status and the JSON.
    pub async fn post(&self, t: &TestTenant, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(&t.write_key, Method::POST, path, Some(body))
            .await
    }

    /// An unauthenticated GET of `path`.
    pub async fn get(&self, path: &str) -> Answer {
        self.send(request(Method::GET, path, None, None)).await
    }
}
