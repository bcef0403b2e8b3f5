//! The small edges: security headers on every response, `Secure` cookies (and HSTS) when the
//! request came over HTTPS through a trusted proxy, UI errors as pages in the user's language.

#![allow(missing_docs)]

use std::sync::Arc;

use quanzi_testkit::{TestApp, TestDb, http, spawn_within, tenant};
use quanzi_web::AppState;
use quanzi_web::client::TrustedProxies;
use quanzi_web::server::ServerLimits;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

async fn app(db: &quanzi_core::Db, proxies: &[&str]) -> TestApp {
    let mut state = AppState::new(db.clone(), quanzi_testkit::server());
    state.trusted_proxies =
        Arc::new(TrustedProxies::parse(proxies).unwrap_or_else(|e| panic!("{e}")));
    spawn_within(state, ServerLimits::default()).await
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

fn assert_secured(h: &HeaderMap, what: &str) {
    assert_eq!(header(h, "x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header(h, "x-frame-options"), "DENY", "{what}");
    assert!(
        header(h, "content-security-policy").contains("frame-ancestors 'none'"),
        "{what}"
    );
    assert!(
        header(h, "content-security-policy").contains("script-src 'self'"),
        "{what}"
    );
    assert_eq!(header(h, "referrer-policy"), "same-origin", "{what}");
}

#[tokio::test]
async fn security_headers_are_on_pages_api_answers_assets_and_errors() {
    let db = TestDb::new().await;
    let app = app(&db.db, &[]).await;
    let t = tenant(&app.db, "shop").await;
    let c = reqwest::Client::new();
    for (what, rq) in [
        ("page", c.get(format!("{}/ui/login", app.url))),
        (
            "api",
            c.get(format!("{}/api/v1/members", app.url))
                .bearer_auth(&t.read_key),
        ),
        ("api error", c.get(format!("{}/api/v1/members", app.url))),
        ("asset", c.get(format!("{}/assets/htmx.min.js", app.url))),
        ("docs", c.get(format!("{}/api/docs", app.url))),
        ("health", c.get(format!("{}/healthz", app.url))),
        ("unknown path", c.get(format!("{}/nowhere", app.url))),
    ] {
        let r = rq.send().await.unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_secured(r.headers(), what);
        assert!(
            r.headers().get("strict-transport-security").is_none(),
            "{what}: no HSTS over plain HTTP"
        );
    }
    let docs = c
        .get(format!("{}/api/docs", app.url))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .text()
        .await
        .unwrap_or_default();
    assert!(
        !docs.contains("<script>"),
        "the docs page runs no inline script the CSP would block"
    );
}

#[tokio::test]
async fn cookies_are_secure_when_a_trusted_proxy_says_https_and_not_otherwise() {
    let db = TestDb::new().await;
    let trusting = app(&db.db, &["127.0.0.1"]).await;
    let untrusting = app(&db.db, &[]).await;
    let login_cookie = |app: &TestApp, proto: Option<&'static str>| {
        let url = format!("{}/ui/login", app.url);
        async move {
            let mut rq = reqwest::Client::new().get(url);
            if let Some(p) = proto {
                rq = rq.header("x-forwarded-proto", p);
            }
            let r = rq.send().await.unwrap_or_else(|e| panic!("{e}"));
            (
                header(r.headers(), "set-cookie").to_string(),
                r.headers().contains_key("strict-transport-security"),
            )
        }
    };
    let (cookie, hsts) = login_cookie(&trusting, Some("https")).await;
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(hsts, "HSTS on HTTPS");
    let (cookie, hsts) = login_cookie(&trusting, None).await;
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    assert!(!hsts);
    let (cookie, hsts) = login_cookie(&untrusting, Some("https")).await;
    assert!(
        !cookie.contains("Secure"),
        "an untrusted X-Forwarded-Proto is ignored: {cookie}"
    );
    assert!(!hsts);
    // The session cookie too.
    let t = tenant(&trusting.db, "shop").await;
    let c = http::browser();
    let csrf = http::login_csrf(&c, &trusting.url).await;
    let r = c
        .post(format!("{}/ui/login", trusting.url))
        .header("x-forwarded-proto", "https")
        .form(&[
            ("email", t.owner_email.as_str()),
            ("password", t.password.as_str()),
            ("_csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let session = header(r.headers(), "set-cookie");
    assert!(
        session.starts_with("qz_session=") && session.contains("; Secure"),
        "{session}"
    );
}

async fn page(c: &reqwest::Client, url: String) -> (StatusCode, String, String) {
    let r = c.get(url).send().await.unwrap_or_else(|e| panic!("{e}"));
    let ct = header(r.headers(), "content-type").to_string();
    (r.status(), ct, r.text().await.unwrap_or_default())
}

#[tokio::test]
async fn ui_errors_are_pages_in_the_operators_language() {
    let db = TestDb::new().await;
    let app = app(&db.db, &[]).await;
    let t = tenant(&app.db, "shop").await;
    let (c, status) = http::logged_in(&app.url, &t.owner_email, &t.password).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (s, ct, html) = page(&c, format!("{}/ui/members/999999", app.url)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(ct.starts_with("text/html"), "{ct}");
    assert!(
        html.contains("页面不存在") && html.contains("lang=\"zh-CN\""),
        "{html}"
    );
    assert!(
        html.contains("/ui/logout"),
        "inside the layout when logged in"
    );
    let r = c
        .delete(format!("{}/ui/members", app.url))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        r.headers().contains_key("allow"),
        "the Allow header is kept"
    );
    let html = r.text().await.unwrap_or_default();
    assert!(html.contains("不支持的操作"), "{html}");
    let r = c
        .post(format!("{}/ui/logout", app.url))
        .form(&[("_csrf", "forged")])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(
        r.text()
            .await
            .unwrap_or_default()
            .contains("表单已过期或无效"),
        "a missing CSRF token is explained"
    );
    let _ = c.get(format!("{}/ui/lang/en", app.url)).send().await;
    let (s, _, html) = page(&c, format!("{}/ui/members/999999", app.url)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(
        html.contains("Page not found") && html.contains("lang=\"en\""),
        "{html}"
    );
    let r = c
        .post(format!("{}/ui/settings/api-keys", app.url))
        .form(&[("_csrf", "x")])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status = r.status();
    let html = r.text().await.unwrap_or_default();
    assert!(status.is_client_error(), "{status}");
    assert!(
        html.starts_with("<!doctype html>"),
        "a bad form is a page: {html}"
    );
    // Without a session: a page too, in the browser's language.
    let anon = reqwest::Client::new();
    let r = anon
        .get(format!("{}/ui/no/such/page", app.url))
        .header("accept-language", "en-US,en;q=0.9")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let html = r.text().await.unwrap_or_default();
    assert!(
        html.contains("Page not found") && html.contains("/ui/login"),
        "{html}"
    );
    let (_, _, html) = page(&anon, format!("{}/ui/no/such/page", app.url)).await;
    assert!(html.contains("页面不存在"), "zh-CN by default: {html}");
}
