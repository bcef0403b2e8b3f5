//! The demo's offers: 满100减20 applied to a few dozen orders at the till, 满199送保温杯 with
//! its stock half given, and a new member's ¥5 coupon (无门槛) claimed by many and used by
//! some — so the offers page and the member pages show their figures.

use quanzi_domain::wallet::{OfferInput, OfferKind};
use quanzi_domain::{MemberId, TenantId};
use quanzi_store::{Db, now_ms};

use crate::Result;
use crate::offers::{self, Given, till};

const DAY: i64 = 86_400_000;

fn offer(name: &str, kind: OfferKind, threshold: i64, stock: Option<i64>) -> OfferInput {
    let now = now_ms();
    OfferInput {
        name: Some(name.into()),
        kind: Some(kind),
        threshold_fen: Some(threshold),
        stock,
        valid_from_ms: Some(now - 10 * DAY),
        valid_until_ms: Some(now + 20 * DAY),
        per_member: Some(3),
        ..Default::default()
    }
}

/// Makes the offers and plays them with `people`.
pub(super) async fn fill(db: &Db, t: TenantId, people: &[MemberId]) -> Result<()> {
    let mut off = offer("满100减20", OfferKind::SpendGet, 10_000, None);
    off.discount_fen = Some(2_000);
    let off = offers::create(db, t, off).await?;
    let mut cup = offer("满199送保温杯", OfferKind::SpendGet, 19_900, Some(30));
    cup.gift_name = Some("不锈钢保温杯".into());
    cup.per_member = Some(1);
    let cup = offers::create(db, t, cup).await?;
    for (i, m) in people.iter().take(48).enumerate() {
        let fen = 10_000 + (i as i64 % 9) * 1_800;
        let key = format!("demo-pos-{i}");
        offers::apply(db, t, off.offer_id, *m, fen, &key).await?;
        if fen >= 19_900 {
            offers::apply(db, t, cup.offer_id, *m, fen, &key).await?;
        }
    }
    let mut coupon = offer("新人无门槛5元券", OfferKind::Coupon, 0, Some(500));
    coupon.discount_fen = Some(500);
    coupon.per_member = Some(1);
    let coupon = offers::create(db, t, coupon).await?;
    for (i, m) in people.iter().skip(48).take(80).enumerate() {
        let Given::Done(g) = offers::claim(db, t, coupon.offer_id, *m, None).await? else {
            continue;
        };
        if let (true, Some(code)) = (i % 5 < 2, g.code) {
            let fen = 2_000 + (i as i64 % 6) * 1_500;
            let used = till::redeem(db, t, &code, fen, &format!("demo-coupon-{i}"), "店长").await?;
            debug_assert!(used.is_ok(), "{used:?}");
        }
    }
    Ok(())
}
