//! Repurchase classes come from each product's own interval between one member's purchases,
//! against the shop's typical interval: on a grocer's catalogue over 30 days, the staples
//! (eggs every 3 days, milk every 4, vegetables every 6) come out high, and the gift box,
//! the cookware and the mooncakes low, though few members buy anything twice in the range.

#![allow(clippy::unwrap_used, missing_docs)]

use quanzi_analytics::Scope;
use quanzi_analytics::index::{EventIndex, IndexRow};
use quanzi_analytics::kpi::commerce::{self, RepurchaseClass};

const DAY: i64 = 20_000;

/// `buyers` members (from `first`) each buying `product` every `every` days from day
/// `start`, `times` times.
fn buy(
    rows: &mut Vec<(i64, &'static str, i64)>,
    product: &'static str,
    first: i64,
    buyers: i64,
    start: i64,
    every: i64,
    times: i64,
) {
    for m in first..first + buyers {
        for k in 0..times {
            rows.push((m, product, start + (m % 3) + k * every));
        }
    }
}

#[test]
fn staples_are_high_and_occasional_buys_low() {
    let mut rows = Vec::new();
    buy(&mut rows, "eggs", 1, 40, 0, 3, 8);
    buy(&mut rows, "milk", 100, 30, 0, 4, 6);
    buy(&mut rows, "vegetables", 200, 25, 0, 6, 4);
    buy(&mut rows, "coffee", 300, 20, 0, 10, 3);
    // Bought once by most, again weeks later by a few.
    buy(&mut rows, "gift_box", 400, 60, 0, 25, 1);
    buy(&mut rows, "gift_box", 400, 6, 26, 1, 1);
    buy(&mut rows, "cookware", 500, 30, 1, 20, 1);
    buy(&mut rows, "cookware", 500, 4, 22, 1, 1);
    buy(&mut rows, "mooncakes", 600, 50, 2, 30, 1);
    let mut ix = EventIndex::new(0);
    for (i, (m, product, day)) in rows.iter().enumerate() {
        ix.push(&IndexRow {
            event_id: i as i64 + 1,
            member_id: *m,
            group_id: Some(1),
            kind: "order",
            occurred_at_ms: (DAY + day) * 86_400_000 + i as i64,
            amount_fen: 990,
            product: Some(product),
        });
    }
    ix.compact();
    let ranked = commerce::products(&ix, &Scope::days((DAY as i32)..(DAY as i32 + 30)), 2);
    let typical = commerce::typical_interval(&ranked);
    let class = |name: &str| {
        let p = ranked
            .iter()
            .find(|p| ix.products.id(p.product).map(String::as_str) == Some(name))
            .unwrap();
        (RepurchaseClass::of(p, typical), p.median_interval_days)
    };
    assert_eq!(class("eggs"), (RepurchaseClass::High, Some(3)));
    assert_eq!(class("milk"), (RepurchaseClass::High, Some(4)));
    assert_eq!(
        class("vegetables").0,
        RepurchaseClass::High,
        "typical {typical:?}"
    );
    for occasional in ["gift_box", "cookware", "mooncakes"] {
        assert_eq!(class(occasional).0, RepurchaseClass::Low, "{occasional}");
    }
    // The old rule (a quarter of buyers buying twice) would have called the gift box, bought
    // twice by 6 of 60, low too, but also coffee (3 times each) high: the interval tells the
    // staples from the rest.
    assert!(typical.is_some());
}

#[test]
fn a_product_with_few_buyers_is_unknown_and_without_repurchases_low() {
    let mut ix = EventIndex::new(0);
    for (i, m) in (1..=8).enumerate() {
        ix.push(&IndexRow {
            event_id: i as i64 + 1,
            member_id: m,
            group_id: Some(1),
            kind: "order",
            occurred_at_ms: (DAY + i as i64) * 86_400_000,
            amount_fen: 100,
            product: Some(if m <= 3 { "rare" } else { "once" }),
        });
    }
    ix.compact();
    let ranked = commerce::products(&ix, &Scope::days((DAY as i32)..(DAY as i32 + 30)), 1);
    let typical = commerce::typical_interval(&ranked);
    assert_eq!(typical, None);
    for p in &ranked {
        let name = ix.products.id(p.product).unwrap().as_str();
        let want = if name == "rare" {
            RepurchaseClass::Unknown
        } else {
            RepurchaseClass::Low
        };
        assert_eq!(RepurchaseClass::of(p, typical), want, "{name}");
    }
}
