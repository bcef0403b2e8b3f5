//! A lead gift read and a code issued on [`On`] (the async driver's transaction or the
//! embedded store's writer): what a scan does for a new member.

use quanzi_domain::{MemberId, TenantId};
use rusqlite::{OptionalExtension, params};

use super::{GIFT_COLS, Gift, REDEMPTION_COLS, Redemption};
use crate::on::{On, prepare};
use crate::{Result, on_tx};

const TAKE: &str = "update gift set issued = issued + 1 where tenant_id = $1 and gift_id = $2 and archived_at_ms is null
    and (stock is null or issued < stock) returning valid_days";

fn gift_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Gift> {
    Ok(Gift {
        gift_id: r.get(0)?,
        name: r.get(1)?,
        cost_fen: r.get(2)?,
        stock: r.get(3)?,
        issued: r.get(4)?,
        valid_days: r.get(5)?,
        archived_at_ms: r.get(6)?,
        created_at_ms: r.get(7)?,
        updated_at_ms: r.get(8)?,
    })
}

fn redemption_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Redemption> {
    Ok(Redemption {
        redemption_id: r.get(0)?,
        gift_id: r.get(1)?,
        member_id: r.get(2)?,
        live_code_id: r.get(3)?,
        code: r.get(4)?,
        issued_at_ms: r.get(5)?,
        expires_at_ms: r.get(6)?,
        redeemed_at_ms: r.get(7)?,
        redeemed_by: r.get(8)?,
    })
}

/// A gift, read in a unit's transaction.
pub async fn get_on(on: &mut On<'_>, tenant: TenantId, id: i64) -> Result<Option<Gift>> {
    let sql = format!("select {GIFT_COLS} from gift where tenant_id = $1 and gift_id = $2");
    match on {
        On::Tx(tx) => on_tx!(&mut **tx, c => sqlx::query_as::<_, Gift>(sqlx::AssertSqlSafe(sql))
            .bind(tenant.0).bind(id).fetch_optional(c).await.map_err(Into::into)),
        On::Writer(c) => Ok(prepare(c, &sql)?
            .query_row(params![tenant.0, id], gift_row)
            .optional()?),
    }
}

/// Issues `member` a code for `gift`, taking one from its stock in the same transaction:
/// `Ok(None)` when the gift is out of stock or archived. A member who has a code for the gift
/// keeps it (the stored one is answered).
pub async fn issue_on(
    on: &mut On<'_>,
    tenant: TenantId,
    gift: i64,
    member: MemberId,
    live_code: Option<i64>,
    code: &str,
    now: i64,
) -> Result<Option<Redemption>> {
    let held = format!(
        "select {REDEMPTION_COLS} from redemption where tenant_id = $1 and gift_id = $2 and member_id = $3"
    );
    let insert = format!(
        "insert into redemption (tenant_id, gift_id, member_id, live_code_id, code, issued_at_ms, expires_at_ms)
        values ($1, $2, $3, $4, $5, $6, $7) returning {REDEMPTION_COLS}"
    );
    match on {
        On::Tx(tx) => {
            let tx = &mut **tx;
            let r = on_tx!(&mut *tx, c => sqlx::query_as::<_, Redemption>(sqlx::AssertSqlSafe(held))
                .bind(tenant.0).bind(gift).bind(member.0).fetch_optional(c).await)?;
            if r.is_some() {
                return Ok(r);
            }
            let days: Option<i64> = on_tx!(&mut *tx, c => sqlx::query_scalar(TAKE)
                .bind(tenant.0).bind(gift).fetch_optional(c).await)?;
            let Some(days) = days else {
                return Ok(None);
            };
            let r = on_tx!(&mut *tx, c => sqlx::query_as::<_, Redemption>(sqlx::AssertSqlSafe(insert))
                .bind(tenant.0).bind(gift).bind(member.0).bind(live_code).bind(code).bind(now)
                .bind(now + days * 86_400_000).fetch_one(c).await)?;
            Ok(Some(r))
        }
        On::Writer(c) => {
            let r = prepare(c, &held)?
                .query_row(params![tenant.0, gift, member.0], redemption_row)
                .optional()?;
            if r.is_some() {
                return Ok(r);
            }
            let days: Option<i64> = prepare(c, TAKE)?
                .query_row(params![tenant.0, gift], |r| r.get(0))
                .optional()?;
            let Some(days) = days else {
                return Ok(None);
            };
            let r = prepare(c, &insert)?.query_row(
                params![
                    tenant.0,
                    gift,
                    member.0,
                    live_code,
                    code,
                    now,
                    now + days * 86_400_000
                ],
                redemption_row,
            )?;
            Ok(Some(r))
        }
    }
}
