//! Members: create, update, get, list, merge, custom fields and bulk tagging.

use quanzi_domain::member::{CustomFieldDef, CustomFieldKind, MemberInput};
use quanzi_domain::tag::TagInput;
use quanzi_domain::{FieldError, Invalid, MemberId, TagId, TenantId};
use quanzi_store::member::{self as repo, MemberFilter};
use quanzi_store::tag;
use quanzi_store::{Db, StoreError, tenant, unique};

use crate::views::{self, Member, Tag};
use crate::{CoreError, Page, Result, ResultExt, page_of};

/// A write of a member whose phone, unionid or external_userid another member of the tenant
/// has is a conflict naming that field.
pub(crate) fn on_member_keys<T>(r: std::result::Result<T, StoreError>) -> Result<T> {
    r.on_constraint(unique::MEMBER_PHONE, |_| CoreError::conflict("phone"))
        .on_constraint(unique::MEMBER_UNIONID, |_| CoreError::conflict("unionid"))
        .on_constraint(unique::MEMBER_EXTERNAL_USERID, |_| {
            CoreError::conflict("external_userid")
        })
}

mod preview;
pub use preview::{MergePreview, merge_preview};

/// Creates a member.
pub async fn create(db: &Db, t: TenantId, input: MemberInput) -> Result<Member> {
    let defs = tenant::custom_fields(db, t).await?;
    let new = input.into_new(&defs)?;
    let mut tx = db.begin().await?;
    let m = on_member_keys(repo::create(&mut tx, t, &new).await)?;
    tx.commit().await?;
    Ok(m.into())
}

/// Updates a member.
pub async fn update(db: &Db, t: TenantId, id: MemberId, input: MemberInput) -> Result<Member> {
    let defs = tenant::custom_fields(db, t).await?;
    let patch = input.into_patch(&defs)?;
    let mut tx = db.begin().await?;
    let m = on_member_keys(repo::update(&mut tx, t, id, &patch).await)?
        .ok_or(CoreError::NotFound("member"))?;
    tx.commit().await?;
    Ok(m.into())
}

/// Gets a member.
pub async fn get(db: &Db, t: TenantId, id: MemberId) -> Result<Member> {
    repo::get(db, t, id)
        .await?
        .map(Member::from)
        .ok_or(CoreError::NotFound("member"))
}

/// Lists members page by page.
pub async fn list(db: &Db, t: TenantId, filter: MemberFilter) -> Result<Page<Member>> {
    let limit = filter.limit;
    let items = repo::list(db, t, &filter).await?;
    let items = views::all(items);
    Ok(page_of(items, limit, |m| m.member_id.0))
}

/// Merges `source` into `target` (the same person known twice).
pub async fn merge(db: &Db, t: TenantId, target: MemberId, source: MemberId) -> Result<Member> {
    if target == source {
        return Err(Invalid::one("source_member_id", "must differ from the target").into());
    }
    let mut tx = db.begin().await?;
    let m = match repo::merge(&mut tx, t, target, source).await {
        Err(StoreError::AlreadyMerged) => Err(CoreError::Invalid(Invalid::one(
            "source_member_id",
            "one of the two members was already merged",
        ))),
        r => on_member_keys(r),
    }?;
    let m = m.ok_or(CoreError::NotFound("member"))?;
    tx.commit().await?;
    Ok(m.into())
}

/// Defines a custom member field.
pub async fn define_custom_field(
    db: &Db,
    t: TenantId,
    key: &str,
    label: &str,
    kind: &str,
) -> Result<CustomFieldDef> {
    let mut e = Invalid::default();
    let key = quanzi_domain::text::key(&mut e, "key", key, 32);
    let label = quanzi_domain::text::required(&mut e, "label", label, 32);
    let kind = CustomFieldKind::parse(kind);
    if kind.is_none() {
        e.push(
            "kind",
            format!("must be one of: {}", CustomFieldKind::expected()),
        );
    }
    let (Some(key), Some(label), Some(kind)) = (key, label, kind) else {
        return Err(e.into());
    };
    let def = CustomFieldDef { key, label, kind };
    let mut tx = db.begin().await?;
    tenant::put_custom_field(&mut tx, t, &def).await?;
    tx.commit().await?;
    Ok(def)
}

/// The tenant's custom fields.
pub async fn custom_fields(db: &Db, t: TenantId) -> Result<Vec<CustomFieldDef>> {
    Ok(tenant::custom_fields(db, t).await?)
}

/// The tenant's tags.
pub async fn tags(db: &Db, t: TenantId) -> Result<Vec<Tag>> {
    Ok(views::all(tag::list(db, t).await?))
}

/// Result of a bulk tag change.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BulkTagResult {
    /// The tag.
    pub tag: Tag,
    /// Taggings added or removed.
    pub changed: u64,
}

/// Adds (or removes) one tag on many members at once; all members must exist or nothing changes.
pub async fn bulk_tag(
    db: &Db,
    t: TenantId,
    input: TagInput,
    ids: &[MemberId],
    remove: bool,
) -> Result<BulkTagResult> {
    let member_ids: Vec<i64> = ids.iter().map(|m| m.0).collect();
    let name = input.parse()?;
    if member_ids.is_empty() || member_ids.len() > 10_000 {
        return Err(Invalid::one("member_ids", "must list 1 to 10000 members").into());
    }
    let found = repo::existing(db, t, &member_ids).await?;
    let missing: Vec<FieldError> = member_ids
        .iter()
        .enumerate()
        .filter(|(_, id)| !found.contains(id))
        .map(|(i, _)| FieldError::new("member_ids", "no such member").at(i))
        .collect();
    if !missing.is_empty() {
        return Err(Invalid(missing).into());
    }
    let mut tx = db.begin().await?;
    let tag_id: TagId = tag::ensure(&mut tx, t, &name).await?;
    let changed = if remove {
        tag::untag_members(&mut tx, t, tag_id, ids).await?
    } else {
        tag::tag_members(&mut tx, t, tag_id, ids).await?
    };
    tx.commit().await?;
    let tag = tag::get(db, t, tag_id)
        .await?
        .ok_or(CoreError::NotFound("tag"))?;
    Ok(BulkTagResult {
        tag: tag.into(),
        changed,
    })
}
