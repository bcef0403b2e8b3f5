//! Who is calling: an API key (Bearer) or an operator session (cookie, CSRF-checked on
//! writes).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use quanzi_domain::TenantId;
use quanzi_domain::access::{Actor, OperatorRole, Permissions};

use crate::AppState;
use crate::error::{ApiError, Code};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "qz_session";
/// Name of the pre-login CSRF cookie (double-submit on the login form).
pub const LOGIN_CSRF_COOKIE: &str = "qz_login_csrf";
/// Header carrying the CSRF token on cookie-authenticated API writes.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The value of cookie `name`, if sent.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
}

/// The authenticated caller of an API request.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    /// The caller's tenant; every query is scoped to it.
    pub tenant: TenantId,
    /// What the caller may do.
    pub perms: Permissions,
    /// Who the caller is (an operator or an API key), for audit columns.
    pub actor: Actor,
}

impl Caller {
    /// Fails with 403 unless the caller may write.
    pub fn write(&self) -> Result<TenantId, ApiError> {
        if self.perms.write {
            Ok(self.tenant)
        } else {
            Err(ApiError::forbidden())
        }
    }

    /// Fails with 403 unless the caller may administer.
    pub fn admin(&self) -> Result<TenantId, ApiError> {
        if self.perms.admin {
            Ok(self.tenant)
        } else {
            Err(ApiError::forbidden())
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(auth) = parts.headers.get(axum::http::header::AUTHORIZATION) {
            let secret = auth
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .ok_or_else(ApiError::unauthorized)?;
            if let Some(caller) = state.keys.get(secret) {
                return Ok(caller);
            }
            let key = quanzi_core::access::authenticate_key(&state.db, secret)
                .await?
                .ok_or_else(ApiError::unauthorized)?;
            let caller = Caller {
                tenant: key.tenant_id,
                perms: key.scope().into(),
                actor: Actor::ApiKey(key.api_key_id),
            };
            state.keys.put(secret, caller);
            return Ok(caller);
        }
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or_else(ApiError::unauthorized)?;
        let s = quanzi_core::access::session(&state.db, &token)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !constant_time_eq(sent.as_bytes(), s.csrf_token.as_bytes()) {
                return Err(ApiError::new(
                    Code::CsrfFailed,
                    "missing or wrong X-CSRF-Token",
                ));
            }
        }
        let role = OperatorRole::parse(&s.role).unwrap_or(OperatorRole::Viewer);
        Ok(Caller {
            tenant: s.tenant_id,
            perms: role.into(),
            actor: Actor::Operator(s.operator_id),
        })
    }
}

/// Recently verified API keys, so a busy client costs no store lookup per request.
///
/// Entries live `ttl`; a revocation through this process clears the cache at once, one
/// through another process (another node, the CLI) takes effect within `ttl`.
#[derive(Debug)]
pub struct KeyCache {
    ttl: Duration,
    map: Mutex<HashMap<String, (Caller, Instant)>>,
}

impl KeyCache {
    /// A cache whose entries expire after `ttl`.
    pub fn new(ttl: Duration) -> Self {
        KeyCache {
            ttl,
            map: Mutex::new(HashMap::new()),
        }
    }

    fn id(secret: &str) -> String {
        quanzi_core::access::sha256_hex(secret)
    }

    /// The caller of a key verified less than `ttl` ago.
    pub fn get(&self, secret: &str) -> Option<Caller> {
        let map = self.map.lock().ok()?;
        let (c, at) = map.get(&Self::id(secret))?;
        (at.elapsed() < self.ttl).then_some(*c)
    }

    /// Remembers a verified key.
    pub fn put(&self, secret: &str, caller: Caller) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() > 10_000 {
                map.retain(|_, (_, at)| at.elapsed() < self.ttl);
            }
            map.insert(Self::id(secret), (caller, Instant::now()));
        }
    }

    /// Forgets every key (after a revocation).
    pub fn clear(&self) {
        if let Ok(mut map) = self.map.lock() {
            map.clear();
        }
    }
}

/// Compares secrets without leaking where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_several() {
        let mut h = HeaderMap::new();
        h.insert(
            axum::http::header::COOKIE,
            "a=1; qz_session=abc; lang=en"
                .parse()
                .unwrap_or(axum::http::HeaderValue::from_static("")),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "missing"), None);
    }
}
