//! Listing events page by page on a keyset: newest id first, or, for a member's or a group's
//! timeline, newest (time, id) first.
//!
//! Every query reads an index in the listing's order from the cursor on (migration 0007), so a
//! page costs the page, not the tenant.

use quanzi_domain::TenantId;

use super::Event;
use crate::{Arg, Db, Result, SqlBuf, bind_args, on_pool};
pub use quanzi_domain::query::EventFilter;

const COLS: &str = "event_id, idempotency_key, kind, member_id, group_id, occurred_at_ms, amount_fen, product, reference, properties";

/// Events newest first: by id, or by time then id when a member or group is asked for.
pub async fn list(db: &Db, tenant: TenantId, f: &EventFilter) -> Result<Vec<Event>> {
    let (sql, args) = rows_query(tenant, f, db.is_sqlite());
    on_pool!(db, p => bind_args!(sqlx::query_as::<_, Event>(sqlx::AssertSqlSafe(sql)), args).fetch_all(p).await.map_err(Into::into))
}

/// The statement and arguments of a page of `event` rows: an equality per filter, the cursor
/// as a range on the index's order (the time bound first, so it is an index range, then the
/// id breaking equal times), newest first.
pub(crate) fn rows_query(tenant: TenantId, f: &EventFilter, sqlite: bool) -> (String, Vec<Arg>) {
    let mut b = SqlBuf::new(&format!("select {COLS} from event where tenant_id = "));
    b.bind(Arg::I64(tenant.0));
    let ids = [
        ("member_id", f.member_id.map(|m| m.0)),
        ("group_id", f.group_id.map(|g| g.0)),
    ];
    for (col, v) in ids {
        if let Some(v) = v {
            b.push(" and ").push(col).push(" = ");
            b.bind(Arg::I64(v));
        }
    }
    if let Some(k) = &f.kind {
        b.push(" and kind = ");
        b.bind(Arg::Str(k.clone()));
    }
    match (f.before, f.by_time()) {
        (None, _) => {}
        (Some(id), false) => {
            b.push(" and event_id < ");
            b.bind(Arg::I64(id));
        }
        (Some(id), true) => {
            let at = f.before_at_ms.unwrap_or(i64::MAX);
            b.push(" and occurred_at_ms <= ");
            b.bind(Arg::I64(at));
            b.push(" and (occurred_at_ms < ");
            b.bind(Arg::I64(at));
            b.push(" or event_id < ");
            b.bind(Arg::I64(id));
            b.push(")");
        }
    }
    let order = if f.by_time() {
        " order by occurred_at_ms desc, event_id desc limit "
    } else {
        " order by event_id desc limit "
    };
    b.push(order);
    b.bind(Arg::I64(f.limit));
    b.finish(sqlite)
}
