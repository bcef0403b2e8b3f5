//! The simulation's shared state and the moves several behaviours share: picking the group
//! a member talks in, ordering, and sharing a link that draws clicks from the group.

use quanzi_domain::group::GroupDimension;

use super::calendar::{Calendar, DAY, HOUR, MINUTE};
use super::catalog::{Catalog, product};
use super::plan::{GroupSpec, Kind, PEvent, Persona, Props, Ref};
use super::rng::Rng;

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
    /// Who said what lately in each group, for replies and reactions.
    pub talk: Talk,
    /// The people outside the community, by index, whom links shared beyond the group reach.
    pub prospects: std::ops::Range<usize>,
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

    /// A message in `group`; some answer a recent message of someone else there.
    pub fn message(&mut self, t: i64, member: usize, group: usize) {
        let reply = self.talk.answer(t, member as u32, group, REPLY_SHARE);
        let n = self.talk.said(t, member as u32, group);
        let props = Props::Message(n, reply);
        self.push(
            t,
            member,
            Some(group),
            Kind::Message,
            0,
            None,
            Ref::None,
            props,
        );
    }

    /// A reaction in `group`, to a recent message of someone else there when there is one.
    pub fn reaction(&mut self, t: i64, member: usize, group: usize) {
        let to = self.talk.answer(t, member as u32, group, 1.0);
        let props = Props::Reaction(to);
        self.push(
            t,
            member,
            Some(group),
            Kind::Reaction,
            0,
            None,
            Ref::None,
            props,
        );
    }

    #[allow(clippy::too_many_arguments)]
    /// A share in `group` (passing on `of`'s share, if any) and the clicks, orders and
    /// re-shares it draws from the group.
    pub fn share(
        &mut self,
        rng: &mut Rng,
        member: usize,
        t: i64,
        group: usize,
        item: usize,
        fanout: f64,
        depth: u8,
        of: Option<usize>,
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
            Props::Share(channel, of.map(|o| o as u32)),
        );
        if channel != 1 {
            // Shared to a friend or to Moments: some clicks come from outside the circle.
            self.outside_clicks(member, t, item, token, fanout);
        }
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
                    self.share(rng, c, ts, group, item, 1.5, depth + 1, Some(member));
                }
            }
        }
    }
}

impl Sim<'_> {
    /// Clicks on `member`'s share from prospects, drawn from the conversation stream so that
    /// the members' own draws stay as they were.
    fn outside_clicks(&mut self, member: usize, t: i64, item: usize, token: u32, fanout: f64) {
        let room = self.prospects.len();
        if room == 0 {
            return;
        }
        for _ in 0..self.talk.rng.poisson(0.25 * fanout) {
            let who = self.prospects.start + self.talk.rng.below(room);
            let at = t + MINUTE + self.talk.rng.exp(120.0 * MINUTE as f64) as i64;
            if at < self.cal.end {
                let props = Props::ShareClick(member as u32);
                self.push(
                    at,
                    who,
                    None,
                    Kind::Click,
                    0,
                    Some(item),
                    Ref::Share(token),
                    props,
                );
            }
        }
    }
}

/// Share of messages that answer an earlier one.
const REPLY_SHARE: f64 = 0.3;
/// Messages remembered per group.
const RECENT: usize = 48;

/// The recent messages of each group, and a random stream of its own so that who answers
/// whom leaves the rest of the simulation's draws unchanged.
pub struct Talk {
    /// The stream's generator.
    pub rng: Rng,
    recent: Vec<Vec<(i64, u32, u32)>>,
    next: u32,
}

impl Talk {
    /// No messages yet in `groups` groups.
    pub fn new(seed: u64, groups: usize) -> Self {
        Talk {
            rng: Rng::derive(seed, 77_000_000),
            recent: vec![Vec::new(); groups],
            next: 0,
        }
    }

    /// Records `member`'s message at `t` in `group`; returns its number.
    pub fn said(&mut self, t: i64, member: u32, group: usize) -> u32 {
        self.next += 1;
        if let Some(r) = self.recent.get_mut(group) {
            if r.len() == RECENT {
                let at = self.rng.below(RECENT);
                r[at] = (t, member, self.next);
            } else {
                r.push((t, member, self.next));
            }
        }
        self.next
    }

    /// With probability `p`, the (author, number) of a message someone else said in `group`
    /// in the week before `t`.
    pub fn answer(&mut self, t: i64, member: u32, group: usize, p: f64) -> Option<(u32, u32)> {
        if !self.rng.chance(p) {
            return None;
        }
        let r = self.recent.get(group)?;
        let fresh: Vec<&(i64, u32, u32)> = r
            .iter()
            .filter(|(at, who, _)| *who != member && *at < t && t - *at < 7 * DAY)
            .collect();
        self.rng.pick(&fresh).map(|(_, who, n)| (*who, *n))
    }
}
