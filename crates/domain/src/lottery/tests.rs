use proptest::prelude::*;

use super::*;
use crate::{LotteryId, MemberId};

/// The seed of `docs/verifiable-draw.md`: the bytes 0x00, 0x01, … 0x1f in hex.
const DOC_SEED: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
/// Its commitment, computed with `python3 -c "import hashlib; print(hashlib.sha256(b'0001…1f')
/// .hexdigest())"`, not with this crate.
const DOC_COMMITMENT: &str = "6c86c6aac5fb24bcf5d9939cb7d7d5645ce39418f449e03b262dd4fa14b4b92b";
const DOC_LOTTERY: LotteryId = LotteryId(7);

fn tier_input(name: &str, cost: i64, stock: i64, odds: Option<i64>) -> PrizeTierInput {
    PrizeTierInput {
        name: Some(name.into()),
        cost_fen: Some(cost),
        stock: Some(stock),
        odds_ppm: odds,
        ..Default::default()
    }
}

/// The lottery of `docs/verifiable-draw.md`.
fn doc_lottery() -> NewLottery {
    LotteryInput {
        name: Some("开业抽奖".into()),
        tiers: Some(vec![
            tier_input("一等奖", 5000, 1, Some(100_000)),
            tier_input("二等奖", 1000, 1, Some(200_000)),
            PrizeTierInput {
                everyone_wins: Some(true),
                upgrade_to: Some(0),
                upgrade_price_fen: Some(6000),
                ..tier_input("三等奖", 200, 3, None)
            },
        ]),
        draws_per_member: Some(2),
        wins_per_member: Some(1),
        budget_fen: Some(8000),
    }
    .into_new()
    .unwrap()
}

#[test]
fn the_worked_example_of_the_docs_recomputes_from_constants_alone() {
    assert_eq!(sha256_hex(DOC_SEED), DOC_COMMITMENT);
    let m = |id| MemberId(id);
    // Tickets computed independently with Python's hashlib.
    let tickets = [
        (m(1001), 1, 554_231),
        (m(1002), 1, 274_223),
        (m(1002), 2, 88_885),
        (m(1001), 2, 995_566),
        (m(1003), 1, 770_232),
        (m(1003), 2, 468_030),
    ];
    for (member, n, t) in tickets {
        assert_eq!(ticket(DOC_SEED, DOC_LOTTERY, member, n), t, "{member}:{n}");
    }

    let rules = doc_lottery();
    assert_eq!(rules.tiers[2].odds_ppm, 700_000);
    assert_eq!(rules.margin_fen(2), Some(1200));
    let mut s = LotteryState::new(rules.clone());
    let d = |s: &mut LotteryState, member, n| draw(s, DOC_LOTTERY, DOC_SEED, m(member), n);
    // 554231 lies past both ranges: the everyone-wins 三等奖.
    assert_eq!(d(&mut s, 1001, 1).tier(), Some(2));
    // 274223 is in 二等奖's [100000, 300000).
    assert_eq!(d(&mut s, 1002, 1).tier(), Some(1));
    // 88885 is in 一等奖's [0, 100000), but 1002 has had its one win: 三等奖.
    assert_eq!(d(&mut s, 1002, 2).tier(), Some(2));
    assert_eq!(d(&mut s, 1001, 2).tier(), Some(2));
    // 三等奖 is out of stock: nothing.
    assert_eq!(d(&mut s, 1003, 1), Outcome::Nothing { ticket: 770_232 });
    assert_eq!((s.stock.clone(), s.spent_fen), (vec![1, 0, 0], 1600));
    // 1001 pays ¥60 to turn a 三等奖 into the 一等奖: the 三等奖 goes back to stock.
    assert_eq!(upgrade(&mut s, 2), Ok(0));
    assert_eq!((s.stock.clone(), s.spent_fen), (vec![0, 0, 1], 6400));
    assert_eq!(d(&mut s, 1003, 2).tier(), Some(2));
    assert_eq!((s.stock.clone(), s.spent_fen), (vec![0, 0, 0], 6600));
    assert_eq!(d(&mut s, 1002, 3), Outcome::Refused(Refusal::NoDrawsLeft));

    let published: Vec<Step> = vec![
        (m(1001), 1, Some(2)).into(),
        (m(1002), 1, Some(1)).into(),
        (m(1002), 2, Some(2)).into(),
        (m(1001), 2, Some(2)).into(),
        (m(1003), 1, None).into(),
        Step::Upgrade { from: 2, to: 0 },
        (m(1003), 2, Some(2)).into(),
    ];
    assert_eq!(
        verify(&rules, DOC_LOTTERY, DOC_SEED, DOC_COMMITMENT, &published),
        Ok(())
    );
}

#[test]
fn draws_out_of_order_or_past_the_limit_or_with_a_bad_seed_are_refused() {
    let mut s = LotteryState::new(doc_lottery());
    let m = MemberId(1);
    let before = s.clone();
    assert_eq!(
        draw(&mut s, DOC_LOTTERY, DOC_SEED, m, 2),
        Outcome::Refused(Refusal::OutOfOrder)
    );
    assert_eq!(
        draw(&mut s, DOC_LOTTERY, &DOC_SEED.to_uppercase(), m, 1),
        Outcome::Refused(Refusal::BadSeed)
    );
    assert_eq!(
        draw(&mut s, DOC_LOTTERY, &DOC_SEED[1..], m, 1),
        Outcome::Refused(Refusal::BadSeed)
    );
    assert_eq!(s, before, "a refused draw changes nothing");
}

#[test]
fn an_upgrade_is_refused_without_a_prize_to_return_stock_or_budget() {
    let mut rules = doc_lottery();
    let mut s = LotteryState::new(rules.clone());
    assert_eq!(upgrade(&mut s, 2), Err(Refusal::NothingToUpgrade));
    assert_eq!(upgrade(&mut s, 0), Err(Refusal::NoUpgrade));
    assert_eq!(upgrade(&mut s, 9), Err(Refusal::UnknownTier));
    draw(&mut s, DOC_LOTTERY, DOC_SEED, MemberId(1001), 1);
    s.stock[0] = 0;
    assert_eq!(upgrade(&mut s, 2), Err(Refusal::NoStock));
    rules.budget_fen = 4999;
    let mut s = LotteryState::new(rules);
    draw(&mut s, DOC_LOTTERY, DOC_SEED, MemberId(1001), 1);
    assert_eq!(upgrade(&mut s, 2), Err(Refusal::OverBudget));
}

#[test]
fn verify_names_a_tampered_seed_and_the_first_wrong_outcome() {
    let rules = doc_lottery();
    let steps: Vec<Step> = vec![
        (MemberId(1001), 1, Some(2)).into(),
        (MemberId(1002), 1, Some(0)).into(),
    ];
    let mut other = DOC_SEED.to_string();
    other.replace_range(..1, "1");
    assert_eq!(
        verify(&rules, DOC_LOTTERY, &other, DOC_COMMITMENT, &steps),
        Err(VerifyError::Commitment)
    );
    assert_eq!(
        verify(&rules, DOC_LOTTERY, "nope", DOC_COMMITMENT, &steps),
        Err(VerifyError::BadSeed)
    );
    assert_eq!(
        verify(&rules, DOC_LOTTERY, DOC_SEED, DOC_COMMITMENT, &steps),
        Err(VerifyError::Mismatch {
            index: 1,
            claimed: Some(0),
            recomputed: Some(1)
        })
    );
    let twice: Vec<Step> = vec![(MemberId(1001), 1, Some(2)).into(); 2];
    assert!(matches!(
        verify(&rules, DOC_LOTTERY, DOC_SEED, DOC_COMMITMENT, &twice),
        Err(VerifyError::Refused {
            index: 1,
            refusal: Refusal::OutOfOrder
        })
    ));
}

#[test]
fn bad_lotteries_name_their_fields() {
    let input = LotteryInput {
        name: Some(" ".into()),
        tiers: Some(vec![
            tier_input("一等奖", 100, 1, Some(600_000)),
            PrizeTierInput {
                upgrade_to: Some(0),
                ..tier_input("一等奖", -1, 1, Some(600_000))
            },
            PrizeTierInput {
                everyone_wins: Some(true),
                upgrade_to: Some(3),
                upgrade_price_fen: Some(0),
                ..tier_input("三等奖", 10, -1, Some(5))
            },
            PrizeTierInput {
                everyone_wins: Some(true),
                ..tier_input("四等奖", 10, 1, None)
            },
        ]),
        draws_per_member: Some(0),
        wins_per_member: Some(101),
        budget_fen: None,
    };
    let e = input.into_new().err().unwrap_or_default();
    let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "name",
            "tiers[1].cost_fen",
            "tiers[2].stock",
            "tiers[2].odds_ppm",
            "tiers[1].name",
            "tiers[3].everyone_wins",
            "tiers",
            "tiers[1].upgrade_price_fen",
            "tiers[2].upgrade_price_fen",
            "tiers[2].upgrade_to",
            "draws_per_member",
            "wins_per_member",
            "budget_fen",
        ]
    );
    let none = LotteryInput {
        name: Some("x".into()),
        budget_fen: Some(0),
        ..Default::default()
    };
    let e = none.into_new().err().unwrap_or_default();
    assert_eq!(e.0[0].field, "tiers");
}

#[test]
fn an_upgrade_must_lead_to_a_dearer_tier_and_its_margin_may_be_negative() {
    let input = |to: usize, price: i64| LotteryInput {
        name: Some("x".into()),
        tiers: Some(vec![
            tier_input("一等奖", 5000, 1, Some(1)),
            PrizeTierInput {
                upgrade_to: Some(to),
                upgrade_price_fen: Some(price),
                ..tier_input("二等奖", 1000, 1, Some(1))
            },
        ]),
        budget_fen: Some(10_000),
        ..Default::default()
    };
    let e = input(1, 100).into_new().err().unwrap_or_default();
    assert_eq!(e.0[0].reason, "must name a tier that costs more");
    let cheap = input(0, 100).into_new().unwrap();
    assert_eq!(cheap.margin_fen(1), Some(100 - 4000));
    assert_eq!(cheap.margin_fen(0), None);
}

#[derive(Debug, Clone)]
enum Op {
    /// A member's draw: the next number, or one `skip` further on.
    Draw { member: i64, skip: u32 },
    /// An upgrade of a prize: of a tier that has an upgrade, if any, else of any number.
    Upgrade(prop::sample::Index),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0i64..4, prop_oneof![5 => Just(0u32), 1 => 1u32..3])
            .prop_map(|(member, skip)| Op::Draw { member, skip }),
        2 => any::<prop::sample::Index>().prop_map(Op::Upgrade),
    ]
}

prop_compose! {
    /// A valid lottery of 1 to 4 tiers, perhaps with an everyone-wins tier and upgrades.
    fn lottery()(
        tiers in proptest::collection::vec((0i64..600, 0i64..8, 0i64..=250_000), 1..=4),
        everyone in proptest::option::weighted(0.8, 0usize..4),
        upgrades in proptest::collection::vec(prop::bool::weighted(0.8), 4),
        prices in proptest::collection::vec(1i64..3000, 4),
        draws in 1i64..4,
        wins in 1i64..3,
        budget in 0i64..6000,
    ) -> NewLottery {
        let everyone = everyone.filter(|&k| k < tiers.len());
        let dearest = (0..tiers.len())
            .filter(|&k| Some(k) != everyone)
            .max_by_key(|&k| tiers[k].0);
        let inputs = tiers.iter().enumerate().map(|(k, &(cost, stock, odds))| {
            let ew = Some(k) == everyone;
            let to = dearest.filter(|&d| upgrades[k] && tiers[d].0 > cost);
            PrizeTierInput {
                name: Some(format!("tier {k}")),
                cost_fen: Some(cost),
                stock: Some(stock),
                odds_ppm: (!ew).then_some(odds),
                everyone_wins: Some(ew),
                upgrade_to: to,
                upgrade_price_fen: to.map(|_| prices[k]),
            }
        }).collect();
        LotteryInput {
            name: Some("prop".into()),
            tiers: Some(inputs),
            draws_per_member: Some(draws),
            wins_per_member: Some(wins),
            budget_fen: Some(budget),
        }.into_new().unwrap()
    }
}

proptest! {
    /// Whatever draws and upgrades come, in any order: no tier's stock goes below zero, the
    /// prizes held never cost more than the budget, no member draws or wins past the limits,
    /// and `verify` accepts the honest record but not a changed seed or a changed outcome.
    #[test]
    fn draws_and_upgrades_keep_stock_budget_and_limits_and_verify_replays_them(
        rules in lottery(),
        seed in proptest::array::uniform32(any::<u8>()),
        ops in proptest::collection::vec(op(), 0..60),
        tamper in any::<prop::sample::Index>(),
    ) {
        let seed = hex::encode(seed);
        let lottery = LotteryId(42);
        let mut s = LotteryState::new(rules.clone());
        let mut published = Vec::new();
        for o in ops {
            match o {
                Op::Draw { member, skip } => {
                    let m = MemberId(member);
                    let n = s.draws_of(m) + 1 + skip;
                    match draw(&mut s, lottery, &seed, m, n) {
                        Outcome::Refused(_) => {}
                        out => published.push(Step::Draw { member: m, draw_no: n, tier: out.tier() }),
                    }
                }
                Op::Upgrade(pick) => {
                    let upgradable: Vec<usize> = (0..rules.tiers.len())
                        .filter(|&k| rules.tiers[k].upgrade.is_some())
                        .collect();
                    let from = if upgradable.is_empty() {
                        pick.index(5)
                    } else {
                        upgradable[pick.index(upgradable.len())]
                    };
                    if let Ok(to) = upgrade(&mut s, from) {
                        published.push(Step::Upgrade { from, to });
                    }
                }
            }
            for (k, t) in rules.tiers.iter().enumerate() {
                prop_assert!(s.stock[k] >= 0);
                prop_assert_eq!(s.stock[k] + s.given[k], t.stock);
            }
            let cost: i64 = rules.tiers.iter().zip(&s.given).map(|(t, g)| t.cost_fen * g).sum();
            prop_assert_eq!(cost, s.spent_fen);
            prop_assert!(s.spent_fen <= rules.budget_fen);
            prop_assert!(s.draws.values().all(|&d| d <= rules.draws_per_member));
            prop_assert!(s.wins.values().all(|&w| w <= rules.wins_per_member));
        }
        let commitment = sha256_hex(&seed);
        prop_assert_eq!(verify(&rules, lottery, &seed, &commitment, &published), Ok(()));

        let mut other = seed.clone().into_bytes();
        other[0] = if other[0] == b'0' { b'1' } else { b'0' };
        let other = String::from_utf8(other).unwrap();
        prop_assert_eq!(
            verify(&rules, lottery, &other, &commitment, &published),
            Err(VerifyError::Commitment)
        );

        let draws: Vec<usize> = published.iter().enumerate()
            .filter(|(_, p)| matches!(p, Step::Draw { .. })).map(|(i, _)| i).collect();
        if !draws.is_empty() {
            let i = draws[tamper.index(draws.len())];
            let mut forged = published.clone();
            if let Step::Draw { tier, .. } = &mut forged[i] {
                *tier = match *tier { None => Some(0), Some(t) => Some(t + 1) };
            }
            let got = verify(&rules, lottery, &seed, &commitment, &forged);
            prop_assert!(matches!(got, Err(VerifyError::Mismatch { index, .. }) if index == i), "{:?}", got);
        }
    }
}

#[test]
fn odds_are_percentages_with_at_most_four_decimals_up_to_a_hundred() {
    assert_eq!(odds_from_percent("10"), Some(100_000));
    assert_eq!(odds_from_percent("0.5"), Some(5_000));
    assert_eq!(odds_from_percent("2.25%"), Some(22_500));
    assert_eq!(odds_from_percent("0.0001"), Some(1));
    assert_eq!(odds_from_percent(".5"), Some(5_000));
    assert_eq!(odds_from_percent("100"), Some(1_000_000));
    assert_eq!(odds_from_percent("0"), Some(0));
    for bad in [
        "abc", "100.01", "0.00001", "-1", "1e2", ".", "", "1,5", "5000",
    ] {
        assert_eq!(odds_from_percent(bad), None, "{bad}");
    }
}
