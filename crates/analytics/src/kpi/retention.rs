//! Retention cohorts: members grouped by when they first joined, and the share of each cohort
//! still active in each period after joining; lifetime value by the same cohorts.

use super::{Scope, par_members};
use crate::index::{BASE_SECS, EventIndex, Kind};

/// A cohort matrix: `active[c * n_periods + p]` members of cohort `c` active in period `p`
/// after their own join.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cohorts {
    /// Start of cohort 0, unix seconds.
    pub anchor_secs: i64,
    /// Length of a cohort and of a period, seconds (604,800 for weeks).
    pub period_secs: i64,
    /// Number of cohorts.
    pub n_cohorts: usize,
    /// Number of periods after joining.
    pub n_periods: usize,
    /// Members who joined in each cohort.
    pub size: Vec<u32>,
    /// Active members per cohort and period.
    pub active: Vec<u32>,
}

impl Cohorts {
    /// Active members of cohort `c` in period `p`.
    pub fn active(&self, c: usize, p: usize) -> u32 {
        self.active[c * self.n_periods + p]
    }

    /// Share of cohort `c` active in period `p` (of the members who joined).
    pub fn rate(&self, c: usize, p: usize) -> f64 {
        let n = self.size[c];
        if n == 0 {
            0.0
        } else {
            f64::from(self.active(c, p)) / f64::from(n)
        }
    }
}

/// The time frame of a cohort question, in the index's seconds.
struct Frame {
    lo: i64,
    hi: i64,
    anchor: i64,
    period: i64,
    n_cohorts: usize,
}

impl Frame {
    fn new(ix: &EventIndex, scope: &Scope, anchor_secs: i64, period: i64) -> Frame {
        let days = scope.index_days();
        let tz = ix.tz_offset_secs();
        // Local midnights, as seconds since BASE_SECS.
        let lo = i64::from(days.start) * 86_400 - tz;
        let hi = i64::from(days.end) * 86_400 - tz;
        let anchor = anchor_secs - BASE_SECS;
        let n_cohorts = (((hi - anchor).max(0) + period - 1) / period) as usize;
        Frame {
            lo,
            hi,
            anchor,
            period,
            n_cohorts,
        }
    }

    /// Member `m`'s first join in a kept group, if it falls in the frame: its event index,
    /// time and cohort.
    fn join_of(&self, ix: &EventIndex, scope: &Scope, m: usize) -> Option<(usize, i64, usize)> {
        let c = &ix.ev;
        let (a, b) = (ix.ev_starts[m] as usize, ix.ev_starts[m + 1] as usize);
        let j = (a..b).find(|&i| c.kind[i] == Kind::Join as u8 && scope.keeps_group(c.group[i]))?;
        let join = i64::from(c.secs[j]);
        if join < self.lo || join >= self.hi || join < self.anchor {
            return None;
        }
        let cohort = ((join - self.anchor) / self.period) as usize;
        (cohort < self.n_cohorts).then_some((j, join, cohort))
    }
}

/// Retention: each member whose first join (in a kept group) falls in the range belongs to the
/// cohort `(join − anchor) / period`; they count as active in period `(t − join) / period` for
/// every kept event at `t ≥ join` before the end of the range. With [`crate::KindMask::ALL`]
/// as the active kinds this is the benchmark's query (d): the join itself makes period 0.
pub fn retention(
    ix: &EventIndex,
    scope: &Scope,
    anchor_secs: i64,
    period_secs: i64,
    threads: usize,
) -> Cohorts {
    let period = period_secs.max(1);
    let f = Frame::new(ix, scope, anchor_secs, period);
    let (lo, hi) = (f.lo, f.hi);
    let n_periods = ((hi - lo).max(0) + period - 1) / period + 1;
    let (nc, np) = (f.n_cohorts, n_periods as usize);
    let c = &ix.ev;
    let parts = par_members(&ix.ev_starts, threads, |ms| {
        let mut size = vec![0u32; nc];
        let mut active = vec![0u32; nc * np];
        for m in ms {
            if !scope.keeps_member(m as u32) {
                continue;
            }
            let Some((j, join, cohort)) = f.join_of(ix, scope, m) else {
                continue;
            };
            let b = ix.ev_starts[m + 1] as usize;
            size[cohort] += 1;
            let mut last = usize::MAX;
            for i in j..b {
                let t = i64::from(c.secs[i]);
                if t >= hi {
                    break;
                }
                if !(i == j || scope.active_kinds.has(c.kind[i]) && scope.keeps_group(c.group[i])) {
                    continue;
                }
                let p = ((t - join) / period) as usize;
                if p != last && p < np {
                    last = p;
                    active[cohort * np + p] += 1;
                }
            }
        }
        (size, active)
    });
    let mut out = Cohorts {
        anchor_secs,
        period_secs: period,
        n_cohorts: nc,
        n_periods: np,
        size: vec![0; nc],
        active: vec![0; nc * np],
    };
    for (s, a) in parts {
        out.size.iter_mut().zip(s).for_each(|(x, y)| *x += y);
        out.active.iter_mut().zip(a).for_each(|(x, y)| *x += y);
    }
    // Periods no cohort reached are dropped from the end.
    while out.n_periods > 1 && (0..nc).all(|c| out.active(c, out.n_periods - 1) == 0) {
        let np_old = out.n_periods;
        out.n_periods -= 1;
        out.active = (0..nc)
            .flat_map(|c| out.active[c * np_old..c * np_old + np_old - 1].to_vec())
            .collect();
    }
    out
}

/// Average cumulative GMV per member of each cohort, by period after joining.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Lifetime {
    /// The cohorts (same numbering as [`retention`]'s).
    pub cohorts: Cohorts,
    /// `gmv_fen[c * n_periods + p]`: GMV of cohort `c`'s members up to the end of period `p`.
    pub gmv_fen: Vec<i64>,
}

impl Lifetime {
    /// Average cumulative GMV per member of cohort `c` by the end of period `p`, fen.
    pub fn per_member(&self, c: usize, p: usize) -> f64 {
        let n = self.cohorts.size[c];
        if n == 0 {
            0.0
        } else {
            self.gmv_fen[c * self.cohorts.n_periods + p] as f64 / f64::from(n)
        }
    }
}

/// Lifetime value by cohort: the cohorts of [`retention`] and their cumulative order amounts.
pub fn lifetime_value(
    ix: &EventIndex,
    scope: &Scope,
    anchor_secs: i64,
    period_secs: i64,
    threads: usize,
) -> Lifetime {
    let cohorts = retention(ix, scope, anchor_secs, period_secs, threads);
    let (nc, np) = (cohorts.n_cohorts, cohorts.n_periods);
    let f = Frame::new(ix, scope, anchor_secs, cohorts.period_secs);
    let o = &ix.ord;
    let parts = par_members(&ix.ev_starts, threads, |ms| {
        // 128 bits: orders minus refunds, summed without overflow in any order.
        let mut gmv = vec![0i128; nc * np];
        for m in ms {
            if !scope.keeps_member(m as u32) {
                continue;
            }
            let Some((_, join, cohort)) = f.join_of(ix, scope, m) else {
                continue;
            };
            for i in ix.ord_starts[m] as usize..ix.ord_starts[m + 1] as usize {
                let t = i64::from(o.secs[i]);
                if t < join || t >= f.hi || !scope.keeps_group(o.group[i]) {
                    continue;
                }
                let p = (((t - join) / f.period) as usize).min(np - 1);
                let a = i128::from(o.amount[i]);
                gmv[cohort * np + p] += if o.refund[i] { -a } else { a };
            }
        }
        gmv
    });
    let mut gmv = vec![0i128; nc * np];
    for p in parts {
        gmv.iter_mut().zip(p).for_each(|(x, y)| *x += y);
    }
    for c in 0..nc {
        for p in 1..np {
            gmv[c * np + p] += gmv[c * np + p - 1];
        }
    }
    Lifetime {
        cohorts,
        gmv_fen: gmv
            .into_iter()
            .map(quanzi_domain::money::saturate)
            .collect(),
    }
}
