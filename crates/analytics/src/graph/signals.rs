//! The raw signals behind the role scores: decayed activity, engagement levels, groups
//! reached, responses to messages, and first-touch attribution of people brought.

use std::collections::{HashMap, HashSet};

use super::build::{GraphBuildOptions, InteractionEvent, InteractionKind};
use super::components::Undirected;
use super::csr::offsets_from_counts;

/// Engagement weight of an event kind before decay.
#[must_use]
pub fn activity_weight(kind: &InteractionKind) -> f64 {
    match kind {
        InteractionKind::Message { .. } | InteractionKind::Mention { .. } => 1.0,
        InteractionKind::Join => 1.0,
        InteractionKind::Reply { .. } | InteractionKind::Reshare { .. } => 2.0,
        InteractionKind::Invite { .. }
        | InteractionKind::Referral { .. }
        | InteractionKind::ShareLedTo { .. } => 3.0,
        InteractionKind::Order { .. } => 4.0,
        InteractionKind::Other => 0.5,
    }
}

pub(crate) fn engagement(
    events: &[&InteractionEvent],
    n: usize,
    opts: &GraphBuildOptions,
) -> Vec<f64> {
    let mut score = vec![0.0; n];
    for e in events {
        score[e.member as usize] += activity_weight(&e.kind) * opts.decay(e.at_ms);
    }
    score
}

/// 0 for no activity; otherwise 1–10 by decile of rank among the active.
pub(crate) fn levels(score: &[f64]) -> Vec<u8> {
    let mut active: Vec<f64> = score.iter().copied().filter(|&x| x > 0.0).collect();
    active.sort_by(f64::total_cmp);
    let m = active.len();
    score
        .iter()
        .map(|&x| {
            if x <= 0.0 {
                return 0;
            }
            // Decile of x's rank among the active: the most active get 10.
            let below = active.partition_point(|&y| y < x);
            (10 * (below + 1)).div_ceil(m.max(1)).clamp(1, 10) as u8
        })
        .collect()
}

pub(crate) fn connector_groups(
    events: &[&InteractionEvent],
    ug: &Undirected,
    n: usize,
) -> Vec<u32> {
    let mut pairs: Vec<(u32, u32)> = events
        .iter()
        .filter_map(|e| e.group.map(|g| (e.member, g)))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    // Sorted by member: the pairs are the member rows, groups renumbered densely.
    let off = offsets_from_counts(n, pairs.iter().map(|&(u, _)| u));
    let mut dense: HashMap<u32, u32> = HashMap::new();
    let groups_of: Vec<u32> = pairs
        .iter()
        .map(|&(_, g)| {
            let next = dense.len() as u32;
            *dense.entry(g).or_insert(next)
        })
        .collect();
    let mut stamp = vec![u32::MAX; dense.len()];
    (0..n as u32)
        .map(|u| {
            let mut count = 0;
            for w in std::iter::once(u).chain(ug.neighbors(u).iter().copied()) {
                for &g in &groups_of[off[w as usize]..off[w as usize + 1]] {
                    if stamp[g as usize] != u {
                        stamp[g as usize] = u;
                        count += 1;
                    }
                }
            }
            count
        })
        .collect()
}

/// Per node: (messages, messages that drew a response, responses received).
pub(crate) fn maven(events: &[&InteractionEvent], n: usize) -> Vec<(u32, u32, u32)> {
    let mut author: HashMap<u64, u32> = HashMap::new();
    let mut out = vec![(0u32, 0u32, 0u32); n];
    for e in events {
        if let InteractionKind::Message { message } = e.kind
            && author.insert(message, e.member).is_none()
        {
            out[e.member as usize].0 += 1;
        }
    }
    let mut responded: HashSet<u64> = HashSet::new();
    for e in events {
        let (to, message) = match e.kind {
            InteractionKind::Reply { to, message } => (to, message),
            InteractionKind::Reshare { of, message } => (of, message),
            _ => continue,
        };
        if to == e.member || to as usize >= n {
            continue;
        }
        out[to as usize].2 += 1;
        if let Some(m) = message
            && author.get(&m).is_some_and(|&a| a != e.member)
            && responded.insert(m)
        {
            out[to as usize].1 += 1;
        }
    }
    out
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sales {
    pub(crate) brought: u32,
    pub(crate) joined: u32,
    pub(crate) ordered: u32,
    pub(crate) gmv_fen: i64,
}

/// First-touch attribution: each person is credited to whoever brought them first.
pub(crate) fn salesman(events: &[&InteractionEvent], n: usize) -> Vec<Sales> {
    // person → (bringer, when, joined through the bringing event)
    let mut first: HashMap<u32, (u32, i64, bool)> = HashMap::new();
    for e in events {
        let (person, joined) = match e.kind {
            InteractionKind::Invite { invitee } => (invitee, false),
            InteractionKind::Referral { new_member } => (new_member, true),
            InteractionKind::ShareLedTo { node, joined } => (node, joined),
            _ => continue,
        };
        if person == e.member || person as usize >= n {
            continue;
        }
        let entry = first.entry(person).or_insert((e.member, e.at_ms, joined));
        if e.at_ms < entry.1 {
            *entry = (e.member, e.at_ms, joined);
        } else if e.member == entry.0 {
            entry.2 |= joined;
        }
    }
    // Of the people brought: who joined, and the GMV of who ordered, since being brought.
    let mut joined_since: HashSet<u32> = HashSet::new();
    let mut gmv_since: HashMap<u32, i64> = HashMap::new();
    for e in events {
        let Some(&(_, since, _)) = first.get(&e.member) else {
            continue;
        };
        if e.at_ms < since {
            continue;
        }
        match e.kind {
            InteractionKind::Join => {
                joined_since.insert(e.member);
            }
            InteractionKind::Order { amount_fen } => {
                let g = gmv_since.entry(e.member).or_insert(0i64);
                *g = g.saturating_add(amount_fen);
            }
            _ => {}
        }
    }
    let mut out = vec![Sales::default(); n];
    for (person, (bringer, _, joined)) in &first {
        let s = &mut out[*bringer as usize];
        s.brought += 1;
        if *joined || joined_since.contains(person) {
            s.joined += 1;
        }
        if let Some(&gmv) = gmv_since.get(person) {
            s.ordered += 1;
            s.gmv_fen = s.gmv_fen.saturating_add(gmv);
        }
    }
    out
}
