//! A member's buy in a flash sale. The stock decision is the store's (conditional updates in
//! the buyer's transaction, see `quanzi_store::flash_sale::take`); buys share commits
//! through a [`Lane`], so a rush is answered at the rate of grouped WAL syncs and every
//! answer is on disk. In front of the lane, a sale known sold out refuses at once without
//! touching the store: that step can only refuse, never admit, so it cannot oversell.

use std::collections::HashMap;
use std::sync::Mutex;

use quanzi_domain::flash_sale::{Refusal, SaleStatus};
use quanzi_domain::{FlashSaleId, Invalid, MemberId, TenantId};
use quanzi_store::flash_sale::{self as repo, Rush, Take};
use quanzi_store::{Db, StoreError, Tx, now_ms};

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
    rush: Rush,
}

impl Unit for BuyUnit {
    type Out = Take;
    fn apply<'a>(&'a self, tx: &'a mut Tx) -> Applying<'a, Take> {
        Box::pin(async move { Ok(repo::take_returning(tx, self.t, &self.rush).await?) })
    }
}

/// Until when a sale is known to have nothing left (a hint: an expired hold can bring units
/// back, so it lasts a second).
const SOLD_OUT_HINT_MS: i64 = 1_000;

/// How long the buyer keeps its copy of a sale's settings. The copy decides only what the
/// buy's transaction checks again (window, closing, limit, stock) and the target groups; a
/// change made through this process drops it at once.
const SALE_COPY_MS: i64 = 1_000;

/// A sale as read, when, and the count of changes then.
type SaleCopy = (FlashSale, i64, u64);

/// The buys of one store, sharing commits.
pub struct Buyer {
    db: Db,
    lane: Lane<BuyUnit>,
    sold_out: Mutex<HashMap<(i64, i64), i64>>,
    sales: Mutex<HashMap<(i64, i64), SaleCopy>>,
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
            sales: Mutex::new(HashMap::new()),
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
        let rush = Rush {
            sale: sale.flash_sale_id,
            member: m,
            quantity: input.quantity,
            key,
            now,
            release_batch: super::release::BATCH,
        };
        // Where the store has a writer thread the buy runs there; elsewhere it shares
        // commits through the lane.
        let took = match repo::take_on_writer(&self.db, t, rush.clone()).await {
            Some(took) => took?,
            None => match self.lane.apply(BuyUnit { t, rush }).await?.1 {
                Err(crate::CoreError::Store(StoreError::MissingReference)) => Take::NoMember,
                took => took?,
            },
        };
        Ok(match took {
            Take::Held(o) => Bought::Held(o.into()),
            Take::Again(o) => Bought::Again(o.into()),
            Take::OverLimit => Bought::Refused(Refusal::OverLimit),
            Take::NoMember => return Err(crate::CoreError::NotFound("member")),
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
        let sale = self.sale(t, sale).await?;
        let sold_out = self.sold_out_until((t.0, sale.flash_sale_id.0)) > now_ms();
        if sold_out || !sale.group_ids.is_empty() {
            // An unknown member is not found rather than refused. Otherwise the store checks
            // the member in the buy's transaction.
            crate::members::get(&self.db, t, m).await?;
        }
        self.buy(t, &sale, m, input).await
    }

    /// The sale's settings: this buyer's copy while it is fresh, else read again.
    async fn sale(&self, t: TenantId, id: FlashSaleId) -> Result<FlashSale> {
        let key = (t.0, id.0);
        let now = now_ms();
        let changes = super::CHANGES.load(std::sync::atomic::Ordering::Acquire);
        if let Ok(copies) = self.sales.lock()
            && let Some((sale, at, seen)) = copies.get(&key)
            && now - at < SALE_COPY_MS
            && *seen == changes
        {
            return Ok(sale.clone());
        }
        let sale = super::get(&self.db, t, id).await?;
        if let Ok(mut copies) = self.sales.lock() {
            copies.retain(|_, (_, at, seen)| now - *at < SALE_COPY_MS && *seen == changes);
            copies.insert(key, (sale.clone(), now, changes));
        }
        Ok(sale)
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
