//! Store visits beside community activity, for members bucketed by how often they came.

use crate::index::{EventIndex, Kind};
use crate::kpi::{Scope, par_members};

/// Store visits beside community activity, for members bucketed by how often they came.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct VisitBucket {
    /// Lowest visit count of the bucket.
    pub min_visits: u32,
    /// Highest visit count of the bucket (`u32::MAX`: no limit).
    pub max_visits: u32,
    /// Members in the bucket (active or visiting in the range).
    pub members: u32,
    /// Their messages and reactions.
    pub messages: u64,
    /// Their orders.
    pub orders: u64,
    /// Their order amounts, fen.
    pub gmv_fen: i64,
}

impl VisitBucket {
    /// Messages per member.
    pub fn messages_per_member(&self) -> f64 {
        if self.members == 0 {
            0.0
        } else {
            self.messages as f64 / f64::from(self.members)
        }
    }

    /// Orders per member.
    pub fn orders_per_member(&self) -> f64 {
        if self.members == 0 {
            0.0
        } else {
            self.orders as f64 / f64::from(self.members)
        }
    }
}

/// Members in the range bucketed by store visits (0, 1, 2–3, 4–7, 8+) with their community
/// activity and purchases (店+社群: do the people who come to the shop also talk in the group?).
pub fn visits(ix: &EventIndex, scope: &Scope, threads: usize) -> Vec<VisitBucket> {
    const EDGES: [(u32, u32); 5] = [(0, 0), (1, 1), (2, 3), (4, 7), (8, u32::MAX)];
    let days = scope.index_days();
    let c = &ix.ev;
    let o = &ix.ord;
    let parts = par_members(&ix.ev_starts, threads, |ms| {
        let mut b: Vec<VisitBucket> = EDGES
            .iter()
            .map(|&(lo, hi)| VisitBucket {
                min_visits: lo,
                max_visits: hi,
                ..VisitBucket::default()
            })
            .collect();
        for m in ms {
            if !scope.keeps_member(m as u32) {
                continue;
            }
            let (mut v, mut msgs, mut seen) = (0u32, 0u64, false);
            for i in ix.ev_starts[m] as usize..ix.ev_starts[m + 1] as usize {
                let d = i32::from(c.day[i]);
                if d < days.start || d >= days.end {
                    continue;
                }
                let k = c.kind[i];
                // A store visit counts wherever it was recorded; talk only in kept groups.
                if k == Kind::Visit as u8 {
                    v += 1;
                    seen = true;
                } else if scope.keeps_group(c.group[i]) {
                    seen = true;
                    if k == Kind::Message as u8 || k == Kind::Reaction as u8 {
                        msgs += 1;
                    }
                }
            }
            if !seen {
                continue;
            }
            let (mut orders, mut gmv) = (0u64, 0i64);
            for i in ix.ord_starts[m] as usize..ix.ord_starts[m + 1] as usize {
                let d = i32::from(o.day[i]);
                if !o.refund[i] && d >= days.start && d < days.end && scope.keeps_group(o.group[i])
                {
                    orders += 1;
                    gmv = gmv.saturating_add(o.amount[i]);
                }
            }
            if let Some(x) = b
                .iter_mut()
                .find(|x| v >= x.min_visits && v <= x.max_visits)
            {
                x.members += 1;
                x.messages += msgs;
                x.orders += orders;
                x.gmv_fen = x.gmv_fen.saturating_add(gmv);
            }
        }
        b
    });
    let mut it = parts.into_iter();
    let mut acc = it.next().unwrap_or_default();
    for p in it {
        for (a, b) in acc.iter_mut().zip(p) {
            a.members += b.members;
            a.messages += b.messages;
            a.orders += b.orders;
            a.gmv_fen = a.gmv_fen.saturating_add(b.gmv_fen);
        }
    }
    acc
}
