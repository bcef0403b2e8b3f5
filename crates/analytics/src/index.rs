//! The per-tenant columnar event index: a tenant's events as plain columns, sorted member by
//! member and in time order within a member, which is the order every KPI kernel reads.
//!
//! The store is the record; this is a cache of it. Rows are appended as they are stored (in any
//! order) and land in an unsorted tail; [`EventIndex::compact`] folds the tail in with one
//! counting sort by member, so a kernel always walks each member's events as one run. Ids are
//! mapped to dense `u32` numbers (members, groups, products) so the kernels index flat arrays
//! instead of hashing.

mod dict;
mod kind;

pub use dict::Dict;
pub use kind::{Kind, KindMask};

/// Timestamps are kept as seconds since this instant (2000-01-01T00:00:00Z); events before it
/// are refused by the domain, and `u32` seconds reach into 2136.
pub const BASE_SECS: i64 = 946_684_800;
/// Days since 1970-01-01 of [`BASE_SECS`].
pub const BASE_DAY: i32 = 10_957;
/// The dense group number of an event without a group.
pub const NO_GROUP: u32 = u32::MAX;
/// The dense product number of an event without a product.
pub const NO_PRODUCT: u32 = u32::MAX;

/// One stored event, as the index takes it in.
#[derive(Debug, Clone, Copy)]
pub struct IndexRow<'a> {
    /// The store's event id.
    pub event_id: i64,
    /// The member's id in the store.
    pub member_id: i64,
    /// The group's id in the store, if any.
    pub group_id: Option<i64>,
    /// The event kind's name.
    pub kind: &'a str,
    /// When it happened, unix ms.
    pub occurred_at_ms: i64,
    /// Money in fen (orders and refunds), else 0.
    pub amount_fen: i64,
    /// Product id or SKU, if any.
    pub product: Option<&'a str>,
}

/// The event columns (one entry per event).
#[derive(Debug, Default, Clone)]
pub struct Columns {
    /// Dense member number.
    pub member: Vec<u32>,
    /// Seconds since [`BASE_SECS`].
    pub secs: Vec<u32>,
    /// Day in the tenant's zone, days since 2000-01-01 ([`BASE_DAY`]).
    pub day: Vec<u16>,
    /// Dense group number or [`NO_GROUP`].
    pub group: Vec<u32>,
    /// [`Kind`] code.
    pub kind: Vec<u8>,
}

/// The order and refund columns (one entry per order or refund), kept apart because only a few
/// percent of events carry money.
#[derive(Debug, Default, Clone)]
pub struct OrderColumns {
    /// Dense member number.
    pub member: Vec<u32>,
    /// Seconds since [`BASE_SECS`].
    pub secs: Vec<u32>,
    /// Day in the tenant's zone, days since 2000-01-01.
    pub day: Vec<u16>,
    /// Dense group number or [`NO_GROUP`].
    pub group: Vec<u32>,
    /// Amount in fen (positive for orders and refunds alike).
    pub amount: Vec<i64>,
    /// Dense product number or [`NO_PRODUCT`].
    pub product: Vec<u32>,
    /// True for a refund.
    pub refund: Vec<bool>,
}

/// A tenant's events as sorted columns; see the module documentation.
#[derive(Debug, Clone)]
pub struct EventIndex {
    tz_offset_secs: i64,
    /// Member ids.
    pub members: Dict<i64>,
    /// Group ids.
    pub groups: Dict<i64>,
    /// Product ids.
    pub products: Dict<String>,
    /// All events.
    pub ev: Columns,
    /// Orders and refunds.
    pub ord: OrderColumns,
    /// `ev_starts[m]..ev_starts[m + 1]` are member `m`'s events once compacted.
    pub ev_starts: Vec<u32>,
    /// `ord_starts[m]..ord_starts[m + 1]` are member `m`'s orders once compacted.
    pub ord_starts: Vec<u32>,
    ev_sorted: usize,
    ord_sorted: usize,
    max_event_id: i64,
    rows_refused: u64,
}

/// A day number (days since 1970-01-01 in the tenant's zone) of unix seconds.
pub fn day_of(unix_secs: i64, tz_offset_secs: i64) -> i32 {
    (unix_secs + tz_offset_secs).div_euclid(86_400) as i32
}

impl EventIndex {
    /// An empty index for a tenant whose days start at local midnight `tz_offset_secs` east of UTC.
    pub fn new(tz_offset_secs: i64) -> EventIndex {
        EventIndex {
            tz_offset_secs,
            members: Dict::default(),
            groups: Dict::default(),
            products: Dict::default(),
            ev: Columns::default(),
            ord: OrderColumns::default(),
            ev_starts: vec![0],
            ord_starts: vec![0],
            ev_sorted: 0,
            ord_sorted: 0,
            max_event_id: 0,
            rows_refused: 0,
        }
    }

    /// The zone offset the days are bucketed in, seconds east of UTC.
    pub fn tz_offset_secs(&self) -> i64 {
        self.tz_offset_secs
    }

    /// The largest store event id taken in (the watermark to load more from).
    pub fn max_event_id(&self) -> i64 {
        self.max_event_id
    }

    /// Events in the index.
    pub fn len(&self) -> usize {
        self.ev.member.len()
    }

    /// True when the index holds no event.
    pub fn is_empty(&self) -> bool {
        self.ev.member.is_empty()
    }

    /// Rows not taken in because their time is outside what the index can hold (before 2000).
    pub fn rows_refused(&self) -> u64 {
        self.rows_refused
    }

    /// True when appended rows wait for [`EventIndex::compact`].
    pub fn is_dirty(&self) -> bool {
        self.ev_sorted != self.ev.member.len() || self.ord_sorted != self.ord.member.len()
    }

    /// Takes in one stored event (in any order; duplicates by event id are the caller's to avoid:
    /// the loader reads each stored row once).
    pub fn push(&mut self, r: &IndexRow<'_>) {
        let unix = r.occurred_at_ms.div_euclid(1000);
        let rel = unix - BASE_SECS;
        if !(0..=i64::from(u32::MAX)).contains(&rel) {
            self.rows_refused += 1;
            return;
        }
        let secs = rel as u32;
        let day =
            (day_of(unix, self.tz_offset_secs) - BASE_DAY).clamp(0, i32::from(u16::MAX)) as u16;
        let member = self.members.intern(&r.member_id);
        let group = r.group_id.map_or(NO_GROUP, |g| self.groups.intern(&g));
        let kind = Kind::from_name(r.kind);
        self.ev.member.push(member);
        self.ev.secs.push(secs);
        self.ev.day.push(day);
        self.ev.group.push(group);
        self.ev.kind.push(kind as u8);
        if matches!(kind, Kind::Order | Kind::Refund) {
            let product = r
                .product
                .map_or(NO_PRODUCT, |p| self.products.intern(&p.to_string()));
            self.ord.member.push(member);
            self.ord.secs.push(secs);
            self.ord.day.push(day);
            self.ord.group.push(group);
            self.ord.amount.push(r.amount_fen);
            self.ord.product.push(product);
            self.ord.refund.push(kind == Kind::Refund);
        }
        self.max_event_id = self.max_event_id.max(r.event_id);
    }

    /// Folds appended rows into the sorted order (member by member, by time within a member).
    /// Linear in the index size; a no-op when nothing was appended.
    pub fn compact(&mut self) {
        let n_members = self.members.len();
        if self.ev_sorted != self.ev.member.len() || self.ev_starts.len() != n_members + 1 {
            let (perm, starts) = order(
                &self.ev.member,
                &self.ev.secs,
                self.ev_sorted,
                &self.ev_starts,
                n_members,
            );
            let c = &mut self.ev;
            c.member = gather(&c.member, &perm);
            c.secs = gather(&c.secs, &perm);
            c.day = gather(&c.day, &perm);
            c.group = gather(&c.group, &perm);
            c.kind = gather(&c.kind, &perm);
            self.ev_starts = starts;
            self.ev_sorted = self.ev.member.len();
        }
        if self.ord_sorted != self.ord.member.len() || self.ord_starts.len() != n_members + 1 {
            let (perm, starts) = order(
                &self.ord.member,
                &self.ord.secs,
                self.ord_sorted,
                &self.ord_starts,
                n_members,
            );
            let c = &mut self.ord;
            c.member = gather(&c.member, &perm);
            c.secs = gather(&c.secs, &perm);
            c.day = gather(&c.day, &perm);
            c.group = gather(&c.group, &perm);
            c.amount = gather(&c.amount, &perm);
            c.product = gather(&c.product, &perm);
            c.refund = gather(&c.refund, &perm);
            self.ord_starts = starts;
            self.ord_sorted = self.ord.member.len();
        }
    }

    /// Bytes held by the columns and dictionaries (capacity, not just length).
    pub fn memory_bytes(&self) -> usize {
        let c = &self.ev;
        let o = &self.ord;
        let cols = c.member.capacity() * 4
            + c.secs.capacity() * 4
            + c.day.capacity() * 2
            + c.group.capacity() * 4
            + c.kind.capacity()
            + o.member.capacity() * 4
            + o.secs.capacity() * 4
            + o.day.capacity() * 2
            + o.group.capacity() * 4
            + o.amount.capacity() * 8
            + o.product.capacity() * 4
            + o.refund.capacity()
            + (self.ev_starts.capacity() + self.ord_starts.capacity()) * 4;
        // A hash map entry costs about its key and value plus a control byte, at 7/8 load.
        let dicts = self.members.len() * (8 + (8 + 4 + 1) * 8 / 7)
            + self.groups.len() * (8 + (8 + 4 + 1) * 8 / 7)
            + self
                .products
                .ids()
                .iter()
                .map(|p| 2 * (p.len() + 24) + 6)
                .sum::<usize>();
        cols + dicts
    }

    /// The kind of event `i`.
    #[inline]
    pub fn kind_at(&self, i: usize) -> Kind {
        Kind::from_code(self.ev.kind[i])
    }

    /// Local day of a unix time, in the index's day numbering (days since 2000-01-01).
    pub fn day_index(&self, unix_secs: i64) -> i32 {
        day_of(unix_secs, self.tz_offset_secs) - BASE_DAY
    }
}

/// The permutation to the sorted order: a counting sort when little is sorted yet, else a
/// merge of the sorted rows (`..sorted`, runs at `starts`) with the sorted appended rows, which
/// reads the bulk sequentially.
fn order(
    member: &[u32],
    secs: &[u32],
    sorted: usize,
    starts: &[u32],
    n_members: usize,
) -> (Vec<u32>, Vec<u32>) {
    let n = member.len();
    if sorted == 0 || sorted < n / 2 || starts.last().map(|&s| s as usize) != Some(sorted) {
        return member_order(member, secs, n_members);
    }
    let mut tail: Vec<u32> = (sorted as u32..n as u32).collect();
    tail.sort_by_key(|&i| (member[i as usize], secs[i as usize]));
    let mut perm = Vec::with_capacity(n);
    let mut new_starts = Vec::with_capacity(n_members + 1);
    new_starts.push(0u32);
    let mut t = 0;
    let old_members = starts.len() - 1;
    for m in 0..n_members {
        let (a, b) = if m < old_members {
            (starts[m], starts[m + 1])
        } else {
            (sorted as u32, sorted as u32)
        };
        let mut i = a;
        while t < tail.len() && member[tail[t] as usize] as usize == m {
            let at = secs[tail[t] as usize];
            while i < b && secs[i as usize] <= at {
                perm.push(i);
                i += 1;
            }
            perm.push(tail[t]);
            t += 1;
        }
        perm.extend(i..b);
        new_starts.push(perm.len() as u32);
    }
    (perm, new_starts)
}

/// The permutation that orders rows by member (stable) and by time within a member, and the
/// start of each member's run. A counting sort: the store hands rows over in about time order,
/// so a run rarely needs sorting after the scatter.
fn member_order(member: &[u32], secs: &[u32], n_members: usize) -> (Vec<u32>, Vec<u32>) {
    let mut starts = vec![0u32; n_members + 1];
    for &m in member {
        starts[m as usize + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let mut next = starts.clone();
    let mut perm = vec![0u32; member.len()];
    for (i, &m) in member.iter().enumerate() {
        let slot = &mut next[m as usize];
        perm[*slot as usize] = i as u32;
        *slot += 1;
    }
    for w in starts.windows(2) {
        let run = &mut perm[w[0] as usize..w[1] as usize];
        if !run.is_sorted_by_key(|&i| secs[i as usize]) {
            run.sort_by_key(|&i| secs[i as usize]);
        }
    }
    (perm, starts)
}

fn gather<T: Copy>(col: &[T], perm: &[u32]) -> Vec<T> {
    perm.iter().map(|&i| col[i as usize]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, member: i64, group: i64, kind: &'static str, secs: i64) -> IndexRow<'static> {
        IndexRow {
            event_id: id,
            member_id: member,
            group_id: Some(group),
            kind,
            occurred_at_ms: secs * 1000,
            amount_fen: if kind == "order" { 100 } else { 0 },
            product: (kind == "order").then_some("p1"),
        }
    }

    #[test]
    fn compaction_orders_member_runs_by_time_and_keeps_appends() {
        let t = 1_735_689_600;
        let mut ix = EventIndex::new(0);
        ix.push(&row(1, 7, 1, "message", t + 50));
        ix.push(&row(2, 9, 1, "join", t));
        ix.push(&row(3, 7, 2, "order", t + 10));
        ix.compact();
        assert!(!ix.is_dirty());
        assert_eq!(ix.ev_starts, vec![0, 2, 3]);
        assert_eq!(ix.ev.secs[0] + 40, ix.ev.secs[1]);
        assert_eq!(ix.ord.member.len(), 1);
        // An earlier event of member 7 arrives late and is put in its place.
        ix.push(&row(4, 7, 1, "click", t + 5));
        assert!(ix.is_dirty());
        ix.compact();
        assert_eq!(ix.ev_starts, vec![0, 3, 4]);
        let secs: Vec<u32> = ix.ev.secs[0..3].to_vec();
        assert!(secs.is_sorted());
        assert_eq!(ix.max_event_id(), 4);
        assert_eq!(ix.kind_at(0), Kind::Click);
    }

    #[test]
    fn merging_appends_equals_sorting_everything() {
        let t = 1_735_689_600;
        let mut merged = EventIndex::new(0);
        let mut whole = EventIndex::new(0);
        let rows: Vec<IndexRow<'static>> = (0..500)
            .map(|i| {
                let member = (i * 7919) % 37;
                let secs = t + ((i * 104_729) % 1000);
                row(
                    i + 1,
                    member,
                    1 + i % 3,
                    if i % 5 == 0 { "order" } else { "message" },
                    secs,
                )
            })
            .collect();
        for (k, r) in rows.iter().enumerate() {
            merged.push(r);
            whole.push(r);
            if k == 300 || k == 420 {
                merged.compact();
            }
        }
        merged.compact();
        whole.compact();
        assert_eq!(merged.ev_starts, whole.ev_starts);
        assert_eq!(merged.ev.secs, whole.ev.secs);
        assert_eq!(merged.ev.member, whole.ev.member);
        assert_eq!(merged.ord.amount, whole.ord.amount);
        assert_eq!(merged.ord_starts, whole.ord_starts);
    }

    #[test]
    fn days_follow_the_zone_and_old_rows_are_refused() {
        let mut ix = EventIndex::new(8 * 3600);
        // 2025-01-01 17:00 UTC is already 2 January in Shanghai.
        ix.push(&row(1, 1, 1, "message", 1_735_689_600 + 17 * 3600));
        ix.push(&row(2, 1, 1, "message", 900_000_000));
        assert_eq!(ix.len(), 1);
        assert_eq!(ix.rows_refused(), 1);
        assert_eq!(i32::from(ix.ev.day[0]) + BASE_DAY, 20_089 + 1);
    }
}
