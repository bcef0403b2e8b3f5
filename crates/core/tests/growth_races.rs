//! The growth loop under a rush, on both stores: 500 concurrent scans of one live code never
//! put a group above its hard capacity and open exactly one new group when they fill the
//! last one; a gift code redeemed by two staff at once is redeemed once; duplicate referral
//! causes racing are rewarded once, within the budget.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashMap;

use quanzi_core::live_codes::scan::{ScanInput, scan};
use quanzi_core::{access, gifts, groups, live_codes, members, referrals};
use quanzi_domain::gift::GiftInput;
use quanzi_domain::group::GroupInput;
use quanzi_domain::live_code::LiveCodeInput;
use quanzi_domain::member::MemberInput;
use quanzi_domain::referral::{InviteRule, ProgramInput, ReferralRules, RewardKind, RewardSpec};
use quanzi_domain::{GroupId, MemberId, TenantId};
use quanzi_store::Db;
use quanzi_store::on::On;
use quanzi_testkit::TestDb;

async fn tenant(db: &Db, slug: &str) -> TenantId {
    access::create_tenant(db, slug, slug)
        .await
        .unwrap()
        .tenant_id
}

async fn people(db: &Db, t: TenantId, n: usize) -> Vec<MemberId> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let m = members::create(
            db,
            t,
            MemberInput {
                name: Some(format!("访客{i}")),
                lifecycle_stage: Some("prospect".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        out.push(m.member_id);
    }
    out
}

async fn group(db: &Db, t: TenantId, name: &str, hard: i64, advised: i64) -> GroupId {
    groups::create(
        db,
        t,
        GroupInput {
            name: Some(name.into()),
            capacity_hard: Some(hard),
            capacity_advised: Some(advised),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .group_id
}

/// A poster code filling `groups` in order.
async fn poster(
    db: &Db,
    t: TenantId,
    slug: &str,
    groups: Vec<GroupId>,
) -> quanzi_core::views::LiveCode {
    let input = LiveCodeInput {
        name: Some("海报".into()),
        slug: Some(slug.into()),
        group_ids: Some(groups),
        ..Default::default()
    };
    live_codes::create(db, t, input).await.unwrap()
}

/// A programme on `code` rewarding each friend's join (and, with `visits`, each share's
/// visit) with `spec`, within `budget_fen`.
async fn invite(
    db: &Db,
    t: TenantId,
    code: i64,
    spec: RewardSpec,
    visits: bool,
    budget_fen: i64,
) -> quanzi_core::views::Program {
    let rules = ReferralRules {
        invite: Some(InviteRule {
            stay_days: 0,
            reward: spec,
            invitee_reward: None,
        }),
        share_visit: visits.then_some(spec),
        ..Default::default()
    };
    let input = ProgramInput {
        name: Some("邀请".into()),
        slug: Some(format!("invite-{code}")),
        live_code_id: Some(code),
        rules: Some(rules),
        budget_fen: Some(budget_fen),
        ..Default::default()
    };
    referrals::create(db, t, input).await.unwrap()
}

#[tokio::test]
async fn five_hundred_concurrent_scans_never_pass_a_cap_and_open_one_group() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let backend = db.backend();
        let t = tenant(db, "rush").await;
        let a = group(db, t, "南山店群 1", 200, 150).await;
        let b = group(db, t, "南山店群 2", 200, 150).await;
        let gift = gifts::create(
            db,
            t,
            GiftInput {
                name: Some("试吃装".into()),
                cost_fen: Some(250),
                stock: Some(450),
                valid_days: Some(30),
            },
        )
        .await
        .unwrap();
        let code = live_codes::create(
            db,
            t,
            LiveCodeInput {
                name: Some("门口海报".into()),
                slug: Some("poster-door".into()),
                group_ids: Some(vec![a, b]),
                template_group_id: Some(b),
                gift_id: Some(gift.gift_id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let who = people(db, t, 500).await;
        // Half the scans share commits (on the embedded store, on its writer thread), half
        // run in transactions of their own, all at once.
        let scanner = std::sync::Arc::new(live_codes::lane::Scanner::new(db.clone()));
        let tasks: Vec<_> = who
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let (db, m, id) = (db.clone(), *m, code.live_code_id);
                let scanner = scanner.clone();
                tokio::spawn(async move {
                    let input = ScanInput {
                        member: Some(m),
                        ..Default::default()
                    };
                    if i % 2 == 0 {
                        scanner.scan(t, id, input).await
                    } else {
                        scan(&db, t, id, input).await
                    }
                })
            })
            .collect();
        let mut per_group: HashMap<i64, i64> = HashMap::new();
        let (mut opened, mut redeemable) = (0, 0);
        for task in tasks {
            let landing = task.await.unwrap().unwrap();
            let g = landing.group.expect("every scan gets a group").group_id;
            *per_group.entry(g.0).or_default() += 1;
            opened += usize::from(landing.opened);
            redeemable += usize::from(landing.redemption.is_some());
        }
        assert_eq!(
            redeemable, 450,
            "{backend}: one code per scan while the stock lasts"
        );
        assert_eq!(opened, 1, "{backend}: exactly one group opened");
        assert_eq!(per_group.len(), 3, "{backend}: {per_group:?}");
        assert_eq!(per_group[&a.0], 200, "{backend}");
        assert_eq!(per_group[&b.0], 200, "{backend}");
        let code = live_codes::get(db, t, code.live_code_id).await.unwrap();
        assert_eq!(code.group_ids.len(), 3);
        let new = groups::get(db, t, code.group_ids[2]).await.unwrap();
        assert_eq!(new.name, "南山店群 3");
        assert_eq!(new.capacity_hard, 200);
        // The gift's stock held too: 450 codes, no more.
        assert_eq!(gifts::get(db, t, gift.gift_id).await.unwrap().issued, 450);
        // Scans are visits attributed to the code.
        let f = live_codes::funnel_of(db, t, code.live_code_id)
            .await
            .unwrap();
        assert_eq!(
            (f.scans, f.visitors, f.seated),
            (500, 500, 500),
            "{backend}"
        );
        // A join through the landing page becomes membership, attributed to the code.
        let first = who[0];
        let g = live_codes::scan::confirm_join(db, t, code.live_code_id, first)
            .await
            .unwrap();
        assert_eq!(g.size, 1);
        let f = live_codes::funnel_of(db, t, code.live_code_id)
            .await
            .unwrap();
        assert_eq!(f.joined, 1);
        let m = members::get(db, t, first).await.unwrap();
        assert_eq!(m.source_channel.as_deref(), Some("live_code:poster-door"));
    }
}

#[tokio::test]
async fn a_code_redeemed_by_two_staff_at_once_is_redeemed_once() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let t = tenant(db, "redeem").await;
        let g = group(db, t, "群", 500, 200).await;
        let gift = gifts::create(
            db,
            t,
            GiftInput {
                name: Some("纸巾".into()),
                cost_fen: Some(100),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let code = live_codes::create(
            db,
            t,
            LiveCodeInput {
                name: Some("门店码".into()),
                slug: Some("store".into()),
                kind: Some("store".into()),
                group_ids: Some(vec![g]),
                gift_id: Some(gift.gift_id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let m = people(db, t, 1).await[0];
        let input = ScanInput {
            member: Some(m),
            ..Default::default()
        };
        let landing = scan(db, t, code.live_code_id, input).await.unwrap();
        let text = landing.redemption.unwrap().0.code;
        for _ in 0..10 {
            let tasks: Vec<_> = ["店员甲", "店员乙"]
                .into_iter()
                .map(|by| {
                    let (db, text) = (db.clone(), text.clone());
                    tokio::spawn(async move { gifts::redeem(&db, t, &text, by).await.unwrap() })
                })
                .collect();
            let mut ok = 0;
            for task in tasks {
                ok += usize::from(task.await.unwrap().is_ok());
            }
            assert!(ok <= 1);
        }
        let r = &gifts::of_member(db, t, m).await.unwrap()[0];
        assert!(r.redeemed_at_ms.is_some(), "{}", db.backend());
    }
}

#[tokio::test]
async fn duplicate_referral_causes_racing_are_rewarded_once_within_the_budget() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let backend = db.backend();
        let t = tenant(db, "fission").await;
        let g = group(db, t, "裂变群", 500, 400).await;
        let code = poster(db, t, "share", vec![g]).await;
        let spec = RewardSpec {
            kind: RewardKind::Points,
            amount: 100,
            value_fen: 100,
        };
        let p = invite(db, t, code.live_code_id, spec, false, 1_000).await;
        let all = people(db, t, 31).await;
        let (inviters, friends) = (&all[..3], &all[3..]);
        // Each friend scans through an inviter's share, then the join is confirmed by four
        // racing requests (retries, double taps).
        for (i, f) in friends.iter().enumerate() {
            let input = ScanInput {
                member: Some(*f),
                referral: Some((p.program_id, inviters[i % 3])),
                ip: Some(format!("10.{i}.0.1")),
                ..Default::default()
            };
            scan(db, t, code.live_code_id, input).await.unwrap();
        }
        let tasks: Vec<_> = friends
            .iter()
            .flat_map(|f| std::iter::repeat_n(*f, 4))
            .map(|f| {
                let (db, id) = (db.clone(), code.live_code_id);
                tokio::spawn(async move { live_codes::scan::confirm_join(&db, t, id, f).await })
            })
            .collect();
        for task in tasks {
            if let Err(e) = task.await.unwrap() {
                assert!(e.to_string().contains("full"), "{backend}: {e}");
            }
        }
        let rewards = referrals::rewards(db, t, Some(p.program_id), None, None, 1000)
            .await
            .unwrap();
        let mut causes: Vec<_> = rewards
            .iter()
            .map(|r| (r.member_id, r.cause.clone()))
            .collect();
        causes.sort();
        causes.dedup();
        assert_eq!(
            causes.len(),
            rewards.len(),
            "{backend}: a cause rewarded twice"
        );
        assert_eq!(rewards.len(), 10, "{backend}: the budget pays 10 rewards");
        let p = referrals::get(db, t, p.program_id).await.unwrap();
        assert_eq!(p.spent_fen, 1_000);
        assert!(p.spent_fen <= p.budget_fen);
    }
}

#[tokio::test]
async fn scans_sharing_commits_keep_the_caps_and_record_every_new_visitor() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let backend = db.backend();
        let t = tenant(db, "lane").await;
        let a = group(db, t, "分享群 1", 100, 80).await;
        let code = poster(db, t, "lane", vec![a]).await;
        let scanner = std::sync::Arc::new(live_codes::lane::Scanner::new(db.clone()));
        let tasks: Vec<_> = (0..300)
            .map(|i| {
                let (scanner, id) = (scanner.clone(), code.live_code_id);
                tokio::spawn(async move {
                    let input = ScanInput {
                        // Thirty visitors scan twice (a reload): still one prospect each.
                        visitor: Some(format!("{:032x}", i % 270)),
                        ..Default::default()
                    };
                    scanner.scan(t, id, input).await
                })
            })
            .collect();
        let mut per_group: HashMap<i64, std::collections::HashSet<i64>> = HashMap::new();
        for task in tasks {
            let l = task.await.unwrap().unwrap();
            per_group
                .entry(l.group.unwrap().group_id.0)
                .or_default()
                .insert(l.member.0);
        }
        let seated: usize = per_group.values().map(|s| s.len()).sum();
        assert_eq!(seated, 270, "{backend}: {per_group:?}");
        assert_eq!(per_group.len(), 3, "{backend}: two groups opened");
        assert!(per_group.values().all(|s| s.len() <= 100), "{backend}");
        let f = live_codes::funnel_of(db, t, code.live_code_id)
            .await
            .unwrap();
        assert_eq!((f.scans, f.seated), (300, seated as i64), "{backend}");
    }
}

#[tokio::test]
async fn a_group_believed_full_that_has_room_again_is_used_before_a_new_group_is_opened() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let backend = db.backend();
        let t = tenant(db, "hint").await;
        let a = group(db, t, "群 A", 2, 2).await;
        let b = group(db, t, "群 B", 2, 2).await;
        let code = poster(db, t, "hint", vec![a, b]).await;
        let who = people(db, t, 5).await;
        let scanner = live_codes::lane::Scanner::new(db.clone());
        let scan_as = |m: MemberId| {
            let input = ScanInput {
                member: Some(m),
                ..Default::default()
            };
            scanner.scan(t, code.live_code_id, input)
        };
        let placed = |l: live_codes::scan::Landing| l.group.unwrap().group_id;
        assert_eq!(placed(scan_as(who[0]).await.unwrap()), a);
        assert_eq!(placed(scan_as(who[1]).await.unwrap()), a); // A is full now
        assert_eq!(placed(scan_as(who[2]).await.unwrap()), b);
        // who[0] joins A and leaves again: A has a place, though the scanner believes it full.
        live_codes::scan::confirm_join(db, t, code.live_code_id, who[0])
            .await
            .unwrap();
        groups::remove_member(db, t, a, who[0]).await.unwrap();
        assert_eq!(placed(scan_as(who[3]).await.unwrap()), b); // B's last place
        let l = scan_as(who[4]).await.unwrap();
        assert_eq!((placed(l.clone()), l.opened), (a, false), "{backend}");
        let code = live_codes::get(db, t, code.live_code_id).await.unwrap();
        assert_eq!(code.group_ids.len(), 2, "{backend}: no group opened");
    }
}

#[tokio::test]
async fn a_friend_is_one_inviters_even_through_two_shares() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let backend = db.backend();
        let t = tenant(db, "onefriend").await;
        let g = group(db, t, "群", 500, 400).await;
        let code = poster(db, t, "one", vec![g]).await;
        let spec = RewardSpec {
            kind: RewardKind::Points,
            amount: 10,
            value_fen: 10,
        };
        let p = invite(db, t, code.live_code_id, spec, true, 10_000).await;
        let who = people(db, t, 3).await;
        let (a, b, friend) = (who[0], who[1], who[2]);
        for inviter in [a, b] {
            let input = ScanInput {
                member: Some(friend),
                referral: Some((p.program_id, inviter)),
                ..Default::default()
            };
            scan(db, t, code.live_code_id, input).await.unwrap();
            let _ = live_codes::scan::confirm_join(db, t, code.live_code_id, friend).await;
        }
        let rewards = referrals::rewards(db, t, Some(p.program_id), None, None, 100)
            .await
            .unwrap();
        let causes: Vec<_> = rewards
            .iter()
            .map(|r| (r.member_id, r.cause.clone()))
            .collect();
        assert_eq!(causes.len(), 2, "{backend}: {causes:?}");
        assert!(causes.iter().all(|(m, _)| *m == a), "{backend}: {causes:?}");
    }
}

/// PostgreSQL resolves two transactions locking two codes in opposite orders by aborting one:
/// that error is the one the lane and the join try again.
#[tokio::test]
async fn a_deadlock_victim_is_a_retryable_error() {
    let Some(tdb) = TestDb::postgres().await else {
        return;
    };
    let db = &tdb.db;
    let t = tenant(db, "deadlock").await;
    let g = group(db, t, "群", 500, 400).await;
    let a = poster(db, t, "dl-a", vec![g]).await.live_code_id;
    let b = poster(db, t, "dl-b", vec![g]).await.live_code_id;
    let mut one = db.begin().await.unwrap();
    let mut two = db.begin().await.unwrap();
    quanzi_store::live_code::lock(&mut On::Tx(&mut one), t, a)
        .await
        .unwrap();
    quanzi_store::live_code::lock(&mut On::Tx(&mut two), t, b)
        .await
        .unwrap();
    let first = tokio::spawn(async move {
        let r = quanzi_store::live_code::lock(&mut On::Tx(&mut one), t, b).await;
        (r, one)
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let second = quanzi_store::live_code::lock(&mut On::Tx(&mut two), t, a).await;
    drop(two);
    let (first, _one) = first.await.unwrap();
    let victim = match (first, second) {
        (Err(e), _) | (_, Err(e)) => e,
        _ => panic!("no deadlock was detected"),
    };
    assert!(victim.is_retryable(), "{victim}");
}
