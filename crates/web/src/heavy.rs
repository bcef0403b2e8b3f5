//! One tenant cannot starve another: a per-tenant cap on concurrent heavy requests, and a
//! deadline on each.
//!
//! Heavy are the reads whose cost grows with the tenant: every listing (events, members,
//! groups, a group's members, timelines, history, activity), the KPI and influence reads, the
//! KPI exports, and the operator pages built from them ([`is_heavy`]). Each tenant may run
//! [`Limits::heavy_per_tenant`] of them at once (by default half the cores, at least one);
//! one more waits up to [`SLOT_WAIT`] for a slot, then answers 429 `rate_limited` with
//! `Retry-After` — so a tenant's burst costs the others nothing, and single-object reads and
//! writes are never held back. Each heavy request must answer
//! within [`Limits::statement_timeout`] or answers 503 `unavailable` (on SQLite, whose
//! statements have no server-side limit, this deadline on the request is the bound; on
//! PostgreSQL the pool's `statement_timeout` also stops the statement itself).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use quanzi_domain::TenantId;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, Code};

/// The limits on heavy requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Heavy requests one tenant may run at once.
    pub heavy_per_tenant: usize,
    /// The longest a heavy request (and, on PostgreSQL, any statement) may run.
    pub statement_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            heavy_per_tenant: default_heavy_per_tenant(),
            statement_timeout: Duration::from_secs(30),
        }
    }
}

/// Half the machine's cores, at least one: a tenant's heavy requests (CPU-bound once their
/// pages are on an index) can then take at most half the machine from the others.
pub fn default_heavy_per_tenant() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get() / 2)
        .unwrap_or(1)
        .max(1)
}

/// Seconds a refused client is told to wait.
pub const RETRY_AFTER_SECS: u64 = 1;

/// How long a heavy request beyond the limit waits for a slot before its 429: a burst a
/// little over the limit is served, and a client that ignores `Retry-After` and asks again at
/// once is slowed to a few requests a second per connection, asleep rather than on a CPU.
pub const SLOT_WAIT: Duration = Duration::from_millis(100);

/// The heavy requests each tenant is running.
#[derive(Debug)]
pub struct HeavyLimiter {
    limits: Limits,
    slots: Mutex<HashMap<i64, Arc<Semaphore>>>,
}

impl HeavyLimiter {
    /// A limiter with `limits`.
    pub fn new(limits: Limits) -> Self {
        HeavyLimiter {
            limits,
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// The limits it applies.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// A slot for one heavy request of `tenant`, held until dropped; none when the tenant
    /// runs its limit already.
    pub fn try_acquire(&self, tenant: TenantId) -> Option<OwnedSemaphorePermit> {
        self.semaphore(tenant).try_acquire_owned().ok()
    }

    /// A slot for one heavy request of `tenant`, waiting up to `wait` for one to free.
    pub async fn acquire(&self, tenant: TenantId, wait: Duration) -> Option<OwnedSemaphorePermit> {
        if let Some(p) = self.try_acquire(tenant) {
            return Some(p);
        }
        let sem = self.semaphore(tenant);
        tokio::time::timeout(wait, sem.acquire_owned())
            .await
            .ok()
            .and_then(Result::ok)
    }

    fn semaphore(&self, tenant: TenantId) -> Arc<Semaphore> {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots
            .entry(tenant.0)
            .or_insert_with(|| Arc::new(Semaphore::new(self.limits.heavy_per_tenant)))
            .clone()
    }
}

/// Whether a request is heavy: a read whose cost grows with the tenant's data.
pub fn is_heavy(method: &Method, path: &str) -> bool {
    if method == Method::POST {
        return path == "/api/v1/kpi/index/rebuild";
    }
    // HEAD runs the GET handler: the same work, so the same limit.
    if method != Method::GET && method != Method::HEAD {
        return false;
    }
    let segs: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    matches!(
        segs.as_slice(),
        [
            "api",
            "v1",
            "events" | "members" | "groups" | "live-codes" | "rewards"
        ] | ["api", "v1", "gifts", "costs"]
            | [
                "api",
                "v1",
                "referral-programs",
                _,
                "leaderboard" | "cash-export"
            ]
            | ["api", "v1", "members", _, "events" | "history"]
            | ["api", "v1", "groups", _, "members" | "history" | "activity"]
            | ["api", "v1", "kpi" | "influence", ..]
            | ["ui"]
            | [
                "ui",
                "members" | "groups" | "kpi" | "influence" | "growth",
                ..
            ]
    )
}

/// The 429 a tenant gets beyond its limit.
fn busy() -> Response {
    let mut r = ApiError::new(
        Code::RateLimited,
        "too many heavy requests of this tenant at once; retry after the Retry-After seconds",
    )
    .into_response();
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    r
}

/// The middleware: heavy requests of an authenticated tenant take one of its slots or answer
/// 429, and answer 503 past the deadline. Others (and unauthenticated ones, which their
/// handler refuses) pass untouched.
pub async fn limit(State(s): State<AppState>, req: Request, next: Next) -> Response {
    if !is_heavy(req.method(), req.uri().path()) {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let caller = Caller::from_request_parts(&mut parts, &s).await;
    let req = Request::from_parts(parts, body);
    let Ok(caller) = caller else {
        return next.run(req).await;
    };
    let Some(_slot) = s.heavy.acquire(caller.tenant, SLOT_WAIT).await else {
        return busy();
    };
    let deadline = s.heavy.limits().statement_timeout;
    let started = std::time::Instant::now();
    // A read that finished past its deadline is refused too, so the bound holds however the
    // answer arrived (a zero deadline refuses every heavy request).
    match tokio::time::timeout(deadline, next.run(req)).await {
        Ok(r) if started.elapsed() <= deadline => r,
        _ => {
            tracing::warn!(tenant = caller.tenant.0, "heavy request past its deadline");
            ApiError::new(
                Code::Unavailable,
                "the request took too long; narrow it or retry",
            )
            .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listings_kpis_and_pages_are_heavy_single_reads_and_writes_are_not() {
        for p in [
            "/api/v1/events",
            "/api/v1/members",
            "/api/v1/groups",
            "/api/v1/members/7/events",
            "/api/v1/members/7/history",
            "/api/v1/groups/3/members",
            "/api/v1/groups/3/history",
            "/api/v1/groups/3/activity",
            "/api/v1/kpi/overview",
            "/api/v1/influence/kol",
            "/api/v1/live-codes",
            "/api/v1/rewards",
            "/api/v1/gifts/costs",
            "/api/v1/referral-programs/2/cash-export",
            "/ui",
            "/ui/members",
            "/ui/kpi/retention/export",
        ] {
            assert!(is_heavy(&Method::GET, p), "{p}");
            assert!(
                is_heavy(&Method::HEAD, p),
                "HEAD runs the same handler: {p}"
            );
        }
        for (m, p) in [
            (Method::GET, "/api/v1/members/7"),
            (Method::GET, "/api/v1/groups/3"),
            (Method::GET, "/api/v1/me"),
            (Method::POST, "/api/v1/events"),
            (Method::GET, "/healthz"),
            (Method::GET, "/ui/login"),
            (Method::GET, "/ui/settings"),
        ] {
            assert!(!is_heavy(&m, p), "{m} {p}");
        }
        assert!(is_heavy(&Method::POST, "/api/v1/kpi/index/rebuild"));
    }

    #[test]
    fn a_tenant_past_its_limit_is_refused_while_another_tenant_is_not() {
        let l = HeavyLimiter::new(Limits {
            heavy_per_tenant: 2,
            ..Limits::default()
        });
        let (a, b) = (TenantId(1), TenantId(2));
        let held = [l.try_acquire(a), l.try_acquire(a)];
        assert!(held.iter().all(Option::is_some));
        assert!(l.try_acquire(a).is_none());
        assert!(l.try_acquire(b).is_some());
        drop(held);
        assert!(l.try_acquire(a).is_some());
    }

    #[tokio::test]
    async fn a_request_past_the_limit_takes_a_slot_freed_while_it_waits() {
        let l = Arc::new(HeavyLimiter::new(Limits {
            heavy_per_tenant: 1,
            ..Limits::default()
        }));
        let t = TenantId(1);
        let held = l.try_acquire(t);
        assert!(held.is_some());
        assert!(l.acquire(t, Duration::from_millis(1)).await.is_none());
        let waiting = tokio::spawn({
            let l = l.clone();
            async move { l.acquire(t, Duration::from_secs(600)).await.is_some() }
        });
        drop(held);
        assert!(waiting.await.unwrap_or_else(|e| panic!("{e}")));
    }
}
