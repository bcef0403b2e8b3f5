//! Scans share commits through a [`crate::lane::Lane`], with hints of groups found full so
//! routing looks at them last. The rules are [`super::scan`]'s, the same on both stores.

use std::collections::HashMap;

use quanzi_domain::TenantId;
use quanzi_store::{Db, Tx, now_ms};

use super::scan::{Applied, Landing, Prepared, ScanInput, apply, finish, prepare, prepare_code};
use crate::lane::{Applying, Lane, Unit};
use crate::views::LiveCode;
use crate::{CoreError, Result};

struct ScanUnit {
    t: TenantId,
    p: Prepared,
}

impl Unit for ScanUnit {
    type Out = Applied;
    fn apply<'a>(&'a self, tx: &'a mut Tx) -> Applying<'a, Applied> {
        Box::pin(apply(tx, self.t, &self.p))
    }
}

/// How long a group found at its hard capacity is believed full (a member may leave, a
/// seat expire): routing looks at it last meanwhile.
const FULL_HINT_MS: i64 = 30_000;

/// The scans of one store, queued for shared commits; the lane starts with the first scan.
pub struct Scanner {
    db: Db,
    lane: Lane<ScanUnit>,
    /// (tenant, group) → until when it is believed full. A hint only: it can make routing
    /// look at a group later, never put anyone past a cap (the loads are read in the scan's
    /// transaction, and a new group is opened only on the loads of every group).
    full: std::sync::Mutex<HashMap<(i64, i64), i64>>,
}

impl std::fmt::Debug for Scanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scanner").finish_non_exhaustive()
    }
}

impl Scanner {
    /// A scanner over `db`.
    pub fn new(db: Db) -> Scanner {
        Scanner {
            lane: Lane::new(db.clone()),
            db,
            full: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// Routes a scan of code `id` (as [`super::scan::scan`]), sharing its commit with the
    /// scans queued at the same time.
    pub async fn scan(&self, t: TenantId, id: i64, input: ScanInput) -> Result<Landing> {
        let p = prepare(&self.db, t, id, input).await?;
        self.queue(t, p).await
    }

    /// [`Scanner::scan`] of a code the caller has read already.
    pub async fn scan_code(
        &self,
        t: TenantId,
        code: LiveCode,
        input: ScanInput,
    ) -> Result<Landing> {
        let p = prepare_code(&self.db, t, code, input).await?;
        self.queue(t, p).await
    }

    async fn queue(&self, t: TenantId, p: Prepared) -> Result<Landing> {
        // A scan PostgreSQL chose as a deadlock victim (locks of codes and programmes taken
        // by concurrent transactions in different orders) is tried again, twice at most.
        let mut p = p;
        for _ in 0..2 {
            match self.queue_once(t, p).await {
                Err((Some(back), e)) if retryable(&e) => p = back,
                Err((_, e)) => return Err(e),
                Ok(landing) => return Ok(landing),
            }
        }
        self.queue_once(t, p).await.map_err(|(_, e)| e)
    }

    async fn queue_once(
        &self,
        t: TenantId,
        mut p: Prepared,
    ) -> std::result::Result<Landing, (Option<Prepared>, CoreError)> {
        let now = now_ms();
        if let Ok(mut full) = self.full.lock() {
            full.retain(|_, until| *until > now);
            p.skip = full.keys().filter(|k| k.0 == t.0).map(|k| k.1).collect();
        }
        let (unit, applied) = self
            .lane
            .apply(ScanUnit { t, p })
            .await
            .map_err(|e| (None, e))?;
        let p = unit.p;
        let applied = match applied {
            Ok(a) => a,
            Err(e) => return Err((Some(p), e)),
        };
        if let Ok(mut full) = self.full.lock() {
            for g in &applied.full {
                full.insert((t.0, *g), now + FULL_HINT_MS);
            }
        }
        finish(&self.db, t, p, applied).await.map_err(|e| (None, e))
    }
}

/// Whether a scan's error is a race the database resolved by aborting it.
fn retryable(e: &CoreError) -> bool {
    matches!(e, CoreError::Store(s) if s.is_retryable())
}
