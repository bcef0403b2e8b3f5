//! The graph's input: the tenant's members as dense nodes (prospects marked as outside) and its
//! stored events read as interactions.
//!
//! How events become edges (the `properties` keys an API client sends):
//! - `message`: content, identified by `message_id` (the client's id, e.g. WeCom's msgid; the
//!   event otherwise); `reply_to_member_id` (and `reply_to_message_id`) makes it a reply,
//!   `mention_member_ids` mentions;
//! - `reaction`: a response to `reply_to_member_id` (and `reply_to_message_id`);
//! - `share`: content put out; `of_member_id` (and `of_message_id`) makes it a re-share;
//! - `click`, `visit`: `sharer_member_id` is whose share brought the member;
//! - `join`: `inviter_member_id` invited the member; `referral`: `invitee_member_id` joined
//!   through the member; `order`: a purchase (its amount counts for whoever brought the buyer).
//!
//! Members still at lifecycle stage `prospect` are outside the community: reach among them
//! is reach beyond the circle.

use std::collections::HashMap;

use quanzi_analytics::graph::build::{InteractionEvent, InteractionKind};
use quanzi_domain::TenantId;
use quanzi_domain::event::Builtin;
use quanzi_store::Db;
use quanzi_store::analytics::ScanRow;
use quanzi_store::influence as store;
use serde::Deserialize;

use crate::Result;

/// The tenant's graph input: dense node ids, who is outside, the events as the graph sees
/// them, and members' names.
pub(super) struct Loaded {
    /// Node to member id.
    pub ids: Vec<i64>,
    /// Node to member name.
    pub names: Vec<String>,
    /// Node to "a prospect, outside the community".
    pub outside: Vec<bool>,
    /// The events as the graph sees them.
    pub events: Vec<InteractionEvent>,
    /// Stored events read.
    pub event_count: usize,
}

/// The `properties` keys that link an event to other members and messages.
#[derive(Deserialize, Default)]
struct Links {
    message_id: Option<serde_json::Value>,
    reply_to_member_id: Option<i64>,
    reply_to_message_id: Option<serde_json::Value>,
    mention_member_ids: Option<Vec<i64>>,
    of_member_id: Option<i64>,
    of_message_id: Option<serde_json::Value>,
    sharer_member_id: Option<i64>,
    inviter_member_id: Option<i64>,
    invitee_member_id: Option<i64>,
}

/// Reads the tenant's members and its events up to `as_of_ms` (leaves and refunds are not
/// interactions).
pub(super) async fn load(db: &Db, t: TenantId, as_of_ms: i64) -> Result<Loaded> {
    let started = std::time::Instant::now();
    let members = store::graph_members(db, t).await?;
    let members_ms = started.elapsed().as_millis() as u64;
    let mut ids = Vec::with_capacity(members.len());
    let mut names = Vec::with_capacity(members.len());
    let mut outside = Vec::with_capacity(members.len());
    for m in members {
        ids.push(m.member_id);
        names.push(m.name);
        outside.push(m.lifecycle_stage == "prospect");
    }
    let start = Mapper {
        index: ids_index(&ids),
        groups: HashMap::new(),
        out: Vec::new(),
        rows: 0,
    };
    let m = quanzi_store::analytics::scan_events_with_properties(db, t, start, move |m, r| {
        let kind = Builtin::parse(r.kind);
        if r.occurred_at_ms <= as_of_ms && !matches!(kind, Some(Builtin::Leave | Builtin::Refund)) {
            m.add(r);
        }
    })
    .await?;
    let ms = started.elapsed().as_millis() as u64;
    tracing::info!(
        members_ms,
        ms,
        rows = m.rows,
        events = m.out.len(),
        "graph input read"
    );
    Ok(Loaded {
        ids,
        names,
        outside,
        events: m.out,
        event_count: m.rows,
    })
}

/// Member id to node.
pub(super) fn ids_index(ids: &[i64]) -> HashMap<i64, u32> {
    ids.iter()
        .enumerate()
        .map(|(i, &m)| (m, i as u32))
        .collect()
}

/// Turns stored events into the graph's events; rows naming members the tenant no longer
/// has (merged away) are skipped.
struct Mapper {
    /// Member id to node.
    index: HashMap<i64, u32>,
    /// Group id to dense group.
    groups: HashMap<i64, u32>,
    /// The graph's events.
    out: Vec<InteractionEvent>,
    /// Stored events read.
    rows: usize,
}

impl Mapper {
    fn add(&mut self, r: &ScanRow<'_>) {
        self.rows += 1;
        let (index, groups, out) = (&self.index, &mut self.groups, &mut self.out);
        let Some(&member) = index.get(&r.member_id) else {
            return;
        };
        let next = groups.len() as u32;
        let group = r.group_id.map(|g| *groups.entry(g).or_insert(next));
        // Every key the graph reads ends in `_id` (or `_ids`); most events carry none.
        let links: Links = if r.properties.contains("_id") {
            serde_json::from_str(r.properties).unwrap_or_default()
        } else {
            Links::default()
        };
        let node = |id: Option<i64>| id.and_then(|m| index.get(&m).copied());
        let at_ms = r.occurred_at_ms;
        let mut push = |member: u32, kind: InteractionKind, group: Option<u32>| {
            out.push(InteractionEvent {
                member,
                kind,
                group,
                at_ms,
            });
        };
        let message = match &links.message_id {
            Some(id) => message_key(id),
            None => u64::try_from(r.event_id).unwrap_or(0),
        };
        let replied = links.reply_to_message_id.as_ref().map(message_key);
        match Builtin::parse(r.kind) {
            Some(Builtin::Message) => {
                push(member, InteractionKind::Message { message }, group);
                if let Some(to) = node(links.reply_to_member_id) {
                    push(
                        member,
                        InteractionKind::Reply {
                            to,
                            message: replied,
                        },
                        None,
                    );
                }
                for to in links.mention_member_ids.iter().flatten() {
                    if let Some(to) = node(Some(*to)) {
                        push(member, InteractionKind::Mention { to }, None);
                    }
                }
            }
            Some(Builtin::Reaction) => match node(links.reply_to_member_id) {
                Some(to) => push(
                    member,
                    InteractionKind::Reply {
                        to,
                        message: replied,
                    },
                    group,
                ),
                None => push(member, InteractionKind::Other, group),
            },
            Some(Builtin::Share) => match node(links.of_member_id) {
                Some(of) => {
                    let message = links.of_message_id.as_ref().map(message_key);
                    push(member, InteractionKind::Reshare { of, message }, group);
                }
                None => push(member, InteractionKind::Message { message }, group),
            },
            Some(Builtin::Click | Builtin::Visit) => {
                push(member, InteractionKind::Other, group);
                if let Some(sharer) = node(links.sharer_member_id) {
                    let kind = InteractionKind::ShareLedTo {
                        node: member,
                        joined: false,
                    };
                    push(sharer, kind, None);
                }
            }
            Some(Builtin::Join) => {
                push(member, InteractionKind::Join, group);
                if let Some(inviter) = node(links.inviter_member_id) {
                    push(inviter, InteractionKind::Invite { invitee: member }, None);
                }
            }
            Some(Builtin::Referral) => match node(links.invitee_member_id) {
                Some(new_member) => {
                    push(member, InteractionKind::Referral { new_member }, None);
                }
                None => push(member, InteractionKind::Other, group),
            },
            Some(Builtin::Order) => push(
                member,
                InteractionKind::Order {
                    amount_fen: r.amount_fen,
                },
                group,
            ),
            _ => push(member, InteractionKind::Other, group),
        }
    }
}

/// A client's message id (a string or a number) as the graph's message key: FNV-1a of its
/// text with the top bit set, so it never meets an event id.
fn message_key(id: &serde_json::Value) -> u64 {
    let text = match id {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h | (1 << 63)
}
