//! A member's buy in a flash sale. The stock decision is the store's (conditional updates in
//! the buyer's transaction, see `quanzi_store::flash_sale::take`); buys share commits
//! through a [`Lane`], so a rush is answered at the rate of grouped WAL syncs and every
//! answer is on disk. In front of the lane, a sale known sold out refuses at once without
//! touching the store: that step can only refuse, never admit, so it cannot oversell.

use std::collections::HashMap;
use std::sync::Mutex;

use quanzi_domain::flash_sale::{Refusal, SaleStatus};
use quanzi_domain::{FlashSaleId, Invalid, MemberId, TenantId};
use quanzi_store::flash_sale::{self as repo, Buy, Take};
use quanzi_store::{Db, Tx, now_ms};

use crate::Result;
use crate::lane::{Applying, Lane, Unit};
use crate::views::{FlashOrder, FlashSale};

/// What a member's buy came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Bought {
    /// Units held for the member until the hold's end: pay before it.
    Held(FlashOrder),
    /// The same request (idempotency key) came before: its order, unchanged.
    Again(FlashOrder),
    /// Refused; nothing was written.
    Refused(Refusal),
}

/// A buy as the member's page or an API client sends it.
#[derive(Debug, Clone)]
pub struct BuyInput {
    /// Units (1 to the sale's per-member limit).
    pub quantity: i64,
    /// The buyer's idempotency key: a retry with the same key answers the first order.
    pub key: String,
}

struct BuyUnit {
    t: TenantId,
    sale: FlashSaleId,
    member: MemberId,
    quantity: i64,
    key: String,
    now: i64,
}

impl Unit for BuyUnit {
    type Out = Take;
    fn apply<'a>(&'a self, tx: &'a mut Tx) -> Applying<'a, Take> {
        Box::pin(async move {
            let b = Buy {
                sale: self.sale,
                member: self.member,
                quantity: self.quantity,
                key: &self.key,
                now: self.now,
            };
            let first = repo::take(tx, self.t, &b).await?;
            if first != Take::NoStock {
                return Ok(first);
            }
            // Holds that ran out may not have been returned yet: return this sale's, then
            // try once more.
            if super::release::release_in(tx, self.t, Some(self.sale), self.now).await? == 0 {
                return Ok(first);
            }
            Ok(repo::take(tx, self.t, &b).await?)
        })
    }
}

/// Until when a sale is known to have nothing left (a hint: an expired hold can bring units
/// back, so it lasts a second).
const SOLD_OUT_HINT_MS: i64 = 1_000;

/// The buys of one store, sharing commits.
pub struct Buyer {
    db: Db,
    lane: Lane<BuyUnit>,
    sold_out: Mutex<HashMap<(i64, i64), i64>>,
}

impl std::fmt::Debug for Buyer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Buyer").finish_non_exhaustive()
    }
}

impl Buyer {
    /// A buyer over `db`.
    pub fn new(db: Db) -> Buyer {
        Buyer {
            lane: Lane::new(db.clone()),
            db,
            sold_out: Mutex::new(HashMap::new()),
        }
    }

    /// Buys for member `m` in `sale`, read by the caller (its window, limit and target
    /// groups are checked here; the stock and the limit again in the store).
    pub async fn buy(
        &self,
        t: TenantId,
        sale: &FlashSale,
        m: MemberId,
        input: BuyInput,
    ) -> Result<Bought> {
        let key = input.key.trim().to_string();
        if key.is_empty() || key.len() > 64 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Invalid::one("key", "must be 1 to 64 printable ASCII characters").into());
        }
        if !(1..=sale.per_member_limit).contains(&input.quantity) {
            return Err(Invalid::one(
                "quantity",
                format!("must be between 1 and {}", sale.per_member_limit),
            )
            .into());
        }
        let now = now_ms();
        match sale.status {
            SaleStatus::Upcoming if now < sale.starts_at_ms => {
                return Ok(Bought::Refused(Refusal::NotOpen));
            }
            SaleStatus::Ended => return Ok(Bought::Refused(Refusal::Ended)),
            _ if now >= sale.ends_at_ms => return Ok(Bought::Refused(Refusal::Ended)),
            _ => {}
        }
        let hint = (t.0, sale.flash_sale_id.0);
        if self.sold_out_until(hint) > now {
            return Ok(Bought::Refused(Refusal::SoldOut));
        }
        if !super::invited(&self.db, t, sale, m).await? {
            return Ok(Bought::Refused(Refusal::NotInvited));
        }
        let unit = BuyUnit {
            t,
            sale: sale.flash_sale_id,
            member: m,
            quantity: input.quantity,
            key,
            now,
        };
        let (_, took) = self.lane.apply(unit).await?;
        Ok(match took? {
            Take::Held(o) => Bought::Held(o.into()),
            Take::Again(o) => Bought::Again(o.into()),
            Take::OverLimit => Bought::Refused(Refusal::OverLimit),
            Take::NoStock => {
                if input.quantity == 1 {
                    self.mark_sold_out(hint, now);
                }
                Bought::Refused(Refusal::SoldOut)
            }
        })
    }

    /// [`Buyer::buy`] of a sale by id.
    pub async fn buy_id(
        &self,
        t: TenantId,
        sale: FlashSaleId,
        m: MemberId,
        input: BuyInput,
    ) -> Result<Bought> {
        let sale = super::get(&self.db, t, sale).await?;
        crate::members::get(&self.db, t, m).await?;
        self.buy(t, &sale, m, input).await
    }

    fn sold_out_until(&self, key: (i64, i64)) -> i64 {
        self.sold_out
            .lock()
            .map(|h| h.get(&key).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    fn mark_sold_out(&self, key: (i64, i64), now: i64) {
        if let Ok(mut h) = self.sold_out.lock() {
            h.retain(|_, until| *until > now);
            h.insert(key, now + SOLD_OUT_HINT_MS);
        }
    }
}
