//! Red envelopes on both stores: a hundred members racing (some tapping twice) for a send of
//! ten shares get exactly ten shares, one each, adding up to the send's total; every send's
//! shares are at least a fen, under twice the mean left and recomputed from the stored seed;
//! a plan stays within its budget and names a foreign group; a member outside the group, or
//! before the time, takes nothing; and the payment tool's file pays each share once.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashSet;
use std::sync::Arc;

use quanzi_core::red_envelopes::claim::{ClaimRefusal, Claimed, claim};
use quanzi_core::red_envelopes::{self, payout};
use quanzi_core::views::{RedEnvelopePlanDetail, SendStatus};
use quanzi_core::{CoreError, access, groups, members};
use quanzi_domain::group::GroupInput;
use quanzi_domain::member::MemberInput;
use quanzi_domain::red_envelope::{RedEnvelopePlanInput, Split, split};
use quanzi_domain::{GroupId, MemberId, TenantId};
use quanzi_store::{Db, now_ms};
use quanzi_testkit::TestDb;

/// A tenant with `n` members, all in one group, and one member in no group.
async fn community(db: &Db, slug: &str, n: usize) -> (TenantId, GroupId, Vec<MemberId>, MemberId) {
    let t = access::create_tenant(db, slug, slug)
        .await
        .unwrap()
        .tenant_id;
    let g = groups::create(
        db,
        t,
        GroupInput {
            name: Some("宝妈群".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .group_id;
    let mut ms = Vec::new();
    for i in 0..=n {
        let input = MemberInput {
            name: Some(format!("群友{i}")),
            phone: Some(format!("1380013{i:04}")),
            ..Default::default()
        };
        ms.push(members::create(db, t, input).await.unwrap().member_id);
    }
    let outsider = ms.pop().unwrap();
    let added = groups::add_members(db, t, g, &ms).await.unwrap();
    assert_eq!(added.added, n);
    (t, g, ms, outsider)
}

fn input(groups: &[GroupId], at_ms: Vec<i64>, total: i64, count: i64) -> RedEnvelopePlanInput {
    let sends = (groups.len() * at_ms.len()) as i64;
    RedEnvelopePlanInput {
        name: Some("晚八点红包雨".into()),
        group_ids: Some(groups.iter().map(|g| g.0).collect()),
        at_ms: Some(at_ms),
        total_fen: Some(total),
        count: Some(count),
        split: Some(Split::Random),
        budget_fen: Some(total * sends),
    }
}

fn first_send(p: &RedEnvelopePlanDetail) -> i64 {
    p.sends[0].red_envelope_send_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_members_racing_for_ten_shares_get_exactly_ten_once_each() {
    for tdb in TestDb::all().await {
        let db = tdb.db.clone();
        let (t, g, ms, _) = community(&db, "rush", 100).await;
        let p = red_envelopes::create(&db, t, input(&[g], vec![now_ms() - 1000], 888, 10))
            .await
            .unwrap();
        let send = first_send(&p);
        let db = Arc::new(db);
        let mut tasks = Vec::new();
        // Every member taps; the first twenty tap twice at once.
        for (i, m) in ms.iter().copied().enumerate() {
            for _ in 0..(if i < 20 { 2 } else { 1 }) {
                let db = db.clone();
                tasks.push(tokio::spawn(
                    async move { (m, claim(&db, t, send, m).await) },
                ));
            }
        }
        let (mut got, mut again, mut gone) = (Vec::new(), 0, 0);
        for task in tasks {
            match task.await.unwrap() {
                (m, Ok(Claimed::Got(s))) => got.push((m, s.amount_fen)),
                (_, Ok(Claimed::Again(_))) => again += 1,
                (_, Ok(Claimed::Refused(ClaimRefusal::AllClaimed))) => gone += 1,
                (_, other) => panic!("{other:?} on {}", db.backend()),
            }
        }
        let winners: HashSet<MemberId> = got.iter().map(|(m, _)| *m).collect();
        assert_eq!((got.len(), winners.len()), (10, 10), "{}", db.backend());
        assert_eq!(got.iter().map(|(_, f)| f).sum::<i64>(), 888);
        assert_eq!(again + gone, 120 - 10, "{}", db.backend());
        let record = red_envelopes::get(&db, t, p.plan.red_envelope_plan_id)
            .await
            .unwrap();
        let s = &record.sends[0];
        assert_eq!((s.claimed, s.claimed_fen), (10, 888));
        assert_eq!(s.status, SendStatus::AllClaimed);
        let claimers: HashSet<_> = s.shares.iter().filter_map(|x| x.member_id).collect();
        assert_eq!(claimers, winners);
        assert_eq!(s.shares.iter().filter(|x| x.best_luck).count(), 1);
        assert_eq!(
            (record.plan.claimed_shares, record.plan.claimed_fen),
            (10, 888)
        );
        // A winner opening it again sees their share; a late member is told it is gone.
        let (w, fen) = got[0];
        match claim(&db, t, send, w).await.unwrap() {
            Claimed::Again(s) => assert_eq!(s.amount_fen, fen),
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn every_send_splits_its_total_into_shares_of_a_fen_or_more_under_twice_the_mean_left() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let (t, g1, _, _) = community(db, "split", 2).await;
        let g2 = groups::create(
            db,
            t,
            GroupInput {
                name: Some("二群".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .group_id;
        let at = now_ms() + 3_600_000;
        let p = red_envelopes::create(
            db,
            t,
            input(&[g1, g2], vec![at, at + 86_400_000], 20_000, 37),
        )
        .await
        .unwrap();
        assert_eq!(p.sends.len(), 4);
        assert_eq!(p.plan.cost_fen, 80_000);
        assert!(p.plan.cost_fen <= p.plan.budget_fen);
        let seeds: HashSet<&str> = p.sends.iter().map(|s| s.seed.as_str()).collect();
        assert_eq!(seeds.len(), 4, "a seed drawn per send");
        for s in &p.sends {
            assert_eq!(s.status, SendStatus::Scheduled);
            let amounts: Vec<i64> = s.shares.iter().map(|x| x.amount_fen).collect();
            assert_eq!(amounts.len(), 37);
            assert_eq!(amounts.iter().sum::<i64>(), 20_000);
            let mut left = 20_000;
            for (i, &a) in amounts.iter().enumerate() {
                let r = 37 - i as i64;
                assert!(a >= 1 && a * r <= 2 * left, "share {i}: {a} of {left}");
                left -= a;
            }
            let seed = u64::from_str_radix(&s.seed, 16).unwrap();
            assert_eq!(amounts, split(20_000, 37, Split::Random, seed), "recorded");
        }
        // The budget covers every send, or the plan is refused naming it; so is a foreign
        // group or a plan too big to write.
        let short = RedEnvelopePlanInput {
            budget_fen: Some(79_999),
            ..input(&[g1, g2], vec![at, at + 1], 20_000, 37)
        };
        let other = access::create_tenant(db, "other", "other").await.unwrap();
        let foreign = groups::create(
            db,
            other.tenant_id,
            GroupInput {
                name: Some("别家群".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .group_id;
        let huge = input(&[g1, g2], (0..100).map(|i| at + i).collect(), 500, 500);
        for (bad, field) in [
            (short, "budget_fen"),
            (input(&[g1, foreign], vec![at], 100, 2), "group_ids"),
            (huge, "count"),
        ] {
            match red_envelopes::create(db, t, bad).await {
                Err(CoreError::Invalid(e)) => assert_eq!(e.0[0].field, field, "{e:?}"),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(red_envelopes::list(db, t).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn a_member_outside_the_group_or_before_the_time_takes_nothing() {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let (t, g, ms, outsider) = community(db, "gate", 3).await;
        let now = now_ms();
        let p = red_envelopes::create(
            db,
            t,
            input(&[g], vec![now - 1000, now + 3_600_000], 300, 3),
        )
        .await
        .unwrap();
        let (open, later) = (
            p.sends[0].red_envelope_send_id,
            p.sends[1].red_envelope_send_id,
        );
        let refused = |c: Claimed| match c {
            Claimed::Refused(r) => r,
            other => panic!("{other:?}"),
        };
        let c = claim(db, t, open, outsider).await.unwrap();
        assert_eq!(refused(c), ClaimRefusal::NotInGroup);
        let c = claim(db, t, later, ms[0]).await.unwrap();
        assert_eq!(refused(c), ClaimRefusal::NotOpen);
        // Who left the group before claiming is outside it.
        groups::remove_member(db, t, g, ms[1]).await.unwrap();
        let c = claim(db, t, open, ms[1]).await.unwrap();
        assert_eq!(refused(c), ClaimRefusal::NotInGroup);
        assert!(matches!(
            claim(db, t, open, ms[0]).await.unwrap(),
            Claimed::Got(_)
        ));
        // The outsider sees the envelope but not who claimed it; a claimer sees the claims.
        let seen = red_envelopes::opened(db, t, open, Some(outsider))
            .await
            .unwrap();
        assert_eq!((seen.in_group, seen.send.shares.len()), (Some(false), 0));
        let seen = red_envelopes::opened(db, t, open, Some(ms[0]))
            .await
            .unwrap();
        assert_eq!(seen.send.shares.len(), 1);
        assert_eq!(seen.mine.unwrap().member_name.as_deref(), Some("群友0"));
        let record = red_envelopes::get(db, t, p.plan.red_envelope_plan_id)
            .await
            .unwrap();
        assert_eq!(record.sends[0].claimed, 1);
        assert!(matches!(
            claim(db, t, 999_999, ms[0]).await,
            Err(CoreError::NotFound(_))
        ));
    }
}

fn csv_lines(bytes: &[u8]) -> Vec<String> {
    String::from_utf8(bytes.to_vec())
        .unwrap()
        .trim_start_matches('\u{feff}')
        .lines()
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn the_payment_tools_file_pays_each_claimed_share_once() {
    for tdb in TestDb::all().await {
        let db = tdb.db.clone();
        let (t, g, ms, _) = community(&db, "pay", 3).await;
        let p = red_envelopes::create(&db, t, input(&[g], vec![now_ms() - 1000], 500, 5))
            .await
            .unwrap();
        let id = p.plan.red_envelope_plan_id;
        let send = first_send(&p);
        let mut claimed = Vec::new();
        for m in &ms {
            match claim(&db, t, send, *m).await.unwrap() {
                Claimed::Got(s) => claimed.push(s.red_envelope_share_id),
                other => panic!("{other:?}"),
            }
        }
        let csv = csv_lines(&payout::payouts_csv(&db, t, id).await.unwrap());
        assert_eq!(
            csv[0],
            "share_id,member_id,name,phone,unionid,amount_yuan,remark"
        );
        assert_eq!(csv.len(), 4, "{csv:?}");
        assert!(csv[1].starts_with(&format!("{},{},群友0,13800130000,,", claimed[0], ms[0].0)));
        let unclaimed = p.sends[0].shares[4].red_envelope_share_id;
        let file = format!(
            "share_id,status,transaction_id\n{a},SUCCESS,wx-1\n{b},failed,\n{a},success,wx-1\n{u},paid,\n424242,paid,\nabc,paid,\n",
            a = claimed[0],
            b = claimed[1],
            u = unclaimed,
        );
        // Sent twice at once: each share is paid once.
        let (r1, r2) = tokio::join!(
            payout::mark_paid(&db, t, id, &file),
            payout::mark_paid(&db, t, id, &file)
        );
        let (r1, r2) = (r1.unwrap(), r2.unwrap());
        assert_eq!(r1.paid + r2.paid, 1, "{r1:?} {r2:?}");
        let first = if r1.paid == 1 { &r1 } else { &r2 };
        let reasons: Vec<_> = first.lines.iter().map(|l| l.reason.as_deref()).collect();
        assert_eq!(
            reasons,
            [
                None,
                Some("status is \"failed\", not paid or success"),
                Some("paid already"),
                Some("not claimed"),
                Some("not a share of this plan"),
                Some("share_id is not a share's id"),
            ]
        );
        assert_eq!((first.skipped, first.lines[0].line), (5, 2));
        let again = payout::mark_paid(&db, t, id, &file).await.unwrap();
        assert_eq!((again.paid, again.skipped), (0, 6));
        // The paid share leaves the instruction file; the record shows it paid.
        let csv = csv_lines(&payout::payouts_csv(&db, t, id).await.unwrap());
        assert_eq!(csv.len(), 3);
        assert!(
            !csv.iter()
                .any(|l| l.starts_with(&format!("{},", claimed[0])))
        );
        let record = red_envelopes::get(&db, t, id).await.unwrap();
        let paid = &record.sends[0].shares[0];
        assert_eq!(paid.red_envelope_share_id, claimed[0]);
        assert!(paid.paid_at_ms.is_some());
        assert_eq!(paid.payment_ref.as_deref(), Some("wx-1"));
        assert_eq!(record.plan.paid_shares, 1);
        assert_eq!(record.plan.paid_fen, paid.amount_fen);
        match payout::mark_paid(&db, t, id, "id,state\n1,paid\n").await {
            Err(CoreError::Invalid(e)) => assert_eq!(e.0[0].field, "body"),
            other => panic!("{other:?}"),
        }
    }
}
