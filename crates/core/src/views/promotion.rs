//! Promotions as the API and the pages show them: flash sales with their status and stock
//! left, and the orders taken in them.

use quanzi_domain::flash_sale::{OrderState, SaleStatus, status};
use quanzi_domain::{FlashSaleId, GroupId, LotteryId, MemberId, OrderId};
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

/// A lottery's prize tier with its counters.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LotteryTier {
    /// Its position (0-based), as the record names it.
    pub tier: usize,
    /// Name (e.g. 一等奖).
    pub name: String,
    /// What one prize costs the merchant, fen.
    pub cost_fen: i64,
    /// Prizes at the start.
    pub stock: i64,
    /// Prizes left.
    pub stock_left: i64,
    /// Prizes given (upgrades move them between tiers).
    pub given: i64,
    /// Chance of a draw landing in this tier, parts per million (0 for the everyone-wins tier).
    pub odds_ppm: u32,
    /// Every draw that wins nothing else gets it while it lasts.
    pub everyone_wins: bool,
    /// The tier a prize of this one can be upgraded to.
    pub upgrade_to: Option<usize>,
    /// What the member pays for the upgrade, fen.
    pub upgrade_price_fen: Option<i64>,
    /// What the merchant keeps on an upgrade: its price less the extra cost, fen.
    pub margin_fen: Option<i64>,
}

/// A lottery (抽奖), with its commitment (and its seed once it ended).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Lottery {
    /// Id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub lottery_id: LotteryId,
    /// Name.
    pub name: String,
    /// Prize tiers.
    pub tiers: Vec<LotteryTier>,
    /// Draws one member may make.
    pub draws_per_member: u32,
    /// Prizes one member may win (the everyone-wins tier not counted).
    pub wins_per_member: u32,
    /// Prize budget, fen.
    pub budget_fen: i64,
    /// Spent on prizes given, fen.
    pub spent_fen: i64,
    /// SHA-256 (hex) of the server seed, published before the first draw.
    pub commitment: String,
    /// The server seed, revealed when the lottery ends.
    pub seed: Option<String>,
    /// Draws and upgrades recorded.
    pub events: i64,
    /// Opens, unix ms.
    pub starts_at_ms: i64,
    /// Ends, unix ms.
    pub ends_at_ms: i64,
    /// Ended (and revealed), unix ms.
    pub closed_at_ms: Option<i64>,
    /// `upcoming`, `open` or `ended`.
    pub status: String,
    /// Created.
    pub created_at_ms: i64,
}

impl Lottery {
    /// The view of a stored lottery with its rules' limits and its tiers, at `now`.
    pub fn of(
        row: quanzi_store::lottery::Lottery,
        draws_per_member: u32,
        wins_per_member: u32,
        tiers: Vec<LotteryTier>,
        now: i64,
    ) -> Lottery {
        let status = if row.closed_at_ms.is_some() || now >= row.ends_at_ms {
            "ended"
        } else if now < row.starts_at_ms {
            "upcoming"
        } else {
            "open"
        };
        Lottery {
            lottery_id: LotteryId(row.lottery_id),
            name: row.name,
            tiers,
            draws_per_member,
            wins_per_member,
            budget_fen: row.budget_fen,
            spent_fen: row.spent_fen,
            commitment: row.commitment,
            seed: row.seed,
            events: row.events,
            starts_at_ms: row.starts_at_ms,
            ends_at_ms: row.ends_at_ms,
            closed_at_ms: row.closed_at_ms,
            status: status.into(),
            created_at_ms: row.created_at_ms,
        }
    }
}

/// A draw or an upgrade, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LotteryDraw {
    /// Its place in the lottery's record.
    pub seq: i64,
    /// `draw` or `upgrade`.
    pub kind: String,
    /// The member.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub member_id: MemberId,
    /// The member's draw number (of an upgrade: the draw upgraded).
    pub draw_no: i64,
    /// The draw's ticket.
    pub ticket: Option<i64>,
    /// The tier given, none for nothing.
    pub tier: Option<i64>,
    /// Its name.
    pub prize: Option<String>,
    /// Whether it is the everyone-wins tier.
    pub everyone_wins: bool,
    /// An upgrade's tier given back.
    pub from_tier: Option<i64>,
    /// An upgrade's price, fen (paid when the prize is collected).
    pub price_fen: Option<i64>,
    /// When, unix ms.
    pub at_ms: i64,
}

impl LotteryDraw {
    /// The view of a recorded event under `rules`.
    pub fn of(
        e: quanzi_store::lottery::LotteryEvent,
        rules: &quanzi_domain::lottery::NewLottery,
    ) -> LotteryDraw {
        let tier = e
            .tier
            .and_then(|t| usize::try_from(t).ok())
            .and_then(|t| rules.tiers.get(t));
        LotteryDraw {
            seq: e.seq,
            kind: e.kind,
            member_id: MemberId(e.member_id),
            draw_no: e.draw_no,
            ticket: e.ticket,
            tier: e.tier,
            prize: tier.map(|t| t.name.clone()),
            everyone_wins: tier.is_some_and(|t| t.everyone_wins),
            from_tier: e.from_tier,
            price_fen: e.price_fen,
            at_ms: e.at_ms,
        }
    }
}
