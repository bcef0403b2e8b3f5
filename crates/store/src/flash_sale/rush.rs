//! A buy in a rush: take the units, or — when the stock looks gone — return the sale's holds
//! that ran out and try once more. On the embedded store it runs on the writer thread
//! ([`crate::writer::Lane::unit`]), each statement a call on that thread with the same SQL
//! as [`super::take`]; elsewhere it runs in the caller's shared transaction.

use quanzi_domain::{FlashSaleId, MemberId, TenantId};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{
    BY_KEY, Buy, EXPIRED, FlashOrder, GIVE_BACK_LIMIT, GIVE_BACK_STOCK, HOLD, SETTLE, TAKE_LIMIT,
    TAKE_STOCK, Take, UNHOLD, refusal,
};
use std::sync::LazyLock;

use crate::writer::numbered;
use crate::{Db, Result, StoreError, Tx};

/// The statements with SQLite's `?N` placeholders, made once.
struct Sql {
    by_key: String,
    unhold: String,
    take_stock: String,
    take_limit: String,
    give_back_stock: String,
    hold: String,
    expired: String,
    settle: String,
    give_back_limit: String,
}

static SQL: LazyLock<Sql> = LazyLock::new(|| Sql {
    by_key: numbered(BY_KEY),
    unhold: numbered(UNHOLD),
    take_stock: numbered(TAKE_STOCK),
    take_limit: numbered(TAKE_LIMIT),
    give_back_stock: numbered(GIVE_BACK_STOCK),
    hold: numbered(HOLD),
    expired: numbered(EXPIRED),
    settle: numbered(SETTLE),
    give_back_limit: numbered(GIVE_BACK_LIMIT),
});

/// A buy to run in a rush, owned (it may cross to the writer thread).
#[derive(Debug, Clone)]
pub struct Rush {
    /// Sale.
    pub sale: FlashSaleId,
    /// Member.
    pub member: MemberId,
    /// Units.
    pub quantity: i64,
    /// The buyer's idempotency key.
    pub key: String,
    /// Now, unix ms.
    pub now: i64,
    /// Expired holds returned at most when the stock looks gone.
    pub release_batch: i64,
}

impl Rush {
    fn buy(&self) -> Buy<'_> {
        Buy {
            sale: self.sale,
            member: self.member,
            quantity: self.quantity,
            key: &self.key,
            now: self.now,
        }
    }
}

/// Runs `r` on the store's writer thread when it has one (the embedded store), sharing the
/// commit with what is queued there, and answers once committed; `None` on a store without
/// one, where the caller shares commits itself ([`take_returning`] in its transaction).
pub async fn take_on_writer(db: &Db, t: TenantId, r: Rush) -> Option<Result<Take>> {
    let Db::Sqlite(_, lane) = db else {
        return None;
    };
    Some(lane.unit(move |c| take_sync(c, t, &r)).await)
}

/// [`super::take`], and when the stock looks gone, the sale's expired holds returned and
/// one more try.
pub async fn take_returning(tx: &mut Tx, t: TenantId, r: &Rush) -> Result<Take> {
    let first = super::take(tx, t, &r.buy()).await?;
    if first != Take::NoStock {
        return Ok(first);
    }
    let due = super::expired_holds(tx, t, Some(r.sale), r.now, r.release_batch).await?;
    let mut returned = 0;
    for id in due {
        let expired = quanzi_domain::flash_sale::OrderState::Expired.as_str();
        let settled = super::settle(tx, t, quanzi_domain::OrderId(id), expired, None, r.now);
        returned += usize::from(settled.await?.is_some());
    }
    if returned == 0 {
        return Ok(first);
    }
    super::take(tx, t, &r.buy()).await
}

fn take_sync(c: &Connection, t: TenantId, r: &Rush) -> Result<Take> {
    let first = take_once(c, t, r)?;
    if first != Take::NoStock || return_expired(c, t, Some(r.sale), r.now, r.release_batch)? == 0 {
        return Ok(first);
    }
    take_once(c, t, r)
}

fn take_once(c: &Connection, t: TenantId, r: &Rush) -> Result<Take> {
    let held = c
        .prepare_cached(&SQL.hold)?
        .query_row(
            params![t.0, r.sale.0, r.member.0, r.quantity, r.key, r.now],
            order,
        )
        .optional();
    let o = match held.map_err(StoreError::from) {
        Ok(Some(o)) => o,
        Ok(None) => {
            let again = c
                .prepare_cached(&SQL.by_key)?
                .query_row(params![t.0, r.sale.0, r.member.0, r.key], order)
                .optional()?;
            return Ok(again.map_or(Take::NoStock, Take::Again));
        }
        // The statement was undone by SQLite and it was the buy's first write: nothing to
        // undo here, so the group's transaction goes on without a savepoint.
        Err(StoreError::MissingReference) => return Ok(Take::NoMember),
        Err(e) => return Err(e),
    };
    let mine: Option<i64> = c
        .prepare_cached(&SQL.take_limit)?
        .query_row(params![t.0, r.sale.0, r.member.0, r.quantity], |row| {
            row.get(0)
        })
        .optional()?;
    let stock = match mine {
        Some(_) => c
            .prepare_cached(&SQL.take_stock)?
            .execute(params![t.0, r.sale.0, r.quantity, r.now])?,
        None => 0,
    };
    let Some(refused) = refusal(mine.is_some(), stock == 1) else {
        return Ok(Take::Held(o));
    };
    c.prepare_cached(&SQL.unhold)?
        .execute(params![t.0, o.order_id])?;
    if refused == Take::NoStock {
        c.prepare_cached(&SQL.give_back_limit)?
            .execute(params![t.0, r.sale.0, r.member.0, r.quantity])?;
    }
    Ok(refused)
}

/// Returns, on the store's writer thread when it has one, up to `batch` holds that ran out
/// by `now` (of one sale, or all); answers how many, or `None` on a store without a writer
/// thread (the caller runs [`super::expired_holds`] and [`super::settle`] in its
/// transaction).
pub async fn release_on_writer(
    db: &Db,
    t: TenantId,
    sale: Option<FlashSaleId>,
    now: i64,
    batch: i64,
) -> Option<Result<usize>> {
    let Db::Sqlite(_, lane) = db else {
        return None;
    };
    Some(
        lane.unit(move |c| return_expired(c, t, sale, now, batch))
            .await,
    )
}

/// Returns up to `batch` holds that ran out by `now` (of one sale, or all); answers how
/// many.
fn return_expired(
    c: &Connection,
    t: TenantId,
    sale: Option<FlashSaleId>,
    now: i64,
    batch: i64,
) -> Result<usize> {
    let due = c
        .prepare_cached(&SQL.expired)?
        .query_map(params![t.0, now, sale.map(|s| s.0), batch], |row| {
            row.get::<_, i64>(0)
        })?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    let mut returned = 0;
    for id in due {
        let settled = c
            .prepare_cached(&SQL.settle)?
            .query_row(params![t.0, id, "expired", now, None::<String>], order)
            .optional()?;
        let Some(o) = settled else { continue };
        c.prepare_cached(&SQL.give_back_stock)?.execute(params![
            t.0,
            o.flash_sale_id,
            o.quantity
        ])?;
        c.prepare_cached(&SQL.give_back_limit)?.execute(params![
            t.0,
            o.flash_sale_id,
            o.member_id,
            o.quantity
        ])?;
        returned += 1;
    }
    Ok(returned)
}

/// An order row, its columns in `order_cols!`'s order.
fn order(row: &Row<'_>) -> rusqlite::Result<FlashOrder> {
    Ok(FlashOrder {
        order_id: row.get(0)?,
        flash_sale_id: row.get(1)?,
        member_id: row.get(2)?,
        quantity: row.get(3)?,
        amount_fen: row.get(4)?,
        state: row.get(5)?,
        request_key: row.get(6)?,
        held_at_ms: row.get(7)?,
        hold_until_ms: row.get(8)?,
        settled_at_ms: row.get(9)?,
        payment_ref: row.get(10)?,
    })
}
