//! The statements of a scan's routing, on [`On`] (the async driver's transaction or the
//! embedded store's writer): the code's lock and stamp, its pool, the groups' loads, the
//! member's seat, the staff's contacts of the day and the groups the code opens.

use quanzi_domain::{GroupId, MemberId, TenantId};
use rusqlite::{OptionalExtension, params};

use super::{SEAT_COLS, Seat};
use crate::on::{On, prepare};
use crate::{Result, on_tx};

const SEAT: &str = "select group_id, staff_userid, scanned_at_ms, expires_at_ms, joined_at_ms, program_id, inviter_member_id, network
    from live_code_seat where tenant_id = $1 and live_code_id = $2 and member_id = $3";
const HOLD: &str = "insert into live_code_seat (tenant_id, live_code_id, member_id, group_id, staff_userid, scanned_at_ms,
        expires_at_ms, joined_at_ms, program_id, inviter_member_id, network)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
    on conflict (tenant_id, live_code_id, member_id) do update set group_id = excluded.group_id,
        staff_userid = excluded.staff_userid, scanned_at_ms = excluded.scanned_at_ms, expires_at_ms = excluded.expires_at_ms,
        joined_at_ms = excluded.joined_at_ms,
        program_id = coalesce(live_code_seat.program_id, excluded.program_id),
        inviter_member_id = coalesce(live_code_seat.inviter_member_id, excluded.inviter_member_id),
        network = excluded.network";
const POOL: &str = "select group_id, opened_at_ms from live_code_group where tenant_id = $1 and live_code_id = $2 order by position";
const SERVED: &str =
    "select staff_userid, count(*) from live_code_seat where tenant_id = $1 and live_code_id = $2
    and staff_userid is not null and scanned_at_ms >= $3 group by staff_userid";
const ADD_OPENED: &str = "insert into live_code_group (tenant_id, live_code_id, group_id, position, opened_at_ms)
    values ($1, $2, $3, (select coalesce(max(position), -1) + 1 from live_code_group where tenant_id = $1 and live_code_id = $2), $4)";
const STAMP: &str = "select updated_at_ms, archived_at_ms, wecom_qr_url from live_code where tenant_id = $1 and live_code_id = $2";
const QR_UNTIL: &str = "select expires_at_ms from group_qr where tenant_id = $1 and group_id = $2 and expires_at_ms > $3";

/// Locks the code's row for a scan's routing (PostgreSQL; SQLite's writes are serial), so
/// two scans cannot both take a group's last place or both open a new group.
pub async fn lock(on: &mut On<'_>, tenant: TenantId, id: i64) -> Result<()> {
    if let On::Tx(tx) = on
        && !tx.is_sqlite()
    {
        on_tx!(&mut **tx, k => sqlx::query("select 1 from live_code where tenant_id = $1 and live_code_id = $2 for update")
            .bind(tenant.0).bind(id).execute(k).await.map(|_| ()))?;
    }
    Ok(())
}

/// What tells a code's versions apart: its last change, archiving and WeCom QR (set by the
/// WeCom sync, not by a change). A view read before is current when these are unchanged.
pub type Stamp = (i64, Option<i64>, Option<String>);

/// The code's [`Stamp`], read in the scan's transaction.
pub async fn stamp(on: &mut On<'_>, tenant: TenantId, id: i64) -> Result<Option<Stamp>> {
    match on {
        On::Tx(tx) => {
            on_tx!(&mut **tx, k => sqlx::query_as(STAMP).bind(tenant.0).bind(id).fetch_optional(k).await.map_err(Into::into))
        }
        On::Writer(c) => Ok(prepare(c, STAMP)?
            .query_row(params![tenant.0, id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?),
    }
}

fn seat_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Seat> {
    Ok(Seat {
        group_id: r.get(0)?,
        staff_userid: r.get(1)?,
        scanned_at_ms: r.get(2)?,
        expires_at_ms: r.get(3)?,
        joined_at_ms: r.get(4)?,
        program_id: r.get(5)?,
        inviter_member_id: r.get(6)?,
        network: r.get(7)?,
    })
}

/// The member's seat in the code, if any.
pub async fn seat(
    on: &mut On<'_>,
    tenant: TenantId,
    code: i64,
    member: MemberId,
) -> Result<Option<Seat>> {
    debug_assert!(SEAT.contains(SEAT_COLS));
    match on {
        On::Tx(tx) => on_tx!(&mut **tx, k => sqlx::query_as::<_, Seat>(SEAT)
            .bind(tenant.0).bind(code).bind(member.0).fetch_optional(k).await.map_err(Into::into)),
        On::Writer(c) => Ok(prepare(c, SEAT)?
            .query_row(params![tenant.0, code, member.0], seat_row)
            .optional()?),
    }
}

/// Holds (or moves, or renews) the member's seat in the code; a referral already recorded
/// on the seat is kept.
pub async fn hold(
    on: &mut On<'_>,
    tenant: TenantId,
    code: i64,
    member: MemberId,
    s: &Seat,
) -> Result<()> {
    match on {
        On::Tx(tx) => on_tx!(&mut **tx, k => sqlx::query(HOLD)
            .bind(tenant.0).bind(code).bind(member.0).bind(s.group_id).bind(&s.staff_userid).bind(s.scanned_at_ms)
            .bind(s.expires_at_ms).bind(s.joined_at_ms).bind(s.program_id).bind(s.inviter_member_id).bind(&s.network)
            .execute(k).await.map(|_| ()).map_err(Into::into)),
        On::Writer(c) => {
            prepare(c, HOLD)?.execute(params![
                tenant.0,
                code,
                member.0,
                s.group_id,
                s.staff_userid,
                s.scanned_at_ms,
                s.expires_at_ms,
                s.joined_at_ms,
                s.program_id,
                s.inviter_member_id,
                s.network
            ])?;
            Ok(())
        }
    }
}

/// The code's pool read in the scan's transaction: (group, opened by the code at).
pub async fn pool(on: &mut On<'_>, tenant: TenantId, code: i64) -> Result<Vec<(i64, Option<i64>)>> {
    match on {
        On::Tx(tx) => {
            on_tx!(&mut **tx, k => sqlx::query_as(POOL).bind(tenant.0).bind(code).fetch_all(k).await.map_err(Into::into))
        }
        On::Writer(c) => Ok(prepare(c, POOL)?
            .query_map(params![tenant.0, code], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?),
    }
}

/// A group as routing reads it: (group, members + live seats, advised, hard, archived at).
pub type RoomRow = (i64, i64, i64, i64, Option<i64>);

/// The rooms of `groups` at `now`, in their order: members plus seats held and not yet
/// joined or expired. One statement for all of them.
pub async fn rooms(
    on: &mut On<'_>,
    tenant: TenantId,
    groups: &[i64],
    now: i64,
) -> Result<Vec<RoomRow>> {
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = (0..groups.len()).map(|i| format!("${}", i + 3)).collect();
    let sql = format!(
        "select g.group_id,
            (select count(*) from group_membership m where m.tenant_id = g.tenant_id and m.group_id = g.group_id and m.left_at_ms is null)
            + (select count(*) from live_code_seat s where s.tenant_id = g.tenant_id and s.group_id = g.group_id
                and s.joined_at_ms is null and s.expires_at_ms > $2),
            g.capacity_advised, g.capacity_hard, g.archived_at_ms
         from chat_group g where g.tenant_id = $1 and g.group_id in ({})",
        list.join(", ")
    );
    let rows: Vec<RoomRow> = match on {
        On::Tx(tx) => on_tx!(&mut **tx, k => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(tenant.0).bind(now);
            for g in groups {
                q = q.bind(*g);
            }
            q.fetch_all(k).await
        })?,
        On::Writer(c) => {
            let mut st = prepare(c, &sql)?;
            st.raw_bind_parameter(1, tenant.0)?;
            st.raw_bind_parameter(2, now)?;
            for (i, g) in groups.iter().enumerate() {
                st.raw_bind_parameter(i + 3, *g)?;
            }
            let mut rows = st.raw_query();
            let mut out = Vec::with_capacity(groups.len());
            while let Some(r) = rows.next()? {
                out.push((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?));
            }
            out
        }
    };
    Ok(groups
        .iter()
        .filter_map(|g| rows.iter().find(|r| r.0 == *g).copied())
        .collect())
}

/// Contacts each staff member of a staff code took since `since_ms`.
pub async fn served_since(
    on: &mut On<'_>,
    tenant: TenantId,
    code: i64,
    since_ms: i64,
) -> Result<Vec<(String, i64)>> {
    match on {
        On::Tx(tx) => on_tx!(&mut **tx, k => sqlx::query_as(SERVED)
            .bind(tenant.0).bind(code).bind(since_ms).fetch_all(k).await.map_err(Into::into)),
        On::Writer(c) => Ok(prepare(c, SERVED)?
            .query_map(params![tenant.0, code, since_ms], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<rusqlite::Result<_>>()?),
    }
}

/// Adds a group the code opened itself at the end of its pool.
pub async fn add_opened(
    on: &mut On<'_>,
    tenant: TenantId,
    code: i64,
    group: GroupId,
    now: i64,
) -> Result<()> {
    match on {
        On::Tx(tx) => on_tx!(&mut **tx, k => sqlx::query(ADD_OPENED)
            .bind(tenant.0).bind(code).bind(group.0).bind(now).execute(k).await.map(|_| ()).map_err(Into::into)),
        On::Writer(c) => {
            prepare(c, ADD_OPENED)?.execute(params![tenant.0, code, group.0, now])?;
            Ok(())
        }
    }
}

/// Until when the group's own QR image is valid, if it has one valid at `now`.
pub async fn qr_valid_until(
    on: &mut On<'_>,
    tenant: TenantId,
    group: GroupId,
    now: i64,
) -> Result<Option<i64>> {
    match on {
        On::Tx(tx) => on_tx!(&mut **tx, k => sqlx::query_scalar(QR_UNTIL)
            .bind(tenant.0).bind(group.0).bind(now).fetch_optional(k).await.map_err(Into::into)),
        On::Writer(c) => Ok(prepare(c, QR_UNTIL)?
            .query_row(params![tenant.0, group.0, now], |r| r.get(0))
            .optional()?),
    }
}

/// What tells a pool's versions apart: its last position, read from the index in one seek.
/// A pool grows at the end (a group opened, one position on) and is replaced with its code
/// (whose [`Stamp`] changes then). A group deleted leaves the pool without a change of
/// stamp; routing reads the groups' rows, so it never chooses one that is gone.
pub type PoolStamp = i64;

const POOL_STAMP: &str = "select coalesce(max(position), -1) from live_code_group where tenant_id = $1 and live_code_id = $2";

/// The code's [`PoolStamp`], read in the scan's transaction from the pool's index.
pub async fn pool_stamp(on: &mut On<'_>, tenant: TenantId, code: i64) -> Result<PoolStamp> {
    match on {
        On::Tx(tx) => {
            on_tx!(&mut **tx, k => sqlx::query_scalar(POOL_STAMP).bind(tenant.0).bind(code).fetch_one(k).await.map_err(Into::into))
        }
        On::Writer(c) => {
            Ok(prepare(c, POOL_STAMP)?.query_row(params![tenant.0, code], |r| r.get(0))?)
        }
    }
}
