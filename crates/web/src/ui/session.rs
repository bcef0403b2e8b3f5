//! Logging in and out, and switching the UI language.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use quanzi_core::login_throttle::{self, LoginOutcome};
use serde::Deserialize;

use super::i18n::Lang;
use super::{ErrorPage, lang_from, render, server_error};
use crate::AppState;
use crate::auth::{LOGIN_CSRF_COOKIE, SESSION_COOKIE, constant_time_eq, cookie};
use crate::client::Client;
use crate::error::{ApiError, Code};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    lang: Lang,
    csrf: String,
    next: String,
    email: String,
    error: Option<String>,
}

/// Where to go after login: only local UI paths (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with("/ui")
                && !n.starts_with("//")
                && !n.contains("://")
                && !n.starts_with("/ui/login") =>
        {
            n.to_string()
        }
        _ => "/ui".to_string(),
    }
}

/// A `Set-Cookie` value; `Secure` when configured or when the request came over HTTPS.
pub fn cookie_header(
    state: &AppState,
    client: Client,
    name: &str,
    value: &str,
    max_age: Option<i64>,
) -> HeaderValue {
    cookie_header_at(state, client, "/", name, value, max_age)
}

/// [`cookie_header`] for the pages under `path` only (the member pages keep theirs to one
/// merchant's `/h/{tenant}`).
pub fn cookie_header_at(
    state: &AppState,
    client: Client,
    path: &str,
    name: &str,
    value: &str,
    max_age: Option<i64>,
) -> HeaderValue {
    let secure = if state.secure_cookies || client.https {
        "; Secure"
    } else {
        ""
    };
    let age = max_age
        .map(|a| format!("; Max-Age={a}"))
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "{name}={value}; Path={path}; HttpOnly; SameSite=Lax{age}{secure}"
    ))
    .unwrap_or(HeaderValue::from_static(""))
}

fn login_page(
    state: &AppState,
    client: Client,
    headers: &HeaderMap,
    lang: Lang,
    next: String,
    email: String,
    error: Option<String>,
) -> Response {
    let csrf = cookie(headers, LOGIN_CSRF_COOKIE)
        .filter(|c| c.len() == 32)
        .unwrap_or_else(|| quanzi_core::access::random_hex(16));
    let mut resp = render(LoginPage {
        lang,
        csrf: csrf.clone(),
        next,
        email,
        error,
    });
    resp.headers_mut().append(
        header::SET_COOKIE,
        cookie_header(state, client, LOGIN_CSRF_COOKIE, &csrf, Some(3600)),
    );
    resp
}

/// Query of the login page.
#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// GET /ui/login.
pub async fn login_form(
    State(s): State<AppState>,
    client: Client,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    let lang = lang_from(&headers);
    login_page(
        &s,
        client,
        &headers,
        lang,
        safe_next(q.next.as_deref()),
        String::new(),
        None,
    )
}

/// The login form.
#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    #[serde(rename = "_csrf")]
    csrf: String,
    next: Option<String>,
}

/// POST /ui/login: double-submit CSRF check, throttling (per account and address, and per
/// address; `Retry-After` and the wait on the page when refused), then a session cookie.
pub async fn login(
    State(s): State<AppState>,
    client: Client,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let lang = lang_from(&headers);
    let next = safe_next(f.next.as_deref());
    let email = f.email.trim().to_lowercase();
    let page = |status: StatusCode, error: String, email: String| {
        let mut r = login_page(&s, client, &headers, lang, next.clone(), email, Some(error));
        *r.status_mut() = status;
        r
    };
    let sent_ok = cookie(&headers, LOGIN_CSRF_COOKIE)
        .is_some_and(|c| constant_time_eq(c.as_bytes(), f.csrf.as_bytes()));
    if !sent_ok {
        let error = lang.t("login.expired").to_string();
        return page(StatusCode::FORBIDDEN, error, email);
    }
    // A script asking for JSON gets the API's error body (`rate_limited`, `bad_credentials`).
    let json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json") && !a.contains("text/html"));
    let now = quanzi_core::read::now_ms();
    match login_throttle::login(&s.db, &s.throttle, &email, &f.password, client.ip, now).await {
        Ok(LoginOutcome::LoggedIn(login)) => {
            let mut r = Redirect::to(&next).into_response();
            let max_age = quanzi_core::access::SESSION_TTL_MS / 1000;
            r.headers_mut().append(
                header::SET_COOKIE,
                cookie_header(&s, client, SESSION_COOKIE, &login.token, Some(max_age)),
            );
            r
        }
        Ok(LoginOutcome::WrongPassword) if json => {
            ApiError::new(Code::BadCredentials, "wrong email or password").into_response()
        }
        Ok(LoginOutcome::WrongPassword) => {
            let error = lang.t("login.failed").to_string();
            page(StatusCode::UNAUTHORIZED, error, email)
        }
        Ok(LoginOutcome::Refused { retry_after_secs }) => {
            let wait = lang
                .t("login.limited")
                .replace("{n}", &retry_after_secs.to_string());
            let mut r = match json {
                true => ApiError::new(Code::RateLimited, wait).into_response(),
                false => page(StatusCode::TOO_MANY_REQUESTS, wait, email),
            };
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            r
        }
        Err(e) => server_error(e),
    }
}

/// The logout form.
#[derive(Deserialize)]
pub struct LogoutForm {
    #[serde(rename = "_csrf")]
    csrf: String,
}

/// POST /ui/logout: ends the session (CSRF-checked) and clears the cookie.
pub async fn logout(
    State(s): State<AppState>,
    client: Client,
    headers: HeaderMap,
    Form(f): Form<LogoutForm>,
) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        match quanzi_core::access::session(&s.db, &token).await {
            Ok(Some(sess)) if constant_time_eq(sess.csrf_token.as_bytes(), f.csrf.as_bytes()) => {
                if let Err(e) = quanzi_core::access::logout(&s.db, &token).await {
                    return server_error(e);
                }
            }
            Ok(Some(_)) => {
                return ErrorPage::new(StatusCode::FORBIDDEN, "error.csrf").into_response();
            }
            _ => {}
        }
    }
    let mut r = Redirect::to("/ui/login").into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        cookie_header(&s, client, SESSION_COOKIE, "", Some(0)),
    );
    r
}

/// GET /ui/lang/{zh|en}?next=…: remembers the language for a year.
pub async fn set_lang(
    State(s): State<AppState>,
    client: Client,
    Path(lang): Path<String>,
    Query(q): Query<NextQuery>,
) -> Response {
    let code = if lang.starts_with("en") { "en" } else { "zh" };
    let next = match q.next.as_deref() {
        Some("/ui/login") => "/ui/login".to_string(),
        other => safe_next(other),
    };
    let mut r = Redirect::to(&next).into_response();
    let secure = if s.secure_cookies || client.https {
        "; Secure"
    } else {
        ""
    };
    if let Ok(v) = HeaderValue::from_str(&format!(
        "lang={code}; Path=/; Max-Age=31536000; SameSite=Lax{secure}"
    )) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}
