//! Where a scan goes: the member's live seat, a staff member of a staff code, or a group with
//! room by the code's rules — opening the next group from the template when every group is
//! full. Read and written in the scan's transaction ([`On`]).

use quanzi_domain::live_code::staff::{StaffSlot, pick};
use quanzi_domain::live_code::{LiveCodeKind, Room, Route, SEAT_HOLD_MS, opened_name, route};
use quanzi_domain::{GroupId, TenantId};
use quanzi_store::live_code::{self as repo, PoolStamp, Seat};
use quanzi_store::on::On;
use quanzi_store::{group, webhook};
use serde_json::json;

use super::Prepared;
use crate::Result;
use crate::views::LiveCode;

/// A code's pool as routing reads it: (group, opened by the code at), in order.
pub(crate) type Pool = std::sync::Arc<Vec<(i64, Option<i64>)>>;

/// The seat a scan decided, with what it did along the way.
pub(super) struct Decided {
    pub(super) seat: Seat,
    pub(super) opened: Option<GroupId>,
    pub(super) full: Vec<i64>,
    /// Groups whose loads it read with room left.
    pub(super) roomy: Vec<i64>,
    /// The pool routing read (with a group it opened), when it read one.
    pub(super) pool: Option<(PoolStamp, Pool)>,
}

/// The code's pool: the one the scan brought when it is still current, else read.
async fn pool_of(
    on: &mut On<'_>,
    t: TenantId,
    code: i64,
    known: Option<&(PoolStamp, Pool)>,
) -> Result<(PoolStamp, Pool)> {
    let stamp = repo::pool_stamp(on, t, code).await?;
    if let Some((s, pool)) = known
        && *s == stamp
    {
        return Ok((stamp, pool.clone()));
    }
    Ok((stamp, Pool::new(repo::pool_tx(on, t, code).await?)))
}

/// Where the scan goes: the member's live or joined seat if they have one, else a staff
/// member (staff codes) or a group chosen by the routing rules, opening one when all are full.
pub(super) async fn decide(
    on: &mut On<'_>,
    t: TenantId,
    held: Option<Seat>,
    p: &Prepared,
    now: i64,
) -> Result<Decided> {
    let code = &p.code;
    let expires = now + SEAT_HOLD_MS;
    if let Some(s) = held.filter(|s| s.joined_at_ms.is_some() || s.expires_at_ms > now) {
        let keep = match s.group_id {
            Some(g) => group::get_on(on, t, GroupId(g))
                .await?
                .is_some_and(|g| g.archived_at_ms.is_none()),
            None => s.staff_userid.is_some(),
        };
        if keep {
            let expires_at_ms = if s.joined_at_ms.is_some() {
                s.expires_at_ms
            } else {
                expires
            };
            return Ok(Decided {
                seat: Seat {
                    scanned_at_ms: now,
                    expires_at_ms,
                    ..s
                },
                opened: None,
                full: Vec::new(),
                roomy: Vec::new(),
                pool: None,
            });
        }
    }
    let blank = Seat {
        group_id: None,
        staff_userid: None,
        scanned_at_ms: now,
        expires_at_ms: expires,
        joined_at_ms: None,
        program_id: None,
        inviter_member_id: None,
        network: None,
    };
    if LiveCodeKind::parse(&code.kind) == Some(LiveCodeKind::Staff) {
        let staff = choose_staff(on, t, code, now, p.offset).await?;
        return Ok(Decided {
            seat: Seat {
                staff_userid: staff,
                ..blank
            },
            opened: None,
            full: Vec::new(),
            roomy: Vec::new(),
            pool: None,
        });
    }
    let (stamp, read) = pool_of(on, t, code.live_code_id, p.pool.as_ref()).await?;
    let pool = &*read;
    let ids: Vec<i64> = match code.rules.iter().find(|r| r.matches(&p.traits)) {
        // A rule's groups, then the groups the code opened itself when they filled.
        Some(rule) => rule
            .group_ids
            .iter()
            .map(|g| g.0)
            .chain(pool.iter().filter(|p| p.1.is_some()).map(|p| p.0))
            .collect(),
        None => pool.iter().map(|p| p.0).collect(),
    };
    let groups: Vec<GroupId> = pool.iter().map(|p| GroupId(p.0)).collect();
    // The groups believed full are looked at only when the others have no room, so a code
    // that opened many groups reads the loads of few; a full verdict is always made on all.
    let likely: Vec<i64> = ids.iter().copied().filter(|g| p.told.likely(*g)).collect();
    let mut rooms = rooms_of(on, t, &likely, now).await?;
    let mut choice = route(&rooms);
    if choice == Route::Full && likely.len() < ids.len() {
        rooms = rooms_of(on, t, &ids, now).await?;
        choice = route(&rooms);
    }
    let mut full: Vec<i64> = rooms
        .iter()
        .filter(|r| r.load >= r.hard)
        .map(|r| r.group.0)
        .collect();
    if let Route::Group(g) = choice
        && rooms.iter().any(|r| r.group == g && r.load + 1 >= r.hard)
    {
        full.push(g.0);
    }
    let roomy: Vec<i64> = rooms
        .iter()
        .map(|r| r.group.0)
        .filter(|g| !full.contains(g))
        .collect();
    match choice {
        Route::Group(g) => Ok(Decided {
            seat: Seat {
                group_id: Some(g.0),
                ..blank
            },
            opened: None,
            full,
            roomy,
            pool: Some((stamp, read.clone())),
        }),
        Route::Full => {
            let g = open_group(on, t, code, &groups, now).await?;
            // A group opened is the pool's last, one position on.
            let pool = match g {
                Some(g) => {
                    let mut grown = pool.clone();
                    grown.push((g.0, Some(now)));
                    (stamp + 1, Pool::new(grown))
                }
                None => (stamp, read.clone()),
            };
            Ok(Decided {
                seat: Seat {
                    group_id: g.map(|g| g.0),
                    ..blank
                },
                opened: g,
                full,
                roomy,
                pool: Some(pool),
            })
        }
    }
}

/// The rooms of `ids` that are open (not archived), in their order.
async fn rooms_of(on: &mut On<'_>, t: TenantId, ids: &[i64], now: i64) -> Result<Vec<Room>> {
    Ok(repo::rooms(on, t, ids, now)
        .await?
        .into_iter()
        .filter(|r| r.4.is_none())
        .map(|(g, load, advised, hard, _)| Room {
            group: GroupId(g),
            load,
            advised,
            hard,
        })
        .collect())
}

/// Opens the next group from the code's template (or its last group): a new group in
/// Quanzi, added to the code's pool, announced to the operator (`group.needs_new`) until it
/// has its QR image. `None` when the code has no group to copy.
async fn open_group(
    on: &mut On<'_>,
    t: TenantId,
    code: &LiveCode,
    pool: &[GroupId],
    now: i64,
) -> Result<Option<GroupId>> {
    let Some(template) = code.template_group_id.or(pool.last().copied()) else {
        return Ok(None);
    };
    let Some(tpl) = group::get_on(on, t, template).await? else {
        return Ok(None);
    };
    let n = pool.len() + 1;
    let g = quanzi_domain::group::NewGroup {
        name: opened_name(&tpl.name, n),
        dimension: quanzi_domain::group::GroupDimension::parse(&tpl.dimension)
            .unwrap_or(quanzi_domain::group::GroupDimension::Other),
        theme: tpl.theme.clone(),
        rules: tpl.rules.clone(),
        capacity_hard: tpl.capacity_hard,
        capacity_advised: tpl.capacity_advised,
        external_chat_id: None,
    };
    let created = group::create_on(on, t, &g, now).await?;
    let id = GroupId(created.group_id);
    repo::add_opened(on, t, code.live_code_id, id, now).await?;
    let payload = json!({
        "live_code_id": code.live_code_id,
        "live_code": code.slug,
        "group_id": id.0,
        "name": created.name,
        "template_group_id": template.0,
        "at_ms": now,
    });
    webhook::emit_on(on, t, "group.needs_new", &payload, now).await?;
    super::super::wecom::request_way(on, t, code.live_code_id).await?;
    Ok(Some(id))
}

/// The staff member who takes this contact: round-robin within hours and daily limits.
async fn choose_staff(
    on: &mut On<'_>,
    t: TenantId,
    code: &LiveCode,
    now: i64,
    offset: i64,
) -> Result<Option<String>> {
    let day = quanzi_domain::zone::day_of(now, offset);
    let since = quanzi_domain::zone::day_start_ms(day, offset);
    let hour = ((now - since) / 3_600_000).clamp(0, 23) as u8;
    let served = repo::served_since(on, t, code.live_code_id, since).await?;
    let slots: &[StaffSlot] = &code.staff;
    let counts: Vec<i64> = slots
        .iter()
        .map(|s| {
            served
                .iter()
                .find(|(u, _)| *u == s.userid)
                .map_or(0, |(_, n)| *n)
        })
        .collect();
    Ok(pick(slots, &counts, hour, code.backup_staff.as_deref()).map(str::to_string))
}
