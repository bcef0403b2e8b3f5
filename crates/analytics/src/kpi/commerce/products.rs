//! Products: each one's sales, buyers and repurchase class ranked by revenue, and the share of
//! revenue the top products hold (the 2:80 of 店+社群).

use std::cmp::Reverse;

use quanzi_domain::money::sum_i128;

use crate::index::{EventIndex, NO_PRODUCT};
use crate::kpi::{Scope, par_members};

/// Sales of one product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProductSales {
    /// Dense product number.
    pub product: u32,
    /// Revenue, fen.
    pub revenue_fen: i64,
    /// Orders.
    pub orders: u32,
    /// Members who bought it.
    pub buyers: u32,
    /// Members who bought it at least twice.
    pub repeat_buyers: u32,
    /// The median number of days between one member's successive purchases of it (on
    /// different days), over the range; none when nobody bought it on two days.
    pub median_interval_days: Option<u32>,
    /// How many such intervals there were (repurchases on another day).
    pub intervals: u32,
}

/// How often a product is bought again, and what the articles advise for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepurchaseClass {
    /// Bought again within the shop's repurchase horizon: its median interval between one
    /// member's purchases is at most [`typical_interval`].
    High,
    /// Bought again later than the typical product, or hardly ever.
    Low,
    /// Too few buyers (under 5) to tell.
    Unknown,
}

/// Repurchases on another day a product needs before its interval is taken as its own.
pub const MIN_INTERVALS: u32 = 3;

/// The share of the shop's repurchases that [`typical_interval`] covers.
pub const TYPICAL_SHARE: f64 = 0.9;

/// The shop's repurchase horizon: the interval within which [`TYPICAL_SHARE`] of its
/// repurchases happen, taken over its products with at least [`MIN_INTERVALS`] repurchases,
/// each product's median interval weighted by its number of repurchases. Products whose own
/// median interval is within it are classed high: a grocer's eggs and milk (bought again
/// every few days, most of its repurchases) come out high, its gift boxes (bought again, if
/// ever, weeks later) low, whatever the length of the range.
pub fn typical_interval(ranked: &[ProductSales]) -> Option<u32> {
    let mut medians: Vec<(u32, u32)> = ranked
        .iter()
        .filter(|p| p.intervals >= MIN_INTERVALS)
        .filter_map(|p| Some((p.median_interval_days?, p.intervals)))
        .collect();
    medians.sort_unstable();
    let total: u64 = medians.iter().map(|m| u64::from(m.1)).sum();
    let mut seen = 0u64;
    medians.iter().find_map(|&(days, n)| {
        seen += u64::from(n);
        (seen as f64 >= TYPICAL_SHARE * total as f64).then_some(days)
    })
}

impl RepurchaseClass {
    /// The class of a product against the tenant's typical interval ([`typical_interval`]):
    /// high when it is bought again at least as soon, low when later or too rarely to have an
    /// interval of its own, unknown under 5 buyers.
    pub fn of(p: &ProductSales, typical: Option<u32>) -> RepurchaseClass {
        match (p.median_interval_days, typical) {
            _ if p.buyers < 5 => RepurchaseClass::Unknown,
            (Some(m), Some(t)) if p.intervals >= MIN_INTERVALS && m <= t => RepurchaseClass::High,
            _ => RepurchaseClass::Low,
        }
    }

    /// Stable code for the API.
    pub fn code(self) -> &'static str {
        match self {
            RepurchaseClass::High => "high",
            RepurchaseClass::Low => "low",
            RepurchaseClass::Unknown => "unknown",
        }
    }

    /// The strategy hint for the class, in English (the UI translates by code).
    pub fn hint(self) -> &'static str {
        match self {
            RepurchaseClass::High => {
                "High repurchase: keep these members in the group with stored value, member prices and regular restock reminders; the group itself is the sales channel."
            }
            RepurchaseClass::Low => {
                "Low repurchase: use it to attract new people (a lead gift or a group-buy), sell the experience before the product, and move buyers on to high-repurchase items."
            }
            RepurchaseClass::Unknown => "Too few buyers yet to tell how often it is bought again.",
        }
    }
}

/// Revenue per product over the scope, largest first (ties by product id, numbers in numeric
/// order); with the whole range this ranks like the benchmark's query (f).
pub fn products(ix: &EventIndex, scope: &Scope, threads: usize) -> Vec<ProductSales> {
    let days = scope.index_days();
    let np = ix.products.len();
    let o = &ix.ord;
    let parts = par_members(&ix.ord_starts, threads, |ms| {
        let mut rows: Vec<ProductSales> = (0..np as u32)
            .map(|product| ProductSales {
                product,
                ..ProductSales::default()
            })
            .collect();
        // Per product: the last member seen buying it in this part, how many times, and the
        // day of that purchase. A member's orders are contiguous and in time order, so a
        // product's buyer changes exactly when a new member buys it: distinct buyers, repeat
        // buyers and the intervals between one member's purchases without a per-member set.
        let mut last: Vec<(u32, u32, i32)> = vec![(u32::MAX, 0, 0); np];
        let mut gaps: Vec<Vec<u32>> = vec![Vec::new(); np];
        let (day, product, refund, group, amount) =
            (&o.day, &o.product, &o.refund, &o.group, &o.amount);
        for m in ms {
            if !scope.keeps_member(m as u32) {
                continue;
            }
            let m32 = m as u32;
            for i in ix.ord_starts[m] as usize..ix.ord_starts[m + 1] as usize {
                let d = i32::from(day[i]);
                let p = product[i];
                if refund[i]
                    || p == NO_PRODUCT
                    || d < days.start
                    || d >= days.end
                    || !scope.keeps_group(group[i])
                {
                    continue;
                }
                let r = &mut rows[p as usize];
                r.revenue_fen = r.revenue_fen.saturating_add(amount[i]);
                r.orders += 1;
                let seen = &mut last[p as usize];
                if seen.0 == m32 {
                    seen.1 += 1;
                    r.repeat_buyers += u32::from(seen.1 == 2);
                    if d > seen.2 {
                        gaps[p as usize].push((d - seen.2) as u32);
                    }
                    seen.2 = d;
                } else {
                    *seen = (m32, 1, d);
                    r.buyers += 1;
                }
            }
        }
        (rows, gaps)
    });
    let mut it = parts.into_iter();
    let (mut rows, mut gaps) = it.next().unwrap_or_default();
    for (part, part_gaps) in it {
        for (a, b) in rows.iter_mut().zip(part) {
            a.revenue_fen = a.revenue_fen.saturating_add(b.revenue_fen);
            a.orders += b.orders;
            a.buyers += b.buyers;
            a.repeat_buyers += b.repeat_buyers;
        }
        for (a, b) in gaps.iter_mut().zip(part_gaps) {
            a.extend(b);
        }
    }
    for (r, g) in rows.iter_mut().zip(gaps.iter_mut()) {
        r.intervals = g.len() as u32;
        if !g.is_empty() {
            let mid = (g.len() - 1) / 2;
            r.median_interval_days = Some(*g.select_nth_unstable(mid).1);
        }
    }
    rows.retain(|r| r.orders > 0);
    // Each product's tie-break key is worked out once, not at every comparison.
    rows.sort_by_cached_key(|r| {
        let name = ix.products.id(r.product).map_or("", String::as_str);
        (Reverse(r.revenue_fen), natural_key(name))
    });
    rows
}

/// Numbers first, in numeric order, then text.
fn natural_key(s: &str) -> (bool, u64, String) {
    match s.parse::<u64>() {
        Ok(n) => (false, n, String::new()),
        Err(_) => (true, 0, s.to_string()),
    }
}

/// The revenue share of the top fraction of products.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Concentration {
    /// The fraction of products (0.01 for the top 1%).
    pub fraction: f64,
    /// How many products that is: ⌈products × fraction⌉.
    pub products: usize,
    /// Their share of revenue.
    pub share: f64,
}

/// Revenue concentration of ranked products (from [`products`]) for each fraction.
pub fn concentration(ranked: &[ProductSales], fractions: &[f64]) -> Vec<Concentration> {
    let total = sum_i128(ranked.iter().map(|p| p.revenue_fen));
    fractions
        .iter()
        .map(|&f| {
            let k = ((ranked.len() as f64 * f).ceil() as usize).min(ranked.len());
            let top = sum_i128(ranked[..k].iter().map(|p| p.revenue_fen));
            Concentration {
                fraction: f,
                products: k,
                share: if total == 0 {
                    0.0
                } else {
                    top as f64 / total as f64
                },
            }
        })
        .collect()
}
