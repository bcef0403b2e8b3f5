//! What a demo plan contains, as text: events per kind, each group's joins, leaves and last
//! activity, lifecycle stages, spending tiers, archetypes, sources, orders and GMV, the top
//! products, events per day. For tuning the generator (`crates/core/examples/demo_probe.rs`).

use std::collections::BTreeMap;

use super::calendar::DAY;
use super::{catalog, plan};

/// Plans the demo of `seed`, `members` and `days` ending at `end_ms` (nothing is stored) and
/// describes it, one statistic a line.
pub fn plan_summary(seed: u64, members: usize, days: i64, end_ms: i64) -> String {
    let p = plan::build(seed, members, days, end_ms);
    let mut out = Vec::new();
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &p.events {
        *kinds.entry(e.kind.as_str()).or_default() += 1;
    }
    out.push(format!("{} events {kinds:?}", p.events.len()));
    out.extend(group_lines(&p));
    let mut stages: BTreeMap<String, usize> = BTreeMap::new();
    let mut tiers: BTreeMap<String, usize> = BTreeMap::new();
    let mut arche: BTreeMap<String, usize> = BTreeMap::new();
    let mut sources: BTreeMap<&str, usize> = BTreeMap::new();
    for (pe, o) in p.people.iter().zip(&p.outcomes) {
        *stages
            .entry(plan::lifecycle(pe, o, p.cal.end).to_string())
            .or_default() += 1;
        *tiers.entry(plan::tier(o.spend).to_string()).or_default() += 1;
        *arche.entry(format!("{:?}", pe.archetype)).or_default() += 1;
        *sources.entry(pe.source.as_str()).or_default() += 1;
    }
    out.push(format!(
        "stages {stages:?}\ntiers {tiers:?}\narchetypes {arche:?}\nsources {sources:?}"
    ));
    out.extend(order_lines(&p));
    let mut per_day = vec![0usize; usize::try_from(days).unwrap_or_default()];
    for e in &p.events {
        if let Some(x) = usize::try_from(p.cal.day_index(e.t))
            .ok()
            .and_then(|d| per_day.get_mut(d))
        {
            *x += 1;
        }
    }
    out.push(format!(
        "per day {per_day:?}\nflash {} big {} {}",
        p.cal.day_index(p.cal.flash_day),
        p.cal.day_index(p.cal.big_day),
        p.cal.big_ref
    ));
    out.join("\n")
}

/// One line per group: dimension, joins, leaves, events and days since its last activity.
fn group_lines(p: &plan::Plan) -> Vec<String> {
    let mut sizes: BTreeMap<usize, (usize, usize, usize)> = BTreeMap::new();
    for pe in &p.people {
        for m in &pe.memberships {
            let s = sizes.entry(m.group).or_default();
            s.0 += 1;
            if m.leave.is_some() {
                s.1 += 1;
            }
        }
    }
    for e in &p.events {
        if let Some(g) = e.group {
            sizes.entry(g as usize).or_default().2 += 1;
        }
    }
    let mut lines = Vec::new();
    for (g, spec) in p.groups.iter().enumerate() {
        let s = sizes.get(&g).copied().unwrap_or_default();
        let last = p
            .events
            .iter()
            .rev()
            .find(|e| {
                e.group.map(usize::from) == Some(g)
                    && !matches!(e.kind, plan::Kind::Join | plan::Kind::Leave)
            })
            .map(|e| (p.cal.end - e.t) / DAY);
        lines.push(format!(
            "{:>2} {:<14} {:?} joins {} left {} events {} quiet {:?}d",
            g, spec.name, spec.dimension, s.0, s.1, s.2, last
        ));
    }
    lines
}

/// Orders, their average and GMV, and the ten products ordered most.
fn order_lines(p: &plan::Plan) -> Vec<String> {
    let orders: Vec<i64> = p
        .events
        .iter()
        .filter(|e| e.kind == plan::Kind::Order)
        .map(|e| e.amount)
        .collect();
    let gmv: i64 = orders.iter().sum();
    let mut prod: BTreeMap<u16, usize> = BTreeMap::new();
    for e in p.events.iter().filter(|e| e.kind == plan::Kind::Order) {
        *prod.entry(e.product.unwrap_or(999)).or_default() += 1;
    }
    let mut top: Vec<(usize, u16)> = prod.iter().map(|(k, v)| (*v, *k)).collect();
    top.sort_unstable_by(|a, b| b.cmp(a));
    let top: Vec<_> = top
        .iter()
        .take(10)
        .map(|(n, k)| (catalog::product(*k as usize).name, *n))
        .collect();
    vec![
        format!(
            "orders {} avg ¥{:.1} gmv ¥{}",
            orders.len(),
            gmv as f64 / orders.len().max(1) as f64 / 100.0,
            gmv / 100
        ),
        format!("top products {top:?}"),
    ]
}
