//! Flash sales (限时抢购): the operator's sales, a member's buy (a hold on units taken from
//! the stock and the member's limit, see [`buy`]), payment that turns a hold into an `order`
//! event, and holds returned to stock when they expire (see [`release`]).

pub mod buy;
mod pay;
pub mod release;

pub(crate) use pay::pay_at;
pub use pay::{pay, pay_with_wallet};

use quanzi_domain::flash_sale::{FlashSaleInput, NewFlashSale, OrderState};
use quanzi_domain::{FlashSaleId, Invalid, MemberId, OrderId, TenantId};
use quanzi_store::{Db, flash_sale as repo, group, now_ms};

use crate::views::{self, FlashOrder, FlashSale, OrderTally};
use crate::{CoreError, Result};

/// Bumped by every change of a sale's settings in this process: the buyer's copies of the
/// sales read before it are dropped ([`buy::Buyer`]).
static CHANGES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn changed() {
    CHANGES.fetch_add(1, std::sync::atomic::Ordering::Release);
}

async fn validated(db: &Db, t: TenantId, input: FlashSaleInput) -> Result<NewFlashSale> {
    let s = input.into_new()?;
    let ids: Vec<i64> = s.group_ids.iter().map(|g| g.0).collect();
    let known = group::existing(db, t, &ids).await?;
    if let Some(g) = ids.iter().find(|g| !known.contains(g)) {
        return Err(Invalid::one("group_ids", format!("group {g} does not exist")).into());
    }
    Ok(s)
}

/// Creates a sale and schedules the return of its expired holds.
pub async fn create(db: &Db, t: TenantId, input: FlashSaleInput) -> Result<FlashSale> {
    let s = validated(db, t, input).await?;
    let now = now_ms();
    let mut tx = db.begin().await?;
    let row = repo::create(&mut tx, t, &s, now).await?;
    release::schedule(&mut tx, t, now).await?;
    tx.commit().await?;
    Ok(FlashSale::at(row, now))
}

/// Replaces a sale's settings; its stock cannot fall below the units taken.
pub async fn update(
    db: &Db,
    t: TenantId,
    id: FlashSaleId,
    input: FlashSaleInput,
) -> Result<FlashSale> {
    let s = validated(db, t, input).await?;
    get(db, t, id).await?;
    let now = now_ms();
    let mut tx = db.begin().await?;
    let row = repo::update(&mut tx, t, id, &s, now)
        .await?
        .ok_or_else(|| Invalid::one("stock", "is below the units already held or paid"))?;
    tx.commit().await?;
    changed();
    Ok(FlashSale::at(row, now))
}

/// Closes a sale now: no more buys; held units may still be paid.
pub async fn close(db: &Db, t: TenantId, id: FlashSaleId) -> Result<FlashSale> {
    let now = now_ms();
    let row = repo::close(db, t, id, now)
        .await?
        .ok_or(CoreError::NotFound("flash sale"))?;
    changed();
    Ok(FlashSale::at(row, now))
}

/// A sale.
pub async fn get(db: &Db, t: TenantId, id: FlashSaleId) -> Result<FlashSale> {
    let row = repo::get(db, t, id)
        .await?
        .ok_or(CoreError::NotFound("flash sale"))?;
    Ok(FlashSale::at(row, now_ms()))
}

/// Every sale, newest first.
pub async fn list(db: &Db, t: TenantId) -> Result<Vec<FlashSale>> {
    let now = now_ms();
    Ok(repo::list(db, t)
        .await?
        .into_iter()
        .map(|r| FlashSale::at(r, now))
        .collect())
}

/// A sale's orders, newest first, a page at a time.
pub async fn orders(
    db: &Db,
    t: TenantId,
    id: FlashSaleId,
    limit: Option<i64>,
    cursor: Option<&str>,
) -> Result<crate::Page<FlashOrder>> {
    get(db, t, id).await?;
    let (limit, before) = crate::page_args(limit, cursor)?;
    let rows = repo::orders(db, t, id, before, limit).await?;
    let next = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|o| o.order_id.to_string()))
        .flatten();
    Ok(crate::Page {
        items: views::all(rows),
        next_cursor: next,
    })
}

/// A member's orders in a sale, newest first.
pub async fn orders_of(
    db: &Db,
    t: TenantId,
    id: FlashSaleId,
    m: MemberId,
) -> Result<Vec<FlashOrder>> {
    Ok(views::all(repo::of_member(db, t, id, m).await?))
}

/// A sale's orders counted by state.
pub async fn tally(db: &Db, t: TenantId, id: FlashSaleId) -> Result<Vec<OrderTally>> {
    Ok(repo::figures(db, t, id)
        .await?
        .into_iter()
        .filter_map(|(state, orders, units, amount_fen, buyers)| {
            Some(OrderTally {
                state: OrderState::parse(&state)?,
                orders,
                units,
                amount_fen,
                buyers,
            })
        })
        .collect())
}

/// An order of the tenant.
pub async fn order(db: &Db, t: TenantId, id: OrderId) -> Result<FlashOrder> {
    Ok(repo::order(db, t, id)
        .await?
        .ok_or(CoreError::NotFound("order"))?
        .into())
}

/// Cancels a held order (the member changed their mind, or the operator did it for them);
/// its units go back to stock. Cancelling a cancelled order answers it unchanged.
pub async fn cancel(db: &Db, t: TenantId, id: OrderId) -> Result<FlashOrder> {
    let now = now_ms();
    let mut tx = db.begin().await?;
    let settled = repo::settle(&mut tx, t, id, OrderState::Cancelled.as_str(), None, now).await?;
    tx.commit().await?;
    match settled {
        Some(o) => Ok(o.into()),
        None => {
            let o = order(db, t, id).await?;
            match o.state {
                OrderState::Cancelled => Ok(o),
                s => Err(CoreError::Conflict(format!("the order is {}", s.as_str()))),
            }
        }
    }
}

/// The sales a member may take part in now or soon (open, sold out for the moment, or
/// upcoming; for every member or for one of the member's groups), soonest end first.
pub async fn for_member(db: &Db, t: TenantId, m: MemberId) -> Result<Vec<FlashSale>> {
    let mine: Vec<i64> = group::groups_of_member(db, t, m)
        .await?
        .iter()
        .map(|g| g.group_id)
        .collect();
    let mut sales: Vec<FlashSale> = list(db, t)
        .await?
        .into_iter()
        .filter(|s| s.status != quanzi_domain::flash_sale::SaleStatus::Ended)
        .filter(|s| s.group_ids.is_empty() || s.group_ids.iter().any(|g| mine.contains(&g.0)))
        .collect();
    sales.sort_by_key(|s| s.ends_at_ms);
    Ok(sales)
}

/// Whether member `m` may buy in `sale`: a sale for every member, or one of the member's
/// groups among the sale's.
pub async fn invited(db: &Db, t: TenantId, sale: &FlashSale, m: MemberId) -> Result<bool> {
    if sale.group_ids.is_empty() {
        return Ok(true);
    }
    let mine = group::groups_of_member(db, t, m).await?;
    Ok(mine
        .iter()
        .any(|g| sale.group_ids.iter().any(|s| s.0 == g.group_id)))
}
