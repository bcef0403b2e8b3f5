//! Money kernels never wrap: amounts at the domain bound sum exactly, and amounts no valid
//! event can carry (rows stored before the bound) saturate instead of turning negative.

use quanzi_domain::money::MAX_AMOUNT_FEN;

use super::{Scope, commerce, retention};
use crate::index::{EventIndex, IndexRow};

const DAY: i64 = 20_000;

/// `n` orders of `amount` fen by member 1 in group 1 on one day, after a join.
fn orders(n: i64, amount: i64) -> EventIndex {
    let mut ix = EventIndex::new(0);
    let at = |s: i64| (DAY * 86_400 + s) * 1000;
    ix.push(&IndexRow {
        event_id: 1,
        member_id: 1,
        group_id: Some(1),
        kind: "join",
        occurred_at_ms: at(0),
        amount_fen: 0,
        product: None,
    });
    for i in 0..n {
        ix.push(&IndexRow {
            event_id: i + 2,
            member_id: 1,
            group_id: Some(1),
            kind: "order",
            occurred_at_ms: at(1 + i % 80_000),
            amount_fen: amount,
            product: Some("p"),
        });
    }
    ix.compact();
    ix
}

#[test]
fn many_orders_at_the_bound_sum_exactly() {
    let n = 50_000;
    let ix = orders(n, MAX_AMOUNT_FEN);
    let scope = Scope::days(DAY as i32..DAY as i32 + 1);
    let want = n * MAX_AMOUNT_FEN;
    assert_eq!(commerce::sales(&ix, &scope, 2).total.gmv_fen, want);
    assert_eq!(commerce::daily(&ix, &scope).gmv_fen, vec![want]);
    assert_eq!(commerce::products(&ix, &scope, 2)[0].revenue_fen, want);
}

#[test]
fn sums_beyond_64_bits_saturate_instead_of_wrapping() {
    let ix = orders(4, i64::MAX / 2);
    let scope = Scope::days(DAY as i32..DAY as i32 + 1);
    let sales = commerce::sales(&ix, &scope, 2);
    assert_eq!(sales.total.gmv_fen, i64::MAX);
    assert_eq!(sales.groups[0].gmv_fen, i64::MAX);
    assert_eq!(commerce::daily(&ix, &scope).gmv_fen, vec![i64::MAX]);
    let ranked = commerce::products(&ix, &scope, 2);
    assert_eq!(ranked[0].revenue_fen, i64::MAX);
    let conc = commerce::concentration(&ranked, &[1.0]);
    assert!((conc[0].share - 1.0).abs() < 1e-9);
    let ltv = retention::lifetime_value(&ix, &scope, DAY * 86_400, 86_400, 2);
    assert!(ltv.gmv_fen.iter().all(|&g| g >= 0));
    assert!(ltv.gmv_fen.contains(&i64::MAX));
}
