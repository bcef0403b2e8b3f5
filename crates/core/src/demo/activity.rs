//! Everyday life in the groups: joins and leaves, chatter, shares and the clicks they draw,
//! store visits, orders and refunds, day by day for every member.

use quanzi_domain::group::GroupDimension;

use super::calendar::{Calendar, DAY, HOUR, MINUTE};
use super::campaigns;
use super::catalog::{Catalog, product};
use super::plan::{Archetype, GroupSpec, Kind, PEvent, Persona, Props, Ref, Scene};
use super::rng::{Rng, Table};

/// Shared state of the simulation.
pub struct Sim<'a> {
    /// The window.
    pub cal: &'a Calendar,
    /// Members.
    pub people: &'a [Persona],
    /// Groups.
    pub groups: &'a [GroupSpec],
    /// Products.
    pub catalog: Catalog,
    /// Per group, the members who ever joined: (member, membership index).
    pub rosters: Vec<Vec<(u32, u16)>>,
    /// Shares handed out so far.
    pub shares: u32,
    /// The events.
    pub out: Vec<PEvent>,
}

impl Sim<'_> {
    /// Pushes an event.
    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        t: i64,
        member: usize,
        group: Option<usize>,
        kind: Kind,
        amount: i64,
        product: Option<usize>,
        reference: Ref,
        props: Props,
    ) {
        self.out.push(PEvent {
            t,
            member: member as u32,
            group: group.map(|g| g as u16),
            kind,
            amount,
            product: product.map(|p| p as u16),
            reference,
            props,
        });
    }

    /// A group `member` is in at `t`, favouring their first group and lively ones; `None`
    /// when they are in none (or only in groups that died).
    pub fn group_at(&self, rng: &mut Rng, member: usize, t: i64) -> Option<usize> {
        let p = self.people.get(member)?;
        let mut weights = [0.0f64; 3];
        for (i, m) in p.memberships.iter().enumerate().take(3) {
            if !m.live_at(t) {
                continue;
            }
            let g = self.groups.get(m.group)?;
            weights[i] = match (g.dies_at, g.dimension) {
                (Some(d), _) if t >= d => 0.0,
                (Some(d), _) if t > d - 14 * DAY => 1.5 * (d - t) as f64 / (14 * DAY) as f64,
                (Some(_), _) => 1.5,
                (None, GroupDimension::Vip | GroupDimension::Seed) => 2.0,
                _ if i == 0 => 3.0,
                _ => 1.0,
            };
        }
        if weights.iter().all(|w| *w <= 0.0) {
            return None;
        }
        let k = rng.weighted(&weights);
        (weights.get(k).is_some_and(|w| *w > 0.0))
            .then(|| p.memberships.get(k).map(|m| m.group))
            .flatten()
    }

    /// An order (and now and then its refund).
    #[allow(clippy::too_many_arguments)]
    pub fn order(
        &mut self,
        rng: &mut Rng,
        member: usize,
        t: i64,
        group: Option<usize>,
        item: usize,
        unit: i64,
        reference: Ref,
    ) {
        let spend = self.people.get(member).map_or(1, |p| p.spend);
        let qty_w: [f64; 3] = if spend >= 3 {
            [0.45, 0.35, 0.2]
        } else {
            [0.7, 0.22, 0.08]
        };
        let mut qty = rng.weighted(&qty_w) as i64 + 1;
        while unit * qty > 20_000 && qty > 1 {
            qty -= 1;
        }
        while unit * qty < 500 {
            qty += 1;
        }
        let amount = unit * qty;
        let props = Props::Order(qty as u8, group.is_none());
        self.push(
            t,
            member,
            group,
            Kind::Order,
            amount,
            Some(item),
            reference,
            props,
        );
        let back = t + rng.range(6 * HOUR, 3 * DAY);
        if rng.chance(0.025) && back < self.cal.end {
            let refund = if rng.chance(0.6) {
                amount
            } else {
                (amount / 2).max(100)
            };
            let reason = Props::Refund(rng.below(4) as u8);
            self.push(
                back,
                member,
                group,
                Kind::Refund,
                refund,
                Some(item),
                reference,
                reason,
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    /// A share in `group` and the clicks, orders and re-shares it draws from the group.
    pub fn share(
        &mut self,
        rng: &mut Rng,
        member: usize,
        t: i64,
        group: usize,
        item: usize,
        fanout: f64,
        depth: u8,
    ) {
        self.shares += 1;
        let token = self.shares;
        let channel = rng.weighted(&[0.4, 0.25, 0.35]) as u8;
        self.push(
            t,
            member,
            Some(group),
            Kind::Share,
            0,
            Some(item),
            Ref::Share(token),
            Props::Share(channel),
        );
        let dies = self
            .groups
            .get(group)
            .and_then(|g| g.dies_at)
            .unwrap_or(i64::MAX);
        let n = rng.poisson(fanout);
        for _ in 0..n {
            let Some(&(c, mi)) = self.rosters.get(group).and_then(|r| rng.pick(r)) else {
                break;
            };
            let c = c as usize;
            let tc = t + MINUTE + rng.exp(90.0 * MINUTE as f64) as i64;
            let Some(p) = self.people.get(c) else {
                continue;
            };
            let live = p
                .memberships
                .get(mi as usize)
                .is_some_and(|m| m.live_at(tc));
            if c == member || !live || tc >= self.cal.end.min(dies) || tc >= p.active_until {
                continue;
            }
            self.push(
                tc,
                c,
                Some(group),
                Kind::Click,
                0,
                Some(item),
                Ref::Share(token),
                Props::ShareClick(member as u32),
            );
            if rng.chance(0.08) {
                let unit = product(item).price;
                let at = tc + rng.range(MINUTE, 30 * MINUTE);
                self.order(rng, c, at, Some(group), item, unit, Ref::Share(token));
            }
            if depth < 2 && rng.chance(0.06) {
                let ts = tc + rng.range(MINUTE, 2 * HOUR);
                if ts < self.cal.end.min(dies) {
                    self.share(rng, c, ts, group, item, 1.5, depth + 1);
                }
            }
        }
    }
}

/// Interactions per day, and the mix of message, reaction, click, share, visit.
fn habits(rng: &mut Rng, a: Archetype) -> (f64, [f64; 5]) {
    match a {
        Archetype::Kol => (rng.uniform(9.0, 15.0), [0.55, 0.15, 0.08, 0.17, 0.05]),
        Archetype::Seed => (rng.uniform(2.5, 5.0), [0.55, 0.2, 0.1, 0.1, 0.05]),
        Archetype::Regular => (rng.uniform(0.7, 2.2), [0.6, 0.2, 0.12, 0.03, 0.05]),
        Archetype::Occasional => (rng.uniform(0.08, 0.3), [0.55, 0.2, 0.15, 0.03, 0.07]),
        Archetype::Lurker => (rng.uniform(0.01, 0.05), [0.0, 0.0, 0.75, 0.0, 0.25]),
        Archetype::Churner => (rng.uniform(0.3, 1.0), [0.6, 0.2, 0.12, 0.03, 0.05]),
        Archetype::Fader => (rng.uniform(0.5, 1.4), [0.6, 0.2, 0.12, 0.03, 0.05]),
    }
}

/// Orders per week by spending propensity.
const WEEKLY_ORDERS: [f64; 5] = [0.0, 0.15, 0.4, 0.9, 1.7];

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
                    Props::Share(0),
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
        7.0
    } else {
        2.0
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
                0 => sim.push(
                    t,
                    i,
                    Some(g),
                    Kind::Message,
                    0,
                    None,
                    Ref::None,
                    Props::Empty,
                ),
                1 => sim.push(
                    t,
                    i,
                    Some(g),
                    Kind::Reaction,
                    0,
                    None,
                    Ref::None,
                    Props::Empty,
                ),
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
                _ => sim.share(rng, i, t, g, item, fanout, 0),
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
        out: Vec::with_capacity(people.len() * 45),
    };
    for i in 0..people.len() {
        let mut rng = Rng::derive(seed, 1_000_000 + i as u64);
        membership_events(&mut sim, &mut rng, i);
        daily_life(&mut sim, &mut rng, i);
        campaigns::take_part(&mut sim, &mut rng, i);
    }
    sim.out
}
