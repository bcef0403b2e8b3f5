//! From the plan's indexes to what the store takes: `NewMember`s and `NewEvent`s.

use std::collections::BTreeMap;

use quanzi_domain::event::{EventKind, NewEvent};
use quanzi_domain::member::{ExternalIds, Gender, NewMember};
use quanzi_domain::{GroupId, MemberId};

use super::calendar::{DAY, MINUTE, ymd};
use super::catalog::{INTERESTS, PARTNERS, POSTERS, STORES, product};
use super::plan::{self, Kind, PEvent, Plan, Props, Ref, Scene};

/// The member rows with their creation times (a few minutes before their first join).
pub fn members(plan: &Plan) -> Vec<(NewMember, i64)> {
    let end = plan.cal.end;
    plan.people
        .iter()
        .zip(&plan.outcomes)
        .map(|(p, o)| {
            let m = NewMember {
                name: p.name.clone(),
                gender: match p.female {
                    Some(true) => Gender::Female,
                    Some(false) => Gender::Male,
                    None => Gender::Unknown,
                },
                district: STORES.get(p.store).map(|s| s.district.to_string()),
                interests: p
                    .interests
                    .iter()
                    .filter_map(|k| INTERESTS.get(*k).map(|s| s.to_string()))
                    .collect(),
                spending_tier: plan::tier(o.spend),
                lifecycle_stage: plan::lifecycle(p, o, end),
                source_channel: Some(p.source.as_str().to_string()),
                external: ExternalIds {
                    // Prospects were never added on WeCom.
                    external_userid: (!p.external_userid.is_empty())
                        .then(|| p.external_userid.clone()),
                    unionid: p.unionid.clone(),
                    phone: p.phone.clone(),
                },
                custom: BTreeMap::new(),
            };
            (m, p.arrival - 5 * MINUTE)
        })
        .collect()
}

/// Turns planned events into store events; `first` is the 0-based position of `events[0]`
/// in the whole plan (keys are `demo-1`, `demo-2`… in time order); `start` is the window's
/// first midnight.
pub fn events(
    events: &[PEvent],
    start: i64,
    first: usize,
    members: &[MemberId],
    groups: &[GroupId],
) -> Vec<NewEvent> {
    let kinds: Vec<(Kind, Option<EventKind>)> = [
        Kind::Join,
        Kind::Leave,
        Kind::Message,
        Kind::Reaction,
        Kind::Share,
        Kind::Click,
        Kind::Visit,
        Kind::Order,
        Kind::Refund,
        Kind::Referral,
    ]
    .into_iter()
    .map(|k| (k, EventKind::builtin(k.as_str())))
    .collect();
    let mid = |i: u32| members.get(i as usize).map_or(0, |m| m.0);
    events
        .iter()
        .enumerate()
        .filter_map(|(n, e)| {
            let kind = kinds.iter().find(|(k, _)| *k == e.kind)?.1.clone()?;
            Some(NewEvent {
                idempotency_key: format!("demo-{}", first + n + 1),
                kind,
                member_id: MemberId(mid(e.member)),
                group_id: e.group.and_then(|g| groups.get(g as usize).copied()),
                occurred_at_ms: e.t,
                amount_fen: matches!(e.kind, Kind::Order | Kind::Refund).then_some(e.amount),
                product: e.product.map(|p| product(p as usize).name.to_string()),
                reference: reference(e.reference, start, &mid),
                properties: properties(e.props, &mid),
            })
        })
        .collect()
}

fn reference(r: Ref, start: i64, mid: &dyn Fn(u32) -> i64) -> Option<String> {
    match r {
        Ref::None => None,
        Ref::Campaign(c) => Some(c.to_string()),
        Ref::Share(n) => Some(format!("share-{n:06}")),
        Ref::Invite(j) => Some(format!("invite-{}", mid(j))),
        Ref::Post(d, h) => Some(post_reference(start + i64::from(d) * DAY, h)),
    }
}

fn properties(p: Props, mid: &dyn Fn(u32) -> i64) -> String {
    match p {
        Props::Empty => "{}".into(),
        Props::Join(scene, inviter) => {
            let extra = match (scene, inviter) {
                (Scene::Referral, Some(j)) => format!(",\"inviter_member_id\":{}", mid(j)),
                (Scene::Poster(i), _) => {
                    let name = POSTERS.get(i as usize).copied().unwrap_or("海报");
                    format!(",\"poster\":\"{name}\"")
                }
                (Scene::Partner(i), _) => {
                    let name = PARTNERS.get(i as usize).map_or("合作门店", |p| p.name);
                    format!(",\"partner_shop\":\"{name}\"")
                }
                (Scene::StoreQr(i), _) => {
                    let name = STORES.get(i as usize).map_or("门店", |s| s.name);
                    format!(",\"store\":\"{name}\"")
                }
                _ => String::new(),
            };
            format!("{{\"join_scene\":\"{}\"{extra}}}", scene.as_str())
        }
        Props::Share(c, of) => {
            let ch = ["friend", "group", "moments"]
                .get(c as usize)
                .copied()
                .unwrap_or("friend");
            match of {
                Some(o) => format!("{{\"channel\":\"{ch}\",\"of_member_id\":{}}}", mid(o)),
                None => format!("{{\"channel\":\"{ch}\"}}"),
            }
        }
        Props::Message(n, None) => format!("{{\"message_id\":\"m{n}\"}}"),
        Props::Message(n, Some((to, m))) => format!(
            "{{\"message_id\":\"m{n}\",\"reply_to_member_id\":{},\"reply_to_message_id\":\"m{m}\"}}",
            mid(to)
        ),
        Props::Reaction(None) => "{}".into(),
        Props::Reaction(Some((to, m))) => format!(
            "{{\"reply_to_member_id\":{},\"reply_to_message_id\":\"m{m}\"}}",
            mid(to)
        ),
        Props::ShareClick(s) => format!("{{\"via\":\"share\",\"sharer_member_id\":{}}}", mid(s)),
        Props::Visit(s) => {
            let name = STORES.get(s as usize).map_or("门店", |s| s.name);
            format!("{{\"store\":\"{name}\"}}")
        }
        Props::Order(qty, in_store) => {
            let ch = if in_store { "store" } else { "mini_program" };
            format!("{{\"qty\":{qty},\"channel\":\"{ch}\"}}")
        }
        Props::Refund(r) => {
            let reasons = ["品质问题", "缺货退款", "配送延误", "拍错了"];
            let why = reasons.get(r as usize).copied().unwrap_or("其他");
            format!("{{\"reason\":\"{why}\"}}")
        }
        Props::Referral(i) => format!("{{\"invitee_member_id\":{}}}", mid(i)),
    }
}

/// The reference of an operator's daily post, e.g. `post-20241105-20`.
fn post_reference(day_start: i64, hour: u8) -> String {
    let (y, m, d) = ymd(day_start);
    format!("post-{y:04}{m:02}{d:02}-{hour}")
}
