//! Community KPIs: the per-tenant analytics index (built from the store on first use, caught
//! up with new events before every answer, rebuildable at any time) and the reports the
//! dashboard and the API show — overview, groups, retention, funnel, products, store visits.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use quanzi_analytics::index::{EventIndex, IndexRow};
use quanzi_analytics::kpi::{self, activity, commerce, funnel, retention};
use quanzi_analytics::{Scope, zone};
use quanzi_domain::{Invalid, TenantId};
use quanzi_store::member::MemberFilter;
use quanzi_store::{Db, analytics as scan, group, member, tenant};
use serde::Serialize;

use crate::{CoreError, Result};

/// `YYYY-MM-DD` of a day number since 1970-01-01.
pub use quanzi_analytics::zone::format_date;

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
    /// The largest event block id when the index last caught up.
    seen_block: i64,
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
        let max_block = scan::max_block_id(db).await?;
        let max_void = quanzi_store::void::max_void_id(db, t).await?;
        if st.built && max_void > st.seen_void {
            // An event already in the index was voided: only a rebuild takes it out.
            st.built = false;
        }
        let holdback_due = !db.is_sqlite()
            && st
                .holdback_read
                .is_none_or(|at| at.elapsed() >= HOLDBACK_EVERY);
        if st.built && max <= st.seen_max && max_block <= st.seen_block && !holdback_due {
            return Ok(e.clone());
        }
        if st.built && max_block > st.seen_block {
            // A block committed with ids the index has already passed (a load that took its
            // ids before rows stored since were read): only a rebuild takes it in.
            let wm = e.read().max_event_id();
            let late = quanzi_store::block::metas(db, t)
                .await?
                .iter()
                .any(|m| m.block_id > st.seen_block && m.first_event_id <= wm);
            st.built = !late;
        }
        st.seen_block = max_block;
        st.seen_void = max_void;
        let started = Instant::now();
        if !st.built {
            let tz = tenant::get(db, t)
                .await?
                .and_then(|x| zone::offset_secs(&x.time_zone))
                .unwrap_or(8 * 3600);
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

/// What a report is asked over, as an operator or API client states it.
#[derive(Debug, Clone, Default)]
pub struct KpiQuery {
    /// First day, `YYYY-MM-DD` in the tenant's zone (default: 29 days before `to`).
    pub from: Option<String>,
    /// Last day, inclusive (default: today).
    pub to: Option<String>,
    /// Group ids, comma-separated (default: every group).
    pub groups: Option<String>,
    /// Segment: members carrying this tag.
    pub tag_id: Option<i64>,
    /// Segment: members in this lifecycle stage.
    pub lifecycle_stage: Option<String>,
    /// Segment: members in this spending tier.
    pub spending_tier: Option<String>,
    /// Segment: members from this source channel.
    pub source_channel: Option<String>,
    /// Days without a message that make a group dead (default 14).
    pub dead_days: Option<i64>,
    /// Days without a message or reaction that make a member a lurker (default 14).
    pub lurker_days: Option<i64>,
}

/// A validated [`KpiQuery`].
#[derive(Debug, Clone)]
pub struct Params {
    /// First day (days since 1970, tenant zone).
    pub from_day: i64,
    /// Last day, inclusive.
    pub to_day: i64,
    /// Groups to keep (store ids), if restricted.
    pub groups: Option<Vec<i64>>,
    /// The segment, if any.
    pub segment: Option<MemberFilter>,
    /// Dead-group threshold, days.
    pub dead_days: i32,
    /// Lurker threshold, days.
    pub lurker_days: i32,
}

/// Validates `q` against the tenant's current day and refuses group and tag ids the tenant
/// does not have, as the influence runs do: a misspelt id must not answer an empty report.
pub async fn resolve(db: &Db, t: TenantId, q: &KpiQuery) -> Result<Params> {
    let p = q.validate(today(db, t).await?)?;
    let mut bad = Invalid::default();
    if let Some(ids) = &p.groups {
        let known = group::existing(db, t, ids).await?;
        let missing: Vec<String> = ids
            .iter()
            .filter(|g| !known.contains(g))
            .map(i64::to_string)
            .collect();
        if !missing.is_empty() {
            bad.push("groups", format!("no such groups: {}", missing.join(", ")));
        }
    }
    if let Some(tag) = p.segment.as_ref().and_then(|s| s.tag_id)
        && quanzi_store::tag::get(db, t, quanzi_domain::TagId(tag))
            .await?
            .is_none()
    {
        bad.push("tag_id", "no such tag");
    }
    if bad.is_empty() {
        Ok(p)
    } else {
        Err(CoreError::Invalid(bad))
    }
}

/// The longest range a report covers, days.
pub const MAX_RANGE_DAYS: i64 = 3 * 366;

impl KpiQuery {
    /// Checks every field; errors name the field. `today` is the tenant's current day.
    pub fn validate(&self, today: i64) -> Result<Params> {
        let mut inv = Invalid::default();
        let date = |inv: &mut Invalid, v: &Option<String>, field: &str| -> Option<i64> {
            let s = v.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
            let d = zone::parse_date(s);
            if d.is_none() {
                inv.push(field, "must be a date as YYYY-MM-DD");
            }
            d
        };
        let to = date(&mut inv, &self.to, "to").unwrap_or(today);
        let from = date(&mut inv, &self.from, "from").unwrap_or(to - 29);
        if inv.is_empty() {
            if from > to {
                inv.push("from", "must not be after to");
            } else if to - from + 1 > MAX_RANGE_DAYS {
                inv.push(
                    "from",
                    format!("the range may span at most {MAX_RANGE_DAYS} days"),
                );
            }
        }
        let groups = match self
            .groups
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(s) => {
                let ids: std::result::Result<Vec<i64>, _> =
                    s.split(',').map(|x| x.trim().parse::<i64>()).collect();
                match ids {
                    Ok(ids)
                        if !ids.is_empty() && ids.len() <= 1000 && ids.iter().all(|&i| i > 0) =>
                    {
                        Some(ids)
                    }
                    _ => {
                        inv.push("groups", "must be up to 1000 group ids separated by commas");
                        None
                    }
                }
            }
        };
        let days = |inv: &mut Invalid, v: Option<i64>, field: &str| -> i32 {
            match v {
                None => 14,
                Some(n) if (1..=365).contains(&n) => n as i32,
                Some(_) => {
                    inv.push(field, "must be between 1 and 365");
                    14
                }
            }
        };
        let dead_days = days(&mut inv, self.dead_days, "dead_days");
        let lurker_days = days(&mut inv, self.lurker_days, "lurker_days");
        let text = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let segment = MemberFilter {
            tag_id: self.tag_id,
            lifecycle_stage: text(&self.lifecycle_stage),
            spending_tier: text(&self.spending_tier),
            source_channel: text(&self.source_channel),
            ..MemberFilter::default()
        };
        if self.tag_id.is_some_and(|t| t <= 0) {
            inv.push("tag_id", "must be a tag id");
        }
        use quanzi_domain::member::{LifecycleStage, SpendingTier};
        if let Some(v) = &segment.lifecycle_stage
            && LifecycleStage::parse(v).is_none()
        {
            let expected = LifecycleStage::expected();
            inv.push("lifecycle_stage", format!("must be one of: {expected}"));
        }
        if let Some(v) = &segment.spending_tier
            && SpendingTier::parse(v).is_none()
        {
            let expected = SpendingTier::expected();
            inv.push("spending_tier", format!("must be one of: {expected}"));
        }
        let any_segment = segment.tag_id.is_some()
            || segment.lifecycle_stage.is_some()
            || segment.spending_tier.is_some()
            || segment.source_channel.is_some();
        if !inv.is_empty() {
            return Err(CoreError::Invalid(inv));
        }
        Ok(Params {
            from_day: from,
            to_day: to,
            groups,
            segment: any_segment.then_some(segment),
            dead_days,
            lurker_days,
        })
    }
}

/// The tenant's current day (its zone), from the clock.
pub async fn today(db: &Db, t: TenantId) -> Result<i64> {
    let tz = tenant::get(db, t)
        .await?
        .and_then(|x| zone::offset_secs(&x.time_zone))
        .unwrap_or(8 * 3600);
    Ok((quanzi_store::now_ms() / 1000 + tz).div_euclid(86_400))
}

/// A KPI with its value over the previous period of the same length.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Card {
    /// Stable key: members, joins, leaves, net_growth, dau, wau, mau, stickiness, active_rate,
    /// dead_groups, lurkers, gmv_fen, orders, buyers, conversion_rate, average_order_fen,
    /// repurchase_rate.
    pub key: &'static str,
    /// This period.
    pub value: f64,
    /// The period before.
    pub previous: f64,
    /// Relative change, absent when the previous value is 0.
    pub change: Option<f64>,
}

/// The date range a report covers.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Range {
    /// First day, YYYY-MM-DD.
    pub from: String,
    /// Last day, inclusive.
    pub to: String,
}

/// Day-by-day figures.
#[derive(Debug, Clone, Serialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DailySeries {
    /// Days, YYYY-MM-DD.
    pub days: Vec<String>,
    /// Daily active members.
    pub dau: Vec<u32>,
    /// Active members over the 7 days ending that day.
    pub wau: Vec<u32>,
    /// Active members over the 30 days ending that day.
    pub mau: Vec<u32>,
    /// Joins.
    pub joins: Vec<u32>,
    /// Leaves.
    pub leaves: Vec<u32>,
    /// Orders.
    pub orders: Vec<u32>,
    /// GMV, fen.
    pub gmv_fen: Vec<i64>,
}

/// The overview: KPI cards and the daily series.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Overview {
    /// The range.
    pub range: Range,
    /// The cards, in display order.
    pub cards: Vec<Card>,
    /// Day by day.
    pub series: DailySeries,
}

/// One group's activity and sales over the range.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupKpi {
    /// Group id.
    pub group_id: i64,
    /// Name.
    pub name: String,
    /// Members at the end of the range (joins minus leaves seen in events).
    pub members: u32,
    /// Members active in the range.
    pub active_members: u32,
    /// Active members over members.
    pub active_rate: f64,
    /// Average daily active members.
    pub avg_dau: f64,
    /// Messages in the range.
    pub messages: u64,
    /// GMV, fen.
    pub gmv_fen: i64,
    /// Orders.
    pub orders: u32,
    /// Buyers.
    pub buyers: u32,
    /// Buyers with two orders or more over buyers.
    pub repurchase_rate: f64,
    /// Members with no message or reaction in the last `lurker_days`.
    pub lurkers: u32,
    /// No message in the last `dead_days` of the range.
    pub dead: bool,
    /// Last day anyone wrote, YYYY-MM-DD.
    pub last_message: Option<String>,
}

/// The groups table.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupsReport {
    /// The range.
    pub range: Range,
    /// Dead-group threshold used, days.
    pub dead_days: i32,
    /// Lurker threshold used, days.
    pub lurker_days: i32,
    /// One row per group (with events or not), most active first.
    pub groups: Vec<GroupKpi>,
}

/// One cohort of the retention matrix.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CohortRow {
    /// First day of the cohort, YYYY-MM-DD.
    pub start: String,
    /// Members who joined in it.
    pub size: u32,
    /// Active members in each period after joining (period 0 is the joining period).
    pub active: Vec<u32>,
    /// `active` over `size`.
    pub rates: Vec<f64>,
    /// Average cumulative GMV per member by the end of each period, fen.
    pub value_per_member_fen: Vec<f64>,
}

/// Retention cohorts and lifetime value.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RetentionReport {
    /// The range.
    pub range: Range,
    /// `week` (7 days) or `month` (30 days).
    pub period: &'static str,
    /// Cohorts, oldest first.
    pub cohorts: Vec<CohortRow>,
}

/// One funnel stage.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stage {
    /// attracted, joined, active, ordered, repurchased or referred.
    pub key: &'static str,
    /// Members at this stage.
    pub members: u32,
    /// Over the stage before.
    pub rate_from_previous: f64,
    /// Over the first stage.
    pub rate_from_top: f64,
}

/// The funnel.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FunnelReport {
    /// The range.
    pub range: Range,
    /// Stages in order.
    pub stages: Vec<Stage>,
}

/// A product's sales.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductRow {
    /// Rank by revenue (1 = best).
    pub rank: usize,
    /// Product id or SKU.
    pub product: String,
    /// Revenue, fen.
    pub revenue_fen: i64,
    /// Share of all revenue.
    pub share: f64,
    /// Share of revenue of this product and every one ranked above it.
    pub cumulative_share: f64,
    /// Orders.
    pub orders: u32,
    /// Buyers.
    pub buyers: u32,
    /// Buyers who bought it twice or more.
    pub repeat_buyers: u32,
    /// high, low or unknown.
    pub repurchase_class: &'static str,
    /// What to do with it.
    pub hint: &'static str,
}

/// Revenue share of the top fraction of products.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConcentrationRow {
    /// Fraction of products, e.g. 0.02.
    pub fraction: f64,
    /// How many products that is.
    pub products: usize,
    /// Their share of revenue.
    pub share: f64,
}

/// Products, their concentration (2:80) and repurchase classes.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductsReport {
    /// The range.
    pub range: Range,
    /// Products with revenue.
    pub products: usize,
    /// All revenue, fen.
    pub revenue_fen: i64,
    /// Top 1%, 2% and 20%.
    pub concentration: Vec<ConcentrationRow>,
    /// The best products (at most `limit`).
    pub rows: Vec<ProductRow>,
}

/// Members bucketed by store visits, with their activity (店+社群).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitRow {
    /// Bucket label: 0, 1, 2-3, 4-7, 8+.
    pub visits: String,
    /// Members in it.
    pub members: u32,
    /// Messages and reactions per member.
    pub messages_per_member: f64,
    /// Orders per member.
    pub orders_per_member: f64,
    /// GMV per member, fen.
    pub gmv_per_member_fen: f64,
}

/// Store visits beside community activity.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitsReport {
    /// The range.
    pub range: Range,
    /// Buckets by visits in the range.
    pub buckets: Vec<VisitRow>,
}

fn range_of(p: &Params) -> Range {
    Range {
        from: zone::format_date(p.from_day),
        to: zone::format_date(p.to_day),
    }
}

/// Resolves the scope with the index unlocked while the store is asked for the segment.
async fn prepare(
    a: &Analytics,
    db: &Db,
    t: TenantId,
    p: &Params,
) -> Result<(Arc<TenantIndex>, Scope)> {
    let e = a.fresh(db, t).await?;
    let segment = match &p.segment {
        Some(f) => Some(member::ids(db, t, f).await?),
        None => None,
    };
    let scope = {
        let ix = e.read();
        let mut s = Scope::days(p.from_day as i32..p.to_day as i32 + 1);
        if let Some(g) = &p.groups {
            s = s.with_groups(&ix, g);
        }
        if let Some(ids) = &segment {
            s = s.with_members(&ix, ids);
        }
        s
    };
    Ok((e, scope))
}

/// Runs CPU-bound work on a blocking thread, off the async workers.
async fn blocking<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> Result<R> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => Ok(r),
        Err(j) if j.is_panic() => std::panic::resume_unwind(j.into_panic()),
        Err(_) => Err(CoreError::Store(quanzi_store::StoreError::Commit(
            "the analytics task was cancelled".into(),
        ))),
    }
}

/// Runs CPU-bound work on the index on a blocking thread, off the async workers.
async fn on_index<R: Send + 'static>(
    e: Arc<TenantIndex>,
    f: impl FnOnce(&EventIndex) -> R + Send + 'static,
) -> Result<R> {
    blocking(move || f(&e.read())).await
}

fn card(key: &'static str, value: f64, previous: f64) -> Card {
    Card {
        key,
        value,
        previous,
        change: (previous != 0.0).then(|| (value - previous) / previous),
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 { 0.0 } else { a / b }
}

/// The overview: cards against the previous period, and the daily series.
pub async fn overview(a: &Analytics, db: &Db, t: TenantId, p: &Params) -> Result<Overview> {
    let (e, scope) = prepare(a, db, t, p).await?;
    let (th, pc) = (a.threads(), p.clone());
    on_index(e, move |ix| overview_on(ix, &scope, &pc, th)).await
}

/// The overview and the store-visit buckets over one catch-up and one segment lookup (the
/// overview page shows both).
pub async fn overview_and_visits(
    a: &Analytics,
    db: &Db,
    t: TenantId,
    p: &Params,
) -> Result<(Overview, VisitsReport)> {
    let (e, scope) = prepare(a, db, t, p).await?;
    let (th, pc) = (a.threads(), p.clone());
    on_index(e, move |ix| {
        (
            overview_on(ix, &scope, &pc, th),
            visits_on(ix, &scope, &pc, th),
        )
    })
    .await
}

fn overview_on(ix: &EventIndex, scope: &Scope, p: &Params, th: usize) -> Overview {
    let prev = scope.previous();
    let [s_old, s_cur] = activity::series_with_previous(ix, scope, th);
    let ends = [prev.days.end, scope.days.end];
    let mut quiet = activity::silence_at(ix, scope, p.lurker_days, &ends, th);
    let (q_cur, q_old) = (
        quiet.pop().unwrap_or_default(),
        quiet.pop().unwrap_or_default(),
    );
    let cur = overview_figures(ix, scope, p, th, s_cur, q_cur);
    let old = overview_figures(ix, &prev, p, th, s_old, q_old);
    let daily = commerce::daily(ix, scope);
    let keys = [
        "members",
        "joins",
        "leaves",
        "net_growth",
        "dau",
        "wau",
        "mau",
        "stickiness",
        "active_rate",
        "dead_groups",
        "lurkers",
        "gmv_fen",
        "orders",
        "buyers",
        "conversion_rate",
        "average_order_fen",
        "repurchase_rate",
    ];
    let cards = keys
        .iter()
        .zip(cur.values.iter().zip(old.values.iter()))
        .map(|(k, (v, o))| card(k, *v, *o))
        .collect();
    let s = cur.series;
    Overview {
        range: range_of(p),
        cards,
        series: DailySeries {
            days: s
                .days
                .clone()
                .map(|d| zone::format_date(i64::from(d)))
                .collect(),
            dau: s.dau,
            wau: s.wau,
            mau: s.mau,
            joins: s.joins,
            leaves: s.leaves,
            orders: daily.orders,
            gmv_fen: daily.gmv_fen,
        },
    }
}

struct Figures {
    values: [f64; 17],
    series: activity::Series,
}

fn overview_figures(
    ix: &EventIndex,
    scope: &Scope,
    p: &Params,
    th: usize,
    s: activity::Series,
    quiet: activity::Silence,
) -> Figures {
    let sales = commerce::sales(ix, scope, th).total;
    let end = scope.days.end;
    let dead = (0..ix.groups.len())
        .filter(|&g| scope.keeps_group(g as u32) && quiet.group_members[g] > 0)
        .filter(|&g| quiet.is_dead(g, end, p.dead_days))
        .count();
    let joins: u32 = s.joins.iter().sum();
    let leaves: u32 = s.leaves.iter().sum();
    let last = |v: &[u32]| v.last().copied().unwrap_or(0) as f64;
    let values = [
        f64::from(quiet.members),
        f64::from(joins),
        f64::from(leaves),
        f64::from(joins) - f64::from(leaves),
        s.avg_dau(),
        last(&s.wau),
        last(&s.mau),
        s.stickiness(),
        ratio(f64::from(s.active_members), f64::from(quiet.members)),
        dead as f64,
        f64::from(quiet.lurkers),
        sales.gmv_fen as f64,
        f64::from(sales.orders),
        f64::from(sales.buyers),
        ratio(f64::from(sales.buyers), f64::from(s.active_members)),
        sales.average_order_fen(),
        sales.repurchase_rate(),
    ];
    Figures { values, series: s }
}

/// The groups table: activity, size, sales, lurkers and the dead flag of every group.
pub async fn groups(a: &Analytics, db: &Db, t: TenantId, p: &Params) -> Result<GroupsReport> {
    let (e, scope) = prepare(a, db, t, p).await?;
    let all = crate::groups::all(db, t).await?;
    let th = a.threads();
    let pc = p.clone();
    let mut rows = on_index(e, move |ix| group_rows(ix, &scope, &pc, th, all)).await?;
    rows.sort_by(|a, b| {
        b.avg_dau
            .total_cmp(&a.avg_dau)
            .then(a.group_id.cmp(&b.group_id))
    });
    Ok(GroupsReport {
        range: range_of(p),
        dead_days: p.dead_days,
        lurker_days: p.lurker_days,
        groups: rows,
    })
}

fn group_rows(
    ix: &EventIndex,
    scope: &Scope,
    p: &Params,
    th: usize,
    all: Vec<group::Group>,
) -> Vec<GroupKpi> {
    let s = activity::range_activity(ix, scope, th);
    let quiet = activity::silence(ix, scope, p.lurker_days, th);
    let sales = commerce::sales(ix, scope, th);
    let nd = s.dau.len().max(1);
    let end = scope.days.end;
    all.into_iter()
        .filter(|g| {
            p.groups
                .as_ref()
                .is_none_or(|ids| ids.contains(&g.group_id))
        })
        .map(|g| {
            let Some(n) = ix.groups.get(&g.group_id).map(|n| n as usize) else {
                return GroupKpi {
                    group_id: g.group_id,
                    name: g.name,
                    members: 0,
                    active_members: 0,
                    active_rate: 0.0,
                    avg_dau: 0.0,
                    messages: 0,
                    gmv_fen: 0,
                    orders: 0,
                    buyers: 0,
                    repurchase_rate: 0.0,
                    lurkers: 0,
                    dead: true,
                    last_message: None,
                };
            };
            let members = quiet.group_members[n];
            let dau_sum = s.group_dau_sum[n];
            let sl = sales.groups[n];
            GroupKpi {
                group_id: g.group_id,
                name: g.name,
                members,
                active_members: s.group_active[n],
                active_rate: ratio(f64::from(s.group_active[n]), f64::from(members)),
                avg_dau: dau_sum as f64 / nd as f64,
                messages: s.group_messages[n],
                gmv_fen: sl.gmv_fen,
                orders: sl.orders,
                buyers: sl.buyers,
                repurchase_rate: sl.repurchase_rate(),
                lurkers: quiet.group_lurkers[n],
                dead: quiet.is_dead(n, end, p.dead_days),
                last_message: quiet.group_last_message[n].map(|d| zone::format_date(i64::from(d))),
            }
        })
        .collect()
}

/// Retention by join week (`monthly`: 30-day periods) with lifetime value.
pub async fn retention(
    a: &Analytics,
    db: &Db,
    t: TenantId,
    p: &Params,
    monthly: bool,
) -> Result<RetentionReport> {
    let (e, scope) = prepare(a, db, t, p).await?;
    let period: i64 = if monthly { 30 * 86_400 } else { 7 * 86_400 };
    let (th, from_day) = (a.threads(), p.from_day);
    let lt = on_index(e, move |ix| {
        let anchor = from_day * 86_400 - ix.tz_offset_secs();
        retention::lifetime_value(ix, &scope, anchor, period, th)
    })
    .await?;
    let c = &lt.cohorts;
    let cohorts = (0..c.n_cohorts)
        .map(|k| {
            // Periods a cohort has had time to live through by the end of the range.
            let start_day = p.from_day + (k as i64 * period) / 86_400;
            let lived = ((p.to_day + 1 - start_day) * 86_400 + period - 1) / period;
            let n = (lived.max(1) as usize).min(c.n_periods);
            CohortRow {
                start: zone::format_date(start_day),
                size: c.size[k],
                active: (0..n).map(|q| c.active(k, q)).collect(),
                rates: (0..n).map(|q| c.rate(k, q)).collect(),
                value_per_member_fen: (0..n).map(|q| lt.per_member(k, q)).collect(),
            }
        })
        .collect();
    Ok(RetentionReport {
        range: range_of(p),
        period: if monthly { "month" } else { "week" },
        cohorts,
    })
}

/// The funnel attracted → joined → active → ordered → repurchased → referred.
pub async fn funnel(a: &Analytics, db: &Db, t: TenantId, p: &Params) -> Result<FunnelReport> {
    let (e, scope) = prepare(a, db, t, p).await?;
    let th = a.threads();
    let f = on_index(e, move |ix| funnel::funnel(ix, &scope, th)).await?;
    let top = f64::from(f.counts[0]);
    let stages = funnel::STAGES
        .iter()
        .enumerate()
        .map(|(i, key)| Stage {
            key,
            members: f.counts[i],
            rate_from_previous: f.step_rate(i),
            rate_from_top: ratio(f64::from(f.counts[i]), top),
        })
        .collect();
    Ok(FunnelReport {
        range: range_of(p),
        stages,
    })
}

/// Products: ranking, concentration and repurchase classes; at most `limit` rows.
pub async fn products(
    a: &Analytics,
    db: &Db,
    t: TenantId,
    p: &Params,
    limit: usize,
) -> Result<ProductsReport> {
    let (e, scope) = prepare(a, db, t, p).await?;
    let th = a.threads();
    let (ranked, names) = on_index(e, move |ix| {
        let ranked = commerce::products(ix, &scope, th);
        let names: Vec<String> = ranked
            .iter()
            .take(limit)
            .map(|r| ix.products.id(r.product).cloned().unwrap_or_default())
            .collect();
        (ranked, names)
    })
    .await?;
    let total = quanzi_domain::money::sum_i128(ranked.iter().map(|r| r.revenue_fen));
    let conc = commerce::concentration(&ranked, &[0.01, 0.02, 0.2]);
    let mut cum = 0i128;
    let rows = ranked
        .iter()
        .take(limit)
        .enumerate()
        .map(|(i, r)| {
            cum += i128::from(r.revenue_fen);
            let class = commerce::RepurchaseClass::of(r);
            ProductRow {
                rank: i + 1,
                product: names.get(i).cloned().unwrap_or_default(),
                revenue_fen: r.revenue_fen,
                share: ratio(r.revenue_fen as f64, total as f64),
                cumulative_share: ratio(cum as f64, total as f64),
                orders: r.orders,
                buyers: r.buyers,
                repeat_buyers: r.repeat_buyers,
                repurchase_class: class.code(),
                hint: class.hint(),
            }
        })
        .collect();
    Ok(ProductsReport {
        range: range_of(p),
        products: ranked.len(),
        revenue_fen: quanzi_domain::money::saturate(total),
        concentration: conc
            .iter()
            .map(|c| ConcentrationRow {
                fraction: c.fraction,
                products: c.products,
                share: c.share,
            })
            .collect(),
        rows,
    })
}

/// Store visits beside community activity.
pub async fn visits(a: &Analytics, db: &Db, t: TenantId, p: &Params) -> Result<VisitsReport> {
    let (e, scope) = prepare(a, db, t, p).await?;
    let (th, pc) = (a.threads(), p.clone());
    on_index(e, move |ix| visits_on(ix, &scope, &pc, th)).await
}

fn visits_on(ix: &EventIndex, scope: &Scope, p: &Params, th: usize) -> VisitsReport {
    let buckets = commerce::visits(ix, scope, th)
        .iter()
        .map(|x| VisitRow {
            visits: match (x.min_visits, x.max_visits) {
                (lo, u32::MAX) => format!("{lo}+"),
                (lo, hi) if lo == hi => lo.to_string(),
                (lo, hi) => format!("{lo}-{hi}"),
            },
            members: x.members,
            messages_per_member: x.messages_per_member(),
            orders_per_member: x.orders_per_member(),
            gmv_per_member_fen: ratio(x.gmv_fen as f64, f64::from(x.members)),
        })
        .collect();
    VisitsReport {
        range: range_of(p),
        buckets,
    }
}
