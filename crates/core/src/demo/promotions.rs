//! The demo's promotions: a flash sale that ended yesterday (most holds paid, some timed out
//! and went back to stock), one open now in two groups with orders held, paid and timed out,
//! and one opening tomorrow — so the campaigns pages and the member page show every state.

use quanzi_domain::flash_sale::{FlashSaleInput, OrderState};
use quanzi_domain::{FlashSaleId, GroupId, MemberId, OrderId, TenantId};
use quanzi_store::flash_sale::{self as repo, Buy, Take};
use quanzi_store::{Db, group, now_ms};

use crate::Result;
use crate::flash_sales::{self, pay_at};

const HOUR: i64 = 3_600_000;

fn sale(product: &str, price: i64, original: i64, stock: i64, limit: i64) -> FlashSaleInput {
    FlashSaleInput {
        product: Some(product.into()),
        price_fen: Some(price),
        original_price_fen: Some(original),
        stock: Some(stock),
        per_member_limit: Some(limit),
        hold_minutes: Some(15),
        ..Default::default()
    }
}

/// Makes the demo's sales and plays their rushes with `people`.
pub(super) async fn fill(
    db: &Db,
    t: TenantId,
    groups: &[GroupId],
    people: &[MemberId],
) -> Result<()> {
    if groups.len() < 2 || people.len() < 200 {
        return Ok(());
    }
    let now = now_ms();
    let day = 24 * HOUR;
    // Yesterday's member day: opened at 10:00 two days ago for a day.
    let mut past = sale("会员日 · 手撕牛肉干 200g", 990, 2_980, 120, 2);
    past.description = Some("会员专享价，每人限购 2 件，到店自提".into());
    past.starts_at_ms = Some(now - 2 * day);
    past.ends_at_ms = Some(now - day);
    let past = flash_sales::create(db, t, past).await?;
    rush(
        db,
        t,
        past.flash_sale_id,
        &people[..110],
        now - 2 * day + 60_000,
        9,
        8,
    )
    .await?;
    // Open now, for two groups.
    let mut open = sale("周五鲜榨 · NFC 橙汁 1L 两瓶装", 1_990, 3_980, 200, 1);
    open.description = Some("今晚 20:00 前付款，明天到店领取".into());
    open.starts_at_ms = Some(now - 2 * HOUR);
    open.ends_at_ms = Some(now + 22 * HOUR);
    open.group_ids = Some(groups[..2].to_vec());
    let open = flash_sales::create(db, t, open).await?;
    // Its buyers are members of those groups.
    let mut buyers = Vec::new();
    for g in &groups[..2] {
        buyers.extend(
            group::member_ids(db, t, *g)
                .await?
                .into_iter()
                .map(MemberId),
        );
    }
    buyers.sort();
    buyers.dedup();
    buyers.truncate(70);
    let paying = buyers.len().saturating_sub(10);
    rush(
        db,
        t,
        open.flash_sale_id,
        &buyers[..paying],
        now - 2 * HOUR + 30_000,
        7,
        4,
    )
    .await?;
    // The last ten buy now and have not paid yet.
    for (i, m) in buyers[paying..].iter().enumerate() {
        let b = Buy {
            sale: open.flash_sale_id,
            member: *m,
            quantity: 1,
            key: &format!("demo-now-{i}"),
            now: now - (i as i64) * 40_000,
        };
        let mut tx = db.begin().await?;
        repo::take(&mut tx, t, &b).await?;
        tx.commit().await?;
    }
    // Tomorrow at the next full hour.
    let mut next = sale("进口车厘子 JJ 级 2 斤装", 6_900, 12_800, 50, 1);
    next.starts_at_ms = Some((now / HOUR + 24) * HOUR);
    next.ends_at_ms = Some((now / HOUR + 26) * HOUR);
    flash_sales::create(db, t, next).await?;
    Ok(())
}

/// `people` buy in turn from `start`, a few seconds apart; of every `every` orders one is left
/// unpaid to time out, the others paid within `pay_min` minutes.
async fn rush(
    db: &Db,
    t: TenantId,
    sale: FlashSaleId,
    people: &[MemberId],
    start: i64,
    every: usize,
    pay_min: i64,
) -> Result<()> {
    for (i, m) in people.iter().enumerate() {
        let at = start + (i as i64) * 4_000;
        let b = Buy {
            sale,
            member: *m,
            quantity: 1 + (i % 3 == 0) as i64,
            key: &format!("demo-{i}"),
            now: at,
        };
        let mut tx = db.begin().await?;
        let took = repo::take(&mut tx, t, &b).await?;
        tx.commit().await?;
        let Take::Held(o) = took else { continue };
        let id = OrderId(o.order_id);
        if i % every == every - 1 {
            let mut tx = db.begin().await?;
            repo::settle(
                &mut tx,
                t,
                id,
                OrderState::Expired.as_str(),
                None,
                o.hold_until_ms,
            )
            .await?;
            tx.commit().await?;
        } else {
            let paid_at = at + (1 + (i as i64) % pay_min) * 60_000;
            pay_at(db, t, id, Some(&format!("wx{:08}", o.order_id)), paid_at).await?;
        }
    }
    Ok(())
}
