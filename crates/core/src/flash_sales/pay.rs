//! Paying a held order: marked paid when the payment tool confirms it, or paid from the
//! member's wallet (储值) in the same transaction as the spend — either way recorded as an
//! `order` event referencing the sale, which tells the webhooks (`order.created`).

use quanzi_domain::event::{Builtin, EventKind, NewEvent};
use quanzi_domain::flash_sale::OrderState;
use quanzi_domain::wallet::{WalletOp, WalletRefusal};
use quanzi_domain::{FlashSaleId, Invalid, MemberId, OrderId, TenantId};
use quanzi_store::flash_sale::{self as repo, FlashOrder as OrderRow};
use quanzi_store::{Db, Tx, now_ms};

use super::order;
use crate::views::FlashOrder;
use crate::wallets::{Moved, Request, apply_in};
use crate::{CoreError, Result};

/// Marks a held order paid (the payment tool confirmed it). Paying a paid order again answers
/// it unchanged; an expired or cancelled one is refused.
pub async fn pay(
    db: &Db,
    t: TenantId,
    id: OrderId,
    payment_ref: Option<&str>,
) -> Result<FlashOrder> {
    pay_at(db, t, id, payment_ref, now_ms()).await
}

/// [`pay`] at `now` (the demo's history is paid in the past).
pub(crate) async fn pay_at(
    db: &Db,
    t: TenantId,
    id: OrderId,
    payment_ref: Option<&str>,
    now: i64,
) -> Result<FlashOrder> {
    let payment_ref = payment_ref.map(str::trim).filter(|r| !r.is_empty());
    if payment_ref.is_some_and(|r| r.chars().count() > 128) {
        return Err(Invalid::one("payment_ref", "must be at most 128 characters").into());
    }
    let mut tx = db.begin().await?;
    let Some(o) = repo::settle(&mut tx, t, id, OrderState::Paid.as_str(), payment_ref, now).await?
    else {
        drop(tx);
        return already(db, t, id).await;
    };
    record_order(&mut tx, t, &o, now).await?;
    tx.commit().await?;
    Ok(o.into())
}

/// The answer for an order that was not held: itself when paid, else a conflict.
async fn already(db: &Db, t: TenantId, id: OrderId) -> Result<FlashOrder> {
    let o = order(db, t, id).await?;
    match o.state {
        OrderState::Paid => Ok(o),
        s => Err(CoreError::Conflict(format!(
            "the order is {}: its units went back to stock",
            s.as_str()
        ))),
    }
}

async fn record_order(tx: &mut Tx, t: TenantId, o: &OrderRow, now: i64) -> Result<()> {
    let sale = repo::get_tx(tx, t, FlashSaleId(o.flash_sale_id))
        .await?
        .ok_or(CoreError::NotFound("flash sale"))?;
    let ev = NewEvent {
        idempotency_key: format!("flash-order-{}", o.order_id),
        kind: EventKind::of(Builtin::Order),
        member_id: MemberId(o.member_id),
        group_id: None,
        occurred_at_ms: now,
        amount_fen: Some(o.amount_fen),
        product: Some(sale.product.clone()),
        reference: Some(format!("fs:{}", o.flash_sale_id)),
        properties: serde_json::json!({
            "flash_sale_id": o.flash_sale_id,
            "order_id": o.order_id,
            "quantity": o.quantity,
            "payment_ref": o.payment_ref,
        })
        .to_string(),
    };
    crate::events::store(tx, t, &[ev]).await?;
    Ok(())
}

/// Pays member `m`'s held order from their wallet: the spend (keyed by the order, so a retry
/// spends once) and the payment in one transaction. `Err(refusal)` when the wallet cannot pay
/// it (nothing written).
pub async fn pay_with_wallet(
    db: &Db,
    t: TenantId,
    id: OrderId,
    m: MemberId,
) -> Result<std::result::Result<FlashOrder, WalletRefusal>> {
    let held = order(db, t, id).await?;
    if held.member_id != m {
        return Err(CoreError::NotFound("order"));
    }
    if held.state != OrderState::Held {
        return already(db, t, id).await.map(Ok);
    }
    let now = now_ms();
    let mut tx = db.begin().await?;
    let r = Request {
        op: WalletOp::Spend,
        amount_fen: Some(held.amount_fen),
        refund_of: None,
        key: format!("flash-order-{}", id.0),
        note: Some(format!("flash sale order #{}", id.0)),
    };
    let entry = match apply_in(&mut tx, t, m, &r, now).await? {
        Moved::Done(e, _) | Moved::Again(e, _) => e,
        Moved::Refused(why) => return Ok(Err(why)),
    };
    let payment_ref = format!("wallet:{}", entry.entry_id);
    let Some(o) = repo::settle(
        &mut tx,
        t,
        id,
        OrderState::Paid.as_str(),
        Some(&payment_ref),
        now,
    )
    .await?
    else {
        // Settled meanwhile (expired or cancelled): the spend is rolled back with it.
        drop(tx);
        return already(db, t, id).await.map(Ok);
    };
    record_order(&mut tx, t, &o, now).await?;
    tx.commit().await?;
    Ok(Ok(o.into()))
}
