//! API errors in the caller's language: when `Accept-Language` asks for Chinese first, an
//! error body's message is the code's own sentence in zh-CN and each field's reason is
//! translated (the locale files' `reason.*`); the code, the status, the fields' names and
//! indexes never change. Without the header, or in any other language, errors stay English.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::ui::i18n::Lang;

/// The most of an error body this reads to translate it; a longer one is passed on as it is.
const MAX_ERROR_BODY: usize = 1 << 20;

/// The language the caller asked for first: zh-CN when it is Chinese, English otherwise.
pub fn api_lang(headers: &HeaderMap) -> Lang {
    match crate::ui::first_language(headers) {
        Some(l) if l.starts_with("zh") => Lang::Zh,
        _ => Lang::En,
    }
}

/// Middleware of the API: translates error bodies for callers who asked for Chinese.
pub async fn in_callers_language(req: Request, next: Next) -> Response {
    let lang = api_lang(req.headers());
    let resp = next.run(req).await;
    let json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if lang == Lang::En
        || !json
        || !(resp.status().is_client_error() || resp.status().is_server_error())
    {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BODY).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let out = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(mut v) => match translate(&mut v, lang) {
            true => serde_json::to_vec(&v).unwrap_or_else(|_| bytes.to_vec()),
            false => bytes.to_vec(),
        },
        Err(_) => bytes.to_vec(),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_LANGUAGE,
        header::HeaderValue::from_static("zh-CN"),
    );
    Response::from_parts(parts, Body::from(out))
}

/// Translates `{"error": {"code", "message", "fields"}}` in place; false when `v` is not an
/// error body.
fn translate(v: &mut serde_json::Value, lang: Lang) -> bool {
    let Some(err) = v.get_mut("error").and_then(|e| e.as_object_mut()) else {
        return false;
    };
    let Some(code) = err.get("code").and_then(|c| c.as_str()).map(str::to_string) else {
        return false;
    };
    let key = format!("apierr.{code}");
    let message = lang.t(&key);
    if message != key {
        err.insert("message".into(), message.into());
    }
    if let Some(fields) = err.get_mut("fields").and_then(|f| f.as_array_mut()) {
        for f in fields {
            if let Some(reason) = f.get("reason").and_then(|r| r.as_str()) {
                let zh = lang.reason(reason);
                f["reason"] = zh.into();
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_body_is_translated_and_its_code_and_fields_kept() {
        let mut v = serde_json::json!({"error": {"code": "validation_failed", "message": "invalid input",
            "fields": [{"index": 2, "field": "phone", "reason": "must be an 11-digit mainland mobile number"}]}});
        assert!(translate(&mut v, Lang::Zh));
        assert_eq!(v["error"]["code"], "validation_failed");
        assert_eq!(v["error"]["fields"][0]["field"], "phone");
        assert_eq!(v["error"]["fields"][0]["index"], 2);
        assert_eq!(
            v["error"]["fields"][0]["reason"],
            "须为 11 位中国大陆手机号"
        );
        assert_ne!(v["error"]["message"], "invalid input");
        assert!(!translate(&mut serde_json::json!({"items": []}), Lang::Zh));
    }

    #[test]
    fn only_a_first_choice_of_chinese_asks_for_chinese() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(
                header::ACCEPT_LANGUAGE,
                v.parse().unwrap_or(header::HeaderValue::from_static("")),
            );
            api_lang(&m)
        };
        assert_eq!(h("zh-CN,zh;q=0.9"), Lang::Zh);
        assert_eq!(h("en-US,zh-CN;q=0.5"), Lang::En);
        assert_eq!(api_lang(&HeaderMap::new()), Lang::En);
    }
}
