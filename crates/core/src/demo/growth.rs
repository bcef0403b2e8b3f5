//! The demo's growth loop: live codes on its posters, a partner shop, a store (with the
//! two-question form) and its staff; a lead gift; groups' own QR images (one about to
//! expire); a referral programme with a few dozen rewards, some held by the guards, some
//! reversed because the friend left, some paid — so a newcomer sees it working.

use quanzi_domain::gift::GiftInput;
use quanzi_domain::live_code::staff::StaffSlot;
use quanzi_domain::live_code::{LiveCodeInput, RouteRule};
use quanzi_domain::referral::{
    FirstOrderRule, InviteRule, Milestone, ProgramInput, ReferralRules, RewardKind, RewardSpec,
};
use quanzi_domain::{GroupId, MemberId, TenantId};
use quanzi_store::{Db, now_ms};

use crate::live_codes::scan::{ScanInput, confirm_join, scan};
use crate::{Result, gifts, live_codes, referrals};

fn spec(kind: RewardKind, amount: i64, value_fen: i64) -> RewardSpec {
    RewardSpec {
        kind,
        amount,
        value_fen,
    }
}

fn code(name: &str, slug: &str, kind: &str, groups: &[GroupId]) -> LiveCodeInput {
    LiveCodeInput {
        name: Some(name.into()),
        slug: Some(slug.into()),
        kind: Some(kind.into()),
        group_ids: Some(groups.to_vec()),
        template_group_id: groups.last().copied(),
        ..Default::default()
    }
}

/// Makes the demo's codes, gift, group QRs and referral programme, and plays a referral
/// campaign through them with `people` (inviters first).
pub(super) async fn fill(
    db: &Db,
    t: TenantId,
    groups: &[GroupId],
    people: &[MemberId],
) -> Result<()> {
    if groups.len() < 4 || people.len() < 60 {
        return Ok(());
    }
    let gift = gifts::create(
        db,
        t,
        GiftInput {
            name: Some("到店领试吃装一份".into()),
            cost_fen: Some(250),
            stock: Some(2_000),
            valid_days: Some(30),
        },
    )
    .await?;
    let mut poster = code("南山店门口海报", "nanshan-poster", "poster", &groups[..2]);
    poster.gift_id = Some(gift.gift_id);
    let poster = live_codes::create(db, t, poster).await?;
    live_codes::create(
        db,
        t,
        code(
            "合作门店·街角花店",
            "partner-florist",
            "partner",
            &groups[1..3],
        ),
    )
    .await?;
    let mut store = code("福田店门店码", "futian-store", "store", &groups[2..4]);
    store.ask = Some(true);
    store.store = Some("福田店".into());
    store.rules = Some(vec![RouteRule {
        district: Some("福田区".into()),
        interest: None,
        tier: None,
        group_ids: vec![groups[3]],
    }]);
    store.gift_id = Some(gift.gift_id);
    live_codes::create(db, t, store).await?;
    let slot = |u: &str, limit| StaffSlot {
        userid: u.into(),
        daily_limit: Some(limit),
        from_hour: Some(9),
        to_hour: Some(21),
    };
    live_codes::create(
        db,
        t,
        LiveCodeInput {
            name: Some("店员企微名片".into()),
            slug: Some("staff-card".into()),
            kind: Some("staff".into()),
            staff: Some(vec![slot("chenli", 50), slot("linxiaoyu", 50)]),
            backup_staff: Some("dianzhang".into()),
            welcome: Some("你好呀，我是门店的社群小助手，回复「福利」领取入群礼～".into()),
            auto_tags: Some(vec!["渠道:企微名片".into()]),
            ..Default::default()
        },
    )
    .await?;
    // Groups' own QR images: fresh ones, and one uploaded six and a half days ago.
    let now = now_ms();
    for (i, g) in groups.iter().take(4).enumerate() {
        let png = live_codes::qr_image::png(&format!("https://weixin.qq.com/g/demo-{}", g.0), 6)
            .map_err(crate::CoreError::Conflict)?;
        let at = if i == 1 {
            now - 156 * 3_600_000
        } else {
            now - 3_600_000
        };
        live_codes::upload_group_qr(db, t, *g, &png, "image/png", Some(at)).await?;
    }
    let program = referrals::create(
        db,
        t,
        ProgramInput {
            name: Some("老带新·邀请好友入群".into()),
            slug: Some("invite-friends".into()),
            live_code_id: Some(poster.live_code_id),
            rules: Some(ReferralRules {
                invite: Some(InviteRule {
                    stay_days: 7,
                    reward: spec(RewardKind::Points, 50, 50),
                    invitee_reward: Some(spec(RewardKind::Points, 20, 20)),
                }),
                milestones: vec![
                    Milestone {
                        friends: 3,
                        reward: spec(RewardKind::Coupon, 1, 500),
                    },
                    Milestone {
                        friends: 5,
                        reward: spec(RewardKind::Gift, 1, 1_500),
                    },
                    Milestone {
                        friends: 10,
                        reward: spec(RewardKind::Cash, 2_000, 2_000),
                    },
                ],
                share_visit: Some(spec(RewardKind::Points, 5, 5)),
                first_order: Some(FirstOrderRule {
                    min_amount_fen: 5_000,
                    reward: spec(RewardKind::Cash, 1_000, 1_000),
                    invitee_reward: None,
                }),
            }),
            budget_fen: Some(30_000),
            member_cap_fen: Some(5_000),
        },
    )
    .await?;
    play(db, t, poster.live_code_id, program.program_id, people).await
}

/// Six inviters bring 45 friends: most through their own network, one inviter's friends
/// arrive all at once from one network (held by the guards), one invites himself; three
/// friends leave again, two order; then the ledger's upkeep runs as if eight days passed.
async fn play(db: &Db, t: TenantId, code: i64, program: i64, people: &[MemberId]) -> Result<()> {
    let inviters = &people[..6];
    let friends = &people[6..51];
    for (i, f) in friends.iter().enumerate() {
        let inviter = inviters[i % inviters.len()];
        let ip = if i % 6 == 5 {
            "10.8.8.8".to_string()
        } else {
            format!("10.{}.{}.2", i % 200, i / 200)
        };
        let input = ScanInput {
            member: Some(*f),
            referral: Some((program, inviter)),
            ip: Some(ip),
            ..Default::default()
        };
        scan(db, t, code, input).await?;
        // A full group or an ended code simply leaves the friend unjoined.
        let _ = confirm_join(db, t, code, *f).await;
    }
    let cheat = inviters[0];
    let own = ScanInput {
        member: Some(cheat),
        referral: Some((program, cheat)),
        ip: Some("10.9.9.9".into()),
        ..Default::default()
    };
    scan(db, t, code, own).await?;
    let _ = confirm_join(db, t, code, cheat).await;
    for f in &friends[..3] {
        for g in crate::read::group::groups_of_member(db, t, *f).await? {
            let _ = crate::groups::remove_member(db, t, g.group_id, *f).await;
        }
    }
    let now = now_ms();
    let orders = friends[3..5]
        .iter()
        .enumerate()
        .map(|(i, f)| quanzi_domain::event::EventInput {
            idempotency_key: format!("demo-first-order-{i}"),
            kind: "order".into(),
            member_id: f.0,
            occurred_at_ms: now,
            amount_fen: Some(8_800),
            product: Some("会员储值卡".into()),
            group_id: None,
            reference: None,
            properties: None,
        })
        .collect();
    crate::events::ingest(db, t, orders).await?;
    referrals::tick::upkeep(db, t, now + 8 * 86_400_000).await?;
    for r in referrals::rewards(db, t, Some(program), Some("approved"), None, 5).await? {
        referrals::decide(db, t, r.reward_id, "pay", "system", Some("demo")).await?;
    }
    walk_ins(db, t, code).await
}

/// Forty newcomers scan the poster in store: each gets the gift's code, most join, and the
/// staff redeem half of the codes, so the gift's cost per member has figures.
async fn walk_ins(db: &Db, t: TenantId, code: i64) -> Result<()> {
    for i in 0..40u32 {
        let input = ScanInput {
            visitor: Some(format!("{:032x}", 0xd3_0000 + i)),
            ip: Some(format!("10.20.{i}.7")),
            ..Default::default()
        };
        let landing = scan(db, t, code, input).await?;
        if i % 5 != 4 {
            let _ = confirm_join(db, t, code, landing.member).await;
        }
        if let (Some((r, _)), true) = (&landing.redemption, i % 2 == 0) {
            let _ = gifts::redeem(db, t, &r.code, "店员 林小雨").await?;
        }
    }
    Ok(())
}
