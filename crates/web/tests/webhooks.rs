//! Outbound webhooks end to end, on SQLite and (when configured) PostgreSQL: events ingested
//! through the API reach a local stub receiver signed, retried after failures and delivered
//! once; dead after their tries and replayable; rotated secrets overlap; tenants apart.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use quanzi_channels::wecom::webhook::{SIGNATURE_HEADER, verify};
use quanzi_core::Db;
use quanzi_core::jobs::{JobContext, WorkerOptions, run_once};
use quanzi_core::read::now_ms;
use quanzi_core::webhooks;
use quanzi_domain::TenantId;
use quanzi_domain::group::GroupInput;
use quanzi_domain::member::MemberInput;
use quanzi_testkit::http::{logged_in, page};
use quanzi_testkit::{TestDb, drain_jobs_at, spawn_app, tenant};
use serde_json::json;

/// A receiver that answers 500 to the first `fail` requests, then 200; it keeps every request.
#[derive(Clone, Default)]
struct Stub {
    seen: Arc<Mutex<Vec<(StatusCode, String, String)>>>,
    fail: Arc<Mutex<usize>>,
}

impl Stub {
    async fn start(fail: usize) -> (Stub, String) {
        let stub = Stub::default();
        *stub.fail.lock().unwrap() = fail;
        let s = stub.clone();
        let app = Router::new().route(
            "/hook",
            post(move |headers: HeaderMap, body: String| {
                let s = s.clone();
                async move {
                    let mut fail = s.fail.lock().unwrap();
                    let status = if *fail > 0 {
                        *fail -= 1;
                        StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        StatusCode::OK
                    };
                    let sig = headers
                        .get(SIGNATURE_HEADER)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string();
                    s.seen.lock().unwrap().push((status, sig, body));
                    status
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (stub, url)
    }

    fn delivered(&self) -> Vec<(String, String)> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|(s, _, _)| s.is_success())
            .map(|(_, sig, body)| (sig.clone(), body.clone()))
            .collect()
    }

    fn tries(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

async fn member_and_group(db: &Db, t: TenantId) -> (i64, i64) {
    let m = quanzi_core::members::create(
        db,
        t,
        MemberInput {
            name: Some("王芳".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let g = quanzi_core::groups::create(
        db,
        t,
        GroupInput {
            name: Some("南山宝妈1群".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    (m.member_id.0, g.group_id.0)
}

async fn post_join(c: &reqwest::Client, url: &str, key: &str, key_suffix: &str, m: i64, g: i64) {
    let r = c
        .post(format!("{url}/api/v1/events"))
        .bearer_auth(key)
        .json(&json!({"events": [{
            "idempotency_key": format!("join-{key_suffix}"), "kind": "join", "member_id": m,
            "group_id": g, "occurred_at_ms": 1_763_606_400_000_i64
        }]}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        reqwest::StatusCode::OK,
        "{}",
        r.text().await.unwrap()
    );
}

/// One round of the worker as if `hours` had passed.
async fn step(db: &Db, hours: i64) {
    let ctx = JobContext::new(db.clone(), quanzi_testkit::server());
    run_once(
        &ctx,
        &WorkerOptions::default(),
        now_ms() + hours * 3_600_000,
    )
    .await
    .unwrap();
}

/// Runs the worker as if `hours` had passed, until nothing is due.
async fn work(db: &Db, hours: i64) {
    drain_jobs_at(db, now_ms() + hours * 3_600_000).await;
}

#[tokio::test]
async fn a_receiver_failing_twice_gets_the_delivery_once_with_a_signature_it_verifies() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let app = spawn_app(db.clone()).await;
        let acme = tenant(db, "acme").await;
        let other = tenant(db, "other").await;
        let (stub, url) = Stub::start(2).await;
        let (_, secret) = webhooks::subscribe(
            db,
            &quanzi_testkit::server(),
            acme.id,
            &url,
            "member.joined, order.created",
        )
        .await
        .unwrap();
        let (m, g) = member_and_group(db, acme.id).await;
        let (om, og) = member_and_group(db, other.id).await;
        let c = reqwest::Client::new();
        post_join(&c, &app.url, &acme.write_key, "1", m, g).await;
        // The same batch again (a client retry) and another tenant's join: no delivery.
        post_join(&c, &app.url, &acme.write_key, "1", m, g).await;
        post_join(&c, &app.url, &other.write_key, "1", om, og).await;

        step(db, 0).await;
        assert_eq!((stub.tries(), stub.delivered().len()), (1, 0));
        step(db, 1).await;
        assert_eq!((stub.tries(), stub.delivered().len()), (2, 0));
        step(db, 2).await;
        work(db, 48).await;
        assert_eq!(stub.tries(), 3, "no try after the success");
        let delivered = stub.delivered();
        assert_eq!(delivered.len(), 1);
        let (sig, body) = &delivered[0];
        verify(
            sig,
            body.as_bytes(),
            &[secret.as_bytes()],
            now_ms() / 1000,
            300,
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["type"], "member.joined");
        assert_eq!(v["data"]["member_id"], m);

        let ds = webhooks::deliveries(db, acme.id, 10).await.unwrap();
        assert_eq!(ds.len(), 1);
        assert_eq!((ds[0].state.as_str(), ds[0].attempts), ("delivered", 3));
        assert!(
            webhooks::deliveries(db, other.id, 10)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn a_delivery_dies_after_its_tries_and_is_replayed_from_settings() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let app = spawn_app(db.clone()).await;
        let acme = tenant(db, "acme").await;
        let other = tenant(db, "other").await;
        let (stub, url) = Stub::start(8).await;
        webhooks::subscribe(db, &quanzi_testkit::server(), acme.id, &url, "*")
            .await
            .unwrap();
        let (m, g) = member_and_group(db, acme.id).await;
        post_join(
            &reqwest::Client::new(),
            &app.url,
            &acme.write_key,
            "1",
            m,
            g,
        )
        .await;
        for hour in 0..12 {
            work(db, hour * 24).await;
        }
        assert_eq!(stub.tries(), 8);
        let d = &webhooks::deliveries(db, acme.id, 10).await.unwrap()[0];
        assert_eq!((d.state.as_str(), d.attempts), ("dead", 8));
        let dead = quanzi_testkit::rows::jobs(db, acme.id, Some("dead"), 10).await;
        assert_eq!(dead.len(), 1);
        // Another tenant cannot replay it.
        assert!(
            webhooks::replay(db, other.id, d.webhook_delivery_id)
                .await
                .is_err()
        );
        webhooks::replay(db, acme.id, d.webhook_delivery_id)
            .await
            .unwrap();
        work(db, 0).await;
        assert_eq!(stub.delivered().len(), 1);
        let d = &webhooks::deliveries(db, acme.id, 10).await.unwrap()[0];
        assert_eq!(d.state, "delivered");
    }
}

#[tokio::test]
async fn a_rotated_secret_signs_alongside_the_old_one_during_the_overlap() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let app = spawn_app(db.clone()).await;
        let acme = tenant(db, "acme").await;
        let (stub, url) = Stub::start(0).await;
        let (id, old) = webhooks::subscribe(
            db,
            &quanzi_testkit::server(),
            acme.id,
            &url,
            "member.joined",
        )
        .await
        .unwrap();
        let new = webhooks::rotate(db, &quanzi_testkit::server(), acme.id, id, 24)
            .await
            .unwrap();
        assert_ne!(old, new);
        let (m, g) = member_and_group(db, acme.id).await;
        post_join(
            &reqwest::Client::new(),
            &app.url,
            &acme.write_key,
            "1",
            m,
            g,
        )
        .await;
        work(db, 0).await;
        let (sig, body) = &stub.delivered()[0];
        let now = now_ms() / 1000;
        // A receiver still on the old secret and one already on the new both verify.
        verify(sig, body.as_bytes(), &[old.as_bytes()], now, 300).unwrap();
        verify(sig, body.as_bytes(), &[new.as_bytes()], now, 300).unwrap();
        // Without overlap, only the new secret signs.
        let newest = webhooks::rotate(db, &quanzi_testkit::server(), acme.id, id, 0)
            .await
            .unwrap();
        // The settings page shows the subscription, its secret only by its first characters,
        // and none of the three secrets it has had.
        let (c, _) = logged_in(&app.url, &acme.owner_email, &acme.password).await;
        let page = page(&c, &format!("{}/ui/settings", app.url)).await;
        assert!(page.contains("whsec_…"), "the masked secret is shown");
        for secret in [&old, &new, &newest] {
            assert!(!page.contains(secret.as_str()), "a secret on the page");
        }
        post_join(
            &reqwest::Client::new(),
            &app.url,
            &acme.write_key,
            "2",
            m,
            g,
        )
        .await;
        work(db, 0).await;
        let (sig, body) = &stub.delivered()[1];
        assert!(verify(sig, body.as_bytes(), &[new.as_bytes()], now, 300).is_err());
        verify(sig, body.as_bytes(), &[newest.as_bytes()], now, 300).unwrap();
        // Bad input names its field.
        let e = webhooks::subscribe(db, &quanzi_testkit::server(), acme.id, "ftp://x", "nope")
            .await
            .unwrap_err();
        assert!(
            e.to_string().contains("url") && e.to_string().contains("event_types"),
            "{e}"
        );
        assert!(
            webhooks::rotate(db, &quanzi_testkit::server(), acme.id, id, 1000)
                .await
                .is_err()
        );
    }
}

#[tokio::test]
async fn a_join_that_fills_a_group_sends_group_full_once() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let t = tenant(db, "full").await;
        let g = quanzi_core::groups::create(
            db,
            t.id,
            GroupInput {
                name: Some("VIP 小群".into()),
                capacity_hard: Some(2),
                capacity_advised: Some(2),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .group_id
        .0;
        let mut ids = Vec::new();
        for name in ["甲", "乙"] {
            let m = quanzi_core::members::create(
                db,
                t.id,
                MemberInput {
                    name: Some(name.into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            ids.push(m.member_id.0);
        }
        quanzi_core::webhooks::subscribe(
            db,
            &quanzi_testkit::server(),
            t.id,
            "http://127.0.0.1:9/hook",
            "group.full",
        )
        .await
        .unwrap();
        let app = spawn_app(db.clone()).await;
        let c = reqwest::Client::new();
        post_join(&c, &app.url, &t.write_key, "a", ids[0], g).await;
        let none = quanzi_core::webhooks::deliveries(db, t.id, 50)
            .await
            .unwrap();
        assert!(none.is_empty(), "one of two seats taken: not full");
        post_join(&c, &app.url, &t.write_key, "b", ids[1], g).await;
        post_join(&c, &app.url, &t.write_key, "b", ids[1], g).await;
        let sent = quanzi_core::webhooks::deliveries(db, t.id, 50)
            .await
            .unwrap();
        assert_eq!(sent.len(), 1, "a replayed join sends nothing more");
        assert_eq!(sent[0].event_type, "group.full");
        let body: serde_json::Value = serde_json::from_str(&sent[0].payload).unwrap();
        assert_eq!(body["data"]["group_id"], g);
        assert_eq!(body["data"]["size"], 2);
    }
}
