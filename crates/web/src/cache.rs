//! A read-through cache of member details for the API's hottest read, invalidated by writes.
//!
//! Every write request that passes through this process bumps its tenant's generation after
//! the write is done (or, when the tenant is not known, a global epoch); an entry is served
//! only while both are unchanged and it is younger than the TTL, which bounds how long a
//! write made elsewhere (another node, the CLI) can go unseen. A fill races safely with a
//! write: the token is taken before the store is read and the entry is kept only if the
//! token is still current afterwards.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

const MAX_ENTRIES: usize = 100_000;

/// What an entry was read under: the tenant's generation and the global epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token(u64, u64);

#[derive(Debug, Default)]
struct Inner {
    epoch: u64,
    gens: HashMap<i64, u64>,
    members: HashMap<(i64, i64), (Token, Instant, Bytes)>,
}

impl Inner {
    fn token(&self, tenant: i64) -> Token {
        Token(self.gens.get(&tenant).copied().unwrap_or(0), self.epoch)
    }
}

/// Cached member details, keyed by tenant and member.
#[derive(Debug)]
pub struct ReadCache {
    ttl: Duration,
    inner: Mutex<Inner>,
}

impl ReadCache {
    /// A cache whose entries are served for at most `ttl`.
    pub fn new(ttl: Duration) -> Self {
        ReadCache {
            ttl,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The current token of a tenant; take it before reading the store.
    pub fn token(&self, tenant: i64) -> Token {
        match self.inner.lock() {
            Ok(i) => i.token(tenant),
            Err(_) => Token(u64::MAX, u64::MAX),
        }
    }

    /// The cached JSON of a member, if still valid.
    pub fn member(&self, tenant: i64, member: i64) -> Option<Bytes> {
        let i = self.inner.lock().ok()?;
        let (token, at, body) = i.members.get(&(tenant, member))?;
        (*token == i.token(tenant) && at.elapsed() < self.ttl).then(|| body.clone())
    }

    /// Keeps a member's JSON read under `token`, unless a write came in meanwhile.
    pub fn put_member(&self, tenant: i64, member: i64, token: Token, body: Bytes) {
        if let Ok(mut i) = self.inner.lock() {
            if i.token(tenant) != token {
                return;
            }
            if i.members.len() >= MAX_ENTRIES {
                i.members.clear();
            }
            i.members
                .insert((tenant, member), (token, Instant::now(), body));
        }
    }

    /// Invalidates a tenant's entries (or everyone's, when the tenant is unknown).
    pub fn bump(&self, tenant: Option<i64>) {
        if let Ok(mut i) = self.inner.lock() {
            match tenant {
                Some(t) => *i.gens.entry(t).or_default() += 1,
                None => i.epoch += 1,
            }
        }
    }
}

/// Middleware: after any request that may write, invalidate the caller's cached reads.
pub async fn invalidate_after_writes(
    State(s): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let secret = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|v| v.trim().to_string());
    let resp = next.run(req).await;
    let tenant = secret.and_then(|k| s.keys.get(&k)).map(|c| c.tenant.0);
    s.cache.bump(tenant);
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_invalidates_only_its_tenant_and_a_racing_fill_is_dropped() {
        let c = ReadCache::new(Duration::from_secs(60));
        let (ta, tb) = (c.token(1), c.token(2));
        c.put_member(1, 10, ta, Bytes::from_static(b"a"));
        c.put_member(2, 20, tb, Bytes::from_static(b"b"));
        assert!(c.member(1, 10).is_some());
        c.bump(Some(1));
        assert!(c.member(1, 10).is_none(), "tenant 1 wrote");
        assert!(c.member(2, 20).is_some(), "tenant 2 did not");
        let stale = c.token(2);
        c.bump(None);
        c.put_member(2, 20, stale, Bytes::from_static(b"old"));
        assert!(
            c.member(2, 20).is_none(),
            "a fill read before a write is not kept"
        );
    }

    #[test]
    fn entries_expire() {
        let c = ReadCache::new(Duration::from_millis(0));
        let t = c.token(1);
        c.put_member(1, 1, t, Bytes::from_static(b"x"));
        assert!(c.member(1, 1).is_none());
    }
}
