//! Bulk loads of events into one tenant (`quanzi import events --create-missing`): one
//! transaction, members and groups found by — or created under — the file's ids kept as
//! external ids, events stored as event blocks ([`crate::block`]), joins and leaves folded
//! into membership.
//!
//! * **One transaction, all or nothing.** The rows arrive through a channel ([`Feed`]); the
//!   transaction commits only on [`Feed::Commit`]. A closed channel without it (a bad row, a
//!   failed reader) rolls everything back, members and groups created on the way included.
//! * **Blocks, not rows.** Each batch's new events become one block: its columns encoded
//!   together, one write, no index entry per event. Its event ids are a range taken from the
//!   event table's sequence, so ids stay unique and increasing across rows and blocks.
//! * **The write lock.** On the embedded store the load runs on a connection of its own after
//!   taking the process's write lock and `BEGIN IMMEDIATE`: in-process writers queue on the
//!   lock, other processes wait in SQLite's busy handler. On PostgreSQL members and
//!   memberships go in with `COPY`.
//! * **Idempotent.** Each row carries a deterministic key naming its file line and content
//!   (`import-{line}-{hash}`); a key the tenant has — in a block or an event row — is
//!   skipped and counted as a duplicate, so loading the same file again stores nothing new.
//! * **Ids.** A file's member `42` is the tenant's member whose `external_userid` is
//!   `import:42` (groups: `external_chat_id`), created when missing — never another tenant's.
//! * **Membership** changes exactly as the API path's `insert_batch` changes it, as if the
//!   whole file were one batch: the new joins and leaves in time order (ties in file order),
//!   a join (re)opening a membership that is not open, a leave closing an open one. The
//!   history of those changes is not written again: it is the blocks' join and leave events
//!   ([`crate::block::Implied`]), read beside the `membership_change` rows.

mod postgres;
mod sqlite;

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use quanzi_domain::TenantId;
use quanzi_domain::group::NewGroup;
use quanzi_domain::member::NewMember;
use tokio::sync::mpsc::Receiver;

use crate::block::{Columns, parse_key};
use crate::{Db, Result, StoreError};

/// The prefix of the external ids a bulk load files members and groups under.
pub const EXTERNAL_PREFIX: &str = "import:";

/// A file's id as stored in `member.external_userid` / `chat_group.external_chat_id`.
pub fn external_id(id: i64) -> String {
    format!("{EXTERNAL_PREFIX}{id}")
}

/// The file's id of a stored external id made by [`external_id`].
pub fn file_id(external: &str) -> Option<i64> {
    let n = external.strip_prefix(EXTERNAL_PREFIX)?;
    let id: i64 = n.parse().ok()?;
    (id.to_string() == n).then_some(id)
}

/// What a load needs besides its rows.
#[derive(Debug, Clone)]
pub struct BulkSetup {
    /// Event kind names; [`BulkEvent::kind`] indexes this list.
    pub kinds: Vec<String>,
    /// How a created member looks; `{id}` in its name is replaced by the file's id, its
    /// external_userid is [`external_id`].
    pub member: NewMember,
    /// How a created group looks; name and external_chat_id made likewise.
    pub group: NewGroup,
    /// `created_at_ms` of what is created, and `received_at_ms` of the events.
    pub now_ms: i64,
    /// About how many rows will come (a hint: a load much larger than what the store holds
    /// builds some indexes once at the end instead of keeping them up row by row, and on
    /// PostgreSQL reserves this many event ids at once).
    pub expected_rows: u64,
}

impl BulkSetup {
    /// The name of the member created for the file's `id`.
    fn member_name(&self, id: i64) -> String {
        self.member.name.replace("{id}", &id.to_string())
    }

    /// The name of the group created for the file's `id`.
    fn group_name(&self, id: i64) -> String {
        self.group.name.replace("{id}", &id.to_string())
    }
}

/// One event of a batch, with the file's member and group ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkEvent {
    /// Index into [`BulkSetup::kinds`].
    pub kind: u16,
    /// The file's member id.
    pub member: i64,
    /// The file's group id.
    pub group: Option<i64>,
    /// When it happened, unix ms.
    pub occurred_at_ms: i64,
    /// Money in fen.
    pub amount_fen: Option<i64>,
}

/// A batch of events kept without a string per row: keys as (file line, row hash), products
/// in one text buffer.
#[derive(Debug, Default)]
pub struct EventBatch {
    rows: Vec<BulkEvent>,
    keys: Vec<(u64, u64)>,
    /// End of each row's product in `text`.
    ends: Vec<u32>,
    text: String,
}

impl EventBatch {
    /// An empty batch with room for `rows` events.
    pub fn with_capacity(rows: usize) -> Self {
        EventBatch {
            rows: Vec::with_capacity(rows),
            keys: Vec::with_capacity(rows),
            ends: Vec::with_capacity(rows),
            text: String::with_capacity(rows * 4),
        }
    }

    /// Adds an event whose idempotency key is `import-{line}-{hash}` ([`crate::block::key`]).
    pub fn push(&mut self, e: BulkEvent, (line, hash): (u64, u64), product: Option<&str>) {
        if let Some(p) = product {
            self.text.push_str(p);
        }
        self.rows.push(e);
        self.keys.push((line, hash));
        self.ends.push(self.text.len() as u32);
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The events.
    pub fn rows(&self) -> &[BulkEvent] {
        &self.rows
    }

    /// The file line and row hash of event `i`'s key.
    pub fn key(&self, i: usize) -> (u64, u64) {
        self.keys[i]
    }

    /// The product of event `i`.
    pub fn product(&self, i: usize) -> Option<&str> {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        let end = self.ends[i];
        (end > start).then(|| &self.text[start as usize..end as usize])
    }
}

/// What the reader sends the load.
#[derive(Debug)]
pub enum Feed {
    /// More rows.
    Rows(EventBatch),
    /// Every row was sent and good: commit.
    Commit,
}

/// What a load did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BulkOutcome {
    /// True when committed (nothing is kept otherwise).
    pub committed: bool,
    /// Events stored.
    pub imported: u64,
    /// Events whose key the tenant had already.
    pub duplicates: u64,
    /// Members created.
    pub members_created: u64,
    /// Groups created.
    pub groups_created: u64,
}

/// Loads the events sent through `feed` into `tenant`, in one transaction; see the module
/// documentation. `written` counts the rows handled so far, for a progress bar.
pub async fn load(
    db: &Db,
    tenant: TenantId,
    setup: BulkSetup,
    feed: Receiver<Feed>,
    written: Arc<AtomicU64>,
) -> Result<BulkOutcome> {
    if setup.kinds.len() > usize::from(u16::MAX) {
        return Err(StoreError::Commit("too many event kinds".into()));
    }
    match db {
        Db::Sqlite(pool, lane) => {
            let path = sqlite::file_of(pool).await?;
            let guard = lane.lock.clone().lock_owned().await;
            tokio::task::spawn_blocking(move || {
                let r = sqlite::load(&path, tenant, &setup, feed, &written);
                drop(guard);
                r
            })
            .await
            .map_err(|e| StoreError::Commit(format!("the bulk writer stopped: {e}")))?
        }
        Db::Postgres(pool) => postgres::load(pool, tenant, &setup, feed, &written).await,
    }
}

/// True when writing `rows` rows dwarfs a table whose highest id is `ever`: more than twice
/// the rows it has ever had, and at least 50,000. Then a load drops the table's secondary
/// indexes (and on PostgreSQL its foreign keys) and builds them again at the end: an index
/// built by sorting, or a key checked by one join, costs a fraction of one kept up row by
/// row; for a small load into a large table it is the other way round.
fn dwarfs(rows: u64, ever: i64) -> bool {
    rows >= 2 * ever.max(0) as u64 + 50_000
}

/// The tenant's id for a file id, which the batch's creation step has made sure of.
fn mapped(map: &IdMap, file: i64) -> Result<i64> {
    map.ids
        .get(file)
        .ok_or_else(|| StoreError::Commit(format!("bulk load: file id {file} was not mapped")))
}

/// True for the kinds that change membership.
fn is_membership(kind: &str) -> bool {
    kind == "join" || kind == "leave"
}

/// What a load knows as it goes, the same in both drivers: the id maps, the keys to skip,
/// the joins and leaves so far, the file position of the next batch, and the counts.
#[derive(Debug, Default)]
struct Shape {
    members: IdMap,
    groups: IdMap,
    held: HeldKeys,
    changes: Vec<Change>,
    seq: u64,
    out: BulkOutcome,
}

impl Shape {
    /// Turns batch `b`, whose rows' tenant member ids are `members` ([`IdMap::column`]),
    /// into the columns of its events whose key is not held (group ids mapped), counting
    /// the rest as duplicates; keeps the joins and leaves among the new ones and moves the
    /// file position past the batch.
    fn prepare(&mut self, setup: &BulkSetup, members: &[i64], b: &EventBatch) -> Result<Columns> {
        let n = b.len();
        let mut cols = Columns {
            kind_names: setup.kinds.clone(),
            ..Columns::default()
        };
        for v in [&mut cols.members, &mut cols.groups, &mut cols.at_ms] {
            v.reserve(n);
        }
        let mut products: HashMap<&str, u32> = HashMap::new();
        // Per kind: a join, a leave, or neither.
        let joins: Vec<Option<bool>> = setup
            .kinds
            .iter()
            .map(|k| is_membership(k).then_some(k == "join"))
            .collect();
        for (i, e) in b.rows().iter().enumerate() {
            let (line, hash) = b.key(i);
            if self.held.contains(&(line, hash)) {
                self.out.duplicates += 1;
                continue;
            }
            let member = members[i];
            cols.members.push(member);
            let group = e.group.map(|g| mapped(&self.groups, g)).transpose()?;
            cols.groups.push(group.unwrap_or(0));
            cols.kinds.push(u32::from(e.kind));
            cols.at_ms.push(e.occurred_at_ms);
            cols.amounts.push(e.amount_fen);
            cols.products.push(match b.product(i) {
                None => 0,
                Some(p) => {
                    let next = products.len() as u32 + 1;
                    *products.entry(p).or_insert(next)
                }
            });
            cols.lines.push(line);
            cols.hashes.push(hash);
            let join = joins.get(usize::from(e.kind)).copied().flatten();
            if let (Some(join), Some(group)) = (join, group) {
                self.changes.push(Change {
                    at_ms: e.occurred_at_ms,
                    seq: self.seq + i as u64,
                    group,
                    member,
                    join,
                });
            }
        }
        let mut names: Vec<(&str, u32)> = products.into_iter().collect();
        names.sort_by_key(|(_, i)| *i);
        cols.product_names = names.into_iter().map(|(p, _)| p.to_owned()).collect();
        self.out.imported += cols.len() as u64;
        self.seq += n as u64;
        Ok(cols)
    }
}

/// The keys a load must skip: the file-derived keys (line, hash) the tenant holds, in blocks
/// or event rows, read when the load begins (none for a tenant without any).
#[derive(Debug, Default)]
struct HeldKeys {
    keys: FastSet<(u64, u64)>,
}

impl HeldKeys {
    fn contains(&self, k: &(u64, u64)) -> bool {
        !self.keys.is_empty() && self.keys.contains(k)
    }

    /// Adds the keys of a block's `data` blob.
    fn add_block(&mut self, data: &[u8]) -> Result<()> {
        self.keys.extend(crate::block::codec::decode_keys(data)?);
        Ok(())
    }

    /// Adds an event row's key when it is file-derived.
    fn add_key(&mut self, k: &str) {
        self.keys.extend(parse_key(k));
    }
}

/// The range of event keys that can be file-derived: `import-` up to `import.` (`.` follows
/// `-`).
const DERIVED_KEYS: (&str, &str) = ("import-", "import.");

/// A hasher for the load's integer keys (ids, file lines and hashes): a rotate, a xor and a
/// multiply per word, where the default SipHash cost more than the rest of each lookup.
/// The keys come from the operator's own file, so collisions made on purpose only slow
/// that operator's import.
#[derive(Debug, Default, Clone, Copy)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        bytes.iter().for_each(|b| self.write_u64(u64::from(*b)));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_i64(&mut self, n: i64) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A map keyed by integers, hashed with [`IdHasher`].
type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;
/// A set of integers, hashed with [`IdHasher`].
type FastSet<K> = HashSet<K, BuildHasherDefault<IdHasher>>;

/// File ids below this are kept in a dense array (8 bytes each, allocated up to the largest
/// seen), the rest in a hash map. A file's ids are mostly small and dense (the benchmark's
/// run to about a million), and an array lookup is one memory access where the hash map's
/// probe was the load's costliest step.
const DENSE_IDS: i64 = 1 << 24;

/// File ids → the tenant's ids (never 0).
#[derive(Debug, Default)]
struct FileIds {
    dense: Vec<i64>,
    sparse: FastMap<i64, i64>,
}

impl FileIds {
    fn get(&self, file: i64) -> Option<i64> {
        if (0..DENSE_IDS).contains(&file) {
            self.dense.get(file as usize).copied().filter(|id| *id != 0)
        } else {
            self.sparse.get(&file).copied()
        }
    }

    fn insert(&mut self, file: i64, id: i64) {
        if (0..DENSE_IDS).contains(&file) {
            let i = file as usize;
            if i >= self.dense.len() {
                // Doubling, so growing costs a constant per id.
                let len = (i + 1).max(self.dense.len() * 2).min(DENSE_IDS as usize);
                self.dense.resize(len, 0);
            }
            self.dense[i] = id;
        } else {
            self.sparse.insert(file, id);
        }
    }
}

/// File ids → the tenant's ids, and which of those existed before this load.
#[derive(Debug, Default)]
struct IdMap {
    ids: FileIds,
    /// Ids that were there before the load (only their memberships can be stored already).
    existing: FastSet<i64>,
}

impl IdMap {
    fn stored(&mut self, file: i64, id: i64) {
        self.ids.insert(file, id);
        self.existing.insert(id);
    }

    /// The tenant ids of `files`, every one mapped already.
    fn column(&self, files: impl Iterator<Item = i64>) -> Result<Vec<i64>> {
        files.map(|f| mapped(self, f)).collect()
    }

    /// The tenant ids of `files` in one pass, mapping the ones not mapped yet: `create`
    /// gets those sorted, without repeats, and answers the id of the first (the others
    /// follow it in order).
    fn column_creating(
        &mut self,
        files: &[i64],
        create: impl FnOnce(&[i64]) -> Result<i64>,
    ) -> Result<Vec<i64>> {
        let mut absent = Vec::new();
        let mut column: Vec<i64> = files
            .iter()
            .enumerate()
            .map(|(i, f)| {
                self.ids.get(*f).unwrap_or_else(|| {
                    absent.push(i);
                    0
                })
            })
            .collect();
        if absent.is_empty() {
            return Ok(column);
        }
        let mut missing: Vec<i64> = absent.iter().map(|i| files[*i]).collect();
        missing.sort_unstable();
        missing.dedup();
        let first = create(&missing)?;
        for (k, f) in missing.iter().enumerate() {
            self.ids.insert(*f, first + k as i64);
        }
        for i in absent {
            column[i] = mapped(self, files[i])?;
        }
        Ok(column)
    }

    /// The file ids of `wanted` not mapped yet, sorted, without repeats.
    fn missing(&self, wanted: impl Iterator<Item = i64>) -> Vec<i64> {
        let mut v: Vec<i64> = wanted.filter(|f| self.ids.get(*f).is_none()).collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// A join or leave of a new event, in file order (`seq`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Change {
    at_ms: i64,
    seq: u64,
    group: i64,
    member: i64,
    join: bool,
}

/// A membership row: role (`None` = member, as a join creates it), joined, scene, inviter,
/// left.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Held {
    role: Option<String>,
    joined_at_ms: i64,
    join_scene: Option<String>,
    inviter: Option<i64>,
    left_at_ms: Option<i64>,
}

impl Held {
    fn role(&self) -> &str {
        self.role.as_deref().unwrap_or("member")
    }
}

/// The membership rows ((group, member) → row) whose state a fold changed, in key order.
type Folded = Vec<((i64, i64), Held)>;

/// Applies `changes` to the stored memberships `initial` ((group, member) → row) the way
/// `group::JOIN_SQL` and `group::LEAVE_SQL` do, one after the other in time order: a join
/// inserts a row or reopens a closed one (role kept, scene and inviter cleared as a bulk
/// event has none), an open one is left as is; a leave closes an open row. The history
/// needs no fold: every change is in it, as the blocks' join and leave events.
fn fold(initial: FastMap<(i64, i64), Held>, mut changes: Vec<Change>) -> Folded {
    changes.sort_by_key(|c| (c.at_ms, c.seq));
    let mut state: FastMap<(i64, i64), Option<Held>> = FastMap::default();
    let mut before = initial;
    for c in &changes {
        let key = (c.group, c.member);
        let slot = state
            .entry(key)
            .or_insert_with(|| before.get(&key).cloned());
        match (c.join, slot.as_mut()) {
            (true, None) => {
                *slot = Some(Held {
                    role: None,
                    joined_at_ms: c.at_ms,
                    join_scene: None,
                    inviter: None,
                    left_at_ms: None,
                });
            }
            (true, Some(h)) if h.left_at_ms.is_some() => {
                h.joined_at_ms = c.at_ms;
                h.join_scene = None;
                h.inviter = None;
                h.left_at_ms = None;
            }
            (false, Some(h)) if h.left_at_ms.is_none() => h.left_at_ms = Some(c.at_ms),
            _ => {}
        }
    }
    let mut rows: Vec<((i64, i64), Held)> = state
        .into_iter()
        .filter_map(|(key, now)| {
            let now = now?;
            (before.remove(&key).as_ref() != Some(&now)).then_some((key, now))
        })
        .collect();
    rows.sort_by_key(|(k, _)| *k);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(at_ms: i64, seq: u64, member: i64, join: bool) -> Change {
        Change {
            at_ms,
            seq,
            group: 1,
            member,
            join,
        }
    }

    #[test]
    fn a_file_id_round_trips_through_its_external_id_and_nothing_else_does() {
        assert_eq!(file_id(&external_id(42)), Some(42));
        assert_eq!(file_id("import:042"), None);
        assert_eq!(file_id("wm-42"), None);
    }

    #[test]
    fn joins_and_leaves_fold_in_time_order_with_ties_in_file_order() {
        let stored = Held {
            role: Some("admin".into()),
            joined_at_ms: 1,
            join_scene: Some("qr".into()),
            inviter: None,
            left_at_ms: Some(5),
        };
        let initial = FastMap::from_iter([((1, 7), stored)]);
        let changes = vec![
            change(30, 3, 8, false),
            change(10, 1, 7, true),
            change(20, 2, 8, true),
            change(30, 4, 8, true),
            change(40, 5, 9, false),
        ];
        let rows: HashMap<(i64, i64), Held> = fold(initial, changes).into_iter().collect();
        // Reopened: the role kept, the scene cleared.
        let seven = &rows[&(1, 7)];
        assert_eq!(
            (
                seven.role(),
                seven.joined_at_ms,
                seven.join_scene.as_deref(),
                seven.left_at_ms
            ),
            ("admin", 10, None, None)
        );
        // Joined, left and joined again at the same time: open again from the second join.
        let eight = &rows[&(1, 8)];
        assert_eq!(
            (eight.role(), eight.joined_at_ms, eight.left_at_ms),
            ("member", 30, None)
        );
        // A leave without a membership changes nothing but the history.
        assert!(!rows.contains_key(&(1, 9)));
    }

    #[test]
    fn file_ids_map_alike_dense_or_sparse() {
        let mut ids = FileIds::default();
        let files = [
            0,
            1,
            7,
            1_000_000,
            DENSE_IDS - 1,
            DENSE_IDS,
            -5,
            i64::MAX,
            i64::MIN,
        ];
        for (i, f) in files.iter().enumerate() {
            assert_eq!(ids.get(*f), None);
            ids.insert(*f, 100 + i as i64);
        }
        for (i, f) in files.iter().enumerate() {
            assert_eq!(ids.get(*f), Some(100 + i as i64), "{f}");
        }
        assert_eq!(
            (ids.get(2), ids.get(999_999), ids.get(-4)),
            (None, None, None)
        );
        assert_eq!(ids.dense.len(), DENSE_IDS as usize);
        let map = IdMap {
            ids,
            ..IdMap::default()
        };
        assert_eq!(
            map.missing([3, 1, 3, -5, 2, -6].into_iter()),
            vec![-6, 2, 3]
        );
    }

    #[test]
    fn a_batch_keeps_keys_and_products_without_a_string_per_row() {
        let mut b = EventBatch::with_capacity(2);
        let e = BulkEvent {
            kind: 0,
            member: 1,
            group: None,
            occurred_at_ms: 0,
            amount_fen: None,
        };
        b.push(e, (2, 7), Some("42"));
        b.push(e, (3, 8), None);
        b.push(e, (4, 9), Some("茶"));
        assert_eq!((b.key(0), b.product(0)), ((2, 7), Some("42")));
        assert_eq!((b.key(1), b.product(1)), ((3, 8), None));
        assert_eq!((b.key(2), b.product(2)), ((4, 9), Some("茶")));
    }
}
