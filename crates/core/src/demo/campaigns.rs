//! The two big days: a flash sale (限时抢购) about three weeks before the end, and 双十一
//! (or a 大促 two weeks before the end when 11 November is outside the window).

use super::calendar::{HOUR, MINUTE};
use super::catalog::{BIG_SALE_ITEMS, FLASH_ITEMS, product};
use super::plan::{Archetype, Kind, Props, Ref};
use super::rng::Rng;
use super::sim::Sim;

/// The flash sale's campaign reference.
pub const FLASH_REF: &str = "flash-sale-1";

/// Chance a member of this kind clicks the campaign: (flash sale, big promotion).
fn eagerness(a: Archetype) -> (f64, f64) {
    match a {
        Archetype::Kol => (0.95, 0.95),
        Archetype::Seed => (0.9, 0.9),
        Archetype::Regular => (0.6, 0.7),
        Archetype::Occasional => (0.3, 0.4),
        Archetype::Lurker => (0.12, 0.15),
        Archetype::Churner => (0.25, 0.3),
        Archetype::Fader => (0.15, 0.2),
    }
}

/// Member `i`'s part in the campaigns.
pub fn take_part(sim: &mut Sim<'_>, rng: &mut Rng, i: usize) {
    let (cal, people) = (sim.cal, sim.people);
    let Some(p) = people.get(i) else { return };
    let (p_flash, p_big) = eagerness(p.archetype);
    let buys = if p.spend == 0 {
        0.2
    } else {
        0.45 + 0.05 * f64::from(p.spend)
    };

    // Flash sale at 20:00, announced at 10:00: a rush of clicks, then orders minutes later.
    let day = cal.flash_day;
    if rng.chance(p_flash) {
        for _ in 0..=rng.below(3) {
            let t = if rng.chance(0.7) {
                day + 19 * HOUR + 50 * MINUTE + rng.range(0, 40 * MINUTE)
            } else {
                day + 10 * HOUR + rng.range(0, HOUR)
            };
            if t >= p.active_until {
                continue;
            }
            let Some(g) = sim.group_at(rng, i, t) else {
                continue;
            };
            let Some(&(item, price)) = rng.pick(FLASH_ITEMS) else {
                continue;
            };
            let r = Ref::Campaign(FLASH_REF);
            sim.push(t, i, Some(g), Kind::Click, 0, Some(item), r, Props::Empty);
            if t >= day + 20 * HOUR && rng.chance(buys) {
                let at = t + rng.range(MINUTE, 15 * MINUTE);
                sim.order(rng, i, at, Some(g), item, price, r);
            }
        }
    }

    // The big promotion: a midnight rush, then the evening; several orders each.
    let day = cal.big_day;
    if rng.chance(p_big) {
        let r = Ref::Campaign(cal.big_ref);
        for _ in 0..=rng.below(4) {
            let t = if rng.chance(0.25) {
                day + rng.range(MINUTE, HOUR)
            } else {
                cal.moment(rng, day)
            };
            if t >= p.active_until || t <= p.arrival + MINUTE {
                continue;
            }
            let Some(g) = sim.group_at(rng, i, t) else {
                continue;
            };
            let Some(&item) = rng.pick(BIG_SALE_ITEMS) else {
                continue;
            };
            sim.push(t, i, Some(g), Kind::Click, 0, Some(item), r, Props::Empty);
            if rng.chance(buys) {
                let unit = product(item).price * 85 / 100 / 10 * 10;
                let at = t + rng.range(MINUTE, 20 * MINUTE);
                sim.order(rng, i, at, Some(g), item, unit, r);
            }
        }
    }
}
