//! Test helpers: a fresh database on either store, the app's router for `oneshot` calls, a
//! live app on `127.0.0.1:0`, the job worker run until nothing is due, and a stand-in for
//! WeChat web OAuth ([`wechat_stub`]).
//!
//! `TestDb::new()` gives an empty, migrated SQLite file; `TestDb::postgres()` gives a fresh
//! PostgreSQL database when `TEST_DATABASE_URL` is set (and `None` otherwise), dropped again
//! when the `TestDb` is dropped.

#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod http;
pub mod routed;
pub mod rows;
pub mod wechat_stub;

pub use routed::Routed;

use std::net::SocketAddr;

use quanzi_domain::TenantId;
use quanzi_domain::access::{ApiScope, OperatorRole};
use quanzi_store::Db;

/// A migrated database that lives as long as this value.
pub struct TestDb {
    /// The store.
    pub db: Db,
    _dir: Option<tempfile::TempDir>,
    pg_drop: Option<(String, String)>,
}

/// The PostgreSQL URL for tests, if configured.
pub fn postgres_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// Replaces the database name in a PostgreSQL URL (`postgres://host/db?x` → `…/name?x`).
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end)
        .unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..path_start], name);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

fn unique_name() -> String {
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).expect("os rng");
    format!(
        "quanzi_t_{}",
        b.iter().map(|x| format!("{x:02x}")).collect::<String>()
    )
}

impl TestDb {
    /// A fresh SQLite database in a temporary directory.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("quanzi.db").display());
        let db = Db::connect(&url).await.expect("connect sqlite");
        db.migrate().await.expect("migrate sqlite");
        TestDb {
            db,
            _dir: Some(dir),
            pg_drop: None,
        }
    }

    /// A fresh PostgreSQL database, when `TEST_DATABASE_URL` is set.
    pub async fn postgres() -> Option<TestDb> {
        let admin_url = postgres_url()?;
        let name = unique_name();
        let admin = Db::connect(&admin_url)
            .await
            .expect("connect TEST_DATABASE_URL");
        if let Db::Postgres(p, _) = &admin {
            sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
                .execute(p)
                .await
                .expect("create test database");
        }
        admin.close().await;
        let db = Db::connect(&with_database(&admin_url, &name))
            .await
            .expect("connect test database");
        db.migrate().await.expect("migrate postgres");
        Some(TestDb {
            db,
            _dir: None,
            pg_drop: Some((admin_url, name)),
        })
    }

    /// SQLite, or PostgreSQL when `QUANZI_TEST_BACKEND=postgres` and `TEST_DATABASE_URL` are set.
    pub async fn new() -> TestDb {
        if std::env::var("QUANZI_TEST_BACKEND").as_deref() == Ok("postgres")
            && let Some(db) = TestDb::postgres().await
        {
            return db;
        }
        TestDb::sqlite().await
    }

    /// Every backend available here: SQLite always, PostgreSQL when configured.
    pub async fn all() -> Vec<TestDb> {
        let mut v = vec![TestDb::sqlite().await];
        if let Some(pg) = TestDb::postgres().await {
            v.push(pg);
        }
        v
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.pg_drop.take() {
            // Drop runs outside async; use a short-lived runtime on a plain thread.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async move {
                    if let Ok(Db::Postgres(p, _)) = Db::connect(&admin_url).await {
                        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "drop database if exists {name} with (force)"
                        )))
                        .execute(&p)
                        .await;
                        p.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// A tenant with an owner and keys, for tests.
pub struct TestTenant {
    /// Id.
    pub id: TenantId,
    /// Slug.
    pub slug: String,
    /// Owner login email.
    pub owner_email: String,
    /// Owner password.
    pub password: String,
    /// A write-scoped API key secret.
    pub write_key: String,
    /// A read-scoped API key secret.
    pub read_key: String,
}

/// Creates a tenant `slug` with an owner (password `password123`) and two API keys.
pub async fn tenant(db: &Db, slug: &str) -> TestTenant {
    let t = quanzi_core::access::create_tenant(db, slug, &format!("Tenant {slug}"))
        .await
        .expect("tenant");
    let id = t.tenant_id;
    let owner_email = format!("owner@{slug}.test");
    quanzi_core::access::create_operator(
        db,
        id,
        &owner_email,
        "Owner",
        OperatorRole::Owner,
        "password123",
    )
    .await
    .expect("owner");
    let write_key = quanzi_core::access::create_api_key(db, id, "tests", ApiScope::Write)
        .await
        .expect("key")
        .secret;
    let read_key = quanzi_core::access::create_api_key(db, id, "tests-read", ApiScope::Read)
        .await
        .expect("key")
        .secret;
    TestTenant {
        id,
        slug: slug.to_string(),
        owner_email,
        password: "password123".into(),
        write_key,
        read_key,
    }
}

/// A running app on a random local port.
pub struct TestApp {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// Base URL, e.g. `http://127.0.0.1:43125`.
    pub url: String,
    /// Its database.
    pub db: Db,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

/// The server settings of tests: one random server key per test process (shared by the apps
/// and the workers a test starts), and private targets allowed, as the tests' stubs listen
/// on 127.0.0.1 over plain http.
pub fn server() -> quanzi_core::server::ServerSettings {
    static SERVER: std::sync::OnceLock<quanzi_core::server::ServerSettings> =
        std::sync::OnceLock::new();
    SERVER
        .get_or_init(|| {
            let key = quanzi_core::server::ServerKey::generate().expect("os rng");
            let mut s =
                quanzi_core::server::ServerSettings::new(quanzi_core::server::Sealer::new(key));
            s.egress.allow_private = true;
            s
        })
        .clone()
}

/// Starts the app over `db` on `127.0.0.1:0`, with the tests' [`server`] settings.
pub async fn spawn_app(db: Db) -> TestApp {
    spawn_app_with(db, server()).await
}

/// Starts the app over `db` on `127.0.0.1:0` with the given server settings.
pub async fn spawn_app_with(db: Db, server: quanzi_core::server::ServerSettings) -> TestApp {
    let state = quanzi_web::AppState::new(db, server);
    spawn_within(state, quanzi_web::server::ServerLimits::default()).await
}

/// Starts the app with `state` (server settings, trusted proxies, throttling…) within
/// `limits` on `127.0.0.1:0`.
pub async fn spawn_within(
    state: quanzi_web::AppState,
    limits: quanzi_web::server::ServerLimits,
) -> TestApp {
    let db = state.db.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = quanzi_web::serve_within(listener, state, limits, async move {
            let _ = rx.await;
        })
        .await;
    });
    TestApp {
        addr,
        url: format!("http://{addr}"),
        db,
        shutdown: Some(tx),
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Runs the job worker as at `at_ms` (unix ms) until no job is due.
pub async fn drain_jobs_at(db: &Db, at_ms: i64) {
    let ctx = quanzi_core::jobs::JobContext::new(db.clone(), server());
    let opts = quanzi_core::jobs::WorkerOptions::default();
    while quanzi_core::jobs::run_once(&ctx, &opts, at_ms)
        .await
        .expect("worker round")
        > 0
    {}
}

/// Runs the job worker now until no job is due.
pub async fn drain_jobs(db: &Db) {
    drain_jobs_at(db, quanzi_store::now_ms()).await;
}

/// A live app over a fresh database (SQLite, or PostgreSQL with `QUANZI_TEST_BACKEND`)
/// and an HTTP client: what the API tests talk to.
pub struct Served {
    /// The app.
    pub app: TestApp,
    /// The client.
    pub c: reqwest::Client,
    _db: TestDb,
}

impl Served {
    /// Starts the app over a new database.
    pub async fn new() -> Served {
        let db = TestDb::new().await;
        let app = spawn_app(db.db.clone()).await;
        Served {
            app,
            c: reqwest::Client::new(),
            _db: db,
        }
    }

    /// Calls the API with `key`; returns the status and the JSON body.
    pub async fn call(
        &self,
        key: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        http::call(&self.c, &self.app.url, key, method, path, body).await
    }

    /// A browser logged in as a new operator of `t` with `role`, and its session's CSRF token.
    pub async fn operator(&self, t: &TestTenant, role: OperatorRole) -> (reqwest::Client, String) {
        let email = format!("{}@{}.test", role.as_str(), t.slug);
        quanzi_core::access::create_operator(&self.app.db, t.id, &email, "Op", role, "password123")
            .await
            .expect("operator");
        let (c, st) = http::logged_in(&self.app.url, &email, "password123").await;
        assert_eq!(st, reqwest::StatusCode::SEE_OTHER, "login of {email}");
        let html = http::page(&c, &format!("{}/ui/settings", self.app.url)).await;
        (c, http::hidden(&html, "_csrf"))
    }

    /// GETs `path` with `t`'s read key and asserts it answered 200; returns the JSON.
    pub async fn get_ok(&self, t: &TestTenant, path: &str) -> serde_json::Value {
        let (s, v) = self
            .call(&t.read_key, reqwest::Method::GET, path, None)
            .await;
        assert_eq!(s, reqwest::StatusCode::OK, "{path}: {v}");
        v
    }

    /// POSTs `body` to `path` with `t`'s write key; returns the status and the JSON.
    pub async fn post(
        &self,
        t: &TestTenant,
        path: &str,
        body: serde_json::Value,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        self.call(&t.write_key, reqwest::Method::POST, path, Some(body))
            .await
    }

    /// The JSON of an unauthenticated GET (the OpenAPI document, say).
    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        let url = format!("{}{path}", self.app.url);
        let r = self.c.get(url).send().await.expect("request");
        r.json().await.expect("a JSON body")
    }
}
