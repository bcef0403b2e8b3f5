//! The event writer's statements: event batches appended with prepared multi-row inserts,
//! with the membership changes and outbox rows of the new ones, on the writer thread's
//! connection.

use std::collections::HashSet;

use quanzi_domain::TenantId;
use quanzi_domain::event::NewEvent;
use rusqlite::{Connection, params};

use crate::event::{NEW_KEYS_SQLITE, new_indexes};
use crate::webhook::OutboxItem;

/// Rows per insert statement. One statement of many rows with plain bound values costs
/// SQLite's VM far less per row than a statement per row, or than unpacking rows from JSON.
const ROWS_PER_INSERT: usize = 100;
/// Parameters per event row in [`insert_values`].
const EVENT_PARAMS: usize = 9;

/// `insert … values` of `rows` events: `?1` tenant, `?2` received at, then
/// [`EVENT_PARAMS`] per row. `or ignore` skips a row whose idempotency key the tenant has:
/// no row can make the statement abort (the event table has no foreign key and every row
/// was validated), so SQLite keeps no statement journal for it — with `on conflict do
/// nothing` it copied every page a 100-row statement touched first.
fn insert_values(rows: usize) -> String {
    let mut sql = String::from(
        "insert or ignore into event (tenant_id, received_at_ms, idempotency_key, kind, member_id, group_id,
            occurred_at_ms, amount_fen, product, reference, properties) values ",
    );
    for r in 0..rows {
        let p = 3 + r * EVENT_PARAMS;
        if r > 0 {
            sql.push(',');
        }
        sql.push_str("(?1, ?2");
        for i in 0..EVENT_PARAMS {
            sql.push_str(&format!(", ?{}", p + i));
        }
        sql.push(')');
    }
    sql
}

/// The writer's statement texts, made once: preparing from the cache looks them up by text.
pub(crate) static STATEMENTS: std::sync::LazyLock<Statements> =
    std::sync::LazyLock::new(Statements::new);

/// The texts of the event inserts ([`STATEMENTS`]).
pub(crate) struct Statements {
    insert_many: String,
    insert_ten: String,
    insert_one: String,
    new_keys: String,
}

impl Statements {
    pub(crate) fn new() -> Statements {
        Statements {
            insert_many: insert_values(ROWS_PER_INSERT),
            insert_ten: insert_values(10),
            insert_one: insert_values(1),
            new_keys: numbered(NEW_KEYS_SQLITE),
        }
    }

    /// The insert for `rows` events: [`ROWS_PER_INSERT`], 10 or 1.
    fn insert(&self, rows: usize) -> &str {
        match rows {
            ROWS_PER_INSERT => &self.insert_many,
            10 => &self.insert_ten,
            _ => &self.insert_one,
        }
    }
}

/// Inserts one batch, applies the joins and leaves among its new events to membership and
/// writes their outbox rows; answers the indexes of the new events.
pub(crate) fn append(
    conn: &Connection,
    sql: &Statements,
    tenant: TenantId,
    received_ms: i64,
    events: &[NewEvent],
    outbox: &[Option<OutboxItem>],
) -> rusqlite::Result<Vec<usize>> {
    let new = insert_events(conn, sql, tenant, received_ms, events)?;
    let changes = crate::membership::changes(events, &new);
    crate::membership::apply_sqlite(conn, tenant, &changes, |_| true)?;
    let items: Vec<&OutboxItem> = new
        .iter()
        .filter_map(|&i| outbox.get(i)?.as_ref())
        .collect();
    let joined = crate::membership::joined_groups(&changes);
    crate::webhook::emit_sqlite(conn, tenant, &items, &joined, received_ms)?;
    Ok(new)
}

/// Inserts `events` for `tenant`, skipping the idempotency keys it has, with prepared
/// multi-row statements; answers the indexes (into `events`) of the new ones. Membership is
/// the caller's.
pub(crate) fn insert_events(
    conn: &Connection,
    sql: &Statements,
    tenant: TenantId,
    received_ms: i64,
    events: &[NewEvent],
) -> rusqlite::Result<Vec<usize>> {
    let mut new = Vec::with_capacity(events.len());
    let mut done = 0;
    while done < events.len() {
        let left = events.len() - done;
        let rows = [ROWS_PER_INSERT, 10, 1]
            .into_iter()
            .find(|n| *n <= left)
            .unwrap_or(1);
        let chunk = &events[done..done + rows];
        let mut st = conn.prepare_cached(sql.insert(rows))?;
        st.raw_bind_parameter(1, tenant.0)?;
        st.raw_bind_parameter(2, received_ms)?;
        for (r, e) in chunk.iter().enumerate() {
            let p = 3 + r * EVENT_PARAMS;
            st.raw_bind_parameter(p, &e.idempotency_key)?;
            st.raw_bind_parameter(p + 1, e.kind.as_str())?;
            st.raw_bind_parameter(p + 2, e.member_id.0)?;
            st.raw_bind_parameter(p + 3, e.group_id.map(|g| g.0))?;
            st.raw_bind_parameter(p + 4, e.occurred_at_ms)?;
            st.raw_bind_parameter(p + 5, e.amount_fen)?;
            st.raw_bind_parameter(p + 6, &e.product)?;
            st.raw_bind_parameter(p + 7, &e.reference)?;
            st.raw_bind_parameter(p + 8, &e.properties)?;
        }
        let inserted = st.raw_execute()?;
        if inserted == rows {
            new.extend(done..done + rows);
        } else if inserted > 0 {
            // Under the only write lock one statement's new rows get consecutive ids.
            let last = conn.last_insert_rowid();
            let keys = conn
                .prepare_cached(&sql.new_keys)?
                .query_map(params![last - inserted as i64, last], |r| {
                    r.get::<_, String>(0)
                })?
                .collect::<rusqlite::Result<HashSet<String>>>()?;
            new.extend(new_indexes(chunk, &keys).into_iter().map(|i| done + i));
        }
        done += rows;
    }
    Ok(new)
}

/// The store's `$N` placeholders as SQLite's `?N`: both bind by number, but SQLite numbers
/// `$N` (a named parameter to it) by order of appearance.
pub(crate) fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        let digit_next = chars.peek().is_some_and(|n| n.is_ascii_digit());
        out.push(if c == '$' && digit_next { '?' } else { c });
    }
    out
}
