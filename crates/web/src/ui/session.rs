//! Logging in and out, and switching the UI language.

use std::net::SocketAddr;

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::i18n::Lang;
use super::{render, server_error};
use crate::AppState;
use crate::auth::{LOGIN_CSRF_COOKIE, SESSION_COOKIE, constant_time_eq, cookie};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    lang: Lang,
    csrf: String,
    next: String,
    email: String,
    error: Option<&'static str>,
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

fn cookie_header(state: &AppState, name: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    let age = max_age
        .map(|a| format!("; Max-Age={a}"))
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax{age}{secure}"
    ))
    .unwrap_or(HeaderValue::from_static(""))
}

fn login_page(
    state: &AppState,
    headers: &HeaderMap,
    lang: Lang,
    next: String,
    email: String,
    error: Option<&'static str>,
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
        cookie_header(state, LOGIN_CSRF_COOKIE, &csrf, Some(3600)),
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
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    let lang = Lang::from_code(cookie(&headers, "lang").as_deref());
    login_page(
        &s,
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

/// POST /ui/login: double-submit CSRF check, rate limit, then a session cookie.
pub async fn login(
    State(s): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let lang = Lang::from_code(cookie(&headers, "lang").as_deref());
    let next = safe_next(f.next.as_deref());
    let email = f.email.trim().to_lowercase();
    let sent_ok = cookie(&headers, LOGIN_CSRF_COOKIE)
        .is_some_and(|c| constant_time_eq(c.as_bytes(), f.csrf.as_bytes()));
    if !sent_ok {
        return login_page(&s, &headers, lang, next, email, Some("login.expired"));
    }
    let by_email = format!("email:{email}");
    let by_ip = format!("ip:{}", addr.ip());
    if !s.limiter.allowed(&by_email) || !s.limiter.allowed(&by_ip) {
        let mut r = login_page(&s, &headers, lang, next, email, Some("login.limited"));
        *r.status_mut() = axum::http::StatusCode::TOO_MANY_REQUESTS;
        return r;
    }
    match quanzi_core::access::login(&s.db, &email, &f.password).await {
        Ok(login) => {
            s.limiter.succeed(&by_email);
            let mut r = Redirect::to(&next).into_response();
            let max_age = quanzi_core::access::SESSION_TTL_MS / 1000;
            r.headers_mut().append(
                header::SET_COOKIE,
                cookie_header(&s, SESSION_COOKIE, &login.token, Some(max_age)),
            );
            r
        }
        Err(quanzi_core::CoreError::BadCredentials) => {
            s.limiter.fail(&by_email);
            s.limiter.fail(&by_ip);
            let mut r = login_page(&s, &headers, lang, next, email, Some("login.failed"));
            *r.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
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
                return (axum::http::StatusCode::FORBIDDEN, "csrf check failed").into_response();
            }
            _ => {}
        }
    }
    let mut r = Redirect::to("/ui/login").into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        cookie_header(&s, SESSION_COOKIE, "", Some(0)),
    );
    r
}

/// GET /ui/lang/{zh|en}?next=…: remembers the language for a year.
pub async fn set_lang(Path(lang): Path<String>, Query(q): Query<NextQuery>) -> Response {
    let code = if lang.starts_with("en") { "en" } else { "zh" };
    let next = match q.next.as_deref() {
        Some("/ui/login") => "/ui/login".to_string(),
        other => safe_next(other),
    };
    let mut r = Redirect::to(&next).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "lang={code}; Path=/; Max-Age=31536000; SameSite=Lax"
    )) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}
