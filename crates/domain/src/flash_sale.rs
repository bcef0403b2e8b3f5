//! Flash sales (限时抢购): a product at a price, a limited stock, a time window and a limit
//! per member; the states of an order taken in a sale, and why a buy is refused.

use serde::{Deserialize, Serialize};

use crate::error::Invalid;
use crate::{GroupId, name_enum, text};

/// The most units one sale may offer.
pub const MAX_STOCK: i64 = 10_000_000;
/// The longest a sale may run: 31 days.
pub const MAX_WINDOW_MS: i64 = 31 * 86_400_000;

/// A flash sale as a client sends it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FlashSaleInput {
    /// The product, as members see it (e.g. "会员专享 牛肉干 200g").
    pub product: Option<String>,
    /// A line under the product on the member page.
    pub description: Option<String>,
    /// The sale price of one unit, fen.
    pub price_fen: Option<i64>,
    /// The usual price, fen, shown struck through; at least the sale price.
    pub original_price_fen: Option<i64>,
    /// Units on sale.
    pub stock: Option<i64>,
    /// Units one member may buy in this sale (default 1).
    pub per_member_limit: Option<i64>,
    /// When the sale opens, unix ms.
    pub starts_at_ms: Option<i64>,
    /// When it closes, unix ms.
    pub ends_at_ms: Option<i64>,
    /// Minutes a member has to pay for a held unit before it returns to stock (default 15).
    pub hold_minutes: Option<i64>,
    /// The groups the sale is announced to; empty for every member.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<i64>>))]
    pub group_ids: Option<Vec<GroupId>>,
}

/// A validated flash sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFlashSale {
    /// Product.
    pub product: String,
    /// Description, possibly empty.
    pub description: String,
    /// Price, fen.
    pub price_fen: i64,
    /// Usual price, fen.
    pub original_price_fen: Option<i64>,
    /// Stock.
    pub stock: i64,
    /// Per-member limit.
    pub per_member_limit: i64,
    /// Opens, unix ms.
    pub starts_at_ms: i64,
    /// Closes, unix ms.
    pub ends_at_ms: i64,
    /// Hold, minutes.
    pub hold_minutes: i64,
    /// Target groups.
    pub group_ids: Vec<GroupId>,
}

impl FlashSaleInput {
    /// Validates the input.
    pub fn into_new(self) -> Result<NewFlashSale, Invalid> {
        let mut e = Invalid::default();
        let product = text::present(&mut e, "product", self.product.as_deref(), 64);
        let description = self.description.unwrap_or_default().trim().to_string();
        if description.chars().count() > 200 {
            e.push("description", "must be at most 200 characters");
        }
        let price_fen = self.price_fen.unwrap_or(-1);
        if !(1..=crate::money::MAX_AMOUNT_FEN).contains(&price_fen) {
            e.push("price_fen", "must be between 1 and 100000000000");
        }
        if self
            .original_price_fen
            .is_some_and(|o| o < price_fen.max(1))
        {
            e.push("original_price_fen", "must be at least the sale price");
        }
        let stock = self.stock.unwrap_or(0);
        if !(1..=MAX_STOCK).contains(&stock) {
            e.push("stock", "must be between 1 and 10000000");
        }
        let per_member_limit = self.per_member_limit.unwrap_or(1);
        if !(1..=100).contains(&per_member_limit) {
            e.push("per_member_limit", "must be between 1 and 100");
        }
        let (starts, ends) = (self.starts_at_ms, self.ends_at_ms);
        match (starts, ends) {
            (None, _) => e.push("starts_at_ms", "is required"),
            (_, None) => e.push("ends_at_ms", "is required"),
            (Some(s), Some(t)) if t <= s => e.push("ends_at_ms", "must be after starts_at_ms"),
            (Some(s), Some(t)) if t.saturating_sub(s) > MAX_WINDOW_MS => {
                e.push("ends_at_ms", "must be at most 31 days after starts_at_ms")
            }
            _ => {}
        }
        if starts.is_some_and(|s| s < 0) {
            e.push("starts_at_ms", "must be a unix time in ms");
        }
        let hold_minutes = self.hold_minutes.unwrap_or(15);
        if !(1..=1440).contains(&hold_minutes) {
            e.push("hold_minutes", "must be between 1 and 1440");
        }
        let mut group_ids = self.group_ids.unwrap_or_default();
        if group_ids.len() > 200 {
            e.push("group_ids", "must list at most 200 groups");
        }
        if group_ids.iter().any(|g| g.0 <= 0) {
            e.push("group_ids", "must be positive group ids");
        }
        group_ids.sort();
        group_ids.dedup();
        e.or_ok(NewFlashSale {
            product: product.unwrap_or_default(),
            description,
            price_fen,
            original_price_fen: self.original_price_fen,
            stock,
            per_member_limit,
            starts_at_ms: starts.unwrap_or(0),
            ends_at_ms: ends.unwrap_or(0),
            hold_minutes,
            group_ids,
        })
    }
}

name_enum! {
    /// Where an order taken in a flash sale stands.
    OrderState {
        /// The units are held for the member until the hold expires.
        Held = "held",
        /// Paid: an `order` event records it.
        Paid = "paid",
        /// Not paid in time; the units went back to stock.
        Expired = "expired",
        /// Cancelled by the member or the operator; the units went back to stock.
        Cancelled = "cancelled",
    }
}

impl OrderState {
    /// Whether the order's units are taken from the stock.
    pub fn takes_stock(self) -> bool {
        matches!(self, OrderState::Held | OrderState::Paid)
    }
}

name_enum! {
    /// Where a sale stands for a member looking at it.
    SaleStatus {
        /// Not open yet: the page counts down to the start.
        Upcoming = "upcoming",
        /// Open with stock left.
        Open = "open",
        /// Open, but every unit is taken (some may come back when holds expire).
        SoldOut = "sold_out",
        /// Past its end, or closed by the operator.
        Ended = "ended",
    }
}

/// A sale's status at `now`.
pub fn status(starts_at_ms: i64, ends_at_ms: i64, closed: bool, left: i64, now: i64) -> SaleStatus {
    if closed || now >= ends_at_ms {
        SaleStatus::Ended
    } else if now < starts_at_ms {
        SaleStatus::Upcoming
    } else if left <= 0 {
        SaleStatus::SoldOut
    } else {
        SaleStatus::Open
    }
}

name_enum! {
    /// Why a buy was refused.
    Refusal {
        /// The sale has not opened.
        NotOpen = "not_open",
        /// The sale is over.
        Ended = "ended",
        /// Not enough units left.
        SoldOut = "sold_out",
        /// The member would pass the per-member limit.
        OverLimit = "over_limit",
        /// The member is not in the sale's target groups.
        NotInvited = "not_invited",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> FlashSaleInput {
        FlashSaleInput {
            product: Some("牛肉干".into()),
            price_fen: Some(990),
            original_price_fen: Some(1990),
            stock: Some(100),
            starts_at_ms: Some(1_000),
            ends_at_ms: Some(3_600_000),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_sale_takes_its_defaults() {
        let s = good().into_new().unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!((s.per_member_limit, s.hold_minutes), (1, 15));
        assert!(s.group_ids.is_empty());
    }

    #[test]
    fn bad_sales_name_every_field() {
        let bad = FlashSaleInput {
            product: Some(" ".into()),
            price_fen: Some(0),
            original_price_fen: Some(-1),
            stock: Some(0),
            per_member_limit: Some(101),
            starts_at_ms: Some(10),
            ends_at_ms: Some(10),
            hold_minutes: Some(0),
            group_ids: Some(vec![GroupId(0)]),
            ..Default::default()
        };
        let e = bad.into_new().err().unwrap_or_default();
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "product",
                "price_fen",
                "original_price_fen",
                "stock",
                "per_member_limit",
                "ends_at_ms",
                "hold_minutes",
                "group_ids"
            ]
        );
    }

    #[test]
    fn a_sale_is_upcoming_open_sold_out_then_ended() {
        assert_eq!(status(10, 20, false, 5, 9), SaleStatus::Upcoming);
        assert_eq!(status(10, 20, false, 5, 10), SaleStatus::Open);
        assert_eq!(status(10, 20, false, 0, 15), SaleStatus::SoldOut);
        assert_eq!(status(10, 20, false, 5, 20), SaleStatus::Ended);
        assert_eq!(status(10, 20, true, 5, 15), SaleStatus::Ended);
    }
}
