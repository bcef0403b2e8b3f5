//! Reading a tenant's events in storage order for the analytics index (a full scan when the
//! index is built, and the rows after a watermark when it catches up) and for the
//! interaction graph (with their properties), in id order.

use quanzi_domain::TenantId;

use crate::{Db, Result, StoreError};

/// One stored event, as the analytics index takes it in.
#[derive(Debug, Clone, Copy)]
pub struct ScanRow<'a> {
    /// Event id (increasing in storage order).
    pub event_id: i64,
    /// Member.
    pub member_id: i64,
    /// Group, if any.
    pub group_id: Option<i64>,
    /// Kind name.
    pub kind: &'a str,
    /// Unix ms.
    pub occurred_at_ms: i64,
    /// Money in fen, 0 when none.
    pub amount_fen: i64,
    /// Product, if any.
    pub product: Option<&'a str>,
    /// Properties as JSON text; empty unless the scan asked for them.
    pub properties: &'a str,
}

/// The select list of a scan; the properties column only when asked for (it is the widest).
fn scan_sql(sqlite: bool, properties: bool) -> String {
    let props = if properties { "properties" } else { "''" };
    let cols = format!(
        "select event_id, member_id, group_id, kind, occurred_at_ms,
         coalesce(amount_fen, 0) as amount_fen, product, {props} as properties from event"
    );
    if sqlite {
        format!("{cols} where +tenant_id = ?1 and event_id > ?2 order by event_id")
    } else {
        format!("{cols} where tenant_id = $1 and event_id > $2 order by event_id limit $3")
    }
}

/// Feeds every event of `tenant` with an id above `after` to `f`, in id order, and hands the
/// state back; voided events are left out. On SQLite the rows are read on a blocking thread through a connection of its
/// own (readers never wait for the writer in WAL mode); on PostgreSQL they come in pages.
pub async fn scan_events<S, F>(db: &Db, tenant: TenantId, after: i64, state: S, f: F) -> Result<S>
where
    S: Send + 'static,
    F: FnMut(&mut S, &ScanRow<'_>) + Send + 'static,
{
    scan(db, tenant, after, false, state, f).await
}

/// [`scan_events`] with each row's `properties`.
pub async fn scan_events_with_properties<S, F>(
    db: &Db,
    tenant: TenantId,
    state: S,
    f: F,
) -> Result<S>
where
    S: Send + 'static,
    F: FnMut(&mut S, &ScanRow<'_>) + Send + 'static,
{
    scan(db, tenant, 0, true, state, f).await
}

async fn scan<S, F>(db: &Db, tenant: TenantId, after: i64, props: bool, state: S, f: F) -> Result<S>
where
    S: Send + 'static,
    F: FnMut(&mut S, &ScanRow<'_>) + Send + 'static,
{
    // Voided events are kept in the store but never reach the index or the graph.
    let voided = crate::void::ids(db, tenant).await?;
    let mut f = f;
    let f = move |s: &mut S, r: &ScanRow<'_>| {
        if !voided.contains(&r.event_id) {
            f(s, r)
        }
    };
    match db {
        Db::Sqlite(_, lane) => {
            let path = lane.path.clone();
            let sql = scan_sql(true, props);
            tokio::task::spawn_blocking(move || scan_sqlite(&path, &sql, tenant, after, state, f))
                .await
                .map_err(|e| StoreError::Commit(format!("the scan thread failed: {e}")))?
        }
        Db::Postgres(pool, _) => {
            use sqlx::Row;
            let sql = scan_sql(false, props);
            let (mut state, mut f, mut last) = (state, f, after);
            loop {
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                    .bind(tenant.0)
                    .bind(last)
                    .bind(PAGE)
                    .fetch_all(pool)
                    .await?;
                for r in &rows {
                    let row = ScanRow {
                        event_id: r.try_get(0)?,
                        member_id: r.try_get(1)?,
                        group_id: r.try_get(2)?,
                        kind: r.try_get(3)?,
                        occurred_at_ms: r.try_get(4)?,
                        amount_fen: r.try_get(5)?,
                        product: r.try_get(6)?,
                        properties: r.try_get(7)?,
                    };
                    last = row.event_id;
                    f(&mut state, &row);
                }
                if (rows.len() as i64) < PAGE {
                    return Ok(state);
                }
            }
        }
    }
}

/// Rows per round trip when reading from PostgreSQL.
const PAGE: i64 = 50_000;

fn scan_sqlite<S, F>(
    path: &str,
    sql: &str,
    tenant: TenantId,
    after: i64,
    mut state: S,
    mut f: F,
) -> Result<S>
where
    F: FnMut(&mut S, &ScanRow<'_>),
{
    let conn = crate::sqlite::open_read_only(path, 65_536)?;
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query(rusqlite::params![tenant.0, after])?;
    while let Some(r) = rows.next()? {
        let kind = r.get_ref(3)?.as_str().map_err(rusqlite::Error::from)?;
        let product = r
            .get_ref(6)?
            .as_str_or_null()
            .map_err(rusqlite::Error::from)?;
        let properties = r.get_ref(7)?.as_str().map_err(rusqlite::Error::from)?;
        let row = ScanRow {
            event_id: r.get(0)?,
            member_id: r.get(1)?,
            group_id: r.get(2)?,
            kind,
            occurred_at_ms: r.get(4)?,
            amount_fen: r.get(5)?,
            product,
            properties,
        };
        f(&mut state, &row);
    }
    Ok(state)
}

/// The largest event id in the store (all tenants): a cheap check for new rows written by
/// another process.
pub async fn max_event_id(db: &Db) -> Result<i64> {
    crate::on_pool!(db, p => sqlx::query_scalar::<_, Option<i64>>("select max(event_id) from event")
        .fetch_one(p).await.map(|v| v.unwrap_or(0)).map_err(Into::into))
}
