//! UI errors as pages: any 4xx/5xx a `/ui` handler answers without HTML (a plain "not found",
//! a rejected form, a missing CSRF token, an internal error, an unknown path) is rendered as a
//! page in the operator's language, inside the layout when a session is open.

use askama::Template;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::i18n::Lang;
use super::{Layout, UiUser, lang_from, render};
use crate::AppState;
use crate::auth::{SESSION_COOKIE, cookie};

/// The message key a handler chose for its error page (otherwise the status's own).
#[derive(Debug, Clone, Copy)]
struct ErrorKey(&'static str);

/// An error answered as a page: the status and the key of its message in [`super::i18n`].
#[derive(Debug, Clone, Copy)]
pub struct ErrorPage {
    status: StatusCode,
    key: &'static str,
}

impl ErrorPage {
    /// An error page with `status` saying `key` (translated when it is rendered).
    pub fn new(status: StatusCode, key: &'static str) -> ErrorPage {
        ErrorPage { status, key }
    }
}

impl IntoResponse for ErrorPage {
    fn into_response(self) -> Response {
        // The body is made by [`error_pages`], which knows the language and the session.
        let mut r = self.status.into_response();
        r.extensions_mut().insert(ErrorKey(self.key));
        r
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct InLayout {
    l: Layout,
    status: u16,
    title: String,
    body: String,
    detail: Option<String>,
}

#[derive(Template)]
#[template(path = "error_bare.html")]
struct Bare {
    lang: Lang,
    status: u16,
    title: String,
    body: String,
    detail: Option<String>,
}

/// The title and body keys of a status.
fn keys(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => ("error.400", "error.400.body"),
        403 => ("error.403", "error.403.body"),
        404 => ("error.404", "error.404.body"),
        405 => ("error.405", "error.405.body"),
        413 => ("error.413", "error.413.body"),
        415 | 422 => ("error.422", "error.422.body"),
        429 => ("error.429", "error.429.body"),
        s if s >= 500 => ("error.500", "error.500.body"),
        _ => ("error.400", "error.400.body"),
    }
}

fn wants_json_only(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json") && !a.contains("text/html"))
}

/// What the plain answer said, when it is safe and useful to show (a field and why).
async fn detail_of(resp: Response) -> Option<String> {
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.contains("json"));
    let bytes = axum::body::to_bytes(resp.into_body(), 4096).await.ok()?;
    let text = String::from_utf8_lossy(&bytes).trim().to_string();
    let text = if is_json {
        let v: serde_json::Value = serde_json::from_str(&text).ok()?;
        let fields = v["error"]["fields"].as_array().cloned().unwrap_or_default();
        let fields: Vec<String> = fields
            .iter()
            .map(|f| {
                format!(
                    "{}: {}",
                    f["field"].as_str().unwrap_or(""),
                    f["reason"].as_str().unwrap_or("")
                )
            })
            .collect();
        match fields.is_empty() {
            true => v["error"]["message"].as_str()?.to_string(),
            false => fields.join("; "),
        }
    } else {
        text
    };
    (!text.is_empty()).then(|| text.chars().take(300).collect())
}

/// Middleware on `/ui`: renders every error answer that is not already a page.
pub async fn error_pages(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let lang = lang_from(req.headers());
    let token = cookie(req.headers(), SESSION_COOKIE);
    let json_only = wants_json_only(req.headers());
    let (parts, body) = req.into_parts();
    let client = crate::client::Client::of(&parts, &s.trusted_proxies);
    let req = Request::from_parts(parts, body);
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/ui".into());
    let resp = next.run(req).await;
    let status = resp.status();
    let is_html = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("text/html"));
    if !(status.is_client_error() || status.is_server_error()) || is_html || json_only {
        return resp;
    }
    let chosen = resp.extensions().get::<ErrorKey>().copied();
    let mut kept = resp.headers().clone();
    kept.remove(header::CONTENT_TYPE);
    kept.remove(header::CONTENT_LENGTH);
    let (title_key, body_key) = keys(status);
    // An internal error's text is for the log, never the page.
    let detail = match (chosen, status.is_server_error()) {
        (None, false) => detail_of(resp).await,
        _ => None,
    };
    let title = lang.t(title_key).to_string();
    let body = lang.t(chosen.map(|k| k.0).unwrap_or(body_key)).to_string();
    let session = match token {
        Some(t) => quanzi_core::access::session(&s.db, &t).await.ok().flatten(),
        None => None,
    };
    let mut page = match session {
        Some(session) => render(InLayout {
            l: UiUser {
                session,
                lang,
                path,
                client,
            }
            .layout(""),
            status: status.as_u16(),
            title,
            body,
            detail,
        }),
        None => render(Bare {
            lang,
            status: status.as_u16(),
            title,
            body,
            detail,
        }),
    };
    *page.status_mut() = status;
    for (name, value) in kept.iter() {
        page.headers_mut().append(name.clone(), value.clone());
    }
    page
}
