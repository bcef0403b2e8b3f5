//! The product kernel's buyer counts equal a plain count over the same orders: distinct
//! members per product and those who bought it twice or more, whole range or narrowed to
//! groups and days, on one thread and split across two (the split is by member, so the
//! kernel's "last buyer" per product never sees a member twice in two parts).

#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::{BTreeMap, HashMap};

use quanzi_analytics::index::{EventIndex, IndexRow};
use quanzi_analytics::kpi::commerce;
use quanzi_analytics::{KindMask, Scope};

const DAY: i64 = 20_000;

/// A small deterministic generator (xorshift), so the test needs no random crate.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// One order: member, group, product, day offset, amount.
type Order = (i64, i64, u64, i64, i64);
/// Which orders a scope keeps, said plainly.
type Keep = Box<dyn Fn(&Order) -> bool>;

fn orders(n: usize, seed: u64) -> Vec<Order> {
    let mut r = Rng(seed);
    (0..n)
        .map(|_| {
            let member = r.below(6_000) as i64 + 1;
            let group = r.below(5) as i64 + 1;
            // A skewed catalogue: a few products bought by many, most rarely.
            let spread = 1 + r.below(400);
            let product = r.below(spread);
            (
                member,
                group,
                product,
                r.below(30) as i64,
                r.below(50_000) as i64 + 1,
            )
        })
        .collect()
}

fn index(orders: &[Order]) -> EventIndex {
    let mut ix = EventIndex::new(0);
    for (i, &(member, group, product, day, amount)) in orders.iter().enumerate() {
        let name = format!("p{product}");
        ix.push(&IndexRow {
            event_id: i as i64 + 1,
            member_id: member,
            group_id: Some(group),
            kind: "order",
            occurred_at_ms: ((DAY + day) * 86_400 + (i as i64 % 80_000)) * 1000,
            amount_fen: amount,
            product: Some(&name),
        });
    }
    ix.compact();
    ix
}

/// (revenue, orders, buyers, repeat buyers) per product name, counted plainly.
fn plain(
    orders: &[Order],
    keep: impl Fn(&Order) -> bool,
) -> BTreeMap<String, (i64, u32, u32, u32)> {
    let mut per: HashMap<(u64, i64), u32> = HashMap::new();
    let mut out: BTreeMap<String, (i64, u32, u32, u32)> = BTreeMap::new();
    for o in orders.iter().filter(|o| keep(o)) {
        let e = out.entry(format!("p{}", o.2)).or_default();
        e.0 += o.4;
        e.1 += 1;
        *per.entry((o.2, o.0)).or_default() += 1;
    }
    for ((product, _), n) in per {
        let e = out.entry(format!("p{product}")).or_default();
        e.2 += 1;
        e.3 += u32::from(n >= 2);
    }
    out
}

fn kernel(
    ix: &EventIndex,
    scope: &Scope,
    threads: usize,
) -> BTreeMap<String, (i64, u32, u32, u32)> {
    commerce::products(ix, scope, threads)
        .into_iter()
        .map(|p| {
            let name = ix.products.id(p.product).cloned().unwrap_or_default();
            (name, (p.revenue_fen, p.orders, p.buyers, p.repeat_buyers))
        })
        .collect()
}

#[test]
fn buyers_and_repeat_buyers_per_product_equal_a_plain_count() {
    // Over 200,000 orders, so two threads really split the members.
    let all = orders(240_000, 0x9e37_79b9_7f4a_7c15);
    let ix = index(&all);
    let whole = Scope {
        active_kinds: KindMask::ALL,
        ..Scope::days(DAY as i32..DAY as i32 + 30)
    };
    let narrow = Scope::days(DAY as i32 + 5..DAY as i32 + 20).with_groups(&ix, &[2, 4]);
    let cases: [(&Scope, Keep); 2] = [
        (&whole, Box::new(|_| true)),
        (
            &narrow,
            Box::new(|o| (5..20).contains(&o.3) && (o.1 == 2 || o.1 == 4)),
        ),
    ];
    for (scope, keep) in cases {
        let want = plain(&all, keep);
        assert!(
            want.values().any(|v| v.3 > 0),
            "some products have repeat buyers"
        );
        for threads in [1, 2] {
            assert_eq!(kernel(&ix, scope, threads), want, "{threads} threads");
        }
    }
}
