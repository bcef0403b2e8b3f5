//! The demo's group buy (三人团: teams complete, teams waiting for a friend), a bargain (砍一刀)
//! with friends' cuts and one bought at the floor, and a red-envelope plan whose first send
//! was grabbed by its group and whose next one waits for tomorrow evening.

use quanzi_domain::bargain::BargainInput;
use quanzi_domain::group_buy::GroupBuyInput;
use quanzi_domain::red_envelope::{RedEnvelopePlanInput, Split};
use quanzi_domain::{GroupId, MemberId, TenantId};
use quanzi_store::{Db, group, now_ms};

use crate::Result;
use crate::bargains::cut::{Cut, buy, cut};
use crate::bargains::{self, Opened};
use crate::group_buys::{self, team};
use crate::red_envelopes::{self, claim::claim};

const HOUR: i64 = 3_600_000;

/// Makes and plays them with the members of the first two groups.
pub(super) async fn fill(db: &Db, t: TenantId, groups: &[GroupId]) -> Result<()> {
    let mut people: Vec<MemberId> = Vec::new();
    for g in &groups[..2] {
        people.extend(
            group::member_ids(db, t, *g)
                .await?
                .into_iter()
                .map(MemberId),
        );
    }
    people.sort();
    people.dedup();
    if people.len() < 60 {
        return Ok(());
    }
    // Take members from the end: the sales and the lucky draws played with the first ones.
    people.reverse();
    group_buy(db, t, &people[..20]).await?;
    bargain(db, t, &people[20..40]).await?;
    envelopes(db, t, groups).await
}

async fn group_buy(db: &Db, t: TenantId, people: &[MemberId]) -> Result<()> {
    let input = GroupBuyInput {
        product_name: Some("三人团 · 阳光玫瑰葡萄 2 斤".into()),
        price_fen: Some(5_990),
        team_price_fen: Some(3_990),
        team_size: Some(3),
        hours: Some(24),
        stock: Some(200),
        allow_virtual: Some(true),
    };
    let gb = group_buys::create(db, t, input).await?;
    // Four teams fill (a leader and two friends); two wait for their last friend.
    for chunk in people[..18].chunks(3).take(6).enumerate() {
        let (i, members) = chunk;
        let team::Outcome::Joined(d) = team::open(db, t, gb.group_buy_id, members[0]).await? else {
            continue;
        };
        let friends = if i < 4 { &members[1..] } else { &members[1..2] };
        for f in friends {
            team::join(db, t, d.team.team_id, *f).await?;
        }
    }
    Ok(())
}

async fn bargain(db: &Db, t: TenantId, people: &[MemberId]) -> Result<()> {
    let input = BargainInput {
        product_name: Some("砍价免费拿 · 316 保温杯".into()),
        start_price_fen: Some(12_800),
        floor_price_fen: Some(990),
        cuts_to_floor: Some(5),
        hours: Some(48),
        stock: Some(30),
    };
    let offer = bargains::create(db, t, input).await?;
    // Three members ask their friends: five cuts reach the floor (and that one buys), three
    // and one are on the way.
    for (owner, friends) in [(0, 5), (6, 3), (10, 1)] {
        let run = match bargains::open(db, t, offer.bargain_id, people[owner]).await? {
            Opened::New(r) | Opened::Again(r) => r,
            Opened::SoldOut | Opened::Closed => return Ok(()),
        };
        for f in &people[owner + 1..=owner + friends] {
            if let Cut::Refused(_) = cut(db, t, run.bargain_run_id, *f).await? {
                break;
            }
        }
        if friends == 5 {
            buy(db, t, run.bargain_run_id).await?;
        }
    }
    Ok(())
}

async fn envelopes(db: &Db, t: TenantId, groups: &[GroupId]) -> Result<()> {
    let now = now_ms();
    let tomorrow_eight = (now / (24 * HOUR) + 1) * 24 * HOUR + 12 * HOUR; // 20:00 in China
    let input = RedEnvelopePlanInput {
        name: Some("晚八点 · 群活跃红包".into()),
        group_ids: Some(vec![groups[0].0]),
        at_ms: Some(vec![now - 2 * HOUR, tomorrow_eight]),
        total_fen: Some(8_800),
        count: Some(20),
        split: Some(Split::Random),
        budget_fen: Some(20_000),
    };
    let plan = red_envelopes::create(db, t, input).await?;
    let Some(first) = plan.sends.first() else {
        return Ok(());
    };
    let members = group::member_ids(db, t, groups[0]).await?;
    for m in members.iter().take(16) {
        claim(db, t, first.red_envelope_send_id, MemberId(*m)).await?;
    }
    Ok(())
}
