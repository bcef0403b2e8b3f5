//! Operator UI over HTTP: login with CSRF, sessions in the database, logout,
//! the language switch, and cookie-authenticated API calls needing the CSRF header.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use quanzi_testkit::{TestDb, http, spawn_app, tenant};
use reqwest::{Client, StatusCode};

fn browser() -> Client {
    http::browser()
}

async fn login_csrf(c: &Client, url: &str) -> String {
    http::login_csrf(c, url).await
}

fn hidden(html: &str, name: &str) -> String {
    http::hidden(html, name)
}

#[tokio::test]
async fn an_operator_logs_in_sees_the_dashboard_and_logs_out() {
    let db = TestDb::new().await;
    let app = spawn_app(db.db.clone()).await;
    let t = tenant(&app.db, "shop").await;
    let c = browser();
    let r = c.get(format!("{}/ui", app.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/ui/login")
    );
    let form = c
        .get(format!("{}/ui/login", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(form.contains("登录"), "zh-CN by default");
    let csrf = hidden(&form, "_csrf");
    let bad = c
        .post(format!("{}/ui/login", app.url))
        .form(&[
            ("email", t.owner_email.as_str()),
            ("password", "password123"),
            ("_csrf", "forged"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        bad.status(),
        StatusCode::FORBIDDEN,
        "a forged form token is refused"
    );
    assert!(bad.text().await.unwrap().contains("表单已过期"));
    let wrong = c
        .post(format!("{}/ui/login", app.url))
        .form(&[
            ("email", t.owner_email.as_str()),
            ("password", "nope-nope"),
            ("_csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let ok = c
        .post(format!("{}/ui/login", app.url))
        .form(&[
            ("email", t.owner_email.as_str()),
            ("password", "password123"),
            ("_csrf", &csrf),
            ("next", "/ui/members"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert_eq!(ok.headers()["location"], "/ui/members");
    let cookie = ok
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("qz_session="))
        .unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    let dash = c.get(format!("{}/ui", app.url)).send().await.unwrap();
    assert_eq!(dash.status(), StatusCode::OK);
    let html = dash.text().await.unwrap();
    assert!(html.contains("仪表盘") && html.contains("echarts.min.js"));
    for p in [
        "/ui/members",
        "/ui/groups",
        "/ui/campaigns",
        "/ui/growth",
        "/ui/settings",
    ] {
        assert_eq!(
            c.get(format!("{}{p}", app.url))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::OK,
            "{p}"
        );
    }
    let en = c
        .get(format!("{}/ui/lang/en?next=/ui/members", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(en.headers()["location"], "/ui/members");
    let html = c
        .get(format!("{}/ui/members", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Members") && html.contains("lang=\"en\""));
    let session_csrf = hidden(&html, "_csrf");
    assert_eq!(
        c.post(format!("{}/ui/logout", app.url))
            .form(&[("_csrf", "wrong")])
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    let out = c
        .post(format!("{}/ui/logout", app.url))
        .form(&[("_csrf", session_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        c.get(format!("{}/ui", app.url))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SEE_OTHER,
        "the session is gone"
    );
}

#[tokio::test]
async fn cookie_sessions_need_the_csrf_header_to_write_through_the_api() {
    let db = TestDb::new().await;
    let app = spawn_app(db.db.clone()).await;
    let t = tenant(&app.db, "shop").await;
    let c = browser();
    let csrf = login_csrf(&c, &app.url).await;
    c.post(format!("{}/ui/login", app.url))
        .form(&[
            ("email", t.owner_email.as_str()),
            ("password", "password123"),
            ("_csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    let html = c
        .get(format!("{}/ui/settings", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = hidden(&html, "_csrf");
    assert_eq!(
        c.get(format!("{}/api/v1/members", app.url))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let r = c
        .post(format!("{}/api/v1/members", app.url))
        .json(&serde_json::json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error"]["code"],
        "csrf_failed"
    );
    let r = c
        .post(format!("{}/api/v1/members", app.url))
        .header("x-csrf-token", token.as_str())
        .json(&serde_json::json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = c
        .post(format!("{}/ui/settings/api-keys", app.url))
        .form(&[
            ("name", "shop sync"),
            ("scope", "write"),
            ("_csrf", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    // Redirected after the POST: the settings page shows the secret once; a reload does
    // not show it again and creates nothing.
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = format!("{}/ui/settings", app.url);
    let html = c.get(&page).send().await.unwrap().text().await.unwrap();
    let again = c.get(&page).send().await.unwrap().text().await.unwrap();
    assert!(
        !again.contains("id=\"new-secret\""),
        "the secret is shown once"
    );
    assert_eq!(again.matches("shop sync").count(), 1, "one key, once");
    let secret = html
        .split("id=\"new-secret\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_string();
    assert!(secret.starts_with("qz_"));
    let me = Client::new()
        .get(format!("{}/api/v1/me", app.url))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(me["tenant"]["slug"], "shop");
    assert_eq!(me["write"], true);
}

#[tokio::test]
async fn open_redirects_after_login_are_refused() {
    let db = TestDb::new().await;
    let app = spawn_app(db.db.clone()).await;
    let t = tenant(&app.db, "shop").await;
    let c = browser();
    let csrf = login_csrf(&c, &app.url).await;
    let r = c
        .post(format!("{}/ui/login", app.url))
        .form(&[
            ("email", t.owner_email.as_str()),
            ("password", "password123"),
            ("_csrf", &csrf),
            ("next", "//evil.example/ui"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/ui");
}
