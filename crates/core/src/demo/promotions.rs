//! The demo's promotions: a flash sale that ended yesterday (most holds paid, some timed out
//! and went back to stock), one open now in two groups with orders held, paid and timed out,
//! and one opening tomorrow; a lucky draw that ended (its seed revealed, every draw checkable)
//! and one running, with 三等奖 for everyone and its paid upgrade — so the campaigns pages and
//! the member pages show every state.

use quanzi_domain::flash_sale::{FlashSaleInput, OrderState};
use quanzi_domain::lottery::PrizeTierInput;
use quanzi_domain::{FlashSaleId, GroupId, LotteryId, MemberId, OrderId, TenantId};
use quanzi_store::flash_sale::{self as repo, Buy, Take};
use quanzi_store::{Db, group, now_ms};

use crate::Result;
use crate::flash_sales::{self, pay_at};
use crate::lotteries::LotteryRequest;
use crate::lotteries::draw::{Drawn, draw, upgrade};
use crate::server::ServerSettings;

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

/// Makes the demo's sales and lotteries and plays them with `people`.
pub(super) async fn fill(
    db: &Db,
    server: Option<&ServerSettings>,
    t: TenantId,
    groups: &[GroupId],
    people: &[MemberId],
) -> Result<()> {
    if groups.len() < 2 || people.len() < 400 {
        return Ok(());
    }
    if let Some(server) = server {
        lotteries(db, server, t, &people[200..400]).await?;
    }
    wallets(db, t, &people[..60]).await?;
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
    open.description = Some("抢到后 15 分钟内付款，明天起到店领取".into());
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

fn prize(name: &str, cost: i64, stock: i64, odds: Option<i64>) -> PrizeTierInput {
    PrizeTierInput {
        name: Some(name.into()),
        cost_fen: Some(cost),
        stock: Some(stock),
        odds_ppm: odds,
        ..Default::default()
    }
}

/// The seed's zero-cost scheme: 一等奖 a gift box, 二等奖 a voucher, 三等奖 for everyone a
/// small pack that ¥19.90 turns into the gift box.
fn scheme(name: &str, starts: i64, ends: i64) -> LotteryRequest {
    let mut third = prize("三等奖 · 试吃小包", 150, 500, None);
    third.everyone_wins = Some(true);
    third.upgrade_to = Some(0);
    third.upgrade_price_fen = Some(1_990);
    LotteryRequest {
        name: Some(name.into()),
        tiers: Some(vec![
            prize("一等奖 · 坚果礼盒", 1_500, 30, Some(30_000)),
            prize("二等奖 · 20 元代金券", 600, 30, Some(120_000)),
            third,
        ]),
        draws_per_member: Some(2),
        wins_per_member: Some(1),
        budget_fen: Some(120_000),
        starts_at_ms: Some(starts),
        ends_at_ms: Some(ends),
    }
}

/// Two lotteries: one played by `people` and ended (its seed revealed), one still running
/// with a few draws; some third prizes upgraded.
async fn lotteries(
    db: &Db,
    server: &ServerSettings,
    t: TenantId,
    people: &[MemberId],
) -> Result<()> {
    let now = now_ms();
    let ended = crate::lotteries::create(
        db,
        server,
        t,
        scheme("双十二 · 社群抽奖", now - 1_000, now + 86_400_000),
    )
    .await?;
    play(db, server, t, ended.lottery_id, &people[..120]).await?;
    crate::lotteries::close(db, server, t, ended.lottery_id).await?;
    let running = crate::lotteries::create(
        db,
        server,
        t,
        scheme("周末福利 · 抽奖", now - 1_000, now + 3 * 86_400_000),
    )
    .await?;
    play(db, server, t, running.lottery_id, &people[120..160]).await?;
    Ok(())
}

/// Each of `people` draws once, some twice; one in five third prizes is upgraded.
async fn play(
    db: &Db,
    server: &ServerSettings,
    t: TenantId,
    id: LotteryId,
    people: &[MemberId],
) -> Result<()> {
    for (i, m) in people.iter().enumerate() {
        let times = if i % 3 == 0 { 2 } else { 1 };
        for _ in 0..times {
            if let Drawn::Done(d) = draw(db, server, t, id, *m).await?
                && d.everyone_wins
                && i % 5 == 0
            {
                upgrade(db, server, t, id, *m, d.draw_no).await?;
            }
        }
    }
    Ok(())
}

/// The top-up plan 充100送20 / 充300送80, and wallets: top-ups, spends, a refund.
async fn wallets(db: &Db, t: TenantId, people: &[MemberId]) -> Result<()> {
    use quanzi_domain::wallet::{TopUpPlanInput, TopUpTierInput, WalletOp};
    let tier = |pay: i64, bonus: i64| TopUpTierInput {
        min_top_up_fen: Some(pay),
        bonus_fen: Some(bonus),
    };
    let plan = TopUpPlanInput {
        tiers: Some(vec![tier(10_000, 2_000), tier(30_000, 8_000)]),
        bonus_valid_days: Some(180),
    };
    crate::wallets::set_top_up_plan(db, t, plan).await?;
    let ask = |op, amount: i64, key: String, note: &str| crate::wallets::Request {
        op,
        amount_fen: Some(amount),
        refund_of: None,
        key,
        note: Some(note.to_string()),
    };
    for (i, m) in people.iter().enumerate() {
        let top = if i % 4 == 0 { 30_000 } else { 10_000 };
        crate::wallets::apply(
            db,
            t,
            *m,
            ask(WalletOp::TopUp, top, format!("demo-top-{i}"), "到店充值"),
        )
        .await?;
        let spend = 1_990 + (i as i64 % 7) * 1_000;
        let spent = crate::wallets::apply(
            db,
            t,
            *m,
            ask(
                WalletOp::Spend,
                spend,
                format!("demo-spend-{i}"),
                "门店消费",
            ),
        )
        .await?;
        if i % 15 == 0
            && let crate::wallets::Moved::Done(e, _) = spent
        {
            let refund = crate::wallets::Request {
                op: WalletOp::Refund,
                amount_fen: None,
                refund_of: Some(e.entry_id),
                key: format!("demo-refund-{i}"),
                note: Some("退货退款".into()),
            };
            crate::wallets::apply(db, t, *m, refund).await?;
        }
    }
    Ok(())
}
