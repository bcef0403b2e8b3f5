//! Commerce kernels: GMV, orders, buyers and repurchase per group and overall, products with
//! their revenue concentration (the 2:80 of 店+社群) and repurchase class, and store visits
//! beside community activity.

mod products;
mod visits;

pub use products::{
    Concentration, MIN_INTERVALS, ProductSales, RepurchaseClass, TYPICAL_SHARE, concentration,
    products, typical_interval,
};
pub use visits::{VisitBucket, visits};

use super::{Scope, par_members};
use crate::index::{EventIndex, NO_GROUP};

/// Sales of one group (or of the whole scope).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sales {
    /// Order amounts, fen.
    pub gmv_fen: i64,
    /// Refund amounts, fen.
    pub refund_fen: i64,
    /// Orders.
    pub orders: u32,
    /// Members with at least one order.
    pub buyers: u32,
    /// Members with at least two orders.
    pub repeat_buyers: u32,
}

impl Sales {
    /// Repeat buyers over buyers.
    pub fn repurchase_rate(&self) -> f64 {
        ratio(self.repeat_buyers, self.buyers)
    }

    /// GMV over orders, fen.
    pub fn average_order_fen(&self) -> f64 {
        if self.orders == 0 {
            0.0
        } else {
            self.gmv_fen as f64 / f64::from(self.orders)
        }
    }

    fn add(&mut self, o: &Sales) {
        self.gmv_fen = self.gmv_fen.saturating_add(o.gmv_fen);
        self.refund_fen = self.refund_fen.saturating_add(o.refund_fen);
        self.orders += o.orders;
        self.buyers += o.buyers;
        self.repeat_buyers += o.repeat_buyers;
    }
}

fn ratio(a: u32, b: u32) -> f64 {
    if b == 0 {
        0.0
    } else {
        f64::from(a) / f64::from(b)
    }
}

/// Sales per group and overall.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SalesByGroup {
    /// Per dense group.
    pub groups: Vec<Sales>,
    /// Over the whole scope; buyers are distinct members (a member buying in two groups counts
    /// once here, once in each group above).
    pub total: Sales,
}

/// GMV, orders, buyers and repeat buyers per group and overall; with the whole range and every
/// group this is the benchmark's query (e).
pub fn sales(ix: &EventIndex, scope: &Scope, threads: usize) -> SalesByGroup {
    let days = scope.index_days();
    let ng = ix.groups.len();
    let o = &ix.ord;
    let parts = par_members(&ix.ord_starts, threads, |ms| {
        let mut groups = vec![Sales::default(); ng];
        let mut total = Sales::default();
        let mut per: Vec<(u32, u32)> = Vec::with_capacity(4);
        for m in ms {
            if !scope.keeps_member(m as u32) {
                continue;
            }
            per.clear();
            let mut n_member = 0u32;
            for i in ix.ord_starts[m] as usize..ix.ord_starts[m + 1] as usize {
                let d = i32::from(o.day[i]);
                if d < days.start || d >= days.end {
                    continue;
                }
                let g = o.group[i];
                if !scope.keeps_group(g) {
                    continue;
                }
                let amount = o.amount[i];
                if o.refund[i] {
                    total.refund_fen = total.refund_fen.saturating_add(amount);
                    if g != NO_GROUP {
                        let r = &mut groups[g as usize].refund_fen;
                        *r = r.saturating_add(amount);
                    }
                    continue;
                }
                n_member += 1;
                total.orders += 1;
                total.gmv_fen = total.gmv_fen.saturating_add(amount);
                if g != NO_GROUP {
                    let s = &mut groups[g as usize];
                    s.orders += 1;
                    s.gmv_fen = s.gmv_fen.saturating_add(amount);
                    match per.iter_mut().find(|p| p.0 == g) {
                        Some(p) => p.1 += 1,
                        None => per.push((g, 1)),
                    }
                }
            }
            for &(g, n) in &per {
                let s = &mut groups[g as usize];
                s.buyers += 1;
                s.repeat_buyers += u32::from(n >= 2);
            }
            total.buyers += u32::from(n_member >= 1);
            total.repeat_buyers += u32::from(n_member >= 2);
        }
        (groups, total)
    });
    let mut out = SalesByGroup {
        groups: vec![Sales::default(); ng],
        total: Sales::default(),
    };
    for (g, t) in parts {
        out.groups.iter_mut().zip(&g).for_each(|(a, b)| a.add(b));
        out.total.add(&t);
    }
    out
}

/// Orders and GMV per day over the range.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DailySales {
    /// Orders per day.
    pub orders: Vec<u32>,
    /// GMV per day, fen.
    pub gmv_fen: Vec<i64>,
}

/// Orders and GMV per day (refunds left out).
pub fn daily(ix: &EventIndex, scope: &Scope) -> DailySales {
    let days = scope.index_days();
    let nd = days.len();
    let o = &ix.ord;
    let mut out = DailySales {
        orders: vec![0; nd],
        gmv_fen: vec![0; nd],
    };
    for i in 0..o.member.len() {
        let d = i32::from(o.day[i]);
        if o.refund[i] || d < days.start || d >= days.end {
            continue;
        }
        if !scope.keeps_group(o.group[i]) || !scope.keeps_member(o.member[i]) {
            continue;
        }
        let di = (d - days.start) as usize;
        out.orders[di] += 1;
        out.gmv_fen[di] = out.gmv_fen[di].saturating_add(o.amount[i]);
    }
    out
}
