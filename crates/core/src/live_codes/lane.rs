//! Scans share commits. On the embedded store a scan is a unit of the writer thread
//! (`quanzi_store::on::on_writer`): its statements are calls on that thread, and it commits
//! with what is queued there. Elsewhere — and for a scan that carries a referral share,
//! whose rewards run in the async driver — scans go through a [`crate::lane::Lane`]. The
//! rules are [`super::scan`]'s, the same on both. Codes read for their landing pages are
//! kept for a moment, and groups found full are hinted so routing looks at them last.

use std::sync::Arc;
use std::time::Duration;

use quanzi_domain::TenantId;
use quanzi_store::on::{On, on_writer, ready};
use quanzi_store::{Db, Tx, now_ms};

use quanzi_store::live_code::PoolStamp;

use super::hints::FullHints;
use super::scan::{Applied, Landing, Pool, Prepared, ScanInput, apply, finish, prepare_code};
use crate::lane::{Applying, Lane, Unit};
use crate::recent::Recent;
use crate::views::LiveCode;
use crate::{CoreError, Result};

struct ScanUnit {
    t: TenantId,
    p: Arc<Prepared>,
}

impl Unit for ScanUnit {
    type Out = Option<Applied>;
    fn apply<'a>(&'a self, tx: &'a mut Tx) -> Applying<'a, Option<Applied>> {
        Box::pin(async move { apply(&mut On::Tx(tx), self.t, &self.p).await })
    }
}

/// How long a code and its tenant's offset from UTC, once read, serve landing pages. A scan
/// never routes by an outdated code: its transaction checks the code's stamp.
const KEEP: Duration = Duration::from_secs(2);

/// How long a code's pool, once read, is offered to the next scans (each checks it against
/// the pool's stamp before using it).
const KEEP_POOL: Duration = Duration::from_secs(60);

/// The scans of one store; the lane starts with the first scan that needs it.
pub struct Scanner {
    db: Db,
    lane: Lane<ScanUnit>,
    /// Groups believed full ([`super::hints`]).
    full: FullHints,
    /// (tenant, slug) → the code as last read.
    codes: Recent<(i64, String), LiveCode>,
    /// tenant → its offset from UTC, seconds.
    offsets: Recent<i64, i64>,
    /// (tenant, code, its last change) → its pool as the last scan read it.
    pools: Recent<(i64, i64, i64), (PoolStamp, Pool)>,
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
            full: FullHints::default(),
            codes: Recent::new(KEEP),
            offsets: Recent::new(KEEP),
            pools: Recent::new(KEEP_POOL),
        }
    }

    /// The tenant's code with this slug, as read at most a moment ago (a landing page's).
    pub async fn code(&self, t: TenantId, slug: &str) -> Result<LiveCode> {
        let key = (t.0, slug.to_string());
        if let Some(c) = self.codes.get(&key) {
            return Ok(c);
        }
        let c = super::by_slug(&self.db, t, slug).await?;
        self.codes.put(key, c.clone());
        Ok(c)
    }

    /// Forgets the tenant's codes as read for landing pages: one of them changed here (the
    /// next page reads it again; a scan never routes by an outdated code either way).
    pub fn codes_changed(&self, t: TenantId) {
        self.codes.forget_where(|k| k.0 == t.0);
    }

    async fn offset(&self, t: TenantId) -> Result<i64> {
        if let Some(o) = self.offsets.get(&t.0) {
            return Ok(o);
        }
        let o = crate::zone::offset_secs(&self.db, t).await?;
        self.offsets.put(t.0, o);
        Ok(o)
    }

    /// Routes a scan of code `id` (as [`super::scan::scan`]), sharing its commit.
    pub async fn scan(&self, t: TenantId, id: i64, input: ScanInput) -> Result<Landing> {
        let code = super::get(&self.db, t, id).await?;
        self.scan_code(t, code, input).await
    }

    /// [`Scanner::scan`] of a code the caller has read (by [`Scanner::code`] or otherwise).
    pub async fn scan_code(
        &self,
        t: TenantId,
        code: LiveCode,
        input: ScanInput,
    ) -> Result<Landing> {
        let offset = self.offset(t).await?;
        let mut p = prepare_code(&self.db, t, code, offset, input).await?;
        // A scan PostgreSQL chose as a deadlock victim (locks of codes and programmes taken
        // by concurrent transactions in different orders) is tried again, and so is a scan
        // of a code that changed since it was read: three tries at most.
        let mut tries = 0;
        loop {
            tries += 1;
            let now = now_ms();
            p.told = self.full.tell(t.0, now);
            let pool_key = (t.0, p.code.live_code_id, p.code.updated_at_ms);
            p.pool = self.pools.get(&pool_key);
            let p_now = Arc::new(p);
            match self.apply(t, p_now.clone()).await {
                Ok(Some(applied)) => {
                    self.full.learn(t.0, now, &applied.full, &applied.roomy);
                    if let Some(pool) = applied.pool.clone() {
                        self.pools.put(pool_key, pool);
                    }
                    return finish(&p_now, applied);
                }
                Ok(None) if tries < 3 => {
                    let id = p_now.code.live_code_id;
                    let fresh = super::get(&self.db, t, id).await?;
                    self.codes.forget(&(t.0, fresh.slug.clone()));
                    p = prepared_again(p_now, fresh)?;
                }
                Err(e) if retryable(&e) && tries < 3 => p = prepared_again(p_now, None)?,
                Ok(None) => {
                    return Err(CoreError::Store(quanzi_store::StoreError::Commit(
                        "the code kept changing during the scan".into(),
                    )));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Applies the scan: on the writer thread when the store has one and the scan carries no
    /// referral share, else in the lane's shared transaction.
    async fn apply(&self, t: TenantId, p: Arc<Prepared>) -> Result<Option<Applied>> {
        if p.referral.is_none() {
            let q = p.clone();
            if let Some(r) = on_writer(&self.db, move |on| ready(apply(on, t, &q))).await {
                return r;
            }
        }
        let (_, applied) = self.lane.apply(ScanUnit { t, p }).await?;
        applied
    }
}

/// The prepared scan again, with the code read anew when it changed.
fn prepared_again(p: Arc<Prepared>, code: impl Into<Option<LiveCode>>) -> Result<Prepared> {
    let mut p = Arc::try_unwrap(p).unwrap_or_else(|shared| (*shared).clone());
    if let Some(code) = code.into() {
        if code.archived_at_ms.is_some() {
            return Err(quanzi_domain::Invalid::one("live_code", "the code has ended").into());
        }
        p.code = code;
    }
    Ok(p)
}

/// Whether a scan's error is a race the database resolved by aborting it.
fn retryable(e: &CoreError) -> bool {
    matches!(e, CoreError::Store(s) if s.is_retryable())
}
