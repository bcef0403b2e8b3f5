//! `/hooks/wecom/{tenant}`: WeCom's URL verification (GET) and event callbacks (POST) for the
//! tenant with that slug. A POST is answered `success` as soon as the decrypted event and its
//! job are committed; the job applies it later, once. A callback whose `timestamp` is outside
//! the server's window is refused (422 naming `timestamp`), so a captured one cannot be
//! replayed.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use quanzi_core::wecom::{self, CallbackParams, WecomError};
use quanzi_domain::TenantId;

use crate::AppState;
use crate::error::{ApiError, Code};

/// The hook's routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/hooks/wecom/{tenant}", get(verify).post(receive))
}

/// Decodes `%XX` escapes and keeps `+` as it is: WeCom's echostr and signatures are Base64 and
/// hex, where `+` is a character, never an encoded space.
fn decode(v: &str) -> Option<String> {
    percent_encoding::percent_decode_str(v)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

/// Reads the signed parameters from the raw query; each must appear at most once.
pub fn params(query: Option<&str>) -> Result<CallbackParams, ApiError> {
    let mut p = CallbackParams::default();
    let mut seen: Vec<&str> = Vec::new();
    for pair in query
        .unwrap_or_default()
        .split('&')
        .filter(|s| !s.is_empty())
    {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let slot = match k {
            "msg_signature" => &mut p.msg_signature,
            "timestamp" => &mut p.timestamp,
            "nonce" => &mut p.nonce,
            "echostr" => &mut p.echostr,
            _ => continue,
        };
        if seen.contains(&k) {
            return Err(ApiError::field(k, "appears more than once"));
        }
        seen.push(k);
        *slot = decode(v).ok_or_else(|| ApiError::field(k, "is not UTF-8 after decoding"))?;
    }
    for (name, v) in [
        ("msg_signature", &p.msg_signature),
        ("timestamp", &p.timestamp),
        ("nonce", &p.nonce),
    ] {
        if v.is_empty() {
            return Err(ApiError::field(name, "is required"));
        }
    }
    Ok(p)
}

async fn tenant(s: &AppState, slug: &str) -> Result<TenantId, ApiError> {
    match quanzi_core::read::tenant::by_slug(&s.db, slug).await {
        Ok(Some(t)) => Ok(t.tenant_id),
        Ok(None) => Err(ApiError::not_found("tenant")),
        Err(e) => Err(quanzi_core::CoreError::from(e).into()),
    }
}

fn refused(e: WecomError) -> ApiError {
    match e {
        WecomError::NotConfigured => ApiError::not_found("wecom connection"),
        WecomError::Callback(c) => ApiError::new(Code::BadRequest, format!("{}: {c}", c.code())),
        WecomError::Verify(c) => ApiError::new(Code::BadRequest, format!("{}: {c}", c.code())),
        WecomError::Stale(_) => ApiError::field("timestamp", e.to_string()),
        WecomError::ServerKey(k) => quanzi_core::CoreError::ServerKey(k).into(),
        WecomError::Store(s) => quanzi_core::CoreError::from(s).into(),
    }
}

async fn verify(
    State(s): State<AppState>,
    Path(slug): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let run = async {
        let p = params(q.as_deref())?;
        if p.echostr.is_empty() {
            return Err(ApiError::field("echostr", "is required"));
        }
        let t = tenant(&s, &slug).await?;
        wecom::verify_url(&s.db, &s.server, t, &p)
            .await
            .map_err(refused)
    };
    match run.await {
        Ok(plain) => plain.into_response(),
        Err(e) => e.into_response(),
    }
}

async fn receive(
    State(s): State<AppState>,
    Path(slug): Path<String>,
    RawQuery(q): RawQuery,
    body: String,
) -> Response {
    let run = async {
        let p = params(q.as_deref())?;
        let t = tenant(&s, &slug).await?;
        let new = wecom::receive(&s.db, &s.server, t, &p, &body)
            .await
            .map_err(refused)?;
        tracing::info!(tenant = t.0, new, "wecom callback acknowledged");
        Ok::<_, ApiError>(())
    };
    match run.await {
        Ok(()) => "success".into_response(),
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_plus_in_the_echostr_stays_a_plus_whether_encoded_or_not() {
        let raw = params(Some(
            "msg_signature=ab&timestamp=1&nonce=2&echostr=a+b%2Bc%3D%3D",
        ))
        .unwrap();
        assert_eq!(raw.echostr, "a+b+c==");
    }

    #[test]
    fn a_missing_or_repeated_parameter_is_named() {
        let e = params(Some("timestamp=1&nonce=2")).unwrap_err();
        assert_eq!(e.fields[0].field, "msg_signature");
        let e = params(Some("msg_signature=a&msg_signature=b&timestamp=1&nonce=2")).unwrap_err();
        assert_eq!(e.fields[0].field, "msg_signature");
    }
}
