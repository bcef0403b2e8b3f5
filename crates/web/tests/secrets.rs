//! Secrets never leave, on SQLite and (when configured) PostgreSQL: a failing WeCom sync
//! writes its corp secret to no log line, job error or page; stored secrets are sealed; a
//! server started with the wrong key says so without a server error.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use quanzi_core::Db;
use quanzi_core::jobs::{JobContext, WorkerOptions, run_once};
use quanzi_core::read::now_ms;
use quanzi_core::server::{Sealer, ServerKey};
use quanzi_core::wecom::{ConnectionInput, request_sync, save_connection};
use quanzi_testkit::http::{hidden, logged_in};
use quanzi_testkit::{TestDb, spawn_app, spawn_app_with, tenant};
use reqwest::StatusCode;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::util::SubscriberInitExt;

const SECRET: &str = "S3cr3t-corp-contact-9f8e7d6c";
const TOKEN: &str = "Tok3nQDG6eK";
const KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";

/// Every log line written while it is the default subscriber of this thread.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// A WeCom API that answers `gettoken` with something that is not JSON.
async fn broken_wecom() -> String {
    let app = Router::new().route("/cgi-bin/gettoken", get(|| async { "<html>busy</html>" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

/// An address nothing listens on (a transport failure).
async fn closed_port() -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    drop(l);
    url
}

async fn connect(db: &Db, t: quanzi_domain::TenantId) {
    let input = ConnectionInput {
        corp_id: "wwCORP".into(),
        token: TOKEN.into(),
        encoding_aes_key: KEY.into(),
        api_secret: SECRET.into(),
    };
    save_connection(db, &quanzi_testkit::server(), t, input)
        .await
        .unwrap();
}

async fn raw_columns(db: &Db) -> Vec<String> {
    let sql = "select token || ' ' || encoding_aes_key || ' ' || coalesce(api_secret, '')
               from wecom_connection";
    match db {
        Db::Sqlite(p, _) => sqlx::query_scalar(sql).fetch_all(p).await.unwrap(),
        Db::Postgres(p, _) => sqlx::query_scalar(sql).fetch_all(p).await.unwrap(),
    }
}

#[tokio::test]
async fn a_failing_sync_never_writes_the_secret_anywhere() {
    let log = Captured::default();
    let _guard = tracing_subscriber::fmt()
        .with_writer(log.clone())
        .with_max_level(LevelFilter::TRACE)
        .with_ansi(false)
        .finish()
        .set_default();
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let app = spawn_app(db.clone()).await;
        let acme = tenant(db, "acme").await;
        connect(db, acme.id).await;
        // The column holds no secret in plaintext.
        for row in raw_columns(db).await {
            assert!(
                !row.contains(SECRET) && !row.contains(TOKEN) && !row.contains(KEY),
                "{row}"
            );
        }
        for base in [broken_wecom().await, closed_port().await] {
            let mut server = quanzi_testkit::server();
            server.wecom_api_base = base;
            let mut ctx = JobContext::new(db.clone(), server);
            ctx.api_retry_base = Duration::from_millis(1);
            request_sync(db, acme.id).await.unwrap();
            while run_once(&ctx, &WorkerOptions::default(), now_ms())
                .await
                .unwrap()
                > 0
            {}
        }
        // The sync failed, and said why without the secret.
        let jobs = quanzi_testkit::rows::jobs(db, acme.id, None, 50).await;
        let errors: Vec<String> = jobs.iter().filter_map(|j| j.last_error.clone()).collect();
        assert!(!errors.is_empty(), "the sync failed: {jobs:?}");
        for e in &errors {
            assert!(e.contains("gettoken"), "{e}");
            assert!(!e.contains(SECRET) && !e.contains("corpsecret"), "{e}");
        }
        // Nor on the pages that show the jobs and the connection.
        let (c, _) = logged_in(&app.url, &acme.owner_email, &acme.password).await;
        let page = c
            .get(format!("{}/ui/settings", app.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("gettoken"),
            "the jobs table shows the failure"
        );
        assert!(!page.contains(SECRET) && !page.contains(TOKEN) && !page.contains(KEY));
    }
    let text = log.text();
    assert!(text.contains("gettoken"), "the failure was logged");
    assert!(!text.contains(SECRET) && !text.contains("corpsecret="));
}

#[tokio::test]
async fn a_server_with_the_wrong_key_says_so_without_a_server_error_or_its_internals() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let acme = tenant(db, "acme").await;
        connect(db, acme.id).await;
        let mut wrong = quanzi_testkit::server();
        wrong.sealer = Sealer::new(ServerKey::generate().unwrap());
        let app = spawn_app_with(db.clone(), wrong.clone()).await;
        // The start-up check refuses it, naming the keys by id only.
        let e = quanzi_core::server_key::prepare(db, &wrong.sealer)
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("server key") && !e.contains(SECRET), "{e}");
        // The settings page says what is wrong, in the user's language.
        let (c, _) = logged_in(&app.url, &acme.owner_email, &acme.password).await;
        let r = c
            .get(format!("{}/ui/settings", app.url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let page = r.text().await.unwrap();
        assert!(page.contains("服务器密钥不匹配"), "{page}");
        let csrf = hidden(&page, "_csrf");
        // Saving needs the old secrets (blank keeps them): refused without a 500.
        let r = c
            .post(format!("{}/ui/settings/wecom", app.url))
            .form(&[("_csrf", csrf.as_str()), ("corp_id", "wwCORP")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        // A callback is not acknowledged (WeCom retries it) and learns nothing inside.
        let ts = now_ms() / 1000;
        let r = reqwest::Client::new()
            .post(format!(
                "{}/hooks/wecom/acme?msg_signature=x&timestamp={ts}&nonce=n",
                app.url
            ))
            .body("<xml/>")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body = r.text().await.unwrap();
        assert!(!body.contains(&wrong.sealer.current_id()), "{body}");
    }
}
