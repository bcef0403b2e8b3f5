//! No server-side request where it should not go, on SQLite and (when configured) PostgreSQL:
//! webhook URLs to private, loopback or link-local hosts or with credentials refused when
//! saved (naming the field, in the user's language) and again when sent; a name that
//! resolves privately at send time never reached; one neutral message for every failure.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::post;
use quanzi_core::Db;
use quanzi_core::egress::Egress;
use quanzi_core::jobs::{JobContext, WorkerOptions, run_once};
use quanzi_core::read::now_ms;
use quanzi_core::webhooks::{self, UNREACHABLE};
use quanzi_domain::TenantId;
use quanzi_testkit::http::{hidden, logged_in};
use quanzi_testkit::{TestDb, spawn_app_with, tenant};

fn strict() -> quanzi_core::server::ServerSettings {
    let mut s = quanzi_testkit::server();
    s.egress = Egress::default();
    s
}

/// A receiver answering `status` (a redirect to `/private` for 302) that counts requests.
async fn receiver(status: StatusCode) -> (Arc<Mutex<usize>>, String) {
    let hits = Arc::new(Mutex::new(0));
    let h = hits.clone();
    let app = Router::new().route(
        "/hook",
        post(move || {
            let h = h.clone();
            async move {
                *h.lock().unwrap() += 1;
                if status == StatusCode::FOUND {
                    Redirect::to("http://127.0.0.1:1/private").into_response()
                } else {
                    status.into_response()
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (hits, url)
}

/// One `member.joined` to every subscription of `t`.
async fn emit(db: &Db, t: TenantId) {
    let payload = serde_json::json!({"type": "member.joined", "data": {}});
    quanzi_testkit::rows::emit(db, t, "member.joined", &payload).await;
}

async fn run(db: &Db, server: quanzi_core::server::ServerSettings) {
    let ctx = JobContext::new(db.clone(), server);
    run_once(&ctx, &WorkerOptions::default(), now_ms())
        .await
        .unwrap();
}

#[tokio::test]
async fn private_loopback_link_local_and_credential_webhook_urls_are_refused_naming_the_field() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let app = spawn_app_with(db.clone(), strict()).await;
        let acme = tenant(db, "acme").await;
        let (c, _) = logged_in(&app.url, &acme.owner_email, &acme.password).await;
        let page = c
            .get(format!("{}/ui/settings", app.url))
            .send()
            .await
            .unwrap();
        let csrf = hidden(&page.text().await.unwrap(), "_csrf");
        let refused = [
            ("https://127.0.0.1/hook", "地址：必须是公网地址"),
            ("https://10.0.0.7/hook", "地址：必须是公网地址"),
            (
                "https://169.254.169.254/latest/meta-data",
                "地址：必须是公网地址",
            ),
            ("https://[::1]:8443/hook", "地址：必须是公网地址"),
            ("https://localhost/hook", "地址：必须是公网地址"),
            (
                "https://admin:pw@example.com/hook",
                "地址：不能包含用户名或密码",
            ),
            (
                "http://example.com/hook",
                "地址：必须是带主机名的 https:// 地址",
            ),
        ];
        for (url, reason) in refused {
            let r = c
                .post(format!("{}/ui/settings/webhooks", app.url))
                .form(&[("_csrf", csrf.as_str()), ("url", url), ("event_types", "*")])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{url}");
            let body = r.text().await.unwrap();
            assert!(body.contains(reason), "{url}: {body}");
        }
        // In English for an operator who reads English.
        c.get(format!("{}/ui/lang/en?next=/ui", app.url))
            .send()
            .await
            .unwrap();
        let r = c
            .post(format!("{}/ui/settings/webhooks", app.url))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("url", "https://192.168.1.1/hook"),
                ("event_types", "*"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("URL: must be a public address")
        );
        assert!(
            webhooks::subscriptions(db, acme.id)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn every_unreachable_or_refused_receiver_shows_one_neutral_message() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let acme = tenant(db, "acme").await;
        let dev = quanzi_testkit::server();
        let (_, refusing) = receiver(StatusCode::UNAUTHORIZED).await;
        let (_, failing) = receiver(StatusCode::INTERNAL_SERVER_ERROR).await;
        let (_, redirecting) = receiver(StatusCode::FOUND).await;
        let closed = {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            format!("http://{}/hook", l.local_addr().unwrap())
        };
        for url in [&refusing, &failing, &redirecting, &closed] {
            webhooks::subscribe(db, &dev, acme.id, url, "*")
                .await
                .unwrap();
        }
        emit(db, acme.id).await;
        run(db, dev.clone()).await;
        let ds = webhooks::deliveries(db, acme.id, 10).await.unwrap();
        assert_eq!(ds.len(), 4);
        for d in &ds {
            assert_eq!(d.state, "pending", "{d:?}");
            assert_eq!(d.last_status, None, "{d:?}");
            assert_eq!(d.last_error.as_deref(), Some(UNREACHABLE), "{d:?}");
        }
        let jobs = quanzi_testkit::rows::jobs(db, acme.id, None, 10).await;
        assert!(
            jobs.iter()
                .all(|j| j.last_error.as_deref() == Some(UNREACHABLE)),
            "{jobs:?}"
        );
    }
}

#[tokio::test]
async fn a_receiver_that_resolves_to_a_private_address_when_sent_to_is_never_reached() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let acme = tenant(db, "acme").await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        // Saved when the name still resolved publicly (DNS rebinding), or by an older
        // version: the store holds them as they are.
        let urls = [
            format!("https://localhost:{port}/hook"),
            format!("https://127.0.0.1:{port}/hook"),
        ];
        quanzi_testkit::rows::unchecked_subscriptions(db, acme.id, &urls, "whsec_x").await;
        emit(db, acme.id).await;
        run(db, strict()).await;
        let queued =
            std::future::poll_fn(|cx| std::task::Poll::Ready(listener.poll_accept(cx).is_ready()))
                .await;
        assert!(!queued, "the private address was connected to");
        let ds = webhooks::deliveries(db, acme.id, 10).await.unwrap();
        assert_eq!(ds.len(), 2);
        for d in &ds {
            assert_eq!(d.last_error.as_deref(), Some(UNREACHABLE), "{d:?}");
        }
    }
}
