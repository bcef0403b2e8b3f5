//! The per-tenant analytics index cache: built from the store on first use, caught up with new
//! events before every answer, rebuildable at any time.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use quanzi_analytics::index::{EventIndex, IndexRow};
use quanzi_analytics::kpi;
use quanzi_domain::TenantId;
use quanzi_store::{Db, analytics as scan};
use serde::Serialize;

use crate::{CoreError, Result};

/// On PostgreSQL, ids are taken before commit, so a transaction that commits late can leave a
/// row below the watermark; catching up re-reads this many ids below it.
const HOLDBACK_IDS: i64 = 20_000;
/// How often PostgreSQL's holdback window is re-read even when no new id appeared.
const HOLDBACK_EVERY: Duration = Duration::from_secs(5);

/// The analytics indexes of the tenants served by this process.
pub struct Analytics {
    tenants: Mutex<HashMap<TenantId, Arc<TenantIndex>>>,
    threads: usize,
}

impl Default for Analytics {
    fn default() -> Self {
        Analytics::new()
    }
}

/// One tenant's index and what is known about its freshness.
pub struct TenantIndex {
    ix: RwLock<EventIndex>,
    sync: tokio::sync::Mutex<SyncState>,
    /// Milliseconds the last build or catch-up took.
    sync_ms: AtomicU64,
}

#[derive(Default)]
struct SyncState {
    built: bool,
    seen_max: i64,
    /// The largest bulk load id when the index last caught up.
    seen_load: i64,
    /// The tenant's largest event void id when the index was built: a new void rebuilds it.
    seen_void: i64,
    recent: BTreeSet<i64>,
    holdback_read: Option<Instant>,
}

/// An owned stored event on its way into the index.
struct Owned {
    event_id: i64,
    member_id: i64,
    group_id: Option<i64>,
    kind: String,
    occurred_at_ms: i64,
    amount_fen: i64,
    product: Option<String>,
}

impl Owned {
    fn row(&self) -> IndexRow<'_> {
        IndexRow {
            event_id: self.event_id,
            member_id: self.member_id,
            group_id: self.group_id,
            kind: &self.kind,
            occurred_at_ms: self.occurred_at_ms,
            amount_fen: self.amount_fen,
            product: self.product.as_deref(),
        }
    }
}

/// Statistics of a tenant's index.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IndexStats {
    /// Events in the index.
    pub events: usize,
    /// Members seen in events.
    pub members: usize,
    /// Groups seen in events.
    pub groups: usize,
    /// Products seen in orders.
    pub products: usize,
    /// Memory held, bytes.
    pub memory_bytes: usize,
    /// The last event id taken in.
    pub max_event_id: i64,
    /// Milliseconds the last build or catch-up took.
    pub last_sync_ms: u64,
}

impl Analytics {
    /// No index yet; each tenant's is built on first use.
    pub fn new() -> Analytics {
        Analytics {
            tenants: Mutex::new(HashMap::new()),
            threads: kpi::default_threads(),
        }
    }

    fn entry(&self, t: TenantId) -> Arc<TenantIndex> {
        let mut map = match self.tenants.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        map.entry(t)
            .or_insert_with(|| {
                Arc::new(TenantIndex {
                    ix: RwLock::new(EventIndex::new(8 * 3600)),
                    sync: tokio::sync::Mutex::new(SyncState::default()),
                    sync_ms: AtomicU64::new(0),
                })
            })
            .clone()
    }

    /// The tenant's index with every committed event in it: built from the store on first use,
    /// otherwise caught up with the rows stored since the last call (by any process).
    pub async fn fresh(&self, db: &Db, t: TenantId) -> Result<Arc<TenantIndex>> {
        let e = self.entry(t);
        let mut st = e.sync.lock().await;
        let max = scan::max_event_id(db).await?;
        let max_load = quanzi_store::event::loads::max_load_id(db).await?;
        let max_void = quanzi_store::void::max_void_id(db, t).await?;
        if st.built && max_void > st.seen_void {
            // An event already in the index was voided: only a rebuild takes it out.
            st.built = false;
        }
        let holdback_due = !db.is_sqlite()
            && st
                .holdback_read
                .is_none_or(|at| at.elapsed() >= HOLDBACK_EVERY);
        if st.built && max <= st.seen_max && max_load <= st.seen_load && !holdback_due {
            return Ok(e.clone());
        }
        if st.built && max_load > st.seen_load {
            // A load committed with ids the index has already passed (it took its ids before
            // rows stored since were read): only a rebuild takes it in.
            let wm = e.read().max_event_id();
            let late = quanzi_store::event::loads::loaded_below(db, t, st.seen_load, wm).await?;
            st.built = !late;
        }
        st.seen_load = max_load;
        st.seen_void = max_void;
        let started = Instant::now();
        if !st.built {
            let tz = crate::zone::offset_secs(db, t).await?;
            let (fresh, recent) = build_index(db, t, tz).await?;
            st.recent = recent;
            let wm = fresh.max_event_id();
            *e.write() = fresh;
            st.built = true;
            st.seen_max = max.max(wm);
            st.holdback_read = Some(Instant::now());
            e.set_sync_ms(started);
            return Ok(e.clone());
        }
        let wm = e.read().max_event_id();
        let from = if db.is_sqlite() {
            wm
        } else {
            (wm - HOLDBACK_IDS).max(0)
        };
        let rows = scan::scan_events(db, t, from, Vec::new(), |rows: &mut Vec<Owned>, r| {
            rows.push(Owned {
                event_id: r.event_id,
                member_id: r.member_id,
                group_id: r.group_id,
                kind: r.kind.to_string(),
                occurred_at_ms: r.occurred_at_ms,
                amount_fen: r.amount_fen,
                product: r.product.map(str::to_string),
            });
        })
        .await?;
        let sqlite = db.is_sqlite();
        let new: Vec<Owned> = rows
            .into_iter()
            .filter(|r| r.event_id > wm || !(sqlite || st.recent.contains(&r.event_id)))
            .collect();
        if !sqlite {
            st.recent.extend(new.iter().map(|r| r.event_id));
        }
        let e2 = e.clone();
        let top = blocking(move || {
            let mut ix = e2.write();
            for r in &new {
                ix.push(&r.row());
            }
            ix.compact();
            ix.max_event_id()
        })
        .await?;
        st.recent = st.recent.split_off(&(top - HOLDBACK_IDS));
        st.seen_max = max;
        st.holdback_read = Some(Instant::now());
        e.set_sync_ms(started);
        drop(st);
        Ok(e)
    }

    /// After events were stored for `t`: when the tenant's index is built and not already
    /// catching up, appends the new rows to it in the background, so the index follows ingest
    /// instead of waiting for the next question (which would catch up anyway).
    pub fn appended(self: &Arc<Self>, db: &Db, t: TenantId) {
        let entry = match self.tenants.lock() {
            Ok(m) => m.get(&t).cloned(),
            Err(p) => p.into_inner().get(&t).cloned(),
        };
        let Some(e) = entry else { return };
        let built = matches!(e.sync.try_lock(), Ok(st) if st.built);
        if !built {
            return;
        }
        let (a, db) = (self.clone(), db.clone());
        tokio::spawn(async move {
            if let Err(err) = a.fresh(&db, t).await {
                tracing::warn!(error = %err, tenant = t.0, "analytics catch-up failed");
            }
        });
    }

    /// The tenant's index statistics as they are, without catching up (`None` before the
    /// first question built it).
    pub fn peek(&self, t: TenantId) -> Option<IndexStats> {
        let entry = match self.tenants.lock() {
            Ok(m) => m.get(&t).cloned(),
            Err(p) => p.into_inner().get(&t).cloned(),
        };
        entry.map(|e| e.stats())
    }

    /// Drops the tenant's index; the next question rebuilds it from the store.
    pub async fn rebuild(&self, db: &Db, t: TenantId) -> Result<IndexStats> {
        {
            let mut map = match self.tenants.lock() {
                Ok(m) => m,
                Err(p) => p.into_inner(),
            };
            map.remove(&t);
        }
        let e = self.fresh(db, t).await?;
        Ok(e.stats())
    }

    /// Threads a kernel may use.
    pub fn threads(&self) -> usize {
        self.threads
    }
}

/// Builds a tenant's index from every stored event, days bucketed `tz_offset_secs` east of
/// UTC; also answers the ids of the last [`HOLDBACK_IDS`] rows (PostgreSQL's catch-up window).
pub async fn build_index(
    db: &Db,
    t: TenantId,
    tz_offset_secs: i64,
) -> Result<(EventIndex, BTreeSet<i64>)> {
    let sqlite = db.is_sqlite();
    let start = (EventIndex::new(tz_offset_secs), BTreeSet::new());
    let (ix, recent) = scan::scan_events(db, t, 0, start, move |(ix, recent), r| {
        ix.push(&IndexRow {
            event_id: r.event_id,
            member_id: r.member_id,
            group_id: r.group_id,
            kind: r.kind,
            occurred_at_ms: r.occurred_at_ms,
            amount_fen: r.amount_fen,
            product: r.product,
        });
        if !sqlite {
            recent.insert(r.event_id);
            if recent.len() as i64 > HOLDBACK_IDS
                && let Some(&first) = recent.iter().next()
            {
                recent.remove(&first);
            }
        }
    })
    .await?;
    let ix = blocking(move || {
        let mut ix = ix;
        ix.compact();
        ix
    })
    .await?;
    Ok((ix, recent))
}

impl TenantIndex {
    /// Reads the index (kernels run under this).
    pub fn read(&self) -> std::sync::RwLockReadGuard<'_, EventIndex> {
        match self.ix.read() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, EventIndex> {
        match self.ix.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    fn set_sync_ms(&self, started: Instant) {
        self.sync_ms
            .store(started.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    /// Size and freshness of the index.
    pub fn stats(&self) -> IndexStats {
        let ix = self.read();
        IndexStats {
            events: ix.len(),
            members: ix.members.len(),
            groups: ix.groups.len(),
            products: ix.products.len(),
            memory_bytes: ix.memory_bytes(),
            max_event_id: ix.max_event_id(),
            last_sync_ms: self.sync_ms.load(Ordering::Relaxed),
        }
    }
}

/// Runs CPU-bound work on a blocking thread, off the async workers.
pub(super) async fn blocking<R: Send + 'static>(
    f: impl FnOnce() -> R + Send + 'static,
) -> Result<R> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => Ok(r),
        Err(j) if j.is_panic() => std::panic::resume_unwind(j.into_panic()),
        Err(_) => Err(CoreError::Store(quanzi_store::StoreError::Commit(
            "the analytics task was cancelled".into(),
        ))),
    }
}
