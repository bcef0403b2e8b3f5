//! Listing events page by page on a keyset: newest id first, or, for a member's or a group's
//! timeline, newest (time, id) first.
//!
//! Every query reads an index in the listing's order from the cursor on (migration 0007; on
//! SQLite a timeline's derived table, migration 0024), so a page costs the page, not the
//! tenant.

use quanzi_domain::TenantId;

use super::Event;
use crate::timeline::{AFTER_MARK, Axis, buckets_through, last_bucket};
use crate::{Arg, Db, Result, SqlBuf, bind_args, on_pool};
pub use quanzi_domain::query::EventFilter;

const COLS: &str = "event_id, idempotency_key, kind, member_id, group_id, occurred_at_ms, amount_fen, product, reference, properties";
/// [`COLS`] after the id of a timeline's row `x` joined to its event `e`: the time from `x`,
/// so the timeline's order is the index's.
const E_COLS: &str = "e.idempotency_key, e.kind, e.member_id, e.group_id, x.occurred_at_ms, e.amount_fen, e.product, e.reference, e.properties";

/// The buckets of a timeline listing read by an arm each, newest first: SQLite allows 500
/// terms in a compound select, so older buckets share one arm, read by a seek per bucket and
/// sorted.
const OWN_ARMS: i64 = 400;

/// Events newest first: by id, or by time then id when a member or group is asked for.
pub async fn list(db: &Db, tenant: TenantId, f: &EventFilter) -> Result<Vec<Event>> {
    let timeline = f.member_id.is_some() || f.group_id.is_some();
    let last_bucket = if timeline {
        last_bucket(crate::timeline::mark(db).await?)
    } else {
        0
    };
    let (sql, args) = rows_query(tenant, f, db.is_sqlite(), last_bucket);
    on_pool!(db, p => bind_args!(sqlx::query_as::<_, Event>(sqlx::AssertSqlSafe(sql)), args).fetch_all(p).await.map_err(Into::into))
}

/// The statement and arguments of a page of `event` rows: an equality per filter, the cursor
/// as a range on the index's order (the time bound first, so it is an index range, then the
/// id breaking equal times), newest first. On SQLite a member's or a group's timeline reads
/// its derived table up to the mark and the events after it ([`crate::timeline`]), merged:
/// each bucket through `last_bucket` (the mark's, read just before) in its order (but the
/// oldest past [`OWN_ARMS`], together), then any later bucket (the mark moved meanwhile: the
/// few entries of one round, sorted).
pub(crate) fn rows_query(
    tenant: TenantId,
    f: &EventFilter,
    sqlite: bool,
    last_bucket: i64,
) -> (String, Vec<Arg>) {
    let axis = match (f.member_id, f.group_id) {
        (Some(_), _) => Some(Axis::Member),
        (None, Some(_)) => Some(Axis::Group),
        (None, None) => None,
    };
    // A timeline on SQLite: its derived table up to the mark first, then the events after it.
    let mut b = match (sqlite, axis) {
        (true, Some(axis)) => {
            let mut b = SqlBuf::new("");
            // The newest buckets an arm each; older ones (past 210M events) share one, sorted.
            let first_own = (last_bucket + 1 - OWN_ARMS).max(0);
            let shared = (first_own > 0)
                .then(|| format!("in ({})", buckets_through(&(first_own - 1).to_string())));
            let own = (first_own..=last_bucket).map(|n| format!("= {n}"));
            let later = format!("> {last_bucket}");
            for (i, bucket) in shared.into_iter().chain(own).chain([later]).enumerate() {
                b.push(&format!(
                    "{}select x.event_id, {E_COLS} from {} x join event e on e.event_id = x.event_id where x.bucket {bucket} and x.tenant_id = ",
                    if i == 0 { "" } else { " union all " },
                    axis.table()
                ));
                b.bind(Arg::I64(tenant.0));
                conditions(&mut b, f, "x.", "e.");
            }
            b.push(&format!(
                " union all select {COLS} from event where {AFTER_MARK} and tenant_id = "
            ));
            b
        }
        _ => SqlBuf::new(&format!("select {COLS} from event where tenant_id = ")),
    };
    b.bind(Arg::I64(tenant.0));
    conditions(&mut b, f, "", "");
    let order = if f.by_time() {
        " order by occurred_at_ms desc, event_id desc limit "
    } else {
        " order by event_id desc limit "
    };
    b.push(order);
    b.bind(Arg::I64(f.limit));
    b.finish(sqlite)
}

/// The filter's equalities and cursor, after a first condition: `key.` qualifies the
/// columns of the order (time, id) and the timeline's own key, `row.` the others.
fn conditions(b: &mut SqlBuf, f: &EventFilter, key: &str, row: &str) {
    let member_on_key = f.member_id.is_some();
    let ids = [
        ("member_id", f.member_id.map(|m| m.0), key),
        (
            "group_id",
            f.group_id.map(|g| g.0),
            if member_on_key { row } else { key },
        ),
    ];
    for (col, v, q) in ids {
        if let Some(v) = v {
            b.push(&format!(" and {q}{col} = "));
            b.bind(Arg::I64(v));
        }
    }
    if let Some(k) = &f.kind {
        b.push(&format!(" and {row}kind = "));
        b.bind(Arg::Str(k.clone()));
    }
    match (f.before, f.by_time()) {
        (None, _) => {}
        (Some(id), false) => {
            b.push(&format!(" and {key}event_id < "));
            b.bind(Arg::I64(id));
        }
        (Some(id), true) => {
            let at = f.before_at_ms.unwrap_or(i64::MAX);
            b.push(&format!(" and {key}occurred_at_ms <= "));
            b.bind(Arg::I64(at));
            b.push(&format!(" and ({key}occurred_at_ms < "));
            b.bind(Arg::I64(at));
            b.push(&format!(" or {key}event_id < "));
            b.bind(Arg::I64(id));
            b.push(")");
        }
    }
}
