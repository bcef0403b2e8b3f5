//! The funnel of the articles: 引流 attracted → 拉群 joined → 促活 active → 转化 ordered →
//! 复购 ordered twice → 裂变 brought someone in, as a cohort of the people first seen in the
//! range, each stage a subset of the one before.

use super::{Scope, par_members};
use crate::index::{EventIndex, Kind};

/// The funnel's stages, in order.
pub const STAGES: [&str; 6] = [
    "attracted",
    "joined",
    "active",
    "ordered",
    "repurchased",
    "referred",
];

/// Members reaching each stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Funnel {
    /// Members at each of [`STAGES`].
    pub counts: [u32; 6],
}

impl Funnel {
    /// Rate from the stage before to stage `i` (stage 0: 1.0).
    pub fn step_rate(&self, i: usize) -> f64 {
        if i == 0 {
            return 1.0;
        }
        let (a, b) = (self.counts[i - 1], self.counts[i]);
        if a == 0 {
            0.0
        } else {
            f64::from(b) / f64::from(a)
        }
    }
}

/// The funnel over the range: a member is attracted when their first event ever falls in the
/// range (a visit, a click on a shared link, a join…); joined when they joined a kept group in
/// the range; active when they did something of the active kinds in a kept group after
/// joining; ordered / repurchased with one / two orders after joining; referred when they
/// brought someone in (a referral) after joining.
pub fn funnel(ix: &EventIndex, scope: &Scope, threads: usize) -> Funnel {
    let days = scope.index_days();
    let c = &ix.ev;
    let parts = par_members(&ix.ev_starts, threads, |ms| {
        let mut f = Funnel::default();
        for m in ms {
            if !scope.keeps_member(m as u32) {
                continue;
            }
            let (a, b) = (ix.ev_starts[m] as usize, ix.ev_starts[m + 1] as usize);
            if a == b {
                continue;
            }
            let first = i32::from(c.day[a]);
            if first < days.start || first >= days.end {
                continue;
            }
            f.counts[0] += 1;
            let (mut joined, mut active, mut orders, mut referred) = (false, false, 0u32, false);
            for i in a..b {
                if i32::from(c.day[i]) >= days.end {
                    break;
                }
                let k = c.kind[i];
                if !scope.keeps_group(c.group[i]) && k != Kind::Referral as u8 {
                    continue;
                }
                if k == Kind::Join as u8 {
                    joined = true;
                } else if joined {
                    if scope.active_kinds.has(k) {
                        active = true;
                    }
                    if k == Kind::Order as u8 {
                        orders += 1;
                    } else if k == Kind::Referral as u8 {
                        referred = true;
                    }
                }
            }
            let stages = [joined, active, orders >= 1, orders >= 2, referred];
            for (s, &reached) in stages.iter().enumerate() {
                if !reached {
                    break;
                }
                f.counts[s + 1] += 1;
            }
        }
        f
    });
    let mut out = Funnel::default();
    for p in parts {
        for (a, b) in out.counts.iter_mut().zip(p.counts) {
            *a += b;
        }
    }
    out
}
