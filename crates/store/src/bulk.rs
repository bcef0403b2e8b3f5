//! Bulk loads of events into one tenant (`quanzi import events`): one transaction, events
//! stored as ordinary `event` rows with everything the API keeps, joins and leaves folded into
//! membership by the domain's one rule ([`quanzi_domain::membership`]) and written to the
//! history, and a record of the load in `event_load`.
//!
//! * **One transaction, all or nothing.** The rows arrive through a channel ([`Feed`]); the
//!   transaction commits only on [`Feed::Commit`]. A closed channel without it (a bad row, a
//!   failed reader) rolls everything back, members and groups created on the way included.
//! * **No DDL, no table lock.** A load only inserts and updates rows: other tenants read and
//!   write as usual while it runs. On the embedded store it holds the process's write lock
//!   (SQLite has one writer) and writes with prepared multi-row inserts; on PostgreSQL events
//!   and history go in with `COPY`.
//! * **Idempotent.** An event whose idempotency key the tenant has is skipped and counted as
//!   a duplicate, so loading the same file again stores nothing new. A key derived from its
//!   row is stored in the form that enters the key index in the store's write order
//!   ([`KeyForm`]: PostgreSQL's sorted [`RowKey::stored`], SQLite's reader's form), and looked
//!   up in the other form too when the tenant has keys in it.
//! * **Ids.** With [`Ids::Tenant`] the events name the tenant's members and groups (the
//!   caller checked they exist). With [`Ids::CreateMissing`] a file's member `42` is the
//!   tenant's member whose `external_userid` is `import:42` (groups: `external_chat_id`),
//!   created when missing — never another tenant's; so are the members the properties link
//!   to (inviter, reply, mention, shared post, sharer, invitee).
//! * **Membership** changes as if the whole load were one batch: the new joins and leaves in
//!   time order (ties in load order).

mod copy_text;
mod held;
mod ids;
mod postgres;
mod sqlite;

use std::collections::HashMap;

use quanzi_domain::event::row_key::{FILE_FORM_RANGE, RowKey, SORTED_FORM_RANGE};
use quanzi_domain::event::{NewEvent, linked_members, map_linked_members};
use quanzi_domain::group::NewGroup;
use quanzi_domain::member::NewMember;
use quanzi_domain::membership::{Dated, Membership, Pair, fold};
use quanzi_domain::{GroupId, MemberId, TenantId};
use tokio::sync::mpsc::Receiver;

pub use ids::{EXTERNAL_PREFIX, external_id, file_id};

use crate::{Db, Result, StoreError};
use ids::IdMap;

/// How the events of a load name members and groups.
#[derive(Debug, Clone)]
pub enum Ids {
    /// By the tenant's own ids, which exist.
    Tenant,
    /// By the file's ids, kept as external ids and created when missing.
    CreateMissing {
        /// How a created member looks; `{id}` in its name is replaced by the file's id, its
        /// external_userid is [`external_id`].
        member: Box<NewMember>,
        /// How a created group looks; name and external_chat_id made likewise.
        group: Box<NewGroup>,
    },
}

/// What a load needs besides its rows.
#[derive(Debug, Clone)]
pub struct BulkSetup {
    /// How the events name members and groups.
    pub ids: Ids,
    /// `created_at_ms` of what is created, and `received_at_ms` of the events.
    pub now_ms: i64,
}

/// What the reader sends the load.
#[derive(Debug)]
pub enum Feed {
    /// More events, checked by the domain's rules.
    Rows(Vec<FileEvent>),
    /// Every row was sent and good: commit.
    Commit,
}

/// One checked row of a file.
#[derive(Debug, Clone)]
pub struct FileEvent {
    /// The event, its member and group as the file names them.
    pub event: NewEvent,
    /// When the file gave the row no key: the key derived from the row, whose reader's form
    /// is the event's key. The load stores it in its sorted form ([`RowKey::stored`]).
    pub derived: Option<RowKey>,
}

impl FileEvent {
    /// A row whose key is its own (given by the file, or by the caller).
    pub fn keyed(event: NewEvent) -> FileEvent {
        FileEvent {
            event,
            derived: None,
        }
    }
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
/// documentation.
pub async fn load(
    db: &Db,
    tenant: TenantId,
    setup: BulkSetup,
    feed: Receiver<Feed>,
) -> Result<BulkOutcome> {
    match db {
        Db::Sqlite(_, lane) => {
            let path = lane.path.clone();
            let guard = lane.lock.clone().lock_owned().await;
            tokio::task::spawn_blocking(move || {
                let r = sqlite::load(&path, tenant, &setup, feed);
                drop(guard);
                r
            })
            .await
            .map_err(|e| StoreError::Commit(format!("the bulk writer stopped: {e}")))?
        }
        Db::Postgres(pool, _) => postgres::load(pool, tenant, &setup, feed).await,
    }
}

/// The form a store keeps a derived key in ([`quanzi_domain::event::row_key`]): the one that
/// enters its unique key index in the order the store writes a load's events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyForm {
    /// The reader's `import-{line}-{hash}`: SQLite writes a load's events in file order.
    File,
    /// The sorted `import.{run}.{member}.{line}.{hash}`: PostgreSQL writes each run of lines
    /// sorted by member.
    Sorted,
}

impl KeyForm {
    /// Where the keys of the other form sort (the tenant may have them: rows imported by
    /// versions up to schema v25 are in the reader's form, and a database may move between
    /// stores).
    fn other_range(self) -> (&'static str, &'static str) {
        match self {
            KeyForm::File => SORTED_FORM_RANGE,
            KeyForm::Sorted => FILE_FORM_RANGE,
        }
    }
}

/// Whether the tenant has keys in the other form of a derived key, which a load must then
/// look up too. Binds: the tenant and [`KeyForm::other_range`].
const OTHER_FORM_KEYS: &str = "select exists (select 1 from event where tenant_id = $1 and idempotency_key >= $2 and idempotency_key < $3)";

/// A batch ready to store ([`Shape::map`]).
struct Mapped {
    events: Vec<NewEvent>,
    /// Per event, its derived key in the form the store does not keep, when the load looks
    /// that form up.
    other_forms: Vec<Option<String>>,
}

impl Mapped {
    /// The derived keys in the form the store does not keep, to look up too.
    fn other_form_keys(&self) -> Vec<&str> {
        self.other_forms
            .iter()
            .flatten()
            .map(String::as_str)
            .collect()
    }

    /// Whether event `i` is stored already: its key, or its derived key in the other form, is
    /// among `stored`.
    fn stored_in(&self, i: usize, stored: &std::collections::HashSet<String>) -> bool {
        stored.contains(&self.events[i].idempotency_key)
            || self.other_forms[i]
                .as_ref()
                .is_some_and(|k| stored.contains(k))
    }
}

/// What a load knows as it goes, the same in both drivers: the id maps, the joins and
/// leaves so far, the event ids it took, and the counts.
#[derive(Debug, Default)]
struct Shape {
    members: IdMap,
    groups: IdMap,
    changes: Vec<Dated>,
    first_event_id: Option<i64>,
    last_event_id: Option<i64>,
    out: BulkOutcome,
}

impl Shape {
    /// The batch with the tenant's ids in place of the file's (every one mapped already) and
    /// derived keys in the store's `form`; beside it, when `other` (the tenant has keys in the
    /// other form), each derived key in the other form.
    fn map(&self, ids: &Ids, batch: Vec<FileEvent>, form: KeyForm, other: bool) -> Result<Mapped> {
        let mut events = Vec::with_capacity(batch.len());
        let mut other_forms = Vec::with_capacity(batch.len());
        for FileEvent { mut event, derived } in batch {
            if let Ids::CreateMissing { .. } = ids {
                event.member_id = MemberId(self.members.get(event.member_id.0)?);
                event.group_id = event
                    .group_id
                    .map(|g| self.groups.get(g.0))
                    .transpose()?
                    .map(GroupId);
                event.properties =
                    map_linked_members(&event.properties, |id| self.members.get(id))?;
            }
            // The event's key is the derived key's reader's form.
            let other_form = match (derived, form) {
                (None, _) => None,
                (Some(k), KeyForm::File) => other.then(|| k.stored(event.member_id)),
                (Some(k), KeyForm::Sorted) => {
                    let sorted = k.stored(event.member_id);
                    let file_form = std::mem::replace(&mut event.idempotency_key, sorted);
                    other.then_some(file_form)
                }
            };
            other_forms.push(other_form);
            events.push(event);
        }
        Ok(Mapped {
            events,
            other_forms,
        })
    }

    /// The member and group file ids of a batch not mapped yet, sorted, without repeats.
    fn missing(&self, batch: &[FileEvent]) -> (Vec<i64>, Vec<i64>) {
        let members = batch.iter().flat_map(|f| {
            std::iter::once(f.event.member_id.0)
                .chain(linked_members(&f.event.properties).into_iter().map(|m| m.0))
        });
        let groups = batch.iter().filter_map(|f| f.event.group_id.map(|g| g.0));
        (self.members.missing(members), self.groups.missing(groups))
    }

    /// Counts the events `stored` of `batch` (indexes) and the rest as duplicates, and keeps
    /// the joins and leaves among the stored ones.
    fn stored(&mut self, batch: &[NewEvent], stored: &[usize]) {
        self.out.imported += stored.len() as u64;
        self.out.duplicates += (batch.len() - stored.len()) as u64;
        self.changes
            .extend(crate::membership::changes(batch, stored));
    }

    /// The pairs whose stored membership the fold needs: those of members and groups that
    /// were there before the load (the ones it created have none).
    fn stored_pairs(&self) -> Vec<Pair> {
        let mut pairs: Vec<Pair> = self
            .changes
            .iter()
            .map(|c| (c.group, c.member))
            .filter(|(g, m)| !self.groups.created(g.0) && !self.members.created(m.0))
            .collect();
        pairs.sort_by_key(|(g, m)| (g.0, m.0));
        pairs.dedup();
        pairs
    }

    /// The memberships the load's changes leave changed, given the stored ones.
    fn folded(&self, stored: &HashMap<Pair, Membership>) -> Vec<(Pair, Membership)> {
        fold(stored, &self.changes)
    }
}
