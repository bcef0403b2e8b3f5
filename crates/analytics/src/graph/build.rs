//! Building a tenant's interaction graph from its events: direct edges (weight 10), group
//! co-activity (weight 1), and a 10% decay per month of idleness on every edge.
//!
//! Edges point the way influence flows: `u → v` means "u's action reached v" — v replied to
//! or re-shared u, u mentioned, invited or referred v, or u's share brought v to visit or
//! join. Co-activity links both ways. Node ids are the caller's dense `u32` ids for members
//! and for visitors who are not members yet.

use super::csr::{Csr, GraphError};

/// What a member did, with the other party where there is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InteractionKind {
    /// Posted message `message` (an id unique within the tenant).
    Message {
        /// The message id.
        message: u64,
    },
    /// Replied to `to`, optionally to their message `message`.
    Reply {
        /// Whose content was replied to.
        to: u32,
        /// The message replied to, when known.
        message: Option<u64>,
    },
    /// Mentioned `to`.
    Mention {
        /// Who was mentioned.
        to: u32,
    },
    /// Re-shared content of `of`, optionally their message `message`.
    Reshare {
        /// Whose content was re-shared.
        of: u32,
        /// The message re-shared, when known.
        message: Option<u64>,
    },
    /// Invited `invitee`.
    Invite {
        /// Who was invited.
        invitee: u32,
    },
    /// Referred `new_member`, who joined through the referral.
    Referral {
        /// The member who joined.
        new_member: u32,
    },
    /// A share by the member brought `node` to visit (and, if `joined`, to join).
    ShareLedTo {
        /// The visitor or new member.
        node: u32,
        /// Whether the visit ended in a join.
        joined: bool,
    },
    /// The member joined (the community or `group`).
    Join,
    /// The member placed an order.
    Order {
        /// Order amount in fen.
        amount_fen: i64,
    },
    /// Any other activity (click, check-in, reaction): engagement and co-activity only.
    Other,
}

/// One event as the graph sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InteractionEvent {
    /// The acting member (or visitor) node id.
    pub member: u32,
    /// What happened.
    pub kind: InteractionKind,
    /// The group it happened in, if any.
    pub group: Option<u32>,
    /// When, in Unix milliseconds.
    pub at_ms: i64,
}

impl InteractionEvent {
    /// The direct edge this event creates, as `(from, to)`, if any.
    #[must_use]
    pub fn direct_edge(&self) -> Option<(u32, u32)> {
        let m = self.member;
        let (u, v) = match self.kind {
            InteractionKind::Reply { to, .. } => (to, m),
            InteractionKind::Reshare { of, .. } => (of, m),
            InteractionKind::Mention { to } => (m, to),
            InteractionKind::Invite { invitee } => (m, invitee),
            InteractionKind::Referral { new_member } => (m, new_member),
            InteractionKind::ShareLedTo { node, .. } => (m, node),
            _ => return None,
        };
        (u != v).then_some((u, v))
    }
}

/// Parameters of [`build_interaction_graph`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GraphBuildOptions {
    /// The graph as of this instant (Unix ms): later events are ignored, idleness counts
    /// from here.
    pub as_of_ms: i64,
    /// Weight of a direct interaction (reply, mention, re-share, invitation, referral, share
    /// that led to a visit or join).
    pub direct_weight: f32,
    /// Weight of being active in the same group in the same hour.
    pub coactivity_weight: f32,
    /// Weight kept per month of idleness (0.9 = decay 10% a month).
    pub monthly_retention: f64,
    /// Length of a month in ms (30 days).
    pub month_ms: i64,
    /// Co-activity links per member and group-hour at most; larger group-hours are sampled.
    pub coactivity_cap: usize,
}

impl GraphBuildOptions {
    /// The defaults of issue 5 as of `as_of_ms`.
    #[must_use]
    pub fn as_of(as_of_ms: i64) -> Self {
        Self {
            as_of_ms,
            direct_weight: 10.0,
            coactivity_weight: 1.0,
            monthly_retention: 0.9,
            month_ms: 30 * 86_400_000,
            coactivity_cap: 16,
        }
    }

    /// `monthly_retention ^ months` since `at_ms` (1 for events at or after `as_of_ms`).
    #[must_use]
    pub fn decay(&self, at_ms: i64) -> f64 {
        let idle = (self.as_of_ms - at_ms).max(0) as f64 / self.month_ms as f64;
        self.monthly_retention.powf(idle)
    }
}

/// A tenant's interaction graph with per-edge recency.
#[derive(Debug, Clone)]
pub struct InteractionGraph {
    /// The weighted directed graph (weights already decayed).
    pub graph: Csr,
    /// The last interaction on each edge, by edge id (Unix ms).
    pub last_at_ms: Vec<i64>,
}

const HOUR_MS: i64 = 3_600_000;

/// Builds the interaction graph of `n` nodes from `events`.
///
/// Each directed edge sums its raw weights, then decays by `0.9^months` since its last
/// interaction. Co-activity: for each group and clock hour, the distinct active nodes are
/// linked pairwise both ways when there are at most `coactivity_cap + 1` of them; in a
/// larger group-hour each node is linked to the next `coactivity_cap / 2` nodes both ways
/// around a ring in a per-bucket pseudo-random order, with the weight scaled by
/// `(m − 1) / (2 · (cap / 2))` so that each node's co-activity weight still equals the full
/// clique's `m − 1`. That keeps the cost at `O(m · cap)` instead of `O(m²)`.
pub fn build_interaction_graph(
    n: u32,
    events: &[InteractionEvent],
    opts: &GraphBuildOptions,
) -> Result<InteractionGraph, GraphError> {
    let mut raw: Vec<(u64, f32, i64)> = Vec::new();
    let mut active: Vec<(u32, i64, u32, i64)> = Vec::new();
    for e in events.iter().filter(|e| e.at_ms <= opts.as_of_ms) {
        if e.member >= n {
            return Err(GraphError::NodeOutOfRange { node: e.member, n });
        }
        if let Some((u, v)) = e.direct_edge() {
            if u >= n || v >= n {
                return Err(GraphError::NodeOutOfRange { node: u.max(v), n });
            }
            raw.push((key(u, v), opts.direct_weight, e.at_ms));
        }
        if let Some(g) = e.group {
            active.push((g, e.at_ms.div_euclid(HOUR_MS), e.member, e.at_ms));
        }
    }
    coactivity(&mut active, opts, &mut raw);
    raw.sort_unstable_by_key(|r| r.0);
    let mut src = Vec::new();
    let mut dst = Vec::new();
    let mut w = Vec::new();
    let mut last = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        let k = raw[i].0;
        let (mut sum, mut at) = (0.0f64, i64::MIN);
        while i < raw.len() && raw[i].0 == k {
            sum += f64::from(raw[i].1);
            at = at.max(raw[i].2);
            i += 1;
        }
        src.push((k >> 32) as u32);
        dst.push(k as u32);
        w.push((sum * opts.decay(at)) as f32);
        last.push(at);
    }
    // Unique keys in ascending (source, target) order are exactly the CSR's edge-id order.
    let graph = Csr::from_arrays(n, &src, &dst, Some(&w))?;
    Ok(InteractionGraph {
        graph,
        last_at_ms: last,
    })
}

fn key(u: u32, v: u32) -> u64 {
    (u64::from(u) << 32) | u64::from(v)
}

/// Appends co-activity edges for `(group, hour, node, at_ms)` activity records.
fn coactivity(
    active: &mut [(u32, i64, u32, i64)],
    opts: &GraphBuildOptions,
    raw: &mut Vec<(u64, f32, i64)>,
) {
    active.sort_unstable();
    let cap = opts.coactivity_cap.max(2);
    let mut bucket: Vec<(u32, i64)> = Vec::new();
    let mut i = 0;
    while i < active.len() {
        let (g, h) = (active[i].0, active[i].1);
        bucket.clear();
        while i < active.len() && active[i].0 == g && active[i].1 == h {
            let (node, at) = (active[i].2, active[i].3);
            // Sorted by node then time: keep each node once, with its latest time.
            match bucket.last_mut() {
                Some(last) if last.0 == node => last.1 = at,
                _ => bucket.push((node, at)),
            }
            i += 1;
        }
        let m = bucket.len();
        let w = opts.coactivity_weight;
        if m <= cap + 1 {
            for a in 0..m {
                for b in a + 1..m {
                    let at = bucket[a].1.max(bucket[b].1);
                    raw.push((key(bucket[a].0, bucket[b].0), w, at));
                    raw.push((key(bucket[b].0, bucket[a].0), w, at));
                }
            }
        } else {
            let salt = (u64::from(g) << 40) ^ (h as u64);
            bucket.sort_unstable_by_key(|&(node, _)| mix(salt ^ u64::from(node)));
            let half = cap / 2;
            let scaled = w * (m - 1) as f32 / (2 * half) as f32;
            for a in 0..m {
                for step in 1..=half {
                    let b = (a + step) % m;
                    let at = bucket[a].1.max(bucket[b].1);
                    raw.push((key(bucket[a].0, bucket[b].0), scaled, at));
                    raw.push((key(bucket[b].0, bucket[a].0), scaled, at));
                }
            }
        }
    }
}

fn mix(mut x: u64) -> u64 {
    super::rng::splitmix64(&mut x)
}

#[cfg(test)]
#[path = "build_tests.rs"]
mod tests;
