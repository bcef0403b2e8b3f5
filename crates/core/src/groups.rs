//! Groups: create, update, list, membership with roles and the join/leave history.

use quanzi_domain::event::Builtin;
use quanzi_domain::group::{GroupInput, GroupRole};
use quanzi_domain::{GroupId, Invalid, MemberId, TenantId};
use quanzi_store::group as repo;
use quanzi_store::{Db, StoreError, member, now_ms, unique};

use crate::views::{self, Group, GroupMember, MembershipChange};
use crate::{CoreError, Page, Result, ResultExt, page_of};

/// A write of a group whose external_chat_id another group of the tenant has is a conflict
/// naming that field.
pub(crate) fn on_group_keys<T>(r: std::result::Result<T, StoreError>) -> Result<T> {
    r.on_constraint(unique::CHAT_GROUP_EXTERNAL, |_| {
        CoreError::conflict("external_chat_id")
    })
}

/// Creates a group.
pub async fn create(db: &Db, t: TenantId, input: GroupInput) -> Result<Group> {
    let g = input.into_new()?;
    let mut tx = db.begin().await?;
    let g = on_group_keys(repo::create(&mut tx, t, &g, now_ms()).await)?;
    tx.commit().await?;
    Ok(g.into())
}

/// Updates a group; capacities are checked against the stored ones and the current size.
pub async fn update(db: &Db, t: TenantId, id: GroupId, input: GroupInput) -> Result<Group> {
    let cur = get(db, t, id).await?;
    let patch = input.into_patch(cur.capacity_hard, cur.capacity_advised)?;
    if let Some(h) = patch.capacity_hard
        && h < cur.size
    {
        return Err(Invalid::one(
            "capacity_hard",
            format!("must be at least the current size ({})", cur.size),
        )
        .into());
    }
    let mut tx = db.begin().await?;
    let g = on_group_keys(repo::update(&mut tx, t, id, &patch).await)?
        .ok_or(CoreError::NotFound("group"))?;
    tx.commit().await?;
    Ok(g.into())
}

/// Archives a group (kept with its history, hidden from the lists, closed to joins) or,
/// with `archived` false, brings it back.
pub async fn set_archived(db: &Db, t: TenantId, id: GroupId, archived: bool) -> Result<Group> {
    let mut tx = db.begin().await?;
    let at = archived.then(now_ms);
    let g = repo::set_archived(&mut tx, t, id, at)
        .await?
        .ok_or(CoreError::NotFound("group"))?;
    tx.commit().await?;
    Ok(g.into())
}

/// Gets a group.
pub async fn get(db: &Db, t: TenantId, id: GroupId) -> Result<Group> {
    repo::get(db, t, id)
        .await?
        .map(Group::from)
        .ok_or(CoreError::NotFound("group"))
}

/// Every group of the tenant, by id (read a page of 500 at a time).
pub async fn all(db: &Db, t: TenantId) -> Result<Vec<Group>> {
    const PAGE: i64 = 500;
    let mut out = Vec::new();
    loop {
        let after = out.last().map(|g: &Group| g.group_id.0);
        let page = repo::list(db, t, None, after, PAGE).await?;
        let full = page.len() as i64 == PAGE;
        out.extend(page.into_iter().map(Group::from));
        if !full {
            return Ok(out);
        }
    }
}

/// Lists groups.
pub async fn list(
    db: &Db,
    t: TenantId,
    dimension: Option<&str>,
    cursor: Option<i64>,
    limit: i64,
) -> Result<Page<Group>> {
    if let Some(d) = dimension
        && quanzi_domain::group::GroupDimension::parse(d).is_none()
    {
        return Err(Invalid::one(
            "dimension",
            format!(
                "must be one of: {}",
                quanzi_domain::group::GroupDimension::expected()
            ),
        )
        .into());
    }
    let items = repo::list(db, t, dimension, cursor, limit).await?;
    let items = views::all(items);
    Ok(page_of(items, limit, |g| g.group_id.0))
}

/// Current members of a group.
pub async fn members(
    db: &Db,
    t: TenantId,
    id: GroupId,
    cursor: Option<i64>,
    limit: i64,
) -> Result<Page<GroupMember>> {
    get(db, t, id).await?;
    let items = repo::members(db, t, id, cursor, limit).await?;
    let items = views::all(items);
    Ok(page_of(items, limit, |m| m.member_id.0))
}

/// Adds a member to a group (a join now), refusing when the group is at its hard capacity.
pub async fn add_member(
    db: &Db,
    t: TenantId,
    id: GroupId,
    member_id: MemberId,
    role: Option<&str>,
    join_scene: Option<String>,
    inviter: Option<MemberId>,
) -> Result<Group> {
    let role = match role {
        None => None,
        Some(r) => Some(GroupRole::parse(r).ok_or_else(|| {
            Invalid::one("role", format!("must be one of: {}", GroupRole::expected()))
        })?),
    };
    get(db, t, id).await?;
    member::get(db, t, member_id)
        .await?
        .ok_or(CoreError::NotFound("member"))?;
    if let Some(inv) = inviter {
        member::get(db, t, inv)
            .await?
            .ok_or_else(|| Invalid::one("inviter_member_id", "no such member"))?;
    }
    let mut tx = db.begin().await?;
    let already = join_in(&mut tx, t, id, member_id, join_scene, inviter).await?;
    if let Some(r) = role.filter(|r| already || *r != GroupRole::Member) {
        repo::set_role(&mut tx, t, id, member_id, r).await?;
    }
    tx.commit().await?;
    get(db, t, id).await
}

/// Joins `member_id` to the group in an open transaction, refusing when the group is
/// archived or at its hard capacity; answers true when they were a member already (nothing
/// is written then).
pub(crate) async fn join_in(
    tx: &mut quanzi_store::Tx,
    t: TenantId,
    id: GroupId,
    member_id: MemberId,
    join_scene: Option<String>,
    inviter: Option<MemberId>,
) -> Result<bool> {
    // Size, capacity and archive are read in the transaction that joins, the group's row
    // locked: two joins at the same moment cannot both take the last place.
    let (size, hard, archived) = repo::lock_for_join(tx, t, id)
        .await?
        .ok_or(CoreError::NotFound("group"))?;
    if archived.is_some() {
        return Err(Invalid::one("group_id", "the group is archived").into());
    }
    let already = repo::groups_of_member_tx(tx, t, member_id)
        .await?
        .contains(&id.0);
    if !already && size >= hard {
        return Err(
            Invalid::one("group_id", format!("the group is full ({size} of {hard})")).into(),
        );
    }
    if !already {
        let mut props = serde_json::Map::new();
        if let Some(s) = join_scene {
            props.insert("join_scene".into(), s.into());
        }
        if let Some(inv) = inviter {
            props.insert("inviter_member_id".into(), inv.0.into());
        }
        membership_event(tx, t, id, member_id, Builtin::Join.as_str(), props).await?;
    }
    Ok(already)
}

/// What adding a selection of members to a group did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Added {
    /// Members who joined.
    pub added: usize,
    /// Members who were in the group already.
    pub already: usize,
    /// Members left out because the group reached its hard capacity.
    pub full: usize,
}

/// Adds each member of `ids` to the group (a join each, as [`add_member`]), until the group
/// reaches its hard capacity; the members it leaves out are counted, not refused one by one.
pub async fn add_members(db: &Db, t: TenantId, id: GroupId, ids: &[MemberId]) -> Result<Added> {
    let mut g = get(db, t, id).await?;
    if g.archived_at_ms.is_some() {
        return Err(Invalid::one("group_id", "the group is archived").into());
    }
    let mut done = Added::default();
    let current: std::collections::HashSet<i64> =
        repo::member_ids(db, t, id).await?.into_iter().collect();
    for (i, m) in ids.iter().enumerate() {
        if current.contains(&m.0) {
            done.already += 1;
            continue;
        }
        if g.size >= g.capacity_hard {
            done.full += ids[i..].iter().filter(|m| !current.contains(&m.0)).count();
            break;
        }
        match add_member(db, t, id, *m, None, Some("operator".into()), None).await {
            Ok(now) => {
                g = now;
                done.added += 1;
            }
            Err(CoreError::Invalid(_)) => {
                done.full += 1;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

/// Stores a join or leave made through the API as the event it is, in `tx`: the same path
/// as an ingested event — membership applied by the event, and the outbox rows
/// (`member.joined`, `member.left`, `group.full`) written by `events::store`.
async fn membership_event(
    tx: &mut quanzi_store::Tx,
    t: TenantId,
    group: GroupId,
    member: MemberId,
    kind: &str,
    properties: serde_json::Map<String, serde_json::Value>,
) -> Result<()> {
    let now = now_ms();
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce)
        .map_err(|e| CoreError::Invalid(Invalid::one("group_id", e.to_string())))?;
    let kind = quanzi_domain::event::EventKind::builtin(kind)
        .ok_or_else(|| Invalid::one("kind", "is not a built-in kind"))?;
    let ev = quanzi_domain::event::NewEvent {
        idempotency_key: format!(
            "api-{}-{}-{}-{now}-{}",
            kind.as_str(),
            group.0,
            member.0,
            hex::encode(nonce)
        ),
        kind,
        member_id: member,
        group_id: Some(group),
        occurred_at_ms: now,
        amount_fen: None,
        product: None,
        reference: None,
        properties: serde_json::Value::Object(properties).to_string(),
    };
    let events = [ev];
    crate::events::store(tx, t, &events).await?;
    Ok(())
}

/// Removes a member from a group (a leave now).
pub async fn remove_member(
    db: &Db,
    t: TenantId,
    id: GroupId,
    member_id: MemberId,
) -> Result<Group> {
    get(db, t, id).await?;
    let mut tx = db.begin().await?;
    if !repo::groups_of_member_tx(&mut tx, t, member_id)
        .await?
        .contains(&id.0)
    {
        return Err(CoreError::NotFound("membership"));
    }
    membership_event(
        &mut tx,
        t,
        id,
        member_id,
        Builtin::Leave.as_str(),
        serde_json::Map::new(),
    )
    .await?;
    tx.commit().await?;
    get(db, t, id).await
}

/// A page of a group's joins and leaves, latest first, from a cursor a previous page gave.
pub async fn history(
    db: &Db,
    t: TenantId,
    id: GroupId,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Page<MembershipChange>> {
    get(db, t, id).await?;
    let before = crate::parse_keyset::<2>(cursor)?;
    let items = repo::history_page_of_group(db, t, id, before, limit).await?;
    Ok(history_page(items, limit))
}

/// A page of a member's joins and leaves, latest first, from a cursor a previous page gave.
pub async fn member_history(
    db: &Db,
    t: TenantId,
    member: quanzi_domain::MemberId,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Page<MembershipChange>> {
    let before = crate::parse_keyset::<2>(cursor)?;
    let items = repo::history_page_of_member(db, t, member, before, limit).await?;
    Ok(history_page(items, limit))
}

/// A page of history whose cursor is the last change's key.
fn history_page(items: Vec<repo::MembershipChange>, limit: i64) -> Page<MembershipChange> {
    let next_cursor = (items.len() as i64 == limit)
        .then(|| items.last().map(|c| crate::keyset_cursor(&c.key())))
        .flatten();
    let items = items.into_iter().map(MembershipChange::from).collect();
    Page { items, next_cursor }
}
