//! Promotions as the API and the pages show them: flash sales with their status and stock
//! left, and the orders taken in them.

use quanzi_domain::flash_sale::{OrderState, SaleStatus, status};
use quanzi_domain::{FlashSaleId, GroupId, MemberId, OrderId};
use serde::Serialize;

/// A flash sale (限时抢购), with its status at the time it was read.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FlashSale {
    /// Id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub flash_sale_id: FlashSaleId,
    /// Product.
    pub product: String,
    /// A line under the product.
    pub description: String,
    /// Sale price of one unit, fen.
    pub price_fen: i64,
    /// Usual price, fen.
    pub original_price_fen: Option<i64>,
    /// Units on sale.
    pub stock: i64,
    /// Units held or paid.
    pub taken: i64,
    /// Units left to buy now (held units may come back when their hold expires).
    pub left: i64,
    /// Units one member may buy.
    pub per_member_limit: i64,
    /// Opens, unix ms.
    pub starts_at_ms: i64,
    /// Closes, unix ms.
    pub ends_at_ms: i64,
    /// Minutes a held unit waits for payment.
    pub hold_minutes: i64,
    /// Target groups; empty for every member.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<i64>))]
    pub group_ids: Vec<GroupId>,
    /// Closed early by the operator.
    pub closed_at_ms: Option<i64>,
    /// Upcoming, open, sold out or ended.
    pub status: SaleStatus,
    /// Created.
    pub created_at_ms: i64,
    /// Changed.
    pub updated_at_ms: i64,
}

impl FlashSale {
    /// The view of a stored sale at `now`.
    pub fn at(row: quanzi_store::flash_sale::FlashSale, now: i64) -> FlashSale {
        let quanzi_store::flash_sale::FlashSale {
            flash_sale_id,
            product,
            description,
            price_fen,
            original_price_fen,
            stock,
            taken,
            per_member_limit,
            starts_at_ms,
            ends_at_ms,
            hold_minutes,
            group_ids,
            closed_at_ms,
            created_at_ms,
            updated_at_ms,
        } = row;
        let left = (stock - taken).max(0);
        FlashSale {
            flash_sale_id: FlashSaleId(flash_sale_id),
            product,
            description,
            price_fen,
            original_price_fen,
            stock,
            taken,
            left,
            per_member_limit,
            starts_at_ms,
            ends_at_ms,
            hold_minutes,
            group_ids: serde_json::from_str(&group_ids).unwrap_or_default(),
            closed_at_ms,
            status: status(starts_at_ms, ends_at_ms, closed_at_ms.is_some(), left, now),
            created_at_ms,
            updated_at_ms,
        }
    }
}

/// An order taken in a flash sale.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FlashOrder {
    /// Id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub order_id: OrderId,
    /// Sale.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub flash_sale_id: FlashSaleId,
    /// Buyer.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub member_id: MemberId,
    /// Units.
    pub quantity: i64,
    /// Units × price, fen.
    pub amount_fen: i64,
    /// Held, paid, expired or cancelled.
    pub state: OrderState,
    /// The buyer's idempotency key.
    pub request_key: String,
    /// Held at, unix ms.
    pub held_at_ms: i64,
    /// The hold lasts until, unix ms.
    pub hold_until_ms: i64,
    /// Paid, expired or cancelled at, unix ms.
    pub settled_at_ms: Option<i64>,
    /// The payment tool's reference.
    pub payment_ref: Option<String>,
}

impl From<quanzi_store::flash_sale::FlashOrder> for FlashOrder {
    fn from(row: quanzi_store::flash_sale::FlashOrder) -> FlashOrder {
        let quanzi_store::flash_sale::FlashOrder {
            order_id,
            flash_sale_id,
            member_id,
            quantity,
            amount_fen,
            state,
            request_key,
            held_at_ms,
            hold_until_ms,
            settled_at_ms,
            payment_ref,
        } = row;
        FlashOrder {
            order_id: OrderId(order_id),
            flash_sale_id: FlashSaleId(flash_sale_id),
            member_id: MemberId(member_id),
            quantity,
            amount_fen,
            // The store's check admits only these four names.
            state: OrderState::parse(&state).unwrap_or(OrderState::Cancelled),
            request_key,
            held_at_ms,
            hold_until_ms,
            settled_at_ms,
            payment_ref,
        }
    }
}

/// A sale's orders in one state: how many, units, amount and buyers.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderTally {
    /// The state.
    pub state: OrderState,
    /// Orders.
    pub orders: i64,
    /// Units.
    pub units: i64,
    /// Amount, fen.
    pub amount_fen: i64,
    /// Distinct buyers.
    pub buyers: i64,
}
