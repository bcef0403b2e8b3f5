//! Settings for the channels over HTTP, on SQLite and (when configured) PostgreSQL: the WeCom
//! connection validated with the callback URL to paste and its secrets never shown again,
//! webhook secrets shown once, replay and retry, CSRF and roles checked, tenants apart.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_core::jobs::NewJob;
use quanzi_core::jobs::{JobContext, WorkerOptions, run_once};
use quanzi_core::read::now_ms;
use quanzi_testkit::http::{hidden, logged_in};
use quanzi_testkit::{TestDb, spawn_app, tenant};
use reqwest::{Client, StatusCode};

const KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";

async fn settings(c: &Client, url: &str) -> String {
    let r = c.get(format!("{url}/ui/settings")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.text().await.unwrap()
}

async fn form(c: &Client, url: &str, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let r = c
        .post(format!("{url}{path}"))
        .form(fields)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

#[tokio::test]
async fn an_admin_connects_wecom_subscribes_a_webhook_and_retries_a_dead_job() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let app = spawn_app(db.clone()).await;
        let acme = tenant(db, "acme").await;
        let other = tenant(db, "other").await;
        let (c, _) = logged_in(&app.url, &acme.owner_email, &acme.password).await;
        let page = settings(&c, &app.url).await;
        assert!(
            page.contains(&format!("{}/hooks/wecom/acme", app.url)),
            "the callback URL to paste"
        );
        // Forwarded headers from a client that is no trusted proxy do not change it.
        let forged = c
            .get(format!("{}/ui/settings", app.url))
            .header("x-forwarded-host", "evil.example")
            .header("x-forwarded-proto", "https")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            forged.contains(&format!("{}/hooks/wecom/acme", app.url)) && !forged.contains("evil"),
            "forwarded headers are believed only from trusted proxies"
        );
        let csrf = hidden(&page, "_csrf");

        // Bad input names the field; nothing saved.
        let (status, body) = form(
            &c,
            &app.url,
            "/ui/settings/wecom",
            &[
                ("_csrf", &csrf),
                ("corp_id", "wx5823bf96d3bd56c7"),
                ("token", "QDG6eK"),
                ("encoding_aes_key", "short"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("encoding_aes_key"));
        // Without the CSRF token: refused.
        let (status, _) = form(
            &c,
            &app.url,
            "/ui/settings/wecom",
            &[
                ("_csrf", "forged"),
                ("corp_id", "wx5823bf96d3bd56c7"),
                ("token", "QDG6eK"),
                ("encoding_aes_key", KEY),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = form(
            &c,
            &app.url,
            "/ui/settings/wecom",
            &[
                ("_csrf", &csrf),
                ("corp_id", "wx5823bf96d3bd56c7"),
                ("token", "QDG6eK"),
                ("encoding_aes_key", KEY),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let page = settings(&c, &app.url).await;
        assert!(page.contains("wx5823bf96d3bd56c7"));
        assert!(!page.contains(KEY), "the key is never shown again in full");
        assert!(page.contains("jWm…B2C"));
        // Saved again with blank secrets: they are kept.
        let (status, _) = form(
            &c,
            &app.url,
            "/ui/settings/wecom",
            &[
                ("_csrf", &csrf),
                ("corp_id", "wx5823bf96d3bd56c7"),
                ("token", ""),
                ("encoding_aes_key", ""),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let conn = quanzi_testkit::rows::wecom_connection(db, acme.id)
            .await
            .unwrap();
        // Stored sealed with the server key, never as they were typed.
        assert!(!conn.token.contains("QDG6eK") && !conn.encoding_aes_key.contains(KEY));
        let sealer = &quanzi_testkit::server().sealer;
        assert_eq!(
            (
                sealer.open(&conn.token).unwrap(),
                sealer.open(&conn.encoding_aes_key).unwrap()
            ),
            ("QDG6eK".to_string(), KEY.to_string())
        );
        assert!(
            quanzi_testkit::rows::wecom_connection(db, other.id)
                .await
                .is_none()
        );

        // A subscription: redirected, the secret shown once in the webhooks card.
        let (status, _) = form(
            &c,
            &app.url,
            "/ui/settings/webhooks",
            &[
                ("_csrf", &csrf),
                ("url", "http://127.0.0.1:9/hook"),
                ("event_types", "member.joined"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let body = settings(&c, &app.url).await;
        let webhooks_card = body.split("id=\"webhooks\"").nth(1).unwrap_or_default();
        assert!(webhooks_card.contains("id=\"new-secret\">whsec_"), "{body}");
        let secret = body
            .split("whsec_")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_string();
        assert!(!settings(&c, &app.url).await.contains(&secret));
        let (status, body) = form(
            &c,
            &app.url,
            "/ui/settings/webhooks",
            &[
                ("_csrf", &csrf),
                ("url", "nope"),
                ("event_types", "member.joined"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        // The reason lands in the webhooks card, not the API keys'.
        let (keys_card, rest) = body.split_once("id=\"webhooks\"").unwrap();
        assert!(rest.contains("role=\"alert\""), "{body}");
        assert!(!keys_card.contains("role=\"alert\""), "{body}");

        // A dead job is shown and retried; another tenant's ids are not found.
        let mut job = NewJob::new("no.such.kind", serde_json::json!({}), now_ms());
        job.max_attempts = 1;
        let id = quanzi_core::jobs::enqueue(db, acme.id, &job)
            .await
            .unwrap()
            .unwrap();
        let ctx = JobContext::new(db.clone(), quanzi_testkit::server());
        while run_once(&ctx, &WorkerOptions::default(), now_ms())
            .await
            .unwrap()
            > 0
        {}
        let page = settings(&c, &app.url).await;
        assert!(page.contains(&format!("/ui/settings/jobs/{id}/retry")));
        let (oc, _) = logged_in(&app.url, &other.owner_email, &other.password).await;
        let other_csrf = hidden(&settings(&oc, &app.url).await, "_csrf");
        let (status, _) = form(
            &oc,
            &app.url,
            &format!("/ui/settings/jobs/{id}/retry"),
            &[("_csrf", &other_csrf)],
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = form(
            &oc,
            &app.url,
            "/ui/settings/deliveries/1/replay",
            &[("_csrf", &other_csrf)],
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(!settings(&oc, &app.url).await.contains("no.such.kind"));
        let (status, _) = form(
            &c,
            &app.url,
            &format!("/ui/settings/jobs/{id}/retry"),
            &[("_csrf", &csrf)],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let job = quanzi_testkit::rows::job(db, acme.id, id).await.unwrap();
        assert_eq!(job.state, "pending");
    }
}

#[tokio::test]
async fn a_viewer_sees_the_channels_but_cannot_change_them() {
    let tdb = TestDb::new().await;
    let db = &tdb.db;
    let app = spawn_app(db.clone()).await;
    let acme = tenant(db, "acme").await;
    quanzi_core::access::create_operator(
        db,
        acme.id,
        "viewer@acme.test",
        "Viewer",
        quanzi_domain::access::OperatorRole::Viewer,
        "password123",
    )
    .await
    .unwrap();
    let (c, _) = logged_in(&app.url, "viewer@acme.test", "password123").await;
    let page = settings(&c, &app.url).await;
    let csrf = hidden(&page, "_csrf");
    let (status, _) = form(
        &c,
        &app.url,
        "/ui/settings/webhooks",
        &[
            ("_csrf", &csrf),
            ("url", "http://127.0.0.1:9/hook"),
            ("event_types", "*"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        quanzi_core::webhooks::subscriptions(db, acme.id)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_refused_wecom_form_keeps_what_was_typed_and_says_why_in_its_card() {
    let tdb = TestDb::new().await;
    let app = spawn_app(tdb.db.clone()).await;
    let t = tenant(&tdb.db, "typed").await;
    let (c, _) = logged_in(&app.url, &t.owner_email, &t.password).await;
    let csrf = hidden(&settings(&c, &app.url).await, "_csrf");
    let (status, body) = form(
        &c,
        &app.url,
        "/ui/settings/wecom",
        &[
            ("_csrf", &csrf),
            ("corp_id", "wx5823bf96d3bd56c7"),
            ("token", "QDG6eK"),
            ("encoding_aes_key", "too-short"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (keys_card, wecom) = body.split_once("id=\"wecom\"").unwrap();
    assert!(wecom.contains("value=\"wx5823bf96d3bd56c7\"") && wecom.contains("value=\"QDG6eK\""));
    assert!(wecom.contains("role=\"alert\"") && !keys_card.contains("role=\"alert\""));
}
