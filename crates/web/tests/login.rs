//! Login throttling over HTTP: per account and address, `Retry-After` and the wait shown in the
//! operator's language, `X-Forwarded-For` believed only from trusted proxies, counters kept in
//! the store across a new app.

#![allow(missing_docs)]

use std::sync::Arc;

use quanzi_core::login_throttle::ThrottlePolicy;
use quanzi_testkit::{TestApp, TestDb, TestTenant, http, spawn_within, tenant};
use quanzi_web::AppState;
use quanzi_web::client::TrustedProxies;
use quanzi_web::server::ServerLimits;
use reqwest::{Client, StatusCode};

/// The app over `db`, believing `X-Forwarded-For` from `proxies`; 3 free failures, then a
/// minute's wait (long enough that no test outlives it).
async fn app(db: &quanzi_core::Db, proxies: &[&str]) -> TestApp {
    let mut state = AppState::new(db.clone(), quanzi_testkit::server());
    state.trusted_proxies =
        Arc::new(TrustedProxies::parse(proxies).unwrap_or_else(|e| panic!("{e}")));
    state.throttle = ThrottlePolicy {
        free_failures: 3,
        address_free_failures: 10,
        base_delay_ms: 60_000,
        ..ThrottlePolicy::default()
    };
    spawn_within(state, ServerLimits::default()).await
}

struct Attempt {
    status: StatusCode,
    retry_after: Option<u64>,
    page: String,
}

async fn attempt(
    app: &TestApp,
    c: &Client,
    email: &str,
    password: &str,
    from: Option<&str>,
) -> Attempt {
    let csrf = http::login_csrf(c, &app.url).await;
    let mut rq = c.post(format!("{}/ui/login", app.url)).form(&[
        ("email", email),
        ("password", password),
        ("_csrf", &csrf),
    ]);
    if let Some(ip) = from {
        rq = rq.header("x-forwarded-for", ip);
    }
    let r = rq.send().await.unwrap_or_else(|e| panic!("{e}"));
    Attempt {
        status: r.status(),
        retry_after: r
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok()),
        page: r.text().await.unwrap_or_default(),
    }
}

/// Fails `n` times for `t`'s owner from `from`.
async fn fail(app: &TestApp, t: &TestTenant, from: Option<&str>, n: usize) -> Vec<StatusCode> {
    let c = http::browser();
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(
            attempt(app, &c, &t.owner_email, "guess-guess", from)
                .await
                .status,
        );
    }
    out
}

#[tokio::test]
async fn a_correct_password_from_another_address_is_never_refused() {
    let db = TestDb::new().await;
    let app = app(&db.db, &["127.0.0.1"]).await;
    let t = tenant(&app.db, "shop").await;
    let statuses = fail(&app, &t, Some("203.0.113.66"), 12).await;
    assert_eq!(&statuses[..3], &[StatusCode::UNAUTHORIZED; 3]);
    assert!(
        statuses[3..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS)
    );
    let c = http::browser();
    let owner = attempt(&app, &c, &t.owner_email, &t.password, Some("198.51.100.8")).await;
    assert_eq!(
        owner.status,
        StatusCode::SEE_OTHER,
        "the owner at another address logs in: {}",
        owner.page
    );
    let guesser = attempt(&app, &c, &t.owner_email, &t.password, Some("203.0.113.66")).await;
    assert_eq!(
        guesser.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the guessing address waits even with the right password"
    );
}

#[tokio::test]
async fn a_refused_login_says_when_to_retry_in_the_operators_language() {
    let db = TestDb::new().await;
    let app = app(&db.db, &[]).await;
    let t = tenant(&app.db, "shop").await;
    fail(&app, &t, None, 3).await;
    let zh = attempt(&app, &http::browser(), &t.owner_email, "x", None).await;
    assert_eq!(zh.status, StatusCode::TOO_MANY_REQUESTS);
    let secs = zh.retry_after.unwrap_or_else(|| panic!("no Retry-After"));
    assert!((1..=60).contains(&secs), "{secs}");
    assert!(
        zh.page.contains(&format!("请 {secs} 秒后再试"))
            || zh.page.contains(&format!("请 {} 秒后再试", secs - 1)),
        "{}",
        zh.page
    );
    let en = http::browser();
    let _ = en.get(format!("{}/ui/lang/en", app.url)).send().await;
    let en = attempt(&app, &en, &t.owner_email, "x", None).await;
    assert_eq!(en.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(en.retry_after.is_some());
    assert!(en.page.contains("try again in"), "{}", en.page);
    // A script asking for JSON gets the API's error body.
    let c = http::browser();
    let csrf = http::login_csrf(&c, &app.url).await;
    let r = c
        .post(format!("{}/ui/login", app.url))
        .header("accept", "application/json")
        .form(&[
            ("email", t.owner_email.as_str()),
            ("password", "x"),
            ("_csrf", &csrf),
        ])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    let v: serde_json::Value = r.json().await.unwrap_or_default();
    assert_eq!(v["error"]["code"], "rate_limited", "{v}");
}

#[tokio::test]
async fn x_forwarded_for_is_believed_only_from_trusted_proxies() {
    let db = TestDb::new().await;
    let untrusting = app(&db.db, &[]).await;
    let t = tenant(&untrusting.db, "shop").await;
    // Not from a trusted proxy: a made-up X-Forwarded-For changes nothing, the peer counts.
    fail(&untrusting, &t, Some("192.0.2.1"), 3).await;
    let other = attempt(
        &untrusting,
        &http::browser(),
        &t.owner_email,
        &t.password,
        Some("192.0.2.2"),
    )
    .await;
    assert_eq!(other.status, StatusCode::TOO_MANY_REQUESTS);
    // Through a trusted proxy, the rightmost untrusted address is the client.
    let db2 = TestDb::new().await;
    let trusting = app(&db2.db, &["127.0.0.0/8", "10.0.0.0/8"]).await;
    let t2 = tenant(&trusting.db, "shop").await;
    fail(&trusting, &t2, Some("6.6.6.6, 192.0.2.1, 10.0.0.5"), 3).await;
    let spoofed = attempt(
        &trusting,
        &http::browser(),
        &t2.owner_email,
        &t2.password,
        Some("6.6.6.7, 192.0.2.1"),
    )
    .await;
    assert_eq!(
        spoofed.status,
        StatusCode::TOO_MANY_REQUESTS,
        "a client's own prefix does not make it someone else"
    );
    let elsewhere = attempt(
        &trusting,
        &http::browser(),
        &t2.owner_email,
        &t2.password,
        Some("192.0.2.2"),
    )
    .await;
    assert_eq!(
        elsewhere.status,
        StatusCode::SEE_OTHER,
        "{}",
        elsewhere.page
    );
}

#[tokio::test]
async fn failure_counters_survive_a_new_app_over_the_same_store() {
    let db = TestDb::new().await;
    let first = app(&db.db, &[]).await;
    let t = tenant(&first.db, "shop").await;
    fail(&first, &t, None, 3).await;
    drop(first);
    let second = app(&db.db, &[]).await;
    let r = attempt(&second, &http::browser(), &t.owner_email, &t.password, None).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.page);
    assert!(r.retry_after.is_some());
}
