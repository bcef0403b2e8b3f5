//! HTTP helpers for tests against a spawned app: JSON calls with an API key, and a browser-like
//! client (cookies kept, redirects not followed) logged in through the login form, and the
//! text of a page it reads.

use reqwest::{Client, Method, StatusCode, redirect};
use serde_json::Value;

/// Calls the app's API with a bearer key; answers the status and the body as JSON (or as a
/// JSON string when it is not JSON).
pub async fn call(
    c: &Client,
    base: &str,
    key: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut rq = c.request(method, format!("{base}{path}")).bearer_auth(key);
    if let Some(b) = body {
        rq = rq.json(&b);
    }
    let Ok(r) = rq.send().await else {
        return (StatusCode::SERVICE_UNAVAILABLE, Value::Null);
    };
    let status = r.status();
    let text = r.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// [`call`] on a full `url` (the app's base included); a null `body` sends none.
pub async fn api(
    c: &Client,
    key: &str,
    method: Method,
    url: String,
    body: Value,
) -> (StatusCode, Value) {
    let body = (!body.is_null()).then_some(body);
    call(c, "", key, method, &url, body).await
}

/// A client that keeps cookies and does not follow redirects, like a browser under test.
pub fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(redirect::Policy::none())
        .build()
        .unwrap_or_default()
}

/// The value of the hidden form field `name` in `html` (empty when absent).
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).map(|i| i + marker.len()).unwrap_or(0);
    html[start..].split('"').next().unwrap_or("").to_string()
}

/// Opens the login form in `c` and returns its CSRF token (also set as a cookie in `c`).
pub async fn login_csrf(c: &Client, base: &str) -> String {
    let form = match c.get(format!("{base}/ui/login")).send().await {
        Ok(r) => r.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    hidden(&form, "_csrf")
}

/// A browser logged in with `email` and `password`; the login's status is answered too.
pub async fn logged_in(base: &str, email: &str, password: &str) -> (Client, StatusCode) {
    let c = browser();
    let csrf = login_csrf(&c, base).await;
    let status = match c
        .post(format!("{base}/ui/login"))
        .form(&[("email", email), ("password", password), ("_csrf", &csrf)])
        .send()
        .await
    {
        Ok(r) => r.status(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    };
    (c, status)
}

/// The body of a `GET url` that answered 200 (any other status fails the test, naming `url`).
pub async fn page(c: &Client, url: &str) -> String {
    let r = c.get(url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{url}");
    r.text().await.unwrap()
}

/// Sends a form as the logged-in browser `c` does: answers the status, the `Location` it
/// redirects to (empty when none) and the body.
pub async fn post_form(
    c: &Client,
    url: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let r = c.post(url).form(form).send().await.unwrap();
    let status = r.status();
    let location = r
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, location, r.text().await.unwrap())
}
