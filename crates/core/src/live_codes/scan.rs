//! A scan of a live code: route the visitor to a group with room (or a staff member), hold
//! their place, open the next group from the template when every group is full, record the
//! visit and attribute the member to the code — all in one transaction, the code's row
//! locked, so concurrent scans never pass a group's hard capacity and open one group, not
//! several. Then the join, confirmed from the landing page, turns the seat into membership.

use quanzi_domain::event::{Builtin, EventKind, NewEvent};
use quanzi_domain::live_code::staff::{StaffSlot, pick};
use quanzi_domain::live_code::{
    LiveCodeKind, Room, Route, SEAT_HOLD_MS, Traits, opened_name, route,
};
use quanzi_domain::member::{LifecycleStage, MemberPatch, SpendingTier};
use quanzi_domain::{GroupId, Invalid, MemberId, TenantId};
use quanzi_store::live_code::{self as repo, Seat};
use quanzi_store::{Db, Tx, gift, group, member, now_ms, webhook};
use serde_json::json;

use crate::views::{Gift, Group, LiveCode, Redemption};
use crate::{CoreError, Result};

/// What a visitor brings to a scan.
#[derive(Debug, Clone, Default)]
pub struct ScanInput {
    /// Who scanned, when known.
    pub member: Option<MemberId>,
    /// Else the browser's visitor key: a prospect is recorded for it the first time.
    pub visitor: Option<String>,
    /// District and interest from the link or the two-question form (over the member's own).
    pub traits: Traits,
    /// The referral share that brought them: (programme, inviter).
    pub referral: Option<(i64, MemberId)>,
    /// The visitor's address, for the fraud guards.
    pub ip: Option<String>,
}

/// What the landing page shows after a scan.
#[derive(Debug, Clone)]
pub struct Landing {
    /// The code.
    pub code: LiveCode,
    /// Who scanned (a new visitor's prospect included).
    pub member: MemberId,
    /// The group chosen, if any.
    pub group: Option<Group>,
    /// The staff member chosen by a staff code.
    pub staff: Option<String>,
    /// Whether this scan opened a new group (it waits for the operator's QR).
    pub opened: bool,
    /// Whether the member has joined the group already.
    pub joined: bool,
    /// The member's lead-gift code, if the code gives one.
    pub redemption: Option<(Redemption, Gift)>,
    /// Until when the chosen group's own QR image is valid, when it has one that is.
    pub group_qr_until: Option<i64>,
    /// The tenant's offset from UTC, seconds (for showing times).
    pub offset_secs: i64,
}

/// The seat a scan decided, with what it did along the way.
struct Decided {
    seat: Seat,
    opened: Option<GroupId>,
    full: Vec<i64>,
}

/// A scan read and checked, ready for its transaction.
pub(crate) struct Prepared {
    /// Groups the caller believes full: routing looks at the others first.
    pub(crate) skip: Vec<i64>,
    code: LiveCode,
    who: Who,
    traits: Traits,
    referral: Option<(i64, MemberId)>,
    network: Option<String>,
    offset: i64,
}

/// Who scanned: a known member, or a new browser's visitor key (a prospect is recorded for
/// it in the scan's transaction).
enum Who {
    Member {
        id: MemberId,
        fresh: bool,
        has_source: bool,
    },
    Visitor(String),
}

/// What the transaction did.
pub(crate) struct Applied {
    /// Groups found at their hard capacity, for the caller's hints.
    pub(crate) full: Vec<i64>,
    member: MemberId,
    seat: Seat,
    opened: bool,
    redemption: Option<gift::Redemption>,
}

/// Routes a scan of code `id` (see the module's note), in a transaction of its own.
pub async fn scan(db: &Db, t: TenantId, id: i64, input: ScanInput) -> Result<Landing> {
    let p = prepare(db, t, id, input).await?;
    let mut tx = db.begin().await?;
    let a = apply(&mut tx, t, &p).await?;
    tx.commit().await?;
    finish(db, t, p, a).await
}

/// Reads what a scan needs before its transaction: the code, the member and their traits.
pub(crate) async fn prepare(db: &Db, t: TenantId, id: i64, input: ScanInput) -> Result<Prepared> {
    let code = super::get(db, t, id).await?;
    prepare_code(db, t, code, input).await
}

/// [`prepare`] with the code already read.
pub(crate) async fn prepare_code(
    db: &Db,
    t: TenantId,
    code: LiveCode,
    input: ScanInput,
) -> Result<Prepared> {
    if code.archived_at_ms.is_some() {
        return Err(Invalid::one("live_code", "the code has ended").into());
    }
    let mut traits = input.traits.clone();
    let who = match (input.member, input.visitor) {
        (Some(m), _) => {
            let who = member::get(db, t, m)
                .await?
                .ok_or(CoreError::NotFound("member"))?;
            if traits.district.is_none() {
                traits.district = who.district.clone();
            }
            if traits.interests.is_empty() {
                traits.interests = who.interests.clone();
            }
            traits.tier = SpendingTier::parse(&who.spending_tier);
            let fresh = LifecycleStage::parse(&who.lifecycle_stage)
                .is_some_and(|s| matches!(s, LifecycleStage::Prospect | LifecycleStage::New));
            Who::Member {
                id: m,
                fresh,
                has_source: who.source_channel.is_some(),
            }
        }
        (None, Some(key)) => Who::Visitor(key),
        (None, None) => return Err(Invalid::one("member", "the visitor is not known").into()),
    };
    // A share counts on the programme's own code only.
    let referral = match input.referral {
        Some((program, inviter)) => quanzi_store::referral::get(db, t, program)
            .await?
            .filter(|p| p.live_code_id == Some(code.live_code_id))
            .map(|_| (program, inviter)),
        None => None,
    };
    Ok(Prepared {
        skip: Vec::new(),
        code,
        who,
        traits,
        referral,
        network: input
            .ip
            .as_deref()
            .and_then(quanzi_domain::referral::guard::network),
        offset: crate::zone::offset_secs(db, t).await?,
    })
}

/// The scan's writes, in `tx` (its own, or a savepoint of a shared one).
pub(crate) async fn apply(tx: &mut Tx, t: TenantId, p: &Prepared) -> Result<Applied> {
    let code = &p.code;
    let id = code.live_code_id;
    let now = now_ms();
    repo::lock(tx, t, id).await?;
    let (m, fresh, has_source) = match &p.who {
        Who::Member {
            id,
            fresh,
            has_source,
        } => (*id, *fresh, *has_source),
        Who::Visitor(key) => {
            let source = format!("live_code:{}", code.slug);
            // A visitor is a prospect: the code's gift is theirs (issued once).
            let (m, _) = crate::visitors::visitor_in(tx, t, key, &source, now).await?;
            (m, true, true)
        }
    };
    let held = repo::seat(tx, t, id, m).await?;
    let d = decide(tx, t, code, held.clone(), p, now).await?;
    let mut seat = d.seat;
    seat.network = p.network.clone();
    if let Some((program, inviter)) = p.referral {
        seat.program_id = Some(program);
        seat.inviter_member_id = Some(inviter.0);
    }
    repo::hold(tx, t, id, m, &seat).await?;
    if let Some((program, sharer)) = p.referral.filter(|_| held.is_none()) {
        let net = seat.network.clone();
        crate::referrals::on_visit(tx, t, program, sharer, m, net.as_deref(), now).await?;
    }
    record_visit(tx, t, code, m, &seat, now).await?;
    if !has_source {
        let patch = MemberPatch {
            source_channel: Some(Some(format!("live_code:{}", code.slug))),
            ..Default::default()
        };
        member::update(tx, t, m, &patch).await?;
    }
    let redemption = match code.gift_id.filter(|_| fresh) {
        Some(g) => issue_gift(tx, t, g, m, id, now).await?,
        None => None,
    };
    Ok(Applied {
        full: d.full,
        member: m,
        seat,
        opened: d.opened.is_some(),
        redemption,
    })
}

/// The landing after the commit: the group's and the gift's views.
pub(crate) async fn finish(db: &Db, t: TenantId, p: Prepared, a: Applied) -> Result<Landing> {
    let group = match a.seat.group_id {
        Some(g) => Some(crate::groups::get(db, t, GroupId(g)).await?),
        None => None,
    };
    let group_qr_until = match a.seat.group_id {
        Some(g) => {
            quanzi_store::live_code_funnel::qr_valid_until(db, t, GroupId(g), now_ms()).await?
        }
        None => None,
    };
    let redemption = match a.redemption {
        Some(r) => {
            let g = gift::get(db, t, r.gift_id)
                .await?
                .ok_or(CoreError::NotFound("gift"))?;
            Some((Redemption::from(r), Gift::from(g)))
        }
        None => None,
    };
    Ok(Landing {
        code: p.code,
        member: a.member,
        group,
        staff: a.seat.staff_userid,
        opened: a.opened,
        joined: a.seat.joined_at_ms.is_some(),
        redemption,
        group_qr_until,
        offset_secs: p.offset,
    })
}

/// Where the scan goes: the member's live or joined seat if they have one, else a staff
/// member (staff codes) or a group chosen by the routing rules, opening one when all are full.
async fn decide(
    tx: &mut Tx,
    t: TenantId,
    code: &LiveCode,
    held: Option<Seat>,
    p: &Prepared,
    now: i64,
) -> Result<Decided> {
    let (traits, offset) = (&p.traits, p.offset);
    let expires = now + SEAT_HOLD_MS;
    if let Some(s) = held.filter(|s| s.joined_at_ms.is_some() || s.expires_at_ms > now) {
        let keep = match s.group_id {
            Some(g) => group::get_tx(tx, t, GroupId(g))
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
        let staff = choose_staff(tx, t, code, now, offset).await?;
        return Ok(Decided {
            seat: Seat {
                staff_userid: staff,
                ..blank
            },
            opened: None,
            full: Vec::new(),
        });
    }
    let pool = repo::pool_tx(tx, t, code.live_code_id).await?;
    let ids: Vec<i64> = match code.rules.iter().find(|r| r.matches(traits)) {
        // A rule's groups, then the groups the code opened itself when they filled.
        Some(rule) => rule
            .group_ids
            .iter()
            .map(|g| g.0)
            .chain(pool.iter().filter(|p| p.1.is_some()).map(|p| p.0))
            .collect(),
        None => pool.iter().map(|p| p.0).collect(),
    };
    let pool: Vec<GroupId> = pool.iter().map(|p| GroupId(p.0)).collect();
    // The groups believed full are looked at only when the others have no room, so a code
    // that opened many groups reads the loads of few; a full verdict is always made on all.
    let likely: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|g| !p.skip.contains(g))
        .collect();
    let mut rooms = rooms_of(tx, t, &likely, now).await?;
    let mut choice = route(&rooms);
    if choice == Route::Full && likely.len() < ids.len() {
        rooms = rooms_of(tx, t, &ids, now).await?;
        choice = route(&rooms);
    }
    let mut full: Vec<i64> = rooms
        .iter()
        .filter(|r| r.load >= r.hard)
        .map(|r| r.group.0)
        .collect();
    match choice {
        Route::Group(g) => {
            if rooms.iter().any(|r| r.group == g && r.load + 1 >= r.hard) {
                full.push(g.0);
            }
            Ok(Decided {
                seat: Seat {
                    group_id: Some(g.0),
                    ..blank
                },
                opened: None,
                full,
            })
        }
        Route::Full => {
            let g = open_group(tx, t, code, &pool, now).await?;
            Ok(Decided {
                seat: Seat {
                    group_id: g.map(|g| g.0),
                    ..blank
                },
                opened: g,
                full,
            })
        }
    }
}

/// The rooms of `ids` that are open (not archived), in their order.
async fn rooms_of(tx: &mut Tx, t: TenantId, ids: &[i64], now: i64) -> Result<Vec<Room>> {
    Ok(repo::rooms(tx, t, ids, now)
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
    tx: &mut Tx,
    t: TenantId,
    code: &LiveCode,
    pool: &[GroupId],
    now: i64,
) -> Result<Option<GroupId>> {
    let Some(template) = code.template_group_id.or(pool.last().copied()) else {
        return Ok(None);
    };
    let Some(tpl) = group::get_tx(tx, t, template).await? else {
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
    let created = group::create(tx, t, &g, now).await?;
    let id = GroupId(created.group_id);
    repo::add_opened(tx, t, code.live_code_id, id, now).await?;
    let payload = json!({
        "live_code_id": code.live_code_id,
        "live_code": code.slug,
        "group_id": id.0,
        "name": created.name,
        "template_group_id": template.0,
        "at_ms": now,
    });
    webhook::emit(tx, t, "group.needs_new", &payload, now).await?;
    super::wecom::request_way(tx, t, code.live_code_id).await?;
    Ok(Some(id))
}

/// The staff member who takes this contact: round-robin within hours and daily limits.
async fn choose_staff(
    tx: &mut Tx,
    t: TenantId,
    code: &LiveCode,
    now: i64,
    offset: i64,
) -> Result<Option<String>> {
    let day = quanzi_domain::zone::day_of(now, offset);
    let since = quanzi_domain::zone::day_start_ms(day, offset);
    let hour = ((now - since) / 3_600_000).clamp(0, 23) as u8;
    let served = repo::served_since(tx, t, code.live_code_id, since).await?;
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

/// Records a scan as a `visit` event referencing the code, and tells the webhooks.
pub(crate) async fn record_visit(
    tx: &mut Tx,
    t: TenantId,
    code: &LiveCode,
    m: MemberId,
    seat: &Seat,
    now: i64,
) -> Result<()> {
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).map_err(|e| CoreError::ServerKey(e.to_string()))?;
    let props = json!({
        "live_code": code.slug,
        "group_id": seat.group_id,
        "staff": seat.staff_userid,
        "inviter_member_id": seat.inviter_member_id,
    });
    let ev = NewEvent {
        idempotency_key: format!(
            "scan-{}-{}-{now}-{}",
            code.live_code_id,
            m.0,
            hex::encode(nonce)
        ),
        kind: EventKind::of(Builtin::Visit),
        member_id: m,
        group_id: None,
        occurred_at_ms: now,
        amount_fen: None,
        product: None,
        reference: Some(format!("lc:{}", code.live_code_id)),
        properties: props.to_string(),
    };
    crate::events::store(tx, t, &[ev]).await?;
    let payload = json!({
        "live_code_id": code.live_code_id,
        "live_code": code.slug,
        "member_id": m.0,
        "group_id": seat.group_id,
        "staff": seat.staff_userid,
        "at_ms": now,
    });
    webhook::emit(tx, t, "live_code.scanned", &payload, now).await?;
    Ok(())
}

/// Issues the member the code's lead gift, when it has stock; a random code, retried on the
/// rare collision.
async fn issue_gift(
    tx: &mut Tx,
    t: TenantId,
    gift_id: i64,
    m: MemberId,
    code: i64,
    now: i64,
) -> Result<Option<gift::Redemption>> {
    let mut tries = 0;
    loop {
        tries += 1;
        let mut raw = [0u8; 8];
        getrandom::fill(&mut raw).map_err(|e| CoreError::ServerKey(e.to_string()))?;
        let text = quanzi_domain::gift::redemption_code(u64::from_le_bytes(raw));
        tx.savepoint().await?;
        match gift::issue(tx, t, gift_id, m, Some(code), &text, now).await {
            Ok(r) => {
                tx.release().await?;
                return Ok(r);
            }
            // Another member holds this code (one chance in a trillion): draw again.
            Err(quanzi_store::StoreError::Conflict { .. }) if tries < 4 => {
                tx.rollback_to().await?;
            }
            Err(e) => {
                tx.rollback_to().await?;
                return Err(e.into());
            }
        }
    }
}

/// The member says they joined the group the code showed: the join is recorded (with the
/// code as its scene and the inviter who shared it), the seat marked joined, and referral
/// rewards granted in the same transaction.
pub async fn confirm_join(db: &Db, t: TenantId, id: i64, m: MemberId) -> Result<Group> {
    // A join PostgreSQL chose as a deadlock victim (against the scan lane's locks) is tried
    // again, twice at most: nothing of the aborted try was kept.
    let mut tries = 0;
    loop {
        tries += 1;
        match confirm_join_once(db, t, id, m).await {
            Err(CoreError::Store(e)) if e.is_retryable() && tries < 3 => continue,
            r => return r,
        }
    }
}

async fn confirm_join_once(db: &Db, t: TenantId, id: i64, m: MemberId) -> Result<Group> {
    let code = super::get(db, t, id).await?;
    let now = now_ms();
    let mut tx = db.begin().await?;
    repo::lock(&mut tx, t, id).await?;
    let seat = repo::seat(&mut tx, t, id, m)
        .await?
        .ok_or_else(|| Invalid::one("live_code", "scan the code first"))?;
    let g = GroupId(
        seat.group_id
            .ok_or_else(|| Invalid::one("group_id", "the code has no group for you yet"))?,
    );
    if seat.joined_at_ms.is_none() {
        if seat.expires_at_ms <= now {
            return Err(
                Invalid::one("live_code", "the place held for you expired: scan again").into(),
            );
        }
        let inviter = seat.inviter_member_id.map(MemberId).filter(|i| *i != m);
        let scene = format!("live_code:{}", code.slug);
        crate::groups::join_in(&mut tx, t, g, m, Some(scene), inviter).await?;
        repo::joined(&mut tx, t, m, g, now).await?;
        if let (Some(program), Some(inviter)) = (seat.program_id, seat.inviter_member_id) {
            crate::referrals::on_join(
                &mut tx,
                t,
                program,
                MemberId(inviter),
                m,
                seat.network.as_deref(),
                now,
            )
            .await?;
        }
    }
    tx.commit().await?;
    crate::groups::get(db, t, g).await
}
