//! A scan of a live code: route the visitor to a group with room (or a staff member), hold
//! their place, open the next group from the template when every group is full, record the
//! visit and attribute the member to the code — all in one transaction, the code's row
//! locked, so concurrent scans never pass a group's hard capacity and open one group, not
//! several. Then the join, confirmed from the landing page, turns the seat into membership.
//!
//! The transaction's work ([`apply`]) is written once over [`On`]: on the embedded store it
//! runs on the writer thread ([`super::lane`]), elsewhere in the async driver's transaction.

use quanzi_domain::live_code::Traits;
use quanzi_domain::member::{LifecycleStage, SpendingTier};
use quanzi_domain::{GroupId, Invalid, MemberId, TenantId};
use quanzi_store::live_code::{self as repo, PoolStamp, Seat};
use quanzi_store::on::On;
use quanzi_store::{Db, StoreError, gift, group, member, now_ms};

use crate::views::{Gift, Group, LiveCode, Redemption};
use crate::{CoreError, Result};

mod record;
mod route;

pub(crate) use record::record_visit;
pub(crate) use route::Pool;

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

/// A scan read and checked, ready for its transaction.
#[derive(Clone)]
pub(crate) struct Prepared {
    /// Groups the caller believes full: routing looks at the others first.
    pub(crate) told: super::hints::Told,
    /// The code's pool as an earlier scan read it: used when it is still current.
    pub(crate) pool: Option<(PoolStamp, Pool)>,
    pub(crate) code: LiveCode,
    who: Who,
    traits: Traits,
    pub(crate) referral: Option<(i64, MemberId)>,
    network: Option<String>,
    offset: i64,
}

/// Who scanned: a known member, or a new browser's visitor key (a prospect is recorded for
/// it in the scan's transaction).
#[derive(Clone)]
enum Who {
    Member {
        id: MemberId,
        fresh: bool,
        has_source: bool,
    },
    Visitor(String),
}

/// What the transaction did, with what the landing shows, read in it.
pub(crate) struct Applied {
    /// Groups found at their hard capacity, and with room, for the caller's hints.
    pub(crate) full: Vec<i64>,
    pub(crate) roomy: Vec<i64>,
    /// The code's pool as routing read it, for the next scans.
    pub(crate) pool: Option<(PoolStamp, Pool)>,
    member: MemberId,
    seat: Seat,
    opened: bool,
    redemption: Option<(gift::Redemption, Option<gift::Gift>)>,
    group: Option<group::Group>,
    group_qr_until: Option<i64>,
}

/// Routes a scan of code `id` (see the module's note), in a transaction of its own.
pub async fn scan(db: &Db, t: TenantId, id: i64, input: ScanInput) -> Result<Landing> {
    let mut p = prepare(db, t, id, input.clone()).await?;
    for _ in 0..3 {
        let mut tx = db.begin().await?;
        if let Some(a) = apply(&mut On::Tx(&mut tx), t, &p).await? {
            tx.commit().await?;
            return finish(&p, a);
        }
        drop(tx);
        p = prepare(db, t, id, input.clone()).await?;
    }
    Err(CoreError::Store(StoreError::Commit(
        "the code kept changing during the scan".into(),
    )))
}

/// Reads what a scan needs before its transaction: the code, the member and their traits.
pub(crate) async fn prepare(db: &Db, t: TenantId, id: i64, input: ScanInput) -> Result<Prepared> {
    let code = super::get(db, t, id).await?;
    let offset = crate::zone::offset_secs(db, t).await?;
    prepare_code(db, t, code, offset, input).await
}

/// [`prepare`] with the code and the tenant's offset from UTC already read.
pub(crate) async fn prepare_code(
    db: &Db,
    t: TenantId,
    code: LiveCode,
    offset: i64,
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
        told: Default::default(),
        pool: None,
        code,
        who,
        traits,
        referral,
        network: input
            .ip
            .as_deref()
            .and_then(quanzi_domain::referral::guard::network),
        offset,
    })
}

/// The scan's writes, in its transaction (its own, a savepoint of a shared one, or the
/// writer's): `None`, having written nothing, when the code changed since `p` read it.
pub(crate) async fn apply(on: &mut On<'_>, t: TenantId, p: &Prepared) -> Result<Option<Applied>> {
    let code = &p.code;
    let id = code.live_code_id;
    let now = now_ms();
    repo::lock(on, t, id).await?;
    let read = (
        code.updated_at_ms,
        code.archived_at_ms,
        code.wecom_qr_url.clone(),
    );
    if repo::stamp(on, t, id).await? != Some(read) {
        return Ok(None);
    }
    let (m, fresh, has_source) = match &p.who {
        Who::Member {
            id,
            fresh,
            has_source,
        } => (*id, *fresh, *has_source),
        Who::Visitor(key) => {
            let source = format!("live_code:{}", code.slug);
            // A visitor is a prospect: the code's gift is theirs (issued once).
            let (m, _) = crate::visitors::visitor_in(on, t, key, &source, now).await?;
            (m, true, true)
        }
    };
    let held = repo::seat(on, t, id, m).await?;
    let d = route::decide(on, t, held.clone(), p, now).await?;
    let mut seat = d.seat;
    seat.network = p.network.clone();
    if let Some((program, inviter)) = p.referral {
        seat.program_id = Some(program);
        seat.inviter_member_id = Some(inviter.0);
    }
    repo::hold(on, t, id, m, &seat).await?;
    if let Some((program, sharer)) = p.referral.filter(|_| held.is_none()) {
        // Rewards run in the async driver's transaction: scans that carry a share are
        // never sent to the writer (see `super::lane`).
        let Some(tx) = on.tx() else {
            return Err(CoreError::Store(StoreError::Commit(
                "a scan with a referral ran on the writer".into(),
            )));
        };
        let net = seat.network.clone();
        crate::referrals::on_visit(tx, t, program, sharer, m, net.as_deref(), now).await?;
    }
    record::record_visit(on, t, code, m, &seat, now).await?;
    if !has_source {
        member::set_source_on(on, t, m, &format!("live_code:{}", code.slug), now).await?;
    }
    let redemption = match code.gift_id.filter(|_| fresh) {
        Some(g) => match record::issue_gift(on, t, g, m, id, now).await? {
            Some(r) => {
                let g = gift::get_on(on, t, r.gift_id).await?;
                Some((r, g))
            }
            None => None,
        },
        None => None,
    };
    let (group, group_qr_until) = match seat.group_id.map(GroupId) {
        Some(g) => (
            group::get_on(on, t, g).await?,
            repo::qr_valid_until(on, t, g, now).await?,
        ),
        None => (None, None),
    };
    Ok(Some(Applied {
        full: d.full,
        roomy: d.roomy,
        pool: d.pool,
        member: m,
        seat,
        opened: d.opened.is_some(),
        redemption,
        group,
        group_qr_until,
    }))
}

/// The landing after the commit, from what the transaction read.
pub(crate) fn finish(p: &Prepared, a: Applied) -> Result<Landing> {
    let redemption = match a.redemption {
        Some((r, Some(g))) => Some((Redemption::from(r), Gift::from(g))),
        Some((_, None)) => return Err(CoreError::NotFound("gift")),
        None => None,
    };
    Ok(Landing {
        code: p.code.clone(),
        member: a.member,
        group: a.group.map(Group::from),
        staff: a.seat.staff_userid,
        opened: a.opened,
        joined: a.seat.joined_at_ms.is_some(),
        redemption,
        group_qr_until: a.group_qr_until,
        offset_secs: p.offset,
    })
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
    repo::lock(&mut On::Tx(&mut tx), t, id).await?;
    let seat = repo::seat(&mut On::Tx(&mut tx), t, id, m)
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
