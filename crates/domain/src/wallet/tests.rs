use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;

/// 充100送20, 充300送80.
fn tiers() -> Vec<TopUpTier> {
    TopUpPlanInput {
        tiers: Some(vec![
            TopUpTierInput {
                min_top_up_fen: Some(30_000),
                bonus_fen: Some(8_000),
            },
            TopUpTierInput {
                min_top_up_fen: Some(10_000),
                bonus_fen: Some(2_000),
            },
        ]),
        bonus_valid_days: None,
    }
    .into_new()
    .unwrap()
    .tiers
}

fn sum(postings: &[Posting]) -> i64 {
    postings.iter().map(|p| p.amount_fen).sum()
}

#[test]
fn a_top_up_earns_the_best_bonus_it_reaches() {
    let t = tiers();
    assert_eq!(t[0].min_top_up_fen, 10_000);
    assert_eq!(bonus_for(&t, 9_999), 0);
    assert_eq!(bonus_for(&t, 10_000), 2_000);
    assert_eq!(bonus_for(&t, 29_999), 2_000);
    assert_eq!(bonus_for(&t, 50_000), 8_000);
    let p = plan(
        &WalletRequest::TopUp { amount_fen: 10_000 },
        Balance::default(),
        &t,
    )
    .unwrap();
    assert_eq!(sum(&p), 0);
    assert_eq!(
        Balance::default().apply(&p),
        Balance {
            principal_fen: 10_000,
            bonus_fen: 2_000
        }
    );
    assert!(p.contains(&Posting {
        account: Account::Cash,
        amount_fen: -10_000
    }));
}

#[test]
fn a_spend_takes_principal_and_bonus_in_proportion_and_a_refund_gives_back_the_same() {
    let b = Balance {
        principal_fen: 10_000,
        bonus_fen: 2_000,
    };
    let spend = plan(&WalletRequest::Spend { amount_fen: 6_001 }, b, &[]).unwrap();
    // 6001 × 2000 / 12000 = 1000.16…, rounded down for the bonus.
    assert_eq!(
        b.apply(&spend),
        Balance {
            principal_fen: 4_999,
            bonus_fen: 1_000
        }
    );
    let after = b.apply(&spend);
    let refund = plan(
        &WalletRequest::Refund {
            spend: spend.clone(),
        },
        after,
        &[],
    )
    .unwrap();
    assert_eq!(after.apply(&refund), b);
    assert_eq!(
        plan(&WalletRequest::Spend { amount_fen: 12_001 }, b, &[]),
        Err(WalletRefusal::Insufficient)
    );
    assert_eq!(
        plan(&WalletRequest::Spend { amount_fen: 0 }, b, &[]),
        Err(WalletRefusal::BadAmount)
    );
    let forged = vec![Posting {
        account: Account::Principal,
        amount_fen: -500,
    }];
    assert_eq!(
        plan(&WalletRequest::Refund { spend: forged }, b, &[]),
        Err(WalletRefusal::NotASpend)
    );
}

#[test]
fn expiry_takes_no_more_than_the_bonus_left() {
    let b = Balance {
        principal_fen: 500,
        bonus_fen: 300,
    };
    let p = plan(&WalletRequest::Expire { amount_fen: 1_000 }, b, &[]).unwrap();
    assert_eq!(
        b.apply(&p),
        Balance {
            principal_fen: 500,
            bonus_fen: 0
        }
    );
    let none = Balance { bonus_fen: 0, ..b };
    assert_eq!(
        plan(&WalletRequest::Expire { amount_fen: 1 }, none, &[]),
        Ok(vec![])
    );
}

#[test]
fn bad_top_up_plans_name_their_fields() {
    let p = TopUpPlanInput {
        tiers: Some(vec![
            TopUpTierInput {
                min_top_up_fen: Some(10_000),
                bonus_fen: Some(10_001),
            },
            TopUpTierInput {
                min_top_up_fen: Some(10_000),
                bonus_fen: Some(100),
            },
            TopUpTierInput::default(),
        ]),
        bonus_valid_days: Some(0),
    };
    let e = p.into_new().err().unwrap_or_default();
    let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "tiers[0].bonus_fen",
            "tiers[1].min_top_up_fen",
            "tiers[2].min_top_up_fen",
            "tiers[2].bonus_fen",
            "bonus_valid_days"
        ]
    );
}

fn offer() -> OfferInput {
    OfferInput {
        name: Some("满100送饮料".into()),
        kind: Some(OfferKind::SpendGet),
        threshold_fen: Some(10_000),
        gift_name: Some("饮料".into()),
        valid_from_ms: Some(1_000),
        valid_until_ms: Some(2_000),
        ..Default::default()
    }
}

#[test]
fn an_offer_applies_inside_its_window_at_or_above_its_threshold() {
    let o = offer().into_new().unwrap();
    assert_eq!(o.reward, OfferReward::Gift("饮料".into()));
    assert!(applies(&o, 10_000, 1_000));
    assert!(!applies(&o, 9_999, 1_500));
    assert!(!applies(&o, 20_000, 999));
    assert!(!applies(&o, 20_000, 2_000));
    assert!(may_take(&o, 5, 0));
    assert!(!may_take(&o, 5, 1));
    let limited = NewOffer {
        stock: Some(5),
        ..o
    };
    assert!(!may_take(&limited, 5, 0));
}

#[test]
fn bad_offers_name_their_fields() {
    let o = OfferInput {
        kind: None,
        threshold_fen: Some(1_000),
        discount_fen: Some(1_001),
        gift_name: None,
        valid_until_ms: Some(1_000),
        per_member: Some(0),
        ..offer()
    };
    let e = o.into_new().err().unwrap_or_default();
    let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        ["kind", "discount_fen", "valid_until_ms", "per_member"]
    );
    let both = OfferInput {
        discount_fen: Some(100),
        ..offer()
    };
    let e = both.into_new().err().unwrap_or_default();
    assert_eq!(e.0[0].reason, "set discount_fen or gift_name, not both");
    let free = OfferInput {
        kind: Some(OfferKind::SpendGet),
        threshold_fen: Some(0),
        ..offer()
    };
    assert_eq!(
        free.into_new().err().unwrap_or_default().0[0].field,
        "threshold_fen"
    );
}

#[derive(Debug, Clone)]
enum Req {
    TopUp(i64),
    Spend(i64),
    /// Refund one of the spends not refunded yet.
    Refund(prop::sample::Index),
    Expire(i64),
}

fn req() -> impl Strategy<Value = Req> {
    prop_oneof![
        (1i64..50_000).prop_map(Req::TopUp),
        (1i64..30_000).prop_map(Req::Spend),
        any::<prop::sample::Index>().prop_map(Req::Refund),
        (1i64..5_000).prop_map(Req::Expire),
    ]
}

proptest! {
    /// Any sequence of top-ups, spends, refunds (each spend at most once) and expiries: every
    /// plan sums to zero, principal and bonus never go negative, all postings ever made sum to
    /// zero, and the balance is always the fold of the postings from an empty wallet.
    #[test]
    fn the_ledger_balances_and_no_member_account_goes_negative(
        reqs in proptest::collection::vec(req(), 0..80),
    ) {
        let t = tiers();
        let mut balance = Balance::default();
        let mut all: Vec<Posting> = Vec::new();
        let mut spends: Vec<Vec<Posting>> = Vec::new();
        for r in reqs {
            let request = match r {
                Req::TopUp(a) => WalletRequest::TopUp { amount_fen: a },
                Req::Spend(a) => WalletRequest::Spend { amount_fen: a },
                Req::Refund(i) if !spends.is_empty() => {
                    WalletRequest::Refund { spend: spends.swap_remove(i.index(spends.len())) }
                }
                Req::Refund(_) => continue,
                Req::Expire(a) => WalletRequest::Expire { amount_fen: a },
            };
            match plan(&request, balance, &t) {
                Ok(p) => {
                    prop_assert_eq!(sum(&p), 0);
                    if request.op() == WalletOp::Spend {
                        spends.push(p.clone());
                    }
                    balance = balance.apply(&p);
                    all.extend(p);
                }
                Err(WalletRefusal::Insufficient) => {
                    prop_assert_eq!(request.op(), WalletOp::Spend);
                }
                Err(other) => prop_assert!(false, "refused: {:?}", other),
            }
            prop_assert!(balance.principal_fen >= 0 && balance.bonus_fen >= 0);
            prop_assert_eq!(sum(&all), 0);
            prop_assert_eq!(Balance::default().apply(&all), balance);
            let mut by_account: BTreeMap<Account, i64> = BTreeMap::new();
            for p in &all {
                *by_account.entry(p.account).or_default() += p.amount_fen;
            }
            prop_assert!(by_account.values().sum::<i64>() == 0);
            prop_assert_eq!(by_account.get(&Account::Principal).copied().unwrap_or(0), balance.principal_fen);
        }
    }
}
