//! Everyday life in the groups: joins and leaves, chatter, shares and the clicks they draw,
//! store visits, orders and refunds, day by day for every member.

use super::calendar::{Calendar, DAY, HOUR, MINUTE};
use super::campaigns;
use super::catalog::{Catalog, product};
use super::plan::{Archetype, GroupSpec, Kind, PEvent, Persona, Props, Ref, Scene};
use super::rng::{Rng, Table};
use super::sim::{Sim, Talk};

/// Interactions per day, and the mix of message, reaction, click, share, visit.
fn habits(rng: &mut Rng, a: Archetype) -> (f64, [f64; 5]) {
    match a {
        Archetype::Kol => (rng.uniform(9.0, 15.0), [0.58, 0.16, 0.09, 0.12, 0.05]),
        Archetype::Seed => (rng.uniform(2.5, 5.0), [0.55, 0.2, 0.1, 0.1, 0.05]),
        Archetype::Regular => (rng.uniform(0.6, 1.9), [0.6, 0.2, 0.12, 0.03, 0.05]),
        Archetype::Occasional => (rng.uniform(0.08, 0.3), [0.55, 0.2, 0.15, 0.03, 0.07]),
        Archetype::Lurker => (rng.uniform(0.01, 0.05), [0.0, 0.0, 0.75, 0.0, 0.25]),
        Archetype::Churner => (rng.uniform(0.3, 1.0), [0.6, 0.2, 0.12, 0.03, 0.05]),
        Archetype::Fader => (rng.uniform(0.5, 1.4), [0.6, 0.2, 0.12, 0.03, 0.05]),
    }
}

/// Orders per week by spending propensity.
const WEEKLY_ORDERS: [f64; 5] = [0.0, 0.15, 0.4, 0.9, 2.2];

fn membership_events(sim: &mut Sim<'_>, rng: &mut Rng, i: usize) {
    let people = sim.people;
    let Some(p) = people.get(i) else { return };
    for (k, m) in p.memberships.iter().enumerate() {
        let inviter = (k == 0 && m.scene == Scene::Referral)
            .then_some(p.inviter)
            .flatten();
        sim.push(
            m.join,
            i,
            Some(m.group),
            Kind::Join,
            0,
            None,
            Ref::None,
            Props::Join(m.scene, inviter.map(|j| j as u32)),
        );
        if let Some(l) = m.leave {
            sim.push(
                l,
                i,
                Some(m.group),
                Kind::Leave,
                0,
                None,
                Ref::None,
                Props::Empty,
            );
        }
        if let Some(j) = inviter {
            let before = m.join - rng.range(10 * MINUTE, 6 * HOUR);
            if let Some(g) = sim.group_at(rng, j, before) {
                sim.push(
                    before,
                    j,
                    Some(g),
                    Kind::Share,
                    0,
                    None,
                    Ref::Invite(j as u32),
                    Props::Share(0, None),
                );
            }
            let after = m.join + rng.range(5_000, 120_000);
            let g = sim.group_at(rng, j, after);
            sim.push(
                after,
                j,
                g,
                Kind::Referral,
                0,
                None,
                Ref::Invite(j as u32),
                Props::Referral(i as u32),
            );
        }
    }
}

fn daily_life(sim: &mut Sim<'_>, rng: &mut Rng, i: usize) {
    let (cal, people) = (sim.cal, sim.people);
    let Some(p) = people.get(i) else { return };
    let (rate, mix) = habits(rng, p.archetype);
    let mix = Table::new(&mix);
    let boost = if p.archetype == Archetype::Kol {
        1.3
    } else {
        1.0
    };
    let weekly =
        WEEKLY_ORDERS.get(p.spend as usize).copied().unwrap_or(0.0) * boost * rng.uniform(0.7, 1.3);
    let stop = p.active_until.min(cal.end);
    let fanout = if p.archetype == Archetype::Kol {
        5.0
    } else {
        1.5
    };
    for d in cal.day_index(p.arrival).max(0)..cal.days {
        let mid = cal.day(d);
        if mid >= stop {
            break;
        }
        let mut f = cal.activity_factor(mid);
        if p.archetype == Archetype::Fader {
            let span = (p.active_until - p.arrival).max(DAY) as f64;
            f *= (1.0 - 0.9 * (mid - p.arrival) as f64 / span).max(0.1);
        }
        if mid < p.arrival + 3 * DAY && p.archetype != Archetype::Lurker {
            f *= 1.8;
        }
        for _ in 0..rng.poisson(rate * f) {
            let t = cal.moment(rng, mid);
            if t <= p.arrival + MINUTE || t >= stop {
                continue;
            }
            let kind = mix.draw(rng);
            if kind == 4 {
                let props = Props::Visit(p.store as u8);
                sim.push(t, i, None, Kind::Visit, 0, None, Ref::None, props);
                continue;
            }
            let Some(g) = sim.group_at(rng, i, t) else {
                continue;
            };
            let item = sim.catalog.draw(rng, &p.interests);
            match kind {
                0 => sim.message(t, i, g),
                1 => sim.reaction(t, i, g),
                2 => {
                    let hour = (t - mid) / HOUR;
                    let post = match hour {
                        h if h >= 20 => Ref::Post(d as u16, 20),
                        h if h >= 10 => Ref::Post(d as u16, 10),
                        _ => Ref::Post(d.max(1) as u16 - 1, 20),
                    };
                    sim.push(
                        t,
                        i,
                        Some(g),
                        Kind::Click,
                        0,
                        Some(item),
                        post,
                        Props::Empty,
                    );
                }
                _ => sim.share(rng, i, t, g, item, fanout, 0, None),
            }
        }
        for _ in 0..rng.poisson(weekly / 7.0 * cal.order_factor(mid) * f.min(1.5)) {
            let t = cal.order_moment(rng, mid);
            if t <= p.arrival + MINUTE || t >= stop {
                continue;
            }
            let g = if rng.chance(0.8) {
                sim.group_at(rng, i, t)
            } else {
                None
            };
            let item = sim.catalog.draw(rng, &p.interests);
            sim.order(rng, i, t, g, item, product(item).price, Ref::None);
        }
    }
}

/// Every event of the window, unordered.
pub fn simulate(
    seed: u64,
    cal: &Calendar,
    people: &[Persona],
    groups: &[GroupSpec],
) -> Vec<PEvent> {
    let mut rosters: Vec<Vec<(u32, u16)>> = vec![Vec::new(); groups.len()];
    for (i, p) in people.iter().enumerate() {
        for (k, m) in p.memberships.iter().enumerate() {
            if let Some(r) = rosters.get_mut(m.group) {
                r.push((i as u32, k as u16));
            }
        }
    }
    let mut sim = Sim {
        cal,
        people,
        groups,
        catalog: Catalog::new(),
        rosters,
        shares: 0,
        talk: Talk::new(seed, groups.len()),
        prospects: people
            .iter()
            .position(|p| p.source == Scene::SharedLink)
            .map_or(0..0, |first| first..people.len()),
        out: Vec::with_capacity(people.len() * 45),
    };
    for (i, p) in people.iter().enumerate() {
        if p.source == Scene::SharedLink {
            continue;
        }
        let mut rng = Rng::derive(seed, 1_000_000 + i as u64);
        membership_events(&mut sim, &mut rng, i);
        daily_life(&mut sim, &mut rng, i);
        campaigns::take_part(&mut sim, &mut rng, i);
    }
    sim.out
}
